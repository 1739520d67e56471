"""Outlook ``.msg`` files for the tests, written by extract-msg's ``OleWriter`` (a real
OLE compound-file writer) with the MAPI property streams Outlook writes (MS-OXMSG).

Test-only: extract-msg is GPL-3.0, so kpixl itself reads ``.msg`` with olefile
(``kpixl/io/msg.py``); the tests read every built file back with extract-msg too.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

from extract_msg import OleWriter

PT_LONG, PT_UNICODE, PT_BINARY, PT_OBJECT = 0x0003, 0x001F, 0x0102, 0x000D


@dataclass
class Msg:
    subject: str
    sender_name: str = ""
    sender: str = ""
    message_id: str = ""
    body: str = ""
    headers: str = ""  # PR_TRANSPORT_MESSAGE_HEADERS, as Outlook keeps them for received mail
    attachments: list[tuple[str, bytes]] = field(default_factory=list)
    embedded: list[Msg] = field(default_factory=list)  # forwarded messages, attached


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


def _properties(header: int, fixed: list[tuple[int, int, int]]) -> bytes:
    out = bytearray(header)
    for prop, kind, value in fixed:
        out += struct.pack("<IIq", (prop << 16) | kind, 6, value)
    return bytes(out)


def _add_message(writer: OleWriter, prefix: str, msg: Msg, header: int) -> None:
    strings = [
        (0x001A, "IPM.Note"),
        (0x0037, msg.subject),
        (0x0C1A, msg.sender_name),
        (0x5D01, msg.sender),
        (0x1035, msg.message_id),
        (0x1000, msg.body),
        (0x007D, msg.headers),
    ]
    fixed = []
    for prop, text in strings:
        if text:
            data = _utf16(text)
            writer.addEntry(f"{prefix}__substg1.0_{prop:04X}{PT_UNICODE:04X}", data)
            fixed.append((prop, PT_UNICODE, len(data)))
    writer.addEntry(f"{prefix}__properties_version1.0", _properties(header, fixed))
    items: list[tuple[str, bytes] | Msg] = [*msg.attachments, *msg.embedded]
    for n, item in enumerate(items):
        storage = f"{prefix}__attach_version1.0_#{n:08X}"
        writer.addEntry(storage, storage=True)
        if isinstance(item, Msg):
            inner = f"{storage}/__substg1.0_3701{PT_OBJECT:04X}"
            writer.addEntry(inner, storage=True)
            _add_message(writer, inner + "/", item, header=24)
            writer.addEntry(
                f"{storage}/__properties_version1.0", _properties(8, [(0x3705, PT_LONG, 5)])
            )
            continue
        name, data = item
        name_bytes = _utf16(name)
        writer.addEntry(f"{storage}/__substg1.0_3707{PT_UNICODE:04X}", name_bytes)
        writer.addEntry(f"{storage}/__substg1.0_3701{PT_BINARY:04X}", data)
        fixed_attach = [
            (0x3705, PT_LONG, 1),
            (0x3707, PT_UNICODE, len(name_bytes)),
            (0x3701, PT_BINARY, len(data)),
        ]
        writer.addEntry(f"{storage}/__properties_version1.0", _properties(8, fixed_attach))


def write_msg(path: Path, msg: Msg) -> Path:
    """``msg`` as an Outlook ``.msg`` file at ``path``."""
    writer = OleWriter()
    _add_message(writer, "", msg, header=32)
    writer.addEntry("__nameid_version1.0", storage=True)
    for stream in ("00020102", "00030102", "00040102"):
        writer.addEntry(f"__nameid_version1.0/__substg1.0_{stream}", b"")
    writer.write(str(path))
    return path
