"""The unit workbook and `kpixl collect`: metadata over names, newest revision, live formulas."""

from __future__ import annotations

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
from kpixl.io.backups import generations
from kpixl.io.libreoffice import convert, soffice
from kpixl.workbooks import personal_layout as PL
from kpixl.workbooks import unit_layout as U
from kpixl.workbooks.unit import read_unit

DEMO = Path(__file__).resolve().parents[1] / "workbooks" / "demo"


def digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.xlsx"))
    }


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kpixl", *args], capture_output=True, text=True, check=False
    )


def test_collect_recognises_files_by_metadata_and_keeps_the_newest(tmp_path: Path) -> None:
    unit = tmp_path / "U01.xlsx"
    shutil.copy(DEMO / "units" / "U01.xlsx", unit)
    inbox = tmp_path / "inbox"
    shutil.copytree(DEMO / "personal" / "U01", inbox)
    files = sorted(inbox.glob("*.xlsx"))
    files[0].rename(inbox / "ไฟล์แนบจากอีเมล.xlsx")  # a renamed attachment
    older = inbox / "สำเนา.xlsx"
    shutil.copy(inbox / "ไฟล์แนบจากอีเมล.xlsx", older)
    wb = openpyxl.load_workbook(older)
    wb[PL.HIDDEN][PL.meta_cell("revision")] = 1
    wb.save(older)
    sources = digest(inbox)
    result = run("collect", str(unit), "--from", str(inbox))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "collect.duplicate_workbook" in result.stdout and "สำเนา.xlsx" in result.stdout
    assert digest(inbox) == sources
    form = read_unit(unit)
    assert len(form.people) == 7
    assert form.people["total"].notna().all()
    assert "ไฟล์แนบจากอีเมล.xlsx" in set(form.people["source_file"])
    assert int(form.meta["revision"]) > 1
    assert generations(unit)  # the unit workbook as it was, kept


def test_collect_reports_missing_and_foreign_workbooks(tmp_path: Path) -> None:
    unit = tmp_path / "U01.xlsx"
    shutil.copy(DEMO / "units" / "U01.xlsx", unit)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    mine = sorted((DEMO / "personal" / "U01").glob("*.xlsx"))
    for path in mine[1:]:
        shutil.copy(path, inbox)
    shutil.copy(sorted((DEMO / "personal" / "U02").glob("*.xlsx"))[0], inbox)
    (inbox / "notes.xlsx").write_text("not a workbook", encoding="utf-8")
    result = run("collect", str(unit), "--from", str(inbox))
    assert result.returncode == 1
    for rule in ("collect.missing_workbook", "collect.not_in_unit", "file.not_xlsx"):
        assert rule in result.stdout


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_unit_pool_formulas_equal_the_core(tmp_path: Path) -> None:
    unit = DEMO / "units" / "U02.xlsx"
    form = read_unit(unit)
    [recalculated] = convert([unit], tmp_path, to="xlsx")
    grid = (
        CalamineWorkbook.from_path(str(recalculated))
        .get_sheet_by_name(U.PEOPLE)
        .to_python(skip_empty_area=False)
    )
    expected_used = Decimal(0)
    cols = {f: ord(letter) - ord("A") for f, (letter, _) in U.PEOPLE_COLUMNS.items()}
    for i, person in enumerate(form.people.to_dict("records")):
        row = grid[U.FIRST_ROW - 1 + i]
        if person["pct"] is None:
            continue
        inc = salary_increase(person["salary"], str(person["level_code"]), str(person["pct"]))
        assert Decimal(str(row[cols["base"]])) == inc.base
        assert Decimal(str(row[cols["increase"]])) == inc.increase
        assert abs(
            Decimal(str(row[cols["special_compensation"]])) - inc.special_compensation
        ) < Decimal("0.001")
        expected_used += inc.cost
    used = Decimal(str(grid[int(U.USED_CELL[1:]) - 1][3]))
    left = Decimal(str(grid[int(U.LEFT_CELL[1:]) - 1][5]))
    share = Decimal(str(form.pool_share))
    assert abs(used - expected_used) < Decimal("0.001")
    assert abs(left - (share - expected_used)) < Decimal("0.001")
    assert used <= share
