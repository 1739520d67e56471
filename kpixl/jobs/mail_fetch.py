"""Fetch the returned forms: ``kpixl mail fetch MASTER --from SOURCE``.

Every attachment of every new message (:mod:`kpixl.io.mail_sources`) is looked at by
its bytes and its metadata, never its name. A personal or unit workbook of the master's
round is filed into the round's inbox folder (Config ``inbox_folder``, default
``inbox`` beside the master)::

    inbox/U01/<person id>_<name>_r<revision>_<sha8>.xlsx   each person's newest workbook
    inbox/units/<unit>_r<revision>_<sha8>.xlsx              each unit's newest workbook
    inbox/_older/U01/…, inbox/_older/units/…                older ones, kept aside

so ``kpixl collect units/U01.xlsx --from inbox/U01`` (which reads one folder, not its
subfolders) sees exactly one workbook per person, the newest: the highest revision,
then an evaluated one over an agreement only, then the one fetched last. Bytes already
filed are a duplicate, not written again. File names come from the metadata (through
:func:`kpixl.io.paths.safe_child`), every target is checked to be inside the inbox,
writes are atomic and never replace a different file.

Everything else is a finding naming the message's sender and subject: other files,
workbooks of another round or of no kpixl form, unreadable, encrypted or renamed-CSV
ones, hostile names, attachments over the size limit, forwards nested too deep. One
bad message never stops the others. Each message is remembered in the mail log by its
Message-ID (:mod:`kpixl.io.mail_log`) and skipped on the next run; a message whose
workbook could not be written (a full disk) is not remembered, so the next run tries
it again. The run holds the mail log's lock: two fetches of one round do not race.
For HR: docs/mail-fetch.md.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpixl.core.codes import finding
from kpixl.core.errors import FileWriteError, InputError
from kpixl.core.findings import ERROR, Finding, has_errors
from kpixl.core.text import text_of
from kpixl.io import mail_log
from kpixl.io.atomic import as_write_error, write_bytes_atomic, write_finding
from kpixl.io.attachments import (
    MAX_ATTACHMENT_BYTES,
    is_workbook_package,
    looks_like_workbook_name,
    name_problem,
    sniff,
)
from kpixl.io.identify import check_file
from kpixl.io.limits import UNIT, sheets_of
from kpixl.io.lock import hold_lock
from kpixl.io.mail_log import FiledRecord, MailLog, MailLogError, log_path, open_log
from kpixl.io.mail_sources import (
    MAX_FORWARDS,
    MAX_MESSAGE_BYTES,
    Attachment,
    Message,
    SourceProblem,
    read_source,
    source_label,
)
from kpixl.io.paths import safe_child, safe_part
from kpixl.workbooks import personal_layout as L
from kpixl.workbooks import unit_layout as U
from kpixl.workbooks.master import read_master
from kpixl.workbooks.personal import person_id_of, read_personal
from kpixl.workbooks.unit import read_unit

__all__ = ["FetchRun", "MessageOutcome", "fetch_mail"]

OLDER = "_older"  # inside the inbox: the older workbooks, where collect does not look
UNITS = "units"  # inside the inbox: the unit workbooks heads send back
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass
class MessageOutcome:
    """What became of one message."""

    message_id: str
    sender: str
    subject: str
    origin: str
    status: str  # fetched | skipped (already fetched) | failed (to be tried again)
    filed: list[FiledRecord] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # a form refused for a reason HR can put right (its unit not on Units, a linked inbox
    # folder): the message is not remembered, so the next fetch takes it again
    again: bool = False


@dataclass
class FetchRun:
    """What a fetch did (see :func:`fetch_mail`)."""

    master: Path
    source: str
    inbox: Path | None = None
    messages: list[MessageOutcome] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # all of them, the messages' too
    write_failed: bool = False

    @property
    def filed(self) -> list[FiledRecord]:
        """The workbooks written into the inbox (newest or kept aside as older)."""
        return [r for m in self.messages for r in m.filed if r.outcome != "duplicate"]

    @property
    def skipped(self) -> list[MessageOutcome]:
        """The messages already fetched by an earlier run."""
        return [m for m in self.messages if m.status == "skipped"]

    @property
    def exit_code(self) -> int:
        if self.write_failed:
            return 2
        return 1 if has_errors(self.findings) else 0


def _visible(text: str) -> str:
    """A sender's file name with each control character shown as ``_xHHHH_``."""
    return _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)[:120]


@dataclass
class _Workbook:
    """A kpixl workbook identified in an attachment."""

    kind: str  # personal | unit
    round_id: str
    unit: str
    person_id: str
    name: str
    revision: int
    evaluated: bool
    sealed_at: str
    suffix: str = ".xlsx"  # .xlsm for a workbook with macros (a unit workbook's buttons)


def _int(value: Any) -> int:
    try:
        return int(float(text_of(value) or 0))
    except ValueError:
        return 0


def _first_error(findings: list[Finding]) -> Finding:
    """The reader's first error (a form without metadata and no error: not kpixl's)."""
    return next(
        (f for f in findings if f.severity == ERROR),
        Finding("file.not_kpixl", "ไม่ใช่แบบฟอร์มของ kpixl", "not a kpixl form"),
    )


def _filled(values: Any) -> bool:
    return any(text_of(v) != "" for v in values)


class _Fetcher:
    """One fetch run's state: the master's round, the inbox, the log, the staging folder."""

    def __init__(
        self,
        *,
        master: Path,
        round_id: str,
        units: set[str],
        people: set[str] | None,
        inbox: Path,
        log: MailLog,
        label: str,
        staging: Path,
        clock: Callable[[], str],
    ) -> None:
        self.master_dir = master.resolve().parent
        self.round_id, self.units, self.inbox = round_id, units, inbox
        self.people = people  # the roster's ids (None: the roster could not be read)
        self.log, self.label, self.staging, self.clock = log, label, staging, clock

    # ------------------------------------------------------------------ messages
    def message(self, message: Message) -> MessageOutcome:
        out = MessageOutcome(
            message.message_id, message.sender, message.subject, message.origin, "fetched"
        )
        who = {"sender": message.sender or "—", "subject": message.subject or "—"}
        if message.skipped:
            out.status = "skipped"
            return out
        if message.unreadable is not None:
            th, en = message.unreadable
            out.findings.append(
                finding("mail.fetch_message_unreadable", value=message.origin, why=th, why_en=en)
            )
        if message.too_large:
            out.findings.append(
                finding(
                    "mail.fetch_message_too_large",
                    value=message.origin,
                    size=f"{message.too_large:,}",
                    limit=f"{MAX_MESSAGE_BYTES:,}",
                    **who,
                )
            )
        for attachment in message.attachments:
            try:
                self.attachment(attachment, who, out)
            except FileWriteError as exc:
                out.findings.append(write_finding(exc))
                out.status = "failed"
        if message.too_deep:
            out.findings.append(finding("mail.fetch_too_deep", limit=MAX_FORWARDS, **who))
        if out.status != "failed" and not out.again:
            self.log.record_message(
                message.message_id,
                source=self.label,
                sender=message.sender,
                subject=message.subject,
                at=self.clock(),
            )
        return out

    # --------------------------------------------------------------- attachments
    def attachment(self, att: Attachment, who: dict[str, str], out: MessageOutcome) -> None:
        shown = _visible(att.name) or "(ไม่มีชื่อ / no name)"
        where = {"value": shown, "file": shown, **who}
        why = name_problem(att.name)
        if why is not None:
            out.findings.append(
                finding("mail.fetch_unsafe_name", why=why[0], why_en=why[1], **where)
            )
            return
        if att.data is None or att.size > MAX_ATTACHMENT_BYTES:
            out.findings.append(
                finding(
                    "mail.fetch_too_large",
                    size=f"{att.size:,}",
                    limit=f"{MAX_ATTACHMENT_BYTES:,}",
                    **where,
                )
            )
            return
        data = att.data
        kind = sniff(data)
        named_excel = looks_like_workbook_name(att.name)
        if kind == "text" and named_excel:
            out.findings.append(finding("mail.fetch_not_xlsx", **where))
            return
        if kind == "ole" and named_excel:
            out.findings.append(finding("mail.fetch_encrypted", **where))
            return
        if kind != "zip" or not is_workbook_package(data):
            what = {
                "pdf": "PDF",
                "text": "ข้อความ / text",
                "ole": "เอกสาร Office รุ่นเก่าหรือถูกตั้งรหัสผ่าน / an old or protected Office file",
                "empty": "ไฟล์ว่าง / empty",
                "zip": "zip, docx, pptx",
            }.get(kind, "ไม่รู้จัก / unknown")
            out.findings.append(finding("mail.fetch_other_file", kind=what, **where))
            return
        workbook, problem = self.identify(data, where)
        if problem is not None:
            out.findings.append(problem)
            return
        assert workbook is not None
        if workbook.round_id != self.round_id:
            out.findings.append(
                finding(
                    "mail.fetch_other_round",
                    round=workbook.round_id or "—",
                    expected=self.round_id,
                    person_id=workbook.person_id,
                    **where,
                )
            )
            return
        if workbook.unit not in self.units:
            out.findings.append(
                finding(
                    "mail.fetch_unknown_unit",
                    unit=workbook.unit or "—",
                    person_id=workbook.person_id,
                    **where,
                )
            )
            out.again = True
            return
        if (
            workbook.kind == "personal"
            and self.people is not None
            and workbook.person_id not in self.people
        ):
            out.findings.append(
                finding("mail.fetch_not_on_roster", person_id=workbook.person_id, **where)
            )
        try:
            out.filed.append(self.place(workbook, data, att.name, out))
        except InputError:  # a target outside the inbox (a linked folder inside it)
            folder = self.inbox / (workbook.unit if workbook.kind == "personal" else UNITS)
            out.findings.append(finding("mail.fetch_inbox_link", value=str(folder), file=shown))
            out.again = True

    def identify(
        self, data: bytes, where: dict[str, str]
    ) -> tuple[_Workbook | None, Finding | None]:
        """The kpixl workbook in ``data`` (by its sheets and metadata), or why it is none."""
        path = self.staging / "attachment.xlsx"
        path.write_bytes(data)
        try:
            bad = check_file(path, limits=UNIT)  # sizes, zip bomb ratios, CRCs: before parsing
            if bad is not None:
                return None, self._unreadable(bad, where)
            with zipfile.ZipFile(path) as zf:
                sheets = set(sheets_of(zf))
                types = (
                    zf.read("[Content_Types].xml")
                    if "[Content_Types].xml" in zf.namelist()
                    else b""
                )
            suffix = ".xlsm" if b"macroEnabled" in types else ".xlsx"
            if set(L.SHEETS) <= sheets:
                form = read_personal(path)
                if not form.readable or not form.meta:
                    return None, self._unreadable(_first_error(form.findings), where)
                kpis: Any = form.kpis.get("actual", []) if not form.kpis.empty else []
                ratings: Any = (
                    form.competencies.get("rating", []) if not form.competencies.empty else []
                )
                return _Workbook(
                    "personal",
                    text_of(form.meta.get("round_id")),
                    text_of(form.meta.get("unit_code")) or text_of(form.identity.get("unit_code")),
                    person_id_of(form),
                    text_of(form.identity.get("name")),
                    _int(form.meta.get("revision")),
                    _filled(kpis) or _filled(ratings),
                    text_of(form.meta.get("sealed_at")),
                    suffix,
                ), None
            if set(U.SHEETS) <= sheets:
                unit = read_unit(path)
                if not unit.readable or not unit.meta:
                    return None, self._unreadable(_first_error(unit.findings), where)
                totals: Any = unit.people.get("total", []) if not unit.people.empty else []
                return _Workbook(
                    "unit",
                    text_of(unit.meta.get("round_id")),
                    text_of(unit.meta.get("unit_code")),
                    "",
                    text_of(unit.meta.get("unit_name")),
                    _int(unit.meta.get("revision")),
                    _filled(totals),
                    "",
                    suffix,
                ), None
            return None, finding("mail.fetch_not_kpixl", **where)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            th = "ไฟล์เสียหาย"
            return None, finding(
                "mail.fetch_unreadable", rule="file.corrupt", why=th, why_en=str(exc), **where
            )
        finally:
            path.unlink(missing_ok=True)

    @staticmethod
    def _unreadable(problem: Finding, where: dict[str, str]) -> Finding:
        if problem.rule == "file.not_kpixl":
            return finding("mail.fetch_not_kpixl", **where)
        if problem.rule == "file.encrypted_or_xls":
            return finding("mail.fetch_encrypted", **where)
        return finding(
            "mail.fetch_unreadable",
            rule=problem.rule,
            why=problem.message_th,
            why_en=problem.message_en,
            **where,
        )

    # -------------------------------------------------------------------- filing
    def _relative(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.master_dir)).as_posix()

    def _folders(self, workbook: _Workbook) -> tuple[Path, Path]:
        """Where the newest workbook goes and where older ones are kept aside."""
        if workbook.kind == "unit":
            return safe_child(self.inbox, UNITS), safe_child(self.inbox, OLDER, UNITS)
        folder = safe_part(workbook.unit)
        if folder in (UNITS, OLDER):  # a unit coded like the inbox's own folders
            folder = f"unit-{folder}"
        return safe_child(self.inbox, folder), safe_child(self.inbox, OLDER, folder)

    def _free_name(self, folder: Path, name: str, data: bytes | None = None) -> Path:
        """``folder/name``, or ``name-2``, ``-3`` … when a different file holds the name
        (never replaced); the same bytes under the name: that file."""
        stem, suffix = os.path.splitext(name)
        for n in range(1, 1000):
            target = safe_child(folder, name if n == 1 else f"{stem}-{n}{suffix}")
            if not target.exists() and not target.is_symlink():
                return target
            if data is not None and target.is_file() and target.read_bytes() == data:
                return target
        raise InputError(f"no free name for {name} in {folder}", f"ไม่มีชื่อว่างใน {folder}")

    def place(self, wb: _Workbook, data: bytes, sent_as: str, out: MessageOutcome) -> FiledRecord:
        """File ``data`` (newest or kept aside), or note it as a duplicate; log it."""
        sha = hashlib.sha256(data).hexdigest()
        records = self.log.filed(self.round_id)
        key = (wb.kind, wb.person_id if wb.kind == "personal" else wb.unit)

        def record(path: str, outcome: str) -> FiledRecord:
            filed = FiledRecord(
                round_id=self.round_id,
                message_id=out.message_id,
                sender=out.sender,
                subject=out.subject,
                attachment=sent_as,
                sha256=sha,
                kind=wb.kind,
                person_id=wb.person_id,
                unit=wb.unit,
                revision=wb.revision,
                evaluated=wb.evaluated,
                sealed_at=wb.sealed_at,
                path=path,
                outcome=outcome,
                at=self.clock(),
            )
            self.log.record_filed(filed)
            return filed

        same = next(
            (r for r in records if r.sha256 == sha and r.outcome in ("filed", "older")), None
        )
        if same is not None:
            return record(same.path, "duplicate")
        current = next(
            (
                r
                for r in reversed(records)
                if r.outcome == "filed"
                and (r.kind, r.person_id if r.kind == "personal" else r.unit) == key
                and (self.master_dir / r.path).is_file()
            ),
            None,
        )
        newest, older = self._folders(wb)
        label = f"{wb.person_id}_{wb.name}" if wb.kind == "personal" else wb.unit
        name = safe_part(f"{label}_r{wb.revision}_{sha[:8]}{wb.suffix}")
        newer = current is None or (wb.revision, wb.evaluated) >= (
            current.revision,
            current.evaluated,
        )
        if not newer:
            target = self._free_name(older, name, data)
            write_bytes_atomic(target, data)
            return record(self._relative(target), "older")
        target = self._free_name(newest, name, data)
        write_bytes_atomic(target, data)  # first: a failure leaves the one filed so far
        if current is not None:  # the one filed so far is kept aside, not deleted
            was = self.master_dir / current.path
            aside = self._free_name(older, was.name)
            try:
                aside.parent.mkdir(parents=True, exist_ok=True)
                with hold_lock(aside):
                    os.replace(was, aside)
            except OSError as exc:
                raise as_write_error(exc, aside) from exc
            self.log.refiled(
                self.round_id, current.path, new_path=self._relative(aside), outcome="older"
            )
        return record(self._relative(target), "filed")


def _inbox_problem(master_dir: Path, inbox: Path) -> Finding | None:
    """A finding when the inbox (or a folder on the way to it) is a symbolic link."""
    expected = os.path.normpath(os.path.join(os.path.realpath(master_dir), inbox))
    if os.path.lexists(inbox) and (
        os.path.islink(inbox) or os.path.realpath(inbox) != expected or not inbox.is_dir()
    ):
        return finding("mail.fetch_inbox_link", value=str(inbox), file=inbox.name)
    return None


def fetch_mail(
    master: Path, source: str | None = None, *, clock: Callable[[], str] = mail_log.now
) -> FetchRun:
    """Fetch ``source`` (default: Config ``mail_fetch_from``) into ``master``'s inbox.

    Returns the :class:`FetchRun`: per message what was filed, skipped or refused, and
    the findings. Bad input is a finding, never an exception; raises
    :class:`~kpixl.core.errors.LockedError` when another fetch of the round runs.
    """
    master = Path(master)
    run = FetchRun(master, source or "")
    inputs = read_master(master)
    if has_errors(inputs.findings) and not inputs.config:
        run.findings += inputs.findings
        return run
    round_id = text_of(inputs.config.get("round_id"))
    if not round_id:
        run.findings.append(finding("mail.fetch_no_round", file=master.name))
        return run
    if not source:
        configured = text_of(inputs.config.get("mail_fetch_from"))
        if not configured:
            run.findings.append(finding("mail.fetch_no_source", file=master.name))
            return run
        is_url = "://" in configured
        source = configured if is_url else str(master.resolve().parent / configured)
    run.source = source_label(source)
    master_dir = master.resolve().parent
    inbox = master_dir / (text_of(inputs.config.get("inbox_folder")) or "inbox")
    run.inbox = inbox
    problem = _inbox_problem(master_dir, inbox)
    if problem is not None:
        run.findings.append(problem)
        return run
    units = (
        {text_of(u) for u in inputs.units.get("unit_code", [])} if not inputs.units.empty else set()
    )
    roster = inputs.roster
    people = (
        {text_of(p) for p in roster["person_id"]}
        if not roster.empty and "person_id" in roster
        else None
    )
    log_file = log_path(master)
    try:
        with (
            hold_lock(log_file, command="kpixl mail fetch"),
            open_log(log_file) as log,
            tempfile.TemporaryDirectory(prefix="kpixl-fetch-") as staging,
        ):
            fetcher = _Fetcher(
                master=master,
                round_id=round_id,
                units=units,
                people=people,
                inbox=inbox,
                log=log,
                label=run.source,
                staging=Path(staging),
                clock=clock,
            )
            try:
                for message in read_source(source, seen=log.seen):
                    outcome = fetcher.message(message)
                    run.messages.append(outcome)
                    run.findings += outcome.findings
                    run.write_failed |= outcome.status == "failed"
            except SourceProblem as exc:
                run.findings.append(exc.finding)
    except (MailLogError, sqlite3.Error) as exc:  # damaged: filing could not be remembered
        run.findings.append(_log_finding(master, exc))
    return run


def _log_finding(master: Path, exc: Exception) -> Finding:
    why = exc.why if isinstance(exc, MailLogError) else str(exc)
    name = log_path(master).name
    return finding("mail.log_unreadable", value=name, why=why, file=name)
