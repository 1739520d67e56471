"""Reading and writing an open workbook through xlwings' Book API (never openpyxl).

The same code serves Excel on Windows (COM) and xlwings' remote engine (JSON actions),
so what it writes is plain: 2-D lists of numbers, text, booleans, dates, and formula
text (only a :class:`~kpixl.io.cell_text.Formula`: other text is kept as text).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from kpixl.io.cell_text import MAX_CELL_TEXT, TRUNCATED, Formula

__all__ = ["excel_text", "excel_value", "read_grid", "set_status", "write_rows"]

_PARSED = ("=", "+", "-", "@", "\t", "\r", "'")  # and a leading ' Excel would eat


def excel_value(value: Any) -> Any:
    """A value Excel and the remote engine both take (Decimal → int or float)."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Formula):
        return str(value)
    if isinstance(value, str):
        return excel_text(value)
    if isinstance(value, bool | int | float | datetime | date):
        return value
    return excel_text(str(value))


def excel_text(text: str) -> str:
    """Text Excel keeps as text: what Excel would parse (``=``, ``+``, ``-``, ``@``, tab,
    CR, or a ``'`` first) gets the ``'`` prefix Excel hides; at most 32,767 characters."""
    if len(text) > MAX_CELL_TEXT:
        text = text[: MAX_CELL_TEXT - len(TRUNCATED)] + TRUNCATED
    return "'" + text if text[:1] in _PARSED else text


def read_grid(sheet: Any) -> list[list[Any]]:
    """The sheet's values from A1 to its last used cell; blanks as "" (as calamine reads)."""
    used = sheet.used_range
    last = used.last_cell
    if last.row < 1 or last.column < 1:
        return []
    values = sheet.range((1, 1), (last.row, last.column)).options(ndim=2).value
    return [["" if v is None else v for v in row] for row in values or []]


def write_rows(sheet: Any, rows: Sequence[Sequence[Any]], first_row: int) -> None:
    """Replace everything from ``first_row`` down with ``rows`` (one block write)."""
    used = sheet.used_range.last_cell
    width = max([len(r) for r in rows] + [1])
    if used.row >= first_row:
        sheet.range((first_row, 1), (used.row, max(width, used.column))).clear_contents()
    if not rows:
        return
    block = [[excel_value(v) for v in row] + [None] * (width - len(row)) for row in rows]
    sheet.range((first_row, 1)).value = block


def set_working(sheet: Any, cell: str, th: str, en: str) -> None:
    """The status line a button shows at once, before any heavy import or work starts,
    so the person who pressed it sees that it runs."""
    sheet.range(cell).value = f"⏳ กำลังทำงาน: {th} … / working: {en} …"


def set_status(sheet: Any, cell: str, ok: bool, th: str, en: str) -> None:
    """The one-line message a macro leaves for the person who pressed its button."""
    mark = "✓" if ok else "✗"
    sheet.range(cell).value = f"{mark} {th} / {en}"
