"""What each table a workbook carries holds: its columns, their types and Thai labels.

These are declarations only. :mod:`kpixl.schemas.models` turns them into pandera
schemas; :mod:`kpixl.schemas.backend` normalises raw cells and maps failures to cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kpixl.core.numbers import PercentStyle
from kpixl.core.vocab import CATEGORIES, DIRECTIONS, KINDS, Vocabulary

__all__ = [
    "AGREEMENT",
    "COMPETENCIES",
    "COMPONENTS",
    "RESULTS",
    "ROSTER",
    "TABLES",
    "Column",
    "TableSpec",
]

ColumnKind = Literal["text", "number", "percent", "whole", "choice", "flag"]


@dataclass(frozen=True)
class Column:
    """One column: canonical name, Thai label, how to read its cells, whether required."""

    name: str
    label: str
    kind: ColumnKind = "text"
    required: bool = True
    vocab: Vocabulary | None = None
    percent_style: PercentStyle = PercentStyle.POINTS


@dataclass(frozen=True)
class TableSpec:
    name: str
    title: str
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


_PERSON = Column("person_id", "เลขประจำตัวประชาชน")
LEVEL_COLUMNS = ("l1", "l2", "l3", "l4", "l5")

AGREEMENT = TableSpec(
    "agreement",
    "ข้อตกลงตัวชี้วัด (KPI agreement)",
    (
        _PERSON,
        Column("kpi_code", "รหัสตัวชี้วัด"),
        Column("kpi_name", "ชื่อตัวชี้วัด"),
        Column("kind", "ประเภทตัวชี้วัด", "choice", vocab=KINDS),
        Column("direction", "ทิศทาง", "choice", required=False, vocab=DIRECTIONS),
        Column("unit", "หน่วยนับ", required=False),
        *(
            Column(name, f"ค่าเป้าหมายระดับ {i}", "number", required=False)
            for i, name in enumerate(LEVEL_COLUMNS, start=1)
        ),
        Column("weight", "น้ำหนัก (ร้อยละ)", "percent"),
        Column("parent_code", "รหัสตัวชี้วัดต้นทาง", required=False),
        Column("category", "ลักษณะงาน", "choice", required=False, vocab=CATEGORIES),
    ),
)

RESULTS = TableSpec(
    "results",
    "ผลการดำเนินงานตามตัวชี้วัด (KPI results)",
    (
        _PERSON,
        Column("kpi_code", "รหัสตัวชี้วัด"),
        Column("actual", "ผลการดำเนินงานจริง", "number", required=False),
    ),
)

COMPETENCIES = TableSpec(
    "competencies",
    "การประเมินสมรรถนะ (competency ratings)",
    (
        _PERSON,
        Column("competency", "สมรรถนะ"),
        Column("expected", "ระดับที่คาดหวัง", "whole", required=False),
        Column("weight", "น้ำหนัก (ร้อยละ)", "percent", required=False),
        Column("rating", "คะแนนประเมิน", "number", required=False),
    ),
)

COMPONENTS = TableSpec(
    "components",
    "น้ำหนักองค์ประกอบการประเมิน (component weights)",
    (
        _PERSON,
        Column("probation", "ทดลองปฏิบัติราชการ", "flag", required=False),
        Column("w_achievement", "น้ำหนักผลสัมฤทธิ์ของงาน", "percent"),
        Column("w_competency", "น้ำหนักสมรรถนะ", "percent"),
        Column("w_other", "น้ำหนักองค์ประกอบอื่น", "percent", required=False),
    ),
)

ROSTER = TableSpec(
    "roster",
    "บัญชีรายชื่อ (roster)",
    (
        _PERSON,
        Column("name", "ชื่อ-สกุล"),
        Column("unit", "หน่วยงาน"),
        Column("unit_code", "รหัสหน่วยงาน", required=False),
        Column("position", "ตำแหน่ง", required=False),
        Column("position_no", "เลขที่ตำแหน่ง", required=False),
        Column("level_code", "รหัสระดับ"),
        Column("salary", "เงินเดือน", "number"),
        Column("pool_group", "กลุ่มวงเงิน", required=False),
        Column("probation", "ทดลองปฏิบัติราชการ", "flag", required=False),
        Column("evaluator", "ผู้ประเมิน", required=False),
        Column("job_line", "สายงาน", required=False),
    ),
)

TABLES = {t.name: t for t in (AGREEMENT, RESULTS, COMPETENCIES, COMPONENTS, ROSTER)}
