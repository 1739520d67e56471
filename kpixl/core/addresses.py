"""E-mail addresses as the roster, Units and Config hold them.

One address per cell, bare (``somchai.j@example.org``). Sending, the roster checks and
the Config checks all use :func:`check_address`, so an address either passes everywhere
or is reported everywhere with the same words.
"""

from __future__ import annotations

import re

__all__ = ["AddressProblem", "check_address"]

# a practical subset of RFC 5321: ASCII local part of atoms joined by dots, a domain of
# labels (letters, digits, hyphens; an internationalised domain is typed in its xn-- form)
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"({_LOCAL})@((?:{_LABEL}\.)+[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9])")


class AddressProblem(str):
    """Why a text is not an address: a short Thai / English reason."""

    __slots__ = ()


def check_address(text: object) -> tuple[str, AddressProblem | None]:
    """The address in ``text`` (surrounding spaces removed, the domain lower-cased) and
    None, or the text as typed and why it is not one address."""
    raw = "" if text is None else str(text)
    value = raw.strip()
    if not value:
        return "", AddressProblem("ว่าง / blank")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return raw, AddressProblem("มีอักขระควบคุม / contains a control character")
    if any(sep in value for sep in (",", ";", " ")):
        return raw, AddressProblem(
            "ใส่ได้ช่องละหนึ่งที่อยู่ ไม่มีช่องว่าง / one address per cell, no spaces"
        )
    match = _ADDRESS.fullmatch(value)
    if match is None or len(value) > 254 or len(match.group(1)) > 64:
        return raw, AddressProblem(
            "ไม่ใช่รูปแบบอีเมล เช่น somchai@example.org / not an address like somchai@example.org"
        )
    return f"{match.group(1)}@{match.group(2).lower()}", None
