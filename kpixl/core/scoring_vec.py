"""Whole-table scoring, vectorised with exact integer arithmetic.

The table functions of :mod:`kpixl.core.scoring_table` send every row that is plainly
valid through here and every other row through the scalar functions (which also write
the findings). The results are identical (property tests hold them to the scalar path):

* scores and totals are kept in hundredths as int64; rounding half-up is integer
  division; a linear score's fraction is computed in floats and re-checked exactly
  (Decimal) wherever it lies within 1e-6 of a hundredth, so truncation never errs;
* weights are used only when they are exact hundredths.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from kpixl.core.numbers import exact_floats

__all__ = ["as_floats", "as_hundredths", "half_up_ratio", "kpi_hundredths"]

F = npt.NDArray[np.float64]
I = npt.NDArray[np.int64]  # noqa: E741
B = npt.NDArray[np.bool_]
_NUMBER = (int, float, Decimal)


def as_floats(values: Sequence[Any]) -> F:
    """Numbers as floats (NaN for anything that is not a plain number)."""
    cached = exact_floats(values)  # the usual column: Decimals read from float cells
    return cached if cached is not None else _plain_floats(values)


def _plain_floats(values: Sequence[Any]) -> F:
    return np.array(
        [float(v) if type(v) in _NUMBER and v == v else math.nan for v in values], dtype=np.float64
    )


def as_hundredths(values: Sequence[Any]) -> tuple[I, B]:
    """Numbers × 100 as int64, and which of them were exact hundredths."""
    floats = as_floats(values) * 100
    rounded = np.rint(floats)
    ok = np.isfinite(floats) & (np.abs(floats - rounded) < 1e-6) & (np.abs(rounded) < 2**53)
    return np.where(ok, rounded, 0).astype(np.int64), ok


def half_up_ratio(num: I, den: I, scale: int) -> I:
    """round_half_up(num × scale / den) for num ≥ 0, den > 0, exactly."""
    top = num * scale
    return (2 * top + den) // (2 * den)


def _exact_hundredths(value: Any, memo: dict[tuple[type, Any], int | None]) -> int | None:
    """``Decimal(str(value)) × 100`` as an int when that is whole (and not huge), else None;
    once per distinct value. A float and the Decimal ``dec`` made of it give the same."""
    key = (type(value), value)
    if key not in memo:
        scaled = Decimal(str(value)) * 100
        whole = scaled == scaled.to_integral_value() and abs(scaled) < 2**50
        memo[key] = int(scaled) if whole else None
    return memo[key]


def kpi_hundredths(
    kind: Sequence[Any],
    direction: Sequence[Any],
    levels: Sequence[Sequence[Any]],
    actual: Sequence[Any],
    method: str,
) -> tuple[I, B]:
    """Each KPI's score × 100, and which rows were scored here (the plainly valid ones)."""
    cached = [exact_floats(col) for col in (actual, *levels)]
    # every cell a Decimal made from a float (or blank): one exact value per float
    from_floats = all(c is not None for c in cached)
    x, *level_floats = (
        c if c is not None else _plain_floats(col)
        for c, col in zip(cached, (actual, *levels), strict=True)
    )
    lv = np.stack(level_floats, axis=1)
    kind_a = np.asarray(kind, dtype=object)
    dir_a = np.asarray(direction, dtype=object)
    n = len(x)
    score = np.zeros(n, dtype=np.int64)
    done = np.zeros(n, dtype=bool)
    milestone = (kind_a == "milestone") & np.isfinite(x) & (x >= 0) & (x <= 5) & (x == np.floor(x))
    score[milestone] = (x[milestone] * 100).astype(np.int64)
    done |= milestone
    sign = np.where(dir_a == "higher", 1.0, np.where(dir_a == "lower", -1.0, np.nan))
    steps = np.diff(lv, axis=1) * sign[:, None]
    quant = (
        (kind_a == "quantitative")
        & np.isfinite(x)
        & np.isfinite(lv).all(axis=1)
        & np.isfinite(sign)
        & (steps > 0).all(axis=1)
    )
    if not quant.any():
        return score, done
    rows = np.flatnonzero(quant)
    xs, ls, ss = x[rows], lv[rows], sign[rows]
    reached = ((xs[:, None] - ls) * ss[:, None] >= 0).sum(axis=1)
    value = reached * 100
    if method == "linear":
        between = (reached > 0) & (reached < 5)
        idx = np.flatnonzero(between)
        k = reached[idx]
        lo = ls[idx, k - 1]
        hi = ls[idx, k]
        frac = (xs[idx] - lo) / (hi - lo) * 100
        cut = np.floor(frac + 1e-9)
        near = np.abs(frac - np.rint(frac)) < 1e-6
        near_at = np.flatnonzero(near)
        if from_floats and len(near_at):  # every cell a float's Decimal: in integers, exactly
            r_near, k_near = rows[idx[near_at]], k[near_at]
            trio = np.concatenate([x[r_near], lv[r_near, k_near - 1], lv[r_near, k_near]])
            distinct, where = np.unique(trio, return_inverse=True)
            memo: dict[tuple[type, Any], int | None] = {}
            known = [_exact_hundredths(v, memo) for v in distinct.tolist()]
            whole = np.array([h is not None for h in known], dtype=bool)[where]
            h = np.array([0 if v is None else v for v in known], dtype=np.int64)[where]
            a, lo_h, hi_h = h.reshape(3, -1)
            fine = whole.reshape(3, -1).all(axis=0)
            num, den = (a - lo_h) * 100, hi_h - lo_h
            num, den = np.where(den < 0, -num, num), np.where(den < 0, -den, den)
            cut[near_at[fine]] = (num[fine] // den[fine]).astype(np.float64)
            near[near_at[fine]] = False  # the rest: Decimals below
        for j in np.flatnonzero(near).tolist():
            r = rows[idx[j]]
            level = int(k[j])
            exact_lo, exact_hi = Decimal(str(levels[level - 1][r])), Decimal(str(levels[level][r]))
            exact = (Decimal(str(actual[r])) - exact_lo) * 100 / (exact_hi - exact_lo)
            cut[j] = float(exact.to_integral_value(ROUND_FLOOR))
        value[idx] += cut.astype(np.int64)
    score[rows] = value
    done[rows] = True
    return score, done
