"""The unit workbook: the unit's roster, collected scores, proposed % and pool share.

Written with openpyxl from the built template (rows vary per unit; every value through
:func:`kpixl.io.cell_text.put`, so collected text stays text); read back with
python-calamine, which is what makes consolidating a thousand of them fast.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.styles import Alignment, Font, Protection
from openpyxl.utils import column_index_from_string
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from kpixl.core.codes import internal_finding
from kpixl.core.errors import SalaryError, file_problem
from kpixl.core.findings import ERROR, Finding
from kpixl.core.numbers import ceil_to
from kpixl.core.rules import Rules, default_rules
from kpixl.core.salary import salary_base, salary_increase
from kpixl.io.atomic import write_bytes_atomic
from kpixl.io.backups import DEFAULT_KEEP
from kpixl.io.cell_text import Formula, put
from kpixl.io.grid import Block, blocks_frame, grid_block
from kpixl.io.grids import Book, open_book
from kpixl.io.identify import check_file, unreadable
from kpixl.io.limits import UNIT, Limits
from kpixl.io.xlsx_package import Package
from kpixl.workbooks import unit_layout as U
from kpixl.workbooks.personal_template import (
    BORDER,
    INPUT_FILL,
    RESULT_FILL,
    header_row,
    reproducible_bytes,
    thai_font,
)

__all__ = [
    "UnitData",
    "UnitForm",
    "build_unit_template",
    "column_indexes",
    "excel_plain",
    "pool_values",
    "read_unit",
    "row_formulas",
    "unit_bytes",
    "unit_from_grids",
    "write_unit",
]

TEMPLATE_PATH = Path(__file__).resolve().parents[2] / "templates" / "unit.xlsx"
_UNLOCKED = Protection(locked=False)


def _headers(ws: Worksheet, row: int, headers: Mapping[str, str]) -> None:
    header_row(ws, row, dict(headers))


def build_unit_template(rules: Rules | None = None) -> openpyxl.Workbook:
    """The empty unit workbook (headers, pool formulas, hidden metadata and salary table)."""
    rules = rules or default_rules()
    wb = openpyxl.Workbook()
    # the body font is the Normal style's: column widths are measured in its digits
    wb._named_styles["Normal"].font = thai_font(U.BODY_SIZE)
    ws = wb.active
    ws.title = U.PEOPLE
    # the title, unit and round fit in A:B, the columns every printed page repeats
    ws["A1"] = "สมุดงานหน่วยงาน (Unit workbook)"
    ws["C1"] = "ผลการประเมินและการเลื่อนเงินเดือน"
    for ref in ("A1", "C1"):
        ws[ref].font = thai_font(16, bold=True)
    for cell, label in (
        ("A2", "หน่วยงาน"),
        ("A3", "รอบการประเมิน"),
        ("A4", "วงเงินของหน่วย (บาท)"),
        ("C4", "ใช้ไปแล้ว"),
        ("E4", "คงเหลือ"),
    ):
        ws[cell] = label
        ws[cell].font = thai_font(bold=True)
        ws[cell].alignment = Alignment(  # the pool's labels stand beside their amounts
            horizontal="right" if cell in ("C4", "E4") else None,
            vertical="center" if cell[1:] == "4" else "top",
            wrap_text=cell == "A4",
        )
    ws.row_dimensions[4].height = U.SHARE_LABEL_HEIGHT
    ws[U.UNIT_NAME_CELL] = "=kpixl_unit_name"
    ws[U.ROUND_CELL] = "=kpixl_round_id"
    for ref in (U.UNIT_NAME_CELL, U.ROUND_CELL):
        ws[ref].alignment = Alignment(vertical="top", wrap_text=True)
    ws[U.SHARE_CELL].fill = INPUT_FILL
    ws[U.SHARE_CELL].number_format = U.MONEY_SATANG
    cost = U.PEOPLE_COLUMNS["cost"][0]
    ws[U.USED_CELL] = f"=SUM({cost}{U.FIRST_ROW}:{cost}100000)"
    ws[U.LEFT_CELL] = f'=IF({U.SHARE_CELL}="","",{U.SHARE_CELL}-{U.USED_CELL})'
    for ref in (U.USED_CELL, U.LEFT_CELL):
        ws[ref].fill = RESULT_FILL
        ws[ref].number_format = U.MONEY_SATANG
        ws[ref].font = thai_font(bold=True)
    for ref in (U.SHARE_CELL, U.USED_CELL, U.LEFT_CELL):  # a big amount shrinks, never ###
        ws[ref].alignment = Alignment(vertical="center", shrink_to_fit=True)
    _headers(ws, U.HEADER_ROW, {letter: text for letter, text in U.PEOPLE_COLUMNS.values()})
    ws.row_dimensions[U.HEADER_ROW].height = U.PEOPLE_HEADER_HEIGHT
    ws.freeze_panes = f"C{U.FIRST_ROW}"
    people = {f: letter for f, (letter, _) in U.PEOPLE_COLUMNS.items()}
    _print_layout(ws, U.PEOPLE_PRINT, people, U.HEADER_ROW, U.HEADER_ROW)
    for name, columns, layout in (
        (U.KPIS, U.KPI_COLUMNS, U.KPI_PRINT),
        (U.COMPETENCIES, U.COMP_COLUMNS, U.COMP_PRINT),
        (U.FINDINGS, U.FINDING_COLUMNS, U.FINDING_PRINT),
    ):
        table = wb.create_sheet(name)
        _headers(table, 1, {letter: U.HEADERS[f] for f, letter in columns.items()})
        table.row_dimensions[1].height = U.TABLE_HEADER_HEIGHT
        table.freeze_panes = "A2"
        _print_layout(table, layout, columns, 1, 1)
    hidden = wb.create_sheet(U.HIDDEN)
    hidden.sheet_state = "hidden"
    for i, name in enumerate(U.META_FIELDS):
        hidden[f"A{U.META_FIRST + i}"] = name
        wb.defined_names[f"kpixl_{name}"] = DefinedName(
            f"kpixl_{name}", attr_text=f"'{U.HIDDEN}'!$B${U.META_FIRST + i}"
        )
    hidden[U.meta_cell("template_id")] = U.TEMPLATE_ID
    hidden[U.meta_cell("template_version")] = U.TEMPLATE_VERSION
    _salary_table(hidden, rules)
    wb.calculation.fullCalcOnLoad = True
    wb.properties.creator = "kpixl"
    return wb


def _print_layout(
    ws: Worksheet, layout: U.PrintLayout, columns: Mapping[str, str], header: int, last_row: int
) -> None:
    """A table sheet on A4 landscape paper (:class:`~kpixl.workbooks.unit_layout.PrintLayout`):
    its widths, its header row on every page, one or two pages wide at a fixed scale."""
    for f, letter in columns.items():
        ws.column_dimensions[letter].width = layout.widths.get(f, 12)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.scale = U.PRINT_SCALE
    ws.page_setup.pageOrder = "overThenDown"  # a row's two pages one after the other
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.page_margins.left = ws.page_margins.right = 0.3
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.print_options.gridLines = False
    ws.oddFooter.center.text = "&A — หน้า &P / &N"
    ws.print_title_rows = f"{header}:{header}"
    if layout.title_columns:
        ws.print_title_cols = layout.title_columns
    ws.col_breaks.brk = []
    if layout.break_after is not None:
        ws.col_breaks.append(Break(id=column_index_from_string(layout.break_after)))
    ws.print_area = f"A1:{layout.last_column}{max(last_row, header)}"


def _table_cells(
    ws: Worksheet, layout: U.PrintLayout, columns: Mapping[str, str], first: int, last: int
) -> None:
    """The written rows' look: borders, text that wraps, everything at the top, each row
    as tall as its longest wrapped text (LibreOffice keeps the heights a file gives)."""
    wrap = {columns[f]: layout.widths.get(f, 12) for f in layout.wrap if f in columns}
    for letter in columns.values():
        aligned = Alignment(vertical="top", wrap_text=letter in wrap)
        for r in range(first, last + 1):
            cell = ws[f"{letter}{r}"]
            cell.border = BORDER
            cell.alignment = aligned
    for r in range(first, last + 1):
        lines = max(
            (_lines(ws[f"{letter}{r}"].value, width) for letter, width in wrap.items()),
            default=1,
        )
        ws.row_dimensions[r].height = U.LINE_HEIGHT * lines + 4


def _lines(value: object, width: float, *, bold: bool = False) -> int:
    """How many lines ``value`` wraps to in a column ``width`` digits wide, by filling
    lines as a spreadsheet does (a generous estimate: in TH SarabunPSK a letter is about
    as wide as a digit, a mark above or below a letter takes no width, a bold letter 6 %
    more; Thai breaks between letters, other text after a space, ``-``, ``_`` or ``/``)."""
    if not isinstance(value, str) or not value:
        return 1
    room = max(width - 1.5, 1.0)
    scale = 1.06 if bold else 1.0
    lines = 0
    for paragraph in value.split("\n"):
        lines += 1
        used = 0.0
        for token in _TOKENS.findall(paragraph):
            size = scale * sum(1 for ch in token if not unicodedata.combining(ch))
            if used + size > room and used and not token.isspace():
                lines += 1
                used = 0.0
            used += size
            while used > room:  # a token longer than the line is broken anywhere
                lines += 1
                used -= room
    return lines


# a Thai letter with its marks; a run of other text up to a break (kept with the break)
_TOKENS = re.compile(
    r"[\u0e00-\u0e7f][\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]*|\s+|[^\s\u0e00-\u0e7f]+?(?:[-_/]|(?=\s)|(?=[\u0e00-\u0e7f])|$)"
)


def _salary_table(hidden: Worksheet, rules: Rules) -> None:
    hidden[f"A{U.SALARY_FIRST - 1}"] = "level_code / split_point / lower_base / upper_base / max"
    for i, (code, level) in enumerate(rules.salary_table.levels.items()):
        row = U.SALARY_FIRST + i
        hidden[f"A{row}"] = code
        amounts = (level.split_point, level.lower_base, level.upper_base, level.max)
        for col, amount in zip("BCDE", amounts, strict=True):
            hidden[f"{col}{row}"] = excel_plain(amount)
    hidden[U.meta_cell("rounding_step")] = int(rules.rounding_step)
    hidden[U.meta_cell("special_in_pool")] = rules.special_comp_in_pool
    hidden[U.meta_cell("method")] = rules.scoring_method
    hidden[U.meta_cell("competency_method")] = rules.competency_method


def row_formulas(r: int, cached: Mapping[str, object] | None = None) -> dict[str, Formula]:
    """kpixl's pool formulas of the People sheet's row ``r`` (base, increase, …), each
    with its value from ``cached`` (field → the value kpixl computed; see
    :func:`pool_values`) when given."""
    c = {f: letter for f, (letter, _) in U.PEOPLE_COLUMNS.items()}
    table = U.salary_range()
    salary, level, pct = f"{c['salary']}{r}", f"{c['level_code']}{r}", f"{c['pct']}{r}"
    base = f"{c['base']}{r}"
    maximum = f"VLOOKUP({level},{table},5,FALSE)"
    exact = f"ROUND({base}*{pct}/100,4)"  # float noise off before rounding up (20,000 × 1.1 %)
    rounded = f"CEILING({exact},kpixl_rounding_step)"
    formulas = {
        "base": f'=IF(OR({salary}="",{level}=""),"",IF({salary}<=VLOOKUP({level},{table},2,FALSE),'
        f"VLOOKUP({level},{table},3,FALSE),VLOOKUP({level},{table},4,FALSE)))",
        "increase": f'=IF(OR({pct}="",{base}=""),"",MIN({rounded},{maximum}-{salary}))',
        "new_salary": f'=IF({c["increase"]}{r}="","",{salary}+{c["increase"]}{r})',
        "special_compensation": f'=IF({c["increase"]}{r}="","",IF({salary}+{rounded}>{maximum},'
        f"MAX(0,{salary}+{exact}-{maximum}),0))",
        "cost": f'=IF({c["increase"]}{r}="","",{c["increase"]}{r}'
        f"+IF(kpixl_special_in_pool,{c['special_compensation']}{r},0))",
    }
    cached = cached or {}
    return {name: Formula(formula, cached.get(name)) for name, formula in formulas.items()}


_FOUR_PLACES = Decimal("0.0001")


def _blank(value: object) -> bool:
    return value is None or value == ""


def _number(value: object) -> bool:
    """Whether a cell holding ``value`` holds a number (what the formulas compute with)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return False
    return value == value and abs(value) != float("inf")


def pool_values(person: Mapping[str, Any], rules: Rules) -> dict[str, object]:
    """The values of :func:`row_formulas` for one person, from kpixl's core
    (:func:`kpixl.core.salary.salary_increase`): field → value, ``""`` where the formula
    gives an empty cell. Fields the formulas would compute otherwise than the core (a
    salary outside its level's range, an unknown level, a % that is text or out of
    range) are left out: those cells are written without a value and calculated on open."""
    salary = excel_plain(person.get("salary"))
    level = excel_plain(person.get("level_code"))
    pct = excel_plain(person.get("pct"))
    if _blank(salary) or _blank(level):
        return dict.fromkeys(U.FORMULA_FIELDS, "")
    if not _number(salary) or not isinstance(level, str) or rules.rounding_step % 1:
        return {}
    try:
        base = salary_base(salary, level, rules=rules).base
    except SalaryError:
        return {}
    if _blank(pct):
        return {"base": base} | dict.fromkeys(U.FORMULA_FIELDS[1:], "")
    if not _number(pct):
        return {"base": base}
    try:
        result = salary_increase(salary, level, pct, rules=rules)
    except SalaryError:
        return {"base": base}
    # the sheet rounds base × pct / 100 to 4 places (float noise) before rounding up
    exact = result.unrounded.quantize(_FOUR_PLACES, rounding=ROUND_HALF_UP)
    if exact != result.unrounded and (
        result.capped or ceil_to(exact, rules.rounding_step) != result.rounded
    ):
        return {"base": base}
    return {
        "base": result.base,
        "increase": result.increase,
        "new_salary": result.new_salary,
        "special_compensation": result.special_compensation,
        "cost": result.cost,
    }


@dataclass
class UnitData:
    """What a unit workbook holds."""

    round_id: str
    unit_code: str
    unit_name: str
    people: Sequence[Mapping[str, Any]]
    kpis: Sequence[Mapping[str, Any]] = ()
    competencies: Sequence[Mapping[str, Any]] = ()
    findings: Sequence[Finding] = ()
    pool_share: Decimal | None = None
    revision: int = 1


def excel_plain(value: Any) -> Any:
    """A collected value as a cell takes it (Decimal → int or float, bool → ใช่/ไม่ใช่)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bool):
        return "ใช่" if value else "ไม่ใช่"
    return value


def unit_bytes(data: UnitData, *, rules: Rules | None = None) -> bytes:
    """The bytes of a filled unit workbook. Every formula cell carries the value kpixl
    computed for it (:func:`pool_values`), so that a reader that does not calculate
    shows the numbers; Excel and LibreOffice recalculate them on open all the same."""
    rules = rules or default_rules()
    wb = build_unit_template(rules)
    hidden = wb[U.HIDDEN]
    for name, value in (
        ("round_id", data.round_id),
        ("unit_code", data.unit_code),
        ("unit_name", data.unit_name),
        ("revision", data.revision),
    ):
        put(hidden[U.meta_cell(name)], value)  # text from the roster stays text
    ws = wb[U.PEOPLE]
    if data.pool_share is not None:
        ws[U.SHARE_CELL] = excel_plain(data.pool_share)
    ws[U.SHARE_CELL].protection = _UNLOCKED
    name_width = U.PEOPLE_PRINT.widths["name"]  # the unit's name wraps in column B
    for ref, text in ((U.UNIT_NAME_CELL, data.unit_name), (U.ROUND_CELL, data.round_id)):
        ws.row_dimensions[int(ref[1:])].height = U.LINE_HEIGHT * _lines(str(text), name_width) + 4
    columns = {f: letter for f, (letter, _) in U.PEOPLE_COLUMNS.items()}
    cached: dict[str, Formula] = {}  # cell → its formula with kpixl's value
    costs: list[object] = []
    for i, person in enumerate(data.people):
        r = U.FIRST_ROW + i
        for fld, letter in columns.items():
            if fld not in U.FORMULA_FIELDS:
                put(ws[f"{letter}{r}"], excel_plain(person.get(fld)))
        values = pool_values(person, rules)
        costs.append(values.get("cost"))
        for fld, formula in row_formulas(r, values).items():
            put(ws[f"{columns[fld]}{r}"], formula)
            if formula.cached is not None:
                cached[f"{columns[fld]}{r}"] = formula
        pct = ws[f"{columns['pct']}{r}"]
        pct.fill = INPUT_FILL
        pct.protection = _UNLOCKED
    last = U.FIRST_ROW + len(data.people) - 1
    _table_cells(ws, U.PEOPLE_PRINT, columns, U.FIRST_ROW, last)
    for fld, number_format in _PEOPLE_FORMATS.items():
        for r in range(U.FIRST_ROW, last + 1):
            ws[f"{columns[fld]}{r}"].number_format = number_format
    ws.print_area = f"A1:{U.PEOPLE_PRINT.last_column}{max(last, U.HEADER_ROW)}"
    cached |= _header_values(ws, data, costs)
    # the cost holds satangs when the special compensation counts against the pool; the
    # share, used and left show them when the share or the costs can have them
    cost_format = U.MONEY_SATANG if rules.special_comp_in_pool else U.MONEY
    for r in range(U.FIRST_ROW, last + 1):
        ws[f"{columns['cost']}{r}"].number_format = cost_format
    share = excel_plain(data.pool_share)
    whole_share = share is None or (isinstance(share, int) and not isinstance(share, bool))
    pool_format = U.MONEY if whole_share and cost_format == U.MONEY else U.MONEY_SATANG
    for ref in (U.SHARE_CELL, U.USED_CELL, U.LEFT_CELL):
        ws[ref].number_format = pool_format
    for sheet, cols, rows, layout in (
        (U.KPIS, U.KPI_COLUMNS, data.kpis, U.KPI_PRINT),
        (U.COMPETENCIES, U.COMP_COLUMNS, data.competencies, U.COMP_PRINT),
    ):
        target = wb[sheet]
        for i, row in enumerate(rows):
            for fld, letter in cols.items():
                put(target[f"{letter}{2 + i}"], excel_plain(row.get(fld)))
        _table_cells(target, layout, cols, 2, 1 + len(rows))
        target.print_area = f"A1:{layout.last_column}{1 + max(len(rows), 1)}"
    target = wb[U.FINDINGS]
    for i, f in enumerate(data.findings):
        for fld, letter in U.FINDING_COLUMNS.items():
            put(target[f"{letter}{2 + i}"], getattr(f, fld))
    _table_cells(target, U.FINDING_PRINT, U.FINDING_COLUMNS, 2, 1 + len(data.findings))
    target.print_area = f"A1:{U.FINDING_PRINT.last_column}{1 + max(len(data.findings), 1)}"
    if not data.findings:  # only the header: one page that says so, not two
        target.col_breaks.brk = []
        target.sheet_properties.pageSetUpPr.fitToPage = True
        target.page_setup.fitToWidth = target.page_setup.fitToHeight = 1
        target.oddHeader.center.text = "ไม่มีข้อค้นพบจากการรวบรวม (no findings)"
        target.oddHeader.center.size = U.BODY_SIZE
        target.page_margins.top = 0.9  # room for the header above the table
    for sheet in wb.worksheets:
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if cell.font is None or cell.font.name != "TH SarabunPSK":
                    cell.font = Font(name="TH SarabunPSK", size=14)
    # openpyxl writes no cached values: the formula cells are patched with theirs
    return Package.read(reproducible_bytes(wb)).patched({U.PEOPLE: cached})


_PEOPLE_FORMATS = {
    "salary": U.MONEY,
    "achievement": U.SCORE,
    "competency": U.SCORE,
    "total": U.SCORE,
    "pct": U.SCORE,
    "base": U.MONEY,
    "increase": U.MONEY,
    "new_salary": U.MONEY,
    "special_compensation": U.MONEY_SATANG,  # base × % above the maximum: satangs
}


def _header_values(ws: Worksheet, data: UnitData, costs: list[object]) -> dict[str, Formula]:
    """The header block's formulas (unit name, round, pool used and left) with their
    values, where kpixl knows them."""
    out = {}
    for ref, text in ((U.UNIT_NAME_CELL, data.unit_name), (U.ROUND_CELL, data.round_id)):
        if isinstance(text, str) and text:  # a blank name would show 0
            out[ref] = Formula(str(ws[ref].value), text)
    if all(isinstance(c, (Decimal, str)) for c in costs):  # every cost known ("" or a number)
        used = sum((c for c in costs if isinstance(c, Decimal)), Decimal(0))
        out[U.USED_CELL] = Formula(str(ws[U.USED_CELL].value), used)
        share = excel_plain(data.pool_share) if data.pool_share is not None else None
        if share is None:
            out[U.LEFT_CELL] = Formula(str(ws[U.LEFT_CELL].value), "")
        elif _number(share):
            out[U.LEFT_CELL] = Formula(str(ws[U.LEFT_CELL].value), Decimal(str(share)) - used)
    return out


def write_unit(
    path: str | Path,
    data: UnitData,
    *,
    rules: Rules | None = None,
    backup: bool = True,
    keep: int = DEFAULT_KEEP,
) -> Path:
    """Write the unit workbook atomically, the previous one kept in ``.kpixl-backups/``
    (the newest ``keep``); raises :class:`~kpixl.core.errors.FileWriteError`."""
    write_bytes_atomic(path, unit_bytes(data, rules=rules), backup=backup, keep=keep)
    return Path(path)


# ------------------------------------------------------------------------- reading


@dataclass
class UnitForm:
    path: Path
    meta: dict[str, Any] = field(default_factory=dict)
    pool_share: Any = None
    people: pd.DataFrame = field(default_factory=pd.DataFrame)
    kpis: pd.DataFrame = field(default_factory=pd.DataFrame)
    competencies: pd.DataFrame = field(default_factory=pd.DataFrame)
    carried: pd.DataFrame = field(default_factory=pd.DataFrame)  # findings from collection
    findings: list[Finding] = field(default_factory=list)
    # with read_unit(..., blocks=True): the rows before they become tables (people, kpis
    # and competencies stay empty), for many workbooks' tables at once
    people_block: Block | None = None
    kpi_block: Block | None = None
    competency_block: Block | None = None

    @property
    def readable(self) -> bool:
        return not any(f.severity == ERROR and f.rule.startswith("file.") for f in self.findings)


def column_indexes(columns: Mapping[str, str]) -> dict[str, int]:
    """Field → 0-based column, from field → column letter."""
    return {f: column_index_from_string(letter) - 1 for f, letter in columns.items()}


def read_unit(path: str | Path, *, blocks: bool = False, limits: Limits = UNIT) -> UnitForm:
    """Read a unit workbook (values only, fast); file problems become findings.

    ``blocks``: the people, KPI and competency rows are left as blocks (``people_block``,
    ``kpi_block``, ``competency_block``; the tables stay empty) for
    :func:`kpixl.io.grid.blocks_frame` to join with other workbooks' rows: consolidation
    builds one table per batch of workbooks, not per file. A workbook over ``limits``
    (:mod:`kpixl.io.limits`) is a finding before any sheet is parsed.
    """
    form = UnitForm(Path(path))
    bad = check_file(form.path, deep=False, limits=limits)  # a damaged member: when read
    if bad is not None:
        form.findings.append(bad)
        return form
    try:
        book = open_book(form.path, limits=limits)
        names = book.sheet_names
        unit = U.HIDDEN in names and U.PEOPLE in names
        hidden = book.grid(U.HIDDEN) if unit else []
    except Exception as exc:  # a damaged file is a finding; kpixl's defect is its own
        form.findings.append(_read_failure(form.path, exc))
        return form
    if not unit:
        form.findings.append(_not_unit(form.path))
        return form
    try:
        _read_tables(form, book, hidden, blocks)
    except Exception as exc:  # a damaged sheet: a finding, and nothing of the file is used
        return UnitForm(form.path, findings=[_read_failure(form.path, exc)])
    return form


def unit_from_grids(path: str | Path, grids: Mapping[str, list[list[Any]]]) -> UnitForm:
    """The unit workbook from its sheets' value grids (rows of cell values, "" blank).

    ``read_unit`` reads the file; the Excel macros get the grids from the open workbook
    through xlwings, so both read the unit workbook the same way.
    """
    form = UnitForm(Path(path))
    if U.HIDDEN not in grids or U.PEOPLE not in grids:
        form.findings.append(_not_unit(form.path))
        return form
    _read_tables(form, _Grids(form.path, grids), grids[U.HIDDEN], False)
    return form


@dataclass
class _Grids:
    """Sheets' grids as a :class:`kpixl.io.grids.Book` (a missing sheet: no rows)."""

    path: Path
    grids: Mapping[str, list[list[Any]]]
    verified: set[str] = field(default_factory=set)

    @property
    def sheet_names(self) -> list[str]:
        return list(self.grids)

    def grid(self, name: str) -> list[list[Any]]:
        return self.grids.get(name, [])


def _read_failure(path: Path, exc: Exception) -> Finding:
    """``file.corrupt`` (or a limit's finding) when the file is to blame, else
    ``file.internal_error``: a defect of kpixl is not reported as a damaged file."""
    if file_problem(exc):
        return unreadable(path, exc)
    return internal_finding(exc, file=path.name, stage="read")


def _read_tables(form: UnitForm, book: Book, hidden: list[list[Any]], blocks: bool) -> None:
    for i, name in enumerate(U.META_FIELDS):
        r = U.META_FIRST - 1 + i
        form.meta[name] = hidden[r][1] if r < len(hidden) and len(hidden[r]) > 1 else None
    if form.meta.get("template_id") != U.TEMPLATE_ID:
        form.findings.append(_not_unit(form.path))
        return
    people = book.grid(U.PEOPLE)
    share_row, share_col = int(U.SHARE_CELL[1:]) - 1, 1
    form.pool_share = people[share_row][share_col] if share_row < len(people) else None
    columns = {f: letter for f, (letter, _) in U.PEOPLE_COLUMNS.items()}
    roster = grid_block(people, U.HEADER_ROW + 1, column_indexes(columns), form.path)
    if blocks:
        form.people_block = roster
    else:
        form.people = blocks_frame([roster], list(columns), U.PEOPLE)
    kpis = grid_block(book.grid(U.KPIS), 2, column_indexes(U.KPI_COLUMNS), form.path)
    comps = grid_block(book.grid(U.COMPETENCIES), 2, column_indexes(U.COMP_COLUMNS), form.path)
    if blocks:
        form.kpi_block, form.competency_block = kpis, comps
    else:
        form.kpis = blocks_frame([kpis], list(U.KPI_COLUMNS), U.KPIS)
        form.competencies = blocks_frame([comps], list(U.COMP_COLUMNS), U.COMPETENCIES)
    carried = grid_block(book.grid(U.FINDINGS), 2, column_indexes(U.FINDING_COLUMNS), form.path)
    if len(carried.rows) or not blocks:  # usually none: no table to build
        form.carried = blocks_frame([carried], list(U.FINDING_COLUMNS), U.FINDINGS)


def carried_findings(frame: pd.DataFrame) -> list[Finding]:
    """The findings a unit workbook carries from its collection, as Finding rows."""
    if frame.empty:
        return []

    def text(value: Any) -> str:
        if value is None or (isinstance(value, float) and value != value):
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value)

    return [
        Finding(
            rule=text(r.get("rule")) or "collect.finding",
            message_th=text(r.get("message_th")),
            message_en=text(r.get("message_en")),
            severity="error" if r.get("severity") == "error" else "warning",
            file=text(r.get("file")),
            sheet=text(r.get("sheet")),
            cell=text(r.get("cell")),
            field=text(r.get("field")),
            value=text(r.get("value")),
            person_id=text(r.get("person_id")),
        )
        for r in frame.to_dict("records")
    ]


def _not_unit(path: Path) -> Finding:
    return Finding(
        "file.not_kpixl",
        "ไม่ใช่สมุดงานหน่วยงานของ kpixl",
        "not a kpixl unit workbook",
        file=path.name,
    )
