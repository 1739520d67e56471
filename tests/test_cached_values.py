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
                text = re.sub(r' t="(?:str|b)"(><f>)', r"\1", text)
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
