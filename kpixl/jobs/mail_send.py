"""``kpixl mail send``: e-mail the round's forms, one message per recipient.

Two stages. :func:`kpixl.jobs.mail_plan.build_plan` makes the list of
:class:`~kpixl.jobs.mail_plan.Outgoing` messages from the master and the files beside
it:

- ``agreements``: each personal workbook under Config's ``personal_folder``, known by
  its metadata (:func:`kpixl.jobs.notices.find_workbooks`, never by name; the newest
  revision of a person), to the person's Roster ``email``;
- ``units``: each unit workbook under ``units_folder`` (metadata ``unit_code``) to the
  Units ``head_email``; an ``.xlsm`` one carries a note on the Trusted Location;
- ``notices``: each notice PDF under ``notices_folder``, known by its SHA-256 in the
  index ``kpixl notices`` writes beside them (a renamed PDF is still found; a changed
  one is not sent);
- ``reminders``: the people :func:`kpixl.jobs.status.reminder_targets` says are late.

:func:`deliver` then sends a plan under the log's rules (:mod:`kpixl.io.mail_log`):
a message already sent (or written to the outbox) with the same attachment to the
same address is skipped; a changed attachment or address is sent again, saying why; a
reminder goes once per person, step and due date. A message the server refuses is
logged as failed and the rest go on; a connection or login failure stops the run with
one finding. Messages per minute: Config ``mail_per_minute`` (blank: 30). The run holds
the master's lock (:mod:`kpixl.io.lock`), so two runs at once cannot send twice.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from email.headerregistry import Address
from pathlib import Path
from typing import Any

from kpixl.core.codes import finding
from kpixl.core.errors import FileWriteError
from kpixl.core.findings import ERROR, Finding
from kpixl.core.mail_text import DEFAULT_TEXTS, WHATS, fill, unknown_placeholders
from kpixl.core.numbers import whole_setting
from kpixl.core.text import text_of
from kpixl.core.thaitime import bangkok
from kpixl.io import mail_log
from kpixl.io.atomic import write_finding
from kpixl.io.lock import hold_lock
from kpixl.io.mail_message import build_message, clean_line, parse_sender
from kpixl.io.smtp import (
    OutboxTransport,
    SettingError,
    SmtpRefused,
    SmtpSettings,
    SmtpStop,
    SmtpTransport,
    password_for,
    redacted,
    settings_from_config,
    settings_from_url,
)
from kpixl.jobs.mail_plan import (
    WHAT_TEXT,
    XLSM_NOTE,
    Outgoing,
    build_plan,
    reminder_plan,
    unit_names,
)
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.master import read_master

__all__ = [
    "DEFAULT_PER_MINUTE",
    "OUTBOX_FOLDER",
    "XLSM_NOTE",
    "Delivery",
    "Outgoing",
    "SendRun",
    "build_plan",
    "deliver",
    "reminder_plan",
    "send_mail",
]

DEFAULT_PER_MINUTE = 30
OUTBOX_FOLDER = "outbox"  # beside the master, when no server is set

Progress = Callable[[int, int], None]  # (done, total)


@dataclass
class Delivery:
    """What became of one :class:`Outgoing`."""

    outgoing: Outgoing
    status: str  # sent | outbox | failed | skipped | planned
    subject: str = ""
    sha256: str = ""
    message_id: str = ""
    why_th: str = ""  # why it was sent again, skipped or failed
    why_en: str = ""
    path: Path | None = None  # the .eml file, for the outbox


@dataclass
class SendRun:
    """What ``kpixl mail send`` did."""

    master: Path
    what: str
    dry_run: bool = False
    findings: list[Finding] = field(default_factory=list)
    sent: list[Delivery] = field(default_factory=list)  # sent, or written to the outbox
    skipped: list[Delivery] = field(default_factory=list)  # already sent, same attachment
    failed: list[Delivery] = field(default_factory=list)
    planned: list[Delivery] = field(default_factory=list)  # --dry-run: what would go
    outbox: list[Path] = field(default_factory=list)  # the .eml files written
    outbox_folder: Path | None = None  # where .eml files go (None: an SMTP server)
    server: str = ""  # the SMTP server's URL (no password), when sending
    stopped: bool = False  # a connection or login failure stopped the run
    write_failed: bool = False

    @property
    def exit_code(self) -> int:
        if self.write_failed:
            return 2
        return 1 if any(f.severity == ERROR for f in self.findings) else 0


def _text(value: Any) -> str:
    return text_of(value) if value is not None else ""


# --------------------------------------------------------------------- delivery


def _texts(
    config: Mapping[str, Any], what: str, master: Path, findings: list[Finding]
) -> tuple[str, str]:
    out = []
    for part in ("subject", "body"):
        key = f"mail_{part}_{what}"
        value = config.get(key)  # as typed: a body's line breaks stay (text_of joins lines)
        typed = "" if value is None else str(value)
        template = typed if typed.strip() else DEFAULT_TEXTS[key]
        for word in unknown_placeholders(template):
            findings.append(
                finding(
                    "mail.send_placeholder", value=word, key=key, file=master.name, sheet=M.CONFIG
                )
            )
        out.append(template)
    return out[0], out[1]


def _per_minute(config: Mapping[str, Any]) -> int | None:
    """Config ``mail_per_minute`` (blank: 30), or None when it is no whole number from 1
    to 100,000 (as the consolidation's Config check says)."""
    value = config.get("mail_per_minute")
    if not _text(value):
        return DEFAULT_PER_MINUTE
    return whole_setting(value, 100_000)


def _stem(what: str, outgoing: Outgoing) -> str:
    if outgoing.attachment is not None:
        return f"{what}_{outgoing.attachment.stem}"
    return f"{what}_{outgoing.key}_{outgoing.name}"


def _skip_reason(
    log: mail_log.MailLog, round_id: str, what: str, o: Outgoing, sha: str
) -> tuple[str, str, bool]:
    """(why th, why en, skip): whether the log says this message already went."""
    if o.attachment is None:
        before = log.sent_before(round_id, what, o.key, sha)
        if before is not None:
            return f"ส่งแล้วเมื่อ {before.at}", f"already sent at {before.at}", True
        return "", "", False
    last = log.last_sent(round_id, what, o.key)
    if last is None:
        return "", "", False
    if last.sha256 == sha and last.recipient == o.to:
        how = "เขียนลง outbox" if last.status == "outbox" else "ส่ง"
        return (
            f"{how}แล้วเมื่อ {last.at} ไฟล์แนบเดิม",
            f"already {'written to the outbox' if last.status == 'outbox' else 'sent'}"
            f" at {last.at}, same attachment",
            True,
        )
    if last.sha256 != sha:
        return (
            f"ส่งใหม่: ไฟล์แนบเปลี่ยนไปจากที่ส่งเมื่อ {last.at}",
            f"sent again: the attachment changed since {last.at}",
            False,
        )
    return (
        f"ส่งใหม่: อีเมลผู้รับเปลี่ยนจาก {last.recipient}",
        f"sent again: the address changed from {last.recipient}",
        False,
    )


@dataclass
class _Settings:
    round_id: str
    sender: Address
    reply_to: Address | None
    subject: str
    body: str
    per_minute: int


def deliver(
    run: SendRun,
    plan: Sequence[Outgoing],
    settings: _Settings,
    *,
    smtp: SmtpSettings | None,
    outbox: Path | None,
    progress: Progress | None = None,
    clock: Callable[[], str] = mail_log.now,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Send ``plan`` (or list it, for a dry run) under the log's rules; the outcome
    goes into ``run``."""
    what = run.what
    th, en = WHAT_TEXT[what]
    path = mail_log.log_path(run.master)
    transport: SmtpTransport | OutboxTransport | None = None
    interval = 60.0 / settings.per_minute
    last_send: float | None = None
    with mail_log.open_log(path, read_only=run.dry_run) as log:
        try:
            for done, o in enumerate(plan):
                if progress is not None:
                    progress(done, len(plan))
                try:
                    data = o.attachment.read_bytes() if o.attachment is not None else None
                except OSError as exc:
                    run.findings.append(
                        finding(
                            "mail.send_unreadable",
                            value=o.attachment.name if o.attachment else "",
                            why=exc.strerror or str(exc),
                            name=o.name,
                            person_id=o.key,
                            file=o.attachment.name if o.attachment else "",
                        )
                    )
                    continue
                sha = o.digest or (hashlib.sha256(data).hexdigest() if data is not None else "")
                subject = clean_line(fill(settings.subject, o.values), limit=900)
                why_th, why_en, skip = _skip_reason(log, settings.round_id, what, o, sha)
                item = Delivery(o, "planned", subject, sha, why_th=why_th, why_en=why_en)
                if skip:
                    item.status = "skipped"
                    run.skipped.append(item)
                    continue
                if run.dry_run:
                    run.planned.append(item)
                    continue
                body = fill(settings.body, o.values)
                if o.note:
                    body = f"{body.rstrip()}\n\n{o.note}\n"
                at = clock()
                message = build_message(
                    sender=settings.sender,
                    reply_to=settings.reply_to,
                    to=o.to,
                    to_name=o.name,
                    subject=subject,
                    body=body,
                    attachment=data,
                    attachment_name=o.attachment.name if o.attachment else "",
                    date=datetime.fromisoformat(at),
                )
                item.message_id = str(message["Message-ID"])
                if transport is None:
                    if outbox is not None:
                        transport = OutboxTransport(outbox)
                    else:
                        assert smtp is not None
                        transport = SmtpTransport(smtp, password_for(smtp))
                        transport.connect()
                status, error = "sent", ""
                if isinstance(transport, OutboxTransport):
                    item.path = transport.send(message, stem=_stem(what, o))
                    run.outbox.append(item.path)
                    status = "outbox"
                else:
                    if last_send is not None:
                        wait = interval - (time.monotonic() - last_send)
                        if wait > 0:
                            sleep(wait)
                    last_send = time.monotonic()
                    try:
                        transport.send(message)
                    except SmtpRefused as exc:
                        status, error = "failed", exc.why_en
                        item.why_th, item.why_en = exc.why_th, exc.why_en
                        run.findings.append(
                            finding(
                                "mail.send_failed",
                                value=o.to,
                                name=o.name,
                                why=exc.why_th,
                                why_en=exc.why_en,
                                what_th=th,
                                what_en=en,
                                person_id=o.key,
                            )
                        )
                item.status = status
                log.record_sent(
                    mail_log.SentRecord(
                        round_id=settings.round_id,
                        what=what,
                        key=o.key,
                        recipient=o.to,
                        attachment=o.attachment.name if o.attachment else "",
                        sha256=sha,
                        message_id=item.message_id,
                        status=status,
                        error=error,
                        at=at,
                    )
                )
                (run.failed if status == "failed" else run.sent).append(item)
        except SmtpStop as exc:
            run.stopped = True
            left = len(plan) - len(run.sent) - len(run.skipped) - len(run.failed)
            run.findings.append(
                finding(
                    "mail.send_stopped",
                    value=run.server,
                    why=exc.why_th,
                    why_en=exc.why_en,
                    done=len(run.sent),
                    left=left,
                    file=run.master.name,
                )
            )
        finally:
            if isinstance(transport, SmtpTransport):
                transport.close()
    if progress is not None:
        progress(len(plan), len(plan))


def _transport(
    run: SendRun,
    config: Mapping[str, Any],
    *,
    outbox: Path | None,
    smtp: str | None,
    cafile: str | None,
) -> tuple[SmtpSettings | None, Path | None, bool]:
    """The server or the outbox folder; False when the settings cannot be used."""
    if outbox is not None:
        return None, outbox, True
    try:
        settings = (
            settings_from_url(smtp, cafile=cafile)
            if smtp
            else settings_from_config(dict(config), cafile=cafile)
        )
    except SettingError as exc:
        run.findings.append(
            finding(
                "mail.send_bad_smtp",
                value=clean_line(redacted(smtp) if smtp else config.get("smtp_host")),
                why=exc.why_th,
                why_en=exc.why_en,
                file=run.master.name,
            )
        )
        return None, None, False
    if settings is None:
        folder = run.master.parent / OUTBOX_FOLDER
        run.findings.append(
            finding("mail.send_outbox_default", value=str(folder), file=run.master.name)
        )
        return None, folder, True
    run.server = settings.url
    return settings, None, True


def _today(clock: Callable[[], str]) -> date:
    """The day in Bangkok at the time ``clock`` gives (reminders are late by it)."""
    return datetime.fromisoformat(clock()).astimezone(bangkok()).date()


def send_mail(
    master: str | Path,
    what: str,
    *,
    unit: str | None = None,
    outbox: str | Path | None = None,
    smtp: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    clock: Callable[[], str] = mail_log.now,
    sleep: Callable[[float], None] = time.sleep,
    plan: Sequence[Outgoing] | None = None,
    cafile: str | None = None,
) -> SendRun:
    """E-mail ``what`` (agreements, units, notices, reminders) of the round whose master
    is ``master``: see the module doc. ``plan``: send these messages instead of the
    ones :func:`build_plan` makes. ``cafile``: an extra certificate authority to trust
    (a private CA; the tests' own). The master is only read."""
    master = Path(master)
    run = SendRun(master, what, dry_run=dry_run)
    if what not in WHATS:
        raise ValueError(f"what must be one of {WHATS}, not {what!r}")
    inputs = read_master(master)
    if any(f.severity == ERROR for f in inputs.findings):
        run.findings += inputs.findings
        return run
    config = inputs.config
    if unit is not None and unit not in unit_names(inputs):
        run.findings.append(finding("mail.send_unknown_unit", value=unit, file=master.name))
        return run
    server, folder, ok = _transport(
        run, config, outbox=Path(outbox) if outbox is not None else None, smtp=smtp, cafile=cafile
    )
    if not ok:
        return run
    run.outbox_folder = folder
    sender, why = parse_sender(config.get("mail_from"))
    if sender is None:
        run.findings.append(
            finding(
                "mail.send_no_from",
                value=clean_line(config.get("mail_from")),
                why=why,
                file=master.name,
                sheet=M.CONFIG,
                cell=f"B{inputs.config_rows['mail_from']}"
                if "mail_from" in inputs.config_rows
                else "",
            )
        )
        if not dry_run:
            return run
        sender = Address(display_name="", username="nobody", domain="example.invalid")
    reply_to = None
    if _text(config.get("mail_reply_to")):
        reply_to, why = parse_sender(config.get("mail_reply_to"))
        if reply_to is None:
            run.findings.append(
                finding(
                    "mail.send_bad_reply_to",
                    value=clean_line(config.get("mail_reply_to")),
                    why=why,
                    file=master.name,
                    sheet=M.CONFIG,
                )
            )
    subject, body = _texts(config, what, master, run.findings)
    if plan is None:
        plan, found = build_plan(inputs, what, unit=unit, today=_today(clock))
        run.findings += found
    else:
        plan = [o for o in plan if unit is None or o.unit == unit]
    per_minute = _per_minute(config)
    if per_minute is None:
        run.findings.append(
            finding(
                "mail.send_bad_smtp",
                value=clean_line(config.get("mail_per_minute")),
                why="mail_per_minute ใน Config ต้องเป็นจำนวนเต็ม 1–100,000",
                why_en="Config's mail_per_minute must be a whole number from 1 to 100,000",
                file=master.name,
                sheet=M.CONFIG,
            )
        )
        return run
    settings = _Settings(
        round_id=_text(config.get("round_id")),
        sender=sender,
        reply_to=reply_to,
        subject=subject,
        body=body,
        per_minute=per_minute,
    )
    # a dry run logs nothing, so it needs no lock; a real one holds the master's
    lock = nullcontext() if dry_run else hold_lock(master, command=f"kpixl mail send --what {what}")
    try:
        with lock:
            deliver(
                run,
                plan,
                settings,
                smtp=server,
                outbox=folder,
                progress=progress,
                clock=clock,
                sleep=sleep,
            )
    except FileWriteError as exc:  # another run holds the lock; an outbox file not written
        run.findings.append(write_finding(exc))
        run.write_failed = True
    except (mail_log.MailLogError, sqlite3.Error) as exc:  # damaged: nothing can go safely
        why = exc.why if isinstance(exc, mail_log.MailLogError) else str(exc)
        path = mail_log.log_path(master)
        run.findings.append(
            finding("mail.log_unreadable", value=path.name, why=why, file=path.name)
        )
    return run
