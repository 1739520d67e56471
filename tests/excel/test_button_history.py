"""The Consolidate button checks across rounds as ``kpixl consolidate`` does (issue 17,
item 3): a salary HR changed in the open workbook, without a note, is on the Issues
sheet the button writes; with a note it is not.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import xlwings as xw
from xlwings_payload import apply, payload, rows_from

import kpixl.excel.macros as macros
from kpixl.core.text import column_letter, text_of
from kpixl.jobs.demo import build_rounds
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.master import read_master

pytestmark = pytest.mark.pipeline


@pytest.mark.parametrize("note", ["", "ปรับตามคำสั่งที่ 12/2570"])
def test_the_button_reports_a_changed_salary_unless_a_note_says_why(
    tmp_path: Path, note: str
) -> None:
    result = build_rounds(tmp_path, 2, units=2, people=6)
    assert result.findings == []
    master = tmp_path / "2570-2" / "master.xlsx"
    roster = read_master(master).roster
    person, salary, row = (
        text_of(roster["person_id"].iloc[0]),
        int(roster["salary"].iloc[0]),
        int(roster["_row"].iloc[0]),
    )
    salary_col = M.ROSTER_COLUMNS.index("salary") + 1
    note_col = M.ROSTER_COLUMNS.index("salary_note") + 1
    edits = {M.ROSTER: {(row, salary_col): salary + 10, (row, note_col): note or None}}
    data = payload(master, edits)
    book = xw.Book(json=data)
    macros.consolidate(book)
    grids = apply(data, book.json()["actions"])
    col = {name: i for i, name in enumerate(M.ISSUE_COLUMNS)}
    found = {
        (r[col["rule"]], text_of(r[col["person_id"]]), r[col["sheet"]], r[col["cell"]])
        for r in rows_from(grids[M.ISSUES], M.FIRST_ROW)
        if str(r[col["rule"]]).startswith("history.salary")
    }
    cell = f"{column_letter(salary_col - 1)}{row}"
    expected = set() if note else {("history.salary_changed", person, M.ROSTER, cell)}
    assert found == expected
