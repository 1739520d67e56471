"""The screening committee's pack (เอกสารประกอบการพิจารณาของคณะกรรมการกลั่นกรอง).

``kpixl report MASTER`` reads a consolidated master (:mod:`kpixl.workbooks.master_outputs`)
and writes the pack the committee reads before the head of the agency signs
(:mod:`kpixl.workbooks.report`), and with ``--pdf`` one PDF of it (LibreOffice).

The pack's tables are plain pandas over the master's Results sheet, so that each number
can be checked against that sheet:

- :func:`summary_table`: per unit and pool group, the people, each band's count, those
  with no increase, the mean total, the payroll, the increases and the pool used;
- :func:`band_table`: per unit, each band's count (what the chart draws);
- :func:`histogram_table`: totals in bins of :data:`HISTOGRAM_STEP` points;
- :func:`pool_use_table`: per unit and pool group, the unit's share of its group's pool
  (the group's pool split by unit payroll, :func:`kpixl.core.pools.pool_for`) beside
  what was allocated to the unit's people;
- :func:`edge_table`: the people whose total lies within ``margin`` points below the
  lower edge of the next band up (the edges from the round's rules);
- the calibration of evaluators and units (:mod:`kpixl.core.calibration`) with each
  evaluator's earlier rounds from the rounds' archive (:func:`kpixl.jobs.past.read_past`:
  the archive Config ``archive_db`` names, by default ``kpixl.db`` beside the master);
- the Issues sheet as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from kpixl.core.calibration import Calibration, calibrate, with_earlier
from kpixl.core.codes import finding
from kpixl.core.findings import ERROR, Finding
from kpixl.core.numbers import dec, round_half_up
from kpixl.core.pools import pool_for
from kpixl.core.rules import Rules
from kpixl.core.text import text_of
from kpixl.jobs.match import validate_roster
from kpixl.jobs.past import PastRounds, read_past
from kpixl.jobs.round import round_rules
from kpixl.workbooks.master_outputs import RoundOutputs, read_outputs

__all__ = [
    "DEFAULT_MARGIN",
    "HISTOGRAM_STEP",
    "Pack",
    "Report",
    "band_table",
    "committee_pack",
    "edge_table",
    "histogram_table",
    "pack_of",
    "pool_use_table",
    "summary_table",
    "unit_table",
    "write_report",
]

DEFAULT_MARGIN = Decimal("1.00")  # points below a band's lower edge that count as "at the edge"
HISTOGRAM_STEP = 5  # points per histogram bin
HISTOGRAM_FLOOR = 50  # totals below it share one bin
ZERO = Decimal(0)
TOTAL = "รวม"


@dataclass
class Pack:
    """What the committee pack shows; every table a DataFrame (see the module doc)."""

    organisation: str
    round_id: str
    bands: tuple[str, ...]  # band names, best first
    edges: tuple[tuple[str, Decimal], ...]  # (band, lower edge) for every band with one
    margin: Decimal
    unit_shares: bool  # the pools are split into unit shares (rule pools.unit_shares)
    units: pd.DataFrame  # unit, unit_name: the order every table follows
    summary: pd.DataFrame
    band_counts: pd.DataFrame
    histogram: pd.DataFrame
    pool_use: pd.DataFrame
    pools: pd.DataFrame  # the Pools sheet's group (and unit) rows
    at_edges: pd.DataFrame
    issues: pd.DataFrame
    calibration: Calibration | None = None  # per evaluator and unit (kpixl.core.calibration)


@dataclass
class Report:
    """What ``kpixl report`` did: the files written and the findings."""

    master: Path
    out: Path | None = None
    pdf: Path | None = None
    pack: Pack | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if any(f.severity == ERROR for f in self.findings) else 0


# ---------------------------------------------------------------------- the tables


def _number(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return dec(value)
    except ValueError:
        return None


def _numbers(frame: pd.DataFrame, name: str) -> list[Decimal]:
    return [_number(v) or ZERO for v in frame[name].tolist()]


def results_frame(results: pd.DataFrame) -> pd.DataFrame:
    """The Results rows with text as text and money and scores as Decimal (blank → 0;
    ``total`` stays None when blank)."""
    out = pd.DataFrame(
        {
            name: [text_of(v) for v in results[name].tolist()]
            for name in (
                "person_id",
                "unit",
                "pool_group",
                "band",
                "name",
                "position",
                "level_code",
            )
        },
        dtype=object,
    )
    for name in ("salary", "increase", "special_compensation", "cost"):
        out[name] = pd.Series(_numbers(results, name), index=out.index, dtype=object)
    totals = [_number(v) for v in results["total"].tolist()]
    out["total"] = pd.Series(totals, index=out.index, dtype=object)
    return out


def unit_table(results: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Every unit in the master's Units sheet (its order), then any other unit of the
    results (by code), with its name (the code when it has none)."""
    codes: list[str] = []
    names: dict[str, str] = {}
    if "unit_code" in units.columns:
        unit_names = units["unit_name"].tolist() if "unit_name" in units.columns else []
        for i, code in enumerate(units["unit_code"].tolist()):
            code = text_of(code)
            if code and code not in names:
                codes.append(code)
                names[code] = text_of(unit_names[i]) if i < len(unit_names) else ""
    for code in sorted(set(results["unit"]) - set(codes)):
        codes.append(code)
        names[code] = ""
    return pd.DataFrame({"unit": codes, "unit_name": [names[c] or c for c in codes]}, dtype=object)


def _groups(results: pd.DataFrame, rules: Rules) -> list[str]:
    known = [g for g in rules.pool_groups if g in set(results["pool_group"])]
    return known + sorted(set(results["pool_group"]) - set(known))


def _counts(rows: pd.DataFrame, bands: Sequence[str]) -> dict[str, Any]:
    paid = [
        i > 0 or s > 0
        for i, s in zip(
            rows["increase"].tolist(), rows["special_compensation"].tolist(), strict=True
        )
    ]
    totals = [t for t in rows["total"].tolist() if t is not None]
    mean = sum(totals, ZERO) / len(totals) if totals else None
    return {
        "headcount": len(rows),
        **{band: int((rows["band"] == band).sum()) for band in bands},
        "no_increase": paid.count(False),
        "mean_total": None if mean is None else round_half_up(mean, 2),
        "payroll": sum(rows["salary"].tolist(), ZERO),
        "increase": sum(rows["increase"].tolist(), ZERO),
        "cost": sum(rows["cost"].tolist(), ZERO),
    }


def summary_table(results: pd.DataFrame, units: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Per unit (in ``units``' order) and pool group: the people, each band's count,
    those with no increase, the mean total, payroll, increases and pool used; then a
    row per pool group over all units (``unit`` = "รวม") and the grand total. ``kind``
    is ``row``, ``group`` or ``total``."""
    bands = [b.name for b in rules.bands]
    groups = _groups(results, rules)
    rows: list[dict[str, Any]] = []
    for unit, name in zip(units["unit"].tolist(), units["unit_name"].tolist(), strict=True):
        mine = results[results["unit"] == unit]
        for group in groups:
            part = mine[mine["pool_group"] == group]
            if len(part):
                rows.append(
                    {
                        "kind": "row",
                        "unit": unit,
                        "unit_name": name,
                        "pool_group": group,
                        **_counts(part, bands),
                    }
                )
    for group in groups:
        part = results[results["pool_group"] == group]
        rows.append(
            {
                "kind": "group",
                "unit": TOTAL,
                "unit_name": TOTAL,
                "pool_group": group,
                **_counts(part, bands),
            }
        )
    rows.append(
        {
            "kind": "total",
            "unit": TOTAL,
            "unit_name": "รวมทั้งส่วนราชการ",
            "pool_group": "",
            **_counts(results, bands),
        }
    )
    return pd.DataFrame(rows)


def band_table(results: pd.DataFrame, units: pd.DataFrame, bands: Sequence[str]) -> pd.DataFrame:
    """Per unit (every unit of ``units``, in order): the people and each band's count."""
    counts = results.groupby(["unit", "band"]).size().to_dict()
    heads = results.groupby("unit").size().to_dict()
    rows = []
    for unit, name in zip(units["unit"].tolist(), units["unit_name"].tolist(), strict=True):
        row: dict[str, Any] = {
            "unit": unit,
            "unit_name": name,
            "headcount": int(heads.get(unit, 0)),
        }
        for band in bands:
            row[band] = int(counts.get((unit, band), 0))
        rows.append(row)
    return pd.DataFrame(rows, columns=["unit", "unit_name", "headcount", *bands])


def histogram_table(
    totals: Sequence[Decimal | None], *, step: int = HISTOGRAM_STEP
) -> pd.DataFrame:
    """The totals in bins: below :data:`HISTOGRAM_FLOOR`, then [low, low + step) up to
    the last bin, which holds 100. Columns ``label``, ``low``, ``high``, ``count``."""
    values = [t for t in totals if t is not None]
    lows = list(range(HISTOGRAM_FLOOR, 100, step))
    rows = [
        {
            "label": f"ต่ำกว่า {HISTOGRAM_FLOOR}",
            "low": None,
            "high": Decimal(HISTOGRAM_FLOOR),
            "count": sum(1 for t in values if t < HISTOGRAM_FLOOR),
        }
    ]
    for low in lows:
        high = low + step
        last = high >= 100
        rows.append(
            {
                "label": f"{low}–{high}" if last else f"{low}–{high - Decimal('0.01')}",
                "low": Decimal(low),
                "high": Decimal(high),
                "count": sum(1 for t in values if low <= t and (t <= high if last else t < high)),
            }
        )
    return pd.DataFrame(rows)


def pool_use_table(
    results: pd.DataFrame, units: pd.DataFrame, shares: pd.DataFrame, rules: Rules
) -> pd.DataFrame:
    """Per unit and pool group: the unit's share of the group's pool (``shares``: the
    unit rows of :func:`kpixl.core.pools.pool_for` with unit shares), what its people
    were allocated (the Results' pool use), what is left and the % of the share used."""
    share_of: dict[tuple[str, str], Decimal] = {}
    for row in shares.to_dict("records"):
        if row.get("unit"):
            share_of[(text_of(row["unit"]), text_of(row["pool_group"]))] = dec(row["pool"])
    groups = _groups(results, rules)
    groups += sorted({g for _, g in share_of} - set(groups))
    out = []
    for unit, name in zip(units["unit"].tolist(), units["unit_name"].tolist(), strict=True):
        mine = results[results["unit"] == unit]
        for group in groups:
            part = mine[mine["pool_group"] == group]
            share = share_of.get((unit, group))
            if not len(part) and share is None:
                continue
            used = sum(part["cost"].tolist(), ZERO)
            share = share if share is not None else ZERO
            out.append(
                {
                    "unit": unit,
                    "unit_name": name,
                    "pool_group": group,
                    "headcount": len(part),
                    "share": share,
                    "used": used,
                    "left": share - used,
                    "pct_used": round_half_up(used / share * 100, 2) if share else None,
                }
            )
    return pd.DataFrame(
        out,
        columns=[
            "unit",
            "unit_name",
            "pool_group",
            "headcount",
            "share",
            "used",
            "left",
            "pct_used",
        ],
    )


def edge_table(
    results: pd.DataFrame, units: pd.DataFrame, rules: Rules, *, margin: Decimal = DEFAULT_MARGIN
) -> pd.DataFrame:
    """Everyone whose total is below a band's lower edge by more than 0 and at most
    ``margin`` points (the edges from the round's rules): unit, name, position, total,
    band, the band above, its edge and the gap. Ordered by unit, then the gap."""
    names = dict(zip(units["unit"].tolist(), units["unit_name"].tolist(), strict=True))
    edges = [(b.name, b.min_total) for b in rules.bands if b.min_total is not None]
    rows = []
    for person in results.to_dict("records"):
        total = person["total"]
        if total is None:
            continue
        for band, edge in edges:
            gap = edge - total
            if ZERO < gap <= margin:
                rows.append(
                    {
                        "unit": person["unit"],
                        "unit_name": names.get(person["unit"], person["unit"]),
                        "name": person["name"],
                        "position": person["position"],
                        "total": total,
                        "band": person["band"],
                        "next_band": band,
                        "edge": edge,
                        "gap": gap,
                    }
                )
    order = {u: i for i, u in enumerate(units["unit"].tolist())}
    rows.sort(key=lambda r: (order.get(r["unit"], len(order)), r["gap"], r["name"]))
    return pd.DataFrame(
        rows,
        columns=[
            "unit",
            "unit_name",
            "name",
            "position",
            "total",
            "band",
            "next_band",
            "edge",
            "gap",
        ],
    )


def pack_of(
    outputs: RoundOutputs,
    rules: Rules,
    shares: pd.DataFrame,
    *,
    margin: Decimal = DEFAULT_MARGIN,
    past: PastRounds | None = None,
) -> Pack:
    """The pack's tables from a consolidated master's outputs; ``past``: the archived
    rounds before this one (None: none archived), for the evaluators' earlier rounds."""
    results = results_frame(outputs.results)
    units = unit_table(results, outputs.inputs.units)
    bands = tuple(b.name for b in rules.bands)
    issues = outputs.issues.drop(columns=[c for c in outputs.issues.columns if c.startswith("_")])
    pools = outputs.pools.drop(columns=[c for c in outputs.pools.columns if c.startswith("_")])
    roster = outputs.inputs.roster
    evaluators = (
        {
            text_of(p): text_of(e)
            for p, e in zip(roster["person_id"], roster["evaluator"], strict=True)
        }
        if not roster.empty and "evaluator" in roster
        else {}
    )
    judged = results.assign(
        evaluator=[evaluators.get(p, "") for p in results["person_id"]],
        total=pd.Series(
            [None if t is None else float(t) for t in results["total"]],
            index=results.index,
            dtype=object,
        ),
    )
    round_id = text_of(outputs.inputs.config.get("round_id"))
    calibration = with_earlier(
        calibrate(judged, rules.bands),
        None if past is None else past.results,
        current_round=round_id.strip(),
        rounds=None if past is None else past.rounds,
    )
    return Pack(
        calibration=calibration,
        organisation=text_of(outputs.inputs.config.get("organisation")),
        round_id=round_id,
        bands=bands,
        edges=tuple((b.name, b.min_total) for b in rules.bands if b.min_total is not None),
        margin=margin,
        unit_shares=rules.unit_shares,
        units=units,
        summary=summary_table(results, units, rules),
        band_counts=band_table(results, units, bands),
        histogram=histogram_table(results["total"].tolist()),
        pool_use=pool_use_table(results, units, shares, rules),
        pools=pools,
        at_edges=edge_table(results, units, rules, margin=margin),
        issues=issues,
    )


# ---------------------------------------------------------------------- the job


def committee_pack(
    master: str | Path, *, margin: Decimal = DEFAULT_MARGIN
) -> tuple[Pack | None, list[Finding]]:
    """The pack of the master at ``master``, or None with the findings saying why."""
    outputs = read_outputs(master)
    findings = list(outputs.findings)
    if not outputs.ok:
        return None, findings
    rules = round_rules(outputs.inputs, outputs.path, findings)
    if rules is None:
        return None, findings
    roster = validate_roster(outputs.inputs, rules)  # its findings are consolidation's
    shares = pool_for(roster.payroll(), rules=rules, unit_shares=True)
    past = read_past(outputs.path, outputs.inputs.config, findings)  # the archive, read only
    return pack_of(outputs, rules, shares, margin=margin, past=past), findings


def default_out(master: Path) -> Path:
    """Where the pack goes by default: beside the master, ``<master>-committee.xlsx``."""
    return master.with_name(f"{master.stem}-committee.xlsx")


def write_report(
    master: str | Path,
    *,
    out: str | Path | None = None,
    pdf: str | Path | None = None,
    margin: Decimal = DEFAULT_MARGIN,
) -> Report:
    """Write the committee pack of ``master`` to ``out`` (default :func:`default_out`)
    and, with ``pdf``, render it to that PDF; the master is only read."""
    from kpixl.io.atomic import write_bytes_atomic
    from kpixl.workbooks.report import pack_bytes

    master = Path(master)
    report = Report(master)
    pack, report.findings = committee_pack(master, margin=margin)
    if pack is None:
        return report
    report.pack = pack
    target = Path(out) if out else default_out(master)
    write_bytes_atomic(target, pack_bytes(pack))
    report.out = target
    if pdf:
        report.pdf = _render(target, Path(pdf), report.findings)
    return report


def _render(workbook: Path, pdf: Path, findings: list[Finding]) -> Path | None:
    """The pack printed to ``pdf``; None with a finding when LibreOffice cannot (a PDF
    that cannot be written raises FileWriteError, as the pack's workbook does)."""
    from kpixl.io.libreoffice import LibreOfficeError, failure_reason, render_pdf

    try:
        return render_pdf(workbook, pdf)
    except LibreOfficeError as exc:
        why, why_en = failure_reason(exc)
        findings.append(
            finding("report.pdf_failed", value=pdf.name, why=why, why_en=why_en, file=workbook.name)
        )
        return None
