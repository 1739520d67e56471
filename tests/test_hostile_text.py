"""Hostile text stays text: control characters, Excel's ``_xHHHH_`` escapes, formula-like
text and over-long text, through every sheet kpixl writes (master, unit, personal) and
the CSV export. Real .xlsx files, opened with openpyxl, calamine and LibreOffice."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import shutil
import zipfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from kpixl.core.findings import Finding
from kpixl.excel.book import excel_value
from kpixl.io.cell_text import (
    MAX_CELL_TEXT,
    TRUNCATED,
    Formula,
    cell_text,
    csv_text,
    decode_text,
    xml_text,
)
from kpixl.io.libreoffice import convert, soffice
from kpixl.io.sheet_xml import rows_xml
from kpixl.jobs.collect import collect
from kpixl.jobs.consolidate import Consolidation, consolidate, output_bytes
from kpixl.workbooks import master_layout as M
from kpixl.workbooks import personal_layout as PL
from kpixl.workbooks import unit_layout as U
from kpixl.workbooks.personal import PersonalData, fill_personal
from kpixl.workbooks.unit import UnitData, unit_bytes

DEMO = Path(__file__).resolve().parents[1] / "workbooks" / "demo"
# the master's sheets consolidation writes
OUTPUT_SHEETS = (M.RESULTS, M.SUMMARY, M.POOLS, M.ISSUES, M.ANNOUNCEMENT, M.SALARY_ORDER)
HOSTILE = ['=HYPERLINK("http://x","click")', "=cmd|' /C calc'!A0", "+1+2", "@SUM(9)"]
PAYLOADS = ("HYPERLINK", "cmd|", "1+2", "SUM(9)")  # what no formula kpixl writes holds
needs_libreoffice = pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")


def copy_demo(target: Path) -> Path:
    shutil.copytree(DEMO, target, ignore=shutil.ignore_patterns("*.bak", "results.csv"))
    return target


def as_text(cell: Any, value: str) -> None:
    """What a user gets typing ``'=…`` in Excel: a text cell, whatever it starts with."""
    cell.value = value
    cell.data_type = "s"


def cells(path: Path | bytes, sheets: tuple[str, ...] | None = None) -> Iterator[Any]:
    source = io.BytesIO(path) if isinstance(path, bytes) else path
    wb = openpyxl.load_workbook(source)
    for ws in wb.worksheets:
        if sheets is None or ws.title in sheets:
            for row in ws.iter_rows():
                yield from (c for c in row if c.value is not None)


def formula_cells(path: Path | bytes, sheets: tuple[str, ...] | None = None) -> dict[str, str]:
    return {
        f"{c.parent.title}!{c.coordinate}": str(c.value)
        for c in cells(path, sheets)
        if c.data_type == "f"
    }


def calamine_view(text: str) -> str:
    """``text`` as calamine reads it back: it decodes every ``_xHHHH_`` but those of lone
    surrogates and U+FFFE/U+FFFF, which it leaves as written (Excel decodes them too)."""
    return re.sub(r"[\ud800-\udfff\ufffe\uffff]", lambda m: f"_x{ord(m.group()):04X}_", text)


# ------------------------------------------------------------------------- the encoder


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("plain ไทย", "plain ไทย"),
        ("a\x0bb", "a_x000B_b"),  # what a paste from Word leaves
        ("\x00\x01\x1f", "_x0000__x0001__x001F_"),
        ("line\r\nnext\ttab", "line_x000D_\nnext\ttab"),  # CR would come back as LF
        ("\ud800 and \udfff", "_xD800_ and _xDFFF_"),
        ("\ufffe\uffff", "_xFFFE__xFFFF_"),
        ("_x000B_", "_x005F_x000B_"),  # a literal escape reads back as typed
        ("_x005F_", "_x005F_x005F_"),
        ("_X000B_ _x00G0_", "_X000B_ _x00G0_"),  # not escapes: left alone
        ('=HYPERLINK("x")', '=HYPERLINK("x")'),
    ],
)
def test_cell_text_encodes_what_xml_cannot_carry(text: str, written: str) -> None:
    assert cell_text(text) == written
    assert decode_text(written) == text
    assert xml_text("<" + text + "&") == "&lt;" + written + "&amp;"


def test_cell_text_caps_at_the_cell_limit_with_a_marker() -> None:
    assert cell_text("ก" * MAX_CELL_TEXT) == "ก" * MAX_CELL_TEXT
    cut = cell_text("ก" * 40_000)
    assert len(cut) == MAX_CELL_TEXT and cut.endswith(TRUNCATED)
    assert cut.startswith("ก" * (MAX_CELL_TEXT - len(TRUNCATED)))
    # escapes lengthen the text: the stored form stays within the limit, never cut mid-escape
    escaped = cell_text("\x0b" * 10_000)
    assert len(escaped) <= MAX_CELL_TEXT and escaped.endswith(TRUNCATED)
    assert set(decode_text(escaped.removesuffix(TRUNCATED))) == {"\x0b"}


def test_csv_text_neutralises_formula_like_text_as_owasp_advises() -> None:
    for text in ("=1+2", "+1+2", "@SUM(9)", "-1+2", "\t=1", "\r=1", HOSTILE[1]):
        assert csv_text(text) == "'" + text
    for text in ("-5", "-5.25", "12", "ก=1", "", "U01"):
        assert csv_text(text) == text


def test_excel_buttons_write_text_as_text_and_formulas_as_formulas() -> None:
    """The xlwings path (Collect and Consolidate buttons): Excel parses what it is given,
    so text it would parse gets the ``'`` prefix Excel hides."""
    for text in [*HOSTILE, "-1", "'quoted", "\t=1"]:
        assert excel_value(text) == "'" + text
    assert excel_value(Formula("=SUM(A1:A3)")) == "=SUM(A1:A3)"
    assert excel_value(-5) == -5 and excel_value(Decimal("-5.5")) == -5.5
    assert excel_value("ชื่อ") == "ชื่อ"
    long = excel_value("ก" * 40_000)
    assert len(long) == MAX_CELL_TEXT and long.endswith(TRUNCATED)


def test_only_a_formula_object_is_written_as_a_formula() -> None:
    xml = rows_xml([["=SUM(A1:A2)", Formula("=SUM(A1:A2)"), "+1", "@A1"]], 1, 4, {})
    assert xml.count("<f>") == 1 and '<c r="B1"><f>SUM(A1:A2)</f></c>' in xml
    assert xml.count('t="inlineStr"') == 3


def test_a_column_of_text_with_one_control_character_is_valid_xml() -> None:
    column = [f"คนที่ {i}" for i in range(2_000)]
    column[1_500] = "ชื่อ\x0bสกุล_x0041_"
    xml = rows_xml([[v] for v in column], 2, 1, {})
    assert "ชื่อ_x000B_สกุล_x005F_x0041_" in xml
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", xml)


# ------------------------------------------------------------------------- item 3: _x000B_

# Excel's escaped form in a unit workbook, and the same characters raw in its XML
CONTROL_SOURCE = "ไฟล์_x000B_ของ_x0001_ฉัน_x001F_.xlsx"
CONTROL_ACTUAL = "85 คะแนน_x000B_"


@pytest.fixture(scope="module")
def control_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    demo = copy_demo(tmp_path_factory.mktemp("control") / "demo")
    unit = demo / "units" / "U01.xlsx"
    wb = openpyxl.load_workbook(unit)
    carried = {"severity": "warning", "rule": "collect.note", "file": CONTROL_SOURCE}
    for name, value in carried.items():  # a finding the unit carries from its collection
        as_text(wb[U.FINDINGS][f"{U.FINDING_COLUMNS[name]}2"], value)
    actual = U.KPI_COLUMNS["actual"]
    as_text(wb[U.KPIS][f"{actual}2"], CONTROL_ACTUAL)
    as_text(wb[U.KPIS][f"{actual}3"], "raw _x0002_ and _x000C_ here")
    wb.save(unit)
    # a writer that does not escape: the same characters raw in the sheet XML
    raw = demo / "units" / "U02.xlsx"
    wb = openpyxl.load_workbook(raw)
    as_text(wb[U.KPIS][f"{actual}2"], "RAWMARK")
    wb.save(raw)
    with zipfile.ZipFile(raw) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    for name, data in parts.items():
        if b"RAWMARK" in data:
            parts[name] = data.replace(b"RAWMARK", b"ok\x0b\x01raw")
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    result = consolidate(demo / "master.xlsx", jobs=1)
    assert result.units_read >= 2
    return demo / "master.xlsx"


def test_escaped_control_characters_in_a_unit_workbook_keep_the_master_valid(
    control_master: Path,
) -> None:
    openpyxl.load_workbook(control_master)  # well-formed XML
    book = CalamineWorkbook.from_path(str(control_master))
    issues = {v for row in book.get_sheet_by_name(M.ISSUES).to_python() for v in row}
    assert "ไฟล์\x0bของ\x01ฉัน\x1f.xlsx" in issues
    assert "85 คะแนน\x0b" in issues
    assert "raw \x02 and \x0c here" in issues
    assert "ok\x0b\x01raw" in issues  # read raw, written escaped
    with zipfile.ZipFile(control_master) as zf:
        for name in zf.namelist():
            if name.endswith(".xml"):
                text = zf.read(name).decode("utf-8")
                assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text), name


@pytest.mark.libreoffice
@needs_libreoffice
def test_libreoffice_opens_the_master_holding_control_characters(
    control_master: Path, tmp_path: Path
) -> None:
    source = tmp_path / "control.xlsx"
    shutil.copy(control_master, source)
    (out,) = convert([source], tmp_path / "lo")
    texts = {str(c.value) for c in cells(out, (M.ISSUES,))}
    assert any("ของ" in t and "ฉัน" in t and ".xlsx" in t for t in texts)
    assert any(t.startswith("85 คะแนน") for t in texts)


# ------------------------------------------------------------------------- item 11: formulas


def test_hostile_names_and_units_are_text_in_every_master_sheet_and_the_csv(
    tmp_path: Path,
) -> None:
    demo = copy_demo(tmp_path / "demo")
    codes = {"U01": "=1+2", "U02": "+1+2", "U03": "@SUM(9)"}
    wb = openpyxl.load_workbook(demo / "master.xlsx")
    roster, units = wb[M.ROSTER], wb[M.UNITS]
    column = {name: i + 1 for i, name in enumerate(M.ROSTER_COLUMNS)}
    for r in range(M.FIRST_ROW, roster.max_row + 1):
        hostile = HOSTILE[r % len(HOSTILE)]
        for name in ("name", "position", "position_no"):
            as_text(roster.cell(r, column[name]), hostile)
        if roster.cell(r, column["unit"]).value in codes:
            as_text(roster.cell(r, column["unit"]), codes[roster.cell(r, column["unit"]).value])
    for r in range(M.FIRST_ROW, units.max_row + 1):
        code = units.cell(r, 1).value
        if code in codes:
            as_text(units.cell(r, 1), codes[code])
            as_text(units.cell(r, 2), HOSTILE[0])
    wb.save(demo / "master.xlsx")
    for old, new in codes.items():
        path = demo / "units" / f"{old}.xlsx"
        wb = openpyxl.load_workbook(path)
        as_text(wb[U.HIDDEN][U.meta_cell("unit_code")], new)
        wb.save(path)

    result = consolidate(demo / "master.xlsx", export=demo / "results.csv", jobs=1)
    assert result.units_read == 3 and len(result.results) == 20

    master = demo / "master.xlsx"
    sheets = (M.RESULTS, M.SUMMARY, M.ANNOUNCEMENT, M.SALARY_ORDER, M.POOLS)
    for where, formula in formula_cells(master, sheets).items():
        assert not any(p in formula for p in PAYLOADS), (where, formula)
    seen = {
        name: {str(c.value) for c in cells(master, (name,)) if c.data_type == "s"}
        for name in sheets
    }
    assert set(HOSTILE) <= seen[M.RESULTS] and set(codes.values()) <= seen[M.RESULTS]
    assert HOSTILE[0] in seen[M.SUMMARY] and set(codes.values()) <= seen[M.SUMMARY]
    assert seen[M.ANNOUNCEMENT] & set(HOSTILE) and seen[M.ANNOUNCEMENT] & set(codes.values())
    assert set(HOSTILE) <= seen[M.SALARY_ORDER]

    with (demo / "results.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["unit"] for r in rows} == {"'=1+2", "'+1+2", "'@SUM(9)"}
    for r in rows:  # numbers stay numbers: no quote in front of them
        assert re.fullmatch(r"-?\d+(\.\d+)?", r["salary"]) and re.fullmatch(r"-?\d+", r["increase"])


def test_collect_keeps_formula_like_text_of_a_personal_workbook_as_text(tmp_path: Path) -> None:
    demo = copy_demo(tmp_path / "demo")
    files = sorted((demo / "personal" / "U01").glob("*.xlsx"))
    wb = openpyxl.load_workbook(files[0])
    agreement, achievement = wb[PL.AGREEMENT], wb[PL.ACHIEVEMENT]
    as_text(agreement[PL.kpi_cell("kpi_name", 0)], HOSTILE[1])
    as_text(agreement[PL.kpi_cell("kpi_name", 1)], HOSTILE[2])
    as_text(agreement[PL.kpi_cell("kpi_name", 2)], HOSTILE[3])
    as_text(achievement[f"{PL.ACH_COLUMNS['actual']}{PL.ACH_FIRST}"], HOSTILE[0])
    wb.save(files[0])
    unit = demo / "units" / "U01.xlsx"
    collect(unit, demo / "personal" / "U01")

    unit_formulas = formula_cells(unit, (U.PEOPLE, U.KPIS, U.COMPETENCIES, U.FINDINGS))
    for where, formula in unit_formulas.items():
        assert not any(p in formula for p in PAYLOADS), (where, formula)
    texts = {str(c.value) for c in cells(unit) if c.data_type == "s"}
    assert set(HOSTILE) <= texts

    consolidate(demo / "master.xlsx", jobs=1)
    issues = list(cells(demo / "master.xlsx", (M.ISSUES,)))
    assert HOSTILE[0] in {c.value for c in issues if c.data_type == "s"}
    assert not [c.coordinate for c in issues if c.data_type == "f"]


def test_a_finding_longer_than_a_cell_is_cut_with_a_marker(tmp_path: Path) -> None:
    demo = copy_demo(tmp_path / "demo")
    master = demo / "master.xlsx"
    result = consolidate(master, jobs=1, write=False)
    long = Finding("cell.not_a_number", "ก" * 40_000, "e" * 40_000, value="9" * 40_000)
    result.findings.append(long)
    data = output_bytes(master.read_bytes(), result)
    texts = [str(c.value) for c in cells(data, (M.ISSUES,))]
    cut = [t for t in texts if t.endswith(TRUNCATED)]
    assert len(cut) == 3 and all(len(t) == MAX_CELL_TEXT for t in cut)
    assert max(len(t) for t in texts) == MAX_CELL_TEXT


# ------------------------------------------------------------------------- properties

EXAMPLES = 40
LIBREOFFICE_FILES = 4  # of each example set, converted in one batch
_CHARS = st.characters(exclude_categories=())  # surrogates and control characters too
HOSTILE_TEXT = st.one_of(
    st.text(_CHARS, min_size=1, max_size=30),
    st.tuples(
        st.sampled_from(["=", "+", "-", "@", "\t", "\r", "_x000B_", "_x005F_", "'"]),
        st.text(_CHARS, max_size=20),
        st.from_regex(r"_x[0-9A-Fa-f]{4}_", fullmatch=True),
        st.text(_CHARS, max_size=10),
    ).map("".join),
    st.sampled_from(HOSTILE),
)
LONG = "ก" * 33_000 + "\x0b"  # over the cell limit


def check_cell(cell: Any, text: str) -> None:
    """An openpyxl cell written from ``text``: text, and ``text`` once decoded."""
    assert cell.data_type == "s", (cell.coordinate, cell.data_type, text[:40])
    stored = decode_text(str(cell.value))
    if len(text) <= MAX_CELL_TEXT:
        assert stored == text
    else:
        assert stored.endswith(TRUNCATED) and len(stored) <= MAX_CELL_TEXT
        assert text.startswith(stored.removesuffix(TRUNCATED))


def property_run(
    tmp_path: Path, name: str, check: Callable[[list[str]], bytes]
) -> Callable[[], list[Path]]:
    """Run ``check`` over hypothesis' texts; keep the workbooks for one LibreOffice batch
    (those without over-long text: LibreOffice lays out every such cell, slowly)."""
    written: list[Path] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(HOSTILE_TEXT, min_size=1, max_size=12), st.booleans())
    def run(texts: list[str], long: bool) -> None:
        data = check([*texts, LONG] if long else texts)
        if not long:
            path = tmp_path / f"{name}{len(written):03d}.xlsx"
            path.write_bytes(data)
            written.append(path)

    def go() -> list[Path]:
        run()
        return written

    return go


def libreoffice_opens(files: list[Path], out: Path, sheets: tuple[str, ...]) -> None:
    """One LibreOffice batch over a spread of ``files``: each opens, and LibreOffice keeps
    every text cell as text (no formula where kpixl wrote none)."""
    if soffice() is None:
        pytest.skip("LibreOffice is not installed (the openpyxl and calamine checks ran)")
    sample = files[:: max(1, len(files) // LIBREOFFICE_FILES)][:LIBREOFFICE_FILES]
    for source, converted in zip(sample, convert(sample, out), strict=True):
        assert formula_cells(converted, sheets).keys() <= formula_cells(source, sheets).keys()


def cycle(texts: list[str], n: int) -> list[str]:
    return [texts[i % len(texts)] for i in range(n)]


@pytest.fixture(scope="module")
def base_round(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, Consolidation]:
    demo = copy_demo(tmp_path_factory.mktemp("base") / "demo")
    result = consolidate(demo / "master.xlsx", jobs=1, write=False)
    return (demo / "master.xlsx").read_bytes(), result


@pytest.mark.libreoffice
def test_any_text_through_the_master_result_sheets_stays_text(
    base_round: tuple[bytes, Consolidation], tmp_path: Path
) -> None:
    master, base = base_round
    text_columns = [
        c for c in base.results.columns if all(isinstance(v, str) for v in base.results[c])
    ]
    assert {"name", "position", "unit", "source_file"} <= set(text_columns)
    fields = ("rule", "person_id", "file", "sheet", "cell", "field", "value")
    kept = formula_cells(output_bytes(master, base), OUTPUT_SHEETS).keys()

    def check(texts: list[str]) -> bytes:
        results = base.results.copy()
        for i, name in enumerate(text_columns):
            results[name] = cycle(texts[i:] + texts[:i], len(results))
        summary = base.summary.copy()
        summary["unit_name"] = cycle(texts, len(summary))
        pools = base.pools.copy()
        pools["pool_group"] = cycle(texts[::-1], len(pools))
        findings = [
            dataclasses.replace(
                f,
                **{k: texts[(i + j) % len(texts)] for j, k in enumerate(fields)},
                message_th=texts[i % len(texts)] + " ไทย",
                message_en=texts[-1],
            )
            for i, f in enumerate(base.findings or [Finding("x", "x", "x")])
        ]
        c = dataclasses.replace(
            base, results=results, summary=summary, pools=pools, findings=findings
        )
        data = output_bytes(master, c)
        assert formula_cells(data, OUTPUT_SHEETS).keys() == kept  # kpixl's own, no more
        wb = openpyxl.load_workbook(io.BytesIO(data))
        ws = wb[M.RESULTS]
        for i, row in enumerate(results.to_dict("records")):
            for name in text_columns:
                col = M.RESULT_COLUMNS.index(name) + 1
                check_cell(ws.cell(M.FIRST_ROW + i, col), row[name])
        for i, row in enumerate(summary.to_dict("records")):
            check_cell(wb[M.SUMMARY].cell(M.HEADER_ROW + 1 + i, 2), row["unit_name"])
        for i, row in enumerate(pools.to_dict("records")):
            check_cell(wb[M.POOLS].cell(M.FIRST_ROW + i, 1), row["pool_group"])
        ws = wb[M.ISSUES]
        for i, f in enumerate(findings):
            for j, value in enumerate((f.rule, f.person_id, f.file, f.value, f.message_en)):
                col = (2, 3, 4, 8, 10)[j]
                check_cell(ws.cell(M.FIRST_ROW + i, col), value)
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        grid = book.get_sheet_by_name(M.RESULTS).to_python()
        name_col = M.RESULT_COLUMNS.index("name")
        first = grid[M.FIRST_ROW - 1][name_col]
        if len(results["name"].iloc[0]) <= MAX_CELL_TEXT:
            assert first == calamine_view(results["name"].iloc[0])
        return data

    files = property_run(tmp_path, "master", check)()
    libreoffice_opens(files, tmp_path / "lo", OUTPUT_SHEETS)


@pytest.mark.libreoffice
def test_any_text_through_the_unit_workbook_stays_text(tmp_path: Path) -> None:
    people_text = [f for f in U.PEOPLE_COLUMNS if f not in U.FORMULA_FIELDS]
    numbers = {"salary", "achievement", "competency", "total", "pct", "revision"}
    people_text = [f for f in people_text if f not in numbers]
    kpi_text = [f for f in U.KPI_COLUMNS if f not in ("weight", "target", "score")]

    def check(texts: list[str]) -> bytes:
        people = [
            {f: texts[(i + j) % len(texts)] for j, f in enumerate(people_text)} for i in range(3)
        ]
        kpis = [{f: texts[(i + j) % len(texts)] for j, f in enumerate(kpi_text)} for i in range(3)]
        finding = Finding("x.y", texts[0], texts[-1], value=texts[len(texts) // 2])
        unit_name = texts[-1]
        data = unit_bytes(
            UnitData("2570/1", "U01", unit_name, people, kpis=kpis, findings=[finding])
        )
        wb = openpyxl.load_workbook(io.BytesIO(data))
        check_cell(wb[U.HIDDEN][U.meta_cell("unit_name")], unit_name)
        ws = wb[U.PEOPLE]
        for i, person in enumerate(people):
            for f in people_text:
                check_cell(ws[f"{U.PEOPLE_COLUMNS[f][0]}{U.FIRST_ROW + i}"], person[f])
        ws = wb[U.KPIS]
        for i, kpi in enumerate(kpis):
            for f in kpi_text:
                check_cell(ws[f"{U.KPI_COLUMNS[f]}{2 + i}"], kpi[f])
        ws = wb[U.FINDINGS]
        check_cell(ws[f"{U.FINDING_COLUMNS['value']}2"], finding.value)
        grid = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(U.KPIS)
        first = kpis[0][kpi_text[0]]
        if len(first) <= MAX_CELL_TEXT:
            letter = U.KPI_COLUMNS[kpi_text[0]]
            assert grid.to_python()[1][ord(letter) - ord("A")] == calamine_view(first)
        return data

    files = property_run(tmp_path, "unit", check)()
    libreoffice_opens(files, tmp_path / "lo", (U.PEOPLE, U.KPIS, U.COMPETENCIES, U.FINDINGS))


@pytest.mark.libreoffice
def test_any_text_through_a_personal_workbook_stays_text(tmp_path: Path) -> None:
    def check(texts: list[str]) -> bytes:
        person = {f: texts[i % len(texts)] for i, f in enumerate(PL.IDENTITY)}
        data = fill_personal(PersonalData("2570/1", person))
        ws = openpyxl.load_workbook(io.BytesIO(data))[PL.AGREEMENT]
        for f, (_, ref) in PL.IDENTITY.items():
            check_cell(ws[ref], person[f])
        return data

    files = property_run(tmp_path, "personal", check)()
    libreoffice_opens(files, tmp_path / "lo", (PL.AGREEMENT,))
