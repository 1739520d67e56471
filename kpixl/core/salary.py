"""Salary-increase maths for one person (SPEC §2, §3), exact in Decimal.

* Base (ฐานในการคำนวณ): salary ≤ split point → lower base, else upper base. Posts
  flagged for the alternative (lower) ceiling use the table's ``alt_*`` columns where
  the table has them.
* Increase = ceil(base × pct / 100 / step) × step, step = 10 baht (rule).
* New salary is capped at the level's maximum; what the capped increase could not add
  is paid as special compensation (ค่าตอบแทนพิเศษ): salary + unrounded increase −
  maximum, not rounded, never negative.
* Cost to the pool: the increase, plus the special compensation when the rule
  ``special_comp_in_pool`` is on (the default).
* Guard: a salary outside its level's range (from the temporary minimum where the
  table has one, to the maximum that applies) gets no increase at all; the roster row
  is wrong and must be corrected first (:func:`salary_bounds`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kpixl.core.errors import SalaryError
from kpixl.core.numbers import Number, ceil_to, dec
from kpixl.core.rules import Rules, default_rules
from kpixl.core.salary_table import LevelRange

__all__ = ["Increase", "SalaryBase", "salary_base", "salary_bounds", "salary_increase"]

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class SalaryBase:
    """The calculation base for a salary, which one it is, and the ceiling that applies."""

    base: Decimal
    kind: str  # "lower" | "upper"
    split_point: Decimal
    maximum: Decimal
    alt_ceiling: bool

    @property
    def why_th(self) -> str:
        side = "ไม่เกิน" if self.kind == "lower" else "เกิน"
        name = "ฐานล่าง" if self.kind == "lower" else "ฐานบน"
        alt = " (เพดานสูงสุดทางเลือก)" if self.alt_ceiling else ""
        return f"เงินเดือน{side}จุดกึ่งกลาง {self.split_point:,} จึงใช้{name} {self.base:,}{alt}"

    @property
    def why_en(self) -> str:
        side = "≤" if self.kind == "lower" else ">"
        alt = " (alternative ceiling)" if self.alt_ceiling else ""
        return (
            f"salary {side} split point {self.split_point:,}: {self.kind} base {self.base:,}{alt}"
        )


@dataclass(frozen=True)
class Increase:
    """One person's increase, with everything needed to explain it.

    ``increase`` is what is actually added to the salary (after the cap);
    ``unrounded`` is base × pct / 100; ``rounded`` is before the cap.
    """

    salary: Decimal
    level_code: str
    pct: Decimal
    base: Decimal
    base_kind: str
    unrounded: Decimal
    rounded: Decimal
    increase: Decimal
    new_salary: Decimal
    special_compensation: Decimal
    maximum: Decimal
    capped: bool
    cost: Decimal


def _level(code: str, rules: Rules) -> LevelRange:
    try:
        return rules.salary_table.level(code)
    except KeyError:
        known = ", ".join(rules.salary_table.levels)
        raise SalaryError(
            f"unknown level code {code!r} in salary table {rules.salary_table.id} (known: {known})",
            f"ไม่รู้จักรหัสระดับ {code!r} ในบัญชีเงินเดือน {rules.salary_table.id} (ใช้ได้: {known})",
        ) from None


def salary_bounds(
    level_code: str, *, rules: Rules | None = None, alt_ceiling: bool = False
) -> tuple[Decimal, Decimal]:
    """The lowest and highest salary a person at ``level_code`` can hold: the temporary
    minimum (else the minimum) and the maximum that applies (the alternative ceiling's
    for posts flagged for it). A salary outside these is a roster error."""
    rules = rules or default_rules()
    level = _level(level_code, rules)
    figures = level.ceiling(alt_ceiling)
    if figures is None:
        raise SalaryError(
            f"level {level_code} has no alternative ceiling in table {rules.salary_table.id}",
            f"ระดับ {level_code} ไม่มีเพดานสูงสุดทางเลือกในบัญชี {rules.salary_table.id}",
        )
    low = level.min_temp if level.min_temp is not None else level.min
    return low, figures[3]


def salary_base(
    salary: Number, level_code: str, *, rules: Rules | None = None, alt_ceiling: bool = False
) -> SalaryBase:
    """The calculation base and ceiling for ``salary`` at ``level_code``."""
    rules = rules or default_rules()
    level = _level(level_code, rules)
    value = _money(salary, "salary")
    figures = level.ceiling(alt_ceiling)
    if figures is None:
        raise SalaryError(
            f"level {level_code} has no alternative ceiling in table {rules.salary_table.id}",
            f"ระดับ {level_code} ไม่มีเพดานสูงสุดทางเลือกในบัญชี {rules.salary_table.id}",
        )
    split, lower, upper, maximum = figures
    if value <= split:
        return SalaryBase(lower, "lower", split, maximum, alt_ceiling)
    return SalaryBase(upper, "upper", split, maximum, alt_ceiling)


def _money(value: Number, what: str) -> Decimal:
    try:
        amount = dec(value)
    except ValueError:
        raise SalaryError(f"{what} is not a number: {value!r}", f"{what} ไม่ใช่ตัวเลข") from None
    if amount <= 0:
        raise SalaryError(f"{what} must be above 0, got {amount}", f"{what} ต้องมากกว่า 0")
    return amount


def salary_increase(
    salary: Number,
    level_code: str,
    pct: Number,
    *,
    rules: Rules | None = None,
    alt_ceiling: bool = False,
) -> Increase:
    """The increase for ``salary`` at ``level_code`` and ``pct`` % of the base."""
    rules = rules or default_rules()
    current = _money(salary, "salary")
    try:
        percent = dec(pct)
    except ValueError:
        raise SalaryError(f"pct is not a number: {pct!r}", f"ร้อยละไม่ใช่ตัวเลข: {pct!r}") from None
    if not _ZERO <= percent <= rules.max_increase_pct:
        raise SalaryError(
            f"pct must lie within 0–{rules.max_increase_pct}, got {percent}",
            f"ร้อยละการเลื่อนต้องอยู่ระหว่าง 0–{rules.max_increase_pct} ได้รับ {percent}",
        )
    base = salary_base(current, level_code, rules=rules, alt_ceiling=alt_ceiling)
    if current > base.maximum:
        raise SalaryError(
            f"salary {current} is above the maximum {base.maximum} of level {level_code}",
            f"เงินเดือน {current} เกินขั้นสูงของระดับ {level_code} ({base.maximum})",
        )
    low, _ = salary_bounds(level_code, rules=rules, alt_ceiling=alt_ceiling)
    if current < low:
        raise SalaryError(
            f"salary {current} is below the minimum {low} of level {level_code}",
            f"เงินเดือน {current} ต่ำกว่าขั้นต่ำของระดับ {level_code} ({low})",
        )
    unrounded = base.base * percent / _HUNDRED
    rounded = ceil_to(unrounded, rules.rounding_step)
    capped = current + rounded > base.maximum
    if capped:
        new_salary = base.maximum
        special = max(_ZERO, current + unrounded - base.maximum)
    else:
        new_salary = current + rounded
        special = _ZERO
    increase = new_salary - current
    cost = increase + (special if rules.special_comp_in_pool else _ZERO)
    return Increase(
        salary=current,
        level_code=level_code,
        pct=percent,
        base=base.base,
        base_kind=base.kind,
        unrounded=unrounded,
        rounded=rounded,
        increase=increase,
        new_salary=new_salary,
        special_compensation=special,
        maximum=base.maximum,
        capped=capped,
        cost=cost,
    )
