"""Cell normalisation: Thai digits, separators, percentages, blanks, errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kpixl.core.numbers import (
    PercentStyle,
    ceil_to,
    dec,
    parse_number,
    parse_percent,
    round_half_up,
)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (28000, "28000"),
        (28000.0, "28000"),
        ("28,000", "28000"),
        ("1,234,567.50", "1234567.50"),
        ("๒๘,๐๐๐", "28000"),
        ("28 000", "28000"),
        ("฿28,000", "28000"),
        ("28,000 บาท", "28000"),
        ("  85.5 ", "85.5"),
        ("−3", "-3"),
        ("85%", "85"),
        (Decimal("1.10"), "1.10"),
        (0.1, "0.1"),
    ],
)
def test_numbers_people_type(raw: object, value: str) -> None:
    cell = parse_number(raw)
    assert cell.problem is None
    assert cell.value == Decimal(value)


def test_thai_digits_are_noted() -> None:
    assert parse_number("๑๒").note == "thai_digits"
    assert parse_number("12").note is None


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_blank_is_not_zero(raw: object) -> None:
    cell = parse_number(raw)
    assert cell.blank and cell.value is None
    assert not parse_number(0).blank


@pytest.mark.parametrize("raw", ["#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#name?"])
def test_excel_errors_are_problems(raw: str) -> None:
    assert parse_number(raw).problem == "excel_error"


@pytest.mark.parametrize("raw", ["ห้าสิบ", "12,34", "1.2.3", "abc", True, [1]])
def test_text_is_not_a_number(raw: object) -> None:
    cell = parse_number(raw)
    assert cell.problem == "not_a_number" and cell.value is None


def test_percent_conventions() -> None:
    # POINTS: "70%" and 70 both mean 70 points; 0.7 stays 0.7 (table-level check decides)
    assert parse_percent("70%").value == 70
    assert parse_percent(70).value == 70
    assert parse_percent(0.7).value == Decimal("0.7")
    # POINTS_OR_FRACTION: a tiny plain number is a percent-formatted cell's fraction
    style = PercentStyle.POINTS_OR_FRACTION
    cell = parse_percent(0.035, style)
    assert cell.value == Decimal("3.500") and cell.note == "fraction_as_percent"
    assert parse_percent(3.5, style).value == Decimal("3.5")
    assert parse_percent("0.035%", style).value == Decimal("0.035")  # an explicit % sign wins
    assert parse_percent(0, style).value == 0


def test_rounding_helpers_are_excel_compatible() -> None:
    assert round_half_up(Decimal("70.805")) == Decimal("70.81")
    assert round_half_up(Decimal("70.8049")) == Decimal("70.80")
    # the float trap of SPEC §9: 20,000 × 1.1% must ceil to 220, not 230
    assert ceil_to(dec(20000) * dec(1.1) / 100, Decimal(10)) == 220
    assert ceil_to(Decimal("854.35"), Decimal(10)) == 860
    assert ceil_to(Decimal("860"), Decimal(10)) == 860


def test_dec_rejects_non_numbers() -> None:
    for bad in (float("nan"), float("inf"), "x", None, True):
        with pytest.raises(ValueError):
            dec(bad)  # type: ignore[arg-type]


def test_exact_floats_are_the_floats_the_decimals_were_read_from() -> None:
    """Decimals that dec() made from float cells turn back into those floats (any
    sequence); a Decimal its float does not give back exactly, or anything but a Decimal
    or None, means None, so the caller converts the slow way."""
    from collections import deque

    import numpy as np

    from kpixl.core.numbers import exact_floats

    cells = [0.1 + 0.2, 85.0, 12.25, -3.5, 1e20, 2.675]
    decimals = [dec(v) for v in cells] + [None]
    for values in (decimals, tuple(decimals), deque(decimals)):
        got = exact_floats(values)
        assert got is not None and got.dtype == np.float64
        assert got[:-1].tolist() == cells and np.isnan(got[-1])
    assert exact_floats([*decimals, Decimal("85.00")]) is not None  # 85.0 gives it back
    assert exact_floats([*decimals, Decimal("0.1000000000000000000001")]) is None  # not a float
    assert exact_floats([*decimals, 85.0]) is None  # a float itself is not a Decimal
    assert exact_floats([*decimals, True]) is None
    empty = exact_floats([])
    assert empty is not None and len(empty) == 0
