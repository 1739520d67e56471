"""Reading and patching the XML parts of an .xlsx package directly.

Generating thousands of workbooks by loading and saving each with openpyxl is slow;
instead the built template's parts are read once and, per person, only the cells that
change are rewritten in the sheet XML (as inline strings or numbers, keeping each
cell's style). Every other part is copied as it is.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

__all__ = ["CellValue", "Package", "sheet_parts"]

CellValue = str | int | Decimal | float | bool | None

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_SHEET = re.compile(r'<sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"[^>]*/>')
_REL = re.compile(r'<Relationship\b[^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"[^>]*/>')
_REL_ALT = re.compile(r'<Relationship\b[^>]*?Target="([^"]*)"[^>]*?Id="([^"]*)"[^>]*/>')


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
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, Decimal, float)):
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    text = escape(str(value))
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _patch_sheet(xml: str, cells: Mapping[str, CellValue]) -> str:
    for ref, value in cells.items():
        pattern = re.compile(rf'<c r="{ref}"((?:\s+[a-zA-Z:]+="[^"]*")*)\s*(?:/>|>.*?</c>)', re.S)
        match = pattern.search(xml)
        if match is None:
            raise KeyError(f"cell {ref} is not in the template (give it a style so it is kept)")
        style = re.search(r'\ss="(\d+)"', match.group(1) or "")
        xml = (
            xml[: match.start()]
            + _cell_xml(ref, style.group(1) if style else "", value)
            + xml[match.end() :]
        )
    return xml


@dataclass
class Package:
    """An .xlsx package held in memory as its parts."""

    parts: dict[str, bytes]
    order: list[str]

    @classmethod
    def read(cls, source: str | Path | bytes) -> Package:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            order = zf.namelist()
            parts = {name: zf.read(name) for name in order}
        return cls(parts, order)

    @property
    def sheets(self) -> dict[str, str]:
        return sheet_parts(self.parts)

    def patched(self, edits: Mapping[str, Mapping[str, CellValue]]) -> bytes:
        """The package as bytes with ``edits`` (sheet name → cell → value) applied."""
        sheets = self.sheets
        changed: dict[str, bytes] = {}
        for sheet, cells in edits.items():
            part = sheets[sheet]
            xml = self.parts[part].decode("utf-8")
            changed[part] = _patch_sheet(xml, cells).encode("utf-8")
        return self.to_bytes(changed)

    def to_bytes(self, changed: Mapping[str, bytes] | None = None) -> bytes:
        """The package zipped reproducibly (fixed entry dates), with ``changed`` parts."""
        changed = changed or {}
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for name in self.order:
                info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, changed.get(name, self.parts[name]), compresslevel=1)
        return buffer.getvalue()
