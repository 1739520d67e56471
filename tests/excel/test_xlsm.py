"""The shipped .xlsm templates: VBA (read back with oletools and by LibreOffice), the
buttons, the xlwings.conf sheet, and reproducible bytes."""

from __future__ import annotations

import re
import warnings
import zipfile
from pathlib import Path

import pytest

from kpixl.excel import macros
from kpixl.excel.xlsm import CONF_SHEET, MASTER_BUTTONS, UDF_MODULE, UNIT_BUTTONS, Button
from kpixl.io.libreoffice import convert, soffice
from kpixl.workbooks import master_layout as M
from kpixl.workbooks import unit_layout as U
from kpixl.workbooks.master import read_master
from kpixl.workbooks.templates import template_bytes

with warnings.catch_warnings():  # oletools still calls pyparsing's camelCase names
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import VBA_Parser

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
CASES = [("master.xlsm", MASTER_BUTTONS, M.CONFIG), ("unit.xlsm", UNIT_BUTTONS, U.PEOPLE)]


def vba_modules(path: Path) -> dict[str, str]:
    parser = VBA_Parser(str(path))
    try:
        return {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


@pytest.mark.parametrize(("name", "buttons", "sheet"), CASES)
def test_the_committed_xlsm_is_the_reproducible_build(
    name: str, buttons: tuple[Button, ...], sheet: str
) -> None:
    built = template_bytes(name)
    assert built == template_bytes(name)
    assert (TEMPLATES / name).read_bytes() == built, f"run `kpixl templates build` ({name})"


@pytest.mark.parametrize(("name", "buttons", "sheet"), CASES)
def test_oletools_reads_the_runpython_calls(
    name: str, buttons: tuple[Button, ...], sheet: str
) -> None:
    modules = vba_modules(TEMPLATES / name)
    assert {"ThisWorkbook.cls", "xlwings.bas", "Dictionary.cls", "kpixl.bas"} <= set(modules)
    assert "Function RunPython(" in modules["xlwings.bas"]  # standalone: no add-in needed
    kpixl = modules["kpixl.bas"]
    calls = re.findall(
        r'Sub (\w+)\(\)\s+RunPython "import kpixl\.excel\.macros as m; m\.(\w+)\(\)"', kpixl
    )
    expected = [(b.sub, b.python) for b in buttons if b.python]
    assert calls == expected
    for _, function in calls:
        assert callable(getattr(macros, function))


@pytest.mark.parametrize(("name", "buttons", "sheet"), CASES)
def test_buttons_codenames_and_the_xlwings_conf_sheet(
    name: str, buttons: tuple[Button, ...], sheet: str
) -> None:
    path = TEMPLATES / name
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    types = parts["[Content_Types].xml"].decode()
    assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
    assert "application/vnd.ms-office.vbaProject" in types
    vml = parts["xl/drawings/vmlDrawingKpixl.vml"].decode()
    assert re.findall(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", vml) == [b.sub for b in buttons]
    for b in buttons:
        assert b.caption in vml
    workbook = parts["xl/workbook.xml"].decode()
    assert 'codeName="ThisWorkbook"' in workbook
    sheet_names = re.findall(r'<sheet name="([^"]+)"', workbook)
    assert sheet_names[-1] == CONF_SHEET and sheet in sheet_names
    code_names = sorted(
        re.search(r'codeName="(\w+)"', xml.decode()).group(1)  # type: ignore[union-attr]
        for part, xml in parts.items()
        if part.startswith("xl/worksheets/sheet")
    )
    modules = vba_modules(path)
    assert len(code_names) == len(sheet_names)
    assert all(f"{c}.cls" in modules for c in code_names)  # a document module per sheet
    conf = next(
        xml.decode()
        for part, xml in parts.items()
        if part.startswith("xl/worksheets/sheet") and f"<t>{UDF_MODULE}</t>" in xml.decode()
    )
    assert "<t>UDF Modules</t>" in conf


def test_kpixl_reads_the_xlsm_master_like_the_xlsx() -> None:
    inputs = read_master(TEMPLATES / "master.xlsm")
    assert inputs.findings == []
    assert inputs.config["template_id"] == M.TEMPLATE_ID


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
@pytest.mark.parametrize(("name", "buttons", "sheet"), CASES)
def test_libreoffice_imports_the_vba_and_binds_every_button(
    name: str, buttons: tuple[Button, ...], sheet: str, tmp_path: Path
) -> None:
    [ods] = convert([TEMPLATES / name], tmp_path, to="ods")
    with zipfile.ZipFile(ods) as z:
        module = z.read("Basic/VBAProject/kpixl.xml").decode()
        content = z.read("content.xml").decode()
    for b in buttons:
        if b.python:
            assert f"m.{b.python}()" in module
        module_name = "kpixl" if b.python else "xlwings"
        assert f"VBAProject.{module_name}.{b.sub}?language=Basic" in content
    assert len(re.findall(r"<form:button ", content)) == len(buttons)


@pytest.mark.parametrize(
    "name", ["personal.xlsx", "unit.xlsx", "master.xlsx", *[c[0] for c in CASES]]
)
def test_no_template_formula_needs_kpixl(name: str) -> None:
    """E-mailed to someone without kpixl, a workbook shows values, never #NAME?."""
    with zipfile.ZipFile(TEMPLATES / name) as z:
        xml = "".join(
            z.read(n).decode("utf-8")
            for n in z.namelist()
            if n.startswith("xl/worksheets/") or n == "xl/workbook.xml"
        )
    formulas = re.findall(r"<f>([^<]*)</f>", xml) + re.findall(r"<definedName[^>]*>([^<]*)<", xml)
    assert formulas  # the templates do compute things natively
    udf_call = re.compile(r"\bKPIXL_\w+\s*\(")  # a UDF call; kpixl_… defined names are native
    assert not [f for f in formulas if udf_call.search(f.upper())]
    assert udf_call.search("=KPIXL_SCORE(E6,G12:K12)") and not udf_call.search("INDEX(KPIXL_LIB,1)")
