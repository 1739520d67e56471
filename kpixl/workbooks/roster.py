"""The roster (บัญชีรายชื่อ): its columns, an empty roster workbook, and reading one.

:data:`ROSTER_GUIDE` says what each column of the master's Roster sheet holds; it
feeds ``docs/roster.md`` (:func:`roster_columns_markdown`) and the prompts of the
empty roster workbook ``kpixl roster template`` writes (:func:`build_roster_template`),
whose headers are the master's, in its order, so its rows paste into the master.

Reading: headers may be kpixl's field names, the master's Thai headers or the Thai
labels people use; the header row may sit below a title. Every problem becomes a
finding with its cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from kpixl.core.eligibility import ELIGIBILITY_FIELDS
from kpixl.core.findings import ERROR, Finding, TableResult
from kpixl.core.rules import Rules, default_rules
from kpixl.core.vocab import YES_NO, level_choices
from kpixl.io.atomic import write_bytes_atomic
from kpixl.io.grids import open_book
from kpixl.io.identify import check_file, read_failure
from kpixl.schemas.backend import Locator, validate_table
from kpixl.schemas.tables import ROSTER
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.personal_layout import col

if TYPE_CHECKING:
    from openpyxl import Workbook

__all__ = [
    "ROSTER_GUIDE",
    "ROSTER_SHEETS",
    "TEMPLATE_ROWS",
    "RosterColumn",
    "build_roster_template",
    "read_roster",
    "roster_columns_markdown",
    "write_roster_template",
]

ROSTER_SHEETS = ("บัญชีรายชื่อ", "Roster", "roster")
_EXTRA_ALIASES = {
    "person_id": ("เลขบัตรประชาชน", "เลขประจำตัวประชาชน 13 หลัก", "national_id", "id"),
    "name": ("ชื่อ", "ชื่อ - สกุล", "ชื่อ-นามสกุล", "full_name"),
    "unit": ("สังกัด", "กลุ่มงาน", "unit_name"),
    "level_code": ("ระดับ", "level"),
    "salary": ("เงินเดือนปัจจุบัน", "อัตราเงินเดือน"),
    "position_no": ("เลขที่", "ตำแหน่งเลขที่"),
}


_TYPE_ALIASES = ("ประเภทตำแหน่ง", "ประเภท", "position_type")
# what HR's own sheets call the e-mail column (the master's header, อีเมล, is read too)
_EMAIL_ALIASES = ("อีเมล์", "อีเมลล์", "ที่อยู่อีเมล", "e-mail", "e-mail address", "mail", "email")


def _aliases() -> dict[str, str]:
    out: dict[str, str] = {}
    for column in ROSTER.columns:
        for alias in (column.name, column.label, *_EXTRA_ALIASES.get(column.name, ())):
            out[" ".join(str(alias).split()).casefold()] = column.name
    for extra in (*ELIGIBILITY_FIELDS, "holds_position", "type", "alt_ceiling"):
        out[extra] = extra
    for name, header in zip(M.ROSTER_COLUMNS, M.ROSTER_HEADERS, strict=True):
        out.setdefault(" ".join(header.split()).casefold(), name)  # the master's own headers
    for alias in _TYPE_ALIASES:
        out[alias] = "type"
    for alias in _EMAIL_ALIASES:
        out[alias] = "email"
    return out


def _error(path: Path, code: str, th: str, en: str, sheet: str = "") -> Finding:
    return Finding(code, th, en, severity=ERROR, file=path.name, sheet=sheet)


def read_roster(
    path: str | Path, *, rules: Rules | None = None, sheet: str | None = None
) -> TableResult:
    """The roster of ``path`` as a validated table (Decimals, codes) and its findings."""
    rules = rules or default_rules()
    path = Path(path)
    bad = check_file(path)
    if bad is not None:
        return TableResult(pd.DataFrame(columns=ROSTER.names), [bad])
    try:
        book = open_book(path)
        names = book.sheet_names
        chosen = sheet or next((s for s in ROSTER_SHEETS if s in names), names[0])
        grid: list[list[Any]] = book.grid(chosen)
    except Exception as exc:  # a damaged file is a finding; a kpixl defect says so
        return TableResult(pd.DataFrame(columns=ROSTER.names), [read_failure(path, exc)])
    aliases = _aliases()
    header_at, mapping = -1, {}
    for r, row in enumerate(grid[:15]):
        found = {
            c: aliases[key]
            for c, value in enumerate(row)
            if (key := " ".join(str(value).split()).casefold()) in aliases
        }
        if len(found) >= 3:
            header_at, mapping = r, found
            break
    if header_at < 0:
        return TableResult(
            pd.DataFrame(columns=ROSTER.names),
            [
                _error(
                    path,
                    "roster.no_header",
                    "ไม่พบแถวหัวตารางของบัญชีรายชื่อ (เช่น เลขประจำตัวประชาชน ชื่อ-สกุล หน่วยงาน)",
                    "no roster header row found (person_id, name, unit, level_code, salary …)",
                    chosen,
                )
            ],
        )
    records = []
    for r in range(header_at + 1, len(grid)):
        row = grid[r]
        values = {field: row[c] if c < len(row) else None for c, field in mapping.items()}
        if all(v in (None, "") for v in values.values()):
            continue
        values["_row"] = r + 1
        records.append(values)
    raw = pd.DataFrame(records)
    for field in mapping.values():
        if field not in raw.columns:
            raw[field] = None
    letters = {field: col(c + 1) for c, field in mapping.items()}
    return validate_table(raw, "roster", rules=rules, locator=Locator(path.name, chosen, letters))


# ----------------------------------------------------------------------- the columns


@dataclass(frozen=True)
class RosterColumn:
    """One column of the master's Roster sheet, as a newcomer needs to know it.

    ``check``: the validation an empty roster workbook puts on it — ``id`` (13 digits),
    ``level``, ``pool_group``, ``penalty``, ``yes_no`` (dropdowns), ``money`` (> 0),
    ``months`` (0–12), ``count`` (a whole number ≥ 0), ``number`` (≥ 0), ``email``
    (one ``@``, no spaces), or ``""``.
    """

    name: str
    required: bool
    holds: str
    allowed: str
    example: str
    prompt: str
    check: str = ""


def _guide() -> dict[str, RosterColumn]:
    rows = (
        RosterColumn(
            "person_id",
            True,
            "The person's national id (เลขประจำตัวประชาชน); it matches the person to "
            "their evaluation.",
            "13 digits with a valid check digit, no dashes or spaces; unique on the roster",
            "1101700123456",
            "เลขประจำตัวประชาชน 13 หลัก พิมพ์ติดกัน ไม่มีขีดหรือช่องว่าง เลขหลักสุดท้ายต้องถูกต้อง และห้ามซ้ำกันในบัญชี",
            "id",
        ),
        RosterColumn(
            "name",
            True,
            "Full name with its title.",
            "text",
            "นางสาวมาลี ใจดี",
            "ชื่อ-สกุล พร้อมคำนำหน้า เช่น นางสาวมาลี ใจดี",
        ),
        RosterColumn(
            "unit",
            True,
            "The unit's code, as on the master's Units sheet; unit workbooks are matched by it.",
            "a unit code of the Units sheet",
            "U01",
            "รหัสหน่วยงานตามแผ่นงาน Units ของสมุดงานหลัก เช่น U01",
        ),
        RosterColumn(
            "position",
            False,
            "Position title (ตำแหน่งในสายงาน).",
            "text",
            "นักทรัพยากรบุคคล",
            "ชื่อตำแหน่งในสายงาน เช่น นักทรัพยากรบุคคล",
        ),
        RosterColumn(
            "position_no",
            False,
            "Position number (เลขที่ตำแหน่ง).",
            "text",
            "1004",
            "เลขที่ตำแหน่ง",
        ),
        RosterColumn(
            "level_code",
            True,
            "The position's level: its code, or its Thai name with the position type "
            "(a name only one level bears needs no type).",
            "O1–O4, K1–K5, D1–D2, M1–M2; or วิชาการ ชำนาญการ, ชำนาญการ, อำนวยการต้น, บริหารสูง …",
            "K2",
            "เลือกระดับจากรายการ เช่น วิชาการ ชำนาญการ หรือพิมพ์รหัสระดับ เช่น K2"
            " (O1–O4 ทั่วไป, K1–K5 วิชาการ, D1–D2 อำนวยการ, M1–M2 บริหาร)",
            "level",
        ),
        RosterColumn(
            "salary",
            True,
            "Salary on the count date (1 Mar / 1 Sep), in baht.",
            "a number > 0 inside the level's range in the salary table",
            "28000",
            "เงินเดือน ณ วันที่นับจำนวน (1 มี.ค. / 1 ก.ย.) เป็นบาท ต้องอยู่ในช่วงของระดับตามบัญชีเงินเดือน",
            "money",
        ),
        RosterColumn(
            "pool_group",
            False,
            "Pool group (กลุ่มวงเงิน); blank: the rules' group of the level.",
            "a pool group of the rules: {pool_groups}",
            "วิชาการและทั่วไป",
            "กลุ่มวงเงิน เว้นว่างได้ (kpixl ใช้กลุ่มตามระดับตามกฎ)",
            "pool_group",
        ),
        RosterColumn(
            "probation",
            False,
            "On probation (ทดลองปฏิบัติราชการ): component weights 50/50.",
            "ใช่ / ไม่ใช่ (blank: no)",
            "ไม่ใช่",
            "อยู่ระหว่างทดลองปฏิบัติราชการหรือไม่ (เว้นว่าง = ไม่ใช่)",
            "yes_no",
        ),
        RosterColumn(
            "evaluator",
            False,
            "The evaluator (ผู้ประเมิน), printed on the personal workbook.",
            "text",
            "หัวหน้ากลุ่มนโยบายและแผน",
            "ชื่อหรือตำแหน่งของผู้ประเมิน",
        ),
        RosterColumn(
            "job_line",
            False,
            "Job line (สายงาน): the KPI library offers its KPIs.",
            "text, as the KPI library names job lines",
            "นักทรัพยากรบุคคล",
            "สายงาน ใช้เลือกตัวชี้วัดจากคลังตัวชี้วัดกลาง",
        ),
        RosterColumn(
            "months_served",
            False,
            "Months served in the round; fewer than {min_months} → no increase.",
            "a number 0–12 (blank: nothing held against the person)",
            "6",
            "จำนวนเดือนที่ปฏิบัติราชการในรอบ (น้อยกว่า {min_months} เดือน ไม่ได้เลื่อน)",
            "months",
        ),
        RosterColumn(
            "leave_days",
            False,
            "Days of leave in the round; more than {leave_days} → no increase.",
            "a number ≥ 0",
            "3",
            "จำนวนวันลาในรอบ (เกิน {leave_days} วัน ไม่ได้เลื่อน)",
            "number",
        ),
        RosterColumn(
            "leave_times",
            False,
            "Times on leave in the round; more than {leave_times} → no increase.",
            "a whole number ≥ 0",
            "2",
            "จำนวนครั้งที่ลาในรอบ (เกิน {leave_times} ครั้ง ไม่ได้เลื่อน)",
            "count",
        ),
        RosterColumn(
            "late_times",
            False,
            "Times late in the round; more than {late_times} → no increase.",
            "a whole number ≥ 0",
            "1",
            "จำนวนครั้งที่มาสายในรอบ (เกิน {late_times} ครั้ง ไม่ได้เลื่อน)",
            "count",
        ),
        RosterColumn(
            "penalty",
            False,
            "Disciplinary penalty in the round; heavier than {max_penalty} → no increase.",
            "one of {penalties} (blank: none)",
            "ไม่มี",
            "โทษทางวินัยในรอบ (หนักกว่า{max_penalty} ไม่ได้เลื่อน)",
            "penalty",
        ),
        RosterColumn(
            "suspension_months",
            False,
            "Months suspended in the round; more than {suspension} → no increase.",
            "a number ≥ 0",
            "0",
            "จำนวนเดือนที่ถูกสั่งพักราชการ (เกิน {suspension} เดือน ไม่ได้เลื่อน)",
            "number",
        ),
        RosterColumn(
            "ineligible",
            False,
            "Marked not to get an increase this round, for the reason in the next column.",
            "ใช่ / ไม่ใช่ (blank: no)",
            "ไม่ใช่",
            "ไม่ได้รับการเลื่อนเงินเดือนในรอบนี้ (ใส่ ใช่ แล้วระบุเหตุผลในคอลัมน์ถัดไป)",
            "yes_no",
        ),
        RosterColumn(
            "ineligible_reason",
            False,
            "Why not; shown in the Results sheet.",
            "text",
            "ลาศึกษาต่อ",
            "เหตุผลที่ไม่ได้เลื่อน (แสดงในแผ่นงาน Results)",
        ),
        RosterColumn(
            "alt_ceiling",
            False,
            "Paid under the level's alternative, lower ceiling (เพดานทางเลือก; O3, K5).",
            "ใช่ / ไม่ใช่ (blank: no)",
            "ไม่ใช่",
            "ใช้เพดานเงินเดือนสูงสุดทางเลือกของระดับ (มีเฉพาะบางระดับ เช่น O3, K5)",
            "yes_no",
        ),
        RosterColumn(
            "holds_position",
            False,
            "Holds the position on the count date; counts in the pool's payroll.",
            "ใช่ / ไม่ใช่ (blank: yes)",
            "ใช่",
            "ครองตำแหน่ง ณ วันที่นับจำนวน (นับเงินเดือนเข้าวงเงิน) เว้นว่าง = ใช่",
            "yes_no",
        ),
        RosterColumn(
            "email",
            False,
            "The person's e-mail: `kpixl mail send` sends their forms and notice there. A bad"
            " or shared address is a warning; it stops no pay.",
            "one address; Latin letters, digits and . _ - (no Thai letters); no"
            " spaces; unique to the person (blank: no mail)",
            "somchai.j@example.org",
            "อีเมลของผู้นี้ (ใช้ส่งแบบฟอร์มและหนังสือแจ้งผล) ใส่ได้ช่องละหนึ่งอีเมล ไม่มีช่องว่าง"
            " ไม่ซ้ำกับผู้อื่น เช่น somchai.j@example.org",
            "email",
        ),
        RosterColumn(
            "salary_note",
            False,
            "Why this salary differs from the new salary of the last archived round (a"
            " promotion, a move, a court order); without it kpixl reports the difference"
            " (`history.salary_changed`).",
            "free text (blank: the salary should be last round's new salary)",
            "เลื่อนระดับตามคำสั่งที่ 45/2570",
            "เหตุผลเมื่อเงินเดือนไม่ตรงกับเงินเดือนใหม่ของรอบก่อน เช่น เลื่อนระดับ ย้ายมาจากหน่วยอื่น"
            " เว้นว่าง = เงินเดือนต้องเท่ากับเงินเดือนใหม่รอบก่อน",
            "text",
        ),
    )
    return {row.name: row for row in rows}


ROSTER_GUIDE: dict[str, RosterColumn] = _guide()


def _facts(rules: Rules) -> dict[str, str]:
    """The rule values the guide's texts name."""
    limits = rules.eligibility
    return {
        "pool_groups": ", ".join(rules.pool_groups),
        "min_months": str(limits.min_months_served),
        "leave_days": str(limits.max_leave_days),
        "leave_times": str(limits.max_leave_times),
        "late_times": str(limits.max_late_times),
        "max_penalty": limits.max_penalty,
        "penalties": ", ".join(limits.penalty_scale),
        "suspension": str(limits.max_suspension_months),
    }


def roster_columns_markdown(rules: Rules | None = None) -> str:
    """The table of the roster's columns for ``docs/roster.md`` (default rules' limits)."""
    facts = _facts(rules or default_rules())
    lines = [
        "| # | Column (Thai header) | Field | Required | What it holds | Allowed values / format"
        " | Example |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, (name, header) in enumerate(zip(M.ROSTER_COLUMNS, M.ROSTER_HEADERS, strict=True)):
        c = ROSTER_GUIDE[name]
        cells = (
            col(i + 1),
            header,
            f"`{name}`",
            "yes" if c.required else "no",
            c.holds.format(**facts),
            c.allowed.format(**facts).replace("|", "\\|"),
            c.example,
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------- the template

TEMPLATE_ROWS = 2000  # rows with the dropdowns and checks, below the header
_LISTS = "Lists"  # the hidden sheet the dropdowns read


def build_roster_template(rules: Rules | None = None, *, rows: int = TEMPLATE_ROWS) -> Workbook:
    """An empty roster: the master's Roster title and headers (same rows, same order),
    dropdowns for the coded columns, checks on ids and numbers with Thai prompts and
    alerts, a frozen header, A4 landscape with the header on every page; a help sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation

    from kpixl.workbooks.personal_template import BORDER, FONT, HEAD_FILL

    rules = rules or default_rules()
    facts = _facts(rules)
    wb = Workbook()
    ws = wb.active
    ws.title = M.ROSTER
    first, last = M.FIRST_ROW, M.FIRST_ROW + rows - 1
    ws.cell(row=1, column=1, value="บัญชีรายชื่อ ณ วันที่นับจำนวน (Roster)")
    ws.cell(row=2, column=1, value=_NOTE)
    ws["A1"].font = _font_of(FONT, 18, bold=True)
    ws["A2"].font = _font_of(FONT, 12)
    lists = wb.create_sheet(_LISTS)
    lists.sheet_state = "hidden"
    choices = {
        "level": [*level_choices(rules.salary_table.levels), *rules.salary_table.levels],
        "pool_group": list(rules.pool_groups),
        "penalty": list(rules.eligibility.penalty_scale),
        "yes_no": YES_NO.choices,
    }
    for c, (key, values) in enumerate(choices.items(), start=1):
        lists.cell(row=1, column=c, value=key)
        for r, value in enumerate(values, start=2):
            lists.cell(row=r, column=c, value=value)
        ref = f"'{_LISTS}'!${col(c)}$2:${col(c)}${len(values) + 1}"
        wb.defined_names[f"roster_{key}"] = DefinedName(f"roster_{key}", attr_text=ref)
    for i, (name, header) in enumerate(zip(M.ROSTER_COLUMNS, M.ROSTER_HEADERS, strict=True)):
        letter = col(i + 1)
        head = ws.cell(row=M.HEADER_ROW, column=i + 1, value=header)
        head.font = _font_of(FONT, 14, bold=True)
        head.fill = HEAD_FILL
        head.border = BORDER
        head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[letter].width = _WIDTHS.get(name, max(12, min(40, len(header) + 4)))
        guide = ROSTER_GUIDE[name]
        # column styles: what is typed below the header takes them (no empty cells written);
        # text keeps an id's digits and a code from being read as a number or a date
        column = ws.column_dimensions[letter]
        column.number_format = _FORMATS.get(guide.check, "@")
        column.font = _font_of(FONT, 14)
        dv = _validation(DataValidation, guide, header, facts, f"{letter}{first}")
        if dv is not None:
            dv.add(f"{letter}{first}:{letter}{last}")
            ws.add_data_validation(dv)
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 28
    ws.row_dimensions[M.HEADER_ROW].height = 42  # two lines of a wrapped Thai header
    for row in range(1, M.HEADER_ROW):  # the title and the note above it, not squeezed
        ws.row_dimensions[row].height = 30 if row == 1 else 22
    ws.freeze_panes = f"A{first}"
    ws.print_title_rows = f"{M.HEADER_ROW}:{M.HEADER_ROW}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.print_title_cols = "A:B"  # id and name on every page across
    ws.page_setup.fitToWidth = 3  # 21 columns: three pages across keep 14 pt readable
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True
    _help_sheet(wb, facts, FONT)
    wb.active = 0
    wb.properties.creator = "kpixl"
    return wb


_WIDTHS = {"email": 30}  # wider than its header

# number formats by check ("@": text); columns without a check hold text
_FORMATS = {
    "money": "#,##0.00",
    "months": "General",
    "count": "0",
    "number": "General",
}

_NOTE = (
    "กรอกตั้งแต่แถวที่ 4 ลงไป หัวตารางและลำดับคอลัมน์เหมือนแผ่นงาน Roster ของสมุดงานหลัก"
    " คัดลอกแถวไปวางได้ทันที (ดูคำอธิบายคอลัมน์ที่แผ่นงาน คำอธิบาย)"
    " / Fill from row 4; the columns are the master's Roster sheet's, paste the rows there."
)


def _font_of(name: str, size: int, *, bold: bool = False) -> Any:
    from openpyxl.styles import Font

    return Font(name=name, size=size, bold=bold)


def _validation(
    kind: Any, guide: RosterColumn, header: str, facts: dict[str, str], top: str
) -> Any:
    """The data validation of one column (``kind`` is openpyxl's DataValidation) whose
    first cell is ``top``."""
    check = guide.check
    if not check:
        return None
    prompt = guide.prompt.format(**facts)
    if check in ("level", "pool_group", "penalty", "yes_no"):
        dv = kind(type="list", formula1=f"=roster_{check}", allow_blank=True)
        error = "เลือกจากรายการเท่านั้น / choose from the list"
    elif check == "id":
        dv = kind(type="textLength", operator="equal", formula1="13", allow_blank=True)
        error = "เลขประจำตัวประชาชนต้องมี 13 หลัก / a national id has 13 digits"
    elif check == "money":
        dv = kind(type="decimal", operator="greaterThan", formula1="0", allow_blank=True)
        error = "เงินเดือนต้องเป็นตัวเลขมากกว่า 0 / the salary must be a number above 0"
    elif check == "months":
        dv = kind(type="decimal", operator="between", formula1="0", formula2="12", allow_blank=True)
        error = "ใส่จำนวนเดือน 0–12 / months 0–12"
    elif check == "email":  # one @ and no space: kpixl checks the rest (roster.email)
        one_at = f'LEN({top})-LEN(SUBSTITUTE({top},"@",""))=1'
        formula = f'AND({one_at},ISERROR(FIND(" ",{top})),LEN({top})<=254)'
        dv = kind(type="custom", formula1=formula, allow_blank=True)
        error = "ใส่อีเมลเดียว ไม่มีช่องว่าง / one e-mail address, no spaces"
    elif check == "count":
        dv = kind(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        error = "ใส่จำนวนเต็มตั้งแต่ 0 / a whole number from 0"
    else:
        dv = kind(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        error = "ใส่ตัวเลขตั้งแต่ 0 / a number from 0"
    dv.showInputMessage = True
    dv.showErrorMessage = True
    dv.errorStyle = "stop"
    dv.promptTitle = header[:32]
    dv.prompt = prompt[:255]
    dv.errorTitle = "ค่าไม่ถูกต้อง / invalid"
    dv.error = f"{error}\n{prompt}"[:225]  # Excel shows at most 225 characters
    return dv


def _help_sheet(wb: Workbook, facts: dict[str, str], font: str) -> None:
    """คำอธิบาย: every column with its header, whether it is required, and what it holds."""
    ws = wb.create_sheet("คำอธิบาย")
    ws.append(["คอลัมน์", "หัวตาราง", "จำเป็น", "คำอธิบาย", "ตัวอย่าง", "field"])
    for i, (name, header) in enumerate(zip(M.ROSTER_COLUMNS, M.ROSTER_HEADERS, strict=True)):
        guide = ROSTER_GUIDE[name]
        ws.append(
            [
                col(i + 1),
                header,
                "จำเป็น" if guide.required else "ไม่บังคับ",
                guide.prompt.format(**facts),
                guide.example,
                name,
            ]
        )
    from openpyxl.styles import Alignment

    for row in ws.iter_rows():
        for cell in row:
            cell.font = _font_of(font, 14, bold=cell.row == 1)
            cell.alignment = Alignment(vertical="top", wrap_text=True)  # nothing runs over
    widths = dict(zip("ABCDEF", (9, 24, 10, 62, 22, 18), strict=True))
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=2):  # Excel and LibreOffice do not grow wrapped rows
        lines = max(-(-len(str(c.value or "")) // int(widths[c.column_letter])) for c in row)
        ws.row_dimensions[row[0].row].height = 21 * max(1, lines)
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def write_roster_template(path: str | Path, rules: Rules | None = None) -> Path:
    """Write the empty roster workbook to ``path`` atomically (reproducible bytes)."""
    from kpixl.workbooks.personal_template import reproducible_bytes

    path = Path(path)
    write_bytes_atomic(path, reproducible_bytes(build_roster_template(rules)))
    return path
