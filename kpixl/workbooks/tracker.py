"""The master's Tracker sheet: written into the package, read back.

``kpixl status`` writes the sheet the way consolidation writes the result sheets
(:func:`kpixl.workbooks.master.result_bytes`): only the Tracker's sheet part changes,
every other part of the master is carried over as the bytes it was. Rows take the
template's styles: the first data row's per column (a date column: the style of the
"agreement sent" column, which is never late), a late step the style of the legend
cell on row 2 (its fill). A master made before the Tracker existed gets the sheet added
at the end (:func:`with_tracker_sheet`), then written the same way.

Text goes in as text (inline strings; a name like ``=cmd()`` never becomes a formula).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import column_index_from_string

from kpixl.core.text import text_of
from kpixl.io.grids import Book
from kpixl.io.sheet_xml import row_styles, rows_xml, sheet_rows
from kpixl.io.xlsx_package import Package
from kpixl.io.xlsx_sheets import add_sheet
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.master import line_height, text_lines, tracker_template_bytes

__all__ = ["TrackerView", "previous_rows", "tracker_bytes", "with_tracker_sheet"]

_DATE_COLUMNS = tuple(
    i for i, c in enumerate(M.TRACKER_COLUMNS) if c not in ("name", "unit", "person_id")
)
_NEVER_LATE = M.TRACKER_COLUMNS.index("agreement_sent")


@dataclass(frozen=True)
class TrackerView:
    """What the Tracker shows: the as-of text (A2), the text above the due columns
    (field → text), one row per person (cell values in ``M.TRACKER_COLUMNS`` order) with
    the 0-based columns shown late, and the unit summaries' lines below the table."""

    as_of: str
    dues: Mapping[str, str] = field(default_factory=dict)
    rows: Sequence[Sequence[object]] = ()
    late: Sequence[frozenset[int]] = ()
    summaries: Sequence[str] = ()


def _row_attrs(xml: str, row: int) -> str:
    """The height attributes of ``row`` as the sheet has them ('' when none)."""
    match = re.search(rf'<row\b[^>]*\br="{row}"[^>]*>', xml)
    if match is None:
        return ""
    kept = re.findall(r'\s(?:ht|customHeight)="[^"]*"', match.group(0))
    return "".join(kept)


def _height(values: Sequence[object]) -> float | None:
    """A person's row height when a wrapped column's text takes more than one line."""
    lines = 1
    for name in M.TRACKER_WRAPPED:
        i = M.TRACKER_COLUMNS.index(name)
        lines = max(
            lines, text_lines(values[i] if i < len(values) else "", M.TRACKER_WIDTHS[i], 14)
        )
    return line_height(14, lines) if lines > 1 else None


def _with_height(row_xml: str, number: int, height: float | None) -> str:
    if height is None:
        return row_xml
    return row_xml.replace(
        f'<row r="{number}">', f'<row r="{number}" ht="{height:g}" customHeight="1">', 1
    )


def tracker_bytes(master: bytes, view: TrackerView) -> bytes:
    """``master`` with its Tracker sheet showing ``view`` (the sheet added first when the
    master has none); every other part as it was."""
    if M.TRACKER not in Package.read(master).sheets:
        master = with_tracker_sheet(master)
    package = Package.read(master, keep_streams=True)
    part = package.sheets[M.TRACKER]
    xml = package.parts[part].decode("utf-8")
    width = len(M.TRACKER_COLUMNS)
    base = row_styles(xml, M.FIRST_ROW)
    date_style = base.get(_NEVER_LATE, "")
    styles = {i: (date_style if i in _DATE_COLUMNS else base.get(i, "")) for i in range(width)}
    top = row_styles(xml, 2)
    legend = column_index_from_string(re.sub(r"\d", "", M.TRACKER_LEGEND_CELL)) - 1
    late_style = top.get(legend, date_style)
    row2: list[object] = [None] * width
    row2[0] = view.as_of
    for name, text in view.dues.items():
        row2[M.TRACKER_COLUMNS.index(name)] = text
    row2[legend] = M.TRACKER_LEGEND
    heights = {r: _row_attrs(xml, r) for r in (2, M.HEADER_ROW)}
    cut = sheet_rows(
        xml,
        [row2, list(M.TRACKER_HEADERS)],
        first_row=2,
        head_styles={2: top, M.HEADER_ROW: row_styles(xml, M.HEADER_ROW)},
    )
    head = cut.head
    for r, attrs in heights.items():
        head = head.replace(f'<row r="{r}">', f'<row r="{r}"{attrs}>', 1)
    body = []
    number = M.FIRST_ROW
    for values, late in zip(view.rows, view.late, strict=True):
        own = {i: (late_style if i in late else s) for i, s in styles.items()}
        body.append(_with_height(rows_xml([values], number, width, own), number, _height(values)))
        number += 1
    if not view.rows:  # no roster: the styled row stays for the next run
        body.append(rows_xml([[None] * width], number, width, styles))
        number += 1
    if view.summaries:
        number += 1  # a blank row between the table and the summaries
        body.append(rows_xml([[M.TRACKER_SUMMARY_TITLE]], number, 1, {0: top.get(0, "")}))
        for line in view.summaries:
            number += 1
            body.append(rows_xml([[line]], number, 1, {}))
    xml = head + "".join(body) + cut.tail
    return package.to_bytes({part: xml.encode("utf-8")})


def with_tracker_sheet(master: bytes) -> bytes:
    """A master from a template without the Tracker, with the template's Tracker sheet
    added as its last sheet (its styles merged in, its header row repeated on every
    printed page)."""
    return add_sheet(master, tracker_template_bytes(), name=M.TRACKER, title_row=M.HEADER_ROW)


def previous_rows(book: Book) -> dict[str, dict[str, Any]]:
    """The Tracker's person rows as the last run wrote them: person id → field → value
    (empty when the master has no Tracker)."""
    if M.TRACKER not in book.sheet_names:
        return {}
    grid = book.grid(M.TRACKER)
    pid = M.TRACKER_COLUMNS.index("person_id")
    out: dict[str, dict[str, Any]] = {}
    for row in grid[M.FIRST_ROW - 1 :]:
        key = text_of(row[pid]) if len(row) > pid else ""
        if not key:
            break  # the table ends at its first row without an id (then the summaries)
        out[key] = {
            name: (row[i] if i < len(row) else "") for i, name in enumerate(M.TRACKER_COLUMNS)
        }
    return out
