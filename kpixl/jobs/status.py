"""The round tracker: where every person's papers are, who is late, whom to remind.

Each roster person's steps (:mod:`kpixl.core.tracker`) are dated from what the round
leaves behind; nothing is asked of anyone:

- **agreement sent**, **notice sent**: the mail log (:mod:`kpixl.io.mail_log`), the
  first ``sent`` row of ``agreements`` / ``notices`` to the person with status
  ``sent`` or ``outbox``;
- **agreement returned**: the first personal workbook of the person fetched (the log's
  ``filed`` rows), else the oldest of their workbooks saved into the inbox folder
  (Config ``inbox_folder``) by hand, dated by the file's modification time;
- **sealed**: the earliest seal time (metadata ``sealed_at``) of the person's
  workbooks, fetched (the log) or in the inbox and personal folders;
- **evaluation returned**: the first fetched workbook with the evaluation filled in
  (the log's ``evaluated``), else the oldest such workbook in the inbox or personal
  folder (the file's modification time);
- **collected**: the person's row of their unit workbook (in Config ``units_folder``,
  or one a unit head sent back into the inbox) carries collected scores or a source
  file; dated by the unit workbook's modification time (kpixl writes a fixed creation
  stamp into every workbook's docProps, so the file's own time is the one that tells
  when collecting wrote it);
- **consolidated**: the person is on the master's Results. Consolidation records no
  time of its own, so the first ``kpixl status`` that sees the person there dates it by
  the master's modification time and the Tracker keeps that date from then on (later
  runs read it back; a person no longer on Results loses it).

Dates are Bangkok days. Lateness against Config ``agreement_due`` / ``evaluation_due``
follows :func:`kpixl.core.tracker.late_steps`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from kpixl.core.codes import finding
from kpixl.core.errors import FileWriteError, file_problem, strict
from kpixl.core.findings import Finding, has_errors
from kpixl.core.text import text_of
from kpixl.core.thaitime import (
    BUDDHIST_ERA,
    bangkok,
    bangkok_now,
    parse_stamp,
    read_date,
    thai_date,
)
from kpixl.core.tracker import (
    DUE_STEPS,
    STEPS,
    PersonSteps,
    UnitSummary,
    late_steps,
    reminder_step,
    summarise_units,
)
from kpixl.io.atomic import write_bytes_atomic, write_finding
from kpixl.io.grids import open_book
from kpixl.io.identify import check_file, sheet_names
from kpixl.io.limits import PERSONAL
from kpixl.io.lock import hold_lock
from kpixl.io.mail_log import MailLogError, log_path, open_log
from kpixl.io.xlsx_sheets import SheetCopyError
from kpixl.jobs.round import backups_to_keep, unit_files
from kpixl.workbooks import master_layout as M
from kpixl.workbooks import personal_layout as PL
from kpixl.workbooks import unit_layout as U
from kpixl.workbooks.master import MasterInputs, read_master
from kpixl.workbooks.tracker import TrackerView, previous_rows, tracker_bytes
from kpixl.workbooks.unit import read_unit

__all__ = [
    "PersonStatus",
    "Reminder",
    "RoundStatus",
    "day_text",
    "reminder_targets",
    "round_status",
    "status",
    "tracker_view",
]

_WORKBOOKS = (".xlsx", ".xlsm")
_SENT = ("sent", "outbox")
_DEPTHS = ("*", "*/*", "*/*/*")


@dataclass(frozen=True)
class PersonStatus:
    """A roster person's dated steps and the due steps they are late for."""

    steps: PersonSteps
    late: tuple[str, ...] = ()

    @property
    def person_id(self) -> str:
        return self.steps.person_id

    def date_of(self, step: str) -> date | None:
        return self.steps.dates.get(step)


@dataclass(frozen=True)
class Reminder:
    """A late person to remind: the step ('agreement' | 'evaluation') and its due date."""

    person_id: str
    name: str
    unit: str
    email: str
    step: str
    due: date


@dataclass
class RoundStatus:
    """The round's tracker: every roster person's steps, the units' summaries."""

    master: Path
    round_id: str
    today: date
    dues: dict[str, date | None] = field(default_factory=dict)
    people: list[PersonStatus] = field(default_factory=list)
    units: list[UnitSummary] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    inputs: MasterInputs | None = field(default=None, repr=False)
    written: bool = False
    write_failed: bool = False

    @property
    def late(self) -> list[PersonStatus]:
        return [p for p in self.people if p.late]

    @property
    def exit_code(self) -> int:
        if self.write_failed:
            return 2
        return 1 if has_errors(self.findings) else 0

    def to_json(self) -> dict[str, Any]:
        def iso(day: date | None) -> str | None:
            return day.isoformat() if day else None

        return {
            "master": str(self.master),
            "round_id": self.round_id,
            "today": self.today.isoformat(),
            "dues": {k: iso(v) for k, v in self.dues.items()},
            "people": [
                {
                    "person_id": p.person_id,
                    "name": p.steps.name,
                    "unit": p.steps.unit,
                    "email": p.steps.email,
                    "steps": {s: iso(p.date_of(s)) for s in STEPS},
                    "late": list(p.late),
                }
                for p in self.people
            ],
            "units": [
                {
                    "unit": u.unit,
                    "unit_name": u.unit_name,
                    "people": u.people,
                    "agreements_sent": u.sent,
                    "agreements_returned": u.returned,
                    "evaluated": u.evaluated,
                    "late": u.late,
                    "summary": u.line,
                }
                for u in self.units
            ],
            "late": [p.person_id for p in self.late],
            "written": self.written,
        }


# ------------------------------------------------------------------------ dating


def _day(moment: datetime | None) -> date | None:
    return moment.astimezone(bangkok()).date() if moment is not None else None


def _mtime_day(path: Path) -> date:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).astimezone(bangkok()).date()


class _Dates:
    """Each person's candidate dates per step; a step's date is the earliest."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], date] = {}

    def add(self, person_id: str, step: str, day: date | None) -> None:
        if not person_id or day is None:
            return
        key = (person_id, step)
        if key not in self.seen or day < self.seen[key]:
            self.seen[key] = day

    def of(self, person_id: str) -> dict[str, date]:
        return {s: d for s in STEPS if (d := self.seen.get((person_id, s))) is not None}


def _from_log(master: Path, round_id: str, dates: _Dates, findings: list[Finding]) -> None:
    """The steps the mail log dates (a round without one: none)."""
    path = log_path(master)
    if not path.is_file():
        return
    try:
        with open_log(path, read_only=True) as log:
            sent = log.sent(round_id)
            filed = log.filed(round_id)
    except MailLogError as exc:
        findings.append(
            finding("status.log_unreadable", value=path.name, why=exc.why, file=path.name)
        )
        return
    except sqlite3.Error as exc:
        findings.append(
            finding("status.log_unreadable", value=path.name, why=str(exc), file=path.name)
        )
        return
    steps = {"agreements": "agreement_sent", "notices": "notice_sent"}
    for record in sent:
        if record.what in steps and record.status in _SENT:
            dates.add(record.key, steps[record.what], _day(parse_stamp(record.at)))
    for f in filed:
        if f.kind != "personal":
            continue
        at = _day(parse_stamp(f.at))
        dates.add(f.person_id, "agreement_returned", at)
        if f.evaluated:
            dates.add(f.person_id, "evaluation_returned", at)
        dates.add(f.person_id, "sealed", _day(parse_stamp(f.sealed_at)))


def _workbooks(folder: Path) -> Iterator[Path]:
    """The workbooks in ``folder`` and up to two folders down (``inbox/U01/…`` and
    what fetching keeps aside there), in name order; never the whole disk, whatever
    Config names."""
    if not folder.is_dir():
        return
    found = {p for depth in _DEPTHS for p in folder.glob(depth)}
    for path in sorted(found):
        plain = not path.name.startswith(("~$", "."))
        if path.suffix.lower() in _WORKBOOKS and plain and path.is_file():
            yield path


def _filled(values: Iterable[Any]) -> bool:
    return any(text_of(v) != "" for v in values)


@dataclass(frozen=True)
class _PersonalFacts:
    """What the tracker needs of a personal workbook (read from its metadata)."""

    person_id: str
    round_id: str
    sealed_at: str
    evaluated: bool


def _column(grid: list[list[Any]], letter: str, first: int, last: int) -> list[Any]:
    i = ord(letter) - ord("A")
    return [row[i] if i < len(row) else "" for row in grid[first - 1 : last]]


def _personal_facts(path: Path) -> _PersonalFacts | None:
    """A personal workbook's person, round, seal time and whether its evaluation is
    filled in (an actual result or a competency rating typed), read with calamine from
    its hidden metadata sheet and those two columns; None for anything that is not a
    readable personal workbook (fetch and collect report those, not the tracker)."""
    if check_file(path, deep=False, limits=PERSONAL) is not None:
        return None
    try:
        book = open_book(path, limits=PERSONAL)
        if PL.HIDDEN not in book.sheet_names:
            return None
        hidden = book.grid(PL.HIDDEN)
        values = _column(hidden, "B", PL.META_FIRST, PL.META_FIRST + len(PL.META_FIELDS) - 1)
        meta = dict(zip(PL.META_FIELDS, values, strict=False))
        if meta.get("template_id") != PL.TEMPLATE_ID:
            return None
        actuals = ratings = []
        if PL.ACHIEVEMENT in book.sheet_names:
            grid = book.grid(PL.ACHIEVEMENT)
            actuals = _column(grid, PL.ACH_COLUMNS["actual"], PL.ACH_FIRST, PL.ACH_LAST)
        if PL.COMPETENCY in book.sheet_names:
            grid = book.grid(PL.COMPETENCY)
            ratings = _column(grid, PL.CMP_COLUMNS["rating"], PL.CMP_FIRST, PL.CMP_LAST)
    except Exception as exc:  # a damaged file is skipped; a kpixl defect raises in tests
        if strict() and not file_problem(exc):
            raise
        return None
    return _PersonalFacts(
        person_id=text_of(meta.get("person_id")),
        round_id=text_of(meta.get("round_id")),
        sealed_at=text_of(meta.get("sealed_at")),
        evaluated=_filled(actuals) or _filled(ratings),
    )


def _from_folders(
    master: Path, config: dict[str, Any], round_id: str, people: set[str], dates: _Dates
) -> None:
    """The steps the workbooks in the inbox, personal and units folders date: personal
    workbooks (returned, sealed, evaluated) and unit workbooks (collected)."""

    def folder(key: str, default: str) -> Path:
        return master.parent / (text_of(config.get(key)) or default)

    inbox = list(_workbooks(folder("inbox_folder", "inbox")))
    units_folder = folder("units_folder", "units")
    units = unit_files(units_folder) if units_folder.is_dir() else []
    personal = [(p, False) for p in _workbooks(folder("personal_folder", "personal"))]
    for path in inbox:  # what came back: a unit head's unit workbook, or a personal one
        if U.PEOPLE in sheet_names(path):
            units.append(path)
        else:
            personal.append((path, True))
    for path, returned in personal:
        facts = _personal_facts(path)
        if facts is None or facts.person_id not in people:
            continue
        if round_id and facts.round_id and facts.round_id != round_id:
            continue  # another round's workbook
        pid = facts.person_id
        dates.add(pid, "sealed", _day(parse_stamp(facts.sealed_at)))
        if returned:
            dates.add(pid, "agreement_returned", _mtime_day(path))
        if facts.evaluated:
            dates.add(pid, "evaluation_returned", _mtime_day(path))
    for path in units:
        _collected(path, round_id, people, dates)


def _collected(path: Path, round_id: str, people: set[str], dates: _Dates) -> None:
    """Collected: the person's People row in a unit workbook carries collected scores
    (or a source file); dated by the unit workbook's modification time."""
    if not path.is_file():
        return
    form = read_unit(path)
    if not form.readable or form.meta.get("template_id") != U.TEMPLATE_ID:
        return
    unit_round = text_of(form.meta.get("round_id"))
    if round_id and unit_round and unit_round != round_id:
        return  # another round's unit workbook
    if form.people.empty or "person_id" not in form.people:
        return
    day = _mtime_day(path)
    for row in form.people.to_dict("records"):
        pid = text_of(row.get("person_id"))
        collected = _filled(row.get(f) for f in ("source_file", "total", "achievement"))
        if pid in people and collected:
            dates.add(pid, "collected", day)


def _from_master(inputs: MasterInputs, dates: _Dates) -> None:
    """Consolidated: on Results; dated as the Tracker has it, else the master's time."""
    book = open_book(inputs.path, inputs.path.read_bytes())
    previous = previous_rows(book)
    on_results: set[str] = set()
    if M.RESULTS in book.sheet_names:
        grid = book.grid(M.RESULTS)
        header = grid[M.HEADER_ROW - 1] if len(grid) >= M.HEADER_ROW else []
        wanted = M.RESULT_HEADERS[M.RESULT_COLUMNS.index("person_id")]
        column = next((i for i, h in enumerate(header) if text_of(h) == wanted), None)
        if column is not None:
            on_results = {
                text_of(row[column]) for row in grid[M.HEADER_ROW :] if len(row) > column
            } - {""}
    modified = _mtime_day(inputs.path)
    for pid in on_results:
        try:
            kept = read_date(previous.get(pid, {}).get("consolidated"))
        except ValueError:
            kept = None  # someone typed over it: dated again
        dates.add(pid, "consolidated", kept or modified)


# -------------------------------------------------------------------------- status


def _dues(inputs: MasterInputs, findings: list[Finding]) -> dict[str, date | None]:
    dues: dict[str, date | None] = {}
    for step in DUE_STEPS:
        key = f"{step}_due"
        value = inputs.config.get(key)
        try:
            dues[step] = read_date(value)
        except ValueError:
            dues[step] = None
            row = inputs.config_rows.get(key)
            findings.append(
                finding(
                    "status.bad_due",
                    field=key,
                    value=value,
                    file=inputs.path.name,
                    sheet=M.CONFIG,
                    cell=f"B{row}" if row else "",
                )
            )
    return dues


def round_status(master: str | Path, *, today: date | None = None) -> RoundStatus:
    """Every roster person's steps on ``today`` (default: today in Bangkok), who is late
    and each unit's summary; never raises on bad input (it becomes a finding)."""
    master = Path(master)
    today = today or bangkok_now().date()
    inputs = read_master(master)
    findings = list(inputs.findings)
    round_id = text_of(inputs.config.get("round_id"))
    result = RoundStatus(master, round_id, today, findings=findings, inputs=inputs)
    if has_errors(findings):
        return result
    result.dues = dues = _dues(inputs, findings)
    roster: list[dict[Any, Any]] = []
    seen: set[str] = set()
    if not inputs.roster.empty and "person_id" in inputs.roster:
        for row in inputs.roster.to_dict("records"):
            pid = text_of(row.get("person_id"))
            if pid and pid not in seen:
                seen.add(pid)
                roster.append(row)
    dates = _Dates()
    _from_log(master, round_id, dates, findings)
    _from_folders(master, inputs.config, round_id, seen, dates)
    _from_master(inputs, dates)
    for row in roster:
        pid = text_of(row.get("person_id"))
        steps = PersonSteps(
            person_id=pid,
            name=text_of(row.get("name")),
            unit=text_of(row.get("unit")),
            email=text_of(row.get("email")),
            dates=dates.of(pid),
        )
        result.people.append(PersonStatus(steps, late_steps(steps, dues, today)))
    names: dict[str, str] = {}
    if not inputs.units.empty and "unit_code" in inputs.units:
        for row in inputs.units.to_dict("records"):
            names.setdefault(text_of(row.get("unit_code")), text_of(row.get("unit_name")))
    # unit by unit (the Units sheet's order, then other units by code), roster order within
    order = {code: i for i, code in enumerate(names)}
    result.people.sort(key=lambda p: (order.get(p.steps.unit, len(order)), p.steps.unit))
    late = {p.person_id: p.late for p in result.people}
    result.units = summarise_units((p.steps for p in result.people), late, names)
    return result


def reminder_targets(master: str | Path, *, today: date | None = None) -> list[Reminder]:
    """The people late on ``today``, each with their roster e-mail and the one step to be
    reminded of (:func:`kpixl.core.tracker.reminder_step`) and its due date; in roster
    order. A person without an e-mail is listed all the same (the sender reports it)."""
    run = round_status(master, today=today)
    out = []
    for p in run.late:
        step = reminder_step(p.late)
        due = run.dues.get(step) if step else None
        if step is None or due is None:
            continue
        s = p.steps
        out.append(Reminder(s.person_id, s.name, s.unit, s.email, step, due))
    return out


def day_text(day: date) -> str:
    """A date as the Tracker writes it: ``31/10/2569`` (day/month/Buddhist year)."""
    return f"{day.day}/{day.month}/{day.year + BUDDHIST_ERA}"


def tracker_view(run: RoundStatus) -> TrackerView:
    """The Tracker sheet's content for ``run``."""
    due_text = {
        M.TRACKER_DUE_COLUMNS[step]: f"กำหนด {day_text(due)}"
        for step, due in run.dues.items()
        if due is not None
    }
    rows: list[list[object]] = []
    late: list[frozenset[int]] = []
    for p in run.people:
        values: dict[str, object] = {
            "name": p.steps.name,
            "unit": p.steps.unit,
            "person_id": p.person_id,
        }
        marked = set()
        for step in STEPS:
            day = p.date_of(step)
            values[step] = day_text(day) if day else None
        for step in p.late:
            column = M.TRACKER_DUE_COLUMNS[step]
            values[column] = M.TRACKER_LATE
            marked.add(M.TRACKER_COLUMNS.index(column))
        rows.append([values.get(c) for c in M.TRACKER_COLUMNS])
        late.append(frozenset(marked))
    as_of = f"ข้อมูล ณ วันที่ {thai_date(run.today, short=True)}"
    return TrackerView(as_of, due_text, rows, late, [u.line_th for u in run.units])


def status(master: str | Path, *, today: date | None = None, write: bool = True) -> RoundStatus:
    """:func:`round_status`, and with ``write`` the Tracker sheet written into the master
    (atomically, under the master's lock, the previous file kept in .kpixl-backups/;
    left untouched when it already shows the same)."""
    master = Path(master)
    with hold_lock(master, command="kpixl status") if write else nullcontext():
        run = round_status(master, today=today)
        if not write or has_errors(run.findings) or run.inputs is None:
            return run
        data = master.read_bytes()
        try:
            new = tracker_bytes(data, tracker_view(run))
        except SheetCopyError as exc:  # a package of a shape kpixl does not know
            run.findings.append(
                finding("status.tracker_failed", value=master.name, why=str(exc), file=master.name)
            )
            return run
        try:
            if new != data:
                keep = backups_to_keep(run.inputs, run.findings)
                write_bytes_atomic(master, new, backup=True, keep=keep)
            run.written = True
        except FileWriteError as exc:
            run.findings.append(write_finding(exc))
            run.write_failed = True
    return run
