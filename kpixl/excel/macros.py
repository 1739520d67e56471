"""The buttons of the master and unit workbooks: xlwings macros over the same jobs as the CLI.

Each macro takes an xlwings ``Book`` (by default the workbook whose button was pressed,
``xw.Book.caller()``), reads its options from the workbook itself (the master's Config
sheet, the unit workbook's hidden kpixl sheet), calls the functions the CLI calls, and
writes results and findings back through the Book API. A failure becomes a message in
the workbook's status cell (and a finding row); no Python traceback reaches the user.

Text stays text: Excel (COM) and the remote engine's clients parse a value written to a
range as if it were typed, so a name or a KPI result such as ``=HYPERLINK(…)`` or
``=cmd|' /C calc'!A0`` from a form would become a live formula. Every value a macro
writes goes through :func:`kpixl.excel.book.excel_value`, which puts Excel's text prefix
(a leading apostrophe, not shown in the cell) before text starting with ``=``, ``+``,
``-``, ``@``, a tab, a carriage return or an apostrophe. Numbers (negative ones too) stay
numbers; only the formulas kpixl itself builds (:class:`kpixl.io.cell_text.Formula`
values) are written as formulas.
Paths made from workbook text (a roster's unit, a unit code) go through
:func:`kpixl.io.paths.safe_child`, so ``new_round`` writes only inside its folder.

=================  ==========  ==========================================================
macro              workbook    what it does
=================  ==========  ==========================================================
``consolidate``    master      reads every unit workbook, writes Results, Summary, Pools,
                               Issues, Announcement and SalaryOrder (as ``kpixl consolidate``)
``reports``        master      the cascade checks and the Alignment sheet (as
                               ``kpixl cascade report --write``); findings to Issues
``new_round``      master      one personal workbook per roster person in the Config's
                               personal folder, with the KPIs the master assigns
                               (as ``kpixl personal new --master``)
``seal``           master      seals every personal workbook in the personal folder
                               (as ``kpixl seal``)
``collect``        unit        reads the unit's personal workbooks and fills the unit
                               workbook (as ``kpixl collect``)
``allocate``       unit        proposes % per person within the unit's pool share
=================  ==========  ==========================================================
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import xlwings as xw

from kpixl.core.allocation import allocate as allocate_pct
from kpixl.core.findings import Finding, has_errors
from kpixl.core.numbers import parse_number
from kpixl.core.rounds import parse_round
from kpixl.excel.book import excel_value, read_grid, set_status, write_rows
from kpixl.io.paths import safe_child
from kpixl.jobs.consolidate import issues_rows
from kpixl.workbooks import master_layout as M
from kpixl.workbooks import unit_layout as U

__all__ = [
    "allocate",
    "collect",
    "consolidate",
    "new_round",
    "reports",
    "seal",
]

Book = Any  # an xlwings Book (COM or remote)


def _book(book: Book | None) -> Book:
    return book if book is not None else xw.Book.caller()


def _write_issues(book: Book, findings: list[Finding]) -> None:
    """The Issues sheet: one row per finding, as ``kpixl consolidate`` writes it."""
    write_rows(book.sheets[M.ISSUES], issues_rows(findings), M.FIRST_ROW)


def _guarded(status: Callable[[Book], tuple[Any, str]]) -> Callable[..., Any]:
    """Run a macro body; any exception becomes the status message, never a dialog."""

    def decorator(body: Callable[[Book], None]) -> Callable[..., Any]:
        def run(book: Book | None = None) -> None:
            book = _book(book)
            sheet, cell = status(book)
            try:
                body(book)
            except Exception as exc:  # the user sees a message, the log the traceback
                traceback.print_exc()
                set_status(
                    sheet,
                    cell,
                    False,
                    f"ทำงานไม่สำเร็จ: {exc}",
                    f"failed: {type(exc).__name__}: {exc}",
                )

        run.__name__ = body.__name__
        run.__doc__ = body.__doc__
        return run

    return decorator


def _master_status(book: Book) -> tuple[Any, str]:
    return book.sheets[M.CONFIG], M.STATUS_CELL


def _unit_status(book: Book) -> tuple[Any, str]:
    return book.sheets[U.PEOPLE], U.STATUS_CELL


def _master_inputs(book: Book) -> Any:
    from kpixl.workbooks.master import master_from_grids

    names = {s.name for s in book.sheets}
    grids = {
        name: read_grid(book.sheets[name])
        for name in (M.CONFIG, M.UNITS, M.ROSTER, *M.STRATEGY)
        if name in names
    }
    return master_from_grids(grids, Path(book.fullname))


def _folder(inputs: Any, key: str, default: str) -> Path:
    text = str(inputs.config.get(key) or default).strip()
    path = Path(text)
    return path if path.is_absolute() else inputs.path.parent / path


def _stamp() -> str:
    return datetime.now(UTC).astimezone().strftime("%Y-%m-%d %H:%M")


# --------------------------------------------------------------------------- master


@_guarded(_master_status)
def consolidate(book: Book) -> None:
    """รวมผลทั้งองค์กร / Consolidate: the master's result sheets from every unit workbook."""
    from kpixl.jobs.consolidate import consolidate_inputs, output_sheets

    inputs = _master_inputs(book)
    jobs = int(parse_number(inputs.config.get("jobs")).value or 1)
    result = consolidate_inputs(inputs, jobs=jobs)
    sheet, cell = _master_status(book)
    if result.rules is None or not result.units_read:
        _write_issues(book, result.findings)
        first = result.findings[0] if result.findings else None
        set_status(
            sheet,
            cell,
            False,
            f"รวมผลไม่ได้: {first.message_th if first else ''}",
            f"not consolidated: {first.message_en if first else ''}",
        )
        return
    for name, (rows, first_row) in output_sheets(result).items():
        write_rows(book.sheets[name], rows, first_row)
    errors = sum(1 for f in result.findings if f.severity == "error")
    set_status(
        sheet,
        cell,
        not has_errors(result.findings),
        f"รวมผลแล้ว {_stamp()}: {result.units_read} หน่วยงาน {len(result.results)} คน"
        f" ข้อค้นพบ {len(result.findings)} (ข้อผิดพลาด {errors}) ดูแผ่นงาน Issues",
        f"consolidated {result.units_read} units, {len(result.results)} people,"
        f" {len(result.findings)} findings ({errors} errors)",
    )


@_guarded(_master_status)
def reports(book: Book) -> None:
    """รายงานการถ่ายทอดตัวชี้วัด / the cascade checks and the Alignment sheet."""
    from kpixl.jobs.cascade import alignment_rows, cascade_from_inputs

    inputs = _master_inputs(book)
    report = cascade_from_inputs(inputs)
    if report.alignment is not None:
        write_rows(book.sheets[M.ALIGNMENT], alignment_rows(report.alignment), M.FIRST_ROW)
    _write_issues(book, report.findings)
    sheet, cell = _master_status(book)
    set_status(
        sheet,
        cell,
        not has_errors(report.findings),
        f"ตรวจการถ่ายทอดตัวชี้วัดแล้ว {_stamp()}: ข้อค้นพบ {len(report.findings)} (แผ่นงาน Issues, Alignment)",
        f"cascade checked: {len(report.findings)} findings (Issues, Alignment sheets)",
    )


@_guarded(_master_status)
def new_round(book: Book) -> None:
    """เปิดรอบใหม่ / one personal workbook per roster person, in the personal folder."""
    from kpixl.schemas.backend import Locator, validate_table
    from kpixl.workbooks.generate import generate_personal

    inputs = _master_inputs(book)
    from kpixl.jobs.consolidate import round_rules

    findings: list[Finding] = list(inputs.findings)
    rules = round_rules(inputs, inputs.path, findings) if not findings else None
    sheet, cell = _master_status(book)
    if rules is None:
        _write_issues(book, findings)
        set_status(sheet, cell, False, "ตั้งค่าไม่ถูกต้อง ดูแผ่นงาน Issues", "bad Config; see Issues")
        return
    round_ = parse_round(str(inputs.config.get("round_id") or ""))
    letters = {name: chr(ord("A") + i) for i, name in enumerate(M.ROSTER_COLUMNS)}
    roster = validate_table(
        inputs.roster, "roster", rules=rules, locator=Locator(inputs.path.name, M.ROSTER, letters)
    )
    bad = {f.person_id for f in roster.findings if f.severity == "error"}
    records: list[dict[str, Any]] = roster.frame.to_dict("records")  # type: ignore[assignment]
    people = [r for r in records if r.get("person_id") and r["person_id"] not in bad]
    out = _folder(inputs, "personal_folder", "personal")
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for person in people:  # personal/<unit code>/, where Collect looks for them
        by_unit.setdefault(str(person.get("unit") or "").strip() or "_", []).append(person)
    paths = [
        path
        for unit, members in sorted(by_unit.items())
        for path in generate_personal(  # a unit of "../../X" or "C:\\X" stays inside `out`
            members, safe_child(out, unit), round_=round_, rules=rules, strategy=inputs.strategy
        )
    ]
    existing = len(people) - len(paths)  # never overwritten: someone may have filled them in
    _write_issues(book, roster.findings)
    set_status(
        sheet,
        cell,
        not has_errors(roster.findings),
        f"สร้างแบบข้อตกลง {len(paths)} ไฟล์ใน {out} (รอบ {round_}) มีอยู่แล้ว {existing} ไฟล์"
        f" (ไม่เขียนทับ) ข้ามรายการผิดพลาด {len(bad)} ราย",
        f"wrote {len(paths)} personal workbooks to {out} (round {round_}); {existing} existed"
        f" (kept as they are); skipped {len(bad)} with errors",
    )


@_guarded(_master_status)
def seal(book: Book) -> None:
    """ลงนามข้อตกลง / seal every personal workbook of the personal folder (sub-folders too)."""
    from kpixl.core.errors import KpixlError
    from kpixl.workbooks.personal import read_personal, seal_personal

    inputs = _master_inputs(book)
    folder = _folder(inputs, "personal_folder", "personal")
    findings: list[Finding] = []
    sealed = kept = 0
    for path in sorted(folder.rglob("*.xlsx")):
        if any(part.startswith(("~$", ".")) for part in path.relative_to(folder).parts):
            continue  # Excel's lock files; hidden folders (.kpixl-backups) and files
        form = read_personal(path)
        if not form.readable:
            findings += form.findings
            continue
        if form.meta.get("fingerprint"):  # sealed before: sealing again would hide a change
            kept += 1
            continue
        try:
            seal_personal(path, key_id=inputs.config.get("seal_key_id"))
            sealed += 1
        except KpixlError as exc:
            findings.append(Finding("seal.refused", exc.message_th, exc.message_en, file=path.name))
    _write_issues(book, findings)
    sheet, cell = _master_status(book)
    set_status(
        sheet,
        cell,
        not findings,
        f"ลงนามแล้ว {sealed} ไฟล์ ลงนามไว้ก่อนแล้ว {kept} ไฟล์ ลงนามไม่ได้ {len(findings)} ไฟล์ (ดู Issues)",
        f"sealed {sealed} workbooks, {kept} already sealed; {len(findings)} refused (see Issues)",
    )


# ----------------------------------------------------------------------------- unit


def _unit_meta(book: Book) -> dict[str, Any]:
    grid = read_grid(book.sheets[U.HIDDEN])
    meta = {}
    for i, name in enumerate(U.META_FIELDS):
        r = U.META_FIRST - 1 + i
        meta[name] = grid[r][1] if r < len(grid) and len(grid[r]) > 1 else ""
    return meta


def _people_rows(data: Any) -> list[list[object]]:
    from kpixl.workbooks.unit import excel_plain, row_formulas

    columns = list(U.PEOPLE_COLUMNS)
    rows = []
    for i, person in enumerate(data.people):
        formulas = row_formulas(U.FIRST_ROW + i)
        rows.append(
            [formulas[f] if f in U.FORMULA_FIELDS else excel_plain(person.get(f)) for f in columns]
        )
    return rows


@_guarded(_unit_status)
def collect(book: Book) -> None:
    """รวบรวมแบบประเมินรายบุคคล / fill the unit workbook from its personal workbooks."""
    from kpixl.jobs.collect import collect_data
    from kpixl.workbooks.unit import excel_plain

    meta = _unit_meta(book)
    path = Path(book.fullname)
    folder = _personal_folder(path, meta)
    result, data = collect_data(path, folder, unit_form=_unit_form(book, path, meta))
    sheet, cell = _unit_status(book)
    if data is None:  # unreadable, or refused: the sheets stay as they are
        errors = [f for f in result.findings if f.severity == "error"]
        last = errors[-1] if errors else None
        set_status(
            sheet,
            cell,
            False,
            f"ไม่ได้รวบรวม สมุดงานหน่วยงานยังเหมือนเดิม: {last.message_th if last else ''}",
            f"not collected; the unit workbook is unchanged: {last.message_en if last else ''}",
        )
        return
    write_rows(sheet, _people_rows(data), U.FIRST_ROW)
    for name, cols, rows in (
        (U.KPIS, U.KPI_COLUMNS, data.kpis),
        (U.COMPETENCIES, U.COMP_COLUMNS, data.competencies),
    ):
        write_rows(book.sheets[name], [[excel_plain(r.get(f)) for f in cols] for r in rows], 2)
    write_rows(
        book.sheets[U.FINDINGS],
        [[getattr(f, k) for k in U.FINDING_COLUMNS] for f in result.findings],
        2,
    )
    book.sheets[U.HIDDEN].range(U.meta_cell("revision")).value = data.revision
    set_status(
        sheet,
        cell,
        not has_errors(result.findings),
        f"รวบรวมแล้ว {_stamp()}: {result.collected} คน จาก {folder} ข้อค้นพบ {len(result.findings)}",
        f"collected {result.collected} people from {folder}; {len(result.findings)} findings",
    )


def _personal_folder(path: Path, meta: dict[str, Any]) -> Path:
    """The hidden sheet's personal_folder, else ../personal/<unit code>, else ./<unit code>."""
    text = str(meta.get("personal_folder") or "").strip()
    code = str(meta.get("unit_code") or "").strip()
    if text:  # set by whoever set up the unit workbook; only read from
        folder = Path(text)
        return folder if folder.is_absolute() else path.parent / folder
    candidates = (safe_child(path.parent.parent / "personal", code), safe_child(path.parent, code))
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[1]


def _unit_form(book: Book, path: Path, meta: dict[str, Any]) -> Any:
    """The open unit workbook read through the Book API, as ``read_unit`` reads a file."""
    from kpixl.io.grid import grid_table
    from kpixl.workbooks.unit import UnitForm, column_indexes

    form = UnitForm(path, meta=meta)
    people = read_grid(book.sheets[U.PEOPLE])
    share_row = int(U.SHARE_CELL[1:]) - 1
    form.pool_share = people[share_row][1] if share_row < len(people) else None
    columns = {f: letter for f, (letter, _) in U.PEOPLE_COLUMNS.items()}
    form.people = grid_table(people, U.HEADER_ROW + 1, column_indexes(columns), path, U.PEOPLE)
    return form


@_guarded(_unit_status)
def allocate(book: Book) -> None:
    """เสนอร้อยละการเลื่อน / propose % per person within the unit's pool share."""
    from kpixl.core.rules import default_rules

    meta = _unit_meta(book)
    path = Path(book.fullname)
    form = _unit_form(book, path, meta)
    sheet, cell = _unit_status(book)
    share = parse_number(form.pool_share).value
    if share is None:
        set_status(
            sheet, cell, False, "ยังไม่ได้กรอกวงเงินของหน่วย (B4)", "the unit's pool share (B4) is blank"
        )
        return
    people = form.people
    scored = people[people["total"].map(lambda v: parse_number(v).value is not None)]
    if scored.empty:
        set_status(sheet, cell, False, "ยังไม่มีคะแนน ให้รวบรวมก่อน", "no scores yet; collect first")
        return
    frame = pd.DataFrame(
        {
            "person_id": [str(v) for v in scored["person_id"]],
            "level_code": list(scored["level_code"]),
            "salary": [parse_number(v).value for v in scored["salary"]],
            "total": [parse_number(v).value for v in scored["total"]],
        }
    )
    outcome = allocate_pct(frame, Decimal(share), rules=default_rules())
    pct = dict(zip(outcome.rows["person_id"], outcome.rows["pct"], strict=True))
    column = [[pct.get(str(pid))] for pid in people["person_id"]]
    letter = U.PEOPLE_COLUMNS["pct"][0]
    if column:
        sheet.range(f"{letter}{U.FIRST_ROW}").value = [[excel_value(v[0])] for v in column]
    used = sum((Decimal(str(v)) for v in outcome.rows["cost"]), Decimal(0))
    set_status(
        sheet,
        cell,
        True,
        f"เสนอร้อยละแล้ว {len(pct)} คน ใช้วงเงิน {used:,.2f} จาก {Decimal(share):,.2f} บาท",
        f"proposed % for {len(pct)} people: {used:,.2f} of {Decimal(share):,.2f} baht",
    )
