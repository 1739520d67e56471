"""The increase maths of :mod:`kpixl.core.salary`, vectorised over many people.

Amounts are int64 in micro-baht (1e-6 baht) and percentages in hundredths of a
percent, so every operation is exact integer arithmetic (no float ever touches
money) and 50,000 people take well under a millisecond per evaluation. Tests check
that it gives the same numbers as the scalar Decimal path.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

import numpy as np
import numpy.typing as npt
import pandas as pd

from kpixl.core.errors import SalaryError
from kpixl.core.numbers import dec
from kpixl.core.rules import Rules
from kpixl.core.salary_table import SalaryTable

__all__ = ["MICRO", "Outcome", "PeopleArrays", "from_micro", "to_micro"]

MICRO = 10**6
Ints = npt.NDArray[np.int64]


def to_micro(value: Decimal) -> int:
    """Decimal baht → int micro-baht; SalaryError when it has finer precision."""
    scaled = value * MICRO
    if scaled != scaled.to_integral_value():
        raise SalaryError(
            f"amount {value} has more than 6 decimals", f"จำนวนเงิน {value} มีทศนิยมเกิน 6 ตำแหน่ง"
        )
    return int(scaled)


def pool_micro(value: Decimal) -> int:
    """A pool in micro-baht, rounded down (a pool is never taken to be larger)."""
    return int((value * MICRO).to_integral_value(ROUND_FLOOR))


def scaled_ints(values: pd.Series, scale: int, *, what: str) -> Ints:
    """Exact ``round_half_up(value × scale)`` for a column of numbers, as int64.

    Fast path: when every value × scale lies within 1e-4 of an integer (the value has no
    finer precision than 1/scale), the float reading is exact after rounding. Otherwise
    each value goes through Decimal, half-up.
    """
    try:
        floats = np.asarray(values.to_numpy(), dtype=np.float64)
    except (TypeError, ValueError):
        floats = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    scaled = floats * scale
    rounded = np.rint(scaled)
    if (
        np.isfinite(scaled).all()
        and (np.abs(scaled - rounded) < 1e-4).all()
        and (np.abs(rounded) < 2**53).all()
    ):
        result: Ints = rounded.astype(np.int64)
        return result
    out = np.empty(len(values), dtype=np.int64)
    for i, value in enumerate(values.tolist()):
        try:
            exact = dec(value) * scale
        except ValueError:
            raise SalaryError(
                f"{what} is not a number: {value!r}", f"{what} ไม่ใช่ตัวเลข: {value!r}"
            ) from None
        out[i] = int(exact.to_integral_value(ROUND_HALF_UP))
    return out


def from_micro(values: Ints) -> npt.NDArray[np.object_]:
    """int micro-baht → an object array of exact Decimal baht (converting each value once).

    Whole baht become ``Decimal('28860')``; others keep only the decimals they need.
    """
    inverse, uniques = pd.factorize(values)
    decimals = np.empty(len(uniques), dtype=object)
    whole = uniques % MICRO == 0
    decimals[whole] = [Decimal(v) for v in (uniques[whole] // MICRO).tolist()]
    decimals[~whole] = [Decimal(v) / MICRO for v in uniques[~whole].tolist()]
    return decimals[inverse]


_ONE = Decimal(1)


@dataclass(frozen=True)
class Outcome:
    """Per person, at one vector of percentages (all int64)."""

    unrounded: Ints
    rounded: Ints
    increase: Ints
    special: Ints
    capped: npt.NDArray[np.bool_]
    cost: Ints


def _level_params(table: SalaryTable, code: str, alt: bool) -> tuple[int, int, int, int]:
    """Split point (micro-baht), lower and upper base (satang), maximum (micro-baht)."""
    figures = table.level(code).ceiling(alt)
    if figures is None:
        raise SalaryError(
            f"level {code} has no alternative ceiling in table {table.id}",
            f"ระดับ {code} ไม่มีเพดานสูงสุดทางเลือกในบัญชี {table.id}",
        )
    split, lower, upper, maximum = figures
    if to_micro(lower) % 10_000 or to_micro(upper) % 10_000:
        raise SalaryError(
            f"bases of level {code} have more than 2 decimals",
            f"ฐานในการคำนวณของระดับ {code} มีทศนิยมเกิน 2 ตำแหน่ง",
        )
    return to_micro(split), to_micro(lower) // 10_000, to_micro(upper) // 10_000, to_micro(maximum)


@dataclass(frozen=True)
class PeopleArrays:
    """What the increase maths needs per person: salary, base, maximum (micro-baht)."""

    salary: Ints
    base_satang: Ints
    base_kind_upper: npt.NDArray[np.bool_]
    maximum: Ints
    step: int
    special_in_pool: bool

    @classmethod
    def build(
        cls,
        salaries: pd.Series,
        level_codes: pd.Series,
        alt_ceiling: npt.NDArray[np.bool_],
        rules: Rules,
    ) -> PeopleArrays:
        """Arrays for people whose level codes are known to the rules' salary table."""
        table = rules.salary_table
        known = list(table.levels)
        codes = pd.Categorical(level_codes.astype(str), categories=known).codes.astype(np.intp)
        if (codes < 0).any():
            unknown = sorted(set(level_codes.astype(str)) - set(known))
            raise SalaryError(
                f"unknown level code(s): {', '.join(unknown)} (table {table.id})",
                f"ไม่รู้จักรหัสระดับ: {', '.join(unknown)} (บัญชี {table.id})",
            )
        params = np.array([_level_params(table, c, False) for c in known], dtype=np.int64)
        if alt_ceiling.any():
            alt_codes = sorted(set(codes[alt_ceiling].tolist()))
            alt = params.copy()
            for c in alt_codes:
                alt[c] = _level_params(table, known[c], True)
            chosen = np.where(alt_ceiling[:, None], alt[codes], params[codes])
        else:
            chosen = params[codes]
        salary = scaled_ints(salaries, MICRO, what="salary")
        split, lower, upper, maximum = chosen.T
        is_upper = salary > split
        return cls(
            salary=salary,
            base_satang=np.where(is_upper, upper, lower),
            base_kind_upper=is_upper,
            maximum=maximum.copy(),
            step=to_micro(rules.rounding_step),
            special_in_pool=rules.special_comp_in_pool,
        )

    def subset(self, index: npt.NDArray[np.intp]) -> PeopleArrays:
        return PeopleArrays(
            self.salary[index],
            self.base_satang[index],
            self.base_kind_upper[index],
            self.maximum[index],
            self.step,
            self.special_in_pool,
        )

    def cost(self, pct: Ints) -> Ints:
        """Cost to the pool per person at ``pct`` (hundredths of a percent)."""
        unrounded = self.base_satang * pct
        rounded = -(-unrounded // self.step) * self.step
        over = self.salary + rounded - self.maximum
        capped_increase: Ints = np.minimum(rounded, self.maximum - self.salary)
        if not self.special_in_pool:
            return capped_increase
        zero = np.int64(0)
        special: Ints = np.where(
            over > 0, np.maximum(zero, self.salary + unrounded - self.maximum), zero
        )
        return capped_increase + special

    def outcome(self, pct: Ints) -> Outcome:
        unrounded = self.base_satang * pct
        rounded = -(-unrounded // self.step) * self.step
        capped = self.salary + rounded > self.maximum
        increase = np.where(capped, self.maximum - self.salary, rounded)
        zero = np.int64(0)
        special: Ints = np.where(
            capped, np.maximum(zero, self.salary + unrounded - self.maximum), zero
        )
        cost: Ints = increase + special if self.special_in_pool else increase
        return Outcome(unrounded, rounded, increase, special, capped, cost)
