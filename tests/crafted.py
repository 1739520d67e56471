"""Crafted workbooks for the reader tests: an openpyxl workbook whose first sheet's cells
(and shared strings, styles) are replaced by the XML a test gives."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def crafted_workbook(
    tmp_path: Path, sheet_data: str, *, shared: str = "", styles: str = ""
) -> Path:
    """An openpyxl workbook whose first sheet's cells (and strings, styles) are replaced."""
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    source = zipfile.ZipFile(buffer)
    path = tmp_path / "crafted.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = f"<worksheet {NS}><sheetData>{sheet_data}</sheetData></worksheet>".encode()
            if item.filename == "xl/styles.xml" and styles:
                data = styles.encode()
            if item.filename == "[Content_Types].xml" and shared:
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            if item.filename == "xl/_rels/workbook.xml.rels" and shared:
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/sharedStrings" '
                    b'Target="sharedStrings.xml"/></Relationships>',
                )
            out.writestr(item.filename, data)
        if shared:
            out.writestr("xl/sharedStrings.xml", f"<sst {NS}>{shared}</sst>")
    return path
