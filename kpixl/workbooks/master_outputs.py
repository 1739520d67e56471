"""Reading a consolidated master back: its Results, Pools and Issues sheets as tables.

``kpixl consolidate`` writes the round's outputs into the master; the committee pack
(:mod:`kpixl.jobs.report`) reads them from there, so the pack shows what the master
holds. Each table is found by its header row (the headers of
:mod:`kpixl.workbooks.master_layout`, matched by text, wherever the row and columns
are), so a layout that moves or reorders columns is still read by field. Written
values only: formula cells (the Pools sheet's live ``used``) are not read.

Problems are findings, never exceptions: a file that cannot be read or is not a
master (:func:`kpixl.workbooks.master.read_master`'s findings), a result sheet that is
missing, and a master whose Results sheet holds no rows yet (not consolidated).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kpixl.core.codes import finding
from kpixl.core.findings import ERROR, Finding
from kpixl.io.grid import grid_table
from kpixl.io.grids import open_book
from kpixl.io.identify import read_failure
from kpixl.io.limits import MASTER
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.master import MasterInputs, read_master

__all__ = ["RoundOutputs", "find_header", "read_outputs"]

HEADER_SEARCH_ROWS = 20  # a table's header row is looked for in the sheet's first rows

# sheet → (fields, their headers): the tables read back
TABLES: dict[str, tuple[Sequence[str], Sequence[str]]] = {
    M.RESULTS: (M.RESULT_COLUMNS, M.RESULT_HEADERS),
    M.POOLS: (M.POOL_COLUMNS, M.POOL_HEADERS),
    M.ISSUES: (M.ISSUE_COLUMNS, M.ISSUE_HEADERS),
}


@dataclass
class RoundOutputs:
    """A consolidated master: its inputs (Config, Units, Roster) and its output tables
    (one column per field, cells as read; ``_row`` is the Excel row)."""

    path: Path
    inputs: MasterInputs
    results: pd.DataFrame = field(default_factory=pd.DataFrame)
    pools: pd.DataFrame = field(default_factory=pd.DataFrame)
    issues: pd.DataFrame = field(default_factory=pd.DataFrame)
    findings: list[Finding] = field(default_factory=list)
    unnamed: list[int] = field(default_factory=list)  # Results rows with no person id

    @property
    def ok(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings)


def _clean(value: Any) -> str:
    return " ".join(str(value).split()) if value not in (None, "") else ""


def find_header(
    grid: list[list[Any]], headers: Sequence[str], *, rows: int = HEADER_SEARCH_ROWS
) -> tuple[int, dict[int, int]] | None:
    """The first row (1-based) among the first ``rows`` of ``grid`` holding every one of
    ``headers``, with each header's 0-based column; None when no row does."""
    wanted = [_clean(h) for h in headers]
    for r, row in enumerate(grid[:rows], start=1):
        cells = [_clean(v) for v in row]
        if all(cells.count(h) >= wanted.count(h) for h in wanted):
            places: dict[int, int] = {}
            for i, h in enumerate(wanted):  # a header written twice: its columns in order
                start = max((c + 1 for j, c in places.items() if wanted[j] == h), default=0)
                places[i] = cells.index(h, start)
            return r, places
    return None


def read_outputs(path: str | Path) -> RoundOutputs:
    """The master at ``path`` with its Results, Pools and Issues tables; problems (the
    file, a missing table, no results yet) are in ``findings``."""
    path = Path(path)
    inputs = read_master(path)
    out = RoundOutputs(path, inputs, findings=list(inputs.findings))
    if not out.ok:
        return out
    try:
        book = open_book(path, path.read_bytes(), limits=MASTER)
        grids = {name: book.grid(name) for name in TABLES if name in book.sheet_names}
    except Exception as exc:  # a damaged file is a finding; a kpixl defect says so
        out.findings.append(read_failure(path, exc))
        return out
    tables: dict[str, pd.DataFrame] = {}
    for sheet, (columns, headers) in TABLES.items():
        grid = grids.get(sheet)
        found = None if grid is None else find_header(grid, headers)
        if grid is None or found is None:
            out.findings.append(
                finding(
                    "report.no_table",
                    value=sheet,
                    headers=", ".join(headers[:4]),
                    file=path.name,
                    sheet=sheet,
                )
            )
            continue
        row, places = found
        mapping = {name: places[i] for i, name in enumerate(columns)}
        tables[sheet] = grid_table(grid, row + 1, mapping, path, sheet)
    if not out.ok:
        return out
    out.results, out.pools, out.issues = tables[M.RESULTS], tables[M.POOLS], tables[M.ISSUES]
    results = out.results
    named = results["person_id"].notna()
    filled = results[[c for c in results.columns if not str(c).startswith("_")]].notna().any(axis=1)
    out.unnamed = [int(r) for r in results.loc[~named & filled, "_row"]]
    out.results = results[named].reset_index(drop=True)
    if out.results.empty:
        out.findings.append(
            finding("report.not_consolidated", value=path.name, file=path.name, sheet=M.RESULTS)
        )
    return out
