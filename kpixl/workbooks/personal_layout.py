"""Where everything lives in the personal workbook. The only place that knows cells.

The template builder writes these addresses, the reader reads them; code elsewhere
uses the names here or the workbook's defined names, never "E3".
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter

TEMPLATE_ID = "kpixl.personal"
TEMPLATE_VERSION = "2.1"
# 2.1 adds the level descriptions, the attachment and progress-record sheets, and lays the
# achievement sheet out as the official form (targets beside the result; score × weight).
# Every cell a 2.0 form is read from is where it was; only the achievement sheet's formula
# columns differ (see ACH_FORMULA_LETTERS).

AGREEMENT = "ข้อตกลง"
ACHIEVEMENT = "ผลสัมฤทธิ์"
COMPETENCY = "สมรรถนะ"
SUMMARY = "แบบสรุป"
LIBRARY = "คลังตัวชี้วัด"
HIDDEN = "kpixl"
SHEETS = (AGREEMENT, ACHIEVEMENT, COMPETENCY, SUMMARY, LIBRARY, HIDDEN)  # every form has these
STEPS = "คำอธิบายระดับ"  # since 2.1: the agreement's attachment (level descriptions)
RECORD = "บันทึกผลงาน"  # since 2.1: the supervisor's notes during the round

# ------------------------------------------------------------------ agreement sheet
# identity: field → (label cell, value cell); left labels span A:B and values C:F, right
# labels G:J and values K:N (so the longest label, เลขประจำตัวประชาชน, prints whole)
IDENTITY = {
    "name": ("A4", "C4"),
    "person_id": ("G4", "K4"),
    "position": ("A5", "C5"),
    "position_no": ("G5", "K5"),
    "level_title": ("A6", "C6"),
    "level_code": ("G6", "K6"),
    "unit": ("A7", "C7"),
    "unit_code": ("G7", "K7"),
    "evaluator": ("A8", "C8"),
    "evaluator_position": ("G8", "K8"),
    "probation": ("G2", "K2"),
}
IDENTITY_LABELS = {
    "name": "ชื่อ-สกุล",
    "person_id": "เลขประจำตัวประชาชน",
    "position": "ตำแหน่ง",
    "position_no": "เลขที่ตำแหน่ง",
    "level_title": "ประเภท/ระดับ",
    "level_code": "รหัสระดับ",
    "unit": "หน่วยงาน",
    "unit_code": "รหัสหน่วยงาน",
    "evaluator": "ชื่อผู้ประเมิน",
    "evaluator_position": "ตำแหน่งผู้ประเมิน",
    "probation": "ทดลองปฏิบัติราชการ",
}
IDENTITY_VALUE_END = {"C": "F", "K": "N"}  # a value cell's merged range ends here

# The agreement prints as: page 1 identity and the expected competencies; then the KPI
# table (its header repeated on each page it runs onto) and the signatures under it.
COMP_HEADER_ROW = 11
COMP_FIRST = COMP_HEADER_ROW + 1
COMP_ROWS = 12
COMP_LAST = COMP_FIRST + COMP_ROWS - 1
COMP_TOTAL_ROW = COMP_LAST + 1
COMP_COLUMNS = {
    "no": ("A", "ที่"),
    "group": ("B", "กลุ่ม"),
    "competency": ("C", "สมรรถนะ"),
    "expected": ("D", "ระดับที่คาดหวัง"),
    "weight": ("E", "น้ำหนัก (%)"),
}
COMP_INPUT_FIELDS = ["group", "competency", "expected", "weight"]

KPI_SECTION_ROW = COMP_TOTAL_ROW + 2  # a new page starts here
KPI_HEADER_ROW = KPI_SECTION_ROW + 2  # under the section title and the levels' meanings
KPI_FIRST = KPI_HEADER_ROW + 1
KPI_ROWS = 15
KPI_LAST = KPI_FIRST + KPI_ROWS - 1
KPI_TOTAL_ROW = KPI_LAST + 1
KPI_PAGE_ROWS = 11  # KPI rows on the table's first page; the rest go with the signatures
# field → (column letter, Thai header)
KPI_COLUMNS = {
    "no": ("A", "ที่"),
    "kpi_code": ("B", "รหัส"),
    "kpi_name": ("C", "ตัวชี้วัด"),
    "kind": ("D", "ประเภท"),
    "direction": ("E", "ทิศทาง"),
    "unit": ("F", "หน่วยนับ"),
    "l1": ("G", "ระดับ 1"),
    "l2": ("H", "ระดับ 2"),
    "l3": ("I", "ระดับ 3"),
    "l4": ("J", "ระดับ 4"),
    "l5": ("K", "ระดับ 5"),
    "weight": ("L", "น้ำหนัก (%)"),
    "parent_code": ("M", "ตัวชี้วัดต้นทาง"),
    "category": ("N", "ลักษณะงาน"),
}
KPI_INPUT_FIELDS = [f for f in KPI_COLUMNS if f != "no"]

# the library picker beside the KPI table: job line and task choose what column O lists;
# a pick fills the row's code, name, kind, direction, unit and levels by formula (the
# person may type over any of them)
PICK_COLUMN = "O"
PICK_LINE_CELL = f"P{KPI_HEADER_ROW - 2}"
PICK_TASK_CELL = f"P{KPI_HEADER_ROW - 1}"
PICKED_FIELDS = ("kpi_code", "kpi_name", "kind", "direction", "unit", "l1", "l2", "l3", "l4", "l5")

SIGN_ROW = KPI_TOTAL_ROW + 2

# What each of a KPI's five levels means in words: a milestone KPI's steps, or a mixed
# KPI's steps and outcome ranges (seed 001). Typed (or picked from the library) beside
# the KPI's row, outside the printed table; the attachment sheet prints them.
STEP_FIELDS = ("s1", "s2", "s3", "s4", "s5")
STEP_COLUMNS = dict(zip(STEP_FIELDS, "QRSTU", strict=True))
STEP_INDEX_COLUMN = "V"  # hidden: the row's place among the KPIs that have descriptions

# What each of the five target levels means, and the competency rating scale (the
# official forms print both beside the numbers).
LEVEL_MEANINGS = {
    1: "ต่ำกว่าที่คาดหวังมาก",
    2: "ต่ำกว่าที่คาดหวัง",
    3: "ค่าเป้าหมายที่คาดหวัง",
    4: "สูงกว่าที่คาดหวัง",
    5: "สูงกว่าที่คาดหวังมาก (ท้าทาย)",
}
RATING_MEANINGS = {
    1: "ต้องได้รับการพัฒนาอย่างเร่งด่วน",
    2: "ต้องได้รับการพัฒนา",
    3: "ใช้งานได้ตามที่งานต้องการ",
    4: "ใช้งานได้ดี",
    5: "ดีเยี่ยม เป็นแบบอย่างได้",
}

# ------------------------------------------------------------------ steps sheet
# the KPIs with level descriptions, in the agreement's order (formulas), one page
STEPS_FIRST = 6
STEPS_ROWS = 5  # with the title and the initials, one landscape page
STEPS_LAST = STEPS_FIRST + STEPS_ROWS - 1
STEPS_KPI_ROW_COLUMN = "J"  # hidden: which agreement row the line shows (0 = none)
# field → (column, Thai header); s1–s5 are the descriptions of levels 1–5
STEPS_COLUMNS = {
    "no": ("A", "ตัวชี้วัดที่"),
    "kpi_code": ("B", "รหัส"),
    "kpi_name": ("C", "ตัวชี้วัด"),
    **{
        f: (letter, f"ระดับ {k}")
        for k, (f, letter) in enumerate(zip(STEP_FIELDS, "DEFGH", strict=True), 1)
    },
}

# ---------------------------------------------------------------- achievement sheet
ACH_FIRST = 6
ACH_LAST = ACH_FIRST + KPI_ROWS - 1
ACH_TOTAL_ROW = ACH_LAST + 1
ACH_RESULT_ROW = ACH_TOTAL_ROW + 2
# as the official form: the KPI, its result, its five targets, then score (ก) × weight
# (ข) = points (ค); the points' sum × 20 is the 100-point result
ACH_COLUMNS = {
    "no": "A",
    "kpi_code": "B",
    "kpi_name": "C",
    "unit": "D",
    "actual": "E",
    "l1": "F",
    "l2": "G",
    "l3": "H",
    "l4": "I",
    "l5": "J",
    "reached": "K",
    "score": "L",
    "weight": "M",
    "weighted": "N",
    "evidence": "O",
}
ACH_RESULT_CELL = f"G{ACH_RESULT_ROW}"  # merged across G:N, so it prints under the points
# the achievement sheet's checked formula cells (code, weight, reached, score, points) per
# template version: 2.0 had the weight in D, reached F, score G, score × weight H
ACH_FORMULA_LETTERS = {
    "2.0": "BDFGH",
    "2.1": "".join(ACH_COLUMNS[f] for f in ("kpi_code", "weight", "reached", "score", "weighted")),
}

# ------------------------------------------------------------ progress record sheet
RECORD_FIRST = 6
RECORD_ROWS = 13  # with the signatures, one A4 page
RECORD_LAST = RECORD_FIRST + RECORD_ROWS - 1
RECORD_COLUMNS = {
    "no": ("A", "ที่"),
    "date": ("B", "วันที่ (พ.ศ.)"),
    "subject": ("C", "ตัวชี้วัด / สมรรถนะ"),
    "observed": ("D", "ผลงานหรือพฤติกรรมที่สังเกตเห็น"),
    "advice": ("E", "คำแนะนำ / การให้คำปรึกษา"),
    "initials": ("F", "ลงชื่อย่อผู้บังคับบัญชา"),
}

# ----------------------------------------------------------------- competency sheet
CMP_FIRST = 6
CMP_LAST = CMP_FIRST + COMP_ROWS - 1
CMP_TOTAL_ROW = CMP_LAST + 1
CMP_RESULT_ROW = CMP_TOTAL_ROW + 2
CMP_COLUMNS = {
    "no": "A",
    "competency": "B",
    "expected": "C",
    "weight": "D",
    "rating": "E",
    "points": "F",
    "weighted": "G",
    "note": "H",
}
CMP_RESULT_CELL = f"F{CMP_RESULT_ROW}"

# -------------------------------------------------------------------- summary sheet
SUM_IDENTITY_FIRST = 4  # one identity field a row: label in A, value across B:E
SUM_IDENTITY = (
    "name",
    "person_id",
    "position",
    "level_title",
    "unit",
    "evaluator",
    "evaluator_position",
)
SUM_ROWS = {
    "achievement": 14,
    "competency": 15,
    "other": 16,
    "total": 17,
    "band": 19,
}
SUM_SCORE_COL = "C"
SUM_WEIGHT_COL = "D"
SUM_WEIGHTED_COL = "E"
SUM_BAND_LIST_FIRST = 20
PLAN_FIRST = 31
PLAN_ROWS = 4

# ------------------------------------------------------------------ library sheet
LIB_HEADER_ROW = 3
LIB_FIRST = 4
LIB_ROWS = 300  # capacity: the shipped library has far fewer
LIB_LAST = LIB_FIRST + LIB_ROWS - 1
# field → (column letter, Thai header); "pick" is what the picker lists and matches
LIB_COLUMNS = {
    "pick": ("A", "ตัวชี้วัด (สำหรับเลือก)"),
    "job_line": ("B", "สายงาน"),
    "task": ("C", "งาน"),
    "kpi_code": ("D", "รหัส"),
    "kpi_name": ("E", "ตัวชี้วัด"),
    "kind": ("F", "ประเภท"),
    "direction": ("G", "ทิศทาง"),
    "unit": ("H", "หน่วยนับ"),
    "l1": ("I", "ระดับ 1"),
    "l2": ("J", "ระดับ 2"),
    "l3": ("K", "ระดับ 3"),
    "l4": ("L", "ระดับ 4"),
    "l5": ("M", "ระดับ 5"),
    "key": ("N", "สายงาน|งาน"),
    "milestones": ("O", "คำอธิบายขั้นความสำเร็จ"),
}
LIB_STEP_COLUMNS = dict(zip(STEP_FIELDS, ("X", "Y", "Z", "AA", "AB"), strict=True))
LIB_LINE_COLUMN = "Q"  # the job lines, once each
LIB_TASK_LINE_COLUMN = "S"  # (job line, task) pairs, sorted
LIB_TASK_COLUMN = "T"
UNIT_KPI_CODE_COLUMN = "V"  # the unit's KPIs (parent-code dropdown), filled per person
UNIT_KPI_NAME_COLUMN = "W"
UNIT_KPI_ROWS = 40


# ----------------------------------------------------------------- hidden sheet
META_FIELDS = (
    "template_id",
    "template_version",
    "round_id",
    "person_id",
    "unit_code",
    "revision",
    "fingerprint",
    "seal_method",
    "sealed_at",
    "generated_by",
)
CONFIG_FIELDS = (
    "method",
    "competency_method",
    "rating_max",
    "w_achievement",
    "w_competency",
    "w_other",
    "w_probation_achievement",
    "w_probation_competency",
    "w_probation_other",
    "rules_id",
    "salary_table",
)
META_FIRST = 2  # B2.. values, A labels
CONFIG_FIRST = META_FIRST + len(META_FIELDS) + 1
BAND_FIRST = CONFIG_FIRST + len(CONFIG_FIELDS) + 1  # ascending: min in A, name in B
BAND_ROWS = 8
LIST_COLUMN_KIND = "D"
LIST_COLUMN_DIRECTION = "E"
LIST_COLUMN_CATEGORY = "F"
LIST_COLUMN_YESNO = "G"
LIST_FIRST = 2


def meta_cell(field: str) -> str:
    return f"B{META_FIRST + META_FIELDS.index(field)}"


# The rest of a seal (kpixl/core/seal.py), beside fingerprint, seal_method and sealed_at
# in column C: written by sealing (the cells are added then), so that workbooks made
# before they existed keep their layout and still read.
SEAL_CELLS = {
    "seal_content": f"C{META_FIRST + META_FIELDS.index('fingerprint')}",
    "seal_key_id": f"C{META_FIRST + META_FIELDS.index('seal_method')}",
    "seal_rows": f"C{META_FIRST + META_FIELDS.index('sealed_at')}",
}


def seal_cell(field: str) -> str:
    """The hidden-sheet cell of a seal value (``fingerprint`` … ``seal_rows``)."""
    return SEAL_CELLS[field] if field in SEAL_CELLS else meta_cell(field)


def config_cell(field: str) -> str:
    return f"B{CONFIG_FIRST + CONFIG_FIELDS.index(field)}"


def kpi_cell(field: str, index: int) -> str:
    """Agreement cell of KPI number ``index`` (0-based)."""
    return f"{KPI_COLUMNS[field][0]}{KPI_FIRST + index}"


def comp_cell(field: str, index: int) -> str:
    return f"{COMP_COLUMNS[field][0]}{COMP_FIRST + index}"


def column_range(letter: str, first: int, last: int) -> str:
    return f"{letter}{first}:{letter}{last}"


def col(n: int) -> str:
    return str(get_column_letter(n))


# Defined names: the stable addresses other code and readers use.
def defined_names(library_rows: int = LIB_ROWS, job_lines: int = 20) -> dict[str, str]:
    """The workbook's defined names; the library's pick list and job lines are exact."""
    q = lambda sheet: f"'{sheet}'"  # noqa: E731
    names = {
        "kpixl_achievement": f"{q(ACHIEVEMENT)}!${ACH_RESULT_CELL[0]}${ACH_RESULT_ROW}",
        "kpixl_competency": f"{q(COMPETENCY)}!${CMP_RESULT_CELL[0]}${CMP_RESULT_ROW}",
        "kpixl_total": f"{q(SUMMARY)}!${SUM_WEIGHTED_COL}${SUM_ROWS['total']}",
        "kpixl_band": f"{q(SUMMARY)}!${SUM_SCORE_COL}${SUM_ROWS['band']}",
        "kpixl_kpis": f"{q(AGREEMENT)}!$A${KPI_FIRST}:$N${KPI_LAST}",
        "kpixl_competencies": f"{q(AGREEMENT)}!$A${COMP_FIRST}:$E${COMP_LAST}",
        "kpixl_actuals": f"{q(ACHIEVEMENT)}!$E${ACH_FIRST}:$E${ACH_LAST}",
        "kpixl_ratings": f"{q(COMPETENCY)}!$E${CMP_FIRST}:$E${CMP_LAST}",
        "kpixl_band_mins": f"{q(HIDDEN)}!$A${BAND_FIRST}:$A${BAND_FIRST + BAND_ROWS - 1}",
        "kpixl_band_names": f"{q(HIDDEN)}!$B${BAND_FIRST}:$B${BAND_FIRST + BAND_ROWS - 1}",
    }
    lib = lambda letter: f"{q(LIBRARY)}!${letter}${LIB_FIRST}:${letter}${LIB_LAST}"  # noqa: E731
    last = LIB_FIRST + UNIT_KPI_ROWS - 1
    line, task = (
        f"{q(AGREEMENT)}!${PICK_LINE_CELL[0]}${PICK_LINE_CELL[1:]}",
        (f"{q(AGREEMENT)}!${PICK_TASK_CELL[0]}${PICK_TASK_CELL[1:]}"),
    )
    key = lib(LIB_COLUMNS["key"][0])
    pick_last = LIB_FIRST + max(1, library_rows) - 1
    pick = f"{q(LIBRARY)}!$A${LIB_FIRST}:$A${pick_last}"
    by_line = lib(LIB_COLUMNS["job_line"][0])
    task_lines = lib(LIB_TASK_LINE_COLUMN)
    names.update(
        {
            "kpixl_lib": f"{q(LIBRARY)}!$A${LIB_FIRST}:$O${LIB_LAST}",
            "kpixl_lib_pick": pick,
            "kpixl_lib_steps": f"{q(LIBRARY)}!$X${LIB_FIRST}:$AB${LIB_LAST}",
            "kpixl_lib_lines": f"{q(LIBRARY)}!${LIB_LINE_COLUMN}${LIB_FIRST}:"
            f"${LIB_LINE_COLUMN}${LIB_FIRST + max(1, job_lines) - 1}",
            # the KPIs of the chosen job line (and task), for column O's dropdown
            "kpixl_pick_list": f'IF({line}="",{pick},OFFSET({q(LIBRARY)}!$A${LIB_FIRST},'
            f'IF({task}="",MATCH({line},{by_line},0),MATCH({line}&"|"&{task},{key},0))-1,0,'
            f'IF({task}="",COUNTIF({by_line},{line}),COUNTIF({key},{line}&"|"&{task})),1))',
            # the tasks of the chosen job line, for the task dropdown
            "kpixl_task_list": f"OFFSET({q(LIBRARY)}!${LIB_TASK_COLUMN}${LIB_FIRST},"
            f"MATCH({line},{task_lines},0)-1,0,MAX(1,COUNTIF({task_lines},{line})),1)",
            "kpixl_unit_kpis": f"OFFSET({q(LIBRARY)}!${UNIT_KPI_CODE_COLUMN}${LIB_FIRST},0,0,"
            f"MAX(1,COUNTA({q(LIBRARY)}!${UNIT_KPI_CODE_COLUMN}${LIB_FIRST}:"
            f"${UNIT_KPI_CODE_COLUMN}${last})),1)",
        }
    )
    for field in META_FIELDS:
        cell = meta_cell(field)
        names[f"kpixl_meta_{field}"] = f"{q(HIDDEN)}!${cell[0]}${cell[1:]}"
    for field in CONFIG_FIELDS:
        cell = config_cell(field)
        names[f"kpixl_{field}"] = f"{q(HIDDEN)}!${cell[0]}${cell[1:]}"
    for field, (_, value) in IDENTITY.items():
        names[f"kpixl_id_{field}"] = f"{q(AGREEMENT)}!${value[0]}${value[1:]}"
    return names
