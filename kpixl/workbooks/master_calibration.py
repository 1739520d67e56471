"""The master's Calibration sheet: the committee pack's calibration page, in the master.

``kpixl consolidate`` writes it (:func:`kpixl.workbooks.master_results.output_bytes`):
the round's results with each person's evaluator from the Roster sheet, calibrated
(:func:`kpixl.core.calibration.calibrate`) with the evaluators' earlier rounds from the
archive (:func:`kpixl.core.calibration.with_earlier` over
:attr:`kpixl.jobs.results.Consolidation.past`), laid out by the committee pack's writer
(:func:`kpixl.workbooks.calibration.write_calibration`: tables, two native charts, A4
landscape) in a workbook of its own, and that sheet grafted into the master's package
with its drawing and charts (:func:`kpixl.io.xlsx_sheets.graft_sheet`): the previous
Calibration sheet and its charts are replaced, a master without one gets it at the
end, every other part stays as it was. The charts' size and number follow the data, so
the sheet is built whole each time rather than filled into a template sheet.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from kpixl.core.calibration import Calibration, calibrate, with_earlier
from kpixl.core.codes import finding
from kpixl.core.rules import Rules
from kpixl.core.text import text_of
from kpixl.io.grids import open_book
from kpixl.io.limits import MASTER
from kpixl.io.xlsx_sheets import SheetCopyError, graft_sheet
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.calibration import calibration_bytes

__all__ = [
    "EXCEL_NOTE",
    "calibration_grid",
    "calibration_of",
    "calibration_page",
    "calibration_sheet",
    "roster_of",
    "with_calibration_sheet",
]

EXCEL_NOTE = (
    "ปุ่มในสมุดงานเขียนเฉพาะตาราง แผนภูมิสร้างโดยคำสั่ง kpixl consolidate"
    " (แผนภูมิที่มีอยู่เป็นของการรวมผลครั้งนั้น) / the button writes the tables;"
    " the charts are drawn by kpixl consolidate (any chart here is from its last run)"
)


def roster_of(master: bytes) -> pd.DataFrame:
    """The Roster sheet of a master's bytes (no Roster: an empty table)."""
    from kpixl.workbooks.master import master_from_grids

    book = open_book(Path("master.xlsx"), master, limits=MASTER)
    grids = {name: book.grid(name) for name in (M.CONFIG, M.ROSTER) if name in book.sheet_names}
    return master_from_grids(grids, "master.xlsx").roster


def calibration_of(
    results: pd.DataFrame,
    roster: pd.DataFrame,
    rules: Rules,
    *,
    round_id: str,
    past: Any = None,
) -> Calibration:
    """The round's calibration: ``results`` (the Results columns) with each person's
    evaluator from ``roster``; ``past`` a :class:`kpixl.jobs.past.PastRounds` or None
    (no archive: the sheet says no earlier round is archived)."""
    evaluators = (
        {
            text_of(p): text_of(e)
            for p, e in zip(roster["person_id"], roster["evaluator"], strict=True)
        }
        if len(roster) and {"person_id", "evaluator"} <= set(roster.columns)
        else {}
    )
    judged = pd.DataFrame(
        {
            "person_id": [text_of(p) for p in results["person_id"]],
            "unit": results["unit"].tolist(),
            "evaluator": [evaluators.get(text_of(p), "") for p in results["person_id"]],
            "total": pd.Series(
                [None if t is None else t for t in results["total"].tolist()], dtype=object
            ),
            "band": results["band"].tolist(),
        }
    )
    cal = calibrate(judged, rules.bands)
    return with_earlier(
        cal,
        None if past is None else past.results,
        current_round=round_id,
        rounds=None if past is None else past.rounds,
    )


def with_calibration_sheet(master: bytes, cal: Calibration, *, round_id: str) -> bytes:
    """``master`` with its Calibration sheet (tables and charts) made from ``cal``."""
    sheet = calibration_bytes(cal, round_name=round_id, title=M.CALIBRATION)
    return graft_sheet(master, sheet, name=M.CALIBRATION)


def calibration_sheet(
    master: bytes, c: Any, config: Mapping[str, Any], roster: pd.DataFrame | None = None
) -> bytes:
    """``master`` (its result sheets written) with the Calibration sheet of the
    consolidation ``c`` (its results, rules and past); no rules: as it is. A package
    the sheet cannot be grafted into is left as it is, with a warning in ``c.findings``
    (``calibration.not_written``)."""
    rules: Rules | None = c.rules
    if rules is None:
        return master
    round_id = text_of(config.get("round_id")).strip()
    cal = calibration_of(
        c.results,
        roster_of(master) if roster is None else roster,
        rules,
        round_id=round_id,
        past=getattr(c, "past", None),
    )
    try:
        return with_calibration_sheet(master, cal, round_id=round_id)
    except SheetCopyError as exc:  # a package of a shape kpixl does not know
        c.findings.append(
            finding("calibration.not_written", why=str(exc), file="master", sheet=M.CALIBRATION)
        )
        return master


def calibration_grid(cal: Calibration, *, round_id: str) -> list[list[Any]]:
    """The Calibration sheet's cell values, row by row from A1, as
    :func:`with_calibration_sheet` writes them (for the Excel button, which writes
    values through xlwings; the charts' room holds :data:`EXCEL_NOTE` instead)."""
    return calibration_page(cal, round_id=round_id)[0]


def calibration_page(
    cal: Calibration, *, round_id: str
) -> tuple[list[list[Any]], list[tuple[int, int, int, str]]]:
    """:func:`calibration_grid`'s values and the number formats of its cells: runs
    (first row, last row, column, format), 1-based, down each column."""
    import openpyxl

    from kpixl.workbooks.calibration import CHART_ROW, write_calibration

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = M.CALIBRATION
    write_calibration(ws, cal, round_name=round_id)
    grid: list[list[Any]] = []
    runs: list[tuple[int, int, int, str]] = []
    open_runs: dict[int, tuple[int, int, str]] = {}  # column → (first, last, format)
    for r, row in enumerate(
        ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=ws.max_column), start=1
    ):
        grid.append([cell.value for cell in row])
        for c, cell in enumerate(row, start=1):
            fmt = cell.number_format if cell.value is not None else "General"
            run = open_runs.get(c)
            if run is not None and (run[2] != fmt or run[1] != r - 1):
                runs.append((run[0], run[1], c, run[2]))
                run = None
                del open_runs[c]
            if fmt == "General":
                continue
            open_runs[c] = (run[0], r, fmt) if run is not None else (r, r, fmt)
    runs += [(first, last, c, fmt) for c, (first, last, fmt) in open_runs.items()]
    while len(grid) < CHART_ROW + 1:
        grid.append([])
    grid[CHART_ROW] = [EXCEL_NOTE]  # the row the charts start on
    return grid, sorted(runs)
