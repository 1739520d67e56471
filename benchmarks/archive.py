"""Benchmark: archiving the 1,000-unit / 50,000-person round, and reading a history.

Builds and consolidates the round of ``benchmarks/consolidate.py`` once (``--data DIR``
keeps it for later runs), then prints, from the same run:

* (a) ``archive_master`` into a fresh SQLite file, end to end (reading the master and
  every unit workbook's KPI and competency rows, hashing the source files, writing),
  and its write step alone;
* (b) a plain ``DataFrame.to_sql`` of the same rows (results, roster, pools, findings,
  KPIs, competencies, sources, the round) into a fresh SQLite file through the same
  kind of SQLAlchemy engine;
* (c) one person's history: ``person_history`` (opening the archive included) against
  ``pandas.read_sql`` of the same query on a new engine.

The variants are timed in turn ``--repeat`` times and the medians compared (this
machine's speed drifts; compare ratios from one run, never times from different runs).
``--pg URL`` does (a)–(c) on PostgreSQL too, each in a new database on that server
(created and dropped; the user needs CREATEDB).

    python benchmarks/archive.py [--units 1000] [--people-per-unit 50] [--data DIR]
                                 [--repeat N] [--pg postgresql://user@127.0.0.1/db]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from consolidate import build  # benchmarks/consolidate.py: the same round

from kpixl.io.xlsx_package import Package
from kpixl.jobs.archive import (
    archive_master,
    person_history,
    personal_sources,
    round_rows,
    unit_rows,
)
from kpixl.jobs.consolidate import consolidate
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.master_outputs import read_outputs

ORGANISATION = "กรมทดสอบความเร็ว"
HISTORY_SQL = (
    "SELECT o.round_id, o.organisation, r.name, r.band, r.total, r.pct, r.increase,"
    " r.salary, r.new_salary FROM kpixl_results r JOIN kpixl_rounds o"
    " ON r.round_pk = o.round_pk WHERE r.person_id = :person AND o.superseded_by IS NULL"
    " ORDER BY o.round_id, o.organisation, r.row"
)


def prepare(data: Path, units: int, per_unit: int) -> Path:
    """The consolidated master of the benchmark round (built once, kept in ``data``)."""
    master = data / "archive-master.xlsx"
    if master.exists():
        return master
    if not (data / "master.template.xlsx").exists():
        t = time.perf_counter()
        build(data, units, per_unit)
        print(f"built the data set in {time.perf_counter() - t:.1f} s ({data})")
    row = M.FIRST_ROW + list(M.CONFIG_KEYS).index("organisation")
    package = Package.read(data / "master.template.xlsx")
    staged = data / "archive-master.tmp.xlsx"
    staged.write_bytes(package.patched({M.CONFIG: {f"B{row}": ORGANISATION}}))
    t = time.perf_counter()
    consolidate(staged)
    print(f"consolidated the round in {time.perf_counter() - t:.1f} s (not counted)")
    staged.replace(master)
    return master


def same_rows(master: Path) -> dict[str, pd.DataFrame]:
    """The rows archive_master writes, one DataFrame per table, for to_sql."""
    outputs = read_outputs(master)
    rows = round_rows(outputs)
    config = outputs.inputs.config
    details, sources, _ = unit_rows(master, config, outputs.results)
    rows.update(details)
    rows["sources"] = [
        {"path": master.name, "sha256": None, "size": None, "kind": "master", "person_id": None},
        *sources,
        *personal_sources(master, config, str(config.get("round_id"))),
    ]
    frames = {name: pd.DataFrame(items).assign(round_pk=1) for name, items in rows.items()}
    frames["rounds"] = pd.DataFrame(
        [
            {
                "round_pk": 1,
                "organisation": ORGANISATION,
                "round_id": str(config.get("round_id")),
                "version": 1,
                "superseded_by": None,
            }
        ]
    )
    return frames


@contextmanager
def fresh(kind: str, folder: Path, pg: str | None) -> Iterator[str]:
    """A new, empty database: a SQLite file in ``folder``, or a database on ``pg``."""
    if kind == "sqlite":
        path = folder / f"{uuid.uuid4().hex[:8]}.db"
        try:
            yield str(path)
        finally:
            path.unlink(missing_ok=True)
        return
    assert pg is not None
    base = make_url(pg.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def engine_url(db: str) -> str:
    return db if "://" in db else f"sqlite+pysqlite:///{db}"


def time_archive(master: Path, db: str, steps: dict[str, list[float]]) -> float:
    start = time.perf_counter()
    result = archive_master(master, db=db)
    seconds = time.perf_counter() - start
    if result.status != "archived":
        raise SystemExit(f"archive failed: {[str(f) for f in result.findings]}")
    for step, value in result.timings.items():
        steps.setdefault(step, []).append(value)
    return seconds


def time_to_sql(frames: dict[str, pd.DataFrame], db: str) -> float:
    start = time.perf_counter()
    engine = create_engine(engine_url(db))
    try:
        for name, frame in frames.items():
            frame.to_sql(f"kpixl_{name}", engine, index=False)
    finally:
        engine.dispose()
    return time.perf_counter() - start


def time_history(person: str, db: str, rounds: int) -> float:
    start = time.perf_counter()
    result = person_history(person, db=db)
    seconds = time.perf_counter() - start
    if len(result.rounds) != rounds:
        raise SystemExit(f"history of {person}: {result.rounds} {result.findings}")
    return seconds


def time_read_sql(person: str, db: str, rounds: int) -> float:
    start = time.perf_counter()
    engine = create_engine(engine_url(db))
    try:
        frame = pd.read_sql(text(HISTORY_SQL), engine, params={"person": person})
    finally:
        engine.dispose()
    seconds = time.perf_counter() - start
    if len(frame) != rounds:
        raise SystemExit(f"read_sql of {person}: {len(frame)} rows")
    return seconds


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def run_backend(
    kind: str,
    master: Path,
    frames: dict[str, pd.DataFrame],
    folder: Path,
    pg: str | None,
    repeat: int,
) -> dict[str, Any]:
    """(a), (b), (c) on one kind of database, ``repeat`` times in turn; medians."""
    times: dict[str, list[float]] = {"archive": [], "to_sql": [], "history": [], "read_sql": []}
    steps: dict[str, list[float]] = {}
    person = str(frames["results"]["person_id"].iloc[len(frames["results"]) // 2])
    for _ in range(max(1, repeat)):
        with fresh(kind, folder, pg) as db:
            times["archive"].append(time_archive(master, db, steps))
            for _ in range(5):  # a person's history: a short query, so several of each
                times["history"].append(time_history(person, db, 1))
                times["read_sql"].append(time_read_sql(person, db, 1))
        with fresh(kind, folder, pg) as db:
            times["to_sql"].append(time_to_sql(frames, db))
    return {
        "median": {name: median(values) for name, values in times.items()},
        "range": {name: (min(v), max(v)) for name, v in times.items()},
        "steps": {name: median(values) for name, values in steps.items()},
    }


def report(kind: str, out: dict[str, Any], rows: int) -> None:
    m, r, steps = out["median"], out["range"], out["steps"]
    write = steps.get("write the archive", float("nan"))
    print(f"{kind}:")
    print(f"  {'variant':<48}{'median s':>10}{'range':>18}")
    labels = {
        "archive": "(a) kpixl archive_master, end to end",
        "to_sql": f"(b) pandas DataFrame.to_sql ({rows:,} rows)",
        "history": "(c) kpixl person_history",
        "read_sql": "(c) pandas read_sql, same query",
    }
    for name, label in labels.items():
        low, high = r[name]
        print(f"  {label:<48}{m[name]:>10.3f}{f'{low:.3f}–{high:.3f}':>18}")
    print("  archive_master, by step (medians):")
    for step, seconds in steps.items():
        print(f"    {step:<46}{seconds:>10.3f}")
    print("  ratios:")
    print(f"    archive ÷ to_sql (end to end)      {m['archive'] / m['to_sql']:6.2f}")
    print(f"    archive write step ÷ to_sql        {write / m['to_sql']:6.2f}")
    print(f"    history ÷ read_sql                 {m['history'] / m['read_sql']:6.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--people-per-unit", type=int, default=50)
    parser.add_argument("--data", type=Path, default=None, help="keep the generated data set here")
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds (medians)")
    parser.add_argument("--pg", default=None, help="also on this PostgreSQL server (a URL)")
    args = parser.parse_args()
    data = args.data or Path(tempfile.mkdtemp(prefix="kpixl-bench-archive-"))
    try:
        master = prepare(data, args.units, args.people_per_unit)
        frames = same_rows(master)
        rows = sum(len(f) for f in frames.values())
        counts = "   ".join(f"{name}: {len(f):,}" for name, f in frames.items())
        print(f"rows: {rows:,}   {counts}   repeat: {max(1, args.repeat)}")
        backends: list[tuple[str, Callable[[], dict[str, Any]]]] = [
            ("sqlite", lambda: run_backend("sqlite", master, frames, data, None, args.repeat))
        ]
        if args.pg:
            backends.append(
                (
                    "postgresql",
                    lambda: run_backend("pg", master, frames, data, args.pg, args.repeat),
                )
            )
        for kind, run in backends:
            report(kind, run(), rows)
    finally:
        if not args.data:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
