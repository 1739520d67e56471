"""Gnumeric, a second engine, recalculates filled personal workbooks: its results equal
the core's, as LibreOffice's do (tests/test_personal_recalc.py).

The corpus is the same (tests/personal_cases.py). Gnumeric reads ``INDEX(row, n)`` on
a one-row range differently from Excel and LibreOffice (``n`` as a row number: #REF!),
so the form's formulas must say ``INDEX(row, 1, n)``; this test holds them to it.
These tests need ``ssconvert``; CI installs Debian's gnumeric and fails if they are skipped.
"""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from personal_cases import all_cases, rules_for
from printed_sums import printed_sum_problems
from python_calamine import CalamineWorkbook

from kpixl.core.scoring import kpi_score, milestone_score
from kpixl.workbooks import personal_layout as L
from kpixl.workbooks.personal import check_personal, read_personal, template_package, write_personal

SSCONVERT = shutil.which("ssconvert")

pytestmark = [
    pytest.mark.gnumeric,
    pytest.mark.skipif(SSCONVERT is None, reason="Gnumeric (ssconvert) is not installed"),
]

CASES = all_cases()


def recalc(src: Path, out: Path) -> Path:
    """``ssconvert --recalc``: Gnumeric opens ``src``, recalculates, saves ``out`` (.xlsx)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [str(SSCONVERT), "--recalc", str(src), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0 and out.exists(), result.stderr[-2000:]
    return out


def grid(book: CalamineWorkbook, sheet: str) -> list[list[object]]:
    return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def value_at(book: CalamineWorkbook, ref: str) -> object:
    """The value stored at a defined name's ``'sheet'!$C$5`` (None when blank)."""
    sheet, cell = ref.split("!")
    col, row = openpyxl.utils.cell.coordinate_from_string(cell.replace("$", ""))
    rows = grid(book, sheet.strip("'"))
    index = openpyxl.utils.cell.column_index_from_string(col) - 1
    value = rows[row - 1][index] if row - 1 < len(rows) and index < len(rows[row - 1]) else ""
    return None if value == "" else value


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    tmp = tmp_path_factory.mktemp("gnumeric")
    # the template as the code builds it now (not the committed file), so the test
    # judges the formulas this checkout writes
    template = template_package(tmp / "template" / "personal.xlsx")
    done = {}
    for case in CASES:
        rules = rules_for(tmp, case.method, case.competency_method)
        src = write_personal(
            tmp / "in" / f"{case.name}.xlsx", case.data, rules=rules, template=template
        )
        done[case.name] = (src, recalc(src, tmp / "out" / f"{case.name}.xlsx"))
    return done


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_gnumeric_equals_the_core(
    case: object, recalculated: dict[str, tuple[Path, Path]], tmp_path: Path
) -> None:
    name = case.name  # type: ignore[attr-defined]
    src, out = recalculated[name]
    rules = rules_for(tmp_path, case.method, case.competency_method)  # type: ignore[attr-defined]
    expected = check_personal(read_personal(src), rules=rules)
    assert [f for f in expected.findings if f.severity == "error"] == []
    names = L.defined_names()
    book = CalamineWorkbook.from_path(str(out))
    for key in ("achievement", "competency", "total"):
        got = value_at(book, names[f"kpixl_{key}"])
        assert isinstance(got, int | float), (key, got)
        assert abs(Decimal(str(got)) - expected.scores[key]) <= Decimal("0.001"), (key, got)
    assert value_at(book, names["kpixl_band"]) == expected.scores["band"]


def test_every_kpi_row_scores_as_the_core(recalculated: dict[str, tuple[Path, Path]]) -> None:
    """Row by row, every method: the between-levels rows are the ones that gave #REF!."""
    between = 0
    for case in CASES:
        _, out = recalculated[case.name]
        rows = grid(CalamineWorkbook.from_path(str(out)), L.ACHIEVEMENT)
        score_col = openpyxl.utils.cell.column_index_from_string(L.ACH_COLUMNS["score"]) - 1
        for i, (kpi, actual) in enumerate(
            zip(case.data.kpis, case.data.actuals or [], strict=True)
        ):
            got = rows[L.ACH_FIRST - 1 + i][score_col]
            if kpi["kind"] == "milestone":
                want = milestone_score(actual)
            else:
                levels = [kpi[f"l{j}"] for j in range(1, 6)]
                direction = str(kpi["direction"])
                want = kpi_score(actual, levels, direction=direction, method=case.method)  # type: ignore[arg-type]
                between += want != want.to_integral_value()
            assert isinstance(got, int | float), (case.name, i, got)
            assert Decimal(str(got)) == want, (case.name, i, got, want)
    assert between > 20  # the corpus does reach the interpolating branch


def test_the_printed_sums_give_the_core_results(
    recalculated: dict[str, tuple[Path, Path]], tmp_path: Path
) -> None:
    """As the official forms print them: points ค = ก × ข per row, their total, and
    the total × 20 (× 100 ÷ 3 for the gap method) equal the core's 100-point results."""
    for case in CASES:
        src, out = recalculated[case.name]
        rules = rules_for(tmp_path, case.method, case.competency_method)
        expected = check_personal(read_personal(src), rules=rules).scores
        book = CalamineWorkbook.from_path(str(out))
        problems = printed_sum_problems(
            grid(book, L.ACHIEVEMENT),
            grid(book, L.COMPETENCY),
            expected,
            competency_method=case.competency_method,
            rating_max=rules.rating_max,
        )
        assert problems == [], case.name
