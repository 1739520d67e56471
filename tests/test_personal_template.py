"""The personal template: rebuilt from code, the form conventions, print to PDF."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import openpyxl
import pytest
from personal_cases import all_cases

from kpixl.io.libreoffice import convert, soffice
from kpixl.io.xlsx_package import Package
from kpixl.workbooks import personal_layout as L
from kpixl.workbooks.personal import write_personal
from kpixl.workbooks.templates import template_bytes

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "templates" / "personal.xlsx"


@pytest.mark.parametrize("name", ["personal.xlsx", "unit.xlsx", "master.xlsx"])
def test_committed_templates_equal_a_fresh_build(name: str) -> None:
    fresh = template_bytes(name)
    committed = (ROOT / "templates" / name).read_bytes()
    if fresh != committed:
        a, b = Package.read(fresh), Package.read(committed)
        differ = [n for n in a.order if a.parts[n] != b.parts.get(n)]
        pytest.fail(f"templates/{name} is stale (parts {differ}); run `kpixl templates build`")


def test_sheets_names_and_protection() -> None:
    wb = openpyxl.load_workbook(TEMPLATE)
    # the agreement, its attachment, the progress record, then the evaluation sheets
    assert wb.sheetnames == [L.AGREEMENT, L.STEPS, L.RECORD, *L.SHEETS[1:]]
    assert wb[L.HIDDEN].sheet_state == "hidden"
    for name in (L.AGREEMENT, L.STEPS, L.RECORD, L.ACHIEVEMENT, L.COMPETENCY, L.SUMMARY):
        ws = wb[name]
        assert ws.protection.sheet, name
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4 == "9"
        assert ws.print_area
    for name in ("kpixl_achievement", "kpixl_competency", "kpixl_total", "kpixl_band"):
        assert name in wb.defined_names
    assert set(wb[L.AGREEMENT].tables) == {"kpixl_kpi_table", "kpixl_competency_table"}


def test_input_cells_are_unlocked_and_formulas_locked() -> None:
    wb = openpyxl.load_workbook(TEMPLATE)
    agreement, achievement = wb[L.AGREEMENT], wb[L.ACHIEVEMENT]
    assert not agreement[L.kpi_cell("kpi_name", 0)].protection.locked
    assert not agreement[L.IDENTITY["name"][1]].protection.locked
    assert not achievement[f"E{L.ACH_FIRST}"].protection.locked
    assert achievement[f"G{L.ACH_FIRST}"].protection.locked
    assert str(achievement[f"G{L.ACH_FIRST}"].value).startswith("=")
    assert agreement[L.kpi_cell("kpi_name", 0)].font.name == "TH SarabunPSK"


def test_dropdowns_and_conditional_formats() -> None:
    wb = openpyxl.load_workbook(TEMPLATE)
    ws = wb[L.AGREEMENT]
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    covered = " ".join(str(dv.sqref) for dv in lists)
    for field in ("kind", "direction", "category"):
        letter = L.KPI_COLUMNS[field][0]
        assert f"{letter}{L.KPI_FIRST}:{letter}{L.KPI_LAST}" in covered
    ratings = [dv for dv in wb[L.COMPETENCY].data_validations.dataValidation if dv.type == "list"]
    assert f"E{L.CMP_FIRST}:E{L.CMP_LAST}" in " ".join(str(dv.sqref) for dv in ratings)
    ranges = [str(r.sqref) for r in ws.conditional_formatting]
    assert f"L{L.KPI_TOTAL_ROW}" in ranges  # weights ≠ 100
    assert f"G{L.KPI_FIRST}:K{L.KPI_LAST}" in ranges  # levels not monotone
    cf = [str(r.sqref) for r in wb[L.ACHIEVEMENT].conditional_formatting]
    assert f"E{L.ACH_FIRST}:E{L.ACH_LAST}" in cf  # missing actuals


NATIVE = {
    "IF",
    "OR",
    "AND",
    "SUM",
    "SUMPRODUCT",
    "ROUND",
    "ROUNDDOWN",
    "INDEX",
    "LOOKUP",
    "N",
    "COUNT",
    # the library picker: lookups and the dropdown sources (defined names)
    "IFERROR",
    "MATCH",
    "OFFSET",
    "COUNTIF",
    "COUNTA",
    "MAX",
    # a number cell holding text shows a warning instead of #VALUE!
    "ISTEXT",
    # the round's dates from its id (2570/1 → 1 ต.ค. 2569 – 31 มี.ค. 2570)
    "LEFT",
    "RIGHT",
    "VALUE",
}


def test_only_native_functions_no_udfs() -> None:
    wb = openpyxl.load_workbook(TEMPLATE)
    used: set[str] = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    text = re.sub(r'"[^"]*"', "", cell.value)  # drop string literals
                    used |= set(re.findall(r"([A-Z][A-Z0-9.]*)\(", text))
    for name in wb.defined_names.values():  # the dropdown sources are formulas too
        text = re.sub(r'"[^"]*"', "", name.attr_text)
        used |= set(re.findall(r"([A-Z][A-Z0-9.]*)\(", text))
    assert used and used <= NATIVE, used - NATIVE
    assert {"OFFSET", "IFERROR", "MATCH"} <= used


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_filled_workbook_prints_thai_on_a4(tmp_path: Path) -> None:
    case = all_cases()[3]
    src = write_personal(tmp_path / "person.xlsx", case.data)
    [pdf] = convert([src], tmp_path / "pdf", to="pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    assert 10 <= pages <= 15  # the form's 9 pages, then the KPI library's
    size = next(line for line in info.splitlines() if line.startswith("Page size:"))
    width, height = (float(v) for v in size.split(":")[1].split("pts")[0].split("x"))
    assert sorted((round(width), round(height))) == [595, 842]  # A4 in points
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for label in (
        "ข้อตกลงผลการปฏิบัติราชการรายบุคคล",
        "แบบสรุปการประเมินผลการปฏิบัติราชการ",
        "ระดับผลการประเมิน",
    ):
        assert label in text
    assert str(case.data.person["name"]) in text
