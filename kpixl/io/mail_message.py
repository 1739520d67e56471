"""One outgoing e-mail as ``email.message.EmailMessage`` builds it (the default policy).

Thai display names and subjects are RFC 2047 encoded by the policy, an attachment's
Thai file name RFC 2231 encoded; each message gets a Message-ID and a Date. Text that
comes from a workbook or the master (a name, a subject filled from a template) is
cleaned first: a CR, LF or other control character in a header would let one cell
add headers or recipients (header injection), so every one becomes a space.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from kpixl.core.addresses import check_address

__all__ = [
    "MIME_TYPES",
    "build_message",
    "clean_body",
    "clean_line",
    "parse_sender",
]

MIME_TYPES = {
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".xlsm": ("application", "vnd.ms-excel.sheet.macroEnabled.12"),
    ".pdf": ("application", "pdf"),
}
# C0 and C1 controls, DEL, and the Unicode line and paragraph separators
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u0085]")
_NAMED = re.compile(r"([^<>]*)<([^<>]+)>")  # Name <address>, nothing after
_BODY_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def clean_line(text: object, *, limit: int = 300) -> str:
    """``text`` as one header line: controls (CR, LF, tab…) become spaces, runs of
    spaces one, at most ``limit`` characters."""
    line = _CONTROL.sub(" ", "" if text is None else str(text))
    return " ".join(line.split())[:limit]


def clean_body(text: object) -> str:
    """A message body: line breaks kept (as ``\\n``), other controls removed."""
    body = ("" if text is None else str(text)).replace("\r\n", "\n").replace("\r", "\n")
    return _BODY_CONTROL.sub("", body)


def parse_sender(text: object) -> tuple[Address | None, str]:
    """Config's ``mail_from`` / ``mail_reply_to`` (``ชื่อ <hr@example.org>`` or a bare
    address) as an Address, or None and why not (Thai / English)."""
    raw = clean_line(text)
    if not raw:
        return None, "ว่าง / blank"
    name, addr = "", raw
    if "<" in raw or ">" in raw:
        match = _NAMED.fullmatch(raw)
        if match is None:
            return None, (
                f"เขียนเป็น ชื่อ <อีเมล> หนึ่งที่อยู่ เช่น ฝ่าย HR <hr@example.org>: {raw}"
                f" / write one Name <address>, e.g. HR <hr@example.org>: {raw}"
            )
        name, addr = match.group(1).strip().strip('"').strip(), match.group(2)
    address, problem = check_address(addr)
    if problem is not None:
        return None, str(problem)
    user, _, domain = address.partition("@")
    return Address(display_name=clean_line(name), username=user, domain=domain), ""


def build_message(
    *,
    sender: Address,
    to: str,
    to_name: str,
    subject: str,
    body: str,
    reply_to: Address | None = None,
    attachment: bytes | None = None,
    attachment_name: str = "",
    date: datetime | None = None,
    message_id: str | None = None,
) -> EmailMessage:
    """The message, its headers cleaned; ``attachment`` with its MIME type from
    ``attachment_name``'s extension (xlsx, xlsm, pdf; else octet-stream)."""
    message = EmailMessage()
    message["From"] = sender
    user, _, domain = to.partition("@")
    message["To"] = Address(display_name=clean_line(to_name), username=user, domain=domain)
    if reply_to is not None:
        message["Reply-To"] = reply_to
    message["Subject"] = clean_line(subject, limit=900)
    message["Date"] = (
        format_datetime(date) if date is not None else format_datetime(datetime.now().astimezone())
    )
    message["Message-ID"] = message_id or make_msgid(domain=sender.domain or None)
    message.set_content(clean_body(body), cte="base64")  # no 8BITMIME needed
    if attachment is not None:
        name = clean_line(Path(attachment_name).name) or "attachment"
        maintype, subtype = MIME_TYPES.get(
            Path(name).suffix.lower(), ("application", "octet-stream")
        )
        message.add_attachment(attachment, maintype=maintype, subtype=subtype, filename=name)
    return message
