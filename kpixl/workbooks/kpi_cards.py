"""KPI cards as a printable workbook: one A4 page per KPI (``kpixl cascade cards``).

One sheet per level (the organisation's KPIs, the units', the individuals'), each card
on its own page (a page break after it), A4 portrait in TH SarabunPSK 14 pt. A card
is the seed's KPI Template: the KPI's code and name, where it sits (perspective and
goal, unit, parent KPI, person), its fields as label and text, the five target levels
with what each level means (level 3 is the expected target), and a table of its
results by quarter of the fiscal year. A field left blank prints as a dotted line to
fill in by hand. Every text goes through :func:`kpixl.io.cell_text.put`: a name that
starts with "=" stays text.

The columns fill the page's width at 100 %, and each row is as tall as its wrapped
text needs (:func:`kpixl.workbooks.thai_wrap.line_count`), so every label is printed
whole; a sheet whose longest card would not fit a page prints at the scale that fits
it, never below 12 pt.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from kpixl.core.kpi_cards import LEVELS, Card
from kpixl.io.cell_text import put
from kpixl.io.xlsx_package import Package
from kpixl.workbooks.personal_layout import LEVEL_MEANINGS
from kpixl.workbooks.personal_template import reproducible_bytes
from kpixl.workbooks.report_charts import FONT
from kpixl.workbooks.thai_wrap import LATIN_WIDTH, THAI_WIDTH, cells

__all__ = ["SHEETS", "TITLE", "card_title", "cards_bytes", "cards_workbook"]

TITLE = "บัตรรายละเอียดตัวชี้วัด (KPI Template)"
SHEETS = {  # a card's level → its sheet
    "org": "ระดับองค์การ",
    "unit": "ระดับหน่วยงาน",
    "person": "ระดับบุคคล",
}
BODY_PT, TITLE_PT = 14, 18


def card_title(level: str) -> str:
    """A card's title: บัตรรายละเอียดตัวชี้วัดระดับหน่วยงาน (KPI Template)."""
    return f"บัตรรายละเอียด{LEVELS[level]} (KPI Template)"


BOLD_WIDTH = 1.05  # bold text is this much wider
LINE_PT = 23.2  # a line of 14 pt Thai text in a wrapped cell (LibreOffice, Laksaman)
PAD_PT = 2  # room above and below a row's text
# A4 portrait: the columns' widths (units of the default font's digit) fill the page's
# printable width at 100 %; A holds the labels, B–F the values and the tables' columns
WIDTHS = (20, 9.4, 9.4, 9.4, 9.4, 9.4)
LAST = len(WIDTHS)
MARGIN_IN = 0.5
TOP_IN, FOOTER_IN = 0.35, 0.7  # the top margin; the bottom one holds the footer's line
PAGE_PT = 29.7 / 2.54 * 72 - (TOP_IN + FOOTER_IN) * 72  # the printable height
MIN_SCALE = 86  # 14 pt printed at 12 pt or more
MAX_ROW_PT = 409  # Excel's tallest row (a longer text is cut on paper, whole in its cell)
DOTS = "……………………………"  # a blank field: filled in by hand

_thin = Side(style="thin", color="808080")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
LABEL_FILL = PatternFill("solid", fgColor="F2F2F2")
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
TOP = Alignment(vertical="top", wrap_text=True)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _font(size: int = BODY_PT, bold: bool = False) -> Font:
    return Font(name=FONT, size=size, bold=bold)


def _width(first: int, last: int) -> float:
    """The width of columns ``first``…``last`` (1-based), merged."""
    return sum(WIDTHS[first - 1 : last])


NARROW = set(" .,:;()[]/-–'\"")  # narrow marks: about half a digit wide
NARROW_WIDTH = 0.55


def _used(text: str) -> float:
    """The width ``text`` takes, in units of the default font's digit."""
    return sum(
        NARROW_WIDTH if c in NARROW else THAI_WIDTH if 0x0E00 <= ord(c) <= 0x0E7F else LATIN_WIDTH
        for c in text
        if cells(c)  # a Thai mark above or below takes no room
    )


def _lines(text: str, width: float, bold: bool = False) -> int:
    """The lines ``text`` takes in a wrapped cell ``width`` wide (its own breaks kept).

    A line that wraps holds a little less than the cell's width: it breaks between
    words, losing up to a word at its end (measured in LibreOffice's PDFs, Laksaman)."""
    lines = 0
    for part in text.split("\n") if text else [""]:
        used = _used(part) * (BOLD_WIDTH if bold else 1.0)
        if used <= width - 1:
            lines += 1
        else:
            lines += math.ceil(used / min(width * 0.92, width - 2.5))
    return lines


class _Page:
    """A sheet being written card after card."""

    def __init__(self, ws: Worksheet, organisation: str) -> None:
        self.ws = ws
        self.row = 1
        self.tallest = 0.0
        ws.sheet_format.defaultRowHeight = LINE_PT + PAD_PT
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "portrait"
        ws.page_margins.left = ws.page_margins.right = MARGIN_IN
        ws.page_margins.top = TOP_IN
        ws.page_margins.bottom = FOOTER_IN
        ws.page_margins.header = 0.2
        ws.page_margins.footer = 0.25
        ws.print_options.horizontalCentered = True
        for i, width in enumerate(WIDTHS, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.oddFooter.left.text = f"{TITLE}  {organisation}".strip().replace("&", "&&")
        ws.oddFooter.left.font = f"{FONT},Regular"
        ws.oddFooter.left.size = BODY_PT
        ws.oddFooter.right.text = "หน้า &P / &N"
        ws.oddFooter.right.font = f"{FONT},Regular"
        ws.oddFooter.right.size = BODY_PT

    def put(
        self,
        first: int,
        last: int,
        value: str,
        *,
        bold: bool = False,
        size: int = BODY_PT,
        fill: PatternFill | None = None,
        align: Alignment = TOP,
        border: bool = True,
    ) -> int:
        """``value`` in columns ``first``…``last`` of the current row (merged); the
        lines it takes."""
        cell = self.ws.cell(row=self.row, column=first)
        put(cell, value or None)  # text from the master stays text
        cell.font = _font(size, bold)
        cell.alignment = align
        if last > first:
            self.ws.merge_cells(
                start_row=self.row, start_column=first, end_row=self.row, end_column=last
            )
        for column in range(first, last + 1):
            c = self.ws.cell(row=self.row, column=column)
            if border:
                c.border = BORDER
            if fill is not None:
                c.fill = fill
        return _lines(value, _width(first, last) * BODY_PT / size, bold)

    def end_row(self, lines: int, *, size: int = BODY_PT) -> None:
        height = LINE_PT * size / BODY_PT * lines + PAD_PT
        self.ws.row_dimensions[self.row].height = round(min(height, MAX_ROW_PT), 1)
        self.row += 1

    def heading(self, text: str, *, size: int, bold: bool) -> None:
        lines = self.put(1, LAST, text, size=size, bold=bold, align=CENTRE, border=False)
        self.end_row(lines, size=size)

    def field(self, label: str, value: str) -> None:
        """A label in A and its text across B–F (a dotted line when blank)."""
        lines = self.put(1, 1, label, bold=True, fill=LABEL_FILL)
        lines = max(lines, self.put(2, LAST, value or DOTS))
        self.end_row(lines)

    def pair(self, one: tuple[str, str], two: tuple[str, str]) -> None:
        """Two short fields on a row: A label, B–C text, D–E label, F text."""
        lines = max(
            self.put(1, 1, one[0], bold=True, fill=LABEL_FILL),
            self.put(2, 3, one[1] or DOTS),
            self.put(4, 5, two[0], bold=True, fill=LABEL_FILL),
            self.put(6, 6, two[1] or DOTS),
        )
        self.end_row(lines)

    def grid(self, label: str, values: Sequence[str], *, head: bool = False) -> None:
        """A row of a five-column table: its label in A, a value in each of B–F."""
        fill = HEAD_FILL if head else None
        lines = self.put(1, 1, label, bold=True, fill=HEAD_FILL if head else LABEL_FILL)
        for i, value in enumerate(values, start=2):
            lines = max(lines, self.put(i, i, value, bold=head, fill=fill, align=CENTRE))
        self.end_row(lines)

    def gap(self, height: float = 6) -> None:
        self.ws.row_dimensions[self.row].height = height
        self.row += 1


def _card(page: _Page, card: Card) -> None:
    top = page.row
    page.heading(card_title(card.level), size=TITLE_PT, bold=True)
    page.gap()
    page.field("ตัวชี้วัด", f"{card.code} {card.name}".strip())
    page.ws.cell(row=page.row - 1, column=2).font = _font(bold=True)
    for label, value in card.identity:
        page.field(label, value)
    for row in card.details:
        if len(row) == 2:
            page.pair(row[0], row[1])
        else:
            page.field(*row[0])
    if card.levels is not None:
        page.gap()
        label = "ระดับค่าเป้าหมาย" + (f"\n({card.kind})" if card.kind else "")
        page.grid(label, [f"ระดับ {i}" for i in range(1, 6)], head=True)
        if card.milestone:
            values = [v or f"ขั้นตอนที่ {i}" for i, v in enumerate(card.levels, start=1)]
        else:
            values = list(card.levels)
        page.grid("ขั้นความสำเร็จ" if card.milestone else "ค่าเป้าหมาย", values)
        meanings = "  ".join(f"{i} {LEVEL_MEANINGS[i]}" for i in range(1, 6))
        lines = page.put(1, LAST, f"ความหมายของระดับ:  {meanings}", border=False)
        page.end_row(lines)
    if card.quarters:
        page.gap()
        names = [f"{name}\n{months}" for name, months, _ in card.quarters]
        total = "ทั้งปี" if len(card.quarters) == 4 else "ทั้งรอบ"
        year = f"\nปีงบประมาณ {card.quarter_year}" if card.quarter_year else ""
        page.grid(f"ผลการดำเนินงาน{year}", [*names, total], head=True)
        page.grid("ผล", [result for _, _, result in card.quarters] + [""])
    if card.signers:
        page.gap(14)
        blocks = ((1, 3), (4, LAST))[: len(card.signers)]
        for line in range(3):
            lines = 1
            for (first, last), (name, role) in zip(blocks, card.signers, strict=False):
                text = (
                    f"ลงชื่อ {DOTS}",
                    f"({name or DOTS})",
                    f"{role}\nวันที่ {DOTS}",
                )[line]
                lines = max(lines, page.put(first, last, text, align=CENTRE, border=False))
            page.end_row(lines)
    page.tallest = max(
        page.tallest,
        sum(page.ws.row_dimensions[r].height or 0 for r in range(top, page.row)),
    )
    page.ws.row_breaks.append(Break(id=page.row - 1))


def cards_workbook(cards: Sequence[Card], *, organisation: str = "") -> openpyxl.Workbook:
    """The workbook of ``cards``: a sheet per level that has cards, a page per card."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for level, sheet in SHEETS.items():
        mine = [c for c in cards if c.level == level]
        if not mine:
            continue
        page = _Page(wb.create_sheet(sheet), organisation)
        for card in mine:
            _card(page, card)
        ws = page.ws
        ws.print_area = f"A1:{get_column_letter(LAST)}{page.row - 1}"
        if page.tallest > PAGE_PT:  # the longest card shrinks to its page, 12 pt at least
            ws.page_setup.scale = max(MIN_SCALE, int(100 * PAGE_PT / page.tallest))
    if not wb.worksheets:
        ws = wb.create_sheet(SHEETS["org"])
        put(ws["A1"], "ไม่มีตัวชี้วัด / no KPIs")
    return wb


def cards_bytes(cards: Sequence[Card], *, organisation: str = "") -> bytes:
    """The cards workbook's .xlsx bytes (the same cards, the same bytes), its default
    font 14 pt TH SarabunPSK so that the widths count that font's digits."""
    package = Package.read(reproducible_bytes(cards_workbook(cards, organisation=organisation)))
    styles = package.parts["xl/styles.xml"].decode("utf-8")
    default = f'<font><name val="{FONT}" /><family val="2" /><sz val="{BODY_PT}" /></font>'
    styles = re.sub(r"<font>.*?</font>", default, styles, count=1, flags=re.S)
    return package.to_bytes({"xl/styles.xml": styles.encode("utf-8")})
