"""Generating the round's personal workbooks from a roster, quickly.

The template is read once per process; each person's workbook is the template with
their cells patched in. With ``jobs > 1`` the people are shared among processes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from kpixl.core.cascade import holdings
from kpixl.core.findings import Finding
from kpixl.core.kpi_library import load_library
from kpixl.core.rounds import Round
from kpixl.core.rules import Rules, default_rules
from kpixl.core.text import column_letter, text_of
from kpixl.io.paths import safe_child
from kpixl.io.workers import start_pool
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.personal import PersonalData, template_package, write_personal
from kpixl.workbooks.personal_layout import KPI_ROWS
from kpixl.workbooks.personal_template import NO, YES

__all__ = [
    "Carried",
    "carried_kpis",
    "file_name",
    "generate_personal",
    "holder_columns",
    "personal_data_for",
]

_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')
CORE_GROUP = "สมรรถนะหลัก"
MANAGERIAL_GROUP = "สมรรถนะทางการบริหาร"


NAME_CHARS = 40  # of a person's name in their workbook's file name


def file_name(round_: Round, person: Mapping[str, Any]) -> str:
    """``2570-1_1101700123458_สมใจ-ใจดี.xlsx``: by round, person id and name (its first
    ``NAME_CHARS`` characters: a pasted 300-character name must not make a file name
    longer than the file system takes, nor a Windows path over 260)."""
    name = _UNSAFE.sub("-", str(person.get("name") or "")).strip("-")[:NAME_CHARS].rstrip("-")
    return f"{round_.slug}_{person['person_id']}{'_' + name if name else ''}.xlsx"


def _weights(n: int) -> list[int]:
    base, extra = divmod(100, n)
    return [base + (1 if i < extra else 0) for i in range(n)]


def holder_columns() -> dict[str, str]:
    """The KPIHolders sheet's field → column letter (for findings' cells)."""
    return {name: column_letter(i) for i, name in enumerate(M.HOLDER_COLUMNS)}


@dataclass
class Carried:
    """What the master's strategy gives each person's workbook (see :func:`carried_kpis`)."""

    drafts: dict[str, list[dict[str, Any]]]  # person id → draft KPI rows
    unit_kpis: dict[str, list[dict[str, Any]]]  # unit code → its KPIs (parent-code list)
    findings: list[Finding] = field(default_factory=list)


def carried_kpis(strategy: Mapping[str, pd.DataFrame], *, max_rows: int = KPI_ROWS) -> Carried:
    """What the master's strategy gives each person's workbook.

    The drafts: per person, one row for each unit KPI the KPIHolders sheet assigns them
    (a KPI given twice is drafted once, with the weights added), at most ``max_rows``
    (the form's KPI rows), their weights adding up to 100 (scaled when the sheet's do
    not); each departure from the sheet is a finding (:func:`kpixl.core.cascade.holdings`).
    A draft carries the unit KPI's name, kind, direction, unit of measure (from its KPI
    card) and five levels (a library KPI's five level descriptions too: a unit KPI of
    the library's name), its code as the parent code, and the weight; the person and
    their supervisor edit it like any other row. Also the unit code → the unit's KPIs,
    for the parent-code list.
    """
    units = strategy.get(M.UNIT_KPIS, pd.DataFrame(columns=M.UNIT_KPI_COLUMNS))
    cards = strategy.get(M.KPI_CARDS, pd.DataFrame(columns=M.CARD_COLUMNS))
    holders = strategy.get(M.KPI_HOLDERS, pd.DataFrame(columns=M.HOLDER_COLUMNS))
    by_code = {text_of(r["code"]): r for r in units.to_dict("records") if text_of(r.get("code"))}
    measure = {text_of(c["code"]): c.get("unit_of_measure") for c in cards.to_dict("records")}
    per_unit: dict[str, list[dict[str, Any]]] = {}
    for code, r in by_code.items():
        per_unit.setdefault(text_of(r.get("unit")), []).append(
            {"code": code, "name": text_of(r.get("name"))}
        )
    held = holdings(holders, set(by_code), max_rows=max_rows, columns=holder_columns())
    drafts: dict[str, list[dict[str, Any]]] = {}
    for pid, kpis in held.kpis.items():
        for code, weight in kpis:
            unit_kpi = by_code[code]
            levels = {f"l{i}": unit_kpi.get(f"l{i}") for i in range(1, 6)}
            drafts.setdefault(pid, []).append(
                {
                    "kpi_code": f"{code}-I",
                    "kpi_name": text_of(unit_kpi.get("name")) or None,
                    "kind": text_of(unit_kpi.get("kind")) or None,
                    "direction": text_of(unit_kpi.get("direction")) or None,
                    "unit": text_of(measure.get(code)) or None,
                    **{k: (None if text_of(v) == "" else v) for k, v in levels.items()},
                    "weight": int(weight) if weight == weight.to_integral_value() else weight,
                    "parent_code": code,
                    "category": "strategic",
                    "milestones": _library_steps().get(text_of(unit_kpi.get("name"))),
                }
            )
    return Carried(drafts, per_unit, [*held.findings, *held.rescaled])


@lru_cache(maxsize=1)
def _library_steps() -> dict[str, tuple[str, ...]]:
    """The shipped KPI library's level descriptions by KPI name: a unit KPI taken from
    the library drafts with its five steps."""
    library = load_library()
    return {
        str(name): steps
        for name, steps in zip(library["name"], library["milestones"], strict=True)
        if isinstance(steps, tuple)
    }


def personal_data_for(
    person: Mapping[str, Any],
    *,
    rules: Rules,
    round_: Round,
    kpis: Sequence[Mapping[str, Any]] = (),
    unit_kpis: Sequence[Mapping[str, Any]] = (),
    unit: Mapping[str, Any] | None = None,
) -> PersonalData:
    """The prefilled content of one person's workbook (identity, competencies, drafts).

    ``unit`` is the person's row of the master's Units sheet (``unit_code``,
    ``unit_name``, ``head``), when known: the form then shows the unit's name beside its
    code, and the unit head's name as the evaluator with the roster's ผู้ประเมิน as the
    evaluator's position (the roster names the evaluator by position).
    """
    code = str(person.get("level_code") or "")
    level = rules.salary_table.levels.get(code)
    position_type = level.type if level else str(person.get("type") or "")
    names = rules.competencies_for(position_type)
    expected = rules.expected_levels.get(code)
    weights = _weights(len(names)) if names else []
    competencies = [
        {
            "group": CORE_GROUP if name in rules.core_competencies else MANAGERIAL_GROUP,
            "competency": name,
            "expected": expected,
            "weight": weight,
        }
        for name, weight in zip(names, weights, strict=True)
    ]
    identity = {
        "name": person.get("name"),
        "person_id": person.get("person_id"),
        "position": person.get("position"),
        "position_no": person.get("position_no"),
        "level_title": level.title if level else None,
        "level_code": code or None,
        **unit_identity(person, unit),
        "probation": YES if person.get("probation") is True else NO,
    }
    return PersonalData(
        round_id=str(round_),
        person=identity,
        kpis=kpis,
        competencies=competencies,
        unit_kpis=unit_kpis,
    )


def unit_identity(person: Mapping[str, Any], unit: Mapping[str, Any] | None) -> dict[str, Any]:
    """The identity's unit and evaluator fields (see :func:`personal_data_for`); the
    result notices name the evaluator the same way."""
    code = text_of(person.get("unit_code") or person.get("unit"))
    unit = unit or {}
    name = text_of(unit.get("unit_name"))
    head = text_of(unit.get("head"))
    evaluator = text_of(person.get("evaluator"))
    is_head = head != "" and head == text_of(person.get("name"))
    if head and evaluator and not is_head:  # the roster gives the position; the head's name
        who, position = head, evaluator
    else:
        who, position = evaluator, ""
    return {
        "unit": name or code or None,
        "unit_code": code or None,
        "evaluator": who or None,
        "evaluator_position": position or None,
    }


def _data(person: Mapping[str, Any], rules: Rules, round_: Round) -> PersonalData:
    return personal_data_for(
        person,
        rules=rules,
        round_=round_,
        kpis=person.get("_kpis") or (),
        unit_kpis=person.get("_unit_kpis") or (),
        unit=person.get("_unit"),
    )


def _write_chunk(args: tuple[list[dict[str, Any]], str, str, str | None]) -> list[str]:
    people, out_dir, round_text, rules_path = args
    from kpixl.core.rounds import parse_round
    from kpixl.core.rules import load_rules

    rules = load_rules(rules_path) if rules_path else default_rules()
    round_ = parse_round(round_text)
    template = template_package()
    written = []
    for person in people:
        target = safe_child(out_dir, file_name(round_, person))
        write_personal(
            target,
            _data(person, rules, round_),
            rules=rules,
            template=template,
        )
        written.append(str(target))
    return written


def generate_personal(
    people: Sequence[Mapping[str, Any]],
    out_dir: str | Path,
    *,
    round_: Round,
    rules: Rules | None = None,
    rules_path: str | Path | None = None,
    jobs: int = 1,
    strategy: Mapping[str, pd.DataFrame] | None = None,
    units: pd.DataFrame | None = None,
    overwrite: bool = False,
) -> list[Path]:
    """Write one personal workbook per person into ``out_dir``; returns their paths.

    ``rules_path`` (the agency file) is what worker processes load; ``rules`` is used
    in this process when ``jobs == 1``. With the master's ``strategy`` each workbook
    gets the unit KPIs its person carries as draft rows and the unit's KPIs as the
    parent-code list (see :func:`carried_kpis`). A workbook already there is kept as it
    is (someone may have filled it in) unless ``overwrite``; it is not in the result.
    With the master's ``units`` (its Units sheet) each form shows its unit's name and
    the unit head as the evaluator.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = [
        dict(p) for p in people if overwrite or not safe_child(out, file_name(round_, p)).exists()
    ]
    if strategy is not None:
        carried = carried_kpis(strategy)
        for row in rows:
            row["_kpis"] = carried.drafts.get(text_of(row.get("person_id")), [])
            unit = text_of(row.get("unit_code") or row.get("unit"))
            row["_unit_kpis"] = carried.unit_kpis.get(unit, [])
    if units is not None and len(units):
        by_code = {text_of(u.get("unit_code")): u for u in units.to_dict("records")}
        for row in rows:
            row["_unit"] = by_code.get(text_of(row.get("unit_code") or row.get("unit")))
    if jobs <= 1 or len(rows) < 200:
        rules = rules or default_rules()
        template = template_package()
        paths = []
        for person in rows:
            target = safe_child(out, file_name(round_, person))
            write_personal(target, _data(person, rules, round_), rules=rules, template=template)
            paths.append(target)
        return paths
    size = -(-len(rows) // (jobs * 4))
    chunks = [
        (rows[i : i + size], str(out), str(round_), str(rules_path) if rules_path else None)
        for i in range(0, len(rows), size)
    ]
    with start_pool(jobs) as pool:  # workers die with this process; KPIXL_START_METHOD
        return [Path(p) for chunk in pool.map(_write_chunk, chunks) for p in chunk]
