"""The e-mails' Thai subjects and bodies: the defaults the master's Config starts with,
and filling a template's placeholders.

A template is text HR edits in Config (``mail_subject_<what>``, ``mail_body_<what>``).
Its placeholders are ``{name}``, ``{round}``, ``{unit}`` and ``{due}``; they are
replaced by plain text, one pass, nothing else: no attribute access, no format specs,
and a value that itself contains ``{name}`` is not expanded again. An unknown
``{word}`` stays as it was typed, so a typo shows in the message rather than failing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["DEFAULT_TEXTS", "PLACEHOLDERS", "WHATS", "fill", "unknown_placeholders"]

WHATS = ("agreements", "units", "notices", "reminders")  # what `kpixl mail send` sends
PLACEHOLDERS = ("name", "round", "unit", "due")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")

DEFAULT_TEXTS: dict[str, str] = {
    "mail_subject_agreements": "แบบข้อตกลงการประเมินผลการปฏิบัติราชการ รอบ {round} – {name}",
    "mail_body_agreements": (
        "เรียน {name}\n\n"
        "กลุ่มบริหารทรัพยากรบุคคลขอส่งแบบข้อตกลงและแบบประเมินผลการปฏิบัติราชการรายบุคคล "
        "รอบการประเมิน {round} ({unit}) มาพร้อมนี้ โปรดจัดทำข้อตกลงร่วมกับผู้บังคับบัญชา "
        "แล้วตอบกลับอีเมลนี้โดยแนบไฟล์เดิม (ไม่ต้องเปลี่ยนชื่อไฟล์) ภายในวันที่ {due}\n\n"
        "ขอบคุณครับ/ค่ะ\nกลุ่มบริหารทรัพยากรบุคคล"
    ),
    "mail_subject_units": "สมุดงานหน่วยงาน {unit} รอบการประเมิน {round}",
    "mail_body_units": (
        "เรียน {name}\n\n"
        "ขอส่งสมุดงานหน่วยงาน {unit} สำหรับรอบการประเมิน {round} มาพร้อมนี้ "
        "โปรดรวบรวมแบบประเมินของบุคลากรในหน่วยงานและส่งกลับภายในวันที่ {due}\n\n"
        "หากไฟล์มีปุ่มคำสั่ง (.xlsm) ให้บันทึกไฟล์ลงในโฟลเดอร์ที่เชื่อถือได้ (Trusted Location) "
        "ที่ติดตั้งไว้ด้วยคำสั่ง kpixl excel install ก่อนเปิด มิฉะนั้น Excel จะปิดกั้นแมโคร\n\n"
        "กลุ่มบริหารทรัพยากรบุคคล"
    ),
    "mail_subject_notices": "แจ้งผลการประเมินผลการปฏิบัติราชการ รอบ {round} – {name}",
    "mail_body_notices": (
        "เรียน {name}\n\n"
        "ขอแจ้งผลการประเมินผลการปฏิบัติราชการและการเลื่อนเงินเดือน รอบการประเมิน {round} "
        "ตามหนังสือแจ้งผลที่แนบมาพร้อมนี้ โปรดลงนามรับทราบผลและส่งคืนผู้บังคับบัญชา\n\n"
        "กลุ่มบริหารทรัพยากรบุคคล"
    ),
    "mail_subject_reminders": "เตือน: ยังไม่ได้รับแบบฟอร์ม รอบ {round} – {name}",
    "mail_body_reminders": (
        "เรียน {name}\n\n"
        "กลุ่มบริหารทรัพยากรบุคคลยังไม่ได้รับแบบฟอร์มการประเมินของท่าน รอบการประเมิน {round} "
        "({unit}) ซึ่งครบกำหนดเมื่อวันที่ {due} โปรดส่งกลับโดยเร็ว "
        "หากส่งแล้ว ขออภัยมา ณ ที่นี้\n\n"
        "กลุ่มบริหารทรัพยากรบุคคล"
    ),
}


def fill(template: str, values: Mapping[str, object]) -> str:
    """``template`` with each known ``{placeholder}`` replaced by ``values``' text (a
    missing value: empty), in one pass."""

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in PLACEHOLDERS:
            return match.group(0)
        value = values.get(key)
        return "" if value is None else str(value)

    return _PLACEHOLDER.sub(replace, template)


_BRACES = re.compile(r"\{[^{}\n]{0,60}\}")  # {ชื่อ}, { name }, {name.__class__}, {0}, {}


def unknown_placeholders(template: str) -> list[str]:
    """The ``{…}`` of ``template`` that are not placeholders, each once, in order (typos
    HR should see: they go out as typed)."""
    known = {f"{{{p}}}" for p in PLACEHOLDERS}
    return list(dict.fromkeys(m for m in _BRACES.findall(template) if m not in known))
