"""The master workbook: HR's Config, Units and Roster in; the round's results out.

The template is built by code. Consolidation reads the input sheets with calamine and
writes the output sheets straight into the package (sheet XML), so 50,000 result rows
take seconds, not minutes; the Summary, Pools and Charts sheets keep native formulas.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.worksheet import Worksheet

from kpixl.core.findings import Finding
from kpixl.core.mail_text import DEFAULT_TEXTS
from kpixl.core.rules import Rules, default_rules
from kpixl.io.cell_text import Formula, put
from kpixl.io.grid import grid_table
from kpixl.io.grids import Book, open_book
from kpixl.io.identify import check_file, read_failure
from kpixl.io.limits import MASTER
from kpixl.io.sheet_xml import ColumnRows, SheetRows, row_styles, rows_xml, sheet_rows
from kpixl.io.workers import start_method, start_pool
from kpixl.io.xlsx_package import Package, deflate_piece, join_pieces
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.personal_template import (
    BORDER,
    HEAD_FILL,
    INPUT_FILL,
    header_row,
    reproducible_bytes,
    thai_font,
)

__all__ = [
    "Document",
    "MasterInputs",
    "build_master_template",
    "fit_unit_chart",
    "flatten_rules",
    "histogram_formulas",
    "history_template_bytes",
    "line_height",
    "master_bytes",
    "master_from_grids",
    "read_master",
    "result_bytes",
    "seal_key_id",
    "text_lines",
    "tracker_template_bytes",
    "with_template_values",
]

TEMPLATE_PATH = Path(__file__).resolve().parents[2] / "templates" / "master.xlsx"


def _letter(columns: Sequence[str], name: str) -> str:
    return str(get_column_letter(columns.index(name) + 1))


def _title(ws: Worksheet, text: str) -> None:
    ws["A1"] = text
    ws["A1"].font = thai_font(18, bold=True)


def _headers(ws: Worksheet, headers: Sequence[str], row: int = M.HEADER_ROW) -> None:
    header_row(
        ws, row, {str(get_column_letter(i)): text for i, text in enumerate(headers, start=1)}
    )
    for i, text in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(12, min(40, len(text) + 4))


def flatten_rules(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Scalar rules as (dotted path, value) rows; lists joined by commas; bands by index."""
    out: list[tuple[str, Any]] = []
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            out += flatten_rules(value, path)
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            for i, item in enumerate(value):
                out += flatten_rules(item, f"{path}.{i}")
        elif isinstance(value, list):
            out.append((path, ", ".join(str(v) for v in value)))
        else:
            out.append((path, value))
    return out


def build_master_template(
    rules: Rules | None = None, *, organisation: str = ""
) -> openpyxl.Workbook:
    rules = rules or default_rules()
    wb = openpyxl.Workbook()
    _thai_default_font(wb)
    config = wb.active
    config.title = M.CONFIG
    _title(config, "การตั้งค่ารอบการประเมิน (Config)")
    _headers(config, ("รายการ (key)", "ค่า (value)", "คำอธิบาย"))
    defaults = {
        "template_id": M.TEMPLATE_ID,
        "template_version": M.TEMPLATE_VERSION,
        "organisation": organisation,
        "round_id": "",
        "units_folder": "units",
        "personal_folder": "personal",
        "policy": "optimize",
        "shape": "flat",
        "agency_rules": "",
        "backups": "",
        "seal_key_id": "",
        "archive_db": "",
        **dict.fromkeys(M.DOCUMENT_KEYS, ""),
        **dict.fromkeys(M.MAIL_KEYS, ""),
        "smtp_security": "starttls",
        "mail_send_what": "agreements",
        "inbox_folder": "inbox",
        "notices_folder": "notices",
        **dict.fromkeys(M.DUE_KEYS, ""),
        **DEFAULT_TEXTS,
    }
    row = M.FIRST_ROW
    for key, description in M.CONFIG_KEYS.items():
        config.cell(row=row, column=1, value=key)
        put(config.cell(row=row, column=2), defaults[key])  # the organisation's name: text
        config.cell(row=row, column=2).fill = INPUT_FILL
        config.cell(row=row, column=3, value=description)
        row += 1
    config.cell(row=row + 1, column=1, value=M.RULES_HEADING).font = thai_font(bold=True)
    config.cell(row=row + 1, column=3, value="กฎของรอบนี้ (แก้ไขได้; kpixl ตรวจทุกค่าเมื่อรวมผล)")
    row += 2
    for key, value in flatten_rules(rules.data):
        if key.startswith("meta."):
            continue
        config.cell(row=row, column=1, value=key)
        cell = config.cell(row=row, column=2)
        put(cell, value if not isinstance(value, bool) else str(value).lower())
        cell.fill = INPUT_FILL
        row += 1
    for letter, width in zip("ABC", M.CONFIG_WIDTHS, strict=True):
        config.column_dimensions[letter].width = width
    _wrap_rows(config, M.FIRST_ROW, M.CONFIG_WIDTHS)
    units = wb.create_sheet(M.UNITS)
    _title(units, "หน่วยงาน (Units)")
    _headers(units, M.UNIT_HEADERS)
    _table_columns(units, M.TABLE_WIDTHS[M.UNITS])
    roster = wb.create_sheet(M.ROSTER)
    _title(roster, "บัญชีรายชื่อ ณ วันที่นับจำนวน (Roster)")
    _headers(roster, M.ROSTER_HEADERS)
    for i, name in enumerate(M.ROSTER_COLUMNS, start=1):
        column = roster.column_dimensions[get_column_letter(i)]
        column.width = M.ROSTER_WIDTHS[name]
        column.font = thai_font(14)  # what HR types or pastes below the header
        if name in M.ROSTER_FORMATS:
            column.number_format = M.ROSTER_FORMATS[name]
    roster.freeze_panes = f"C{M.FIRST_ROW}"
    roster.print_title_rows = f"{M.HEADER_ROW}:{M.HEADER_ROW}"
    for name, (title, _, headers) in M.STRATEGY.items():
        ws = wb.create_sheet(name)
        _title(ws, title)
        _headers(ws, headers)
        _table_columns(ws, M.TABLE_WIDTHS[name])
        ws.freeze_panes = f"A{M.FIRST_ROW}"
        ws.print_title_rows = f"{M.HEADER_ROW}:{M.HEADER_ROW}"
    for name, title, headers in (
        (M.RESULTS, "ผลการประเมินและการเลื่อนเงินเดือน (Results)", M.RESULT_HEADERS),
        (M.SUMMARY, "สรุปจำนวนตามระดับผลการประเมินและวงเงิน (Summary)", ("รหัสหน่วยงาน",)),
        (M.POOLS, "วงเงินเลื่อนเงินเดือน (Pools)", M.POOL_HEADERS),
        (M.ISSUES, "ข้อค้นพบ (Issues)", M.ISSUE_HEADERS),
        (
            M.ALIGNMENT,
            "ความเชื่อมโยงของตัวชี้วัดกับตัวชี้วัดระดับองค์การ (Alignment)",
            M.ALIGNMENT_HEADERS,
        ),
    ):
        ws = wb.create_sheet(name)
        _title(ws, title)
        _headers(ws, headers)
        ws.freeze_panes = f"A{M.FIRST_ROW}"
        ws.auto_filter.ref = f"A{M.HEADER_ROW}:{get_column_letter(len(headers))}{M.HEADER_ROW}"
        ws.print_title_rows = f"{M.HEADER_ROW}:{M.HEADER_ROW}"
        if name in M.BODY_FORMATS:
            _body(ws, M.BODY_FORMATS[name], M.BODY_WIDTHS.get(name, ()))
        wrapped = M.WRAPPED.get(name, ())
        columns = M.RESULT_COLUMNS if name == M.RESULTS else M.ISSUE_COLUMNS
        for i, column in enumerate(columns, start=1):
            if column in wrapped:
                cell = ws.cell(row=M.FIRST_ROW, column=i)
                cell.alignment = Alignment(vertical="top", wrap_text=True)
    for name in M.DOCUMENTS:
        _document(wb.create_sheet(name, wb.sheetnames.index(M.ALIGNMENT)), name)
    summary = wb[M.SUMMARY]  # its header row is written with the data (one column per band)
    band_count = len(rules.bands)
    header_row(
        summary,
        M.HEADER_ROW,
        {get_column_letter(i): "" for i in range(2, 5 + band_count)},
    )
    _body(
        summary,
        ("General", "General", M.COUNT, *([M.COUNT] * band_count), M.MONEY),
        (10, 24, 8, *([9] * band_count), 12),
    )
    _charts(wb, rules)
    _tracker(wb.create_sheet(M.TRACKER))
    _history(wb.create_sheet(M.HISTORY))
    _calibration_placeholder(wb.create_sheet(M.CALIBRATION))
    for ws in wb.worksheets:
        _print_setup(ws)
        if ws.title not in M.DOCUMENTS and ws.title != M.CONFIG:
            _header_heights(ws)
    wb.calculation.fullCalcOnLoad = True
    wb.properties.creator = "kpixl"
    return wb


def _calibration_placeholder(ws: Worksheet) -> None:
    """The Calibration sheet until the round is consolidated (kpixl consolidate writes
    the whole sheet: kpixl.workbooks.master_calibration)."""
    _title(ws, "การปรับเทียบผลการประเมิน (Calibration)")
    ws["A2"] = M.CALIBRATION_PLACEHOLDER


def _tracker(ws: Worksheet) -> None:
    """The Tracker sheet (``kpixl status`` writes it): title, the as-of row with the
    legend of the late style, the header row, and a styled first data row (dates
    centred, the name wrapping) whose styles every written row takes."""
    _title(ws, M.TRACKER_TITLE)
    _headers(ws, M.TRACKER_HEADERS)
    note = ws[M.TRACKER_AS_OF_CELL]
    note.value = "ยังไม่ได้ติดตามสถานะ: ใช้ kpixl status หรือปุ่ม สถานะ"
    note.font = thai_font(14, bold=True)
    legend = ws[M.TRACKER_LEGEND_CELL]
    legend.value = M.TRACKER_LEGEND
    legend.font = thai_font(14, bold=True)
    legend.fill = PatternFill("solid", fgColor=M.TRACKER_LATE_FILL)
    legend.border = BORDER
    legend.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[2].height = line_height(14, 2)
    for i, (name, width) in enumerate(zip(M.TRACKER_COLUMNS, M.TRACKER_WIDTHS, strict=True), 1):
        ws.column_dimensions[get_column_letter(i)].width = width
        cell = ws.cell(row=M.FIRST_ROW, column=i)
        cell.font = thai_font(14)
        cell.border = BORDER
        centred = name not in ("name", "person_id")
        cell.alignment = Alignment(
            horizontal="center" if centred else None,
            vertical="top",
            wrap_text=name in M.TRACKER_WRAPPED,
        )
    ws.freeze_panes = f"B{M.FIRST_ROW}"
    ws.print_title_rows = f"{M.HEADER_ROW}:{M.HEADER_ROW}"


def _one_sheet_bytes(name: str, build: Callable[[Worksheet], None]) -> bytes:
    """A workbook of one of the template's sheets alone (styled, printed as in the
    template): what a master from an older template gets added."""
    wb = openpyxl.Workbook()
    _thai_default_font(wb)
    ws = wb.active
    ws.title = name
    build(ws)
    _print_setup(ws)
    _header_heights(ws)
    return reproducible_bytes(wb)


def tracker_template_bytes() -> bytes:
    """The template's Tracker sheet alone (:func:`_one_sheet_bytes`)."""
    return _one_sheet_bytes(M.TRACKER, _tracker)


# ------------------------------------------------------------------ the History sheet


def _history(ws: Worksheet) -> None:
    """The History sheet (consolidate writes it): title, the note row (which earlier
    rounds there are), the header row and a styled first data row whose styles every
    written row takes."""
    _title(ws, M.HISTORY_TITLE)
    note = ws[M.HISTORY_NOTE_CELL]
    note.value = (
        "เขียนเมื่อรวมผลการประเมิน (kpixl consolidate) / written when the round is consolidated"
    )
    note.font = thai_font(14)
    _headers(ws, M.HISTORY_HEADERS)
    _body(ws, M.HISTORY_FORMATS, M.HISTORY_WIDTHS)
    for i, fmt in enumerate(M.HISTORY_FORMATS, start=1):
        if fmt == "General" and M.HISTORY_COLUMNS[i - 1] in ("round", "band", "unit"):
            ws.cell(row=M.FIRST_ROW, column=i).alignment = Alignment(
                horizontal="center", vertical="top"
            )
    ws.freeze_panes = f"C{M.FIRST_ROW}"
    last = get_column_letter(len(M.HISTORY_COLUMNS))
    ws.auto_filter.ref = f"A{M.HEADER_ROW}:{last}{M.HEADER_ROW}"
    ws.print_title_rows = f"{M.HEADER_ROW}:{M.HEADER_ROW}"


def history_template_bytes() -> bytes:
    """The template's History sheet alone (:func:`_one_sheet_bytes`)."""
    return _one_sheet_bytes(M.HISTORY, _history)


def _table_columns(ws: Worksheet, widths: Sequence[int]) -> None:
    """An input table's columns: their widths, and text in them wraps (Thai 14 pt)."""
    for i, width in enumerate(widths, start=1):
        column = ws.column_dimensions[get_column_letter(i)]
        column.width = width
        column.font = thai_font(14)
        column.alignment = Alignment(vertical="top", wrap_text=True)


def _wrap_rows(ws: Worksheet, first: int, widths: Sequence[int]) -> None:
    """Rows from ``first`` as tall as their wrapped text (at 14 pt), the text wrapped."""
    wrap = Alignment(vertical="top", wrap_text=True)
    memo: dict[tuple[int, object], int] = {}
    for row in ws.iter_rows(min_row=first, max_col=len(widths)):
        lines = 1
        for i, (cell, width) in enumerate(zip(row, widths, strict=False)):
            value = cell.value
            if value not in (None, ""):
                cell.alignment = wrap
                n = memo.get((i, value))
                if n is None:
                    n = memo[(i, value)] = text_lines(value, width, 14)
                lines = max(lines, n)
        if lines > 1:
            ws.row_dimensions[row[0].row].height = line_height(14, lines)


def _header_heights(ws: Worksheet) -> None:
    """The table's header row tall enough for its wrapped headers (bold 14 pt)."""
    cells = [c for c in ws[M.HEADER_ROW] if c.value]
    if not cells:
        return
    lines = max(
        text_lines(c.value, ws.column_dimensions[c.column_letter].width or 10, 15) for c in cells
    )
    ws.row_dimensions[M.HEADER_ROW].height = line_height(14, max(lines, 2))


def _thai_default_font(wb: openpyxl.Workbook) -> None:
    """TH SarabunPSK 14 as the workbook's default font. Column widths are counted in the
    default font's digits: with it a column is as wide in Excel (TH SarabunPSK) as in
    LibreOffice (its metric twin Laksaman), so what fits on one prints on the other."""
    font = thai_font(14)
    wb._fonts = IndexedList([font])  # openpyxl keeps the default font first in this list
    wb._named_styles["Normal"].font = font


def _print_setup(ws: Worksheet) -> None:
    """A4 for every sheet (landscape but for the announcements); the name and page
    number in the footer; wide tables in pages across at a scale that keeps 14 pt text
    at 12 pt or more, the rest fitted to the page's width."""
    ws.sheet_format.defaultRowHeight = 25  # a line of TH SarabunPSK 14 pt
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait" if ws.title in M.PORTRAIT else "landscape"
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.center.text = "&A  หน้า &P / &N"
    ws.oddFooter.center.size = 12
    scale = M.PRINT_SCALE.get(ws.title)
    if scale is not None:
        ws.page_setup.scale = scale
        ws.sheet_properties.pageSetUpPr.fitToPage = False
        if ws.title in M.PRINT_COLUMNS:
            ws.print_title_cols = M.PRINT_COLUMNS[ws.title]
    else:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True


def _document(ws: Worksheet, name: str) -> None:
    """A document sheet: its hidden style rows (one per kind of row, see
    ``M.DOC_KINDS``) and a note until the round's results are written below them."""
    formats = M.DOC_FORMATS[name]
    width = len(formats)
    centered = M.DOC_CENTERED[name]
    text, table = M.DOC_TEXT_SIZE, M.DOC_TABLE_SIZE
    for r, kind in enumerate(M.DOC_KINDS, start=1):
        ws.row_dimensions[r].hidden = True
        for c in range(width):
            cell = ws.cell(row=r, column=c + 1)
            if kind == "title":
                cell.font = thai_font(20, bold=True)
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            elif kind in ("heading", "center", "sign"):
                cell.font = thai_font(text, bold=kind == "heading")
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            elif kind == "text":
                cell.font = thai_font(text)
                cell.alignment = Alignment(vertical="top", wrap_text=True)
            elif kind == "head":
                cell.font = thai_font(table, bold=True)
                cell.fill = HEAD_FILL
                cell.border = BORDER
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            elif kind == "group":
                cell.font = thai_font(table, bold=True)
                cell.border = BORDER
                cell.alignment = Alignment(vertical="center")
            elif kind == "row":
                cell.font = thai_font(table)
                cell.border = BORDER
                cell.number_format = formats[c]
                cell.alignment = Alignment(
                    horizontal="center" if c in centered else None, vertical="top", wrap_text=True
                )
            else:  # note
                cell.font = thai_font(table)
                cell.alignment = Alignment(vertical="top", wrap_text=True)
    for i, w in enumerate(M.DOC_WIDTHS[name], start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    note = ws.cell(row=M.DOC_FIRST_ROW, column=1)
    note.value = "เอกสารนี้จัดทำเมื่อรวมผลการประเมิน (kpixl consolidate) จากค่าในแผ่นงาน Config"
    note.font = thai_font(table)
    if name != M.PCT_ANNOUNCEMENT:  # a list's header row repeats on every page: the
        ws.print_title_rows = f"{M.DOC_FIRST_ROW}:{M.DOC_FIRST_ROW}"  # writer sets its row


def _body(ws: Worksheet, formats: Sequence[str], widths: Sequence[int]) -> None:
    """Style the first data row: every row kpixl writes takes these cells' styles."""
    for i, number_format in enumerate(formats, start=1):
        cell = ws.cell(row=M.FIRST_ROW, column=i)
        cell.font = thai_font(14)
        cell.border = BORDER
        cell.number_format = number_format
        cell.alignment = Alignment(vertical="top")
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def _charts(wb: openpyxl.Workbook, rules: Rules) -> None:
    ws = wb.create_sheet(M.CHARTS)
    _title(ws, "แผนภูมิสำหรับคณะกรรมการกลั่นกรอง (Committee charts)")
    _headers(ws, ("ช่วงคะแนน", "จำนวนคน"))
    for i, (low, formula) in enumerate(zip(M.CHART_BINS, histogram_formulas(), strict=True)):
        r = M.FIRST_ROW + i
        ws.cell(row=r, column=1, value=f"{low}–{low + 10}")
        ws.cell(row=r, column=2, value=str(formula))
    hist = BarChart()
    hist.title = "การกระจายของคะแนนรวม (Histogram of totals)"
    hist.y_axis.title = "จำนวนคน"
    hist.x_axis.title = "คะแนนรวม"
    last = M.FIRST_ROW + len(M.CHART_BINS) - 1
    hist.add_data(
        Reference(ws, min_col=2, min_row=M.HEADER_ROW, max_row=last), titles_from_data=True
    )
    hist.set_categories(Reference(ws, min_col=1, min_row=M.FIRST_ROW, max_row=last))
    hist.width, hist.height = 18, 9
    ws.add_chart(hist, "D3")
    summary = wb[M.SUMMARY]
    bands = len(rules.bands)
    stacked = BarChart()
    stacked.type = "bar"
    stacked.grouping = "stacked"
    stacked.overlap = 100
    stacked.title = "ระดับผลการประเมินรายหน่วยงาน (Bands per unit)"
    first_band_col = 4
    # one unit's row until the round is written: the writer sets the rows of its units
    # (``fit_unit_chart``), so the chart shows every unit and no total or empty rows
    stacked.add_data(
        Reference(
            summary,
            min_col=first_band_col,
            max_col=first_band_col + bands - 1,
            min_row=M.HEADER_ROW,
            max_row=M.CHART_FIRST_UNIT,
        ),
        titles_from_data=True,
    )
    stacked.set_categories(
        Reference(summary, min_col=2, min_row=M.CHART_FIRST_UNIT, max_row=M.CHART_FIRST_UNIT)
    )
    stacked.x_axis.tickLblSkip = 1  # every unit's name
    stacked.x_axis.delete = False
    stacked.y_axis.delete = False
    stacked.width, stacked.height = 18, 14
    ws.add_chart(stacked, "D22")


def histogram_formulas(counts: Sequence[int] | None = None) -> list[Formula]:
    """The Charts sheet's count of people per bin of totals (``M.CHART_BINS``: [low,
    low + 10), the last bin [90, 100]), each formula carrying its count (none: 0)."""
    total = _letter(M.RESULT_COLUMNS, "total")
    col = f"{M.RESULTS}!${total}:${total}"
    formulas = []
    for i, low in enumerate(M.CHART_BINS):
        high = low + 10
        upper = f'"<"&{high}' if high < 100 else '"<="&100'
        text = f'=COUNTIFS({col},">="&{low},{col},{upper})'
        formulas.append(Formula(text, counts[i] if counts is not None else 0))
    return formulas


def with_template_values(data: bytes) -> bytes:
    """A master template's bytes with its formulas' values: the histogram's counts are 0
    until the round's results are written."""
    cells = {f"B{M.FIRST_ROW + i}": f for i, f in enumerate(histogram_formulas())}
    return Package.read(data).patched({M.CHARTS: cells})


def master_bytes(
    *,
    rules: Rules | None = None,
    organisation: str = "",
    config: Mapping[str, Any] | None = None,
    units: Sequence[Mapping[str, Any]] = (),
    roster: Sequence[Mapping[str, Any]] = (),
    strategy: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> bytes:
    """A master workbook with its inputs filled (used by the demo and the tests)."""
    wb = build_master_template(rules, organisation=organisation)
    ws = wb[M.CONFIG]
    for row in ws.iter_rows(min_row=M.FIRST_ROW):
        key = row[0].value
        if config and key in config:
            put(row[1], config[key])
    tables: list[tuple[str, Sequence[str], Sequence[Mapping[str, Any]]]] = [
        (M.UNITS, M.UNIT_COLUMNS, units),
        (M.ROSTER, M.ROSTER_COLUMNS, roster),
    ]
    for name, (_, columns, _) in M.STRATEGY.items():
        tables.append((name, columns, (strategy or {}).get(name, ())))
    for sheet, names, rows in tables:
        target = wb[sheet]
        widths = M.TABLE_WIDTHS.get(sheet) or tuple(M.ROSTER_WIDTHS[n] for n in M.ROSTER_COLUMNS)
        for i, item in enumerate(rows):
            for c, name in enumerate(names, start=1):
                value = item.get(name)
                if isinstance(value, bool):
                    value = "ใช่" if value else ""
                cell = target.cell(row=M.FIRST_ROW + i, column=c)
                put(cell, value)  # text stays text
                if sheet == M.ROSTER and name in M.ROSTER_FORMATS:
                    cell.number_format = M.ROSTER_FORMATS[name]  # 41,550
        if rows:
            _wrap_rows(target, M.FIRST_ROW, widths)
    return with_template_values(reproducible_bytes(wb))


# ------------------------------------------------------------------------- reading


@dataclass
class MasterInputs:
    path: Path
    config: dict[str, Any] = field(default_factory=dict)
    config_rows: dict[str, int] = field(default_factory=dict)  # key: its row on Config
    rule_overrides: list[tuple[str, Any, int]] = field(default_factory=list)  # key, value, row
    units: pd.DataFrame = field(default_factory=pd.DataFrame)
    roster: pd.DataFrame = field(default_factory=pd.DataFrame)
    strategy: dict[str, pd.DataFrame] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    # read_master(..., roster=False): reads the roster into ``roster`` (file problems into
    # ``findings``) when called, so that it is read while the unit workbooks are read
    read_roster: Callable[[], None] | None = field(default=None, repr=False, compare=False)


def _grid_table(
    grid: list[list[Any]], columns: Sequence[str], path: Path, sheet: str
) -> pd.DataFrame:
    return grid_table(grid, M.FIRST_ROW, {name: i for i, name in enumerate(columns)}, path, sheet)


def read_master(path: str | Path, *, roster: bool = True) -> MasterInputs:
    """Config, Units and Roster of a master workbook; problems become findings.

    ``roster=False`` leaves the roster (and the package's CRC check) for
    ``inputs.read_roster()``, which consolidation calls while the workers run.
    """
    inputs = MasterInputs(Path(path))
    bad = check_file(inputs.path, deep=roster, limits=MASTER, sheets=False)
    if bad is not None:
        inputs.findings.append(bad)
        return inputs
    try:
        book = open_book(inputs.path, inputs.path.read_bytes(), limits=MASTER)
        wanted = (M.CONFIG, M.UNITS, *([M.ROSTER] if roster else []), *M.STRATEGY)
        names = [n for n in wanted if n in book.sheet_names]
        grids = {name: book.grid(name) for name in names}
    except Exception as exc:  # a damaged file is a finding; a kpixl defect says so
        inputs.findings.append(read_failure(inputs.path, exc))
        return inputs
    inputs = master_from_grids(grids, inputs)
    if not roster and M.ROSTER in book.sheet_names:
        inputs.read_roster = partial(_read_roster, inputs, book)
    return inputs


SEAL_KEY_ID = "seal_key_id"  # an optional Config key


def seal_key_id(inputs: MasterInputs) -> str | None:
    """The agency sealing key's id from Config (``seal_key_id``; never the key), or None.

    A row in the template (blank); ``kpixl seal`` prints the id of the key in use. A row
    added at the end of the sheet (below ``rules``) is read as this setting too.
    ``kpixl validate`` and ``kpixl seal`` with ``--master``, and the Seal button, check
    the key in ``KPIXL_SEAL_KEY`` against it and require HMAC seals under that key.
    """
    text = str(inputs.config.get(SEAL_KEY_ID) or "").strip().lower()
    return text or None


def _read_roster(inputs: MasterInputs, book: Book) -> None:
    inputs.read_roster = None
    try:
        grid = book.grid(M.ROSTER)
    except Exception as exc:  # a damaged file is a finding; a kpixl defect says so
        inputs.findings.append(read_failure(inputs.path, exc))
        return
    # every member's CRC, as read_master does first (the roster's was checked as it was read)
    bad = check_file(inputs.path, verified=book.verified, limits=MASTER, sheets=False)
    if bad is not None:
        inputs.findings.append(bad)
        return
    inputs.roster = _grid_table(grid, M.ROSTER_COLUMNS, inputs.path, M.ROSTER)


def master_from_grids(
    grids: Mapping[str, list[list[Any]]], inputs: MasterInputs | str | Path
) -> MasterInputs:
    """The master's inputs from its sheets' value grids (rows of cell values, "" blank).

    ``read_master`` gets the grids from the file; the Excel macros get them from the
    open workbook through xlwings, so both read the master the same way.
    """
    if not isinstance(inputs, MasterInputs):
        inputs = MasterInputs(Path(inputs))
    if M.CONFIG not in grids:
        inputs.findings.append(
            Finding(
                "file.not_kpixl",
                "ไม่ใช่สมุดงานหลักของ kpixl (ไม่มีแผ่นงาน Config)",
                "not a kpixl master workbook (no Config sheet)",
                file=inputs.path.name,
            )
        )
        return inputs
    in_rules = False
    for r, row in enumerate(grids[M.CONFIG][M.FIRST_ROW - 1 :], start=M.FIRST_ROW):
        key = str(row[0]).strip() if row and row[0] not in (None, "") else ""
        if not key:
            continue
        if key == M.RULES_HEADING:
            in_rules = True
            continue
        value = row[1] if len(row) > 1 and row[1] != "" else None
        if in_rules and key != SEAL_KEY_ID:  # the key id is no rule, wherever HR puts it
            inputs.rule_overrides.append((key, value, r))
        else:
            inputs.config[key] = value
            inputs.config_rows[key] = r
    if inputs.config.get("template_id") != M.TEMPLATE_ID:
        inputs.findings.append(
            Finding(
                "file.not_kpixl",
                "ไม่ใช่สมุดงานหลักของ kpixl",
                "not a kpixl master workbook",
                file=inputs.path.name,
                sheet=M.CONFIG,
            )
        )
    inputs.units = _grid_table(grids.get(M.UNITS, []), M.UNIT_COLUMNS, inputs.path, M.UNITS)
    inputs.roster = _grid_table(grids.get(M.ROSTER, []), M.ROSTER_COLUMNS, inputs.path, M.ROSTER)
    for name, (_, columns, _) in M.STRATEGY.items():
        grid = grids.get(name, [])
        inputs.strategy[name] = _grid_table(grid, columns, inputs.path, name)
    return inputs


# ------------------------------------------------------------------------- writing


PARALLEL_ROWS = 20_000  # result rows from which the sheets are built in pieces, in parallel
PIECE_ROWS = 5_000  # rows per piece of a big sheet


class Document(list[list[object]]):
    """A document sheet's rows (lists of cell values) and how each looks: its kind (a
    row of ``M.DOC_KINDS``, whose hidden style row it takes), its height in points
    (None: the default), the columns merged in it, the page breaks before rows and the
    table header row that repeats on every page. It reads as plain rows, as the Excel
    macros write them."""

    def __init__(self) -> None:
        super().__init__()
        self.kinds: list[str] = []
        self.heights: list[float | None] = []
        self.merges: list[tuple[int, int, int]] = []  # (row index, first col, last col)
        self.breaks: list[int] = []  # row indexes a new page starts at
        self.title_row: int | None = None  # row index of the header row to repeat
        self.widths: Sequence[int] = ()  # the sheet's column widths (for row heights)
        self.blocks: dict[int, ColumnRows] = {}  # row index → a table body added there

    def add_rows(
        self, kind: str, columns: Sequence[list[object]], heights: Sequence[float | None]
    ) -> None:
        """Append rows of one kind, given column by column, with their heights (a
        table's body; written from its columns as they are)."""
        block = ColumnRows(columns)
        self.blocks[len(self)] = block
        self.extend(block)  # type: ignore[arg-type]  # rows as tuples
        self.kinds.extend([kind] * len(block))
        self.heights.extend(heights)

    def add(
        self,
        kind: str,
        cells: Sequence[object],
        *,
        height: float | None = None,
        merge: tuple[int, int] | None = None,
    ) -> int:
        """Append a row; its index. ``merge``: 0-based first and last column merged."""
        self.append(list(cells))
        self.kinds.append(kind)
        self.heights.append(height)
        if merge is not None:
            self.merges.append((len(self) - 1, *merge))
        return len(self) - 1


_MERGES = re.compile(r"<mergeCells\b.*?</mergeCells>|<mergeCells\b[^>]*/>", re.S)
_ROW_BREAKS = re.compile(r"<rowBreaks\b.*?</rowBreaks>|<rowBreaks\b[^>]*/>", re.S)
_AFTER_BREAKS = re.compile(
    r"<(?:colBreaks|customProperties|cellWatches|ignoredErrors|"
    r"smartTags|drawing|legacyDrawing|picture|oleObjects|controls|"
    r"webPublishItems|tableParts|extLst)\b|</worksheet>"
)


def _document_xml(xml: str, doc: Document, first_row: int, width: int) -> str:
    """The document sheet's XML: the kept style rows, then ``doc``'s rows, each in the
    styles of its kind's style row, with their heights, merged cells and page breaks."""
    palette = (
        {kind: row_styles(xml, r) for r, kind in enumerate(M.DOC_KINDS, start=1)}
        if first_row > len(M.DOC_KINDS)
        else {}
    )
    cut = sheet_rows(xml, [], first_row=first_row)
    rows = []
    start = 0
    while start < len(doc):  # a run of rows of one kind at a time (a list: one run)
        kind = doc.kinds[start]
        stop = start + 1
        while stop < len(doc) and doc.kinds[stop] == kind:
            stop += 1
        block = doc.blocks.get(start)
        run = block if block is not None and len(block) == stop - start else doc[start:stop]
        rows.append(rows_xml(run, first_row + start, width, palette.get(kind, {})))
        start = stop
    heights = {first_row + i: h for i, h in enumerate(doc.heights) if h is not None}
    body = _with_heights("".join(rows), heights)
    tail = _ROW_BREAKS.sub("", _MERGES.sub("", cut.tail))
    if doc.merges:
        refs = "".join(
            f'<mergeCell ref="{_col(a)}{first_row + i}:{_col(b)}{first_row + i}"/>'
            for i, a, b in doc.merges
        )
        tail = tail.replace(
            "</sheetData>",
            f'</sheetData><mergeCells count="{len(doc.merges)}">{refs}</mergeCells>',
            1,
        )
    if doc.breaks:
        brks = "".join(f'<brk id="{first_row + i - 1}" max="16383" man="1"/>' for i in doc.breaks)
        element = f'<rowBreaks count="{len(doc.breaks)}" manualBreakCount="{len(doc.breaks)}">{brks}</rowBreaks>'
        at = _AFTER_BREAKS.search(tail)
        spot = at.start() if at else len(tail)
        tail = tail[:spot] + element + tail[spot:]
    return cut.head + body + tail


def _has_style_rows(xml: str) -> bool:
    """Whether a document sheet starts with its hidden style rows (this template's)."""
    hidden = {
        int(m.group(1))
        for m in re.finditer(r'<row\b[^>]*\br="(\d+)"[^>]*\bhidden="(?:1|true)"', xml)
    }
    return set(range(1, len(M.DOC_KINDS) + 1)) <= hidden


def _col(i: int) -> str:
    return str(get_column_letter(i + 1))


def _print_titles(workbook_xml: str, sheet: str, row: int) -> str:
    """workbook.xml with ``sheet``'s repeated rows (print titles) set to ``row``."""
    pattern = re.compile(
        rf"(<definedName\b[^>]*name=\"_xlnm\.Print_Titles\"[^>]*>(?:[^<]*,)?'?{re.escape(sheet)}'?!)"
        r"\$\d+:\$\d+"
    )
    return pattern.sub(lambda m: f"{m.group(1)}${row}:${row}", workbook_xml)


_SUMMARY_RANGE = re.compile(
    rf"<f>('?{M.SUMMARY}'?!)\$([A-Z]+)\${M.CHART_FIRST_UNIT}(?::\$\2\$\d+)?</f>"
)


def fit_unit_chart(chart_xml: str, units: int) -> str:
    """A chart over the Summary's unit rows, read over exactly ``units`` rows (at least
    one): every unit a bar, no total row, no empty rows; unit names as text."""
    last = M.CHART_FIRST_UNIT + max(units, 1) - 1
    xml = _SUMMARY_RANGE.sub(
        lambda m: f"<f>{m.group(1)}${m.group(2)}${M.CHART_FIRST_UNIT}:${m.group(2)}${last}</f>",
        chart_xml,
    )
    # the categories are the units' names: text (a numRef shows numbers or nothing)
    return re.sub(
        rf"<cat><numRef>(<f>'?{M.SUMMARY}'?!\$B\$[^<]*</f>)(?:<numCache>.*?</numCache>)?</numRef></cat>",
        r"<cat><strRef>\1</strRef></cat>",
        xml,
        flags=re.S,
    )


_MARKS = (0x0E31, *range(0x0E34, 0x0E3B), *range(0x0E47, 0x0E4F))  # Thai marks: no width
_NO_MARKS = dict.fromkeys(_MARKS)
_LATIN = re.compile(r"[A-Za-z_./-]")
_ALL_THAI = re.compile(r"[\u0e00-\u0e7f \u00a0]*")


def text_lines(text: object, width: float, size: float) -> int:
    """How many lines ``text`` wraps to in a column ``width`` characters wide at ``size``
    points of TH SarabunPSK (an estimate that errs on the side of one line more): Thai
    marks above and below take no width, a space a quarter em, a Latin letter 0.56 em,
    an ellipsis a whole em, any other character half an em; a line wrapped between
    words loses about a sixth of its width."""
    if text is None or text == "":
        return 1
    text = str(text)
    usable = width * 7.6 - 4  # points: the column's width (TH SarabunPSK 14 digits) less padding
    if len(text) * size * 0.56 <= usable and not any(ch in text for ch in "…―\n"):
        return 1  # short: no character but an ellipsis or a rule is wider than 0.56 em
    return _lines(text, usable, size)


def _lines(text: str, usable: float, size: float) -> int:
    lines = 0
    for part in text.split("\n"):
        spaces = part.count(" ") + part.count("\u00a0")
        latin = len(_LATIN.findall(part)) if not _ALL_THAI.fullmatch(part) else 0
        wide = part.count("…") + part.count("―")  # an ellipsis, a rule: a whole em
        chars = len(part.translate(_NO_MARKS)) - spaces - latin - wide
        points = (chars * 0.5 + latin * 0.56 + spaces * 0.25 + wide) * size
        if points <= usable:
            lines += 1
            continue
        wrapped = -(-int(points) // max(int(usable * 0.83), 1))
        lines += wrapped + (1 if wrapped >= 4 else 0)  # long words break unevenly
    return lines


def line_height(size: float, lines: int = 1) -> float:
    """A row's height in points for ``lines`` lines of TH SarabunPSK at ``size``."""
    return max(25.0, round(lines * size * 1.72 + 2, 1))


def _wrapped_heights(sheet: str, rows: Sequence[Sequence[object]], first: int) -> dict[int, float]:
    """Row number → height, for the rows of a table whose wrapped text takes more than
    one line (the other rows keep the default height); a written header row: two lines.
    Each text's lines are counted once per column (positions, groups, reasons repeat)."""
    columns = M.RESULT_COLUMNS if sheet == M.RESULTS else M.ISSUE_COLUMNS
    widths = M.BODY_WIDTHS[sheet]
    wrapped = [columns.index(c) for c in M.WRAPPED[sheet]]
    values = (
        [rows.columns[i] for i in wrapped if i < len(rows.columns)]
        if isinstance(rows, ColumnRows)
        else [[row[i] if i < len(row) else None for row in rows] for i in wrapped]
    )
    lines: dict[int, int] = {}
    for i, column in zip(wrapped, values, strict=False):
        memo: dict[object, int] = {}
        for j, value in enumerate(column):
            if value is None or value == "":
                continue
            n = memo.get(value)
            if n is None:
                n = memo[value] = text_lines(value, widths[i], 14)
            if n > 1 and n > lines.get(j, 1):
                lines[j] = n
    out = {first + j: line_height(14, n) for j, n in lines.items()}
    if first == M.HEADER_ROW:
        out[M.HEADER_ROW] = max(out.get(M.HEADER_ROW, 0), line_height(14, 2))
    return out


def _head_heights(head: str, heights: Mapping[int, float]) -> str:
    """The sheet's XML before its body rows, with the heights of the rows written there
    (a header row written with the data)."""
    for number in re.findall(r'<row r="(\d+)">', head):  # the rows written plainly
        height = heights.get(int(number))
        if height is not None:
            head = head.replace(
                f'<row r="{number}">', f'<row r="{number}" ht="{height:g}" customHeight="1">', 1
            )
    return head


def _with_heights(xml: str, heights: Mapping[int, float]) -> str:
    """Rows XML (``<row r="N">…</row>`` elements, as :func:`rows_xml` writes them) with
    the given rows' heights; the rows are cut apart once, and only the tall ones touched."""
    if not heights:
        return xml
    rows = xml.split("</row>")
    first = re.match(r'\s*<row r="(\d+)"', rows[0]) if rows else None
    if first is None:
        return xml
    start = int(first.group(1))
    for number, height in heights.items():
        i = number - start
        if 0 <= i < len(rows) - 1:
            rows[i] = rows[i].replace(
                f'<row r="{number}">', f'<row r="{number}" ht="{height:g}" customHeight="1">', 1
            )
    return "</row>".join(rows)


def result_bytes(
    master: bytes,
    sheets: Mapping[str, tuple[Sequence[Sequence[object]], int]],
    *,
    jobs: int | None = None,
    parallel_from: int = PARALLEL_ROWS,
) -> bytes:
    """``master`` with each named output sheet's rows (from a first row) replaced.

    A :class:`Document` is written row by row in its kinds' styles. The tables with
    wrapped text (Results, Issues) get row heights that fit it. Big outputs
    (``parallel_from`` rows or more) are built and compressed in pieces of
    ``PIECE_ROWS`` rows, across processes; the pieces depend only on the rows, so the
    bytes are the same whatever ``jobs`` is.
    """
    package = Package.read(master, keep_streams=True)
    parts = package.sheets
    cuts = {}
    changed: dict[str, bytes] = {}
    heights: dict[str, dict[int, float]] = {}
    documents: dict[str, DocumentPart] = {}
    for sheet, (rows, first_row) in sheets.items():
        if sheet not in parts and sheet in M.NEWER_SHEETS:  # an older master lacks them
            continue
        xml = package.parts[parts[sheet]].decode("utf-8")
        if isinstance(rows, Document):
            width = len(M.DOC_FORMATS.get(sheet, ())) or max(map(len, rows), default=1)
            if not _has_style_rows(xml):  # an older template's sheet: plain, from row 1
                documents[parts[sheet]] = DocumentPart(xml, rows, 1, width)
                continue
            documents[parts[sheet]] = DocumentPart(xml, rows, first_row, width)
            if rows.title_row is not None:
                changed.setdefault("xl/workbook.xml", package.parts["xl/workbook.xml"])
                changed["xl/workbook.xml"] = _print_titles(
                    changed["xl/workbook.xml"].decode("utf-8"), sheet, first_row + rows.title_row
                ).encode("utf-8")
            continue
        # the template's first data row carries each column's format (font, number format,
        # border); a header written with the data keeps its own row's look
        cuts[parts[sheet]] = sheet_rows(
            xml,
            rows,
            first_row=first_row,
            styles=row_styles(xml, M.FIRST_ROW),
            head_styles={r: row_styles(xml, r) for r in range(first_row, M.FIRST_ROW)},
            style_row=M.FIRST_ROW,
        )
        if sheet in M.WRAPPED:
            heights[parts[sheet]] = _wrapped_heights(sheet, rows, first_row)
        elif first_row <= M.HEADER_ROW:  # a header row written with the data: two lines
            heights[parts[sheet]] = {M.HEADER_ROW: line_height(14, 2)}
    if M.SUMMARY in sheets:
        units = max(len(sheets[M.SUMMARY][0]) - 2, 0)  # less the header and the total rows
        for name in package.order:
            if name.startswith("xl/charts/") and name.endswith(".xml"):
                chart = package.parts[name].decode("utf-8")
                if f"{M.SUMMARY}'!$B$" in chart or f">{M.SUMMARY}!$B$" in chart:
                    changed[name] = fit_unit_chart(chart, units).encode("utf-8")
    if sum(len(cut.body) for cut in cuts.values()) < parallel_from:
        whole = {part: _whole(cut, heights.get(part, {})) for part, cut in cuts.items()}
        docs = {part: doc.xml_bytes() for part, doc in documents.items()}
        return package.to_bytes({**changed, **docs, **whole})
    jobs = jobs or min(os.cpu_count() or 1, 8)
    return package.to_bytes(changed, compressed=_in_pieces(cuts, jobs, heights, documents))


@dataclass(frozen=True)
class DocumentPart:
    """A document sheet to write: the template sheet's XML, the document, its first row
    and its width in columns."""

    xml: str
    doc: Document
    first_row: int
    width: int

    def xml_bytes(self) -> bytes:
        return _document_xml(self.xml, self.doc, self.first_row, self.width).encode("utf-8")


def _whole(cut: SheetRows, heights: Mapping[int, float]) -> bytes:
    body = _with_heights(rows_xml(cut.body, cut.first_number, cut.width, cut.styles), heights)
    return (_head_heights(cut.head, heights) + body + cut.tail).encode("utf-8")


_CUTS: list[SheetRows] = []  # read by the forked builders
_HEIGHTS: list[Mapping[int, float]] = []
_DOCUMENTS: list[DocumentPart] = []


def _piece(task: tuple[int, int, int]) -> tuple[int, int, bytes]:
    """Rows [start, stop) of sheet ``i``'s body as XML, deflated as a piece; a negative
    ``i``: the whole document sheet ``-i - 1``, deflated as one final piece."""
    i, start, stop = task
    if i < 0:
        return deflate_piece(_DOCUMENTS[-i - 1].xml_bytes(), last=True)
    cut = _CUTS[i]
    xml = rows_xml(cut.body[start:stop], cut.first_number + start, cut.width, cut.styles)
    xml = _with_heights(xml, _HEIGHTS[i])
    return deflate_piece(xml.encode("utf-8"), last=False)


def _in_pieces(
    cuts: dict[str, SheetRows],
    jobs: int,
    heights: Mapping[str, Mapping[int, float]],
    documents: Mapping[str, DocumentPart],
) -> dict[str, tuple[int, int, bytes]]:
    """Every sheet as pieces (head, body slices, tail), joined into compressed parts;
    each document sheet as one piece (built beside the slices).

    With ``jobs`` > 1 and the ``fork`` start method the slices are built in forked
    processes, which inherit the rows (nothing is pickled but the compressed pieces
    coming back). Under ``spawn`` (Windows) they are built here: sending the rows to
    spawned workers costs more than building them (60,000 rows: 6.3 s with 2 spawned
    workers, 5.0 s here, 2.9 s with 2 forked ones); the bytes are the same either way.
    """
    names = list(cuts)
    doc_names = list(documents)
    _CUTS[:] = [cuts[name] for name in names]
    _HEIGHTS[:] = [heights.get(name, {}) for name in names]
    _DOCUMENTS[:] = [documents[name] for name in doc_names]
    tasks = [(-k - 1, 0, 0) for k in range(len(doc_names))]  # the big single tasks first
    tasks += [
        (i, start, start + PIECE_ROWS)
        for i, cut in enumerate(_CUTS)
        for start in range(0, len(cut.body), PIECE_ROWS)
    ]
    try:
        if jobs > 1 and len(tasks) > 1 and start_method() == "fork":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads, 3.12+
                with start_pool(min(jobs, len(tasks))) as pool:
                    built = list(pool.map(_piece, tasks, chunksize=1))
        else:
            built = [_piece(task) for task in tasks]
    finally:
        _CUTS.clear()
        _HEIGHTS.clear()
        _DOCUMENTS.clear()
    bodies: dict[int, list[tuple[int, int, bytes]]] = {}
    for (i, _, _), piece in zip(tasks, built, strict=True):
        bodies.setdefault(i, []).append(piece)
    out = {name: join_pieces(bodies[-k - 1]) for k, name in enumerate(doc_names)}
    for i, name in enumerate(names):
        head_xml = _head_heights(cuts[name].head, heights.get(name, {}))
        head = deflate_piece(head_xml.encode("utf-8"), last=False)
        tail = deflate_piece(cuts[name].tail.encode("utf-8"), last=True)
        out[name] = join_pieces([head, *bodies.get(i, []), tail])
    return out
