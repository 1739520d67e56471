"""The demo is valid (issue 13, item 7): KPI holders once each, drafts that add up to 100.

Issue 13 saw the demo's KPIHolders give one person the same unit KPI twice, so that
``kpixl personal new --master`` wrote 7 of 20 drafts with duplicate KPI codes and 11
of 20 whose weights did not add up to 100, while ``kpixl cascade report`` said nothing
and exited 0.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from kpixl.cli import cli
from kpixl.core.cascade import holdings, weights_to_100
from kpixl.jobs.demo import build_demo
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.generate import carried_kpis
from kpixl.workbooks.master import read_master
from kpixl.workbooks.personal import check_personal, read_personal
from kpixl.workbooks.personal_layout import KPI_ROWS

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "workbooks" / "demo"


def holder_problems(master: Path) -> tuple[list[tuple[str, str]], dict[str, Decimal]]:
    """(person, unit KPI) pairs given twice, and people whose weights miss 100."""
    holders = read_master(master).strategy[M.KPI_HOLDERS]
    pairs = list(
        zip(holders["person_id"].astype(str), holders["kpi_code"].astype(str), strict=True)
    )
    twice = [p for i, p in enumerate(pairs) if p in pairs[:i]]
    totals: dict[str, Decimal] = {}
    for pid, weight in zip(holders["person_id"].astype(str), holders["weight"], strict=True):
        totals[pid] = totals.get(pid, Decimal(0)) + Decimal(str(weight))
    return twice, {pid: total for pid, total in totals.items() if total != 100}


def test_the_committed_demo_gives_each_person_each_unit_kpi_once_weights_adding_to_100() -> None:
    twice, off = holder_problems(DEMO / "master.xlsx")
    assert twice == []
    assert off == {}
    holders = read_master(DEMO / "master.xlsx").strategy[M.KPI_HOLDERS]
    assert holders["person_id"].nunique() == 20


def test_a_fresh_demo_of_another_shape_is_valid_too(tmp_path: Path) -> None:
    demo = build_demo(tmp_path / "demo", units=4, people=30, seed=11)
    twice, off = holder_problems(demo.master)
    assert (twice, off) == ([], {})
    run = CliRunner().invoke(cli, ["cascade", "report", str(demo.master), "--json"])
    assert run.exit_code == 0, run.output
    rules = {f["rule"] for f in json.loads(run.output)["findings"]}
    assert "cascade.holder_duplicate" not in rules
    assert carried_kpis(read_master(demo.master).strategy).findings == []


def test_personal_new_from_the_demo_master_writes_complete_drafts(tmp_path: Path) -> None:
    master = DEMO / "master.xlsx"
    before = master.read_bytes()
    out = tmp_path / "out"
    run = CliRunner().invoke(
        cli, ["personal", "new", "--master", str(master), "--out", str(out), "--round", "2570/1"]
    )
    assert run.exit_code == 0, run.output
    assert "cascade." not in run.output
    assert master.read_bytes() == before
    files = sorted(out.glob("*.xlsx"))
    assert len(files) == 20
    for path in files:
        form = read_personal(path)
        assert form.kpis is not None
        codes = list(form.kpis["kpi_code"])
        assert codes and len(codes) == len(set(codes)), (path.name, codes)
        assert sum(Decimal(str(w)) for w in form.kpis["weight"]) == 100, path.name
        rules = {f.rule for f in check_personal(form).findings}
        assert not rules & {"kpi.code_duplicate", "kpi.weights_sum"}, (path.name, rules)


def with_holders(tmp_path: Path, extra: list[tuple[str, str, object]]) -> Path:
    """A copy of the demo master with rows added at the end of KPIHolders."""
    target = tmp_path / "demo"
    shutil.copytree(DEMO, target, ignore=shutil.ignore_patterns("*.bak"))
    master = target / "master.xlsx"
    wb = openpyxl.load_workbook(master)
    ws = wb[M.KPI_HOLDERS]
    last = max(r for r in range(M.FIRST_ROW, ws.max_row + 1) if ws[f"A{r}"].value)
    for i, row in enumerate(extra, start=last + 1):
        for col, value in zip("ABC", row, strict=True):
            ws[f"{col}{i}"] = value
    wb.save(master)
    return master


def test_cascade_report_flags_a_person_holding_one_unit_kpi_twice(tmp_path: Path) -> None:
    holders = read_master(DEMO / "master.xlsx").strategy[M.KPI_HOLDERS]
    first = holders.iloc[0]
    pid, code = str(first["person_id"]), str(first["kpi_code"])
    master = with_holders(tmp_path, [(code, pid, 10)])
    row = int(holders["_row"].max()) + 1
    before = master.read_bytes()
    run = CliRunner().invoke(cli, ["cascade", "report", str(master), "--json"])
    assert run.exit_code == 1, run.output
    found = [
        f for f in json.loads(run.output)["findings"] if f["rule"] == "cascade.holder_duplicate"
    ]
    assert len(found) == 1
    assert (found[0]["sheet"], found[0]["cell"], found[0]["person_id"]) == (
        M.KPI_HOLDERS,
        f"A{row}",
        pid,
    )
    assert found[0]["severity"] == "error" and code in found[0]["message_en"]
    text = CliRunner().invoke(cli, ["cascade", "report", str(master), "--no-tree"])
    assert text.exit_code == 1
    assert "cascade.holder_duplicate" in text.output and f"KPIHolders › A{row}" in text.output
    assert "Traceback" not in text.output
    assert master.read_bytes() == before


def test_personal_new_drafts_a_duplicate_once_and_says_so(tmp_path: Path) -> None:
    holders = read_master(DEMO / "master.xlsx").strategy[M.KPI_HOLDERS]
    first = holders.iloc[0]
    pid, code = str(first["person_id"]), str(first["kpi_code"])
    master = with_holders(tmp_path, [(code, pid, 10)])
    out = tmp_path / "out"
    run = CliRunner().invoke(
        cli, ["personal", "new", "--master", str(master), "--out", str(out), "--round", "2570/1"]
    )
    assert run.exit_code == 1, run.output
    assert "cascade.holder_duplicate" in run.output
    assert "cascade.holder_weights" in run.output  # 100 + 10 scaled back to 100
    assert len(list(out.glob("*.xlsx"))) == 20
    (mine,) = [p for p in out.glob("*.xlsx") if pid in p.name]
    kpis = read_personal(mine).kpis
    assert kpis is not None
    assert list(kpis["parent_code"]).count(code) == 1
    assert sum(Decimal(str(w)) for w in kpis["weight"]) == 100


def strategy(holders: list[dict[str, object]]) -> dict[str, pd.DataFrame]:
    units = pd.DataFrame(
        [
            {
                "code": f"U01-K{i}",
                "parent_code": "O1",
                "unit": "U01",
                "name": f"ตัวชี้วัดที่ {i}",
                "kind": "quantitative",
                "direction": "higher",
                **{f"l{j}": 50 + 10 * j for j in range(1, 6)},
            }
            for i in range(1, 21)
        ]
    )
    return {
        M.UNIT_KPIS: units,
        M.KPI_CARDS: pd.DataFrame(columns=M.CARD_COLUMNS),
        M.KPI_HOLDERS: pd.DataFrame(holders),
    }


def test_carried_kpis_reports_what_it_changes_and_drafts_valid_agreements() -> None:
    many = [
        {
            "kpi_code": f"U01-K{i}",
            "person_id": "A",
            "weight": 5,
            "_row": 3 + i,
            "_sheet": "KPIHolders",
        }
        for i in range(1, 18)
    ]
    rows: list[dict[str, object]] = [
        *many,
        {"kpi_code": "U01-K1", "person_id": "B", "weight": 60, "_row": 30, "_sheet": "KPIHolders"},
        {"kpi_code": "U01-K1", "person_id": "B", "weight": 20, "_row": 31, "_sheet": "KPIHolders"},
        {
            "kpi_code": "U01-K2",
            "person_id": "B",
            "weight": None,
            "_row": 32,
            "_sheet": "KPIHolders",
        },
        {"kpi_code": "X-9", "person_id": "B", "weight": 5, "_row": 33, "_sheet": "KPIHolders"},
        {"kpi_code": "U01-K3", "person_id": "C", "weight": 70, "_row": 34, "_sheet": "KPIHolders"},
        {"kpi_code": "U01-K4", "person_id": "C", "weight": 30, "_row": 35, "_sheet": "KPIHolders"},
    ]
    carried = carried_kpis(strategy(rows))
    for pid, drafts in carried.drafts.items():
        codes = [d["kpi_code"] for d in drafts]
        assert len(codes) == len(set(codes)) <= KPI_ROWS, pid
        assert sum(Decimal(str(d["weight"])) for d in drafts) == 100, pid
        assert all(d["weight"] >= 1 for d in drafts)
    assert len(carried.drafts["A"]) == KPI_ROWS
    assert [d["parent_code"] for d in carried.drafts["B"]] == ["U01-K1", "U01-K2"]
    assert [d["weight"] for d in carried.drafts["B"]] == [50, 50]  # 80, and the blank as 80
    assert [d["weight"] for d in carried.drafts["C"]] == [70, 30]  # as the master says
    by_rule: dict[str, list[object]] = {}
    for f in carried.findings:
        by_rule.setdefault(f.rule, []).append(f)
    assert sorted(by_rule) == [
        "cascade.holder_duplicate",
        "cascade.holder_too_many",
        "cascade.holder_unknown",
        "cascade.holder_weights",
    ]
    (dup,) = by_rule["cascade.holder_duplicate"]
    assert (dup.person_id, dup.sheet, dup.cell) == ("B", "KPIHolders", "A31")  # type: ignore[attr-defined]
    (many_finding,) = by_rule["cascade.holder_too_many"]
    assert many_finding.person_id == "A"  # type: ignore[attr-defined]
    assert "U01-K16, U01-K17" in many_finding.message_en  # type: ignore[attr-defined]
    assert {f.person_id for f in by_rule["cascade.holder_weights"]} == {"A", "B"}  # type: ignore[attr-defined]
    assert by_rule["cascade.holder_unknown"][0].cell == "A33"  # type: ignore[attr-defined]


def test_holdings_without_a_row_limit_keep_every_kpi() -> None:
    rows = pd.DataFrame([{"kpi_code": f"K{i}", "person_id": "A", "weight": 5} for i in range(20)])
    held = holdings(rows, {f"K{i}" for i in range(20)})
    assert [w for _, w in held.kpis["A"]] == [Decimal(5)] * 20
    assert held.findings == []


@given(
    st.lists(
        st.one_of(st.none(), st.decimals(min_value=-5, max_value=1000, places=2)),
        min_size=1,
        max_size=KPI_ROWS,
    )
)
def test_weights_to_100_always_adds_up_to_100(weights: list[Decimal | None]) -> None:
    out = weights_to_100(weights)
    assert len(out) == len(weights)
    assert sum(out, Decimal(0)) == 100
    assert all(w >= 1 for w in out)
    given_ = [w for w in weights if w is not None and w > 0]
    if len(given_) == len(weights) and sum(given_, Decimal(0)) == 100:
        assert out == weights
    else:
        assert all(w == w.to_integral_value() for w in out)
