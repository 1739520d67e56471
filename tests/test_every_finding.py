"""Every finding at once (issue 13, items 5–7 and 16).

A personal workbook with several problems at once gives all of them in one
``kpixl validate`` run — the seal included, even when scores cannot be computed — each
at its own sheet and cell, once per cell, with no Python ``None`` or repr on the
console. Numbers typed as text are read with the note the README promises, and the
form's number cells refuse text (data validation with Thai messages).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from personal_cases import all_cases, rules_for

from kpixl.cli import cli
from kpixl.cli.output import finding_line, scores_line
from kpixl.core.codes import finding
from kpixl.core.findings import Finding
from kpixl.core.numbers import parse_number
from kpixl.schemas.backend import cells_of
from kpixl.workbooks import personal_layout as L
from kpixl.workbooks.personal import check_personal, read_personal, seal_personal, write_personal

BASE = all_cases()[-4]  # two KPIs (weights 50/50), five competencies: total 70.60
ROOT = Path(__file__).resolve().parents[1]


def actual_cell(i: int) -> str:
    return f"{L.ACH_COLUMNS['actual']}{L.ACH_FIRST + i}"


def rating_cell(i: int) -> str:
    return f"{L.CMP_COLUMNS['rating']}{L.CMP_FIRST + i}"


def edited(tmp_path: Path, edit: Callable[[openpyxl.Workbook], None], *, sealed: bool) -> Path:
    src = write_personal(tmp_path / "src.xlsx", BASE.data)
    if sealed:
        seal_personal(src, key="")
    wb = openpyxl.load_workbook(src)
    edit(wb)
    out = tmp_path / "person.xlsx"
    wb.save(out)
    return out


def many_problems(wb: openpyxl.Workbook) -> None:
    """An agreement edited after sealing, and everything else a hurried person leaves."""
    wb[L.AGREEMENT][L.kpi_cell("weight", 0)] = 60  # weights now sum to 110
    wb[L.AGREEMENT][L.kpi_cell("l2", 1)] = "1,00"  # not a number (one finding, not two)
    wb[L.ACHIEVEMENT][actual_cell(1)] = None  # a blank actual
    wb[L.COMPETENCY][rating_cell(2)] = None  # a blank competency rating
    wb[L.ACHIEVEMENT][actual_cell(0)] = "๘๗"  # a number typed as text in Thai digits


@pytest.fixture
def problems(tmp_path: Path) -> Path:
    return edited(tmp_path, many_problems, sealed=True)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_validate_reports_every_finding_in_one_run(problems: Path) -> None:
    before = sha(problems)
    run = CliRunner().invoke(cli, ["validate", "--json", str(problems)], env={"KPIXL_SEAL_KEY": ""})
    assert run.exit_code == 1, run.output
    assert sha(problems) == before
    report = json.loads(run.output)[0]
    found = {(f["rule"], f["sheet"], f["cell"]) for f in report["findings"]}
    weights = L.KPI_COLUMNS["weight"][0]
    assert found >= {
        ("kpi.weights_sum", L.AGREEMENT, f"{weights}{L.KPI_FIRST}:{weights}{L.KPI_FIRST + 1}"),
        ("cell.not_a_number", L.AGREEMENT, L.kpi_cell("l2", 1)),
        ("result.actual_missing", L.ACHIEVEMENT, actual_cell(1)),
        ("cell.blank", L.COMPETENCY, rating_cell(2)),
        ("cell.thai_digits", L.ACHIEVEMENT, actual_cell(0)),
    }, found
    # the seal is checked although the scores cannot be computed
    assert "form.sealed_changed" in {f["rule"] for f in report["findings"]}
    assert report["scores"] == {}


def test_one_finding_per_cell_each_on_its_own_sheet(problems: Path) -> None:
    findings = check_personal(read_personal(problems), key="").findings
    cells = Counter(
        (f.sheet, cell)
        for f in findings
        if f.rule != "form.sealed_changed"  # the seal names the whole agreement
        for cell in cells_of(f.cell)
    )
    assert [c for c, n in cells.items() if n > 1] == []
    assert all(f.sheet and f.cell for f in findings), findings
    assert all("!" not in f.cell for f in findings)  # the sheet is the sheet's, not the cell's


def test_one_comma_gives_one_finding(tmp_path: Path) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        wb[L.AGREEMENT][L.kpi_cell("l2", 1)] = "1,00"

    findings = check_personal(read_personal(edited(tmp_path, edit, sealed=False))).findings
    assert [(f.rule, f.cell) for f in findings] == [("cell.not_a_number", L.kpi_cell("l2", 1))]


def test_blanks_are_reported_while_another_error_exists(tmp_path: Path) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        wb[L.AGREEMENT][L.kpi_cell("weight", 0)] = 70  # an agreement error
        wb[L.ACHIEVEMENT][actual_cell(0)] = None
        wb[L.COMPETENCY][rating_cell(0)] = None
        wb[L.COMPETENCY][rating_cell(4)] = None

    findings = check_personal(read_personal(edited(tmp_path, edit, sealed=False))).findings
    assert {(f.rule, f.sheet, f.cell) for f in findings} == {
        ("kpi.weights_sum", L.AGREEMENT, f"L{L.KPI_FIRST}:L{L.KPI_FIRST + 1}"),
        ("result.actual_missing", L.ACHIEVEMENT, actual_cell(0)),
        ("cell.blank", L.COMPETENCY, rating_cell(0)),
        ("cell.blank", L.COMPETENCY, rating_cell(4)),
    }


def test_console_shows_each_sheet_once_and_no_python_reprs(problems: Path) -> None:
    run = CliRunner().invoke(cli, ["validate", str(problems)], env={"KPIXL_SEAL_KEY": ""})
    assert run.exit_code == 1
    lines = run.output.splitlines()
    assert len(lines) >= 6
    for line in lines:
        assert "None" not in line and "Decimal(" not in line and "nan" not in line, line
        assert not re.search(r"'[^']+'!", line), line  # no 'ผลสัมฤทธิ์'!E8
        assert "=]" not in line, line  # no empty [field=]
        for sheet in (L.AGREEMENT, L.ACHIEVEMENT, L.COMPETENCY):
            where = line.split(": ", 1)[0]
            assert where.count(sheet) <= 1, line
    assert any(f"{L.ACHIEVEMENT} › {actual_cell(1)}:" in line for line in lines)
    assert any(f"{L.COMPETENCY} › {rating_cell(2)}:" in line for line in lines)
    assert lines[-1].endswith("scores cannot be computed yet")


def test_console_lines_never_show_none() -> None:
    blank_code = finding("result.actual_missing", field="actual", kpi_code=None)
    assert "None" not in blank_code.message_th + blank_code.message_en
    old_style = Finding("x.y", "ไทย", "English", sheet="ผลสัมฤทธิ์", cell="'ผลสัมฤทธิ์'!E8")
    assert finding_line(old_style).count("ผลสัมฤทธิ์") == 1
    assert "None" not in scores_line("a.xlsx", {"achievement": None, "total": None}, ok=False)
    partial = {"achievement": Decimal("80.00"), "total": Decimal("81.00"), "band": "ดีมาก"}
    assert "None" not in scores_line("a.xlsx", partial, ok=True)


def test_a_milestone_level_out_of_range_names_the_value_not_a_repr(tmp_path: Path) -> None:
    case = next(
        c
        for c in all_cases()
        if c.method == "linear" and any(k["kind"] == "milestone" for k in c.data.kpis)
    )
    i = next(i for i, k in enumerate(case.data.kpis) if k["kind"] == "milestone")
    path = write_personal(tmp_path / "src.xlsx", case.data)
    wb = openpyxl.load_workbook(path)
    wb[L.ACHIEVEMENT][actual_cell(i)] = 7
    wb.save(path)
    rules = rules_for(tmp_path, case.method, case.competency_method)
    (f,) = check_personal(read_personal(path), rules=rules).findings
    assert (f.rule, f.sheet, f.cell) == ("result.milestone_level", L.ACHIEVEMENT, actual_cell(i))
    assert "Decimal" not in f.message_en + f.message_th and "(found 7)" in f.message_en


@pytest.mark.parametrize(
    ("typed", "rule", "number"),
    [("1,000", "cell.separators", Decimal(1000)), ("93%", "cell.percent_sign", Decimal(93))],
)
def test_separators_and_percent_signs_are_read_with_a_note(
    tmp_path: Path, typed: str, rule: str, number: Decimal
) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        wb[L.ACHIEVEMENT][actual_cell(0)] = typed

    result = check_personal(read_personal(edited(tmp_path, edit, sealed=False)))
    assert [(f.rule, f.severity, f.sheet, f.cell) for f in result.findings] == [
        (rule, "warning", L.ACHIEVEMENT, actual_cell(0))
    ]
    assert str(number) in result.findings[0].message_en
    assert parse_number(typed).value == number and parse_number(typed).note == rule[5:]
    assert result.scores["total"] is not None


def test_a_number_typed_as_text_is_reported_at_its_cell(tmp_path: Path) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        wb[L.AGREEMENT][L.kpi_cell("weight", 0)] = "50"
        wb[L.AGREEMENT][L.kpi_cell("weight", 1)] = "50"

    result = check_personal(read_personal(edited(tmp_path, edit, sealed=False)))
    assert [(f.rule, f.severity, f.cell) for f in result.findings] == [
        ("cell.number_as_text", "warning", L.kpi_cell("weight", 0)),
        ("cell.number_as_text", "warning", L.kpi_cell("weight", 1)),
    ]
    assert result.scores["total"] == Decimal("70.60")


# every numeric input of the form: sheet → ranges
NUMERIC_INPUTS = {
    L.AGREEMENT: [
        f"G{L.KPI_FIRST}:K{L.KPI_LAST}",  # five levels
        f"L{L.KPI_FIRST}:L{L.KPI_LAST}",  # KPI weights
        f"D{L.COMP_FIRST}:D{L.COMP_LAST}",  # expected competency levels
        f"E{L.COMP_FIRST}:E{L.COMP_LAST}",  # competency weights
    ],
    L.ACHIEVEMENT: [f"E{L.ACH_FIRST}:E{L.ACH_LAST}"],  # actuals
    L.COMPETENCY: [f"E{L.CMP_FIRST}:E{L.CMP_LAST}"],  # ratings
    L.SUMMARY: [f"{L.SUM_SCORE_COL}{L.SUM_ROWS['other']}"],  # the other component
}


def thai(text: str | None) -> bool:
    return bool(text) and any("\u0e00" <= ch <= "\u0e7f" for ch in text or "")


@pytest.mark.parametrize("sheet", list(NUMERIC_INPUTS))
def test_every_numeric_input_refuses_text(sheet: str) -> None:
    wb = openpyxl.load_workbook(ROOT / "templates" / "personal.xlsx")
    validations = wb[sheet].data_validations.dataValidation
    for ref in NUMERIC_INPUTS[sheet]:
        for cell in cells_of(ref):
            rules = [dv for dv in validations if cell in cells_of_all(str(dv.sqref))]
            assert len(rules) == 1, (sheet, cell, rules)
            dv = rules[0]
            assert dv.type in ("decimal", "whole", "list"), (sheet, cell, dv.type)
            if dv.type == "list":  # a dropdown of numbers refuses anything else
                assert set(str(dv.formula1).strip('"').split(",")) <= set("012345")
            assert dv.showErrorMessage and dv.errorStyle in (None, "stop"), (sheet, cell)
            assert dv.showInputMessage and thai(dv.prompt), (sheet, cell)
            assert thai(dv.error) and thai(dv.errorTitle), (sheet, cell)


def cells_of_all(sqref: str) -> set[str]:
    return {cell for part in sqref.split() for cell in cells_of(part)}


DEMO = ROOT / "workbooks" / "demo"


def test_collect_reports_every_finding_of_a_personal_workbook(tmp_path: Path) -> None:
    from kpixl.jobs.collect import collect_data

    unit = tmp_path / "U01.xlsx"
    shutil.copy(DEMO / "units" / "U01.xlsx", unit)
    inbox = tmp_path / "inbox"
    shutil.copytree(DEMO / "personal" / "U01", inbox)
    path = sorted(inbox.glob("*.xlsx"))[0]
    wb = openpyxl.load_workbook(path)
    weight = wb[L.AGREEMENT][L.kpi_cell("weight", 0)]
    weight.value = (weight.value or 0) + 7  # weights no longer sum to 100
    wb[L.AGREEMENT][L.kpi_cell("l2", 0)] = "1,00"
    wb[L.ACHIEVEMENT][actual_cell(1)] = None
    wb[L.COMPETENCY][rating_cell(0)] = None
    wb.save(path)
    result, _ = collect_data(unit, inbox)
    mine = [f for f in result.findings if f.file == path.name]
    found = {(f.rule, f.sheet, f.cell) for f in mine}
    assert ("cell.not_a_number", L.AGREEMENT, L.kpi_cell("l2", 0)) in found
    assert ("result.actual_missing", L.ACHIEVEMENT, actual_cell(1)) in found
    assert ("cell.blank", L.COMPETENCY, rating_cell(0)) in found
    assert "kpi.weights_sum" in {f.rule for f in mine}
    assert "kpi.levels_missing" not in {f.rule for f in mine}  # follows from the 1,00 cell


def test_consolidate_reports_every_finding_of_a_unit_workbook(tmp_path: Path) -> None:
    from kpixl.jobs.consolidate import consolidate
    from kpixl.workbooks import unit_layout as U

    demo = tmp_path / "demo"
    shutil.copytree(DEMO, demo, ignore=shutil.ignore_patterns("*.bak", "results.csv"))
    unit = demo / "units" / "U01.xlsx"
    wb = openpyxl.load_workbook(unit)
    kpis, comps = wb[U.KPIS], wb[U.COMPETENCIES]
    row = U.FIRST_ROW
    person = kpis[f"{U.KPI_COLUMNS['person_id']}{row}"].value
    assert kpis[f"{U.KPI_COLUMNS['person_id']}{row + 1}"].value == person
    kpis[f"{U.KPI_COLUMNS['weight']}{row}"] = 77  # an agreement error …
    kpis[f"{U.KPI_COLUMNS['actual']}{row + 1}"] = None  # … and a blank of the same person
    kpis[f"{U.KPI_COLUMNS['l2']}{row + 1}"] = "1,00"
    comps[f"{U.COMP_COLUMNS['rating']}{row}"] = None
    wb.save(unit)
    result = consolidate(demo / "master.xlsx")
    mine = [f for f in result.findings if f.file == unit.name]
    found = {(f.rule, f.sheet, f.cell) for f in mine}
    assert found >= {
        ("cell.not_a_number", U.KPIS, f"{U.KPI_COLUMNS['l2']}{row + 1}"),
        ("result.actual_missing", U.KPIS, f"{U.KPI_COLUMNS['actual']}{row + 1}"),
        ("cell.blank", U.COMPETENCIES, f"{U.COMP_COLUMNS['rating']}{row}"),
    }, found
    assert "kpi.weights_sum" in {f.rule for f in mine}
    cells = Counter((f.sheet, c) for f in mine for c in cells_of(f.cell))
    assert [c for c, n in cells.items() if n > 1] == []
    assert all(f.cell for f in mine if f.sheet in (U.KPIS, U.COMPETENCIES)), mine
