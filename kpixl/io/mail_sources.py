"""Where ``kpixl mail fetch`` reads messages: an IMAP mailbox or a folder of files.

:func:`read_source` yields one :class:`Message` per message — its id, sender, subject,
date and attachments as (name, bytes) — from

- ``imap://user@host:port/INBOX`` or ``imaps://user@host/INBOX`` (``imaplib``): the
  mailbox is opened read-only (``EXAMINE``) and every message fetched with
  ``BODY.PEEK[]``, so nothing is flagged, deleted or moved on the server. ``imaps`` is
  TLS from the start, ``imap`` upgrades with STARTTLS (plain text only to a loopback
  server); certificates are verified (the system's CAs, or ``SSL_CERT_FILE``). The
  password comes from ``KPIXL_IMAP_PASSWORD`` or the keyring (service ``kpixl-imap``,
  name ``user@host``), never from the URL: a URL holding one is refused;
- a folder (and its subfolders) of saved messages — ``.eml``, Outlook ``.msg``
  (:mod:`kpixl.io.msg`), mbox files (they start with ``From ``) — and loose attachments:
  any other file is one attachment of a message of its own.

Forwarded messages (``message/rfc822`` parts, embedded ``.msg`` attachments) are
walked into, to :data:`MAX_FORWARDS` levels. A message without a Message-ID gets a
stable id, a hash of its header block (the same for the copy on the server and the
copy saved as ``.eml``). Sizes are checked before anything is read or decoded. Source
files and server messages are only read.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import hashlib
import imaplib
import io
import os
import re
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import Message as PyMessage
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from kpixl.core.codes import finding
from kpixl.core.findings import Finding
from kpixl.io.attachments import MAX_ATTACHMENT_BYTES

__all__ = [
    "KEYRING_SERVICE",
    "MAX_FORWARDS",
    "MAX_MESSAGE_BYTES",
    "PASSWORD_ENV",
    "Attachment",
    "Message",
    "SourceProblem",
    "imap_password",
    "parse_msg",
    "parse_rfc822",
    "read_source",
    "source_label",
]

PASSWORD_ENV = "KPIXL_IMAP_PASSWORD"
KEYRING_SERVICE = "kpixl-imap"
MAX_MESSAGE_BYTES = 64 * 1024 * 1024  # a reply with a 20 MB workbook, base64: ~27 MB
MAX_FORWARDS = 5  # a forward of a forward of …: deeper attachments are not read
MAX_LEVELS = 30  # MIME parts inside parts, forwards included
TIMEOUT = 60  # seconds, for each IMAP network operation
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}
_TEXT_LIMIT = 300  # characters kept of a sender or subject


class SourceProblem(Exception):
    """The source cannot be read at all (or stopped being readable): its finding."""

    def __init__(self, problem: Finding) -> None:
        super().__init__(problem.message_en)
        self.finding = problem


@dataclass(frozen=True)
class Attachment:
    """One attachment: the name its sender gave it (text, never a path) and its bytes
    (None when it is over :data:`~kpixl.io.attachments.MAX_ATTACHMENT_BYTES`: not
    decoded; ``size`` then says how big it is)."""

    name: str
    data: bytes | None
    size: int


@dataclass
class Message:
    """One message as a source gives it."""

    message_id: str
    sender: str = ""
    subject: str = ""
    date: str = ""
    origin: str = ""  # the file (relative to the folder) or the mailbox and UID
    attachments: list[Attachment] = field(default_factory=list)
    skipped: bool = False  # already fetched (its id is in the log): not downloaded
    too_deep: bool = False  # forwards nested deeper than MAX_FORWARDS
    too_large: int = 0  # the message's size when it was not downloaded for it
    unreadable: tuple[str, str] | None = None  # why it cannot be read (Thai, English)


# ------------------------------------------------------------------------ text helpers


def _clean(text: object) -> str:
    """Header text for the log and the findings: one line, no control characters."""
    value = re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+", " ", str(text or "")).strip()
    return value[:_TEXT_LIMIT]


def _header(msg: PyMessage, name: str) -> str:
    """A header's text, its encoded words decoded as RFC 2047 says: the space between two
    encoded words dropped (the ``email`` package's address parser keeps it, so a long
    Thai name folded into two words would read ``กลุ่มบริหารทรัพ ยากรบุคคล``)."""
    try:
        raw = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), None)
        if raw is None:
            return ""
        value: Any = make_header(decode_header(str(raw)))
    except (ValueError, TypeError, IndexError, AttributeError, LookupError, HeaderParseError):
        try:
            value = msg.get(name)
        except (ValueError, TypeError, IndexError, AttributeError, LookupError):
            return ""  # a header the parser cannot make sense of: as if it were absent
    return _clean(value)


def _header_block(raw: bytes) -> bytes:
    """The header lines of a raw message, line ends normalised (for a stable id)."""
    text = raw.replace(b"\r\n", b"\n")
    return text.split(b"\n\n", 1)[0].strip(b"\n")


def _hash_id(block: bytes) -> str:
    return "sha256:" + hashlib.sha256(block).hexdigest()


def _message_id(value: str, raw: bytes, *, sender: str, subject: str, date: str) -> str:
    """The id the log remembers a message by: its Message-ID with a short hash of who
    sent it, when and about what (two different messages that carry the same
    Message-ID, by mistake or on purpose, are two messages; the same message fetched
    twice, from the server or saved, is one), or a hash of its header lines."""
    if not value:
        return _hash_id(_header_block(raw))
    digest = hashlib.sha256("\0".join((sender, subject, date)).encode("utf-8")).hexdigest()
    return f"{value} {digest[:12]}"


# ----------------------------------------------------------------------------- RFC 822


def _payload_size(part: PyMessage) -> int:
    """The decoded size of a leaf part, estimated from its encoded text (nothing decoded)."""
    encoded = part.get_payload(decode=False)
    size = len(encoded) if isinstance(encoded, (str, bytes)) else 0
    if str(part.get("Content-Transfer-Encoding", "")).strip().lower() == "base64":
        return size * 3 // 4
    return size


def _walk(part: PyMessage, out: Message, forwards: int, levels: int) -> None:
    if forwards > MAX_FORWARDS or levels > MAX_LEVELS:
        out.too_deep = True
        return
    if part.is_multipart():
        inner = part.get_content_type().startswith("message/")
        payload = part.get_payload()
        for sub in payload if isinstance(payload, list) else []:
            if isinstance(sub, PyMessage):
                _walk(sub, out, forwards + (1 if inner else 0), levels + 1)
        return
    try:
        name = part.get_filename()
    except (ValueError, TypeError, IndexError, AttributeError, LookupError):
        name = None
    disposition = part.get_content_disposition()
    if (
        name is None
        and disposition != "attachment"
        and part.get_content_maintype() in ("text", "image")
    ):
        return  # the message's own text, or a picture in it (a signature's logo)
    size = _payload_size(part)
    if size > MAX_ATTACHMENT_BYTES:
        out.attachments.append(Attachment(str(name or ""), None, size))
        return
    data = part.get_payload(decode=True)
    data = data if isinstance(data, bytes) else b""
    out.attachments.append(Attachment(str(name or ""), data, len(data)))


def parse_rfc822(raw: bytes, *, origin: str = "") -> Message:
    """A message in Internet format (an ``.eml`` file, an mbox entry, an IMAP body)."""
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
    except (RecursionError, ValueError, TypeError, IndexError, LookupError) as exc:
        return Message(
            _hash_id(_header_block(raw)),
            origin=origin,
            unreadable=("โครงสร้างอีเมลเสียหาย", f"its structure is damaged ({type(exc).__name__})"),
        )
    sender, subject, date = _header(msg, "From"), _header(msg, "Subject"), _header(msg, "Date")
    out = Message(
        _message_id(_header(msg, "Message-ID"), raw, sender=sender, subject=subject, date=date),
        sender=sender,
        subject=subject,
        date=date,
        origin=origin,
    )
    try:
        _walk(msg, out, 0, 0)
    except (RecursionError, ValueError, TypeError, IndexError, LookupError) as exc:
        out.unreadable = ("โครงสร้างอีเมลเสียหาย", f"its structure is damaged ({type(exc).__name__})")
    return out


def _mbox_entries(data: bytes) -> Iterator[bytes]:
    """The messages of an mbox file (``From `` lines separate them; ``>From `` unquoted)."""
    text = data.replace(b"\r\n", b"\n")
    starts = [m.start() for m in re.finditer(rb"(?m)^From [^\n]*\n", text)]
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        chunk = text[start:end].split(b"\n", 1)[1] if b"\n" in text[start:end] else b""
        yield re.sub(rb"(?m)^>(>*From )", rb"\1", chunk)


# -------------------------------------------------------------------------- Outlook .msg

_EMBEDDED = "__substg1.0_3701000D"  # PR_ATTACH_DATA_OBJ: a message attached to a message


def _msg_depth(data: bytes) -> int:
    """How deep attached messages nest in a ``.msg`` (read from the compound file's
    directory: :func:`kpixl.io.msg.read_msg` leaves out what is deeper than it reads)."""
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            entries = ole.listdir(streams=False, storages=True)
    except Exception:  # olefile raises many kinds on damaged files; read_msg said so already
        return 0
    return max((entry.count(_EMBEDDED) for entry in entries), default=0)


def parse_msg(data: bytes, *, origin: str = "") -> Message:
    """An Outlook ``.msg`` file (its bytes), read by :func:`kpixl.io.msg.read_msg`;
    attached messages walked into like forwarded ones."""
    from kpixl.io.msg import MsgError, read_msg

    try:
        msg = read_msg(data)
    except MsgError as exc:
        return Message(
            _hash_id(hashlib.sha256(data).digest()),
            origin=origin,
            unreadable=("ไฟล์ .msg เสียหายหรืออ่านไม่ได้", f"a damaged .msg ({_clean(exc)})"),
        )
    sender, subject = _header(msg, "From"), _header(msg, "Subject")
    date = _header(msg, "Date")
    out = Message("", sender=sender, subject=subject, date=date, origin=origin)
    try:
        _walk(msg, out, 0, 0)
    except (RecursionError, ValueError, TypeError, IndexError, LookupError) as exc:
        out.unreadable = ("ไฟล์ .msg เสียหายบางส่วน", f"part of it is damaged ({type(exc).__name__})")
    out.too_deep = out.too_deep or _msg_depth(data) > MAX_FORWARDS
    given = _header(msg, "Message-ID")
    if given:
        given = _message_id(given, b"", sender=sender, subject=subject, date=date)
    else:  # a stable id from what the message holds
        digest = hashlib.sha256()
        for piece in (sender, subject, date):
            digest.update(piece.encode("utf-8") + b"\0")
        for attachment in out.attachments:
            digest.update(hashlib.sha256(attachment.data or b"").digest())
        given = "sha256:" + digest.hexdigest()
    out.message_id = given
    return out


# ---------------------------------------------------------------------------- folders


def _loose(path: Path, data: bytes, origin: str) -> Message:
    """A file that is no message: one attachment of a message of its own."""
    return Message(
        "file:" + hashlib.sha256(data).hexdigest(),
        sender="(ไฟล์ในโฟลเดอร์ / a file in the folder)",
        subject=_clean(origin),
        origin=origin,
        attachments=[Attachment(path.name, data, len(data))],
    )


def _folder_files(folder: Path) -> list[Path]:
    """The files under ``folder`` (hidden ones and symbolic links left out), in order."""
    found: list[Path] = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            if not name.startswith((".", "~$")) and not path.is_symlink() and path.is_file():
                found.append(path)
    return found


def _folder_messages(folder: Path, seen: Callable[[str], bool]) -> Iterator[Message]:
    for message in _folder_read(folder):
        if seen(message.message_id):
            message.skipped, message.attachments = True, []
        yield message


def _folder_read(folder: Path) -> Iterator[Message]:
    for path in _folder_files(folder):
        origin = path.relative_to(folder).as_posix()
        size = path.stat().st_size
        suffix = path.suffix.lower()
        is_message = suffix in (".eml", ".msg", ".mbox")
        limit = MAX_MESSAGE_BYTES if is_message else MAX_ATTACHMENT_BYTES
        if size > limit:
            if is_message:
                yield Message(_hash_id(origin.encode()), origin=origin, too_large=size)
            else:
                yield Message(
                    _hash_id(origin.encode()),
                    sender="(ไฟล์ในโฟลเดอร์ / a file in the folder)",
                    subject=_clean(origin),
                    origin=origin,
                    attachments=[Attachment(path.name, None, size)],
                )
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            yield Message(
                _hash_id(origin.encode()),
                origin=origin,
                unreadable=("เปิดไฟล์ไม่ได้", f"cannot open it ({exc.strerror or exc})"),
            )
            continue
        if suffix == ".msg":
            found = [parse_msg(data, origin=origin)]
        elif suffix == ".mbox" or data.startswith(b"From "):
            found = [
                parse_rfc822(entry, origin=f"{origin} #{i + 1}")
                for i, entry in enumerate(_mbox_entries(data))
            ]
            if not found and data.strip():  # no "From " line: no mailbox, never silence
                found = [
                    Message(
                        _hash_id(hashlib.sha256(data).digest()),
                        origin=origin,
                        unreadable=(
                            "ไม่ใช่ไฟล์ mbox (ไม่มีบรรทัด From ขึ้นต้นอีเมล)",
                            "not an mbox file (no From line starts a message)",
                        ),
                    )
                ]
        elif suffix == ".eml":
            found = [parse_rfc822(data, origin=origin)]
        else:
            found = [_loose(path, data, origin)]
        yield from found


# ------------------------------------------------------------------------------- IMAP


def source_label(source: str) -> str:
    """The source as the log and the output show it: a URL without any password."""
    parts = urlsplit(source)
    if parts.scheme.lower() not in ("imap", "imaps") or parts.password is None:
        return source
    host = parts.hostname or ""
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, f"{user}{host}{port}", parts.path, "", ""))


def imap_password(user: str, host: str) -> tuple[str | None, str]:
    """The password for ``user@host`` from :data:`PASSWORD_ENV`, else the keyring; and,
    when there is none, why the keyring could not tell (empty when it simply has none)."""
    password = os.environ.get(PASSWORD_ENV)
    if password:
        return password, ""
    try:
        import keyring
        import keyring.errors

        try:
            return keyring.get_password(KEYRING_SERVICE, f"{user}@{host}"), ""
        except (keyring.errors.KeyringError, RuntimeError) as exc:  # no backend
            return None, f" (keyring: {type(exc).__name__})"
    except ImportError:
        return None, " (keyring is not installed)"


def _quoted(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _literal(data: list[Any]) -> tuple[bytes, bytes]:
    """The (response line, literal) of a one-message FETCH response."""
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return bytes(item[0]), bytes(item[1])
    return b"", b""


def _connect(scheme: str, host: str, port: int | None) -> imaplib.IMAP4:
    context = ssl.create_default_context()  # verifies the certificate and the host name
    if scheme == "imaps":
        return imaplib.IMAP4_SSL(host, port or 993, ssl_context=context, timeout=TIMEOUT)
    conn = imaplib.IMAP4(host, port or 143, timeout=TIMEOUT)
    if "STARTTLS" in conn.capabilities:
        conn.starttls(context)
    elif host.lower() not in _LOOPBACK:
        conn.shutdown()
        raise SourceProblem(finding("mail.fetch_insecure", value=host))
    return conn


def _imap_messages(source: str, seen: Callable[[str], bool]) -> Iterator[Message]:
    parts = urlsplit(source)
    label = source_label(source)
    if parts.password is not None:
        raise SourceProblem(finding("mail.fetch_password_in_url", value=label))
    scheme = parts.scheme.lower()
    host, user = parts.hostname or "", unquote(parts.username or "")
    try:
        port = parts.port
    except ValueError as exc:
        raise SourceProblem(
            finding("mail.fetch_bad_source", value=label, why="พอร์ตไม่ถูกต้อง", why_en=str(exc))
        ) from exc
    if not host or not user:
        raise SourceProblem(
            finding(
                "mail.fetch_bad_source",
                value=label,
                why="ต้องมีชื่อผู้ใช้และเครื่อง: imaps://ผู้ใช้@เครื่อง/INBOX",
                why_en="it needs a user and a host: imaps://user@host/INBOX",
            )
        )
    mailbox = unquote(parts.path.lstrip("/")) or "INBOX"
    password, why = imap_password(user, host)
    if not password:
        raise SourceProblem(
            finding("mail.fetch_no_password", value=f"{user}@{host}", why=why, why_en=why)
        )
    conn: imaplib.IMAP4 | None = None
    try:
        conn = _connect(scheme, host, port)
        conn.login(user, password)
        typ, answer = conn.select(_quoted(mailbox), readonly=True)  # EXAMINE: read-only
        if typ != "OK":
            raise imaplib.IMAP4.error(f"cannot open the mailbox {mailbox}: {answer!r}")
        typ, answer = conn.uid("SEARCH", "ALL")
        found = answer[0].split() if typ == "OK" and answer and answer[0] else []
        for uid in (u.decode("ascii", "replace") for u in found):
            origin = f"{mailbox} UID {uid}"
            typ, answer = conn.uid("FETCH", uid, "(RFC822.SIZE BODY.PEEK[HEADER])")
            line, header = _literal(answer)
            if typ != "OK" or not header:  # gone meanwhile (expunged by another client)
                continue
            match = re.search(rb"RFC822\.SIZE (\d+)", line)
            size = int(match.group(1)) if match else 0
            head = parse_rfc822(header + b"\r\n", origin=origin)
            mid = head.message_id
            if seen(mid):
                yield Message(mid, head.sender, head.subject, head.date, origin, skipped=True)
                continue
            if size > MAX_MESSAGE_BYTES:
                yield Message(mid, head.sender, head.subject, head.date, origin, too_large=size)
                continue
            typ, answer = conn.uid("FETCH", uid, "(BODY.PEEK[])")
            body = _literal(answer)[1]
            if typ != "OK" or not body:
                continue  # gone meanwhile: not logged, so a later run reads it if it is back
            message = parse_rfc822(body, origin=origin)
            message.message_id = mid
            yield message
    except (imaplib.IMAP4.error, OSError, ssl.SSLError, EOFError) as exc:
        raise SourceProblem(
            finding(
                "mail.fetch_connect_failed",
                value=label,
                why=_clean(exc) or type(exc).__name__,
                why_en=_clean(exc) or type(exc).__name__,
            )
        ) from exc
    finally:
        if conn is not None:
            with contextlib.suppress(imaplib.IMAP4.error, OSError, EOFError):
                conn.logout()  # the connection may be gone already


# ------------------------------------------------------------------------------ entry


def read_source(source: str, *, seen: Callable[[str], bool]) -> Iterator[Message]:
    """The messages of ``source`` (an IMAP URL or a folder); those whose id ``seen``
    knows come with ``skipped`` set and no attachments (on IMAP: not downloaded).

    Raises :class:`SourceProblem` when the source cannot be read (a bad URL, no
    password, the server unreachable or refusing the login, no such folder), also
    part-way when the connection breaks: the messages yielded until then stand.
    """
    scheme = urlsplit(source).scheme.lower()
    if scheme in ("imap", "imaps"):
        yield from _imap_messages(source, seen)
        return
    folder = Path(source)
    if "://" in source or not folder.is_dir():
        raise SourceProblem(
            finding(
                "mail.fetch_bad_source",
                value=source_label(source),
                why="ไม่พบโฟลเดอร์นี้" if "://" not in source else "ไม่รู้จักรูปแบบที่อยู่",
                why_en="no such folder" if "://" not in source else "an unknown kind of URL",
            )
        )
    yield from _folder_messages(folder, seen)
