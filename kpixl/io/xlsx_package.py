"""Reading and patching the XML parts of an .xlsx package directly.

Generating thousands of workbooks by loading and saving each with openpyxl is slow;
instead the built template's parts are read once and, per person, only the cells that
change are rewritten in the sheet XML (as inline strings or numbers, keeping each
cell's style; text encoded by :func:`kpixl.io.cell_text.xml_text`; a
:class:`~kpixl.io.cell_text.Formula` as a formula, with its cached value when it has
one). Unchanged parts are compressed once and copied into every package; every part is deflated at the same level, so the same content always gives the same
bytes (a workbook written twice, by any of kpixl's writers, is identical). Rewriting a
big workbook (the master) may instead carry its unchanged parts over as the compressed
streams they came in (``keep_streams``): the same input still gives the same output.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from kpixl.io.cell_text import Formula, value_xml, xml_text
from kpixl.io.formula_cells import Calculator

__all__ = [
    "CellValue",
    "Package",
    "crc32_combine",
    "deflate_piece",
    "join_pieces",
    "member_bytes",
    "member_stream",
    "sheet_parts",
]

CellValue = str | int | Decimal | float | bool | None

_SHEET = re.compile(r'<sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"[^>]*/>')
_REL = re.compile(r'<Relationship\b[^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"[^>]*/>')
_REL_ALT = re.compile(r'<Relationship\b[^>]*?Target="([^"]*)"[^>]*?Id="([^"]*)"[^>]*/>')
_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"((?:\s+[a-zA-Z:]+="[^"]*")*)\s*(?:/>|>.*?</c>)', re.S)
_STYLE = re.compile(r'\ss="(\d+)"')
_DOS_DATE = (2020 - 1980) << 9 | 1 << 5 | 1  # 2020-01-01, fixed: reproducible bytes


def _row_tag(number: str) -> re.Pattern[str]:
    return re.compile(rf'<row r="{number}"[^>]*?/?>')


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    )


def sheet_parts(parts: Mapping[str, bytes]) -> dict[str, str]:
    """Sheet name → part name (``xl/worksheets/sheet1.xml``) from workbook.xml and rels."""
    workbook = parts["xl/workbook.xml"].decode("utf-8")
    rels_xml = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    rels = {rid: target for rid, target in _REL.findall(rels_xml)}
    rels.update({rid: target for target, rid in _REL_ALT.findall(rels_xml)})
    out = {}
    for name, rid in _SHEET.findall(workbook):
        target = rels[rid].lstrip("/")
        out[_unescape(name)] = target if target.startswith("xl/") else f"xl/{target}"
    return out


def _cell_xml(ref: str, style: str, value: CellValue) -> str:
    s = f' s="{style}"' if style else ""
    if value is None or value == "":
        return f'<c r="{ref}"{s}/>'
    if isinstance(value, Formula):  # kpixl's own formula, with its value when it has one
        formula = escape(value[1:])
        cached = value_xml(value.cached)
        if cached is None:
            return f'<c r="{ref}"{s}><f>{formula}</f></c>'
        return f'<c r="{ref}"{s}{cached[0]}><f>{formula}</f><v>{cached[1]}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, Decimal, float)):
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    text = xml_text(str(value))  # text, whatever it starts with
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>'


@dataclass
class _SheetIndex:
    """Where each cell of a sheet's XML starts and ends, and its style."""

    xml: str
    cells: dict[str, tuple[int, int, str]]

    @classmethod
    def of(cls, xml: str) -> _SheetIndex:
        cells = {}
        for m in _CELL.finditer(xml):
            style = _STYLE.search(m.group(2) or "")
            cells[m.group(1)] = (m.start(), m.end(), style.group(1) if style else "")
        return cls(xml, cells)

    def _insertion(self, ref: str) -> int:
        """Where a cell missing from an existing row goes (cells stay in column order)."""
        letters = ref.rstrip("0123456789")
        row = _row_tag(ref[len(letters) :]).search(self.xml)
        if row is None or row.group(0).endswith("/>"):
            raise KeyError(f"cell {ref} is not in the template (give it a style so it is kept)")
        stop = self.xml.index("</row>", row.end())
        column = (len(letters), letters)
        later = [
            start
            for other, (start, _, _) in self.cells.items()
            if row.end() <= start < stop and (len(o := other.rstrip("0123456789")), o) > column
        ]
        return min(later, default=stop)

    def patch(self, edits: Mapping[str, CellValue]) -> str:
        """The sheet with ``edits`` applied; a cell missing from an existing row is added."""
        pieces = []
        for ref, value in edits.items():
            if ref in self.cells:
                start, end, style = self.cells[ref]
            else:
                start = end = self._insertion(ref)
                style = ""
            pieces.append((start, end, _cell_xml(ref, style, value)))
        pieces.sort()
        out, pos = [], 0
        for start, end, text in pieces:
            out.append(self.xml[pos:start])
            out.append(text)
            pos = end
        out.append(self.xml[pos:])
        return "".join(out)


@dataclass(frozen=True)
class _Entry:
    name: bytes
    crc: int
    size: int
    data: bytes  # raw deflate stream


def _deflate(data: bytes, level: int) -> _Entry:
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return _Entry(b"", zlib.crc32(data), len(data), compressor.compress(data) + compressor.flush())


def deflate_piece(data: bytes, *, last: bool) -> tuple[int, int, bytes]:
    """(CRC, size, deflate stream) of one piece of a part. Pieces compressed alone and
    joined in order (every piece but the last flushed to a byte boundary, the last one
    final) form one valid deflate stream: a big part can be compressed in several
    processes, with the same bytes whichever process did which piece."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
    stream = compressor.compress(data)
    stream += compressor.flush() if last else compressor.flush(zlib.Z_SYNC_FLUSH)
    return zlib.crc32(data), len(data), stream


def join_pieces(pieces: Sequence[tuple[int, int, bytes]]) -> tuple[int, int, bytes]:
    """The part made of ``pieces`` (from :func:`deflate_piece`, in order)."""
    crc, size = 0, 0
    for piece_crc, piece_size, _ in pieces:
        crc = crc32_combine(crc, piece_crc, piece_size)
        size += piece_size
    return crc, size, b"".join(stream for _, _, stream in pieces)


_POLY = 0xEDB88320  # CRC-32's polynomial, reflected


def _multmodp(a: int, b: int) -> int:
    """a(x) × b(x) modulo the CRC polynomial (reflected bits; ``a`` not zero)."""
    m, p = 1 << 31, 0
    while True:
        if a & m:
            p ^= b
            if not a & (m - 1):
                return p
        m >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1


def _x2n_table() -> list[int]:
    table, p = [], 1 << 30  # x^1
    for _ in range(32):
        table.append(p)  # x^(2^n)
        p = _multmodp(p, p)
    return table


_X2N = _x2n_table()


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """CRC-32 of A + B from crc32(A), crc32(B) and len(B), as zlib's crc32_combine does
    it: crc1 times x^(8·len2) modulo the polynomial, plus crc2."""
    p, k = 1 << 31, 3  # x^0; a byte is 2^3 bits
    while len2:
        if len2 & 1:
            p = _multmodp(_X2N[k & 31], p)
        len2 >>= 1
        k += 1
    return _multmodp(p, crc1) ^ crc2


def member_bytes(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """A member's content, inflated in one call and checked against its CRC and size
    (what ``ZipFile.read`` does, without its per-chunk Python work); None when the member
    is not plainly deflated or is damaged (``ZipFile.read`` then says what is wrong)."""
    entry = member_stream(data, info)
    if entry is None:
        return None
    try:
        content = zlib.decompress(entry.data, -15)
    except zlib.error:
        return None
    if len(content) != info.file_size or zlib.crc32(content) != info.CRC:
        return None
    return content


def member_stream(data: bytes, info: zipfile.ZipInfo) -> _Entry | None:
    """A member's deflate stream as it lies in ``data`` (None if not plainly deflated)."""
    if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1:
        return None
    start = info.header_offset
    if data[start : start + 4] != b"PK\x03\x04":
        return None
    name_len, extra_len = struct.unpack("<HH", data[start + 26 : start + 30])
    begin = start + 30 + name_len + extra_len
    raw = data[begin : begin + info.compress_size]
    if len(raw) != info.compress_size:
        return None
    return _Entry(b"", info.CRC, info.file_size, raw)


def _zip(entries: list[_Entry]) -> bytes:
    """A minimal, reproducible zip writer for entries already deflated."""
    local, central = bytearray(), bytearray()
    for e in entries:
        offset = len(local)
        header = struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            20,
            0x800,
            8,
            0,
            _DOS_DATE,
            e.crc,
            len(e.data),
            e.size,
            len(e.name),
            0,
        )
        local += header + e.name + e.data
        central += (
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0x800,
                8,
                0,
                _DOS_DATE,
                e.crc,
                len(e.data),
                e.size,
                len(e.name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + e.name
        )
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(local), 0
    )
    return bytes(local + central + end)


class _LazyParts(Mapping[str, bytes]):
    """A package's parts, each inflated (and its CRC checked) when first read."""

    def __init__(self, data: bytes, order: list[str], read: dict[str, bytes]) -> None:
        self._data, self._order, self._read = data, order, read

    def __getitem__(self, name: str) -> bytes:
        if name not in self._read:
            if name not in self._order:
                raise KeyError(name)
            with zipfile.ZipFile(io.BytesIO(self._data)) as zf:
                self._read[name] = zf.read(name)
        return self._read[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)


@dataclass
class Package:
    """An .xlsx package held in memory as its parts."""

    parts: Mapping[str, bytes]
    order: list[str]
    _index: dict[str, _SheetIndex] = field(default_factory=dict, repr=False)
    _packed: dict[str, _Entry] = field(default_factory=dict, repr=False)
    _calculator: Calculator | None = field(default=None, repr=False)
    _computed_package: Package | None = field(default=None, repr=False)

    @classmethod
    def read(cls, source: str | Path | bytes, *, keep_streams: bool = False) -> Package:
        """The package's parts. ``keep_streams``: an unchanged part is written back as the
        compressed stream it came in, not compressed again (the master's 50,000-row
        roster costs nothing to carry over; a second run still gives the same bytes)."""
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            order = zf.namelist()
            if not keep_streams:
                return cls({name: zf.read(name) for name in order}, order)
            packed = {i.filename: e for i in zf.infolist() if (e := member_stream(data, i))}
            # parts carried over as their streams are inflated only if someone reads them
            eager = {n: zf.read(n) for n in order if n not in packed}
        return cls(_LazyParts(data, order, eager), order, _packed=packed)

    @property
    def sheets(self) -> dict[str, str]:
        return sheet_parts(self.parts)

    def _sheet_index(self, part: str) -> _SheetIndex:
        if part not in self._index:
            self._index[part] = _SheetIndex.of(self.parts[part].decode("utf-8"))
        return self._index[part]

    def patched(
        self, edits: Mapping[str, Mapping[str, CellValue]], *, calculate: bool = False
    ) -> bytes:
        """The package as bytes with ``edits`` (sheet name → cell → value) applied.
        ``calculate``: every formula cell of the package carries the value it gives with
        the edits (:class:`~kpixl.io.formula_cells.Calculator`: kpixl's forms)."""
        if calculate:
            computed, calculator = self._computed()
            return computed.patched(calculator.with_values(edits, changed_only=True))  # type: ignore[arg-type]
        sheets = self.sheets
        changed = {
            sheets[sheet]: self._sheet_index(sheets[sheet]).patch(cells).encode("utf-8")
            for sheet, cells in edits.items()
        }
        return self.to_bytes(changed)

    def _computed(self) -> tuple[Package, Calculator]:
        """This package with every formula carrying its value, and its calculator (built
        once: then each patch rewrites only the formulas whose values its edits change)."""
        if self._calculator is None or self._computed_package is None:
            calculator = Calculator(self.parts, self.sheets)
            computed = Package.read(self.patched(calculator.with_values({})))  # type: ignore[arg-type]
            self._calculator, self._computed_package = calculator, computed
        return self._computed_package, self._calculator

    def to_bytes(
        self,
        changed: Mapping[str, bytes] | None = None,
        compressed: Mapping[str, tuple[int, int, bytes]] | None = None,
    ) -> bytes:
        """The package zipped reproducibly (fixed entry dates), with ``changed`` parts,
        and ``compressed`` ones already deflated elsewhere (:func:`join_pieces`)."""
        changed = changed or {}
        compressed = compressed or {}
        entries = []
        for name in self.order:
            if name in compressed:
                entry = _Entry(b"", *compressed[name])
            elif name in changed:
                entry = _deflate(changed[name], 1)
            else:
                if name not in self._packed:
                    self._packed[name] = _deflate(self.parts[name], 1)
                entry = self._packed[name]
            entries.append(_Entry(name.encode("utf-8"), entry.crc, entry.size, entry.data))
        return _zip(entries)
