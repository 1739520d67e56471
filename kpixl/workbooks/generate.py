"""Generating the round's personal workbooks from a roster, quickly.

The template is read once per process; each person's workbook is the template with
their cells patched in. With ``jobs > 1`` the people are shared among processes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from kpixl.core.rounds import Round
from kpixl.core.rules import Rules, default_rules
from kpixl.workbooks.personal import PersonalData, template_package, write_personal
from kpixl.workbooks.personal_template import NO, YES

__all__ = ["file_name", "generate_personal", "personal_data_for"]

_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')
CORE_GROUP = "สมรรถนะหลัก"
MANAGERIAL_GROUP = "สมรรถนะทางการบริหาร"


def file_name(round_: Round, person: Mapping[str, Any]) -> str:
    """``2570-1_1101700123458_สมใจ-ใจดี.xlsx``: by round, person id and name."""
    name = _UNSAFE.sub("-", str(person.get("name") or "")).strip("-")
    return f"{round_.slug}_{person['person_id']}{'_' + name if name else ''}.xlsx"


def _weights(n: int) -> list[int]:
    base, extra = divmod(100, n)
    return [base + (1 if i < extra else 0) for i in range(n)]


def personal_data_for(
    person: Mapping[str, Any],
    *,
    rules: Rules,
    round_: Round,
    kpis: Sequence[Mapping[str, Any]] = (),
) -> PersonalData:
    """The prefilled content of one person's workbook (identity, competencies, drafts)."""
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
        "unit": person.get("unit"),
        "unit_code": person.get("unit_code") or person.get("unit"),
        "evaluator": person.get("evaluator"),
        "probation": YES if person.get("probation") is True else NO,
    }
    return PersonalData(round_id=str(round_), person=identity, kpis=kpis, competencies=competencies)


def _write_chunk(args: tuple[list[dict[str, Any]], str, str, str | None]) -> list[str]:
    people, out_dir, round_text, rules_path = args
    from kpixl.core.rounds import parse_round
    from kpixl.core.rules import load_rules

    rules = load_rules(rules_path) if rules_path else default_rules()
    round_ = parse_round(round_text)
    template = template_package()
    written = []
    for person in people:
        target = Path(out_dir) / file_name(round_, person)
        write_personal(
            target,
            personal_data_for(person, rules=rules, round_=round_),
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
) -> list[Path]:
    """Write one personal workbook per person into ``out_dir``; returns their paths.

    ``rules_path`` (the agency file) is what worker processes load; ``rules`` is used
    in this process when ``jobs == 1``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = [dict(p) for p in people]
    if jobs <= 1 or len(rows) < 200:
        rules = rules or default_rules()
        template = template_package()
        paths = []
        for person in rows:
            target = out / file_name(round_, person)
            write_personal(
                target,
                personal_data_for(person, rules=rules, round_=round_),
                rules=rules,
                template=template,
            )
            paths.append(target)
        return paths
    size = -(-len(rows) // (jobs * 4))
    chunks = [
        (rows[i : i + size], str(out), str(round_), str(rules_path) if rules_path else None)
        for i in range(0, len(rows), size)
    ]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return [Path(p) for chunk in pool.map(_write_chunk, chunks) for p in chunk]
