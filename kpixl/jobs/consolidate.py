"""Consolidate: every unit workbook in, the round's results, pools and reports out.

The pipeline, one stage per step, each a public function in the module that owns its
data:

1. the round's settings from the master's Config: rules, policy, limits, unit files
   (:mod:`kpixl.jobs.round`);
2. every unit workbook read, validated and scored, across worker processes
   (:func:`kpixl.jobs.units.read_units`), while the main process validates the roster
   (:func:`kpixl.jobs.match.validate_roster`) and keeps the newest evaluation of each
   person (:class:`kpixl.jobs.match.Newest`);
3. the evaluations matched to the roster (:func:`kpixl.jobs.match.match_people`);
4. every pool allocated (:func:`kpixl.core.pool_allocation.allocate_round`) and the
   Summary made (:func:`kpixl.workbooks.master_results.summary_frame`);
5. the result sheets written into the master, atomically, under the master's lock, the
   previous file kept in .kpixl-backups/, and the CSV export
   (:mod:`kpixl.workbooks.master_results`).

Source workbooks are only read. The same inputs always give the same output bytes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from pathlib import Path

import pandas as pd

from kpixl.core.codes import finding
from kpixl.core.errors import FileWriteError
from kpixl.core.findings import Finding
from kpixl.core.pool_allocation import allocate_round
from kpixl.io.atomic import write_bytes_atomic, write_finding
from kpixl.io.lock import hold_lock
from kpixl.jobs.cross_round import history_findings
from kpixl.jobs.match import Newest, match_people, validate_roster
from kpixl.jobs.past import read_past
from kpixl.jobs.results import Consolidation
from kpixl.jobs.round import (
    POLICIES,
    SHAPES,
    backups_to_keep,
    document_dates,
    mail_settings,
    round_rules,
    round_settings,
    unit_files,
)
from kpixl.jobs.units import read_units
from kpixl.workbooks import master_layout as M
from kpixl.workbooks import unit_layout as U
from kpixl.workbooks.master import MasterInputs, read_master
from kpixl.workbooks.master_results import (
    issues_rows,
    output_bytes,
    output_sheets,
    summary_frame,
    write_export,
)

__all__ = [
    "POLICIES",
    "SHAPES",
    "Consolidation",
    "consolidate",
    "consolidate_inputs",
    "issues_rows",
    "output_bytes",
    "output_sheets",
    "round_rules",
    "unit_files",
]

Progress = Callable[[Iterable[Path]], Iterable[Path]]


def consolidate(
    master: str | Path,
    *,
    units_dir: str | Path | None = None,
    policy: str | None = None,
    shape: str | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    export: str | Path | None = None,
    write: bool = True,
) -> Consolidation:
    """Consolidate the round of the master workbook at ``master``; never raises on bad
    input (it becomes a finding).

    In: the master's path (its Config says where the unit workbooks are, ``units_dir``
    overrides it; ``policy`` and ``shape`` override Config's), ``jobs`` worker processes.
    Out: the :class:`Consolidation`; with ``write`` its result sheets are in the master,
    with ``export`` the results are in that CSV file too.

    While it runs (with ``write``) it holds the master's lock: a second run on the same
    master raises :class:`~kpixl.core.errors.LockedError` naming this one. A master that
    cannot be written (disk full, read-only) is a ``write.*`` finding and exit code 2.
    """
    master = Path(master)
    with hold_lock(master, command="kpixl consolidate") if write else nullcontext():
        start = time.perf_counter()
        inputs = read_master(master, roster=False)  # the roster: while the workers run
        read = time.perf_counter() - start
        consolidation = consolidate_inputs(
            inputs, units_dir=units_dir, policy=policy, shape=shape, jobs=jobs, progress=progress
        )
        consolidation.timings = {"read master": read, **consolidation.timings}
        if consolidation.rules is not None and consolidation.units_read:
            start = time.perf_counter()
            keep = backups_to_keep(inputs, consolidation.findings)
            try:
                if write:
                    data = output_bytes(
                        master.read_bytes(), consolidation, jobs=jobs, roster=inputs.roster
                    )
                    write_bytes_atomic(master, data, backup=True, keep=keep)
                if export:
                    write_export(Path(export), consolidation.results)
            except FileWriteError as exc:
                consolidation.findings.append(write_finding(exc))
                consolidation.write_failed = True
            consolidation.timings["write master"] = time.perf_counter() - start
    return consolidation


def consolidate_inputs(
    inputs: MasterInputs,
    *,
    units_dir: str | Path | None = None,
    policy: str | None = None,
    shape: str | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> Consolidation:
    """The consolidation of a master's inputs (from its file or from the open workbook).

    Nothing is written: :func:`output_sheets` gives the rows of the result sheets.
    """
    findings: list[Finding] = list(inputs.findings)
    nothing = Consolidation(
        pd.DataFrame(columns=M.RESULT_COLUMNS), pd.DataFrame(), pd.DataFrame(), findings
    )
    if findings:
        return nothing
    # 1. the round's settings
    nothing.rules = rules = round_rules(inputs, inputs.path, findings)
    if rules is None:
        return nothing
    settings = round_settings(
        inputs, rules, findings, units_dir=units_dir, policy=policy, shape=shape
    )
    if settings is None:
        return nothing
    document_dates(inputs, findings)
    mail_settings(inputs, findings)  # addresses, SMTP, due dates, texts: warnings only
    past = read_past(inputs.path, inputs.config, findings)
    clock = _Clock()
    # 2. the unit workbooks, read by the workers while this process validates the roster
    newest = Newest()
    roster = read_units(
        list(settings.files),
        rules,
        each=newest.take,
        meanwhile=lambda: validate_roster(inputs, rules),
        jobs=jobs,
        limits=settings.limits,
        cap=settings.cap,
        progress=progress,
    )
    late = [f for f in inputs.findings if f not in findings]  # the master, read late
    if late:
        findings += late
        return nothing
    findings += roster.findings + newest.findings
    if not newest.any_unit:  # a wrong folder: the master stays as it is
        folder = str(settings.folder)
        findings.append(
            finding("consolidate.no_units", value=folder, file=inputs.path.name, sheet=M.CONFIG)
        )
        return nothing
    clock.lap("unit workbooks (workers) and the roster")
    # 3. people to the roster
    people, matched = match_people(roster, newest, inputs.path.name)
    findings += matched
    clock.lap("match people to the roster")
    # 4. the pools
    results, pools, allocated = allocate_round(
        people,
        roster.payroll(),
        rules=rules,
        policy=settings.policy,
        shape=settings.shape,
        columns=M.RESULT_COLUMNS,
        pct_sheet=U.PEOPLE,
    )
    findings += allocated
    clock.lap("allocate")
    findings += history_findings(inputs, roster, results, past, rules)  # the last round's
    clock.lap("checks across rounds")
    summary = summary_frame(results, inputs.units, rules)
    clock.lap("summary")
    return Consolidation(
        results, pools, summary, findings, rules, newest.units, timings=clock.laps, past=past
    )


class _Clock:
    """Seconds per step, for the benchmark's breakdown."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self._last
        self._last = now
