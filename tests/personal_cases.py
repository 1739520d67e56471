"""Generated personal-workbook cases shared by the workbook tests."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from kpixl.core.rules import Rules, load_rules
from kpixl.workbooks.personal import PersonalData

CORE = [
    "การมุ่งผลสัมฤทธิ์",
    "บริการที่ดี",
    "การสั่งสมความเชี่ยวชาญในงานอาชีพ",
    "การยึดมั่นในความถูกต้องชอบธรรมและจริยธรรม",
    "การทำงานเป็นทีม",
]


def national_id(first12: str) -> str:
    digits = [int(c) for c in first12]
    return first12 + str((11 - sum(d * (13 - i) for i, d in enumerate(digits)) % 11) % 10)


def rules_for(tmp: Path, method: str, competency_method: str) -> Rules:
    if (method, competency_method) == ("linear", "rating"):
        return load_rules()
    path = tmp / f"rules-{method}-{competency_method}.toml"
    path.write_text(
        f'[kpi]\nscoring_method = "{method}"\n[competency]\nmethod = "{competency_method}"\n',
        encoding="utf-8",
    )
    return load_rules(path)


def split_weights(n: int, rng: random.Random) -> list[int]:
    cuts = sorted(rng.sample(range(5, 96, 5), n - 1))
    bounds = [0, *cuts, 100]
    return [b - a for a, b in itertools.pairwise(bounds)]


@dataclass
class Case:
    name: str
    data: PersonalData
    method: str
    competency_method: str


def person(i: int, probation: bool = False) -> dict[str, object]:
    return {
        "name": f"นางสาวทดสอบ ลำดับ{i}",
        "person_id": national_id(f"3101700{i:05d}"),
        "position": "นักทรัพยากรบุคคล",
        "position_no": str(100 + i),
        "level_title": "วิชาการ ชำนาญการ",
        "level_code": "K2",
        "unit": "กลุ่มบริหารทรัพยากรบุคคล",
        "unit_code": "HR",
        "evaluator": "นายหัวหน้า ตัวอย่าง",
        "probation": probation,
    }


def random_case(i: int, method: str, competency_method: str, probation: bool) -> Case:
    rng = random.Random(1000 + i)
    n = rng.randint(1, 7)
    weights = split_weights(n, rng)
    kpis, actuals = [], []
    for k in range(n):
        kind = rng.choice(["quantitative", "quantitative", "milestone"])
        row: dict[str, object] = {
            "kpi_code": f"P{i}-{k + 1}",
            "kpi_name": f"ตัวชี้วัดทดสอบที่ {k + 1}",
            "kind": kind,
            "weight": weights[k],
            "category": rng.choice(["strategic", "mission", "assigned"]),
        }
        if kind == "quantitative":
            start = Decimal(rng.randint(0, 200)) / rng.choice([1, 10])
            step = Decimal(rng.randint(1, 40)) / rng.choice([1, 4])
            levels = [start + step * j for j in range(5)]
            direction = rng.choice(["higher", "lower"])
            if direction == "lower":
                levels.reverse()
            row.update(direction=direction, unit="หน่วย")
            row.update({f"l{j + 1}": levels[j] for j in range(5)})
            low, high = min(levels) - step, max(levels) + step
            actual = low + (high - low) * Decimal(rng.randint(0, 1000)) / 1000
            actuals.append(actual.quantize(Decimal("0.01")))
        else:
            row.update(unit="ระดับ")
            actuals.append(rng.randint(0, 5))
        kpis.append(row)
    comps = CORE[: rng.randint(3, 5)]
    cweights = split_weights(len(comps), rng)
    competencies = [
        {"competency": c, "expected": rng.randint(1, 4), "weight": w}
        for c, w in zip(comps, cweights, strict=True)
    ]
    if competency_method == "gap":
        ratings = [rng.randint(0, 5) for _ in comps]
    else:
        ratings = [rng.randint(1, 5) for _ in comps]
    data = PersonalData(
        round_id="2570/1",
        person=person(i, probation),
        kpis=kpis,
        competencies=competencies,
        actuals=actuals,
        ratings=ratings,
    )
    return Case(
        f"case{i:02d}-{method}-{competency_method}{'-probation' if probation else ''}",
        data,
        method,
        competency_method,
    )


def edge_case(i: int, achievement_levels: list[int], ratings: list[int], name: str) -> Case:
    """KPIs scored exactly at a level, so totals land on band edges."""
    n = len(achievement_levels)
    weight = 100 // n
    weights = [weight] * (n - 1) + [100 - weight * (n - 1)]
    kpis = [
        {
            "kpi_code": f"E{i}-{k}",
            "kpi_name": "ตัวชี้วัดขอบระดับ",
            "kind": "quantitative",
            "direction": "higher",
            "unit": "ร้อยละ",
            "l1": 60,
            "l2": 70,
            "l3": 80,
            "l4": 90,
            "l5": 100,
            "weight": weights[k],
        }
        for k in range(n)
    ]
    actuals = [50 + 10 * level for level in achievement_levels]
    competencies = [{"competency": c, "expected": 3, "weight": 20} for c in CORE]
    data = PersonalData(
        round_id="2570/1",
        person=person(i),
        kpis=kpis,
        competencies=competencies,
        actuals=actuals,
        ratings=ratings,
    )
    return Case(f"edge{i:02d}-{name}", data, "linear", "rating")


def all_cases() -> list[Case]:
    cases = []
    i = 0
    for method in ("linear", "level"):
        for competency_method in ("rating", "gap"):
            for probation in (False, True):
                for _ in range(3):
                    i += 1
                    cases.append(random_case(i, method, competency_method, probation))
    # band edges: achievement × 0.7 + competency × 0.3
    edges = [
        ([5, 5], [5, 5, 5, 5, 5], "100"),
        ([4, 5], [5, 4, 5, 4, 5], "90-ish"),
        ([4, 4], [4, 4, 4, 4, 4], "80"),
        ([3, 4], [4, 4, 3, 4, 3], "72"),
        ([3, 3], [3, 3, 3, 3, 3], "60"),
        ([2, 3], [3, 3, 3, 3, 2], "below-60"),
        ([0, 0], [1, 1, 1, 1, 1], "zero-kpis"),
    ]
    for achievement, ratings, name in edges:
        i += 1
        cases.append(edge_case(i, achievement, ratings, name))
    return cases
