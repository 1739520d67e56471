"""Exact numbers: Decimal conversion, Excel-compatible rounding, and cell normalisation.

Money and scores are :class:`~decimal.Decimal`. Excel's ``ROUND`` rounds half away from
zero; for the non-negative numbers kpixl rounds that is ``ROUND_HALF_UP``. Python's
``round`` on floats is never used.

Cell normalisation turns what people type into Excel cells into numbers, or says why it
cannot. It is used by every reader, so all of them agree:

* Thai digits (๐–๙) become Arabic digits; thousands separators (``,``, thin and
  non-breaking spaces) are dropped; a trailing ``บาท`` or a leading ``฿`` is dropped.
  Thai digits, separators and a ``%`` dropped from a plain number are noted (one note
  per cell), so the caller can say how it read the cell.
* Blank (``None``, ``""``, only spaces) is *blank*, never zero.
* Excel error values (``#N/A``, ``#DIV/0!`` …) and text that is not a number are
  problems, reported as findings by the caller.
* Percentages follow one convention per field (:class:`PercentStyle`).
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from enum import Enum
from typing import Any

import numpy as np
import numpy.typing as npt

from kpixl.core.text import THAI_DIGITS, text_of

__all__ = [
    "EXCEL_ERRORS",
    "CellNumber",
    "PercentStyle",
    "ceil_to",
    "dec",
    "decimals",
    "exact_floats",
    "parse_number",
    "parse_percent",
    "round_half_up",
    "truncate",
    "whole_setting",
]

Number = int | str | Decimal | float | numbers.Real

EXCEL_ERRORS = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#UNKNOWN!",
        "#CONNECT!",
        "#BUSY!",
    }
)


_SEPARATORS = re.compile(r"(?<=\d)[,\u00a0\u202f\u2009 '](?=\d{3}(?:\D|$))")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def dec(value: Number) -> Decimal:
    """Convert an int, str, Decimal or float to Decimal (floats through ``str()``).

    Raises ``ValueError`` for anything that is not a finite number.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, numbers.Integral):  # int, numpy integers
        result = Decimal(int(value))
    elif isinstance(value, numbers.Real):  # float, numpy floats
        as_float = float(value)
        if not math.isfinite(as_float):
            raise ValueError(f"not a finite number: {value!r}")
        if as_float.is_integer() and abs(as_float) < 1e15:
            result = Decimal(int(as_float))  # Excel stores whole numbers as floats: 28000.0 → 28000
        else:
            result = Decimal(str(as_float))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    else:
        raise ValueError(f"not a number: {value!r}")
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def exact_floats(values: Sequence[Any]) -> npt.NDArray[np.float64] | None:
    """``float(v)`` of every value (NaN for None) when each is None or a Decimal that its
    float gives back exactly (``Decimal(repr(float(v))) == v``, as every Decimal
    :func:`dec` makes of a float cell does); otherwise None (convert the slow way).

    With such values, comparing or scaling the floats gives the Decimals' own answers.
    Each distinct value is converted once: a column repeats a few levels and weights.
    """
    items = values if isinstance(values, list) else list(values)
    if not set(map(type, items)) <= _DECIMAL_OR_NONE:
        return None
    table: dict[Decimal | None, float] = {None: math.nan}
    try:
        distinct = set(items)
    except TypeError:  # a signalling NaN cannot be hashed
        return None
    for value in distinct:
        if value is not None:
            as_float = float(value)
            if Decimal(repr(as_float)) != value:
                return None
            table[value] = as_float
    return np.fromiter(map(table.__getitem__, items), dtype=np.float64, count=len(items))


_DECIMAL_OR_NONE = frozenset({Decimal, type(None)})


def decimals(values: list[Any]) -> list[Decimal | None]:
    """``dec`` of every number (None stays None); each distinct number converted once."""
    if len(set(map(type, values)) - {type(None)}) > 1:  # 3 and 3.0 (or 1e20) apart
        return [None if v is None else dec(v) for v in values]
    table: dict[Any, Decimal | None] = {v: dec(v) for v in set(values) if v is not None}
    table[None] = None
    return list(map(table.__getitem__, values))


def _quantum(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def round_half_up(value: Decimal, places: int = 2) -> Decimal:
    """Round like Excel's ``ROUND(value, places)`` for the numbers kpixl rounds."""
    return value.quantize(_quantum(places), rounding=ROUND_HALF_UP)


def truncate(value: Decimal, places: int = 2) -> Decimal:
    """Cut to ``places`` decimals towards zero, like Excel's ``ROUNDDOWN``."""
    return value.quantize(_quantum(places), rounding=ROUND_DOWN)


def ceil_to(value: Decimal, step: Decimal) -> Decimal:
    """The smallest multiple of ``step`` that is ≥ ``value`` (Excel ``CEILING``)."""
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step


class PercentStyle(Enum):
    """How a field stores a percentage.

    ``POINTS``: the field is in percent points (a KPI weight of 70, an increase of
    3.5). ``"70%"`` and ``70`` both read as 70. A plain number is taken as it is:
    a cell formatted as a percentage in Excel stores 0.7 for 70 %, so the table-level
    check (weights summing to 1 instead of 100) is where fractions are recognised.

    ``POINTS_OR_FRACTION``: as ``POINTS``, but a plain number in (0, ``fraction_limit``]
    is taken as a fraction and multiplied by 100 (used for the salary-increase %, whose
    smallest non-zero legal value is far above any plausible fraction).
    """

    POINTS = "points"
    POINTS_OR_FRACTION = "points_or_fraction"


@dataclass(frozen=True)
class CellNumber:
    """What a cell held, read as a number.

    ``value`` is ``None`` when the cell is blank or unreadable; ``problem`` is
    ``None``, ``"excel_error"``, ``"not_a_number"``; ``note`` records a reading the
    user may want to know about, named as its finding code ``cell.<note>``:
    ``"thai_digits"``, ``"separators"`` (thousands separators dropped),
    ``"percent_sign"`` (a ``%`` dropped from a plain number), ``"fraction_as_percent"``.
    ``as_text`` is True when the number arrived as text (a spreadsheet's own formulas
    cannot compute with it, whatever kpixl reads).
    """

    value: Decimal | None
    problem: str | None = None
    note: str | None = None
    as_text: bool = False

    @property
    def blank(self) -> bool:
        return self.value is None and self.problem is None


_BLANK = CellNumber(None)


def _clean_text(text: str) -> tuple[str, bool, bool, bool]:
    """The text ready for Decimal; whether Thai digits, a % sign, separators were seen."""
    thai = any("๐" <= ch <= "๙" for ch in text)
    text = text.translate(THAI_DIGITS).strip()
    text = text.replace("\u2212", "-")
    if text.startswith("฿"):
        text = text[1:].strip()
    if text.endswith("บาท"):
        text = text[: -len("บาท")].strip()
    percent = text.endswith("%")
    if percent:
        text = text[:-1].strip()
    separators = False
    while _SEPARATORS.search(text):
        text = _SEPARATORS.sub("", text)
        separators = True
    return text, thai, percent, separators


def _parse(value: object) -> tuple[CellNumber, bool]:
    """Parse a cell; the flag says whether the text carried a % sign."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return _BLANK, False
    if type(value).__name__ in ("NAType", "NaTType"):
        return _BLANK, False
    if isinstance(value, bool):
        return CellNumber(None, "not_a_number"), False
    if isinstance(value, (Decimal, numbers.Real)):
        try:
            return CellNumber(dec(value)), False
        except ValueError:
            return CellNumber(None, "not_a_number"), False
    if not isinstance(value, str):
        return CellNumber(None, "not_a_number"), False
    raw = value.strip()
    if not raw:
        return _BLANK, False
    if raw.upper() in EXCEL_ERRORS:
        return CellNumber(None, "excel_error"), False
    text, thai, percent, separators = _clean_text(raw)
    if not _NUMBER.match(text):
        return CellNumber(None, "not_a_number"), False
    note = "thai_digits" if thai else "separators" if separators else None
    return CellNumber(Decimal(text), None, note, as_text=True), percent


def parse_number(value: object) -> CellNumber:
    """Read a cell value as a plain number. A ``%`` sign is dropped (``"85%"`` → 85),
    with the note ``percent_sign`` unless a weightier note (Thai digits, separators) is
    already made: one note per cell."""
    cell, had_sign = _parse(value)
    if had_sign and cell.note is None:
        return CellNumber(cell.value, None, "percent_sign", as_text=True)
    return cell


def parse_percent(
    value: object,
    style: PercentStyle = PercentStyle.POINTS,
    *,
    fraction_limit: Decimal = Decimal("0.1"),
) -> CellNumber:
    """Read a cell value as percent points, following ``style`` (see :class:`PercentStyle`)."""
    cell, had_sign = _parse(value)
    if cell.value is None or had_sign or style is PercentStyle.POINTS:
        return cell
    if Decimal(0) < cell.value <= fraction_limit:
        return CellNumber(cell.value * 100, None, "fraction_as_percent", as_text=cell.as_text)
    return cell


def whole_setting(value: object, most: int) -> int | None:
    """A Config cell's whole number from 1 to ``most`` (``587``, ``587.0``, ``"๕๘๗"``),
    or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not value.is_integer():
            return None
        value = int(value)
    text = text_of(value)
    if not text.isdecimal() or len(text) > 9:
        return None
    number = int(text)
    return number if 1 <= number <= most else None
