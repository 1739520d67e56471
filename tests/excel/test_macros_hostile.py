"""The workbook buttons against hostile text and paths, through xlwings' remote engine.

Excel (COM) and the remote engine's clients parse a string written to a range as if it
were typed: ``=cmd|' /C calc'!A0`` becomes a formula. The macros must send such text
with Excel's text prefix (a leading apostrophe), keep real numbers numbers, write only
kpixl's own formulas as formulas, and write files only inside their folder.
"""

from __future__ import annotations

import hashlib
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlwings as xw
from xlwings_payload import apply, payload, rows_from

from kpixl.excel import macros
from kpixl.excel.book import Text, excel_value
from kpixl.workbooks import master_layout as M
from kpixl.workbooks import personal_layout as PL
from kpixl.workbooks import unit_layout as U

DEMO = Path(__file__).resolve().parents[2] / "workbooks" / "demo"
DDE = "=cmd|' /C calc'!A0"
LINK = '=HYPERLINK("http://x","click")'


def run(macro: Any, data: dict[str, Any]) -> list[dict[str, Any]]:
    book = xw.Book(json=data)
    macro(book)
    actions: list[dict[str, Any]] = book.json()["actions"]
    return actions


def written(data: dict[str, Any], actions: list[dict[str, Any]]) -> list[tuple[str, int, Any]]:
    """(sheet, 0-based column, value) of every value the actions write."""
    names = [s["name"] for s in data["sheets"]]
    out = []
    for action in actions:
        if action["func"] != "setValues":
            continue
        for row in action["values"]:
            for j, value in enumerate(row):
                out.append((names[action["sheet_position"]], action["start_column"] + j, value))
    return out


def status(grids: dict[str, list[list[Any]]], sheet: str, cell: str) -> str:
    return str(grids[sheet][int(cell[1:]) - 1][ord(cell[0]) - ord("A")])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        (DDE, "'" + DDE),
        (LINK, "'" + LINK),
        ("+1+2", "'+1+2"),
        ("-1+2", "'-1+2"),
        ("@SUM(9)", "'@SUM(9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("'kept", "''kept"),  # Excel would swallow the apostrophe
        ("ปกติ", "ปกติ"),
        ("1-2", "1-2"),
        ("", ""),
        (-5, -5),
        (-5.25, -5.25),
        (Decimal("-5000"), -5000),
        (Decimal("-2.5"), -2.5),
        (0, 0),
        (None, None),
        (True, True),
        (Text("31/10/2569"), "'31/10/2569"),  # a date or an id kept as text, always
        (Text("2851025862898"), "'2851025862898"),
        (Text("=1+2"), "'=1+2"),
        (Text("'kept"), "''kept"),
    ],
)
def test_text_cell_keeps_text_text_and_numbers_numbers(value: Any, expected: Any) -> None:
    got = excel_value(value)
    assert got == expected and type(got) is type(expected)


def _hostile_personal(path: Path) -> str:
    """Put a DDE formula as text in a KPI name and a link as text in its result."""
    wb = openpyxl.load_workbook(path)
    name = wb[PL.AGREEMENT][f"C{PL.KPI_FIRST}"]
    name.value, name.data_type = DDE, "s"  # text, as a form holds it when typed with '
    actual = wb[PL.ACHIEVEMENT][f"E{PL.ACH_FIRST}"]
    actual.value, actual.data_type = LINK, "s"
    wb.save(path)
    return path.name.split("_")[1]


def test_collect_button_writes_form_text_as_text(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    shutil.copytree(DEMO, demo)
    person_id = _hostile_personal(sorted((demo / "personal" / "U01").glob("*.xlsx"))[0])
    unit = demo / "units" / "U01.xlsx"
    name_col = list(U.PEOPLE_COLUMNS).index("name") + 1
    salary_col = list(U.PEOPLE_COLUMNS).index("salary") + 1
    data = payload(
        unit,
        {U.PEOPLE: {(U.FIRST_ROW, name_col): "=1+2", (U.FIRST_ROW + 1, salary_col): -5000}},
    )
    actions = run(macros.collect, data)
    grids = apply(data, actions)
    assert status(grids, U.PEOPLE, U.STATUS_CELL).startswith("✗")  # errors: the bad result
    values = written(data, actions)
    texts = [v for _, _, v in values if isinstance(v, str)]
    # the hostile text arrives, as text
    assert "'" + DDE in texts and "'" + LINK in texts and "'=1+2" in texts
    # the only formulas written are kpixl's own pool formulas on the People sheet
    formula_columns = {i for i, f in enumerate(U.PEOPLE_COLUMNS) if f in U.FORMULA_FIELDS}
    formulas = [(s, c, v) for s, c, v in values if isinstance(v, str) and v.startswith("=")]
    assert formulas and all(s == U.PEOPLE and c in formula_columns for s, c, _ in formulas)
    assert all(v.startswith("=IF(") for _, _, v in formulas)
    assert not any(v.startswith(("+", "-", "@", "\t", "\r")) for v in texts)
    # real negative numbers stay numbers
    assert (U.PEOPLE, salary_col - 1, -5000) in values
    # the KPI row of that person: the name and the result as text
    kpis = rows_from(grids[U.KPIS], 2)
    mine = [r for r in kpis if str(r[0]) == person_id]
    assert mine[0][list(U.KPI_COLUMNS).index("kpi_name")] == "'" + DDE
    assert mine[0][list(U.KPI_COLUMNS).index("actual")] == "'" + LINK
    # the finding on the result names its cell; its value is text too
    findings = rows_from(grids[U.FINDINGS], 2)
    cols = list(U.FINDING_COLUMNS)
    [bad] = [r for r in findings if r[cols.index("value")] == "'" + LINK]
    assert bad[cols.index("sheet")] == PL.ACHIEVEMENT and bad[cols.index("cell")]


def test_consolidate_button_writes_roster_text_as_text(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    shutil.copytree(DEMO, demo)
    data = payload(demo / "master.xlsx")
    roster = next(s for s in data["sheets"] if s["name"] == M.ROSTER)["values"]
    first = next(i for i, r in enumerate(roster) if r and str(r[0]).isdigit())
    roster[first][M.ROSTER_COLUMNS.index("name")] = LINK
    roster[first + 1][M.ROSTER_COLUMNS.index("name")] = "-" + DDE
    actions = run(macros.consolidate, data)
    grids = apply(data, actions)
    assert status(grids, M.CONFIG, M.STATUS_CELL)[0] in "✓✗"
    values = written(data, actions)
    texts = [v for _, _, v in values if isinstance(v, str)]
    assert "'" + LINK in texts and "'-" + DDE in texts
    assert LINK not in texts and "-" + DDE not in texts
    formulas = {s for s, _, v in values if isinstance(v, str) and v.startswith("=")}
    assert formulas == {M.SUMMARY, M.POOLS, M.CHARTS}  # kpixl's own, live as before
    results = rows_from(grids[M.RESULTS], M.FIRST_ROW)
    assert any("'" + LINK in r for r in results)


HOSTILE_UNITS = ["../../../X", "/abs/X", "C:\\X", "\\\\srv\\share"]


def test_new_round_writes_only_inside_the_personal_folder(tmp_path: Path) -> None:
    demo = tmp_path / "a" / "b" / "c" / "demo"
    shutil.copytree(DEMO, demo)
    before = {p for p in tmp_path.rglob("*") if p.is_file()}
    digest = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in before}
    data = payload(demo / "master.xlsx")
    config = next(s for s in data["sheets"] if s["name"] == M.CONFIG)["values"]
    row = next(i for i, r in enumerate(config) if r and r[0] == "personal_folder")
    config[row][1] = "new-round"
    roster = next(s for s in data["sheets"] if s["name"] == M.ROSTER)["values"]
    first = next(i for i, r in enumerate(roster) if r and str(r[0]).isdigit())
    units = [*HOSTILE_UNITS]
    units[1] = str(tmp_path / "abs" / "X")  # an absolute path of this machine
    for k, unit in enumerate(units):
        roster[first + k][M.ROSTER_COLUMNS.index("unit")] = unit
    actions = run(macros.new_round, data)
    message = status(apply(data, actions), M.CONFIG, M.STATUS_CELL)
    assert message.startswith("✓") and "wrote 20 personal workbooks" in message
    folder = demo / "new-round"
    after = {p for p in tmp_path.rglob("*") if p.is_file()}
    new = after - before
    assert len(new) == 20
    assert all(folder in p.parents for p in new)
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in before} == digest
    assert not (tmp_path / "abs").exists() and not (tmp_path / "a" / "b" / "X").exists()
    for p in new:  # names that are safe on Windows too: no drive, UNC or parent part
        for part in p.relative_to(folder).parts:
            assert part not in ("..", ".") and not set(part) & set('\\/:*?"<>|')
    assert {p.parent.name for p in new} >= {"X", "C-X", "srv-share"}


def test_collect_button_refuses_an_empty_folder_and_fewer_people(tmp_path: Path) -> None:
    """The button follows `kpixl collect`: nothing but its message is written."""
    demo = tmp_path / "demo"
    shutil.copytree(DEMO, demo)
    lonely = tmp_path / "lonely" / "U01.xlsx"  # no personal/U01 beside it: nothing to read
    lonely.parent.mkdir()
    shutil.copy(demo / "units" / "U01.xlsx", lonely)
    data = payload(lonely)
    actions = run(macros.collect, data)
    message = status(apply(data, actions), U.PEOPLE, U.STATUS_CELL)
    assert message.startswith("✗") and "unchanged" in message and "no personal workbook" in message
    # H2 only: first the working line, then the result
    assert {(s, c) for s, c, _ in written(data, actions)} == {(U.PEOPLE, 7)}

    sorted((demo / "personal" / "U01").glob("*.xlsx"))[0].unlink()
    data = payload(demo / "units" / "U01.xlsx")
    actions = run(macros.collect, data)
    message = status(apply(data, actions), U.PEOPLE, U.STATUS_CELL)
    assert message.startswith("✗") and "--replace" in message
    assert {(s, c) for s, c, _ in written(data, actions)} == {(U.PEOPLE, 7)}
    assert not [a for a in actions if a["func"] == "rangeClearContents"]
