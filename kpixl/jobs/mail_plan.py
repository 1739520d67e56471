"""What ``kpixl mail send`` sends, to whom: the plan, a list of :class:`Outgoing`.

From the master (only read) and the files beside it:

- ``agreements``: each personal workbook under Config's ``personal_folder``, known by
  its metadata (:func:`kpixl.jobs.notices.find_workbooks`, never by name; the newest
  revision of a person), to the person's Roster ``email``;
- ``units``: each unit workbook under ``units_folder`` (metadata ``unit_code``) to the
  Units ``head_email``; an ``.xlsm`` one carries a note on the Trusted Location;
- ``notices``: each notice PDF under ``notices_folder``, known by its SHA-256 in the
  index ``kpixl notices`` writes beside them (a renamed PDF is still found; a changed
  one is not sent);
- ``reminders``: the people :func:`kpixl.jobs.status.reminder_targets` says are late,
  no attachment; each goes once per person, step and due date.

A person or unit left out (no address, a bad one, no file, a file of nobody on the
roster) is a finding naming the cell; the others stay in the plan.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from kpixl.core.addresses import check_address
from kpixl.core.codes import finding
from kpixl.core.findings import Finding
from kpixl.core.text import text_of
from kpixl.core.thaitime import read_date, thai_date
from kpixl.io.mail_message import clean_line
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.master import MasterInputs

__all__ = [
    "WHAT_TEXT",
    "XLSM_NOTE",
    "Outgoing",
    "build_plan",
    "reminder_plan",
    "unit_names",
]

XLSM_NOTE = (
    "หมายเหตุ: ไฟล์แนบเป็นสมุดงานที่มีปุ่มคำสั่ง (.xlsm) Excel จะปิดกั้นแมโครของไฟล์ที่ได้รับทางอีเมล"
    " (Mark of the Web) ให้บันทึกไฟล์แนบลงในโฟลเดอร์ที่เชื่อถือได้ (Trusted Location)"
    " ที่คำสั่ง kpixl excel install สร้างไว้ แล้วเปิดจากโฟลเดอร์นั้น ปุ่มจึงจะทำงาน"
    " (ไม่ต้องกด Unblock หรือเปิดแมโครทุกไฟล์)"
)
# what each kind sends, for messages: Thai, English
WHAT_TEXT = {
    "agreements": ("แบบข้อตกลง", "agreement"),
    "units": ("สมุดงานหน่วยงาน", "unit workbook"),
    "notices": ("หนังสือแจ้งผล", "result notice"),
    "reminders": ("อีเมลเตือน", "reminder"),
}
_DUE_KEY = {"agreements": "agreement_due", "units": "evaluation_due"}
_FOLDER_KEY = {
    "agreements": ("personal_folder", "personal"),
    "units": ("units_folder", "units"),
    "notices": ("notices_folder", "notices"),
}


@dataclass
class Outgoing:
    """One message to send: to whom, with what, and the values its text is filled with."""

    key: str  # the log's key: the person's id, or the unit's code
    to: str  # the address (checked)
    name: str  # the recipient's name (To's display name, {name})
    unit: str  # the unit's code
    attachment: Path | None = None
    values: dict[str, str] = field(default_factory=dict)  # name, round, unit, due
    # the log's sha256 instead of the attachment's: a reminder's step and due date, a
    # notice's content (its PDF's bytes differ each time it is made)
    digest: str = ""
    note: str = ""  # a paragraph added to the body (the .xlsm note)


# ---------------------------------------------------------------------- helpers


def _text(value: Any) -> str:
    return text_of(value) if value is not None else ""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _records(frame: Any) -> list[dict[str, Any]]:
    if frame is None or getattr(frame, "empty", True):
        return []
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def _column(columns: Sequence[str], name: str) -> str:
    return str(get_column_letter(columns.index(name) + 1))


def _row(record: Mapping[str, Any]) -> int:
    row = record.get("_row")
    try:
        return int(row) if row is not None else 0
    except (TypeError, ValueError):
        return 0


def _due(config: Mapping[str, Any], key: str, master: Path, findings: list[Finding]) -> str:
    value = config.get(key)
    try:
        day = read_date(value)
    except ValueError:
        findings.append(
            finding(
                "mail.send_bad_due",
                value=_text(value),
                key=key,
                file=master.name,
                sheet=M.CONFIG,
            )
        )
        return ""
    return thai_date(day) if day is not None else ""


def _folder(master: Path, config: Mapping[str, Any], what: str) -> tuple[Path, str]:
    key, default = _FOLDER_KEY[what]
    return master.parent / (_text(config.get(key)) or default), key


# what to do when a send's folder is missing ({master}, {folder}: the names)
_MAKE_FIRST = {
    "agreements": (
        " (สร้างแบบฟอร์มของรอบก่อน: ปุ่ม New round หรือ kpixl personal new --master)",
        " (make the round's forms first: the New round button or kpixl personal new --master)",
    ),
    "units": (" (สร้างสมุดงานหน่วยงานของรอบก่อน)", " (make the round's unit workbooks first)"),
    "notices": (
        " (ทำหนังสือแจ้งผลก่อน: kpixl notices {master} --out {folder})",
        " (make the notices first: kpixl notices {master} --out {folder})",
    ),
}


def _source_folder(
    master: Path, config: Mapping[str, Any], what: str, findings: list[Finding]
) -> Path | None:
    """The folder ``what`` is sent from, or None with the finding that it is missing."""
    folder, key = _folder(master, config, what)
    if folder.is_dir():
        return folder
    th, en = (hint.format(master=master.name, folder=folder.name) for hint in _MAKE_FIRST[what])
    findings.append(
        finding(
            "mail.send_no_folder", value=str(folder), key=key, hint=th, hint_en=en, file=master.name
        )
    )
    return None


def _address(
    record: Mapping[str, Any],
    column: str,
    *,
    sheet: str,
    columns: Sequence[str],
    name: str,
    who: str,
    what: str,
    master: Path,
    findings: list[Finding],
) -> str | None:
    """The record's address in ``column``, or None with the finding why (its cell)."""
    raw = record.get(column)
    cell = f"{_column(columns, column)}{_row(record)}" if _row(record) else ""
    where = {"file": master.name, "sheet": sheet, "cell": cell}
    th, en = WHAT_TEXT[what]
    address, problem = check_address(raw)
    if problem is None:
        return address
    if not _text(raw):
        findings.append(
            finding(
                "mail.send_no_address",
                value=name or who,
                person_id=who,
                what_th=th,
                what_en=en,
                **where,
            )
        )
    else:
        findings.append(
            finding(
                "mail.send_bad_address",
                value=clean_line(raw),
                name=name or who,
                person_id=who,
                why=str(problem),
                what_th=th,
                what_en=en,
                **where,
            )
        )
    return None


# ------------------------------------------------------------------------ plans


def unit_names(inputs: MasterInputs) -> dict[str, str]:
    return {
        _text(u.get("unit_code")): _text(u.get("unit_name")) or _text(u.get("unit_code"))
        for u in _records(inputs.units)
    }


def _agreements(
    inputs: MasterInputs, unit: str | None, values: Mapping[str, str], findings: list[Finding]
) -> list[Outgoing]:
    from kpixl.jobs.notices import find_workbooks

    master, config = inputs.path, inputs.config
    folder = _source_folder(master, config, "agreements", findings)
    if folder is None:
        return []
    round_id = _text(config.get("round_id"))
    files, found = find_workbooks(folder, round_id)
    kind = {"kind_th": "แบบข้อตกลงรายบุคคล", "kind_en": "personal workbook"}
    for f in found:  # the notices job's words for the same cases, in the mail's terms
        code = {
            "notices.duplicate_workbook": "mail.send_duplicate",
            "notices.other_round": "mail.send_other_round",
            "notices.not_personal": "mail.send_not_kpixl",
        }.get(f.rule)
        if code is None:
            findings.append(f)
            continue
        extra = {"found": "", "found_en": "", "expected": round_id}
        findings.append(
            finding(code, value=f.value, person_id=f.person_id, file=f.file, **kind, **extra)
        )
    names = unit_names(inputs)
    plan: list[Outgoing] = []
    people = set()
    for person in _records(inputs.roster):
        pid = _text(person.get("person_id"))
        if not pid:
            continue
        people.add(pid)
        code = _text(person.get("unit"))
        if unit is not None and code != unit:
            continue
        name = clean_line(person.get("name"))
        workbook = files.get(pid)
        if workbook is None:
            findings.append(
                finding(
                    "mail.send_no_workbook",
                    value=name or pid,
                    person_id=pid,
                    folder=str(folder),
                    file=master.name,
                    sheet=M.ROSTER,
                    cell=f"A{_row(person)}" if _row(person) else "",
                    **kind,
                )
            )
            continue
        to = _address(
            person,
            "email",
            sheet=M.ROSTER,
            columns=M.ROSTER_COLUMNS,
            name=name,
            who=pid,
            what="agreements",
            master=master,
            findings=findings,
        )
        if to is None:
            continue
        plan.append(
            Outgoing(
                key=pid,
                to=to,
                name=name,
                unit=code,
                attachment=workbook.path,
                values={**values, "name": name, "unit": names.get(code, code)},
            )
        )
    for pid, workbook in sorted(files.items()):
        if pid not in people:
            findings.append(
                finding(
                    "mail.send_not_on_roster",
                    value=workbook.path.name,
                    person_id=pid,
                    file=workbook.path.name,
                    **kind,
                )
            )
    return plan


@dataclass
class _UnitFile:
    path: Path
    code: str
    revision: int


def _unit_files(folder: Path, round_id: str, findings: list[Finding]) -> dict[str, _UnitFile]:
    from kpixl.workbooks.unit import read_unit

    kind = {"kind_th": "สมุดงานหน่วยงาน", "kind_en": "unit workbook"}
    chosen: dict[str, _UnitFile] = {}
    paths = sorted(
        p
        for p in folder.rglob("*.xls*")
        if p.suffix.lower() in (".xlsx", ".xlsm")
        and not p.name.startswith(("~$", "."))
        and ".kpixl-backups" not in p.parts
    )
    for path in paths:
        form = read_unit(path)
        code = _text(form.meta.get("unit_code"))
        if not code:
            damaged = [f for f in form.findings if f.rule.startswith("file.")]
            if damaged and damaged[0].rule != "file.not_kpixl":
                findings += damaged  # corrupt, encrypted, over a limit: its own words
            else:
                findings.append(
                    finding("mail.send_not_kpixl", value=path.name, file=path.name, **kind)
                )
            continue
        other_round = _text(form.meta.get("round_id"))
        if round_id and other_round and other_round != round_id:
            findings.append(
                finding(
                    "mail.send_other_round",
                    value=path.name,
                    found=f" (เป็นของรอบ {other_round})",
                    found_en=f" (it is for {other_round})",
                    expected=round_id,
                    file=path.name,
                )
            )
            continue
        try:
            revision = int(float(_text(form.meta.get("revision")) or 0))
        except ValueError:
            revision = 0
        found = _UnitFile(path, code, revision)
        other = chosen.get(code)
        if other is not None:
            keep, drop = (
                (found, other)
                if (found.revision, found.path.name) > (other.revision, other.path.name)
                else (other, found)
            )
            findings.append(
                finding(
                    "mail.send_duplicate",
                    value=drop.path.name,
                    person_id=code,
                    file=drop.path.name,
                    **kind,
                )
            )
            found = keep
        chosen[code] = found
    return chosen


def _units(
    inputs: MasterInputs, unit: str | None, values: Mapping[str, str], findings: list[Finding]
) -> list[Outgoing]:
    master, config = inputs.path, inputs.config
    folder = _source_folder(master, config, "units", findings)
    if folder is None:
        return []
    files = _unit_files(folder, _text(config.get("round_id")), findings)
    kind = {"kind_th": "สมุดงานหน่วยงาน", "kind_en": "unit workbook"}
    plan: list[Outgoing] = []
    codes = set()
    for row in _records(inputs.units):
        code = _text(row.get("unit_code"))
        if not code:
            continue
        codes.add(code)
        if unit is not None and code != unit:
            continue
        unit_name = clean_line(row.get("unit_name")) or code
        head = clean_line(row.get("head"))
        workbook = files.get(code)
        if workbook is None:
            findings.append(
                finding(
                    "mail.send_no_workbook",
                    value=unit_name,
                    person_id=code,
                    folder=str(folder),
                    file=master.name,
                    sheet=M.UNITS,
                    cell=f"A{_row(row)}" if _row(row) else "",
                    **kind,
                )
            )
            continue
        to = _address(
            row,
            "head_email",
            sheet=M.UNITS,
            columns=M.UNIT_COLUMNS,
            name=head or unit_name,
            who=code,
            what="units",
            master=master,
            findings=findings,
        )
        if to is None:
            continue
        xlsm = workbook.path.suffix.lower() == ".xlsm"
        plan.append(
            Outgoing(
                key=code,
                to=to,
                name=head or unit_name,
                unit=code,
                attachment=workbook.path,
                values={**values, "name": head or unit_name, "unit": unit_name},
                note=XLSM_NOTE if xlsm else "",
            )
        )
    for code, workbook in sorted(files.items()):
        if code not in codes:
            findings.append(
                finding(
                    "mail.send_not_on_roster",
                    value=workbook.path.name,
                    person_id=code,
                    file=workbook.path.name,
                    **kind,
                )
            )
    return plan


def _notice_pdfs(
    folder: Path, findings: list[Finding], master: Path
) -> dict[str, tuple[Path, str]]:
    """Each person's notice PDF under ``folder`` and the notice's content hash, found
    by the PDF's SHA-256 in the index ``kpixl notices`` wrote (a renamed PDF is found;
    a changed one is not)."""
    from kpixl.jobs.notices import INDEX_NAME

    index = folder / INDEX_NAME
    try:
        data = json.loads(index.read_text(encoding="utf-8"))
        entries = [e for e in data.get("notices", []) if isinstance(e, dict)]
    except (OSError, ValueError, AttributeError):
        findings.append(
            finding("mail.send_no_index", value=INDEX_NAME, folder=str(folder), file=master.name)
        )
        return {}
    by_hash = {
        str(e.get("sha256")): (_text(e.get("person_id")), _text(e.get("content_sha256")))
        for e in entries
    }
    found: dict[str, tuple[Path, str]] = {}
    for path in sorted(folder.rglob("*.pdf")):
        if path.name.startswith(".") or ".kpixl-backups" in path.parts:
            continue
        try:
            pid, content = by_hash.get(_sha256(path.read_bytes()), ("", ""))
        except OSError:
            pid, content = "", ""
        if not pid:
            findings.append(finding("mail.send_unknown_pdf", value=path.name, file=path.name))
            continue
        found.setdefault(pid, (path, content))  # two copies of the same PDF: the first
    return found


def _notices(
    inputs: MasterInputs, unit: str | None, values: Mapping[str, str], findings: list[Finding]
) -> list[Outgoing]:
    master, config = inputs.path, inputs.config
    folder = _source_folder(master, config, "notices", findings)
    if folder is None:
        return []
    pdfs = _notice_pdfs(folder, findings, master)
    names = unit_names(inputs)
    kind = {"kind_th": "หนังสือแจ้งผล", "kind_en": "result notice"}
    plan: list[Outgoing] = []
    people = set()
    for person in _records(inputs.roster):
        pid = _text(person.get("person_id"))
        if not pid:
            continue
        people.add(pid)
        code = _text(person.get("unit"))
        if unit is not None and code != unit:
            continue
        if pid not in pdfs:
            continue  # no notice for them (not in the Results): nothing to send
        pdf, content = pdfs[pid]
        name = clean_line(person.get("name"))
        to = _address(
            person,
            "email",
            sheet=M.ROSTER,
            columns=M.ROSTER_COLUMNS,
            name=name,
            who=pid,
            what="notices",
            master=master,
            findings=findings,
        )
        if to is None:
            continue
        plan.append(
            Outgoing(
                key=pid,
                to=to,
                name=name,
                unit=code,
                attachment=pdf,
                values={**values, "name": name, "unit": names.get(code, code)},
                digest=content,  # the notice's content: a PDF made again is not resent
            )
        )
    for pid, (pdf, _) in sorted(pdfs.items()):
        if pid not in people:
            findings.append(
                finding(
                    "mail.send_not_on_roster",
                    value=pdf.name,
                    person_id=pid,
                    file=pdf.name,
                    **kind,
                )
            )
    return plan


def reminder_plan(
    reminders: Iterable[Any], inputs: MasterInputs, findings: list[Finding]
) -> list[Outgoing]:
    """Reminders (objects with ``person_id``, ``name``, ``unit``, ``email``, ``step``,
    ``due``: :class:`kpixl.jobs.status.Reminder`) as a plan: no attachment, logged under
    the person's id with the SHA-256 of ``step|due``, so each goes once per step and due
    date. A bad or missing address is a finding naming the person."""
    names = unit_names(inputs)
    roster_rows = {_text(r.get("person_id")): r for r in _records(inputs.roster)}
    round_id = _text(inputs.config.get("round_id"))
    plan: list[Outgoing] = []
    for r in reminders:
        pid = _text(getattr(r, "person_id", ""))
        name = clean_line(getattr(r, "name", ""))
        code = _text(getattr(r, "unit", ""))
        due = getattr(r, "due", None)
        due_text = thai_date(due) if isinstance(due, date) else _text(due)
        step = _text(getattr(r, "step", ""))
        record = dict(roster_rows.get(pid, {}))
        record["email"] = getattr(r, "email", record.get("email"))
        to = _address(
            record,
            "email",
            sheet=M.ROSTER,
            columns=M.ROSTER_COLUMNS,
            name=name,
            who=pid,
            what="reminders",
            master=inputs.path,
            findings=findings,
        )
        if to is None:
            continue
        due_key = due.isoformat() if isinstance(due, date) else _text(due)
        plan.append(
            Outgoing(
                key=pid,
                to=to,
                name=name,
                unit=code,
                values={
                    "name": name,
                    "round": round_id,
                    "unit": names.get(code, code),
                    "due": due_text,
                },
                digest=_sha256(f"{step}|{due_key}".encode()),
            )
        )
    return plan


def _reminders(
    inputs: MasterInputs, unit: str | None, today: date | None
) -> tuple[list[Outgoing], list[Finding]]:
    """The late people of :func:`kpixl.jobs.status.reminder_targets` on ``today``."""
    from kpixl.jobs.status import reminder_targets

    findings: list[Finding] = []
    plan = reminder_plan(reminder_targets(inputs.path, today=today), inputs, findings)
    return [o for o in plan if unit is None or o.unit == unit], findings


_PLANNERS = {
    "agreements": _agreements,
    "units": _units,
    "notices": _notices,
}


def build_plan(
    inputs: MasterInputs, what: str, *, unit: str | None = None, today: date | None = None
) -> tuple[list[Outgoing], list[Finding]]:
    """The messages ``what`` sends for the master ``inputs`` (see the module doc), and
    the findings: people or units left out and why. ``today``: the day reminders are
    due on (default: today in Bangkok)."""
    if what == "reminders":
        return _reminders(inputs, unit, today)
    findings: list[Finding] = []
    config = inputs.config
    values = {"round": _text(config.get("round_id"))}
    due_key = _DUE_KEY.get(what)
    values["due"] = _due(config, due_key, inputs.path, findings) if due_key else ""
    return _PLANNERS[what](inputs, unit, values, findings), findings
