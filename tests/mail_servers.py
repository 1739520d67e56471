"""Real mail for the mail tests: a Dovecot IMAP server, messages, Outlook .msg files.

``imap_server`` (a session fixture; import it into a test module) is the Dovecot that
``.ci/run`` started (``KPIXL_TEST_IMAP_*`` in the environment) or, when those are not
set, one this fixture starts itself through ``.ci/dovecot`` in a temp folder and stops
at the end — so the tests run the same on a developer's machine. Messages go onto it
with ``imaplib``'s APPEND: a real client against the real server.

:func:`msg_file` writes an Outlook ``.msg`` with ``extract_msg.OleWriter`` (a real OLE
compound-file writer) holding the MAPI property streams Outlook writes: the message
class, subject, sender's name and address, Internet Message-ID, and per attachment its
long and short file name, data and attach method — an embedded message (attach method 5,
``__substg1.0_3701000D`` storage) for a forwarded one.
"""

from __future__ import annotations

import hashlib
import imaplib
import os
import shutil
import ssl
import struct
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@dataclass(frozen=True)
class ImapServer:
    host: str
    port: int
    ssl_port: int  # 0: no TLS (openssl missing)
    user: str
    password: str
    ca: str  # the self-signed certificate (trust it with SSL_CERT_FILE)

    def client(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(self.host, self.port, timeout=30)
        conn.login(self.user, self.password)
        return conn

    def new_mailbox(self, name: str) -> str:
        conn = self.client()
        try:
            conn.create(name)
        finally:
            conn.logout()
        return name

    def append(self, mailbox: str, raw: bytes) -> None:
        conn = self.client()
        try:
            typ, answer = conn.append(mailbox, None, None, raw)
            assert typ == "OK", answer
        finally:
            conn.logout()

    def state(self, mailbox: str) -> dict[bytes, tuple[frozenset[str], str]]:
        """Every message of ``mailbox``: UID → (flags but \\Recent, SHA-256 of its bytes),
        read through a read-only EXAMINE with BODY.PEEK (reading changes nothing)."""
        conn = self.client()
        try:
            typ, _ = conn.select(mailbox, readonly=True)
            assert typ == "OK"
            typ, answer = conn.uid("SEARCH", "ALL")
            found = {}
            for uid in answer[0].split():
                typ, data = conn.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
                line, body = data[0]
                flags = line.split(b"FLAGS (", 1)[1].split(b")", 1)[0].decode().split()
                found[uid] = (
                    frozenset(f for f in flags if f != "\\Recent"),
                    hashlib.sha256(body).hexdigest(),
                )
            return found
        finally:
            conn.logout()


def _from_env() -> ImapServer | None:
    env = os.environ
    if not env.get("KPIXL_TEST_IMAP_PORT"):
        return None
    return ImapServer(
        env.get("KPIXL_TEST_IMAP_HOST", "127.0.0.1"),
        int(env["KPIXL_TEST_IMAP_PORT"]),
        int(env.get("KPIXL_TEST_IMAP_SSL_PORT") or 0),
        env["KPIXL_TEST_IMAP_USER"],
        env["KPIXL_TEST_IMAP_PASSWORD"],
        env.get("KPIXL_TEST_IMAP_CA", ""),
    )


@pytest.fixture(scope="session")
def imap_server() -> Iterator[ImapServer]:
    """The Dovecot of ``.ci/run``, or one started here (and stopped at the end)."""
    server = _from_env()
    if server is not None:
        assert server.host == "127.0.0.1"  # loopback only
        yield server
        return
    folder = tempfile.mkdtemp(prefix="kpixl-dovecot.")  # under /tmp: mail processes run as nobody
    script = ROOT / ".ci" / "dovecot"
    try:
        subprocess.run([str(script), "start", folder], check=True, capture_output=True, timeout=60)
        values = {}
        for line in Path(folder, "env").read_text().splitlines():
            key, _, value = line.removeprefix("export ").partition("=")
            values[key] = value
        yield ImapServer(
            values["KPIXL_TEST_IMAP_HOST"],
            int(values["KPIXL_TEST_IMAP_PORT"]),
            int(values["KPIXL_TEST_IMAP_SSL_PORT"] or 0),
            values["KPIXL_TEST_IMAP_USER"],
            values["KPIXL_TEST_IMAP_PASSWORD"],
            values["KPIXL_TEST_IMAP_CA"],
        )
    finally:
        subprocess.run([str(script), "stop", folder], check=False, capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def tls_context(server: ImapServer) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=server.ca)


# ---------------------------------------------------------------------------- messages


def message(
    *,
    sender: str,
    subject: str,
    message_id: str | None,
    attachments: Sequence[tuple[str, bytes]] = (),
    forwards: Sequence[EmailMessage] = (),
    text: str = "แนบแบบฟอร์มมาครับ",
) -> EmailMessage:
    """A message as a mail program sends it: text, attachments, forwarded messages."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "hr@example.org"
    msg["Subject"] = subject
    msg["Date"] = formatdate(1_760_000_000, localtime=False)
    if message_id is not None:
        msg["Message-ID"] = message_id
    msg.set_content(text)
    for name, data in attachments:
        maintype, subtype = (
            XLSX if name.lower().endswith(".xlsx") else ("application", "octet-stream")
        )
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    for inner in forwards:
        msg.add_attachment(inner)  # message/rfc822
    return msg


# -------------------------------------------------------------------------- .msg files

_STRING, _BINARY, _OBJECT, _LONG = 0x001F, 0x0102, 0x000D, 0x0003


def _properties(props: list[tuple[int, bytes | int]], header: bytes) -> bytes:
    out = bytearray(header)
    for tag, value in props:
        kind = tag & 0xFFFF
        if kind in (_STRING, _BINARY):
            assert isinstance(value, bytes)
            out += struct.pack("<IIII", tag, 6, len(value) + (2 if kind == _STRING else 0), 0)
        elif kind == _OBJECT:
            out += struct.pack("<IIII", tag, 6, 0xFFFFFFFF, 0)
        else:
            assert isinstance(value, int)
            out += struct.pack("<IIQ", tag, 6, value)
    return bytes(out)


@dataclass(frozen=True)
class MsgSpec:
    """An Outlook message: attachments are (file name, bytes) or an embedded MsgSpec."""

    subject: str
    sender_name: str
    sender_address: str
    message_id: str | None
    attachments: Sequence[tuple[str, bytes] | MsgSpec] = ()


def _write_message(writer: object, base: list[str], spec: MsgSpec, *, top: bool) -> None:
    add = writer.addEntry  # type: ignore[attr-defined]
    props: list[tuple[int, bytes | int]] = []

    def string(tag: int, text: str, into: list[str], where: list[tuple[int, bytes | int]]) -> None:
        data = text.encode("utf-16-le")
        add([*into, f"__substg1.0_{tag:08X}"], data)
        where.append((tag, data))

    string(0x001A001F, "IPM.Note", base, props)  # PR_MESSAGE_CLASS
    string(0x0037001F, spec.subject, base, props)  # PR_SUBJECT
    string(0x0C1A001F, spec.sender_name, base, props)  # PR_SENDER_NAME
    string(0x0C1F001F, spec.sender_address, base, props)  # PR_SENDER_EMAIL_ADDRESS
    string(0x5D01001F, spec.sender_address, base, props)  # PR_SENDER_SMTP_ADDRESS
    string(0x1000001F, "แนบแบบฟอร์มมาครับ", base, props)  # PR_BODY
    if spec.message_id:
        string(0x1035001F, spec.message_id, base, props)  # PR_INTERNET_MESSAGE_ID
    for i, item in enumerate(spec.attachments):
        where = [*base, f"__attach_version1.0_#{i:08X}"]
        add(where, storage=True)
        aprops: list[tuple[int, bytes | int]] = []
        if isinstance(item, MsgSpec):
            string(0x3001001F, item.subject, where, aprops)  # PR_DISPLAY_NAME
            aprops.append((0x37050003, 5))  # PR_ATTACH_METHOD: an embedded message
            inner = [*where, "__substg1.0_3701000D"]
            add(inner, storage=True)
            _write_message(writer, inner, item, top=False)
            aprops.append((0x3701000D, b""))
        else:
            name, data = item
            string(0x3707001F, name, where, aprops)  # PR_ATTACH_LONG_FILENAME
            string(0x3704001F, name[:8], where, aprops)  # PR_ATTACH_FILENAME
            string(0x3001001F, name, where, aprops)  # PR_DISPLAY_NAME
            add([*where, "__substg1.0_37010102"], data)  # PR_ATTACH_DATA_BIN
            aprops.append((0x37010102, data))
            aprops.append((0x37050003, 1))  # PR_ATTACH_METHOD: by value
            aprops.append((0x0E200003, len(data)))  # PR_ATTACH_SIZE
        add([*where, "__properties_version1.0"], _properties(aprops, b"\0" * 8))
    count = len(spec.attachments)
    head = struct.pack("<8sIIII", b"", 0, count, 0, count) + (b"\0" * 8 if top else b"")
    add([*base, "__properties_version1.0"], _properties(props, head))


def msg_bytes(spec: MsgSpec) -> bytes:
    """The ``.msg`` file of ``spec``, written by extract_msg's OLE writer."""
    from extract_msg import OleWriter

    writer = OleWriter()
    writer.addEntry(["__nameid_version1.0"], storage=True)
    for stream in ("00020102", "00030102", "00040102"):
        writer.addEntry(["__nameid_version1.0", f"__substg1.0_{stream}"], b"")
    _write_message(writer, [], spec, top=True)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.msg"
        writer.write(str(path))
        return path.read_bytes()
