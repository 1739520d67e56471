"""Outlook ``.msg`` files (MS-OXMSG) as :class:`email.message.EmailMessage` objects.

HR saves replies from Outlook as ``.msg``; ``kpixl mail fetch`` reads them like
``.eml`` files. A ``.msg`` is an OLE compound file: each MAPI property is a stream named
``__substg1.0_<id><type>`` (strings, binaries, embedded messages) or an entry in the
``__properties_version1.0`` stream (fixed-size values), each attachment a storage
``__attach_version1.0_#<n>``. olefile (BSD, already a kpixl dependency) reads the
compound file; this module maps the few properties kpixl needs:

- the Internet headers Outlook keeps (``PR_TRANSPORT_MESSAGE_HEADERS``: From, Subject,
  Date, Message-ID, In-Reply-To), else the subject, sender and Message-ID properties;
- the plain-text body;
- every attachment by value (its long file name and bytes) and every attached
  message (a forwarded ``.msg`` inside), as a ``message/rfc822`` part, to ``MAX_DEPTH``.

The result is only read from: names and texts stay text for the caller to check.
"""

from __future__ import annotations

import io
import struct
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.parser import HeaderParser
from email.policy import default as default_policy
from email.utils import format_datetime

import olefile

__all__ = ["MAX_DEPTH", "MsgError", "read_msg"]

MAX_DEPTH = 5  # attached messages inside attached messages: deeper ones are left out

PR_SUBJECT = 0x0037
PR_CLIENT_SUBMIT_TIME = 0x0039
PR_TRANSPORT_MESSAGE_HEADERS = 0x007D
PR_SENDER_NAME = 0x0C1A
PR_SENDER_EMAIL_ADDRESS = 0x0C1F
PR_MESSAGE_DELIVERY_TIME = 0x0E06
PR_BODY = 0x1000
PR_INTERNET_MESSAGE_ID = 0x1035
PR_ATTACH_DATA = 0x3701
PR_ATTACH_FILENAME = 0x3704
PR_ATTACH_LONG_FILENAME = 0x3707
PR_DISPLAY_NAME = 0x3001
PR_MESSAGE_CODEPAGE = 0x3FFD
PR_SENDER_SMTP_ADDRESS = 0x5D01

PT_STRING8, PT_UNICODE, PT_BINARY, PT_OBJECT, PT_SYSTIME, PT_LONG = (
    0x001E,
    0x001F,
    0x0102,
    0x000D,
    0x0040,
    0x0003,
)
_PROPERTIES = "__properties_version1.0"
_ATTACH = "__attach_version1.0_#"
_HEADERS_TO_KEEP = ("From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To")


class MsgError(ValueError):
    """The bytes are not an Outlook message kpixl can read."""


def _filetime(value: int) -> datetime | None:
    if value <= 0:
        return None
    try:
        return datetime(1601, 1, 1, tzinfo=UTC) + timedelta(microseconds=value // 10)
    except OverflowError:
        return None


class _Storage:
    """One message or attachment storage inside the compound file."""

    def __init__(self, ole: olefile.OleFileIO, prefix: list[str], header: int) -> None:
        self.ole, self.prefix = ole, prefix
        self.fixed: dict[int, tuple[int, bytes]] = {}  # property id → (type, 8 value bytes)
        path = [*prefix, _PROPERTIES]
        if ole.exists("/".join(path)):
            data = ole.openstream(path).read()
            for offset in range(header, len(data) - 15, 16):
                tag = struct.unpack_from("<I", data, offset)[0]
                self.fixed[tag >> 16] = (tag & 0xFFFF, data[offset + 8 : offset + 16])

    def stream(self, prop: int, kind: int) -> bytes | None:
        path = [*self.prefix, f"__substg1.0_{prop:04X}{kind:04X}"]
        if not self.ole.exists("/".join(path)):
            return None
        data: bytes = self.ole.openstream(path).read()
        return data

    def text(self, prop: int, codepage: str) -> str | None:
        data = self.stream(prop, PT_UNICODE)
        if data is not None:
            return data.decode("utf-16-le", errors="replace").rstrip("\x00")
        data = self.stream(prop, PT_STRING8)
        if data is not None:
            return data.decode(codepage, errors="replace").rstrip("\x00")
        return None

    def long(self, prop: int) -> int | None:
        kind, value = self.fixed.get(prop, (0, b""))
        return struct.unpack_from("<i", value)[0] if kind == PT_LONG and value else None

    def time(self, prop: int) -> datetime | None:
        kind, value = self.fixed.get(prop, (0, b""))
        return _filetime(struct.unpack_from("<q", value)[0]) if kind == PT_SYSTIME else None

    def children(self, start: str) -> list[str]:
        """The names of the storages directly below this one that start with ``start``."""
        depth = len(self.prefix)
        names = {
            entry[depth]
            for entry in self.ole.listdir(streams=False, storages=True)
            if len(entry) > depth
            and entry[:depth] == self.prefix
            and entry[depth].startswith(start)
        }
        return sorted(names)


def _codepage(storage: _Storage) -> str:
    number = storage.long(PR_MESSAGE_CODEPAGE)
    name = f"cp{number}" if number else "cp874"  # Thai Windows when Outlook does not say
    try:
        "".encode(name)
    except LookupError:
        return "cp874"
    return name


def _message(storage: _Storage, depth: int) -> EmailMessage:
    codepage = _codepage(storage)
    message = EmailMessage(policy=default_policy)
    headers = storage.text(PR_TRANSPORT_MESSAGE_HEADERS, codepage)
    kept = HeaderParser(policy=default_policy).parsestr(headers) if headers else None
    for name in _HEADERS_TO_KEEP:
        value = kept.get(name) if kept is not None else None
        if value:
            message[name] = str(value)
    if "Subject" not in message:
        message["Subject"] = storage.text(PR_SUBJECT, codepage) or ""
    if "From" not in message:
        name = storage.text(PR_SENDER_NAME, codepage) or ""
        address = (
            storage.text(PR_SENDER_SMTP_ADDRESS, codepage)
            or storage.text(PR_SENDER_EMAIL_ADDRESS, codepage)
            or ""
        )
        sender = f"{name} <{address}>" if name and "@" in address else (address or name)
        if sender:
            message["From"] = sender
    if "Message-ID" not in message:
        message_id = storage.text(PR_INTERNET_MESSAGE_ID, codepage)
        if message_id:
            message["Message-ID"] = message_id
    if "Date" not in message:
        when = storage.time(PR_CLIENT_SUBMIT_TIME) or storage.time(PR_MESSAGE_DELIVERY_TIME)
        if when is not None:
            message["Date"] = format_datetime(when)
    message.set_content(storage.text(PR_BODY, codepage) or "")
    for name in storage.children(_ATTACH):
        attachment = _Storage(storage.ole, [*storage.prefix, name], header=8)
        embedded = [*attachment.prefix, f"__substg1.0_{PR_ATTACH_DATA:04X}{PT_OBJECT:04X}"]
        if storage.ole.exists("/".join(embedded)):
            if depth < MAX_DEPTH:
                inner = _message(_Storage(storage.ole, embedded, header=24), depth + 1)
                message.add_attachment(inner)
            continue
        data = attachment.stream(PR_ATTACH_DATA, PT_BINARY)
        if data is None:
            continue  # an attachment by reference or an OLE object: no file to take
        filename = (
            attachment.text(PR_ATTACH_LONG_FILENAME, codepage)
            or attachment.text(PR_ATTACH_FILENAME, codepage)
            or attachment.text(PR_DISPLAY_NAME, codepage)
            or ""
        )
        message.add_attachment(
            data, maintype="application", subtype="octet-stream", filename=filename
        )
    return message


def read_msg(data: bytes) -> EmailMessage:
    """The Outlook message in ``data`` as an e-mail message (headers, text, attachments).

    Raises :class:`MsgError` when ``data`` is not a compound file holding a message."""
    # olefile takes bytes shorter than 1,536 for a file *name*: always hand it a stream
    if data[: len(olefile.MAGIC)] != olefile.MAGIC:
        raise MsgError("not an OLE compound file")
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:  # olefile raises many kinds on damaged files
        raise MsgError(f"damaged compound file: {exc}") from exc
    with ole:
        if not ole.exists(_PROPERTIES):
            raise MsgError("no message properties (not an Outlook message)")
        try:
            return _message(_Storage(ole, [], header=32), 0)
        except MsgError:
            raise
        except Exception as exc:  # a damaged stream inside: the caller reports the file
            raise MsgError(f"damaged message: {type(exc).__name__}: {exc}") from exc
