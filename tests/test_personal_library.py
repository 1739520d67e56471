"""The คลังตัวชี้วัด sheet and its picker in the personal workbook, and unit-KPI parent codes.

A pick in column O fills the KPI row by native formulas; kpixl reads the same values
without the file ever being recalculated, and LibreOffice computes the same values.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from kpixl.core.kpi_library import load_library
from kpixl.core.rules import default_rules
from kpixl.core.vocab import DIRECTIONS, KINDS
from kpixl.io.libreoffice import convert, soffice
from kpixl.workbooks import personal_layout as L
from kpixl.workbooks.personal import (
    PersonalData,
    check_personal,
    fill_personal,
    read_personal,
    write_personal,
)
from kpixl.workbooks.personal_template import library_rows

LIBRARY = load_library()
ROWS = library_rows(LIBRARY)
HR02 = next(r for r in ROWS if r["kpi_code"] == "HR-02")  # quantitative, lower is better
MILESTONE = next(r for r in ROWS if r["milestones"])
UNIT_KPIS = [{"code": "U01-K1", "name": "ร้อยละความพึงพอใจ"}, {"code": "U01-K2", "name": "จำนวนคำขอ"}]


def person() -> dict[str, object]:
    return {
        "name": "ทดสอบ ระบบ",
        "person_id": "1101700123456",
        "level_code": "K2",
        "unit": "U01",
        "unit_code": "U01",
        "probation": False,
    }


def picked_workbook(path: Path) -> Path:
    """Two rows picked from the library, one typed by hand; actuals and ratings filled."""
    rules = default_rules()
    data = PersonalData(
        round_id="2570/1",
        person=person(),
        kpis=[
            {"weight": 40, "parent_code": "U01-K1", "category": "strategic"},
            {"weight": 30, "category": "mission"},
            {
                "kpi_code": "OWN-1",
                "kpi_name": "งานที่พิมพ์เอง",
                "kind": "quantitative",
                "direction": "higher",
                "unit": "เรื่อง",
                "l1": 1,
                "l2": 2,
                "l3": 3,
                "l4": 4,
                "l5": 5,
                "weight": 30,
                "category": "assigned",
            },
        ],
        competencies=[{"competency": "การมุ่งผลสัมฤทธิ์", "expected": 2, "weight": 100}],
        actuals=[50, 4, Decimal("3.5")],
        ratings=[3],
        unit_kpis=UNIT_KPIS,
    )
    package_bytes = fill_personal(data, rules=rules)
    from kpixl.io.xlsx_package import Package

    edits = {
        L.AGREEMENT: {
            f"{L.PICK_COLUMN}{L.KPI_FIRST}": str(HR02["pick"]),
            f"{L.PICK_COLUMN}{L.KPI_FIRST + 1}": str(MILESTONE["pick"]),
        }
    }
    path.write_bytes(Package.read(package_bytes).patched(edits))  # type: ignore[arg-type]
    return path


def test_the_library_sheet_holds_every_library_kpi_grouped_by_job_line_and_task(
    tmp_path: Path,
) -> None:
    path = write_personal(tmp_path / "p.xlsx", PersonalData("2570/1", person()))
    wb = openpyxl.load_workbook(path)
    assert L.LIBRARY in wb.sheetnames
    ws = wb[L.LIBRARY]
    codes = [ws[f"D{L.LIB_FIRST + i}"].value for i in range(len(LIBRARY))]
    assert sorted(codes) == sorted(LIBRARY["id"])
    assert ws[f"D{L.LIB_FIRST + len(LIBRARY)}"].value is None
    keys = [ws[f"N{L.LIB_FIRST + i}"].value for i in range(len(LIBRARY))]
    # each (job line | task) is one contiguous block, so OFFSET/COUNTIF can list it
    blocks = [k for i, k in enumerate(keys) if i == 0 or keys[i - 1] != k]
    assert len(blocks) == len(set(keys))
    lines = [ws[f"{L.LIB_LINE_COLUMN}{L.LIB_FIRST + i}"].value for i in range(5)]
    assert set(lines) >= {
        "นักทรัพยากรบุคคล",
        "นักวิเคราะห์นโยบายและแผน",
        "นักวิชาการเงินและบัญชี",
        "นักวิชาการตรวจสอบภายใน",
        "นักจัดการงานทั่วไป",
    }
    assert ws.protection.sheet
    agreement = wb[L.AGREEMENT]
    sources = {str(dv.sqref): dv.formula1 for dv in agreement.data_validations.dataValidation}
    pick = L.column_range(L.PICK_COLUMN, L.KPI_FIRST, L.KPI_LAST)
    parent = L.column_range(L.KPI_COLUMNS["parent_code"][0], L.KPI_FIRST, L.KPI_LAST)
    assert sources[pick] == "kpixl_pick_list"
    assert sources[parent] == "kpixl_unit_kpis"
    assert sources[L.PICK_LINE_CELL] == "kpixl_lib_lines"
    assert sources[L.PICK_TASK_CELL] == "kpixl_task_list"
    assert agreement[L.PICK_LINE_CELL].protection.locked is False
    assert agreement[f"{L.PICK_COLUMN}{L.KPI_FIRST}"].protection.locked is False


def test_a_pick_fills_the_row_when_kpixl_reads_it(tmp_path: Path) -> None:
    form = read_personal(picked_workbook(tmp_path / "picked.xlsx"))
    rows = form.kpis.to_dict("records")
    assert [r["kpi_code"] for r in rows] == ["HR-02", MILESTONE["kpi_code"], "OWN-1"]
    first = rows[0]
    assert first["kpi_name"] == HR02["kpi_name"]
    assert first["direction"] == DIRECTIONS.label("lower")
    assert [first[f"l{i}"] for i in range(1, 6)] == [90, 75, 60, 45, 30]
    assert first["parent_code"] == "U01-K1" and first["weight"] == 40
    second = rows[1]
    assert second["kind"] == KINDS.label("milestone")
    assert all(pd.isna(second[f"l{i}"]) for i in range(1, 6))
    result = check_personal(form, rules=default_rules())
    assert [f for f in result.findings if f.severity == "error"] == []
    # 50 days against 90/75/60/45/30 (lower is better) reaches level 3 and a bit
    assert result.scores["achievement"] is not None


def test_the_unit_kpis_fill_the_parent_code_list(tmp_path: Path) -> None:
    path = picked_workbook(tmp_path / "picked.xlsx")
    ws = openpyxl.load_workbook(path)[L.LIBRARY]
    got = [
        (
            ws[f"{L.UNIT_KPI_CODE_COLUMN}{L.LIB_FIRST + i}"].value,
            ws[f"{L.UNIT_KPI_NAME_COLUMN}{L.LIB_FIRST + i}"].value,
        )
        for i in range(3)
    ]
    assert got == [("U01-K1", "ร้อยละความพึงพอใจ"), ("U01-K2", "จำนวนคำขอ"), (None, None)]


def _values(path: Path, sheet: str) -> list[list[object]]:
    return (
        CalamineWorkbook.from_path(str(path))
        .get_sheet_by_name(sheet)
        .to_python(skip_empty_area=False)
    )


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_computes_the_pick_the_lists_and_the_score(tmp_path: Path) -> None:
    src = picked_workbook(tmp_path / "picked.xlsx")
    line, task = str(HR02["job_line"]), str(HR02["task"])
    # a copy with the job line and task chosen and the dropdown sources evaluated in cells
    probe = tmp_path / "probe.xlsx"
    wb = openpyxl.load_workbook(src)
    ws = wb[L.AGREEMENT]
    ws[L.PICK_LINE_CELL] = line
    ws[L.PICK_TASK_CELL] = task
    ws["R1"] = "=ROWS(kpixl_pick_list)"
    ws["R2"] = "=INDEX(kpixl_pick_list,1)"
    ws["R3"] = "=ROWS(kpixl_task_list)"
    ws["R4"] = "=INDEX(kpixl_task_list,1)"
    ws["R5"] = "=ROWS(kpixl_unit_kpis)"
    ws["R6"] = "=INDEX(kpixl_unit_kpis,2)"
    wb.save(probe)
    out_src, out_probe = convert([src, probe], tmp_path / "lo", to="xlsx")
    grid = _values(out_probe, L.AGREEMENT)
    r = lambda n: grid[n - 1][17]  # noqa: E731  column R
    same_block = [x for x in ROWS if x["job_line"] == line and x["task"] == task]
    tasks = list(dict.fromkeys(x["task"] for x in ROWS if x["job_line"] == line))
    assert r(1) == len(same_block) and r(2) == same_block[0]["pick"]
    assert r(3) == len(tasks) and r(4) == tasks[0]
    assert r(5) == 2 and r(6) == "U01-K2"
    # the picked row, as LibreOffice computed it, is the library entry
    grid = _values(out_src, L.AGREEMENT)
    row = grid[L.KPI_FIRST - 1]
    index = {f: ord(L.KPI_COLUMNS[f][0]) - ord("A") for f in L.PICKED_FIELDS}
    for fld in L.PICKED_FIELDS:
        expected = HR02[fld]
        got = row[index[fld]]
        assert (got if got != "" else None) == expected or float(got) == expected, fld
    milestone_row = grid[L.KPI_FIRST]
    assert [milestone_row[index[f"l{i}"]] for i in range(1, 6)] == [""] * 5
    # the scores LibreOffice computed equal kpixl's, read from either file
    expected = check_personal(read_personal(src), rules=default_rules())
    again = check_personal(read_personal(out_src), rules=default_rules())
    assert again.scores == expected.scores
    assert [f.rule for f in again.findings if f.rule == "form.cached_mismatch"] == []
    achieved = CalamineWorkbook.from_path(str(out_src)).get_sheet_by_name(L.ACHIEVEMENT)
    cell = achieved.to_python(skip_empty_area=False)
    ref = L.ACH_RESULT_CELL
    value = cell[int(ref[1:]) - 1][ord(ref[0]) - ord("A")]
    assert abs(Decimal(str(value)) - expected.scores["achievement"]) <= Decimal("0.001")


def test_personal_new_with_the_master_prefills_the_unit_kpis_people_carry(tmp_path: Path) -> None:
    import subprocess
    import sys

    from kpixl.workbooks import master_layout as M
    from kpixl.workbooks.master import read_master

    master = Path(__file__).resolve().parents[1] / "workbooks" / "demo" / "master.xlsx"
    before = master.read_bytes()
    done = subprocess.run(
        [
            *(sys.executable, "-m", "kpixl", "personal", "new", "--master", str(master)),
            *("--out", str(tmp_path / "out"), "--round", "2570/1"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert master.read_bytes() == before
    inputs = read_master(master)
    holders = inputs.strategy[M.KPI_HOLDERS]
    units = inputs.strategy[M.UNIT_KPIS]
    files = sorted((tmp_path / "out").glob("*.xlsx"))
    assert len(files) == len(inputs.roster)
    checked = 0
    for path in files:
        form = read_personal(path)
        pid = str(form.meta["person_id"])
        mine = holders[holders["person_id"].astype(str) == pid]
        drafts = form.kpis
        assert list(drafts["parent_code"]) == list(mine["kpi_code"])
        assert list(drafts["kpi_code"]) == [f"{c}-I" for c in mine["kpi_code"]]
        assert [float(w) for w in drafts["weight"]] == [float(w) for w in mine["weight"]]
        for draft in drafts.to_dict("records"):
            unit_kpi = units[units["code"] == draft["parent_code"]].iloc[0]
            assert draft["kpi_name"] == unit_kpi["name"]
            assert [draft[f"l{i}"] for i in range(1, 6)] == [unit_kpi[f"l{i}"] for i in range(1, 6)]
        unit = str(form.meta["unit_code"])
        ws = openpyxl.load_workbook(path)[L.LIBRARY]
        listed = [
            ws[f"{L.UNIT_KPI_CODE_COLUMN}{L.LIB_FIRST + i}"].value for i in range(L.UNIT_KPI_ROWS)
        ]
        assert [c for c in listed if c] == list(units[units["unit"] == unit]["code"])
        checked += len(drafts)
    assert checked >= len(holders) > 0
