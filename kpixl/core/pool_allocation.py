"""Allocating every pool of a round at once, with the use of each pool reported.

The pools come from the roster: everyone holding a position on the count date,
evaluated or not (:func:`~kpixl.core.pools.pool_for`); they are shared among the
people who were evaluated. Each pool group (and each unit share, when unit shares are
on) is allocated on its own with :func:`~kpixl.core.allocation.allocate`; the central
remainder of a split group stays unallocated and is reported. People of a group or
unit with no pool (nobody there on the roster's payroll) are allocated a pool of 0.
The usage table says, per group and unit, the pool, what was used and what is left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import pandas as pd

from kpixl.core.allocation import ALLOCATION_COLUMNS, allocate
from kpixl.core.findings import Finding
from kpixl.core.pools import pool_for
from kpixl.core.result_fields import RESULT_FIELDS
from kpixl.core.rules import Rules, default_rules

__all__ = ["RESULT_FIELDS", "USAGE_COLUMNS", "RoundAllocation", "allocate_pools", "allocate_round"]

USAGE_COLUMNS = ["pool_group", "unit", "headcount", "pool", "used", "leftover", "central"]


@dataclass
class RoundAllocation:
    rows: pd.DataFrame  # ALLOCATION_COLUMNS + pool_group, unit
    usage: pd.DataFrame  # USAGE_COLUMNS; a group row's leftover includes its central part
    findings: list[Finding] = field(default_factory=list)


def allocate_pools(
    people: pd.DataFrame,
    *,
    roster: pd.DataFrame | None = None,
    policy: str = "optimize",
    shape: str = "flat",
    table: object = None,
    rules: Rules | None = None,
    unit_shares: bool | None = None,
) -> RoundAllocation:
    """Compute the pools from ``roster`` and allocate each among ``people``.

    ``roster`` is everyone holding a position on the count date, evaluated or not (the
    columns :func:`~kpixl.core.pools.pool_for` reads); without it, ``people`` are taken
    to be the whole roster. ``people`` are the evaluated: the columns :func:`allocate`
    needs plus ``unit`` (and optionally ``pool_group``).
    """
    rules = rules or default_rules()
    shares = rules.unit_shares if unit_shares is None else unit_shares
    pools = pool_for(people if roster is None else roster, rules=rules, unit_shares=shares)
    people = people.copy()
    if "pool_group" not in people.columns:
        people["pool_group"] = None
    blank = people["pool_group"].isna() | (people["pool_group"].astype(str).str.strip() == "")
    levels = people.loc[blank, "level_code"]
    named = {level: _group_of(level, rules) for level in set(levels)}  # once per level
    people.loc[blank, "pool_group"] = levels.map(named.__getitem__)
    if "unit" not in people.columns:
        people["unit"] = ""
    rows: list[pd.DataFrame] = []
    used: dict[tuple[str, str], Decimal] = {}
    findings: list[Finding] = []
    records: list[dict[str, Any]] = pools.to_dict("records")  # type: ignore[assignment]
    records += _empty_pools(people, records, shares, rules)
    for pool in records:
        group, unit = pool["pool_group"], pool["unit"]
        if shares and unit == "":
            continue  # the group row: its units are allocated, the remainder stays central
        mask = people["pool_group"] == group
        if shares:
            mask &= people["unit"].astype(str) == unit
        members = people[mask]
        result = allocate(
            members, pool["pool"], policy=policy, shape=shape, table=table, rules=rules
        )
        part = result.rows.copy()
        part["pool_group"] = group
        part["unit"] = list(members["unit"])
        rows.append(part)
        used[(group, unit)] = result.used
        where = f"{group}" + (f" / {unit}" if unit else "")
        findings += [_with_pool(f, where) for f in result.findings]
    usage = []
    for pool in records:
        group, unit = pool["pool_group"], pool["unit"]
        amount = Decimal(pool["pool"])
        if shares and unit == "":
            spent = sum((v for (g, u), v in used.items() if g == group and u), Decimal(0))
        else:
            spent = used[(group, unit)]
        usage.append(
            {
                "pool_group": group,
                "unit": unit,
                "headcount": pool["headcount"],
                "pool": amount,
                "used": spent,
                "leftover": amount - spent,
                "central": pool["central"] if unit == "" else None,
            }
        )
    columns = [*ALLOCATION_COLUMNS, "pool_group", "unit"]
    frame = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)
    return RoundAllocation(frame[columns], pd.DataFrame(usage, columns=USAGE_COLUMNS), findings)


_OWN = {"person_id", "unit", "level_code", "salary", "achievement", "competency", "total"}
_OWN |= {"name", "position", "position_no", "source_file"}  # the rest: allocation's


def allocate_round(
    people: pd.DataFrame,
    payroll: pd.DataFrame,
    *,
    rules: Rules,
    policy: str,
    shape: str,
    columns: Sequence[str] = RESULT_FIELDS,
    pct_sheet: str = "",
) -> tuple[pd.DataFrame, pd.DataFrame, list[Finding]]:
    """The round's results, the use of its pools, and the findings of allocating.

    In: the evaluated ``people`` (roster columns, scores, the proposed ``pct``) and the
    whole roster's ``payroll`` (everyone the pools are computed from). Out: one result
    row per person (``columns``, a selection of :data:`RESULT_FIELDS` in any order;
    sorted by unit and person id), the pools' usage (:data:`USAGE_COLUMNS`), and the
    findings, those about a person's % pointing at ``pct_sheet`` of their file.
    """
    if people.empty and payroll.empty:
        return pd.DataFrame(columns=list(columns)), pd.DataFrame(columns=USAGE_COLUMNS), []
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
    findings = [
        replace(f, sheet=pct_sheet) if f.field == "pct" and f.file and not f.sheet else f
        for f in outcome.findings
    ]
    rows = outcome.rows
    order = pd.Index(rows["person_id"]).get_indexer(people["person_id"])
    allocated = rows.iloc[order].reset_index(drop=True)

    def column(name: str) -> list[Any]:
        if name in _OWN:
            return people[name].tolist() if name in people.columns else [None] * len(people)
        values = allocated[name]
        if name == "eligible":
            return [bool(v) for v in values]
        if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            same: list[Any] = values.tolist()  # the same values, without per-item access
            return same
        return list(values)  # numpy scalars, as before

    results = pd.DataFrame(
        {name: column(name) for name in columns}, columns=list(columns), dtype=object
    )
    results = results.sort_values(["unit", "person_id"], kind="stable")
    return results.reset_index(drop=True), outcome.usage, findings


def _group_of(level: object, rules: Rules) -> str:
    """The pool group of a level code; "" for a code the rules do not know (such a
    person's salary cannot be paid on, and gets nothing)."""
    try:
        return rules.pool_group_of(str(level).strip())
    except KeyError:
        return ""


def _empty_pools(
    people: pd.DataFrame, records: list[dict[str, Any]], shares: bool, rules: Rules
) -> list[dict[str, Any]]:
    """Pools of 0 for the groups (and units) of people that no pool covers."""
    have = {(r["pool_group"], r["unit"]) for r in records}
    groups = {r["pool_group"] for r in records}
    pairs = people[["pool_group", "unit"]].drop_duplicates().to_dict("records")
    wanted = {(str(p["pool_group"]), str(p["unit"]) if shares else "") for p in pairs} - have
    out: list[dict[str, Any]] = []
    for group, unit in sorted(wanted):
        if shares and group not in groups:
            groups.add(group)
            out.append(_zero_pool(group, "", rules, Decimal(0)))
        out.append(_zero_pool(group, unit, rules, None if unit else Decimal(0)))
    return out


def _zero_pool(group: str, unit: str, rules: Rules, central: Decimal | None) -> dict[str, Any]:
    return {
        "pool_group": group,
        "unit": unit,
        "headcount": 0,
        "payroll": Decimal(0),
        "rate_pct": rules.pool_rate_pct,
        "pool": Decimal(0),
        "central": central,
    }


def _with_pool(f: Finding, where: str) -> Finding:
    return replace(
        f,
        message_th=f"{f.message_th} [วงเงิน {where}]",
        message_en=f"{f.message_en} [pool {where}]",
    )
