"""The catalogue of finding codes, with their Thai and English messages.

A code is stable (reports, tests and the Issues sheet key on it); the messages are
``str.format`` templates that may use ``{field}``, ``{value}`` and the extra keys a
check passes. Messages say what is wrong and how to put it right.
"""

from __future__ import annotations

from typing import Any

from kpixl.core.errors import strict
from kpixl.core.findings import ERROR, WARNING, Finding, Severity

__all__ = ["CODES", "STAGES", "finding", "internal_finding"]

# code: (severity, Thai, English)
CODES: dict[str, tuple[Severity, str, str]] = {
    # files: how much one workbook may make kpixl do (kpixl.io.limits)
    "file.part_too_large": (
        ERROR,
        "ไฟล์นี้ใหญ่เกินกว่าที่แบบฟอร์มประเภทนี้จะมีได้: {what} {value} เกินขีดจำกัด {limit} "
        "จึงไม่อ่านไฟล์นี้ (ปรับได้ที่ {key} ใน Config)",
        "this file is larger than a form of its kind can be: {what_en} {value}, over the "
        "limit of {limit}; the file is not read (Config key {key})",
    ),
    "file.zip_bomb": (
        ERROR,
        "ส่วน {part} ของไฟล์ขยายจาก {packed} เป็น {value} ไบต์ ({ratio} เท่า เกิน {limit} เท่า) "
        "ลักษณะของ zip bomb จึงไม่อ่านไฟล์นี้ (ปรับได้ที่ {key} ใน Config)",
        "part {part} inflates from {packed} to {value} bytes ({ratio}:1, over {limit}:1), "
        "the mark of a zip bomb; the file is not read (Config key {key})",
    ),
    "file.sheet_too_large": (
        ERROR,
        "แผ่นงานนี้{how}ถึงช่อง {ref} ({rows} แถว × {cols} คอลัมน์): {what} {value} เกินขีดจำกัด "
        "{limit} ของแบบฟอร์มประเภทนี้ ให้ลบข้อมูลที่อยู่ไกลเกินตารางออก (ปรับได้ที่ {key} ใน Config)",
        "this sheet {how_en} {ref} ({rows} rows × {cols} columns): {what_en} {value}, over the "
        "limit of {limit} for a form of its kind; delete what lies far outside the table "
        "(Config key {key})",
    ),
    "file.worker_died": (
        ERROR,
        "โปรแกรมหยุดทำงานขณะอ่านไฟล์นี้ ({value}) จึงไม่นำไฟล์นี้มารวม ไฟล์อื่นรวมตามปกติ",
        "kpixl's worker process ended while reading this file ({value}); the file is left "
        "out, the others are consolidated",
    ),
    "file.internal_error": (
        ERROR,
        "kpixl ทำงานผิดพลาดขณะ{stage}ไฟล์นี้ ซึ่งเป็นข้อบกพร่องของโปรแกรม ไม่ใช่ของไฟล์ "
        "จึงไม่นำไฟล์นี้มาใช้ ไฟล์อื่นดำเนินการตามปกติ ให้แจ้งผู้ดูแล kpixl พร้อมแนบไฟล์นี้",
        "kpixl failed while {stage_en} this file ({value}): a defect in kpixl, not in the "
        "file; the file is left out, the others go on; report it with the file attached "
        "(KPIXL_STRICT=1 makes kpixl stop there and show where)",
    ),
    "file.findings_capped": (
        WARNING,
        "ไฟล์นี้มีข้อค้นพบอีก {value} รายการที่ไม่ได้แสดง (แสดงเพียง {limit} รายการแรก) "
        "ให้แก้รายการที่แสดงแล้วตรวจใหม่ (ปรับได้ที่ limit_findings_per_file ใน Config)",
        "{value} more findings of this file are not shown (only the first {limit}); fix "
        "those shown and check again (Config key limit_findings_per_file)",
    ),
    "file.other_form": (
        ERROR,
        "นี่คือ{form_th} ({value}) ไม่ใช่แบบรายบุคคล จึงไม่ได้ตรวจ — ใช้ {command_th}",
        "this is {form_en}, not a personal workbook, so it is not checked — use {command_en}",
    ),
    # cells
    "cell.blank": (
        ERROR,
        "ยังไม่ได้กรอก {label}",
        "{field} is blank; fill it in",
    ),
    "cell.not_a_number": (
        ERROR,
        "{label} ต้องเป็นตัวเลข แต่พบ “{value}”",
        "{field} must be a number, found “{value}”",
    ),
    "cell.excel_error": (
        ERROR,
        "{label} มีค่าผิดพลาดของ Excel ({value}) ให้แก้สูตรหรือข้อมูลต้นทาง",
        "{field} holds an Excel error ({value}); fix the formula or its inputs",
    ),
    "cell.thai_digits": (
        WARNING,
        "{label} อ่านเลขไทย “{value}” เป็น {number}",
        "{field}: Thai digits “{value}” read as {number}",
    ),
    "cell.separators": (
        WARNING,
        "{label} อ่าน “{value}” เป็น {number} (ตัดเครื่องหมายคั่นหลักพันออก)",
        "{field}: “{value}” read as {number} (thousands separators dropped)",
    ),
    "cell.percent_sign": (
        WARNING,
        "{label} อ่าน “{value}” เป็น {number} (ช่องนี้เป็นตัวเลขธรรมดา จึงตัดเครื่องหมาย % ออก)",
        "{field}: “{value}” read as {number} (a plain number: the % sign is dropped)",
    ),
    "cell.number_as_text": (
        WARNING,
        "{label} เป็นข้อความ “{value}” kpixl อ่านเป็น {number} แต่สูตรในแบบฟอร์มคำนวณจากข้อความไม่ได้ "
        "ให้พิมพ์ใหม่เป็นตัวเลข",
        "{field} holds text “{value}”: kpixl reads {number}, but the form's own formulas "
        "cannot compute with text; retype it as a number",
    ),
    "cell.fraction_as_percent": (
        WARNING,
        "{label} อ่าน {value} เป็น {number}% (ช่องจัดรูปแบบเป็นร้อยละ)",
        "{field}: {value} read as {number}% (a percent-formatted cell)",
    ),
    "cell.unknown_choice": (
        ERROR,
        "{label} ต้องเลือกจากรายการ ({choices}) แต่พบ “{value}”",
        "{field} must be one of the list ({choices}), found “{value}”",
    ),
    "cell.not_whole": (
        ERROR,
        "{label} ต้องเป็นจำนวนเต็ม แต่พบ {value}",
        "{field} must be a whole number, found {value}",
    ),
    # agreement KPIs
    "kpi.weight_not_positive": (
        ERROR,
        "น้ำหนักตัวชี้วัดต้องมากกว่า 0 (พบ {value})",
        "KPI weight must be above 0 (found {value})",
    ),
    "kpi.weights_sum": (
        ERROR,
        "น้ำหนักตัวชี้วัดของ {person_id} รวมได้ {total} ต้องเท่ากับ 100",
        "KPI weights of {person_id} sum to {total}; they must sum to 100",
    ),
    "kpi.weights_as_fraction": (
        WARNING,
        "น้ำหนักตัวชี้วัดของ {person_id} รวมได้ 1 จึงอ่านเป็นสัดส่วนและคูณ 100",
        "KPI weights of {person_id} sum to 1; read as fractions and multiplied by 100",
    ),
    "kpi.too_many": (
        ERROR,
        "{person_id} มีตัวชี้วัด {count} ตัว เกินจำนวนสูงสุด {max} ตัว",
        "{person_id} has {count} KPIs, more than the maximum {max}",
    ),
    "kpi.levels_missing": (
        ERROR,
        "ตัวชี้วัดเชิงปริมาณต้องมีค่าเป้าหมายครบ 5 ระดับ",
        "a quantitative KPI needs all five target levels",
    ),
    "kpi.levels_not_monotone": (
        ERROR,
        "ค่าเป้าหมาย 5 ระดับต้อง{trend}ทุกระดับตามทิศทางของตัวชี้วัด",
        "the five target levels must be strictly {trend_en} for the KPI's direction",
    ),
    "kpi.direction_missing": (
        ERROR,
        "ตัวชี้วัดเชิงปริมาณต้องระบุทิศทาง (ยิ่งมากยิ่งดี / ยิ่งน้อยยิ่งดี)",
        "a quantitative KPI needs a direction (higher or lower is better)",
    ),
    "kpi.code_duplicate": (
        ERROR,
        "รหัสตัวชี้วัด “{value}” ซ้ำกันในแบบของ {person_id}",
        "KPI code “{value}” appears twice for {person_id}",
    ),
    # KPI results
    "result.actual_missing": (
        ERROR,
        "ยังไม่ได้กรอกผลการดำเนินงานจริงของตัวชี้วัด {kpi_code}",
        "the actual result of KPI {kpi_code} is missing",
    ),
    "result.milestone_level": (
        ERROR,
        "ระดับที่ทำได้ของตัวชี้วัดเชิงคุณภาพต้องเป็นจำนวนเต็ม 0–5 (พบ {value})",
        "a milestone KPI's level reached must be a whole number 0–5 (found {value})",
    ),
    "result.unknown_kpi": (
        ERROR,
        "ผลการดำเนินงานอ้างถึงตัวชี้วัด {value} ที่ไม่มีในข้อตกลง",
        "a result refers to KPI {value}, which is not in the agreement",
    ),
    # competencies
    "competency.rating_range": (
        ERROR,
        "คะแนนสมรรถนะต้องอยู่ระหว่าง {low}–{high} (พบ {value})",
        "a competency rating must lie within {low}–{high} (found {value})",
    ),
    "competency.level_range": (
        ERROR,
        "ระดับสมรรถนะต้องเป็นจำนวนเต็ม 0–{high} (พบ {value})",
        "a competency level must be a whole number 0–{high} (found {value})",
    ),
    "competency.weight_not_positive": (
        ERROR,
        "น้ำหนักสมรรถนะต้องมากกว่า 0 (พบ {value})",
        "competency weight must be above 0 (found {value})",
    ),
    "competency.weights_sum": (
        ERROR,
        "น้ำหนักสมรรถนะของ {person_id} รวมได้ {total} ต้องเท่ากับ 100",
        "competency weights of {person_id} sum to {total}; they must sum to 100",
    ),
    "competency.duplicate": (
        ERROR,
        "สมรรถนะ “{value}” ซ้ำกันในแบบของ {person_id}",
        "competency “{value}” appears twice for {person_id}",
    ),
    # component weights
    "weights.components_sum": (
        ERROR,
        "น้ำหนักองค์ประกอบของ {person_id} รวมได้ {total} ต้องเท่ากับ 100",
        "component weights of {person_id} sum to {total}; they must sum to 100",
    ),
    "weights.achievement_low": (
        ERROR,
        "น้ำหนักผลสัมฤทธิ์ของงานต้องไม่น้อยกว่า {min} (พบ {value}) ยกเว้นผู้ทดลองปฏิบัติราชการ",
        "achievement weight must be at least {min} (found {value}) outside probation",
    ),
    # sealed agreements (kpixl/core/seal.py)
    "form.sealed_changed": (
        ERROR,
        "ข้อตกลงถูกแก้ไขหลังลงนามเมื่อ {when}: {what} ให้ผู้ประเมินตรวจและลงนามใหม่",
        "the agreement was changed after it was sealed on {when_en}: {what_en};"
        " the supervisor must review it and seal it again",
    ),
    "form.seal_key": (
        ERROR,
        "ตราลงนามใช้ยืนยันข้อตกลงไม่ได้: {why} (ลงนามเมื่อ {when})",
        "the seal cannot vouch for the agreement: {why_en} (sealed on {when_en})",
    ),
    "form.seal_malformed": (
        ERROR,
        "ข้อมูลตราลงนาม ({field}) ถูกแก้ไขหรือเสียหาย: {why} ให้ผู้ประเมินลงนามใหม่",
        "the seal's {field} was edited or damaged: {why_en}; the supervisor must seal again",
    ),
    "form.not_sealed": (
        WARNING,
        "ข้อตกลงยังไม่ได้ลงนาม (หน่วยงานกำหนดกุญแจลงนามไว้)",
        "the agreement is not sealed (the agency has a sealing key)",
    ),
    "seal.key_mismatch": (
        ERROR,
        "กุญแจลงนามที่ตั้งไว้ (KPIXL_SEAL_KEY) ไม่ใช่กุญแจของหน่วยงาน: {why}",
        "the sealing key set here (KPIXL_SEAL_KEY) is not the agency's: {why_en}",
    ),
    "seal.refused": (
        ERROR,
        "ไม่ลงนาม: {why}",
        "not sealed: {why_en}",
    ),
    # roster
    "roster.national_id": (
        ERROR,
        "เลขประจำตัวประชาชน “{value}” ไม่ถูกต้อง ({why})",
        "national id “{value}” is invalid ({why_en})",
    ),
    "roster.duplicate_id": (
        ERROR,
        "เลขประจำตัวประชาชน {value} ปรากฏมากกว่าหนึ่งครั้งในบัญชีรายชื่อ",
        "national id {value} appears more than once on the roster",
    ),
    "roster.level_code": (
        ERROR,
        "ไม่รู้จักรหัสระดับ “{value}” (ใช้ได้: {known})",
        "unknown level code “{value}” (known: {known})",
    ),
    "roster.level_name": (
        ERROR,
        "ระดับ “{value}” {why} ให้ใช้รหัสระดับ (เช่น K2) หรือชื่อระดับพร้อมประเภทตำแหน่ง"
        " (เช่น “วิชาการ ชำนาญการ”, “อำนวยการต้น”)",
        "level “{value}” {why_en}; use a level code (e.g. K2) or the level's Thai name with"
        " its position type (e.g. “วิชาการ ชำนาญการ”, “อำนวยการต้น”)",
    ),
    "roster.salary_range": (
        ERROR,
        "เงินเดือน {value} อยู่นอกช่วงของระดับ {level_code} ({low}–{high})",
        "salary {value} lies outside the range of level {level_code} ({low}–{high})",
    ),
    "roster.pool_group": (
        ERROR,
        "ไม่รู้จักกลุ่มวงเงิน “{value}” (ใช้ได้: {known})",
        "unknown pool group “{value}” (known: {known})",
    ),
    "roster.pool_group_mismatch": (
        WARNING,
        "กลุ่มวงเงิน “{value}” ไม่ตรงกับระดับ {level_code} (ตามกฎคือ {expected})",
        "pool group “{value}” does not match level {level_code} (the rules say {expected})",
    ),
    # e-mail addresses and the Config's mail settings (kpixl.core.addresses): warnings,
    # since a bad address stops no pay, but the mail to that person cannot go
    "roster.email": (
        WARNING,
        "อีเมล “{value}” ใช้ไม่ได้ ({why}) จะส่งอีเมลถึงผู้นี้ไม่ได้จนกว่าจะแก้ไข"
        " ให้พิมพ์อีเมลเดียว เช่น somchai.j@example.org",
        "e-mail “{value}” cannot be used ({why_en}); no mail can go to this person until it"
        " is corrected; type one address such as somchai.j@example.org",
    ),
    "roster.duplicate_email": (
        WARNING,
        "อีเมล {value} เป็นของ {other} ({other_cell}) ด้วย อีเมลที่ส่งถึงคนหนึ่งจะไปถึงอีกคน"
        " ให้ใส่อีเมลของแต่ละคนเอง",
        "e-mail {value} is also {other}'s ({other_cell}): mail meant for one would reach the"
        " other; give each person their own address",
    ),
    "units.head_email": (
        WARNING,
        "อีเมลหัวหน้าหน่วยงาน {unit} “{value}” ใช้ไม่ได้ ({why}) จะส่งสมุดงานหน่วยงานถึงหัวหน้าไม่ได้จนกว่าจะแก้ไข",
        "the head's e-mail of unit {unit}, “{value}”, cannot be used ({why_en}); the unit"
        " workbook cannot be mailed to the head until it is corrected",
    ),
    "units.duplicate_email": (
        WARNING,
        "อีเมลหัวหน้าหน่วยงาน {unit} ({value}) เป็นของ {other} ({other_cell}) ด้วย"
        " อีเมลที่ส่งถึงคนหนึ่งจะไปถึงอีกคน ให้ตรวจว่าเป็นอีเมลของหัวหน้าหน่วยงานนี้",
        "the head's e-mail of unit {unit} ({value}) is also {other_en}'s ({other_cell}): mail"
        " meant for one would reach the other; check it is this unit head's own",
    ),
    "config.mail_address": (
        WARNING,
        "อีเมลใน Config ใช้ไม่ได้: {field} = “{value}” ({why}) ให้พิมพ์เช่น"
        " กลุ่มบริหารทรัพยากรบุคคล <hr@example.org> ส่งอีเมลไม่ได้จนกว่าจะแก้ไข (การรวมผลทำได้ตามปกติ)",
        "an e-mail address in Config cannot be used: {field} = “{value}” ({why_en}); type it"
        " as กลุ่มบริหารทรัพยากรบุคคล <hr@example.org>; no mail can be sent until it is"
        " corrected (consolidation is not affected)",
    ),
    "config.mail_setting": (
        WARNING,
        "ค่าตั้งการส่งอีเมลใน Config ไม่ถูกต้อง: {field} = “{value}” ({why})"
        " ส่งอีเมลไม่ได้จนกว่าจะแก้ไข (การรวมผลทำได้ตามปกติ)",
        "a mail setting in Config is invalid: {field} = “{value}” ({why_en}); no mail can be"
        " sent until it is corrected (consolidation is not affected)",
    ),
    "config.due_date": (
        WARNING,
        "วันครบกำหนดใน Config อ่านไม่ได้: {field} = “{value}” ให้พิมพ์เช่น 31/10/2569"
        " หรือ 31 ตุลาคม 2569 อีเมลและการติดตามสถานะจึงยังไม่มีวันครบกำหนดนี้",
        "a due date in Config cannot be read: {field} = “{value}”; type it as 31/10/2569 or"
        " 31 ตุลาคม 2569; until then the mails and the tracker have no such due date",
    ),
    "config.mail_placeholder": (
        WARNING,
        "ข้อความอีเมล {field} มีคำในวงเล็บปีกกาที่ไม่รู้จัก: {value} จะแสดงในอีเมลตามที่พิมพ์ (ใช้ได้: {known})",
        "the mail text {field} has unknown placeholders: {value}; they would be sent as typed"
        " (known: {known})",
    ),
    # allocation
    "alloc.minimums_exceed_pool": (
        ERROR,
        "วงเงิน {pool} บาท ไม่พอแม้ให้ทุกคนได้ร้อยละขั้นต่ำของระดับ (ต้องใช้ {need} บาท ขาด {shortfall} บาท)",
        "the pool of {pool} baht does not cover even the band minimums "
        "(they need {need} baht; short by {shortfall} baht)",
    ),
    "alloc.pool_exceeded": (
        ERROR,
        "ใช้วงเงินเกิน {over} บาท (วงเงิน {pool} บาท) ให้ลดร้อยละการเลื่อน",
        "the increases exceed the pool of {pool} baht by {over} baht; lower some percentages",
    ),
    "alloc.pct_missing": (
        ERROR,
        "ยังไม่ได้กรอกร้อยละการเลื่อนเงินเดือน",
        "the increase % is blank",
    ),
    "alloc.pct_invalid": (
        ERROR,
        "ร้อยละการเลื่อน {value} ไม่ถูกต้อง (ต้องอยู่ระหว่าง 0–{max} และมีทศนิยมไม่เกิน 2 ตำแหน่ง)",
        "increase % {value} is invalid (must lie within 0–{max}, at most 2 decimals)",
    ),
    "alloc.ineligible_pct": (
        ERROR,
        "ผู้นี้ไม่มีสิทธิ์ได้เลื่อนเงินเดือน ({reason}) แต่ได้รับร้อยละ {value}",
        "this person is not eligible ({reason}) but was given {value} %",
    ),
    "alloc.pct_outside_band": (
        ERROR,
        "ร้อยละ {value} อยู่นอกช่วงของระดับ{band} ({low}–{high})",
        "{value} % lies outside the range of band {band} ({low}–{high})",
    ),
    "alloc.equal_score_unequal_pct": (
        ERROR,
        "ผู้ที่ได้คะแนนเท่ากัน ({value}) ต้องได้ร้อยละเท่ากัน: {people}",
        "people with equal scores ({value}) must get equal percentages: {people}",
    ),
    "alloc.not_monotone": (
        ERROR,
        "คะแนน {score} ได้ร้อยละ {value} น้อยกว่าผู้ที่ได้คะแนนต่ำกว่า (ร้อยละ {higher})",
        "score {score} gets {value} %, less than someone with a lower score ({higher} %)",
    ),
    "alloc.table_pct": (
        ERROR,
        "ตารางร้อยละ: คะแนนตั้งแต่ {floor} ได้ร้อยละ {value} ไม่ถูกต้อง (0–{max}, ทศนิยม 2 ตำแหน่ง)",
        "% table: {value} % for scores from {floor} is invalid (0–{max}, 2 decimals)",
    ),
    # consolidation
    "consolidate.duplicate_person": (
        WARNING,
        "{person_id} อยู่ในมากกว่าหนึ่งไฟล์ ใช้ฉบับที่ใหม่กว่าจาก {kept} และไม่ใช้ {value}",
        "{person_id} is in more than one file; the newer revision from {kept} is used, {value} is not",
    ),
    "consolidate.not_on_roster": (
        ERROR,
        "{person_id} มีผลการประเมินใน {value} แต่ไม่อยู่ในบัญชีรายชื่อ (Roster) จึงไม่นำไปคำนวณ",
        "{person_id} is evaluated in {value} but is not on the roster; left out",
    ),
    "consolidate.no_evaluation": (
        ERROR,
        "{person_id} ({value}) อยู่ในบัญชีรายชื่อแต่{why}",
        "{person_id} ({value}) is on the roster but {why_en}",
    ),
    "consolidate.roster_left_out": (
        ERROR,
        "{person_id} ({value}): แถวนี้ในบัญชีรายชื่อมีข้อผิดพลาด จึงไม่นำเงินเดือนไปคิดวงเงินและไม่ได้เลื่อนเงินเดือนจนกว่าจะแก้ไข",
        "{person_id} ({value}): this roster row has an error, so it is left out of the pools' "
        "payroll and gets no increase until it is corrected",
    ),
    "consolidate.unit_differs": (
        WARNING,
        "{person_id} อยู่ในสมุดงานของหน่วย {value} แต่บัญชีรายชื่อระบุหน่วย {roster_unit}",
        "{person_id} is in the workbook of unit {value} but the roster says unit {roster_unit}",
    ),
    "consolidate.no_units": (
        ERROR,
        "ไม่พบสมุดงานหน่วยงานในโฟลเดอร์ {value}",
        "no unit workbooks found in folder {value}",
    ),
    "consolidate.config": (
        ERROR,
        "ค่าตั้งใน Config ไม่ถูกต้อง: {field} = {value} ({why})",
        "invalid Config value: {field} = {value} ({why_en})",
    ),
    "config.document_date": (
        WARNING,
        "วันที่ใน Config อ่านไม่ได้: {field} = {value} ให้พิมพ์เช่น 1/4/2570 หรือ 1 เมษายน 2570 "
        "ประกาศและคำสั่งจึงเว้นวันที่นี้เป็นจุดไว้ให้เขียนด้วยมือ",
        "a date in Config cannot be read: {field} = {value}; type it as 1/4/2570 or "
        "1 เมษายน 2570; the announcements and the order leave it dotted to write by hand",
    ),
    "consolidate.stated_differs": (
        WARNING,
        "คะแนนรวมในสมุดงานหน่วยงาน ({value}) ไม่ตรงกับที่คำนวณใหม่จากตัวชี้วัด ({total}); ใช้ค่าที่คำนวณใหม่",
        "the unit workbook states a total of {value} but the KPI rows give {total}; the recomputed value is used",
    ),
    # the committee pack read from a consolidated master (kpixl.jobs.report)
    "report.not_consolidated": (
        ERROR,
        "สมุดงานหลัก {value} ยังไม่ได้รวมผล (แผ่นงาน Results ไม่มีรายชื่อ) จึงยังทำเอกสารสำหรับ"
        "คณะกรรมการไม่ได้ ให้รวมผลก่อน: kpixl consolidate {value}",
        "the master {value} is not consolidated yet (its Results sheet holds no one), so there "
        "is no committee pack to make; consolidate it first: kpixl consolidate {value}",
    ),
    "report.no_table": (
        ERROR,
        "ไม่พบตาราง {value} ในสมุดงานหลัก (ไม่มีแผ่นงานนี้ หรือไม่มีแถวหัวตาราง {headers} …) "
        "ให้ใช้สมุดงานหลักที่ kpixl สร้างและรวมผลแล้ว",
        "no {value} table in the master (the sheet is missing or has no header row "
        "{headers} …); use a master built and consolidated by kpixl",
    ),
    "report.pdf_failed": (
        ERROR,
        "ทำไฟล์ PDF {value} ไม่ได้: {why} (สมุดงานเอกสารสำหรับคณะกรรมการเขียนไว้แล้ว)",
        "could not make the PDF {value}: {why_en} (the committee pack workbook is written)",
    ),
    # the rounds' archive (kpixl archive, kpixl history: kpixl.jobs.archive)
    "archive.bad_url": (
        ERROR,
        "ที่อยู่ฐานข้อมูล {value} ใช้ไม่ได้ ให้ระบุชื่อไฟล์ (เช่น kpixl.db) หรือ sqlite:///ไฟล์ "
        "หรือ postgresql://ผู้ใช้@เครื่อง:พอร์ต/ฐานข้อมูล",
        "the database URL {value} cannot be used; give a file name (like kpixl.db), "
        "sqlite:///file or postgresql://user@host:port/database",
    ),
    "archive.unreachable": (
        ERROR,
        "เปิดฐานข้อมูล {value} ไม่ได้: {why} ให้ตรวจที่อยู่ เครื่องแม่ข่าย ชื่อผู้ใช้ และรหัสผ่าน "
        "(KPIXL_DB_PASSWORD หรือ PGPASSWORD)",
        "cannot open the database {value}: {why}; check the address, the server, the user and "
        "the password (KPIXL_DB_PASSWORD or PGPASSWORD)",
    ),
    "archive.not_database": (
        ERROR,
        "ไฟล์ {value} ไม่ใช่ฐานข้อมูลคลังผลการประเมิน ({why}) จึงไม่ได้แตะต้องไฟล์นี้ ให้ระบุไฟล์ฐานข้อมูลอื่นด้วย --db",
        "{value} is not a rounds archive database ({why}); it is left untouched; give "
        "another database file with --db",
    ),
    "archive.newer_schema": (
        ERROR,
        "ฐานข้อมูล {value} ใช้โครงสร้างที่ kpixl รุ่นนี้ไม่รู้จัก ({why}) อาจสร้างด้วย kpixl รุ่นใหม่กว่า "
        "ให้ปรับรุ่น kpixl ก่อน ไม่ได้แก้ไขฐานข้อมูล",
        "the database {value} has a schema revision this kpixl does not know ({why}), "
        "perhaps from a newer kpixl; upgrade kpixl first; the database is not changed",
    ),
    "archive.no_database": (
        ERROR,
        "ไม่พบฐานข้อมูล {value} ให้เก็บรอบการประเมินก่อนด้วย kpixl archive หรือระบุ --db",
        "no database at {value}; archive a round first (kpixl archive) or give --db",
    ),
    "archive.no_round": (
        ERROR,
        "สมุดงานหลักไม่มี {field} ในแผ่นงาน Config จึงเก็บรอบนี้เข้าคลังไม่ได้",
        "the master has no {field} on its Config sheet, so the round cannot be archived",
    ),
    "archive.bad_value": (
        ERROR,
        "ค่า {value} ในคอลัมน์ {field} ไม่ใช่ตัวเลข จึงไม่เก็บรอบนี้เข้าคลัง "
        "ให้รวมผลใหม่ด้วย kpixl consolidate แล้วเก็บอีกครั้ง",
        "{value} in column {field} is not a number, so the round is not archived; "
        "consolidate again (kpixl consolidate) and archive it then",
    ),
    "archive.already": (
        WARNING,
        "รอบการประเมิน {value} ของ {organisation} อยู่ในคลังแล้ว (ฉบับที่ {version}) "
        "ผลเหมือนเดิมทุกประการ จึงไม่ได้บันทึกซ้ำ",
        "round {value} of {organisation} is already archived (version {version}) with "
        "the same results; nothing written",
    ),
    "archive.differs": (
        ERROR,
        "รอบการประเมิน {value} ของ {organisation} อยู่ในคลังแล้ว (ฉบับที่ {version}) แต่ผลต่างจาก"
        "ที่เก็บไว้ คลังไม่แก้ไขรอบที่เก็บแล้ว หากต้องการเก็บฉบับแก้ไข ให้ใช้ "
        '--supersede --reason "เหตุผล" ซึ่งเก็บไว้ทั้งสองฉบับพร้อมเหตุผล',
        "round {value} of {organisation} is already archived (version {version}) with "
        "different results; an archived round is not changed; to keep a corrected version "
        'use --supersede --reason "why" (both versions and the reason are kept)',
    ),
    "archive.no_reason": (
        ERROR,
        'การเก็บฉบับแก้ไข (--supersede) ต้องระบุเหตุผลด้วย --reason "เหตุผล"',
        '--supersede needs a reason: --reason "why"',
    ),
    "archive.reason_alone": (
        ERROR,
        "--reason ใช้คู่กับ --supersede เท่านั้น",
        "--reason goes with --supersede only",
    ),
    "archive.conflict": (
        ERROR,
        "มีการเก็บรอบ {value} เข้าคลังพร้อมกันจากที่อื่น จึงไม่ได้บันทึก ให้ลองใหม่อีกครั้ง",
        "round {value} was being archived at the same time from elsewhere; nothing "
        "written; run it again",
    ),
    "archive.write_failed": (
        ERROR,
        "บันทึกลงฐานข้อมูล {value} ไม่สำเร็จ: {why} (ไม่มีข้อมูลใดถูกบันทึก)",
        "writing to the database {value} failed: {why} (nothing was written)",
    ),
    "archive.no_person": (
        ERROR,
        "ไม่พบ {value} ในรอบการประเมินที่เก็บไว้ในคลัง",
        "{value} is in no archived round",
    ),
    "archive.unit_missing": (
        WARNING,
        "ไม่พบสมุดงานหน่วยงาน {value} ที่ใช้รวมผล จึงไม่ได้เก็บตัวชี้วัดและสมรรถนะรายข้อของ {count} คน"
        "จากไฟล์นี้ (ผลรวมของทุกคนยังเก็บเข้าคลังตามปกติ) หากต้องการเก็บด้วย ให้นำไฟล์กลับมาแล้วเก็บใหม่"
        ' ด้วย --supersede --reason "เหตุผล"',
        "the unit workbook {value} the results came from is not there, so the KPI and "
        "competency rows of its {count} people are not archived (everyone's results are); "
        'to keep them, put the file back and archive again with --supersede --reason "why"',
    ),
    "archive.unit_unreadable": (
        WARNING,
        "อ่านสมุดงานหน่วยงาน {value} ไม่ได้ ({why}) จึงไม่ได้เก็บตัวชี้วัดและสมรรถนะรายข้อของ {count} คน"
        "จากไฟล์นี้ (ผลรวมของทุกคนยังเก็บเข้าคลังตามปกติ)",
        "cannot read the unit workbook {value} ({why_en}), so the KPI and competency rows "
        "of its {count} people are not archived (everyone's results are)",
    ),
    "archive.no_kpis": (
        WARNING,
        "รอบการประเมิน {value} ของ {organisation} อยู่ในคลังแล้ว (ฉบับที่ {version}) ผลเหมือนเดิม"
        " แต่เก็บไว้ด้วย kpixl รุ่นก่อนที่คลังจะเก็บตัวชี้วัดและสมรรถนะรายข้อ จึงไม่ได้บันทึกซ้ำ"
        ' หากต้องการเก็บรายข้อด้วย ให้ใช้ --supersede --reason "เหตุผล" (เก็บไว้ทั้งสองฉบับ)',
        "round {value} of {organisation} is already archived (version {version}) with the "
        "same results, by a kpixl from before the archive kept KPI and competency rows; "
        'nothing written; to add those rows use --supersede --reason "why" (both versions '
        "are kept)",
    ),
    # kpixl round next: the next round's master from an archived round (kpixl.jobs.next_round)
    "round.no_round": (
        ERROR,
        "สมุดงานหลัก {master} ไม่มีรอบการประเมินที่ใช้ได้ใน Config ({value}) ให้ระบุ round_id เช่น 2570/1",
        "the master {master} has no usable round in Config ({value}); give round_id like 2570/1",
    ),
    "archive.hand_edited": (
        ERROR,
        "ค่า {value} ในคอลัมน์ {field} ไม่ใช่ค่าที่การรวมผลเขียนไว้ ({why}) อาจแก้ด้วยมือ"
        " จึงไม่เก็บรอบนี้เข้าคลัง ให้แก้ที่ต้นทางแล้วรวมผลใหม่ (kpixl consolidate) ก่อนเก็บ",
        "{value} in column {field} is not what consolidate wrote ({why}), perhaps edited by"
        " hand, so the round is not archived; correct the source and consolidate again"
        " before archiving",
    ),
    "archive.damaged": (
        ERROR,
        "ข้อมูลรอบ {value} ในคลัง {db} เสียหาย ({why}) จึงไม่ได้ใช้ ให้เก็บรอบนั้นเข้าคลังใหม่"
        " (kpixl archive --supersede --reason) หรือใช้สำเนาสำรองของฐานข้อมูล",
        "the archive {db} holds damaged data for round {value} ({why}), so it was not used;"
        " archive that round again (kpixl archive --supersede --reason) or use a backup of the"
        " database",
    ),
    "round.not_archived": (
        ERROR,
        "รอบ {value} ของ {organisation} ยังไม่ได้เก็บเข้าคลัง {db} ให้รวมผลและเก็บเข้าคลังก่อน: "
        "kpixl archive {file}",
        "round {value} of {organisation} is not in the archive {db}; consolidate and archive "
        "it first: kpixl archive {file}",
    ),
    "round.exists": (
        ERROR,
        "มีสมุดงานหลัก {value} อยู่แล้ว ไม่ได้เขียนทับ ให้เลือกโฟลเดอร์อื่นหรือย้ายไฟล์เดิมออกก่อน",
        "the master {value} exists already and was not overwritten; choose another folder "
        "or move it away first",
    ),
    "round.left": (
        WARNING,
        "{person_id} ({name}) ไม่ได้ครองตำแหน่งในรอบ {value} (ครองตำแหน่ง = ไม่ใช่)"
        " จึงถือว่าออกไปแล้ว: ยังคงอยู่ในบัญชีรายชื่อรอบใหม่พร้อมเครื่องหมายเดิม ให้ตรวจและลบออก",
        "{person_id} ({name}) did not hold the position in round {value} (holds_position ="
        " no), so has left: kept on the new roster with the same mark; check and remove",
    ),
    # kpixl demo (kpixl.jobs.demo): the folder it would write into
    "demo.not_empty": (
        ERROR,
        "โฟลเดอร์ {folder} มีสิ่งที่ไม่ใช่ของหน่วยงานตัวอย่างเดิม: {value} ({why})"
        " kpixl demo จึงไม่เขียนและไม่ลบสิ่งใดในโฟลเดอร์นี้ ให้ระบุโฟลเดอร์ใหม่หรือโฟลเดอร์ว่าง",
        "the folder {folder} holds what is not an earlier kpixl demo's: {value} ({why_en});"
        " kpixl demo writes and deletes nothing there; name a new or empty folder",
    ),
    # the rounds before this one (kpixl.jobs.past) and the checks across rounds
    "history.unreadable": (
        WARNING,
        "อ่านฐานข้อมูลรอบที่ผ่านมา {value} ไม่ได้ ({why}) จึงไม่ได้ตรวจเทียบกับรอบก่อนและไม่ได้ทำประวัติ"
        " ให้ตรวจค่า archive_db ในแผ่นงาน Config",
        "cannot read the archive of past rounds {value} ({why}), so nothing was checked"
        " against earlier rounds and no history was made; check archive_db on the Config sheet",
    ),
    "history.gap": (
        WARNING,
        "รอบก่อนหน้ารอบ {round} คือรอบ {expected} แต่รอบล่าสุดในคลัง {db} คือรอบ {value}"
        " จึงไม่ได้ตรวจเทียบกับรอบก่อน (เงินเดือน ระดับผล ผู้ที่หายไปจากบัญชีรายชื่อ)"
        " ให้เก็บรอบ {expected} เข้าคลังก่อน (kpixl archive) หรือตรวจ round_id และ archive_db ในแผ่นงาน Config",
        "the round before {round} is {expected}, but the last round in the archive {db} is"
        " {value}, so nothing was checked against the last round (salaries, bands, people"
        " missing from the roster); archive round {expected} first (kpixl archive), or check"
        " round_id and archive_db on the Config sheet",
    ),
    "history.salary_changed": (
        WARNING,
        "เงินเดือนของ {person_id} ({name}) ในบัญชีรายชื่อ {value} บาท ไม่เท่ากับ{what}ของรอบ"
        " {round} ({expected} บาท) ให้ตรวจเงินเดือน หรือระบุเหตุในคอลัมน์"
        " “เหตุที่เงินเดือนต่างจากเงินเดือนใหม่รอบก่อน” ของบัญชีรายชื่อ",
        "the roster salary of {person_id} ({name}), {value} baht, is not {what_en} of"
        " round {round} ({expected} baht); check the salary, or say why in the roster's"
        " salary_note column (เหตุที่เงินเดือนต่างจากเงินเดือนใหม่รอบก่อน)",
    ),
    "history.improve_twice": (
        WARNING,
        "{person_id} ({name}) ได้ระดับผล {value} สองรอบติดกัน (รอบ {round} และรอบนี้)"
        " ให้เสนอคณะกรรมการกลั่นกรองพิจารณา",
        "{person_id} ({name}) is rated {value} in two rounds in a row (round {round} and"
        " this one); the screening committee must see it",
    ),
    "history.band_jump": (
        WARNING,
        "ระดับผลของ {person_id} ({name}) {way} {levels} ระดับ จาก {before} ในรอบ {round}"
        " เป็น {value} ในรอบนี้ โปรดตรวจสอบว่าถูกต้อง",
        "the band of {person_id} ({name}) moved {levels} levels {way_en}, from {before} in"
        " round {round} to {value} in this one; please confirm it is right",
    ),
    "history.missing": (
        WARNING,
        "{person_id} ({name}, หน่วยงาน {unit}) อยู่ในบัญชีรายชื่อรอบ {round} แต่ไม่อยู่ในบัญชีรายชื่อรอบนี้"
        " และรอบนั้นไม่ได้ระบุว่าออกไปแล้ว (ครองตำแหน่ง = ไม่ใช่) หากยังครองตำแหน่งอยู่"
        " ให้เพิ่มกลับเข้าบัญชีรายชื่อ หากออกไปแล้ว (ย้าย โอน เกษียณ) ไม่ต้องแก้ไข",
        "{person_id} ({name}, unit {unit}) was on the roster of round {round} but is not on"
        " this one, and was not marked there as left (holds_position = no); if they still"
        " hold a position here add them back; if they left (moved, retired) nothing needs"
        " changing",
    ),
    # the master's Calibration sheet (kpixl.workbooks.master_calibration)
    "calibration.not_written": (
        WARNING,
        "เขียนแผ่นงาน Calibration ในสมุดงานหลักไม่ได้ ({why}) ผลการรวมอื่นเขียนแล้ว"
        " ดูการปรับเทียบผลได้จาก kpixl report",
        "could not write the master's Calibration sheet ({why}); the other results are"
        " written; kpixl report shows the calibration",
    ),
    # kpixl notices: the per-person result notices (kpixl.jobs.notices)
    "archive.not_consolidated": (
        ERROR,
        "สมุดงานหลัก {value} ยังไม่ได้รวมผล (แผ่นงาน Results ไม่มีรายชื่อ) จึงยังเก็บรอบนี้เข้าคลังไม่ได้"
        " ให้รวมผลก่อน: kpixl consolidate {value}",
        "the master {value} is not consolidated yet (its Results sheet holds no one), so the"
        " round cannot be archived; consolidate it first: kpixl consolidate {value}",
    ),
    "notices.not_consolidated": (
        ERROR,
        "สมุดงานหลัก {value} ยังไม่ได้รวมผล (แผ่นงาน Results ไม่มีรายชื่อ) จึงยังทำแบบแจ้งผลรายบุคคล"
        "ไม่ได้ ให้รวมผลก่อน: kpixl consolidate {value}",
        "the master {value} is not consolidated yet (its Results sheet holds no one), so there "
        "are no result notices to make; consolidate it first: kpixl consolidate {value}",
    ),
    "notices.no_workbook": (
        WARNING,
        "ไม่พบแบบประเมินรายบุคคลของ {person_id} ({value}) ในโฟลเดอร์ {folder} จึงทำแบบแจ้งผลเป็น PDF"
        " อย่างเดียว ไม่ได้เพิ่มลงในสมุดงานของผู้นั้น",
        "no personal workbook of {person_id} ({value}) in {folder}: the notice is made as a PDF"
        " only, not added to the person's workbook",
    ),
    "notices.no_folder": (
        WARNING,
        "ไม่พบโฟลเดอร์แบบประเมินรายบุคคล {value} จึงทำแบบแจ้งผลเป็น PDF อย่างเดียว"
        " (ตั้ง personal_folder ใน Config หรือใช้ --personal)",
        "no personal workbooks' folder {value}: the notices are made as PDFs only"
        " (set personal_folder in Config, or use --personal)",
    ),
    "notices.out_holds_personal": (
        ERROR,
        "โฟลเดอร์ผลลัพธ์ {value} คือโฟลเดอร์แบบประเมินรายบุคคล {folder} หรือครอบโฟลเดอร์นั้นอยู่"
        " จึงไม่ทำแบบแจ้งผล (จะปนกับแบบประเมินต้นฉบับ) ให้เลือกโฟลเดอร์ --out อื่น",
        "the output folder {value} is, or holds, the personal workbooks' folder {folder}: no"
        " notices are made (they would mix with the originals); choose another --out folder",
    ),
    "notices.not_in_results": (
        WARNING,
        "{value} เป็นแบบประเมินของ {person_id} ซึ่งไม่มีในแผ่นงาน Results ของสมุดงานหลัก"
        " จึงไม่ได้ทำแบบแจ้งผลให้ (ตรวจว่ารวมผลรอบนี้ครบหรือไม่)",
        "{value} belongs to {person_id}, who is not in the master's Results; no notice is made"
        " for it (check that the round was consolidated in full)",
    ),
    "notices.duplicate_workbook": (
        WARNING,
        "พบแบบประเมินของ {person_id} มากกว่าหนึ่งไฟล์ เพิ่มแบบแจ้งผลลงในฉบับที่ {kept_revision}"
        " ({kept}) และไม่ใช้ {value}",
        "{person_id} has more than one workbook; the notice is added to revision {kept_revision}"
        " ({kept}), not to {value}",
    ),
    "notices.other_round": (
        WARNING,
        "{value} เป็นแบบประเมินของรอบ {round} ไม่ใช่รอบ {expected} จึงไม่ได้เพิ่มแบบแจ้งผล",
        "{value} is for round {round}, not {expected}; no notice is added to it",
    ),
    "notices.not_personal": (
        WARNING,
        "{value} ไม่ใช่แบบประเมินรายบุคคลของ kpixl (ไม่พบข้อมูลระบบในไฟล์) จึงข้ามไป",
        "{value} is not a kpixl personal workbook (no kpixl metadata in it); skipped",
    ),
    "notices.copy_failed": (
        ERROR,
        "เพิ่มแบบแจ้งผลลงในสำเนาของ {value} ไม่ได้: {why} (ไฟล์ต้นฉบับไม่ถูกแก้ไข)",
        "could not add the notice to a copy of {value}: {why_en} (the original is unchanged)",
    ),
    "notices.pdf_failed": (
        ERROR,
        "ทำไฟล์ PDF ของแบบแจ้งผลไม่ได้: {why} (สมุดงานที่เพิ่มแบบแจ้งผลเขียนไว้แล้ว)",
        "could not make the notices' PDFs: {why_en} (the workbooks with the notice are written)",
    ),
    # kpixl status: the round tracker (kpixl.jobs.status)
    "status.bad_due": (
        WARNING,
        "วันครบกำหนด {field} ใน Config ({value}) อ่านเป็นวันที่ไม่ได้ จึงยังไม่นับผู้ใดว่าล่าช้าในขั้นนี้"
        " ให้พิมพ์เป็น 31/10/2569 หรือ 31 ต.ค. 2569",
        "the due date {field} in Config ({value}) is not a date, so nobody is counted late for"
        " that step; type it as 31/10/2569 or 31 ต.ค. 2569",
    ),
    "mail.log_unreadable": (
        ERROR,
        "ใช้บันทึกการรับส่งอีเมล {value} ไม่ได้ ({why}) จึงไม่ได้ส่งหรือรับสิ่งใด (บันทึกนี้กันการส่งซ้ำ)"
        " ให้ย้ายไฟล์นี้ไปเก็บไว้ที่อื่นแล้วลองใหม่ หรือเรียกคืนจากสำเนา",
        "the mail log {value} cannot be used ({why}), so nothing was sent or fetched (the"
        " log is what keeps a message from going twice); move the file aside and run again,"
        " or restore it from a copy",
    ),
    "status.log_unreadable": (
        WARNING,
        "อ่านบันทึกการรับส่งอีเมล {value} ไม่ได้ ({why}) สถานะจึงไม่รวมวันที่ส่งและรับทางอีเมล"
        " ให้ตรวจว่าไฟล์ไม่เสียหรือถูกเปิดค้างไว้",
        "could not read the mail log {value} ({why}), so the status leaves out what was sent"
        " and fetched by e-mail; check that the file is not damaged or held open",
    ),
    "status.tracker_failed": (
        ERROR,
        "เขียนแผ่นงาน Tracker ลงในสมุดงานหลัก {value} ไม่ได้ ({why}) สมุดงานหลักยังเป็นเหมือนเดิม"
        " ให้ใช้สมุดงานหลักจากแม่แบบรุ่นปัจจุบัน (kpixl templates)",
        "could not write the Tracker sheet into the master {value} ({why}); the master is as"
        " it was; use a master made from the current template (kpixl templates)",
    ),
    # writing the files kpixl owns (kpixl.io.atomic): the file and its backups stay intact
    "write.disk_full": (
        ERROR,
        "เขียน {value} ไม่ได้ เพราะพื้นที่ดิสก์เต็ม ({why}); ไฟล์เดิมและสำเนาสำรองทุกฉบับยังอยู่ครบ"
        " ให้เพิ่มพื้นที่ว่างแล้วสั่งใหม่",
        "cannot write {value}: the disk is full ({why_en}); the previous file and every backup"
        " are intact — free some space and run again",
    ),
    "write.read_only": (
        ERROR,
        "เขียน {value} ไม่ได้: {why}; ไฟล์เดิมไม่ถูกเปลี่ยน",
        "cannot write {value}: {why_en}; the file was not changed",
    ),
    "write.locked": (
        ERROR,
        "เขียน {value} ไม่ได้: {why}",
        "cannot write {value}: {why_en}",
    ),
    "write.failed": (
        ERROR,
        "เขียน {value} ไม่ได้ ({why}); ไฟล์เดิมและสำเนาสำรองยังอยู่ครบ",
        "cannot write {value} ({why_en}); the previous file and its backups are intact",
    ),
    "write.exists": (
        ERROR,
        "ไฟล์ {value} มีอยู่แล้ว จึงไม่เขียนทับ ให้ตั้งชื่อไฟล์ใหม่ หรือสั่งซ้ำพร้อม --force เพื่อเขียนทับ",
        "{value} already exists and was not overwritten; choose another name, or run again"
        " with --force to replace it",
    ),
    # collection
    "collect.duplicate_workbook": (
        WARNING,
        "พบแบบประเมินของ {person_id} มากกว่าหนึ่งไฟล์ ใช้ฉบับที่ {kept_revision} จาก {kept} และไม่ใช้ {value}",
        "{person_id} has more than one workbook; revision {kept_revision} from {kept} is used, {value} is not",
    ),
    "collect.missing_workbook": (
        ERROR,
        "ไม่พบแบบประเมินของ {person_id} ({value}) ในโฟลเดอร์ที่รวบรวม",
        "no workbook found for {person_id} ({value}) in the collected folder",
    ),
    "collect.not_in_unit": (
        WARNING,
        "{value} เป็นแบบประเมินของ {person_id} ซึ่งไม่อยู่ในบัญชีรายชื่อของหน่วยนี้ จึงไม่นำมารวม",
        "{value} belongs to {person_id}, who is not on this unit's roster; not collected",
    ),
    "collect.not_unit_workbook": (
        ERROR,
        "{value} ไม่ใช่สมุดงานหน่วยงานของ kpixl จึงไม่รวบรวมและไม่เขียนทับ ให้เลือกสมุดงานหน่วยงาน (units/<รหัสหน่วย>.xlsx)",
        "{value} is not a kpixl unit workbook; nothing collected or written."
        " Choose the unit workbook (units/<unit code>.xlsx)",
    ),
    "collect.no_workbooks": (
        ERROR,
        "ไม่พบแบบประเมินรายบุคคลของหน่วย {unit} ในโฟลเดอร์ {value} (อ่านได้ {count} ไฟล์ เป็นของหน่วยหรือรอบอื่น)"
        " จึงไม่เขียนทับสมุดงานหน่วยงาน ตรวจสอบว่าเลือกโฟลเดอร์ถูกต้อง",
        "no personal workbook of unit {unit} in {value} ({count} workbooks read belong to other"
        " units or rounds); the unit workbook is left as it was. Check the folder",
    ),
    "collect.fewer_people": (
        ERROR,
        "รวบรวมได้ {count} คน แต่สมุดงานหน่วยงานมีผลการประเมินอยู่แล้ว {before} คน และจะหายไป {lost} คน ({missing})"
        " จึงไม่เขียนทับ หากตั้งใจให้เหลือเพียงเท่านี้ ให้สั่ง kpixl collect --replace",
        "collected {count} people, but the unit workbook holds evaluations of {before}; {lost}"
        " would be lost ({missing}), so nothing was written. To accept the smaller unit,"
        " run kpixl collect --replace",
    ),
    "collect.other_round": (
        WARNING,
        "{value} เป็นแบบประเมินของรอบ {round} ไม่ใช่รอบ {expected} จึงไม่นำมารวม",
        "{value} is for round {round}, not {expected}; not collected",
    ),
    # cascading
    "cascade.owner": (
        ERROR,
        "ตัวชี้วัดระดับองค์การ {value} ต้องมีหน่วยงานเจ้าภาพ (Owner) หนึ่งหน่วยพอดี (พบ {count})",
        "organisation KPI {value} needs exactly one owner unit (found {count})",
    ),
    "cascade.unit_owner": (
        ERROR,
        "ตัวชี้วัดระดับหน่วยงาน {value} ต้องมีเจ้าภาพ (O) ในตาราง OS หนึ่งหน่วยพอดี (พบ {count})",
        "unit KPI {value} needs exactly one Owner (O) in the OS matrix (found {count})",
    ),
    "cascade.os_unknown": (
        ERROR,
        "ตาราง OS อ้างถึงตัวชี้วัด {value} ({unit}) ที่ไม่มีในตัวชี้วัดองค์การหรือหน่วยงาน",
        "the OS matrix names KPI {value} ({unit}), which is neither an organisation nor a unit KPI",
    ),
    "cascade.os_role": (
        ERROR,
        "บทบาทในตาราง OS ของ {value} ({unit}) ต้องเป็น O หรือ S (พบ {role})",
        "the OS matrix role of {value} ({unit}) must be O or S (found {role})",
    ),
    "cascade.split_sum": (
        ERROR,
        "ค่าเป้าหมายที่แบ่งจาก {value} รวมได้ {total} ไม่ถึงเป้าหมายของตัวชี้วัดต้นทาง ({target})",
        "targets split from {value} add up to {total}, which misses the parent's target {target}",
    ),
    "cascade.uncarried": (
        WARNING,
        "ตัวชี้วัดของหน่วยงาน {value} ({unit}) ยังไม่มีผู้ใดรับไปเป็นตัวชี้วัดรายบุคคล",
        "unit KPI {value} ({unit}) is carried by nobody in the unit",
    ),
    "cascade.parent_missing": (
        ERROR,
        "ตัวชี้วัด {kpi_code} ของ {person_id} อ้างถึงตัวชี้วัดต้นทาง {value} ที่ไม่มีอยู่",
        "KPI {kpi_code} of {person_id} points at parent {value}, which does not exist",
    ),
    "cascade.holder_unknown": (
        ERROR,
        "แผ่นงาน KPIHolders มอบตัวชี้วัด {value} ให้ {person_id} แต่ไม่มีตัวชี้วัดนี้ในตัวชี้วัดระดับหน่วยงาน",
        "KPIHolders gives {person_id} the KPI {value}, which is not a unit KPI",
    ),
    "cascade.holder_duplicate": (
        ERROR,
        "แผ่นงาน KPIHolders มอบตัวชี้วัด {value} ให้ {person_id} ซ้ำ (แถว {first} และแถวนี้)"
        " ให้เหลือแถวเดียวโดยรวมน้ำหนักไว้ในแถวนั้น (ร่างในแบบข้อตกลงใช้ตัวชี้วัดนี้ครั้งเดียวด้วยน้ำหนักรวม)",
        "KPIHolders gives {person_id} the unit KPI {value} twice (row {first} and this row);"
        " keep one row with the combined weight (the draft holds it once, with the weights added)",
    ),
    "cascade.holder_too_many": (
        ERROR,
        "แผ่นงาน KPIHolders มอบตัวชี้วัดให้ {person_id} {count} ตัว เกินจำนวนแถวตัวชี้วัดของแบบข้อตกลง ({max})"
        " ตัวที่เกินไม่ได้ใส่เป็นร่าง: {dropped}",
        "KPIHolders gives {person_id} {count} unit KPIs, more than the form's {max} KPI rows;"
        " not drafted: {dropped}",
    ),
    "cascade.holder_weights": (
        WARNING,
        "น้ำหนักของตัวชี้วัดที่ KPIHolders มอบให้ {person_id} ({value}) รวมไม่เท่ากับ 100"
        " ร่างในแบบข้อตกลงจึงปรับตามสัดส่วนเป็น {weights}",
        "the KPIHolders weights of {person_id} ({value}) do not add up to 100;"
        " the drafts scale them to {weights}",
    ),
    "cascade.card_missing": (
        ERROR,
        "ตัวชี้วัด {value} ยังไม่มีบัตรรายละเอียดตัวชี้วัด (KPI card)",
        "KPI {value} has no KPI card",
    ),
    "cascade.card_incomplete": (
        WARNING,
        "บัตรรายละเอียดตัวชี้วัด {value} ยังขาด: {missing}",
        "the KPI card of {value} lacks: {missing_en}",
    ),
    "cascade.card_name": (
        WARNING,
        "ชื่อตัวชี้วัดในบัตรรายละเอียดตัวชี้วัด {value} ({name}) ไม่ตรงกับชื่อในตารางตัวชี้วัด"
        " ({kpi_name}) ให้แก้ให้ตรงกัน",
        "the KPI card of {value} names it {name}, not {kpi_name} as the KPI table does;"
        " make them agree",
    ),
    "cascade.card_target": (
        WARNING,
        "ค่าเป้าหมายในบัตรรายละเอียดตัวชี้วัด {value} ({target}) ไม่ตรงกับค่าเป้าหมายในตาราง"
        "ตัวชี้วัด ({kpi_target}) ให้แก้ให้ตรงกัน",
        "the KPI card of {value} gives the target {target}, the KPI table {kpi_target};"
        " make them agree",
    ),
    "cards.out_is_master": (
        ERROR,
        "ไฟล์ผลลัพธ์ {value} คือสมุดงานหลักเอง จึงไม่เขียนทับ ให้ระบุไฟล์อื่นด้วย --out",
        "the output {value} is the master itself; it is not overwritten (give another --out)",
    ),
    "cards.no_units": (
        WARNING,
        "ไม่พบสมุดงานหน่วยงานในโฟลเดอร์ {value} จึงไม่มีบัตรตัวชี้วัดรายบุคคล (บัตรขององค์การและหน่วยงานทำตามปกติ)"
        " ให้ตรวจ units_folder ใน Config หรือใช้ --units หรือรวบรวมผล (kpixl collect) ก่อน",
        "no unit workbooks in {value}, so no individual KPI cards (the organisation's and the"
        " units' cards are made); check units_folder in Config, use --units, or collect first",
    ),
    "cards.pdf_failed": (
        ERROR,
        "ทำไฟล์ PDF {value} ไม่ได้: {why} (สมุดงานบัตรรายละเอียดตัวชี้วัดเขียนไว้แล้ว)",
        "could not make the PDF {value}: {why_en} (the KPI cards workbook is written)",
    ),
    # kpixl mail send: e-mailing the round's forms (kpixl.jobs.mail_send)
    "mail.send_no_address": (
        ERROR,
        "{value} ({person_id}) ไม่มีอีเมล จึงไม่ได้ส่ง{what_th}ให้ ให้กรอกอีเมลในช่องนี้แล้วส่งใหม่",
        "{value} ({person_id}) has no e-mail address, so no {what_en} was sent; fill in this"
        " cell and send again",
    ),
    "mail.send_bad_address": (
        ERROR,
        "อีเมลของ {name} “{value}” ใช้ไม่ได้: {why} จึงไม่ได้ส่ง{what_th}ให้ ผู้อื่นส่งตามปกติ",
        "the e-mail address of {name} “{value}” cannot be used: {why}; no {what_en} was sent"
        " to them, the others go on",
    ),
    "mail.send_no_workbook": (
        ERROR,
        "ไม่พบ{kind_th}ของ {value} ({person_id}) ในโฟลเดอร์ {folder} จึงไม่ได้ส่งให้"
        " (kpixl รู้จักไฟล์จากข้อมูลระบบในไฟล์ ไม่ใช่จากชื่อไฟล์)",
        "no {kind_en} of {value} ({person_id}) in {folder}, so nothing was sent to them"
        " (kpixl knows a file by the metadata inside it, not by its name)",
    ),
    "mail.send_not_on_roster": (
        ERROR,
        "{value} เป็น{kind_th}ของ {person_id} ซึ่งไม่มีในรายชื่อ (Roster/Units) ของสมุดงานหลัก จึงไม่ได้ส่ง",
        "{value} is the {kind_en} of {person_id}, who is not in the master's Roster/Units;"
        " not sent",
    ),
    "mail.send_duplicate": (
        WARNING,
        "พบ{kind_th}ของ {person_id} มากกว่าหนึ่งไฟล์ ส่งฉบับล่าสุด ไม่ส่ง {value}",
        "{person_id} has more than one {kind_en}; the newest is sent, not {value}",
    ),
    "mail.send_other_round": (
        WARNING,
        "{value} ไม่ใช่ไฟล์ของรอบ {expected}{found} จึงไม่ส่ง",
        "{value} is not for round {expected}{found_en}; not sent",
    ),
    "mail.send_not_kpixl": (
        WARNING,
        "{value} ไม่ใช่{kind_th}ของ kpixl (ไม่พบข้อมูลระบบในไฟล์) จึงไม่ส่ง",
        "{value} is not a kpixl {kind_en} (no kpixl metadata in it); not sent",
    ),
    "mail.send_no_folder": (
        ERROR,
        "ไม่พบโฟลเดอร์ {value} ({key} ใน Config) จึงไม่มีอะไรจะส่ง{hint}",
        "no folder {value} (Config's {key}), so there is nothing to send{hint_en}",
    ),
    "mail.send_unknown_unit": (
        ERROR,
        "ไม่มีหน่วยงานรหัส {value} ในแผ่นงาน Units ของสมุดงานหลัก",
        "there is no unit {value} in the master's Units sheet",
    ),
    "mail.send_no_from": (
        ERROR,
        "ยังไม่ได้ตั้งผู้ส่งอีเมล (mail_from ใน Config) หรือใช้ไม่ได้: {why}"
        " ตั้งเช่น กลุ่มบริหารทรัพยากรบุคคล <hr@example.org> แล้วส่งใหม่",
        "no usable sender (Config's mail_from): {why}; set it, e.g."
        " HR group <hr@example.org>, and send again",
    ),
    "mail.send_bad_reply_to": (
        WARNING,
        "ที่อยู่ตอบกลับ (mail_reply_to ใน Config) “{value}” ใช้ไม่ได้: {why} จึงไม่ใส่ Reply-To",
        "Config's mail_reply_to “{value}” cannot be used: {why}; no Reply-To is set",
    ),
    "mail.send_bad_due": (
        WARNING,
        "อ่านวันที่ {value} ใน {key} ของ Config ไม่ได้ (เขียนเช่น 31/10/2569) จึงเว้นวันครบกำหนดในอีเมลว่าง",
        "cannot read the date {value} in Config's {key} (write e.g. 31/10/2569); the due"
        " date in the message is left blank",
    ),
    "mail.send_placeholder": (
        WARNING,
        "ข้อความ {key} ใน Config มี {value} ซึ่งไม่ใช่ช่องแทนค่า (ใช้ได้ {{name}} {{round}} {{unit}}"
        " {{due}}) จะปรากฏในอีเมลตามที่พิมพ์",
        "Config's {key} has {value}, which is no placeholder (use {{name}} {{round}} {{unit}}"
        " {{due}}); it shows in the message as typed",
    ),
    "mail.send_bad_smtp": (
        ERROR,
        "ตั้งค่าการส่งอีเมลไม่ถูกต้อง: {why} จึงไม่ได้ส่งอีเมลใด",
        "the mail server settings cannot be used: {why_en}; nothing was sent",
    ),
    "mail.send_stopped": (
        ERROR,
        "หยุดส่ง: {why} ส่งแล้ว {done} ฉบับ ยังไม่ได้ส่ง {left} ฉบับ (แก้แล้วสั่งใหม่ ฉบับที่ส่งแล้วจะไม่ส่งซ้ำ)",
        "sending stopped: {why_en}; {done} sent, {left} not sent (fix it and run again:"
        " what was sent is not sent twice)",
    ),
    "mail.send_failed": (
        ERROR,
        "ส่ง{what_th}ถึง {name} <{value}> ไม่สำเร็จ: {why} (ฉบับอื่นส่งตามปกติ สั่งใหม่เพื่อส่งฉบับนี้อีกครั้ง)",
        "the {what_en} to {name} <{value}> was not delivered: {why_en} (the others went on;"
        " run again to retry this one)",
    ),
    "mail.send_unreadable": (
        ERROR,
        "อ่านไฟล์แนบ {value} ไม่ได้: {why} จึงไม่ได้ส่งถึง {name}",
        "cannot read the attachment {value}: {why}; nothing was sent to {name}",
    ),
    "mail.send_outbox_default": (
        WARNING,
        "ยังไม่ได้ตั้งเครื่องส่งอีเมล (smtp_host ใน Config หรือ --smtp) จึงเขียนอีเมลเป็นไฟล์ .eml"
        " ไว้ในโฟลเดอร์ {value} แทนการส่ง (เปิดด้วยโปรแกรมอีเมลแล้วส่งเองได้)",
        "no mail server is set (Config's smtp_host or --smtp): the messages are written as"
        " .eml files into {value} instead of being sent (open them in a mail program to send)",
    ),
    "mail.send_no_index": (
        ERROR,
        "ไม่พบดัชนีหนังสือแจ้งผล {value} ในโฟลเดอร์ {folder} จึงไม่รู้ว่า PDF ใดเป็นของใคร"
        " ให้ทำหนังสือแจ้งผลใหม่: kpixl notices MASTER --out {folder}",
        "no notices index {value} in {folder}, so which PDF is whose is unknown; make the"
        " notices again: kpixl notices MASTER --out {folder}",
    ),
    "mail.send_unknown_pdf": (
        WARNING,
        "{value} ไม่ตรงกับหนังสือแจ้งผลที่ kpixl ทำไว้ (ไฟล์ถูกแก้หรือไม่ได้มาจาก kpixl notices) จึงไม่ส่ง",
        "{value} matches no notice kpixl made (changed, or not made by kpixl notices); not sent",
    ),
    # kpixl mail fetch (kpixl.jobs.mail_fetch): every attachment finding names the
    # message's sender and subject; the file is the attachment's name as sent
    "mail.fetch_no_source": (
        ERROR,
        "ไม่ได้ระบุว่าจะรับอีเมลจากที่ใด ให้ใช้ --from หรือกรอก mail_fetch_from ใน Config",
        "no source to fetch from: give --from or fill in mail_fetch_from in Config",
    ),
    "mail.fetch_bad_source": (
        ERROR,
        "{value} ไม่ใช่ที่อยู่ imap:// หรือ imaps:// และไม่ใช่โฟลเดอร์ที่มีอยู่ ({why})",
        "{value} is neither an imap:// or imaps:// URL nor an existing folder ({why_en})",
    ),
    "mail.fetch_password_in_url": (
        ERROR,
        "ที่อยู่ {value} มีรหัสผ่านอยู่ด้วย จึงไม่ใช้ ให้ลบรหัสผ่านออกจากที่อยู่ แล้วตั้งรหัสผ่านใน"
        " KPIXL_IMAP_PASSWORD หรือในที่เก็บรหัสผ่านของระบบ (keyring: kpixl-imap)",
        "the URL {value} holds a password, so it is not used: remove it and set the password"
        " in KPIXL_IMAP_PASSWORD or the system keyring (service kpixl-imap)",
    ),
    "mail.fetch_no_password": (
        ERROR,
        "ไม่พบรหัสผ่านของ {value} ให้ตั้งใน KPIXL_IMAP_PASSWORD หรือในที่เก็บรหัสผ่านของระบบ"
        " (keyring: บริการ kpixl-imap ชื่อ {value}){why}",
        "no password for {value}: set KPIXL_IMAP_PASSWORD or store it in the system keyring"
        " (service kpixl-imap, name {value}){why_en}",
    ),
    "mail.fetch_connect_failed": (
        ERROR,
        "รับอีเมลจาก {value} ไม่ได้: {why} ไม่มีสิ่งใดเปลี่ยนบนเครื่องแม่ข่าย",
        "cannot fetch from {value}: {why_en}; nothing was changed on the server",
    ),
    "mail.fetch_insecure": (
        ERROR,
        "เครื่อง {value} ไม่รองรับการเข้ารหัส (STARTTLS) จึงไม่ส่งรหัสผ่านไปโดยไม่เข้ารหัส ให้ใช้ imaps://",
        "the server {value} offers no STARTTLS, so the password is not sent in clear; use imaps://",
    ),
    "mail.fetch_no_round": (
        ERROR,
        "สมุดงานหลักยังไม่มีรหัสรอบ (round_id ใน Config) จึงบอกไม่ได้ว่าไฟล์ใดเป็นของรอบนี้",
        "the master has no round_id in Config, so no workbook can be told to be of this round",
    ),
    "mail.fetch_inbox_link": (
        ERROR,
        "โฟลเดอร์รับแบบฟอร์ม {value} เป็นทางลัด (symbolic link) ไปที่อื่น จึงไม่เขียนสิ่งใดลงไป"
        " ให้ใช้โฟลเดอร์จริง (inbox_folder ใน Config) แล้วรับใหม่ (อีเมลนี้จะถูกรับอีกครั้ง)",
        "the inbox folder {value} is a symbolic link to elsewhere, so nothing is written into it;"
        " use a real folder (Config's inbox_folder) and fetch again (this message is taken again)",
    ),
    "mail.fetch_message_unreadable": (
        ERROR,
        "อ่านอีเมล {value} ไม่ได้: {why} ข้ามไปอ่านฉบับอื่น",
        "cannot read the message {value}: {why_en}; the others are read",
    ),
    "mail.fetch_message_too_large": (
        ERROR,
        "อีเมล จาก {sender} เรื่อง “{subject}” ใหญ่เกินไป ({size} ไบต์ เกิน {limit}) จึงไม่ดาวน์โหลด",
        "the message from {sender}, subject “{subject}” is too large ({size} bytes, over {limit}); not downloaded",
    ),
    "mail.fetch_too_deep": (
        ERROR,
        "อีเมล จาก {sender} เรื่อง “{subject}” มีการส่งต่อซ้อนกันเกิน {limit} ชั้น ไฟล์แนบที่ลึกกว่านั้นไม่ได้อ่าน"
        " ให้ผู้ส่งแนบไฟล์มาโดยตรง",
        "the message from {sender}, subject “{subject}” nests forwarded messages more than {limit} deep; the attachments"
        " deeper than that are not read: ask the sender to attach the file directly",
    ),
    "mail.fetch_unsafe_name": (
        ERROR,
        "ไฟล์แนบชื่อ “{value}” จาก {sender} เรื่อง “{subject}” มีชื่อที่อาจเขียนไฟล์ออกนอกโฟลเดอร์ได้ ({why})"
        " จึงไม่รับไฟล์นี้ ให้ผู้ส่งตั้งชื่อไฟล์ใหม่แล้วส่งอีกครั้ง",
        "the attachment named “{value}” from {sender}, subject “{subject}” has a name that could write outside the"
        " folder ({why_en}), so it is refused: ask the sender to rename it and send it again",
    ),
    "mail.fetch_too_large": (
        ERROR,
        "ไฟล์แนบ {value} จาก {sender} เรื่อง “{subject}” ใหญ่เกินไป ({size} ไบต์ เกิน {limit}) จึงไม่รับ",
        "the attachment {value} from {sender}, subject “{subject}” is too large ({size} bytes, over {limit});"
        " refused",
    ),
    "mail.fetch_other_file": (
        WARNING,
        "ไฟล์แนบ {value} จาก {sender} เรื่อง “{subject}” ไม่ใช่สมุดงาน Excel ({kind}) จึงไม่ได้เก็บเข้าโฟลเดอร์รับแบบฟอร์ม",
        "the attachment {value} from {sender}, subject “{subject}” is not an Excel workbook ({kind}); not filed",
    ),
    "mail.fetch_not_xlsx": (
        ERROR,
        "ไฟล์แนบ {value} จาก {sender} เรื่อง “{subject}” ชื่อเป็นไฟล์ Excel แต่เนื้อในเป็นข้อความ (เช่น CSV ที่เปลี่ยนชื่อ)"
        " ให้ผู้ส่งส่งไฟล์ .xlsx ที่ HR ส่งให้",
        "the attachment {value} from {sender}, subject “{subject}” is named as an Excel workbook but holds text (a renamed"
        " CSV?); ask the sender for the .xlsx HR sent",
    ),
    "mail.fetch_encrypted": (
        ERROR,
        "ไฟล์แนบ {value} จาก {sender} เรื่อง “{subject}” ถูกตั้งรหัสผ่านหรือเป็น .xls รุ่นเก่า อ่านไม่ได้"
        " ให้ผู้ส่งถอดรหัสผ่านแล้วบันทึกเป็น .xlsx",
        "the attachment {value} from {sender}, subject “{subject}” is password-protected or an old .xls: ask the sender"
        " to remove the password and save it as .xlsx",
    ),
    "mail.fetch_unreadable": (
        ERROR,
        "ไฟล์แนบ {value} จาก {sender} เรื่อง “{subject}” อ่านไม่ได้ ({rule}: {why}) จึงไม่รับ",
        "the attachment {value} from {sender}, subject “{subject}” cannot be read ({rule}: {why_en}); refused",
    ),
    "mail.fetch_not_kpixl": (
        WARNING,
        "ไฟล์แนบ {value} จาก {sender} เรื่อง “{subject}” เป็นสมุดงาน Excel แต่ไม่ใช่แบบฟอร์มของ kpixl จึงไม่ได้เก็บ",
        "the attachment {value} from {sender}, subject “{subject}” is an Excel workbook but no kpixl form; not filed",
    ),
    "mail.fetch_other_round": (
        WARNING,
        "ไฟล์แนบ {value} จาก {sender} เรื่อง “{subject}” เป็นแบบฟอร์มของรอบ {round} ไม่ใช่รอบ {expected} จึงไม่ได้เก็บ",
        "the attachment {value} from {sender}, subject “{subject}” is a form of round {round}, not {expected};"
        " not filed",
    ),
    "mail.fetch_not_on_roster": (
        WARNING,
        "ไฟล์แนบ {value} จาก {sender} เรื่อง “{subject}” เป็นแบบฟอร์มของ {person_id} ซึ่งไม่มีในแผ่นงาน"
        " Roster เก็บไว้แล้ว แต่จะไม่นำมารวมจนกว่าจะเพิ่มในบัญชีรายชื่อ",
        "the attachment {value} from {sender}, subject “{subject}” is the form of {person_id},"
        " who is not on the Roster sheet; it is filed, but is not counted until the roster"
        " lists them",
    ),
    "mail.fetch_unknown_unit": (
        ERROR,
        "ไฟล์แนบ {value} จาก {sender} เรื่อง “{subject}” เป็นของหน่วยงาน {unit} ซึ่งไม่มีในแผ่นงาน Units จึงไม่ได้เก็บ"
        " เมื่อเพิ่มหน่วยงานนี้ในแผ่นงาน Units แล้ว การรับครั้งถัดไปจะรับอีเมลนี้ใหม่",
        "the attachment {value} from {sender}, subject “{subject}” belongs to unit {unit}, which the Units sheet does"
        " not list; not filed (once Units lists it, the next fetch takes this message again)",
    ),
    "table.missing_column": (
        ERROR,
        "ตารางไม่มีคอลัมน์ {field}",
        "the table lacks column {field}",
    ),
}


# the stages an internal error may name: Thai (after "ขณะ"), English (after "while")
STAGES = {
    "read": ("อ่าน", "reading"),
    "score": ("คิดคะแนนจาก", "scoring"),
    "collect": ("รวบรวมผลจาก", "collecting from"),
    "match": ("จับคู่รายชื่อจาก", "matching the people of"),
    "cascade": ("ตรวจการถ่ายทอดตัวชี้วัดจาก", "checking the cascade of"),
    "write": ("เขียน", "writing"),
}


class _Defaults(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def finding(code: str, *, field: str = "", value: object = "", **context: Any) -> Finding:
    """Build a :class:`Finding` for ``code``; ``context`` fills the message templates.

    ``file``, ``sheet``, ``cell`` and ``person_id`` in ``context`` become the finding's
    location fields; ``label`` defaults to the field name.
    """
    severity, th, en = CODES[code]
    where = {k: str(context.pop(k, "") or "") for k in ("file", "sheet", "cell")}
    values = _Defaults({k: "—" if v is None else v for k, v in context.items()})
    values.setdefault("label", field)
    values.setdefault("person_id", "")
    values["field"] = field
    blank = value is None or (isinstance(value, float) and value != value)  # None, NaN
    values["value"] = "" if blank else str(value)
    return Finding(
        rule=code,
        message_th=th.format_map(values),
        message_en=en.format_map(values),
        severity=severity,
        field=field,
        value=values["value"],
        person_id=str(values["person_id"]),
        **where,
    )


def internal_finding(exc: BaseException, *, file: str, stage: str) -> Finding:
    """A ``file.internal_error`` finding for a defect of kpixl met at ``stage`` (a key of
    :data:`STAGES`) of ``file``: the round goes on without that file.

    The message names the file, the stage and the exception's type, never its text or
    traceback. With ``KPIXL_STRICT=1`` (the tests) the exception is raised instead.
    Decide first with :func:`kpixl.core.errors.file_problem` whether the file is to blame.
    """
    if strict():
        raise exc
    th, en = STAGES[stage]
    return finding(
        "file.internal_error", value=type(exc).__name__, stage=th, stage_en=en, file=file
    )
