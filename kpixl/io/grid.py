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
    body = grid[first_row - 1 :]
    data: dict[str, list[Any]] = {}
    for field, i in columns.items():
        data[field] = [(row[i] if i < len(row) and row[i] != "" else None) for row in body]
    keep = [any(data[f][r] is not None for f in columns) for r in range(len(body))]
    kept = {f: [v for v, k in zip(vals, keep, strict=True) if k] for f, vals in data.items()}
    frame = pd.DataFrame(kept, columns=list(columns), dtype=object)  # object: None stays None
    rows = [first_row + r for r, k in enumerate(keep) if k]
    frame["_row"] = rows
    frame["_file"] = path.name
    frame["_sheet"] = sheet
    return frame
