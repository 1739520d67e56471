"""Benchmark: consolidating 1,000 unit workbooks (50,000 people), end to end.

Builds the data set once (``--data DIR`` keeps it for later runs), then prints, from the
same run, with the same master written by every kpixl variant:

* the Linux default: kpixl consolidate with the C scanner and forked workers;
* the Windows path: the same jobs with ``KPIXL_PURE=1 KPIXL_START_METHOD=spawn`` (no C
  scanner, spawned workers: what Windows runs);
* Windows with a C wheel: the C scanner on, spawned workers (what Windows would run with
  a prebuilt ``win_amd64`` wheel; for comparison, not a target);
* a plain pandas + calamine script: ``pandas.read_excel(engine="calamine")`` of every
  unit workbook's sheets, then ``to_excel`` of the result rows and of the official
  documents' rows (the announcements and the salary order, which consolidate writes);
* the floor: a bare unzip + XML scan of every input, plus writing the same result rows
  and documents' rows as raw sheet XML.

After one uncounted run of each, the variants are timed in turn ``--repeat`` times
(floor, Linux, Windows, pandas, floor, …; this machine's speed drifts, so each round
sees the same speed) and the medians are compared. Targets (issue 14, on the 1,000-unit
set): the Windows path within 1.3× the Linux default, at least 2× faster than the
pandas script; the Linux default within 3× the floor.

    python benchmarks/consolidate.py [--units 1000] [--people-per-unit 50] [--data DIR]
                                     [--repeat N] [--jobs N]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from kpixl.core.rules import default_rules
from kpixl.io.sheet_xml import replace_rows
from kpixl.io.xlsx_package import Package
from kpixl.jobs.consolidate import consolidate
from kpixl.jobs.demo import build_demo
from kpixl.workbooks import master_layout as M
from kpixl.workbooks import unit_layout as U
from kpixl.workbooks.master import master_bytes, read_master
from kpixl.workbooks.master_results import output_sheets
from kpixl.workbooks.unit import read_unit

BASES = 20


def national_id(n: int) -> str:
    first12 = f"5{n:011d}"
    digits = [int(c) for c in first12]
    return first12 + str((11 - sum(d * (13 - i) for i, d in enumerate(digits)) % 11) % 10)


def build(data: Path, units: int, per_unit: int) -> None:
    """Unit workbooks made by patching a few real ones (unique people in each)."""
    rules = default_rules()
    seed_dir = data / "seed"
    demo = build_demo(seed_dir, units=BASES, people=BASES * per_unit, seed=7)
    base_master = read_master(demo.master)
    roster_by_id = {str(r["person_id"]): r for r in base_master.roster.to_dict("records")}
    bases = []
    for path in sorted((seed_dir / "units").glob("*.xlsx")):
        form = read_unit(path)
        bases.append((Package.read(path), form))
    out = data / "units"
    out.mkdir(parents=True, exist_ok=True)
    roster = []
    units_rows = []
    person = 0
    for u in range(units):
        package, form = bases[u % len(bases)]
        code = f"B{u + 1:04d}"
        ids = {}
        for pid in form.people["person_id"]:
            ids[str(pid)] = national_id(person)
            record = dict(roster_by_id[str(pid)])
            record.update(  # each person their own address, as on a real roster
                person_id=ids[str(pid)], unit=code, email=f"p{person:05d}@example.org"
            )
            roster.append({k: record.get(k) for k in M.ROSTER_COLUMNS})
            person += 1
        edits: dict[str, dict[str, object]] = {
            U.HIDDEN: {
                U.meta_cell("unit_code"): code,
                U.meta_cell("unit_name"): f"หน่วยงานทดสอบ {u + 1}",
            },
            U.PEOPLE: {},
            U.KPIS: {},
            U.COMPETENCIES: {},
        }
        for sheet, frame in (
            (U.PEOPLE, form.people),
            (U.KPIS, form.kpis),
            (U.COMPETENCIES, form.competencies),
        ):
            for row, pid in zip(frame["_row"], frame["person_id"], strict=True):
                edits[sheet][f"A{row}"] = ids[str(pid)]
        (out / f"{code}.xlsx").write_bytes(package.patched(edits))
        units_rows.append({"unit_code": code, "unit_name": f"หน่วยงานทดสอบ {u + 1}", "head": ""})
    master = master_bytes(
        rules=rules, config={"round_id": "2570/1", "units_folder": "units"}, units=units_rows
    )
    rows = [[r.get(c) for c in M.ROSTER_COLUMNS] for r in roster]
    package = Package.read(master)
    part = package.sheets[M.ROSTER]
    xml = replace_rows(package.parts[part].decode(), rows, first_row=M.FIRST_ROW)
    (data / "master.template.xlsx").write_bytes(package.to_bytes({part: xml.encode()}))
    shutil.rmtree(seed_dir)


_CELL = re.compile(rb"<c ")


def floor(
    files: list[Path], results: list[list[object]], documents: dict[str, list[list[object]]]
) -> float:
    start = time.perf_counter()
    cells = 0
    for path in files:
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if name.startswith("xl/worksheets/"):
                    cells += len(_CELL.findall(zf.read(name)))
    template = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>'
    replace_rows(template, results, first_row=M.FIRST_ROW)
    for rows in documents.values():
        replace_rows(template, rows, first_row=1)
    return time.perf_counter() - start


WINDOWS = {"KPIXL_PURE": "1", "KPIXL_START_METHOD": "spawn"}
# Windows with the C scanner (a prebuilt wheel): spawn workers, the C scanner on
SPAWN_C = {"KPIXL_PURE": "0", "KPIXL_START_METHOD": "spawn"}


def pandas_calamine(
    files: list[Path],
    rows: list[list[object]],
    documents: dict[str, list[list[object]]],
    out: Path,
) -> float:
    """A plain script: every unit workbook read with pandas' calamine engine, the tables
    joined, and the result rows and the documents' rows written with ``to_excel``."""
    start = time.perf_counter()
    tables: dict[str, list[pd.DataFrame]] = {}
    for path in files:
        for sheet, frame in pd.read_excel(path, sheet_name=None, engine="calamine").items():
            tables.setdefault(sheet, []).append(frame)
    for frames in tables.values():
        pd.concat(frames, ignore_index=True)
    with pd.ExcelWriter(out) as writer:
        pd.DataFrame(rows, columns=list(M.RESULT_COLUMNS)).to_excel(
            writer, sheet_name=M.RESULTS, index=False
        )
        for sheet, table in documents.items():
            pd.DataFrame(table).to_excel(writer, sheet_name=sheet, index=False, header=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--people-per-unit", type=int, default=50)
    parser.add_argument("--data", type=Path, default=None, help="keep the generated data set here")
    parser.add_argument("--jobs", type=int, default=None, help="kpixl's workers (default: cores)")
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds (medians)")
    args = parser.parse_args()
    data = args.data or Path(tempfile.mkdtemp(prefix="kpixl-bench-"))
    if not (data / "master.template.xlsx").exists():
        t = time.perf_counter()
        build(data, args.units, args.people_per_unit)
        print(f"built the data set in {time.perf_counter() - t:.1f} s ({data})")
    master = data / "master.xlsx"
    files = sorted((data / "units").glob("*.xlsx"))
    rows: list[list[object]] = []
    documents: dict[str, list[list[object]]] = {}  # the official documents' rows, by sheet
    results: dict[str, Any] = {}

    def kpixl(name: str, env: dict[str, str]) -> Callable[[], float]:
        def run() -> float:
            saved = {k: os.environ.get(k) for k in {**WINDOWS, **SPAWN_C}}
            os.environ.update(env)
            try:
                shutil.copy(data / "master.template.xlsx", master)
                start = time.perf_counter()
                result = consolidate(master, jobs=args.jobs)
                seconds = time.perf_counter() - start
            finally:
                for k, v in saved.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v
            results.setdefault(name, result)
            if not rows:
                records = result.results.to_dict("records")
                rows.extend([r[c] for c in M.RESULT_COLUMNS] for r in records)
                for sheet, (table, _) in output_sheets(result).items():
                    if sheet in M.DOCUMENTS:  # written by consolidate too
                        width = max(map(len, table), default=0)
                        documents[sheet] = [[*row, *[None] * (width - len(row))] for row in table]
            return seconds

        return run

    variants: dict[str, Callable[[], float]] = {
        "floor": lambda: floor(files, rows, documents),
        "linux": kpixl("linux", {}),
        "windows": kpixl("windows", WINDOWS),
        "spawn_c": kpixl("spawn_c", SPAWN_C),
        "pandas": lambda: pandas_calamine(files, rows, documents, data / "pandas-master.xlsx"),
    }
    variants["linux"]()  # uncounted: the result rows the floor and pandas write, warm caches
    for name in ("windows", "spawn_c", "pandas", "floor"):
        variants[name]()
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(max(1, args.repeat)):
        for name, run in variants.items():
            times[name].append(run())
    median = {name: statistics.median(seconds) for name, seconds in times.items()}
    linux, windows = results["linux"], results["windows"]
    same = all(
        linux.results.equals(other.results) and linux.findings == other.findings
        for other in (windows, results["spawn_c"])
    )
    print(
        f"units: {len(files):,}   people: {len(linux.results):,}   "
        f"findings: {len(linux.findings):,}   jobs: {args.jobs or os.cpu_count()}   "
        f"rounds: {max(1, args.repeat)}   Windows path gives the same results: {same}"
    )
    labels = {
        "floor": "floor (unzip + XML scan + raw result XML)",
        "linux": "Linux default (C scanner, fork workers)",
        "windows": "Windows path (KPIXL_PURE=1, spawn workers)",
        "spawn_c": "Windows with a C wheel (C scanner, spawn)",
        "pandas": "pandas read_excel(calamine) + to_excel",
    }
    print(f"{'variant':<46}{'median s':>10}{'range':>16}{'× floor':>9}")
    for name, label in labels.items():
        low, high = min(times[name]), max(times[name])
        print(
            f"{label:<46}{median[name]:>10.2f}{f'{low:.2f}–{high:.2f}':>16}"
            f"{median[name] / median['floor']:>9.1f}"
        )
    print("ratios (targets on the 1,000-unit set):")
    print(f"  Windows path ÷ Linux default   {median['windows'] / median['linux']:5.2f}  (≤ 1.3)")
    print(f"  (C wheel + spawn ÷ Linux default {median['spawn_c'] / median['linux']:5.2f})")
    print(f"  pandas script ÷ Windows path   {median['pandas'] / median['windows']:5.2f}  (≥ 2)")
    print(f"  Linux default ÷ floor          {median['linux'] / median['floor']:5.2f}  (≤ 3)")
    print("Linux default, by step (first run):")
    for step, seconds in linux.timings.items():
        print(f"  {step:<46}{seconds:>10.2f}")
    if not args.data:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
