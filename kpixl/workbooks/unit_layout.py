"""Where everything lives in the unit workbook (สมุดงานหน่วยงาน)."""

from __future__ import annotations

from dataclasses import dataclass

TEMPLATE_ID = "kpixl.unit"
TEMPLATE_VERSION = "1.0"

PEOPLE = "บุคลากร"
KPIS = "ตัวชี้วัด"
COMPETENCIES = "สมรรถนะ"
FINDINGS = "ข้อค้นพบ"
HIDDEN = "kpixl"
SHEETS = (PEOPLE, KPIS, COMPETENCIES, FINDINGS, HIDDEN)

# people sheet: a header block, then the table
UNIT_NAME_CELL = "B2"
ROUND_CELL = "B3"
SHARE_CELL = "B4"  # the unit's pool share (baht)
USED_CELL = "D4"
LEFT_CELL = "F4"
STATUS_CELL = "H2"  # what the last button press did (the Excel macros write it)
HEADER_ROW = 6
FIRST_ROW = HEADER_ROW + 1

# field → (column letter, Thai header); inputs are the unit head's
PEOPLE_COLUMNS = {
    "person_id": ("A", "เลขประจำตัวประชาชน"),
    "name": ("B", "ชื่อ-สกุล"),
    "position": ("C", "ตำแหน่ง"),
    "position_no": ("D", "เลขที่ตำแหน่ง"),
    "level_code": ("E", "รหัสระดับ"),
    "salary": ("F", "เงินเดือน"),
    "pool_group": ("G", "กลุ่มวงเงิน"),
    "probation": ("H", "ทดลองปฏิบัติราชการ"),
    "achievement": ("I", "ผลสัมฤทธิ์"),
    "competency": ("J", "สมรรถนะ"),
    "total": ("K", "คะแนนรวม"),
    "band": ("L", "ระดับผล"),
    "eligible": ("M", "มีสิทธิ์เลื่อน"),
    "reason": ("N", "เหตุผล"),
    "pct": ("O", "ร้อยละที่เสนอ"),
    "base": ("P", "ฐานในการคำนวณ"),
    "increase": ("Q", "เงินที่ได้เลื่อน"),
    "new_salary": ("R", "เงินเดือนใหม่"),
    "special_compensation": ("S", "ค่าตอบแทนพิเศษ"),
    "cost": ("T", "ใช้วงเงิน"),
    "revision": ("U", "ฉบับที่"),
    "source_file": ("V", "ไฟล์ต้นทาง"),
}
FORMULA_FIELDS = ("base", "increase", "new_salary", "special_compensation", "cost")

KPI_COLUMNS = {
    "person_id": "A",
    "kpi_code": "B",
    "kpi_name": "C",
    "kind": "D",
    "direction": "E",
    "unit": "F",
    "l1": "G",
    "l2": "H",
    "l3": "I",
    "l4": "J",
    "l5": "K",
    "weight": "L",
    "parent_code": "M",
    "category": "N",
    "actual": "O",
}
COMP_COLUMNS = {
    "person_id": "A",
    "competency": "B",
    "expected": "C",
    "weight": "D",
    "rating": "E",
}
FINDING_COLUMNS = {
    "severity": "A",
    "rule": "B",
    "file": "C",
    "sheet": "D",
    "cell": "E",
    "field": "F",
    "value": "G",
    "person_id": "H",
    "message_th": "I",
    "message_en": "J",
}
TABLE_HEADER_ROW = 1  # on the KPI, competency and findings sheets
# what the unit head reads in those header rows (kpixl reads by column, not header)
HEADERS = {
    "person_id": "เลขประจำตัวประชาชน",
    "kpi_code": "รหัส",
    "kpi_name": "ตัวชี้วัด",
    "kind": "ประเภท",
    "direction": "ทิศทาง",
    "unit": "หน่วยนับ",
    **{f"l{i}": f"ระดับ {i}" for i in range(1, 6)},
    "weight": "น้ำหนัก (%)",
    "parent_code": "ตัวชี้วัดต้นทาง",
    "category": "ลักษณะงาน",
    "actual": "ผลการดำเนินงาน",
    "competency": "สมรรถนะ",
    "expected": "ระดับที่คาดหวัง",
    "rating": "ผลการประเมิน",
    "severity": "ระดับ",
    "rule": "รหัสกฎ",
    "file": "ไฟล์",
    "sheet": "แผ่นงาน",
    "cell": "เซลล์",
    "field": "ช่อง",
    "value": "ค่า",
    "message_th": "ข้อความ",
    "message_en": "message",
}

# ---------------------------------------------------------------------- on paper
# Every sheet prints on A4 landscape at PRINT_SCALE %: the 14 pt text prints at 12 pt.
# Column widths are in digits of the body font (TH SarabunPSK 14 pt, the workbook's
# Normal style, so Excel and LibreOffice measure them alike). A table wider than a page
# prints as two pages side by side, each row's pages one after the other, the columns
# that say who it is repeated on the second; its header row repeats on every page.
BODY_SIZE = 14
PRINT_SCALE = 86
MONEY = "#,##0"  # whole baht
MONEY_SATANG = "#,##0.00"  # where satangs exist
SCORE = "0.00"
PEOPLE_HEADER_HEIGHT = 66  # three lines of wrapped bold 14 pt Thai
TABLE_HEADER_HEIGHT = 44  # two lines
SHARE_LABEL_HEIGHT = 42  # the share's label wraps in column A
LINE_HEIGHT = 24  # one line of 14 pt TH SarabunPSK (Laksaman: 23.4 pt)


@dataclass(frozen=True)
class PrintLayout:
    """How a table sheet prints: column widths (field → width), the text columns that
    wrap, the columns repeated on the second page, the last column of the first page
    (None: one page wide) and the last printed column."""

    widths: dict[str, float]
    wrap: tuple[str, ...]
    title_columns: str
    break_after: str | None
    last_column: str


PEOPLE_PRINT = PrintLayout(
    widths={
        "person_id": 15,
        "name": 21,
        "position": 18,
        "position_no": 9,
        "level_code": 6.5,
        "salary": 8,
        "pool_group": 10,
        "probation": 7,
        "achievement": 7.5,
        "competency": 8.5,
        "total": 7,
        "band": 10,
        "eligible": 6.5,
        "reason": 16,
        "pct": 7,
        "base": 8,
        "increase": 8,
        "new_salary": 8,
        "special_compensation": 9,
        "cost": 8,
        "revision": 6,
        "source_file": 30,
    },
    wrap=("name", "position", "pool_group", "band", "reason", "source_file"),
    title_columns="A:B",
    break_after="K",  # page 1: who and the scores; page 2: the band, the % and the money
    last_column="T",  # the revision and the source file are the machine's, not printed
)
KPI_PRINT = PrintLayout(
    widths={
        "person_id": 15,
        "kpi_code": 8,
        "kpi_name": 26,
        "kind": 13,
        "direction": 9,
        "unit": 8,
        **{f"l{i}": 5.5 for i in range(1, 6)},
        "weight": 7,
        "parent_code": 9,
        "category": 12,
        "actual": 9,
    },
    wrap=("kpi_name", "kind", "direction", "unit", "category"),
    title_columns="A:C",
    break_after="F",  # page 1: the KPI; page 2: its levels, weight and result
    last_column="O",
)
COMP_PRINT = PrintLayout(
    widths={"person_id": 15, "competency": 40, "expected": 9, "weight": 9, "rating": 9},
    wrap=("competency",),
    title_columns="",
    break_after=None,
    last_column="E",
)
FINDING_PRINT = PrintLayout(
    widths={
        "severity": 7,
        "rule": 20,
        "file": 22,
        "sheet": 10,
        "cell": 6,
        "field": 10,
        "value": 16,
        "person_id": 15,
        "message_th": 45,
        "message_en": 45,
    },
    wrap=("rule", "file", "sheet", "field", "value", "message_th", "message_en"),
    title_columns="A:B",
    break_after="H",  # page 1: where; page 2: what it says
    last_column="J",
)

META_FIELDS = (
    "template_id",
    "template_version",
    "round_id",
    "unit_code",
    "unit_name",
    "revision",
    "rounding_step",
    "special_in_pool",
    "method",
    "competency_method",
)
META_FIRST = 2
SALARY_FIRST = META_FIRST + len(META_FIELDS) + 2  # code, split, lower, upper, max
SALARY_ROWS = 20


def meta_cell(field: str) -> str:
    return f"B{META_FIRST + META_FIELDS.index(field)}"


def salary_range() -> str:
    return f"'{HIDDEN}'!$A${SALARY_FIRST}:$E${SALARY_FIRST + SALARY_ROWS - 1}"
