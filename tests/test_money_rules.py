"""The money follows the rules (SPEC §4; issue 13, items 2, 8 and 15).

* The pools come from the whole roster: a missing unit workbook or a missing evaluation
  leaves them as they are (the people without an evaluation are in Issues, unpaid).
* A roster row with an error gets nothing, is in Issues, and is in no pool's payroll.
* No allocation ever gives a negative or above-maximum new salary, or a negative
  increase, whatever the roster holds (a property test over random rosters).
* Allocation findings say who: id and name, unit and file, also on the console.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpixl.cli import main as kpixl_main
from kpixl.core.allocation import allocate
from kpixl.core.findings import Finding
from kpixl.core.pool_allocation import allocate_pools
from kpixl.core.rules import default_rules
from kpixl.jobs.consolidate import Consolidation, consolidate
from kpixl.workbooks import master_layout as M
from kpixl.workbooks import unit_layout as U

RULES = default_rules()
TABLE = RULES.salary_table
COLUMN = {name: i + 1 for i, name in enumerate(M.ROSTER_COLUMNS)}  # roster column numbers


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo round, made as a user makes it (``kpixl demo DIR``)."""
    folder = tmp_path_factory.mktemp("money") / "demo"
    assert kpixl_main(["demo", str(folder)]) == 0
    return folder


@pytest.fixture()
def demo(built: Path, tmp_path: Path) -> Path:
    target = tmp_path / "demo"
    shutil.copytree(built, target)
    return target


# ----------------------------------------------------------------- independent sums


def roster_rows(master: Path) -> list[dict[str, Any]]:
    """The master's roster as openpyxl reads it (not through kpixl's readers)."""
    ws = openpyxl.load_workbook(master)[M.ROSTER]
    rows = []
    for number, values in enumerate(ws.iter_rows(min_row=M.FIRST_ROW, values_only=True)):
        if values[0] is None:
            break
        row = dict(zip(M.ROSTER_COLUMNS, values, strict=False))
        row["_row"] = M.FIRST_ROW + number
        rows.append(row)
    return rows


def group_of(level: object) -> str | None:
    for group, codes in RULES.pool_groups.items():
        if level in codes:
            return group
    return None


def payable(level: object, salary: object, alt: bool = False) -> bool:
    """The rule, spelled out from the salary table: a known level, and a number from
    the temporary minimum (else the minimum) to the maximum that applies."""
    if not isinstance(level, str) or level not in TABLE.levels:
        return False
    if isinstance(salary, bool) or not isinstance(salary, (int, float, Decimal)):
        return False
    if salary != salary:  # NaN
        return False
    figures = TABLE.levels[level]
    low = figures.min_temp if figures.min_temp is not None else figures.min
    high = figures.alt_max if alt else figures.max
    return high is not None and low <= Decimal(str(salary)) <= high


def expected_pools(rows: list[dict[str, Any]], skip: Iterable[int] = ()) -> dict[str, Decimal]:
    """3 % of the payroll of every roster row (but ``skip``'s) per pool group."""
    assert RULES.pool_rate_pct == 3
    payroll: dict[str, Decimal] = {}
    for row in rows:
        if row["_row"] in set(skip):
            continue
        group = group_of(row["level_code"])
        assert group is not None
        payroll[group] = payroll.get(group, Decimal(0)) + Decimal(str(row["salary"]))
    return {group: total * 3 / 100 for group, total in payroll.items()}


def group_pools(result: Consolidation) -> dict[str, Decimal]:
    pools = result.pools[result.pools["unit"] == ""]
    return dict(zip(pools["pool_group"], pools["pool"], strict=True))


def check_money(result: Consolidation, master: Path) -> None:
    """No output shows a negative or above-maximum new salary, or a negative increase."""
    for row in result.results.to_dict("records"):
        maximum = TABLE.levels[row["level_code"]].max
        assert row["increase"] >= 0 and row["special_compensation"] >= 0, row
        assert row["salary"] <= row["new_salary"] <= maximum, row
    for pool in result.pools.to_dict("records"):
        assert 0 <= pool["used"] <= pool["pool"], pool
    wb = openpyxl.load_workbook(master)
    new_salary = M.RESULT_COLUMNS.index("new_salary")
    increase = M.RESULT_COLUMNS.index("increase")
    for values in wb[M.RESULTS].iter_rows(min_row=M.FIRST_ROW, values_only=True):
        if values[0] is None:
            break
        assert values[increase] >= 0 and values[new_salary] > 0, values
    for values in wb[M.SALARY_ORDER].iter_rows(min_row=M.FIRST_ROW, values_only=True):
        if values[0] is None:
            break
        assert all(v >= 0 for v in values[4:] if isinstance(v, (int, float))), values


# ------------------------------------------------------------ item 2: the whole roster


def test_a_missing_unit_workbook_leaves_the_pools_as_they_are(demo: Path) -> None:
    """Issue 13 item 2: with a unit workbook absent the pools shrank (4,466.70 instead
    of 7,113.60). The pools are 3 % of the whole roster's payroll per group."""
    master = demo / "master.xlsx"
    rows = roster_rows(master)
    whole = consolidate(master, jobs=1, write=False)
    assert whole.exit_code == 0
    (demo / "units" / "U02.xlsx").unlink()
    result = consolidate(master, jobs=1)
    expected = expected_pools(rows)
    assert group_pools(result) == expected == group_pools(whole)
    absent = {str(r["person_id"]) for r in rows if r["unit"] == "U02"}
    assert absent
    unevaluated = {f.person_id for f in result.findings if f.rule == "consolidate.no_evaluation"}
    assert unevaluated == absent  # in Issues …
    assert not absent & set(result.results["person_id"])  # … and paid nothing
    headcount = dict(
        zip(result.pools["pool_group"], result.pools["headcount"], strict=True)
    )  # the pools count the whole roster
    assert sum(headcount.values()) == len(rows)
    check_money(result, master)


def test_one_missing_evaluation_leaves_the_pools_as_they_are(demo: Path) -> None:
    master = demo / "master.xlsx"
    rows = roster_rows(master)
    unit = demo / "units" / "U01.xlsx"
    wb = openpyxl.load_workbook(unit)
    person = str(wb[U.PEOPLE].cell(U.FIRST_ROW + 1, 1).value)
    for sheet in (U.KPIS, U.COMPETENCIES):  # the person's evaluation leaves the workbook
        ws = wb[sheet]
        for row in reversed([c.row for c in ws["A"] if str(c.value) == person]):
            ws.delete_rows(row)
    wb.save(unit)
    result = consolidate(master, jobs=1)
    assert group_pools(result) == expected_pools(rows)
    [missing] = [f for f in result.findings if f.rule == "consolidate.no_evaluation"]
    assert missing.person_id == person
    assert person not in set(result.results["person_id"])
    assert len(result.results) == len(rows) - 1
    check_money(result, master)


# ------------------------------------------------------- item 15: bad roster rows


def test_roster_rows_with_errors_get_nothing_and_leave_the_payroll(demo: Path) -> None:
    """Issue 13 item 15: a salary of −5,000 was paid a new salary of −4,250; 999,999 on
    K2 an increase of −956,399 and special compensation of 957,854.153, and it inflated
    the pool. An unknown level stopped the whole consolidation."""
    master = demo / "master.xlsx"
    rows = roster_rows(master)
    k2 = next(r for r in rows if r["level_code"] == "K2")
    others = [r for r in rows if r is not k2]
    broken = {
        others[0]["_row"]: ("salary", -5000),
        k2["_row"]: ("salary", 999_999),
        others[1]["_row"]: ("level_code", "K9"),
        others[2]["_row"]: ("salary", None),
    }
    wb = openpyxl.load_workbook(master)
    for row, (field, value) in broken.items():
        wb[M.ROSTER].cell(row, COLUMN[field]).value = value
    wb.save(master)
    bad = {str(r["person_id"]) for r in rows if r["_row"] in broken}
    export = demo / "results.csv"
    result = consolidate(master, jobs=1, export=export)
    assert result.exit_code == 1
    # each bad row is in Issues: its error, and that it is left out until corrected
    left_out = {f.person_id: f for f in result.findings if f.rule == "consolidate.roster_left_out"}
    assert set(left_out) == bad
    for f in left_out.values():
        assert f.sheet == M.ROSTER and f.cell.startswith("A")
    cells = {
        f.cell
        for f in result.findings
        if f.sheet == M.ROSTER and f.rule != "consolidate.roster_left_out"
    }
    for row, (field, _) in broken.items():
        letter = chr(ord("A") + COLUMN[field] - 1)
        assert f"{letter}{row}" in cells, (field, row)
    # no increase, no share: not in Results, nor in the salary order, nor in the payroll
    assert not bad & set(result.results["person_id"])
    assert group_pools(result) == expected_pools(rows, skip=set(broken))
    check_money(result, master)
    with open(export, encoding="utf-8-sig", newline="") as handle:
        exported = list(csv.DictReader(handle))
    assert len(exported) == len(rows) - len(bad)
    for line in exported:
        assert line["person_id"] not in bad
        assert Decimal(line["increase"]) >= 0 and Decimal(line["new_salary"]) > 0


def test_cli_json_pools_leave_out_bad_rows(demo: Path) -> None:
    master = demo / "master.xlsx"
    rows = roster_rows(master)
    k2 = next(r for r in rows if r["level_code"] == "K2")
    wb = openpyxl.load_workbook(master)
    wb[M.ROSTER].cell(k2["_row"], COLUMN["salary"]).value = 999_999
    wb.save(master)
    done = subprocess.run(
        [sys.executable, "-m", "kpixl", "consolidate", str(master), "--json", "--jobs", "1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    payload = json.loads(done.stdout)
    pools = {p["pool_group"]: Decimal(p["pool"]) for p in payload["pools"] if not p["unit"]}
    assert pools == expected_pools(rows, skip={k2["_row"]})
    assert payload["people"] == len(rows) - 1


# ----------------------------------------------------- item 8: findings say who


def test_allocation_findings_name_the_person_unit_and_file(demo: Path) -> None:
    """Issue 13 item 8: ``2.98 % lies outside the range of band ดีมาก`` said nobody."""
    master = demo / "master.xlsx"
    rows = {str(r["person_id"]): r for r in roster_rows(master)}
    unit = demo / "units" / "U02.xlsx"
    wb = openpyxl.load_workbook(unit)
    ws = wb[U.PEOPLE]
    pct = ord(U.PEOPLE_COLUMNS["pct"][0]) - ord("A") + 1
    target = str(ws.cell(U.FIRST_ROW, 1).value)
    ws.cell(U.FIRST_ROW, pct).value = 5.99  # outside any band but the top one, or not monotone
    wb.save(unit)
    result = consolidate(master, policy="manual", jobs=1, write=False)
    about = [f for f in result.findings if f.rule.startswith("alloc.") and f.person_id]
    assert about and target in {f.person_id for f in about}
    for f in about:
        person = rows[f.person_id]
        assert f.file == f"{person['unit']}.xlsx" and f.sheet == U.PEOPLE
        for text in (f.message_th, f.message_en):
            assert f.person_id in text and person["name"] in text and person["unit"] in text
    done = subprocess.run(
        [sys.executable, "-m", "kpixl", "consolidate", str(master), "--policy", "manual"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stdout.splitlines() if " alloc." in line]
    assert lines
    for line in lines:
        f = next(f for f in about if f.message_en in line)
        person = rows[f.person_id]
        for part in (f.person_id, person["name"], person["unit"], f"{person['unit']}.xlsx"):
            assert part in line, (part, line)
    # the Issues sheet carries the same: person, file and sheet
    issues = openpyxl.load_workbook(master)[M.ISSUES]
    listed = [
        r
        for r in issues.iter_rows(min_row=M.FIRST_ROW, values_only=True)
        if r[1] and r[1].startswith("alloc.") and r[2]
    ]
    assert len(listed) == len(lines)
    for r in listed:
        assert r[3] == f"{rows[r[2]]['unit']}.xlsx" and r[4] == U.PEOPLE


def test_equal_score_findings_name_the_people() -> None:
    people = pd.DataFrame(
        {
            "person_id": ["P1", "P2"],
            "name": ["นายหนึ่ง ใจดี", "นางสอง ใจงาม"],
            "unit": ["U01", "U02"],
            "source_file": ["U01.xlsx", "U02.xlsx"],
            "level_code": ["K2", "K2"],
            "salary": [30000, 30000],
            "total": ["85", "85"],
            "pct": ["3", "3.5"],
        }
    )
    [f] = allocate(people, 10_000, policy="manual").findings
    assert f.rule == "alloc.equal_score_unequal_pct"
    assert "P1 นายหนึ่ง ใจดี" in f.message_en and "P2 นางสอง ใจงาม" in f.message_th


# -------------------------------------------------- the property: any roster at all

CODES = [*TABLE.levels, "K9", None]
BANDS = [band.name for band in RULES.bands]


def _salary(level: str | None) -> st.SearchStrategy[object]:
    inside: st.SearchStrategy[object] = st.just(30000)
    if level in TABLE.levels:
        figures = TABLE.levels[level]
        low = figures.min_temp if figures.min_temp is not None else figures.min
        inside = st.integers(int(low), int(figures.max))
    return st.one_of(
        inside,
        inside,
        st.integers(-100_000, 2_000_000),
        st.sampled_from([-5000, 0, 999_999, None, "abc", "", float("nan"), 10**20]),
        st.decimals(min_value=-1000, max_value=200_000, places=2),
    )


@st.composite
def rosters(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 30))
    rows = []
    for i in range(n):
        level = draw(st.sampled_from(CODES))
        rows.append(
            {
                "person_id": f"P{i}",
                "unit": draw(st.sampled_from(["U01", "U02", "U03"])),
                "level_code": level,
                "salary": draw(_salary(level)),
                "alt_ceiling": draw(st.sampled_from([False, False, False, True])),
                "total": str(draw(st.decimals(min_value=0, max_value=100, places=2))),
                "pct": draw(
                    st.one_of(
                        st.decimals(min_value=0, max_value=6, places=2).map(str),
                        st.sampled_from([None, "-1", "7", "x"]),
                    )
                ),
            }
        )
    roster = pd.DataFrame(rows)
    if draw(st.booleans()):
        roster["band"] = [draw(st.sampled_from([*BANDS, None])) for _ in range(n)]
    return roster


def _maximum(level: str, alt: bool) -> Decimal:
    figures = TABLE.levels[level]
    maximum = figures.alt_max if alt else figures.max
    assert maximum is not None
    return maximum


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rosters(),
    st.data(),
    st.sampled_from(["optimize", "table", "manual"]),
    st.sampled_from(["flat", "proportional"]),
    st.booleans(),
)
def test_no_roster_ever_gets_paid_wrongly(
    roster: pd.DataFrame, data: st.DataObject, policy: str, shape: str, shares: bool
) -> None:
    evaluated = data.draw(st.lists(st.booleans(), min_size=len(roster), max_size=len(roster)))
    people = roster[evaluated].reset_index(drop=True)
    table = {b.name: b.pct_min for b in RULES.bands if b.eligible}
    outcome = allocate_pools(
        people, roster=roster, policy=policy, shape=shape, table=table, unit_shares=shares
    )
    ok = [
        payable(r["level_code"], r["salary"], r["alt_ceiling"]) for r in roster.to_dict("records")
    ]
    # the payroll: every payable row of the roster, evaluated or not, and nothing else
    payroll: dict[str, Decimal] = {}
    for row, good in zip(roster.to_dict("records"), ok, strict=True):
        if good:
            group = group_of(row["level_code"])
            assert group is not None
            payroll[group] = payroll.get(group, Decimal(0)) + Decimal(str(row["salary"]))
    usage = outcome.usage
    groups = usage[(usage["unit"] == "") & (usage["headcount"] > 0)]
    assert dict(zip(groups["pool_group"], groups["pool"], strict=True)) == {
        g: v * RULES.pool_rate_pct / 100 for g, v in payroll.items()
    }
    # the money of each person
    rows = outcome.rows.set_index("person_id")
    assert sorted(rows.index) == sorted(people["person_id"])
    good_of = dict(zip(roster["person_id"], ok, strict=True))
    for person in people.to_dict("records"):
        row = rows.loc[person["person_id"]]
        assert row["increase"] >= 0 and row["special_compensation"] >= 0 and row["cost"] >= 0
        assert row["pct"] >= 0
        if not good_of[person["person_id"]]:  # a bad row gets nothing at all
            assert not row["eligible"] and row["reason"]
            assert row["pct"] == 0 and row["increase"] == 0 and row["cost"] == 0
            assert row["special_compensation"] == 0 and row["new_salary"] is None
            continue
        salary = Decimal(str(person["salary"]))
        maximum = _maximum(person["level_code"], person["alt_ceiling"])
        assert salary <= row["new_salary"] <= maximum
        assert row["new_salary"] == salary + row["increase"]
    # the pools
    for pool in usage.to_dict("records"):
        assert pool["used"] >= 0
        if policy == "optimize":
            assert pool["used"] <= pool["pool"], pool
    if policy != "optimize" and any(p["used"] > p["pool"] for p in usage.to_dict("records")):
        assert any(f.rule == "alloc.pool_exceeded" for f in outcome.findings)
    assert all(isinstance(f, Finding) for f in outcome.findings)
