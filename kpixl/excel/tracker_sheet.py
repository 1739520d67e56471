"""The Tracker sheet of the open master, written through xlwings' Book API.

``kpixl status`` writes the Tracker into the master file
(:func:`kpixl.workbooks.tracker.tracker_bytes`); the Status button shows the same
:class:`~kpixl.workbooks.tracker.TrackerView` in the open workbook instead (Excel holds
the file; HR saves it). The look comes from the sheet's own styles, as the file's
writer takes them: every person's row the formats of the first data row, a date
column's cell those of the *agreement sent* column (never late), a late cell those of
the legend cell on row 2, the summary title those of A2. The steps follow runs of late
rows, never rows. A master from an older template gets the sheet added (unstyled).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kpixl.excel.book import Text, copy_formats, excel_value, write_rows
from kpixl.workbooks import master_layout as M

if TYPE_CHECKING:
    from kpixl.workbooks.tracker import TrackerView

__all__ = ["late_runs", "tracker_sheet", "write_tracker"]

LEGEND_TEXT = f"{M.TRACKER_LATE} = เลยวันครบกำหนดแล้วยังไม่ได้รับ"


def tracker_sheet(book: Any) -> Any:
    """The book's Tracker sheet, added (after Charts, else last) where it has none."""
    names = [s.name for s in book.sheets]
    if M.TRACKER in names:
        return book.sheets[M.TRACKER]
    after = M.CHARTS if M.CHARTS in names else names[-1]
    sheet = book.sheets.add(name=M.TRACKER, after=book.sheets[after])
    sheet.range("A1").value = M.TRACKER_TITLE
    return sheet


def _kept_text(value: object) -> object:
    """A date (``31/10/2569``) or an id as text, never the number or date Excel would
    make of it (the file's Tracker holds them as text too)."""
    return Text(value) if isinstance(value, str) and value[:1].isdigit() else value


def late_runs(late: Sequence[frozenset[int]], column: int) -> list[tuple[int, int]]:
    """(first, last) 0-based row indexes of each run of rows whose ``column`` is late."""
    runs: list[tuple[int, int]] = []
    for i, cells in enumerate(late):
        if column not in cells:
            continue
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def write_tracker(sheet: Any, view: TrackerView) -> None:
    """Show ``view`` on the Tracker ``sheet``: row 2 (as of, due dates, legend), the
    header row, a row per person from ``M.FIRST_ROW`` in the sheet's styles, late cells
    in the legend's style, the units' lines below. What a longer earlier run left
    below is cleared, values and formats."""
    width = len(M.TRACKER_COLUMNS)
    first = M.FIRST_ROW
    legend = sheet.range(M.TRACKER_LEGEND_CELL).column  # 1-based
    old_last = max(sheet.used_range.last_cell.row, first)
    top: list[object] = [None] * width
    top[0] = view.as_of
    for name, text in view.dues.items():
        top[M.TRACKER_COLUMNS.index(name)] = text
    top[legend - 1] = LEGEND_TEXT
    sheet.range((2, 1)).value = [[excel_value(v) for v in top]]
    sheet.range((M.HEADER_ROW, 1)).value = [list(M.TRACKER_HEADERS)]
    rows: list[list[object]] = [[_kept_text(v) for v in r] for r in view.rows]
    n = len(rows)
    below: list[list[object]] = []
    if view.summaries:
        below = [[], [M.TRACKER_SUMMARY_TITLE]]
        below += [[line] for line in view.summaries]
    write_rows(sheet, rows + below, first)
    last = first + max(n, 1) - 1  # the table's last row (the styled row stays when empty)
    if old_last > last:  # an earlier, longer table or the summaries: back to plain
        sheet.range((last + 1, 1), (old_last, width)).clear_formats()
    plain = M.TRACKER_COLUMNS.index("agreement_sent") + 1
    dues = [M.TRACKER_COLUMNS.index(c) + 1 for c in M.TRACKER_DUE_COLUMNS.values()]
    for column in dues:  # the first row's due cells as a date that is not late
        copy_formats(sheet.range((first, plain)), sheet.range((first, column)))
    if n > 1:
        copy_formats(
            sheet.range((first, 1), (first, width)), sheet.range((first + 1, 1), (last, width))
        )
    for column in dues:
        for a, b in late_runs(view.late, column - 1):
            copy_formats(
                sheet.range((2, legend)), sheet.range((first + a, column), (first + b, column))
            )
    if view.summaries:
        copy_formats(sheet.range((2, 1)), sheet.range((last + 2, 1)))
