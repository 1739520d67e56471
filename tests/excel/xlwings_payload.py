"""Real workbooks as xlwings remote-engine payloads, and the returned actions applied back.

``payload(path)`` is what an Excel client would send for the workbook at ``path`` (every
sheet's values from A1, as computed values); ``apply(payload, actions)`` gives each
sheet's grid after the actions a macro returned, as Excel would show it, and
``apply_all`` the sheets' look too (the formats each cell took from which cell, merged
areas, row heights, print area), from the actions' JSON as the client receives it.
"""

from __future__ import annotations

import copy
import re
import zipfile
from dataclasses import dataclass, field
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
        "names": print_titles(path, book.sheet_names),
    }


def drop_sheet(data: dict[str, Any], name: str) -> None:
    """The payload of the same workbook with sheet ``name`` deleted: its sheet-scoped
    names go with it, the later sheets' names follow their sheets' new positions."""
    index = next(i for i, s in enumerate(data["sheets"]) if s["name"] == name)
    del data["sheets"][index]
    kept = []
    for entry in data["names"]:
        at = entry["scope_sheet_index"]
        if at == index:
            continue
        if at is not None and at > index:
            entry = {**entry, "scope_sheet_index": at - 1}
            if entry["sheet_index"] is not None:
                entry["sheet_index"] -= 1
        kept.append(entry)
    data["names"] = kept


def print_titles(path: Path, sheets: list[str]) -> list[dict[str, Any]]:
    """The sheets' print titles (their ``Print_Titles`` names), as a client sends a
    sheet-scoped name."""
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/workbook.xml").decode("utf-8")
    names = []
    pattern = r'<definedName name="_xlnm\.Print_Titles" localSheetId="(\d+)"\s*>([^<]*)<'
    for index, refers in re.findall(pattern, xml):
        rows = re.fullmatch(r"'?[^!]*'?!\$(\d+):\$(\d+)", refers)  # one block of rows
        names.append(
            {
                "name": "Print_Titles",
                "refers_to": "=" + refers,
                "sheet_index": int(index) if rows else None,
                "address": f"{rows.group(1)}:{rows.group(2)}" if rows else None,
                "scope_sheet_name": sheets[int(index)],
                "scope_sheet_index": int(index),
                "book_scope": False,
            }
        )
    return names


def _put(grid: Grid, r: int, c: int, value: Any) -> None:
    width = max([len(row) for row in grid] + [c + 1])
    while len(grid) <= r:
        grid.append([""] * width)
    for row in grid:
        row.extend([""] * (width - len(row)))
    grid[r][c] = value


Cell = tuple[int, int]  # (row, column)
Area = tuple[int, int, int, int]  # 0-based (first row, first column, last row, last column)


@dataclass
class SheetState:
    """A sheet as Excel shows it after the actions: values, and what the actions did to
    its look. ``formats``: cell → the cell whose formats it took (a style row's cell,
    1-based (row, column)); ``merges``: merged areas; ``heights``: 1-based row → height
    in points (None: Excel's own, autofit); ``print_area``, ``print_titles`` (what its
    Print_Titles name refers to): as an action set them."""

    values: Grid
    formats: dict[Cell, Cell] = field(default_factory=dict)
    merges: list[Area] = field(default_factory=list)
    heights: dict[int, float | None] = field(default_factory=dict)
    print_area: str | None = None
    print_titles: str | None = None
    number_formats: dict[Cell, str] = field(default_factory=dict)  # 1-based cell → format

    def merged(self) -> set[str]:
        """The merged areas as A1 references (``A10:E10``)."""
        return {f"{_a1(r0, c0)}:{_a1(r1, c1)}" for r0, c0, r1, c1 in self.merges}


def apply(data: dict[str, Any], actions: list[dict[str, Any]]) -> dict[str, Grid]:
    """Sheet name → values after ``actions``."""
    return {name: state.values for name, state in apply_all(data, actions).items()}


def apply_all(
    data: dict[str, Any],
    actions: list[dict[str, Any]],
    before: dict[str, SheetState] | None = None,
) -> dict[str, SheetState]:
    """Sheet name → the sheet after ``actions`` (from ``before``, the state of an earlier
    press, else the payload's values), applied as Excel applies them. What Excel refuses
    or does silently with a loss (part of a merged area changed, text lost to a merge, a
    paste that does not tile) fails here."""
    names = [s["name"] for s in data["sheets"]]
    if before is None:
        sheets = {s["name"]: SheetState(copy.deepcopy(s["values"])) for s in data["sheets"]}
        for name in data["names"]:
            if name["name"] == "Print_Titles" and not name["book_scope"]:
                sheets[names[name["scope_sheet_index"]]].print_titles = name["refers_to"]
    else:
        sheets = copy.deepcopy(before)
    for action in actions:
        func, args = action["func"], action["args"]
        if func == "addSheet":  # a new, empty sheet at that position
            names.insert(args[0], args[1])
            sheets[args[1]] = SheetState([[""]])
            continue
        sheet = sheets[names[action["sheet_position"]]]
        r0, c0 = action["start_row"] or 0, action["start_column"] or 0  # a sheet's action: none
        rows, cols = action["row_count"] or 1, action["column_count"] or 1
        area = (r0, c0, r0 + rows - 1, c0 + cols - 1)
        if func == "setValues":
            values = action["values"]
            _whole_merges(
                sheet, (r0, c0, r0 + len(values) - 1, c0 + max(map(len, values), default=1) - 1)
            )
            width = max(map(len, values), default=0)
            _put(sheet.values, r0 + len(values) - 1, c0 + width - 1, "")  # room for the block
            for i, row in enumerate(values):
                for j, value in enumerate(row):
                    if value not in ("", None) and _hidden_by_merge(sheet, r0 + i, c0 + j):
                        raise AssertionError(
                            f"value written under a merged cell at {_a1(r0 + i, c0 + j)}"
                        )
                sheet.values[r0 + i][c0 : c0 + len(row)] = row
        elif func == "rangeClearContents":
            _whole_merges(sheet, area)
            for r, c in _cells(area):
                if r < len(sheet.values) and c < len(sheet.values[r]):
                    sheet.values[r][c] = ""
        elif func == "rangeClearFormats":  # Excel's ClearFormats unmerges too
            _whole_merges(sheet, area)
            sheet.merges = [m for m in sheet.merges if not _overlap(m, area)]
            for r, c in _cells(area):
                sheet.formats.pop((r + 1, c + 1), None)
        elif func == "copyFromRange":
            _copy_formats(sheets[names[args[0]]], args, sheet, area)
        elif func == "rangeUnmerge":
            sheet.merges = [m for m in sheet.merges if not _overlap(m, area)]
        elif func == "rangeMerge":
            blocks = (
                [(r, area[1], r, area[3]) for r in range(area[0], area[2] + 1)]
                if args[0]
                else [area]
            )
            for block in blocks:
                if any(_overlap(m, block) for m in sheet.merges):
                    raise AssertionError(f"merging {block} over a merged area")
                for r, c in _cells(block)[1:]:
                    if _value(sheet.values, r, c) not in ("", None):
                        raise AssertionError(f"merging loses the text at {_a1(r, c)}")
                sheet.merges.append(block)
        elif func == "setRowHeight":
            height = float(args[0])
            assert 0 <= height <= 409.5, height
            for r in range(area[0], area[2] + 1):
                sheet.heights[r + 1] = height
        elif func == "setAutofit" and args == ["rows"]:
            for r in range(area[0], area[2] + 1):
                sheet.heights[r + 1] = None
        elif func == "setNumberFormat":
            for r, c in _cells(area):
                sheet.number_formats[r + 1, c + 1] = args[0] if isinstance(args, list) else args
        elif func == "setPrintArea":
            sheet.print_area = args[0]
        elif func == "setNameRefersTo" and args[0] == "Print_Titles" and not args[1]:
            titles = sheets[names[args[2]]]
            assert re.fullmatch(r"='[^']+'!\$\d+:\$\d+", args[3]), args
            titles.print_titles = args[3]
        else:
            raise AssertionError(f"unexpected action {func} {args}")
    return sheets


def again(data: dict[str, Any], sheets: dict[str, SheetState]) -> dict[str, Any]:
    """The payload the client sends when the button is pressed again."""
    again = copy.deepcopy(data)
    for sheet in again["sheets"]:
        sheet["values"] = copy.deepcopy(sheets[sheet["name"]].values)
    return again


def _copy_formats(source: SheetState, args: list[Any], target: SheetState, area: Area) -> None:
    """Paste Special › Formats: the source's formats (its cells', or what they took)
    repeated over the target, which must be a whole number of source blocks."""
    _, address, copy_type, skip_blanks, transpose = args
    assert copy_type == "formats" and not skip_blanks and not transpose, args
    first, last = xw.utils.a1_to_tuples(address.replace("$", ""))
    last = last or first
    rows, cols = last[0] - first[0] + 1, last[1] - first[1] + 1
    height, width = area[2] - area[0] + 1, area[3] - area[1] + 1
    assert height % rows == 0 and width % cols == 0, (address, area)
    _whole_merges(target, area)
    for r, c in _cells(area):
        cell = (first[0] + (r - area[0]) % rows, first[1] + (c - area[1]) % cols)  # 1-based
        target.formats[(r + 1, c + 1)] = source.formats.get(cell, cell)


def _value(grid: Grid, r: int, c: int) -> Any:
    return grid[r][c] if r < len(grid) and c < len(grid[r]) else ""


def _cells(area: Area) -> list[Cell]:
    return [(r, c) for r in range(area[0], area[2] + 1) for c in range(area[1], area[3] + 1)]


def _overlap(a: Area, b: Area) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _whole_merges(sheet: SheetState, area: Area) -> None:
    """Excel refuses to change part of a merged cell."""
    for m in sheet.merges:
        inside = area[0] <= m[0] and m[2] <= area[2] and area[1] <= m[1] and m[3] <= area[3]
        if _overlap(m, area) and not inside:
            raise AssertionError(f"part of the merged area {m} changed by {area}")


def _hidden_by_merge(sheet: SheetState, r: int, c: int) -> bool:
    return any(m[0] <= r <= m[2] and m[1] <= c <= m[3] and (r, c) != m[:2] for m in sheet.merges)


def _a1(r: int, c: int) -> str:
    return f"{xw.utils.col_name(c + 1)}{r + 1}"


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
