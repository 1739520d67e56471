"""What an e-mail attachment is, told from its name's safety and its bytes, never trusted.

An attachment's name is text a sender chose. kpixl never writes a file under that name
(the name it files a workbook under comes from the workbook's metadata); still, a name
built to escape a folder (``../../x.xlsx``, ``C:\\x.xlsx``, ``/etc/x``, ``CON.xlsx``, a
NUL or other control character, hundreds of characters) marks a hostile or broken
message, and the attachment is refused (:func:`name_problem`).

:func:`sniff` tells from the first bytes what a file is — a zip package (an ``.xlsx``,
or a ``.docx``: :func:`is_workbook_package` looks inside), an OLE compound file (an
encrypted workbook, an old ``.xls`` or ``.doc``), a PDF, or text (a CSV renamed
``.xlsx``) — whatever its name says.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
import zlib
from typing import Literal

__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "MAX_NAME_CHARS",
    "Kind",
    "is_workbook_package",
    "looks_like_workbook_name",
    "name_problem",
    "sniff",
]

# a personal or unit workbook is well under 1 MB and kpixl reads none over 20 MB
# (kpixl.io.limits): a bigger attachment is refused before it is written anywhere
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_NAME_CHARS = 200

_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{d}{n}" for d in ("COM", "LPT") for n in (*"0123456789", "¹", "²", "³")}
)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xltx", ".xltm", ".csv")

Kind = Literal["zip", "ole", "pdf", "text", "empty", "other"]


def name_problem(name: str) -> tuple[str, str] | None:
    """Why an attachment's ``name`` is refused, in Thai and English; None for a plain name."""
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        return "มีอักขระควบคุม", "it holds control characters"
    if "/" in name or "\\" in name:
        return "มีเครื่องหมายแบ่งโฟลเดอร์ / หรือ \\", "it holds a path separator / or \\"
    if ":" in name:
        return "มีเครื่องหมาย : (ชื่อไดรฟ์หรือ stream)", "it holds a colon (a drive or a stream)"
    if name.strip(" .") == "" and name:
        return "มีแต่จุดหรือช่องว่าง", "it is only dots or spaces"
    if name.startswith(".."):
        return "ขึ้นต้นด้วย ..", "it starts with .."
    if len(name) > MAX_NAME_CHARS or len(name.encode("utf-8")) > 240:
        return f"ยาวเกิน {MAX_NAME_CHARS} ตัวอักษร", f"it is longer than {MAX_NAME_CHARS} characters"
    stem = name.split(".", 1)[0].rstrip(" ")
    if stem.upper() in _RESERVED:
        return "เป็นชื่อที่ Windows สงวนไว้", "it is a name Windows reserves for a device"
    return None


def looks_like_workbook_name(name: str) -> bool:
    """Whether the sender's name says Excel (for the message only: it decides nothing)."""
    return name.lower().endswith(_WORKBOOK_SUFFIXES)


def sniff(data: bytes) -> Kind:
    """What ``data`` is, from its first bytes."""
    if not data:
        return "empty"
    if data.startswith(_ZIP):
        return "zip"
    if data.startswith(_OLE):
        return "ole"
    if data.startswith(b"%PDF"):
        return "pdf"
    head = data[:4096]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = head.decode("utf-16") if head.startswith((b"\xff\xfe", b"\xfe\xff")) else ""
    if text and all(ch.isprintable() or ch in "\r\n\t\ufeff" for ch in text.rstrip("\x00")):
        return "text"
    return "other"


def is_workbook_package(data: bytes) -> bool:
    """Whether a zip package is an Excel workbook (it has ``xl/workbook.xml``); reads
    only the zip's directory, nothing is inflated."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return "xl/workbook.xml" in zf.namelist()
    except (zipfile.BadZipFile, zlib.error, ValueError, EOFError, OSError):
        return True  # a damaged package: let the workbook checks say what is wrong
