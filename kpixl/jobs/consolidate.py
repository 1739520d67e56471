"""Consolidate: every unit workbook in, the round's results, pools and reports out.

1. Read the master's Config, Units and Roster; build the rule set (defaults, agency
   file, Config overrides).
2. Read every unit workbook (python-calamine, across processes), validate its tables,
   recompute every score from the KPI and competency rows.
3. Keep one evaluation per person (the newest revision), match it to the roster.
4. Allocate every pool; write Results, Summary, Pools, Issues, Announcement and the
   salary-order table into the master (atomically, the previous file kept as .bak).

Source workbooks are only read. The same inputs always give the same output bytes.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from kpixl.core.codes import finding
from kpixl.core.eligibility import ELIGIBILITY_FIELDS
from kpixl.core.errors import RuleError
from kpixl.core.findings import ERROR, Finding, has_errors
from kpixl.core.numbers import PercentStyle, parse_number, parse_percent
from kpixl.core.pool_allocation import allocate_pools
from kpixl.core.rules import Rules, load_rules, overrides_from_flat
from kpixl.core.scoring_table import evaluate_table
from kpixl.io.atomic import write_bytes_atomic
from kpixl.schemas.backend import Locator, normalize_table, validate_table
from kpixl.workbooks import master_layout as M
from kpixl.workbooks import unit_layout as U
from kpixl.workbooks.master import MasterInputs, read_master, result_bytes
from kpixl.workbooks.unit import carried_findings, read_unit

__all__ = ["Consolidation", "consolidate", "consolidate_inputs", "output_bytes", "output_sheets"]

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

    @property
    def exit_code(self) -> int:
        return 1 if has_errors(self.findings) else 0


_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).translate(_THAI_DIGITS).split())


def process_unit(path: Path, rules: Rules) -> UnitOutcome:
    """Read, validate and recompute one unit workbook."""
    return process_units([path], rules)[0]


def process_units(paths: list[Path], rules: Rules) -> list[UnitOutcome]:
    """Read, validate and recompute several unit workbooks (a worker's share).

    Workbooks whose people do not overlap are validated and scored together, in one
    pass; a workbook sharing a person with an earlier one is done on its own, so that
    each file's rows are judged by themselves.
    """
    outcomes: dict[str, UnitOutcome] = {}
    batch: list[Any] = []
    alone: list[Any] = []
    seen: set[str] = set()
    for path in paths:
        form = read_unit(path)
        outcome = UnitOutcome(
            path.name,
            _text(form.meta.get("unit_code")),
            int(parse_number(form.meta.get("revision")).value or 0),
        )
        outcomes[path.name] = outcome
        outcome.findings += form.findings
        if not form.readable or form.people.empty:
            continue
        outcome.findings += carried_findings(form.carried)
        ids = {_text(v) for v in form.people["person_id"]}
        ids |= {_text(v) for v in form.kpis["person_id"]} | {
            _text(v) for v in form.competencies["person_id"]
        }
        (alone if ids & seen else batch).append(form)
        seen |= ids
    for group in [batch, *[[form] for form in alone]]:
        if group:
            _evaluate_forms(group, outcomes, rules)
    return [outcomes[p.name] for p in paths]


def _evaluate_forms(forms: list[Any], outcomes: dict[str, UnitOutcome], rules: Rules) -> None:
    first = forms[0].path.name

    def route(findings: list[Finding]) -> None:
        for f in findings:
            outcomes[f.file if f.file in outcomes else first].findings.append(f)

    kpi_letters = dict(U.KPI_COLUMNS)
    kpis_raw = pd.concat([f.kpis for f in forms], ignore_index=True)
    comps_raw = pd.concat([f.competencies for f in forms], ignore_index=True)
    agreement = validate_table(
        kpis_raw, "agreement", rules=rules, locator=Locator(first, U.KPIS, kpi_letters)
    )
    results = normalize_table(
        kpis_raw[["person_id", "kpi_code", "actual", "_row", "_file", "_sheet"]],
        "results",
        locator=Locator(first, U.KPIS, kpi_letters),
    )
    comps = validate_table(
        comps_raw,
        "competencies",
        rules=rules,
        locator=Locator(first, U.COMPETENCIES, dict(U.COMP_COLUMNS)),
    )
    route(
        agreement.findings + comps.findings + [f for f in results.findings if f.field == "actual"]
    )
    bad_people = {f.person_id for f in agreement.findings + comps.findings if f.severity == ERROR}
    kpis = agreement.frame.copy()
    kpis["actual"] = pd.Series(list(results.frame["actual"]), index=kpis.index, dtype=object)
    kpis = kpis[~kpis["person_id"].isin(bad_people)]
    ratings = comps.frame[~comps.frame["person_id"].isin(bad_people)]
    people_all = pd.concat([f.people for f in forms], ignore_index=True)
    people_all["person_id"] = people_all["person_id"].map(_text)
    probation = people_all[["person_id"]].assign(
        probation=people_all["probation"].map(lambda v: _text(v) == "ใช่")
    )
    evaluated = (
        evaluate_table(kpis, ratings, people=probation, rules=rules) if not kpis.empty else None
    )
    route(evaluated.findings if evaluated is not None else [])
    scores = (
        {} if evaluated is None else {r["person_id"]: r for r in evaluated.frame.to_dict("records")}
    )
    for form in forms:
        _people_rows(form, scores, outcomes[form.path.name])


def _people_rows(form: Any, scores: dict[Any, Any], outcome: UnitOutcome) -> None:
    path = form.path
    people = form.people.copy()
    people["person_id"] = people["person_id"].map(_text)
    pct_col = U.PEOPLE_COLUMNS["pct"][0]
    for record in people.to_dict("records"):
        pid = record["person_id"]
        where = {"file": path.name, "sheet": U.PEOPLE, "person_id": pid}
        pct = parse_percent(record.get("pct"), PercentStyle.POINTS_OR_FRACTION)
        if pct.problem:
            code = "cell.excel_error" if pct.problem == "excel_error" else "cell.not_a_number"
            outcome.findings.append(
                finding(
                    code,
                    field="pct",
                    value=record.get("pct"),
                    label="ร้อยละที่เสนอ",
                    cell=f"{pct_col}{record['_row']}",
                    **where,
                )
            )
        elif pct.note:
            outcome.findings.append(
                finding(
                    f"cell.{pct.note}",
                    field="pct",
                    value=record.get("pct"),
                    number=pct.value,
                    label="ร้อยละที่เสนอ",
                    cell=f"{pct_col}{record['_row']}",
                    **where,
                )
            )
        score = scores.get(pid)
        if score is None or score.get("total") is None:
            continue
        stated = parse_number(record.get("total")).value
        if stated is not None and abs(stated - score["total"]) >= Decimal("0.005"):
            outcome.findings.append(
                finding(
                    "consolidate.stated_differs",
                    field="total",
                    value=stated,
                    total=score["total"],
                    cell=f"{U.PEOPLE_COLUMNS['total'][0]}{record['_row']}",
                    **where,
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
                "revision": int(parse_number(record.get("revision")).value or 0),
                "source_file": path.name,
            }
        )


def _unit_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() in (".xlsx", ".xlsm") and not p.name.startswith(("~$", "."))
    )


def _rules(inputs: Any, master: Path, findings: list[Finding]) -> Rules | None:
    overrides, problems = overrides_from_flat([(k, v) for k, v, _ in inputs.rule_overrides])
    agency = _text(inputs.config.get("agency_rules"))
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
    """Run the consolidation; see the module doc. Never raises on bad input."""
    master = Path(master)
    inputs = read_master(master)
    consolidation = consolidate_inputs(
        inputs, units_dir=units_dir, policy=policy, shape=shape, jobs=jobs, progress=progress
    )
    if consolidation.rules is not None and consolidation.units_read:
        if write:
            write_bytes_atomic(
                master, output_bytes(master.read_bytes(), consolidation), backup=True
            )
        if export:
            _export(Path(export), consolidation.results)
    return consolidation


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
    rules = _rules(inputs, master, findings)
    if rules is None:
        return empty
    empty.rules = rules
    policy = policy or _text(inputs.config.get("policy")) or "optimize"
    shape = shape or _text(inputs.config.get("shape")) or "flat"
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
    folder = (
        Path(units_dir)
        if units_dir
        else master.parent / (_text(inputs.config.get("units_folder")) or "units")
    )
    files = _unit_files(folder) if folder.is_dir() else []
    if not files:
        findings.append(
            finding("consolidate.no_units", value=str(folder), file=master.name, sheet=M.CONFIG)
        )
        return empty
    roster_letters = {name: chr(ord("A") + i) for i, name in enumerate(M.ROSTER_COLUMNS)}
    roster = validate_table(
        inputs.roster, "roster", rules=rules, locator=Locator(master.name, M.ROSTER, roster_letters)
    )
    findings += roster.findings
    outcomes = _process_all(files, rules, jobs=jobs, progress=progress)
    chosen: dict[str, dict[str, Any]] = {}
    for outcome in outcomes:
        findings += outcome.findings
        for person in outcome.people:
            pid = person["person_id"]
            rank = (person["revision"], outcome.revision, person["source_file"])
            other = chosen.get(pid)
            if other is None:
                chosen[pid] = {**person, "_rank": rank}
                continue
            keep, drop = (person, other) if rank > other["_rank"] else (other, person)
            chosen[pid] = {**keep, "_rank": max(rank, other["_rank"])}
            findings.append(
                finding(
                    "consolidate.duplicate_person",
                    person_id=pid,
                    kept=keep["source_file"],
                    value=drop["source_file"],
                )
            )
    roster_frame = roster.frame.copy()
    roster_frame = roster_frame[roster_frame["person_id"].notna()].drop_duplicates("person_id")
    roster_ids = set(roster_frame["person_id"])
    for pid, person in sorted(chosen.items()):
        if pid not in roster_ids:
            findings.append(
                finding("consolidate.not_on_roster", person_id=pid, value=person["source_file"])
            )
    evaluated = roster_frame[roster_frame["person_id"].isin(chosen)]
    for record in roster_frame[~roster_frame["person_id"].isin(chosen)].to_dict("records"):
        findings.append(
            finding(
                "consolidate.no_evaluation",
                person_id=record["person_id"],
                value=record.get("name") or "",
                file=master.name,
                sheet=M.ROSTER,
                cell=f"A{record['_row']}",
            )
        )
    people = _people_frame(inputs, evaluated, chosen, findings)
    result = _allocate(people, rules, policy, shape, findings)
    return Consolidation(
        result[0],
        result[1],
        _summary(result[0], result[1], inputs, rules),
        findings,
        rules,
        len(files),
    )


def _chunks(files: list[Path], size: int) -> list[list[Path]]:
    return [files[i : i + size] for i in range(0, len(files), size)]


CHUNK = 25  # unit workbooks a worker validates and scores in one pass (memory stays flat)


def _process_all(
    files: list[Path],
    rules: Rules,
    *,
    jobs: int | None,
    progress: Callable[[Iterable[Path]], Iterable[Path]] | None,
) -> list[UnitOutcome]:
    jobs = jobs or min(os.cpu_count() or 1, 8)
    chunks = [files[i : i + CHUNK] for i in range(0, len(files), CHUNK)]
    tick = iter(progress(files)) if progress else None
    outcomes: list[UnitOutcome] = []

    def collect(done: list[UnitOutcome]) -> None:
        outcomes.extend(done)
        for _ in done:
            if tick is not None:
                next(tick, None)

    if jobs <= 1 or len(chunks) < 2:
        for chunk in chunks:
            collect(process_units(chunk, rules))
        return outcomes
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for done in pool.map(process_units, chunks, [rules] * len(chunks)):
            collect(done)
    return outcomes


# what the roster says about eligibility, beside the validated roster columns
_ROSTER_EXTRA = (*[f for f in ELIGIBILITY_FIELDS if f != "band"], "alt_ceiling", "holds_position")


def _people_frame(
    inputs: Any, roster: pd.DataFrame, chosen: dict[str, dict[str, Any]], findings: list[Finding]
) -> pd.DataFrame:
    raw: dict[str, dict[str, Any]] = {}
    for item in inputs.roster.to_dict("records"):
        raw.setdefault(_text(item.get("person_id")), item)
    rows = []
    for record in roster.to_dict("records"):
        pid = record["person_id"]
        person = chosen[pid]
        extra = raw.get(pid)
        row = {k: record.get(k) for k in M.ROSTER_COLUMNS if k in record}
        for k in _ROSTER_EXTRA:
            row[k] = None if extra is None else extra.get(k)
        row["alt_ceiling"] = _text(row.get("alt_ceiling")) in ("ใช่", "1", "True", "true")
        row["unit"] = _text(record.get("unit"))
        if person["unit_file"] and row["unit"] and person["unit_file"] != row["unit"]:
            findings.append(
                finding(
                    "consolidate.unit_differs",
                    person_id=pid,
                    value=person["unit_file"],
                    roster_unit=row["unit"],
                )
            )
        row.update(
            {
                k: person[k]
                for k in ("achievement", "competency", "total", "band", "pct", "source_file")
            }
        )
        rows.append(row)
    return pd.DataFrame(rows)


def _allocate(
    people: pd.DataFrame, rules: Rules, policy: str, shape: str, findings: list[Finding]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    if people.empty:
        return pd.DataFrame(columns=M.RESULT_COLUMNS), pd.DataFrame(columns=M.POOL_COLUMNS)
    table = None
    if policy == "table":
        table = {band.name: band.pct_min for band in rules.bands if band.eligible}
    outcome = allocate_pools(
        people.drop(columns=["band"]), policy=policy, shape=shape, table=table, rules=rules
    )
    findings += outcome.findings
    allocated = {r["person_id"]: r for r in outcome.rows.to_dict("records")}
    out = []
    for p in people.to_dict("records"):
        pid = p["person_id"]
        r = allocated[pid]
        out.append(
            {
                "person_id": pid,
                "unit": p["unit"],
                "pool_group": r["pool_group"],
                "level_code": p["level_code"],
                "salary": p["salary"],
                "achievement": p["achievement"],
                "competency": p["competency"],
                "total": p["total"],
                "band": r["band"],
                "eligible": bool(r["eligible"]),
                "pct": r["pct"],
                "base": r["base"],
                "increase": r["increase"],
                "new_salary": r["new_salary"],
                "special_compensation": r["special_compensation"],
                "reason": r["reason"],
                "name": p.get("name"),
                "position": p.get("position"),
                "position_no": p.get("position_no"),
                "unrounded": r["unrounded"],
                "cost": r["cost"],
                "source_file": p["source_file"],
            }
        )
    results = pd.DataFrame(out, columns=M.RESULT_COLUMNS).sort_values(
        ["unit", "person_id"], kind="stable"
    )
    return results.reset_index(drop=True), outcome.usage


def _summary(results: pd.DataFrame, pools: pd.DataFrame, inputs: Any, rules: Rules) -> pd.DataFrame:
    names = {(_text(r["unit_code"])): r.get("unit_name") for r in inputs.units.to_dict("records")}
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


def output_bytes(master: bytes, c: Consolidation) -> bytes:
    """The master's bytes with the result sheets of ``c`` written in."""
    return result_bytes(master, output_sheets(c))


def output_sheets(c: Consolidation) -> dict[str, tuple[list[list[object]], int]]:
    """Sheet → (rows, first row) of every result sheet; formulas as ``=…`` text."""
    rules = c.rules
    assert rules is not None
    letter = {
        name: chr(ord("A") + i) if i < 26 else "A" + chr(ord("A") + i - 26)
        for i, name in enumerate(M.RESULT_COLUMNS)
    }
    results_rows = [[_plain(r[k]) for k in M.RESULT_COLUMNS] for r in c.results.to_dict("records")]
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
        cells: list[object] = [row["unit"], row["unit_name"], f"=COUNTIF({unit_col},$A{r})"]
        for j, _ in enumerate(band_names):
            col = chr(ord("D") + j)
            cells.append(f"=COUNTIFS({unit_col},$A{r},{band_col},{col}${M.HEADER_ROW})")
        cells.append(f"=SUMIFS({cost_col},{unit_col},$A{r})")
        summary_rows.append(cells)
    last = first + len(c.summary) - 1
    total_row: list[object] = ["รวม", "", f"=SUM(C{first}:C{last})"]
    for j, _ in enumerate(band_names):
        col = chr(ord("D") + j)
        total_row.append(f"=SUM({col}{first}:{col}{last})")
    used_col = chr(ord("D") + len(band_names))
    total_row.append(f"=SUM({used_col}{first}:{used_col}{last})")
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
                f"=SUMIFS({cost_col},{criteria})",
                f"=D{r}-E{r}",
                p.get("central"),
                p["used"],
            ]
        )
    issue_rows = [
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
        for f in c.findings
    ]
    top = c.results[c.results["band"].isin(band_names[:2])].sort_values(
        ["unit", "total"], ascending=[True, False], kind="stable"
    )
    announcement = [
        [r["unit"], r["name"], r["position"], r["total"], r["band"]] for r in top.to_dict("records")
    ]
    paid = c.results[(c.results["increase"] > 0) | (c.results["special_compensation"] > 0)]
    order = [
        [
            i + 1,
            r["name"],
            r["position"],
            r["position_no"],
            r["salary"],
            r["pct"],
            r["increase"],
            r["new_salary"],
            r["special_compensation"],
        ]
        for i, r in enumerate(paid.to_dict("records"))
    ]
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
    return value


def findings_json(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    return [asdict(f) for f in findings]
