"""Consolidate: every unit workbook in, the round's results, pools and reports out.

1. Read the master's Config, Units and Roster; build the rule set (defaults, agency
   file, Config overrides).
2. Read every unit workbook (python-calamine, across processes), validate its tables,
   recompute every score from the KPI and competency rows.
3. Keep one evaluation per person (the newest revision), match it to the roster.
4. Allocate every pool; write Results, Summary, Pools, Issues, Announcement and the
   salary-order table into the master (atomically, under the master's lock, the
   previous file kept in .kpixl-backups/).

Source workbooks are only read. The same inputs always give the same output bytes.
"""

from __future__ import annotations

import csv
import gc
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from kpixl.core.codes import finding
from kpixl.core.eligibility import ELIGIBILITY_FIELDS
from kpixl.core.errors import FileWriteError, RuleError
from kpixl.core.findings import ERROR, Finding, has_errors
from kpixl.core.numbers import PercentStyle, parse_number, parse_percent
from kpixl.core.pool_allocation import allocate_pools
from kpixl.core.rules import Rules, load_rules, overrides_from_flat
from kpixl.core.scoring_table import evaluate_table, missing_inputs
from kpixl.core.text import text_of, texts
from kpixl.io.atomic import write_bytes_atomic, write_finding
from kpixl.io.backups import DEFAULT_KEEP, MAX_KEEP, keep_setting
from kpixl.io.cell_text import csv_text
from kpixl.io.grid import blocks_frame
from kpixl.io.limits import FINDINGS_PER_FILE, UNIT, Limits, findings_per_file, limits_from_config
from kpixl.io.lock import hold_lock
from kpixl.io.sheet_xml import ColumnRows, Formula
from kpixl.io.speed import type_set
from kpixl.io.workers import Alone, start_pool
from kpixl.schemas.backend import Locator, normalize_table, once_per_cell, validate_table
from kpixl.schemas.tables import TABLES, TableSpec
from kpixl.workbooks import master_layout as M
from kpixl.workbooks import unit_layout as U
from kpixl.workbooks.master import MasterInputs, read_master, result_bytes
from kpixl.workbooks.unit import carried_findings, read_unit

__all__ = [
    "Consolidation",
    "consolidate",
    "consolidate_inputs",
    "issues_rows",
    "output_bytes",
    "output_sheets",
    "round_rules",
    "text_of",
    "unit_files",
]

T = TypeVar("T")
POLICIES = ("manual", "table", "optimize")
SHAPES = ("flat", "proportional")


@dataclass
class UnitOutcome:
    """What one unit workbook contributes: evaluated people and findings."""

    file: str
    unit_code: str
    revision: int
    people: list[dict[str, Any]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


@dataclass
class Consolidation:
    results: pd.DataFrame
    pools: pd.DataFrame
    summary: pd.DataFrame
    findings: list[Finding]
    rules: Rules | None = None
    units_read: int = 0
    timings: dict[str, float] = field(default_factory=dict)  # step → seconds (benchmarks)
    write_failed: bool = False  # the master or the export could not be written (write.*)

    @property
    def exit_code(self) -> int:
        if self.write_failed:
            return 2
        return 1 if has_errors(self.findings) else 0


def process_unit(
    path: Path, rules: Rules, limits: Limits = UNIT, cap: int = FINDINGS_PER_FILE
) -> UnitOutcome:
    """Read, validate and recompute one unit workbook."""
    return process_units([path], rules, limits, cap)[0]


def process_units(
    paths: list[Path], rules: Rules, limits: Limits = UNIT, cap: int = FINDINGS_PER_FILE
) -> list[UnitOutcome]:
    """Read, validate and recompute several unit workbooks (a worker's share).

    Workbooks whose people do not overlap are validated and scored together, in one
    pass; a workbook sharing a person with an earlier one is done on its own, so that
    each file's rows are judged by themselves. A workbook over ``limits`` is a finding
    and nothing more; each file gives at most ``cap`` findings (errors first), and then
    ``file.findings_capped`` with the count of those left out.
    """
    outcomes: dict[str, UnitOutcome] = {}
    batch: list[Any] = []
    alone: list[Any] = []
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


def _evaluate_forms(forms: list[Any], outcomes: dict[str, UnitOutcome], rules: Rules) -> None:
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
    scores = (
        {}
        if evaluated is None
        else {
            r[0]: dict(zip(_SCORE_FIELDS, r, strict=True))
            for r in zip(*(evaluated.frame[k].tolist() for k in _SCORE_FIELDS), strict=True)
        }
    )
    memo: dict[tuple[Any, ...], Any] = {}  # the same few % and revisions repeat
    for form in forms:
        _people_rows(form, scores, outcomes[form.path.name], memo)


_SCORE_FIELDS = ("person_id", "achievement", "competency", "total", "band")


def _people_rows(
    form: Any,
    scores: dict[Any, Any],
    outcome: UnitOutcome,
    memo: dict[tuple[Any, ...], Any] | None = None,
) -> None:
    name = form.path.name
    people = form.people_block
    assert people is not None  # read with blocks=True
    pct_col = U.PEOPLE_COLUMNS["pct"][0]
    total_col = U.PEOPLE_COLUMNS["total"][0]
    columns = [people.column(c) for c in ("pct", "total", "revision")]
    ids = texts(people.column("person_id"))
    memo = {} if memo is None else memo
    for pid, raw_pct, raw_total, raw_revision, row in zip(
        ids, *columns, people.rows.tolist(), strict=True
    ):
        key = ("pct", type(raw_pct), raw_pct)
        pct = memo.get(key)
        if pct is None:
            pct = memo[key] = parse_percent(raw_pct, PercentStyle.POINTS_OR_FRACTION)
        if pct.problem or pct.note:
            where = {"file": name, "sheet": U.PEOPLE, "person_id": pid}
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
                    **where,
                )
            )
        score = scores.get(pid)
        if score is None or score.get("total") is None:
            continue
        key = ("number", type(raw_total), raw_total)
        if key not in memo:  # the stated totals repeat too
            memo[key] = parse_number(raw_total).value
        stated = memo[key]
        if stated is not None and abs(stated - score["total"]) >= _HALF_CENT:
            outcome.findings.append(
                finding(
                    "consolidate.stated_differs",
                    field="total",
                    value=stated,
                    total=score["total"],
                    cell=f"{total_col}{row}",
                    file=name,
                    sheet=U.PEOPLE,
                    person_id=pid,
                )
            )
        outcome.people.append(
            {
                "person_id": pid,
                "unit_file": outcome.unit_code,
                "achievement": score["achievement"],
                "competency": score["competency"],
                "total": score["total"],
                "band": score["band"],
                "pct": pct.value,
                "revision": _revision(raw_revision, memo),
                "source_file": name,
            }
        )


_HALF_CENT = Decimal("0.005")


def _revision(raw: Any, memo: dict[tuple[Any, ...], Any]) -> int:
    key = ("revision", type(raw), raw)
    if key not in memo:
        memo[key] = int(parse_number(raw).value or 0)
    revision: int = memo[key]
    return revision


def unit_files(folder: Path) -> list[Path]:
    """The unit workbooks of a folder, in name order."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() in (".xlsx", ".xlsm") and not p.name.startswith(("~$", "."))
    )


def round_rules(inputs: Any, master: Path, findings: list[Finding]) -> Rules | None:
    """The round's rules from the master's Config (overrides and agency file), or None
    with every problem appended to ``findings`` at its Config cell."""
    overrides, problems = overrides_from_flat([(k, v) for k, v, _ in inputs.rule_overrides])
    agency = text_of(inputs.config.get("agency_rules"))
    path = (master.parent / agency) if agency else None
    try:
        if problems:
            raise RuleError(problems, source="Config")
        return load_rules(path, overrides=overrides)
    except RuleError as exc:
        rows = {k: r for k, _, r in inputs.rule_overrides}
        for p in exc.problems:
            findings.append(
                Finding(
                    "config.rule",
                    f"กฎ {p.rule} = {p.value}: {p.message_th}",
                    f"rule {p.rule} = {p.value}: {p.message_en}",
                    file=master.name,
                    sheet=M.CONFIG,
                    cell=f"B{rows[p.rule]}" if p.rule in rows else "",
                    field=p.rule,
                    value=str(p.value),
                )
            )
        return None


def consolidate(
    master: str | Path,
    *,
    units_dir: str | Path | None = None,
    policy: str | None = None,
    shape: str | None = None,
    jobs: int | None = None,
    progress: Callable[[Iterable[Path]], Iterable[Path]] | None = None,
    export: str | Path | None = None,
    write: bool = True,
) -> Consolidation:
    """Run the consolidation; see the module doc. Never raises on bad input.

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
            keep = _backups_to_keep(inputs, master, consolidation.findings)
            try:
                if write:
                    data = output_bytes(master.read_bytes(), consolidation, jobs=jobs)
                    write_bytes_atomic(master, data, backup=True, keep=keep)
                if export:
                    _export(Path(export), consolidation.results)
            except FileWriteError as exc:
                consolidation.findings.append(write_finding(exc))
                consolidation.write_failed = True
            consolidation.timings["write master"] = time.perf_counter() - start
    return consolidation


def _backups_to_keep(inputs: MasterInputs, master: Path, findings: list[Finding]) -> int:
    """The Config key ``backups``: how many earlier masters to keep (blank: the default)."""
    value = inputs.config.get("backups")
    keep = keep_setting(value)
    if keep is None:
        findings.append(
            finding(
                "consolidate.config",
                field="backups",
                value=value,
                why=f"จำนวนเต็ม 1–{MAX_KEEP}; ใช้ {DEFAULT_KEEP}",
                why_en=f"a whole number from 1 to {MAX_KEEP}; {DEFAULT_KEEP} used",
                file=master.name,
                sheet=M.CONFIG,
            )
        )
        return DEFAULT_KEEP
    return keep


def consolidate_inputs(
    inputs: MasterInputs,
    *,
    units_dir: str | Path | None = None,
    policy: str | None = None,
    shape: str | None = None,
    jobs: int | None = None,
    progress: Callable[[Iterable[Path]], Iterable[Path]] | None = None,
) -> Consolidation:
    """The consolidation of a master's inputs (from its file or from the open workbook).

    Nothing is written: :func:`output_sheets` gives the rows of the result sheets.
    """
    master = inputs.path
    findings: list[Finding] = list(inputs.findings)
    empty = Consolidation(
        pd.DataFrame(columns=M.RESULT_COLUMNS), pd.DataFrame(), pd.DataFrame(), findings
    )
    if findings:
        return empty
    rules = round_rules(inputs, master, findings)
    if rules is None:
        return empty
    empty.rules = rules
    policy = policy or text_of(inputs.config.get("policy")) or "optimize"
    shape = shape or text_of(inputs.config.get("shape")) or "flat"
    for key, value, allowed in (("policy", policy, POLICIES), ("shape", shape, SHAPES)):
        if value not in allowed:
            findings.append(
                finding(
                    "consolidate.config",
                    field=key,
                    value=value,
                    why=f"ใช้ได้: {', '.join(allowed)}",
                    why_en=f"one of {', '.join(allowed)}",
                    file=master.name,
                    sheet=M.CONFIG,
                )
            )
            return empty
    limits, problems = limits_from_config(inputs.config, UNIT, file=master.name, sheet=M.CONFIG)
    cap, more = findings_per_file(inputs.config, file=master.name, sheet=M.CONFIG)
    if problems or more:
        findings += problems + more
        return empty
    folder = (
        Path(units_dir)
        if units_dir
        else master.parent / (text_of(inputs.config.get("units_folder")) or "units")
    )
    files = unit_files(folder) if folder.is_dir() else []
    if not files:
        findings.append(
            finding("consolidate.no_units", value=str(folder), file=master.name, sheet=M.CONFIG)
        )
        return empty
    clock = _Clock()
    roster_letters = {name: chr(ord("A") + i) for i, name in enumerate(M.ROSTER_COLUMNS)}

    def validate_roster() -> _Roster:
        if inputs.read_roster is not None:
            inputs.read_roster()
        validated = validate_table(
            inputs.roster,
            "roster",
            rules=rules,
            locator=Locator(master.name, M.ROSTER, roster_letters),
        )
        return _Roster.of(validated, inputs.roster)

    # the roster is validated, and each unit's people taken in, while the workers read
    # the unit workbooks
    chooser = _Chooser()
    roster: _Roster
    outcomes, roster = _process_all(
        files,
        rules,
        jobs=jobs,
        progress=progress,
        meanwhile=validate_roster,
        each=chooser.take,
        limits=limits,
        cap=cap,
    )
    late = [f for f in inputs.findings if f not in findings]  # the master, read late
    if late:
        findings += late
        return empty
    findings += roster.findings + chooser.findings
    if all(_not_a_unit(o) for o in outcomes):  # a wrong folder: the master stays as it is
        findings.append(
            finding("consolidate.no_units", value=str(folder), file=master.name, sheet=M.CONFIG)
        )
        return empty
    clock.lap("unit workbooks (workers) and the roster")
    chosen = chooser.chosen
    roster_frame = roster.frame
    for pid in sorted(chosen.keys() - roster.ids):
        findings.append(
            finding(
                "consolidate.not_on_roster",
                person_id=pid,
                value=chosen[pid]["source_file"],
                file=chosen[pid]["source_file"],
            )
        )
    for record in roster.left_out.to_dict("records"):  # rows with an error: no money at all
        findings.append(
            finding(
                "consolidate.roster_left_out",
                person_id=text_of(record["person_id"]),
                value=text_of(record.get("name")),
                file=master.name,
                sheet=M.ROSTER,
                cell=f"A{record['_row']}",
            )
        )
    valid = roster.valid
    evaluated = valid[valid["person_id"].isin(chosen)]
    # people whose evaluation a unit workbook holds but with errors: not "not found"
    faulty = {f.person_id for f in chooser.findings if f.severity == ERROR and f.person_id}
    for record in roster_frame[~roster_frame["person_id"].isin(chosen)].to_dict("records"):
        found = record["person_id"] in faulty
        findings.append(
            finding(
                "consolidate.no_evaluation",
                person_id=record["person_id"],
                value=record.get("name") or "",
                why=_FAULTY_TH if found else "ไม่พบผลการประเมินในสมุดงานหน่วยงานใด",
                why_en=_FAULTY_EN if found else "no unit workbook has an evaluation",
                file=master.name,
                sheet=M.ROSTER,
                cell=f"A{record['_row']}",
            )
        )
    people = _people_frame(roster, evaluated, chosen, findings)
    clock.lap("match people to the roster")
    result = _allocate(people, roster.payroll(), rules, policy, shape, findings)
    clock.lap("allocate")
    summary = _summary(result[0], result[1], inputs, rules)
    clock.lap("summary")
    return Consolidation(
        result[0], result[1], summary, findings, rules, len(files), timings=clock.laps
    )


_CELL_ROW = re.compile(r"[A-Z]{1,3}([0-9]+)")


@dataclass
class _Roster:
    """The validated roster, and what matching needs of it, worked out while the workers
    run: the rows with an id (first of each), their ids, and the raw roster's eligibility
    facts, unit and flags by id as text.

    A row with an error finding (a salary outside its level's range, an unknown level, a
    blank or text salary, a bad id, …) is ``left_out``: it is in no pool's payroll and
    gets no increase until it is corrected. ``valid`` are the rows with an id that are
    not left out."""

    findings: list[Finding]
    frame: pd.DataFrame
    ids: set[str]
    raw: pd.DataFrame
    left_out: pd.DataFrame
    valid: pd.DataFrame

    @classmethod
    def of(cls, validated: Any, raw_roster: pd.DataFrame) -> _Roster:
        everyone = validated.frame
        bad_rows = {
            int(m.group(1))
            for f in validated.findings
            if f.severity == ERROR and (m := _CELL_ROW.fullmatch(f.cell))
        }
        bad = everyone["_row"].isin(bad_rows)
        frame = everyone[everyone["person_id"].notna()].drop_duplicates("person_id")
        raw = raw_roster.copy()
        raw.index = pd.Index(texts(raw["person_id"].tolist()))
        raw = raw[~raw.index.duplicated()]
        valid = frame[~frame["_row"].isin(bad_rows)]
        return cls(validated.findings, frame, set(frame["person_id"]), raw, everyone[bad], valid)

    def payroll(self) -> pd.DataFrame:
        """The valid rows as the pools read them: everyone holding a position on the
        count date, evaluated or not (SPEC §4)."""
        frame, raw = self.valid, self.raw
        pids = frame["person_id"].tolist()
        n = len(pids)

        def own(name: str) -> list[Any]:
            return frame[name].tolist() if name in frame.columns else [None] * n

        def roster_says(name: str) -> list[Any]:
            return raw[name].reindex(pids).tolist() if name in raw.columns else [None] * n

        return pd.DataFrame(
            {
                "person_id": pids,
                "level_code": own("level_code"),
                "salary": own("salary"),
                "unit": texts(own("unit")),
                "pool_group": own("pool_group"),
                "holds_position": roster_says("holds_position"),
                "alt_ceiling": _flags(roster_says("alt_ceiling")),
            },
            dtype=object,
        )


def _flags(values: list[Any]) -> list[bool]:
    """A roster's yes/no column (``ใช่``, 1, True) as booleans."""
    return [v in ("ใช่", "1", "True", "true") for v in texts(values)]


_FAULTY_TH = "ผลการประเมินในสมุดงานหน่วยงานมีข้อผิดพลาด (ดูรายการข้างต้น) จึงยังไม่นำมาคิดจนกว่าจะแก้ไข"
_FAULTY_EN = (
    "the evaluation a unit workbook holds has errors (listed above); not used until corrected"
)


def _not_a_unit(outcome: UnitOutcome) -> bool:
    """True when a file gave no one and could not be read as a unit workbook (not a
    kpixl unit workbook, unreadable, over a limit)."""
    return not outcome.people and any(
        f.severity == ERROR and f.rule.startswith("file.") for f in outcome.findings
    )


class _Chooser:
    """One evaluation per person, taken from the unit outcomes in file order: the highest
    (person's revision, unit revision, file name) wins; the other is a finding."""

    def __init__(self) -> None:
        self.chosen: dict[str, dict[str, Any]] = {}
        self.findings: list[Finding] = []
        self._ranks: dict[str, tuple[int, int, str]] = {}

    def take(self, outcome: UnitOutcome) -> None:
        self.findings += outcome.findings
        chosen, ranks = self.chosen, self._ranks
        for person in outcome.people:
            pid = person["person_id"]
            rank = (person["revision"], outcome.revision, person["source_file"])
            other = chosen.get(pid)
            if other is None:
                chosen[pid] = person
                ranks[pid] = rank
                continue
            keep, drop = (person, other) if rank > ranks[pid] else (other, person)
            chosen[pid] = keep
            ranks[pid] = max(rank, ranks[pid])
            self.findings.append(
                finding(
                    "consolidate.duplicate_person",
                    person_id=pid,
                    kept=keep["source_file"],
                    value=drop["source_file"],
                    file=drop["source_file"],
                )
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


def _chunks(files: list[Path], jobs: int) -> list[list[Path]]:
    """The files in chunks of at most CHUNK, getting smaller towards the end (a quarter
    of what is left per worker, at least MIN_CHUNK) so that the workers finish together."""
    out, start = [], 0
    while start < len(files):
        size = max(MIN_CHUNK, min(CHUNK, (len(files) - start) // (4 * jobs)))
        out.append(files[start : start + size])
        start += size
    return out


CHUNK = 50  # unit workbooks a worker validates and scores in one pass (memory stays flat)
MIN_CHUNK = 5


def _process_all(
    files: list[Path],
    rules: Rules,
    *,
    jobs: int | None,
    progress: Callable[[Iterable[Path]], Iterable[Path]] | None,
    meanwhile: Callable[[], T],
    each: Callable[[UnitOutcome], None] | None = None,
    limits: Limits = UNIT,
    cap: int = FINDINGS_PER_FILE,
) -> tuple[list[UnitOutcome], T]:
    """Every unit workbook's outcome (in ``files`` order), and ``meanwhile()``'s result,
    which the main process computes while the workers run; ``each`` is called with every
    outcome, in order, as it comes in (after ``meanwhile``).

    A worker that dies (killed, out of memory, a reader's crash) breaks the pool: the
    chunks not done are read again, each in a process of its own, and the files of one
    that dies again one by one, so that the file a worker cannot survive is named in a
    ``file.worker_died`` finding and every other file is read. Workers end when the main
    process does (:func:`kpixl.io.workers.worker_start`).
    """
    jobs = jobs or min(os.cpu_count() or 1, 8)
    chunks = _chunks(files, jobs)
    tick = iter(progress(files)) if progress else None
    outcomes: list[UnitOutcome] = []

    def collect(done: list[UnitOutcome]) -> None:
        outcomes.extend(done)
        for outcome in done:
            if each is not None:
                each(outcome)
            if tick is not None:
                next(tick, None)

    if jobs <= 1 or len(chunks) < 2:
        side = meanwhile()
        for chunk in chunks:
            collect(process_units(chunk, rules, limits, cap))
        return outcomes, side
    # the forked workers inherit the heap as it is now; frozen, their full garbage
    # collections skip it (the main process unfreezes once they are started)
    gc.freeze()
    try:
        pool = start_pool(jobs)
        futures = [_submit(pool, process_units, chunk, rules, limits, cap) for chunk in chunks]
    finally:
        gc.unfreeze()
    # once a worker has died the pool is broken: the chunks it did not finish wait for
    # the processes of their own (``_alone``), and the outcomes still come in order
    waiting: list[tuple[list[Path], list[UnitOutcome] | None]] = []
    with pool:
        side = meanwhile()
        for chunk, future in zip(chunks, futures, strict=True):
            done = _result(future)
            if done is not None and not waiting:
                collect(done)
            else:
                waiting.append((chunk, done))
    again = iter(_alone([c for c, done in waiting if done is None], rules, limits, cap, jobs))
    for _, done in waiting:
        collect(done if done is not None else next(again))
    return outcomes, side


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
    chunks: list[list[Path]], rules: Rules, limits: Limits, cap: int, jobs: int
) -> list[list[UnitOutcome]]:
    """Each chunk's outcomes, each chunk read in a process of its own (``jobs`` at a
    time); a chunk whose process dies is read again file by file, and a file whose own
    process dies is a ``file.worker_died`` finding."""
    out: list[list[UnitOutcome]] = []
    for start in range(0, len(chunks), jobs):
        batch = chunks[start : start + jobs]
        runs = [Alone(process_units, chunk, rules, limits, cap) for chunk in batch]
        for chunk, run in zip(batch, runs, strict=True):
            done, why = run.result()
            if done is not None:
                out.append(done)
            elif len(chunk) > 1:
                out.append(
                    [
                        o
                        for one in _alone([[p] for p in chunk], rules, limits, cap, jobs)
                        for o in one
                    ]
                )
            else:
                name = chunk[0].name
                out.append(
                    [
                        UnitOutcome(
                            name,
                            "",
                            0,
                            findings=[finding("file.worker_died", value=why, file=name)],
                        )
                    ]
                )
    return out


# what the roster says about eligibility, beside the validated roster columns
_ROSTER_EXTRA = (*[f for f in ELIGIBILITY_FIELDS if f != "band"], "alt_ceiling", "holds_position")


def _people_frame(
    roster: _Roster,
    evaluated: pd.DataFrame,
    chosen: dict[str, dict[str, Any]],
    findings: list[Finding],
) -> pd.DataFrame:
    """The evaluated roster people with their scores, column by column."""
    pids = evaluated["person_id"].tolist()
    people = evaluated[[k for k in M.ROSTER_COLUMNS if k in evaluated.columns]].copy()
    people.index = pd.RangeIndex(len(people))
    raw = roster.raw
    for k in _ROSTER_EXTRA:  # eligibility facts as the roster states them
        people[k] = raw[k].reindex(pids).tolist() if k in raw.columns else [None] * len(pids)
    people["alt_ceiling"] = _flags(people["alt_ceiling"].tolist())
    # object, not pandas' str dtype: allocation reads the column item by item
    units = texts(people["unit"].tolist()) if "unit" in people else [""] * len(people)
    people["unit"] = pd.Series(units, index=people.index, dtype=object)
    picked = [chosen[pid] for pid in pids]
    for pid, person, unit in zip(pids, picked, people["unit"].tolist(), strict=True):
        if person["unit_file"] and unit and person["unit_file"] != unit:
            findings.append(
                finding(
                    "consolidate.unit_differs",
                    person_id=pid,
                    value=person["unit_file"],
                    roster_unit=unit,
                )
            )
    for k in ("achievement", "competency", "total", "band", "pct", "source_file"):
        people[k] = pd.Series([person[k] for person in picked], dtype=object)
    return people


def _allocate(
    people: pd.DataFrame,
    payroll: pd.DataFrame,
    rules: Rules,
    policy: str,
    shape: str,
    findings: list[Finding],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Results of the evaluated ``people``, and the use of the pools, which come from the
    whole roster's ``payroll`` (see :meth:`_Roster.payroll`)."""
    if people.empty and payroll.empty:
        return pd.DataFrame(columns=M.RESULT_COLUMNS), pd.DataFrame(columns=M.POOL_COLUMNS)
    table = None
    if policy == "table":
        table = {band.name: band.pct_min for band in rules.bands if band.eligible}
    outcome = allocate_pools(
        people.drop(columns=["band"]),
        roster=payroll,
        policy=policy,
        shape=shape,
        table=table,
        rules=rules,
    )
    # a finding about a person's % points at the people sheet of their unit workbook
    findings += [
        replace(f, sheet=U.PEOPLE) if f.field == "pct" and f.file and not f.sheet else f
        for f in outcome.findings
    ]
    rows = outcome.rows
    order = pd.Index(rows["person_id"]).get_indexer(people["person_id"])
    allocated = rows.iloc[order].reset_index(drop=True)

    def own(name: str) -> list[Any]:
        return people[name].tolist() if name in people.columns else [None] * len(people)

    def theirs(name: str) -> list[Any]:
        column = allocated[name]
        if column.dtype == object or isinstance(column.dtype, pd.StringDtype):
            values: list[Any] = column.tolist()  # the same values, without per-item access
            return values
        return list(column)  # numpy scalars, as before

    results = pd.DataFrame(
        {
            "person_id": own("person_id"),
            "unit": own("unit"),
            "pool_group": theirs("pool_group"),
            "level_code": own("level_code"),
            "salary": own("salary"),
            "achievement": own("achievement"),
            "competency": own("competency"),
            "total": own("total"),
            "band": theirs("band"),
            "eligible": [bool(v) for v in theirs("eligible")],
            "pct": theirs("pct"),
            "base": theirs("base"),
            "increase": theirs("increase"),
            "new_salary": theirs("new_salary"),
            "special_compensation": theirs("special_compensation"),
            "reason": theirs("reason"),
            "name": own("name"),
            "position": own("position"),
            "position_no": own("position_no"),
            "unrounded": theirs("unrounded"),
            "cost": theirs("cost"),
            "source_file": own("source_file"),
        },
        columns=M.RESULT_COLUMNS,
        dtype=object,
    )
    results = results.sort_values(["unit", "person_id"], kind="stable")
    return results.reset_index(drop=True), outcome.usage


def _summary(results: pd.DataFrame, pools: pd.DataFrame, inputs: Any, rules: Rules) -> pd.DataFrame:
    names = {(text_of(r["unit_code"])): r.get("unit_name") for r in inputs.units.to_dict("records")}
    units = sorted(set(results["unit"]) | set(names))
    counts = results.groupby(["unit", "band"], sort=False).size().to_dict()
    heads = results.groupby("unit", sort=False).size().to_dict()
    used: dict[Any, Decimal] = {}
    for unit, cost in zip(results["unit"].tolist(), results["cost"].tolist(), strict=True):
        used[unit] = used.get(unit, Decimal(0)) + cost
    rows = []
    for unit in units:
        row: dict[str, Any] = {
            "unit": unit,
            "unit_name": names.get(unit) or "",
            "headcount": heads.get(unit, 0),
        }
        for band in rules.bands:
            row[band.name] = int(counts.get((unit, band.name), 0))
        row["used"] = used.get(unit, Decimal(0))
        rows.append(row)
    return pd.DataFrame(rows)


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, bool):
        return "ใช่" if value else "ไม่ใช่"
    return value


def issues_rows(findings: Sequence[Finding]) -> list[list[object]]:
    """The Issues sheet's rows, one per finding (as the master's Issues headers)."""
    return [
        [
            f.severity,
            f.rule,
            f.person_id,
            f.file,
            f.sheet,
            f.cell,
            f.field,
            f.value,
            f.message_th,
            f.message_en,
        ]
        for f in findings
    ]


def _rows(frame: pd.DataFrame, columns: Sequence[str]) -> ColumnRows:
    """``frame``'s rows as plain cell values, kept column by column (50,000 rows)."""
    cols: list[list[object]] = []
    for name in columns:
        values = frame[name].tolist()
        kinds = type_set(values)
        if kinds & {bool, float} or not kinds <= {str, Decimal, int, type(None)}:
            values = [_plain(v) for v in values]
        cols.append(values)
    return ColumnRows(cols)


def output_bytes(master: bytes, c: Consolidation, *, jobs: int | None = None) -> bytes:
    """The master's bytes with the result sheets of ``c`` written in."""
    return result_bytes(master, output_sheets(c), jobs=jobs)


def output_sheets(c: Consolidation) -> dict[str, tuple[Sequence[Sequence[object]], int]]:
    """Sheet → (rows, first row) of every result sheet; kpixl's formulas as :class:`Formula`
    (any other text, names and units included, is written as text)."""
    rules = c.rules
    assert rules is not None
    letter = {
        name: chr(ord("A") + i) if i < 26 else "A" + chr(ord("A") + i - 26)
        for i, name in enumerate(M.RESULT_COLUMNS)
    }
    results_rows = _rows(c.results, M.RESULT_COLUMNS)
    band_names = [b.name for b in rules.bands]
    res = f"{M.RESULTS}!"
    unit_col, band_col, cost_col, group_col = (
        f"{res}${letter[k]}:${letter[k]}" for k in ("unit", "band", "cost", "pool_group")
    )
    summary_rows: list[list[object]] = [
        ["รหัสหน่วยงาน", "หน่วยงาน", "จำนวนคน", *band_names, "ใช้วงเงิน (บาท)"]
    ]
    first = M.HEADER_ROW + 1
    for i, row in enumerate(c.summary.to_dict("records")):
        r = first + i
        cells: list[object] = [
            row["unit"],
            row["unit_name"],
            Formula(f"=COUNTIF({unit_col},$A{r})"),
        ]
        for j, _ in enumerate(band_names):
            col = chr(ord("D") + j)
            cells.append(Formula(f"=COUNTIFS({unit_col},$A{r},{band_col},{col}${M.HEADER_ROW})"))
        cells.append(Formula(f"=SUMIFS({cost_col},{unit_col},$A{r})"))
        summary_rows.append(cells)
    last = first + len(c.summary) - 1
    total_row: list[object] = ["รวม", "", Formula(f"=SUM(C{first}:C{last})")]
    for j, _ in enumerate(band_names):
        col = chr(ord("D") + j)
        total_row.append(Formula(f"=SUM({col}{first}:{col}{last})"))
    used_col = chr(ord("D") + len(band_names))
    total_row.append(Formula(f"=SUM({used_col}{first}:{used_col}{last})"))
    summary_rows.append(total_row)
    pool_rows = []
    for i, p in enumerate(c.pools.to_dict("records")):
        r = M.FIRST_ROW + i
        criteria = f"{group_col},$A{r}" + (f",{unit_col},$B{r}" if p["unit"] else "")
        pool_rows.append(
            [
                p["pool_group"],
                p["unit"],
                p["headcount"],
                p["pool"],
                Formula(f"=SUMIFS({cost_col},{criteria})"),
                Formula(f"=D{r}-E{r}"),
                p.get("central"),
                p["used"],
            ]
        )
    issue_rows = issues_rows(c.findings)
    top = c.results[c.results["band"].isin(band_names[:2])].sort_values(
        ["unit", "total"], ascending=[True, False], kind="stable"
    )
    announcement = _rows(top, ["unit", "name", "position", "total", "band"])
    paid = c.results[(c.results["increase"] > 0) | (c.results["special_compensation"] > 0)]
    paid_columns = _rows(
        paid,
        [
            "name",
            "position",
            "position_no",
            "salary",
            "pct",
            "increase",
            "new_salary",
            "special_compensation",
        ],
    ).columns
    order = ColumnRows([list(range(1, len(paid) + 1)), *paid_columns])  # numbered 1, 2, …
    return {
        M.RESULTS: (results_rows, M.FIRST_ROW),
        M.SUMMARY: (summary_rows, M.HEADER_ROW),
        M.POOLS: (pool_rows, M.FIRST_ROW),
        M.ISSUES: (issue_rows, M.FIRST_ROW),
        M.ANNOUNCEMENT: (announcement, M.FIRST_ROW),
        M.SALARY_ORDER: (order, M.FIRST_ROW),
    }


def _export(path: Path, results: pd.DataFrame) -> None:
    lines: list[Sequence[object]] = [M.EXPORT_COLUMNS]
    for r in results.to_dict("records"):
        lines.append([_csv(r[k]) for k in M.EXPORT_COLUMNS])
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(lines)
    write_bytes_atomic(path, buffer.getvalue().encode("utf-8-sig"))


def _csv(value: Any) -> object:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return csv_text(value)  # never a formula in a spreadsheet; numbers stay numbers
    return value


def findings_json(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    return [asdict(f) for f in findings]
