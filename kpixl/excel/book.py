"""Reading and writing an open workbook through xlwings' Book API (never openpyxl).

The same code serves Excel on Windows (COM) and xlwings' remote engine (JSON actions),
so what it writes is plain: 2-D lists of numbers, text, booleans, dates, and formula
text (only a :class:`~kpixl.io.cell_text.Formula`: other text is kept as text). The
document sheets also get their look (:func:`write_document`) from steps both engines
have: formats copied from the sheet's own hidden style rows, merges, row heights, the
print area and print titles, planned per run of rows (:func:`document_plan`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kpixl.io.cell_text import MAX_CELL_TEXT, TRUNCATED, Formula
from kpixl.workbooks import master_layout as M

if TYPE_CHECKING:
    from kpixl.workbooks.master import Document

__all__ = [
    "DocumentPlan",
    "Text",
    "copy_formats",
    "document_plan",
    "excel_text",
    "excel_value",
    "read_grid",
    "set_print_titles",
    "set_status",
    "write_document",
    "write_rows",
]

_PARSED = ("=", "+", "-", "@", "\t", "\r", "'")  # and a leading ' Excel would eat


class Text(str):
    """Text that must stay text where Excel would read it as a number or a date (a
    13-digit id, ``31/10/2569``): written with Excel's text prefix, always."""


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
    if isinstance(value, Text):
        return "'" + excel_text(str(value)).removeprefix("'")
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


# ------------------------------------------------------------------------ documents


@dataclass(frozen=True)
class DocumentPlan:
    """What the Book API does to give a document sheet the look ``kpixl consolidate``
    writes into the file (:func:`document_plan`). Rows and columns are 1-based sheet
    numbers; every list is in sheet order.

    ``styles``: (style row, first row, last row): the rows take the formats of that
    hidden style row, applied in order (the first covers the commonest kind's rows and
    any between them, the others each run of rows of another kind). ``merges``: (first row,
    last row, first column, last column): each row of the block merged across those
    columns. ``heights``: (first row, last row, height), applied in order (the first
    covers every row of the document with the commonest height, the others the rows
    that differ); a height of None is Excel's own (autofit), as a row the CLI writes
    without a height. ``area``: the rows and columns written, the print area.
    ``title_row``: the table's header row, repeated on every printed page (None: none).
    ``breaks``: the rows a new page starts at.
    """

    first_row: int
    last_row: int
    width: int
    styles: list[tuple[int, int, int]]
    merges: list[tuple[int, int, int, int]]
    heights: list[tuple[int, int, float | None]]
    title_row: int | None = None
    breaks: tuple[int, ...] = ()

    @property
    def area(self) -> str:
        """The print area: the written rows, as one block per page break's part (Excel
        starts each block of a print area on a new page: the page breaks the Book API
        cannot set)."""
        starts = [self.first_row, *(b for b in self.breaks if self.first_row < b <= self.last_row)]
        ends = [b - 1 for b in starts[1:]] + [self.last_row]
        last = column_letter(self.width)
        return ",".join(f"$A${a}:${last}${b}" for a, b in zip(starts, ends, strict=True))


def column_letter(column: int) -> str:
    """``1`` → ``A``, ``27`` → ``AA``."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _runs(values: Sequence[Any]) -> list[tuple[int, int, Any]]:
    """(first index, last index, value) of each run of equal consecutive values."""
    runs: list[tuple[int, int, Any]] = []
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            runs.append((start, i - 1, values[start]))
            start = i
    return runs


def document_plan(doc: Document, first_row: int, width: int) -> DocumentPlan:
    """The formats, merges and heights of ``doc`` written from ``first_row`` in a sheet
    whose hidden style rows are 1…len(``M.DOC_KINDS``), ``width`` columns wide. The
    number of steps follows the runs (of kinds and heights differing from the commonest,
    of merged rows), never the number of rows: a 50,000-row list is one copy of formats
    (and one more per unit's group row within it) and, where its rows are as tall as
    each other, one height."""
    style_row = {kind: r for r, kind in enumerate(M.DOC_KINDS, start=1)}
    styles: list[tuple[int, int, int]] = []
    if doc.kinds:  # the commonest kind over all its rows, then the other kinds' runs
        body = Counter(doc.kinds).most_common(1)[0][0]
        rows = [i for i, kind in enumerate(doc.kinds) if kind == body]
        if body in style_row:
            styles.append((style_row[body], first_row + rows[0], first_row + rows[-1]))
        styles += [
            (style_row[kind], first_row + a, first_row + b)
            for a, b, kind in _runs(doc.kinds)
            if kind in style_row and kind != body
        ]
    spans: list[tuple[int, int] | None] = [None] * len(doc)
    for i, a, b in doc.merges:
        spans[i] = (a, b)
    merges = [
        (first_row + a, first_row + b, span[0] + 1, span[1] + 1)
        for a, b, span in _runs(spans)
        if span is not None
    ]
    heights: list[tuple[int, int, float | None]] = []
    if len(doc):
        common = Counter(doc.heights).most_common(1)[0][0]
        heights.append((first_row, first_row + len(doc) - 1, common))
        heights += [
            (first_row + a, first_row + b, h) for a, b, h in _runs(doc.heights) if h != common
        ]
    return DocumentPlan(
        first_row=first_row,
        last_row=first_row + max(len(doc), 1) - 1,
        width=width,
        styles=styles,
        merges=merges,
        heights=heights,
        title_row=None if doc.title_row is None else first_row + doc.title_row,
        breaks=tuple(sorted(first_row + i for i in set(doc.breaks))),
    )


def write_document(sheet: Any, doc: Document, first_row: int, width: int) -> DocumentPlan:
    """Write a document sheet as ``kpixl consolidate`` writes it into the file, as far
    as the Book API goes: the values, each row in the formats of its kind's hidden style
    row, the merged paragraphs, the row heights, the print area (the written rows) and
    the table's header row as the rows repeated on every page (where the sheet has
    print titles, as the template's document sheets do). What was written before (a
    longer document, earlier merges) is undone first, so a second press gives the same
    sheet. The Book API sets no page breaks: the print area is one block per part
    between the document's breaks instead, and Excel prints each block from a new page
    (the attached list after the signature); within a part Excel breaks the pages
    itself."""
    plan = document_plan(doc, first_row, width)
    used = sheet.used_range.last_cell
    old_last, old_width = max(used.row, first_row), max(used.column, width)
    sheet.range((first_row, 1), (max(old_last, plan.last_row), old_width)).unmerge()
    write_rows(sheet, doc, first_row)
    if old_last > plan.last_row:  # a longer document before: its rows back to plain
        tail = sheet.range((plan.last_row + 1, 1), (old_last, old_width))
        tail.clear_formats()
        tail.rows.autofit()
    for source, first, last in plan.styles:
        copy_formats(
            sheet.range((source, 1), (source, width)), sheet.range((first, 1), (last, width))
        )
    for first, last, a, b in plan.merges:
        sheet.range((first, a), (last, b)).merge(across=True)
    for first, last, height in plan.heights:
        rows = sheet.range((first, 1), (last, width))
        if height is None:
            rows.rows.autofit()
        else:
            rows.row_height = height
    sheet.page_setup.print_area = plan.area
    if plan.title_row is not None:
        set_print_titles(sheet, plan.title_row)
    return plan


def set_print_titles(sheet: Any, row: int) -> bool:
    """Make ``row`` the row repeated at the top of every printed page, by pointing the
    sheet's ``Print_Titles`` name (Excel's print titles) at it; False, and nothing done,
    where the sheet has no print titles (the Book API cannot add them)."""
    for name in sheet.names:
        if name.name.rpartition("!")[2] == "Print_Titles":
            quoted = sheet.name.replace("'", "''")
            name.refers_to = f"='{quoted}'!${row}:${row}"
            return True
    return False


def copy_formats(source: Any, target: Any) -> None:
    """``source``'s formats onto ``target`` (a row's formats repeat down every row):
    ``copy_from`` where the engine has it (the remote one), else through the clipboard
    as Excel's Paste Special › Formats (Windows, whose COM engine has no ``copy_from``)."""
    try:
        target.copy_from(source, copy_type="formats")
    except NotImplementedError:
        source.copy()
        target.paste(paste="formats")
        target.sheet.book.app.cut_copy_mode = False
