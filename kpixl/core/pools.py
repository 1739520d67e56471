"""Salary-increase pools (วงเงินเลื่อนเงินเดือน), SPEC §4.

Pool per group = rate × payroll of everyone holding a position in that group on the
count date (1 Mar / 1 Sep). When unit shares are on, each group's pool is split into
unit shares in proportion to unit payroll, rounded down to whole baht; the remainder
stays central (on the group's row).
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from typing import Any

import pandas as pd

from kpixl.core.errors import SalaryError
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

    ``roster`` needs ``person_id, level_code, salary``; ``unit``, ``pool_group`` and
    ``holds_position`` are optional. Group rows have ``unit == ""`` and carry the central
    remainder in ``central``; unit rows carry their share in ``pool``.
    """
    rules = rules or default_rules()
    shares = rules.unit_shares if unit_shares is None else unit_shares
    rate = rules.pool_rate_pct
    unknown = sorted({str(c) for c in roster["level_code"] if c not in rules.salary_table.levels})
    if unknown:
        raise SalaryError(
            f"unknown level code(s) on the roster: {', '.join(unknown)}",
            f"บัญชีรายชื่อมีรหัสระดับที่ไม่รู้จัก: {', '.join(unknown)}",
        )
    groups: dict[str, dict[str, list[Decimal]]] = {}
    n = len(roster)

    def column(name: str) -> list[Any]:
        return roster[name].tolist() if name in roster.columns else [None] * n

    holds_memo: dict[tuple[type, Any], bool] = {}  # a few distinct values, many people
    group_memo: dict[tuple[type, Any, type, Any], str] = {}
    for holds, group, level, unit, salary in zip(
        column("holds_position"),
        column("pool_group"),
        column("level_code"),
        column("unit"),
        column("salary"),
        strict=True,
    ):
        key = (type(holds), holds)
        held = holds_memo.get(key)
        if held is None:
            held = holds_memo[key] = _holds_position(holds)
        if not held:
            continue
        where = (type(group), group, type(level), level)
        name = group_memo.get(where)
        if name is None:
            name = group_memo[where] = str(group or rules.pool_group_of(str(level)))
        unit = str(unit or "") if shares else ""
        groups.setdefault(name, {}).setdefault(unit, []).append(dec(salary))
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
