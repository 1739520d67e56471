"""Evaluation rounds: two per fiscal year, named like ``2570/1`` (Buddhist era / round).

Round 1: 1 Oct – 31 Mar (payroll counted on 1 Mar, increase effective 1 Apr).
Round 2: 1 Apr – 30 Sep (payroll counted on 1 Sep, increase effective 1 Oct).
The fiscal year starting 1 Oct 2026 is 2570.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from kpixl.core.errors import InputError

__all__ = ["Round", "current_round", "following", "parse_round"]

_BE = 543
_PATTERN = re.compile(r"^\s*(\d{4})\s*[/-]\s*([12])\s*$")


@dataclass(frozen=True)
class Round:
    fiscal_year: int  # Buddhist era
    number: int  # 1 or 2

    def __str__(self) -> str:
        return f"{self.fiscal_year}/{self.number}"

    @property
    def slug(self) -> str:
        """Safe in a file name: ``2570-1``."""
        return f"{self.fiscal_year}-{self.number}"

    @property
    def start(self) -> date:
        year = self.fiscal_year - _BE
        return date(year - 1, 10, 1) if self.number == 1 else date(year, 4, 1)


def parse_round(text: str) -> Round:
    match = _PATTERN.match(str(text))
    if not match:
        raise InputError(
            f"a round looks like 2570/1 or 2570/2, not {text!r}",
            f"รอบการประเมินต้องเขียนแบบ 2570/1 หรือ 2570/2 ไม่ใช่ {text!r}",
        )
    return Round(int(match.group(1)), int(match.group(2)))


def following(round_: Round) -> Round:
    """The round after ``round_``: 2570/1 → 2570/2 → 2571/1."""
    if round_.number == 1:
        return Round(round_.fiscal_year, 2)
    return Round(round_.fiscal_year + 1, 1)


def current_round(today: date | None = None) -> Round:
    """The round that ``today`` falls in."""
    today = today or date.today()
    fiscal = today.year + (1 if today.month >= 10 else 0) + _BE
    return Round(fiscal, 1 if today.month >= 10 or today.month <= 3 else 2)
