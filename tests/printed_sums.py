"""The sums the personal form prints as the official forms do, read back from a
recalculated workbook: each row's points (ค = ก × ข), their total, and the total × 20
(× 100 ÷ 3 for the gap method) — which must give the core's 100-point results."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from openpyxl.utils.cell import column_index_from_string

from kpixl.workbooks import personal_layout as L


def _at(rows: list[list[Any]], row: int, letter: str) -> Any:
    index = column_index_from_string(letter) - 1
    line = rows[row - 1] if row - 1 < len(rows) else []
    value = line[index] if index < len(line) else ""
    return None if value == "" else value


def _number(value: Any) -> Decimal:
    assert isinstance(value, int | float) and not isinstance(value, bool), value
    return Decimal(str(value))


def _sheet_problems(
    rows: list[list[Any]],
    *,
    first: int,
    count: int,
    score: str,
    weight: str,
    points: str,
    total_row: int,
    multiplier: Decimal,
    expected: Decimal,
) -> list[str]:
    problems = []
    weights = [_at(rows, first + i, weight) for i in range(count)]
    share = sum((_number(w) for w in weights if w is not None), Decimal(0))
    total = Decimal(0)
    for i in range(count):
        got = _at(rows, first + i, points)
        if weights[i] is None:
            continue
        want = _number(_at(rows, first + i, score)) * _number(weights[i]) / share
        if abs(_number(got) - want) > Decimal("0.000001"):
            problems.append(f"row {first + i}: points {got}, want {want}")
        total += _number(got)
    printed = _number(_at(rows, total_row, points))
    if abs(printed - total) > Decimal("0.000001"):
        problems.append(f"total {printed}, the rows add up to {total}")
    result = (printed * multiplier).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if abs(result - expected) > Decimal("0.001"):
        problems.append(f"total {printed} × {multiplier} = {result}, the core gives {expected}")
    return problems


def printed_sum_problems(
    achievement: list[list[Any]],
    competency: list[list[Any]],
    scores: dict[str, Any],
    *,
    competency_method: str,
    rating_max: int = 5,
) -> list[str]:
    """What disagrees between the printed sums and the core's ``scores`` (none: [])."""
    a, scale = L.ACH_COLUMNS, 3 if competency_method == "gap" else rating_max
    problems = _sheet_problems(
        achievement,
        first=L.ACH_FIRST,
        count=L.KPI_ROWS,
        score=a["score"],
        weight=a["weight"],
        points=a["weighted"],
        total_row=L.ACH_TOTAL_ROW,
        multiplier=Decimal(20),
        expected=Decimal(str(scores["achievement"])),
    )
    c = L.CMP_COLUMNS
    problems += _sheet_problems(
        competency,
        first=L.CMP_FIRST,
        count=L.COMP_ROWS,
        score=c["points"],
        weight=c["weight"],
        points=c["weighted"],
        total_row=L.CMP_TOTAL_ROW,
        multiplier=Decimal(100) / Decimal(scale),
        expected=Decimal(str(scores["competency"])),
    )
    return problems
