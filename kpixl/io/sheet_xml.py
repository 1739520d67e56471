"""Writing worksheet rows as XML, straight into a package (the fast path for big sheets).

Values are inline strings, numbers, booleans or formulas (``"=…"``, written without a
cached value; the workbook recalculates on open). Money stays exact: a Decimal is
written as its own digits.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

__all__ = ["replace_rows"]

_SHEET_DATA = re.compile(r"<sheetData\s*/>|<sheetData>(.*?)</sheetData>", re.S)
_ROW = re.compile(r'<row\b[^>]*\br="(\d+)"[^>]*?(?:/>|>.*?</row>)', re.S)
_DIMENSION = re.compile(r'<dimension ref="[^"]*"\s*/>')
_AUTOFILTER = re.compile(r'<autoFilter ref="([A-Z]+\d+):[A-Z]+\d+"')

_LETTERS = [str(get_column_letter(i + 1)) for i in range(200)]


def _text_cell(ref: str, s: str, text: str) -> str:
    if text.startswith("="):
        return f'<c r="{ref}"{s}><f>{escape(text[1:])}</f></c>'
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def _cell(ref: str, value: object, style: str) -> str:
    s = f' s="{style}"' if style else ""
    kind = type(value)
    if kind is str:
        return _text_cell(ref, s, value) if value else ""  # type: ignore[arg-type]
    if kind is Decimal:
        return f'<c r="{ref}"{s}><v>{value:f}</v></c>'
    if value is None:
        return ""
    if kind is bool:
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'  # type: ignore[call-overload]
    if kind in (int, float):
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    if isinstance(value, numbers.Real):  # numpy numbers
        number = int(value) if isinstance(value, numbers.Integral) else float(value)
        return f'<c r="{ref}"{s}><v>{number}</v></c>'
    return _text_cell(ref, s, str(value))


def _column(letter: str, numbers: range, values: list[object], style: str) -> list[str]:
    """The cells of one column, one string per row ("" for a blank); same types go fast."""
    kinds = set(map(type, values))
    s = f' s="{style}"' if style else ""
    if kinds <= {Decimal, type(None)}:
        return [
            "" if v is None else f'<c r="{letter}{r}"{s}><v>{v:f}</v></c>'
            for r, v in zip(numbers, values, strict=True)
        ]
    if kinds <= {int, float, type(None)}:
        return [
            "" if v is None or v != v else f'<c r="{letter}{r}"{s}><v>{v}</v></c>'
            for r, v in zip(numbers, values, strict=True)
        ]
    if kinds <= {str, type(None)} and not any(v and v[0] == "=" for v in values):  # type: ignore[index]
        return [
            f'<c r="{letter}{r}"{s} t="inlineStr"><is><t xml:space="preserve">'
            f"{v.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}</t></is></c>"  # type: ignore[attr-defined]
            if v
            else ""
            for r, v in zip(numbers, values, strict=True)
        ]
    return [_cell(f"{letter}{r}", v, style) for r, v in zip(numbers, values, strict=True)]


def replace_rows(
    sheet_xml: str,
    rows: Iterable[Sequence[object]],
    *,
    first_row: int,
    styles: Mapping[int, str] | None = None,
) -> str:
    """``sheet_xml`` with every row from ``first_row`` on replaced by ``rows``.

    Rows above ``first_row`` (titles, headers) are kept as the template has them.
    ``styles`` maps a 0-based column to a style index for every written cell.
    """
    styles = styles or {}
    match = _SHEET_DATA.search(sheet_xml)
    if match is None:
        raise ValueError("no <sheetData> in the sheet XML")
    kept = [m.group(0) for m in _ROW.finditer(match.group(1) or "") if int(m.group(1)) < first_row]
    rows = list(rows)
    width = max((len(row) for row in rows), default=0)
    numbers = range(first_row, first_row + len(rows))
    columns = [
        _column(
            _LETTERS[c],
            numbers,
            [row[c] if c < len(row) else None for row in rows],
            styles.get(c, ""),
        )
        for c in range(width)
    ]
    out = (
        kept
        + [
            f'<row r="{r}">{"".join(cells)}</row>'
            for r, cells in zip(numbers, zip(*columns, strict=True), strict=True)
        ]
        if columns
        else kept + [f'<row r="{r}"></row>' for r in numbers]
    )
    last_row, last_col = first_row - 1 + len(rows), width
    head, tail = sheet_xml[: match.start()], sheet_xml[match.end() :]
    head = _DIMENSION.sub("", head)  # the dimension and the filter sit around the data:
    if last_col:  # edit them there, not in the (large) body
        tail = _AUTOFILTER.sub(
            lambda m: f'<autoFilter ref="{m.group(1)}:{_LETTERS[last_col - 1]}{last_row}"', tail
        )
    return "".join([head, "<sheetData>", *out, "</sheetData>", tail])
