"""One text normaliser: the same odd id matches on every path.

A person id typed in Thai digits, with no-break spaces, as a number Excel stored as a
float, behind a literal apostrophe or between spaces is the same person in personal
generation, collect, consolidate and the cascade report (real workbooks: the committed
demo, edited as users edit it).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpixl.core.rounds import parse_round
from kpixl.core.text import (
    THAI_DIGITS,
    column_letter,
    needs_text_of,
    text_of,
    texts,
    texts_need_text_of,
)
from kpixl.jobs.cascade import cascade_report
from kpixl.jobs.collect import collect
from kpixl.jobs.consolidate import consolidate
from kpixl.workbooks import master_layout as M
from kpixl.workbooks import personal_layout as PL
from kpixl.workbooks import unit_layout as U
from kpixl.workbooks.generate import generate_personal
from kpixl.workbooks.master import read_master
from kpixl.workbooks.personal import read_personal
from kpixl.workbooks.roster import read_roster
from kpixl.workbooks.unit import read_unit

DEMO = Path(__file__).resolve().parents[1] / "workbooks" / "demo"
PID = "2851025862898"  # นายชยพล ปัญญาดี of U01, who holds three of U01's KPIs
THAI = PID.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
FLOAT = float(PID)  # a number cell: calamine and openpyxl give 2851025862898.0
NBSP = f"\u00a0{PID}\u00a0"
APOSTROPHE = f"'{PID}"
SPACES = f"  {PID} "
ODD = [THAI, NBSP, APOSTROPHE, SPACES]


# ----------------------------------------------------------------------- the rules


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (float("nan"), ""),
        ("", ""),
        (FLOAT, PID),
        (1.1e12, "1100000000000"),
        (12.0, "12"),
        (12.5, "12.5"),
        (7, "7"),
        (THAI, PID),
        (NBSP, PID),
        (APOSTROPHE, PID),
        (SPACES, PID),
        (f"{PID}\u200b", PID),  # a zero-width space, invisible in the cell
        ("\ufeffU01", "U01"),
        ("นาย\u00a0ชยพล\t\tปัญญาดี", "นาย ชยพล ปัญญาดี"),
        ("' U01-K1", "U01-K1"),
        ("'Smart' office", "'Smart' office"),  # quoting, not Excel's text prefix
        ("๑.๒", "1.2"),
    ],
)
def test_text_of_rules(value: object, text: str) -> None:
    assert text_of(value) == text


def test_needs_text_of_is_false_only_for_text_text_of_keeps() -> None:
    samples = [PID, "U01-K1", "นาย ชยพล", *ODD]
    samples += ["a  b", " a", "a ", "a\nb", "'a", "a'", "a\u200bb", "๑"]
    for sample in samples:
        if not needs_text_of(sample):
            assert text_of(sample) == sample, sample
    assert texts([FLOAT, THAI, None]) == [PID, PID, ""]


ODD_TEXT = st.text(
    alphabet=st.sampled_from(list("01 '\t\n\u00a0\u202f\u3000\u200b\ufeff๐๙aกข-")), max_size=12
)


@given(ODD_TEXT)
def test_text_of_is_idempotent_and_needs_text_of_is_honest(text: str) -> None:
    once = text_of(text)
    assert text_of(once) == once
    if not needs_text_of(text):
        assert once == text
    assert texts_need_text_of([text, "U01"]) == needs_text_of(text)


def test_the_thai_digit_table_exists_once() -> None:
    package = Path(__file__).resolve().parents[1] / "kpixl"
    holders = [p for p in package.rglob("*.py") if "๐๑๒๓๔๕๖๗๘๙" in p.read_text("utf-8")]
    assert [p.name for p in holders] == ["text.py"]
    assert "๙".translate(THAI_DIGITS) == "9"


@pytest.mark.parametrize(
    ("index", "letters"),
    [
        (0, "A"),
        (25, "Z"),
        (26, "AA"),
        (51, "AZ"),
        (52, "BA"),
        (701, "ZZ"),
        (702, "AAA"),
        (16383, "XFD"),
    ],
)
def test_column_letter(index: int, letters: str) -> None:
    assert column_letter(index) == letters
    assert openpyxl.utils.get_column_letter(index + 1) == letters  # the independent engine


def test_column_letters_come_from_one_function() -> None:
    package = Path(__file__).resolve().parents[1] / "kpixl"
    for name in ("workbooks/generate.py", "io/limits.py"):
        assert 'chr(ord("A")' not in (package / name).read_text("utf-8"), name


# ------------------------------------------------------------------ every path


def _set(
    ws: openpyxl.worksheet.worksheet.Worksheet, column: str, first: int, values: list[object]
) -> int:
    """Rewrite, in ``column`` from row ``first``, each cell holding PID with the next
    odd form from ``values`` (in turn); the number of cells changed."""
    changed = 0
    for row in range(first, ws.max_row + 1):
        cell = ws[f"{column}{row}"]
        if text_of(cell.value) == PID:
            cell.value = values[changed % len(values)]
            changed += 1
    return changed


@pytest.fixture()
def demo(tmp_path: Path) -> Path:
    target = tmp_path / "demo"
    shutil.copytree(DEMO, target, ignore=shutil.ignore_patterns("results.csv", ".kpixl-backups"))
    master = target / "master.xlsx"
    wb = openpyxl.load_workbook(master)
    roster_col = column_letter(M.ROSTER_COLUMNS.index("person_id"))
    holder_col = column_letter(M.HOLDER_COLUMNS.index("person_id"))
    assert _set(wb[M.ROSTER], roster_col, M.FIRST_ROW, [FLOAT]) == 1
    assert _set(wb[M.KPI_HOLDERS], holder_col, M.FIRST_ROW, [THAI, NBSP, APOSTROPHE]) == 3
    wb.save(master)
    return target


def test_personal_generation_matches_the_holders_to_the_roster(demo: Path) -> None:
    inputs = read_master(demo / "master.xlsx")  # as `kpixl personal new --master` reads it
    roster = read_roster(demo / "master.xlsx").frame.to_dict("records")
    assert [r["person_id"] for r in roster].count(PID) == 1  # the float cell, as text
    out = demo / "generated"
    paths = generate_personal(
        [r for r in roster if r["person_id"] == PID],
        out,
        round_=parse_round("2570/1"),
        strategy=inputs.strategy,
    )
    assert len(paths) == 1 and PID in paths[0].name
    form = read_personal(paths[0])
    assert text_of(form.identity["person_id"]) == PID
    drafted = [text_of(k) for k in form.kpis["parent_code"] if text_of(k)]
    assert drafted == ["U01-K1", "U01-K2", "U01-K3"]  # all three of the holder rows


def test_collect_matches_the_personal_workbook_to_the_unit(demo: Path, tmp_path: Path) -> None:
    unit = demo / "units" / "U01.xlsx"
    wb = openpyxl.load_workbook(unit)
    assert _set(wb[U.PEOPLE], U.PEOPLE_COLUMNS["person_id"][0], U.HEADER_ROW + 1, [FLOAT]) == 1
    wb.save(unit)
    inbox = tmp_path / "inbox"
    shutil.copytree(demo / "personal" / "U01", inbox)
    (mine,) = inbox.glob(f"*_{PID}_*.xlsx")
    wb = openpyxl.load_workbook(mine)
    wb[PL.AGREEMENT][PL.IDENTITY["person_id"][1]] = SPACES.replace(PID, THAI)
    wb[PL.HIDDEN][PL.meta_cell("person_id")] = APOSTROPHE
    wb.save(mine)
    result = collect(unit, inbox)
    about_pid = [f for f in result.findings if PID in (f.person_id, f.value) or THAI in f.value]
    assert not [f for f in about_pid if f.rule.startswith("collect.")], about_pid
    assert result.collected == 7
    people = read_unit(unit).people
    row = people[people["person_id"] == PID]
    assert len(row) == 1 and row["source_file"].iloc[0] == mine.name


def odd_unit(demo: Path) -> int:
    """U01 with the person's id in odd forms on each sheet; the number of KPI rows."""
    unit = demo / "units" / "U01.xlsx"
    wb = openpyxl.load_workbook(unit)
    assert _set(wb[U.PEOPLE], U.PEOPLE_COLUMNS["person_id"][0], U.HEADER_ROW + 1, [THAI]) == 1
    kpis = _set(wb[U.KPIS], U.KPI_COLUMNS["person_id"], 2, [NBSP, APOSTROPHE, FLOAT])
    comps = _set(wb[U.COMPETENCIES], U.COMP_COLUMNS["person_id"], 2, [SPACES, THAI])
    assert kpis >= 3 and comps >= 5
    wb.save(unit)
    return kpis


def test_consolidate_matches_the_unit_rows_to_the_roster(demo: Path) -> None:
    odd_unit(demo)
    result = consolidate(demo / "master.xlsx", jobs=1, write=False)
    assert result.exit_code == 0, [str(f) for f in result.findings if f.severity == "error"]
    row = result.results[result.results["person_id"] == PID]
    assert len(row) == 1 and row["total"].iloc[0] > 0
    assert len(result.results) == 20


def test_cascade_matches_the_unit_rows_to_the_roster_and_the_holders(demo: Path) -> None:
    kpis = odd_unit(demo)
    report = cascade_report(demo / "master.xlsx")
    people = report.people[report.people["person_id"] == PID]
    assert len(people) == kpis  # every KPI row of the person, under the one id
    roster = set(read_roster(demo / "master.xlsx").frame["person_id"])
    assert set(report.people["person_id"]) <= roster
    assert not [f for f in report.findings if f.rule.startswith("cascade.holder")]
