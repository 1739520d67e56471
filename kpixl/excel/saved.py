"""Is the open master the file on disk? The mail and status buttons run jobs that read
the master file (as ``kpixl mail send`` and ``kpixl status`` do), so what HR typed and
did not save yet (a new e-mail address, ``mail_send_what``) would silently not count.
The buttons compare what those jobs read, Config, Units and Roster, in the open
workbook and in the file, and ask for Ctrl+S first when they differ.

Values are compared as the readers compare ids and names
(:func:`kpixl.core.text.text_of`: ``5.0`` is ``5``), a date at midnight as the date:
Excel (COM) gives numbers as floats and dates as datetimes where the file reader
gives ints and dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from typing import TYPE_CHECKING, Any

from kpixl.core.text import text_of
from kpixl.workbooks import master_layout as M

if TYPE_CHECKING:
    import pandas as pd

    from kpixl.workbooks.master import MasterInputs

__all__ = ["unsaved_changes"]


def _cell(value: Any) -> str:
    if isinstance(value, datetime) and value.time() == time():
        value = value.date()
    return text_of(value)


def _rows(frame: pd.DataFrame, columns: Sequence[str]) -> list[list[str]]:
    if frame.empty:
        return []
    have = [c for c in columns if c in frame.columns]
    return [[_cell(v) for v in row] for row in frame[have].itertuples(index=False)]


def unsaved_changes(open_book: MasterInputs, on_disk: MasterInputs) -> list[str]:
    """Where the open workbook's Config, Units and Roster differ from the file's: the
    Config keys (``Config!B12 mail_send_what``) and the sheets (``Roster``); empty when
    the file holds what the workbook shows."""
    changed = []
    for key in dict.fromkeys([*open_book.config, *on_disk.config]):
        if _cell(open_book.config.get(key)) != _cell(on_disk.config.get(key)):
            row = open_book.config_rows.get(key) or on_disk.config_rows.get(key)
            changed.append(f"{M.CONFIG}!B{row} {key}" if row else f"{M.CONFIG} {key}")
    for sheet, a, b, columns in (
        (M.UNITS, open_book.units, on_disk.units, M.UNIT_COLUMNS),
        (M.ROSTER, open_book.roster, on_disk.roster, M.ROSTER_COLUMNS),
    ):
        if _rows(a, columns) != _rows(b, columns):
            changed.append(sheet)
    return changed
