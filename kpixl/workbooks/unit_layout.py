"""Where everything lives in the unit workbook (สมุดงานหน่วยงาน)."""

from __future__ import annotations

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
