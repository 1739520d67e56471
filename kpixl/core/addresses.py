"""E-mail addresses as the roster, Units and Config hold them.

One address per cell, bare (``somchai.j@example.org``). Sending, the roster checks and
the Config checks all use :func:`check_address`, so an address either passes everywhere
or is reported everywhere with the same words. Config's ``mail_from`` and
``mail_reply_to`` may carry a name too (``กลุ่มบริหารทรัพยากรบุคคล <hr@example.org>``):
:func:`check_mailbox`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

__all__ = ["AddressProblem", "address_problems", "check_address", "check_mailbox", "shown"]

# a practical subset of RFC 5321: ASCII local part of atoms joined by dots, a domain of
# labels (letters, digits, hyphens; an internationalised domain is typed in its xn-- form)
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"({_LOCAL})@((?:{_LABEL}\.)+[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9])")
_MAILBOX = re.compile(r"([^<>]*?)\s*<([^<>]*)>")  # ชื่อ <address>
_SEPARATORS = re.compile(r"[\s,;]+")  # between two addresses typed in one cell
_LONGEST = 254  # RFC 5321: the longest path an SMTP server must take, less the <>
_FORMULA = "=+-@"  # a cell, or a CSV field, starting so is read as a formula


class AddressProblem(str):
    """Why a text is not an address: a short ``Thai / English`` reason."""

    __slots__ = ()

    @property
    def th(self) -> str:
        """The Thai half."""
        return self.partition(" / ")[0]

    @property
    def en(self) -> str:
        """The English half."""
        return self.partition(" / ")[2] or str(self)


def _has_control(text: str) -> bool:
    return any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text)


def check_address(text: object) -> tuple[str, AddressProblem | None]:
    """The address in ``text`` (surrounding spaces removed, the domain lower-cased) and
    None, or the text as typed and why it is not one address."""
    raw = "" if text is None else str(text)
    value = raw.strip()
    if not value:
        return "", AddressProblem("ว่าง / blank")
    if _has_control(value):
        return raw, AddressProblem("มีอักขระควบคุม / contains a control character")
    if value[0] in _FORMULA:
        return raw, AddressProblem(
            "ขึ้นต้นด้วย = + - @ ไม่ได้ (Excel อ่านเป็นสูตร) "
            "/ must not begin with = + - @ (Excel reads it as a formula)"
        )
    if sum("@" in part for part in _SEPARATORS.split(value)) > 1:
        return raw, AddressProblem("ใส่ได้ช่องละหนึ่งอีเมล / one address per cell")
    if any(c.isspace() for c in value):
        return raw, AddressProblem(
            "ใส่อีเมลอย่างเดียว ไม่มีชื่อหรือช่องว่าง / the address only: no name, no spaces"
        )
    if "," in value or ";" in value:
        return raw, AddressProblem(
            "มีเครื่องหมาย , หรือ ; (พิมพ์จุลภาคแทนจุดหรือไม่) / contains , or ; (a comma for a dot?)"
        )
    if len(value) > _LONGEST:
        return raw, AddressProblem(f"ยาวเกิน {_LONGEST} ตัวอักษร / longer than {_LONGEST} characters")
    if not value.isascii():
        return raw, AddressProblem(
            "ใช้ได้เฉพาะอักษรอังกฤษ ตัวเลข และ . _ - (ไม่มีอักษรไทยหรืออักขระพิเศษ) "
            "/ only Latin letters, digits and . _ - (no Thai or other letters)"
        )
    match = _ADDRESS.fullmatch(value)
    if match is None or len(match.group(1)) > 64:
        return raw, AddressProblem(
            "ไม่ใช่รูปแบบอีเมล เช่น somchai@example.org / not an address like somchai@example.org"
        )
    return f"{match.group(1)}@{match.group(2).lower()}", None


def check_mailbox(text: object) -> tuple[str, str, AddressProblem | None]:
    """The display name and the address of ``ชื่อ <address>`` or of a bare address, and
    None; or the name, the text as typed and why it is not one (the name is checked for
    control characters and stray angle brackets, the address by :func:`check_address`)."""
    raw = "" if text is None else str(text)
    value = raw.strip()
    match = _MAILBOX.fullmatch(value)
    if match is None:
        if "<" in value or ">" in value:
            return (
                "",
                raw,
                AddressProblem(
                    "เขียนแบบ ชื่อ <อีเมล> หรืออีเมลอย่างเดียว / write it as Name <address> or a bare address"
                ),
            )
        address, problem = check_address(value)
        return "", address, problem
    name = match.group(1).strip()
    if len(name) > 1 and name[0] == name[-1] == '"':
        name = name[1:-1].strip()
    if _has_control(name) or '"' in name:
        return (
            name,
            raw,
            AddressProblem(
                'ชื่อผู้ส่งมีอักขระควบคุมหรือเครื่องหมาย " / the name contains a control character or a "'
            ),
        )
    address, problem = check_address(match.group(2))
    return name, address, problem


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def address_problems(
    values: Sequence[object], owners: Sequence[str]
) -> tuple[list[tuple[int, AddressProblem]], list[tuple[int, int]]]:
    """The bad and the shared addresses of a column: ``(position, why)`` for each
    non-blank value that is not one address, and ``(position, first)`` for each address
    (case aside) that an earlier position of another owner holds too.

    ``owners`` says whose each address is (a person's id, a unit head's name): an owner
    listed twice with one address is not a clash; a blank owner is nobody's twin.
    """
    bad: list[tuple[int, AddressProblem]] = []
    repeated: list[tuple[int, int]] = []
    first: dict[str, int] = {}
    for position, (value, owner) in enumerate(zip(values, owners, strict=True)):
        if _blank(value):
            continue
        address, problem = check_address(value)
        if problem is not None:
            bad.append((position, problem))
            continue
        key = address.lower()
        earlier = first.setdefault(key, position)
        if earlier != position and not (owner and owner == owners[earlier]):
            repeated.append((position, earlier))
    return bad, repeated


def shown(value: object, *, limit: int = 80) -> str:
    """``value`` as a finding quotes it: control characters as ``\\xNN``, at most
    ``limit`` characters (then ``…``)."""
    text = "".join(
        f"\\x{ord(c):02x}" if ord(c) < 32 or 127 <= ord(c) < 160 else c for c in str(value)
    )
    return text if len(text) <= limit else text[: limit - 1] + "…"
