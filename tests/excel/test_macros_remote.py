"""The workbook buttons, run end to end through xlwings' remote engine.

A payload is built from a real demo workbook (what Excel would send); the macro runs
against ``xw.Book(json=payload)``; the actions it returns are applied to the payload's
values and compared with what the CLI writes into the file for the same inputs.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest
import xlwings as xw
from xlwings_payload import apply, drop_sheet, file_grid, payload, rows_from

from kpixl.excel import macros
from kpixl.jobs.cascade import alignment_rows, cascade_report
from kpixl.jobs.collect import collect as collect_files
from kpixl.jobs.consolidate import consolidate as consolidate_file
from kpixl.workbooks import master_layout as M
from kpixl.workbooks import unit_layout as U

DEMO = Path(__file__).resolve().parents[2] / "workbooks" / "demo"


@pytest.fixture()
def demo(tmp_path: Path) -> Path:
    target = tmp_path / "demo"
    shutil.copytree(DEMO, target)
    return target


def hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def run(macro: Any, data: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    book = xw.Book(json=data)
    macro(book)
    return data, book.json()["actions"]


def status(grids: dict[str, list[list[Any]]], sheet: str, cell: str) -> str:
    row, col = int(cell[1:]) - 1, ord(cell[0]) - ord("A")
    return str(grids[sheet][row][col])


def test_consolidate_button_gives_the_same_results_as_the_cli(demo: Path) -> None:
    master = demo / "master.xlsx"
    before = hashes(demo)
    data, actions = run(macros.consolidate, payload(master))
    assert hashes(demo) == before  # the macro writes only through the Book API
    grids = apply(data, actions)
    assert status(grids, M.CONFIG, M.STATUS_CELL).startswith("✓")
    cli = demo / "cli.xlsx"
    shutil.copy(master, cli)
    shutil.rmtree(demo / "units_cli", ignore_errors=True)
    result = consolidate_file(cli, units_dir=demo / "units", jobs=1)
    assert len(result.results) == 20
    width = len(M.RESULT_COLUMNS)
    ours = rows_from(grids[M.RESULTS], M.FIRST_ROW, width)
    theirs = rows_from(file_grid(cli, M.RESULTS), M.FIRST_ROW, width)
    assert len(ours) == 20 and ours == theirs
    for sheet in (M.ISSUES, M.ANNOUNCEMENT, M.SALARY_ORDER):
        assert rows_from(grids[sheet], M.FIRST_ROW) == rows_from(file_grid(cli, sheet), M.FIRST_ROW)
    # pools: the values (formulas are checked by LibreOffice elsewhere)
    pools = [[r[0], r[1], r[2], r[3], r[6], r[7]] for r in rows_from(grids[M.POOLS], M.FIRST_ROW)]
    cli_pools = [
        [r[0], r[1], r[2], r[3], r[6], r[7]]
        for r in rows_from(file_grid(cli, M.POOLS), M.FIRST_ROW)
    ]
    assert pools == cli_pools and pools
    summary = rows_from(grids[M.SUMMARY], M.HEADER_ROW)
    assert str(summary[1][2]).startswith("=COUNTIF(")  # live formulas, as in the file


def test_a_config_problem_is_a_message_and_issues_not_a_traceback(demo: Path) -> None:
    data = payload(demo / "master.xlsx")
    config = next(s for s in data["sheets"] if s["name"] == M.CONFIG)
    row = next(i for i, r in enumerate(config["values"]) if r and r[0] == "units_folder")
    config["values"][row][1] = "no-such-folder"
    data, actions = run(macros.consolidate, data)
    grids = apply(data, actions)
    assert status(grids, M.CONFIG, M.STATUS_CELL).startswith("✗")
    issues = rows_from(grids[M.ISSUES], M.FIRST_ROW)
    assert [r[1] for r in issues] == ["consolidate.no_units"]
    assert "no-such-folder" in str(issues[0][7])


def test_an_unexpected_failure_becomes_the_status_message(demo: Path) -> None:
    data = payload(demo / "master.xlsx")
    drop_sheet(data, M.RESULTS)  # a sheet deleted
    data, actions = run(macros.consolidate, data)
    grids = apply(data, actions)
    message = status(grids, M.CONFIG, M.STATUS_CELL)
    assert message.startswith("✗ ทำงานไม่สำเร็จ") and "failed" in message


def test_reports_button_writes_the_alignment_sheet(demo: Path) -> None:
    master = demo / "master.xlsx"
    data, actions = run(macros.reports, payload(master))
    grids = apply(data, actions)
    expected = alignment_rows(cascade_report(master).alignment)  # type: ignore[arg-type]
    got = rows_from(grids[M.ALIGNMENT], M.FIRST_ROW)
    assert len(got) == len(expected) > 3
    for ours, theirs in zip(got, expected, strict=True):
        assert ours[:2] == theirs[:2]
        assert [float(v) for v in ours[2:]] == [float(v) for v in theirs[2:]]  # type: ignore[arg-type]
    assert status(grids, M.CONFIG, M.STATUS_CELL).startswith("✓")


def test_collect_button_fills_the_unit_workbook_like_the_cli(demo: Path) -> None:
    unit = demo / "units" / "U01.xlsx"
    before = hashes(demo)
    data, actions = run(macros.collect, payload(unit))
    assert hashes(demo) == before
    grids = apply(data, actions)
    assert status(grids, U.PEOPLE, U.STATUS_CELL).startswith("✓")
    cli = demo / "cli-U01.xlsx"
    shutil.copy(unit, cli)
    collect_files(cli, demo / "personal" / "U01")
    inputs = [i for i, f in enumerate(U.PEOPLE_COLUMNS) if f not in U.FORMULA_FIELDS]
    ours = [[r[i] for i in inputs] for r in rows_from(grids[U.PEOPLE], U.FIRST_ROW)]
    theirs = [[r[i] for i in inputs] for r in rows_from(file_grid(cli, U.PEOPLE), U.FIRST_ROW)]
    assert len(ours) == 7 and ours == theirs
    formula_col = list(U.PEOPLE_COLUMNS).index("increase")
    assert str(rows_from(grids[U.PEOPLE], U.FIRST_ROW)[0][formula_col]).startswith("=IF(")
    for sheet in (U.KPIS, U.COMPETENCIES):
        assert rows_from(grids[sheet], 2) == rows_from(file_grid(cli, sheet), 2)


def test_allocate_button_proposes_pct_within_the_unit_share(demo: Path) -> None:
    from decimal import Decimal

    from kpixl.core.salary import salary_increase

    unit = demo / "units" / "U02.xlsx"
    pct_col = list(U.PEOPLE_COLUMNS).index("pct")
    data = payload(unit)
    people = next(s for s in data["sheets"] if s["name"] == U.PEOPLE)["values"]
    for row in people[U.FIRST_ROW - 1 :]:
        if row and row[0]:
            row[pct_col] = ""  # the unit head has proposed nothing yet
    data, actions = run(macros.allocate, data)
    grids = apply(data, actions)
    assert status(grids, U.PEOPLE, U.STATUS_CELL).startswith("✓")
    share = Decimal(str(grids[U.PEOPLE][int(U.SHARE_CELL[1:]) - 1][1]))
    cols = list(U.PEOPLE_COLUMNS)
    spent = Decimal(0)
    proposed = 0
    for row in rows_from(grids[U.PEOPLE], U.FIRST_ROW):
        pct = row[pct_col]
        if pct in ("", None):
            continue
        proposed += 1
        inc = salary_increase(
            row[cols.index("salary")], str(row[cols.index("level_code")]), Decimal(str(pct))
        )
        spent += inc.increase + inc.special_compensation
    assert proposed >= 5 and 0 < spent <= share


def test_new_round_and_seal_buttons_write_and_seal_personal_workbooks(demo: Path) -> None:
    from kpixl.workbooks.personal import read_personal

    target = demo / "new-round"
    data = payload(demo / "master.xlsx")
    config = next(s for s in data["sheets"] if s["name"] == M.CONFIG)
    row = next(i for i, r in enumerate(config["values"]) if r and r[0] == "personal_folder")
    config["values"][row][1] = str(target)
    data, actions = run(macros.new_round, data)
    grids = apply(data, actions)
    assert status(grids, M.CONFIG, M.STATUS_CELL).startswith("✓")
    files = sorted(target.rglob("*.xlsx"))
    assert len(files) == 20
    assert {f.parent.name for f in files} == {"U01", "U02", "U03"}  # where Collect looks
    form = read_personal(files[0])
    assert not form.kpis.empty and form.kpis["parent_code"].notna().all()  # the KPIs assigned
    # pressed again, it overwrites nothing that may have been filled in meanwhile
    stamp = {f: f.stat().st_mtime_ns for f in files}
    data, actions = run(macros.new_round, data)
    assert "wrote 0 personal workbooks" in status(apply(data, actions), M.CONFIG, M.STATUS_CELL)
    assert "20 existed" in status(apply(data, actions), M.CONFIG, M.STATUS_CELL)
    assert {f: f.stat().st_mtime_ns for f in files} == stamp
    # drafts whose weights do not add up to 100 yet are refused, each named in Issues (the
    # drafts from KPIHolders add up to 100: one person changes a weight and no other)
    import openpyxl

    from kpixl.workbooks import personal_layout as PL

    wb = openpyxl.load_workbook(files[0])
    wb[PL.AGREEMENT][PL.kpi_cell("weight", 0)] = (
        wb[PL.AGREEMENT][PL.kpi_cell("weight", 0)].value + 5
    )
    wb.save(files[0])
    data, actions = run(macros.seal, data)
    grids = apply(data, actions)
    refused = {r[3] for r in rows_from(grids[M.ISSUES], M.FIRST_ROW) if r[1] == "seal.refused"}
    sealed = {f.name for f in files if read_personal(f).meta["fingerprint"]}
    assert sealed and refused and sealed | refused == {f.name for f in files}
    assert not sealed & refused
    message = status(grids, M.CONFIG, M.STATUS_CELL)
    assert f"sealed {len(sealed)} workbooks, 0 already sealed; {len(refused)} refused" in message
    # a second press seals nothing again: a sealed agreement keeps its fingerprint
    before = {f.name: read_personal(f).meta["fingerprint"] for f in files}
    data, actions = run(macros.seal, data)
    message = status(apply(data, actions), M.CONFIG, M.STATUS_CELL)
    assert f"sealed 0 workbooks, {len(sealed)} already sealed" in message
    assert {f.name: read_personal(f).meta["fingerprint"] for f in files} == before


def test_the_demo_master_xlsm_consolidates_through_its_button(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = tmp_path / "demo"
    done = subprocess.run(
        [sys.executable, "-m", "kpixl", "demo", str(out), "--xlsm"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    xlsm = out / "master.xlsm"
    data, actions = run(macros.consolidate, payload(xlsm))
    grids = apply(data, actions)
    assert status(grids, M.CONFIG, M.STATUS_CELL).startswith("✓")
    cli = consolidate_file(out / "master.xlsx", jobs=1)
    ours = rows_from(grids[M.RESULTS], M.FIRST_ROW, len(M.RESULT_COLUMNS))
    assert len(ours) == len(cli.results) == 20
    # the unit head's copy: Collect finds the unit's personal workbooks on its own
    unit = out / "units-xlsm" / "U01.xlsm"
    data, actions = run(macros.collect, payload(unit))
    message = status(apply(data, actions), U.PEOPLE, U.STATUS_CELL)
    assert message.startswith("✓") and str(out / "personal" / "U01") in message
