"""kpixl's own Outlook .msg reader (kpixl/io/msg.py) against files written by a real OLE
writer, and cross-read by extract-msg."""

from __future__ import annotations

from pathlib import Path

import extract_msg
import pytest

from kpixl.io.msg import MAX_DEPTH, MsgError, read_msg
from tests.msg_builder import Msg, write_msg

WORKBOOK = b"PK\x03\x04" + bytes(range(256)) * 40  # bytes that must come back unchanged


def test_a_reply_with_a_workbook_reads_as_an_email_message(tmp_path: Path) -> None:
    path = write_msg(
        tmp_path / "reply.msg",
        Msg(
            subject="Re: แบบข้อตกลง รอบ 2570/1 – นายสมชาย ใจดี",
            sender_name="นายสมชาย ใจดี",
            sender="somchai@example.org",
            message_id="<reply-1@example.org>",
            body="ส่งคืนแบบข้อตกลงที่ลงนามแล้วครับ",
            attachments=[("2570-1_นายสมชาย-ใจดี.xlsx", WORKBOOK), ("note.txt", b"hello")],
        ),
    )
    other = extract_msg.openMsg(str(path))  # an independent reader agrees on the file
    assert other.subject == "Re: แบบข้อตกลง รอบ 2570/1 – นายสมชาย ใจดี"
    assert other.attachments[0].longFilename == "2570-1_นายสมชาย-ใจดี.xlsx"
    other.close()

    message = read_msg(path.read_bytes())
    assert message["Subject"] == "Re: แบบข้อตกลง รอบ 2570/1 – นายสมชาย ใจดี"
    assert message["From"].addresses[0].addr_spec == "somchai@example.org"
    assert message["From"].addresses[0].display_name == "นายสมชาย ใจดี"
    assert message["Message-ID"] == "<reply-1@example.org>"
    parts = list(message.iter_attachments())
    assert [p.get_filename() for p in parts] == ["2570-1_นายสมชาย-ใจดี.xlsx", "note.txt"]
    assert parts[0].get_content() == WORKBOOK
    assert "ส่งคืน" in message.get_body(("plain",)).get_content()


def test_the_internet_headers_outlook_keeps_win_over_the_properties(tmp_path: Path) -> None:
    headers = (
        "From: =?utf-8?b?4Lib4Li44LiN4LiN4Liy?= <boonya@example.org>\r\n"
        "Subject: Re: forms\r\nMessage-ID: <from-headers@example.org>\r\n"
        "In-Reply-To: <sent-7@example.org>\r\nDate: Mon, 02 Nov 2026 09:30:00 +0700\r\n\r\n"
    )
    path = write_msg(
        tmp_path / "h.msg",
        Msg(subject="other", sender="x@example.org", message_id="<prop@x>", headers=headers),
    )
    message = read_msg(path.read_bytes())
    assert message["Message-ID"] == "<from-headers@example.org>"
    assert message["In-Reply-To"] == "<sent-7@example.org>"
    assert message["From"].addresses[0].addr_spec == "boonya@example.org"
    assert message["Date"].datetime.hour == 9


def test_a_forwarded_message_inside_is_a_message_part_with_its_attachment(tmp_path: Path) -> None:
    inner = Msg(
        subject="แบบประเมิน",
        sender="staff@example.org",
        message_id="<inner@example.org>",
        attachments=[("ผลการประเมิน.xlsx", WORKBOOK)],
    )
    path = write_msg(
        tmp_path / "fw.msg",
        Msg(subject="FW: แบบประเมิน", sender="head@example.org", embedded=[inner]),
    )
    message = read_msg(path.read_bytes())
    (part,) = list(message.iter_attachments())
    assert part.get_content_type() == "message/rfc822"
    forwarded = part.get_content()
    assert forwarded["Subject"] == "แบบประเมิน"
    (attached,) = list(forwarded.iter_attachments())
    assert attached.get_filename() == "ผลการประเมิน.xlsx"
    assert attached.get_content() == WORKBOOK


def test_forwards_nested_past_the_limit_are_left_out(tmp_path: Path) -> None:
    msg = Msg(subject="deepest", attachments=[("x.xlsx", WORKBOOK)])
    for depth in range(MAX_DEPTH + 2):
        msg = Msg(subject=f"FW {depth}", embedded=[msg])
    message = read_msg(write_msg(tmp_path / "deep.msg", msg).read_bytes())
    depth = 0
    while parts := list(message.iter_attachments()):
        message = parts[0].get_content()
        depth += 1
    assert depth == MAX_DEPTH  # the deeper ones were not followed


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not a message at all",
        b"PK\x03\x04" + b"\0" * 100,
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 600,
    ],
)
def test_what_is_not_an_outlook_message_is_a_msg_error(data: bytes) -> None:
    with pytest.raises(MsgError):
        read_msg(data)


def test_an_ole_file_that_is_no_message_is_a_msg_error(tmp_path: Path) -> None:
    from extract_msg import OleWriter

    writer = OleWriter()
    writer.addEntry("WordDocument", b"\0" * 100)
    writer.write(str(tmp_path / "doc.msg"))
    with pytest.raises(MsgError, match="not an Outlook message"):
        read_msg((tmp_path / "doc.msg").read_bytes())
