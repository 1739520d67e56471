"""Where ``kpixl mail send`` delivers: an SMTP server, or a folder of ``.eml`` files.

The server comes from the master's Config (``smtp_host``, ``smtp_port``,
``smtp_security`` = ``starttls`` / ``ssl`` / ``none``, ``smtp_user``) or, for one run,
from a URL::

    smtp://host:25                   plain (a relay inside the office network)
    smtp+starttls://user@host:587    STARTTLS, then AUTH as user
    smtps://user@host:465            TLS from the first byte

A password is never read from a file or a URL (a URL that carries one is refused): it
comes from the environment (``KPIXL_SMTP_PASSWORD``) or the system keyring
(``keyring.get_password("kpixl-smtp", "user@host")``). TLS verifies the server's
certificate against the system's trust store (``ssl.create_default_context``; the
standard ``SSL_CERT_FILE`` or ``cafile=`` adds another authority).

Two kinds of failure: :class:`SmtpStop` (cannot connect, TLS or login refused, the
server went away: nothing more can go, one finding for the run) and
:class:`SmtpRefused` (the server refused this one message, e.g. ``550`` for its
recipient: logged, reported, the others go on).
"""

from __future__ import annotations

import base64
import ipaddress
import os
import smtplib
import ssl
from dataclasses import dataclass, replace
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import make_msgid
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit

from kpixl.core.numbers import whole_setting
from kpixl.io.atomic import write_bytes_atomic
from kpixl.io.paths import safe_part

__all__ = [
    "KEYRING_SERVICE",
    "PASSWORD_ENV",
    "SECURITIES",
    "OutboxTransport",
    "SmtpDropped",
    "SmtpError",
    "SmtpRefused",
    "SmtpSettings",
    "SmtpStop",
    "SmtpTransport",
    "password_for",
    "redacted",
    "settings_from_config",
    "settings_from_url",
]

PASSWORD_ENV = "KPIXL_SMTP_PASSWORD"
KEYRING_SERVICE = "kpixl-smtp"
SECURITIES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
_SCHEMES = {"smtp": "none", "smtp+starttls": "starttls", "smtps": "ssl"}
TIMEOUT = 60.0  # seconds for one SMTP exchange


class SmtpError(Exception):
    """A delivery problem, with a Thai and an English reason."""

    def __init__(self, why_th: str, why_en: str) -> None:
        super().__init__(f"{why_th} / {why_en}")
        self.why_th = why_th
        self.why_en = why_en


class SmtpStop(SmtpError):
    """Nothing more can be sent this run (connection, TLS, login, server gone)."""


class SmtpDropped(SmtpStop):
    """The server closed the session before taking the message (a ``421``, e.g. too
    many messages on one connection, or a dropped connection): worth one new session."""


class SmtpRefused(SmtpError):
    """The server refused this one message; the others may still go."""

    def __init__(self, why_th: str, why_en: str, *, code: int = 0) -> None:
        super().__init__(why_th, why_en)
        self.code = code


class SettingError(SmtpError):
    """The SMTP settings (Config or ``--smtp``) cannot be used."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str = "starttls"  # starttls | ssl | none
    user: str = ""
    cafile: str | None = None  # an extra authority to trust (tests, a private CA)

    @property
    def account(self) -> str:
        """The keyring's user name for this server: ``user@host``."""
        return f"{self.user}@{self.host}"

    @property
    def url(self) -> str:
        """The settings as a URL (never with a password), for messages and the log."""
        scheme = {v: k for k, v in _SCHEMES.items()}[self.security]
        user = f"{self.user}@" if self.user else ""
        return f"{scheme}://{user}{self.host}:{self.port}"


def _failed(exc: Exception, where: str, user: str) -> SmtpStop:
    """What stopped the connection to ``where``, in Thai and English."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return SmtpStop(
            f"เครื่องส่งอีเมล {where} ไม่ยอมรับชื่อผู้ใช้หรือรหัสผ่านของ {user} ({_reply(exc)})",
            f"the SMTP server {where} refused the login of {user} ({_reply(exc)})",
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return SmtpStop(
            f"เครื่องส่งอีเมล {where} ไม่รองรับการเข้าสู่ระบบ (AUTH) แบบนี้: {exc}",
            f"the SMTP server {where} does not support this login (AUTH): {exc}",
        )
    if isinstance(exc, ssl.SSLError):
        return SmtpStop(
            f"ตรวจใบรับรอง TLS ของ {where} ไม่ผ่าน หรือเชื่อมต่อแบบเข้ารหัสไม่ได้: {exc}",
            f"the TLS certificate of {where} did not verify, or TLS failed: {exc}",
        )
    return SmtpStop(
        f"เชื่อมต่อเครื่องส่งอีเมล {where} ไม่ได้: {exc}",
        f"cannot connect to the SMTP server {where}: {exc}",
    )


def _loopback(host: str) -> bool:
    """``host`` is this machine (a password may go to it unencrypted)."""
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _port(text: str, security: str) -> int:
    if not text.strip():
        return DEFAULT_PORTS[security]
    port = whole_setting(text, 65535)
    if port is None:
        raise SettingError(
            f"พอร์ต SMTP ต้องเป็นตัวเลข 1–65535 แต่พบ “{text}”",
            f"the SMTP port must be a number 1–65535, found “{text}”",
        )
    return port


def settings_from_url(url: str, *, cafile: str | None = None) -> SmtpSettings:
    """The settings a ``--smtp`` URL gives; :class:`SettingError` for a bad one, or one
    that carries a password."""
    try:
        parts = urlsplit(url.strip())
        port_text = str(parts.port) if parts.port is not None else ""
    except ValueError as exc:
        raise SettingError(
            f"อ่าน URL ของ SMTP ไม่ได้: {exc}", f"cannot read the SMTP URL: {exc}"
        ) from exc
    security = _SCHEMES.get(parts.scheme.lower())
    if security is None or not parts.hostname:
        raise SettingError(
            "URL ของ SMTP ต้องเป็น smtp://host:25, smtp+starttls://ผู้ใช้@host:587"
            " หรือ smtps://ผู้ใช้@host:465",
            "the SMTP URL must look like smtp://host:25, smtp+starttls://user@host:587"
            " or smtps://user@host:465",
        )
    if parts.password is not None:
        raise SettingError(
            "ห้ามใส่รหัสผ่านใน URL ของ SMTP (จะค้างอยู่ในประวัติคำสั่ง) ให้ตั้งใน"
            f" {PASSWORD_ENV} หรือ keyring แทน",
            "a password inside the SMTP URL is refused (it would stay in the shell's"
            f" history); set {PASSWORD_ENV} or use the keyring",
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise SettingError(
            "URL ของ SMTP มีส่วนเกิน (path หรือ ?…) ให้ใส่เพียง ผู้ใช้@เครื่อง:พอร์ต",
            "the SMTP URL has extra parts (a path or ?…); give only user@host:port",
        )
    return SmtpSettings(
        host=parts.hostname,
        port=_port(port_text, security),
        security=security,
        user=unquote(parts.username or ""),
        cafile=cafile,
    )


def redacted(url: str) -> str:
    """``url`` with any password in it replaced by ``***`` (for messages and logs)."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        host = parts.netloc.rpartition("@")[2]
        return parts._replace(netloc=f"{parts.username or ''}:***@{host}").geturl()
    except ValueError:
        return "***"


def settings_from_config(
    config: dict[str, object], *, cafile: str | None = None
) -> SmtpSettings | None:
    """The settings the master's Config gives, or None when ``smtp_host`` is blank."""

    def text(key: str) -> str:
        value = config.get(key)
        if value is None or (isinstance(value, float) and value != value):
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    host = text("smtp_host")
    if not host:
        return None
    security = text("smtp_security").lower() or "starttls"
    if security not in SECURITIES:
        raise SettingError(
            f"smtp_security ใน Config ต้องเป็น starttls, ssl หรือ none แต่พบ “{security}”",
            f"Config's smtp_security must be starttls, ssl or none, found “{security}”",
        )
    if any(c in host for c in "/@: ") or any(ord(c) < 32 for c in host):
        raise SettingError(
            f"smtp_host ใน Config ต้องเป็นชื่อเครื่องอย่างเดียว เช่น smtp.example.org แต่พบ “{host}”",
            f"Config's smtp_host must be a host name only, like smtp.example.org, found “{host}”",
        )
    return SmtpSettings(
        host=host,
        port=_port(text("smtp_port"), security),
        security=security,
        user=text("smtp_user"),
        cafile=cafile,
    )


def password_for(settings: SmtpSettings) -> str | None:
    """The password for ``settings.user``: ``KPIXL_SMTP_PASSWORD``, else the keyring
    (service ``kpixl-smtp``, user ``user@host``), else None. A keyring without a usable
    backend (a server with no desktop) counts as no password, never a crash."""
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    if not settings.user:
        return None
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:  # keyring is a dependency; a trimmed install simply has none
        return None
    try:
        found = keyring.get_password(KEYRING_SERVICE, settings.account)
    except (KeyringError, RuntimeError, OSError):  # no backend, locked, D-Bus gone
        return None
    return found or None


def tls_context(cafile: str | None = None) -> ssl.SSLContext:
    """A context that verifies the server's certificate and host name."""
    context = ssl.create_default_context()
    if cafile:
        context.load_verify_locations(cafile=cafile)
    return context


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{exc.smtp_code} {' '.join(message.split())}"[:300]


class SmtpTransport:
    """One SMTP session for a run: ``with SmtpTransport(settings, password) as t:
    t.send(message)``. Connecting raises :class:`SmtpStop`; sending raises
    :class:`SmtpRefused` (this message) or :class:`SmtpStop` (the session)."""

    def __init__(self, settings: SmtpSettings, password: str | None = None) -> None:
        self.settings = settings
        self.password = password
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        self.connect()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def connect(self) -> None:
        s = self.settings
        where = f"{s.host}:{s.port}"
        if s.user and s.security == "none" and not _loopback(s.host):
            raise SmtpStop(
                f"จะไม่ส่งรหัสผ่านของ {s.account} ไปยัง {where} ผ่านการเชื่อมต่อที่ไม่เข้ารหัส"
                " (smtp_security = none): ตั้ง smtp_security เป็น starttls หรือ ssl",
                f"kpixl will not send the password of {s.account} to {where} over a connection"
                " that is not encrypted (smtp_security none): use starttls or ssl",
            )
        try:
            self._open()
        except SmtpStop:
            self.close()
            raise
        except (smtplib.SMTPException, OSError) as exc:  # ssl.SSLError is an OSError
            self.close()
            raise _failed(exc, where, s.user) from exc

    def _open(self) -> None:
        """Connect, EHLO, STARTTLS and log in as the settings say (raises as smtplib)."""
        s = self.settings
        where = f"{s.host}:{s.port}"
        if s.security == "ssl":
            self.smtp = smtplib.SMTP_SSL(
                s.host, s.port, timeout=TIMEOUT, context=tls_context(s.cafile)
            )
        else:
            self.smtp = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT)
        self.smtp.ehlo()
        if s.security == "starttls":
            if not self.smtp.has_extn("starttls"):
                raise SmtpStop(
                    f"เครื่องส่งอีเมล {where} ไม่รองรับ STARTTLS (ตั้ง smtp_security ให้ตรงกับเครื่อง)",
                    f"the SMTP server {where} offers no STARTTLS (set smtp_security to match)",
                )
            self.smtp.starttls(context=tls_context(s.cafile))
            self.smtp.ehlo()
        if s.user:
            if not self.password:
                raise SmtpStop(
                    f"ไม่มีรหัสผ่านของ {s.account}: ตั้งใน {PASSWORD_ENV} หรือเก็บใน keyring"
                    f" (บริการ {KEYRING_SERVICE}, ผู้ใช้ {s.account})",
                    f"no password for {s.account}: set {PASSWORD_ENV} or store it in the"
                    f" keyring (service {KEYRING_SERVICE}, user {s.account})",
                )
            self._login(s.user, self.password)

    def _login(self, user: str, password: str) -> None:
        """AUTH as smtplib does; a user or password beyond ASCII (a Thai password) goes
        as AUTH PLAIN in UTF-8 (RFC 4616), which smtplib cannot send."""
        assert self.smtp is not None
        if (user + password).isascii():
            self.smtp.login(user, password)
            return
        if "plain" not in self.smtp.esmtp_features.get("auth", "").lower().split():
            raise SmtpStop(
                "รหัสผ่านหรือชื่อผู้ใช้มีอักขระนอกเหนือ ASCII แต่เครื่องส่งอีเมลไม่รองรับ AUTH PLAIN",
                "the user or password has non-ASCII characters and the server offers no"
                " AUTH PLAIN to send them in UTF-8",
            )
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
        code, reply = self.smtp.docmd("AUTH", f"PLAIN {token}")
        if code != 235:
            raise smtplib.SMTPAuthenticationError(code, reply)

    def send(self, message: EmailMessage) -> None:
        """Send one message. A session the server closes before taking it (``421``:
        too many messages on one connection; a dropped connection) is opened again
        once and the message sent there; a second failure stops the run."""
        try:
            self._send(message)
        except SmtpDropped:
            self.close()
            self.connect()
            self._send(message)

    def _send(self, message: EmailMessage) -> None:
        if self.smtp is None:
            raise SmtpStop("ยังไม่ได้เชื่อมต่อ", "not connected")
        try:
            refused = self.smtp.send_message(message)
        except smtplib.SMTPServerDisconnected as exc:
            raise SmtpDropped(
                f"เครื่องส่งอีเมลตัดการเชื่อมต่อ: {exc}", f"the SMTP server disconnected: {exc}"
            ) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [c for c, _ in exc.recipients.values()]
            if 421 in codes:
                raise SmtpDropped(
                    "เครื่องส่งอีเมลปิดการเชื่อมต่อ (421)", "the server closed the session (421)"
                ) from exc
            texts = "; ".join(
                f"{to}: {code} {m.decode('utf-8', 'replace') if isinstance(m, bytes) else m}"
                for to, (code, m) in exc.recipients.items()
            )[:300]
            raise SmtpRefused(
                f"เครื่องส่งอีเมลปฏิเสธผู้รับ ({texts})",
                f"the server refused the recipient ({texts})",
                code=codes[0] if codes else 0,
            ) from exc
        except smtplib.SMTPSenderRefused as exc:
            if exc.smtp_code == 421:
                raise SmtpDropped(
                    f"เครื่องส่งอีเมลปิดการเชื่อมต่อ ({_reply(exc)})",
                    f"the server closed the session ({_reply(exc)})",
                ) from exc
            raise SmtpStop(
                f"เครื่องส่งอีเมลปฏิเสธผู้ส่ง {exc.sender!r} ({_reply(exc)}): ตรวจ mail_from ใน Config",
                f"the server refused the sender {exc.sender!r} ({_reply(exc)}): check mail_from",
            ) from exc
        except smtplib.SMTPDataError as exc:
            if 400 <= exc.smtp_code < 600 and exc.smtp_code != 421:
                raise SmtpRefused(
                    f"เครื่องส่งอีเมลไม่รับข้อความนี้ ({_reply(exc)})",
                    f"the server refused this message ({_reply(exc)})",
                    code=exc.smtp_code,
                ) from exc
            raise SmtpDropped(
                f"เครื่องส่งอีเมลหยุดรับข้อความ ({_reply(exc)})",
                f"the server stopped taking messages ({_reply(exc)})",
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise SmtpStop(
                f"การเชื่อมต่อกับเครื่องส่งอีเมลขาดระหว่างส่ง: {exc}",
                f"the connection to the SMTP server was lost while sending: {exc}",
            ) from exc
        if refused:
            texts = "; ".join(f"{to}: {code}" for to, (code, _) in refused.items())
            raise SmtpRefused(
                f"เครื่องส่งอีเมลปฏิเสธผู้รับบางราย ({texts})",
                f"the server refused some recipients ({texts})",
            )

    def close(self) -> None:
        if self.smtp is None:
            return
        smtp, self.smtp = self.smtp, None
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


class OutboxTransport:
    """Messages written as ``.eml`` files into a folder (atomically), nothing sent."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.written: list[Path] = []

    def __enter__(self) -> OutboxTransport:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def path_for(self, stem: str) -> Path:
        """A new file name for a message: ``<stem>.eml``, ``<stem>-2.eml``… never an
        existing file, never outside the folder."""
        # at most 120 bytes (Thai letters are 3 each): the lock and temporary files kpixl
        # makes beside it add to the name, and most file systems stop at 255 bytes
        cut = safe_part(stem).encode("utf-8")[:120].decode("utf-8", "ignore")
        base = cut.rstrip(" .-") or "message"
        path = self.folder / f"{base}.eml"
        n = 2
        while path.exists():
            path = self.folder / f"{base}-{n}.eml"
            n += 1
        return path

    def send(self, message: EmailMessage, *, stem: str = "message") -> Path:
        path = self.path_for(stem)
        write_bytes_atomic(path, message.as_bytes(policy=SMTP_POLICY))
        self.written.append(path)
        return path


def with_cafile(settings: SmtpSettings, cafile: str | None) -> SmtpSettings:
    return replace(settings, cafile=cafile) if cafile else settings


def new_message_id(domain: str | None = None) -> str:
    """A fresh Message-ID (``<…@domain>``; the sender's domain when known)."""
    return make_msgid(domain=domain or None)
