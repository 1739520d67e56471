"""The C sheet scanner gives exactly python-calamine's grids, or hands the sheet back."""

from __future__ import annotations

import random
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from crafted import NS, crafted_workbook

from kpixl.io import grids
from kpixl.io.grids import CalamineBook, ScannedBook, date_styles, open_book
from kpixl.io.xlsx_package import crc32_combine, deflate_piece, join_pieces, sheet_parts

ROOT = Path(__file__).resolve().parents[1]

needs_scanner = pytest.mark.skipif(
    not grids.FAST, reason="kpixl.io._sheetscan was not built (no C compiler at install)"
)


def _trim(grid: list[list[Any]]) -> list[list[Any]]:
    """The grid without trailing blank rows and columns (readers differ only there)."""
    rows = [list(r) for r in grid]
    while rows and all(v == "" for v in rows[-1]):
        rows.pop()
    width = max(
        (max((i + 1 for i, v in enumerate(r) if v != ""), default=0) for r in rows), default=0
    )
    return [r[:width] + [""] * (width - len(r[:width])) for r in rows]


def _typed(grid: list[list[Any]]) -> list[list[tuple[str, Any]]]:
    return [[(type(v).__name__, v) for v in row] for row in _trim(grid)]


def _same_as_calamine(path: Path) -> ScannedBook:
    book = open_book(path)
    assert isinstance(book, ScannedBook)
    reference = CalamineBook(path)
    assert book.sheet_names == reference.sheet_names
    for name in reference.sheet_names:
        assert _typed(book.grid(name)) == _typed(reference.grid(name)), (path.name, name)
    return book


@needs_scanner
def test_committed_demo_and_templates_read_exactly_as_calamine_reads_them() -> None:
    paths = sorted((ROOT / "workbooks" / "demo").rglob("*.xls[xm]"))
    paths += sorted((ROOT / "templates").glob("*.xls[xm]"))
    assert len(paths) > 20
    for path in paths:
        book = _same_as_calamine(path)
        assert book.fell_back == [], path.name  # kpixl's own workbooks never need calamine


@needs_scanner
def test_every_kind_of_cell_kpixl_excel_and_libreoffice_write(tmp_path: Path) -> None:
    cells = (
        '<row r="1"><c r="A1"><v>1</v></c><c r="B1" t="n"><v>-2.5E-007</v></c>'
        '<c r="C1" s="0"><v>1.23456789012346E+019</v></c><c r="D1" t="b"><v>1</v></c>'
        '<c r="E1" t="b"><f>FALSE()</f><v>0</v></c><c r="F1" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        '<c r="G1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c><c r="H1"><f>A1+1</f><v/></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t xml:space="preserve"> เว้น วรรค </t></is></c>'
        '<c r="B2" t="inlineStr"><is><t>&lt;a&gt; &amp; &quot;q&quot; &apos;s&apos; &#3665;&#x0E52;</t>'
        '</is></c><c r="C2" t="inlineStr"><is><r><t>ตัว</t></r><r><rPr><b/></rPr><t>หนา</t></r>'
        '</is></c><c r="D2" t="inlineStr"><is><t/></is></c><c r="E2" s="1" t="n" /></row>'
        '<row r="3"><c r="A3" t="inlineStr"><is><t> trimmed </t></is></c><c r="B3" t="inlineStr">'
        '<is><r><t xml:space="preserve"> kept </t></r><r><t> cut </t></r></is></c>'
        '<c r="C3" t="inlineStr"><is><t>   </t></is></c><c r="D3" t="str"><v> as is </v></c>'
        '<c r="E3" t="inlineStr"><is><t>two\nlines</t></is></c></row><row r="4">'
        '<c r="A4" t="inlineStr"><is><t> HR &lt;hr@example.org&gt; </t></is></c>'
        '<c r="B4" t="inlineStr"><is><t>&amp;co\n</t></is></c></row>'
        '<row r="5" spans="1:3"><c r="C5" t="s"><v>1</v></c><c r="AA5" t="s">'
        "<v>0</v></c></row>"
    )
    shared = "<si><t>แรก</t></si><si><r><t>สอง</t></r><r><t> ส่วน</t></r></si>"
    _same_as_calamine(crafted_workbook(tmp_path, cells, shared=shared))


@needs_scanner
def test_a_named_entity_at_the_edge_of_trimmed_text_is_read_by_the_scanner(
    tmp_path: Path,
) -> None:
    """``Name <a@b.org>`` in Config (the mail sender) ends in ``&gt;``: no space can hide
    in a named entity, so the scanner reads it as python-calamine does."""
    cells = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t> HR &lt;hr@example.org&gt; </t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>&amp;co\n</t></is></c>'
        '<c r="C1" t="inlineStr"><is><t>&quot;q&quot;</t></is></c></row>'
    )
    book = _same_as_calamine(crafted_workbook(tmp_path, cells))
    assert book.grid("Sheet") == [["HR <hr@example.org>", "&co", '"q"']]
    assert book.fell_back == []


@needs_scanner
@pytest.mark.parametrize(
    ("cells", "styles"),
    [
        ('<row r="1"><c r="A1" s="1"><v>45000</v></c></row>', "date"),  # calamine: a date
        ('<row r="1"><c r="A1" t="inlineStr"><is><t>a_x000D_b</t></is></c></row>', ""),
        ('<row r="1"><c r="A1" t="d"><v>2026-11-22T00:00:00</v></c></row>', ""),
        ('<row r="1"><c r="A1"><v>1 </v></c></row>', ""),
        ('<row r="1"><c r="A1" t="inlineStr"><is><t>&nbsp;</t></is></c></row>', ""),
        # a character reference where the trimmed spaces are: it may be a space itself
        ('<row r="1"><c r="A1" t="inlineStr"><is><t>a&#32;</t></is></c></row>', ""),
        ('<row r="1"><c r="A1" t="inlineStr"><is><t>&#10;b</t></is></c></row>', ""),
    ],
)
def test_what_the_scanner_does_not_know_goes_to_calamine(
    tmp_path: Path, cells: str, styles: str
) -> None:
    style_xml = ""
    if styles == "date":
        style_xml = (
            f'<styleSheet {NS}><numFmts count="1"><numFmt numFmtId="164" formatCode="d/m/yyyy"/>'
            '</numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs>'
            "</styleSheet>"
        )
    path = crafted_workbook(tmp_path, cells, styles=style_xml)
    book = open_book(path)
    assert isinstance(book, ScannedBook)
    try:
        expected = CalamineBook(path).grid("Sheet")
    except Exception as exc:  # calamine refuses it: so does the scanner's fallback
        with pytest.raises(type(exc)):
            book.grid("Sheet")
        return
    assert _typed(book.grid("Sheet")) == _typed(expected)
    assert book.fell_back == ["Sheet"]


def test_a_damaged_package_is_python_calamine_s_to_report(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(Exception) as scanned:
        open_book(path).grid("Sheet")
    with pytest.raises(Exception) as reference:
        CalamineBook(path)
    assert str(scanned.value) == str(reference.value)


def test_date_styles_flags_number_formats_that_show_dates_or_times() -> None:
    styles = (
        f'<styleSheet {NS}><numFmts count="5">'
        '<numFmt numFmtId="164" formatCode="#,##0.00"/>'
        '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/>'
        '<numFmt numFmtId="166" formatCode="&quot;day&quot; 0"/>'
        '<numFmt numFmtId="167" formatCode="[Red]0.00"/>'
        '<numFmt numFmtId="168" formatCode="[h]"/></numFmts>'
        '<cellXfs count="8"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/>'
        '<xf numFmtId="165"/><xf numFmtId="166"/><xf numFmtId="167"/><xf numFmtId="168"/>'
        '<xf numFmtId="4"/></cellXfs></styleSheet>'
    )
    assert list(date_styles(styles.encode())) == [0, 1, 0, 1, 0, 0, 1, 0]
    assert date_styles(b"") == b""


def test_the_scanner_is_built_where_the_tests_run() -> None:
    """CI must measure and test the fast reader, not silently the fallback."""
    if not grids.FAST:
        pytest.skip("kpixl.io._sheetscan was not built (no C compiler at install)")
    from kpixl.io import _sheetscan

    assert _sheetscan.scan_sheet(b"<sheetData/>", [], b"") == []
    assert _sheetscan.scan_sheet(b"<x/>", [], b"") is None


def test_a_missing_number_is_written_as_a_blank_cell_never_as_nan(tmp_path: Path) -> None:
    """A NaN in a result column (pandas' missing value) must not reach the sheet as "nan",
    which Excel cannot open; mixed and plain number columns alike."""
    from kpixl.io.sheet_xml import replace_rows

    xml = replace_rows(
        f"<worksheet {NS}><sheetData/></worksheet>",
        [["a", float("nan"), float("nan")], [1.5, "x", float("nan")]],
        first_row=1,
    )
    assert "nan" not in xml.lower()
    path = crafted_workbook(tmp_path, xml.split("<sheetData>")[1].split("</sheetData>")[0])
    assert _typed(CalamineBook(path).grid("Sheet")) == [
        [("str", "a"), ("str", "")],
        [("float", 1.5), ("str", "x")],
    ]


@needs_scanner
def test_numbers_read_exactly_as_a_correctly_rounding_parser_reads_them() -> None:
    """The scanner's fast path for plain decimals must round exactly as strtod (and
    python-calamine, and Python's float) do, bit for bit."""
    import random
    import struct

    from kpixl.io import _sheetscan

    rng = random.Random(2570)
    texts = ["0", "-0", "0.1", "4.6", "34120.0", "0.30000000000000004", "123456789012345"]
    texts += ["1234567890123456", "99999.99999", "0.0000000000000000000001", "12e3", "1e-7"]
    for _ in range(5000):
        digits = str(rng.randint(0, 10 ** rng.randint(1, 17)))
        cut = rng.randint(0, 12)
        if cut and len(digits) > cut:
            digits = f"{digits[:-cut]}.{digits[-cut:]}"
        texts.append(digits if rng.random() < 0.7 else f"-{digits}")
    for text in texts:
        xml = f'<sheetData><row r="1"><c r="A1"><v>{text}</v></c></row></sheetData>'
        grid = _sheetscan.scan_sheet(xml.encode(), [], b"")
        assert grid is not None
        assert struct.pack("<d", grid[0][0]) == struct.pack("<d", float(text)), text


def test_a_damaged_sheet_is_never_read_as_values(tmp_path: Path) -> None:
    """A member whose bytes were damaged (CRC no longer matches) is not scanned: reading
    it fails as python-calamine fails, and the caller turns that into a finding."""
    path = crafted_workbook(tmp_path, '<row r="1"><c r="A1"><v>1</v></c></row>' * 1)
    data = bytearray(path.read_bytes())
    info = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(bytes(data))
    with pytest.raises(Exception):  # noqa: B017 - whatever python-calamine raises
        CalamineBook(damaged).grid("Sheet")
    with pytest.raises(Exception):  # noqa: B017
        open_book(damaged).grid("Sheet")


def test_a_unit_workbook_with_a_damaged_sheet_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    from kpixl.workbooks import unit_layout as U
    from kpixl.workbooks.unit import read_unit

    source = sorted((ROOT / "workbooks" / "demo" / "units").glob("*.xlsx"))[0]
    data = bytearray(source.read_bytes())
    archive = zipfile.ZipFile(source)
    parts = sheet_parts({name: archive.read(name) for name in archive.namelist()})
    part = parts[U.KPIS]
    info = archive.getinfo(part)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(10, info.compress_size - 10, 97):  # damage the KPI sheet throughout
        data[start + offset] ^= 0x5A
    damaged = tmp_path / source.name
    damaged.write_bytes(bytes(data))
    for blocks in (False, True):
        form = read_unit(damaged, blocks=blocks)
        assert [f.rule for f in form.findings] == ["file.corrupt"]
        assert not form.readable and form.people.empty and form.kpi_block is None


@needs_scanner
def test_table_rows_are_picked_alike_in_c_and_in_numpy() -> None:
    """A table's rows out of a grid: the C pass and the numpy one agree on every cell,
    blank ('' and None), short row, all-blank row and picked column order."""
    from kpixl.io.grid import _pick_c, _pick_numpy

    rng = random.Random(11)
    kinds: list[Any] = ["", None, "", 0.0, 1.5, "ก", " ", True, False, float("nan"), 7, "x"]
    for _ in range(400):
        body = [
            [rng.choice(kinds) for _ in range(rng.randint(0, 6))] for _ in range(rng.randint(0, 9))
        ]
        index = [rng.randint(0, 6) for _ in range(rng.randint(0, 4))]
        c_values, c_rows = _pick_c(body, index)
        np_values, np_rows = _pick_numpy(body, index)
        assert c_rows.tolist() == np_rows.tolist(), (body, index)
        assert c_values.shape == np_values.shape
        assert [[(type(v), repr(v)) for v in row] for row in c_values.tolist()] == [
            [(type(v), repr(v)) for v in row] for row in np_values.tolist()
        ], (body, index)
        assert c_values.dtype == object and c_rows.dtype == np.int64
    # a whole roster's worth, and a grid of tuples (as xlwings gives)
    big = [[f"{r}", "", r * 1.0, None] for r in range(5000)] + [["", None, "", ""]]
    assert _pick_c(big, [0, 2])[1].tolist() == list(range(5000))
    assert _pick_c([("", "a"), ("", "")], [1])[0].tolist() == [["a"]]


def test_crc32_of_joined_pieces_is_zlib_s_crc32_of_the_whole() -> None:
    """The CRC of a part built in pieces, combined from the pieces' CRCs and sizes."""
    rng = random.Random(8)
    for _ in range(500):
        a = rng.randbytes(rng.randint(0, 400))
        b = rng.randbytes(rng.choice([0, 1, 3, rng.randint(0, 70_000)]))
        assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)
    parts = [rng.randbytes(n) for n in (10, 0, 4096, 77)]
    pieces = [deflate_piece(part, last=i == len(parts) - 1) for i, part in enumerate(parts)]
    crc, size, stream = join_pieces(pieces)
    assert (crc, size) == (zlib.crc32(b"".join(parts)), 10 + 4096 + 77)
    assert zlib.decompress(stream, -15) == b"".join(parts)


@needs_scanner
def test_c_helpers_give_what_python_gives() -> None:
    """type_set is set(map(type, …)), for lists, tuples and any other iterable, empty
    ones included."""
    from kpixl.io._sheetscan import type_set

    class Text(str):
        pass

    mixed: list[Any] = [1, "a", None, 1.5, True, Text("x"), b"", 2, "b", None, 0.5, (), [], {}]
    for values in (mixed, tuple(mixed), [], iter(mixed), mixed * 3):
        items = list(values) if not isinstance(values, list | tuple) else values
        assert type_set(items) == set(map(type, items))
