"""Mutating .xlsx packages the way damaged, edited and hostile files arrive.

Everything works on the zip's members as bytes (fast, and able to write what no
spreadsheet program would): cells patched in a sheet's XML, members dropped, replaced
or corrupted, and the package zipped again.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

from kpixl.io.xlsx_package import CellValue, Package, sheet_parts

__all__ = [
    "XmlEdit",
    "cell_xml",
    "edit_sheet_xml",
    "flip_byte_in_member",
    "members",
    "patch_cells",
    "put_cell",
    "rezip",
    "sheet_part",
]

XmlEdit = Callable[[str], str]


def members(path: Path) -> dict[str, bytes]:
    """The package's members, in order."""
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def rezip(path: Path, parts: Mapping[str, bytes | None], *, target: Path | None = None) -> Path:
    """Write ``parts`` (a member → bytes; None drops it) as a deflated zip at ``target``."""
    target = target or path
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            if data is not None:
                info = zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                out.writestr(info, data)
    target.write_bytes(buffer.getvalue())
    return target


def sheet_part(path: Path, sheet: str) -> str:
    """The member holding ``sheet`` (``xl/worksheets/sheet2.xml``)."""
    return sheet_parts(members(path))[sheet]


def patch_cells(path: Path, sheet: str, cells: Mapping[str, CellValue]) -> Path:
    """Set cells that exist in the sheet's XML (kpixl's own patcher: inline strings, numbers)."""
    path.write_bytes(Package.read(path).patched({sheet: cells}))
    return path


def edit_sheet_xml(path: Path, sheet: str, edit: XmlEdit) -> Path:
    """Rewrite one sheet's XML text with ``edit``."""
    parts: dict[str, bytes | None] = dict(members(path))
    part = sheet_parts(members(path))[sheet]
    data = parts[part]
    assert data is not None
    parts[part] = edit(data.decode("utf-8")).encode("utf-8")
    return rezip(path, parts)


def cell_xml(ref: str, inner: str, attrs: str = "") -> str:
    return f'<c r="{ref}"{attrs}>{inner}</c>'


_CELL = r'<c r="{ref}"(?:\s[^>]*?)?(?:/>|>.*?</c>)'


def put_cell(path: Path, sheet: str, ref: str, xml: str) -> Path:
    """Replace cell ``ref`` of ``sheet`` by the raw ``xml`` (it must exist in the sheet)."""

    def edit(text: str) -> str:
        found = re.search(_CELL.format(ref=ref), text, flags=re.S)
        assert found is not None, f"{ref} is not in {sheet}"
        style = re.search(r'\bs="(\d+)"', found.group(0)[: found.group(0).find(">") + 1])
        out = (
            xml
            if style is None or ' s="' in xml
            else xml.replace(">", f' s="{style.group(1)}">', 1)
        )
        return text[: found.start()] + out + text[found.end() :]

    return edit_sheet_xml(path, sheet, edit)


def flip_byte_in_member(path: Path, member: str) -> Path:
    """Corrupt one byte of a member's compressed data (its CRC no longer matches)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    header = info.header_offset
    name_len, extra_len = (
        int.from_bytes(data[header + 26 : header + 28], "little"),
        int.from_bytes(data[header + 28 : header + 30], "little"),
    )
    start = header + 30 + name_len + extra_len
    middle = start + info.compress_size // 2
    data[middle] ^= 0xFF
    path.write_bytes(bytes(data))
    return path
