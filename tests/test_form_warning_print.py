"""The personal form's ⚠ warnings can be read whole, on screen and on paper (issue 13, item 7).

When a number cell holds text the form's results show "⚠ ไม่ใช่ตัวเลข" (a row) or
"⚠ มีช่องที่ไม่ใช่ตัวเลข" (a total, a result, the band). Rendered by LibreOffice they were
cut by their cells' borders: "⚠ ไม่ใช่" ("⚠ no") in the achievement rows, "⚠ มีช่องที่" in
the weight total, the scores and the band. The PDF test needs LibreOffice and pdftotext.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import openpyxl
import pytest
from personal_cases import all_cases

from kpixl.io.libreoffice import convert, soffice
from kpixl.workbooks import personal_layout as L
from kpixl.workbooks.personal import write_personal
from kpixl.workbooks.personal_template import (
    ROW_WARNING,
    TEXT_WARNING,
    WARNING_MARK,
    build_personal_template,
)

BASE = all_cases()[-4]  # two KPIs (weights 50/50), five competencies


def test_no_cell_that_shows_the_warning_cuts_it() -> None:
    """A cell whose formula can give the ⚠ text never wraps it into a one-line row:
    it shrinks to fit, or runs on into the empty cells on its right."""
    wb = build_personal_template()
    checked = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if not (isinstance(value, str) and WARNING_MARK in value):
                    continue
                checked += 1
                where = f"{ws.title}!{cell.coordinate}"
                assert not cell.alignment.wrap_text, where
                if cell.alignment.shrink_to_fit:
                    continue
                right = ws.cell(row=cell.row, column=cell.column + 1)
                assert right.value is None, (where, right.value)
    assert checked >= 10, checked


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_the_printed_form_shows_every_warning_whole(tmp_path: Path) -> None:
    src = write_personal(tmp_path / "filled" / "person.xlsx", BASE.data)
    wb = openpyxl.load_workbook(src)
    wb[L.ACHIEVEMENT][f"{L.ACH_COLUMNS['actual']}{L.ACH_FIRST}"] = "๘๗"
    wb[L.AGREEMENT][L.kpi_cell("weight", 0)] = "50"
    wb[L.COMPETENCY][f"{L.CMP_COLUMNS['rating']}{L.CMP_FIRST}"] = "๓"
    edited = tmp_path / "in" / "person.xlsx"
    edited.parent.mkdir()
    wb.save(edited)
    [recalculated] = convert([edited], tmp_path / "recalc", to="xlsx")
    [pdf] = convert([recalculated], tmp_path / "pdf", to="pdf")
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    shown = [part.strip() for part in text.split(WARNING_MARK)[1:]]
    whole = (ROW_WARNING[len(WARNING_MARK) :].strip(), TEXT_WARNING[len(WARNING_MARK) :].strip())
    cut = [part.split("\n")[0] for part in shown if not part.startswith(whole)]
    assert cut == [], cut
    # the rows (reached, score, weighted ×2 sheets) and the totals, results and band
    assert text.count(ROW_WARNING) >= 5 and text.count(TEXT_WARNING) >= 8, text
