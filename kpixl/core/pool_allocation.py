"""Allocating every pool of a round at once, with the use of each pool reported.

Each pool group (and each unit share, when unit shares are on) is allocated on its own
with :func:`~kpixl.core.allocation.allocate`; the central remainder of a split group
stays unallocated and is reported. The usage table says, per group and unit, the pool,
what was used and what is left.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import pandas as pd

from kpixl.core.allocation import ALLOCATION_COLUMNS, allocate
from kpixl.core.findings import Finding
from kpixl.core.pools import pool_for
from kpixl.core.rules import Rules, default_rules

__all__ = ["USAGE_COLUMNS", "RoundAllocation", "allocate_pools"]

USAGE_COLUMNS = ["pool_group", "unit", "headcount", "pool", "used", "leftover", "central"]


@dataclass
class RoundAllocation:
    rows: pd.DataFrame  # ALLOCATION_COLUMNS + pool_group, unit
    usage: pd.DataFrame  # USAGE_COLUMNS; a group row's leftover includes its central part
    findings: list[Finding] = field(default_factory=list)


def allocate_pools(
    people: pd.DataFrame,
    *,
    policy: str = "optimize",
    shape: str = "flat",
    table: object = None,
    rules: Rules | None = None,
    unit_shares: bool | None = None,
) -> RoundAllocation:
    """Compute the pools from ``people`` (who are also the roster) and allocate each.

    ``people`` has the columns :func:`allocate` needs plus ``unit`` (and optionally
    ``pool_group`` and ``holds_position``).
    """
    rules = rules or default_rules()
    shares = rules.unit_shares if unit_shares is None else unit_shares
    pools = pool_for(people, rules=rules, unit_shares=shares)
    people = people.copy()
    if "pool_group" not in people.columns:
        people["pool_group"] = None
    blank = people["pool_group"].isna() | (people["pool_group"].astype(str).str.strip() == "")
    levels = people.loc[blank, "level_code"]
    named = {level: rules.pool_group_of(level) for level in set(levels)}  # once per level
    people.loc[blank, "pool_group"] = levels.map(named.__getitem__)
    if "unit" not in people.columns:
        people["unit"] = ""
    rows: list[pd.DataFrame] = []
    used: dict[tuple[str, str], Decimal] = {}
    findings: list[Finding] = []
    records: list[dict[str, Any]] = pools.to_dict("records")  # type: ignore[assignment]
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


def _with_pool(f: Finding, where: str) -> Finding:
    return replace(
        f,
        message_th=f"[วงเงิน {where}] {f.message_th}",
        message_en=f"[pool {where}] {f.message_en}",
    )
