"""How much one workbook may make kpixl do: checked before any reader parses it.

A small file can ask for a lot: one cell at ``XFD1048576`` makes a value grid of 17
billion cells, a 2 MB zip member can inflate to gigabytes. So each workbook is measured
first, cheaply, and one over a limit becomes a finding naming the file; the round goes on.

What is measured, in this order:

1. the file's size on disk;
2. the package's directory, without inflating anything: each part's declared inflated
   size, the sum of them, and each big part's compression ratio (a zip bomb);
3. each sheet's extent before a grid is built: the declared ``<dimension ref>``, and the
   last row and column any cell or row element really names (``r="..."``), read in one
   streaming pass over the sheet XML. The declared dimension may lie; the scan does not
   trust it. A member that inflates beyond what its header declares is damage.

The limits per kind of workbook (:data:`UNIT`, :data:`PERSONAL`, :data:`MASTER`), and
the master's Config keys that override them (``limit_<kind>_<name>``, a whole number):

=================  ========  ==========  ==========  ==========================================
name               unit      personal    master      what
=================  ========  ==========  ==========  ==========================================
``mb``             20        20          64          file size on disk (MB)
``part_mb``        64        16          400         inflated size of any one package part (MB)
``total_mb``       160       64          800         inflated size of all parts together (MB)
``ratio``          250       250         250         inflated ÷ compressed size of a part over
                                                     1 MB (ordinary sheets stay under 100)
``rows``           100,000   5,000       250,000     last row a sheet uses
``cols``           64        64          64          last column a sheet uses (64 = ``BL``)
``cells``          2,000,000 200,000     8,000,000   rows × columns of a sheet (the grid a
                                                     reader builds)
=================  ========  ==========  ==========  ==========================================

A unit workbook holds some thousands of people, a KPI row per person and KPI; a personal
workbook one person; a master a roster of up to 200,000 rows. With these limits one
workbook costs a reader at most a few hundred MB, so a consolidation stays under 1 GB
whatever one file holds. ``limit_findings_per_file`` (default 200) caps the findings one
unit workbook gives a consolidation; the rest are counted in ``file.findings_capped``.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields, replace
from typing import IO, Any

from kpixl.core.codes import finding
from kpixl.core.findings import Finding
from kpixl.core.text import column_letter
from kpixl.io.xlsx_package import sheet_parts

__all__ = [
    "FINDINGS_PER_FILE",
    "MASTER",
    "MB",
    "PERSONAL",
    "UNIT",
    "Extent",
    "LimitExceeded",
    "Limits",
    "check_directory",
    "check_extent",
    "declared_extent",
    "findings_per_file",
    "inflate_bounded",
    "limits_from_config",
    "read_member",
    "scan_package",
    "sheet_extent",
    "sheets_of",
]

MB = 1024 * 1024
RATIO_FLOOR = MB  # parts smaller than this are never a bomb, whatever their ratio
FINDINGS_PER_FILE = 200
CHUNK = 1 << 20  # bytes inflated at a time in a streaming scan


@dataclass(frozen=True)
class Limits:
    """The limits for one kind of workbook (see the module doc)."""

    kind: str
    mb: int
    part_mb: int
    total_mb: int
    ratio: int
    rows: int
    cols: int
    cells: int


UNIT = Limits("unit", 20, 64, 160, 250, 100_000, 64, 2_000_000)
PERSONAL = Limits("personal", 20, 16, 64, 250, 5_000, 64, 200_000)
MASTER = Limits("master", 64, 400, 800, 250, 250_000, 64, 8_000_000)
_KINDS = {limits.kind: limits for limits in (UNIT, PERSONAL, MASTER)}
_NAMES = tuple(f.name for f in fields(Limits) if f.name != "kind")


class LimitExceeded(ValueError):
    """A workbook over a limit; ``finding`` says which, naming the file."""

    def __init__(self, found: Finding) -> None:
        super().__init__(found.message_en)
        self.finding = found


@dataclass(frozen=True)
class Extent:
    """How far a sheet reaches: its last row and column (1-based), and the declared
    ``<dimension ref>``'s (0 when it has none)."""

    rows: int = 0
    cols: int = 0
    declared_rows: int = 0
    declared_cols: int = 0


def _column_index(letters: bytes) -> int:
    index = 0
    for byte in letters:
        index = index * 26 + (byte - 64)
    return index


def _whole(value: Any) -> int | None:
    """A positive whole number from a Config cell (int, float or text), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().replace(",", "").isdigit():
        value = int(value.strip().replace(",", ""))
    return value if isinstance(value, int) and value > 0 else None


def limits_from_config(
    config: Mapping[str, Any], base: Limits, *, file: str = "", sheet: str = ""
) -> tuple[Limits, list[Finding]]:
    """``base`` with the overrides the master's Config gives (``limit_<kind>_<name>``),
    and a finding for each value that is not a positive whole number (it is not used)."""
    changes: dict[str, Any] = {}
    problems: list[Finding] = []
    for name in _NAMES:
        key = f"limit_{base.kind}_{name}"
        raw = config.get(key)
        if raw is None or raw == "":
            continue
        value = _whole(raw)
        if value is None:
            problems.append(_bad_config(key, raw, file, sheet))
        else:
            changes[name] = value
    return replace(base, **changes), problems


def findings_per_file(
    config: Mapping[str, Any], *, file: str = "", sheet: str = ""
) -> tuple[int, list[Finding]]:
    """The cap on one file's findings (Config ``limit_findings_per_file``)."""
    raw = config.get("limit_findings_per_file")
    if raw is None or raw == "":
        return FINDINGS_PER_FILE, []
    value = _whole(raw)
    if value is None:
        return FINDINGS_PER_FILE, [_bad_config("limit_findings_per_file", raw, file, sheet)]
    return value, []


def _bad_config(key: str, raw: Any, file: str, sheet: str) -> Finding:
    return finding(
        "consolidate.config",
        field=key,
        value=raw,
        why="ต้องเป็นจำนวนเต็มบวก",
        why_en="a positive whole number",
        file=file,
        sheet=sheet,
    )


def _too_large(file: str, what: str, what_en: str, value: int, limit: int, key: str) -> Finding:
    return finding(
        "file.part_too_large",
        what=what,
        what_en=what_en,
        value=f"{value:,}",
        limit=f"{limit:,}",
        key=key,
        file=file,
    )


def check_directory(archive: zipfile.ZipFile, limits: Limits, file: str) -> Finding | None:
    """The package's declared part sizes and ratios against ``limits`` (nothing inflated)."""
    total = 0
    for info in archive.infolist():
        size, packed = info.file_size, max(info.compress_size, 1)
        total += size
        if size > limits.part_mb * MB:
            return _part_finding(file, info.filename, size, limits)
        if size > RATIO_FLOOR and size // packed > limits.ratio:
            return finding(
                "file.zip_bomb",
                part=info.filename,
                value=f"{size:,}",
                packed=f"{info.compress_size:,}",
                ratio=f"{size // packed:,}",
                limit=f"{limits.ratio:,}",
                key=f"limit_{limits.kind}_ratio",
                file=file,
            )
    if total > limits.total_mb * MB:
        return _too_large(
            file,
            "ขนาดเมื่อขยายของทุกส่วนรวมกัน (ไบต์)",
            "inflated size of all parts (bytes)",
            total,
            limits.total_mb * MB,
            f"limit_{limits.kind}_total_mb",
        )
    return None


def _part_finding(file: str, part: str, size: int, limits: Limits) -> Finding:
    return _too_large(
        file,
        f"ขนาดเมื่อขยายของส่วน {part} (ไบต์)",
        f"inflated size of part {part} (bytes)",
        size,
        limits.part_mb * MB,
        f"limit_{limits.kind}_part_mb",
    )


# a cell's or row's reference, an optional namespace prefix allowed (<x:c r="B7">); a tag
# without one is matched whole (the second branch, possessive) and skipped, so that text
# with many "<c" and no ">" still costs linear time
_CELL_REF = re.compile(rb'<(?:\w{1,32}:)?c\b(?:[^>]*?\sr="([A-Z]{1,7})([0-9]{1,12})"|[^>]*+)')
_CELL_TAG = re.compile(rb"<(?:\w{1,32}:)?c[\s/>]")
_ROW_REF = re.compile(rb'<(?:\w{1,32}:)?row\b(?:[^>]*?\sr="([0-9]{1,12})"|[^>]*+)')
_ROW_TAG = re.compile(rb"<(?:\w{1,32}:)?row[\s/>]")
_DIMENSION = re.compile(
    rb'<(?:\w{1,32}:)?dimension\b(?:[^>]*?\sref="(?:[A-Z]+[0-9]+:)?([A-Z]{1,7})([0-9]{1,12})"|[^>]*+)'
)


_WORKSHEET = re.compile(r"xl/worksheets/[^/]+\.xml$", re.IGNORECASE)


class _ExtentScan:
    """The extent of a sheet's XML, fed in pieces (a tag may span two pieces)."""

    def __init__(self) -> None:
        self.rows = self.cols = self.declared_rows = self.declared_cols = 0
        self.loose_rows = self.loose_cells = 0  # without r="..": placed after the last
        self._tail = b""

    def feed(self, piece: bytes, *, last: bool = False) -> None:
        data = self._tail + piece
        cut = len(data) if last else data.rfind(b">") + 1
        if not last and len(data) - cut > CHUNK:  # a tag longer than a piece: no cell
            cut = len(data)
        self._tail, data = data[cut:], data[:cut]
        if not data:
            return
        if not self.declared_rows and b"dimension" in data:
            declared = _declared(data)
            self.declared_rows, self.declared_cols = declared.declared_rows, declared.declared_cols
        refs = [ref for ref in _CELL_REF.findall(data) if ref[0]]
        if refs:
            self.cols = max(self.cols, max(_column_index(c) for c in {c for c, _ in refs}))
            self.rows = max(self.rows, max(int(r) for r in {r for _, r in refs}))
        self.loose_cells += len(_CELL_TAG.findall(data)) - len(refs)
        rows = [row for row in _ROW_REF.findall(data) if row]
        if rows:
            self.rows = max(self.rows, max(int(r) for r in set(rows)))
        self.loose_rows += len(_ROW_TAG.findall(data)) - len(rows)

    def extent(self) -> Extent:
        return Extent(
            self.rows + self.loose_rows,
            self.cols + self.loose_cells,
            self.declared_rows,
            self.declared_cols,
        )


def declared_extent(xml: bytes) -> Extent:
    """The ``<dimension ref>`` a sheet declares (it comes before ``<sheetData>``), its
    only measure: the extent of a grid already built is its shape."""
    return _declared(xml[: max(xml.find(b"<sheetData"), 0) or len(xml)])


def _declared(xml: bytes) -> Extent:
    for cols, rows in _DIMENSION.findall(xml):
        if cols:
            return Extent(declared_rows=int(rows), declared_cols=_column_index(cols))
    return Extent()


def sheet_extent(pieces: Iterable[bytes]) -> Extent:
    """The extent of a sheet whose XML comes in ``pieces`` (one or many)."""
    scan = _ExtentScan()
    for piece in pieces:
        scan.feed(piece)
    scan.feed(b"", last=True)
    return scan.extent()


def check_extent(extent: Extent, limits: Limits, file: str, sheet: str) -> Finding | None:
    """A finding when a sheet reaches further than ``limits`` allow."""
    for rows, cols, declared in (
        (extent.declared_rows, extent.declared_cols, True),
        (extent.rows, extent.cols, False),
    ):
        over = (
            ("rows", rows, limits.rows)
            if rows > limits.rows
            else ("cols", cols, limits.cols)
            if cols > limits.cols
            else ("cells", rows * cols, limits.cells)
            if rows * cols > limits.cells
            else None
        )
        if over is None:
            continue
        name, value, limit = over
        return finding(
            "file.sheet_too_large",
            how="ระบุขนาดไว้ว่า" if declared else "มีข้อมูล",
            how_en="declares its size as" if declared else "reaches",
            ref=f"{column_letter(cols - 1) if cols else ''}{rows}",
            rows=f"{rows:,}",
            cols=f"{cols:,}",
            what=_WHAT[name][0],
            what_en=_WHAT[name][1],
            value=f"{value:,}",
            limit=f"{limit:,}",
            key=f"limit_{limits.kind}_{name}",
            file=file,
            sheet=sheet,
        )
    return None


_WHAT = {
    "rows": ("จำนวนแถว", "rows"),
    "cols": ("จำนวนคอลัมน์", "columns"),
    "cells": ("จำนวนช่อง (แถว × คอลัมน์)", "cells (rows × columns)"),
}


def _pieces(handle: IO[bytes], limit: int, on_over: Any) -> Iterator[bytes]:
    """``handle``'s bytes in pieces; ``on_over()`` is raised past ``limit`` bytes."""
    seen = 0
    while piece := handle.read(CHUNK):
        seen += len(piece)
        if seen > limit:
            raise on_over(seen)
        yield piece


def scan_package(
    archive: zipfile.ZipFile,
    limits: Limits,
    file: str,
    *,
    sheets: Mapping[str, str] | None,
    skip: Iterable[str] = (),
) -> Finding | None:
    """Every member inflated once, in pieces (its CRC checked by ``zipfile``), none past
    the part limit; each sheet part (``sheets``: name → part, and any other member in
    ``xl/worksheets/``; none when ``sheets`` is None) measured as it goes by.
    Raises ``zipfile.BadZipFile`` (and what ``ZipFile.open`` raises) for damage."""
    by_part = {part: name for name, part in (sheets or {}).items()}
    for info in archive.infolist():
        if sheets is not None and _WORKSHEET.match(info.filename):
            by_part.setdefault(info.filename, info.filename)
    skipped = set(skip)
    for info in archive.infolist():
        if info.filename in skipped:
            continue
        cap = limits.part_mb * MB

        def over(size: int, part: str = info.filename) -> LimitExceeded:
            return LimitExceeded(_part_finding(file, part, size, limits))

        try:
            with archive.open(info) as member:
                if info.filename in by_part:
                    extent = sheet_extent(_pieces(member, cap, over))
                    found = check_extent(extent, limits, file, by_part[info.filename])
                    if found is not None:
                        return found
                else:
                    for _ in _pieces(member, cap, over):
                        pass
        except LimitExceeded as exc:
            return exc.finding
    return None


def read_member(archive: zipfile.ZipFile, name: str | zipfile.ZipInfo) -> bytes:
    """A member's bytes, inflated in pieces: never past the size its header declares
    (``ZipFile.read`` inflates a whole lying member before it cuts it down). Raises as
    ``ZipFile.read`` (``KeyError``; ``BadZipFile`` for a bad CRC)."""
    with archive.open(name) as member:
        return b"".join(iter(lambda: member.read(CHUNK), b""))


def sheets_of(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → part, as the package's workbook says (empty when it cannot be told:
    the readers then say what is wrong)."""
    try:
        return sheet_parts(
            {
                "xl/workbook.xml": read_member(archive, "xl/workbook.xml"),
                "xl/_rels/workbook.xml.rels": read_member(archive, "xl/_rels/workbook.xml.rels"),
            }
        )
    except (KeyError, ValueError, zipfile.BadZipFile, zlib.error):
        return {}


def inflate_bounded(raw: bytes, size: int) -> bytes | None:
    """A raw deflate stream inflated, or None when it gives more than ``size`` bytes (its
    header lied) or is damaged: never more than ``size + 1`` bytes are made."""
    inflater = zlib.decompressobj(-15)
    try:
        content = inflater.decompress(raw, size + 1)
    except zlib.error:
        return None
    if len(content) > size or inflater.unconsumed_tail:
        return None
    return content
