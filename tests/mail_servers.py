"""Real mail for the mail tests: a Dovecot IMAP server and messages to put on it, and
an aiosmtpd SMTP server on 127.0.0.1 that keeps what it receives (``smtp_server``).

``imap_server`` (a session fixture; import it into a test module) is the Dovecot that
``.ci/run`` started (``KPIXL_TEST_IMAP_*`` in the environment) or, when those are not
set, one this fixture starts itself through ``.ci/dovecot`` in a temp folder and stops
at the end — so the tests run the same on a developer's machine. Messages go onto it
with ``imaplib``'s APPEND: a real client against the real server.
(Outlook ``.msg`` files: ``tests/msg_builder.py``.)
"""

from __future__ import annotations

import hashlib
import imaplib
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

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


# ------------------------------------------------------------------------- SMTP


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes = b""


def display_name(raw: bytes, header: str) -> str:
    """A header's display name decoded as RFC 2047 says: whitespace between two
    encoded words is dropped. (Python's ``policy.default`` address parser keeps a space
    there, so a long Thai name folded into two encoded words reads back with a space in
    the middle; mail programs and ``email.header.decode_header`` do not.)"""
    legacy = BytesParser(policy=policy.compat32).parsebytes(raw)
    decoded = str(make_header(decode_header(str(legacy[header]))))
    return decoded.rsplit("<", 1)[0].strip().strip('"')


@dataclass
class Recorder:
    """An aiosmtpd handler: keeps what it receives, refuses the addresses in refuse."""

    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = BytesParser(policy=policy.default).parsebytes(envelope.content)
        assert isinstance(parsed, EmailMessage)
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), parsed, envelope.content)
        )
        return "250 OK"

    def by_to(self) -> dict[str, Received]:
        return {r.rcpt_tos[0]: r for r in self.received}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Recorder, int]]:
    """A plain SMTP server on 127.0.0.1 (no TLS, no AUTH)."""
    handler = Recorder()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
