"""The consolidated demo master on paper: LibreOffice renders each printed sheet to PDF;
paper size and orientation, every column header found, no ``###``, fonts at 12 pt or
more in print, names first in Results, whole baht without satangs; the unit chart reads
exactly the round's units."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kpixl.io.libreoffice import convert
from kpixl.io.xlsx_package import sheet_parts
from kpixl.jobs.consolidate import consolidate
from kpixl.jobs.demo import build_demo
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.master import fit_unit_chart, result_bytes

A4 = (595, 842)


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("print")
    build_demo(root / "demo")
    master = root / "demo" / "master.xlsx"
    assert consolidate(master).exit_code == 0
    return master


def only_sheet(master: Path, sheet: str, out: Path) -> Path:
    """A copy of ``master`` with every other sheet hidden (LibreOffice prints visible
    sheets only); the package is edited as XML, so charts and styles stay."""
    with zipfile.ZipFile(master) as zin:
        names = zin.namelist()
        data = {n: zin.read(n) for n in names}
    book = data["xl/workbook.xml"].decode("utf-8")
    sheets = re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*/>', book)
    active = sheets.index(sheet)

    def state(m: re.Match[str]) -> str:
        tag = re.sub(r'\s+state="[^"]*"', "", m.group(0))
        return tag if m.group(1) == sheet else tag.replace("<sheet ", '<sheet state="hidden" ', 1)

    book = re.sub(r'<sheet [^>]*name="([^"]+)"[^>]*/>', state, book)
    # LibreOffice prints a hidden sheet's print area (the Calibration sheet's): keep only
    # the printed sheet's
    book = re.sub(
        rf'<definedName name="_xlnm\.Print_Area" localSheetId="(?!{active}")\d+">[^<]*</definedName>',
        "",
        book,
    )
    book = re.sub(r'activeTab="\d+"', f'activeTab="{active}"', book)
    book = re.sub(r'firstSheet="\d+"', f'firstSheet="{active}"', book)
    data["xl/workbook.xml"] = book.encode("utf-8")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for n in names:
            zout.writestr(n, data[n])
    return out


PRINTED = {  # sheet → (portrait?, headers that must show)
    M.RESULTS: (False, M.RESULT_HEADERS),
    M.ROSTER: (False, M.ROSTER_HEADERS),
    M.ISSUES: (False, M.ISSUE_HEADERS),
    M.SUMMARY: (False, ("รหัสหน่วยงาน", "จำนวนคน", "ดีเด่น", "ต้องปรับปรุง")),
    M.POOLS: (False, M.POOL_HEADERS),
    M.ANNOUNCEMENT: (True, M.ANNOUNCEMENT_HEADERS),
    M.PCT_ANNOUNCEMENT: (True, M.PCT_HEADERS),
    M.SALARY_ORDER: (False, M.SALARY_ORDER_HEADERS),
}


@pytest.fixture(scope="module")
def pdfs(demo_master: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("pdf")
    copies = [only_sheet(demo_master, name, root / f"{name}.xlsx") for name in PRINTED]
    out = convert(copies, root / "out", to="pdf")
    return dict(zip(PRINTED, out, strict=True))


def pdf_text(pdf: Path, page: int | None = None, *, layout: bool = False) -> str:
    """The PDF's text; in drawing order (a wrapped cell's lines together), or laid out."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    mode = "-layout" if layout else "-raw"
    return subprocess.run(
        ["pdftotext", *pages, mode, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def page_sizes(pdf: Path) -> list[tuple[int, int]]:
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    return [
        (round(float(w)), round(float(h)))
        for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)
    ]


# a word's box in pdftotext is 1.30 × its font size for TH SarabunPSK and Laksaman alike
# (metric-compatible); a page shrunk to fit its width shrinks its words' boxes with it
BOX_PER_PT = 1.30


def word_points(pdf: Path) -> list[tuple[float, str]]:
    """Each word of the PDF with the font size it prints at, in points."""
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [
        ((float(y1) - float(y0)) / BOX_PER_PT, word)
        for y0, y1, word in re.findall(
            r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<', boxes
        )
    ]


def squash(text: str) -> str:
    """Text without spaces and line breaks (wrapped headers break anywhere)."""
    return re.sub(r"\s+", "", text)


needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler")


@pytest.mark.libreoffice
@needs_poppler
@pytest.mark.parametrize("sheet", list(PRINTED))
def test_printed_sheet_is_a4_readable_and_complete(pdfs: dict[str, Path], sheet: str) -> None:
    portrait, headers = PRINTED[sheet]
    pdf = pdfs[sheet]
    sizes = page_sizes(pdf)
    assert sizes, f"{sheet}: no pages"
    expected = A4 if portrait else A4[::-1]
    assert all(size == expected for size in sizes), (sheet, sizes)  # A4, no A3
    text = pdf_text(pdf)
    assert "###" not in text
    flat = squash(text)
    for header in headers:  # every column header printed (not cut off the page)
        assert squash(header) in flat, (sheet, header)


@pytest.mark.libreoffice
@needs_poppler
def test_results_print_names_first_with_the_name_on_every_page(pdfs: dict[str, Path]) -> None:
    pdf = pdfs[M.RESULTS]
    pages = len(page_sizes(pdf))
    assert pages >= 2  # pages across, not one squeezed page
    first = pdf_text(pdf, 1, layout=True).splitlines()
    header = next(line for line in first if "ชื่อ-สกุล" in line)
    assert header.index("ชื่อ-สกุล") < header.index("ตำแหน่ง")  # the name first
    for page in range(1, pages + 1):  # the name column repeats on every page across
        assert "ชื่อ-สกุล" in pdf_text(pdf, page)


def test_print_setup_keeps_fonts_at_12_points(demo_master: Path) -> None:
    wb = openpyxl.load_workbook(demo_master)
    for name in (*PRINTED, M.CONFIG, M.UNITS, *M.STRATEGY, M.ALIGNMENT):
        ws = wb[name]
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4), name
        if name in M.PRINT_SCALE:
            scale = int(ws.page_setup.scale)
            assert not ws.sheet_properties.pageSetUpPr.fitToPage
            assert scale == M.PRINT_SCALE[name]
        else:  # fitted to the page's width: narrow enough that 14 pt stays 12 pt or more
            used = range(1, ws.max_column + 1)
            width = sum(
                ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width or 13 for c in used
            )
            printable = (842 - 72) / (12 / 14)  # A4 landscape less margins, in points
            assert width * 7.6 <= printable, (name, width)
            continue
        sizes = {
            c.font.sz
            for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 60))
            for c in row
            if c.value is not None and c.font is not None and c.font.sz
        }
        assert min(sizes) * scale / 100 >= 12, (name, min(sizes), scale)
    assert wb[M.RESULTS].print_title_rows and wb[M.RESULTS].print_title_cols
    assert wb[M.ROSTER].print_title_rows and wb[M.ROSTER].print_title_cols


def test_money_formats_whole_baht(demo_master: Path) -> None:
    wb = openpyxl.load_workbook(demo_master)
    results = wb[M.RESULTS]
    for name in ("salary", "base", "increase", "new_salary"):
        cell = results.cell(M.FIRST_ROW, M.RESULT_COLUMNS.index(name) + 1)
        assert cell.number_format == M.BAHT, name
    roster = wb[M.ROSTER]
    salary = roster.cell(M.FIRST_ROW, M.ROSTER_COLUMNS.index("salary") + 1)
    assert isinstance(salary.value, int | float)
    assert (
        roster.column_dimensions[
            openpyxl.utils.get_column_letter(M.ROSTER_COLUMNS.index("salary") + 1)
        ].number_format
        in (M.BAHT, "General")
        or salary.number_format == M.BAHT
    )


def _charts(master: Path) -> dict[str, str]:
    with zipfile.ZipFile(master) as zf:
        return {
            n: zf.read(n).decode("utf-8")
            for n in zf.namelist()
            if n.startswith("xl/charts/chart") and n.endswith(".xml")
        }


def test_unit_chart_reads_exactly_the_round_units(demo_master: Path) -> None:
    wb = openpyxl.load_workbook(demo_master)
    summary = wb[M.SUMMARY]
    units = []
    r = M.CHART_FIRST_UNIT
    while summary.cell(r, 1).value not in (None, "รวม"):
        units.append(summary.cell(r, 2).value)
        r += 1
    assert len(units) == 3
    last = M.CHART_FIRST_UNIT + len(units) - 1
    chart = next(x for x in _charts(demo_master).values() if "'Summary'!$B$" in x)
    refs = re.findall(r"<f>'Summary'!\$([A-Z]+)\$(\d+):\$[A-Z]+\$(\d+)</f>", chart)
    assert refs
    for _, first, end in refs:  # every series over the units' rows: no total, no blanks
        assert (int(first), int(end)) == (M.CHART_FIRST_UNIT, last)
    assert summary.cell(last + 1, 1).value == "รวม"  # the total row is just below
    # the categories are the units' names, as text
    assert re.search(r"<cat><strRef><f>'Summary'!\$B\$", chart)


def test_unit_chart_covers_any_number_of_units() -> None:
    template = (
        "<tx><strRef><f>'Summary'!D3</f></strRef></tx>"
        "<val><numRef><f>'Summary'!$D$4</f></numRef></val>"
        "<cat><numRef><f>'Summary'!$B$4:$B$4</f></numRef></cat>"
    )
    for units in (1, 3, 40, 41, 250):
        xml = fit_unit_chart(template, units)
        assert f"$D$4:$D${3 + units}" in xml and "'Summary'!D3<" in xml  # series name kept
        assert f"<cat><strRef><f>'Summary'!$B$4:$B${3 + units}</f></strRef></cat>" in xml
    assert "$D$4:$D$4<" in fit_unit_chart(template, 0)  # no units: one (empty) row
    assert fit_unit_chart(fit_unit_chart(template, 40), 3) == fit_unit_chart(template, 3)


@pytest.mark.libreoffice
@needs_poppler
def test_unit_chart_names_every_unit_on_paper(demo_master: Path, tmp_path: Path) -> None:
    copy = only_sheet(demo_master, M.CHARTS, tmp_path / "Charts.xlsx")
    pdf = convert([copy], tmp_path / "out", to="pdf")[0]
    text = squash(pdf_text(pdf))
    wb = openpyxl.load_workbook(demo_master)
    names = [wb[M.SUMMARY].cell(M.CHART_FIRST_UNIT + i, 2).value for i in range(3)]
    for name in names:
        assert squash(str(name)) in text, name
    bands = text[text.rindex("(Bandsperunit)") :]
    assert "รวม" not in bands  # the total row is no bar


def test_sheet_parts_still_found(demo_master: Path) -> None:
    with zipfile.ZipFile(demo_master) as zf:
        parts = sheet_parts({n: zf.read(n) for n in zf.namelist()})
    assert set(M.SHEETS) <= set(parts)


def test_a_master_from_an_older_template_still_consolidates(demo_master: Path) -> None:
    """A master made before the documents: no PctAnnouncement sheet, document sheets
    without their hidden style rows. The round is written all the same (each such
    document from its first row); a result sheet deleted by hand is still an error."""
    import io

    from kpixl.io.xlsx_package import Package
    from kpixl.jobs.consolidate import consolidate as run
    from kpixl.workbooks.master_results import output_sheets

    package = Package.read(demo_master.read_bytes())
    parts = package.sheets
    book = package.parts["xl/workbook.xml"].decode("utf-8")
    book = book.replace(f'name="{M.PCT_ANNOUNCEMENT}"', 'name="Old"')  # no such sheet
    order = package.parts[parts[M.SALARY_ORDER]].decode("utf-8")
    order = re.sub(r'\s+hidden="1"', "", order)  # no style rows
    old = package.to_bytes(
        {"xl/workbook.xml": book.encode("utf-8"), parts[M.SALARY_ORDER]: order.encode("utf-8")}
    )
    result = run(demo_master, write=False)
    sheets = output_sheets(result, config={"organisation": "สำนักงานเก่า"})
    written = result_bytes(old, sheets)
    wb = openpyxl.load_workbook(io.BytesIO(written))
    assert M.PCT_ANNOUNCEMENT not in wb.sheetnames
    assert wb[M.SALARY_ORDER]["A1"].value == "คำสั่งสำนักงานเก่า"  # written from row 1
    assert wb[M.ANNOUNCEMENT].cell(M.DOC_FIRST_ROW, 1).value == "ประกาศสำนักงานเก่า"
    assert wb[M.RESULTS].cell(M.HEADER_ROW, 1).value == M.RESULT_HEADERS[0]
    gone = book.replace(f'name="{M.ISSUES}"', 'name="Gone"')
    with pytest.raises(KeyError):
        result_bytes(package.to_bytes({"xl/workbook.xml": gone.encode("utf-8")}), sheets)
