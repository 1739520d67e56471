"""Pool allocation: policies, findings, and the invariants as property tests."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpixl.core.allocation import allocate
from kpixl.core.eligibility import check_eligibility, eligibility_table
from kpixl.core.pools import pool_for
from kpixl.core.rules import Rules, default_rules
from kpixl.core.salary import salary_increase

RULES = default_rules()
CODES = list(RULES.salary_table.levels)


@st.composite
def rosters(draw: st.DrawFn, min_size: int = 1, max_size: int = 40) -> pd.DataFrame:
    n = draw(st.integers(min_size, max_size))
    rows = []
    for i in range(n):
        code = draw(st.sampled_from(CODES))
        level = RULES.salary_table.level(code)
        salary = draw(st.integers(int(level.min) // 10, int(level.max) // 10)) * 10
        # scores cluster so that equal scores and band edges occur
        total = draw(
            st.one_of(
                st.sampled_from(["90", "80", "70", "60", "59.99", "85.5", "85.5", "95"]),
                st.decimals(min_value=40, max_value=100, places=2).map(str),
            )
        )
        rows.append({"person_id": f"P{i}", "level_code": code, "salary": salary, "total": total})
    people = pd.DataFrame(rows)
    if draw(st.booleans()):
        people["eligible"] = [draw(st.sampled_from([True, True, True, False])) for _ in range(n)]
    return people


def pool_fraction(people: pd.DataFrame, fraction: Decimal) -> Decimal:
    return (Decimal(int(people["salary"].sum())) * fraction).quantize(Decimal("0.01"))


def next_step_costs(
    rows: pd.DataFrame, people: pd.DataFrame, rules: Rules, shape: str
) -> list[Decimal]:
    """The cost of one more 0.01 step for each band not yet at its maximum."""
    merged = rows.merge(people[["person_id", "level_code", "salary"]], on="person_id")
    out = []
    for band in rules.bands:
        members = merged[(merged["band"] == band.name) & merged["eligible"]]
        if not band.eligible or members.empty:
            continue
        below = members[members["pct"] < band.pct_max]
        if below.empty:
            continue
        extra = Decimal(0)
        for row in below.itertuples():
            now = salary_increase(row.salary, row.level_code, row.pct, rules=rules).cost
            then = salary_increase(
                row.salary,
                row.level_code,
                min(row.pct + Decimal("0.01"), band.pct_max),
                rules=rules,
            ).cost
            extra += then - now
        out.append(extra)
    return out


def check_invariants(alloc, people: pd.DataFrame, rules: Rules) -> None:  # type: ignore[no-untyped-def]
    rows = alloc.rows
    assert alloc.used <= alloc.pool
    assert alloc.used == sum(rows["cost"], Decimal(0))
    assert alloc.leftover == alloc.pool - alloc.used
    for band in rules.bands:
        members = rows[(rows["band"] == band.name) & rows["eligible"]]
        for pct in members["pct"]:
            assert band.pct_min <= pct <= band.pct_max
            assert pct <= rules.max_increase_pct
            assert pct == pct.quantize(Decimal("0.01"))
    assert (rows.loc[~rows["eligible"], "pct"] == 0).all()
    eligible = rows[rows["eligible"]].sort_values("total")
    for total, group in eligible.groupby("total"):
        assert group["pct"].nunique() == 1, f"equal score {total} got unequal %"
    pcts = list(eligible["pct"])
    assert pcts == sorted(pcts), "a higher score got a lower %"
    for row in rows[~rows["eligible"]].itertuples():
        assert row.reason


@settings(max_examples=60, deadline=None)
@given(
    rosters(), st.sampled_from(["flat", "proportional"]), st.sampled_from(["0.03", "0.02", "0.045"])
)
def test_optimize_invariants(people: pd.DataFrame, shape: str, fraction: str) -> None:
    pool = pool_fraction(people, Decimal(fraction))
    alloc = allocate(people, pool, shape=shape)
    if alloc.findings:
        assert [f.rule for f in alloc.findings] == ["alloc.minimums_exceed_pool"]
        assert alloc.used == 0 and (alloc.rows["pct"] == 0).all()
        return
    check_invariants(alloc, people, RULES)
    for cost in next_step_costs(alloc.rows, people, RULES, shape):
        assert alloc.leftover < cost


@settings(max_examples=30, deadline=None)
@given(rosters(min_size=3))
def test_flat_gives_one_pct_per_band(people: pd.DataFrame) -> None:
    alloc = allocate(people, pool_fraction(people, Decimal("0.03")), shape="flat")
    rows = alloc.rows[alloc.rows["eligible"]]
    for _, group in rows.groupby("band"):
        assert group["pct"].nunique() == 1


def people_frame(totals: list[str], salary: int = 30000, code: str = "K2") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person_id": [f"P{i}" for i in range(len(totals))],
            "level_code": code,
            "salary": salary,
            "total": totals,
        }
    )


def test_generous_pool_gives_every_band_its_maximum() -> None:
    people = people_frame(["95", "85", "75", "65", "50"])
    alloc = allocate(people, 10**7)
    assert list(alloc.rows["pct"]) == [
        Decimal("6"),
        Decimal("3.99"),
        Decimal("2.99"),
        Decimal("1.99"),
        Decimal("0"),
    ]
    assert alloc.rows.loc[4, "reason"].startswith("ผลการประเมินระดับต้องปรับปรุง")
    assert alloc.pct_by_band["ดีเด่น"] == 6


def test_band_minimums_that_do_not_fit_are_reported_with_the_shortfall() -> None:
    people = people_frame(["95", "85"], salary=28000)
    # minimums: 4 % and 3 % of the lower base 24,410 → 980 + 740 = 1,720 baht
    alloc = allocate(people, 1000)
    [f] = alloc.findings
    assert f.rule == "alloc.minimums_exceed_pool" and f.severity == "error"
    assert "720.00" in f.message_th and "720.00" in f.message_en
    assert list(alloc.rows["pct"]) == [0, 0] and alloc.used == 0
    assert all("ไม่พอ" in reason for reason in alloc.rows["reason"])


def test_manual_policy_checks_every_rule() -> None:
    people = people_frame(["95", "95", "85", "86", "50", "75"])
    people["pct"] = ["5", "4.5", "3.5", "3.2", "1", ""]
    alloc = allocate(people, 10**6, policy="manual")
    rules = sorted(f.rule for f in alloc.findings)
    assert rules == [
        "alloc.equal_score_unequal_pct",
        "alloc.ineligible_pct",
        "alloc.not_monotone",
        "alloc.pct_missing",
    ]
    over = allocate(
        people.assign(pct=["6", "6", "3.99", "3.99", "0", "2.99"]), 100, policy="manual"
    )
    assert [f.rule for f in over.findings] == ["alloc.pool_exceeded"]
    outside = allocate(people_frame(["85"]).assign(pct=["4.5"]), 10**6, policy="manual")
    assert [f.rule for f in outside.findings] == ["alloc.pct_outside_band"]


def test_manual_accepts_percent_text() -> None:
    alloc = allocate(people_frame(["85"]).assign(pct=["3.5%"]), 10**6, policy="manual")
    assert alloc.findings == [] and alloc.rows.loc[0, "pct"] == Decimal("3.5")


def test_table_policy_applies_the_announced_percentages() -> None:
    people = people_frame(["95", "91", "85", "72", "61", "40"])
    table = pd.DataFrame({"min_total": [90, 80, 70, 60], "pct": ["5", "3.5", "2.5", "1.5"]})
    alloc = allocate(people, 10**6, policy="table", table=table)
    assert alloc.findings == []
    assert [str(p) for p in alloc.rows["pct"]] == ["5", "5", "3.5", "2.5", "1.5", "0"]
    by_band = allocate(
        people, 10**6, policy="table", table={"ดีเด่น": 5, "ดีมาก": 3, "ดี": 2, "พอใช้": 1}
    )
    assert [str(p) for p in by_band.rows["pct"]] == ["5", "5", "3", "2", "1", "0"]
    tight = allocate(people, 500, policy="table", table=table)
    assert [f.rule for f in tight.findings] == ["alloc.pool_exceeded"]


def test_eligibility_limits_and_reasons() -> None:
    person = {
        "months_served": "3",
        "leave_days": 24,
        "leave_times": 11,
        "late_times": 19,
        "penalty": "ตัดเงินเดือน",
        "suspension_months": 3,
        "ineligible": "ใช่",
        "ineligible_reason": "ลาศึกษาต่อ",
    }
    result = check_eligibility(person)
    assert not result.eligible
    assert result.codes.split(",") == [
        "months_served",
        "leave_days",
        "leave_times",
        "late_times",
        "suspension_months",
        "penalty",
        "flag",
    ]
    assert "ลาศึกษาต่อ" in result.reason
    edge = {
        "months_served": 4,
        "leave_days": 23,
        "leave_times": 10,
        "late_times": 18,
        "penalty": "ภาคทัณฑ์",
        "suspension_months": 2,
    }
    assert check_eligibility(edge).eligible
    table = eligibility_table(
        pd.DataFrame([{"person_id": "A", **person}, {"person_id": "B", **edge}])
    )
    assert list(table["eligible"]) == [False, True]


def test_allocate_reads_eligibility_fields_and_explains_zero() -> None:
    people = people_frame(["95", "95"]).assign(late_times=[0, 25])
    alloc = allocate(people, 10**6)
    row = alloc.rows.loc[1]
    assert not row["eligible"] and row["pct"] == 0 and row["cost"] == 0
    assert "มาสาย 25 ครั้ง" in row["reason"]


def test_pools_per_group_and_unit_shares() -> None:
    roster = pd.DataFrame(
        {
            "person_id": list("ABCDE"),
            "level_code": ["K2", "K3", "O2", "D1", "K1"],
            "salary": [30000, 41000, 20000, 45000, 18333],
            "unit": ["กลุ่ม ก", "กลุ่ม ก", "กลุ่ม ข", "กลุ่ม ก", "กลุ่ม ข"],
        }
    )
    pools = pool_for(roster)
    assert list(pools["pool_group"]) == ["อำนวยการ", "วิชาการและทั่วไป"]
    academic = pools[pools["pool_group"] == "วิชาการและทั่วไป"].iloc[0]
    assert academic["payroll"] == 109333
    assert academic["pool"] == Decimal("3279.99")
    shares = pool_for(roster, unit_shares=True)
    units = shares[(shares["pool_group"] == "วิชาการและทั่วไป") & (shares["unit"] != "")]
    # 3,279.99 × 71,000 / 109,333 = 2,130.00 → 2,130; × 38,333 / 109,333 = 1,149.99 → 1,149
    assert list(units["pool"]) == [Decimal(2130), Decimal(1149)]
    group = shares[(shares["pool_group"] == "วิชาการและทั่วไป") & (shares["unit"] == "")].iloc[0]
    assert group["central"] == Decimal("0.99")  # the remainder stays central
    assert sum(units["pool"]) + group["central"] == group["pool"]


def test_pool_excludes_people_not_holding_a_position() -> None:
    roster = pd.DataFrame(
        {
            "person_id": ["A", "B"],
            "level_code": ["K2", "K2"],
            "salary": [30000, 30000],
            "holds_position": [True, False],
        }
    )
    assert pool_for(roster).loc[0, "pool"] == 900


def test_allocation_is_exact_on_large_rosters() -> None:
    rng = np.random.default_rng(7)
    n = 3000
    codes = rng.choice(CODES, n)
    salaries = [
        int(
            rng.integers(
                int(RULES.salary_table.level(c).min) // 10,
                int(RULES.salary_table.level(c).max) // 10 + 1,
            )
        )
        * 10
        for c in codes
    ]
    people = pd.DataFrame(
        {
            "person_id": range(n),
            "level_code": codes,
            "salary": salaries,
            "total": [f"{t / 100:.2f}" for t in rng.integers(5500, 10001, n)],
        }
    )
    pool = pool_fraction(people, Decimal("0.03"))
    for shape in ("flat", "proportional"):
        alloc = allocate(people, pool, shape=shape)
        check_invariants(alloc, people, RULES)
        assert alloc.leftover < 5000  # thousands of people: the pool is used almost fully
        sample = alloc.rows.sample(50, random_state=1)
        for row in sample.itertuples():
            person = people.loc[row.Index]
            inc = salary_increase(person["salary"], person["level_code"], row.pct)
            assert (row.increase, row.special_compensation, row.cost) == (
                inc.increase,
                inc.special_compensation,
                inc.cost if row.eligible else 0,
            )


@pytest.mark.parametrize("bad", [{"policy": "random"}, {"shape": "round"}])
def test_bad_policy_or_shape(bad: dict[str, str]) -> None:
    from kpixl.core.errors import InputError

    with pytest.raises(InputError):
        allocate(people_frame(["90"]), 1000, **bad)  # type: ignore[arg-type]


def test_allocate_every_pool_and_report_usage_per_group_and_unit() -> None:
    from kpixl.core.pool_allocation import allocate_pools

    people = pd.DataFrame(
        {
            "person_id": [f"P{i}" for i in range(8)],
            "level_code": ["K2", "K3", "O2", "D1", "K1", "K2", "D2", "O1"],
            "salary": [30000, 41000, 20000, 45000, 18330, 25000, 60000, 12000],
            "total": ["92", "85", "75", "88", "66", "91", "95", "55"],
            "unit": ["ก", "ก", "ข", "ก", "ข", "ข", "ข", "ก"],
        }
    )
    whole = allocate_pools(people)
    assert list(whole.usage["unit"]) == ["", ""]
    assert (whole.usage["used"] <= whole.usage["pool"]).all()
    assert sorted(whole.rows["person_id"]) == sorted(people["person_id"])
    split = allocate_pools(people, unit_shares=True)
    units = split.usage[split.usage["unit"] != ""]
    groups = split.usage[split.usage["unit"] == ""]
    assert set(units["unit"]) == {"ก", "ข"}
    assert (units["used"] <= units["pool"]).all()
    for group in groups.itertuples():
        mine = units[units["pool_group"] == group.pool_group]
        assert group.used == sum(mine["used"], Decimal(0))
        assert group.leftover == group.pool - group.used
        assert group.central == group.pool - sum(mine["pool"], Decimal(0))
    assert len(split.rows) == len(people)
