"""The per-person result notice (แบบแจ้งผลการประเมินผลการปฏิบัติราชการและผลการเลื่อนเงินเดือน).

One A4 portrait page per person, in TH SarabunPSK at 14 pt or more: the organisation
and the round with its Buddhist-era dates; who was evaluated (name, national id,
position and its number, type and level, the unit's name, the evaluator); the scores
as the official summary lays them out (each component's score, weight and weighted
points, the total and the band among the agency's bands); the salary result (old
salary, calculation base, %, increase, new salary, special compensation, the date it
takes effect and the salary order it follows), or why there is no increase; when the
person has earlier rounds in the master's History sheet, their last rounds (ผลการ
ประเมินย้อนหลัง: round, band, total, %, increase, salary, new salary); and the
acknowledgement: the person's signature that they were told, the evaluator's that
they told, and the line for a person who will not sign (the date and a witness).

:func:`notice_bytes` makes the notice a workbook of one sheet, :data:`SHEET`; the
job (:mod:`kpixl.jobs.notices`) renders that to PDF and grafts the same sheet into a
copy of the person's own workbook (:func:`kpixl.io.xlsx_sheets.copy_sheet`). Numbers
are written as numbers (with their formats), so the sheet's figures are the master's;
text from the master goes through :func:`kpixl.io.cell_text.put` and stays text.

Column widths are in digits of the workbook's default font, Calibri 11 as in the
personal workbook (the sheet prints alike alone and in the person's workbook).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kpixl.io.cell_text import put
from kpixl.workbooks.personal_template import reproducible_bytes
from kpixl.workbooks.thai_wrap import line_count

__all__ = ["SHEET", "TITLE", "Notice", "NoticeRound", "notice_bytes", "notice_workbook"]

SHEET = "แจ้งผล"
TITLE = "แบบแจ้งผลการประเมินผลการปฏิบัติราชการและผลการเลื่อนเงินเดือน"
FONT = "TH SarabunPSK"
DOTS = "……………………………"
BODY = 14
# eight columns, in digits of Calibri 11: an A4 portrait page within the margins below
WIDTHS = (14.0, 14.0, 12.0, 13.0, 10.0, 10.0, 11.0, 11.0)
SARABUN_PER_UNIT = 0.8  # a digit of Calibri 11 in digits of 14 pt TH SarabunPSK (measured in PDFs)
LINE_PT = 21.0  # one line of 14 pt Thai, with room for its marks above and below
BAHT, SATANG, SCORE, PCT = '#,##0 "บาท"', '#,##0.00 "บาท"', "0.00", "0.00"

_thin = Side(style="thin", color="808080")
_BOX = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
_UNDER = Border(bottom=Side(style="thin", color="000000"))


@dataclass(frozen=True)
class NoticeRound:
    """One row of the person's History (the master's History sheet): a round's result."""

    round: str  # 2570/1
    band: str
    total: Decimal | None
    pct: Decimal | None
    increase: Decimal | None
    salary: Decimal | None
    new_salary: Decimal | None


@dataclass(frozen=True)
class Notice:
    """What one person's notice prints; text ready to print, money and scores Decimal
    (None where the master holds none)."""

    person_id: str
    unit: str  # the unit's code (the output folder)
    organisation: str
    round_text: str  # รอบที่ 1 (1 ตุลาคม 2569 – 31 มีนาคม 2570) ประจำปีงบประมาณ พ.ศ. 2570
    name: str
    position: str
    position_no: str
    level_text: str  # ประเภทวิชาการ ระดับชำนาญการ
    unit_name: str
    evaluator: str
    evaluator_position: str
    achievement: Decimal | None
    competency: Decimal | None
    total: Decimal | None
    weights: tuple[Decimal, Decimal, Decimal]  # achievement, competency, other (%)
    band: str
    band_range: str  # the band's total range, e.g. 70 – ต่ำกว่า 80
    bands: tuple[str, ...]  # the agency's bands, best first
    salary: Decimal | None
    base: Decimal | None
    base_kind: str  # ฐานล่าง / ฐานบน / ""
    pct: Decimal | None
    increase: Decimal | None
    new_salary: Decimal | None
    special_compensation: Decimal | None
    reason: str  # why there is no increase (Thai), "" when there is one
    effective_date: str
    order_no: str
    order_date: str
    # the person's last rounds, oldest first, this one last (the master's History sheet);
    # empty when there is no earlier round: the block is left out
    history: tuple[NoticeRound, ...] = ()

    @property
    def raised(self) -> bool:
        """Whether the person gets an increase or a special compensation."""
        return bool(self.increase) or bool(self.special_compensation)


def _font(size: int = BODY, bold: bool = False) -> Font:
    return Font(name=FONT, size=size, bold=bold)


def _number(value: Decimal | None) -> Any:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _amount(value: Decimal | None) -> str:
    """A table's money: whole baht, satangs only where there are some."""
    return "#,##0.00" if value is not None and value != value.to_integral_value() else "#,##0"


def _money(value: Decimal | None) -> str:
    return SATANG if value is not None and value != value.to_integral_value() else BAHT


class _Page:
    """The notice's sheet being written row by row."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.row = 1

    def span(self, first: int, last: int) -> float:
        return sum(WIDTHS[first - 1 : last])

    def lines(self, text: str, first: int, last: int, size: int = BODY) -> int:
        width = self.span(first, last) * SARABUN_PER_UNIT * BODY / size
        return max(line_count(part, width - 1) for part in text.split("\n"))

    def cell(
        self,
        column: int,
        value: Any,
        *,
        last: int | None = None,
        size: int = BODY,
        bold: bool = False,
        align: str = "left",
        fmt: str | None = None,
        border: Border | None = None,
        indent: int = 0,
    ) -> None:
        """A value at ``column`` of the current row, merged through ``last``."""
        ws = self.ws
        cell = ws.cell(row=self.row, column=column)
        put(cell, value)
        cell.font = _font(size, bold)
        cell.alignment = Alignment(
            horizontal=align, vertical="center", wrap_text=True, indent=indent
        )
        if fmt:
            cell.number_format = fmt
        if last and last > column:
            ws.merge_cells(
                start_row=self.row, start_column=column, end_row=self.row, end_column=last
            )
        if border is not None:
            for c in range(column, (last or column) + 1):
                ws.cell(row=self.row, column=c).border = border

    def end(self, height: float = LINE_PT) -> None:
        self.ws.row_dimensions[self.row].height = height
        self.row += 1

    def line(self, text: str, *, size: int = BODY, bold: bool = False, align: str = "left") -> None:
        """A paragraph across the page, as tall as its wrapped lines."""
        self.cell(1, text, last=len(WIDTHS), size=size, bold=bold, align=align)
        self.end(self.lines(text, 1, len(WIDTHS), size) * LINE_PT * size / BODY)

    def gap(self, height: float = 8) -> None:
        self.end(height)

    def section(self, text: str) -> None:
        self.cell(1, text, last=len(WIDTHS), size=BODY + 1, bold=True, border=_UNDER)
        self.end(LINE_PT + 3)

    def field(self, label: str, value: Any) -> None:
        """A label (columns A:B) and its value (C to the page's end)."""
        self.cell(1, label, last=2, bold=True)
        text = "" if value is None else str(value)
        self.cell(3, value if text else DOTS, last=len(WIDTHS))
        self.end(self.lines(text, 3, len(WIDTHS)) * LINE_PT)


def _identity(p: _Page, n: Notice) -> None:
    p.section("ส่วนที่ 1  ข้อมูลผู้รับการประเมิน")
    p.field("ชื่อ-สกุล", n.name)
    p.field("เลขประจำตัวประชาชน", n.person_id)
    position = n.position + (f"  เลขที่ตำแหน่ง {n.position_no}" if n.position_no else "")
    p.field("ตำแหน่ง", position.strip())
    p.field("ประเภท/ระดับ", n.level_text)
    p.field("หน่วยงาน", n.unit_name)
    position = n.evaluator_position if n.evaluator_position != n.evaluator else ""
    evaluator = n.evaluator + (f"  ตำแหน่ง {position}" if position else "")
    p.field("ผู้ประเมิน", evaluator.strip())


def _scores(p: _Page, n: Notice) -> None:
    p.section("ส่วนที่ 2  ผลการประเมินผลการปฏิบัติราชการ")
    heads = (
        (1, 4, "องค์ประกอบการประเมิน"),
        (5, 6, "คะแนนที่ได้ (เต็ม 100)"),
        (7, 7, "น้ำหนัก (ร้อยละ)"),
        (8, 8, "คะแนนรวม ถ่วงน้ำหนัก"),
    )
    for first, last, text in heads:
        p.cell(first, text, last=last, bold=True, align="center", border=_BOX)
    p.end(max(p.lines(t, f, la) for f, la, t in heads) * LINE_PT + 2)
    w_a, w_c, w_o = n.weights
    rows = [
        ("องค์ประกอบที่ 1: ผลสัมฤทธิ์ของงาน", n.achievement, w_a),
        ("องค์ประกอบที่ 2: พฤติกรรมการปฏิบัติราชการ (สมรรถนะ)", n.competency, w_c),
    ]
    if w_o:
        rows.append(("องค์ประกอบอื่น (ถ้ามี)", None, w_o))
    for label, score, weight in rows:
        weighted = None if score is None else score * weight / 100
        p.cell(1, label, last=4, border=_BOX, indent=1)
        p.cell(5, _number(score), last=6, align="center", fmt=SCORE, border=_BOX)
        p.cell(7, _number(weight), align="center", fmt="0", border=_BOX)
        fmt = (
            SCORE if weighted is None or weighted == weighted.quantize(Decimal("0.01")) else "0.00#"
        )
        p.cell(8, _number(weighted), align="center", fmt=fmt, border=_BOX)
        p.end(p.lines(label, 1, 4) * LINE_PT)
    p.cell(1, "รวม", last=4, bold=True, align="center", border=_BOX)
    p.cell(5, None, last=6, border=_BOX)
    p.cell(7, _number(w_a + w_c + w_o), align="center", fmt="0", bold=True, border=_BOX)
    p.cell(8, _number(n.total), align="center", fmt=SCORE, bold=True, border=_BOX)
    p.end()
    p.gap(4)
    p.cell(1, "ระดับผลการประเมิน", last=2, bold=True)
    band = n.band or "ไม่มีผลการประเมิน"
    p.cell(3, band, last=4, size=BODY + 2, bold=True)
    p.cell(5, f"(คะแนนรวม {n.band_range})" if n.band_range else "", last=8)
    p.end(LINE_PT + 3)
    ticks = "   ".join(("☑ " if b == n.band else "☐ ") + b for b in n.bands)
    p.cell(3, ticks, last=8)
    p.end()


def _salary(p: _Page, n: Notice) -> None:
    p.section("ส่วนที่ 3  ผลการเลื่อนเงินเดือน")

    def row(label: str, value: Any, fmt: str | None, note: str = "", *, bold: bool = False) -> None:
        p.cell(1, label, last=3, bold=True, border=_BOX, indent=1)
        p.cell(4, value, last=5, fmt=fmt, bold=bold, align="right", border=_BOX)
        p.cell(6, note, last=8, border=_BOX, indent=1)
        p.end(max(p.lines(str(value or ""), 4, 5), p.lines(note, 6, 8)) * LINE_PT)

    if n.raised:
        row("เงินเดือนก่อนเลื่อน", _number(n.salary), _money(n.salary))
        row("ฐานในการคำนวณ", _number(n.base), _money(n.base), n.base_kind)
        row("ร้อยละที่ได้เลื่อน", _number(n.pct), PCT, "ของฐานในการคำนวณ")
        row("จำนวนเงินที่ได้เลื่อน", _number(n.increase), _money(n.increase))
        row("เงินเดือนใหม่", _number(n.new_salary), _money(n.new_salary), bold=True)
        special = n.special_compensation or None
        if special:
            row(
                "ค่าตอบแทนพิเศษ",
                _number(special),
                _money(special),
                "ส่วนที่เกินเงินเดือนขั้นสูง",
            )
        p.gap(4)
        p.line(
            f"ทั้งนี้ ตั้งแต่วันที่ {n.effective_date}  ตามคำสั่ง{n.organisation} ที่ {n.order_no}"
            f" ลงวันที่ {n.order_date}"
        )
    else:
        row("เงินเดือน", _number(n.salary), _money(n.salary), "คงเดิม")
        row("ผลการเลื่อนเงินเดือน", "ไม่ได้เลื่อน", None, n.reason or DOTS)


HISTORY_HEADS = (  # (first column, last column, header): each header on one line
    (1, 1, "รอบ"),
    (2, 2, "ระดับผล"),
    (3, 3, "คะแนนรวม"),
    (4, 4, "ร้อยละ"),
    (5, 5, "ได้เลื่อน"),
    (6, 6, "เงินเดือน"),
    (7, 8, "เงินเดือนใหม่"),
)


def _history(p: _Page, n: Notice) -> None:
    """ผลการประเมินย้อนหลัง: the person's History rows, oldest first (this round last,
    in bold); a line each, so the notice stays one page."""
    p.cell(1, "ผลการประเมินย้อนหลัง (จากแผ่นงาน History ของสมุดงานหลัก)", last=len(WIDTHS), bold=True)
    p.end()
    for first, last, text in HISTORY_HEADS:
        p.cell(first, text, last=last, bold=True, align="center", border=_BOX)
    p.end(max(p.lines(t, f, la) for f, la, t in HISTORY_HEADS) * LINE_PT)
    for i, r in enumerate(n.history):
        bold = i == len(n.history) - 1
        p.cell(1, r.round, align="center", bold=bold, border=_BOX)
        p.cell(2, r.band or "-", align="center", bold=bold, border=_BOX)
        p.cell(3, _number(r.total), align="center", fmt=SCORE, bold=bold, border=_BOX)
        p.cell(4, _number(r.pct), align="center", fmt=PCT, bold=bold, border=_BOX)
        for first, last, value in ((5, 5, r.increase), (6, 6, r.salary), (7, 8, r.new_salary)):
            fmt = _amount(value)
            p.cell(
                first, _number(value), last=last, align="center", fmt=fmt, bold=bold, border=_BOX
            )
        p.end()


def _evaluator_block(n: Notice) -> tuple[str, str]:
    """The evaluator's name and position under the signature; a roster that names the
    evaluator by title only (หัวหน้ากลุ่ม…) gets a dotted line for the name."""
    if n.evaluator and n.evaluator_position and n.evaluator != n.evaluator_position:
        return f"({n.evaluator})", f"ตำแหน่ง {n.evaluator_position}"
    title = n.evaluator_position or n.evaluator
    return f"({DOTS}{DOTS})", f"ตำแหน่ง {title or DOTS}"


def _acknowledge(p: _Page, n: Notice) -> None:
    p.section("ส่วนที่ 4  การรับทราบผลการประเมิน")
    left, right = (1, 4), (5, 8)
    texts = ("ได้รับทราบผลการประเมินและผลการเลื่อนเงินเดือนแล้ว", "ได้แจ้งผลการประเมินให้ผู้รับการประเมินทราบแล้ว")
    for (first, last), text in zip((left, right), texts, strict=True):
        p.cell(first, text, last=last, align="center")
    p.end(max(p.lines(t, *s) for t, s in zip(texts, (left, right), strict=True)) * LINE_PT)
    p.gap(18)  # room to sign
    for first, last in (left, right):
        p.cell(first, "ลงชื่อ ………………………………………………", last=last, align="center")
    p.end()
    blocks = (
        (f"({n.name})", f"ตำแหน่ง {n.position}" if n.position else f"ตำแหน่ง {DOTS}"),
        _evaluator_block(n),
    )
    for i in range(2):
        height = 1
        for (first, last), block in zip((left, right), blocks, strict=True):
            p.cell(first, block[i], last=last, align="center")
            height = max(height, p.lines(block[i], first, last))
        p.end(height * LINE_PT)
    roles = ("ผู้รับการประเมิน", "ผู้ประเมิน")
    for (first, last), role in zip((left, right), roles, strict=True):
        p.cell(first, role, last=last, align="center", bold=True)
    p.end()
    for first, last in (left, right):
        p.cell(first, "วันที่ ………………………………………", last=last, align="center")
    p.end()
    p.gap(6)
    p.line(
        "☐ ได้แจ้งผลการประเมินเมื่อวันที่ ………………………… แต่ผู้รับการประเมินไม่ลงนามรับทราบ"
        " โดยมี ………………………………………… ตำแหน่ง ………………………………… เป็นพยาน"
        "   ลงชื่อ ………………………………………… พยาน",
    )


def notice_workbook(notice: Notice) -> openpyxl.Workbook:
    """The notice as a workbook of one sheet, :data:`SHEET` (see the module doc)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.sheet_view.showGridLines = False
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = 0.45
    ws.page_margins.bottom = 0.6
    ws.page_margins.header = 0.2
    ws.page_margins.footer = 0.25
    ws.oddFooter.right.text = f"{notice.organisation} · {notice.person_id}"
    ws.oddFooter.right.font = f"{FONT},Regular"
    ws.oddFooter.right.size = 12
    p = _Page(ws)
    p.line(TITLE, size=BODY + 4, bold=True, align="center")
    p.line(notice.organisation, size=BODY + 2, bold=True, align="center")
    p.line(f"รอบการประเมิน {notice.round_text}", align="center")
    p.gap(6)
    _identity(p, notice)
    p.gap(6)
    _scores(p, notice)
    p.gap(6)
    _salary(p, notice)
    p.gap(6)
    if notice.history:
        _history(p, notice)
        p.gap(6)
    _acknowledge(p, notice)
    wb.properties.creator = "kpixl"
    wb.properties.title = TITLE
    return wb


def notice_bytes(notice: Notice) -> bytes:
    """The notice's .xlsx bytes (the same notice, the same bytes)."""
    return reproducible_bytes(notice_workbook(notice))
