"""The master's consolidate button writes the Calibration sheet's tables (xlwings'
remote engine), the same values ``kpixl consolidate`` writes into the file; the charts
are the CLI's, and the sheet says so where they would be."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import xlwings as xw
from xlwings_payload import apply_all, file_grid, payload

from kpixl.excel import macros
from kpixl.jobs.consolidate import consolidate
from kpixl.jobs.demo import build_demo
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.master_calibration import EXCEL_NOTE


def _cells(grid: list[list[Any]]) -> dict[tuple[int, int], Any]:
    return {
        (r, c): v for r, row in enumerate(grid) for c, v in enumerate(row) if v not in (None, "")
    }


def test_the_button_writes_the_calibration_tables_as_the_cli(tmp_path: Path) -> None:
    demo = build_demo(tmp_path / "demo")
    cli = tmp_path / "demo" / "cli.xlsx"
    shutil.copy(demo.master, cli)
    data = payload(demo.master)
    book = xw.Book(json=data)
    macros.consolidate(book)
    sheets = apply_all(data, book.json()["actions"])
    grids = {name: state.values for name, state in sheets.items()}
    assert str(grids[M.CONFIG][1][0]).startswith("✓")
    assert consolidate(cli, units_dir=tmp_path / "demo" / "units", jobs=1).exit_code == 0
    ours, theirs = _cells(grids[M.CALIBRATION]), _cells(file_grid(cli, M.CALIBRATION))
    assert ours.pop((4, 0)) == EXCEL_NOTE  # where the CLI's charts are
    assert len(ours) > 100
    assert ours.keys() == theirs.keys()
    # the numbers look as in the file: each number cell's format is the CLI's
    import openpyxl

    ws = openpyxl.load_workbook(cli)[M.CALIBRATION]
    formats = sheets[M.CALIBRATION].number_formats
    numbers = [(r, c) for (r, c), v in ours.items() if isinstance(v, (int, float))]
    assert len(numbers) > 50
    for r, c in numbers:
        want = ws.cell(r + 1, c + 1).number_format
        assert formats.get((r + 1, c + 1), "General") == want, (r + 1, c + 1)
    for key, value in ours.items():
        if isinstance(value, float):
            assert abs(value - theirs[key]) < 1e-9, key
        else:
            assert value == theirs[key], key
