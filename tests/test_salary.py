"""Salary maths: the SPEC examples, every split point and maximum of both tables."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from kpixl.core.allocation import allocate
from kpixl.core.errors import SalaryError
from kpixl.core.numbers import ceil_to
from kpixl.core.rules import load_rules
from kpixl.core.salary import salary_base, salary_increase

RULES = {tid: load_rules(salary_table=tid) for tid in ("2552", "2560-10")}
LEVELS = [(tid, code) for tid, r in RULES.items() for code in r.salary_table.levels]


def test_spec_example_below_the_split_point() -> None:
    inc = salary_increase(28000, "K2", "3.5")
    assert inc.base == 24410 and inc.base_kind == "lower"
    assert inc.unrounded == Decimal("854.35")
    assert inc.increase == 860 and inc.new_salary == 28860
    assert inc.special_compensation == 0 and not inc.capped


def test_spec_example_at_the_maximum() -> None:
    inc = salary_increase(43300, "K2", 4)
    assert inc.base == 36470 and inc.base_kind == "upper"
    assert inc.unrounded == Decimal("1458.80")
    assert inc.new_salary == 43600 and inc.increase == 300
    assert inc.special_compensation == Decimal("1158.80")
    assert inc.cost == Decimal("1458.80")  # special compensation counts against the pool


def test_special_compensation_outside_the_pool_when_the_rule_says_so(tmp_path) -> None:  # type: ignore[no-untyped-def]
    agency = tmp_path / "a.toml"
    agency.write_text("[salary]\nspecial_comp_in_pool = false\n", encoding="utf-8")
    inc = salary_increase(43300, "K2", 4, rules=load_rules(agency))
    assert inc.cost == 300 and inc.special_compensation == Decimal("1158.80")


def test_float_trap_of_the_spec() -> None:
    # 20,000 × 1.1 % = 220 exactly; float arithmetic would give 230
    assert ceil_to(Decimal(20000) * Decimal("1.1") / 100, Decimal(10)) == 220


def test_exact_multiple_of_ten_gets_no_extra_ten() -> None:
    inc = salary_increase(30000, "O3", 4)  # base 32,250 × 4 % = 1,290 exactly
    assert inc.unrounded == 1290 and inc.increase == 1290


@pytest.mark.parametrize(("table", "code"), LEVELS)
def test_every_split_point_below_at_and_above(table: str, code: str) -> None:
    rules = RULES[table]
    level = rules.salary_table.level(code)
    split = level.split_point
    for salary, kind, base in (
        (split - 10, "lower", level.lower_base),
        (split, "lower", level.lower_base),
        (split + 10, "upper", level.upper_base),
    ):
        if not level.min <= salary <= level.max:
            continue
        got = salary_base(salary, code, rules=rules)
        assert (got.kind, got.base) == (kind, base), salary
        inc = salary_increase(salary, code, 3, rules=rules)
        assert inc.base == base
        assert inc.unrounded == base * 3 / 100
        expected = ceil_to(inc.unrounded, Decimal(10))
        assert inc.rounded == expected
        assert inc.rounded - inc.unrounded < 10
        assert inc.increase % 10 == 0 or inc.capped


@pytest.mark.parametrize(("table", "code"), LEVELS)
def test_at_and_near_the_maximum(table: str, code: str) -> None:
    rules = RULES[table]
    level = rules.salary_table.level(code)
    at_max = salary_increase(level.max, code, 2, rules=rules)
    assert at_max.new_salary == level.max and at_max.increase == 0
    assert at_max.special_compensation == at_max.unrounded
    assert at_max.capped
    near = salary_increase(level.max - 100, code, 6, rules=rules)
    assert near.new_salary == level.max and near.increase == 100
    assert near.special_compensation == level.max - 100 + near.unrounded - level.max
    with pytest.raises(SalaryError):
        salary_increase(level.max + 10, code, 2, rules=rules)


def test_alternative_ceiling() -> None:
    inc = salary_increase(41000, "O3", 4, alt_ceiling=True)
    # 2560-10 O3 alternative: split 32,255, upper base 35,070, maximum 41,620
    assert inc.base == 35070 and inc.new_salary == 41620
    assert inc.special_compensation == Decimal("41000") + Decimal("1402.80") - 41620
    with pytest.raises(SalaryError):
        salary_increase(30000, "K2", 3, alt_ceiling=True)  # K2 has no second ceiling


@pytest.mark.parametrize("pct", ["-1", "6.01", "x"])
def test_pct_outside_0_to_max_is_an_error(pct: str) -> None:
    with pytest.raises(SalaryError):
        salary_increase(28000, "K2", pct)


def test_unknown_level_is_an_error() -> None:
    with pytest.raises(SalaryError) as info:
        salary_increase(28000, "K9", 3)
    assert "K9" in str(info.value)


@pytest.mark.parametrize(("table", "code"), LEVELS)
def test_vectorised_rows_equal_the_scalar_maths(table: str, code: str) -> None:
    rules = RULES[table]
    level = rules.salary_table.level(code)
    salaries = sorted(
        {level.min, level.split_point, level.split_point + 10, level.max - 50, level.max}
    )
    people = pd.DataFrame(
        {
            "person_id": range(len(salaries)),
            "level_code": code,
            "salary": salaries,
            "total": "85",
            "pct": "3.37",
        }
    )
    rows = allocate(people, 10**9, policy="manual", rules=rules).rows
    for row, salary in zip(rows.itertuples(), salaries, strict=True):
        inc = salary_increase(salary, code, "3.37", rules=rules)
        assert (row.base, row.unrounded, row.rounded) == (inc.base, inc.unrounded, inc.rounded)
        assert (row.increase, row.new_salary) == (inc.increase, inc.new_salary)
        assert row.special_compensation == inc.special_compensation
        assert row.cost == inc.cost
