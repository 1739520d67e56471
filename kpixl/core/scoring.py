"""Scoring of one person, scalar and exact (SPEC §3).

Numbers may be int, str or Decimal; floats are converted through ``str()``. Invalid
input raises an :class:`~kpixl.core.errors.InputError` subclass. The whole-table
versions in :mod:`kpixl.core.scoring_table` call these same functions, so both give
the same numbers.

Decisions the spec leaves open, recorded here:

* A ``linear`` KPI score is *cut* (not rounded) to two decimals, so that a level not
  reached is never credited: ``level ≤ linear < level + 1`` always holds. Excel:
  ``ROUNDDOWN``.
* Achievement, competency and total scores are rounded half-up to two decimals
  (Excel ``ROUND``); the band is looked up on the rounded total.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from decimal import Decimal

from kpixl.core.errors import InputError, LevelsError, RatingError, WeightsError
from kpixl.core.numbers import Number, dec, round_half_up, truncate
from kpixl.core.rules import Rules, default_rules

__all__ = [
    "DIRECTIONS",
    "achievement_score",
    "competency_score",
    "gap_points",
    "kpi_score",
    "milestone_score",
    "rating_band",
    "total_score",
]

DIRECTIONS = ("higher", "lower")
METHODS = ("linear", "level")
MAX_SCORE = Decimal(5)
_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


def _number(value: object, what: str, error: type[InputError] = InputError) -> Decimal:
    try:
        return dec(value)  # type: ignore[arg-type]
    except ValueError:
        raise error(f"{what} is not a number: {value!r}", f"{what} ไม่ใช่ตัวเลข: {value!r}") from None


def check_levels(levels: Sequence[Number], direction: str) -> tuple[Decimal, ...]:
    """The five thresholds as Decimals; LevelsError unless strictly monotone."""
    if direction not in DIRECTIONS:
        raise InputError(
            f"direction must be 'higher' or 'lower', not {direction!r}",
            f"ทิศทางต้องเป็น 'higher' (ยิ่งมากยิ่งดี) หรือ 'lower' (ยิ่งน้อยยิ่งดี) ไม่ใช่ {direction!r}",
        )
    if isinstance(levels, (str, bytes)) or len(levels) != 5:
        raise LevelsError(
            f"a KPI needs exactly five target levels, got {levels!r}",
            f"ตัวชี้วัดต้องมีค่าเป้าหมาย 5 ระดับพอดี ได้รับ {levels!r}",
        )
    values = tuple(_number(v, "target level", LevelsError) for v in levels)
    rising = direction == "higher"
    for low, high in itertools.pairwise(values):
        if (high <= low) if rising else (high >= low):
            raise LevelsError(
                f"target levels must be strictly {'rising' if rising else 'falling'} "
                f"for direction {direction!r}: {[str(v) for v in values]}",
                f"ค่าเป้าหมายต้อง{'เพิ่มขึ้น' if rising else 'ลดลง'}ทุกระดับ ({[str(v) for v in values]})",
            )
    return values


def kpi_score(
    actual: Number,
    levels: Sequence[Number],
    *,
    direction: str = "higher",
    method: str = "linear",
) -> Decimal:
    """Score (0–5) of one quantitative KPI from its actual result and five thresholds.

    ``level``: the highest level reached. ``linear``: k + (x − Lk)/(Lk+1 − Lk) between
    levels k and k+1, cut to two decimals. Below L1 → 0; at or beyond L5 → 5.
    """
    if method not in METHODS:
        raise InputError(
            f"method must be 'linear' or 'level', not {method!r}",
            f"วิธีคิดคะแนนต้องเป็น 'linear' หรือ 'level' ไม่ใช่ {method!r}",
        )
    thresholds = check_levels(levels, direction)
    x = _number(actual, "actual result")
    sign = 1 if direction == "higher" else -1
    reached = 0
    for threshold in thresholds:
        if (x - threshold) * sign >= 0:
            reached += 1
        else:
            break
    if reached == 0:
        return truncate(_ZERO)
    if reached == 5 or method == "level":
        return truncate(Decimal(reached))
    low, high = thresholds[reached - 1], thresholds[reached]
    return truncate(Decimal(reached) + (x - low) / (high - low))


def milestone_score(level_reached: Number) -> Decimal:
    """Score of a milestone (qualitative) KPI: the level the evaluator entered, 0–5."""
    level = _number(level_reached, "level reached", LevelsError)
    if level != level.to_integral_value() or not _ZERO <= level <= MAX_SCORE:
        raise LevelsError(
            f"a milestone KPI's level must be a whole number 0–5, got {level_reached!r}",
            f"ระดับที่ทำได้ของตัวชี้วัดเชิงคุณภาพต้องเป็นจำนวนเต็ม 0–5 ได้รับ {level_reached!r}",
        )
    return truncate(level)


def _weights(weights: Sequence[Number], count: int, *, total: Decimal | None) -> list[Decimal]:
    if len(weights) != count:
        raise WeightsError(
            f"{count} value(s) but {len(weights)} weight(s)",
            f"จำนวนน้ำหนัก ({len(weights)}) ไม่เท่ากับจำนวนรายการ ({count})",
        )
    values = [_number(w, "weight", WeightsError) for w in weights]
    if any(w <= 0 for w in values):
        raise WeightsError(
            f"every weight must be above 0: {[str(w) for w in values]}",
            f"น้ำหนักทุกรายการต้องมากกว่า 0: {[str(w) for w in values]}",
        )
    if total is not None and sum(values, _ZERO) != total:
        raise WeightsError(
            f"weights must sum to {total}, they sum to {sum(values, _ZERO)}",
            f"น้ำหนักรวมต้องเท่ากับ {total} แต่รวมได้ {sum(values, _ZERO)}",
        )
    return values


def achievement_score(scores: Sequence[Number], weights: Sequence[Number]) -> Decimal:
    """Achievement on 100 points: Σ(score × weight) / (Σ weight × 5) × 100.

    Weights must be positive and sum to 100; scores must lie within 0–5.
    """
    if not scores:
        raise InputError("no KPI scores", "ไม่มีคะแนนตัวชี้วัด")
    values = [_number(s, "KPI score") for s in scores]
    if any(not _ZERO <= s <= MAX_SCORE for s in values):
        raise InputError(
            f"KPI scores must lie within 0–5: {[str(s) for s in values]}",
            f"คะแนนตัวชี้วัดต้องอยู่ระหว่าง 0–5: {[str(s) for s in values]}",
        )
    w = _weights(weights, len(values), total=_HUNDRED)
    weighted = sum((s * wi for s, wi in zip(values, w, strict=True)), _ZERO)
    return round_half_up(weighted / (sum(w, _ZERO) * MAX_SCORE) * _HUNDRED)


def gap_points(shown: Decimal, expected: Decimal) -> int:
    """Points of one competency under the ``gap`` method: 3 at or above, 2, 1, 0 below."""
    gap = expected - shown
    if gap <= 0:
        return 3
    if gap <= 1:
        return 2
    if gap <= 2:
        return 1
    return 0


def competency_score(
    ratings: Sequence[Number],
    weights: Sequence[Number] | None = None,
    *,
    method: str = "rating",
    expected: Sequence[Number] | None = None,
    rules: Rules | None = None,
) -> Decimal:
    """Competency on 100 points.

    ``rating``: Σ(rating × weight) / (Σ weight × 5) × 100, ratings on the rule set's
    scale (1–5). ``gap``: Σ points / (n × 3) × 100 with 3/2/1/0 points for a shown level
    at, one, two, three-or-more below the expected level (weighted the same way when
    weights are given). Weights default to equal; given weights must be positive and,
    for ``rating``, sum to 100.
    """
    rules = rules or default_rules()
    if not ratings:
        raise RatingError("no competency ratings", "ไม่มีคะแนนสมรรถนะ")
    values = [_number(r, "rating", RatingError) for r in ratings]
    if weights is None:
        w = [Decimal(1)] * len(values)
    else:
        w = _weights(weights, len(values), total=_HUNDRED if method == "rating" else None)
    total_weight = sum(w, _ZERO)
    if method == "rating":
        low, high = Decimal(rules.rating_min), Decimal(rules.rating_max)
        if any(not low <= v <= high for v in values):
            raise RatingError(
                f"ratings must lie within {low}–{high}: {[str(v) for v in values]}",
                f"คะแนนสมรรถนะต้องอยู่ระหว่าง {low}–{high}: {[str(v) for v in values]}",
            )
        weighted = sum((v * wi for v, wi in zip(values, w, strict=True)), _ZERO)
        return round_half_up(weighted / (total_weight * high) * _HUNDRED)
    if method != "gap":
        raise InputError(
            f"competency method must be 'rating' or 'gap', not {method!r}",
            f"วิธีประเมินสมรรถนะต้องเป็น 'rating' หรือ 'gap' ไม่ใช่ {method!r}",
        )
    if expected is None or len(expected) != len(values):
        raise RatingError(
            "the gap method needs one expected level per competency",
            "วิธีเปรียบเทียบระดับที่คาดหวังต้องมีระดับที่คาดหวังครบทุกสมรรถนะ",
        )
    wanted = [_number(e, "expected level", RatingError) for e in expected]
    scale_max = Decimal(rules.rating_max)
    if any(not _ZERO <= v <= scale_max for v in [*values, *wanted]):
        raise RatingError(
            f"levels must lie within 0–{scale_max}",
            f"ระดับสมรรถนะต้องอยู่ระหว่าง 0–{scale_max}",
        )
    points = [gap_points(v, e) for v, e in zip(values, wanted, strict=True)]
    weighted = sum((Decimal(p) * wi for p, wi in zip(points, w, strict=True)), _ZERO)
    return round_half_up(weighted / (total_weight * 3) * _HUNDRED)


def total_score(
    achievement: Number,
    competency: Number,
    *,
    other: Number | None = None,
    probation: bool = False,
    rules: Rules | None = None,
) -> Decimal:
    """Total = achievement × w_a/100 + competency × w_c/100 (+ other × w_o/100), 2 decimals."""
    rules = rules or default_rules()
    w = rules.component_weights(probation=probation)
    parts = [(achievement, w.achievement, "achievement"), (competency, w.competency, "competency")]
    if w.other or other is not None:
        if other is None:
            raise InputError(
                "the rule set weights an 'other' component; pass other=",
                "ชุดกฎกำหนดน้ำหนักองค์ประกอบอื่น ต้องระบุคะแนน other",
            )
        parts.append((other, w.other, "other"))
    total = _ZERO
    for value, weight, name in parts:
        score = _number(value, f"{name} score")
        if not _ZERO <= score <= _HUNDRED:
            raise InputError(
                f"{name} score must lie within 0–100, got {score}",
                f"คะแนน {name} ต้องอยู่ระหว่าง 0–100 ได้รับ {score}",
            )
        total += score * weight / _HUNDRED
    return round_half_up(total, rules.score_places)


def rating_band(total: Number, *, rules: Rules | None = None) -> str:
    """The Thai name of the band of ``total`` (rounded half-up to 2 decimals first)."""
    rules = rules or default_rules()
    value = _number(total, "total")
    if not _ZERO <= value <= _HUNDRED:
        raise InputError(
            f"total must lie within 0–100, got {value}",
            f"คะแนนรวมต้องอยู่ระหว่าง 0–100 ได้รับ {value}",
        )
    return rules.band_for(value).name
