"""Salary-increase pools (วงเงินเลื่อนเงินเดือน), SPEC §4.

Pool per group = rate × payroll of everyone holding a position in that group on the
count date (1 Mar / 1 Sep): the whole roster, whether or not their evaluation has
arrived. A roster row whose salary cannot be paid on (unknown level; blank, text,
negative or out-of-range salary: :func:`~kpixl.core.increase_vec.salary_problems`) is
no part of any pool until it is corrected. When unit shares are on, each group's pool
is split into unit shares in proportion to unit payroll, rounded down to whole baht;
the remainder stays central (on the group's row).
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from itertools import compress, repeat
from typing import Any

import pandas as pd

from kpixl.core.increase_vec import salary_problems
from kpixl.core.numbers import dec
from kpixl.core.rules import Rules, default_rules

__all__ = ["POOL_COLUMNS", "pool_for"]

POOL_COLUMNS = ["pool_group", "unit", "headcount", "payroll", "rate_pct", "pool", "central"]
_ZERO = Decimal(0)


def _holds_position(value: object) -> bool:
    if value is None or (isinstance(value, float) and value != value):
        return True
    if isinstance(value, str):
        return value.strip().casefold() not in ("0", "false", "no", "n", "ไม่ใช่", "ว่าง")
    return bool(value)


def pool_for(
    roster: pd.DataFrame, *, rules: Rules | None = None, unit_shares: bool | None = None
) -> pd.DataFrame:
    """Pools per group, and per unit when shares are on (rule ``pools.unit_shares``).

    ``roster`` needs ``person_id, level_code, salary``; ``unit``, ``pool_group``,
    ``holds_position`` and ``alt_ceiling`` are optional. Rows whose salary cannot be paid
    on are left out (see the module doc). Group rows have ``unit == ""`` and carry the
    central remainder in ``central``; unit rows carry their share in ``pool``.
    """
    rules = rules or default_rules()
    shares = rules.unit_shares if unit_shares is None else unit_shares
    rate = rules.pool_rate_pct
    groups: dict[str, dict[str, list[Decimal]]] = {}
    n = len(roster)

    def column(name: str) -> list[Any]:
        return roster[name].tolist() if name in roster.columns else [None] * n

    holds = column("holds_position")
    held_keys = list(zip(map(type, holds), holds, strict=True))  # True and 1 kept apart
    held_of = {key: _holds_position(key[1]) for key in set(held_keys)}  # a few values
    alt = (
        roster["alt_ceiling"].fillna(False).astype(bool).to_numpy()
        if "alt_ceiling" in roster.columns
        else None
    )
    problems = salary_problems(roster["salary"], roster["level_code"], alt, rules)
    held = [
        h and p is None for h, p in zip(map(held_of.__getitem__, held_keys), problems, strict=True)
    ]
    named, levels = column("pool_group"), column("level_code")
    where = list(
        compress(zip(map(type, named), named, map(type, levels), levels, strict=True), held)
    )
    name_of = {w: str(w[1] or rules.pool_group_of(str(w[3]).strip())) for w in set(where)}
    names = map(name_of.__getitem__, where)
    unit_names = [str(u or "") for u in column("unit")] if shares else repeat("", n)
    buckets: dict[tuple[str, str], list[Any]] = {}
    kept = compress(zip(unit_names, column("salary"), strict=True), held)
    for name, (unit, salary) in zip(names, kept, strict=True):
        buckets.setdefault((name, unit), []).append(salary)
    for (name, unit), salaries in buckets.items():
        if not (set(map(type, salaries)) <= {Decimal} and all(map(Decimal.is_finite, salaries))):
            salaries = [dec(s) for s in salaries]  # anything else, as dec reads it (or raises)
        groups.setdefault(name, {})[unit] = salaries
    rows: list[dict[str, object]] = []
    for group in [g for g in rules.pool_groups if g in groups] + sorted(
        g for g in groups if g not in rules.pool_groups
    ):
        units = groups[group]
        payroll = sum((sum(v, _ZERO) for v in units.values()), _ZERO)
        pool = payroll * rate / 100
        unit_rows: list[dict[str, Any]] = []
        if shares:
            for unit in sorted(units):
                unit_payroll = sum(units[unit], _ZERO)
                share = (pool * unit_payroll / payroll).to_integral_value(ROUND_FLOOR)
                unit_rows.append(
                    {
                        "pool_group": group,
                        "unit": unit,
                        "headcount": len(units[unit]),
                        "payroll": unit_payroll,
                        "rate_pct": rate,
                        "pool": share,
                        "central": None,
                    }
                )
        central = pool - sum((Decimal(r["pool"]) for r in unit_rows), _ZERO)
        rows.append(
            {
                "pool_group": group,
                "unit": "",
                "headcount": sum(len(v) for v in units.values()),
                "payroll": payroll,
                "rate_pct": rate,
                "pool": pool,
                "central": central if shares else _ZERO,
            }
        )
        rows += unit_rows
    return pd.DataFrame(rows, columns=POOL_COLUMNS)
