"""Writing worksheet rows as XML, straight into a package (the fast path for big sheets).

Values are inline strings, numbers, booleans or formulas (a
:class:`~kpixl.io.cell_text.Formula`, with the value kpixl computed for it when it
carries one, else without; the workbook recalculates on open). Any other text is text, whatever it starts with, encoded by
:func:`~kpixl.io.cell_text.xml_text`. Money stays exact: a Decimal is written as its
own digits.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import overload
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

from kpixl.io.cell_text import MAX_CELL_TEXT, Formula, needs_encoding, value_xml, xml_text

__all__ = [
    "ColumnRows",
    "Formula",
    "SheetRows",
    "replace_rows",
    "row_styles",
    "rows_xml",
    "sheet_rows",
]

_SHEET_DATA = re.compile(r"<sheetData\s*/>|<sheetData>(.*?)</sheetData>", re.S)
_ROW = re.compile(r'<row\b[^>]*\br="(\d+)"[^>]*?(?:/>|>.*?</row>)', re.S)
_DIMENSION = re.compile(r'<dimension ref="[^"]*"\s*/>')
_AUTOFILTER = re.compile(r'<autoFilter ref="([A-Z]+\d+):[A-Z]+\d+"')

_LETTERS = [str(get_column_letter(i + 1)) for i in range(200)]


def _text_cell(ref: str, s: str, text: str) -> str:
    return (
        f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{xml_text(text)}</t></is></c>'
    )


def _formula_cell(ref: str, s: str, formula: Formula) -> str:
    """A formula's cell, with the value kpixl computed for it when it carries one."""
    cached = value_xml(formula.cached)
    if cached is None:
        return f'<c r="{ref}"{s}><f>{escape(formula[1:])}</f></c>'
    kind, v = cached
    return f'<c r="{ref}"{s}{kind}><f>{escape(formula[1:])}</f><v>{v}</v></c>'


def _cell(ref: str, value: object, style: str) -> str:
    s = f' s="{style}"' if style else ""
    blank = f'<c r="{ref}"{s}/>' if style else ""  # a styled blank keeps the row's look
    kind = type(value)
    if kind is str:
        return _text_cell(ref, s, value) if value else blank  # type: ignore[arg-type]
    if kind is Formula:
        return _formula_cell(ref, s, value)  # type: ignore[arg-type]
    if kind is Decimal:
        return f'<c r="{ref}"{s}><v>{value:f}</v></c>'
    if value is None:
        return blank
    if kind is bool:
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'  # type: ignore[call-overload]
    if kind is int or (kind is float and value == value):  # NaN: a blank, as in _column
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    if kind is float:
        return blank
    if isinstance(value, numbers.Real):  # numpy numbers
        number = int(value) if isinstance(value, numbers.Integral) else float(value)
        if number != number:
            return blank
        return f'<c r="{ref}"{s}><v>{number}</v></c>'
    return _text_cell(ref, s, str(value))


def _column(letter: str, numbers: range, values: list[object], style: str) -> list[str]:
    """The cells of one column, one string per row (a blank is "" or a styled empty cell);
    columns of one type go fast."""
    kinds = set(map(type, values))
    s = f' s="{style}"' if style else ""
    blanks = [f'<c r="{letter}{r}"{s}/>' for r in numbers] if style else [""] * len(values)
    if kinds <= {Decimal, type(None)}:
        return [
            blank if v is None else f'<c r="{letter}{r}"{s}><v>{v:f}</v></c>'
            for r, v, blank in zip(numbers, values, blanks, strict=True)
        ]
    if kinds <= {int, float, type(None)}:
        return [
            blank if v is None or v != v else f'<c r="{letter}{r}"{s}><v>{v}</v></c>'
            for r, v, blank in zip(numbers, values, blanks, strict=True)
        ]
    if kinds <= {str, type(None)} and _plain_text(values):  # type: ignore[arg-type]
        return [
            f'<c r="{letter}{r}"{s} t="inlineStr"><is><t xml:space="preserve">'
            f"{v.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}</t></is></c>"  # type: ignore[attr-defined]
            if v
            else blank
            for r, v, blank in zip(numbers, values, blanks, strict=True)
        ]
    return [_cell(f"{letter}{r}", v, style) for r, v in zip(numbers, values, strict=True)]


def _plain_text(values: list[str | None]) -> bool:
    """Whether a column of text needs no encoding (one search over the whole column):
    no character XML cannot carry, no literal ``_xHHHH_``, no text over the cell limit."""
    joined = " ".join(filter(None, values))  # a space needs nothing: no match spans two
    if needs_encoding(joined):
        return False
    return len(joined) <= MAX_CELL_TEXT or max(map(len, filter(None, values))) <= MAX_CELL_TEXT


def row_styles(sheet_xml: str, row: int) -> dict[int, str]:
    """0-based column → style index of the cells of ``row`` (the template's formats)."""
    match = re.search(rf'<row\b[^>]*\br="{row}"[^>]*?(?:/>|>(.*?)</row>)', sheet_xml, re.S)
    if match is None or not match.group(1):
        return {}
    letters = {letter: i for i, letter in enumerate(_LETTERS)}
    return {
        letters[m.group(1)]: m.group(2)
        for m in re.finditer(rf'<c r="([A-Z]+){row}"[^>]*?\bs="(\d+)"', match.group(1))
        if m.group(1) in letters
    }


class ColumnRows(Sequence[tuple[object, ...]]):
    """Rows held as columns (equal-length lists): what a table's result sheet is built
    from. Reads as a sequence of row tuples; slicing and the XML writer use the columns
    as they are, without making a tuple per row."""

    def __init__(self, columns: Sequence[list[object]]) -> None:
        self.columns = list(columns)
        self._len = len(self.columns[0]) if self.columns else 0

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, index: int) -> tuple[object, ...]: ...
    @overload
    def __getitem__(self, index: slice) -> ColumnRows: ...
    def __getitem__(self, index: int | slice) -> tuple[object, ...] | ColumnRows:
        if isinstance(index, slice):
            return ColumnRows([column[index] for column in self.columns])
        return tuple(column[index] for column in self.columns)

    def __iter__(self) -> Iterator[tuple[object, ...]]:
        return zip(*self.columns, strict=True)


@dataclass
class SheetRows:
    """A sheet's XML cut around its data rows: ``head`` (the XML before them, the kept
    rows above ``first_row`` and header rows), the rows to write as cells
    (:func:`rows_xml` of any slice of ``body``, from row ``first_number``), and ``tail``.
    ``head + rows_xml(body) + tail`` is the sheet; the slices can be built anywhere."""

    head: str
    body: Sequence[Sequence[object]]
    first_number: int
    width: int
    styles: Mapping[int, str]
    tail: str


def rows_xml(
    body: Sequence[Sequence[object]], first_number: int, width: int, styles: Mapping[int, str]
) -> str:
    """The ``<row>`` elements of ``body`` (column by column), numbered from ``first_number``."""
    numbers = range(first_number, first_number + len(body))
    if isinstance(body, ColumnRows):
        values = body.columns + [[None] * len(body)] * (width - len(body.columns))
    else:
        values = [[row[c] if c < len(row) else None for row in body] for c in range(width)]
    columns = [_column(_LETTERS[c], numbers, values[c], styles.get(c, "")) for c in range(width)]
    if columns:
        return "".join(
            f'<row r="{r}">{"".join(cells)}</row>'
            for r, cells in zip(numbers, zip(*columns, strict=True), strict=True)
        )
    return "".join(f'<row r="{r}"></row>' for r in numbers)


def replace_rows(
    sheet_xml: str,
    rows: Iterable[Sequence[object]],
    *,
    first_row: int,
    styles: Mapping[int, str] | None = None,
    head_styles: Mapping[int, Mapping[int, str]] | None = None,
    style_row: int | None = None,
) -> str:
    """``sheet_xml`` with every row from ``first_row`` on replaced by ``rows``.

    Rows above ``first_row`` (titles, headers) are kept as the template has them.
    ``styles`` maps a 0-based column to a style index for every written cell;
    ``head_styles`` gives the first written rows (by row number) styles of their own,
    e.g. a header row written with the data. When no data row is written, row
    ``style_row`` is kept as empty styled cells, so the next run finds the formats.
    """
    cut = sheet_rows(
        sheet_xml,
        rows,
        first_row=first_row,
        styles=styles,
        head_styles=head_styles,
        style_row=style_row,
    )
    return cut.head + rows_xml(cut.body, cut.first_number, cut.width, cut.styles) + cut.tail


def sheet_rows(
    sheet_xml: str,
    rows: Iterable[Sequence[object]],
    *,
    first_row: int,
    styles: Mapping[int, str] | None = None,
    head_styles: Mapping[int, Mapping[int, str]] | None = None,
    style_row: int | None = None,
) -> SheetRows:
    """:func:`replace_rows`, cut into head, rows to build and tail (see :class:`SheetRows`)."""
    styles = styles or {}
    head_styles = head_styles or {}
    match = _SHEET_DATA.search(sheet_xml)
    if match is None:
        raise ValueError("no <sheetData> in the sheet XML")
    kept = [m.group(0) for m in _ROW.finditer(match.group(1) or "") if int(m.group(1)) < first_row]
    rows = rows if isinstance(rows, ColumnRows) else list(rows)
    out = kept
    skip = 0
    while skip < len(rows) and first_row + skip in head_styles:
        r = first_row + skip
        own = head_styles[r]
        cells = "".join(
            _cell(f"{_LETTERS[c]}{r}", v, own.get(c, "")) for c, v in enumerate(rows[skip])
        )
        out.append(f'<row r="{r}">{cells}</row>')
        skip += 1
    body = rows[skip:]
    if isinstance(body, ColumnRows):
        width = len(body.columns) if len(body) else 0
    else:
        width = max((len(row) for row in body), default=0)
    after = []
    if not body and style_row is not None and styles and style_row >= first_row + skip:
        cells = "".join(
            f'<c r="{_LETTERS[c]}{style_row}" s="{s}"/>' for c, s in sorted(styles.items())
        )
        after.append(f'<row r="{style_row}">{cells}</row>')
    last_row = first_row - 1 + len(rows)
    last_col = max([width, *(len(row) for row in rows[:skip])])
    head, tail = sheet_xml[: match.start()], sheet_xml[match.end() :]
    head = _DIMENSION.sub("", head)  # the dimension and the filter sit around the data:
    if last_col:  # edit them there, not in the (large) body
        tail = _AUTOFILTER.sub(
            lambda m: (
                f'<autoFilter ref="{m.group(1)}:{_LETTERS[last_col - 1]}{max(last_row, first_row)}"'
            ),
            tail,
        )
    return SheetRows(
        "".join([head, "<sheetData>", *out]),
        body,
        first_row + skip,
        width,
        styles,
        "".join([*after, "</sheetData>", tail]),
    )
