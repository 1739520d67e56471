"""Reading, validating and scoring unit workbooks, across worker processes.

:func:`score_units` is what one worker does with its share of the files: read each unit
workbook (:func:`kpixl.workbooks.unit.read_unit`), validate its KPI and competency rows
(the pandera schemas), recompute every score and report where the workbook's stated
totals differ. :func:`read_units` hands the files to the workers in chunks and streams
their outcomes back, in file order, to the caller: the main process keeps only what the
caller keeps of each, never one object per unit workbook.

Workers are given paths and plain data (the rules, the limits) and send back plain
data; they work under every start method (``fork`` on Linux, ``spawn`` on Windows,
``KPIXL_START_METHOD`` forces one: :func:`kpixl.io.workers.start_method`).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from kpixl.core.codes import finding
from kpixl.core.findings import ERROR, Finding
from kpixl.core.numbers import PercentStyle, parse_number, parse_percent
from kpixl.core.rules import Rules
from kpixl.core.scoring_table import evaluate_table, missing_inputs
from kpixl.core.text import text_of, texts
from kpixl.io.grid import blocks_frame
from kpixl.io.limits import FINDINGS_PER_FILE, UNIT, Limits
from kpixl.io.workers import Alone, start_method, start_pool
from kpixl.jobs.results import UnitOutcome
from kpixl.schemas.backend import Locator, normalize_table, once_per_cell, validate_table
from kpixl.schemas.tables import TABLES, TableSpec
from kpixl.workbooks import unit_layout as U
from kpixl.workbooks.unit import UnitForm, carried_findings, read_unit

__all__ = ["CHUNK", "MIN_CHUNK", "chunks", "read_units", "score_units"]

T = TypeVar("T")
CHUNK = 50  # unit workbooks a worker validates and scores in one pass (memory stays flat)
MIN_CHUNK = 5


def score_units(
    paths: list[Path], rules: Rules, limits: Limits = UNIT, cap: int = FINDINGS_PER_FILE
) -> list[UnitOutcome]:
    """Read, validate and recompute several unit workbooks (a worker's share).

    In: paths, the round's rules, the limits on one workbook and the cap on one file's
    findings. Out: one :class:`~kpixl.jobs.results.UnitOutcome` per path, in order.

    Workbooks whose people do not overlap are validated and scored together, in one
    pass; a workbook sharing a person with an earlier one is done on its own, so that
    each file's rows are judged by themselves. A workbook over ``limits`` is a finding
    and nothing more; each file gives at most ``cap`` findings (errors first), and then
    ``file.findings_capped`` with the count of those left out.
    """
    outcomes: dict[str, UnitOutcome] = {}
    batch: list[UnitForm] = []
    alone: list[UnitForm] = []
    seen: set[str] = set()
    for path in paths:
        form = read_unit(path, blocks=True, limits=limits)
        outcome = UnitOutcome(
            path.name,
            text_of(form.meta.get("unit_code")),
            int(parse_number(form.meta.get("revision")).value or 0),
        )
        outcomes[path.name] = outcome
        outcome.findings += form.findings
        if not form.readable or form.people_block is None or not len(form.people_block.rows):
            continue
        outcome.findings += carried_findings(form.carried)
        assert form.kpi_block is not None and form.competency_block is not None  # blocks=True
        raw_ids = {  # each id once (True and 1 kept apart), then as text
            (type(v), v)
            for column in (
                form.people_block.column("person_id"),
                form.kpi_block.column("person_id"),
                form.competency_block.column("person_id"),
            )
            for v in column
        }
        ids = {text_of(v) for _, v in raw_ids}
        (alone if ids & seen else batch).append(form)
        seen |= ids
    for group in [batch, *[[form] for form in alone]]:
        if group:
            _evaluate_forms(group, outcomes, rules)
    for outcome in outcomes.values():
        outcome.findings = _capped(outcome.findings, cap, outcome.file)
    return [outcomes[p.name] for p in paths]


def _capped(findings: list[Finding], cap: int, file: str) -> list[Finding]:
    """At most ``cap`` of ``findings`` in their order, errors before warnings, and one
    finding counting those left out."""
    if len(findings) <= cap:
        return findings
    errors = [i for i, f in enumerate(findings) if f.severity == ERROR]
    warnings = [i for i, f in enumerate(findings) if f.severity != ERROR]
    kept = sorted(errors[:cap] + warnings[: max(0, cap - len(errors))])
    left = len(findings) - len(kept)
    return [findings[i] for i in kept] + [
        finding("file.findings_capped", value=left, limit=cap, file=file)
    ]


_ACTUALS = TableSpec("results", TABLES["results"].title, (TABLES["results"].column("actual"),))
_SCORE_FIELDS = ("person_id", "achievement", "competency", "total", "band")
_HALF_CENT = Decimal("0.005")


def _evaluate_forms(forms: list[UnitForm], outcomes: dict[str, UnitOutcome], rules: Rules) -> None:
    first = forms[0].path.name

    def route(findings: list[Finding]) -> None:
        for f in findings:
            outcomes[f.file if f.file in outcomes else first].findings.append(f)

    kpi_letters = dict(U.KPI_COLUMNS)
    kpi_blocks = [b for f in forms if (b := f.kpi_block) is not None]
    comp_blocks = [b for f in forms if (b := f.competency_block) is not None]
    kpis_raw = blocks_frame(kpi_blocks, list(U.KPI_COLUMNS), U.KPIS)
    comps_raw = blocks_frame(comp_blocks, list(U.COMP_COLUMNS), U.COMPETENCIES)
    agreement = validate_table(
        kpis_raw, "agreement", rules=rules, locator=Locator(first, U.KPIS, kpi_letters)
    )
    results = normalize_table(  # the ids were read with the agreement: only the actuals
        kpis_raw[["person_id", "kpi_code", "actual", "_row", "_file", "_sheet"]],
        _ACTUALS,
        locator=Locator(first, U.KPIS, kpi_letters),
    )
    comps = validate_table(
        comps_raw,
        "competencies",
        rules=rules,
        locator=Locator(first, U.COMPETENCIES, dict(U.COMP_COLUMNS)),
    )
    known = (
        agreement.findings + comps.findings + [f for f in results.findings if f.field == "actual"]
    )
    route(known)
    bad_people = {f.person_id for f in agreement.findings + comps.findings if f.severity == ERROR}
    kpis = agreement.frame.copy()
    kpis["actual"] = pd.Series(list(results.frame["actual"]), index=kpis.index, dtype=object)
    kpis["_cell_actual"] = [f"{U.KPI_COLUMNS['actual']}{r}" for r in kpis["_row"].tolist()]
    ratings = comps.frame.copy()
    ratings["_cell_rating"] = [f"{U.COMP_COLUMNS['rating']}{r}" for r in ratings["_row"].tolist()]
    bad_kpis, bad_ratings = (
        kpis["person_id"].isin(bad_people),
        ratings["person_id"].isin(bad_people),
    )
    # people not scored (their agreement has errors) still hear of every blank input
    route(once_per_cell(missing_inputs(kpis[bad_kpis], ratings[bad_ratings]), known))
    kpis, ratings = kpis[~bad_kpis], ratings[~bad_ratings]
    ids: list[Any] = []
    flags: list[Any] = []
    for f in forms:
        assert f.people_block is not None  # read with blocks=True
        ids += f.people_block.column("person_id")
        flags += f.people_block.column("probation")
    probation = pd.DataFrame(
        {"person_id": texts(ids), "probation": [v == "ใช่" for v in texts(flags)]}
    )
    evaluated = (
        evaluate_table(kpis, ratings, people=probation, rules=rules) if not kpis.empty else None
    )
    route(once_per_cell(evaluated.findings, known) if evaluated is not None else [])
    scores: dict[str, tuple[Any, ...]] = (
        {}
        if evaluated is None
        else {
            r[0]: r for r in zip(*(evaluated.frame[k].tolist() for k in _SCORE_FIELDS), strict=True)
        }
    )
    memo: dict[tuple[Any, ...], Any] = {}  # the same few % and revisions repeat
    for form in forms:
        _people_rows(form, scores, outcomes[form.path.name], memo)


def _people_rows(
    form: UnitForm,
    scores: dict[str, tuple[Any, ...]],
    outcome: UnitOutcome,
    memo: dict[tuple[Any, ...], Any],
) -> None:
    """The workbook's evaluated people into ``outcome.people`` (as
    :data:`~kpixl.jobs.results.PERSON_FIELDS`), with findings on their % and totals."""
    name = form.path.name
    people = form.people_block
    assert people is not None  # read with blocks=True
    pct_col = U.PEOPLE_COLUMNS["pct"][0]
    total_col = U.PEOPLE_COLUMNS["total"][0]
    columns = [people.column(c) for c in ("pct", "total", "revision")]
    ids = texts(people.column("person_id"))
    for pid, raw_pct, raw_total, raw_revision, row in zip(
        ids, *columns, people.rows.tolist(), strict=True
    ):
        pct = _parsed(memo, "pct", raw_pct)
        if pct.problem or pct.note:
            code = (
                f"cell.{pct.note}"
                if not pct.problem
                else "cell.excel_error"
                if pct.problem == "excel_error"
                else "cell.not_a_number"
            )
            extra = {"number": pct.value} if not pct.problem else {}
            outcome.findings.append(
                finding(
                    code,
                    field="pct",
                    value=raw_pct,
                    label="ร้อยละที่เสนอ",
                    cell=f"{pct_col}{row}",
                    **extra,
                    file=name,
                    sheet=U.PEOPLE,
                    person_id=pid,
                )
            )
        score = scores.get(pid)
        if score is None or score[3] is None:  # no total
            continue
        _, achievement, competency, total, band = score
        stated = _parsed(memo, "number", raw_total)
        if stated is not None and abs(stated - total) >= _HALF_CENT:
            outcome.findings.append(
                finding(
                    "consolidate.stated_differs",
                    field="total",
                    value=stated,
                    total=total,
                    cell=f"{total_col}{row}",
                    file=name,
                    sheet=U.PEOPLE,
                    person_id=pid,
                )
            )
        revision = _parsed(memo, "revision", raw_revision)
        outcome.people.append(
            (
                pid,
                outcome.unit_code,
                achievement,
                competency,
                total,
                band,
                pct.value,
                revision,
                name,
            )
        )


def _parsed(memo: dict[tuple[Any, ...], Any], kind: str, raw: Any) -> Any:
    """A % (parsed), a number's value or a revision (whole), once per distinct value."""
    key = (kind, type(raw), raw)
    if key not in memo:
        if kind == "pct":
            memo[key] = parse_percent(raw, PercentStyle.POINTS_OR_FRACTION)
        elif kind == "number":
            memo[key] = parse_number(raw).value
        else:
            memo[key] = int(parse_number(raw).value or 0)
    return memo[key]


# --------------------------------------------------------------------------- workers


def chunks(files: list[Path], jobs: int) -> list[list[Path]]:
    """The files in chunks of at most CHUNK, getting smaller towards the end (a quarter
    of what is left per worker, at least MIN_CHUNK) so that the workers finish together."""
    out, start = [], 0
    while start < len(files):
        size = max(MIN_CHUNK, min(CHUNK, (len(files) - start) // (4 * jobs)))
        out.append(files[start : start + size])
        start += size
    return out


def read_units(
    files: list[Path],
    rules: Rules,
    *,
    each: Callable[[UnitOutcome], None],
    meanwhile: Callable[[], T],
    jobs: int | None = None,
    limits: Limits = UNIT,
    cap: int = FINDINGS_PER_FILE,
    progress: Callable[[Iterable[Path]], Iterable[Path]] | None = None,
) -> T:
    """Every unit workbook scored (:func:`score_units`) by ``jobs`` worker processes.

    In: the unit files and the round's rules (and limits, cap). Out: ``each`` is called
    with every file's outcome, in ``files`` order, as its chunk comes in; the outcomes
    are not kept. ``meanwhile()`` runs in the main process while the workers read (the
    roster is validated then); its result is returned.

    A worker that dies (killed, out of memory, a reader's crash) breaks the pool: the
    chunks not done are read again, each in a process of its own, and the files of one
    that dies again one by one, so that the file a worker cannot survive is named in a
    ``file.worker_died`` finding and every other file is read. Workers end when the main
    process does (:func:`kpixl.io.workers.worker_start`).
    """
    jobs = jobs or min(os.cpu_count() or 1, 8)
    parts = chunks(files, jobs)
    tick = iter(progress(files)) if progress else None

    def collect(done: list[UnitOutcome]) -> None:
        for outcome in done:
            each(outcome)
            if tick is not None:
                next(tick, None)

    if jobs <= 1 or len(parts) < 2:
        side = meanwhile()
        for part in parts:
            collect(score_units(part, rules, limits, cap))
        return side
    for done in _in_workers(parts, rules, limits, cap, jobs, meanwhile):
        if isinstance(done, _Side):
            side = done.value
        else:
            collect(done)
    return side


class _Side:
    """``meanwhile()``'s result, passed along the stream of chunk outcomes."""

    def __init__(self, value: Any) -> None:
        self.value = value


def _in_workers(
    parts: list[list[Path]],
    rules: Rules,
    limits: Limits,
    cap: int,
    jobs: int,
    meanwhile: Callable[[], Any],
) -> Iterator[list[UnitOutcome] | _Side]:
    """Each chunk's outcomes, in order, from a pool of ``jobs`` workers (``meanwhile()``'s
    result first, once the workers are started)."""
    fork = start_method() == "fork"
    if fork:  # the forked workers inherit the heap as it is now; frozen, their full
        gc.freeze()  # garbage collections skip it (unfrozen once they are started)
    try:
        pool = start_pool(jobs)
        futures = [_submit(pool, score_units, part, rules, limits, cap) for part in parts]
    finally:
        if fork:
            gc.unfreeze()
    # once a worker has died the pool is broken: the chunks it did not finish wait for
    # the processes of their own (``_alone``), and the outcomes still come in order
    waiting: list[tuple[list[Path], list[UnitOutcome] | None]] = []
    with pool:
        yield _Side(meanwhile())
        for i, (part, future) in enumerate(zip(parts, futures, strict=True)):
            done = _result(future)
            futures[i] = None  # the outcomes are the caller's now
            if done is not None and not waiting:
                yield done
            else:
                waiting.append((part, done))
    again = iter(_alone([c for c, done in waiting if done is None], rules, limits, cap, jobs))
    for _, done in waiting:
        yield done if done is not None else next(again)


def _submit(pool: ProcessPoolExecutor, fn: Callable[..., T], *args: Any) -> Future[T] | None:
    """``pool.submit``, None when the pool is already broken (a worker died early)."""
    try:
        return pool.submit(fn, *args)
    except BrokenProcessPool:
        return None


def _result(future: Future[T] | None) -> T | None:
    """A future's result, None when its worker (or another) died first."""
    try:
        return None if future is None else future.result()
    except BrokenProcessPool:
        return None


def _alone(
    parts: list[list[Path]], rules: Rules, limits: Limits, cap: int, jobs: int
) -> list[list[UnitOutcome]]:
    """Each chunk's outcomes, each chunk read in a process of its own (``jobs`` at a
    time); a chunk whose process dies is read again file by file, and a file whose own
    process dies is a ``file.worker_died`` finding."""
    out: list[list[UnitOutcome]] = []
    for start in range(0, len(parts), jobs):
        batch = parts[start : start + jobs]
        runs = [Alone(score_units, part, rules, limits, cap) for part in batch]
        for part, run in zip(batch, runs, strict=True):
            done, why = run.result()
            if done is not None:
                out.append(done)
            elif len(part) > 1:
                out.append(
                    [
                        o
                        for one in _alone([[p] for p in part], rules, limits, cap, jobs)
                        for o in one
                    ]
                )
            else:
                name = part[0].name
                died = finding("file.worker_died", value=why, file=name)
                out.append([UnitOutcome(name, "", 0, findings=[died])])
    return out
