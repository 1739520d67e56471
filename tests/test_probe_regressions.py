"""Regressions found by probing issue 13 end to end through the CLI.

1. A milestone KPI's actual typed as text ("7", Thai digits "๗") outside 0–5: the
   text note (a warning on the cell) hid the evaluation's error on the same cell, so
   ``kpixl validate`` printed ✓ and exited 0 while saying the scores cannot be
   computed, and ``collect`` wrote the unit without a word.
2. Text from a workbook reached the console raw: an escape sequence (``\\x1b[2J``)
   or another control character typed in a cell was printed as is, so a sender could
   rewrite what the HR officer's terminal shows.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from personal_cases import all_cases

from kpixl.cli import cli
from kpixl.cli.output import finding_line
from kpixl.core.codes import finding
from kpixl.core.seal import key_id
from kpixl.io.limits import UNIT, Extent, check_extent
from kpixl.workbooks import personal_layout as L
from kpixl.workbooks.personal import write_personal

MILESTONE_FIRST = next(c for c in all_cases() if c.data.kpis[0]["kind"] == "milestone")


def actual_cell(i: int) -> str:
    return f"{L.ACH_COLUMNS['actual']}{L.ACH_FIRST + i}"


@pytest.mark.parametrize("typed", ["7", "๗", " 1,000 "])
def test_text_milestone_level_out_of_range_is_an_error(tmp_path: Path, typed: str) -> None:
    src = write_personal(tmp_path / "src.xlsx", MILESTONE_FIRST.data)
    wb = openpyxl.load_workbook(src)
    wb[L.ACHIEVEMENT][actual_cell(0)] = typed
    path = tmp_path / "person.xlsx"
    wb.save(path)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    assert "ERROR result.milestone_level" in result.output
    assert f"{L.ACHIEVEMENT} › {actual_cell(0)}" in result.output
    assert "✓" not in result.output


@pytest.mark.parametrize("text", ["\x1b[2J\x1b[31mOK", "93\x0b\x01", "a\x9bb\x7f"])
def test_console_lines_carry_no_control_characters(text: str) -> None:
    f = finding("cell.not_a_number", field="actual", value=text, label="ผลการดำเนินงานจริง")
    line = finding_line(f)
    assert not any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F for ch in line), repr(line)


def test_sheet_too_large_reads_naturally_in_thai() -> None:
    """A cell far out (not declared) said ``ใช้ถึงถึงช่อง`` (a word twice)."""
    used = check_extent(Extent(rows=1_048_576, cols=100), UNIT, "U01.xlsx", "บุคลากร")
    declared = check_extent(
        Extent(declared_rows=1_048_576, declared_cols=16_384), UNIT, "U01.xlsx", "บุคลากร"
    )
    assert used is not None and declared is not None
    assert "แผ่นงานนี้มีข้อมูลถึงช่อง CV1048576" in used.message_th
    assert "แผ่นงานนี้ระบุขนาดไว้ว่าถึงช่อง XFD1048576" in declared.message_th
    assert "ถึงถึง" not in used.message_th + declared.message_th


DEMO = Path(__file__).resolve().parents[1] / "workbooks" / "demo"


def test_consolidate_a_folder_without_unit_workbooks_leaves_the_master(tmp_path: Path) -> None:
    """``--units`` naming a folder of personal workbooks (a wrong folder, no unit
    workbook in it) wrote a master with empty Results, as if 7 units had no one."""
    shutil.copytree(DEMO, tmp_path / "demo", ignore=shutil.ignore_patterns(".kpixl-backups"))
    master = tmp_path / "demo" / "master.xlsx"
    before = master.read_bytes()
    wrong = tmp_path / "demo" / "personal" / "U01"
    result = CliRunner().invoke(cli, ["consolidate", str(master), "--units", str(wrong)])
    assert result.exit_code == 1, result.output
    assert "ERROR file.not_kpixl" in result.output
    assert "ERROR consolidate.no_units" in result.output
    assert "✓" not in result.output
    assert master.read_bytes() == before
    assert not (master.parent / ".kpixl-backups").exists()


def test_cached_mismatch_shows_the_number_as_typed(tmp_path: Path) -> None:
    """A total overwritten with 99 was shown as ``(99.0)``: a Python float."""
    src = sorted((DEMO / "personal" / "U01").glob("*.xlsx"))[0]
    wb = openpyxl.load_workbook(src)
    wb[L.SUMMARY][f"{L.SUM_WEIGHTED_COL}{L.SUM_ROWS['total']}"] = 99.0  # the total
    path = tmp_path / "person.xlsx"
    wb.save(path)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    lines = [line for line in result.output.splitlines() if "form.cached_mismatch" in line]
    assert lines, result.output
    assert "(99)" in lines[0]
    assert "99.0" not in result.output


def test_seal_key_id_below_the_rules_is_still_the_key_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ``seal_key_id`` row appended at the end of Config (below ``rules``, where a
    person adds a row) was silently ignored by ``validate``/``seal --master`` (a plain
    SHA-256 seal then passed) and was an unknown rule to ``consolidate``."""
    monkeypatch.delenv("KPIXL_SEAL_KEY", raising=False)
    shutil.copytree(DEMO, tmp_path / "demo", ignore=shutil.ignore_patterns(".kpixl-backups"))
    master = tmp_path / "demo" / "master.xlsx"
    wb = openpyxl.load_workbook(master)
    config = wb["Config"]
    config.cell(config.max_row + 1, 1, "seal_key_id")
    config.cell(config.max_row, 2, key_id("agency-secret"))
    wb.save(master)
    person = sorted((tmp_path / "demo" / "personal" / "U01").glob("*.xlsx"))[0]
    runner = CliRunner()
    checked = runner.invoke(cli, ["validate", "--master", str(master), str(person)])
    assert checked.exit_code == 1, checked.output
    assert "ERROR form.seal_key" in checked.output
    sealed = runner.invoke(
        cli, ["seal", "--master", str(master), str(person)], env={"KPIXL_SEAL_KEY": "other"}
    )
    assert sealed.exit_code == 1, sealed.output
    assert "seal.key_mismatch" in sealed.output
    consolidated = runner.invoke(cli, ["consolidate", str(master)])
    assert "config.rule" not in consolidated.output
    assert consolidated.exit_code == 0, consolidated.output


def test_read_only_folder_is_named_in_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from inside a read-only folder, the message said ``โฟลเดอร์ . เป็นแบบอ่านอย่างเดียว``."""
    shutil.copytree(DEMO, tmp_path / "demo", ignore=shutil.ignore_patterns(".kpixl-backups"))
    folder = tmp_path / "demo"
    before = (folder / "master.xlsx").read_bytes()
    monkeypatch.chdir(folder)
    folder.chmod(0o555)
    try:
        result = CliRunner().invoke(cli, ["consolidate", "master.xlsx"])
    finally:
        folder.chmod(0o755)
    assert result.exit_code == 2, result.output
    assert f"โฟลเดอร์ {folder} เป็นแบบอ่านอย่างเดียว" in result.output
    assert "โฟลเดอร์ . " not in result.output
    assert (folder / "master.xlsx").read_bytes() == before


def test_no_evaluation_says_when_the_evaluation_has_errors(tmp_path: Path) -> None:
    """A person whose KPI result in the unit workbook is text was reported as "no unit
    workbook has an evaluation": HR would look for a missing file that is not missing."""
    shutil.copytree(DEMO, tmp_path / "demo", ignore=shutil.ignore_patterns(".kpixl-backups"))
    master = tmp_path / "demo" / "master.xlsx"
    unit = tmp_path / "demo" / "units" / "U01.xlsx"
    wb = openpyxl.load_workbook(unit)
    kpis = wb["ตัวชี้วัด"]
    person = str(kpis["A2"].value)
    kpis["O2"] = "ไม่ทราบ"
    wb.save(unit)
    (tmp_path / "demo" / "units" / "U02.xlsx").unlink()
    result = CliRunner().invoke(cli, ["consolidate", str(master)])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if "consolidate.no_evaluation" in line]
    faulty = [line for line in lines if person in line]
    assert len(faulty) == 1
    assert "มีข้อผิดพลาด" in faulty[0] and "has errors" in faulty[0]
    missing = [line for line in lines if person not in line]
    assert missing and all("no unit workbook has an evaluation" in line for line in missing)
