"""The Calibration sheet (ปรับเทียบผลการประเมิน) for the screening committee.

Writes a :class:`kpixl.core.calibration.Calibration` into an openpyxl worksheet: the
per-evaluator table, the per-unit table, the per-unit band shares and the people just
under a band edge, with two native charts over the tables' own cells:

* evaluators' mean totals, each with its confidence interval as custom error bars
  (the cells of the hidden helper columns right of the print area), against a line at
  the organisation's mean;
* band shares per unit, a horizontal stacked bar.

A4 landscape, the forms' Thai font. :func:`write_calibration` takes any worksheet (the
committee pack's page: :mod:`kpixl.workbooks.report`); :func:`calibration_bytes` builds
a workbook holding only this sheet (the master's Calibration sheet is grafted from it:
:mod:`kpixl.workbooks.master_calibration`). With the calibration's ``earlier`` rounds
(:func:`kpixl.core.calibration.with_earlier`) the evaluators' earlier rounds follow the
tables.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from copy import copy
from dataclasses import dataclass
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.chart import LineChart, Reference
from openpyxl.chart.data_source import NumDataSource, NumRef
from openpyxl.chart.error_bar import ErrorBars
from openpyxl.chart.marker import Marker
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from kpixl.core.calibration import Calibration, EarlierRounds
from kpixl.io.cell_text import put
from kpixl.workbooks.master import line_height, text_lines
from kpixl.workbooks.report_charts import (
    FONT,
    bar_chart,
    chart_title,
    colour,
    series_title,
    text_props,
)
from kpixl.workbooks.thai_wrap import chart_label

__all__ = ["SHEET", "CalibrationLayout", "calibration_bytes", "write_calibration"]

SHEET = "ปรับเทียบผล"
TITLE = "การปรับเทียบผลการประเมิน / Calibration"
BAND_COLOURS = ("1E7B34", "6ABF69", "4F81BD", "F0A030", "C0392B")
WIDTHS = (22, 16, 6, 7, 8, 9, 8, 8, 8, 8, 7)  # A–K, the printed columns
PRINTED = len(WIDTHS)
HELPER_COL = PRINTED + 3  # N: the chart's helper columns, outside the print area
CHART_ROW = 4
CHART_WIDTHS = (14.0, 13.5)  # cm: A–D and E–K at TH SarabunPSK 14's digit width
SECOND_CHART_COL = "E"
EVALUATORS_PER_CHART = 10  # evaluators' labels along the bottom of one chart
UNITS_PER_CHART = 4  # units' two-line labels down one chart, none dropped
CHART_MIN_HEIGHT, CHART_MAX_HEIGHT = 9.5, 17.0  # cm
ROW_CM = 25 / 72 * 2.54  # the sheet's default row height (25 pt)
LABELS_COL = HELPER_COL + 3  # the units' chart labels (at most two short lines each)
SCORE = "0.00"
SHARE = "0%"

_thin = Side(style="thin", color="808080")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
FLAG_FILL = PatternFill("solid", fgColor="FCE4D6")

STATS_HEAD = (
    "ข้อสังเกต",
    "จำนวน (n)",
    "ยังไม่ประเมิน",
    "ค่าเฉลี่ย",
    "ส่วนเบี่ยงเบนมาตรฐาน",
    "ดีเด่น+ดีมาก",
    "ต่างจากองค์กร",
    "ช่วงล่าง",
    "ช่วงบน",
    "ใกล้เกณฑ์",
)
STATS_COLUMNS = (
    "note",
    "n",
    "not_evaluated",
    "mean",
    "std",
    "top_share",
    "diff",
    "diff_low",
    "diff_high",
    "near_edge",
)
STATS_FORMATS = ("General", "0", "0", SCORE, SCORE, SHARE, "+0.00;-0.00;0.00", SCORE, SCORE, "0")
NEAR_HEAD = (
    "ผู้ประเมิน",
    "หน่วยงาน",
    "คะแนนรวม",
    "ขาดอีก",
    "ระดับที่ได้",
    "ระดับถัดไป",
    "เลขประจำตัว",
)
NEAR_FORMATS = ("General", "General", SCORE, SCORE, "General", "General", "@")
HISTORY_ROUNDS = PRINTED - 1  # the last ten rounds, one a column
HISTORY_FORMAT = "0.00"
NO_EARLIER = "ยังไม่มีรอบก่อนหน้าในคลังข้อมูล (kpixl archive) / no earlier round archived"
ID_SPAN = 2  # the person's id takes two columns (G:H): 13 digits


@dataclass(frozen=True)
class CalibrationLayout:
    """Where the tables landed: each (header row, last data row); last == header when empty."""

    evaluators: tuple[int, int]
    units: tuple[int, int]
    shares: tuple[int, int]
    near: tuple[int, int]
    helper_col: int  # org mean, then minus and plus error lengths, one row per evaluator
    history: tuple[int, int] | None = None  # the evaluators' earlier rounds, when given


def _note(row: Mapping[Any, Any]) -> str:
    if row["small"]:
        return "น้อยเกินตัดสิน / too few"
    if row["direction"] == "above":
        return "สูงกว่าองค์กร / above"
    if row["direction"] == "below":
        return "ต่ำกว่าองค์กร / below"
    return ""


def _value(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _value(value.item())
    return value


class _Writer:
    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self._styles: dict[tuple[str, bool, bool], Any] = {}  # a table body cell's style

    def cell(
        self, row: int, col: int, value: Any, fmt: str | None = None, *, bold: bool = False
    ) -> Any:
        cell = self.ws.cell(row=row, column=col)
        put(cell, _value(value))
        cell.font = Font(name=FONT, size=14, bold=bold)
        if fmt:
            cell.number_format = fmt
        return cell

    def heading(self, row: int, text: str) -> None:
        self.cell(row, 1, text, bold=True).font = Font(name=FONT, size=16, bold=True)

    def table(
        self,
        row: int,
        heads: Sequence[str],
        rows: Sequence[Sequence[Any]],
        formats: Sequence[str],
        flagged: Sequence[bool] = (),
    ) -> tuple[int, int]:
        for j, head in enumerate(heads, start=1):
            c = self.cell(row, j, head, bold=True)
            c.fill = HEAD_FILL
            c.border = BORDER
            c.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        self.ws.row_dimensions[row].height = 66  # three lines of 14 pt Thai
        for i, values in enumerate(rows, start=row + 1):
            lines = (
                max(
                    text_lines(v, WIDTHS[j], 14)
                    for j, v in enumerate(values[:2])
                    if isinstance(v, str)
                )
                if any(isinstance(v, str) for v in values[:2])
                else 1
            )
            if lines > 1:
                self.ws.row_dimensions[i].height = line_height(14, lines)
            flag = bool(flagged and flagged[i - row - 1])
            for j, (value, fmt) in enumerate(zip(values, formats, strict=True), start=1):
                # a body cell's style is one of few: made once, then copied (thousands
                # of rows at the benchmark's size; openpyxl's setters are slow)
                known = self._styles.get((fmt, j <= 2, flag))
                if known is not None:
                    c = self.ws.cell(row=i, column=j)
                    put(c, _value(value))
                    c._style = copy(known)
                    continue
                c = self.cell(i, j, value, None if fmt == "General" else fmt)
                c.border = BORDER
                c.alignment = Alignment(wrap_text=j <= 2, vertical="top")
                if flag:
                    c.fill = FLAG_FILL
                self._styles[fmt, j <= 2, flag] = copy(c._style)
        return row, row + len(rows)


def write_calibration(
    ws: Worksheet,
    cal: Calibration,
    *,
    round_name: str = "",
    history: pd.DataFrame | None = None,
    history_value: str = "ค่าเฉลี่ย",
) -> CalibrationLayout:
    """Write ``cal`` into ``ws`` (an empty worksheet): tables, charts, print setup.

    ``history`` is :func:`kpixl.core.calibration.evaluator_history`'s table (evaluator,
    then a column per round); its last :data:`HISTORY_ROUNDS` rounds are shown under
    the heading naming ``history_value`` (what the figures are, e.g. ค่าเฉลี่ย)."""
    w = _Writer(ws)
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    w.cell(1, 1, TITLE + (f"  {round_name}" if round_name else "")).font = Font(
        name=FONT, size=18, bold=True
    )
    org = (
        f"ทั้งองค์กร / organisation: {cal.org_n} คน, ค่าเฉลี่ย {_fmt(cal.org_mean)}, "
        f"ดีเด่น+ดีมาก {_pct(cal.org_top_share)}"
    )
    w.cell(2, 1, org)
    method = (
        f"ช่วงความเชื่อมั่น {cal.confidence:.0%} (Welch t, กลุ่มเทียบกับคนที่เหลือ); "
        f"กลุ่มน้อยกว่า {cal.min_group} คนไม่ตัดสิน; ใกล้เกณฑ์ = ต่ำกว่าเกณฑ์ไม่เกิน {cal.edge_margin:g} คะแนน"
    )
    w.cell(3, 1, method).font = Font(name=FONT, size=14)

    n_ev, n_un = len(cal.by_evaluator), len(cal.by_unit)
    pages = max(-(-n_ev // EVALUATORS_PER_CHART), -(-n_un // UNITS_PER_CHART))
    height = _chart_height(min(n_un, UNITS_PER_CHART), n_ev)
    page_rows = math.ceil(height / ROW_CM) + 2
    row = table_row = CHART_ROW + 1 + pages * page_rows
    if pages:
        ws.row_breaks.append(Break(id=row - 1))  # the tables start on a page of their own
    w.heading(row, "รายผู้ประเมิน / by evaluator")
    ev = cal.by_evaluator.to_dict("records")
    evaluators = w.table(
        row + 1,
        ("ผู้ประเมิน", *STATS_HEAD),
        [[r["evaluator"], *[_note(r) if c == "note" else r[c] for c in STATS_COLUMNS]] for r in ev],
        ("General", *STATS_FORMATS),
        [bool(r["stands_out"]) for r in ev],
    )
    row = evaluators[1] + 3
    w.heading(row, "รายหน่วยงาน / by unit")
    un = cal.by_unit.to_dict("records")
    units = w.table(
        row + 1,
        ("หน่วยงาน", *STATS_HEAD),
        [[r["unit"], *[_note(r) if c == "note" else r[c] for c in STATS_COLUMNS]] for r in un],
        ("General", *STATS_FORMATS),
        [bool(r["stands_out"]) for r in un],
    )
    row = units[1] + 3
    w.heading(row, "สัดส่วนระดับผลรายหน่วยงาน / band shares by unit")
    codes = [b.code for b in cal.bands]
    shares = w.table(
        row + 1,
        ("หน่วยงาน", *[b.name for b in cal.bands]),
        [[r["unit"], *[r[f"share_{c}"] for c in codes]] for r in un],
        ("General", *[SHARE] * len(codes)),
    )
    row = shares[1] + 3
    w.heading(row, "คะแนนต่ำกว่าเกณฑ์ระดับถัดไปเล็กน้อย / just under a band edge")
    near_rows = [
        [r["evaluator"], r["unit"], r["total"], r["gap"], r["band"], r["missed"], r["person_id"]]
        for r in cal.near_edge.to_dict("records")
    ]
    near = w.table(
        row + 1,
        NEAR_HEAD,
        near_rows,
        NEAR_FORMATS,
    )
    first_col = get_column_letter(len(NEAR_HEAD))
    last_col = get_column_letter(len(NEAR_HEAD) + ID_SPAN - 1)
    edge = None  # the border of the range's last cell: made once, then copied
    for i in range(near[0], near[1] + 1):  # the 13-digit id across G:H
        # a row's own range, overlapping none: added without merge_cells' check against
        # every range before it (quadratic: 4,000 rows at the benchmark's size), and
        # without openpyxl's cleaning of the range (its border setters: seconds there)
        ws.merged_cells.ranges.add(MergedCellRange(ws, f"{first_col}{i}:{last_col}{i}"))
        last = ws[f"{last_col}{i}"]
        if edge is None:
            last.border = BORDER
            edge = copy(last._style)
        else:
            last._style = copy(edge)

    # the chart's helper columns: the organisation's mean, the interval below and above
    top = evaluators[0]
    w.cell(top, HELPER_COL, "ค่าเฉลี่ยองค์กร")
    w.cell(top, HELPER_COL + 1, "ช่วงล่าง (ยาว)")
    w.cell(top, HELPER_COL + 2, "ช่วงบน (ยาว)")
    for i, r in enumerate(ev, start=top + 1):
        w.cell(i, HELPER_COL, cal.org_mean, SCORE)
        low, high = r["mean_low"], r["mean_high"]
        w.cell(i, HELPER_COL + 1, None if math.isnan(low) else r["mean"] - low, SCORE)
        w.cell(i, HELPER_COL + 2, None if math.isnan(high) else high - r["mean"], SCORE)
    w.cell(shares[0], LABELS_COL, "ป้ายแผนภูมิ (chart labels)")
    for i, r in enumerate(un, start=shares[0] + 1):
        w.cell(i, LABELS_COL, chart_label(str(r["unit"])))
    for j in range(4):
        ws.column_dimensions[get_column_letter(HELPER_COL + j)].width = 14

    for page in range(pages):  # a pair of charts per A4 page, every group on one of them
        anchor = CHART_ROW + 1 + page * page_rows
        if page:
            ws.row_breaks.append(Break(id=anchor - 2))
            # a row of room above: a chart touching the break would print its edge on both pages
        part = _part(evaluators, page, EVALUATORS_PER_CHART)
        if part is not None:
            chart = _means_chart(ws, part, evaluators[0], cal, height, _of(part, evaluators, pages))
            ws.add_chart(chart, f"A{anchor}")
        part = _part(shares, page, UNITS_PER_CHART)
        if part is not None:
            chart = _shares_chart(ws, part, shares[0], len(codes), height, _of(part, shares, pages))
            ws.add_chart(chart, f"{SECOND_CHART_COL}{anchor}")
    earlier = None
    if history is None and cal.earlier is not None:
        earlier = _earlier_table(w, near[1] + 3, cal.earlier)
    if history is not None:
        rounds = [c for c in history.columns if c != "evaluator"][-HISTORY_ROUNDS:]
        row = near[1] + 3
        w.heading(row, f"ผลรอบก่อนของผู้ประเมิน ({history_value}) / earlier rounds")
        earlier = w.table(
            row + 1,
            ("ผู้ประเมิน", *[str(r) for r in rounds]),
            [[r["evaluator"], *[r[c] for c in rounds]] for r in history.to_dict("records")],
            ("General", *[HISTORY_FORMAT] * len(rounds)),
        )
    _print_setup(ws, max(near[1], shares[1], table_row, earlier[1] if earlier else 0))
    return CalibrationLayout(evaluators, units, shares, near, HELPER_COL, earlier)


def _earlier_table(w: _Writer, row: int, earlier: EarlierRounds) -> tuple[int, int]:
    """The evaluators' mean total and ดีเด่น+ดีมาก share in each earlier round shown,
    then this round; with no earlier round archived, a line saying so."""
    if earlier.rounds:  # the table on a page of its own, not split after its head
        w.ws.row_breaks.append(Break(id=row - 1))
    w.heading(row, "ผลรอบก่อนของผู้ประเมิน / the evaluators' earlier rounds")
    if not earlier.rounds:
        w.cell(row + 1, 1, NO_EARLIER)
        return row + 1, row + 1
    rounds = [*earlier.rounds, earlier.current_round]
    # a row of round names over each round's pair of columns, then the table's heads
    above = row + 1
    first = w.cell(above, 1, "รอบ / round", bold=True)
    first.fill, first.border = HEAD_FILL, BORDER
    for i, rnd in enumerate(rounds):
        col = 2 + 2 * i
        text = f"{rnd} (รอบนี้)" if i == len(rounds) - 1 else rnd
        c = w.cell(above, col, text, bold=True)
        w.ws.cell(above, col + 1).border = BORDER
        c.fill, c.border = HEAD_FILL, BORDER
        c.alignment = Alignment(horizontal="center", vertical="center")
        w.ws.merge_cells(start_row=above, start_column=col, end_row=above, end_column=col + 1)
    heads: list[str] = ["ผู้ประเมิน"]
    formats: list[str] = ["General"]
    for _ in rounds:
        heads += ["ค่าเฉลี่ย", "ดีเด่น+ ดีมาก"]
        formats += [SCORE, SHARE]
    means = earlier.mean.to_dict("records")
    shares = earlier.top_share.to_dict("records")
    rows = [
        [m["evaluator"], *[v for rnd in rounds for v in (m[rnd], t[rnd])]]
        for m, t in zip(means, shares, strict=True)
    ]
    top, last = w.table(row + 2, heads, rows, formats)
    note = (
        f"รอบก่อนหน้าในคลังข้อมูล {earlier.archived} รอบ แสดง {len(earlier.rounds)} รอบล่าสุด"
        f" / {earlier.archived} earlier round(s) archived, the last {len(earlier.rounds)} shown"
    )
    w.cell(last + 1, 1, note)
    return top, last + 1


def _fmt(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.2f}"


def _pct(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.0%}"


def _ref(ws: Worksheet, col: int, top: int, last: int) -> str:
    letter = get_column_letter(col)
    return f"'{ws.title}'!${letter}${top}:${letter}${last}"


def _part(rows: tuple[int, int], page: int, per: int) -> tuple[int, int] | None:
    """The first and last data row of a table's ``page``-th chart (None past its end)."""
    top, last = rows
    first = top + 1 + page * per
    return None if first > last else (first, min(last, first + per - 1))


def _of(part: tuple[int, int], rows: tuple[int, int], pages: int) -> str:
    if pages == 1:
        return ""
    return f" (ที่ {part[0] - rows[0]}–{part[1] - rows[0]} จาก {rows[1] - rows[0]})"


def _chart_height(units: int, evaluators: int) -> float:
    """Room for every unit's two-line label (LibreOffice drops labels that would touch)."""
    del evaluators  # the evaluators' labels run along the bottom and wrap
    return min(CHART_MAX_HEIGHT, max(CHART_MIN_HEIGHT, 5.0 + 2.2 * units))


def _means_chart(
    ws: Worksheet,
    rows: tuple[int, int],
    head: int,
    cal: Calibration,
    height: float,
    suffix: str,
) -> LineChart:
    first, last = rows
    chart = LineChart()
    chart.title = chart_title("ค่าเฉลี่ยคะแนนรวมรายผู้ประเมิน (ช่วงความเชื่อมั่น)" + suffix, 14)
    chart.txPr = text_props(14)
    chart.legend.position = "b"
    chart.legend.txPr = text_props(14)
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.x_axis.txPr = text_props(14)
    chart.y_axis.txPr = text_props(14)
    chart.y_axis.title = chart_title("คะแนนรวม", 14)
    lows = [
        v
        for v in cal.by_evaluator["mean_low"].tolist() + cal.by_evaluator["mean"].tolist()
        if not math.isnan(v)
    ]
    highs = [
        v
        for v in cal.by_evaluator["mean_high"].tolist() + cal.by_evaluator["mean"].tolist()
        if not math.isnan(v)
    ]
    if lows:
        chart.y_axis.scaling.min = max(0, math.floor(min(lows) / 5) * 5 - 5)
        chart.y_axis.scaling.max = min(100, math.ceil(max(highs) / 5) * 5 + 5)
    mean_col = 1 + 1 + STATS_COLUMNS.index("mean")
    chart.add_data(
        Reference(ws, min_col=mean_col, min_row=first, max_row=last), titles_from_data=False
    )
    chart.add_data(
        Reference(ws, min_col=HELPER_COL, min_row=first, max_row=last), titles_from_data=False
    )
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    means, org = chart.series
    means.tx = series_title(ws, head, mean_col)
    org.tx = series_title(ws, head, HELPER_COL)
    means.marker = Marker(symbol="circle", size=8)
    means.marker.graphicalProperties = GraphicalProperties(solidFill="1F4E79")
    means.marker.graphicalProperties.line.solidFill = "1F4E79"
    means.graphicalProperties = GraphicalProperties()
    means.graphicalProperties.line.noFill = True
    means.errBars = ErrorBars(
        errDir="y",
        errBarType="both",
        errValType="cust",
        noEndCap=False,
        minus=NumDataSource(numRef=NumRef(f=_ref(ws, HELPER_COL + 1, first, last))),
        plus=NumDataSource(numRef=NumRef(f=_ref(ws, HELPER_COL + 2, first, last))),
    )
    org.marker = Marker(symbol="none")
    org.graphicalProperties = GraphicalProperties()
    org.graphicalProperties.line.solidFill = "C0392B"
    org.graphicalProperties.line.prstDash = "dash"
    org.smooth = False
    means.smooth = False
    chart.y_axis.numFmt = "0"
    chart.width = CHART_WIDTHS[0]
    chart.height = height
    return chart


def _shares_chart(
    ws: Worksheet, rows: tuple[int, int], head: int, bands: int, height: float, suffix: str
) -> Any:
    first, last = rows
    chart = bar_chart("สัดส่วนระดับผลรายหน่วยงาน", horizontal=True, stacked=True)
    chart.title = chart_title("สัดส่วนระดับผลรายหน่วยงาน" + suffix, 14)
    chart.add_data(
        Reference(ws, min_col=2, max_col=1 + bands, min_row=first, max_row=last),
        titles_from_data=False,
    )
    for i, series in enumerate(chart.series):
        series.tx = series_title(ws, head, 2 + i)
    chart.set_categories(Reference(ws, min_col=LABELS_COL, min_row=first, max_row=last))
    chart.x_axis.txPr = text_props(14)
    colour(chart, BAND_COLOURS)
    chart.y_axis.numFmt = SHARE
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 1
    chart.gapWidth = 40
    chart.width = CHART_WIDTHS[1]
    chart.height = height
    return chart


def _print_setup(ws: Worksheet, last_row: int) -> None:
    ws.sheet_format.defaultRowHeight = 25
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.center.text = "&A  หน้า &P / &N"
    ws.oddFooter.center.size = 14
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_area = f"A1:{get_column_letter(PRINTED)}{last_row}"


def calibration_bytes(cal: Calibration, *, round_name: str = "", title: str = SHEET) -> bytes:
    """A workbook holding only the Calibration sheet, named ``title`` (for a look, or to
    be grafted into the master: :func:`kpixl.io.xlsx_sheets.copy_sheet`)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    # the forms' default font, as in the master: column widths count its digits
    font = Font(name=FONT, size=14)
    wb._fonts = IndexedList([font])  # openpyxl keeps the default font first in this list
    wb._named_styles["Normal"].font = font
    write_calibration(ws, cal, round_name=round_name)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
