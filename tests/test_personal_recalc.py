"""LibreOffice recalculates filled personal workbooks: its results equal the core's.

These tests need LibreOffice headless; CI installs it and fails if they are skipped.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from personal_cases import all_cases, rules_for
from printed_sums import printed_sum_problems
from python_calamine import CalamineWorkbook

from kpixl.io.libreoffice import convert, soffice
from kpixl.workbooks import personal_layout as L
from kpixl.workbooks.personal import (
    check_personal,
    read_personal,
    template_package,
    write_personal,
)

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed"),
]

CASES = all_cases()


def defined_value(book: CalamineWorkbook, wb: openpyxl.Workbook, name: str) -> object:
    """The value LibreOffice computed for a defined name."""
    ref = wb.defined_names[name].attr_text
    sheet, cell = ref.split("!")
    grid = book.get_sheet_by_name(sheet.strip("'")).to_python(skip_empty_area=False)
    col, row = openpyxl.utils.cell.coordinate_from_string(cell.replace("$", ""))
    value = grid[row - 1][openpyxl.utils.cell.column_index_from_string(col) - 1]
    return None if value == "" else value


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    tmp = tmp_path_factory.mktemp("recalc")
    # the template as this checkout builds it (not the committed file)
    template = template_package(tmp / "template" / "personal.xlsx")
    sources = []
    for case in CASES:
        rules = rules_for(tmp, case.method, case.competency_method)
        path = tmp / "in" / f"{case.name}.xlsx"
        write_personal(path, case.data, rules=rules, template=template)
        sources.append(path)
    outputs = convert(sources, tmp / "out", to="xlsx")
    return {case.name: (src, out) for case, src, out in zip(CASES, sources, outputs, strict=True)}


def test_there_are_at_least_30_cases_covering_every_variant() -> None:
    assert len(CASES) >= 30
    kinds = {(c.method, c.competency_method) for c in CASES}
    assert kinds == {("linear", "rating"), ("linear", "gap"), ("level", "rating"), ("level", "gap")}
    assert any(c.data.person["probation"] for c in CASES)
    directions = {k.get("direction") for c in CASES for k in c.data.kpis}
    assert {"higher", "lower"} <= directions
    assert any(k["kind"] == "milestone" for c in CASES for k in c.data.kpis)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_libreoffice_equals_the_core(
    case: object, recalculated: dict[str, tuple[Path, Path]], tmp_path: Path
) -> None:
    name = case.name  # type: ignore[attr-defined]
    src, out = recalculated[name]
    rules = rules_for(tmp_path, case.method, case.competency_method)  # type: ignore[attr-defined]
    expected = check_personal(read_personal(src), rules=rules)
    assert [f for f in expected.findings if f.severity == "error"] == []
    book = CalamineWorkbook.from_path(str(out))
    wb = openpyxl.load_workbook(out, read_only=False)
    for key in ("achievement", "competency", "total"):
        got = defined_value(book, wb, f"kpixl_{key}")
        assert got is not None, key
        assert abs(Decimal(str(got)) - expected.scores[key]) <= Decimal("0.001"), (key, got)
    assert defined_value(book, wb, "kpixl_band") == expected.scores["band"]
    # and kpixl reading the recalculated file agrees with itself: no cached mismatch
    again = check_personal(read_personal(out), rules=rules)
    assert [f.rule for f in again.findings if f.rule == "form.cached_mismatch"] == []
    assert again.scores == expected.scores


def test_kpi_scores_per_row_match(
    recalculated: dict[str, tuple[Path, Path]], tmp_path: Path
) -> None:
    from kpixl.core.scoring import kpi_score, milestone_score

    checked = 0
    for case in CASES:
        if case.method != "linear":
            continue
        _, out = recalculated[case.name]
        grid = (
            CalamineWorkbook.from_path(str(out))
            .get_sheet_by_name(L.ACHIEVEMENT)
            .to_python(skip_empty_area=False)
        )
        score_col = openpyxl.utils.cell.column_index_from_string(L.ACH_COLUMNS["score"]) - 1
        for i, (kpi, actual) in enumerate(
            zip(case.data.kpis, case.data.actuals or [], strict=True)
        ):
            got = grid[L.ACH_FIRST - 1 + i][score_col]
            if kpi["kind"] == "milestone":
                want = milestone_score(actual)
            else:
                levels = [kpi[f"l{j}"] for j in range(1, 6)]
                want = kpi_score(actual, levels, direction=str(kpi["direction"]))  # type: ignore[arg-type]
            assert Decimal(str(got)) == want, (case.name, i, got, want)
            checked += 1
    assert checked > 40


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
        sheets = [
            book.get_sheet_by_name(s).to_python(skip_empty_area=False)
            for s in (L.ACHIEVEMENT, L.COMPETENCY)
        ]
        problems = printed_sum_problems(
            *sheets,
            expected,
            competency_method=case.competency_method,
            rating_max=rules.rating_max,
        )
        assert problems == [], case.name
