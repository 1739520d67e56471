"""Where everything lives in the master workbook (สมุดงานหลักของ HR)."""

from __future__ import annotations

from kpixl.core.result_fields import EXPORT_FIELDS, RESULT_FIELDS
from kpixl.core.tracker import STEP_LABELS, STEPS

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
PCT_ANNOUNCEMENT = "PctAnnouncement"
SALARY_ORDER = "SalaryOrder"
CHARTS = "Charts"
ORG_KPIS = "OrgKPIs"
UNIT_KPIS = "UnitKPIs"
OS_MATRIX = "OSMatrix"
KPI_CARDS = "KPICards"
KPI_HOLDERS = "KPIHolders"
ALIGNMENT = "Alignment"
TRACKER = "Tracker"  # the round tracker (kpixl status): who is at which step
HISTORY = "History"  # each person's last four rounds (this one and the archive's)

# --- Calibration: the committee's check of evaluators (kpixl.workbooks.master_calibration)
CALIBRATION = "Calibration"  # the whole sheet (tables and two charts) is rewritten each run
CALIBRATION_PLACEHOLDER = (
    "แผ่นงานนี้สร้างโดย kpixl consolidate (ตารางและแผนภูมิปรับเทียบผลรายผู้ประเมิน)"
    " / kpixl consolidate writes this sheet"
)
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
    PCT_ANNOUNCEMENT,
    SALARY_ORDER,
    ALIGNMENT,
    CHARTS,
    TRACKER,  # last: an older master gets it added at the end too
    HISTORY,  # an older master gets it added at the end by consolidate
    CALIBRATION,  # written whole by kpixl consolidate (an older master gets it added)
)
# result sheets a master from an older template lacks (the Excel button skips them; the
# command line adds History: kpixl.workbooks.history.with_history_sheet)
NEWER_SHEETS = (PCT_ANNOUNCEMENT, HISTORY)
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
    "archive_db": "ฐานข้อมูลรอบที่ผ่านมา (kpixl archive): ไฟล์เทียบกับที่ตั้งไฟล์นี้ หรือ postgresql://… (ว่าง = kpixl.db ข้างไฟล์นี้)",
    # the round's official documents (Announcement, PctAnnouncement, SalaryOrder sheets);
    # a blank value prints as a dotted line to fill in by hand
    "announcement_no": "เลขที่ประกาศรายชื่อผู้มีผลการประเมินดีเด่นและดีมาก เช่น 5/2570",
    "announcement_date": "วันที่ประกาศรายชื่อ เช่น 20/4/2570 หรือ 20 เมษายน 2570",
    "pct_announcement_no": "เลขที่ประกาศร้อยละการเลื่อนเงินเดือน",
    "pct_announcement_date": "วันที่ประกาศร้อยละการเลื่อนเงินเดือน เช่น 21/4/2570",
    "order_no": "เลขที่คำสั่งเลื่อนเงินเดือน เช่น 123/2570",
    "order_date": "วันที่สั่ง (ลงวันที่ในคำสั่ง) เช่น 25/4/2570",
    "effective_date": "วันที่เลื่อนเงินเดือนมีผล (ว่าง = 1 เม.ย. รอบที่ 1, 1 ต.ค. รอบที่ 2)",
    "signer_name": "ชื่อผู้ลงนามในประกาศและคำสั่ง เช่น นายสมชาย ใจดี",
    "signer_position": "ตำแหน่งผู้ลงนาม เช่น ผู้อำนวยการสำนักงานตัวอย่าง",
    # e-mail (kpixl mail send / fetch) and the round tracker (kpixl status)
    "mail_send_what": "ปุ่ม ส่งแบบฟอร์ม ส่งอะไร: agreements (ข้อตกลง) / units (สมุดงานหน่วยงาน) / notices (หนังสือแจ้งผล) / reminders (เตือน)",
    "mail_fetch_from": "ปุ่ม รับแบบฟอร์ม รับจากที่ใด: imaps://ผู้ใช้@เครื่อง/INBOX หรือโฟลเดอร์ที่บันทึกอีเมล/ไฟล์แนบไว้",
    "mail_from": "ผู้ส่งอีเมล (From) เช่น กลุ่มบริหารทรัพยากรบุคคล <hr@example.org>",
    "mail_reply_to": "ที่อยู่สำหรับตอบกลับ (Reply-To) ว่าง = ผู้ส่ง",
    "smtp_host": "เครื่องส่งอีเมล (SMTP server) เช่น smtp.example.org",
    "smtp_port": "พอร์ต SMTP (ว่าง = 587 เมื่อ starttls, 465 เมื่อ ssl, 25 เมื่อ none)",
    "smtp_security": "การเข้ารหัสการส่ง: starttls / ssl / none",
    "smtp_user": "ชื่อผู้ใช้ SMTP (รหัสผ่านไม่เก็บในไฟล์: ตั้งใน KPIXL_SMTP_PASSWORD หรือ keyring)",
    "mail_per_minute": "จำนวนอีเมลที่ส่งได้ไม่เกินต่อนาที (ว่าง = 30)",
    "inbox_folder": "โฟลเดอร์ที่เก็บแบบฟอร์มที่ได้รับกลับทางอีเมล (เทียบกับที่ตั้งไฟล์นี้; ว่าง = inbox)",
    "notices_folder": "โฟลเดอร์หนังสือแจ้งผลรายบุคคล (เทียบกับที่ตั้งไฟล์นี้; ว่าง = notices)",
    "agreement_due": "วันครบกำหนดส่งข้อตกลงที่ลงนามแล้วกลับ เช่น 31/10/2569",
    "evaluation_due": "วันครบกำหนดส่งแบบประเมินกลับ เช่น 10/3/2570",
    "mail_subject_agreements": "หัวเรื่องอีเมลส่งแบบข้อตกลง ใช้ {name} {round} {unit} {due} ได้",
    "mail_body_agreements": "ข้อความอีเมลส่งแบบข้อตกลง ใช้ {name} {round} {unit} {due} ได้",
    "mail_subject_units": "หัวเรื่องอีเมลส่งสมุดงานหน่วยงานถึงหัวหน้าหน่วยงาน",
    "mail_body_units": "ข้อความอีเมลส่งสมุดงานหน่วยงาน",
    "mail_subject_notices": "หัวเรื่องอีเมลส่งหนังสือแจ้งผลการประเมิน",
    "mail_body_notices": "ข้อความอีเมลส่งหนังสือแจ้งผลการประเมิน",
    "mail_subject_reminders": "หัวเรื่องอีเมลเตือนผู้ที่ยังไม่ส่งแบบฟอร์มกลับ",
    "mail_body_reminders": "ข้อความอีเมลเตือนผู้ที่ยังไม่ส่งแบบฟอร์มกลับ",
}
DOCUMENT_KEYS = (
    "announcement_no",
    "announcement_date",
    "pct_announcement_no",
    "pct_announcement_date",
    "order_no",
    "order_date",
    "effective_date",
    "signer_name",
    "signer_position",
)
MAIL_KEYS = tuple(k for k in CONFIG_KEYS if k.startswith(("mail_", "smtp_")))
MAIL_TEXT_KEYS = tuple(k for k in MAIL_KEYS if k.startswith(("mail_subject_", "mail_body_")))
DUE_KEYS = ("agreement_due", "evaluation_due")
RULES_HEADING = "rules"  # rows after this key are rule overrides: dotted path → value

UNIT_COLUMNS = ("unit_code", "unit_name", "head", "head_email")
UNIT_HEADERS = ("รหัสหน่วยงาน", "ชื่อหน่วยงาน", "หัวหน้าหน่วยงาน", "อีเมลหัวหน้าหน่วยงาน")

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
    "email",
    "salary_note",
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
    "อีเมล",
    "เหตุที่เงินเดือนต่างจากเงินเดือนใหม่รอบก่อน",
)

EXPORT_COLUMNS = EXPORT_FIELDS  # the CSV export's columns, in order
# the Results sheet's columns, in order: who (name first, identifiers after), the
# scores, the money, why; then kpixl's working figures and the file each came from
RESULT_COLUMNS = (
    "name",
    "position",
    "person_id",
    "position_no",
    "unit",
    "pool_group",
    "level_code",
    "salary",
    "achievement",
    "competency",
    "total",
    "band",
    "eligible",
    "pct",
    "base",
    "increase",
    "new_salary",
    "special_compensation",
    "reason",
    "unrounded",
    "cost",
    "source_file",
)
assert sorted(RESULT_COLUMNS) == sorted(RESULT_FIELDS)
_RESULT_HEADER = {
    "person_id": "เลขประจำตัวประชาชน",
    "unit": "หน่วยงาน",
    "pool_group": "กลุ่มวงเงิน",
    "level_code": "รหัสระดับ",
    "salary": "เงินเดือน",
    "achievement": "ผลสัมฤทธิ์",
    "competency": "สมรรถนะ",
    "total": "คะแนนรวม",
    "band": "ระดับผล",
    "eligible": "มีสิทธิ์",
    "pct": "ร้อยละ",
    "base": "ฐาน",
    "increase": "เงินที่ได้เลื่อน",
    "new_salary": "เงินเดือนใหม่",
    "special_compensation": "ค่าตอบแทนพิเศษ",
    "reason": "เหตุผล/คำอธิบาย",
    "name": "ชื่อ-สกุล",
    "position": "ตำแหน่ง",
    "position_no": "เลขที่ตำแหน่ง",
    "unrounded": "ก่อนปัดเศษ",
    "cost": "ใช้วงเงิน",
    "source_file": "ไฟล์ต้นทาง",
}
RESULT_HEADERS = tuple(_RESULT_HEADER[c] for c in RESULT_COLUMNS)

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
    # the seed's KPI Template (บัตรรายละเอียดตัวชี้วัด) beyond the first twelve: appended,
    # so that a master from an older template (twelve columns) reads as before, these blank
    "name",
    "target_setter",
    "baseline_year",
    "target_year",
    "q1",
    "q2",
    "q3",
    "q4",
)
CARD_NEWER = CARD_COLUMNS[CARD_COLUMNS.index("name") :]  # optional: older masters lack them
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
    "ชื่อตัวชี้วัด",
    "ผู้กำหนดค่าเป้าหมาย",
    "ปีงบประมาณของข้อมูลพื้นฐาน",
    "ปีงบประมาณของค่าเป้าหมาย",
    "ผลไตรมาส 1 (ต.ค.–ธ.ค.)",
    "ผลไตรมาส 2 (ม.ค.–มี.ค.)",
    "ผลไตรมาส 3 (เม.ย.–มิ.ย.)",
    "ผลไตรมาส 4 (ก.ค.–ก.ย.)",
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
# every written row takes that row's styles. Money is whole baht (salaries, bases and
# increases are); satangs only where they occur (the pool, special compensation, the
# unrounded increase and its cost).
BAHT, MONEY, SCORE, COUNT = "#,##0", "#,##0.00", "0.00", "0"
_RESULT_FORMATS = {
    "salary": BAHT,
    "achievement": SCORE,
    "competency": SCORE,
    "total": SCORE,
    "pct": SCORE,
    "base": BAHT,
    "increase": BAHT,
    "new_salary": BAHT,
    "special_compensation": MONEY,
    "unrounded": MONEY,
    "cost": MONEY,
}
_RESULT_WIDTHS = {
    "name": 24,
    "position": 24,
    "person_id": 14,
    "position_no": 8,
    "unit": 8,
    "pool_group": 14,
    "level_code": 8,
    "salary": 9,
    "achievement": 8,
    "competency": 8,
    "total": 8,
    "band": 11,
    "eligible": 7,
    "pct": 7,
    "base": 9,
    "increase": 9,
    "new_salary": 9,
    "special_compensation": 9,
    "reason": 30,
    "unrounded": 9,
    "cost": 9,
    "source_file": 24,
}
BODY_FORMATS: dict[str, tuple[str, ...]] = {
    RESULTS: tuple(_RESULT_FORMATS.get(c, "General") for c in RESULT_COLUMNS),
    POOLS: ("General", "General", COUNT, MONEY, MONEY, MONEY, MONEY, MONEY),
    ISSUES: ("General",) * len(ISSUE_COLUMNS),
    ALIGNMENT: ("General", "General", SCORE, SCORE, SCORE),
}
BODY_WIDTHS: dict[str, tuple[int, ...]] = {
    RESULTS: tuple(_RESULT_WIDTHS[c] for c in RESULT_COLUMNS),
    ISSUES: (8, 12, 14, 11, 9, 5, 8, 9, 20, 19),
    POOLS: (18, 12, 8, 12, 12, 12, 12, 12),
    ALIGNMENT: (14, 17, 14, 24, 18),
}
WRAPPED: dict[str, tuple[str, ...]] = {  # columns whose text wraps in the printed rows
    RESULTS: ("name", "position", "pool_group", "reason", "source_file"),
    ISSUES: ISSUE_COLUMNS,
}
ROSTER_FORMATS = {"salary": BAHT}
ROSTER_WIDTHS = {
    "person_id": 14,
    "name": 24,
    "unit": 8,
    "position": 24,
    "position_no": 8,
    "level_code": 8,
    "salary": 9,
    "pool_group": 12,
    "probation": 10,
    "evaluator": 24,
    "job_line": 12,
    "months_served": 10,
    "leave_days": 7,
    "leave_times": 7,
    "late_times": 7,
    "penalty": 10,
    "suspension_months": 9,
    "ineligible": 9,
    "ineligible_reason": 22,
    "alt_ceiling": 9,
    "holds_position": 9,
    "email": 26,
    "salary_note": 24,
}

# Printing: every sheet on A4; a wide table on A4 landscape at a fixed scale that keeps
# 14 pt body text at 12 pt or more, in pages across with its first columns repeated
# (PRINT_COLUMNS); the others fit their width on one page.
PRINT_SCALE = {  # the sheets printed at a fixed scale (the others fit the page's width)
    RESULTS: 90,
    ROSTER: 90,
    ORG_KPIS: 86,
    UNIT_KPIS: 86,
    KPI_CARDS: 86,
    ISSUES: 86,
    ANNOUNCEMENT: 100,
    PCT_ANNOUNCEMENT: 100,
    SALARY_ORDER: 86,
    TRACKER: 86,
    HISTORY: 90,
}
PRINT_COLUMNS = {  # repeated on every page across: name (Results); id and name (Roster)
    RESULTS: "A:A",
    ROSTER: "A:B",
    KPI_CARDS: "A:A",
}
CONFIG_WIDTHS = (30, 30, 52)
# the input tables' columns (their text wraps): what fits A4 landscape at the scale above
TABLE_WIDTHS: dict[str, tuple[int, ...]] = {
    UNITS: (14, 34, 30, 28),
    ORG_KPIS: (8, 34, 14, 26, 10, 8, 10),
    UNIT_KPIS: (9, 8, 8, 28, 10, 9, 11, 9, 5, 5, 5, 5, 5),
    OS_MATRIX: (14, 12, 40),
    KPI_CARDS: (9, 28, 24, 24, 10, 12, 12, 10, 8, 16, 16, 28, 28, 16, 12, 12, 10, 10, 10, 10),
    KPI_HOLDERS: (22, 22, 12),
}
PORTRAIT = ("Announcement", "PctAnnouncement")

# ------------------------------------------------------------------- the round tracker
# Written by ``kpixl status`` (never by consolidate): row 2 says when and the due dates
# above their columns, row 3 the headers, a person per row from row 4 (name first), each
# step's date as Thai text (31/10/2569) or ล่าช้า in the late style (the style of the
# legend cell TRACKER_LEGEND_CELL); one line per unit below the table.
TRACKER_TITLE = "ติดตามสถานะแบบฟอร์มรายบุคคล (Tracker)"
TRACKER_COLUMNS = ("name", "unit", *STEPS, "person_id")
TRACKER_HEADERS = (
    "ชื่อ-สกุล",
    "หน่วยงาน",
    *(STEP_LABELS[s][0] for s in STEPS),
    "เลขประจำตัวประชาชน",
)
TRACKER_WIDTHS = (22, 7, *([10] * len(STEPS)), 14)
TRACKER_WRAPPED = ("name",)
TRACKER_AS_OF_CELL = "A2"
TRACKER_LEGEND_CELL = f"{chr(ord('A') + len(TRACKER_COLUMNS) - 1)}2"  # the last column
TRACKER_DUE_COLUMNS = {"agreement": "agreement_returned", "evaluation": "evaluation_returned"}
TRACKER_LATE = "ล่าช้า"  # a late step's cell text
TRACKER_LEGEND = f"{TRACKER_LATE} = เลยกำหนดแล้ว"  # in the late style, on row 2
TRACKER_LATE_FILL = "F4C7C3"  # light red
TRACKER_SUMMARY_TITLE = "สรุปรายหน่วยงาน (per unit)"

# ------------------------------------------------------------------ official documents
# Each document sheet starts with hidden rows that carry the styles of its kinds of
# row (one row per kind, cells styled column by column); the document is written
# below them, every row in the look of its kind, so a re-run finds the same styles.
DOC_KINDS = ("title", "heading", "text", "center", "sign", "head", "group", "row", "note")
DOC_FIRST_ROW = len(DOC_KINDS) + 1  # the first row a document is written in
DOCUMENTS = (ANNOUNCEMENT, PCT_ANNOUNCEMENT, SALARY_ORDER)
DOC_TEXT_SIZE = 16  # the document's text (TH SarabunPSK: 16 pt is the official size)
DOC_TABLE_SIZE = 14  # the attached lists
DOTS = "……………………"  # a value left blank: filled in by hand

# (a) ประกาศรายชื่อผู้มีผลการประเมินดีเด่นและดีมาก: its list, grouped by unit
ANNOUNCEMENT_COLUMNS = ("seq", "name", "position", "level", "band")
ANNOUNCEMENT_HEADERS = ("ที่", "ชื่อ-สกุล", "ตำแหน่ง", "ระดับ", "ผลการประเมิน")
# (b) ประกาศร้อยละการเลื่อนเงินเดือนในแต่ละระดับผลการประเมิน: a band per row, then the
# % the round used per pool group (one column when every group used the same)
PCT_HEADERS = ("ระดับผลการประเมิน", "ช่วงคะแนน", "ร้อยละการเลื่อนเงินเดือน")
# (c) คำสั่งเลื่อนเงินเดือน: its attachment (บัญชีรายละเอียดแนบท้ายคำสั่ง)
ORDER_COLUMNS = (
    "seq",
    "name",
    "position",
    "type",
    "level",
    "position_no",
    "unit",
    "salary",
    "base",
    "base_kind",
    "pct",
    "increase",
    "new_salary",
    "special_compensation",
)
SALARY_ORDER_HEADERS = (
    "ที่",
    "ชื่อ-สกุล",
    "ตำแหน่ง",
    "ประเภทตำแหน่ง",
    "ระดับ",
    "เลขที่ตำแหน่ง",
    "หน่วยงาน",
    "เงินเดือนเดิม",
    "ฐานในการคำนวณ",
    "ฐาน (ล่าง/บน)",
    "ร้อยละ",
    "จำนวนเงินที่ได้เลื่อน",
    "เงินเดือนใหม่",
    "ค่าตอบแทนพิเศษ",
)
DOC_FORMATS: dict[str, tuple[str, ...]] = {
    ANNOUNCEMENT: (COUNT, "General", "General", "General", "General"),
    PCT_ANNOUNCEMENT: ("General",) * 5,  # up to three pool groups' columns
    SALARY_ORDER: (
        COUNT,
        *(["General"] * 6),
        BAHT,
        BAHT,
        "General",
        SCORE,
        BAHT,
        BAHT,
        MONEY,
    ),
}
DOC_WIDTHS: dict[str, tuple[int, ...]] = {
    ANNOUNCEMENT: (5, 20, 22, 10, 10),
    PCT_ANNOUNCEMENT: (16, 17, 12, 11, 11),
    SALARY_ORDER: (3, 15, 15, 9, 9, 7, 12, 7, 7, 5, 5, 7, 7, 8),
}
DOC_CENTERED: dict[str, tuple[int, ...]] = {  # 0-based columns centred in the table rows
    ANNOUNCEMENT: (0, 3, 4),
    PCT_ANNOUNCEMENT: (0, 1, 2, 3, 4),
    SALARY_ORDER: (0, 3, 4, 5, 9),
}

CHART_BINS = tuple(range(0, 100, 10))  # histogram of totals: [0,10), …, [90,100]
CHART_FIRST_UNIT = HEADER_ROW + 1  # Summary: the first unit's row (the chart reads from it)

# ---------------------------------------------------------------------- the History sheet
# Written by consolidate with the other result sheets: for each person of this round's
# Results (in its order) their last four rounds, oldest first: up to three earlier
# rounds from the rounds' archive (kpixl.jobs.past) and this one. Row 2 says which
# earlier rounds there are (or that none is archived); the header row is written with
# the rows. The round/band/score/money fields are `kpixl history --json`'s keys.
HISTORY_TITLE = "ประวัติผลการประเมินย้อนหลัง 4 รอบ (History)"
HISTORY_ROUNDS = 4  # rounds per person, this one included
HISTORY_NOTE_CELL = "A2"
HISTORY_COLUMNS = (
    "person_id",
    "name",
    "unit",
    "round",
    "band",
    "total",
    "pct",
    "increase",
    "salary",
    "new_salary",
)
HISTORY_HEADERS = (
    "เลขประจำตัวประชาชน",
    "ชื่อ-สกุล",
    "หน่วยงาน",
    "รอบ",
    "ระดับผล",
    "คะแนนรวม",
    "ร้อยละ",
    "เงินที่ได้เลื่อน",
    "เงินเดือน",
    "เงินเดือนใหม่",
)
HISTORY_FORMATS = (
    "General",
    "General",
    "General",
    "General",
    "General",
    SCORE,
    SCORE,
    BAHT,
    BAHT,
    BAHT,
)
HISTORY_WIDTHS = (14, 22, 8, 7, 11, 9, 7, 10, 9, 10)  # A4 landscape at PRINT_SCALE 90
