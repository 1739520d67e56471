"""Consolidate end to end: the committed demo, the messy demo, and LibreOffice on the master."""

from __future__ import annotations

import csv
import hashlib
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from kpixl.core.salary import salary_increase
from kpixl.io.backups import BACKUP_DIR, generations
from kpixl.io.libreoffice import convert, soffice
from kpixl.jobs.consolidate import consolidate
from kpixl.jobs.demo import build_demo
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.master import read_master

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "workbooks" / "demo"


def hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*.xlsx"))
        if p.name != "master.xlsx" and BACKUP_DIR not in p.parts
    }


@pytest.fixture()
def demo(tmp_path: Path) -> Path:
    target = tmp_path / "demo"
    shutil.copytree(DEMO, target, ignore=shutil.ignore_patterns("*.bak", BACKUP_DIR, "results.csv"))
    return target


def roster_ids(master: Path) -> list[str]:
    return [str(v) for v in read_master(master).roster["person_id"]]


def check_round(master: Path, result: object) -> None:
    """Invariants every consolidation keeps."""
    results = result.results  # type: ignore[attr-defined]
    findings = result.findings  # type: ignore[attr-defined]
    pools = result.pools  # type: ignore[attr-defined]
    ids = roster_ids(master)
    in_results = list(results["person_id"])
    assert len(in_results) == len(set(in_results)), "a person appears twice in Results"
    no_result = {f.person_id for f in findings if f.rule == "consolidate.no_evaluation"}
    assert set(in_results) | no_result == set(ids)
    assert not set(in_results) & no_result
    for pool in pools.to_dict("records"):
        assert pool["used"] <= pool["pool"], pool
    for row in results.to_dict("records"):
        if row["eligible"]:
            inc = salary_increase(row["salary"], row["level_code"], row["pct"])
            assert (row["increase"], row["new_salary"]) == (inc.increase, inc.new_salary)
            assert row["special_compensation"] == inc.special_compensation
        else:
            assert row["pct"] == 0 and row["increase"] == 0 and row["reason"]


@pytest.mark.pipeline
def test_committed_demo_consolidates_cleanly_and_reproducibly(demo: Path) -> None:
    master = demo / "master.xlsx"
    sources = hashes(demo)
    original = master.read_bytes()
    first = consolidate(master, export=demo / "results.csv", jobs=1)
    assert first.exit_code == 0, [str(f) for f in first.findings]
    assert len(first.results) == 20 and first.units_read == 3
    check_round(master, first)
    assert hashes(demo) == sources, "a source workbook was modified"
    once = master.read_bytes()
    # the master as it was is kept, unless it already held these very bytes
    assert [p.read_bytes() for p in generations(master)] == ([] if once == original else [original])
    second = consolidate(master, export=demo / "results.csv", jobs=2)
    assert master.read_bytes() == once, "a second run changed the master"
    assert second.results.equals(first.results)
    with open(demo / "results.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == M.EXPORT_COLUMNS
    assert len(rows) == 21
    # the committed demo already holds exactly this output
    assert master.read_bytes() == (DEMO / "master.xlsx").read_bytes()


@pytest.mark.pipeline
def test_master_sheets_hold_the_results(demo: Path) -> None:
    master = demo / "master.xlsx"
    result = consolidate(master, jobs=1)
    wb = openpyxl.load_workbook(master)
    results = wb[M.RESULTS]
    id_column = M.RESULT_COLUMNS.index("person_id") + 1
    ids = [
        results.cell(row=r, column=id_column).value for r in range(M.FIRST_ROW, M.FIRST_ROW + 20)
    ]
    assert ids == list(result.results["person_id"])
    assert [c.value for c in results[M.HEADER_ROW]][: len(M.RESULT_HEADERS)] == list(
        M.RESULT_HEADERS
    )
    paid = result.results[
        (result.results["increase"] > 0) | (result.results["special_compensation"] > 0)
    ]
    # the documents: a list under its header row (ที่ 1, 2, …), after the document's text
    order = [c.value for c in wb[M.SALARY_ORDER]["A"]]
    head = order.index(M.SALARY_ORDER_HEADERS[0])
    assert [v for v in order[head + 1 :] if isinstance(v, int)] == list(range(1, len(paid) + 1))
    sheet = wb[M.ANNOUNCEMENT]
    head = [c.value for c in sheet["B"]].index(M.ANNOUNCEMENT_HEADERS[1]) + 1
    bands = [sheet.cell(r, 5).value for r in range(head + 1, sheet.max_row + 1)]
    top = result.results["band"].isin(["ดีเด่น", "ดีมาก"]).sum()
    assert sum(1 for b in bands if b in ("ดีเด่น", "ดีมาก")) == top
    assert str(wb[M.SUMMARY].cell(row=M.FIRST_ROW, column=3).value).startswith("=COUNTIF(")
    assert len(wb[M.CHARTS]._charts) == 2


@pytest.mark.pipeline
def test_messy_demo_lists_every_problem(tmp_path: Path) -> None:
    demo = build_demo(tmp_path / "messy", messy=True)
    sources = hashes(tmp_path / "messy")
    result = consolidate(demo.master, jobs=1)
    assert result.exit_code == 1
    rules = {f.rule for f in result.findings}
    for expected in (
        "file.corrupt",  # a truncated unit workbook
        "collect.duplicate_workbook",  # a personal workbook sent twice
        "form.formula_overwritten",
        "form.cached_mismatch",
        "form.sealed_changed",
        "cell.thai_digits",
        "collect.missing_workbook",
        "consolidate.no_evaluation",  # the person whose workbook never arrived
        "roster.email",  # a comma for a dot in an address
        "roster.duplicate_email",  # two people with one address
        "units.head_email",  # a head's name and address in one cell
    ):
        assert expected in rules, expected
    for f in result.findings:
        assert f.message_th and f.message_en
        assert "nan" not in (f.sheet, f.cell, f.value)
    check_round(demo.master, result)
    assert len(result.results) == 19  # everyone but the missing person, renamed file included
    assert hashes(tmp_path / "messy") == sources
    wb = openpyxl.load_workbook(demo.master)
    issues = wb[M.ISSUES]
    listed = {
        issues.cell(row=r, column=2).value
        for r in range(M.FIRST_ROW, M.FIRST_ROW + len(result.findings))
    }
    assert listed == rules


def test_config_overrides_change_the_rules(demo: Path) -> None:
    master = demo / "master.xlsx"
    before = consolidate(master, jobs=1).results.set_index("person_id")["total"]
    wb = openpyxl.load_workbook(master)
    ws = wb[M.CONFIG]
    for row in ws.iter_rows(min_row=M.FIRST_ROW):
        if row[0].value == "weights.achievement":
            row[1].value = 80
        if row[0].value == "weights.competency":
            row[1].value = 20
    wb.save(master)
    after = consolidate(master, jobs=1)
    assert after.exit_code == 0
    totals = after.results.set_index("person_id")
    changed = (totals["total"] != before).sum()
    assert changed > 10
    row = totals.iloc[0]
    assert row["total"] == (row["achievement"] * 80 / 100 + row["competency"] * 20 / 100).quantize(
        Decimal("0.01")
    )


def test_bad_config_and_missing_units_are_findings(demo: Path, tmp_path: Path) -> None:
    master = demo / "master.xlsx"
    wb = openpyxl.load_workbook(master)
    for row in wb[M.CONFIG].iter_rows(min_row=M.FIRST_ROW):
        if row[0].value == "weights.achievement":
            row[1].value = 60
            bad_row = row[1].row
    wb.save(master)
    result = consolidate(master, jobs=1)
    assert result.exit_code == 1
    [f] = [
        f for f in result.findings if f.rule == "config.rule" and f.field == "weights.achievement"
    ]
    assert f.sheet == M.CONFIG and f.cell == f"B{bad_row}"
    empty = tmp_path / "empty"
    empty.mkdir()
    result = consolidate(DEMO / "master.xlsx", units_dir=empty, write=False)
    assert [f.rule for f in result.findings] == ["consolidate.no_units"]


@pytest.mark.pipeline
def test_cli_exit_codes_and_json(demo: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kpixl", *args], capture_output=True, text=True, check=False
        )

    ok = run("consolidate", str(demo / "master.xlsx"), "--json", "--policy", "table")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert '"people": 20' in ok.stdout
    usage = run("consolidate", str(demo / "master.xlsx"), "--policy", "guess")
    assert usage.returncode == 2
    assert "Traceback" not in usage.stderr


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_master_native_formulas_equal_python(demo: Path, tmp_path: Path) -> None:
    master = demo / "master.xlsx"
    result = consolidate(master, jobs=1)
    [recalculated] = convert([master], tmp_path / "lo", to="xlsx")
    book = CalamineWorkbook.from_path(str(recalculated))
    summary = book.get_sheet_by_name(M.SUMMARY).to_python(skip_empty_area=False)
    bands = [b.name for b in result.rules.bands]  # type: ignore[union-attr]
    for i, row in enumerate(result.summary.to_dict("records")):
        cells = summary[M.FIRST_ROW - 1 + i]
        assert cells[0] == row["unit"]
        assert int(cells[2]) == row["headcount"]
        for j, band in enumerate(bands):
            assert int(cells[3 + j]) == row[band], (row["unit"], band)
        assert Decimal(str(cells[3 + len(bands)])).quantize(Decimal("0.01")) == row[
            "used"
        ].quantize(Decimal("0.01"))
    total = summary[M.FIRST_ROW - 1 + len(result.summary)]
    assert int(total[2]) == len(result.results)
    pools = book.get_sheet_by_name(M.POOLS).to_python(skip_empty_area=False)
    for i, row in enumerate(result.pools.to_dict("records")):
        cells = pools[M.FIRST_ROW - 1 + i]
        used, left = Decimal(str(cells[4])), Decimal(str(cells[5]))
        assert abs(used - row["used"]) < Decimal("0.001")
        assert abs(left - row["leftover"]) < Decimal("0.001")
    histogram = book.get_sheet_by_name(M.CHARTS).to_python(skip_empty_area=False)
    counts = [int(histogram[M.FIRST_ROW - 1 + i][1]) for i in range(len(M.CHART_BINS))]
    assert sum(counts) == len(result.results)


@pytest.mark.pipeline
def test_the_same_person_in_two_unit_workbooks_is_counted_once(demo: Path) -> None:
    units = demo / "units"
    copy = units / "U01_ส่งซ้ำ.xlsx"
    shutil.copy(units / "U01.xlsx", copy)
    result = consolidate(demo / "master.xlsx", jobs=1)
    duplicates = [f for f in result.findings if f.rule == "consolidate.duplicate_person"]
    assert len(duplicates) == 7  # everyone in U01
    assert all(f.severity == "warning" and "U01" in f.message_en for f in duplicates)
    check_round(demo / "master.xlsx", result)
    assert len(result.results) == 20


def test_written_rows_take_the_templates_formats(demo: Path) -> None:
    """The salary order prints as an official list: Thai font, borders, 1,234 and 1.99."""
    master = demo / "master.xlsx"
    result = consolidate(master, jobs=1)
    wb = openpyxl.load_workbook(master)
    order = wb[M.SALARY_ORDER]
    first = [c.value for c in order["A"]].index(M.SALARY_ORDER_HEADERS[0]) + 2
    last = first + int((result.results["increase"] > 0).sum()) - 1
    width = len(M.SALARY_ORDER_HEADERS)
    for row in (first, last):
        formats = [order.cell(row=row, column=c).number_format for c in range(1, width + 1)]
        assert formats == list(M.DOC_FORMATS[M.SALARY_ORDER])
        assert all(
            order.cell(row=row, column=c).font.name == "TH SarabunPSK" for c in range(1, width + 1)
        )
        assert order.cell(row=row, column=2).border.left.style == "thin"
    results = wb[M.RESULTS]
    salary = M.RESULT_COLUMNS.index("salary") + 1
    assert results.cell(row=M.FIRST_ROW + 19, column=salary).number_format == M.BAHT
    # a blank cell in a written row keeps its column's look (and the next run its formats)
    reason = M.RESULT_COLUMNS.index("reason") + 1
    blanks = [
        results.cell(row=r, column=reason)
        for r in range(M.FIRST_ROW, M.FIRST_ROW + 20)
        if results.cell(row=r, column=reason).value is None
    ]
    assert blanks and all(c.font.name == "TH SarabunPSK" for c in blanks)
    summary = wb[M.SUMMARY]
    assert summary.cell(row=M.HEADER_ROW, column=4).fill.fgColor.rgb == (
        summary.cell(row=M.HEADER_ROW, column=1).fill.fgColor.rgb
    )  # the band headers written with the data look like the template's header
    assert int(wb[M.RESULTS].page_setup.paperSize) == int(wb[M.RESULTS].PAPERSIZE_A4)


@pytest.mark.pipeline
def test_result_sheets_built_in_parallel_give_the_same_bytes(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Big rounds build the result sheets in pieces across processes: the bytes do not
    depend on the number of processes, and the sheets say what the one-piece build says."""
    import io
    import zipfile

    from kpixl.jobs.consolidate import output_sheets
    from kpixl.workbooks import master as master_module
    from kpixl.workbooks.master import result_bytes

    monkeypatch.setattr(master_module, "PIECE_ROWS", 3)  # several pieces per sheet
    master = demo / "master.xlsx"
    result = consolidate(master, write=False)
    sheets = output_sheets(result)
    assert len(sheets) > 3 and sum(len(rows) for rows, _ in sheets.values()) > 20
    source = master.read_bytes()
    whole = result_bytes(source, sheets, jobs=1)
    serial = result_bytes(source, sheets, jobs=1, parallel_from=0)
    parallel = result_bytes(source, sheets, jobs=2, parallel_from=0)
    assert parallel == serial

    def parts(data: bytes) -> dict[str, bytes]:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            assert zf.testzip() is None  # every CRC right
            return {name: zf.read(name) for name in zf.namelist()}

    assert parts(parallel) == parts(whole)


@pytest.mark.parametrize("member", ["xl/styles.xml", "roster"])
def test_a_damaged_master_is_a_finding_and_is_left_alone(demo: Path, member: str) -> None:
    """A master with a damaged member (CRC) — the roster, read while the workers run, or
    any other part — gives a finding, writes nothing and raises nothing."""
    import zipfile

    from kpixl.io.xlsx_package import sheet_parts

    master = demo / "master.xlsx"
    with zipfile.ZipFile(master) as zf:
        if member == "roster":
            member = sheet_parts({n: zf.read(n) for n in zf.namelist()})[M.ROSTER]
        info = zf.getinfo(member)
    data = bytearray(master.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(5, info.compress_size - 5, 31):
        data[start + offset] ^= 0x5A
    master.write_bytes(bytes(data))
    before = master.read_bytes()
    result = consolidate(master)
    assert result.exit_code == 1
    assert {f.rule for f in result.findings} & {"file.corrupt", "file.not_kpixl"}
    assert master.read_bytes() == before and not generations(master)
