"""The committee pack as a workbook: Thai, print-ready on A4, with native charts.

One sheet per section, each printed on A4 with its title, repeated header rows and a
page footer; the charts are openpyxl bar charts over the pack's own tables (values, no
formulas: the pack is a snapshot of the consolidated master), which Excel and
LibreOffice draw alike. The band and pool charts draw every unit, one horizontal bar
each, :data:`UNITS_PER_CHART` units to a page (:data:`UNITS_PER_CHART_2` when a name
takes two lines): a round of 60 units gets three to five pages of charts, never a
chart cut off at a fixed row. Tables take their widths within the page, so that
fit-to-width prints them at full size, and each row the height its wrapped text needs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import openpyxl
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from kpixl.io.cell_text import put
from kpixl.io.xlsx_package import Package
from kpixl.jobs.report import Pack
from kpixl.workbooks.calibration import SHEET as CALIBRATION_SHEET
from kpixl.workbooks.calibration import write_calibration
from kpixl.workbooks.personal_template import reproducible_bytes
from kpixl.workbooks.report_charts import FONT, bar_chart, chart_title, colour, series_title
from kpixl.workbooks.thai_wrap import chart_label, line_count

__all__ = ["SECTIONS", "UNITS_PER_CHART", "UNITS_PER_CHART_2", "pack_bytes", "pack_workbook"]

BODY_PT, HEAD_PT, TITLE_PT = 14, 14, 18
HEAD_WRAP = None  # a header row wraps in every cell
ROW_PT = 22  # a line of 14 pt Thai text, with its marks above and below
DEFAULT_ROW_PT = 21  # a row whose height is not set
# the printable height of an A4 page within the margins set below (points), and how
# much of it the page breaks count on (LibreOffice's own breaks must never come first)
PAGE_PT = {"portrait": (29.7 / 2.54 - 1.5) * 72, "landscape": (21.0 / 2.54 - 1.5) * 72}
PAGE_FILL = 0.93
# the width an A4 page prints at full size, in units of the default font's digit
PAGE_UNITS = {"portrait": 67.0, "landscape": 99.0}
MIN_SCALE = 12 / 14  # fit-to-width may shrink 14 pt text to 12 pt, no further
UNITS_PER_CHART = 20  # units per chart page (A4 portrait), each label readable
UNITS_PER_CHART_2 = 12  # the same when some label takes two lines
CHART_PAGE_ROWS = 50  # rows between two charts: one A4 portrait page at the default height
CHART_WIDTH, CHART_MAX_HEIGHT = 17.5, 21.0  # cm: within A4 portrait's printable area

_thin = Side(style="thin", color="808080")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
# the bands' colours, best first (a sixth band and on: the chart's own colours)
BAND_COLOURS = ("1E7B34", "6ABF69", "4F81BD", "F0A030", "C0392B")

SUMMARY = "สรุป"
BY_UNIT = "รายหน่วยงาน"
BANDS = "ระดับผลรายหน่วยงาน"
BAND_CHARTS = "แผนภูมิระดับผล"
HISTOGRAM = "การกระจายคะแนน"
POOL_USE = "วงเงินรายหน่วยงาน"
POOL_CHARTS = "แผนภูมิวงเงิน"
EDGES = "ใกล้เกณฑ์"
ISSUES = "ข้อค้นพบ"
# sheet → its title (the section heading printed at the top of its pages)
SECTIONS = {
    SUMMARY: "สรุปผลการประเมินและวงเงินเลื่อนเงินเดือน (Summary)",
    BY_UNIT: "สรุปรายหน่วยงานและกลุ่มวงเงิน (Summary by unit and pool group)",
    BANDS: "จำนวนคนตามระดับผลการประเมินรายหน่วยงาน (Bands per unit)",
    BAND_CHARTS: "แผนภูมิระดับผลรายหน่วยงาน (Bands per unit)",
    HISTOGRAM: "การกระจายของคะแนนรวม (Histogram of totals)",
    POOL_USE: "การใช้วงเงินเลื่อนเงินเดือนรายหน่วยงาน (Pool use per unit)",
    POOL_CHARTS: "แผนภูมิการใช้วงเงินรายหน่วยงาน (Pool use)",
    EDGES: "ผู้มีคะแนนใกล้เกณฑ์ระดับผลการประเมิน (People at band edges)",
    ISSUES: "ข้อค้นพบจากการรวมผล (Issues)",
}
BAHT, MONEY, SCORE, COUNT = "#,##0", "#,##0.00", "0.00", "0"


POOL_CHART_COLUMN = 10  # the pool chart's table starts in J, right of the printed table
LABEL_GAP = 4  # the chart labels' column: this many columns right of the last band


def _font(size: int = BODY_PT, bold: bool = False) -> Font:
    return Font(name=FONT, size=size, bold=bold)


def _money_format(values: Sequence[Any]) -> str:
    """``#,##0`` when every amount is whole baht, ``#,##0.00`` when satangs exist."""
    return (
        MONEY
        if any(isinstance(v, Decimal) and v != v.to_integral_value() for v in values)
        else BAHT
    )


def _cell_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return (
            int(value)
            if value == value.to_integral_value() and abs(value) < 10**15
            else float(value)
        )
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value


def _write(ws: Worksheet, row: int, column: int, value: Any) -> Any:
    """Write ``value`` into a cell as it is: text from the master (names, units,
    messages) stays text, never a formula or an error, its control characters encoded."""
    cell = ws.cell(row=row, column=column)
    put(cell, _cell_value(value))
    return cell


class _Sheet:
    """A section sheet being written: its title block, then tables row by row.

    Column widths are set first (:meth:`widths`). The workbook's default font is the
    forms' (:func:`pack_bytes`), so a unit of width is a digit of 14 pt TH SarabunPSK
    (7.7 pt in LibreOffice with Laksaman, padding included): an A4 page holds :data:`PAGE_UNITS` of them,
    and no table is wider than fit-to-width can print with 14 pt text at 12 pt or more
    (:data:`MIN_SCALE`)."""

    def __init__(self, wb: openpyxl.Workbook, name: str, pack: Pack, *, landscape: bool) -> None:
        self.ws = wb.create_sheet(name)
        self.row = 1
        self.scale = 1.0  # fit-to-width's scale, from the columns' widths
        ws = self.ws
        ws.sheet_format.defaultRowHeight = 21
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if landscape else "portrait"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.page_margins.left = ws.page_margins.right = 0.5
        ws.page_margins.top = 0.6
        ws.page_margins.bottom = (
            0.9  # room for the footer's Thai line (LibreOffice cuts a tight one)
        )
        ws.page_margins.footer = 0.3
        ws.oddFooter.left.text = f"{pack.organisation} รอบ {pack.round_id}".strip()
        ws.oddFooter.left.font = f"{FONT},Regular"
        ws.oddFooter.left.size = BODY_PT
        ws.oddFooter.right.text = "&A หน้า &P / &N"
        ws.oddFooter.right.font = f"{FONT},Regular"
        ws.oddFooter.right.size = BODY_PT
        self.line(SECTIONS[name], size=TITLE_PT, bold=True)
        self.line(f"{pack.organisation}  รอบการประเมิน {pack.round_id}".strip(), size=BODY_PT + 2)
        self.gap()

    def gap(self) -> None:
        """A thin blank row (between a title or a table and what follows)."""
        self.ws.row_dimensions[self.row].height = 8
        self.row += 1

    def line(self, text: str, *, size: int = BODY_PT, bold: bool = False) -> None:
        cell = _write(self.ws, self.row, 1, text)
        cell.font = _font(size, bold)
        self.ws.row_dimensions[self.row].height = size * 1.6
        self.row += 1

    def widths(self, widths: Sequence[float]) -> None:
        """The printed columns' widths (units of the default font's digit)."""
        for i, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = width
        self.scale = min(1.0, PAGE_UNITS[self.ws.page_setup.orientation] / sum(widths))

    def lines(self, row: Sequence[Any], wrap: Sequence[int] | None) -> int:
        """How many lines the row's wrapped cells take (by their columns' widths);
        ``wrap`` None: every cell (a header row, bold: counted a tenth wider)."""
        most = 1
        bold = wrap is None
        for c in range(len(row)) if wrap is None else wrap:
            text = "" if c >= len(row) or row[c] is None else str(row[c])
            width = self.ws.column_dimensions[get_column_letter(c + 1)].width or 10
            width = width / 1.1 if bold else width
            most = max(most, sum(line_count(part, width) for part in text.split("\n")))
        return most

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[Any]],
        formats: Sequence[str],
        *,
        repeat: bool = True,
        emphasis: Callable[[int], bool] | None = None,
        wrap: Sequence[int] = (),
        keep: Sequence[object] = (),
    ) -> tuple[int, int]:
        """A bordered table at the current row: a header row (repeated on every printed
        page when ``repeat``), then ``rows``; rows with the same ``keep`` value (a unit)
        printed on one page when they fit on one. Returns (header row, last row)."""
        ws, top = self.ws, self.row
        ws.row_dimensions[top].height = max(30, ROW_PT * self.lines(headers, HEAD_WRAP) + 6)
        for c, text in enumerate(headers, start=1):
            cell = _write(ws, top, c, text)
            cell.font = _font(HEAD_PT, bold=True)
            cell.fill = HEAD_FILL
            cell.border = BORDER
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if repeat:  # every page of the table shows the section's title and the header row
            ws.print_title_rows = f"1:{top}"
        for i, row in enumerate(rows):
            r = top + 1 + i
            ws.row_dimensions[r].height = ROW_PT * self.lines(row, wrap) + 2
            strong = bool(emphasis and emphasis(i))
            for c, value in enumerate(row, start=1):
                cell = _write(ws, r, c, value)
                cell.font = _font(BODY_PT, bold=strong)
                cell.border = BORDER
                cell.number_format = formats[c - 1]
                cell.alignment = Alignment(vertical="top", wrap_text=(c - 1) in wrap)
                if strong:
                    cell.fill = TOTAL_FILL
        self.row = top + 1 + len(rows)
        self.gap()
        if keep and repeat:
            self.keep_together(top, keep)
        return top, top + len(rows)

    def keep_together(self, top: int, keep: Sequence[object]) -> None:
        """Page breaks between blocks of rows (equal neighbours in ``keep``), so that no
        block is split across pages unless it is longer than a page. The heights are
        the rows' own; a page holds :data:`PAGE_FILL` of its printable height."""
        ws = self.ws
        height = PAGE_PT[ws.page_setup.orientation] / self.scale * PAGE_FILL
        titles = sum(ws.row_dimensions[r].height or DEFAULT_ROW_PT for r in range(1, top + 1))
        room = height - titles  # every page starts below the same title rows
        used = 0.0
        start = 0
        while start < len(keep):
            end = start
            while end + 1 < len(keep) and keep[end + 1] == keep[start]:
                end += 1
            block = sum(ws.row_dimensions[top + 1 + i].height or 0 for i in range(start, end + 1))
            if used and used + block > room:
                ws.row_breaks.append(Break(id=top + start))  # after the row above the block
                used = 0
            used += block
            start = end + 1


def _summary(wb: openpyxl.Workbook, pack: Pack) -> None:
    s = _Sheet(wb, SUMMARY, pack, landscape=False)
    s.widths((22, 10, 13, 13, 13))
    total = pack.summary[pack.summary["kind"] == "total"].iloc[0]
    people = int(total["headcount"])
    s.line(f"จำนวนหน่วยงาน {len(pack.units):,} หน่วย  ผู้รับการประเมิน {people:,} คน", size=16)
    s.row += 1
    s.line("จำนวนคนตามระดับผลการประเมิน", bold=True, size=16)
    rows = [
        [band, int(total[band]), (Decimal(int(total[band])) * 100 / people) if people else None]
        for band in pack.bands
    ]
    rows.append(["รวม", people, Decimal(100) if people else None])
    s.table(
        ("ระดับผลการประเมิน", "จำนวนคน", "ร้อยละ"),
        rows,
        ("General", COUNT, SCORE),
        repeat=False,
        emphasis=lambda i: i == len(rows) - 1,
    )
    edges = ", ".join(f"{band} ≥ {edge}" for band, edge in pack.edges)
    s.line(f"เกณฑ์คะแนนรวม: {edges}")
    s.row += 1
    s.line("วงเงินเลื่อนเงินเดือนตามกลุ่มวงเงิน (Pools)", bold=True, size=16)
    groups = pack.pools[pack.pools["unit"].isna() | (pack.pools["unit"] == "")]
    pool_rows = []
    for p in groups.to_dict("records"):
        pool = _dec(p["pool"])
        used = _dec(p["used_python"])
        pool_rows.append([p["pool_group"], p["headcount"], pool, used, pool - used])
    money = [_money_format([r[c] for r in pool_rows]) for c in (2, 3, 4)]
    s.table(
        ("กลุ่มวงเงิน", "จำนวนคน", "วงเงิน (บาท)", "ใช้ไป (บาท)", "คงเหลือ (บาท)"),
        pool_rows,
        ("General", COUNT, *money),
        repeat=False,
    )
    paid = int(total["headcount"]) - int(total["no_increase"])
    s.line(
        f"ได้เลื่อนเงินเดือน {paid:,} คน ไม่ได้เลื่อน {int(total['no_increase']):,} คน"
        f"  เงินที่ได้เลื่อนรวม {_baht(total['increase'])} บาท"
    )
    s.line(
        f"ผู้มีคะแนนต่ำกว่าเกณฑ์ระดับถัดไปไม่เกิน {pack.margin} คะแนน: {len(pack.at_edges):,} คน (แผ่นงาน {EDGES})"
    )
    errors = int((pack.issues["severity"] == "error").sum()) if len(pack.issues) else 0
    s.line(
        f"ข้อค้นพบจากการรวมผล: {len(pack.issues):,} รายการ (ข้อผิดพลาด {errors:,}) (แผ่นงาน {ISSUES})"
    )


def _signed(number_format: str) -> str:
    """``number_format`` with negative amounts in red (a unit over its share)."""
    return f"{number_format};[Red]-{number_format}"


def _dec(value: Any) -> Decimal:
    if value is None or value == "":
        return Decimal(0)
    return Decimal(str(value)) if not isinstance(value, Decimal) else value


def _baht(value: Any) -> str:
    amount = _dec(value)
    return f"{amount:,.2f}" if amount != amount.to_integral_value() else f"{amount:,.0f}"


def _by_unit(wb: openpyxl.Workbook, pack: Pack) -> None:
    s = _Sheet(wb, BY_UNIT, pack, landscape=True)
    s.widths((22, 14, 6, *[7] * len(pack.bands), 6, 6.5, 11, 11))
    table = pack.summary
    money = [_money_format(table[c].tolist()) for c in ("increase", "cost")]
    rows = [
        [
            r["unit_name"],
            r["pool_group"],
            r["headcount"],
            *[r[b] for b in pack.bands],
            r["no_increase"],
            r["mean_total"],
            r["increase"],
            r["cost"],
        ]
        for r in table.to_dict("records")
    ]
    kinds = table["kind"].tolist()
    s.table(
        (
            "หน่วยงาน",
            "กลุ่มวงเงิน",
            "จำนวนคน",
            *pack.bands,
            "ไม่ได้เลื่อน",
            "คะแนนเฉลี่ย",
            "เงินที่ได้เลื่อน (บาท)",
            "ใช้วงเงิน (บาท)",
        ),
        rows,
        (
            "General",
            "General",
            COUNT,
            *[COUNT] * len(pack.bands),
            COUNT,
            SCORE,
            *money,
        ),
        emphasis=lambda i: kinds[i] != "row",
        wrap=(0, 1),
        keep=table["unit"].tolist(),
    )


def _bands(wb: openpyxl.Workbook, pack: Pack) -> tuple[Worksheet, int, int]:
    s = _Sheet(wb, BANDS, pack, landscape=False)
    s.widths((28, *[7] * (len(pack.bands) + 1)))
    table = pack.band_counts
    rows = [
        [r["unit_name"], *[r[b] for b in pack.bands], r["headcount"]]
        for r in table.to_dict("records")
    ]
    totals = ["รวม", *[int(table[b].sum()) for b in pack.bands], int(table["headcount"].sum())]
    top, last = s.table(
        ("หน่วยงาน", *pack.bands, "รวม"),
        [*rows, totals],
        ("General", *[COUNT] * (len(pack.bands) + 1)),
        emphasis=lambda i: i == len(rows),
        wrap=(0,),
    )
    # the chart's labels, beside the printed table: each name in at most two short lines
    label_col = len(pack.bands) + LABEL_GAP
    _write(s.ws, top, label_col, "ป้ายแผนภูมิ (chart labels)")
    for i, name in enumerate(table["unit_name"].tolist(), start=top + 1):
        _write(s.ws, i, label_col, chart_label(name))
    s.ws.print_area = f"A1:{get_column_letter(len(pack.bands) + 2)}{last}"
    return s.ws, top, last - 1  # the total row is no bar


def _paged_charts(
    wb: openpyxl.Workbook,
    pack: Pack,
    name: str,
    data: Worksheet,
    rows: tuple[int, int],
    columns: tuple[int, int, int],
    make: Callable[[str], BarChart],
    colours: Sequence[str],
    title: str,
) -> None:
    """Horizontal bar charts over ``data``'s rows ``rows`` (header row, last row): value
    columns ``columns[0]``–``columns[1]`` (their titles in the header row), category
    labels in ``columns[2]``; one chart per A4 page, every unit on one of them."""
    s = _Sheet(wb, name, pack, landscape=False)
    ws = s.ws
    ws.sheet_format.defaultRowHeight = 15
    top, last = rows
    first_col, last_col, label_col = columns
    labels = [str(data.cell(row=r, column=label_col).value or "") for r in range(top + 1, last + 1)]
    # two-line labels need twice the room: LibreOffice skips labels that would touch
    per_page = UNITS_PER_CHART if all("\n" not in x for x in labels) else UNITS_PER_CHART_2
    units = len(labels)
    pages = max(1, -(-units // per_page))
    for page in range(pages):
        first = top + 1 + page * per_page
        end = max(first, min(last, first + per_page - 1))
        anchor = 1 + page * CHART_PAGE_ROWS + (4 if page == 0 else 0)
        if page:
            ws.row_breaks.append(Break(id=anchor - 1))
            _write(ws, anchor, 1, SECTIONS[name]).font = _font(16, True)
            anchor += 1
        text = title if pages == 1 else f"{title} (ที่ {first - top}–{end - top} จาก {units})"
        chart = make(text)
        chart.add_data(
            Reference(data, min_col=first_col, max_col=last_col, min_row=first, max_row=end),
            titles_from_data=False,
        )
        for i, series in enumerate(chart.series):
            series.tx = series_title(data, top, first_col + i)
        chart.set_categories(Reference(data, min_col=label_col, min_row=first, max_row=end))
        colour(chart, colours)
        n = end - first + 1
        chart.width = CHART_WIDTH
        chart.height = min(
            CHART_MAX_HEIGHT, 6 + 0.8 * n * (2 if per_page == UNITS_PER_CHART_2 else 1)
        )
        ws.add_chart(chart, f"A{anchor + 1}")


def _band_charts(wb: openpyxl.Workbook, pack: Pack, data: Worksheet, top: int, last: int) -> None:
    def make(title: str) -> BarChart:
        chart = bar_chart(title, horizontal=True, stacked=True)
        chart.y_axis.title = chart_title("จำนวนคน", 13)
        chart.gapWidth = 40
        return chart

    bands = len(pack.bands)
    _paged_charts(
        wb,
        pack,
        BAND_CHARTS,
        data,
        (top, last),
        (2, 1 + bands, bands + LABEL_GAP),
        make,
        BAND_COLOURS,
        "ระดับผลการประเมิน",
    )


def _histogram(wb: openpyxl.Workbook, pack: Pack) -> None:
    s = _Sheet(wb, HISTOGRAM, pack, landscape=False)
    s.widths((18, 10))
    rows = [[r["label"], r["count"]] for r in pack.histogram.to_dict("records")]
    top, last = s.table(("ช่วงคะแนนรวม", "จำนวนคน"), rows, ("General", COUNT), repeat=False)
    edges = ", ".join(f"{band} ≥ {edge}" for band, edge in pack.edges)
    s.line(f"เกณฑ์ระดับผลการประเมิน: {edges}")
    chart = bar_chart("การกระจายของคะแนนรวม (Histogram of totals)", horizontal=False, stacked=False)
    chart.add_data(Reference(s.ws, min_col=2, min_row=top, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(s.ws, min_col=1, min_row=top + 1, max_row=last))
    chart.gapWidth = 10
    chart.legend = None
    chart.x_axis.title = chart_title("คะแนนรวม", 13)
    chart.y_axis.title = chart_title("จำนวนคน", 13)
    colour(chart, ("4F81BD",))
    chart.width, chart.height = 17.5, 11
    s.ws.add_chart(chart, f"A{s.row + 1}")


def _pool_use(wb: openpyxl.Workbook, pack: Pack) -> tuple[Worksheet, int, int]:
    s = _Sheet(wb, POOL_USE, pack, landscape=True)
    s.widths((30, 16, 7, 14, 12, 12, 9))
    if pack.unit_shares:
        share = "วงเงินของหน่วยงาน"
        notes = [f"{share}: วงเงินของกลุ่มที่แบ่งให้หน่วยงานตามสัดส่วนเงินเดือนรวมของหน่วยงาน"]
    else:
        share = "วงเงินตามสัดส่วน"
        notes = [
            f"{share}: วงเงินของกลุ่มคิดตามสัดส่วนเงินเดือนรวมของหน่วยงาน เพื่อเปรียบเทียบ",
            "(รอบนี้ไม่ได้แบ่งวงเงินให้หน่วยงาน ทุกหน่วยใช้วงเงินรวมของกลุ่ม)",
        ]
    table = pack.pool_use
    money = [_signed(_money_format(table[c].tolist())) for c in ("share", "used", "left")]
    rows = [
        [
            r["unit_name"],
            r["pool_group"],
            r["headcount"],
            r["share"],
            r["used"],
            r["left"],
            r["pct_used"],
        ]
        for r in table.to_dict("records")
    ]
    top, last = s.table(
        (
            "หน่วยงาน",
            "กลุ่มวงเงิน",
            "จำนวนคน",
            f"{share} (บาท)",
            "ใช้ไป (บาท)",
            "คงเหลือ (บาท)",
            "ร้อยละที่ใช้",
        ),
        rows,
        ("General", "General", COUNT, *money, SCORE),
        wrap=(0,),
        keep=table["unit"].tolist(),
    )
    for note in notes:  # below the table: the title rows repeat on every page
        s.line(note)
    # the chart's table: one row per unit, all groups together (beside the printed area)
    per_unit: dict[str, list[Decimal]] = {}
    for row in table.to_dict("records"):
        sums = per_unit.setdefault(row["unit"], [Decimal(0), Decimal(0)])
        sums[0] += row["share"]
        sums[1] += row["used"]
    names = dict(zip(pack.units["unit"], pack.units["unit_name"], strict=True))
    col = POOL_CHART_COLUMN
    ws = s.ws
    _write(ws, top, col, "หน่วยงาน")
    _write(ws, top, col + 1, share)
    _write(ws, top, col + 2, "ใช้ไป")
    r = top
    for unit in pack.units["unit"]:
        if unit not in per_unit:
            continue
        r += 1
        _write(ws, r, col, chart_label(names[unit]))
        _write(ws, r, col + 1, per_unit[unit][0])
        _write(ws, r, col + 2, per_unit[unit][1])
    ws.print_area = f"A1:G{max(last, s.row)}"
    return ws, top, r


def _pool_charts(wb: openpyxl.Workbook, pack: Pack, data: Worksheet, top: int, last: int) -> None:
    def make(title: str) -> BarChart:
        chart = bar_chart(title, horizontal=True, stacked=False)
        chart.y_axis.title = chart_title("บาท", 13)
        chart.y_axis.number_format = BAHT
        chart.gapWidth = 50
        return chart

    col = POOL_CHART_COLUMN
    _paged_charts(
        wb,
        pack,
        POOL_CHARTS,
        data,
        (top, last),
        (col + 1, col + 2, col),
        make,
        ("BDD7EE", "2E75B6"),
        "วงเงินและที่ใช้ไป (บาท)",
    )


def _edges(wb: openpyxl.Workbook, pack: Pack) -> None:
    s = _Sheet(wb, EDGES, pack, landscape=True)
    s.widths((22, 22, 22, 8.5, 9, 9, 7, 7))
    edges = ", ".join(f"{band} ≥ {edge}" for band, edge in pack.edges)
    note = f"ผู้ที่คะแนนรวมต่ำกว่าเกณฑ์ขั้นต่ำของระดับผลที่สูงกว่าไม่เกิน {pack.margin} คะแนน (เกณฑ์: {edges})"
    rows = [
        [
            r["name"],
            r["position"],
            r["unit_name"],
            r["total"],
            r["band"],
            r["next_band"],
            r["edge"],
            r["gap"],
        ]
        for r in pack.at_edges.to_dict("records")
    ]
    if not rows:
        s.line(note)
        s.line("— ไม่มีผู้ที่คะแนนอยู่ใกล้เกณฑ์ (none) —", bold=True)
        return
    s.table(
        ("ชื่อ-สกุล", "ตำแหน่ง", "หน่วยงาน", "คะแนนรวม", "ระดับผล", "ระดับถัดไป", "เกณฑ์", "ขาดอีก"),
        rows,
        ("General", "General", "General", SCORE, "General", "General", SCORE, SCORE),
        wrap=(0, 1, 2),
        keep=pack.at_edges["unit"].tolist(),
    )
    s.line(note)


def _issues(wb: openpyxl.Workbook, pack: Pack) -> None:
    s = _Sheet(wb, ISSUES, pack, landscape=True)
    s.widths((7, 15, 14.5, 21, 31, 25.5))
    table = pack.issues
    if not len(table):
        s.line("— ไม่มีข้อค้นพบ (no issues) —", bold=True)
        return
    severity = {"error": "ผิดพลาด", "warning": "คำเตือน"}
    rows = []
    for r in table.to_dict("records"):
        place = " › ".join(str(r[k]) for k in ("sheet", "cell") if r.get(k) not in (None, ""))
        where = "\n".join(str(x) for x in (r.get("file"), place) if x not in (None, ""))
        rows.append(
            [
                severity.get(str(r["severity"]), r["severity"]),
                r["rule"],
                r["person_id"],
                where,
                r["message_th"],
                r["message_en"],
            ]
        )
    s.table(
        ("ระดับ", "รหัสกฎ", "เลขประจำตัว", "ที่ไฟล์/แผ่นงาน/เซลล์", "ข้อความ", "message"),
        rows,
        ("General",) * 6,
        wrap=(1, 2, 3, 4, 5),
    )


def pack_workbook(pack: Pack) -> openpyxl.Workbook:
    """The committee pack as an openpyxl workbook (see the module doc)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    _summary(wb, pack)
    _by_unit(wb, pack)
    data, top, last = _bands(wb, pack)
    _band_charts(wb, pack, data, top, last)
    _histogram(wb, pack)
    pool_data, pool_top, pool_last = _pool_use(wb, pack)
    _pool_charts(wb, pack, pool_data, pool_top, pool_last)
    _edges(wb, pack)
    if pack.calibration is not None:  # the committee's check of lenient and strict evaluators
        write_calibration(
            wb.create_sheet(CALIBRATION_SHEET), pack.calibration, round_name=pack.round_id
        )
    _issues(wb, pack)
    wb.properties.creator = "kpixl"
    wb.properties.title = "เอกสารประกอบการพิจารณาของคณะกรรมการกลั่นกรอง"
    return wb


def pack_bytes(pack: Pack) -> bytes:
    """The committee pack's .xlsx bytes (the same pack, the same bytes), its default
    font the forms' 14 pt TH SarabunPSK: column widths are counted in that font's
    digits, so they print alike in Excel (TH SarabunPSK) and LibreOffice (Laksaman),
    whether or not Calibri or its stand-in is installed."""
    package = Package.read(reproducible_bytes(pack_workbook(pack)))
    styles = package.parts["xl/styles.xml"].decode("utf-8")
    default = f'<font><name val="{FONT}" /><family val="2" /><sz val="{BODY_PT}" /></font>'
    styles = re.sub(r"<font>.*?</font>", default, styles, count=1, flags=re.S)
    return package.to_bytes({"xl/styles.xml": styles.encode("utf-8")})
