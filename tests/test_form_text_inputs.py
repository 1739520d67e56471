"""The personal form and kpixl agree when a number cell holds text (issue 13, item 7).

LibreOffice recalculates forms whose number cells hold text — an actual typed in Thai
digits (``๘๗``), weights typed as text — and the form's own results show the Thai ⚠
warning, never ``#VALUE!``, while kpixl reports each of those cells. These tests need
LibreOffice headless; CI installs it and fails if they are skipped.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from personal_cases import all_cases
from python_calamine import CalamineWorkbook

from kpixl.io.libreoffice import convert, soffice
from kpixl.workbooks import personal_layout as L
from kpixl.workbooks.personal import check_personal, read_personal, write_personal
from kpixl.workbooks.personal_template import TEXT_WARNING, WARNING_MARK

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed"),
]

BASE = all_cases()[-4]  # two KPIs (weights 50/50), five competencies


def actual_cell(i: int) -> str:
    return f"{L.ACH_COLUMNS['actual']}{L.ACH_FIRST + i}"


def thai_actual(wb: openpyxl.Workbook) -> None:
    wb[L.ACHIEVEMENT][actual_cell(0)] = "๘๗"


def text_weights(wb: openpyxl.Workbook) -> None:
    wb[L.AGREEMENT][L.kpi_cell("weight", 0)] = "50"  # kpixl reads 100 in all
    wb[L.AGREEMENT][L.kpi_cell("weight", 1)] = "50"


def text_rating(wb: openpyxl.Workbook) -> None:
    wb[L.COMPETENCY][f"{L.CMP_COLUMNS['rating']}{L.CMP_FIRST}"] = "๓"


def text_other(wb: openpyxl.Workbook) -> None:
    wb[L.SUMMARY][f"{L.SUM_SCORE_COL}{L.SUM_ROWS['other']}"] = "๘๐"


EDITS = {
    "thai_actual": thai_actual,
    "text_weights": text_weights,
    "text_rating": text_rating,
    "text_other": text_other,
}
# the results each edit reaches: they show the warning
WARNED = {
    "thai_actual": ("kpixl_achievement", "kpixl_total", "kpixl_band"),
    "text_weights": ("kpixl_achievement", "kpixl_total", "kpixl_band"),
    "text_rating": ("kpixl_competency", "kpixl_total", "kpixl_band"),
    "text_other": ("kpixl_total", "kpixl_band"),
}


def value_at(book: CalamineWorkbook, sheet: str, ref: str) -> object:
    grid = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    col, row = openpyxl.utils.cell.coordinate_from_string(ref.replace("$", ""))
    c = openpyxl.utils.cell.column_index_from_string(col) - 1
    return grid[row - 1][c] if row - 1 < len(grid) and c < len(grid[row - 1]) else ""


def defined(book: CalamineWorkbook, wb: openpyxl.Workbook, name: str) -> object:
    sheet, ref = wb.defined_names[name].attr_text.split("!")
    return value_at(book, sheet.strip("'"), ref)


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    tmp = tmp_path_factory.mktemp("text-inputs")
    sources = []
    for name, edit in EDITS.items():
        src = write_personal(tmp / "filled" / f"{name}.xlsx", BASE.data)
        wb = openpyxl.load_workbook(src)
        edit(wb)
        path = tmp / "in" / f"{name}.xlsx"
        path.parent.mkdir(exist_ok=True)
        wb.save(path)
        sources.append(path)
    outputs = convert(sources, tmp / "out", to="xlsx")
    return {name: (src, out) for name, src, out in zip(EDITS, sources, outputs, strict=True)}


def every_value(book: CalamineWorkbook) -> list[object]:
    return [
        v
        for sheet in (L.AGREEMENT, L.ACHIEVEMENT, L.COMPETENCY, L.SUMMARY)
        for row in book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        for v in row
    ]


@pytest.mark.parametrize("name", list(EDITS))
def test_text_in_a_number_cell_shows_the_warning_never_value(
    name: str, recalculated: dict[str, tuple[Path, Path]]
) -> None:
    src, out = recalculated[name]
    book = CalamineWorkbook.from_path(str(out))
    wb = openpyxl.load_workbook(out)
    errors = [v for v in every_value(book) if isinstance(v, str) and v.startswith("#")]
    assert errors == [], errors  # no #VALUE! anywhere in the recalculated form
    shown = {n: defined(book, wb, n) for n in WARNED[name]}
    assert shown == {n: TEXT_WARNING for n in WARNED[name]}, shown
    # and kpixl names the cell that holds the text, with the same advice
    found = check_personal(read_personal(src)).findings
    noted = [f for f in found if "formulas cannot" in f.message_en]
    assert noted and all(f.severity == "warning" and f.cell for f in noted), found


def test_the_weight_total_never_shows_60_when_kpixl_reads_100(
    recalculated: dict[str, tuple[Path, Path]],
) -> None:
    src, out = recalculated["text_weights"]
    book = CalamineWorkbook.from_path(str(out))
    total = value_at(book, L.AGREEMENT, f"{L.KPI_COLUMNS['weight'][0]}{L.KPI_TOTAL_ROW}")
    assert total == TEXT_WARNING
    found = check_personal(read_personal(src)).findings
    assert [(f.rule, f.cell) for f in found] == [
        ("cell.number_as_text", L.kpi_cell("weight", 0)),
        ("cell.number_as_text", L.kpi_cell("weight", 1)),
    ]


def test_the_thai_digit_row_is_marked_and_kpixl_still_scores_it(
    recalculated: dict[str, tuple[Path, Path]],
) -> None:
    src, out = recalculated["thai_actual"]
    book = CalamineWorkbook.from_path(str(out))
    for col in ("reached", "score", "weighted"):
        shown = value_at(book, L.ACHIEVEMENT, f"{L.ACH_COLUMNS[col]}{L.ACH_FIRST}")
        assert isinstance(shown, str) and shown.startswith(WARNING_MARK), (col, shown)
    result = check_personal(read_personal(src))
    assert [(f.rule, f.sheet, f.cell) for f in result.findings] == [
        ("cell.thai_digits", L.ACHIEVEMENT, actual_cell(0))
    ]
    assert result.scores["total"] is not None  # kpixl reads ๘๗ as 87
    # the recalculated file's ⚠ is not a cached value that disagrees with kpixl
    again = check_personal(read_personal(out))
    assert "form.cached_mismatch" not in {f.rule for f in again.findings}
