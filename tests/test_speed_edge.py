"""Speed machinery lives at the edge (kpixl.io), the path without C (KPIXL_PURE=1) and the
``spawn`` start method give the same results, and the behaviour kpixl copies from its
dependencies is held to them here, so that a new version that changes it fails loudly."""

from __future__ import annotations

import ast
import multiprocessing
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa
import pytest
from crafted import NS, crafted_workbook
from python_calamine import CalamineWorkbook

from kpixl.io import grids, sheet_scan, speed
from kpixl.io.grids import CalamineBook, ScannedBook, date_styles, open_book
from kpixl.io.workers import START_METHOD_ENV, start_method, start_pool
from kpixl.io.xlsx_package import sheet_parts
from kpixl.jobs.consolidate import consolidate
from kpixl.jobs.units import score_units

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "workbooks" / "demo"
CALAMINE = "python-calamine"

# the scanners: C when it was built (CI builds it), and Python always
SCANNERS = [pytest.param(sheet_scan, id="python")]
if speed.BUILT is not None:
    SCANNERS.insert(0, pytest.param(speed.BUILT, id="c"))


def _imports(path: Path) -> list[str]:
    """Every module name a source file imports (``from a.b import c`` gives a.b and a.b.c)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            names.append(base)
            names += [f"{base}.{alias.name}" for alias in node.names]
    return names


def test_core_and_schemas_import_nothing_from_the_edge() -> None:
    """kpixl.core and kpixl.schemas are declarations and maths: no kpixl.io, no C helper,
    no id()-keyed caches kept alive by weak references."""
    sources = sorted((ROOT / "kpixl" / "core").glob("*.py"))
    sources += sorted((ROOT / "kpixl" / "schemas").glob("*.py"))
    assert len(sources) > 10
    for path in sources:
        for name in _imports(path):
            where = f"{path.relative_to(ROOT)} imports {name}"
            assert not name.startswith(("kpixl.io", ".io", "..io")), where
            assert "speedups" not in name and "_sheetscan" not in name, where
            assert name.split(".")[0] != "weakref", where
    assert not (ROOT / "kpixl" / "core" / "speedups.py").exists()


def test_kpixl_pure_turns_the_c_helpers_off_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    path = DEMO / "units" / "U01.xlsx"
    for value in ("1", "yes", "true"):
        monkeypatch.setenv(speed.PURE_ENV, value)
        assert speed.c_scanner() is None
        book = open_book(path)
        assert isinstance(book, ScannedBook) and book.scanner is sheet_scan
        assert speed.type_set([1, "a", None]) == {int, str, type(None)}
    for value in ("", "0", "no"):
        monkeypatch.setenv(speed.PURE_ENV, value)
        assert speed.c_scanner() is speed.BUILT
        book = open_book(path)
        assert isinstance(book, ScannedBook)
        assert book.scanner is (speed.BUILT or sheet_scan)


def _typed(grid: list[list[Any]]) -> list[list[tuple[str, Any]]]:
    """The grid without trailing blank rows and columns (readers differ only there)."""
    rows = [list(r) for r in grid]
    while rows and all(v == "" for v in rows[-1]):
        rows.pop()
    width = max(
        (max((i + 1 for i, v in enumerate(r) if v != ""), default=0) for r in rows), default=0
    )
    return [[(type(v).__name__, v) for v in r[:width] + [""] * (width - len(r))] for r in rows]


def _parts(path: Path) -> tuple[dict[str, bytes], list[str], bytes]:
    """Each sheet's XML by name, the shared strings (python-calamine's), the date styles."""
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        styles = date_styles(archive.read("xl/styles.xml")) if "xl/styles.xml" in names else b""
        strings = archive.read("xl/sharedStrings.xml") if "xl/sharedStrings.xml" in names else b""
        parts = sheet_parts(
            {name: archive.read(name) for name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")}
        )
        sheets = {name: archive.read(part) for name, part in parts.items()}
    shared = sheet_scan.scan_strings(strings) if strings else []
    assert shared is not None
    return sheets, shared, styles


@pytest.mark.parametrize("scanner", SCANNERS)
def test_the_committed_demo_units_read_as_python_calamine_reads_them(scanner: Any) -> None:
    """Every sheet of the committed demo unit workbooks, through each scanner: the grid
    python-calamine gives, and none handed back."""
    units = sorted((DEMO / "units").glob("*.xlsx"))
    assert len(units) >= 3
    for path in units:
        sheets, shared, styles = _parts(path)
        reference = CalamineBook(path)
        for name, xml in sheets.items():
            grid = scanner.scan_sheet(xml, shared, styles)
            assert grid is not None, (path.name, name)
            assert _typed(grid) == _typed(reference.grid(name)), (path.name, name)


# cells whose reading kpixl's scanners copy from python-calamine: spaces kept or trimmed,
# errors as blanks, shared strings (rich runs too), booleans, numbers, formulas' values
TRICKY = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t> trimmed\t</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t xml:space="preserve"> kept </t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>   </t></is></c>'
    '<c r="D1" t="inlineStr"><is><t>\u00a0nbsp\u00a0</t></is></c>'
    '<c r="E1" t="inlineStr"><is><t>two\nlines</t></is></c>'
    '<c r="F1" t="inlineStr"><is><r><t xml:space="preserve"> a </t></r><r><t> b </t></r></is></c>'
    '<c r="G1" t="inlineStr"><is><t>a &lt;x&gt; &amp; &#3665; ok</t></is></c></row>'
    '<row r="2"><c r="A2" t="e"><v>#N/A</v></c><c r="B2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
    '<c r="C2" t="b"><v>1</v></c><c r="D2" t="b"><v>0</v></c><c r="E2" t="str"><v> as is </v></c>'
    '<c r="F2"><v>0.1</v></c><c r="G2" t="n"><v>-1.5E-3</v></c><c r="H2"><f>A1</f><v/></c></row>'
    '<row r="3"><c r="A3" t="s"><v>0</v></c><c r="B3" t="s"><v>1</v></c>'
    '<c r="C3" t="s"><v>2</v></c><c r="AB3" t="s"><v>3</v></c></row>'
    '<row r="5"><c r="B5" s="1"><v>45000</v></c></row>'
)
TRICKY_SHARED = (
    '<si><t> ตัด </t></si><si><t xml:space="preserve"> คง </t></si>'
    '<si><r><t>ส่วน</t></r><r><rPr><b/></rPr><t xml:space="preserve"> หนา</t></r></si><si/>'
)
DATE_STYLE = (
    f'<styleSheet {NS}><numFmts count="1"><numFmt numFmtId="164" formatCode="d/m/yyyy"/>'
    '</numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>'
)


@pytest.mark.parametrize("scanner", SCANNERS)
def test_tricky_cells_read_as_python_calamine_reads_them(tmp_path: Path, scanner: Any) -> None:
    """Held to the installed python-calamine. A failure here means python-calamine now
    reads these cells differently from the rules kpixl's scanners copy: change the
    scanners (kpixl/io/_sheetscan.c, kpixl/io/sheet_scan.py) before raising the upper
    bound of python-calamine in pyproject.toml."""
    import importlib.metadata

    version = importlib.metadata.version(CALAMINE)
    path = crafted_workbook(tmp_path, TRICKY, shared=TRICKY_SHARED)
    sheets, shared, styles = _parts(path)
    expected = _typed(CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python())
    got = scanner.scan_sheet(sheets["Sheet"], shared, styles)
    assert got is not None, "the scanner handed back cells it should read"
    assert _typed(got) == expected, (
        f"{CALAMINE} {version} reads whitespace, errors, shared strings or booleans "
        "differently from kpixl's scanners: update them before allowing this version"
    )
    # a number in a date format: python-calamine makes it a date, the scanners hand it back
    dated = crafted_workbook(tmp_path, TRICKY, shared=TRICKY_SHARED, styles=DATE_STYLE)
    sheets, shared, styles = _parts(dated)
    assert scanner.scan_sheet(sheets["Sheet"], shared, styles) is None, (
        "a date-formatted number must go to python-calamine"
    )
    book = open_book(dated)
    assert _typed(book.grid("Sheet")) == _typed(CalamineBook(dated).grid("Sheet"))


def _demo_copy(tmp_path: Path, copies: int) -> Path:
    """The committed demo master with its three unit workbooks, each ``copies`` times."""
    shutil.copy(DEMO / "master.xlsx", tmp_path / "master.xlsx")
    (tmp_path / "units").mkdir()
    for path in sorted((DEMO / "units").glob("*.xlsx")):
        for i in range(copies):
            shutil.copy(path, tmp_path / "units" / f"{path.stem}-{i}.xlsx")
    return tmp_path / "master.xlsx"


def test_demo_units_give_the_same_outcomes_with_and_without_c(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kpixl.core.rules import default_rules

    units = sorted((DEMO / "units").glob("*.xlsx"))
    outcomes = []
    for pure in ("0", "1"):
        monkeypatch.setenv(speed.PURE_ENV, pure)
        outcomes.append(score_units(units, default_rules()))
    assert outcomes[0] == outcomes[1]
    assert sum(len(o.people) for o in outcomes[0]) > 10


def _worker_start_method() -> str | None:
    return multiprocessing.get_start_method(allow_none=True)


def test_kpixl_start_method_forces_the_workers_start_method(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(START_METHOD_ENV, "spawn")
    assert start_method() == "spawn"
    with start_pool(1) as pool:
        assert pool.submit(_worker_start_method).result() == "spawn"
    monkeypatch.setenv(START_METHOD_ENV, "no-such-method")
    assert start_method() in multiprocessing.get_all_start_methods()
    monkeypatch.delenv(START_METHOD_ENV)
    assert start_method() == (
        multiprocessing.get_start_method(allow_none=True)
        or multiprocessing.get_all_start_methods()[0]
    )


def test_the_windows_path_consolidates_exactly_as_the_default_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pure Python, spawned workers (what Windows runs) and C with the default start
    method: the same result rows and findings, over enough workbooks for two workers."""
    master = _demo_copy(tmp_path, copies=4)
    runs = []
    for pure, method in (("0", ""), ("1", "spawn")):
        monkeypatch.setenv(speed.PURE_ENV, pure)
        monkeypatch.setenv(START_METHOD_ENV, method)
        runs.append(consolidate(master, jobs=2, write=False))
    default, windows = runs
    assert default.units_read == windows.units_read == 12
    pd.testing.assert_frame_equal(default.results, windows.results)
    pd.testing.assert_frame_equal(default.pools, windows.pools)
    assert default.findings == windows.findings


def test_a_check_run_alone_agrees_with_pandera_s_validation() -> None:
    """The backend's fast path for clean tables runs each check alone through pandera's
    public ``Check.__call__`` and reads ``check_passed``; a pandera whose verdicts differ
    from its own validation (or that drops this API) fails here, not in a user's round."""
    blanks: list[int] = []

    def positive(series: pd.Series) -> pd.Series:
        blanks.append(int(series.isna().sum()))
        return series > 0

    def rows_ok(frame: pd.DataFrame) -> pd.Series:
        return frame["a"].isna() | (frame["a"] < 10)

    column_check = pa.Check(positive, name="x.positive", error="x.positive")
    frame_check = pa.Check(rows_ok, name="x.rows", error="x.rows", ignore_na=False)
    schema = pa.DataFrameSchema(
        {"a": pa.Column(float, nullable=True, checks=[column_check])}, checks=[frame_check]
    )
    good = pd.DataFrame({"a": [1.0, None, 3.0]})
    bad = pd.DataFrame({"a": [1.0, -2.0, 30.0]})
    assert column_check(good["a"]).check_passed and frame_check(good).check_passed
    assert blanks == [0]  # blanks dropped before the check runs (ignore_na)
    schema.validate(good, lazy=True)
    assert not column_check(bad["a"]).check_passed and not frame_check(bad).check_passed
    with pytest.raises(pa.errors.SchemaErrors) as failed:
        schema.validate(bad, lazy=True)
    assert sorted(failed.value.failure_cases["check"].tolist()) == ["x.positive", "x.rows"]
    assert not column_check.element_wise and column_check.groupby is None
    assert column_check.ignore_na and not frame_check.ignore_na


def test_the_grids_module_still_says_whether_c_was_built() -> None:
    assert grids.FAST is (speed.BUILT is not None)


@pytest.mark.parametrize("scanner", SCANNERS)
def test_hostile_sheet_xml_is_handed_back_in_one_pass(scanner: Any) -> None:
    """Unclosed elements repeated 200,000 times: each scanner hands the sheet back after
    one pass (a pattern that searched the rest of the sheet from every cell would take
    hours here, not milliseconds)."""
    n = 200_000
    sheets = [
        b'<c r="A1" t="inlineStr"><is><t>x</t>' * n,
        b'<c r="A1" t="inlineStr"><is><r><rPr><b/></rPr><t>x</t></r>' * n,
        b'<row r="1"><c r="A1"><f>' * n,
        b'<c r="A1"><v>1</v>' * n,
    ]
    for body in sheets:
        assert scanner.scan_sheet(b"<sheetData>" + body + b"</sheetData>", [], b"") is None
    for strings in (b"<si><t>x</t>" * n, b"<si><r><t>x</t></r>" * n):
        assert scanner.scan_strings(b"<sst>" + strings + b"</sst>") is None
