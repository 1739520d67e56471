"""The golden examples of SPEC §3 hold exactly, and the scalar rules behave at the edges."""

from __future__ import annotations

from decimal import Decimal

import pytest

import kpixl
from kpixl import (
    KpixlError,
    achievement_score,
    competency_score,
    kpi_score,
    rating_band,
    total_score,
)
from kpixl.core.errors import InputError, LevelsError, RatingError, WeightsError
from kpixl.core.scoring import milestone_score


def test_golden_kpi_scores_4_and_3_with_weights_50_50_give_achievement_70() -> None:
    assert achievement_score([4, 3], [50, 50]) == Decimal("70.00")


def test_golden_total_70_80_is_band_good() -> None:
    total = total_score(72, 68)
    assert total == Decimal("70.80")
    assert str(total) == "70.80"
    assert rating_band(total) == "ดี"


def test_golden_competency_ratings_of_3_4_weighted_points_give_68() -> None:
    # five competencies of weight 20: Σ rating × weight / 100 = 3.4 points
    assert competency_score([4, 3, 4, 3, 3], [20, 20, 20, 20, 20]) == Decimal("68.00")
    assert competency_score([4, 3, 4, 3, 3]) == Decimal("68.00")  # equal weights by default


@pytest.mark.parametrize(
    ("actual", "linear", "level"),
    [
        (50, "0.00", "0.00"),
        (60, "1.00", "1.00"),
        (65, "1.50", "1.00"),
        (79.99, "2.99", "2.00"),
        (80, "3.00", "3.00"),
        (100, "5.00", "5.00"),
        (140, "5.00", "5.00"),
        ("85", "3.50", "3.00"),
        ("๘๕", "3.50", "3.00"),  # Thai digits
    ],
)
def test_kpi_score_higher_is_better(actual: object, linear: str, level: str) -> None:
    levels = [60, 70, 80, 90, 100]
    assert kpi_score(actual, levels) == Decimal(linear)  # type: ignore[arg-type]
    assert kpi_score(actual, levels, method="level") == Decimal(level)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("actual", "linear", "level"),
    [(25, "0.00", "0.00"), (20, "1.00", "1.00"), (12, "2.60", "2.00"), (0, "5.00", "5.00")],
)
def test_kpi_score_lower_is_better(actual: int, linear: str, level: str) -> None:
    levels = [20, 15, 10, 5, 0]
    assert kpi_score(actual, levels, direction="lower") == Decimal(linear)
    assert kpi_score(actual, levels, direction="lower", method="level") == Decimal(level)


def test_linear_score_is_cut_not_rounded() -> None:
    # 2 + 9.999/10 would round to 3.00; a level not reached is never credited
    assert kpi_score("79.999", [60, 70, 80, 90, 100]) == Decimal("2.99")


def test_kpi_score_accepts_int_str_decimal_and_float_through_str() -> None:
    levels = ["0.1", "0.2", "0.3", "0.4", "0.5"]
    assert kpi_score(0.25, levels) == kpi_score("0.25", levels) == Decimal("2.50")
    assert kpi_score(Decimal("0.25"), [0.1, 0.2, 0.3, 0.4, 0.5]) == Decimal("2.50")


@pytest.mark.parametrize(
    ("levels", "direction"),
    [
        ([1, 2, 2, 4, 5], "higher"),
        ([5, 4, 3, 2, 1], "higher"),
        ([1, 2, 3, 4, 5], "lower"),
        ([1, 2, 3, 4], "higher"),
        ([1, 2, "x", 4, 5], "higher"),
    ],
)
def test_bad_levels_raise_levels_error(levels: list[object], direction: str) -> None:
    with pytest.raises(LevelsError) as info:
        kpi_score(3, levels, direction=direction)  # type: ignore[arg-type]
    assert isinstance(info.value, KpixlError)
    assert isinstance(info.value, ValueError)
    assert info.value.message_th and info.value.message_en


def test_bad_direction_and_method_raise() -> None:
    with pytest.raises(InputError):
        kpi_score(3, [1, 2, 3, 4, 5], direction="up")
    with pytest.raises(InputError):
        kpi_score(3, [1, 2, 3, 4, 5], method="fuzzy")


def test_weights_must_be_positive_and_sum_to_100() -> None:
    with pytest.raises(WeightsError):
        achievement_score([4, 3], [50, 40])
    with pytest.raises(WeightsError):
        achievement_score([4, 3], [110, -10])
    with pytest.raises(WeightsError):
        achievement_score([4, 3], [100])


def test_ratings_outside_the_scale_raise() -> None:
    with pytest.raises(RatingError):
        competency_score([6, 3], [50, 50])
    with pytest.raises(RatingError):
        competency_score([0, 3], [50, 50])


def test_gap_method_points() -> None:
    # shown vs expected: at (3), one below (2), two below (1), three below (0)
    score = competency_score([3, 2, 1, 0], method="gap", expected=[3, 3, 3, 3])
    assert score == Decimal("50.00")  # (3+2+1+0) / (4×3) × 100
    assert competency_score([5, 4], method="gap", expected=[3, 4]) == Decimal("100.00")


def test_probation_uses_50_50() -> None:
    assert total_score(80, 60, probation=True) == Decimal("70.00")
    assert total_score(80, 60) == Decimal("74.00")


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (100, "ดีเด่น"),
        (90, "ดีเด่น"),
        ("89.995", "ดีเด่น"),  # rounded half-up to 90.00 before banding
        ("89.994", "ดีมาก"),
        (80, "ดีมาก"),
        ("79.99", "ดี"),
        (70, "ดี"),
        (60, "พอใช้"),
        ("59.99", "ต้องปรับปรุง"),
        (0, "ต้องปรับปรุง"),
    ],
)
def test_band_edges(total: object, band: str) -> None:
    assert rating_band(total) == band  # type: ignore[arg-type]


def test_milestone_score_is_the_level_reached() -> None:
    assert milestone_score(3) == Decimal("3.00")
    with pytest.raises(LevelsError):
        milestone_score("3.5")
    with pytest.raises(LevelsError):
        milestone_score(6)


def test_public_api_is_exactly_the_intended_names() -> None:
    assert sorted(kpixl.__all__) == sorted(
        [
            "Allocation",
            "Finding",
            "Increase",
            "KpixlError",
            "RuleError",
            "Rules",
            "__version__",
            "achievement_score",
            "allocate",
            "competency_score",
            "kpi_score",
            "load_rules",
            "pool_for",
            "rating_band",
            "salary_increase",
            "total_score",
        ]
    )
    for name in kpixl.__all__:
        assert hasattr(kpixl, name)
