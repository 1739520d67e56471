"""Tables out of the value grids python-calamine returns (list of rows of cell values)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from kpixl.io.speed import BUILT, c_scanner

__all__ = ["Block", "blocks_frame", "grid_block", "grid_table"]


@dataclass(frozen=True)
class Block:
    """A table's rows as read, before it becomes a DataFrame: ``values`` (rows × fields,
    object, None for blanks), the Excel row numbers, and the file they came from.
    Blocks of many files become one DataFrame at once (:func:`blocks_frame`)."""

    fields: tuple[str, ...]
    values: npt.NDArray[np.object_]
    rows: npt.NDArray[np.int64]
    file: str

    def column(self, field: str) -> list[Any]:
        values: list[Any] = self.values[:, self.fields.index(field)].tolist()
        return values


def grid_block(
    grid: list[list[Any]], first_row: int, columns: Mapping[str, int], path: Path
) -> Block:
    """Rows from Excel row ``first_row`` on; ``columns`` maps a field to a 0-based column.
    Blank rows are skipped; empty cells become None."""
    pick = _pick_c if c_scanner() is not None else _pick_numpy
    values, positions = pick(grid[first_row - 1 :], list(columns.values()))
    return Block(tuple(columns), values, first_row + positions, path.name)


Picked = tuple[npt.NDArray[np.object_], npt.NDArray[np.int64]]


def _pick_c(body: list[list[Any]], index: list[int]) -> Picked:
    """The cells at ``index`` of the rows that are not all blank ('' and None as None), and
    those rows' places in ``body``: one pass in C."""
    assert BUILT is not None
    flat, positions = BUILT.pick_rows(body, tuple(index))
    values = np.fromiter(flat, dtype=object, count=len(flat)).reshape(len(positions), len(index))
    return values, np.array(positions, dtype=np.int64)


def _pick_numpy(body: list[list[Any]], index: list[int]) -> Picked:
    """:func:`_pick_c` with list and numpy operations (no C extension)."""
    n = len(index)
    width = max(index, default=-1) + 1
    if any(len(row) < width for row in body):  # calamine's rows are full width; others may not be
        body = [list(row) + [""] * (width - len(row)) for row in body]
    if len(index) == 1:
        only = index[0]
        picked: list[tuple[Any, ...]] = [(row[only],) for row in body]
    else:
        picked = list(map(itemgetter(*index), body)) if index else [() for _ in body]
    cells = np.empty((len(picked), n), dtype=object)
    if picked and n:
        cells[:] = picked
    blank = (cells == "") | (cells == None)  # noqa: E711 (element-wise, in C)
    keep = ~blank.all(axis=1) if n else np.zeros(len(picked), dtype=bool)
    values = cells[keep]
    values[blank[keep]] = None
    return values, np.flatnonzero(keep).astype(np.int64)


def blocks_frame(blocks: Sequence[Block], fields: Sequence[str], sheet: str) -> pd.DataFrame:
    """One DataFrame of the blocks' rows, in order: the fields, then each row's source
    (``_row`` the Excel row number, ``_file``, ``_sheet``)."""
    n = len(fields)
    total = sum(len(b.rows) for b in blocks)
    values = np.empty((total, n + 2), dtype=object)  # the fields, then _file and _sheet
    at = 0
    for block in blocks:
        size = len(block.rows)
        if size and n:
            values[at : at + size, :n] = block.values
        values[at : at + size, n] = block.file
        at += size
    values[:, n + 1] = sheet
    # one object block (None stays None), then the row numbers as int64
    frame = pd.DataFrame(values, columns=[*fields, "_file", "_sheet"], dtype=object)
    rows = np.concatenate([b.rows for b in blocks]) if blocks else np.empty(0, dtype=np.int64)
    frame.insert(n, "_row", rows.astype(np.int64))
    return frame


def grid_table(
    grid: list[list[Any]], first_row: int, columns: Mapping[str, int], path: Path, sheet: str
) -> pd.DataFrame:
    """Rows from Excel row ``first_row`` on; ``columns`` maps a field to a 0-based column.

    Blank rows are skipped; empty cells become None; each row keeps its source
    (``_row`` is the Excel row number, ``_file``, ``_sheet``). Done with C-level
    list and array operations: a thousand unit workbooks pass through here.
    """
    return blocks_frame([grid_block(grid, first_row, columns, path)], list(columns), sheet)
