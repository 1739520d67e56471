"""The Windows path of consolidation: spawned workers give the very same round.

Windows has only the ``spawn`` start method (no ``fork``), and its Excel button starts
workers from ``RunPython``. ``KPIXL_START_METHOD=spawn`` forces that path on Linux: a
demo of 12 unit workbooks is consolidated by one process and by two spawned workers,
and the master, the CSV export and the findings must be identical, byte for byte.
CI runs the tests marked ``pipeline`` a second time with ``KPIXL_PURE=1
KPIXL_START_METHOD=spawn``.
"""

from __future__ import annotations

import json
import multiprocessing
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import kpixl.jobs.units as units_stage
from kpixl.cli.output import findings_json
from kpixl.core.rounds import parse_round
from kpixl.excel.processes import button_jobs, quiet_workers
from kpixl.jobs.consolidate import consolidate, output_sheets
from kpixl.jobs.demo import build_demo
from kpixl.jobs.results import UnitOutcome
from kpixl.jobs.units import chunks
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.generate import generate_personal
from kpixl.workbooks.master import result_bytes

pytestmark = pytest.mark.pipeline


@pytest.fixture(scope="module")
def round_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A messy demo of 12 units (13 workbooks, one not a unit's): 3 chunks for 2 workers."""
    out = tmp_path_factory.mktemp("pipeline") / "demo"
    build_demo(out, units=12, people=48, messy=True)
    assert len(chunks(sorted((out / "units").glob("*.xlsx")), 2)) == 3
    return out


def copy_of(round_dir: Path, tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(round_dir, target)
    return target


class PoolSpy:
    """Records the start method of every worker pool consolidation starts."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.methods: list[str] = []
        real = units_stage.start_pool

        def spied(jobs: int) -> Any:
            pool = real(jobs)
            self.methods.append(pool._mp_context.get_start_method())
            return pool

        monkeypatch.setattr(units_stage, "start_pool", spied)


def run(folder: Path, jobs: int) -> tuple[bytes, bytes, str, Any]:
    result = consolidate(folder / "master.xlsx", export=folder / "results.csv", jobs=jobs)
    found = json.dumps(findings_json(result.findings), ensure_ascii=False, default=str)
    return (
        (folder / "master.xlsx").read_bytes(),
        (folder / "results.csv").read_bytes(),
        found,
        result,
    )


def test_spawned_workers_give_the_same_master_export_and_findings(
    round_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KPIXL_START_METHOD", "fork")
    one = run(copy_of(round_dir, tmp_path, "one"), jobs=1)
    spy = PoolSpy(monkeypatch)
    monkeypatch.setenv("KPIXL_START_METHOD", "spawn")
    spawned = run(copy_of(round_dir, tmp_path, "spawned"), jobs=2)
    assert spy.methods == ["spawn"]  # the unit workbooks were read by spawned workers
    result = spawned[3]
    assert result.units_read == len(list((round_dir / "units").glob("*.xlsx")))
    assert len(result.results) > 0 and result.findings
    assert spawned[2] == one[2]  # every finding, in the same order
    assert spawned[1] == one[1]  # the CSV export
    assert spawned[0] == one[0]  # the master, byte for byte


def test_forked_and_spawned_workers_give_the_same_master(
    round_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = PoolSpy(monkeypatch)
    monkeypatch.setenv("KPIXL_START_METHOD", "fork")
    forked = run(copy_of(round_dir, tmp_path, "forked"), jobs=2)
    monkeypatch.setenv("KPIXL_START_METHOD", "spawn")
    spawned = run(copy_of(round_dir, tmp_path, "spawned"), jobs=2)
    assert spy.methods == ["fork", "spawn"]
    assert spawned[:3] == forked[:3]


def test_the_result_sheets_are_the_same_bytes_built_here_or_in_forked_builders(
    round_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under spawn the master's big sheets are built in this process (spawned builders
    would be sent every row); the pieces, and so the bytes, are those of the forked ones."""
    folder = copy_of(round_dir, tmp_path, "writer")
    result = consolidate(folder / "master.xlsx", jobs=1, write=False)
    sheets = output_sheets(result)
    source = (folder / "master.xlsx").read_bytes()
    monkeypatch.setenv("KPIXL_START_METHOD", "fork")
    forked = result_bytes(source, sheets, jobs=2, parallel_from=0)
    monkeypatch.setenv("KPIXL_START_METHOD", "spawn")
    spawned = result_bytes(source, sheets, jobs=2, parallel_from=0)
    assert spawned == forked
    assert len(sheets[M.RESULTS][0]) == len(result.results) + 1  # the header row, then each


def test_a_worker_sends_back_plain_data(round_dir: Path) -> None:
    """What a worker returns pickles and holds no reader, form or frame."""
    import pickle

    from kpixl.core.rules import default_rules

    files = sorted((round_dir / "units").glob("*.xlsx"))[:2]
    outcomes = units_stage.score_units(files, default_rules())
    assert [type(o) for o in outcomes] == [UnitOutcome, UnitOutcome]
    again = pickle.loads(pickle.dumps(outcomes))
    assert again == outcomes
    plain = (str, int, type(None), bool)
    for outcome in outcomes:
        for person in outcome.people:
            assert all(isinstance(v, plain) or type(v).__name__ == "Decimal" for v in person)


def test_quiet_workers_start_pythonw_beside_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen: list[str] = []
    monkeypatch.setattr(multiprocessing, "set_executable", chosen.append)
    python = tmp_path / "Scripts" / "python.exe"
    python.parent.mkdir()
    python.write_bytes(b"")
    assert quiet_workers(str(python)) is None  # no pythonw.exe: nothing changes
    assert chosen == []
    (python.parent / "pythonw.exe").write_bytes(b"")
    assert quiet_workers(str(python)) == python.parent / "pythonw.exe"
    assert chosen == [str(python.parent / "pythonw.exe")]


@pytest.mark.parametrize(("cpus", "jobs"), [(0, 1), (1, 1), (2, 1), (3, 2), (8, 4), (64, 4)])
def test_an_excel_button_leaves_a_core_to_excel(cpus: int, jobs: int) -> None:
    assert button_jobs(cpus) == jobs  # 0: the system does not say


def test_the_macros_module_loads_without_pandas_pandera_openpyxl_or_xlwings() -> None:
    """A button pays for the job it runs, not for every module of kpixl."""
    code = (
        "import sys\n"
        "import kpixl.excel.macros\n"
        "print(sorted(m for m in ('pandas', 'pandera', 'openpyxl', 'xlwings', 'numpy')"
        " if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_personal_workbooks_written_by_spawned_workers_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kpixl personal new --jobs 2` (200 people or more go to workers) honours
    KPIXL_START_METHOD, so the Windows path writes the same files as one process."""
    round_ = parse_round("2570/1")
    people = [
        {"person_id": f"3{i:011d}", "name": f"คน {i}", "level_code": "K2", "unit": "U01"}
        for i in range(200)
    ]
    one = generate_personal(people, tmp_path / "one", round_=round_, jobs=1)
    monkeypatch.setenv("KPIXL_START_METHOD", "spawn")
    two = generate_personal(people, tmp_path / "two", round_=round_, jobs=2)
    assert [p.name for p in two] == [p.name for p in one] and len(one) == 200
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(one, two, strict=True))
