"""Tables out of the value grids python-calamine returns (list of rows of cell values)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["grid_table"]


def grid_table(
    grid: list[list[Any]], first_row: int, columns: Mapping[str, int], path: Path, sheet: str
) -> pd.DataFrame:
    """Rows from Excel row ``first_row`` on; ``columns`` maps a field to a 0-based column.

    Blank rows are skipped; empty cells become None; each row keeps its source
    (``_row`` is the Excel row number, ``_file``, ``_sheet``).
    """
    records = []
    for r in range(first_row - 1, len(grid)):
        row = grid[r]
        values = {
            f: (row[i] if i < len(row) and row[i] != "" else None) for f, i in columns.items()
        }
        if all(v is None for v in values.values()):
            continue
        values.update(_row=r + 1, _file=path.name, _sheet=sheet)
        records.append(values)
    return pd.DataFrame(records, columns=[*columns, "_row", "_file", "_sheet"])
