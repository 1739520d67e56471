"""Formula cells carry the values kpixl computed for them (issue 15, item 5).

A preview that does not calculate (mail and phone previews, pandas, python-calamine)
showed blank pool amounts in the unit workbook: its formula cells held no cached value.
Now a :class:`~kpixl.io.cell_text.Formula` may carry one; the unit workbook's formulas
carry the core's numbers, which LibreOffice's own recalculation gives again.
"""

from __future__ import annotations

import io
import pickle
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from kpixl.core.rules import default_rules
from kpixl.core.salary import salary_increase
from kpixl.io import sheet_scan
from kpixl.io.cell_text import Formula
from kpixl.io.grids import ScannedBook, open_book
from kpixl.io.libreoffice import convert, soffice
from kpixl.io.limits import UNIT
from kpixl.io.sheet_xml import rows_xml
from kpixl.io.speed import c_scanner
from kpixl.io.xlsx_package import Package
from kpixl.jobs.demo import build_demo
from kpixl.workbooks import unit_layout as U
from kpixl.workbooks.unit import UnitData, read_unit, row_formulas, unit_bytes, write_unit

RULES = default_rules()
COLUMNS = {f: letter for f, (letter, _) in U.PEOPLE_COLUMNS.items()}
POOL = U.FORMULA_FIELDS  # base, increase, new_salary, special_compensation, cost


@pytest.fixture(scope="module")
def demo_units(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return build_demo(tmp_path_factory.mktemp("demo")).units


def _level(code: str) -> Any:
    return RULES.salary_table.level(code)


def crafted() -> UnitData:
    """A unit whose rows reach every branch of the pool formulas."""
    k2 = _level("K2")
    people = [
        {"person_id": "1", "name": "ก", "level_code": "K2", "salary": k2.split_point, "pct": 3},
        {"person_id": "2", "name": "ข", "level_code": "K2", "salary": k2.split_point + 10},
        {"person_id": "3", "name": "ค", "level_code": "K2", "salary": k2.max - 100, "pct": 4.5},
        {"person_id": "4", "name": "ง", "level_code": "K2", "salary": 20000, "pct": 1.1},
        {"person_id": "5", "name": "จ", "level_code": "K2", "pct": 2},  # no salary
        {"person_id": "6", "name": "ฉ", "level_code": "K2", "salary": 25000, "pct": 1.98 + 1e-15},
        {"person_id": "7", "name": "ช", "level_code": "ZZ", "salary": 25000, "pct": 2},
        {"person_id": "8", "name": "ซ", "level_code": "K2", "salary": 25000, "pct": "abc"},
        {
            "person_id": "9",
            "name": "ฌ",
            "level_code": "K2",
            "salary": k2.max,
            "pct": Decimal("0.5"),
        },
    ]
    return UnitData(
        "2570/1", "U9", "หน่วย <ทดสอบ> & \x01_x0041_", people, pool_share=Decimal("5000.25")
    )


def _grid(path: Path | bytes, sheet: str = U.PEOPLE) -> list[list[Any]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(path)) if isinstance(path, bytes) else None
    book = book or CalamineWorkbook.from_path(str(path))
    rows: list[list[Any]] = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    return rows


def _cell(grid: list[list[Any]], ref: str) -> Any:
    letters = ref.rstrip("0123456789")
    col = 0
    for c in letters:
        col = col * 26 + ord(c) - 64
    row = int(ref[len(letters) :])
    if row > len(grid) or col > len(grid[row - 1]):
        return ""
    return grid[row - 1][col - 1]


def _sheet_xml(data: bytes, sheet: str = U.PEOPLE) -> str:
    part = Package.read(data).sheets[sheet]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read(part).decode("utf-8")


# ------------------------------------------------------------------ the mechanism


def test_a_formula_without_a_value_is_written_exactly_as_before() -> None:
    plain = Formula("=SUM(A1:A2)")
    assert plain == "=SUM(A1:A2)" and plain.cached is None and type(plain) is Formula
    assert "cached" not in vars(plain)  # nothing stored for it
    assert rows_xml([[plain]], 3, 1, {}) == '<row r="3"><c r="A3"><f>SUM(A1:A2)</f></c></row>'
    assert rows_xml([[plain]], 3, 1, {0: "7"}) == (
        '<row r="3"><c r="A3" s="7"><f>SUM(A1:A2)</f></c></row>'
    )
    # text that looks like a formula stays text, in the row-wise and column-wise paths
    xml = rows_xml([["=SUM(A1:A2)", plain], ["=1", Formula('=A1&"<"')]], 1, 2, {})
    assert '<c r="A1" t="inlineStr"><is><t xml:space="preserve">=SUM(A1:A2)</t>' in xml
    assert '<c r="B2"><f>A1&amp;"&lt;"</f></c>' in xml
    # patching a package: formula without a value, kept style
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    wb.active["A1"].number_format = "0.00"
    buffer = io.BytesIO()
    wb.save(buffer)
    patched = Package.read(buffer.getvalue()).patched({"Sheet": {"A1": plain}})
    assert re.search(r'<c r="A1" s="1"><f>SUM\(A1:A2\)</f></c>', _sheet_xml(patched, "Sheet"))
    # unit workbook formulas built without values are the formulas as they were
    assert all(f.cached is None for f in row_formulas(7).values())


def test_each_kind_of_cached_value_is_written_with_its_cell_type() -> None:
    cells = [
        Formula("=1+1", 2),
        Formula("=A1/4", Decimal("0.50")),
        Formula("=1/3", 1 / 3),
        Formula("=A1>0", True),
        Formula('=IF(A1="","",A1)', ""),
        Formula("=B1", "ผล <ดี> & \x01 _x0041_"),
        Formula("=C1", float("nan")),  # no value to give: written without one
    ]
    xml = rows_xml([cells], 1, len(cells), {})
    assert '<c r="A1"><f>1+1</f><v>2</v></c>' in xml
    assert '<c r="B1"><f>A1/4</f><v>0.50</v></c>' in xml
    assert f'<c r="C1"><f>1/3</f><v>{1 / 3!r}</v></c>' in xml
    assert '<c r="D1" t="b"><f>A1&gt;0</f><v>1</v></c>' in xml
    assert '<c r="E1" t="str"><f>IF(A1="","",A1)</f><v></v></c>' in xml
    # hostile text: escaped for XML and encoded as every cell's text is
    assert '<c r="F1" t="str"><f>B1</f><v>ผล &lt;ดี&gt; &amp; _x0001_ _x005F_x0041_</v></c>' in xml
    assert '<c r="G1"><f>C1</f></c>' in xml
    # a column of formulas (the column-wise path) writes the same cells
    column = rows_xml([[c] for c in cells], 1, 1, {})
    assert '<c r="A2"><f>A1/4</f><v>0.50</v></c>' in column
    assert '<c r="A6" t="str"><f>B1</f><v>ผล &lt;ดี&gt;' in column
    # the value travels with the formula to worker processes
    copy = pickle.loads(pickle.dumps(cells[1]))
    assert copy == "=A1/4" and copy.cached == Decimal("0.50") and type(copy) is Formula


def test_a_patched_package_reads_back_the_cached_values() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    for ref in ("A1", "A2", "A3", "A4", "A5"):
        ws[ref] = "=0"
    buffer = io.BytesIO()
    wb.save(buffer)
    escaped = "ก\x01_x0041_"  # what XML cannot carry, and a literal escape
    data = Package.read(buffer.getvalue()).patched(
        {
            "Sheet": {
                "A1": Formula("=2*3", Decimal("6")),
                "A2": Formula('="x"', 'ผล <b> & "q"'),
                "A3": Formula("=1=1", True),
                "A4": Formula('=""', ""),
                "A5": Formula('="y"', escaped),
            }
        }
    )
    read = [row[0] for row in _grid(data, "Sheet")]
    assert read == [6.0, 'ผล <b> & "q"', True, "", escaped]
    xml = _sheet_xml(data, "Sheet").encode("utf-8")
    plain = xml.replace(b'<row r="5">', b'<row r="5" hidden="x">').split(b'<row r="5"')[0]
    plain += b"</sheetData></worksheet>"
    for scanner in (sheet_scan, c_scanner()):
        if scanner is None:
            continue
        rows = scanner.scan_sheet(plain, [], b"\x00" * 4)
        assert rows is not None, scanner
        assert [r[0] for r in rows] == read[:3], scanner  # A4's "" reads blank: no row
        # an _xHHHH_ escape is python-calamine's to decode: the sheet is handed back
        assert scanner.scan_sheet(xml, [], b"\x00" * 4) is None


# ------------------------------------------------------------------ the unit workbook


def _expected(person: dict[str, Any]) -> dict[str, Any]:
    result = salary_increase(person["salary"], person["level_code"], person["pct"], rules=RULES)
    return {f: float(getattr(result, f)) for f in POOL}


def test_a_preview_shows_the_numbers_kpixl_computed(demo_units: list[Path]) -> None:
    """python-calamine (no calculation) reads every pool amount, as the core gives it."""
    checked = 0
    for path in demo_units:
        form = read_unit(path)
        grid = _grid(path)
        used = Decimal(0)
        for i, person in enumerate(form.people.to_dict("records")):
            r = U.FIRST_ROW + i
            shown = {f: _cell(grid, f"{COLUMNS[f]}{r}") for f in POOL}
            person = {
                "salary": person["salary"],
                "level_code": person["level_code"],
                "pct": person["pct"],
            }
            assert shown == pytest.approx(_expected(person), abs=1e-9), (path.name, r)
            used += Decimal(str(shown["cost"]))
            checked += 1
        share = Decimal(str(_cell(grid, U.SHARE_CELL)))
        assert _cell(grid, U.USED_CELL) == pytest.approx(float(used), abs=1e-9)
        assert _cell(grid, U.LEFT_CELL) == pytest.approx(float(share - used), abs=1e-9)
        assert _cell(grid, U.UNIT_NAME_CELL) == form.meta["unit_name"]
        assert _cell(grid, U.ROUND_CELL) == form.meta["round_id"]
    assert checked >= 20


def test_cached_values_follow_the_formulas_branch_by_branch(tmp_path: Path) -> None:
    data = crafted()
    grid = _grid(unit_bytes(data, rules=RULES))
    xml = _sheet_xml(unit_bytes(data, rules=RULES))
    k2 = _level("K2")

    def row(n: int) -> dict[str, Any]:
        return {f: _cell(grid, f"{COLUMNS[f]}{U.FIRST_ROW + n}") for f in POOL}

    # 1: at the split point, lower base; 2: above it, upper base and no % (blank amounts)
    assert row(0) == pytest.approx(_expected(data.people[0] | {}), abs=1e-9)
    assert row(0)["base"] == float(k2.lower_base)
    assert row(1) == {"base": float(k2.upper_base)} | dict.fromkeys(POOL[1:], "")
    # 3: capped at the maximum, the rest paid as special compensation
    capped = row(2)
    assert capped["new_salary"] == float(k2.max) and capped["special_compensation"] > 0
    assert capped == pytest.approx(_expected(data.people[2]), abs=1e-9)
    assert row(3) == pytest.approx(_expected(data.people[3]), abs=1e-9)  # 20,000 × 1.1 %
    assert row(4) == dict.fromkeys(POOL, "")  # no salary: every amount blank
    assert row(5)["increase"] == pytest.approx(_expected(data.people[5])["increase"])
    # an unknown level and a % that is text: the cells kpixl cannot vouch for carry no
    # value (the workbook calculates them on open)
    for n, cells in ((6, POOL), (7, POOL[1:])):
        for f in cells:
            ref = f"{COLUMNS[f]}{U.FIRST_ROW + n}"
            assert re.search(rf'<c r="{ref}"[^>]*><f>[^<]*</f>(<v\s*/>|<v></v>)?</c>', xml), ref
    assert row(8)["increase"] == 0 and row(8)["special_compensation"] > 0  # at the maximum
    # a pool amount unknown: the totals carry no value either
    assert _cell(grid, U.USED_CELL) == "" and _cell(grid, U.LEFT_CELL) == ""
    # hostile text in the unit's name: read back as it was
    assert _cell(grid, U.UNIT_NAME_CELL) == data.unit_name


def test_consolidation_reads_them_with_the_fast_scanner(demo_units: list[Path]) -> None:
    """The unit workbooks with cached values still go through kpixl's scanner (C, and
    the Python one the same), never python-calamine, and read as python-calamine reads."""
    for path in demo_units:
        book = open_book(path, limits=UNIT)
        assert isinstance(book, ScannedBook)
        for sheet in U.SHEETS:
            assert book.grid(sheet) == _grid(path, sheet), (path.name, sheet)
        assert book.fell_back == []
        with zipfile.ZipFile(path) as zf:
            xml = zf.read(Package.read(path).sheets[U.PEOPLE])
        assert sheet_scan.scan_sheet(xml, [], b"\x00" * 64) == _grid(path)
        form = read_unit(path)
        assert form.readable and not form.findings
        assert form.people["base"].notna().all()  # the amounts are there to read


# ------------------------------------------------------------------ LibreOffice


def _without_values(source: Path, target: Path) -> Path:
    """``source`` with every formula's cached value taken out (LibreOffice must compute)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.startswith("xl/worksheets/"):
                text = data.decode("utf-8")
                text = re.sub(r' t="(?:str|b|e)"(><f>)', r"\1", text)
                text = re.sub(r"(</f>)<v>[^<]*</v>", r"\1", text)
                data = text.encode("utf-8")
            zout.writestr(info, data)
    return target


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_recalculates_the_same_values(demo_units: list[Path], tmp_path: Path) -> None:
    crafted_path = write_unit(tmp_path / "U9.xlsx", crafted(), rules=RULES, backup=False)
    sources = [*demo_units, crafted_path]
    stripped = [_without_values(p, tmp_path / f"bare-{p.name}") for p in sources]
    assert "<v>" not in _sheet_xml(stripped[0].read_bytes()).split("<f>", 1)[1].split("</c>")[0]
    recalculated = convert(stripped, tmp_path / "lo", to="xlsx")
    compared = 0
    for source, lo in zip(sources, recalculated, strict=True):
        xml = _sheet_xml(source.read_bytes())
        ours, theirs = _grid(source), _grid(lo)
        for ref in re.findall(r'<c r="([A-Z]+\d+)"[^>]*><f>[^<]*</f><v>', xml):
            mine, computed = _cell(ours, ref), _cell(theirs, ref)
            if isinstance(mine, float):
                assert computed == pytest.approx(mine, abs=1e-6), (source.name, ref)
            else:
                assert computed == mine, (source.name, ref)
            compared += 1
    assert compared >= 5 * 20 + 4 * 3


# ------------------------------------------------------------------ personal forms and the master


def _formula_cells(data: bytes) -> dict[str, list[tuple[str, str]]]:
    """Sheet → (cell, its cached value's XML or "") of every formula cell."""
    package = Package.read(data)
    out = {}
    for sheet, part in package.sheets.items():
        xml = package.parts[part].decode("utf-8")
        cells = re.findall(
            r'<c r="([A-Z]+\d+)"[^>]*>(?:<f>[^<]*</f>|<f [^>]*/>)(<v>[^<]*</v>)?', xml
        )
        if cells:
            out[sheet] = cells
    return out


@pytest.fixture(scope="module")
def personal_forms(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The 31 filled personal cases, from a template built from the code."""
    from personal_cases import all_cases, rules_for

    from kpixl.workbooks.personal import template_package, write_personal
    from kpixl.workbooks.personal_template import write_personal_template

    tmp = tmp_path_factory.mktemp("personal")
    template = template_package(write_personal_template(tmp / "personal.xlsx"))
    paths = []
    for case in all_cases():
        rules = rules_for(tmp, case.method, case.competency_method)
        path = write_personal(
            tmp / "in" / f"{case.name}.xlsx", case.data, rules=rules, template=template
        )
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from kpixl.jobs.consolidate import consolidate

    demo = build_demo(tmp_path_factory.mktemp("master"))
    consolidate(demo.master)
    return demo.master


def test_every_formula_of_a_personal_form_carries_its_value(personal_forms: list[Path]) -> None:
    from kpixl.workbooks import personal_layout as L
    from kpixl.workbooks.personal import check_personal, read_personal

    for path in personal_forms:
        cells = _formula_cells(path.read_bytes())
        assert sum(map(len, cells.values())) >= 300, path.name
        bare = [f"{sheet}!{ref}" for sheet, refs in cells.items() for ref, v in refs if not v]
        assert bare == [], path.name
    # a preview reads the scores and the band kpixl computes (python-calamine, no calculation)
    from personal_cases import all_cases, rules_for

    for case, path in zip(all_cases(), personal_forms, strict=True):
        rules = rules_for(path.parent.parent, case.method, case.competency_method)
        expected = check_personal(read_personal(path), rules=rules).scores
        book = CalamineWorkbook.from_path(str(path))
        wb = openpyxl.load_workbook(path)
        for key in ("achievement", "competency", "total"):
            sheet, ref = wb.defined_names[f"kpixl_{key}"].attr_text.split("!")
            shown = _cell(
                book.get_sheet_by_name(sheet.strip("'")).to_python(), ref.replace("$", "")
            )
            assert isinstance(shown, float), (path.name, key, shown)
            assert Decimal(str(shown)) == pytest.approx(expected[key], abs=Decimal("0.001"))
        sheet, ref = wb.defined_names["kpixl_band"].attr_text.split("!")
        band = _cell(book.get_sheet_by_name(sheet.strip("'")).to_python(), ref.replace("$", ""))
        assert band == expected["band"], path.name
        assert L.SUMMARY in cells


def test_personal_forms_stay_reproducible(tmp_path: Path) -> None:
    from personal_cases import all_cases

    from kpixl.workbooks.personal import fill_personal, template_package
    from kpixl.workbooks.personal_template import write_personal_template

    case = all_cases()[3]
    first = fill_personal(
        case.data, template=template_package(write_personal_template(tmp_path / "a.xlsx"))
    )
    again = fill_personal(
        case.data, template=template_package(write_personal_template(tmp_path / "b.xlsx"))
    )
    assert first == again


def test_the_master_summary_pools_and_histogram_carry_their_values(demo_master: Path) -> None:
    """pandas (python-calamine, no calculation) reads the numbers the formulas give."""
    import pandas as pd

    from kpixl.workbooks import master_layout as M

    cells = _formula_cells(demo_master.read_bytes())
    assert {M.SUMMARY, M.POOLS, M.CHARTS} <= set(cells)
    bare = [f"{sheet}!{ref}" for sheet, refs in cells.items() for ref, v in refs if not v]
    assert bare == []

    def sheet(name: str) -> pd.DataFrame:
        return pd.read_excel(demo_master, name, header=M.HEADER_ROW - 1, engine="calamine")

    results = sheet(M.RESULTS)
    unit, cost, total = (
        results.iloc[:, M.RESULT_COLUMNS.index(k)] for k in ("unit", "cost", "total")
    )
    summary = sheet(M.SUMMARY)
    units, totals = summary.iloc[:-1], summary.iloc[-1]
    assert units.iloc[:, 2].tolist() == [int((unit == u).sum()) for u in units.iloc[:, 0]]
    assert units.iloc[:, -1].tolist() == pytest.approx(
        [cost[unit == u].sum() for u in units.iloc[:, 0]]
    )
    assert totals.iloc[2] == len(results) and totals.iloc[-1] == pytest.approx(cost.sum())
    assert units.iloc[:, 3:-1].sum(axis=1).tolist() == units.iloc[:, 2].tolist()  # bands add up
    charts = sheet(M.CHARTS).iloc[: len(M.CHART_BINS), 1]
    assert charts.tolist() == [
        int(((total >= low) & ((total < low + 10) | (low == 90) & (total <= 100))).sum())
        for low in M.CHART_BINS
    ]
    assert charts.sum() == len(results)
    pools = sheet(M.POOLS)
    assert pools.iloc[:, 4].tolist() == pytest.approx(pools.iloc[:, 7].tolist())  # = kpixl's used
    left = (pools.iloc[:, 3] - pools.iloc[:, 4]).tolist()
    assert pools.iloc[:, 5].tolist() == pytest.approx(left)  # pool − used


def test_a_second_consolidation_leaves_the_master_byte_identical(demo_master: Path) -> None:
    from kpixl.jobs.consolidate import consolidate

    before = demo_master.read_bytes()
    consolidate(demo_master)
    assert demo_master.read_bytes() == before


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_gives_every_formula_of_the_forms_and_master_the_same_value(
    personal_forms: list[Path], demo_master: Path, tmp_path: Path
) -> None:
    sources = [*personal_forms, demo_master]
    stripped = [_without_values(p, tmp_path / f"bare-{i}.xlsx") for i, p in enumerate(sources)]
    recalculated = convert(stripped, tmp_path / "lo", to="xlsx")
    compared = 0
    for source, lo in zip(sources, recalculated, strict=True):
        ours, theirs = CalamineWorkbook.from_path(str(source)), CalamineWorkbook.from_path(str(lo))
        for sheet, refs in _formula_cells(source.read_bytes()).items():
            mine_grid = ours.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            lo_grid = theirs.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            for ref, _ in refs:
                mine, computed = _cell(mine_grid, ref), _cell(lo_grid, ref)
                if isinstance(mine, float) and not isinstance(mine, bool):
                    assert computed == pytest.approx(mine, abs=1e-9), (source.name, sheet, ref)
                else:
                    assert computed == mine, (source.name, sheet, ref)
                compared += 1
    assert compared >= 31 * 300 + 40


def test_sealing_keeps_the_cached_values_true(personal_forms: list[Path], tmp_path: Path) -> None:
    """Sealing rewrites only the hidden sheet's seal cells and the revision; no formula
    reads them, so the values cached when the form was filled stay as they were, true."""
    import shutil

    from kpixl.io.formula_cells import Calculator
    from kpixl.workbooks import personal_layout as L
    from kpixl.workbooks.personal import seal_personal

    source = personal_forms[0]
    package = Package.read(source)
    calculator = Calculator(package.parts, package.sheets)
    fields = ("fingerprint", "seal_method", "sealed_at", "seal_content", "seal_key_id", "seal_rows")
    sealed_cells = {L.seal_cell(f): "x" for f in fields} | {L.meta_cell("revision"): 9}
    assert calculator.values({L.HIDDEN: sealed_cells}) == calculator.values()
    path = Path(shutil.copy(source, tmp_path / source.name))
    assert seal_personal(path, key="").written
    after = _formula_cells(path.read_bytes())
    assert after == _formula_cells(source.read_bytes())
