"""Builds the personal workbook template (``templates/personal.xlsx``) from code.

Every number a reader needs is a native formula, so the file works in Excel or
LibreOffice without kpixl. The formulas implement the same rules as the core
(:mod:`kpixl.core.scoring`); LibreOffice recalculation tests hold them to it.
"""

from __future__ import annotations

import io
import re
import unicodedata
from decimal import Decimal
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from kpixl.core.kpi_library import load_library
from kpixl.core.rules import Rules, default_rules
from kpixl.core.vocab import CATEGORIES, DIRECTIONS, KINDS
from kpixl.io.atomic import write_bytes_atomic
from kpixl.io.cell_text import put
from kpixl.io.xlsx_package import Package
from kpixl.workbooks import personal_layout as L

__all__ = [
    "NO",
    "TEXT_WARNING",
    "WARNING_MARK",
    "YES",
    "build_personal_template",
    "config_values",
    "personal_template_bytes",
    "write_personal_template",
]

FONT = "TH SarabunPSK"
YES, NO = "ใช่", "ไม่ใช่"
MILESTONE = KINDS.label("milestone")
LOWER = DIRECTIONS.label("lower")
AGREE = f"'{L.AGREEMENT}'"
# what the form's own results show when a number cell holds text (Excel would give #VALUE!)
WARNING_MARK = "⚠"
TEXT_WARNING = f"{WARNING_MARK} มีช่องที่ไม่ใช่ตัวเลข"
ROW_WARNING = f"{WARNING_MARK} ไม่ใช่ตัวเลข"
_HUGE = "100000000000000"
ROW = 22  # points: one line of 14-point Thai text
LINE = 21  # points per line of wrapped 14-point Thai text
ACH_PAGE_ROWS = 10  # KPI rows on the achievement sheet's first page
TWO_LINES = 46  # two lines (the agreement's KPI names, types and work kinds wrap to two)  # the bounds of a number cell's validation: any plausible value

_thin = Side(style="thin", color="808080")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
RESULT_FILL = PatternFill("solid", fgColor="E2EFDA")
ERROR_FILL = PatternFill("solid", fgColor="F8CBAD")
WARN_FILL = PatternFill("solid", fgColor="FFE699")
UNLOCKED = Protection(locked=False)


def thai_font(size: int = 14, bold: bool = False) -> Font:
    """The forms' Thai font (TH SarabunPSK) at ``size`` points."""
    return Font(name=FONT, size=size, bold=bold)


def _title(ws: Worksheet, cell: str, text: str, size: int = 18) -> None:
    ws[cell] = text
    ws[cell].font = thai_font(size, bold=True)


def _label(ws: Worksheet, cell: str, text: str, bold: bool = True) -> None:
    ws[cell] = text
    ws[cell].font = thai_font(bold=bold)


def _input(ws: Worksheet, ref: str, number_format: str | None = None) -> None:
    for row in ws[ref] if ":" in ref else [[ws[ref]]]:
        for c in row:
            c.fill = INPUT_FILL
            c.protection = UNLOCKED
            c.border = BORDER
            c.font = thai_font()
            c.alignment = Alignment(vertical="top", wrap_text=True)
            if number_format:
                c.number_format = number_format


def _formula(ws: Worksheet, cell: str, formula: str, number_format: str | None = None) -> None:
    ws[cell] = formula
    ws[cell].font = thai_font()
    ws[cell].border = BORDER
    ws[cell].alignment = Alignment(vertical="top", wrap_text=True)
    if number_format:
        ws[cell].number_format = number_format


def _may_warn(ws: Worksheet, cell: str, *, overflow: bool = False) -> None:
    """A result that may show the ⚠ text: on one line, never cut by its border.

    With ``overflow`` the text runs on into the empty cells on its right (totals and
    results have none beside them); otherwise it shrinks to fit its column (row
    results sit between other values). Numbers fit either way and look the same.
    """
    ws[cell].alignment = Alignment(vertical="top", wrap_text=False, shrink_to_fit=not overflow)


def header_row(ws: Worksheet, row: int, headers: dict[str, str]) -> None:
    """A table's header row: bold Thai text, filled and wrapped, column letter → text."""
    ws.row_dimensions[row].height = 40
    for letter, text in headers.items():
        c = ws[f"{letter}{row}"]
        c.value = text
        c.font = thai_font(bold=True)
        c.fill = HEAD_FILL
        c.border = BORDER
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _page(ws: Worksheet, area: str, *, landscape: bool, one_page: bool = False) -> None:
    ws.sheet_format.defaultRowHeight = 22
    ws.sheet_format.customHeight = True
    ws.print_area = area
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if one_page else 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.center.text = "หน้า &P / &N"
    ws.oddFooter.center.font = f"{FONT},Regular"
    ws.oddFooter.center.size = 14
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.sheet_view.showGridLines = False


def _list(ws: Worksheet, column: str, values: list[str]) -> str:
    for i, value in enumerate(values):
        ws[f"{column}{L.LIST_FIRST + i}"] = value
    last = L.LIST_FIRST + len(values) - 1
    return f"'{L.HIDDEN}'!${column}${L.LIST_FIRST}:${column}${last}"


def config_values(rules: Rules) -> dict[str, object]:
    """The hidden sheet's config cells for a rule set."""
    w, p = rules.weights, rules.probation_weights
    return {
        "method": rules.scoring_method,
        "competency_method": rules.competency_method,
        "rating_max": rules.rating_max,
        "w_achievement": w.achievement,
        "w_competency": w.competency,
        "w_other": w.other,
        "w_probation_achievement": p.achievement,
        "w_probation_competency": p.competency,
        "w_probation_other": p.other,
        "rules_id": f"{rules.id} {rules.version}",
        "salary_table": rules.salary_table.id,
    }


def band_cells(rules: Rules) -> dict[str, object]:
    """Hidden-sheet cells of the band table: ascending (A min, B name), descending (C name)."""
    cells: dict[str, object] = {}
    ascending = list(reversed(rules.bands))
    for i in range(L.BAND_ROWS):
        row = L.BAND_FIRST + i
        if i < len(ascending):
            band = ascending[i]
            cells[f"A{row}"] = band.min_total if band.min_total is not None else 0
            cells[f"B{row}"] = band.name
            cells[f"C{row}"] = rules.bands[i].name
        else:  # unused rows stay above every total, so LOOKUP never lands on them
            cells[f"A{row}"] = 1000
            cells[f"B{row}"] = ""
            cells[f"C{row}"] = ""
    return cells


def _hidden(wb: Workbook, rules: Rules) -> dict[str, str]:
    ws = wb.create_sheet(L.HIDDEN)
    ws.sheet_state = "hidden"
    ws["A1"] = "kpixl metadata — do not edit / ข้อมูลสำหรับระบบ ห้ามแก้ไข"
    for field in L.META_FIELDS:
        cell = L.meta_cell(field)
        ws[f"A{cell[1:]}"] = field
        ws[cell].number_format = "@"
    values = {
        "template_id": L.TEMPLATE_ID,
        "template_version": L.TEMPLATE_VERSION,
        "revision": 0,
        "generated_by": "kpixl",
    }
    for field, value in values.items():
        ws[L.meta_cell(field)] = value
    for field, value in config_values(rules).items():
        cell = L.config_cell(field)
        ws[f"A{cell[1:]}"] = field
        ws[cell] = value
        ws[cell].number_format = "General"
    ws[f"A{L.BAND_FIRST - 1}"] = "band_min (ascending) / band_name / band_name (descending)"
    for cell, value in band_cells(rules).items():
        ws[cell] = value
        ws[cell].number_format = "General"
    lists = {
        "kind": _list(ws, L.LIST_COLUMN_KIND, KINDS.choices),
        "direction": _list(ws, L.LIST_COLUMN_DIRECTION, DIRECTIONS.choices),
        "category": _list(ws, L.LIST_COLUMN_CATEGORY, CATEGORIES.choices),
        "yesno": _list(ws, L.LIST_COLUMN_YESNO, [YES, NO]),
    }
    ws.protection.sheet = True
    return lists


def library_rows(library: pd.DataFrame) -> list[dict[str, object]]:
    """The library sheet's rows: grouped by job line, then task (first appearance order)."""
    lines = list(dict.fromkeys(library["job_line"]))
    tasks = list(dict.fromkeys(zip(library["job_line"], library["task"], strict=True)))
    order = sorted(
        range(len(library)),
        key=lambda i: (
            lines.index(library["job_line"].iat[i]),
            tasks.index((library["job_line"].iat[i], library["task"].iat[i])),
            i,
        ),
    )
    rows = []
    for i in order:
        item = library.iloc[i]
        steps = item["milestones"]
        rows.append(
            {
                "pick": f"{item['id']} {item['name']}",
                "job_line": item["job_line"],
                "task": item["task"],
                "kpi_code": item["id"],
                "kpi_name": item["name"],
                "kind": KINDS.label(item["kind"]),
                "direction": DIRECTIONS.label(item["direction"])
                if isinstance(item["direction"], str)
                else None,
                "unit": item["unit"],
                **{f"l{k}": _number(item[f"l{k}"]) for k in range(1, 6)},
                "key": f"{item['job_line']}|{item['task']}",
                "milestones": "  ".join(f"{k}) {t}" for k, t in enumerate(steps, 1))
                if isinstance(steps, tuple)
                else None,
                **{
                    f: steps[k] if isinstance(steps, tuple) else None
                    for k, f in enumerate(L.STEP_FIELDS)
                },
            }
        )
    return rows


def _number(value: object) -> object:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


# the printed library's columns (B–M and O): 14-point text on A4 landscape at ≥ 86 %
_LIB_WIDTHS = {"B": 14, "C": 16, "D": 8, "E": 32, "F": 13, "G": 11, "H": 8, "O": 33}
_LIB_WIDTHS |= {letter: 6 for letter in "IJKLM"}


def text_lines(text: object, width: float) -> int:
    """About how many lines ``text`` wraps to in a column ``width`` characters wide, in
    14-point TH SarabunPSK (a Thai letter is about one character wide; marks above
    and below take no width)."""
    if text is None or text == "":
        return 1
    letters = sum(1 for c in str(text) if unicodedata.category(c) != "Mn")
    return max(1, -(-int(letters * 1.3) // max(1, int(width) - 1)))


def _library(wb: Workbook, library: pd.DataFrame) -> tuple[int, int]:
    """The คลังตัวชี้วัด sheet; returns (library rows, job lines)."""
    ws = wb.create_sheet(L.LIBRARY, index=len(wb.sheetnames) - 1)
    _title(ws, "B1", "คลังตัวชี้วัดกลาง (Central KPI library)")
    ws["B2"] = (
        f"เลือกสายงาน ({L.PICK_LINE_CELL}) และงาน ({L.PICK_TASK_CELL}) ในแผ่นงาน {L.AGREEMENT} "
        f"แล้วเลือกตัวชี้วัดในคอลัมน์ {L.PICK_COLUMN} ของแถวที่ต้องการ ระบบจะเติมรายละเอียดให้ "
        "แก้ไขค่าเป้าหมายให้เหมาะกับงานของท่านได้ / pick a KPI in column O of the agreement"
    )
    ws["B2"].font = thai_font()
    ws["B2"].alignment = Alignment(vertical="top", wrap_text=True)
    ws.merge_cells("B2:O2")
    ws.row_dimensions[2].height = 2 * LINE + 4
    header_row(ws, L.LIB_HEADER_ROW, {letter: text for letter, text in L.LIB_COLUMNS.values()})
    rows = library_rows(library)
    if len(rows) > L.LIB_ROWS:
        raise ValueError(f"the library sheet holds at most {L.LIB_ROWS} KPIs")
    for i, row in enumerate(rows):
        for fld, (letter, _) in L.LIB_COLUMNS.items():
            cell = ws[f"{letter}{L.LIB_FIRST + i}"]
            put(cell, row[fld])  # the library's text stays text
            cell.font = thai_font()
            wrap = fld in ("job_line", "task", "kpi_name", "kind", "direction", "milestones")
            cell.alignment = Alignment(vertical="top", wrap_text=wrap)
        # rows tall enough for the wrapped texts (five milestone steps are the longest)
        needed = max(
            text_lines(row[fld], _LIB_WIDTHS[L.LIB_COLUMNS[fld][0]])
            for fld in ("job_line", "task", "kpi_name", "kind", "direction", "milestones")
        )
        ws.row_dimensions[L.LIB_FIRST + i].height = LINE * needed + 4
        for fld, letter in L.LIB_STEP_COLUMNS.items():  # one cell a level, for the picker
            put(ws[f"{letter}{L.LIB_FIRST + i}"], row[fld])
            ws[f"{letter}{L.LIB_FIRST + i}"].font = thai_font(12)
    header_row(
        ws,
        L.LIB_HEADER_ROW,
        {letter: f"ระดับ {k}" for k, letter in enumerate(L.LIB_STEP_COLUMNS.values(), 1)},
    )
    lines = list(dict.fromkeys(r["job_line"] for r in rows))
    pairs = list(dict.fromkeys((r["job_line"], r["task"]) for r in rows))
    header_row(ws, L.LIB_HEADER_ROW, {L.LIB_LINE_COLUMN: "สายงาน (รายการ)"})
    header_row(ws, L.LIB_HEADER_ROW, {L.LIB_TASK_LINE_COLUMN: "สายงาน", L.LIB_TASK_COLUMN: "งาน"})
    for i, line in enumerate(lines):
        ws[f"{L.LIB_LINE_COLUMN}{L.LIB_FIRST + i}"] = line
    for i, (line, task) in enumerate(pairs):
        ws[f"{L.LIB_TASK_LINE_COLUMN}{L.LIB_FIRST + i}"] = line
        ws[f"{L.LIB_TASK_COLUMN}{L.LIB_FIRST + i}"] = task
    header_row(
        ws,
        L.LIB_HEADER_ROW,
        {L.UNIT_KPI_CODE_COLUMN: "ตัวชี้วัดของหน่วยงาน (รหัส)", L.UNIT_KPI_NAME_COLUMN: "ชื่อตัวชี้วัด"},
    )
    for i in range(L.UNIT_KPI_ROWS):  # styled, so that filling a person's copy patches them
        for letter in (L.UNIT_KPI_CODE_COLUMN, L.UNIT_KPI_NAME_COLUMN):
            ws[f"{letter}{L.LIB_FIRST + i}"].font = thai_font(12)
            ws[f"{letter}{L.LIB_FIRST + i}"].number_format = "@"
    widths = _LIB_WIDTHS | {"A": 40, "N": 4}
    widths |= {L.LIB_LINE_COLUMN: 22, L.LIB_TASK_LINE_COLUMN: 22, L.LIB_TASK_COLUMN: 26}
    widths |= {L.UNIT_KPI_CODE_COLUMN: 14, L.UNIT_KPI_NAME_COLUMN: 48}
    widths |= {letter: 30 for letter in L.LIB_STEP_COLUMNS.values()}
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width
    ws.column_dimensions["N"].hidden = True
    ws.freeze_panes = f"B{L.LIB_FIRST}"
    # printed from column B: column A (code and name, for the picker) repeats B–E
    _page(ws, f"B1:O{L.LIB_FIRST + max(1, len(rows)) - 1}", landscape=True)
    ws.print_title_rows = f"{L.LIB_HEADER_ROW}:{L.LIB_HEADER_ROW}"
    return len(rows), len(lines)


def pick_formula(fld: str, row: int) -> str:
    """The agreement cell ``fld`` of ``row``: the picked library KPI's value, or blank."""
    column = list(L.LIB_COLUMNS).index(fld) + 1
    found = f"INDEX(kpixl_lib,MATCH(${L.PICK_COLUMN}{row},kpixl_lib_pick,0),{column})"
    return f'=IFERROR(IF(${L.PICK_COLUMN}{row}="","",IF({found}="","",{found})),"")'


def step_pick_formula(fld: str, row: int) -> str:
    """The agreement's description ``fld`` (``s1``…``s5``) of ``row``: the picked library
    KPI's, or blank."""
    k = L.STEP_FIELDS.index(fld) + 1
    found = f"INDEX(kpixl_lib_steps,MATCH(${L.PICK_COLUMN}{row},kpixl_lib_pick,0),{k})"
    return f'=IFERROR(IF(${L.PICK_COLUMN}{row}="","",IF({found}="","",{found})),"")'


def _picker(ws: Worksheet) -> None:
    """Job line and task above column O; column O picks a library KPI for its row."""
    pick = L.PICK_COLUMN
    _label(ws, f"{pick}{int(L.PICK_LINE_CELL[1:]) - 1}", "เลือกจากคลังตัวชี้วัด (ไม่พิมพ์)")
    _label(ws, f"{pick}{L.PICK_LINE_CELL[1:]}", "สายงาน")
    _label(ws, f"{pick}{L.PICK_TASK_CELL[1:]}", "งาน (ว่าง = ทุกงาน)")
    for cell in (L.PICK_LINE_CELL, L.PICK_TASK_CELL):
        _input(ws, cell)
    _dv(ws, "kpixl_lib_lines", L.PICK_LINE_CELL, "สายงานที่จะเลือกตัวชี้วัด")
    _dv(ws, "kpixl_task_list", L.PICK_TASK_CELL, "งานในสายงานนั้น (เว้นว่างได้)")
    header_row(ws, L.KPI_HEADER_ROW, {pick: "เลือกตัวชี้วัดจากคลัง"})
    for i in range(L.KPI_ROWS):
        row = L.KPI_FIRST + i
        _input(ws, f"{pick}{row}")
        for fld in L.PICKED_FIELDS:
            ws[L.kpi_cell(fld, i)] = pick_formula(fld, row)
        for fld, letter in L.STEP_COLUMNS.items():
            ws[f"{letter}{row}"] = step_pick_formula(fld, row)
    _dv(ws, "kpixl_pick_list", L.column_range(pick, L.KPI_FIRST, L.KPI_LAST), "ตัวชี้วัดจากคลัง")
    ws.column_dimensions[pick].width = 40
    ws.column_dimensions[L.PICK_LINE_CELL[0]].width = 26


def _step_inputs(ws: Worksheet) -> None:
    """Beside each KPI row (not printed): its five level descriptions, and the hidden
    running number of the rows that have them (the attachment sheet lists those)."""
    first, last = L.KPI_FIRST, L.KPI_LAST
    letters = list(L.STEP_COLUMNS.values())
    _label(ws, f"{letters[0]}{L.KPI_HEADER_ROW - 2}", "คำอธิบายค่าเป้าหมาย 5 ระดับ (ไม่พิมพ์ในตารางนี้)")
    ws[f"{letters[0]}{L.KPI_HEADER_ROW - 1}"] = (
        f"ตัวชี้วัดเชิงคุณภาพ (ขั้นความสำเร็จ) หรือแบบผสม: บอกว่าแต่ละระดับคืออะไร พิมพ์ในแผ่นงาน {L.STEPS}"
    )
    ws[f"{letters[0]}{L.KPI_HEADER_ROW - 1}"].font = thai_font()
    header_row(
        ws,
        L.KPI_HEADER_ROW,
        {letter: f"คำอธิบายระดับ {k} ({L.LEVEL_MEANINGS[k]})" for k, letter in enumerate(letters, 1)},
    )
    index = L.STEP_INDEX_COLUMN
    for i in range(L.KPI_ROWS):
        row = first + i
        for letter in letters:
            _input(ws, f"{letter}{row}")
        typed = ",".join(f'${letter}{row}<>""' for letter in letters)  # as every engine reads
        described = f'OR($D{row}="{MILESTONE}",{typed})'
        before = "0" if i == 0 else f"MAX(${index}${first}:{index}{row - 1})"
        ws[f"{index}{row}"] = f'=IF(AND($C{row}<>"",{described}),{before}+1,"")'
    for letter in letters:
        ws.column_dimensions[letter].width = 30
    ws.column_dimensions[index].hidden = True
    # a milestone KPI whose levels are not described yet
    ws.conditional_formatting.add(
        f"{letters[0]}{first}:{letters[-1]}{last}",
        FormulaRule(
            formula=[f'AND($D{first}="{MILESTONE}",{letters[0]}{first}="")'], fill=WARN_FILL
        ),
    )


def _dv(ws: Worksheet, source: str, ref: str, prompt: str, *, strict: bool = True) -> None:
    dv = DataValidation(type="list", formula1=source, allow_blank=True)  # OOXML: no "="
    if not strict:  # a warning the person may accept: other values are allowed
        dv.errorStyle = "warning"
    dv.error = "กรุณาเลือกจากรายการ / please pick from the list"
    dv.errorTitle = "kpixl"
    dv.prompt = prompt
    dv.showErrorMessage = True
    dv.showInputMessage = True
    ws.add_data_validation(dv)
    dv.add(ref)


def _number_dv(
    ws: Worksheet,
    ref: str,
    prompt: str,
    *,
    low: str = f"-{_HUGE}",
    high: str = _HUGE,
    whole: bool = False,
) -> None:
    """Numbers only in ``ref``: Excel refuses text (and values outside ``low``–``high``)."""
    dv = DataValidation(
        type="whole" if whole else "decimal", operator="between", formula1=low, formula2=high
    )
    dv.allow_blank = True
    dv.errorStyle = "stop"
    dv.errorTitle = "kpixl: ต้องเป็นตัวเลข"
    bounds = "" if low.startswith("-") else f" ({low}–{high})"
    dv.error = (
        f"ช่องนี้รับเฉพาะตัวเลข{bounds} พิมพ์ตัวเลขอารบิก ไม่ใส่ % หรือข้อความ / "
        f"this cell takes a number{bounds}: no text, no % sign"
    )
    dv.promptTitle = "kpixl"
    dv.prompt = prompt
    dv.showErrorMessage = True
    dv.showInputMessage = True
    ws.add_data_validation(dv)
    dv.add(ref)


def _texts(*ranges: str) -> str:
    """A formula counting the cells of ``ranges`` that hold text (blank results excluded)."""
    return "+".join(f'SUMPRODUCT(ISTEXT({r})*({r}<>""))' for r in ranges)


def _guarded_sum(ref: str) -> str:
    """``SUM(ref)``, or the warning when a cell of ``ref`` holds text (SUM would skip it)."""
    return f'=IF({_texts(ref)}>0,"{TEXT_WARNING}",SUM({ref}))'


def round_formula() -> str:
    """A formula giving the round with its dates: ``ปีงบประมาณ 2570 รอบที่ 1 (1 ต.ค. 2569 –
    31 มี.ค. 2570)`` from the round id ``2570/1`` (Buddhist-era years)."""
    r = "kpixl_meta_round_id"
    year = f"LEFT({r},4)"
    first = f'"รอบที่ 1 (1 ต.ค. "&(VALUE({year})-1)&" – 31 มี.ค. "&{year}&")"'
    second = f'"รอบที่ 2 (1 เม.ย. "&{year}&" – 30 ก.ย. "&{year}&")"'
    return (
        f'IF({r}="","",IFERROR("ปีงบประมาณ "&{year}&" "&IF(RIGHT({r},1)="1",{first},{second}),{r}))'
    )


def level_legend() -> str:
    """One line: what each of the five target levels means."""
    return "ระดับค่าเป้าหมาย: " + "  ".join(f"{k} = {t}" for k, t in L.LEVEL_MEANINGS.items())


def _blank_or(name: str, dots: int = 30) -> str:
    return f'IF({name}="","{"." * dots}",{name})'


def signature(
    ws: Worksheet,
    row: int,
    columns: str,
    role: str,
    name: str | None,
    position: str | None,
) -> int:
    """A signature block in ``columns`` (``"B:F"``) from ``row``: sign line, (name),
    position (two lines' room: a position may be long), date.

    ``name`` and ``position`` are defined names (the form's identity) or None for a
    blank line to write on. Returns the row under the block.
    """
    column, end = columns.split(":")
    dots = "." * 30
    lines = [
        f"ลงชื่อ {dots} {role}",
        f'="( "&{_blank_or(name)}&" )"' if name else f"( {dots} )",
        f'="ตำแหน่ง "&{_blank_or(position)}' if position else f"ตำแหน่ง {dots}",
        "วันที่ ........ เดือน .................... พ.ศ. ..........",
    ]
    for i, text in enumerate(lines):
        ws.merge_cells(f"{column}{row + i}:{end}{row + i}")
        cell = ws[f"{column}{row + i}"]
        cell.value = text
        cell.font = thai_font()
        cell.alignment = Alignment(vertical="top", wrap_text=True)
        ws.row_dimensions[row + i].height = TWO_LINES if i == 2 else ROW
    return row + len(lines)


def _heights(ws: Worksheet, first: int, last: int, height: float) -> None:
    for row in range(first, last + 1):
        ws.row_dimensions[row].height = height


def _agreement(ws: Worksheet, lists: dict[str, str]) -> None:
    _title(ws, "A1", "ข้อตกลงผลการปฏิบัติราชการรายบุคคล (Individual performance agreement)")
    ws["A2"] = f"={round_formula()}"
    ws["A2"].font = thai_font(bold=True)
    ws.row_dimensions[1].height = 30
    ws.row_dimensions[3].height = 8
    for field, (label, value) in L.IDENTITY.items():
        label_end = ("B" if label.startswith("A") else "J") + label[1:]
        ws.merge_cells(f"{label}:{label_end}")
        _label(ws, label, L.IDENTITY_LABELS[field])
        ws[label].alignment = Alignment(vertical="top")
        end = L.IDENTITY_VALUE_END[value[0]] + value[1:]
        ws.merge_cells(f"{value}:{end}")
        _input(
            ws,
            f"{value}:{end}",
            "@" if field in ("person_id", "position_no", "unit_code") else None,
        )
    _heights(ws, 2, 2, ROW)
    _heights(ws, 4, 7, ROW)
    ws.row_dimensions[8].height = TWO_LINES  # the evaluator's position may be long
    _dv(ws, lists["yesno"], L.IDENTITY["probation"][1], "ทดลองปฏิบัติราชการหรือไม่")
    # competencies (page 1, under the identity)
    cc = {f: letter for f, (letter, _) in L.COMP_COLUMNS.items()}
    _label(ws, f"A{L.COMP_HEADER_ROW - 1}", "ส่วนที่ 1 สมรรถนะที่คาดหวัง")
    ws.row_dimensions[L.COMP_HEADER_ROW - 2].height = 8
    header_row(ws, L.COMP_HEADER_ROW, {letter: text for letter, text in L.COMP_COLUMNS.values()})
    for i in range(L.COMP_ROWS):
        row = L.COMP_FIRST + i
        ws[f"A{row}"] = i + 1
        ws[f"A{row}"].font = thai_font()
        ws[f"A{row}"].border = BORDER
        ws[f"A{row}"].alignment = Alignment(horizontal="center", vertical="top")
        _input(ws, f"{cc['group']}{row}:{cc['weight']}{row}")
        ws[f"{cc['group']}{row}"].font = thai_font(12)  # สมรรถนะทางการบริหาร on one line
    _heights(ws, L.COMP_FIRST, L.COMP_TOTAL_ROW, ROW)
    level = DataValidation(type="list", formula1='"0,1,2,3,4,5"', allow_blank=True)
    level.error = "ระดับที่คาดหวังต้องเป็น 0–5 / expected level must be 0–5"
    level.errorTitle = "kpixl: ต้องเป็นตัวเลข"
    level.prompt = "เลือกระดับที่คาดหวัง 0–5"
    level.showErrorMessage = True
    level.showInputMessage = True
    ws.add_data_validation(level)
    level.add(L.column_range(cc["expected"], L.COMP_FIRST, L.COMP_LAST))
    _number_dv(
        ws,
        L.column_range(cc["weight"], L.COMP_FIRST, L.COMP_LAST),
        "น้ำหนักของสมรรถนะ (ร้อยละ) เป็นตัวเลข เว้นว่างทุกช่อง = น้ำหนักเท่ากัน",
        low="0.01",
        high="100",
    )
    ctotal = f"{cc['weight']}{L.COMP_TOTAL_ROW}"
    _label(ws, f"{cc['expected']}{L.COMP_TOTAL_ROW}", "รวมน้ำหนัก")
    ws[f"{cc['expected']}{L.COMP_TOTAL_ROW}"].alignment = Alignment(horizontal="right")
    _formula(
        ws, ctotal, _guarded_sum(L.column_range(cc["weight"], L.COMP_FIRST, L.COMP_LAST)), "0.00"
    )
    _may_warn(ws, ctotal, overflow=True)
    ws.conditional_formatting.add(
        ctotal, FormulaRule(formula=[f"AND({ctotal}<>0,{ctotal}<>100)"], fill=ERROR_FILL)
    )
    ws.add_table(
        Table(
            displayName="kpixl_competency_table",
            ref=f"A{L.COMP_HEADER_ROW}:{cc['weight']}{L.COMP_LAST}",
            tableStyleInfo=TableStyleInfo(name="TableStyleLight1", showRowStripes=False),
        )
    )
    # beside the competencies: what the five target levels of a KPI mean
    _legend(ws, "H", L.COMP_FIRST, "ความหมายของค่าเป้าหมาย 5 ระดับ", L.LEVEL_MEANINGS, "ระดับ")
    # the KPI table starts a new page; its header repeats on the pages it runs onto
    ws.row_breaks.append(Break(id=L.KPI_SECTION_ROW - 1))
    _label(ws, f"A{L.KPI_SECTION_ROW}", "ส่วนที่ 2 ตัวชี้วัดผลสัมฤทธิ์ของงานและค่าเป้าหมาย 5 ระดับ")
    ws[f"A{L.KPI_SECTION_ROW + 1}"] = level_legend()
    ws[f"A{L.KPI_SECTION_ROW + 1}"].font = thai_font()
    _heights(ws, L.KPI_SECTION_ROW, L.KPI_SECTION_ROW + 1, ROW)
    header_row(ws, L.KPI_HEADER_ROW, {letter: text for letter, text in L.KPI_COLUMNS.values()})
    for i in range(L.KPI_ROWS):
        row = L.KPI_FIRST + i
        ws[f"A{row}"] = i + 1
        ws[f"A{row}"].font = thai_font()
        ws[f"A{row}"].border = BORDER
        ws[f"A{row}"].alignment = Alignment(horizontal="center", vertical="top")
        _input(ws, f"B{row}:N{row}")
        for letter in "GHIJKL":
            ws[f"{letter}{row}"].number_format = "General"
        ws.row_dimensions[row].height = TWO_LINES
    ws.row_breaks.append(Break(id=L.KPI_FIRST + L.KPI_PAGE_ROWS - 1))
    col = lambda f: L.KPI_COLUMNS[f][0]  # noqa: E731
    first, last = L.KPI_FIRST, L.KPI_LAST
    _dv(ws, lists["kind"], L.column_range(col("kind"), first, last), "ประเภทตัวชี้วัด")
    _dv(ws, lists["direction"], L.column_range(col("direction"), first, last), "ทิศทางของตัวชี้วัด")
    _dv(ws, lists["category"], L.column_range(col("category"), first, last), "ลักษณะงาน")
    _dv(
        ws,
        "kpixl_unit_kpis",
        L.column_range(col("parent_code"), first, last),
        "ตัวชี้วัดของหน่วยงานที่ถ่ายทอดมา (ดูรายการในแผ่นงานคลังตัวชี้วัด)",
        strict=False,
    )
    _picker(ws)
    _step_inputs(ws)
    _number_dv(
        ws,
        L.column_range(col("weight"), first, last),
        "น้ำหนักของตัวชี้วัด (ร้อยละ) เป็นตัวเลขมากกว่า 0 ไม่เกิน 100 รวมทุกตัวต้องได้ 100",
        low="0.01",
        high="100",
    )
    _number_dv(
        ws,
        f"{col('l1')}{first}:{col('l5')}{last}",
        "ค่าเป้าหมายแต่ละระดับเป็นตัวเลข (ไม่ใส่หน่วยหรือ %)",
    )
    total = f"{col('weight')}{L.KPI_TOTAL_ROW}"
    _label(ws, f"K{L.KPI_TOTAL_ROW}", "รวมน้ำหนัก")
    ws[f"K{L.KPI_TOTAL_ROW}"].alignment = Alignment(horizontal="right")
    _formula(ws, total, _guarded_sum(L.column_range(col("weight"), first, last)), "0.00")
    _may_warn(ws, total, overflow=True)
    ws.row_dimensions[L.KPI_TOTAL_ROW].height = ROW
    ws.conditional_formatting.add(total, FormulaRule(formula=[f"{total}<>100"], fill=ERROR_FILL))
    monotone = (
        f'AND($D{first}="{KINDS.label("quantitative")}",COUNT($G{first}:$K{first})=5,'
        f'IF($E{first}="{LOWER}",OR($H{first}>=$G{first},$I{first}>=$H{first},'
        f"$J{first}>=$I{first},$K{first}>=$J{first}),OR($H{first}<=$G{first},"
        f"$I{first}<=$H{first},$J{first}<=$I{first},$K{first}<=$J{first})))"
    )
    ws.conditional_formatting.add(
        f"G{first}:K{last}", FormulaRule(formula=[monotone], fill=ERROR_FILL)
    )
    missing_levels = (
        f'AND($B{first}<>"",$D{first}<>"{MILESTONE}",COUNT($G{first}:$K{first})<5,G{first}="")'
    )
    ws.conditional_formatting.add(
        f"G{first}:K{last}", FormulaRule(formula=[missing_levels], fill=WARN_FILL)
    )
    ws.add_table(
        Table(
            displayName="kpixl_kpi_table",
            ref=f"A{L.KPI_HEADER_ROW}:N{last}",
            tableStyleInfo=TableStyleInfo(name="TableStyleLight1", showRowStripes=False),
        )
    )
    sign = L.SIGN_ROW
    _label(ws, f"A{sign}", "ผู้รับการประเมินและผู้ประเมินได้ตกลงตัวชี้วัดและค่าเป้าหมายร่วมกันแล้ว", False)
    ws.row_dimensions[sign].height = ROW
    index = L.column_range(L.STEP_INDEX_COLUMN, L.KPI_FIRST, L.KPI_LAST)
    ws[f"A{sign + 1}"] = (
        f'=IF(MAX({index})>0,"คำอธิบายค่าเป้าหมาย 5 ระดับของตัวชี้วัดเชิงคุณภาพและแบบผสม '
        f'อยู่ในเอกสารแนบท้ายข้อตกลง (แผ่นงาน{L.STEPS}) ซึ่งเป็นส่วนหนึ่งของข้อตกลงนี้","")'
    )
    ws[f"A{sign + 1}"].font = thai_font()
    ws.row_dimensions[sign + 1].height = ROW
    signature(ws, sign + 2, "B:F", "ผู้รับการประเมิน", "kpixl_id_name", "kpixl_id_position")
    after = signature(
        ws, sign + 2, "H:N", "ผู้ประเมิน", "kpixl_id_evaluator", "kpixl_id_evaluator_position"
    )
    # B holds the KPI code and the competency group (สมรรถนะทางการบริหาร in 12 points)
    widths = {"A": 4, "B": 16, "C": 36, "D": 13, "E": 11, "F": 8, "L": 7, "M": 10, "N": 11}
    for letter in "GHIJK":
        widths[letter] = 7
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = f"A{L.KPI_FIRST}"
    _page(ws, f"A1:N{after - 1}", landscape=True)
    ws.print_title_rows = f"{L.KPI_HEADER_ROW}:{L.KPI_HEADER_ROW}"


def _legend(
    ws: Worksheet, column: str, row: int, title: str, meanings: dict[int, str], noun: str
) -> None:
    """A small table of what each of the five levels (or ratings) means."""
    ws[f"{column}{row}"] = title
    ws[f"{column}{row}"].font = thai_font(bold=True)
    for k, text in meanings.items():
        cell = ws[f"{column}{row + k}"]
        cell.value = f"{noun} {k} = {text}"
        cell.font = thai_font()


def _result_block(
    ws: Worksheet,
    first: int,
    last: int,
    *,
    label_col: str,
    totals: tuple[int, str, str],
    result: tuple[int, str, str],
    scored: str,
    scale: str,
    numbers: tuple[str, ...],
) -> None:
    """Totals row, the 100-point result and the missing-input highlight of a score sheet,
    laid out as the official forms: the weights' sum, the points' sum (ค), and the
    result = ค × 100 ÷ the highest score (× 20 for scores 0–5).

    Inputs are in column E; ``totals`` is (row, weight column, points column);
    ``scored`` holds each row's score and ``scale`` the highest score a row can get (a
    number or a formula). ``numbers`` are the ranges the result computes with: text in
    any of them shows the warning. The result cell may be merged to the points column.
    """
    total_row, weight_col, weighted_col = totals
    result_row, cell, label = result
    weights = f"{weight_col}{first}:{weight_col}{last}"
    _label(ws, f"{label_col}{total_row}", "รวม")
    _formula(ws, f"{weight_col}{total_row}", _guarded_sum(weights), "0.##")
    _formula(
        ws,
        f"{weighted_col}{total_row}",
        _guarded_sum(f"{weighted_col}{first}:{weighted_col}{last}"),
        POINTS,
    )
    _may_warn(ws, f"{weight_col}{total_row}")  # the points may sit on its right
    _may_warn(ws, f"{weighted_col}{total_row}", overflow=True)
    ws[f"{label_col}{result_row}"] = label
    ws[f"{label_col}{result_row}"].font = thai_font(bold=True)
    _formula(
        ws,
        cell,
        f'=IF({_texts(*numbers)}>0,"{TEXT_WARNING}",'
        f'IF(SUMPRODUCT((B{first}:B{last}<>"")*(E{first}:E{last}=""))>0,"",'
        f'IF(SUM({weights})=0,"",ROUND(SUMPRODUCT({scored}{first}:{scored}{last},{weights})'
        f"/(SUM({weights})*{scale})*100,2))))",
        "0.00",
    )
    ws[cell].fill = RESULT_FILL
    ws[cell].font = thai_font(16, bold=True)
    _may_warn(ws, cell, overflow=True)
    ws.conditional_formatting.add(
        f"E{first}:E{last}",
        FormulaRule(formula=[f'AND($B{first}<>"",$E{first}="")'], fill=WARN_FILL),
    )


POINTS = "0.00##"  # score × weight share: 0.525, 0.6 and 2 print as 0.525, 0.60, 2.00


def points_formula(score: str, weight: str, weights: str) -> str:
    """A row's points (ค = ก × ข): its score × its weight's share of all the weights."""
    return (
        f'=IF({score}="","",IF(ISTEXT({score}),{score},'
        f'IF(ISTEXT({weight}),"{ROW_WARNING}",IFERROR({score}*{weight}/SUM({weights}),""))))'
    )


def _who(ws: Worksheet, *, narrow: bool = False) -> None:
    """Rows 2–3 (``narrow``: 2–4) of a score sheet: who is evaluated, where, and the
    round with its dates."""
    who = '="ชื่อ-สกุล: "&kpixl_id_name&"   ตำแหน่ง: "&kpixl_id_position'
    unit = '"หน่วยงาน: "&kpixl_id_unit'
    ws["A2"] = who if narrow else f'{who}&"   "&{unit}'
    ws["A2"].font = thai_font(bold=True)
    round_ = f'="รอบการประเมิน: "&{round_formula()}'
    rows = [f"={unit}", round_] if narrow else [round_]
    for i, formula in enumerate(rows):
        ws[f"A{3 + i}"] = formula
        ws[f"A{3 + i}"].font = thai_font()


def _achievement(ws: Worksheet) -> None:
    c = L.ACH_COLUMNS
    _title(ws, "A1", "แบบประเมินผลสัมฤทธิ์ของงาน (Achievement)")
    _who(ws)
    ws["A3"] = (
        f'="รอบการประเมิน: "&{round_formula()}&"   วิธีคิดคะแนน: "&IF(kpixl_method="level",'
        '"ระดับสูงสุดที่ทำได้ (level)","เทียบส่วนระหว่างระดับ (linear)")'
    )
    ws["A4"] = level_legend()
    ws["A4"].font = thai_font()
    _heights(ws, 2, 4, ROW)
    header_row(
        ws,
        L.ACH_FIRST - 1,
        {
            c["no"]: "ที่",
            c["kpi_code"]: "รหัส",
            c["kpi_name"]: "ตัวชี้วัด",
            c["unit"]: "หน่วยนับ",
            c["actual"]: "ผลการดำเนินงานจริง",
            **{c[f"l{k}"]: f"ระดับ {k}" for k in range(1, 6)},
            c["reached"]: "ระดับที่ทำได้",
            c["score"]: "คะแนน (ก)",
            c["weight"]: "น้ำหนัก % (ข)",
            c["weighted"]: "คะแนนรวม (ค = ก × ข)",
            c["evidence"]: "หลักฐาน / หมายเหตุ",
        },
    )
    ws.row_dimensions[L.ACH_FIRST - 1].height = 3 * LINE + 4
    first, last = L.ACH_FIRST, L.ACH_LAST
    weights = f"${c['weight']}${first}:${c['weight']}${last}"
    for i in range(L.KPI_ROWS):
        r = L.ACH_FIRST + i
        a = L.KPI_FIRST + i
        levels = f"{AGREE}!$G{a}:$K{a}"
        kind = f"{AGREE}!$D{a}"
        code, actual, reached, score, weight = (
            f"{c[f]}{r}" for f in ("kpi_code", "actual", "reached", "score", "weight")
        )
        ws[f"A{r}"] = i + 1
        ws[f"A{r}"].font = thai_font()
        ws[f"A{r}"].border = BORDER
        ws[f"A{r}"].alignment = Alignment(horizontal="center", vertical="top")
        _formula(ws, code, f'=IF({AGREE}!B{a}="","",{AGREE}!B{a})')
        _formula(ws, f"{c['kpi_name']}{r}", f'=IF({AGREE}!C{a}="","",{AGREE}!C{a})')
        _formula(ws, f"{c['unit']}{r}", f'=IF(OR({code}="",{AGREE}!F{a}=""),"",{AGREE}!F{a})')
        for k, source in enumerate("GHIJK", 1):  # the five targets (a milestone's: its steps)
            target = f"{AGREE}!{source}{a}"
            _formula(
                ws,
                f"{c[f'l{k}']}{r}",
                f'=IF({code}="","",IF({kind}="{MILESTONE}","ขั้น {k}",IF({target}="","",{target})))',
                "General",
            )
            ws[f"{c[f'l{k}']}{r}"].alignment = Alignment(horizontal="right", vertical="top")
        _formula(ws, weight, f'=IF({AGREE}!B{a}="","",{AGREE}!L{a})', "0.##")
        _input(ws, actual, "General")
        text = f"OR(ISTEXT({actual}),ISTEXT({weight}),{_texts(levels)}>0)"
        _formula(
            ws,
            reached,
            f'=IF(OR({code}="",{actual}=""),"",IF({text},"{ROW_WARNING}",'
            f'IF({kind}="{MILESTONE}",{actual},'
            f'SUMPRODUCT(--(({actual}-{levels})*IF({AGREE}!$E{a}="{LOWER}",-1,1)>=0)))))',
        )
        _formula(
            ws,
            score,
            f'=IF({reached}="","",IF(ISTEXT({reached}),{reached},'
            f'IF(OR({kind}="{MILESTONE}",kpixl_method="level",{reached}=0,{reached}=5),'
            f"{reached},ROUNDDOWN(ROUND({reached}+({actual}-INDEX({levels},1,{reached}))/"
            f"(INDEX({levels},1,{reached}+1)-INDEX({levels},1,{reached})),9),2))))",
            "0.00",
        )
        _formula(ws, f"{c['weighted']}{r}", points_formula(score, weight, weights), POINTS)
        for f in ("reached", "score", "weighted"):
            _may_warn(ws, f"{c[f]}{r}")
        _input(ws, f"{c['evidence']}{r}")
    # the level reached is marked among the five targets, as an evaluator circles it
    reached = c["reached"]
    for k in range(1, 6):
        target = c[f"l{k}"]
        ws.conditional_formatting.add(
            L.column_range(target, first, last),
            FormulaRule(
                formula=[f"AND(ISNUMBER(${reached}{first}),${reached}{first}={k})"],
                fill=RESULT_FILL,
            ),
        )
    _number_dv(
        ws,
        L.column_range(c["actual"], first, last),
        "ผลการดำเนินงานจริงเป็นตัวเลข (ไม่ใส่หน่วยหรือ %) ตัวชี้วัดเชิงคุณภาพ: ระดับที่ทำได้ 0–5",
    )
    result_row = L.ACH_RESULT_ROW
    _result_block(
        ws,
        first,
        last,
        label_col="C",
        totals=(L.ACH_TOTAL_ROW, c["weight"], c["weighted"]),
        result=(
            result_row,
            L.ACH_RESULT_CELL,
            "คะแนนผลสัมฤทธิ์ของงาน (เต็ม 100) = คะแนนรวม (ค) × 20",
        ),
        scored=c["score"],
        scale="5",
        numbers=(
            f"{c['actual']}{first}:{c['actual']}{last}",
            f"{c['weight']}{first}:{c['weight']}{last}",
            f"{AGREE}!$G${L.KPI_FIRST}:$K${L.KPI_LAST}",
        ),
    )
    # the result prints under the points: its cell spans the columns up to them
    ws.merge_cells(f"{L.ACH_RESULT_CELL}:{c['weighted']}{result_row}")
    ws[L.ACH_RESULT_CELL].alignment = Alignment(horizontal="right", vertical="top")
    ws.merge_cells(f"C{result_row}:F{result_row}")
    for letter, width in {
        "A": 4,
        "B": 10,
        "C": 34,
        "D": 8,
        "E": 11,
        **{c[f"l{k}"]: 8 for k in range(1, 6)},
        "K": 9,
        "L": 9,
        "M": 9,
        "N": 11,
        "O": 16,
    }.items():
        ws.column_dimensions[letter].width = width
    _heights(ws, first, last, TWO_LINES)
    _heights(ws, L.ACH_TOTAL_ROW, result_row, ROW)
    ws.row_breaks.append(Break(id=first + ACH_PAGE_ROWS - 1))
    sign = result_row + 2
    signature(ws, sign, "B:E", "ผู้รับการประเมิน", "kpixl_id_name", "kpixl_id_position")
    end = signature(ws, sign, "G:O", "ผู้ประเมิน", "kpixl_id_evaluator", "kpixl_id_evaluator_position")
    ws.freeze_panes = f"A{first}"
    _page(ws, f"A1:O{end - 1}", landscape=True)
    ws.print_title_rows = f"{first - 1}:{first - 1}"


def _competency(ws: Worksheet) -> None:
    _title(ws, "A1", "การประเมินสมรรถนะ (Competencies)")
    _who(ws, narrow=True)
    method = (
        '=IF(kpixl_competency_method="gap","วิธีประเมิน: เทียบระดับที่แสดงออกกับระดับที่คาดหวัง '
        '(3/2/1/0 คะแนน)","วิธีประเมิน: ให้คะแนน 1–"&kpixl_rating_max&" × น้ำหนัก")'
    )
    _heights(ws, 2, 4, ROW)
    header_row(
        ws,
        L.CMP_FIRST - 1,
        {
            "A": "ที่",
            "B": "สมรรถนะ",
            "C": "ระดับที่คาดหวัง",
            "D": "น้ำหนัก % (ข)",
            "E": "คะแนนที่ประเมิน",
            "F": "คะแนน (ก)",
            "G": "คะแนนรวม (ค = ก × ข)",
            "H": "หมายเหตุ",
        },
    )
    weights = f"$D${L.CMP_FIRST}:$D${L.CMP_LAST}"
    for i in range(L.COMP_ROWS):
        r = L.CMP_FIRST + i
        a = L.COMP_FIRST + i
        ws[f"A{r}"] = i + 1
        ws[f"A{r}"].font = thai_font()
        ws[f"A{r}"].border = BORDER
        ws[f"A{r}"].alignment = Alignment(horizontal="center", vertical="top")
        name, expected, weight = (
            f"{AGREE}!{L.COMP_COLUMNS[f][0]}{a}" for f in ("competency", "expected", "weight")
        )
        _formula(ws, f"B{r}", f'=IF({name}="","",{name})')
        ws[f"B{r}"].font = thai_font(13)
        _formula(ws, f"C{r}", f'=IF(OR(B{r}="",{expected}=""),"",{expected})')
        _formula(ws, f"D{r}", f'=IF(B{r}="","",IF({weight}="",1,{weight}))', "0.00")
        _input(ws, f"E{r}", "General")
        _formula(
            ws,
            f"F{r}",
            f'=IF(OR(B{r}="",E{r}=""),"",IF(OR(ISTEXT(E{r}),ISTEXT(D{r}),ISTEXT(C{r})),'
            f'"{ROW_WARNING}",IF(kpixl_competency_method="gap",'
            f"IF(E{r}>=C{r},3,IF(C{r}-E{r}<=1,2,IF(C{r}-E{r}<=2,1,0))),E{r})))",
        )
        _formula(ws, f"G{r}", points_formula(f"F{r}", f"D{r}", weights), POINTS)
        for letter in "FG":
            _may_warn(ws, f"{letter}{r}")
        _input(ws, f"H{r}")
    first, last = L.CMP_FIRST, L.CMP_LAST
    rating = DataValidation(type="list", formula1='"0,1,2,3,4,5"', allow_blank=True)
    rating.error = "คะแนนต้องเป็นจำนวนเต็ม 0–5 / rating must be a whole number 0–5"
    rating.errorTitle = "kpixl: ต้องเป็นตัวเลข"
    rating.prompt = "เลือกคะแนน 1–5 (วิธีเทียบระดับ: ระดับที่แสดงออก 0–5)"
    rating.showInputMessage = True
    rating.showErrorMessage = True
    ws.add_data_validation(rating)
    rating.add(L.column_range("E", first, last))
    _result_block(
        ws,
        first,
        last,
        label_col="B",
        totals=(L.CMP_TOTAL_ROW, "D", "G"),
        result=(
            L.CMP_RESULT_ROW,
            L.CMP_RESULT_CELL,
            '="คะแนนสมรรถนะ (เต็ม 100) = คะแนนรวม (ค) × "&IF(kpixl_competency_method="gap",'
            '"100 ÷ 3",100/kpixl_rating_max)',
        ),
        scored="F",
        scale='IF(kpixl_competency_method="gap",3,kpixl_rating_max)',
        numbers=(f"E{first}:E{last}", f"D{first}:D{last}", f"C{first}:C{last}"),
    )
    ws.conditional_formatting.add(
        f"E{first}:E{last}",
        FormulaRule(
            formula=[
                f'AND($E{first}<>"",kpixl_competency_method<>"gap",'
                f"OR($E{first}<1,$E{first}>kpixl_rating_max))"
            ],
            fill=ERROR_FILL,
        ),
    )
    for letter, width in {
        "A": 4,
        "B": 38,  # the longest core competency's name in 13 points
        "C": 8,
        "D": 8,
        "E": 8,
        "F": 12,  # wide enough for the row's ⚠ text
        "G": 12,
        "H": 10,
    }.items():
        ws.column_dimensions[letter].width = width
    _heights(ws, first, L.CMP_RESULT_ROW, ROW)
    ws[f"A{L.CMP_RESULT_ROW + 2}"] = method
    ws[f"A{L.CMP_RESULT_ROW + 2}"].font = thai_font()
    scale = L.CMP_RESULT_ROW + 3
    _legend(ws, "A", scale, "ความหมายของคะแนนสมรรถนะ (ให้คะแนน 1–5)", L.RATING_MEANINGS, "คะแนน")
    _heights(ws, scale - 1, scale + 5, ROW)
    sign = scale + 7
    end = signature(ws, sign, "A:D", "ผู้รับการประเมิน", "kpixl_id_name", "kpixl_id_position")
    signature(ws, sign, "E:H", "ผู้ประเมิน", "kpixl_id_evaluator", "kpixl_id_evaluator_position")
    ws.freeze_panes = f"A{first}"
    _page(ws, f"A1:H{end - 1}", landscape=False, one_page=True)


LINE_12 = 18  # points per line of wrapped 12-point Thai text


def _initials(ws: Worksheet, row: int, parts: tuple[tuple[str, str, str], ...]) -> int:
    """Short signature lines (sign, then the name) for an attachment: ``parts`` are
    (columns, role, defined name of the signer's name). Returns the row under them."""
    dots = "." * 30
    for columns, role, name in parts:
        left, right = columns.split(":")
        for offset, text in enumerate((f"ลงชื่อ {dots} {role}", f'="( "&{_blank_or(name)}&" )"')):
            ws.merge_cells(f"{left}{row + offset}:{right}{row + offset}")
            cell = ws[f"{left}{row + offset}"]
            cell.value = text
            cell.font = thai_font()
            cell.alignment = Alignment(horizontal="center", vertical="top")
    _heights(ws, row, row + 1, ROW)
    return row + 2


def _steps(ws: Worksheet) -> None:
    """The agreement's attachment: the five levels of each KPI that describes them."""
    _title(ws, "A1", "เอกสารแนบท้ายข้อตกลง: คำอธิบายค่าเป้าหมาย 5 ระดับ")
    _who(ws)
    ws["A4"] = (
        "ตัวชี้วัดเชิงคุณภาพและแบบผสม (ระดับต้นเป็นขั้นตอนที่สำเร็จ ระดับสูงเป็นผลลัพธ์): "
        "ผู้ประเมินกรอกระดับที่ทำได้ (0–5) เป็นผลการดำเนินงานจริง"
    )
    ws["A4"].font = thai_font()
    ws.row_dimensions[1].height = 30
    _heights(ws, 2, 4, ROW)
    header_row(
        ws,
        L.STEPS_FIRST - 1,
        {
            letter: f"{text}\n({L.LEVEL_MEANINGS[int(text[-1])]})" if fld in L.STEP_FIELDS else text
            for fld, (letter, text) in L.STEPS_COLUMNS.items()
        },
    )
    ws.row_dimensions[L.STEPS_FIRST - 1].height = 3 * LINE + 4
    index = f"{AGREE}!${L.STEP_INDEX_COLUMN}${L.KPI_FIRST}:${L.STEP_INDEX_COLUMN}${L.KPI_LAST}"
    where = L.STEPS_KPI_ROW_COLUMN
    sources = {"kpi_code": "B", "kpi_name": "C", **L.STEP_COLUMNS}
    for j in range(L.STEPS_ROWS):
        r = L.STEPS_FIRST + j
        ws[f"{where}{r}"] = f"=IFERROR(MATCH({j + 1},{index},0),0)"
        _formula(ws, f"A{r}", f'=IF({where}{r}=0,"",{where}{r})')
        ws[f"A{r}"].alignment = Alignment(horizontal="center", vertical="top")
        for fld, source in sources.items():
            column = f"{AGREE}!${source}${L.KPI_FIRST}:${source}${L.KPI_LAST}"
            found = f"INDEX({column},{where}{r},1)"
            blank = '"(ยังไม่ได้กำหนด)"' if fld in L.STEP_FIELDS else '""'
            letter = L.STEPS_COLUMNS[fld][0]
            _formula(ws, f"{letter}{r}", f'=IF({where}{r}=0,"",IF({found}="",{blank},{found}))')
            ws[f"{letter}{r}"].font = thai_font(12)
        ws.row_dimensions[r].height = 4 * LINE_12 + 4  # the library's longest in three
    more = L.STEPS_LAST + 1
    count = f"MAX({index})"
    ws[f"A{more}"] = (
        f'=IF({count}>{L.STEPS_ROWS},"{WARNING_MARK} มีตัวชี้วัดที่มีคำอธิบายระดับ "&{count}&'
        f'" ตัว แผ่นนี้แสดง {L.STEPS_ROWS} ตัวแรก ตัวที่เหลือดูในแผ่นงาน{L.AGREEMENT} คอลัมน์ '
        f'{L.STEP_COLUMNS["s1"]}–{L.STEP_COLUMNS["s5"]}","")'
    )
    ws[f"A{more}"].font = thai_font(bold=True)
    ws.row_dimensions[more].height = ROW
    end = _initials(
        ws,
        more + 1,
        (("A:C", "ผู้รับการประเมิน", "kpixl_id_name"), ("E:H", "ผู้ประเมิน", "kpixl_id_evaluator")),
    )
    for letter, width in {"A": 8, "B": 10, "C": 26, where: 4}.items():
        ws.column_dimensions[letter].width = width
    for fld in L.STEP_FIELDS:
        ws.column_dimensions[L.STEPS_COLUMNS[fld][0]].width = 20
    ws.column_dimensions[where].hidden = True
    _page(ws, f"A1:H{end - 1}", landscape=True, one_page=True)


def _record(ws: Worksheet) -> None:
    """Step 4 of the round: what the supervisor saw and advised during the round, dated
    and initialled, for the evaluation at its end."""
    _title(ws, "A1", "แบบบันทึกผลงานและพฤติกรรมการปฏิบัติราชการระหว่างรอบการประเมิน")
    _who(ws, narrow=True)
    ws.row_dimensions[1].height = 30
    _heights(ws, 2, 4, ROW)
    header_row(ws, L.RECORD_FIRST - 1, {letter: text for letter, text in L.RECORD_COLUMNS.values()})
    for i in range(L.RECORD_ROWS):
        r = L.RECORD_FIRST + i
        ws[f"A{r}"] = i + 1
        ws[f"A{r}"].font = thai_font()
        ws[f"A{r}"].border = BORDER
        ws[f"A{r}"].alignment = Alignment(horizontal="center", vertical="top")
        _input(ws, f"B{r}:F{r}")
        ws[f"B{r}"].number_format = "@"  # a Buddhist-era date as written: 15 ธ.ค. 2569
        ws.row_dimensions[r].height = TWO_LINES
    first, last = L.RECORD_FIRST, L.RECORD_LAST
    date = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="40")
    date.allow_blank = True
    date.prompt = "วันที่บันทึก เช่น 15 ธ.ค. 2569"
    date.showInputMessage = True
    ws.add_data_validation(date)
    date.add(L.column_range("B", first, last))
    _dv(
        ws,
        f"{AGREE}!$C${L.KPI_FIRST}:$C${L.KPI_LAST}",
        L.column_range("C", first, last),
        "ตัวชี้วัดในข้อตกลง หรือพิมพ์ชื่อสมรรถนะ",
        strict=False,
    )
    note = last + 1
    ws[f"A{note}"] = (
        "ผู้บังคับบัญชาติดตามงานและให้คำปรึกษาตลอดรอบ บันทึกผลงานหรือพฤติกรรมที่เห็นพร้อมวันที่ "
        "และลงชื่อย่อ เพื่อใช้ประกอบการประเมินเมื่อสิ้นรอบ และแจ้งให้ผู้รับการประเมินทราบ"
    )
    ws[f"A{note}"].font = thai_font()
    ws[f"A{note}"].alignment = Alignment(vertical="top", wrap_text=True)
    ws.merge_cells(f"A{note}:F{note}")
    ws.row_dimensions[note].height = TWO_LINES
    sign = note + 2
    signature(ws, sign, "A:C", "ผู้รับการประเมิน", "kpixl_id_name", "kpixl_id_position")
    end = signature(
        ws, sign, "D:F", "ผู้บังคับบัญชา/ผู้ประเมิน", "kpixl_id_evaluator", "kpixl_id_evaluator_position"
    )
    for letter, width in {"A": 4, "B": 13, "C": 22, "D": 30, "E": 22, "F": 11}.items():
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = f"A{first}"
    _page(ws, f"A1:F{end - 1}", landscape=False)
    ws.print_title_rows = f"{first - 1}:{first - 1}"


def _summary(ws: Worksheet) -> None:
    _title(ws, "A1", "แบบสรุปการประเมินผลการปฏิบัติราชการ")
    ws["A2"] = f'="รอบการประเมิน: "&{round_formula()}'
    ws["A2"].font = thai_font(bold=True)
    _label(ws, "A3", "ส่วนที่ 1 ข้อมูลของผู้รับการประเมิน")
    for i, fld in enumerate(L.SUM_IDENTITY):
        row = L.SUM_IDENTITY_FIRST + i
        _label(ws, f"A{row}", L.IDENTITY_LABELS[fld])
        name = f"kpixl_id_{fld}"
        ws.merge_cells(f"B{row}:E{row}")
        ws[f"B{row}"] = f'=IF({name}="","",{name})'
        ws[f"B{row}"].font = thai_font()
        ws[f"B{row}"].number_format = "@"
    _heights(ws, 2, L.SUM_IDENTITY_FIRST + len(L.SUM_IDENTITY), ROW)
    _label(ws, f"A{L.SUM_ROWS['achievement'] - 2}", "ส่วนที่ 2 การสรุปผลการประเมิน")
    header_row(
        ws,
        L.SUM_ROWS["achievement"] - 1,
        {
            "A": "องค์ประกอบการประเมิน",
            "B": "",
            "C": "คะแนน (เต็ม 100)",
            "D": "น้ำหนัก (%)",
            "E": "คะแนนถ่วงน้ำหนัก",
        },
    )
    rows = L.SUM_ROWS
    sc, wc, tc = L.SUM_SCORE_COL, L.SUM_WEIGHT_COL, L.SUM_WEIGHTED_COL
    probation = 'kpixl_id_probation="ใช่"'
    lines = [
        ("achievement", "ผลสัมฤทธิ์ของงาน", '=IF(kpixl_achievement="","",kpixl_achievement)'),
        (
            "competency",
            "พฤติกรรมการปฏิบัติราชการ (สมรรถนะ)",
            '=IF(kpixl_competency="","",kpixl_competency)',
        ),
    ]
    for key, label, formula in lines:
        r = rows[key]
        _label(ws, f"A{r}", label, False)
        _formula(ws, f"{sc}{r}", formula, "0.00")
        _formula(ws, f"{wc}{r}", f"=IF({probation},kpixl_w_probation_{key},kpixl_w_{key})", "0")
        _formula(
            ws,
            f"{tc}{r}",
            f'=IF({sc}{r}="","",IF(ISTEXT({sc}{r}),{sc}{r},{sc}{r}*{wc}{r}/100))',
            "0.00",
        )
        for letter in (sc, tc):
            _may_warn(ws, f"{letter}{r}")
    r = rows["other"]
    _label(ws, f"A{r}", "องค์ประกอบอื่น (ถ้ามี)", False)
    _input(ws, f"{sc}{r}", "0.00")
    _number_dv(ws, f"{sc}{r}", "คะแนนองค์ประกอบอื่น (เต็ม 100) เป็นตัวเลข", low="0", high="100")
    _formula(ws, f"{wc}{r}", f"=IF({probation},kpixl_w_probation_other,kpixl_w_other)", "0")
    _formula(
        ws,
        f"{tc}{r}",
        f'=IF(OR({sc}{r}="",{wc}{r}=0),"",IF(ISTEXT({sc}{r}),"{ROW_WARNING}",{sc}{r}*{wc}{r}/100))',
        "0.00",
    )
    _may_warn(ws, f"{tc}{r}")
    t = rows["total"]
    a, c, o = rows["achievement"], rows["competency"], rows["other"]
    _label(ws, f"A{t}", "รวม")
    _formula(ws, f"{wc}{t}", f"=SUM({wc}{a}:{wc}{o})", "0")
    _formula(
        ws,
        f"{tc}{t}",
        f'=IF(OR({sc}{a}="",{sc}{c}=""),"",IF(OR(ISTEXT({sc}{a}),ISTEXT({sc}{c}),ISTEXT({sc}{o})),'
        f'"{TEXT_WARNING}",ROUND({sc}{a}*{wc}{a}/100+{sc}{c}*{wc}{c}/100'
        f"+IF({wc}{o}>0,N({sc}{o})*{wc}{o}/100,0),2)))",
        "0.00",
    )
    ws[f"{tc}{t}"].fill = RESULT_FILL
    ws[f"{tc}{t}"].font = thai_font(16, bold=True)
    _may_warn(ws, f"{tc}{t}")  # the last column: shrinks rather than runs off the page
    b = rows["band"]
    _label(ws, f"A{b}", "ระดับผลการประเมิน")
    _formula(
        ws,
        f"{sc}{b}",
        f'=IF({tc}{t}="","",IF(ISTEXT({tc}{t}),{tc}{t},'
        f"LOOKUP({tc}{t},kpixl_band_names_lookup_mins,kpixl_band_names)))",
    )
    ws[f"{sc}{b}"].fill = RESULT_FILL
    ws[f"{sc}{b}"].font = thai_font(16, bold=True)
    _may_warn(ws, f"{sc}{b}", overflow=True)
    for i in range(L.BAND_ROWS):
        row = L.SUM_BAND_LIST_FIRST + i
        src = f"'{L.HIDDEN}'!$C${L.BAND_FIRST + i}"
        ws[f"B{row}"] = f'=IF({src}="","",{src})'
        ws[f"B{row}"].font = thai_font()
        ws[f"C{row}"] = f'=IF(B{row}="","",IF($C${b}=B{row},"☑","☐"))'
        ws[f"C{row}"].font = thai_font()
    plan = L.PLAN_FIRST
    _label(ws, f"A{plan - 2}", "ส่วนที่ 3 แผนพัฒนาการปฏิบัติราชการรายบุคคล")
    header_row(
        ws, plan - 1, {"A": "ความรู้ ทักษะ หรือสมรรถนะที่ต้องพัฒนา", "C": "วิธีการพัฒนา", "E": "ช่วงเวลา"}
    )
    for i in range(L.PLAN_ROWS):
        row = plan + i
        for left, right in (("A", "B"), ("C", "D")):
            ws.merge_cells(f"{left}{row}:{right}{row}")
        _input(ws, f"A{row}:E{row}")
        ws.row_dimensions[row].height = TWO_LINES
    for key in ("total", "band"):  # 16-point bold results
        ws.row_dimensions[L.SUM_ROWS[key]].height = 28
    # parts 4 and 5 on the second page: what was told, who signed, the higher opinions
    ack = plan + L.PLAN_ROWS + 1
    ws.row_breaks.append(Break(id=ack - 1))
    _label(ws, f"A{ack}", "ส่วนที่ 4 การแจ้งและรับทราบผลการประเมิน")
    ws.row_dimensions[ack].height = ROW
    for i, label in enumerate(("จุดเด่น", "สิ่งที่ควรปรับปรุง / พัฒนา")):
        row = ack + 1 + i
        _label(ws, f"A{row}", label)
        ws[f"A{row}"].alignment = Alignment(vertical="top")
        ws.merge_cells(f"B{row}:E{row}")
        _input(ws, f"B{row}:E{row}")
        ws.row_dimensions[row].height = 3 * LINE + 4
    told = ack + 3
    _label(ws, f"A{told}", "ได้รับทราบผลการประเมินและแผนพัฒนาแล้ว", False)
    _label(ws, f"C{told}", "ได้แจ้งผลการประเมินและแผนพัฒนาให้ทราบแล้ว", False)
    ws.row_dimensions[told].height = ROW
    signature(ws, told + 1, "A:B", "ผู้รับการประเมิน", "kpixl_id_name", "kpixl_id_position")
    row = signature(
        ws, told + 1, "C:E", "ผู้ประเมิน", "kpixl_id_evaluator", "kpixl_id_evaluator_position"
    )
    _label(ws, f"A{row}", "☐ ได้แจ้งผลการประเมินแล้ว แต่ผู้รับการประเมินไม่ลงนามรับทราบ", False)
    _label(ws, f"A{row + 1}", "   โดยมีผู้ร่วมรับรู้การแจ้งผล (พยาน) ลงนามไว้ดังนี้", False)
    _heights(ws, row, row + 1, ROW)
    row = signature(ws, row + 2, "C:E", "พยาน", None, None)
    higher = row + 1
    _label(ws, f"A{higher}", "ส่วนที่ 5 ความเห็นของผู้บังคับบัญชาเหนือขึ้นไป")
    ws.row_dimensions[higher].height = ROW
    for columns, who in (("A:B", "ผู้บังคับบัญชาเหนือขึ้นไป"), ("C:E", "ผู้บังคับบัญชาเหนือขึ้นไปอีกชั้นหนึ่ง (ถ้ามี)")):
        left, right = columns.split(":")
        _label(ws, f"{left}{higher + 1}", who)
        _label(ws, f"{left}{higher + 2}", "☐ เห็นด้วยกับผลการประเมิน", False)
        _label(ws, f"{left}{higher + 3}", "☐ มีความเห็นต่าง ดังนี้", False)
        ws.merge_cells(f"{left}{higher + 4}:{right}{higher + 4}")
        _input(ws, f"{left}{higher + 4}:{right}{higher + 4}")
        end = signature(ws, higher + 5, columns, "", None, None)
    _heights(ws, higher + 1, higher + 3, ROW)
    ws.row_dimensions[higher + 4].height = 2 * LINE + 4
    # E holds the weighted total, wide enough for the ⚠ text in its 16-point bold
    for letter, width in {"A": 28, "B": 16, "C": 20, "D": 14, "E": 24}.items():
        ws.column_dimensions[letter].width = width
    _page(ws, f"A1:E{end - 1}", landscape=False)


def build_personal_template(
    rules: Rules | None = None, library: pd.DataFrame | None = None
) -> Workbook:
    """The personal workbook, empty, configured for ``rules`` (the defaults if None).

    ``library`` is the KPI library its คลังตัวชี้วัด sheet offers (the shipped one if None).
    """
    rules = rules or default_rules()
    library = load_library() if library is None else library
    wb = Workbook()
    agreement = wb.active
    agreement.title = L.AGREEMENT
    steps = wb.create_sheet(L.STEPS)
    record = wb.create_sheet(L.RECORD)
    achievement = wb.create_sheet(L.ACHIEVEMENT)
    competency = wb.create_sheet(L.COMPETENCY)
    summary = wb.create_sheet(L.SUMMARY)
    lists = _hidden(wb, rules)
    names = L.defined_names(*_library(wb, library))
    names["kpixl_band_names_lookup_mins"] = names["kpixl_band_mins"]
    for name, ref in names.items():
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
    _agreement(agreement, lists)
    _steps(steps)
    _record(record)
    _achievement(achievement)
    _competency(competency)
    _summary(summary)
    wb.calculation.fullCalcOnLoad = True
    wb.properties.creator = "kpixl"
    wb.properties.title = "ข้อตกลงและแบบประเมินผลการปฏิบัติราชการรายบุคคล"
    return wb


_STAMP = "2026-01-01T00:00:00Z"


def reproducible_bytes(wb: Workbook) -> bytes:
    """Save ``wb`` so that the same workbook always gives the same bytes."""
    buffer = io.BytesIO()
    wb.save(buffer)
    package = Package.read(buffer.getvalue())
    core = package.parts["docProps/core.xml"].decode("utf-8")
    core = re.sub(
        r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms)", rf"\g<1>{_STAMP}\g<2>", core
    )
    return package.to_bytes({"docProps/core.xml": core.encode("utf-8")})


def personal_template_bytes(rules: Rules | None = None) -> bytes:
    """The built template's bytes (reproducible), every formula carrying its value for
    the empty form."""
    built = Package.read(reproducible_bytes(build_personal_template(rules)))
    return built.patched({}, calculate=True)


def write_personal_template(path: str | Path, rules: Rules | None = None) -> Path:
    """Build and save the template (byte-for-byte reproducible); returns the path."""
    path = Path(path)
    write_bytes_atomic(path, personal_template_bytes(rules))
    return path
