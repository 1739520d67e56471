"""Result notices: ``kpixl notices MASTER --out DIR`` (แบบแจ้งผลรายบุคคล).

After consolidation every person is told their result and signs that they were. From a
consolidated master (only read) this job makes, for everyone in its Results sheet, the
notice of :mod:`kpixl.workbooks.notice` and writes:

- ``OUT/<unit>/<file>``: a copy of the person's own workbook with the notice added as
  the sheet แจ้งผล (:func:`kpixl.io.xlsx_sheets.copy_sheet`: every other part of the
  workbook as it was, the seal included), so the file they get back is complete;
- ``OUT/<unit>/<file stem>.pdf``: the notice alone, one A4 page (LibreOffice, one run
  for all the notices); ``pdf=False`` skips them;
- ``OUT/kpixl-notices.json`` (:data:`INDEX_NAME`): which PDF is whose — each PDF's
  person id, unit, path and SHA-256 — so that ``kpixl mail send --what notices`` knows
  a PDF's person by its bytes, not by a file name someone may have changed.

The personal workbooks are looked for under the folder the master's Config names
(``personal_folder``, default ``personal/`` beside the master; ``personal=`` to
override), in sub-folders too, and recognised by their metadata (template id, person,
round, revision), never by file name. The source workbooks are only read. A person with
no workbook still gets the PDF (named ``<round>_<id>_<name>.pdf``); the newest revision
of a person's workbooks is used; every file not used says why in a finding. Every file
is written atomically; a second run replaces its own outputs.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from kpixl.core.codes import finding
from kpixl.core.errors import FileWriteError, InputError
from kpixl.core.findings import ERROR, Finding
from kpixl.core.numbers import dec, parse_number
from kpixl.core.rounds import parse_round
from kpixl.core.rules import Rules
from kpixl.core.text import text_of
from kpixl.io.atomic import write_bytes_atomic, write_finding
from kpixl.io.grids import open_book
from kpixl.io.identify import check_file, read_failure
from kpixl.io.limits import MASTER, PERSONAL
from kpixl.io.paths import safe_child, safe_part
from kpixl.io.xlsx_sheets import copy_sheet
from kpixl.jobs.match import validate_roster
from kpixl.jobs.round import round_rules
from kpixl.workbooks import personal_layout as L
from kpixl.workbooks.generate import file_name, unit_identity
from kpixl.workbooks.history import HistoryRow, read_history, round_text
from kpixl.workbooks.master_documents import DocumentFields, document_fields
from kpixl.workbooks.master_outputs import RoundOutputs, read_outputs
from kpixl.workbooks.notice import SHEET, Notice, NoticeRound, notice_bytes

__all__ = [
    "INDEX_NAME",
    "NoticesRun",
    "PersonalFile",
    "find_workbooks",
    "identify_personal",
    "notices_of",
    "write_notices",
]

INDEX_NAME = "kpixl-notices.json"  # which notice PDF is whose (read by kpixl mail send)
PDF_BATCH = 100  # notices per LibreOffice run (one soffice start for many files)


@dataclass
class PersonalFile:
    """A personal workbook found in the folder, as its metadata names it."""

    path: Path
    person_id: str
    round_id: str
    revision: int
    evaluator_position: str = ""


@dataclass
class NoticesRun:
    """What ``kpixl notices`` did: the notices, the files written, the findings."""

    master: Path
    out: Path
    notices: list[Notice] = field(default_factory=list)
    workbooks: list[Path] = field(default_factory=list)
    pdfs: list[Path] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    write_failed: bool = False

    @property
    def exit_code(self) -> int:
        if self.write_failed:
            return 2
        return 1 if any(f.severity == ERROR for f in self.findings) else 0


# ------------------------------------------------------------------- the notices


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return dec(value)
    except (ValueError, TypeError):
        number = parse_number(value).value
        return number if isinstance(number, Decimal) else None


def _text(value: Any) -> str:
    """Text as the master holds it (a name stays as typed; None and NaN blank)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _range_text(rules: Rules, band: str) -> str:
    """The band's total range: ``90 – 100``, ``80 – ต่ำกว่า 90``, ``ต่ำกว่า 60``."""
    names = [b.name for b in rules.bands]
    if band not in names:
        return ""
    i = names.index(band)
    low = rules.bands[i].min_total
    high = rules.bands[i - 1].min_total if i > 0 else None

    def num(v: Decimal) -> str:
        return format(v.normalize(), "f")

    if low is None:
        return f"ต่ำกว่า {num(high)}" if high is not None else ""
    return f"{num(low)} – 100" if high is None else f"{num(low)} – ต่ำกว่า {num(high)}"


def _level_text(rules: Rules, code: str) -> str:
    level = rules.salary_table.levels.get(code)
    if level is None:
        return code
    return f"ประเภท{level.type} ระดับ{level.level}"


def _base_kind(rules: Rules, code: str, base: Decimal | None) -> str:
    level = rules.salary_table.levels.get(code)
    if level is None or base is None:
        return ""
    if base in (level.lower_base, level.alt_lower_base):
        return "ฐานล่าง"
    if base in (level.upper_base, level.alt_upper_base):
        return "ฐานบน"
    return ""


def _probation(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return text_of(value).casefold() in {"ใช่", "yes", "y", "true", "1", "x", "✓"}


def _reason(value: Any) -> str:
    """The Thai part of a Results reason ("Thai / English")."""
    text = _text(value)
    return text.split(" / ", 1)[0].strip() if text else ""


def notices_of(
    results: pd.DataFrame,
    roster: pd.DataFrame,
    units: pd.DataFrame,
    rules: Rules,
    fields: DocumentFields,
    *,
    evaluator_positions: Mapping[str, str] | None = None,
    history: Mapping[str, Sequence[HistoryRow]] | None = None,
    round_id: str = "",
) -> list[Notice]:
    """One notice per Results row (in its order). ``roster``: the master's roster (for
    the evaluator and probation), ``units`` its Units sheet (for the unit's name);
    ``evaluator_positions``: person id → the evaluator's position, from the person's
    workbook when found; ``history``: person id → their rows of the master's History
    sheet (printed when one is of a round other than ``round_id``)."""
    positions = evaluator_positions or {}
    histories = history or {}
    unit_names = {
        text_of(code): _text(name)
        for code, name in zip(
            units.get("unit_code", pd.Series(dtype=object)).tolist(),
            units.get("unit_name", pd.Series(dtype=object)).tolist(),
            strict=True,
        )
    }
    people: dict[str, dict[str, Any]] = {
        text_of(r.get("person_id")): {str(k): v for k, v in r.items()}
        for r in roster.to_dict("records")
    }
    unit_rows: dict[str, dict[str, Any]] = {
        text_of(u.get("unit_code")): {str(k): v for k, v in u.items()}
        for u in units.to_dict("records")
    }
    bands = tuple(b.name for b in rules.bands)
    out = []
    for row in results.to_dict("records"):
        pid = text_of(row.get("person_id"))
        person = people.get(pid, {})
        code = text_of(row.get("level_code"))
        unit = text_of(row.get("unit"))
        weights = rules.component_weights(probation=_probation(person.get("probation")))
        base = _decimal(row.get("base"))
        band = _text(row.get("band"))
        increase = _decimal(row.get("increase"))
        special = _decimal(row.get("special_compensation"))
        reason = _reason(row.get("reason"))
        # as on the person's form: the unit head's name, the roster's title as position
        who = unit_identity({**person, "unit_code": unit}, unit_rows.get(unit))
        if not increase and not special and not reason:
            reason = "ไม่ได้รับการเลื่อนเงินเดือนในรอบนี้"
        out.append(
            Notice(
                person_id=pid,
                unit=unit,
                organisation=fields.organisation,
                round_text=fields.round_text,
                name=_text(row.get("name")),
                position=_text(row.get("position")),
                position_no=_text(row.get("position_no")),
                level_text=_level_text(rules, code),
                unit_name=unit_names.get(unit) or unit,
                evaluator=_text(who["evaluator"]),
                evaluator_position=positions.get(pid) or _text(who["evaluator_position"]),
                achievement=_decimal(row.get("achievement")),
                competency=_decimal(row.get("competency")),
                total=_decimal(row.get("total")),
                weights=(weights.achievement, weights.competency, weights.other),
                band=band,
                band_range=_range_text(rules, band),
                bands=bands,
                salary=_decimal(row.get("salary")),
                base=base,
                base_kind=_base_kind(rules, code, base),
                pct=_decimal(row.get("pct")),
                increase=increase,
                new_salary=_decimal(row.get("new_salary")),
                special_compensation=special,
                reason=reason,
                effective_date=fields.effective_date,
                order_no=fields.order_no,
                order_date=fields.order_date,
                history=_rounds(histories.get(pid, ()), round_text(round_id)),
            )
        )
    return out


def _rounds(rows: Sequence[HistoryRow], this_round: str) -> tuple[NoticeRound, ...]:
    """A person's History rows for the notice; none unless one is of an earlier round."""
    if not any(r.get("round") != this_round for r in rows):
        return ()
    return tuple(
        NoticeRound(
            round=text_of(r.get("round")),
            band=_text(r.get("band")),
            total=_decimal(r.get("total")),
            pct=_decimal(r.get("pct")),
            increase=_decimal(r.get("increase")),
            salary=_decimal(r.get("salary")),
            new_salary=_decimal(r.get("new_salary")),
        )
        for r in rows
    )


def _master_history(master: Path, findings: list[Finding]) -> dict[str, list[HistoryRow]]:
    """The master's History sheet by person (none when it has no such sheet)."""
    try:
        book = open_book(master, master.read_bytes(), limits=MASTER)
        return read_history(book, master)
    except Exception as exc:  # a damaged file is a finding; a kpixl defect says so
        findings.append(read_failure(master, exc))
        return {}


# ------------------------------------------------------------- the personal files


def _cell(grid: Sequence[Sequence[Any]], ref: str) -> Any:
    letters = ref.rstrip("0123456789")
    row = int(ref[len(letters) :]) - 1
    column = 0
    for ch in letters:
        column = column * 26 + ord(ch) - 64
    if row >= len(grid) or column - 1 >= len(grid[row]):
        return None
    return grid[row][column - 1]


def identify_personal(path: Path) -> tuple[PersonalFile | None, Finding | None]:
    """The workbook's metadata, or the finding why it is not a personal workbook."""
    bad = check_file(path, limits=PERSONAL, deep=False)
    if bad is not None:
        return None, bad
    try:
        book = open_book(path, limits=PERSONAL)
        if L.HIDDEN not in book.sheet_names or L.AGREEMENT not in book.sheet_names:
            return None, finding("notices.not_personal", value=path.name, file=path.name)
        hidden = book.grid(L.HIDDEN)
        agreement = book.grid(L.AGREEMENT)
    except Exception as exc:  # a damaged file is a finding; a kpixl defect says so
        return None, read_failure(path, exc)
    meta = {f: _cell(hidden, L.meta_cell(f)) for f in ("template_id", "person_id", "round_id")}
    if text_of(meta["template_id"]) != L.TEMPLATE_ID or not text_of(meta["person_id"]):
        return None, finding("notices.not_personal", value=path.name, file=path.name)
    revision = parse_number(_cell(hidden, L.meta_cell("revision"))).value
    position = _cell(agreement, L.IDENTITY["evaluator_position"][1])
    return (
        PersonalFile(
            path,
            text_of(meta["person_id"]),
            text_of(meta["round_id"]),
            int(revision) if isinstance(revision, Decimal) else 0,
            _text(position),
        ),
        None,
    )


def find_workbooks(
    folder: Path, round_id: str, *, skip: Sequence[Path] = ()
) -> tuple[dict[str, PersonalFile], list[Finding]]:
    """The personal workbooks under ``folder`` (sub-folders too; not under ``skip``),
    by person id: the newest revision of each person in round ``round_id``; a finding
    for every file not used."""
    findings: list[Finding] = []
    chosen: dict[str, PersonalFile] = {}
    if not folder.is_dir():
        return chosen, findings
    skipped = [os.path.realpath(s) for s in skip]
    files = sorted(
        p
        for p in folder.rglob("*.xls*")
        if not p.name.startswith(("~$", "."))
        and ".kpixl-backups" not in p.parts
        and not any(
            os.path.commonpath([s, os.path.realpath(p)]) == s for s in skipped if os.path.exists(s)
        )
    )
    for path in files:
        found, problem = identify_personal(path)
        if found is None:
            if problem is not None:
                findings.append(problem)
            continue
        if round_id and found.round_id and found.round_id != round_id:
            findings.append(
                finding(
                    "notices.other_round",
                    value=path.name,
                    round=found.round_id,
                    expected=round_id,
                    person_id=found.person_id,
                    file=path.name,
                )
            )
            continue
        other = chosen.get(found.person_id)
        if other is None:
            chosen[found.person_id] = found
            continue
        keep, drop = (
            (found, other)
            if (found.revision, found.path.name) > (other.revision, other.path.name)
            else (other, found)
        )
        findings.append(
            finding(
                "notices.duplicate_workbook",
                person_id=found.person_id,
                kept=keep.path.name,
                kept_revision=keep.revision,
                value=drop.path.name,
                file=drop.path.name,
            )
        )
        chosen[found.person_id] = keep
    return chosen, findings


# ------------------------------------------------------------------------ the job


def _personal_folder(outputs: RoundOutputs, personal: str | Path | None) -> Path:
    if personal is not None:
        return Path(personal)
    named = text_of(outputs.inputs.config.get("personal_folder")) or "personal"
    return outputs.path.parent / named


def _stem(round_id: str, notice: Notice) -> str:
    """The PDF's name for a person without a workbook: the name the workbook would have
    (``2570-1_<id>_<name>``)."""
    person = {"person_id": notice.person_id, "name": notice.name}
    try:
        return Path(file_name(parse_round(round_id), person)).stem
    except InputError:
        return f"{safe_part(round_id)}_{notice.person_id}"


def write_notices(
    master: str | Path,
    *,
    out: str | Path,
    personal: str | Path | None = None,
    pdf: bool = True,
) -> NoticesRun:
    """Make everyone's notice from the consolidated ``master`` into ``out`` (see the
    module doc); the master and the personal workbooks are only read."""
    master, out = Path(master), Path(out)
    run = NoticesRun(master, out)
    outputs = read_outputs(master)
    run.findings = [
        finding("notices.not_consolidated", value=master.name, file=master.name, sheet=f.sheet)
        if f.rule == "report.not_consolidated"
        else f
        for f in outputs.findings
    ]
    if not outputs.ok:
        return run
    rules = round_rules(outputs.inputs, outputs.path, run.findings)
    if rules is None:
        return run
    roster = validate_roster(outputs.inputs, rules).frame  # its findings are consolidation's
    config = outputs.inputs.config
    round_id = text_of(config.get("round_id"))
    folder = _personal_folder(outputs, personal)
    if folder.is_dir() and _holds(out, folder):
        run.findings.append(
            finding(
                "notices.out_holds_personal", value=str(out), folder=str(folder), file=master.name
            )
        )
        return run
    files, found = find_workbooks(folder, round_id, skip=[out])
    run.findings += found
    if not folder.is_dir():  # one finding for the folder, not one per person
        run.findings.append(finding("notices.no_folder", value=str(folder), file=master.name))
    positions = {pid: f.evaluator_position for pid, f in files.items() if f.evaluator_position}
    run.notices = notices_of(
        outputs.results,
        roster,
        outputs.inputs.units,
        rules,
        document_fields(config),
        evaluator_positions=positions,
        history=_master_history(master, run.findings),
        round_id=round_id,
    )
    wanted = {n.person_id for n in run.notices}
    for pid, file in sorted(files.items()):
        if pid not in wanted:
            run.findings.append(
                finding(
                    "notices.not_in_results",
                    value=file.path.name,
                    person_id=pid,
                    file=file.path.name,
                )
            )
    stems: list[tuple[bytes, Path]] = []  # each notice workbook and where its PDF goes
    owners: dict[Path, tuple[Notice, str]] = {}  # each PDF's notice and its hash: the index
    try:
        for notice in run.notices:
            data = notice_bytes(notice)
            own = files.get(notice.person_id)
            if own is None:
                if folder.is_dir():
                    run.findings.append(
                        finding(
                            "notices.no_workbook",
                            person_id=notice.person_id,
                            value=notice.name,
                            folder=str(folder),
                            file=master.name,
                        )
                    )
                stem = _stem(round_id, notice)
            else:
                stem = own.path.stem
                written = _write_copy(
                    own.path, data, safe_child(out, notice.unit or "_", own.path.name), run
                )
                if written is not None:
                    run.workbooks.append(written)
            target = safe_child(out, notice.unit or "_", f"{stem}.pdf")
            stems.append((data, target))
            owners[target] = (notice, hashlib.sha256(data).hexdigest())
        if pdf and stems:
            _write_pdfs(stems, run)
            _write_index(out, round_id, [(p, owners[p]) for p in run.pdfs])
    except FileWriteError as exc:
        run.findings.append(write_finding(exc))
        run.write_failed = True
    return run


def _write_index(out: Path, round_id: str, pdfs: list[tuple[Path, tuple[Notice, str]]]) -> None:
    """``OUT/kpixl-notices.json``: the PDFs just written, by their bytes' SHA-256, with
    the entries of an earlier run kept for the people this run did not write.

    ``content_sha256`` is the hash of the notice itself (its workbook, which the same
    results always make byte for byte): a PDF made again from the same results differs
    in its bytes (LibreOffice stamps the time) but not in it, so it is not sent twice."""
    if not pdfs:
        return
    index = out / INDEX_NAME
    done = {notice.person_id for _, (notice, _) in pdfs}
    try:
        earlier = json.loads(index.read_text(encoding="utf-8")).get("notices", [])
        kept = [e for e in earlier if isinstance(e, dict) and e.get("person_id") not in done]
    except (OSError, ValueError, AttributeError):
        kept = []
    entries = kept + [
        {
            "person_id": notice.person_id,
            "unit": notice.unit,
            "name": notice.name,
            "file": path.relative_to(out).as_posix(),
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "content_sha256": content,
        }
        for path, (notice, content) in pdfs
    ]
    data = {"round_id": round_id, "notices": entries}
    write_bytes_atomic(index, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))


def _holds(outer: Path, inner: Path) -> bool:
    """Whether ``inner`` is ``outer`` or lies inside it (links resolved)."""
    a, b = os.path.realpath(outer), os.path.realpath(inner)
    return os.path.commonpath([a, b]) == a


def _write_copy(source: Path, notice: bytes, target: Path, run: NoticesRun) -> Path | None:
    """A copy of ``source`` with the notice sheet, written to ``target``; None (with a
    finding) when it cannot be made. ``source`` is only read."""
    if os.path.realpath(target) == os.path.realpath(source):
        run.findings.append(
            finding(
                "notices.copy_failed",
                value=source.name,
                why="ที่เขียนผลเป็นไฟล์ต้นฉบับเอง ให้เลือกโฟลเดอร์ --out อื่น",
                why_en="the output would be the original itself; choose another --out folder",
                file=source.name,
            )
        )
        return None
    try:
        data = copy_sheet(source.read_bytes(), notice, name=SHEET)
    except (ValueError, OSError, KeyError, zipfile.BadZipFile, zlib.error) as exc:
        run.findings.append(
            finding(
                "notices.copy_failed",
                value=source.name,
                why="โครงสร้างไฟล์ไม่เป็นแบบที่ kpixl รู้จัก หรืออ่านไฟล์ไม่ได้",
                why_en=str(exc)[:300],
                file=source.name,
            )
        )
        return None
    write_bytes_atomic(target, data)
    return target


def _write_pdfs(stems: list[tuple[bytes, Path]], run: NoticesRun) -> None:
    """Every notice to its PDF, :data:`PDF_BATCH` notices per LibreOffice run."""
    from kpixl.io.libreoffice import LibreOfficeError, convert, failure_reason

    with tempfile.TemporaryDirectory(prefix="kpixl-notices-") as tmp:
        for start in range(0, len(stems), PDF_BATCH):
            batch = stems[start : start + PDF_BATCH]
            sources = []
            for i, (data, _) in enumerate(batch, start=start):
                source = Path(tmp) / f"notice-{i:05d}.xlsx"
                source.write_bytes(data)
                sources.append(source)
            try:
                made = convert(sources, Path(tmp) / "pdf", to="pdf")
            except LibreOfficeError as exc:
                why, why_en = failure_reason(exc)
                run.findings.append(
                    finding("notices.pdf_failed", why=why, why_en=why_en, file=run.master.name)
                )
                return
            for (_, target), pdf in zip(batch, made, strict=True):
                write_bytes_atomic(target, pdf.read_bytes())
                run.pdfs.append(target)
