"""Cascading checks and the alignment report, on a clean and a broken strategy."""

from __future__ import annotations

import pandas as pd

from kpixl.core.cascade import CARD_FIELDS, alignment, check_cascade, tree
from kpixl.io.backups import BACKUP_DIR, generations


def card(code: str, **blank: bool) -> dict[str, object]:
    return {"code": code, **{f: ("" if blank.get(f) else f"{f} ของ {code}") for f in CARD_FIELDS}}


def strategy() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    org = pd.DataFrame(
        [
            {
                "code": "O1",
                "name": "ร้อยละความพึงพอใจของผู้รับบริการ",
                "perspective": "คุณภาพการให้บริการ",
                "target": 85,
                "weight": 50,
                "owner_unit": "U01",
            },
            {
                "code": "O2",
                "name": "จำนวนคำขอที่ดำเนินการแล้วเสร็จ",
                "perspective": "ประสิทธิผล",
                "target": 1000,
                "weight": 50,
                "owner_unit": "U02",
            },
        ]
    )
    units = pd.DataFrame(
        [
            {
                "code": "U01-K1",
                "parent_code": "O1",
                "unit": "U01",
                "derivation": "direct",
                "target": 85,
                "kind": "quantitative",
                "direction": "higher",
                "l1": 65,
                "l2": 70,
                "l3": 75,
                "l4": 80,
                "l5": 85,
            },
            {
                "code": "U01-K2",
                "parent_code": "O2",
                "unit": "U01",
                "derivation": "split_target",
                "target": 600,
                "kind": "quantitative",
                "direction": "higher",
                "l1": 400,
                "l2": 450,
                "l3": 500,
                "l4": 550,
                "l5": 600,
            },
            {
                "code": "U02-K1",
                "parent_code": "O2",
                "unit": "U02",
                "derivation": "split_target",
                "target": 400,
                "kind": "quantitative",
                "direction": "higher",
                "l1": 200,
                "l2": 250,
                "l3": 300,
                "l4": 350,
                "l5": 400,
            },
        ]
    )
    cards = pd.DataFrame([card(c) for c in ("O1", "O2", "U01-K1", "U01-K2", "U02-K1")])
    people = pd.DataFrame(
        [
            {
                "person_id": "A",
                "unit": "U01",
                "kpi_code": "A-1",
                "parent_code": "U01-K1",
                "weight": 60,
            },
            {"person_id": "A", "unit": "U01", "kpi_code": "A-2", "parent_code": "", "weight": 40},
            {
                "person_id": "B",
                "unit": "U01",
                "kpi_code": "B-1",
                "parent_code": "U01-K2",
                "weight": 100,
            },
            {
                "person_id": "C",
                "unit": "U02",
                "kpi_code": "C-1",
                "parent_code": "U02-K1",
                "weight": 70,
            },
            {"person_id": "C", "unit": "U02", "kpi_code": "C-2", "parent_code": "O2", "weight": 30},
        ]
    )
    return org, units, cards, people


def test_a_consistent_cascade_has_no_findings() -> None:
    assert check_cascade(*strategy()) == []


def test_every_check_fires_on_a_broken_strategy() -> None:
    org, units, cards, people = strategy()
    org.loc[1, "owner_unit"] = "U01, U02"  # two owners
    units.loc[2, "target"] = 300  # split targets 600 + 300 ≠ 1000
    units.loc[0, "l3"] = 60  # levels not rising
    cards = cards[cards["code"] != "U02-K1"]  # a card missing
    cards.loc[0, "formula"] = ""  # a card incomplete
    people = people[people["person_id"] != "B"]  # U01-K2 carried by nobody
    extra = {"person_id": "C", "unit": "U02", "kpi_code": "C-3", "parent_code": "X9", "weight": 0}
    people = pd.concat([people, pd.DataFrame([extra])], ignore_index=True)
    found = {f.rule: f for f in check_cascade(org, units, cards, people, max_kpis=2)}
    assert set(found) == {
        "cascade.owner",
        "cascade.split_sum",
        "kpi.levels_not_monotone",
        "cascade.card_missing",
        "cascade.card_incomplete",
        "cascade.uncarried",
        "cascade.parent_missing",
        "kpi.too_many",
    }
    assert (
        "900" in found["cascade.split_sum"].message_en
        and "1000" in found["cascade.split_sum"].message_en
    )
    assert "formula" in found["cascade.card_incomplete"].message_en
    assert found["cascade.parent_missing"].value == "X9"


def test_alignment_report_shares_and_lists() -> None:
    org, units, _, people = strategy()
    report = alignment(org, units, people)
    shares = dict(zip(report.people["person_id"], report.people["share"], strict=True))
    assert shares == {"A": 60, "B": 100, "C": 100}
    unit_shares = dict(zip(report.units["unit"], report.units["share"], strict=True))
    assert unit_shares["U01"] == 80  # (60 + 100) of 200
    assert list(report.untraced["kpi_code"]) == ["A-2"]
    assert report.uncarried.empty
    text = tree(org, units, people)
    assert "O2" in text and "      └ C: C-1" in text


def test_the_demo_organisation_has_a_consistent_cascade_and_a_real_report() -> None:
    import json
    import subprocess
    import sys
    from pathlib import Path

    master = Path(__file__).resolve().parents[1] / "workbooks" / "demo" / "master.xlsx"
    run = subprocess.run(
        [sys.executable, "-m", "kpixl", "cascade", "report", str(master), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout)
    assert [f for f in report["findings"] if f["severity"] == "error"] == []
    shares = [float(u["share"]) for u in report["units"]]
    assert len(shares) == 3 and all(50 < s < 100 for s in shares)
    assert len(report["untraced"]) > 0
    assert len(report["people"]) == 20


def test_cascade_report_writes_the_alignment_sheet(tmp_path: object) -> None:
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    import openpyxl

    from kpixl.workbooks import master_layout as M

    demo = Path(__file__).resolve().parents[1] / "workbooks" / "demo"
    target = Path(str(tmp_path)) / "demo"
    shutil.copytree(demo, target, ignore=shutil.ignore_patterns("*.bak", BACKUP_DIR))
    master = target / "master.xlsx"
    ws = openpyxl.load_workbook(master)[M.ALIGNMENT]
    ws_rows = [r for r in ws.iter_rows(min_row=M.FIRST_ROW, values_only=True) if r[0]]
    assert len(ws_rows) == 3 + 20  # a total row per unit, then each person
    run = subprocess.run(
        [sys.executable, "-m", "kpixl", "cascade", "report", str(master), "--write", "--no-tree"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0
    assert master.read_bytes() == (demo / "master.xlsx").read_bytes()  # deterministic
    assert not generations(master)  # it already held these bytes: no backup of them


def os_matrix() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"kpi_code": "O1", "unit": "U01", "role": "O"},
            {"kpi_code": "O1", "unit": "U02", "role": "S"},
            {"kpi_code": "O2", "unit": "U02", "role": "O"},
            {"kpi_code": "U01-K1", "unit": "U01", "role": "O"},
            {"kpi_code": "U01-K2", "unit": "U01", "role": "O"},
            {"kpi_code": "U02-K1", "unit": "U02", "role": "O"},
            {"kpi_code": "U02-K1", "unit": "U01", "role": "S"},
        ]
    )


def test_the_os_matrix_agrees_with_a_consistent_strategy() -> None:
    assert check_cascade(*strategy(), os_matrix=os_matrix()) == []


def test_the_os_matrix_decides_owners() -> None:
    org, units, cards, people = strategy()
    matrix = os_matrix()
    matrix.loc[1, "role"] = "O"  # O1: owner U01 on its row, and U02 marked O too
    matrix = matrix[matrix["kpi_code"] != "U02-K1"]  # U02-K1 has no owner
    extra = pd.DataFrame(
        [
            {"kpi_code": "X1", "unit": "U01", "role": "S"},  # not a KPI
            {"kpi_code": "U01-K1", "unit": "U02", "role": "Z"},  # not a role
        ]
    )
    found = check_cascade(org, units, cards, people, os_matrix=pd.concat([matrix, extra]))
    got = {(f.rule, str(f.value)) for f in found}
    assert got == {
        ("cascade.owner", "O1"),
        ("cascade.unit_owner", "U02-K1"),
        ("cascade.os_unknown", "X1"),
        ("cascade.os_role", "U01-K1"),
    }
    # an organisation KPI whose row names no owner gets it from the matrix alone
    org.loc[1, "owner_unit"] = ""
    assert check_cascade(org, units, cards, people, os_matrix=os_matrix()) == []
    assert {f.rule for f in check_cascade(org, units, cards, people)} == {"cascade.owner"}


def test_split_targets_follow_the_kpi_direction() -> None:
    org, units, cards, people = strategy()
    units.loc[[1, 2], "direction"] = "lower"  # e.g. complaints: at most 1000 in all
    units.loc[1, ["l1", "l2", "l3", "l4", "l5"]] = [600, 550, 500, 450, 400]
    units.loc[2, ["l1", "l2", "l3", "l4", "l5"]] = [400, 350, 300, 250, 200]
    units.loc[2, "target"] = 300  # 600 + 300 = 900 ≤ 1000: within the parent's limit
    assert check_cascade(org, units, cards, people) == []
    units.loc[2, "target"] = 500  # 1100 > 1000: the units together allow too much
    assert [f.rule for f in check_cascade(org, units, cards, people)] == ["cascade.split_sum"]
    units.loc[[1, 2], "direction"] = "higher"
    units.loc[1, ["l1", "l2", "l3", "l4", "l5"]] = [400, 450, 500, 550, 600]
    units.loc[2, ["l1", "l2", "l3", "l4", "l5"]] = [300, 350, 400, 450, 500]
    assert check_cascade(org, units, cards, people) == []  # 1100 ≥ 1000 when more is better


def test_kpi_holders_may_only_hand_out_unit_kpis() -> None:
    org, units, cards, people = strategy()
    holders = pd.DataFrame(
        [
            {"kpi_code": "U01-K1", "person_id": "A", "weight": 60},
            {"kpi_code": "U09-K9", "person_id": "B", "weight": 40},
        ]
    )
    found = check_cascade(org, units, cards, people, holders=holders)
    assert [(f.rule, f.value, f.person_id) for f in found] == [
        ("cascade.holder_unknown", "U09-K9", "B")
    ]
    assert check_cascade(org, units, cards, people, holders=holders.iloc[:1]) == []
