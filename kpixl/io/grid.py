"""Tables out of the value grids python-calamine returns (list of rows of cell values)."""

from __future__ import annotations

from collections.abc import Mapping
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["grid_table"]


def grid_table(
    grid: list[list[Any]], first_row: int, columns: Mapping[str, int], path: Path, sheet: str
) -> pd.DataFrame:
    """Rows from Excel row ``first_row`` on; ``columns`` maps a field to a 0-based column.

    Blank rows are skipped; empty cells become None; each row keeps its source
    (``_row`` is the Excel row number, ``_file``, ``_sheet``). Done with C-level
    list and array operations: a thousand unit workbooks pass through here.
    """
    body = grid[first_row - 1 :]
    fields = list(columns)
    index = list(columns.values())
    width = max(index, default=-1) + 1
    if any(len(row) < width for row in body):  # calamine's rows are full width; others may not be
        body = [list(row) + [""] * (width - len(row)) for row in body]
    if len(index) == 1:
        only = index[0]
        picked: list[tuple[Any, ...]] = [(row[only],) for row in body]
    else:
        picked = list(map(itemgetter(*index), body)) if index else [() for _ in body]
    n = len(index)
    keep = [r for r, values in enumerate(picked) if values.count("") + values.count(None) != n]
    values = np.empty((len(keep), n + 2), dtype=object)  # the fields, then _file and _sheet
    if keep and n:
        values[:, :n] = [picked[r] for r in keep]
        body_values = values[:, :n]
        body_values[body_values == ""] = None
    values[:, n] = path.name
    values[:, n + 1] = sheet
    # one object block (None stays None), then the row numbers as int64
    frame = pd.DataFrame(values, columns=[*fields, "_file", "_sheet"], dtype=object)
    frame.insert(n, "_row", np.asarray([first_row + r for r in keep], dtype=np.int64))
    return frame
