"""A workbook's sheets as value grids: kpixl's sheet scanner first, python-calamine otherwise.

Consolidation reads a thousand unit workbooks; python-calamine spends most of that time
parsing sheet XML, and a reader built on it must measure every sheet first (it sizes its
grid by the farthest cell). kpixl's scanner reads the sheet XML kpixl, Excel and
LibreOffice write several times faster, measures as it reads, and gives exactly the
grid python-calamine's ``to_python(skip_empty_area=False)`` gives: in C
(``kpixl.io._sheetscan``, built at install when a compiler is there) or in Python
(:mod:`kpixl.io.sheet_scan`, without a compiler or with ``KPIXL_PURE=1``; see
:func:`kpixl.io.speed.c_scanner`). Whatever it does not understand (a date-formatted
number, a phonetic run, an escape it does not know, a damaged package) it hands back,
and that sheet or workbook is read by python-calamine, so the result never depends on
which reader ran.

Before either reader sees a sheet, the sheet is measured against the :class:`Limits` of
its workbook's kind (``kpixl.io.limits``): one over them raises
:class:`~kpixl.io.limits.LimitExceeded` (its finding names the file and sheet), and no
member is ever inflated past the size its header declares.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from python_calamine import CalamineWorkbook

from kpixl.io import sheet_scan
from kpixl.io.limits import (
    MASTER,
    Extent,
    LimitExceeded,
    Limits,
    check_directory,
    check_extent,
    declared_extent,
    inflate_bounded,
    read_member,
    scan_package,
    sheets_of,
)
from kpixl.io.speed import BUILT, c_scanner
from kpixl.io.xlsx_package import member_stream, sheet_parts

__all__ = ["FAST", "Book", "Scanner", "date_styles", "open_book"]

FAST = BUILT is not None  # the C scanner was built (used unless KPIXL_PURE=1)

Grid = list[list[Any]]


class Scanner(Protocol):
    """``kpixl.io._sheetscan`` or :mod:`kpixl.io.sheet_scan`: the same two functions."""

    def scan_sheet(self, xml: bytes, shared: list[str], date_styles: bytes) -> Grid | None: ...

    def scan_strings(self, xml: bytes) -> list[str] | None: ...


class Book(Protocol):
    path: Path
    verified: set[str]  # package members read and CRC-checked on the way

    @property
    def sheet_names(self) -> list[str]: ...

    def grid(self, name: str) -> Grid: ...


class CalamineBook:
    """Every sheet through python-calamine (raises what python-calamine raises), once
    every member has been inflated in pieces and each sheet measured against ``limits``
    (python-calamine sizes its grid by the farthest cell and trusts the zip headers)."""

    def __init__(self, path: Path, data: bytes | None = None, limits: Limits = MASTER) -> None:
        self.path = path
        self.verified: set[str] = set()  # python-calamine's checks are its own
        with zipfile.ZipFile(path if data is None else io.BytesIO(data)) as archive:
            over = check_directory(archive, limits, path.name) or scan_package(
                archive, limits, path.name, sheets=sheets_of(archive)
            )
        if over is not None:
            raise LimitExceeded(over)
        self._book = (
            CalamineWorkbook.from_path(str(path))
            if data is None
            else CalamineWorkbook.from_filelike(io.BytesIO(data))
        )

    @property
    def sheet_names(self) -> list[str]:
        return list(self._book.sheet_names)

    def grid(self, name: str) -> Grid:
        rows: Grid = self._book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        return rows


class ScannedBook:
    """Sheets through kpixl's scanner (C, or Python without it); one it hands back goes
    through python-calamine."""

    def __init__(
        self,
        path: Path,
        archive: zipfile.ZipFile,
        parts: dict[str, str],
        raw: bytes,
        limits: Limits = MASTER,
    ) -> None:
        self.path = path
        self.limits = limits
        self.scanner: Scanner = c_scanner() or sheet_scan
        self._bytes = raw  # the package's bytes: members inflated in one call, and
        # what python-calamine reads when a sheet goes to it
        self._zip = archive
        self._parts = parts
        self._shared: list[str] | None = None
        self._dates: bytes | None = None
        self._calamine: CalamineBook | None = None
        self.fell_back: list[str] = []  # sheets python-calamine read
        self.verified: set[str] = set()  # members read here, their CRC checked

    @property
    def sheet_names(self) -> list[str]:
        return list(self._parts)

    def _fallback(self, name: str) -> Grid:
        self.fell_back.append(name)
        if self._calamine is None:
            self._calamine = CalamineBook(self.path, self._bytes, self.limits)
        return self._calamine.grid(name)

    def grid(self, name: str) -> Grid:
        part = self._parts.get(name)
        if part is None:
            return self._fallback(name)  # python-calamine says what is wrong
        try:
            if self._shared is None:
                self._shared = self._strings()
            if self._dates is None:
                self._dates = date_styles(self._read("xl/styles.xml"))
            xml = self._read(part)
        except (KeyError, OSError, ValueError, zipfile.BadZipFile, zlib.error):
            return self._fallback(name)
        declared = declared_extent(xml)
        self._check(declared, name)
        # the scanner builds no grid over 4 million cells (it hands such a sheet back,
        # and python-calamine's reader measures every sheet first): its grid's shape is
        # the sheet's extent
        rows = self.scanner.scan_sheet(xml, self._shared, self._dates)
        if rows is None:
            return self._fallback(name)
        self._check(replace(declared, rows=len(rows), cols=len(rows[0]) if rows else 0), name)
        self.verified.add(part)
        return rows

    def _check(self, extent: Extent, name: str) -> None:
        over = check_extent(extent, self.limits, self.path.name, name)
        if over is not None:
            raise LimitExceeded(over)

    def _read(self, part: str) -> bytes:
        """A member's bytes (b"" when there is none); raises as ZipFile.read for damage,
        and never inflates more than the member's header declares."""
        try:
            info = self._zip.getinfo(part)
        except KeyError:
            return b""
        entry = member_stream(self._bytes, info)
        content = None if entry is None else inflate_bounded(entry.data, info.file_size)
        if content is None or zlib.crc32(content) != info.CRC:
            return read_member(self._zip, info)  # stops at the declared size; says what is wrong
        return content

    def _strings(self) -> list[str]:
        xml = self._read("xl/sharedStrings.xml")
        strings = self.scanner.scan_strings(xml) if xml else []
        if strings is None:
            raise ValueError("shared strings the scanner does not read")
        return strings


def open_book(path: str | Path, data: bytes | None = None, *, limits: Limits = MASTER) -> Book:
    """The workbook at ``path`` (or its bytes ``data``, already read), ready to give
    grids; raises what python-calamine raises for a file it cannot open, and
    :class:`~kpixl.io.limits.LimitExceeded` for one (or a sheet) over ``limits``."""
    path = Path(path)
    try:
        raw = path.read_bytes() if data is None else data
        archive = zipfile.ZipFile(io.BytesIO(raw))
        over = check_directory(archive, limits, path.name)
        if over is not None:
            raise LimitExceeded(over)
        names = set(archive.namelist())
        parts = sheet_parts(
            {
                "xl/workbook.xml": read_member(archive, "xl/workbook.xml"),
                "xl/_rels/workbook.xml.rels": read_member(archive, "xl/_rels/workbook.xml.rels"),
            }
        )
        if all(p in names for p in parts.values()):
            return ScannedBook(path, archive, parts, raw, limits)
    except LimitExceeded:
        raise
    except (KeyError, OSError, ValueError, UnicodeDecodeError, zipfile.BadZipFile):
        pass
    return CalamineBook(path, data, limits)


# numFmtIds Excel defines as dates or times (ECMA-376 part 1, 18.8.30)
_BUILTIN_DATES = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59), *range(71, 82)}
# every pattern here reads hostile text in linear time: a tag is taken whole, up to its
# ">" or the end (possessive, no backtracking), and its attributes are looked for in it
_XF = re.compile(rb"<xf\b[^>]*+>?")
_NUMFMT_TAG = re.compile(rb"<numFmt\b[^>]*+>?")
_NUMFMT_ID = re.compile(rb'numFmtId="(\d+)"')
_FORMAT_CODE = re.compile(rb'formatCode="([^"]*+)"')
_QUOTED = re.compile(
    rb'"[^"]*+(?:"|\Z)|&quot;.*?(?:&quot;|\Z)|\[(?![hms]++\])[^\]]*+(?:\]|\Z)|\\.|_.|\*.'
)


def date_styles(styles_xml: bytes) -> bytes:
    """One byte per cell style (cellXfs): 1 where a number shows as a date or time.

    Deliberately broad (a custom format with any of d, m, y, h, s outside quotes counts),
    since a false 1 only sends the sheet to python-calamine.
    """
    custom: dict[int, bytes] = {}
    for tag in _NUMFMT_TAG.findall(styles_xml):
        number, given = _NUMFMT_ID.search(tag), _FORMAT_CODE.search(tag)
        if number and given:
            custom[int(number.group(1))] = given.group(1)
    start = styles_xml.find(b"<cellXfs")
    stop = styles_xml.find(b"</cellXfs>", start)
    if start < 0:
        return b""
    flags = bytearray()
    for xf in _XF.findall(styles_xml[start : stop if stop > 0 else None]):
        if not xf.endswith(b">"):  # a tag cut off: not a style
            continue
        found = _NUMFMT_ID.search(xf)
        fmt = int(found.group(1)) if found else 0
        if fmt in custom:
            code = _QUOTED.sub(b"", custom[fmt]).lower()
            flags.append(1 if re.search(rb"[dmyhs]", code) else 0)
        else:
            flags.append(1 if fmt in _BUILTIN_DATES else 0)
    return bytes(flags)
