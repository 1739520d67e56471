"""kpixl reads the forms people already have: a 2.0 personal workbook (the demo's before
2.1 laid the achievement sheet out as the official form) reads and checks as it did."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl

from kpixl.workbooks import personal_layout as L
from kpixl.workbooks.personal import check_personal, read_personal

FORM_2_0 = Path(__file__).parent / "data" / "personal" / "form-2.0.xlsx"


def test_a_2_0_form_reads_and_scores_without_findings() -> None:
    form = read_personal(FORM_2_0)
    assert form.meta["template_version"] == "2.0" and L.TEMPLATE_VERSION != "2.0"
    result = check_personal(form)
    assert result.findings == []
    assert str(result.scores["achievement"]) == "68.20"
    assert result.scores["band"] == "พอใช้"


def test_a_2_0_form_is_checked_against_its_own_formula_cells(tmp_path: Path) -> None:
    """An overwritten formula is found where 2.0 had it (score × weight in H), and the
    2.1 columns, empty in a 2.0 form, are not taken for overwritten formulas."""
    path = tmp_path / "form.xlsx"
    shutil.copy(FORM_2_0, path)
    wb = openpyxl.load_workbook(path)
    wb[L.ACHIEVEMENT][f"H{L.ACH_FIRST}"] = 99
    wb.save(path)
    found = [f for f in read_personal(path).findings if f.rule == "form.formula_overwritten"]
    assert [(f.sheet, f.cell) for f in found] == [(L.ACHIEVEMENT, f"H{L.ACH_FIRST}")]
