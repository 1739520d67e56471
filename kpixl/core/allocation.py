"""Allocating a salary-increase pool among people (SPEC §4).

Policies:

* ``manual`` — the unit head typed a % per person (column ``pct``); kpixl checks it.
* ``table`` — HR announced a % per score range; kpixl applies it and reports the pool.
* ``optimize`` — kpixl chooses the % per score within the band ranges, in 0.01 steps,
  equal for equal scores and never lower for a higher score, using as much of the
  pool as possible without exceeding it.

  ``flat``: one common relative position t (0.00–1.00, in 0.01 steps) inside every
  band's % range, the % cut to 0.01; the largest t that fits; then the remainder
  filled top band first, in 0.01 steps while it fits.

  ``proportional``: inside a band the % rises with the score: band minimum +
  k × (score's position in the band's score range) × (band's % range), cut to 0.01
  and capped at the band maximum, one common k for all bands, the largest that fits;
  then the remainder filled top band first, +0.01 for everyone below the band maximum.

  In both, the leftover is smaller than the cheapest further 0.01 step any band could
  take. When even the band minimums do not fit, nothing is allocated (the pool is
  never exceeded) and a finding says by how much the pool falls short.

All money is exact (see :mod:`kpixl.core.increase_vec`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from kpixl.core.codes import finding
from kpixl.core.eligibility import ELIGIBILITY_FIELDS, check_eligibility
from kpixl.core.errors import InputError
from kpixl.core.findings import Finding
from kpixl.core.increase_vec import (
    MICRO,
    Outcome,
    PeopleArrays,
    from_micro,
    pool_micro,
    salary_problems,
    scaled_ints,
)
from kpixl.core.numbers import dec, parse_percent
from kpixl.core.rules import Rules, default_rules
from kpixl.core.salary import salary_bounds

__all__ = ["ALLOCATION_COLUMNS", "Allocation", "allocate"]

POLICIES = ("manual", "table", "optimize")
SHAPES = ("flat", "proportional")
ALLOCATION_COLUMNS = [
    "person_id",
    "band",
    "total",
    "eligible",
    "pct",
    "base",
    "base_kind",
    "unrounded",
    "rounded",
    "increase",
    "new_salary",
    "special_compensation",
    "capped",
    "cost",
    "reason",
]
Ints = npt.NDArray[np.int64]


@dataclass
class Allocation:
    """The result of :func:`allocate`: one explained row per person, and the pool's use.

    The decision (``pct`` per person, ``used``, ``leftover``, ``findings``) is made by
    :func:`allocate`; the explained ``rows`` (Decimal money per person) are built the
    first time they are read, so a what-if run that only needs the totals stays fast.
    """

    pool: Decimal
    used: Decimal
    leftover: Decimal
    findings: list[Finding] = field(default_factory=list)
    policy: str = "optimize"
    shape: str = "flat"
    pct_by_band: dict[str, Decimal] = field(default_factory=dict)
    build_rows: Callable[[], pd.DataFrame] | None = field(default=None, repr=False)

    @cached_property
    def rows(self) -> pd.DataFrame:
        """One row per person: ``ALLOCATION_COLUMNS``, money as exact Decimals."""
        if self.build_rows is None:
            return pd.DataFrame(columns=ALLOCATION_COLUMNS)
        return self.build_rows()

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)


@dataclass
class _Prepared:
    """The people as arrays, with their bands and eligibility."""

    ids: list[Any]
    totals: Ints  # hundredths
    band_idx: npt.NDArray[np.intp]
    eligible: npt.NDArray[np.bool_]
    reasons: list[str]
    money: PeopleArrays
    given_pct: list[object] | None
    invalid: npt.NDArray[np.bool_]  # roster rows whose salary cannot be paid on
    who: dict[str, list[Any]]  # name, unit, source_file: as given, for findings to quote


_NEVER_EMPTY = (int, float, bool, Decimal, type(None))  # str() of these is never blank


def _blank_mask(column: pd.Series) -> npt.NDArray[np.bool_]:
    """Missing, or text that is only spaces (as ``str(v).strip() == ""``); worked out once
    per distinct value (a roster's eligibility columns repeat a few values)."""
    values = column.tolist()
    kinds = set(map(type, values))
    if kinds <= {type(None)}:
        return np.ones(len(values), dtype=bool)
    if kinds <= set(_NEVER_EMPTY):  # numbers and blanks: only None and NaN are blank
        isna_only: npt.NDArray[np.bool_] = column.isna().to_numpy(dtype=bool)
        return isna_only

    def blank(kind: type, v: Any) -> bool:
        return (not v.strip()) if kind is str else (kind not in _NEVER_EMPTY and not str(v).strip())

    keys = list(zip(map(type, values), values, strict=True))
    empty: npt.NDArray[np.bool_]
    try:
        seen = {key: blank(*key) for key in set(keys)}
    except TypeError:  # an unhashable value: each on its own
        empty = np.fromiter((blank(*key) for key in keys), dtype=bool, count=len(keys))
    else:
        empty = np.fromiter(map(seen.__getitem__, keys), dtype=bool, count=len(keys))
    isna: npt.NDArray[np.bool_] = column.isna().to_numpy(dtype=bool)
    return isna | empty


def _prepare(people: pd.DataFrame, rules: Rules) -> _Prepared:
    missing = [c for c in ("person_id", "level_code", "salary", "total") if c not in people.columns]
    if missing:
        raise InputError(
            f"people lacks column(s): {', '.join(missing)}",
            f"ตารางบุคคลไม่มีคอลัมน์: {', '.join(missing)}",
        )
    people = people.reset_index(drop=True)
    n = len(people)
    bands = rules.bands
    totals = scaled_ints(people["total"], 100, what="total")
    # band: as given, else from the total (highest band whose floor is reached)
    band_idx = np.full(n, len(bands) - 1, dtype=np.intp)
    for j in range(len(bands) - 2, -1, -1):
        floor = bands[j].min_total
        if floor is not None:
            band_idx[totals >= int(floor * 100)] = j
    if "band" in people.columns:
        given = ~_blank_mask(people["band"])
        for i in np.flatnonzero(given).tolist():
            band_idx[i] = bands.index(rules.band_named(str(people.at[i, "band"]).strip()))
    band_ok = np.array([b.eligible for b in bands], dtype=bool)
    eligible = band_ok[band_idx].copy()
    reasons = [""] * n
    for i in np.flatnonzero(~eligible).tolist():
        name = bands[band_idx[i]].name
        reasons[i] = f"ผลการประเมินระดับ{name} / rating band {name} gets no increase"
    # eligibility limits: only rows that carry any of the fields are looked at
    present = [f for f in ELIGIBILITY_FIELDS if f in people.columns and f != "band"]
    if present:
        carries = np.zeros(n, dtype=bool)
        for f in present:
            carries |= ~_blank_mask(people[f])
        facts = list(zip(*(people[f].tolist() for f in present), strict=True))  # row by row
        seen: dict[tuple[Any, ...], Any] = {}  # many people state the same facts
        for i in np.flatnonzero(carries & eligible).tolist():
            key = (facts[i], tuple(map(type, facts[i])))  # True and 1 kept apart
            result = seen.get(key)
            if result is None:
                record = dict(zip(present, facts[i], strict=True))
                result = seen[key] = check_eligibility(record, rules=rules)
            if not result.eligible:
                eligible[i] = False
                reasons[i] = result.reason
    if "eligible" in people.columns:
        flags = people["eligible"]
        explicit = people["reason"] if "reason" in people.columns else None
        for i, flag in enumerate(flags.tolist()):
            if flag is None or flag != flag or bool(flag) or not eligible[i]:
                continue
            eligible[i] = False
            text = str(explicit.iloc[i]).strip() if explicit is not None else ""
            reasons[i] = text if text and text != "nan" else "ไม่มีสิทธิ์ได้เลื่อนเงินเดือน / not eligible"
    alt = (
        people["alt_ceiling"].fillna(False).astype(bool).to_numpy()
        if "alt_ceiling" in people.columns
        else np.zeros(n, dtype=bool)
    )
    salaries, levels, invalid = _guarded(people, alt, eligible, reasons, rules)
    money = PeopleArrays.build(salaries, levels, alt & ~invalid, rules)
    given_pct = people["pct"].tolist() if "pct" in people.columns else None
    who = {k: people[k].tolist() for k in ("name", "unit", "source_file") if k in people.columns}
    return _Prepared(
        people["person_id"].tolist(),
        totals,
        band_idx,
        eligible,
        reasons,
        money,
        given_pct,
        invalid,
        who,
    )


def _guarded(
    people: pd.DataFrame,
    alt: npt.NDArray[np.bool_],
    eligible: npt.NDArray[np.bool_],
    reasons: list[str],
    rules: Rules,
) -> tuple[pd.Series, pd.Series, npt.NDArray[np.bool_]]:
    """Salaries and levels the increase maths can take, and which rows are invalid.

    A row whose salary cannot be paid on (unknown level; blank, text, negative or
    out-of-range salary) is made ineligible with the reason, and its salary and level
    are replaced by a harmless stand-in (the first level's minimum): at 0 % it costs
    nothing, and its new salary and base are never shown.
    """
    problems = salary_problems(people["salary"], people["level_code"], alt, rules)
    invalid = np.fromiter((p is not None for p in problems), dtype=bool, count=len(problems))
    salaries, levels = people["salary"], people["level_code"]
    if not invalid.any():
        return salaries, levels, invalid
    for i in np.flatnonzero(invalid).tolist():
        th, en = problems[i]  # type: ignore[misc]
        eligible[i] = False
        reasons[i] = (
            f"บัญชีรายชื่อไม่ถูกต้อง: {th} จึงไม่ได้เลื่อนจนกว่าจะแก้ไข"
            f" / roster row invalid: {en}; no increase until it is corrected"
        )
    stand_in = next(iter(rules.salary_table.levels))
    low, _ = salary_bounds(stand_in, rules=rules)
    keep = pd.Series(~invalid, index=people.index)
    salaries = salaries.astype(object).where(keep, low)
    levels = levels.astype(object).where(keep, stand_in)
    return salaries, levels, invalid


def _band_arrays(rules: Rules) -> tuple[Ints, Ints, Ints, Ints]:
    """Per band: % min and max (hundredths), score floor and ceiling (hundredths)."""
    bands = rules.bands
    pmin = np.array([int(b.pct_min * 100) for b in bands], dtype=np.int64)
    pmax = np.array([int(b.pct_max * 100) for b in bands], dtype=np.int64)
    lo = np.array([0 if b.min_total is None else int(b.min_total * 100) for b in bands])
    hi = np.array([10000] + [int(lo_) for lo_ in lo[:-1]], dtype=np.int64)
    return pmin, pmax, lo.astype(np.int64), hi


def _largest(lo: int, hi: int, fits: Callable[[int], bool]) -> int:
    """The largest k in [lo, hi] with fits(k), given fits(lo) and fits monotone falling."""
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _optimize(prep: _Prepared, pool_u: int, shape: str, rules: Rules) -> tuple[Ints, list[Finding]]:
    pmin, pmax, lo, hi = _band_arrays(rules)
    b = prep.band_idx
    elig = prep.eligible & np.array([band.eligible for band in rules.bands])[b]
    money = prep.money
    findings: list[Finding] = []
    rng = (pmax - pmin)[b]
    base_pct = np.where(elig, pmin[b], 0)

    if shape == "flat":

        def pct_at(k: int) -> Ints:
            return np.where(elig, pmin[b] + (k * rng) // 100, 0)

        k_max = 100
    else:
        d = np.clip(prep.totals - lo[b], 0, None)
        width = np.maximum(hi - lo, 1)[b]
        k_scale = 1000

        def pct_at(k: int) -> Ints:
            extra = np.minimum(rng, (k * d * rng) // (k_scale * width))
            return np.where(elig, pmin[b] + extra, 0)

        k_max = int(k_scale * int(np.max(np.maximum(hi - lo, 1))))

    cost_min = int(money.cost(base_pct).sum())
    if cost_min > pool_u:
        short = Decimal(cost_min - pool_u) / MICRO
        findings.append(
            finding(
                "alloc.minimums_exceed_pool",
                value=short,
                shortfall=f"{short:,.2f}",
                pool=f"{Decimal(pool_u) / MICRO:,.2f}",
                need=f"{Decimal(cost_min) / MICRO:,.2f}",
            )
        )
        note = (
            "วงเงินไม่พอสำหรับร้อยละขั้นต่ำของระดับ จึงยังไม่จัดสรร"
            " / the pool does not cover the band minimums: nothing allocated"
        )
        for i in np.flatnonzero(elig).tolist():
            prep.reasons[i] = note
        return np.zeros_like(base_pct), findings

    k = _largest(0, k_max, lambda k: int(money.cost(pct_at(k)).sum()) <= pool_u)
    pct = pct_at(k)
    cost = money.cost(pct)
    used = int(cost.sum())
    # fill the remainder, top band first
    for band_no in range(len(rules.bands)):
        members = np.flatnonzero(elig & (b == band_no))
        if members.size == 0:
            continue
        before = int(cost[members].sum())
        new_pct, new_cost = _fill_band(
            money.subset(members), pct[members], int(pmax[band_no]), pool_u - used + before
        )
        pct[members] = new_pct
        cost[members] = new_cost
        used += int(new_cost.sum()) - before
    return pct, findings


def _fill_band(sub: PeopleArrays, current: Ints, cap: int, budget: int) -> tuple[Ints, Ints]:
    """Raise a band's % in 0.01 steps (capped at its maximum) while its cost fits."""
    room = int(cap - current.min())

    def fits(s: int) -> bool:
        return int(sub.cost(np.minimum(current + s, cap)).sum()) <= budget

    steps = _largest(0, room, fits) if room > 0 else 0
    pct = np.minimum(current + steps, cap)
    return pct, sub.cost(pct)


def _parse_table(table: object, rules: Rules) -> list[tuple[int, Decimal]]:
    """(score floor in hundredths, pct) rows, highest floor first."""
    rows: list[tuple[Decimal, Decimal]] = []
    if isinstance(table, pd.DataFrame):
        rows = [(dec(r["min_total"]), dec(r["pct"])) for r in table.to_dict("records")]
    elif isinstance(table, Mapping):
        for key, pct in table.items():
            band = rules.band_named(str(key))
            rows.append((band.min_total or Decimal(0), dec(pct)))
    elif isinstance(table, Sequence):
        rows = [(dec(lo), dec(p)) for lo, p in table]
    else:
        raise InputError(
            "policy 'table' needs table= (DataFrame min_total/pct, {band: pct} or pairs)",
            "นโยบาย 'table' ต้องระบุตารางร้อยละตามช่วงคะแนน",
        )
    return sorted(((int(lo * 100), p) for lo, p in rows), reverse=True)


def _pct_hundredths(value: Decimal) -> int | None:
    scaled = value * 100
    return int(scaled) if scaled == scaled.to_integral_value() else None


def _table_pct(prep: _Prepared, table: object, rules: Rules) -> tuple[Ints, list[Finding]]:
    findings: list[Finding] = []
    valid: list[tuple[int, int]] = []
    for floor, value in _parse_table(table, rules):
        hundredths = _pct_hundredths(value)
        if hundredths is None or not Decimal(0) <= value <= rules.max_increase_pct:
            findings.append(
                finding(
                    "alloc.table_pct",
                    value=value,
                    floor=Decimal(floor) / 100,
                    max=rules.max_increase_pct,
                )
            )
        else:
            valid.append((floor, hundredths))
    pct = np.zeros(len(prep.ids), dtype=np.int64)
    for floor, hundredths in sorted(valid):  # ascending: the highest floor reached wins
        pct[prep.totals >= floor] = hundredths
    pct[~prep.eligible] = 0
    findings += _order_findings(prep, pct)
    return pct, findings


def _given_hundredths(given: list[object]) -> tuple[Ints, npt.NDArray[np.bool_], list[int]]:
    """The typed % per person in hundredths; which are blank; which cannot be read."""
    n = len(given)
    values = np.zeros(n, dtype=np.int64)
    blank = np.zeros(n, dtype=bool)
    bad: list[int] = []
    try:
        floats = np.asarray(given, dtype=np.float64)
        scaled = floats * 100
        rounded = np.rint(scaled)
        fast = bool(np.isfinite(scaled[~np.isnan(scaled)]).all()) and bool(
            (np.abs(scaled - rounded)[~np.isnan(scaled)] < 1e-6).all()
        )
    except (TypeError, ValueError):
        fast = False
    if fast:
        blank = np.isnan(floats)
        values[~blank] = rounded[~blank].astype(np.int64)
        return values, blank, bad
    for i, raw in enumerate(given):
        cell = parse_percent(raw)
        if cell.value is None:
            blank[i] = cell.problem is None
            if cell.problem:
                bad.append(i)
            continue
        hundredths = _pct_hundredths(cell.value)
        if hundredths is None:
            bad.append(i)
        else:
            values[i] = hundredths
    return values, blank, bad


def _manual_pct(prep: _Prepared, rules: Rules) -> tuple[Ints, list[Finding]]:
    findings: list[Finding] = []
    given: list[object] = list(prep.given_pct or [None] * len(prep.ids))
    values, blank, bad = _given_hundredths(given)
    pmin, pmax, _, _ = _band_arrays(rules)
    max_h = int(rules.max_increase_pct * 100)
    invalid = np.zeros(len(values), dtype=bool)
    invalid[bad] = True
    invalid |= ~blank & ((values < 0) | (values > max_h))
    for i in np.flatnonzero(invalid).tolist():
        findings.append(
            finding(
                "alloc.pct_invalid",
                field="pct",
                value=given[i],
                person_id=prep.ids[i],
                max=rules.max_increase_pct,
            )
        )
    usable = ~blank & ~invalid
    for i in np.flatnonzero(blank & prep.eligible).tolist():
        findings.append(finding("alloc.pct_missing", field="pct", person_id=prep.ids[i]))
    for i in np.flatnonzero(usable & ~prep.eligible & (values != 0)).tolist():
        findings.append(
            finding(
                "alloc.ineligible_pct",
                field="pct",
                value=Decimal(int(values[i])) / 100,
                person_id=prep.ids[i],
                reason=prep.reasons[i],
            )
        )
    band = prep.band_idx
    outside = usable & prep.eligible & ((values < pmin[band]) | (values > pmax[band]))
    for i in np.flatnonzero(outside).tolist():
        b = rules.bands[band[i]]
        findings.append(
            finding(
                "alloc.pct_outside_band",
                field="pct",
                value=Decimal(int(values[i])) / 100,
                person_id=prep.ids[i],
                band=b.name,
                low=b.pct_min,
                high=b.pct_max,
            )
        )
    pct = np.where(usable & prep.eligible, values, 0).astype(np.int64)
    findings += _order_findings(prep, pct)
    return pct, findings


def _order_findings(prep: _Prepared, pct: Ints) -> list[Finding]:
    """Equal score → equal %; a higher score → not a lower % (among the eligible)."""
    out: list[Finding] = []
    members = np.flatnonzero(prep.eligible)
    if members.size == 0:
        return out
    order = members[np.argsort(prep.totals[members], kind="stable")]
    totals, pcts = prep.totals[order], pct[order]
    starts = np.flatnonzero(np.r_[True, totals[1:] != totals[:-1]])
    group_of = np.cumsum(np.r_[True, totals[1:] != totals[:-1]]) - 1
    gmin = np.minimum.reduceat(pcts, starts)
    gmax = np.maximum.reduceat(pcts, starts)
    # highest % among strictly lower scores, per group
    below = np.r_[-1, np.maximum.accumulate(gmax)[:-1]]
    for g in np.flatnonzero(gmin != gmax).tolist():
        end = starts[g + 1] if g + 1 < len(starts) else len(order)
        out.append(
            finding(
                "alloc.equal_score_unequal_pct",
                field="pct",
                value=Decimal(int(totals[starts[g]])) / 100,
                people=", ".join(_label(prep, i) for i in order[starts[g] : end].tolist()),
            )
        )
    for k in np.flatnonzero(pcts < below[group_of]).tolist():
        out.append(
            finding(
                "alloc.not_monotone",
                field="pct",
                value=Decimal(int(pcts[k])) / 100,
                person_id=prep.ids[order[k]],
                score=Decimal(int(totals[k])) / 100,
                higher=Decimal(int(below[group_of[k]])) / 100,
            )
        )
    return out


def _said(prep: _Prepared, key: str, i: int) -> str:
    """Person ``i``'s ``name``, ``unit`` or ``source_file`` as text ("" when not given)."""
    values = prep.who.get(key)
    value = None if values is None else values[i]
    return "" if value is None or value != value else str(value).strip()


def _label(prep: _Prepared, i: int) -> str:
    """``id name`` of person ``i`` (the id alone when no name is given)."""
    name = _said(prep, "name", i)
    return f"{prep.ids[i]} {name}" if name else str(prep.ids[i])


def _named(prep: _Prepared, findings: list[Finding]) -> list[Finding]:
    """Findings about one person say who (id and name), in which unit, and which file."""
    if not any(f.person_id for f in findings):
        return findings
    index = {str(pid): i for i, pid in enumerate(prep.ids)}
    out = []
    for f in findings:
        i = index.get(f.person_id) if f.person_id else None
        if i is None:
            out.append(f)
            continue
        unit, file = _said(prep, "unit", i), _said(prep, "source_file", i)
        who = _label(prep, i)
        out.append(
            replace(
                f,
                # the problem first (a narrow Issues column shows it), then who
                message_th=f"{f.message_th} — {who}" + (f" หน่วยงาน {unit}" if unit else ""),
                message_en=f"{f.message_en} — {who}" + (f", unit {unit}" if unit else ""),
                file=f.file or file,
            )
        )
    return out


def allocate(
    people: pd.DataFrame,
    pool: object,
    *,
    policy: str = "optimize",
    shape: str = "flat",
    table: object = None,
    rules: Rules | None = None,
) -> Allocation:
    """Allocate ``pool`` baht among ``people`` under ``policy`` (see the module doc).

    ``people`` has ``person_id, level_code, salary, total`` and optionally ``band``,
    ``eligible``, ``reason``, ``pct`` (for ``manual``), ``alt_ceiling``, the
    eligibility fields of :mod:`kpixl.core.eligibility`, and ``name``, ``unit`` and
    ``source_file``, which findings about a person quote. A person whose salary cannot
    be paid on gets nothing (see :func:`~kpixl.core.increase_vec.salary_problems`).
    """
    rules = rules or default_rules()
    if policy not in POLICIES:
        raise InputError(
            f"policy must be one of {', '.join(POLICIES)}, not {policy!r}",
            f"นโยบายต้องเป็น {', '.join(POLICIES)} ไม่ใช่ {policy!r}",
        )
    if shape not in SHAPES:
        raise InputError(
            f"shape must be one of {', '.join(SHAPES)}, not {shape!r}",
            f"รูปแบบต้องเป็น {', '.join(SHAPES)} ไม่ใช่ {shape!r}",
        )
    pool_amount = dec(pool)  # type: ignore[arg-type]
    if pool_amount < 0:
        raise InputError(f"pool must not be negative: {pool_amount}", "วงเงินต้องไม่ติดลบ")
    pool_u = pool_micro(pool_amount)
    prep = _prepare(people, rules)
    if policy == "optimize":
        pct, findings = _optimize(prep, pool_u, shape, rules)
    elif policy == "table":
        pct, findings = _table_pct(prep, table, rules)
    else:
        pct, findings = _manual_pct(prep, rules)
    outcome = prep.money.outcome(pct)
    used_u = int(outcome.cost.sum())
    if used_u > pool_u and policy != "optimize":
        over = Decimal(used_u - pool_u) / MICRO
        findings.append(
            finding(
                "alloc.pool_exceeded", value=over, over=f"{over:,.2f}", pool=f"{pool_amount:,.2f}"
            )
        )
    findings = _named(prep, findings)
    by_band: dict[str, Decimal] = {}
    if policy == "optimize" and shape == "flat":
        for band_no, band in enumerate(rules.bands):
            members = np.flatnonzero(prep.eligible & (prep.band_idx == band_no))
            if members.size and band.eligible:
                by_band[band.name] = Decimal(int(pct[members[0]])) / 100
    used = Decimal(used_u) / MICRO
    return Allocation(
        pool=pool_amount,
        used=used,
        leftover=pool_amount - used,
        findings=findings,
        policy=policy,
        shape=shape,
        pct_by_band=by_band,
        build_rows=lambda: _rows(prep, pct, outcome, rules),
    )


def _decimals(values: Ints, scale: int) -> npt.NDArray[np.object_]:
    """int values in 1/scale units → object array of Decimals (each unique value once)."""
    inverse, uniques = pd.factorize(values)
    out = np.empty(len(uniques), dtype=object)
    for i, v in enumerate(uniques.tolist()):
        out[i] = Decimal(v) / scale
    return out[inverse]


def _rows(prep: _Prepared, pct: Ints, outcome: Outcome, rules: Rules) -> pd.DataFrame:
    money = prep.money
    reasons = list(prep.reasons)
    capped = outcome.capped
    for i in np.flatnonzero(prep.eligible & (pct == 0)).tolist():
        reasons[i] = reasons[i] or "ได้ร้อยละ 0 / 0 %"
    for i in np.flatnonzero(prep.eligible & (pct > 0) & capped).tolist():
        reasons[i] = (
            "ถึงขั้นสูงของระดับ ส่วนที่เกินจ่ายเป็นค่าตอบแทนพิเศษ"
            " / at the level maximum: the rest is special compensation"
        )
    band_names = np.array([b.name for b in rules.bands], dtype=object)
    base = from_micro(money.base_satang * 10_000)
    base_kind: npt.NDArray[Any] = np.where(money.base_kind_upper, "upper", "lower")
    new_salary = from_micro(money.salary + outcome.increase)
    if prep.invalid.any():  # the stand-in's figures are no one's: shown blank
        base_kind = base_kind.astype(object)
        base[prep.invalid] = base_kind[prep.invalid] = new_salary[prep.invalid] = None
    return pd.DataFrame(
        {
            "person_id": prep.ids,
            "band": band_names[prep.band_idx],
            "total": _decimals(prep.totals, 100),
            "eligible": prep.eligible,
            "pct": _decimals(pct, 100),
            "base": base,
            "base_kind": base_kind,
            "unrounded": from_micro(outcome.unrounded),
            "rounded": from_micro(outcome.rounded),
            "increase": from_micro(outcome.increase),
            "new_salary": new_salary,
            "special_compensation": from_micro(outcome.special),
            "capped": capped,
            "cost": from_micro(outcome.cost),
            "reason": reasons,
        },
        columns=ALLOCATION_COLUMNS,
    )
