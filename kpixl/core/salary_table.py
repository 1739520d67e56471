"""Published salary ranges and calculation bases (ฐานในการคำนวณ), per level code.

Tables are data: the shipped CSV holds the tables of 2552 and 2560-10, and an agency
can load a newer one from its own CSV with the same columns, without a code change.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path

__all__ = ["LEVEL_CODES", "LevelRange", "SalaryTable", "load_salary_tables"]

# Level codes in the order of the official classification.
LEVEL_CODES = ("O1", "O2", "O3", "O4", "K1", "K2", "K3", "K4", "K5", "D1", "D2", "M1", "M2")

_REQUIRED = ("table", "level_code", "type", "level", "min", "lower_base", "split_point")
_MONEY = (
    "min_temp",
    "min",
    "lower_base",
    "split_point",
    "upper_base",
    "max",
    "alt_max",
    "alt_split_point",
    "alt_lower_base",
    "alt_upper_base",
)


@dataclass(frozen=True)
class LevelRange:
    """One level's range and bases. ``alt_*``: the second, lower ceiling of some posts."""

    code: str
    type: str
    level: str
    min: Decimal
    lower_base: Decimal
    split_point: Decimal
    upper_base: Decimal
    max: Decimal
    min_temp: Decimal | None = None
    alt_max: Decimal | None = None
    alt_split_point: Decimal | None = None
    alt_lower_base: Decimal | None = None
    alt_upper_base: Decimal | None = None

    def ceiling(self, alt: bool = False) -> tuple[Decimal, Decimal, Decimal, Decimal] | None:
        """(split point, lower base, upper base, maximum); with ``alt`` the alternative
        ceiling's, falling back to the normal figures it does not change. None when
        ``alt`` is asked of a level that has no alternative ceiling."""
        if not alt:
            return self.split_point, self.lower_base, self.upper_base, self.max
        if self.alt_max is None:
            return None
        return (
            self.alt_split_point or self.split_point,
            self.alt_lower_base or self.lower_base,
            self.alt_upper_base or self.upper_base,
            self.alt_max,
        )

    @property
    def title(self) -> str:
        """Thai name of the level, e.g. ``วิชาการ ชำนาญการ``."""
        return f"{self.type} {self.level}"


@dataclass(frozen=True)
class SalaryTable:
    """One published table: its id, effective date and the ranges per level code."""

    id: str
    effective: str
    levels: dict[str, LevelRange]

    def level(self, code: str) -> LevelRange:
        """The range of ``code``; ``KeyError`` when the table does not know it."""
        return self.levels[code]


def _money(text: str | None) -> Decimal | None:
    text = (text or "").strip()
    return Decimal(text) if text else None


def _parse_tables(text: str, origin: str) -> dict[str, SalaryTable]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in _REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"{origin}: missing column(s) {', '.join(missing)}")
    rows: dict[str, dict[str, LevelRange]] = {}
    effective: dict[str, str] = {}
    for line_no, row in enumerate(reader, start=2):
        table = row["table"].strip()
        code = row["level_code"].strip()
        try:
            money = {name: _money(row.get(name)) for name in _MONEY}
        except ArithmeticError:
            raise ValueError(f"{origin}, line {line_no}: a money column is not a number") from None
        required = ("min", "lower_base", "split_point", "upper_base", "max")
        if any(money[name] is None for name in required):
            raise ValueError(f"{origin}, line {line_no}: {code} lacks min/base/split/max")
        rng = LevelRange(
            code=code,
            type=row["type"].strip(),
            level=row["level"].strip(),
            min=money["min"],  # type: ignore[arg-type]
            lower_base=money["lower_base"],  # type: ignore[arg-type]
            split_point=money["split_point"],  # type: ignore[arg-type]
            upper_base=money["upper_base"],  # type: ignore[arg-type]
            max=money["max"],  # type: ignore[arg-type]
            min_temp=money["min_temp"],
            alt_max=money["alt_max"],
            alt_split_point=money["alt_split_point"],
            alt_lower_base=money["alt_lower_base"],
            alt_upper_base=money["alt_upper_base"],
        )
        rows.setdefault(table, {})[code] = rng
        effective.setdefault(table, (row.get("effective") or "").strip())
    return {tid: SalaryTable(tid, effective[tid], levels) for tid, levels in rows.items()}


def load_salary_tables(path: str | Path | None = None) -> dict[str, SalaryTable]:
    """Read every table in a salary-base CSV (the shipped one when ``path`` is None)."""
    if path is None:
        text = resources.files("kpixl.data").joinpath("salary_bases.csv").read_text("utf-8")
        return _parse_tables(text, "kpixl/data/salary_bases.csv")
    path = Path(path)
    return _parse_tables(path.read_text("utf-8-sig"), str(path))
