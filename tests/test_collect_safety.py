"""`kpixl collect` never loses a unit's data, and writes the numbers it read.

Issue 13, "What was seen" 1 and 9: a collect from an empty or mistyped folder emptied
the unit workbook and printed ✓; a collect on the master printed an error, then ✓;
text typed as Thai digits or with a % sign was copied into the unit workbook as text.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from kpixl.jobs.collect import collect
from kpixl.workbooks import personal_layout as PL
from kpixl.workbooks import unit_layout as U
from kpixl.workbooks.unit import read_unit

DEMO = Path(__file__).resolve().parents[1] / "workbooks" / "demo"
THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kpixl", *args], capture_output=True, text=True, check=False
    )


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its digest: nothing written, nothing added."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture()
def round_dir(tmp_path: Path) -> Path:
    """A unit workbook already collected (units/U01.xlsx) and its inbox (inbox/U01)."""
    (tmp_path / "units").mkdir()
    shutil.copy(DEMO / "units" / "U01.xlsx", tmp_path / "units" / "U01.xlsx")
    shutil.copy(DEMO / "master.xlsx", tmp_path / "master.xlsx")
    shutil.copytree(DEMO / "personal" / "U01", tmp_path / "inbox" / "U01")
    shutil.copytree(DEMO / "personal" / "U02", tmp_path / "inbox" / "U02")
    (tmp_path / "inbox" / "empty").mkdir()
    return tmp_path


def assert_refused(root: Path, target: Path, source: Path, rule: str) -> None:
    before = tree(root)
    done = run("collect", str(target), "--from", str(source))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "✓" not in done.stdout + done.stderr
    assert rule in done.stdout
    assert "Traceback" not in done.stderr
    assert tree(root) == before  # the target byte for byte, no backup, no temp file


def test_an_empty_folder_leaves_the_unit_workbook_as_it_was(round_dir: Path) -> None:
    unit = round_dir / "units" / "U01.xlsx"
    assert_refused(round_dir, unit, round_dir / "inbox" / "empty", "collect.no_workbooks")


def test_another_units_folder_leaves_the_unit_workbook_as_it_was(round_dir: Path) -> None:
    unit = round_dir / "units" / "U01.xlsx"
    assert_refused(round_dir, unit, round_dir / "inbox" / "U02", "collect.no_workbooks")


def test_collect_into_the_master_is_refused_without_a_tick(round_dir: Path) -> None:
    master = round_dir / "master.xlsx"
    assert_refused(round_dir, master, round_dir / "inbox" / "U01", "file.not_kpixl")


def test_collect_into_a_personal_workbook_is_refused(round_dir: Path) -> None:
    personal = sorted((round_dir / "inbox" / "U02").glob("*.xlsx"))[0]
    assert_refused(round_dir, personal, round_dir / "inbox" / "U01", "file.not_kpixl")


def test_the_refusals_say_so_in_json_too(round_dir: Path) -> None:
    unit = round_dir / "units" / "U01.xlsx"
    done = run("collect", str(unit), "--from", str(round_dir / "inbox" / "empty"), "--json")
    assert done.returncode == 1
    out = json.loads(done.stdout)
    assert out["written"] is False and out["collected"] == 0
    [refusal] = [f for f in out["findings"] if f["rule"] == "collect.no_workbooks"]
    assert refusal["severity"] == "error" and refusal["file"] == "U01.xlsx"


def test_fewer_people_is_refused_unless_replace(round_dir: Path) -> None:
    unit = round_dir / "units" / "U01.xlsx"
    inbox = round_dir / "inbox" / "U01"
    gone = sorted(inbox.glob("*.xlsx"))[0]
    person_id = gone.name.split("_")[1]
    gone.unlink()
    assert_refused(round_dir, unit, inbox, "collect.fewer_people")
    done = run("collect", str(unit), "--from", str(inbox))
    assert person_id in done.stdout  # the refusal names who would be lost

    done = run("collect", str(unit), "--from", str(inbox), "--replace")
    assert done.returncode == 1  # the missing workbook is still an error finding
    assert "✓ U01.xlsx" in done.stdout and "collect.missing_workbook" in done.stdout
    form = read_unit(unit)
    assert len(form.people) == 7  # the roster stays whole
    people = form.people.set_index("person_id")
    assert people.loc[person_id, "total"] is None  # no stale score without its KPIs
    assert people.loc[person_id, "source_file"] is None
    assert people.drop(index=person_id)["total"].notna().all()
    assert person_id not in set(form.kpis["person_id"])
    assert len(set(form.kpis["person_id"])) == 6


def test_the_same_people_again_is_no_refusal(round_dir: Path) -> None:
    unit = round_dir / "units" / "U01.xlsx"
    result = collect(unit, round_dir / "inbox" / "U01")
    assert result.written and result.collected == 7 and result.exit_code == 0


def test_a_new_unit_workbook_takes_what_arrived(tmp_path: Path) -> None:
    """Nothing collected before: a partial inbox is written, the missing are reported."""
    from kpixl.workbooks.unit import UnitData, write_unit

    form = read_unit(DEMO / "units" / "U01.xlsx")
    columns = ("person_id", "name", "position", "position_no", "level_code", "salary")
    people = [{k: r[k] for k in columns} for r in form.people.to_dict("records")]
    unit = tmp_path / "U01.xlsx"
    write_unit(unit, UnitData("2570/1", "U01", "หน่วยทดสอบ", people))
    inbox = tmp_path / "inbox"
    shutil.copytree(DEMO / "personal" / "U01", inbox)
    sorted(inbox.glob("*.xlsx"))[0].unlink()
    result = collect(unit, inbox)
    assert result.written and result.collected == 6
    assert [f.rule for f in result.findings if f.severity == "error"] == [
        "collect.missing_workbook"
    ]


def _type_as_text(path: Path) -> dict[str, Decimal]:
    """Retype numbers of ``path`` as text: Thai digits and a % sign. Returns what kpixl
    should read, by unit-workbook column."""
    wb = openpyxl.load_workbook(path)
    agreement, achievement = wb[PL.AGREEMENT], wb[PL.ACHIEVEMENT]
    competency = wb[PL.COMPETENCY]
    row = next(
        r
        for r in range(PL.KPI_FIRST, PL.KPI_LAST + 1)
        if isinstance(agreement[f"G{r}"].value, int | float)
    )
    level, weight = agreement[f"G{row}"].value, agreement[f"L{row}"].value
    actual = achievement[f"E{PL.ACH_FIRST + row - PL.KPI_FIRST}"].value
    rating = competency[f"E{PL.CMP_FIRST}"].value
    agreement[f"G{row}"] = f"{level}%"
    agreement[f"L{row}"] = str(weight).translate(THAI)
    achievement[f"E{PL.ACH_FIRST + row - PL.KPI_FIRST}"] = str(actual).translate(THAI)
    competency[f"E{PL.CMP_FIRST}"] = str(rating).translate(THAI)
    wb.save(path)
    code = agreement[f"B{row}"].value
    return {
        "kpi_code": code,
        "l1": Decimal(str(level)),
        "weight": Decimal(str(weight)),
        "actual": Decimal(str(actual)),
        "rating": Decimal(str(rating)),
    }


def test_collect_writes_the_numbers_it_read_not_the_typed_text(round_dir: Path) -> None:
    unit = round_dir / "units" / "U01.xlsx"
    inbox = round_dir / "inbox" / "U01"
    path = sorted(inbox.glob("*.xlsx"))[0]
    expected = _type_as_text(path)
    person_id = path.name.split("_")[1]
    done = run("collect", str(unit), "--from", str(inbox), "--json")
    assert done.returncode == 0, done.stdout
    out = json.loads(done.stdout)
    assert out["written"] is True
    notes = [f for f in out["findings"] if f["rule"] == "cell.thai_digits"]
    assert len(notes) == 3  # reported once, where it was typed: file, sheet and cell
    assert all(f["file"] == path.name and f["sheet"] and f["cell"] for f in notes)

    wb = openpyxl.load_workbook(unit)
    kpis = wb[U.KPIS]
    letters = U.KPI_COLUMNS
    [r] = [
        r
        for r in range(2, kpis.max_row + 1)
        if kpis[f"{letters['person_id']}{r}"].value == person_id
        and kpis[f"{letters['kpi_code']}{r}"].value == expected["kpi_code"]
    ]
    for name in ("l1", "weight", "actual"):
        cell = kpis[f"{letters[name]}{r}"]
        assert cell.data_type == "n", (name, cell.value)  # a number cell, not text
        assert Decimal(str(cell.value)) == expected[name]
    comps = wb[U.COMPETENCIES]
    c = U.COMP_COLUMNS
    first = next(
        r for r in range(2, comps.max_row + 1) if comps[f"{c['person_id']}{r}"].value == person_id
    )
    cell = comps[f"{c['rating']}{first}"]
    assert cell.data_type == "n" and Decimal(str(cell.value)) == expected["rating"]
    # consolidation reads numbers: the Thai digits are not reported a second time
    form = read_unit(unit)
    assert not any("๐" <= ch <= "๙" for v in form.kpis["weight"] for ch in str(v))
