"""Real workbooks as xlwings remote-engine payloads, and the returned actions applied back.

``payload(path)`` is what an Excel client would send for the workbook at ``path`` (every
sheet's values from A1, as computed values); ``apply(payload, actions)`` gives each
sheet's grid after the actions a macro returned, as Excel would show it.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import xlwings as xw
from python_calamine import CalamineWorkbook

Grid = list[list[Any]]


def payload(
    path: Path, edits: dict[str, dict[tuple[int, int], Any]] | None = None
) -> dict[str, Any]:
    """The JSON an Excel client sends for ``path``; ``edits``: sheet → (row, col) 1-based → value."""
    book = CalamineWorkbook.from_path(str(path))
    sheets = []
    for name in book.sheet_names:
        grid: Grid = book.get_sheet_by_name(name).to_python(skip_empty_area=False) or [[]]
        for (row, col), value in (edits or {}).get(name, {}).items():
            _put(grid, row - 1, col - 1, value)
        sheets.append({"name": name, "values": grid, "pictures": [], "tables": []})
    return {
        "client": "Microsoft Excel",
        "version": xw.__version__,
        "book": {"name": str(path), "active_sheet_index": 0, "selection": "A1"},
        "sheets": sheets,
        "names": [],
    }


def _put(grid: Grid, r: int, c: int, value: Any) -> None:
    width = max([len(row) for row in grid] + [c + 1])
    while len(grid) <= r:
        grid.append([""] * width)
    for row in grid:
        row.extend([""] * (width - len(row)))
    grid[r][c] = value


def apply(data: dict[str, Any], actions: list[dict[str, Any]]) -> dict[str, Grid]:
    """Sheet name → values after ``actions`` (only value actions are expected)."""
    grids = {s["name"]: copy.deepcopy(s["values"]) for s in data["sheets"]}
    names = [s["name"] for s in data["sheets"]]
    for action in actions:
        grid = grids[names[action["sheet_position"]]]
        r0, c0 = action["start_row"], action["start_column"]
        if action["func"] == "setValues":
            for i, row in enumerate(action["values"]):
                for j, value in enumerate(row):
                    _put(grid, r0 + i, c0 + j, value)
        elif action["func"] == "rangeClearContents":
            for i in range(action["row_count"]):
                for j in range(action["column_count"]):
                    if r0 + i < len(grid) and c0 + j < len(grid[r0 + i]):
                        grid[r0 + i][c0 + j] = ""
        else:
            raise AssertionError(f"unexpected action {action['func']}")
    return grids


def rows_from(grid: Grid, first_row: int, width: int | None = None) -> Grid:
    """Non-blank rows from Excel row ``first_row`` on, blanks as "" and trailing cells cut."""
    out = []
    for row in grid[first_row - 1 :]:
        cells = ["" if v is None else v for v in (row if width is None else row[:width])]
        if any(v != "" for v in cells):
            out.append(cells)
    return out


def file_grid(path: Path, sheet: str) -> Grid:
    grid: Grid = (
        CalamineWorkbook.from_path(str(path))
        .get_sheet_by_name(sheet)
        .to_python(skip_empty_area=False)
    )
    return grid
