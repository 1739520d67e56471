"""The Excel Consolidate button runs the same parallel path as the CLI, under spawn.

On Windows the button's workers are spawned (Windows has no ``fork``) from ``RunPython``;
here ``KPIXL_START_METHOD=spawn`` forces that, through xlwings' remote engine, on a demo
of 12 unit workbooks (3 chunks for the workers). The Results the button writes through
the Book API are those ``kpixl consolidate`` writes into the file.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import xlwings as xw
from xlwings_payload import apply, file_grid, payload, rows_from

import kpixl.excel.macros as macros
import kpixl.jobs.units as units_stage
from kpixl.jobs.consolidate import consolidate
from kpixl.jobs.demo import build_demo
from kpixl.workbooks import master_layout as M

pytestmark = pytest.mark.pipeline


def test_the_consolidate_button_reads_with_spawned_workers_like_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = tmp_path / "demo"
    build_demo(demo, units=12, people=48)
    methods: list[tuple[str, int]] = []
    real = units_stage.start_pool

    def spied(jobs: int) -> Any:
        pool = real(jobs)
        methods.append((pool._mp_context.get_start_method(), jobs))
        return pool

    monkeypatch.setattr(units_stage, "start_pool", spied)
    monkeypatch.setattr(os, "cpu_count", lambda: 4)  # the button's default: 3 workers
    monkeypatch.setenv("KPIXL_START_METHOD", "spawn")
    data = payload(demo / "master.xlsx")
    book = xw.Book(json=data)
    macros.consolidate(book)
    grids = apply(data, book.json()["actions"])
    assert methods == [("spawn", 3)]
    status = str(grids[M.CONFIG][int(M.STATUS_CELL[1:]) - 1][ord(M.STATUS_CELL[0]) - ord("A")])
    assert status.startswith("✓"), status
    cli = demo / "cli.xlsx"
    shutil.copy(demo / "master.xlsx", cli)
    result = consolidate(cli, units_dir=demo / "units", jobs=1)
    width = len(M.RESULT_COLUMNS)
    ours = rows_from(grids[M.RESULTS], M.FIRST_ROW, width)
    assert len(ours) == len(result.results) > 0
    assert ours == rows_from(file_grid(cli, M.RESULTS), M.FIRST_ROW, width)
