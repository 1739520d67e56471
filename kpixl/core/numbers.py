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

from kpixl.core.speedups import object_ids
from kpixl.core.text import THAI_DIGITS

__all__ = [
    "EXCEL_ERRORS",
    "CellNumber",
    "PercentStyle",
    "cached_floats",
    "ceil_to",
    "dec",
    "decimals",
    "parse_number",
    "parse_percent",
    "round_half_up",
    "truncate",
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


_FLOATS: dict[float, Decimal] = {}
# id of a Decimal in _FLOATS → float(that Decimal). The cache keeps those Decimals alive,
# so an id found here is that very Decimal: turning a column back into floats for the
# vectorised checks and scoring costs a dict lookup instead of Decimal → str → float.
_FLOAT_OF: dict[int, float] = {id(None): math.nan}
# plain float → its Decimal, and None → None: what ``decimals`` gives for a cached value
_DECIMAL_OF: dict[float | None, Decimal | None] = {None: None}


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
    elif isinstance(value, float) and value in _FLOATS:  # numpy floats too: a cached
        return _FLOATS[value]  # Decimal is never replaced, so its id stays its own
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
    if isinstance(value, float) and len(_FLOATS) < 50_000:
        _FLOATS[value] = result  # cells repeat the same numbers (levels, weights)
        _FLOAT_OF[id(result)] = float(result)
        if type(value) is float:
            _DECIMAL_OF[value] = result
    return result


def cached_floats(values: Sequence[Any]) -> npt.NDArray[np.float64] | None:
    """``float(v)`` of every value (NaN for None) when each is None or a Decimal that
    :func:`dec` made from a float and cached; otherwise None (convert the slow way)."""
    if object_ids is None or not isinstance(values, list | tuple):
        try:  # map, id and the dict lookup all run in C (None is in the table, as NaN)
            return np.array(list(map(_FLOAT_OF.__getitem__, map(id, values))), dtype=np.float64)
        except KeyError:
            return None
    # the items' ids as one int64 array, looked up in the sorted table in one numpy call
    ids = np.frombuffer(object_ids(values), dtype=np.int64)
    keys, floats = _float_table()
    at = np.searchsorted(keys, ids)
    at[at == len(keys)] = 0
    if not len(keys) or not bool((keys[at] == ids).all()):
        return None
    return floats[at]


_TABLE: list[Any] = [-1, None, None]  # size of _FLOAT_OF when built, sorted ids, floats


def _float_table() -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """_FLOAT_OF as sorted arrays (rebuilt when it has grown; it never shrinks)."""
    if _TABLE[0] != len(_FLOAT_OF):
        size = len(_FLOAT_OF)
        ids = np.fromiter(_FLOAT_OF.keys(), dtype=np.int64, count=size)
        floats = np.fromiter(_FLOAT_OF.values(), dtype=np.float64, count=size)
        order = np.argsort(ids)
        _TABLE[:] = [size, ids[order], floats[order]]
    return _TABLE[1], _TABLE[2]


def decimals(values: list[Any]) -> list[Decimal | None]:
    """``dec`` of every number (None stays None), reading repeated floats from the cache."""
    cached = _FLOATS
    try:  # the usual column: floats seen before (and blanks), one C-level lookup each
        return list(map(_DECIMAL_OF.__getitem__, values))
    except (KeyError, TypeError):
        pass
    return [None if v is None else cached[v] if v in cached else dec(v) for v in values]


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
