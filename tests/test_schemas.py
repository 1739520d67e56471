"""Validation: pandera schemas run lazily, every finding names its file, sheet and cell."""

from __future__ import annotations

import random
from decimal import Decimal

import pandas as pd
import pytest

from kpixl.core.findings import Finding, findings_frame
from kpixl.core.rules import Rules
from kpixl.schemas import Locator, validate_table
from kpixl.schemas.models import _national_ids_ok, national_id_problem

AGREEMENT_COLUMNS = {
    "person_id": "A",
    "kpi_code": "B",
    "kpi_name": "C",
    "kind": "D",
    "direction": "E",
    "unit": "F",
    "l1": "G",
    "l2": "H",
    "l3": "I",
    "l4": "J",
    "l5": "K",
    "weight": "L",
    "parent_code": "M",
    "category": "N",
}
LOC = Locator(file="สมชาย.xlsx", sheet="ข้อตกลง", columns=AGREEMENT_COLUMNS, header_row=4)


def national_id(first12: str) -> str:
    digits = [int(c) for c in first12]
    check = (11 - sum(d * (13 - i) for i, d in enumerate(digits)) % 11) % 10
    return first12 + str(check)


PID = national_id("110170012345")


def kpi(code: str, weight: object, levels: list[object], **extra: object) -> dict[str, object]:
    row: dict[str, object] = {
        "person_id": PID,
        "kpi_code": code,
        "kpi_name": f"ตัวชี้วัด {code}",
        "kind": "เชิงปริมาณ",
        "direction": "ยิ่งมากยิ่งดี",
        "unit": "ร้อยละ",
        "weight": weight,
        "parent_code": "",
        "category": "งานตามภารกิจหลัก",
    }
    row.update({f"l{i}": v for i, v in enumerate(levels, start=1)})
    row.update(extra)
    return row


def by_rule(findings: list[Finding]) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for f in findings:
        out.setdefault(f.rule, []).append(f)
    return out


def test_a_clean_agreement_has_no_findings(rules: Rules) -> None:
    raw = pd.DataFrame(
        [
            kpi("K1", 40, [60, 70, 80, 90, 100]),
            kpi("K2", "35%", ["๑๐", 8, 6, 4, 2], direction="ยิ่งน้อยยิ่งดี"),
            kpi("K3", 25, [None] * 5, kind="เชิงคุณภาพ (ขั้นความสำเร็จ)", direction=None),
        ]
    )
    result = validate_table(raw, "agreement", rules=rules, locator=LOC)
    errors = [f for f in result.findings if f.severity == "error"]
    assert errors == []
    assert [f.rule for f in result.findings] == ["cell.thai_digits"]
    assert result.findings[0].cell == "G6"
    assert list(result.frame["kind"]) == ["quantitative", "quantitative", "milestone"]
    assert result.frame.loc[1, "weight"] == Decimal(35)
    assert result.frame.loc[1, "l1"] == Decimal(10)


def test_every_problem_is_reported_at_once_with_its_cell(rules: Rules) -> None:
    raw = pd.DataFrame(
        [
            kpi("K1", 50, [60, 70, 70, 90, 100]),  # not strictly rising
            kpi("K1", 0, [60, 70, 80, 90, 100]),  # duplicate code, weight 0
            kpi("K3", "#REF!", [1, 2, 3, 4, 5]),  # Excel error
            kpi("K4", "สิบ", [1, 2, 3, 4, 5], direction=None),  # text; no direction
            kpi("K5", 30, [1, None, 3, 4, 5], kind="อื่นๆ"),  # unknown kind
        ]
    )
    result = validate_table(raw, "agreement", rules=rules, locator=LOC)
    found = by_rule(result.findings)
    assert found["kpi.levels_not_monotone"][0].cell == "G5:K5"
    assert found["kpi.code_duplicate"][0].cell == "B6"
    assert found["kpi.weight_not_positive"][0].cell == "L6"
    assert found["cell.excel_error"][0].cell == "L7"
    assert found["cell.excel_error"][0].value == "#REF!"
    assert found["cell.not_a_number"][0].cell == "L8"
    assert found["kpi.direction_missing"][0].cell == "E8"
    assert found["cell.unknown_choice"][0].cell == "D9"
    for f in result.findings:
        assert f.file == "สมชาย.xlsx" and f.sheet == "ข้อตกลง"
        assert f.message_th and f.message_en
        assert f.person_id == PID
    assert not result.ok


def test_weights_must_sum_to_100_per_person(rules: Rules) -> None:
    raw = pd.DataFrame([kpi("K1", 50, [1, 2, 3, 4, 5]), kpi("K2", 40, [1, 2, 3, 4, 5])])
    found = by_rule(validate_table(raw, "agreement", rules=rules, locator=LOC).findings)
    [f] = found["kpi.weights_sum"]
    assert f.cell == "L5:L6"
    assert "90" in f.message_th and "90" in f.message_en


def test_weights_typed_as_fractions_are_read_as_points(rules: Rules) -> None:
    raw = pd.DataFrame([kpi("K1", 0.6, [1, 2, 3, 4, 5]), kpi("K2", 0.4, [1, 2, 3, 4, 5])])
    result = validate_table(raw, "agreement", rules=rules, locator=LOC)
    assert [f.rule for f in result.findings] == ["kpi.weights_as_fraction"]
    assert list(result.frame["weight"]) == [Decimal("60.0"), Decimal("40.0")]


def test_at_most_n_kpis(rules: Rules) -> None:
    raw = pd.DataFrame([kpi(f"K{i}", 10 if i < 9 else 5, [1, 2, 3, 4, 5]) for i in range(11)])
    found = by_rule(validate_table(raw, "agreement", rules=rules, locator=LOC).findings)
    [f] = found["kpi.too_many"]
    assert "11" in f.message_en and "10" in f.message_en


def test_competency_ratings_on_the_scale(rules: Rules) -> None:
    raw = pd.DataFrame(
        {
            "person_id": [PID] * 3,
            "competency": ["การมุ่งผลสัมฤทธิ์", "บริการที่ดี", "การมุ่งผลสัมฤทธิ์"],
            "expected": [3, 3, 3],
            "weight": [40, 30, 30],
            "rating": [6, "", 4],
            "_row": [10, 11, 12],
        }
    )
    loc = Locator(
        "a.xlsx",
        "สมรรถนะ",
        {"competency": "B", "expected": "C", "weight": "D", "rating": "E"},
    )
    found = by_rule(validate_table(raw, "competencies", rules=rules, locator=loc).findings)
    assert found["competency.rating_range"][0].cell == "E10"
    assert found["competency.duplicate"][0].cell == "B12"


def test_component_weights(rules: Rules) -> None:
    raw = pd.DataFrame(
        {
            "person_id": [PID, national_id("310010000001"), national_id("310010000002")],
            "probation": ["", "ใช่", ""],
            "w_achievement": [60, 50, 70],
            "w_competency": [40, 50, 20],
            "w_other": [0, 0, 0],
        }
    )
    found = by_rule(validate_table(raw, "components", rules=rules).findings)
    assert [f.person_id for f in found["weights.achievement_low"]] == [PID]
    assert len(found["weights.components_sum"]) == 1
    assert "90" in found["weights.components_sum"][0].message_en


def roster_row(pid: str, level: str, salary: object, **extra: object) -> dict[str, object]:
    row: dict[str, object] = {
        "person_id": pid,
        "name": "นางสาวทดสอบ ใจดี",
        "unit": "กลุ่มบริหารทรัพยากรบุคคล",
        "position": "นักทรัพยากรบุคคล",
        "position_no": "12",
        "level_code": level,
        "salary": salary,
        "pool_group": "",
    }
    row.update(extra)
    return row


def test_roster_checks(rules: Rules) -> None:
    good = national_id("110170012346")
    bad_check = good[:-1] + str((int(good[-1]) + 1) % 10)
    raw = pd.DataFrame(
        [
            roster_row(good, "K2", "28,000"),
            roster_row(bad_check, "K2", 28000),
            roster_row("12345", "K9", 28000),
            roster_row(good, "K2", 50000),
            roster_row(national_id("110170012347"), "D1", 40000, pool_group="บริหาร", unit=""),
        ]
    )
    loc = Locator(
        "master.xlsx",
        "Roster",
        {"person_id": "A", "unit": "C", "level_code": "F", "salary": "G", "pool_group": "H"},
    )
    result = validate_table(raw, "roster", rules=rules, locator=loc)
    found = by_rule(result.findings)
    ids = found["roster.national_id"]
    assert [f.cell for f in ids] == ["A3", "A4"]
    assert "check digit" in ids[0].message_en and "13" in ids[1].message_en
    assert found["roster.level_code"][0].cell == "F4"
    assert found["roster.salary_range"][0].cell == "G5"
    assert "43600" in found["roster.salary_range"][0].message_en
    assert found["roster.duplicate_id"][0].cell == "A5"
    assert found["cell.blank"][0].cell == "C6" and found["cell.blank"][0].field == "unit"
    assert found["roster.pool_group_mismatch"][0].severity == "warning"
    table = findings_frame(result.findings)
    assert {"file", "sheet", "cell", "field", "value", "rule", "severity"} <= set(table.columns)
    assert len(table) == len(result.findings)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("1101700123458", None),
        ("1101700123457", "check_digit"),
        ("11017", "length"),
        ("", "length"),
    ],
)
def test_national_id(value: str, problem: str | None) -> None:
    if problem is None:
        value = national_id(value[:12])
    assert national_id_problem(value) == problem


def test_a_roster_of_ids_is_checked_as_one_digit_matrix_as_each_id_alone() -> None:
    """The roster's id check: thirteen-digit text goes through numpy in one pass; the
    answer is national_id_problem's for every id, valid or not."""
    rng = random.Random(5)
    ids = [national_id(f"{rng.randrange(10**12):012d}") for _ in range(2000)]
    wrong = [i[:12] + str((int(i[12]) + 1) % 10) for i in ids[:300]]
    for values in (ids + wrong, [*ids[:50], "11017", None, 1101700123458, "๑" * 13]):
        series = pd.Series(values, dtype=object).dropna()
        got = _national_ids_ok(series).tolist()
        assert got == [national_id_problem(v) is None for v in series]
        assert got.count(False) == (300 if len(values) > 1000 else 3)


def test_range_checks_give_the_same_answer_on_float_arrays_as_on_decimals() -> None:
    """Ratings, levels and weights read from float cells are range-checked as one float
    array; Decimals typed any other way one by one: the answers agree, bounds included."""
    from kpixl.core.numbers import dec
    from kpixl.schemas.models import _range

    cells = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.999, 5.0, 5.0001, -1.0, 100.0, 1e-9]
    checks = [
        _range("a", low=0, above=True),
        _range("b", low=1, high=5),
        _range("c", low=0, high=5, whole=True),
        _range("d", low=Decimal("0.1"), high=Decimal("4.9")),  # bounds no float holds
    ]
    for check in checks:
        cached = pd.Series([dec(v) for v in cells] + [None], dtype=object)
        typed = pd.Series([Decimal(repr(v)) for v in cells] + [None], dtype=object)
        fast, slow = check._check_fn(cached).tolist(), check._check_fn(typed).tolist()
        assert fast == slow and fast[-1] is True
    assert checks[1]._check_fn(pd.Series([dec(v) for v in cells])).tolist() == [
        1 <= v <= 5 for v in cells
    ]


def test_weight_sums_per_person_agree_with_pandas_groupby() -> None:
    """The weights-sum check counts per person with bincounts; pandas' groupby (used when
    a row has no id) gives the same answer, blanks, fractions and odd values included."""
    from kpixl.core.numbers import dec
    from kpixl.core.scoring_vec import as_hundredths
    from kpixl.schemas.models import _group_sum_is, _group_sum_pandas

    rng = random.Random(4)
    choices: list[object] = [dec(20.0), dec(30.0), dec(50.0), Decimal("33.333"), None, dec(0.1)]
    for _ in range(200):
        people = [f"p{rng.randint(0, 6)}" for _ in range(rng.randint(1, 30))]
        weights = [rng.choice(choices) for _ in people]
        frame = pd.DataFrame({"person_id": people, "weight": weights}, dtype=object)
        fast = _group_sum_is("weight", Decimal(100))(frame)
        units, exact = as_hundredths(weights)
        blank = frame["weight"].isna().to_numpy(dtype=bool)

        def person_ok(values: pd.Series) -> bool:
            if any(v is None for v in values):
                return True
            return sum(values, Decimal(0)) == Decimal(100)

        slow = _group_sum_pandas(frame, "weight", units, exact, blank, Decimal(100), person_ok)
        assert fast.tolist() == slow.tolist(), (people, weights)
    frame = pd.DataFrame({"person_id": ["a", None], "weight": [dec(100.0), dec(5.0)]}, dtype=object)
    assert _group_sum_is("weight", Decimal(100))(frame).tolist()[0] is True


def test_missing_column_is_a_finding_not_a_crash(rules: Rules) -> None:
    raw = pd.DataFrame({"person_id": [PID], "kpi_code": ["K1"]})
    result = validate_table(raw, "results", rules=rules)
    assert result.findings == []
    raw = pd.DataFrame({"person_id": [PID]})
    found = by_rule(validate_table(raw, "results", rules=rules).findings)
    assert found["table.missing_column"][0].field == "kpi_code"
