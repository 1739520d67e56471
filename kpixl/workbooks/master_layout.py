"""Where everything lives in the master workbook (สมุดงานหลักของ HR)."""

from __future__ import annotations

from kpixl.core.result_fields import EXPORT_FIELDS, RESULT_FIELDS

TEMPLATE_ID = "kpixl.master"
TEMPLATE_VERSION = "1.0"

CONFIG = "Config"
UNITS = "Units"
ROSTER = "Roster"
RESULTS = "Results"
SUMMARY = "Summary"
POOLS = "Pools"
ISSUES = "Issues"
ANNOUNCEMENT = "Announcement"
SALARY_ORDER = "SalaryOrder"
CHARTS = "Charts"
ORG_KPIS = "OrgKPIs"
UNIT_KPIS = "UnitKPIs"
OS_MATRIX = "OSMatrix"
KPI_CARDS = "KPICards"
KPI_HOLDERS = "KPIHolders"
ALIGNMENT = "Alignment"
SHEETS = (
    CONFIG,
    UNITS,
    ROSTER,
    ORG_KPIS,
    UNIT_KPIS,
    OS_MATRIX,
    KPI_CARDS,
    KPI_HOLDERS,
    RESULTS,
    SUMMARY,
    POOLS,
    ISSUES,
    ANNOUNCEMENT,
    SALARY_ORDER,
    ALIGNMENT,
    CHARTS,
)
STATUS_CELL = "A2"  # on Config: what the last button press did (the Excel macros write it)
HEADER_ROW = 3
FIRST_ROW = 4

# Config: key in A, value in B, Thai description in C, from row 4
CONFIG_KEYS = {
    "template_id": "รหัสแม่แบบ (ห้ามแก้ไข)",
    "template_version": "รุ่นแม่แบบ (ห้ามแก้ไข)",
    "organisation": "ชื่อส่วนราชการ",
    "round_id": "รอบการประเมิน เช่น 2570/1",
    "units_folder": "โฟลเดอร์สมุดงานหน่วยงาน (เทียบกับที่ตั้งไฟล์นี้)",
    "personal_folder": "โฟลเดอร์แบบข้อตกลงรายบุคคล (เทียบกับที่ตั้งไฟล์นี้)",
    "policy": "วิธีจัดสรรวงเงิน: manual / table / optimize",
    "shape": "รูปแบบ optimize: flat / proportional",
    "agency_rules": "ไฟล์กฎของหน่วยงาน (TOML) ถ้ามี",
    "backups": "จำนวนรุ่นสำรองที่เก็บใน .kpixl-backups (ว่าง = 10)",
    "seal_key_id": "รหัสกุญแจลงนามของหน่วยงาน: 16 หลักแรกของ SHA-256 ของกุญแจ (ไม่ใช่ตัวกุญแจ) ถ้ามี",
}
RULES_HEADING = "rules"  # rows after this key are rule overrides: dotted path → value

UNIT_COLUMNS = ("unit_code", "unit_name", "head")
UNIT_HEADERS = ("รหัสหน่วยงาน", "ชื่อหน่วยงาน", "หัวหน้าหน่วยงาน")

ROSTER_COLUMNS = (
    "person_id",
    "name",
    "unit",
    "position",
    "position_no",
    "level_code",
    "salary",
    "pool_group",
    "probation",
    "evaluator",
    "job_line",
    "months_served",
    "leave_days",
    "leave_times",
    "late_times",
    "penalty",
    "suspension_months",
    "ineligible",
    "ineligible_reason",
    "alt_ceiling",
    "holds_position",
)
ROSTER_HEADERS = (
    "เลขประจำตัวประชาชน",
    "ชื่อ-สกุล",
    "หน่วยงาน",
    "ตำแหน่ง",
    "เลขที่ตำแหน่ง",
    "รหัสระดับ",
    "เงินเดือน",
    "กลุ่มวงเงิน",
    "ทดลองปฏิบัติราชการ",
    "ผู้ประเมิน",
    "สายงาน",
    "เดือนที่ปฏิบัติราชการในรอบ",
    "วันลา",
    "ครั้งที่ลา",
    "ครั้งที่มาสาย",
    "โทษทางวินัย",
    "เดือนที่ถูกพักราชการ",
    "ไม่ได้รับการเลื่อน",
    "เหตุผลที่ไม่ได้เลื่อน",
    "เพดานทางเลือก",
    "ครองตำแหน่ง",
)

EXPORT_COLUMNS = EXPORT_FIELDS  # the CSV export's columns, in order
RESULT_COLUMNS = RESULT_FIELDS  # the Results sheet's columns, in order
RESULT_HEADERS = (
    "เลขประจำตัวประชาชน",
    "หน่วยงาน",
    "กลุ่มวงเงิน",
    "รหัสระดับ",
    "เงินเดือน",
    "ผลสัมฤทธิ์",
    "สมรรถนะ",
    "คะแนนรวม",
    "ระดับผล",
    "มีสิทธิ์",
    "ร้อยละ",
    "ฐาน",
    "เงินที่ได้เลื่อน",
    "เงินเดือนใหม่",
    "ค่าตอบแทนพิเศษ",
    "เหตุผล/คำอธิบาย",
    "ชื่อ-สกุล",
    "ตำแหน่ง",
    "เลขที่ตำแหน่ง",
    "ก่อนปัดเศษ",
    "ใช้วงเงิน",
    "ไฟล์ต้นทาง",
)

ISSUE_COLUMNS = (
    "severity",
    "rule",
    "person_id",
    "file",
    "sheet",
    "cell",
    "field",
    "value",
    "message_th",
    "message_en",
)
ISSUE_HEADERS = (
    "ระดับ",
    "รหัสกฎ",
    "เลขประจำตัว",
    "ไฟล์",
    "แผ่นงาน",
    "เซลล์",
    "ช่อง",
    "ค่า",
    "ข้อความ",
    "message",
)

POOL_COLUMNS = (
    "pool_group",
    "unit",
    "headcount",
    "pool",
    "used",
    "leftover",
    "central",
    "used_python",
)
POOL_HEADERS = (
    "กลุ่มวงเงิน",
    "หน่วยงาน",
    "จำนวนคน",
    "วงเงิน",
    "ใช้ไป",
    "คงเหลือ",
    "ส่วนกลาง",
    "ใช้ไป (kpixl)",
)

ANNOUNCEMENT_HEADERS = ("หน่วยงาน", "ชื่อ-สกุล", "ตำแหน่ง", "คะแนนรวม", "ระดับผล")
SALARY_ORDER_HEADERS = (
    "ที่",
    "ชื่อ-สกุล",
    "ตำแหน่ง",
    "เลขที่ตำแหน่ง",
    "เงินเดือนเดิม",
    "ร้อยละ",
    "เงินที่ได้เลื่อน",
    "เงินเดือนใหม่",
    "ค่าตอบแทนพิเศษ",
)
CHART_BINS = tuple(range(0, 100, 10))  # histogram of totals: [0,10), …, [90,100]
MAX_CHART_UNITS = 40

# strategy (cascading): field names and Thai headers
ORG_KPI_COLUMNS = ("code", "name", "perspective", "goal", "target", "weight", "owner_unit")
ORG_KPI_HEADERS = (
    "รหัส",
    "ตัวชี้วัดระดับองค์การ",
    "มิติ",
    "เป้าประสงค์",
    "ค่าเป้าหมาย",
    "น้ำหนัก",
    "หน่วยงานเจ้าภาพ",
)
UNIT_KPI_COLUMNS = (
    "code",
    "parent_code",
    "unit",
    "name",
    "derivation",
    "target",
    "kind",
    "direction",
    "l1",
    "l2",
    "l3",
    "l4",
    "l5",
)
UNIT_KPI_HEADERS = (
    "รหัส",
    "รหัสตัวชี้วัดต้นทาง",
    "หน่วยงาน",
    "ตัวชี้วัดระดับหน่วยงาน",
    "วิธีถ่ายทอด",
    "ค่าเป้าหมาย",
    "ประเภท",
    "ทิศทาง",
    "ระดับ 1",
    "ระดับ 2",
    "ระดับ 3",
    "ระดับ 4",
    "ระดับ 5",
)
OS_COLUMNS = ("kpi_code", "unit", "role")
OS_HEADERS = ("รหัสตัวชี้วัด", "หน่วยงาน", "บทบาท (O = เจ้าภาพ, S = สนับสนุน)")
CARD_COLUMNS = (
    "code",
    "definition",
    "objective",
    "formula",
    "unit_of_measure",
    "frequency",
    "baseline",
    "target",
    "weight",
    "owner",
    "data_collector",
    "collection_process",
)
CARD_HEADERS = (
    "รหัส",
    "คำนิยาม",
    "วัตถุประสงค์",
    "สูตรการคำนวณ",
    "หน่วยวัด",
    "ความถี่",
    "ข้อมูลพื้นฐาน",
    "ค่าเป้าหมาย",
    "น้ำหนัก",
    "ผู้รับผิดชอบ",
    "ผู้จัดเก็บข้อมูล",
    "วิธีการจัดเก็บข้อมูล",
)
# who carries which unit KPI: `kpixl personal new --master` writes them as draft rows
HOLDER_COLUMNS = ("kpi_code", "person_id", "weight")
HOLDER_HEADERS = ("รหัสตัวชี้วัดของหน่วยงาน", "เลขประจำตัวประชาชนผู้รับตัวชี้วัด", "น้ำหนัก (%)")
STRATEGY = {
    ORG_KPIS: ("ตัวชี้วัดระดับองค์การ (Organisation KPIs)", ORG_KPI_COLUMNS, ORG_KPI_HEADERS),
    UNIT_KPIS: ("ตัวชี้วัดระดับหน่วยงาน (Unit KPIs)", UNIT_KPI_COLUMNS, UNIT_KPI_HEADERS),
    OS_MATRIX: ("ความรับผิดชอบ Owner/Supporter (OS matrix)", OS_COLUMNS, OS_HEADERS),
    KPI_CARDS: ("บัตรรายละเอียดตัวชี้วัด (KPI cards)", CARD_COLUMNS, CARD_HEADERS),
    KPI_HOLDERS: ("ผู้รับตัวชี้วัดของหน่วยงาน (KPI holders)", HOLDER_COLUMNS, HOLDER_HEADERS),
}
ALIGNMENT_HEADERS = ("หน่วยงาน", "เลขประจำตัว", "น้ำหนักรวม", "น้ำหนักที่เชื่อมโยงองค์การ", "ร้อยละที่เชื่อมโยง")

# How the result sheets' rows look: a number format per column (by position; "General"
# elsewhere) and column widths. The template styles its first data row with them and
# every written row takes that row's styles.
BAHT, MONEY, SCORE, COUNT = "#,##0", "#,##0.00", "0.00", "0"
_RESULT_FORMATS = {
    "salary": BAHT,
    "achievement": SCORE,
    "competency": SCORE,
    "total": SCORE,
    "pct": SCORE,
    "base": MONEY,
    "increase": BAHT,
    "new_salary": BAHT,
    "special_compensation": MONEY,
    "unrounded": MONEY,
    "cost": MONEY,
}
_RESULT_WIDTHS = {"person_id": 17, "reason": 44, "name": 28, "position": 30, "source_file": 34}
BODY_FORMATS: dict[str, tuple[str, ...]] = {
    RESULTS: tuple(_RESULT_FORMATS.get(c, "General") for c in RESULT_COLUMNS),
    POOLS: ("General", "General", COUNT, MONEY, MONEY, MONEY, MONEY, MONEY),
    ISSUES: ("General",) * len(ISSUE_COLUMNS),
    ANNOUNCEMENT: ("General", "General", "General", SCORE, "General"),
    SALARY_ORDER: (COUNT, "General", "General", "General", BAHT, SCORE, BAHT, BAHT, MONEY),
    ALIGNMENT: ("General", "General", SCORE, SCORE, SCORE),
}
BODY_WIDTHS: dict[str, tuple[int, ...]] = {
    RESULTS: tuple(_RESULT_WIDTHS.get(c, 12) for c in RESULT_COLUMNS),
    ISSUES: (9, 26, 17, 24, 14, 10, 14, 24, 60, 60),
    ANNOUNCEMENT: (12, 28, 30, 12, 12),
    SALARY_ORDER: (6, 28, 30, 14, 14, 9, 14, 14, 16),
    ALIGNMENT: (14, 17, 14, 24, 18),
}
