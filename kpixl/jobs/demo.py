"""A deterministic demo organisation: master, unit and personal workbooks.

``kpixl demo DIR`` writes ``DIR/master.xlsx``, evaluated and sealed personal workbooks
in ``DIR/personal/<unit>/`` and collected unit workbooks in ``DIR/units/`` (the folders
the master's Config names). ``--messy`` adds the bad inputs real rounds have.
``kpixl demo DIR --rounds N`` (:func:`build_rounds`) writes N consecutive rounds in
``DIR/<round>/`` (``2570-1``, ``2570-2``, ``2571-1``), each consolidated and archived
into ``DIR/kpixl.db``, each later round's salaries the previous round's new salaries.

The demo writes only into a folder that does not exist, is empty, or holds an earlier
kpixl demo and nothing else (:func:`demo_folder_finding`): a demo master (its Config
``organisation`` is :data:`ORGANISATION`, read with
:func:`kpixl.workbooks.master.read_master`) with what the demo and the commands run on
it write beside it, and (``--rounds``) round sub-folders each holding such a demo and the
rounds' ``kpixl.db``. Anything else is refused with ``demo.not_empty`` before anything is
touched: a real round's folder named by mistake keeps its forms.
"""

from __future__ import annotations

import itertools
import random
import re
import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from kpixl.core.allocation import allocate
from kpixl.core.cascade import weights_to_100
from kpixl.core.codes import finding
from kpixl.core.errors import KpixlError
from kpixl.core.findings import Finding
from kpixl.core.pools import pool_for
from kpixl.core.rounds import Round, parse_round
from kpixl.core.rules import Rules, default_rules
from kpixl.core.thaitime import BUDDHIST_ERA
from kpixl.io.atomic import write_bytes_atomic
from kpixl.io.backups import discard_backups
from kpixl.io.lock import LOCK_SUFFIX
from kpixl.io.mail_log import LOG_NAME
from kpixl.jobs.collect import collect
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.generate import file_name, personal_data_for
from kpixl.workbooks.master import master_bytes, read_master
from kpixl.workbooks.personal import seal_personal, write_personal
from kpixl.workbooks.unit import UnitData, carried_findings, read_unit, write_unit

__all__ = [
    "DOMAIN",
    "ORGANISATION",
    "DemoFolderError",
    "DemoResult",
    "RoundsResult",
    "build_demo",
    "build_rounds",
    "demo_address",
    "demo_folder_finding",
    "demo_people",
    "due_dates",
    "person_holders",
]

UNIT_NAMES = [
    "กลุ่มบริหารทรัพยากรบุคคล",
    "กลุ่มนโยบายและแผน",
    "กลุ่มการเงินและบัญชี",
    "กลุ่มตรวจสอบภายใน",
    "ฝ่ายบริหารทั่วไป",
    "กลุ่มพัฒนาระบบบริหาร",
    "กลุ่มกฎหมาย",
    "กลุ่มเทคโนโลยีสารสนเทศ",
]
# first names and whether a man (นาย) or a woman (นาง, นางสาว) bears them
FIRST = [
    ("สมชาย", "m"),
    ("สมหญิง", "f"),
    ("วิชัย", "m"),
    ("มาลี", "f"),
    ("ประเสริฐ", "m"),
    ("กาญจนา", "f"),
    ("สุรเชษฐ์", "m"),
    ("อรุณี", "f"),
    ("ธนพล", "m"),
    ("ปิยะนุช", "f"),
    ("วรวุฒิ", "m"),
    ("จันทร์เพ็ญ", "f"),
    ("กิตติ", "m"),
    ("รัตนา", "f"),
    ("ศักดิ์ชัย", "m"),
    ("นภัสสร", "f"),
    ("อนุชา", "m"),
    ("พิมพ์ชนก", "f"),
    ("ชยพล", "m"),
    ("สุนิสา", "f"),
]
TITLES = {"m": ("นาย",), "f": ("นาง", "นางสาว")}
# the names in Latin letters, as Thai offices spell them in e-mail addresses
ROMAN = {
    "สมชาย": "somchai",
    "สมหญิง": "somying",
    "วิชัย": "wichai",
    "มาลี": "malee",
    "ประเสริฐ": "prasert",
    "กาญจนา": "kanchana",
    "สุรเชษฐ์": "surachet",
    "อรุณี": "arunee",
    "ธนพล": "thanaphon",
    "ปิยะนุช": "piyanut",
    "วรวุฒิ": "worawut",
    "จันทร์เพ็ญ": "chanphen",
    "กิตติ": "kitti",
    "รัตนา": "rattana",
    "ศักดิ์ชัย": "sakchai",
    "นภัสสร": "naphatsorn",
    "อนุชา": "anucha",
    "พิมพ์ชนก": "phimchanok",
    "ชยพล": "chayaphon",
    "สุนิสา": "sunisa",
    "ใจดี": "jaidee",
    "รักงาน": "rakngan",
    "มั่นคง": "mankhong",
    "ศรีสุข": "srisuk",
    "วงศ์ไทย": "wongthai",
    "แก้วประเสริฐ": "kaewprasert",
    "บุญมา": "boonma",
    "ทองดี": "thongdee",
    "สุขสวัสดิ์": "suksawat",
    "พูลผล": "poonphon",
    "เจริญยิ่ง": "charoenying",
    "ศรีวงศ์": "sriwong",
    "อินทร์แก้ว": "inkaew",
    "ชัยมงคล": "chaimongkhon",
    "ปัญญาดี": "panyadee",
}
DOMAIN = "example.org"  # the demo's addresses: a domain reserved for examples (RFC 2606)
MAIL_FROM = f"กลุ่มบริหารทรัพยากรบุคคล <hr@{DOMAIN}>"
ORGANISATION = "สำนักงานตัวอย่าง (demo)"  # the demo master's Config organisation: its mark

LAST = [
    "ใจดี",
    "รักงาน",
    "มั่นคง",
    "ศรีสุข",
    "วงศ์ไทย",
    "แก้วประเสริฐ",
    "บุญมา",
    "ทองดี",
    "สุขสวัสดิ์",
    "พูลผล",
    "เจริญยิ่ง",
    "ศรีวงศ์",
    "อินทร์แก้ว",
    "ชัยมงคล",
    "ปัญญาดี",
]
POSITIONS = {
    "K": [
        "นักทรัพยากรบุคคล",
        "นักวิเคราะห์นโยบายและแผน",
        "นักวิชาการเงินและบัญชี",
        "นักวิชาการตรวจสอบภายใน",
        "นักจัดการงานทั่วไป",
    ],
    "O": ["เจ้าพนักงานธุรการ", "เจ้าพนักงานการเงินและบัญชี"],
    "D": ["ผู้อำนวยการกลุ่ม"],
}
KPI_IDEAS = [
    ("ร้อยละของงานที่แล้วเสร็จตามกำหนดเวลา", "quantitative", "higher", "ร้อยละ", [60, 70, 80, 90, 100]),
    ("จำนวนวันเฉลี่ยในการดำเนินการต่อเรื่อง", "quantitative", "lower", "วัน", [10, 8, 6, 4, 2]),
    ("ระดับความสำเร็จของการจัดทำแผนปฏิบัติงาน", "milestone", None, "ระดับ", None),
    ("ร้อยละความพึงพอใจของผู้รับบริการ", "quantitative", "higher", "ร้อยละ", [70, 75, 80, 85, 90]),
    ("จำนวนข้อผิดพลาดในการจัดทำเอกสาร", "quantitative", "lower", "ครั้ง", [10, 8, 6, 4, 2]),
    ("ระดับความสำเร็จของการพัฒนาระบบงาน", "milestone", None, "ระดับ", None),
]


# what each level of the demo's milestone KPIs means: steps, or (the second, a mixed KPI
# as in seed 001) steps first and outcomes at the top levels
KPI_STEPS = {
    "ระดับความสำเร็จของการจัดทำแผนปฏิบัติงาน": (
        "รวบรวมภารกิจและเป้าหมายของหน่วยงานที่เกี่ยวกับงานในความรับผิดชอบ",
        "จัดทำร่างแผนปฏิบัติงานพร้อมกำหนดเวลาและผู้รับผิดชอบ",
        "แผนปฏิบัติงานได้รับความเห็นชอบจากผู้บังคับบัญชาภายในเวลาที่กำหนด",
        "ดำเนินการตามแผนและรายงานความก้าวหน้าทุกไตรมาส",
        "ทบทวนผลตามแผนและเสนอแนวทางปรับปรุงสำหรับรอบถัดไป",
    ),
    "ระดับความสำเร็จของการพัฒนาระบบงาน": (
        "วิเคราะห์ปัญหาและขั้นตอนของระบบงานเดิมแล้วเสร็จ",
        "ออกแบบขั้นตอนงานใหม่และเสนอผู้บังคับบัญชาเห็นชอบ",
        "นำระบบงานใหม่ไปใช้ในหน่วยงานได้ครบตามแผน",
        "ระยะเวลาให้บริการลดลงไม่น้อยกว่าร้อยละ 10 จากเดิม",
        "ระยะเวลาให้บริการลดลงไม่น้อยกว่าร้อยละ 20 และมีคู่มือเผยแพร่",
    ),
}


def national_id(rng: random.Random) -> str:
    first12 = str(rng.randint(1, 8)) + "".join(str(rng.randint(0, 9)) for _ in range(11))
    digits = [int(c) for c in first12]
    return first12 + str((11 - sum(d * (13 - i) for i, d in enumerate(digits)) % 11) % 10)


def title_for(drawn: str, gender: str, n: int) -> str:
    """The title of a first name's gender: the drawn one when it fits, else one that does
    (``n`` alternates นาง and นางสาว), so the random stream, and the demo, stay as they were."""
    titles = TITLES[gender]
    return drawn if drawn in titles else titles[n % len(titles)]


def demo_address(first: str, last: str, taken: dict[str, int]) -> str:
    """``somchai.jaidee@example.org`` for สมชาย ใจดี; the second of that name
    ``somchai.jaidee2@…`` (``taken`` counts the names given so far)."""
    local = f"{ROMAN[first]}.{ROMAN[last]}"
    taken[local] = n = taken.get(local, 0) + 1
    return f"{local}{n if n > 1 else ''}@{DOMAIN}"


def demo_people(
    units: int, people: int, seed: int, rules: Rules
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(units, roster) of a deterministic organisation, every person and unit head with
    an e-mail address of :data:`DOMAIN`."""
    rng = random.Random(seed)
    unit_rows = [
        {
            "unit_code": f"U{i + 1:02d}",
            "unit_name": UNIT_NAMES[i] if i < len(UNIT_NAMES) else f"กลุ่มงานที่ {i + 1}",
            "head": "",
            "head_email": "",
        }
        for i in range(units)
    ]
    roster = []
    seen: set[str] = set()
    taken: dict[str, int] = {}
    for p in range(people):
        unit = unit_rows[p % units]
        head = p < units
        code = "D1" if head else rng.choice(["K1", "K2", "K2", "K3", "K3", "O1", "O2", "O3"])
        level = rules.salary_table.level(code)
        low = int(level.min_temp or level.min) // 10
        salary = rng.randint(low + 100, int(level.max) // 10) * 10
        if rng.random() < 0.08:
            salary = int(level.max) - rng.choice([0, 50, 150])  # near the ceiling
        pid = national_id(rng)
        while pid in seen:
            pid = national_id(rng)
        seen.add(pid)
        drawn = rng.choice(["นาย", "นาง", "นางสาว"])  # drawn as before: the rest is unchanged
        first, gender = rng.choice(FIRST)
        last = rng.choice(LAST)
        name = f"{title_for(drawn, gender, p)}{first} {last}"
        email = demo_address(first, last, taken)
        if head:
            unit["head"] = name
            unit["head_email"] = email
        roster.append(
            {
                "person_id": pid,
                "name": name,
                "unit": unit["unit_code"],
                "position": rng.choice(POSITIONS[code[0]]),
                "position_no": str(1000 + p),
                "level_code": code,
                "salary": salary,
                "probation": rng.random() < 0.05 and not head,
                "evaluator": "" if head else f"หัวหน้า{unit['unit_name']}",
                "months_served": 6,
                "late_times": 25 if rng.random() < 0.03 else rng.randint(0, 5),
                "email": email,
            }
        )
    return unit_rows, roster


# The organisation's KPIs, one per perspective, each with its card (the seed's KPI
# Template): goal, target, levels for the units' KPIs (level 3 is the target), and the
# card's text; the units' KPIs take their parent's card, said of the unit.
ORG_KPIS: list[dict[str, Any]] = [
    {
        "name": "ร้อยละของงานบริการที่แล้วเสร็จตามมาตรฐานเวลา",
        "perspective": "ประสิทธิผล",
        "goal": "ผู้รับบริการได้รับบริการที่รวดเร็วตามมาตรฐานเวลาที่ประกาศ",
        "levels": (60, 70, 80, 90, 100),
        "baseline": Decimal("76.40"),
        "definition": "งานบริการ หมายถึง คำขอรับบริการที่รับเข้าระบบสารบรรณอิเล็กทรอนิกส์"
        "ในปีงบประมาณ\nมาตรฐานเวลา หมายถึง ระยะเวลาแล้วเสร็จของงานแต่ละประเภท"
        "ตามที่ประกาศไว้ในคู่มือการให้บริการ",
        "objective": "เพื่อให้ผู้รับบริการได้รับบริการที่รวดเร็วและเป็นไปตามมาตรฐานเวลาที่ประกาศไว้",
        "formula": "(จำนวนงานบริการที่แล้วเสร็จภายในมาตรฐานเวลา ÷ จำนวนงานบริการทั้งหมดที่รับเข้า) × 100",
        "frequency": "ทุก 3 เดือน (รายไตรมาส)",
        "source": "ระบบสารบรรณอิเล็กทรอนิกส์",
        "collection_process": "ดึงวันที่รับและวันที่แล้วเสร็จของทุกคำขอจากระบบสารบรรณ"
        "อิเล็กทรอนิกส์เมื่อสิ้นไตรมาส เทียบกับมาตรฐานเวลาในคู่มือการให้บริการ"
        " แล้วรายงานผู้บริหารภายใน 15 วันหลังสิ้นไตรมาส",
    },
    {
        "name": "ร้อยละความพึงพอใจของผู้รับบริการ",
        "perspective": "คุณภาพการให้บริการ",
        "goal": "ผู้รับบริการพึงพอใจในคุณภาพการให้บริการ",
        "levels": (75, 80, 85, 90, 95),
        "baseline": Decimal("82.10"),
        "definition": "ความพึงพอใจ หมายถึง ความเห็นของผู้รับบริการต่อขั้นตอน เจ้าหน้าที่"
        " สิ่งอำนวยความสะดวก และคุณภาพของบริการ จากแบบสอบถามมาตราส่วน 5 ระดับ"
        "\nผู้ตอบที่ให้คะแนนระดับ 4 ขึ้นไป ถือว่าพึงพอใจ",
        "objective": "เพื่อวัดคุณภาพการให้บริการในมุมมองของผู้รับบริการ และนำผลไปปรับปรุงการให้บริการ",
        "formula": "(จำนวนผู้ตอบแบบสอบถามที่พึงพอใจระดับ 4 ขึ้นไป ÷ จำนวนผู้ตอบแบบสอบถามทั้งหมด) × 100",
        "frequency": "ทุก 6 เดือน (ตามรอบการประเมิน)",
        "source": "แบบสอบถามความพึงพอใจ",
        "collection_process": "สำรวจด้วยแบบสอบถามออนไลน์และแบบกระดาษ ณ จุดให้บริการ"
        " อย่างน้อย 100 รายต่อรอบ ประมวลผลและรายงานผู้บริหารภายในเดือนถัดไป",
    },
    {
        "name": "ร้อยละของการเบิกจ่ายงบประมาณตามแผน",
        "perspective": "ประสิทธิภาพของการปฏิบัติราชการ",
        "goal": "ใช้จ่ายงบประมาณได้ตามแผนอย่างคุ้มค่า",
        "levels": (80, 85, 90, 95, 100),
        "baseline": Decimal("87.25"),
        "definition": "การเบิกจ่ายงบประมาณ หมายถึง ผลการเบิกจ่ายงบประมาณรายจ่ายประจำปี"
        "ที่ได้รับจัดสรร ตามที่บันทึกในระบบ New GFMIS Thai\nแผน หมายถึง"
        " แผนการใช้จ่ายงบประมาณรายไตรมาสที่ได้รับอนุมัติ",
        "objective": "เพื่อให้การใช้จ่ายงบประมาณเป็นไปตามแผนและมาตรการเร่งรัดการเบิกจ่ายของรัฐบาล",
        "formula": "(จำนวนเงินที่เบิกจ่ายสะสม ÷ จำนวนเงินตามแผนการใช้จ่ายสะสม ณ สิ้นไตรมาส) × 100",
        "frequency": "ทุกเดือน รายงานรายไตรมาส",
        "source": "ระบบ New GFMIS Thai",
        "collection_process": "ดึงรายงานผลการเบิกจ่ายจากระบบ New GFMIS Thai ทุกสิ้นเดือน"
        " เทียบกับแผนการใช้จ่ายงบประมาณ แล้วเสนอที่ประชุมผู้บริหารเดือนละครั้ง",
    },
    {
        "name": "ร้อยละของบุคลากรที่ได้รับการพัฒนาตามแผน",
        "perspective": "การพัฒนาองค์กร",
        "goal": "บุคลากรมีสมรรถนะเหมาะสมกับงานที่รับผิดชอบ",
        "levels": (60, 70, 80, 90, 100),
        "baseline": Decimal("71.30"),
        "definition": "บุคลากร หมายถึง ข้าราชการและพนักงานราชการที่ปฏิบัติงาน ณ วันที่"
        " 1 ตุลาคม\nได้รับการพัฒนาตามแผน หมายถึง ได้รับการฝึกอบรม สัมมนา"
        " หรือเรียนรู้ผ่านระบบออนไลน์ตามแผนพัฒนารายบุคคล (IDP) ไม่น้อยกว่า 12 ชั่วโมงต่อปี",
        "objective": "เพื่อให้บุคลากรได้รับการพัฒนาความรู้และทักษะตามแผนพัฒนารายบุคคลอย่างทั่วถึง",
        "formula": "(จำนวนบุคลากรที่ได้รับการพัฒนาครบตามแผน ÷ จำนวนบุคลากรทั้งหมด) × 100",
        "frequency": "ทุก 6 เดือน (ตามรอบการประเมิน)",
        "source": "ทะเบียนประวัติการพัฒนาบุคลากร",
        "collection_process": "รวบรวมหลักฐานการเข้ารับการพัฒนา (วุฒิบัตร ใบรับรอง"
        " รายงานจากระบบเรียนรู้ออนไลน์) บันทึกในทะเบียนประวัติการพัฒนา"
        " และสรุปรายงานทุกรอบการประเมิน",
    },
]
UNIT_KPI_WEIGHTS = (40, 30, 30)  # the weights of a unit's three KPIs on their cards


def _quarter(target: int, step: int) -> int:
    """A quarter's result a few points around the target (deterministic)."""
    return target - 4 + step % 6


def demo_strategy(
    units: list[dict[str, Any]], fiscal_year: int = 2570
) -> dict[str, list[dict[str, Any]]]:
    """A consistent cascade: four organisation KPIs, three KPIs per unit (each its
    parent's target, which is its level 3), a card for every KPI, the OS matrix.

    The cards are the seed's KPI Template filled in: definition, objective, formula,
    unit of measure, frequency, baseline (fiscal year before ``fiscal_year``) and
    target (``fiscal_year``) with who set it, weight, owner, data collector and process,
    and the results of the round's quarters so far (quarters 1 and 2).
    """
    names = {u["unit_code"]: u["unit_name"] for u in units}
    org, cards = [], []
    for i, kpi in enumerate(ORG_KPIS):
        code, owner = f"O{i + 1}", units[i % len(units)]["unit_code"]
        target = kpi["levels"][2]
        org.append(
            {
                "code": code,
                "name": kpi["name"],
                "perspective": kpi["perspective"],
                "goal": kpi["goal"],
                "target": target,
                "weight": 25,
                "owner_unit": owner,
            }
        )
        cards.append(
            {
                "code": code,
                "name": kpi["name"],
                **{f: kpi[f] for f in ("definition", "objective", "formula", "frequency")},
                "unit_of_measure": "ร้อยละ",
                "baseline": kpi["baseline"],
                "target": target,
                "weight": 25,
                "owner": f"หัวหน้า{names[owner]}",
                "data_collector": f"เจ้าหน้าที่งานแผนของ{names[owner]}",
                "collection_process": kpi["collection_process"],
                "target_setter": "หัวหน้าส่วนราชการ (โดยความเห็นชอบของคณะผู้บริหาร)",
                "baseline_year": fiscal_year - 1,
                "target_year": fiscal_year,
                "q1": _quarter(target, i),
                "q2": _quarter(target, i + 3),
            }
        )
    unit_kpis, os_rows = [], []
    for n, u in enumerate(units):
        unit, name = u["unit_code"], u["unit_name"]
        head = f"หัวหน้า{name}" + (f" ({u['head']})" if u.get("head") else "")
        for k in range(1, 4):
            parent, code = ORG_KPIS[k - 1], f"{unit}-K{k}"
            levels = parent["levels"]
            unit_kpis.append(
                {
                    "code": code,
                    "parent_code": f"O{k}",
                    "unit": unit,
                    "name": f"{parent['name']} ({name})",
                    "derivation": "direct",
                    "target": levels[2],  # the target is level 3 (ค่าเป้าหมายที่คาดหวัง)
                    "kind": "quantitative",
                    "direction": "higher",
                    **{f"l{j + 1}": v for j, v in enumerate(levels)},
                }
            )
            cards.append(
                {
                    "code": code,
                    "name": f"{parent['name']} ({name})",
                    "definition": parent["definition"],
                    "objective": f"เพื่อให้{name}บรรลุค่าเป้าหมายของตัวชี้วัด O{k}",
                    "formula": f"{parent['formula']} (เฉพาะของหน่วยงาน)",
                    "unit_of_measure": "ร้อยละ",
                    "frequency": parent["frequency"],
                    "baseline": parent["baseline"] - 2 + (n + k) % 4,
                    "target": levels[2],
                    "weight": UNIT_KPI_WEIGHTS[k - 1],
                    "owner": head,
                    "data_collector": f"เจ้าหน้าที่ธุรการของ{name}",
                    "collection_process": f"รวบรวมข้อมูลของหน่วยงานจาก{parent['source']}"
                    f" ส่ง{names[org[k - 1]['owner_unit']]}ภายในวันที่ 5 หลังสิ้นไตรมาส",
                    "target_setter": f"หัวหน้าส่วนราชการ ร่วมกับหัวหน้า{name}",
                    "baseline_year": fiscal_year - 1,
                    "target_year": fiscal_year,
                    "q1": _quarter(levels[2], n + k),
                    "q2": _quarter(levels[2], n + 2 * k + 1),
                }
            )
            os_rows.append({"kpi_code": code, "unit": unit, "role": "O"})
    for o in org:
        for u in units:
            os_rows.append(
                {
                    "kpi_code": o["code"],
                    "unit": u["unit_code"],
                    "role": "O" if u["unit_code"] == o["owner_unit"] else "S",
                }
            )
    return {
        M.ORG_KPIS: org,
        M.UNIT_KPIS: unit_kpis,
        M.OS_MATRIX: os_rows,
        M.KPI_CARDS: cards,
        M.KPI_HOLDERS: [],  # filled as the demo's people take their KPIs
    }


def person_holders(person_id: str, kpis: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The KPIHolders rows of one person: each unit KPI their KPIs cascade from, once.

    A unit KPI two of the person's KPIs come from is held once with their weights
    added; the weights are then scaled to 100 (:func:`weights_to_100`), so the drafts
    ``kpixl personal new --master`` writes from these rows are complete agreements.
    """
    held: dict[str, Decimal] = {}
    for k in kpis:
        if k.get("parent_code"):
            held[k["parent_code"]] = held.get(k["parent_code"], Decimal(0)) + Decimal(k["weight"])
    weights = weights_to_100(list(held.values()))
    return [
        {"kpi_code": code, "person_id": person_id, "weight": int(weight)}
        for code, weight in zip(held, weights, strict=True)
    ]


def _split(rng: random.Random, n: int) -> list[int]:
    cuts = sorted(rng.sample(range(1, 20), n - 1))
    bounds = [0, *cuts, 20]
    return [(b - a) * 5 for a, b in itertools.pairwise(bounds)]


def evaluation(
    rng: random.Random,
    unit_code: str,
    person_no: int = 0,
    nudge: random.Random | None = None,
) -> tuple[list[dict[str, Any]], list[Any], list[int]]:
    """KPIs (cascaded from the unit's KPIs), their actual results, and competency ratings.

    ``nudge``: a later round's draws (the same ``rng`` draws as the first round, each
    KPI's level reached moved by one now and then, from ``nudge``): people keep their
    KPIs and roughly their results from round to round, as they do."""
    ideas = rng.sample(KPI_IDEAS, rng.randint(3, 5))
    weights = _split(rng, len(ideas))
    kpis: list[dict[str, Any]] = []
    actuals: list[Any] = []
    for i, ((name, kind, direction, unit, levels), weight) in enumerate(
        zip(ideas, weights, strict=True)
    ):
        kpis.append(
            {
                "kpi_code": f"{unit_code}-P{i + 1}",
                "kpi_name": name,
                "kind": kind,
                "direction": direction,
                "unit": unit,
                **({f"l{j + 1}": v for j, v in enumerate(levels)} if levels else {}),
                "weight": weight,
                "parent_code": "" if i == 3 else f"{unit_code}-K{(person_no + i) % 3 + 1}",
                "category": "assigned" if i == 3 else rng.choice(["strategic", "mission"]),
                "milestones": KPI_STEPS.get(name),
            }
        )
        reached = rng.choices([1, 2, 3, 4, 5], weights=[1, 3, 6, 8, 4])[0]
        if nudge is not None:
            reached = min(5, max(1, reached + nudge.choice((-1, 0, 0, 1, 1))))
        if kind == "milestone":
            actuals.append(reached)
        else:
            assert levels is not None
            lo = levels[reached - 1]
            hi = levels[reached] if reached < 5 else levels[4] + (levels[4] - levels[3])
            actuals.append(
                Decimal(lo) + (Decimal(hi) - Decimal(lo)) * Decimal(rng.randint(0, 9)) / 10
            )
    return kpis, actuals, []


@dataclass
class DemoResult:
    master: Path
    units: list[Path]
    personal: list[Path]
    unit_rows: list[dict[str, Any]] = field(default_factory=list)  # the Units sheet's rows
    roster: list[dict[str, Any]] = field(default_factory=list)  # the Roster sheet's rows


# What an earlier demo's folder may hold beside its demo master: what ``kpixl demo`` writes
# and what the commands run on the demo write beside the master (the names the help and
# docs use); files, folders. The rounds' archive may sit beside demo round sub-folders.
_DEMO_FILES = frozenset(
    (
        "master.xlsx",
        "master.xlsm",
        "results.csv",
        "committee.pdf",
        "kpi-cards.xlsx",
        "kpi-cards.pdf",
        *(LOG_NAME + tail for tail in ("", "-journal", "-wal", "-shm")),
    )
)
_DEMO_FOLDERS = frozenset(
    ("units", "personal", "units-xlsm", ".kpixl-backups", "notices", "inbox", "outbox")
)
_DB_FILES = tuple("kpixl.db" + tail for tail in ("", "-journal", "-wal", "-shm"))
_ROUND_FOLDER = re.compile(r"[0-9]{4}-[12]")  # Round.slug: 2570-1
_WHY = {
    "file": ("เป็นไฟล์ ไม่ใช่โฟลเดอร์", "a file, not a folder"),
    "master": (
        f"แฟ้มหลักที่ไม่ใช่ของหน่วยงานตัวอย่าง (ชื่อหน่วยงานใน Config ไม่ใช่ “{ORGANISATION}”)",
        f"a master that is not the demo's (its Config organisation is not “{ORGANISATION}”)",
    ),
    "foreign": ("ไม่ใช่สิ่งที่ kpixl demo สร้าง", "not something kpixl demo makes"),
    "orphan": (
        "ไม่มีแฟ้มหลัก master.xlsx ของหน่วยงานตัวอย่างอยู่ด้วย",
        "with no demo master.xlsx beside it",
    ),
    "link": ("เป็นทางลัด (symbolic link)", "a symbolic link"),
}


class DemoFolderError(KpixlError):
    """``out`` holds something other than an earlier demo (``demo.not_empty``)."""

    def __init__(self, found: Finding) -> None:
        self.finding = found
        super().__init__(found.message_en, found.message_th)


def _is_demo_master(path: Path) -> bool:
    """Whether ``path`` is a workbook whose Config organisation is the demo's."""
    if path.is_symlink() or not path.is_file():
        return False
    try:
        organisation = read_master(path, roster=False).config.get("organisation")
    except Exception:  # whatever cannot be read is not the demo's: refused
        return False
    return str(organisation or "").strip() == ORGANISATION


def _not_demo(folder: Path, *, top: bool) -> tuple[Path, str] | None:
    """The first thing in ``folder`` that is not an earlier demo's, and why (a key of
    :data:`_WHY`); None when the folder is empty or holds a demo and nothing else.

    ``top``: ``folder`` is the demo's own folder, which may also hold demo round
    sub-folders (``2570-1``) and, beside them or a demo master, ``kpixl.db``."""
    entries = sorted(folder.iterdir())
    for entry in entries:
        if entry.is_symlink():
            return entry, "link"
    for name in ("master.xlsx", "master.xlsm"):
        if (folder / name).exists() and not _is_demo_master(folder / name):
            return folder / name, "master"
    demo = (folder / "master.xlsx").exists()  # a demo master: checked above
    rounds = [e for e in entries if top and e.is_dir() and _ROUND_FOLDER.fullmatch(e.name)]
    for sub in rounds:
        bad = _not_demo(sub, top=False)
        if bad is not None:
            return bad
    demo_rounds = any((sub / "master.xlsx").exists() for sub in rounds)
    for entry in entries:
        if entry in rounds:
            continue
        if top and entry.name in _DB_FILES and entry.is_file():
            if demo or demo_rounds:
                continue
            return entry, "orphan"
        own = (
            entry.name in _DEMO_FILES or entry.name.endswith(LOCK_SUFFIX)
            if entry.is_file()
            else entry.name in _DEMO_FOLDERS and entry.is_dir()
        )
        if not own:
            return entry, "foreign"
        if not demo:
            return entry, "orphan"
    return None


def demo_folder_finding(out: str | Path) -> Finding | None:
    """``demo.not_empty`` when ``out`` holds anything but an earlier kpixl demo (a
    missing or empty folder, or one holding only an earlier demo: None).

    A demo is recognised by its master: ``master.xlsx`` (and ``master.xlsm`` if there)
    whose Config ``organisation`` is :data:`ORGANISATION`; beside it only what the demo
    and the commands run on it write (:data:`_DEMO_FILES`, :data:`_DEMO_FOLDERS`, lock
    files), and in ``out`` itself round sub-folders each holding such a demo and the
    rounds' ``kpixl.db``. A symbolic link, a non-demo master, any other file or folder, or
    a demo's file without a demo master beside it is refused (named in the finding)."""
    out = Path(out)
    if not out.exists() and not out.is_symlink():
        return None
    bad: tuple[Path, str] | None = (out, "file") if not out.is_dir() else _not_demo(out, top=True)
    if bad is None:
        return None
    path, why = bad
    th, en = _WHY[why]
    return finding(
        "demo.not_empty", value=str(path), folder=str(out), why=th, why_en=en, file=str(path)
    )


def _refuse_unless_demo(out: Path) -> None:
    found = demo_folder_finding(out)
    if found is not None:
        raise DemoFolderError(found)


def build_demo(
    out: str | Path,
    *,
    units: int = 3,
    people: int = 20,
    seed: int = 2569,
    round_id: str = "2570/1",
    messy: bool = False,
    rules: Rules | None = None,
    carried: tuple[list[dict[str, Any]], list[dict[str, Any]]] | None = None,
    archive_db: str = "",
    later: int = 0,
) -> DemoResult:
    """Write the demo organisation into ``out`` (replacing an earlier demo there).

    Raises :class:`DemoFolderError` (``demo.not_empty``), touching nothing, when ``out``
    holds anything but an earlier demo (:func:`demo_folder_finding`).

    ``carried``: the (units, roster) of a later round (:func:`build_rounds`) instead of
    a new organisation drawn from ``seed``; ``seed`` still draws the evaluations.
    ``archive_db``: the master's Config value (the rounds' archive; blank: beside it).
    ``later``: the n-th round after the first (:func:`evaluation`'s ``nudge`` drawn
    from ``seed + later``; 0: the first round, nothing nudged).
    """
    out = Path(out)
    _refuse_unless_demo(out)
    return _build_demo(
        out,
        units=units,
        people=people,
        seed=seed,
        round_id=round_id,
        messy=messy,
        rules=rules,
        carried=carried,
        archive_db=archive_db,
        later=later,
    )


def _build_demo(
    out: Path,
    *,
    units: int,
    people: int,
    seed: int,
    round_id: str,
    messy: bool,
    rules: Rules | None,
    carried: tuple[list[dict[str, Any]], list[dict[str, Any]]] | None,
    archive_db: str,
    later: int,
) -> DemoResult:
    """:func:`build_demo` into a folder already found to be the demo's."""
    rules = rules or default_rules()
    round_: Round = parse_round(round_id)
    sealed_at = datetime.combine(round_.start, datetime.min.time(), tzinfo=UTC)
    for sub in ("units", "personal"):
        shutil.rmtree(out / sub, ignore_errors=True)
    if carried is None:
        unit_rows, roster = demo_people(units, people, seed, rules)
    else:
        unit_rows, roster = [dict(u) for u in carried[0]], [dict(p) for p in carried[1]]
        units = len(unit_rows)
    rng = random.Random(seed + 1)
    nudge = random.Random(seed + later) if later else None
    missing = roster[-1]["person_id"] if messy else None
    personal_paths: dict[str, list[Path]] = {u["unit_code"]: [] for u in unit_rows}
    strategy = demo_strategy(unit_rows, round_.fiscal_year)
    unit_kpis: dict[str, list[dict[str, Any]]] = {}
    for k in strategy[M.UNIT_KPIS]:
        unit_kpis.setdefault(k["unit"], []).append({"code": k["code"], "name": k["name"]})
    holders = strategy[M.KPI_HOLDERS]
    for number, person in enumerate(roster):
        kpis, actuals, _ = evaluation(rng, person["unit"], number // units, nudge)
        holders += person_holders(person["person_id"], kpis)
        data = personal_data_for(
            person,
            rules=rules,
            round_=round_,
            kpis=kpis,
            unit_kpis=unit_kpis[person["unit"]],
            unit=next(u for u in unit_rows if u["unit_code"] == person["unit"]),
        )
        data.actuals = actuals
        data.ratings = [
            rng.choices([2, 3, 4, 5], weights=[1, 4, 5, 2])[0] for _ in data.competencies
        ]
        if person["person_id"] == missing:
            continue  # on the roster, but the workbook never arrives
        path = out / "personal" / person["unit"] / file_name(round_, person)
        write_personal(path, data, rules=rules)
        seal_personal(path, now=sealed_at)
        discard_backups(path)
        personal_paths[person["unit"]].append(path)
    if messy:
        _mess_up_personal(personal_paths, rng)
    shares = pool_for(pd.DataFrame(roster), rules=rules, unit_shares=True)
    unit_paths = []
    for unit in unit_rows:
        code = unit["unit_code"]
        members = [p for p in roster if p["unit"] == code]
        share = shares[(shares["unit"] == code)]["pool"].sum()
        rows = [
            {
                k: p.get(k)
                for k in (
                    "person_id",
                    "name",
                    "position",
                    "position_no",
                    "level_code",
                    "salary",
                    "probation",
                )
            }
            | {"pool_group": rules.pool_group_of(p["level_code"])}
            for p in members
        ]
        path = out / "units" / f"{code}.xlsx"
        write_unit(
            path,
            UnitData(str(round_), code, unit["unit_name"], rows, pool_share=Decimal(share)),
            rules=rules,
        )
        collect(path, out / "personal" / code, rules=rules)
        _propose(path, members, Decimal(share), rules)
        discard_backups(path)  # built from nothing: its earlier versions are no one's work
        unit_paths.append(path)
    if messy:
        unit_paths = _mess_up_units(unit_paths, rng)
    master = out / "master.xlsx"
    config = {
        "round_id": str(round_),
        "organisation": ORGANISATION,
        "units_folder": "units",
        "personal_folder": "personal",
        "mail_from": MAIL_FROM,
        **due_dates(round_),
    }
    if archive_db:
        config["archive_db"] = archive_db
    if messy:
        _mess_up_addresses(unit_rows, roster)
    write_bytes_atomic(
        master,
        master_bytes(
            rules=rules,
            organisation=ORGANISATION,
            config=config,
            units=unit_rows,
            roster=roster,
            strategy=strategy,
        ),
    )
    return DemoResult(
        master,
        unit_paths,
        [p for paths in personal_paths.values() for p in paths],
        unit_rows,
        roster,
    )


@dataclass
class RoundsResult:
    demos: list[DemoResult] = field(default_factory=list)
    archived: list[Any] = field(default_factory=list)  # ArchiveResult per round
    findings: list[Any] = field(default_factory=list)  # what stopped the rounds, if any
    db: Path | None = None

    @property
    def exit_code(self) -> int:
        return 1 if self.findings else 0


def build_rounds(
    out: str | Path,
    rounds: int,
    *,
    units: int = 3,
    people: int = 20,
    seed: int = 2569,
    round_id: str = "2570/1",
    rules: Rules | None = None,
) -> RoundsResult:
    """``rounds`` consecutive demo rounds in ``out/<round slug>/``, each consolidated and
    archived into ``out/kpixl.db``; each later round is built from the master
    :func:`kpixl.jobs.next_round.next_round` makes of the archived previous round (its
    units and the roster's salaries: the archived new salaries), its evaluations the
    first round's nudged with the seed ``seed + n`` for the n-th round after the first
    (people keep their KPIs and roughly their results).

    An earlier demo in ``out`` (:func:`demo_folder_finding`) is replaced: its round
    sub-folders and ``out/kpixl.db`` are removed first, so a rerun with other parameters
    archives afresh; anything else in ``out`` raises :class:`DemoFolderError`, touching
    nothing."""
    from kpixl.core.findings import ERROR
    from kpixl.jobs.archive import archive_master
    from kpixl.jobs.consolidate import consolidate
    from kpixl.jobs.next_round import following, next_round

    out = Path(out)
    _refuse_unless_demo(out)
    result = RoundsResult(db=out / "kpixl.db")
    round_ = parse_round(round_id)
    if out.is_dir():  # an earlier demo's (checked): its rounds and their archive go
        for entry in out.iterdir():
            if entry.name in _DB_FILES:
                entry.unlink()
            elif entry.is_dir() and _ROUND_FOLDER.fullmatch(entry.name):
                shutil.rmtree(entry)
    carried: tuple[list[dict[str, Any]], list[dict[str, Any]]] | None = None
    for n in range(rounds):
        folder = out / round_.slug
        demo = _build_demo(
            folder,
            units=units,
            people=people,
            seed=seed,
            round_id=str(round_),
            messy=False,
            rules=rules,
            carried=carried,
            later=n,
            archive_db="../kpixl.db",  # DIR/kpixl.db, seen from DIR/<round>
        )
        result.demos.append(demo)
        consolidate(demo.master)
        archived = archive_master(demo.master, db=str(result.db))
        result.archived.append(archived)
        if archived.exit_code:
            result.findings.extend(f for f in archived.findings if f.severity == ERROR)
            return result
        if n == rounds - 1:
            break
        round_ = following(round_)
        nxt_folder = out / round_.slug
        nxt_folder.mkdir(parents=True, exist_ok=True)
        nxt = next_round(demo.master, nxt_folder, db=str(result.db))
        if nxt.exit_code:
            result.findings.extend(f for f in nxt.findings if f.severity == ERROR)
            return result
        salary = {p["person_id"]: p["salary"] for p in nxt.roster}
        carried = (
            demo.unit_rows,
            [p | {"salary": salary.get(p["person_id"], p["salary"])} for p in demo.roster],
        )
    return result


def due_dates(round_: Round) -> dict[str, str]:
    """The demo round's due dates as HR types them in Config: the signed agreement a
    month into the round, the evaluation three weeks before it ends (``31/10/2569``,
    ``10/3/2570`` for round 2570/1)."""
    start = round_.start
    end = date(start.year + (start.month + 5) // 12, (start.month + 5) % 12 + 1, 1)
    agreement, evaluation = start + timedelta(days=30), end - timedelta(days=22)
    return {
        "agreement_due": _typed(agreement),
        "evaluation_due": _typed(evaluation),
    }


def _typed(day: date) -> str:
    return f"{day.day}/{day.month}/{day.year + BUDDHIST_ERA}"


def _mess_up_addresses(units: list[dict[str, Any]], roster: list[dict[str, Any]]) -> None:
    """What HR's copied e-mail lists bring: a comma for a dot, two people with one
    address (a shared mailbox), a head's cell holding a name and an address."""
    if len(roster) < 4:
        return
    roster[-4]["email"] = str(roster[-4]["email"]).replace(
        f"@{DOMAIN}", f"@{DOMAIN}".replace(".", ",")
    )
    roster[-2]["email"] = roster[-3]["email"]
    head = units[-1]
    if head["head_email"]:
        head["head_email"] = f"{head['head']} {head['head_email']}"


def _propose(path: Path, members: list[dict[str, Any]], share: Decimal, rules: Rules) -> None:
    """The unit head's proposed % per person: an allocation inside the unit's share."""
    form = read_unit(path)
    people = form.people.copy()
    people["person_id"] = people["person_id"].astype(str)
    scored = people[people["total"].notna()]
    pct: dict[str, Any] = {}
    if not scored.empty:
        by_id = {m["person_id"]: m for m in members}
        frame = pd.DataFrame(
            {
                "person_id": list(scored["person_id"]),
                "level_code": list(scored["level_code"]),
                "salary": list(scored["salary"]),
                "total": [str(t) for t in scored["total"]],
                "late_times": [by_id.get(pid, {}).get("late_times") for pid in scored["person_id"]],
            }
        )
        rows = allocate(frame, share, rules=rules).rows
        pct = dict(zip(rows["person_id"], rows["pct"], strict=True))
    records = []
    for r in form.people.to_dict("records"):
        record = {str(k): v for k, v in r.items() if not str(k).startswith("_")}
        record["person_id"] = str(record["person_id"])
        record["pct"] = pct.get(record["person_id"])
        records.append(record)
    data = UnitData(
        round_id=str(form.meta.get("round_id")),
        unit_code=str(form.meta.get("unit_code")),
        unit_name=str(form.meta.get("unit_name")),
        people=records,
        kpis=[
            {str(k): v for k, v in r.items() if not str(k).startswith("_")}
            for r in form.kpis.to_dict("records")
        ],
        competencies=[
            {str(k): v for k, v in r.items() if not str(k).startswith("_")}
            for r in form.competencies.to_dict("records")
        ],
        findings=[],
        pool_share=share,
        revision=int(form.meta.get("revision") or 1),
    )
    data.findings = carried_findings(form.carried)
    write_unit(path, data, rules=rules)


def _mess_up_personal(paths: dict[str, list[Path]], rng: random.Random) -> None:
    """Realistic trouble in the personal workbooks of the first unit."""
    import openpyxl

    from kpixl.workbooks import personal_layout as PL

    files = next(iter(paths.values()))
    if len(files) < 4:
        return
    # a duplicate: an older copy sent again under another name
    copy = files[0].with_name("สำเนา " + files[0].name)
    shutil.copy2(files[0], copy)
    wb = openpyxl.load_workbook(copy)
    wb[PL.HIDDEN][PL.meta_cell("revision")] = 1
    wb.save(copy)
    # a renamed file: recognised by its metadata, not its name
    renamed = files[1].with_name("แบบประเมิน_ฉบับแก้ไขล่าสุด.xlsx")
    files[1].rename(renamed)
    files[1] = renamed
    # an overwritten formula and Thai digits in an actual result
    wb = openpyxl.load_workbook(files[2])
    wb[PL.SUMMARY][f"{PL.SUM_WEIGHTED_COL}{PL.SUM_ROWS['total']}"] = 99
    wb[PL.ACHIEVEMENT][f"E{PL.ACH_FIRST}"] = "๓"
    wb.save(files[2])
    # a sealed agreement changed afterwards
    wb = openpyxl.load_workbook(files[3])
    ws = wb[PL.AGREEMENT]
    ws[PL.kpi_cell("weight", 0)] = (ws[PL.kpi_cell("weight", 0)].value or 0) + 5
    ws[PL.kpi_cell("weight", 1)] = (ws[PL.kpi_cell("weight", 1)].value or 0) - 5
    wb.save(files[3])
    files.append(copy)


def _mess_up_units(paths: list[Path], rng: random.Random) -> list[Path]:
    """A corrupt file, a renamed unit workbook, and Thai digits in a proposed %."""
    broken = paths[0].with_name("ไฟล์เสีย.xlsx")
    data = paths[0].read_bytes()
    broken.write_bytes(data[: len(data) // 3])
    renamed = paths[-1].with_name(f"{paths[-1].stem}_final_แก้ไข.xlsx")
    paths[-1].rename(renamed)
    paths[-1] = renamed
    return [*paths, broken]
