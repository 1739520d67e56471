"""KPI cards (บัตรรายละเอียดตัวชี้วัด, the seed's "KPI Template"), one per KPI.

Every KPI at every level has a card (SPEC §7): its name and code, what it means, why it
is measured, how it is computed, its unit of measure and how often it is collected,
the baseline and the target each with its fiscal year (ข้อมูลพื้นฐาน ปีงบประมาณ 2569,
ค่าเป้าหมาย ปีงบประมาณ 2570), who set the target, its weight, who owns it, who collects
its data and how, and a table of its results by quarter of the fiscal year.

:func:`strategy_cards` makes the cards of the organisation's and the units' KPIs from
the master's strategy tables (OrgKPIs, UnitKPIs and the KPICards rows, matched by code:
the KPI's own table gives its name, target and levels, the card row the rest);
:func:`person_cards` makes the cards of individual KPIs (from the unit workbooks): the
person, the KPI's five levels, its parent KPI and weight, the round's result. A field
nobody filled in is blank (the printed card leaves a line to write on).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd

from kpixl.core.cascade import DERIVATIONS
from kpixl.core.numbers import parse_number
from kpixl.core.text import text_of
from kpixl.core.vocab import CATEGORIES, DIRECTIONS, KINDS

__all__ = [
    "LEVELS",
    "QUARTERS",
    "Card",
    "Row",
    "person_cards",
    "shown",
    "strategy_cards",
    "with_measure",
]

LEVELS = {  # a card's level → its Thai name
    "org": "ตัวชี้วัดระดับองค์การ",
    "unit": "ตัวชี้วัดระดับหน่วยงาน",
    "person": "ตัวชี้วัดระดับบุคคล",
}
# the fiscal year's quarters: name and months (fiscal year 2570 starts on 1 October 2569)
QUARTERS = (
    ("ไตรมาส 1", "ต.ค.–ธ.ค."),
    ("ไตรมาส 2", "ม.ค.–มี.ค."),
    ("ไตรมาส 3", "เม.ย.–มิ.ย."),
    ("ไตรมาส 4", "ก.ค.–ก.ย."),
)


Row = tuple[tuple[str, str], ...]  # a printed row: one (label, text) field or two


@dataclass
class Card:
    """One KPI's card, as the printed page lists it (every value already text)."""

    level: str  # a key of LEVELS
    code: str
    name: str
    identity: list[tuple[str, str]]  # where the KPI sits: (label, text)
    details: list[Row]  # the template's fields, in the seed's order; two short ones share a row
    levels: list[str] | None = None  # the five target levels (None: the KPI has none)
    milestone: bool = False  # the levels are steps of success (ขั้นความสำเร็จ)
    kind: str = ""  # how the levels read: ยิ่งมากยิ่งดี, ยิ่งน้อยยิ่งดี, ขั้นความสำเร็จ
    quarters: list[tuple[str, str, str]] = field(default_factory=list)  # name, months, result
    quarter_year: str = ""  # the fiscal year of the quarters (Buddhist era)
    unit: str = ""  # the unit the KPI belongs to (for ordering)
    person_id: str = ""
    signers: list[tuple[str, str]] = field(default_factory=list)  # (name, role) who sign it

    def fields(self) -> dict[str, str]:
        """Every label of the card → its text (identity and details)."""
        return dict([*self.identity, *(f for row in self.details for f in row)])


def shown(value: Any) -> str:
    """A cell's value as the card prints it: numbers without a needless ``.0``, text
    with its own line breaks kept (each line's spaces tidied), blank for nothing."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "ใช่" if value else ""
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return f"{value.to_integral_value():f}"
        return f"{value.normalize():f}"
    lines = [" ".join(line.split()) for line in str(value).splitlines()]
    return "\n".join(line for line in lines if line)


def _year(value: Any, default: int | None) -> str:
    text = text_of(value)
    return text if text else ("" if default is None else str(default))


def _records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    if frame is None or frame.empty:
        return []
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def with_measure(value: str, measure: str) -> str:
    """A number with its unit of measure as Thai writes it: ``ร้อยละ 80``, ``ระดับ 3``
    (the unit first), ``5 วัน`` (after); other text as it is."""
    if not value or not measure or parse_number(value).value is None:
        return value
    return f"{measure} {value}" if measure in ("ร้อยละ", "ระดับ") else f"{value} {measure}"


def _template_fields(
    card: Mapping[str, Any], kpi: Mapping[str, Any], fiscal_year: int | None
) -> list[Row]:
    """The KPI Template's fields (seed 001), top to bottom."""
    target_year = _year(card.get("target_year"), fiscal_year)
    baseline_year = _year(
        card.get("baseline_year"),
        int(target_year) - 1 if target_year.isdigit() else None,
    )
    measure = shown(card.get("unit_of_measure")) or shown(kpi.get("measure"))
    target = shown(kpi.get("target"))
    card_target = shown(card.get("target"))
    if card_target and card_target != target:
        target = f"{target} ({card_target})" if target else card_target
    return [
        (("ความหมายของตัวชี้วัด", shown(card.get("definition"))),),
        (("วัตถุประสงค์ของตัวชี้วัด", shown(card.get("objective"))),),
        (("สูตรในการคำนวณ", shown(card.get("formula"))),),
        (
            ("หน่วยวัด", measure),
            ("น้ำหนัก (ร้อยละ)", shown(card.get("weight")) or shown(kpi.get("weight"))),
        ),
        (("ความถี่ในการจัดเก็บ\nข้อมูลและรายงาน", shown(card.get("frequency"))),),
        (
            (
                "ข้อมูลพื้นฐาน" + (f"\n(ปีงบประมาณ {baseline_year})" if baseline_year else ""),
                with_measure(shown(card.get("baseline")), measure),
            ),
            (
                "ค่าเป้าหมาย" + (f"\n(ปีงบประมาณ {target_year})" if target_year else ""),
                with_measure(target, measure),
            ),
        ),
        (("ผู้กำหนดค่าเป้าหมาย", shown(card.get("target_setter"))),),
        (("ผู้รับผิดชอบตัวชี้วัด", shown(card.get("owner"))),),
        (("ผู้จัดเก็บข้อมูล", shown(card.get("data_collector"))),),
        (("วิธีการจัดเก็บข้อมูล", shown(card.get("collection_process"))),),
    ]


def _quarters(card: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (name, months, shown(card.get(f"q{i}")))
        for i, (name, months) in enumerate(QUARTERS, start=1)
    ]


def _quarter_year(card: Mapping[str, Any], fiscal_year: int | None) -> str:
    return _year(card.get("target_year"), fiscal_year)


def _levels(kpi: Mapping[str, Any]) -> tuple[list[str] | None, bool]:
    milestone = KINDS.code(text_of(kpi.get("kind"))) == "milestone"
    values = [shown(kpi.get(f"l{i}")) for i in range(1, 6)]
    if milestone or any(values):
        return values, milestone
    return None, milestone


def strategy_cards(
    org: pd.DataFrame,
    units: pd.DataFrame,
    cards: pd.DataFrame,
    *,
    unit_names: Mapping[str, str] | None = None,
    fiscal_year: int | None = None,
    os_matrix: pd.DataFrame | None = None,
) -> list[Card]:
    """The cards of the organisation's KPIs, then of each unit's KPIs (in the tables'
    order); a KPI without a KPICards row still gets its card, with the KPI's own fields.
    An organisation KPI's card names its supporting units (role S in ``os_matrix``)."""
    unit_names = unit_names or {}
    supporters: dict[str, list[str]] = {}
    for r in _records(os_matrix):
        if text_of(r.get("role")).upper() in ("S", "SUPPORTER", "สนับสนุน"):
            supporters.setdefault(text_of(r.get("kpi_code")), []).append(text_of(r.get("unit")))
    rows = {text_of(c.get("code")): c for c in _records(cards) if text_of(c.get("code"))}
    names = {
        text_of(k.get("code")): shown(k.get("name")) for k in [*_records(org), *_records(units)]
    }
    out: list[Card] = []
    for kpi in _records(org):
        code = text_of(kpi.get("code"))
        if not code:
            continue
        card = rows.get(code, {})
        owner = text_of(kpi.get("owner_unit"))
        identity = [
            ("มิติ", shown(kpi.get("perspective"))),
            ("เป้าประสงค์", shown(kpi.get("goal"))),
            ("หน่วยงานเจ้าภาพ", _unit(owner, unit_names)),
        ]
        if supporters.get(code):
            names_of = [unit_names.get(u) or u for u in supporters[code]]
            identity.append(("หน่วยงานสนับสนุน", ", ".join(names_of)))
        out.append(
            Card(
                "org",
                code,
                shown(kpi.get("name")) or shown(card.get("name")),
                identity,
                _template_fields(card, kpi, fiscal_year),
                quarters=_quarters(card),
                quarter_year=_quarter_year(card, fiscal_year),
                unit=owner,
            )
        )
    for kpi in _records(units):
        code = text_of(kpi.get("code"))
        if not code:
            continue
        card = rows.get(code, {})
        parent = text_of(kpi.get("parent_code"))
        derivation = text_of(kpi.get("derivation"))
        how = DERIVATIONS.get(derivation, derivation)
        identity = [
            ("หน่วยงาน", _unit(text_of(kpi.get("unit")), unit_names)),
            ("ตัวชี้วัดต้นทาง", _parent(parent, names) + (f" ({how})" if how else "")),
        ]
        levels, milestone = _levels(kpi)
        out.append(
            Card(
                "unit",
                code,
                shown(kpi.get("name")) or shown(card.get("name")),
                identity,
                _template_fields(card, kpi, fiscal_year),
                levels,
                milestone,
                _kind(kpi),
                _quarters(card),
                _quarter_year(card, fiscal_year),
                unit=text_of(kpi.get("unit")),
            )
        )
    return out


def _unit(code: str, unit_names: Mapping[str, str]) -> str:
    name = unit_names.get(code, "")
    return f"{name} ({code})" if name and code else name or code


def _parent(code: str, names: Mapping[str, str]) -> str:
    name = names.get(code, "")
    return f"{code} {name}".strip() if code else "-"


def _kind(kpi: Mapping[str, Any]) -> str:
    """How the levels read: ขั้นความสำเร็จ (steps), or the direction of a number."""
    if KINDS.code(text_of(kpi.get("kind"))) == "milestone":
        return "ขั้นความสำเร็จ"
    direction = DIRECTIONS.code(text_of(kpi.get("direction")))
    return DIRECTIONS.label(direction) if direction else shown(kpi.get("direction"))


def person_cards(
    people: pd.DataFrame,
    *,
    parents: Mapping[str, str],
    unit_names: Mapping[str, str] | None = None,
    evaluators: Mapping[str, tuple[str, str]] | None = None,
    round_label: str = "",
    round_quarters: tuple[int, ...] = (1, 2, 3, 4),
    fiscal_year: int | None = None,
) -> list[Card]:
    """The cards of individual KPIs: ``people`` has a row per KPI (``person_id``,
    ``person_name``, ``position``, ``unit``, ``kpi_code``, ``kpi_name``, ``kind``,
    ``direction``, ``measure``, ``l1``…``l5``, ``weight``, ``parent_code``,
    ``category``, ``actual``); ``parents`` maps a KPI code to its name (the
    organisation's and the units' KPIs); ``evaluators`` a person to the (name, position)
    of who agreed the targets with them (either may be blank). The quarters are the round's (``round_quarters``)."""
    unit_names = unit_names or {}
    evaluators = evaluators or {}
    out: list[Card] = []
    for kpi in _records(people):
        pid = text_of(kpi.get("person_id"))
        unit = text_of(kpi.get("unit"))
        person = shown(kpi.get("person_name"))
        category = CATEGORIES.code(text_of(kpi.get("category")))
        identity = [
            ("ผู้รับการประเมิน", f"{person} ({pid})" if person else pid),
            ("ตำแหน่ง", shown(kpi.get("position"))),
            ("หน่วยงาน", _unit(unit, unit_names)),
            ("ตัวชี้วัดต้นทาง", _parent(text_of(kpi.get("parent_code")), parents)),
        ]
        measure = shown(kpi.get("measure"))
        milestone = KINDS.code(text_of(kpi.get("kind"))) == "milestone"
        target = "ขั้นตอนที่ 3" if milestone else with_measure(shown(kpi.get("l3")), measure)
        details: list[Row] = [
            (
                (
                    "ลักษณะงาน",
                    CATEGORIES.label(category) if category else shown(kpi.get("category")),
                ),
                ("น้ำหนัก (ร้อยละ)", shown(kpi.get("weight"))),
            ),
            (("หน่วยวัด", measure), ("ค่าเป้าหมาย (ระดับ 3)", target)),
            (("ผู้กำหนดค่าเป้าหมาย", _who(evaluators.get(pid))),),
            (("ผู้รับผิดชอบตัวชี้วัด", person),),
            (
                (
                    f"ผลการปฏิบัติงาน\n{round_label}".strip(),
                    with_measure(shown(kpi.get("actual")), measure),
                ),
            ),
        ]
        levels, _ = _levels(kpi)
        out.append(
            Card(
                "person",
                text_of(kpi.get("kpi_code")),
                shown(kpi.get("kpi_name")),
                identity,
                details,
                levels or ["", "", "", "", ""],
                milestone,
                _kind(kpi),
                [(*QUARTERS[q - 1], "") for q in round_quarters],
                "" if fiscal_year is None else str(fiscal_year),
                unit=unit,
                person_id=pid,
                signers=[
                    (person, "ผู้รับการประเมิน"),
                    (
                        shown((evaluators.get(pid) or ("", ""))[0]),
                        shown((evaluators.get(pid) or ("", ""))[1]) or "ผู้ประเมิน",
                    ),
                ],
            )
        )
    return out


def _who(evaluator: tuple[str, str] | None) -> str:
    """``นายสมชาย ใจดี (หัวหน้ากลุ่มงาน…)``, or whichever of the two is known."""
    name, position = (shown(v) for v in (evaluator or ("", "")))
    if name and position and name != position:
        return f"{name} ({position})"
    return name or position
