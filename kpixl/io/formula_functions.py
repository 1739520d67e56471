"""Excel's values, coercions, operators and functions, for :mod:`kpixl.io.formula_values`.

The values: a number (float), text, a bool, an error (:class:`~kpixl.io.cell_text.CellError`,
``#N/A`` …), an empty cell (None) and an array (:class:`Array`, what a range gives).

* An empty cell is 0 in arithmetic, ``""`` in text and equal to both in a comparison;
  text that reads as a number is a number in arithmetic (``"3"+1`` = 4), never in a
  comparison (``"3"=3`` is FALSE); numbers sort before text, text before bools, text
  compares case-insensitively.
* Errors propagate through operators and functions (the leftmost first); IFERROR
  catches them; ISTEXT/ISNUMBER never fail.
* Operators work element by element on arrays (SUMPRODUCT's arguments).
* ROUND rounds half away from zero, on the number's 15 significant digits (as Excel).
* SUM, MIN and MAX skip text, bools and empty cells in ranges, take them in direct
  arguments; SUMPRODUCT counts what is not a number as 0.
* MATCH: 0 exact (case-insensitive, ``*``/``?`` wildcards), 1 the largest value not
  above, -1 the smallest not below; LOOKUP as MATCH 1. COUNTIF's criteria: a value,
  ``">=5"``, ``"<>"``, ``"a*"``.
* A number in text is written as Excel's General format writes it (15 digits).

IF, IFERROR and INDEX are built by the parser (they choose what to compute).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from kpixl.io.cell_text import CellError

__all__ = [
    "DIV0",
    "ERRORS",
    "FUNCTIONS",
    "INFIX",
    "NA",
    "NUM",
    "REF",
    "SPECIAL",
    "VALUE",
    "Array",
    "FormulaNotSupported",
    "as_array",
    "as_bool",
    "as_number",
    "as_text",
    "broadcast",
    "first",
    "lift",
    "negate",
    "number_text",
    "percent",
    "result_value",
]

NA = CellError("#N/A")
VALUE = CellError("#VALUE!")
REF = CellError("#REF!")
DIV0 = CellError("#DIV/0!")
NUM = CellError("#NUM!")
ERRORS = {e: e for e in (NA, VALUE, REF, DIV0, NUM, CellError("#NAME?"), CellError("#NULL!"))}


class FormulaNotSupported(NotImplementedError):
    """A formula uses what this evaluator does not compute (a defect of kpixl's forms)."""


class Array:
    """A rectangle of values (rows of equal length): what a range or an array operation gives."""

    __slots__ = ("rows",)

    def __init__(self, rows: list[list[object]]) -> None:
        self.rows = rows

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.rows), len(self.rows[0]) if self.rows else 0

    def flat(self) -> list[object]:
        return [v for row in self.rows for v in row]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Array) and other.rows == self.rows

    def __repr__(self) -> str:
        return f"Array({self.rows!r})"


# ------------------------------------------------------------------ coercions

_NUMBER_TEXT = re.compile(
    r"\s*([+-]?)([0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(\.[0-9]*)?(?:[eE]([+-]?[0-9]+))?\s*(%?)\s*\Z"
)  # ASCII digits only: Excel reads Thai digits (๒) as text


def _parse_number(text: str) -> float | None:
    """A text's number as Excel reads it in arithmetic (``" 1,000.5 "``, ``"5%"``)."""
    m = _NUMBER_TEXT.match(text)
    if m is None or not (m.group(2) or (m.group(3) or "")[1:]):
        return None
    digits = (m.group(2) or "0").replace(",", "") + (m.group(3) or "")
    number = float(f"{m.group(1)}{digits}e{m.group(4) or 0}")
    return number / 100 if m.group(5) else number


def as_number(v: object) -> float | CellError:
    """``v`` in arithmetic: empty 0, a bool 1/0, text that reads as a number, else #VALUE!."""
    if type(v) is float:
        return v
    if v is None:
        return 0.0
    if isinstance(v, CellError):
        return v
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, str):
        n = _parse_number(v)
        return VALUE if n is None else n
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, Array):
        return as_number(first(v))
    raise FormulaNotSupported(f"a value of type {type(v).__name__}")


def number_text(x: float) -> str:
    """A number as Excel's General format shows it in text (15 significant digits)."""
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    text = f"{x:.15g}"
    if "e" not in text:
        return text
    if 1e-9 <= abs(x) < 1e15:
        return format(Decimal(text), "f")
    mantissa, exponent = text.split("e")
    return f"{mantissa}E{int(exponent):+03d}"


def as_text(v: object) -> str | CellError:
    """``v`` in text: empty "", a bool TRUE/FALSE, a number as General shows it."""
    if isinstance(v, str):
        return v  # a CellError too: callers test errors first
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        return number_text(float(v))
    if isinstance(v, Array):
        return as_text(first(v))
    raise FormulaNotSupported(f"a value of type {type(v).__name__}")


def as_bool(v: object) -> bool | CellError:
    """``v`` as a test: empty FALSE, a number ≠ 0, text "TRUE"/"FALSE", else #VALUE!."""
    if isinstance(v, CellError):
        return v
    if isinstance(v, bool):
        return v
    if v is None:
        return False
    if isinstance(v, (int, float)):
        return v != 0
    if isinstance(v, str):
        upper = v.upper()
        return True if upper == "TRUE" else False if upper == "FALSE" else VALUE
    if isinstance(v, Array):
        return as_bool(first(v))
    raise FormulaNotSupported(f"a value of type {type(v).__name__}")


def first(a: Array) -> object:
    return a.rows[0][0] if a.rows and a.rows[0] else None


def _rank(v: object) -> int:
    """Excel's order of kinds: numbers, then text, then bools."""
    return 2 if isinstance(v, bool) else 1 if isinstance(v, str) else 0


def _compare(a: object, b: object) -> int | CellError:
    """-1, 0 or 1 as Excel orders ``a`` and ``b`` (an empty cell as the other's kind)."""
    if isinstance(a, CellError):
        return a
    if isinstance(b, CellError):
        return b
    if a is None:
        a = "" if isinstance(b, str) else False if isinstance(b, bool) else 0.0
    if b is None:
        b = "" if isinstance(a, str) else False if isinstance(a, bool) else 0.0
    ra, rb = _rank(a), _rank(b)
    if ra != rb:
        return -1 if ra < rb else 1
    if ra == 1:
        a, b = str(a).lower(), str(b).lower()
    elif ra == 0:
        a, b = float(a), float(b)  # type: ignore[arg-type]
    return 0 if a == b else -1 if a < b else 1  # type: ignore[operator]


def result_value(v: object) -> object:
    """A formula's result as its cell holds it: an empty reference as 0, a one-cell
    array as its value; a bigger array (a spilled result) is not supported."""
    if isinstance(v, Array):
        if v.shape != (1, 1):
            raise FormulaNotSupported(f"a formula that gives an array of {v.shape}")
        v = v.rows[0][0]
    return 0.0 if v is None else v


# ------------------------------------------------------------------ arrays


def broadcast(a: object, b: object, op: Callable[[object, object], object]) -> object:
    """``op`` element by element when either side is an array (Excel's array rules:
    a single row or column stretches, positions outside the smaller array are #N/A)."""
    if not isinstance(a, Array):
        if not isinstance(b, Array):
            return op(a, b)
        return Array([[op(a, y) for y in row] for row in b.rows])
    if not isinstance(b, Array):
        return Array([[op(x, b) for x in row] for row in a.rows])
    (ra, ca), (rb, cb) = a.shape, b.shape
    rows, cols = max(ra, rb), max(ca, cb)

    def at(x: Array, r: int, c: int, nr: int, nc: int) -> object:
        r = 0 if nr == 1 else r
        c = 0 if nc == 1 else c
        return x.rows[r][c] if r < nr and c < nc else NA

    return Array(
        [[op(at(a, r, c, ra, ca), at(b, r, c, rb, cb)) for c in range(cols)] for r in range(rows)]
    )


def lift(fn: Callable[[object], object]) -> Callable[[object], object]:
    """A one-argument function applied to each element of an array."""

    def lifted(v: object) -> object:
        if isinstance(v, Array):
            return Array([[fn(x) for x in row] for row in v.rows])
        return fn(v)

    return lifted


def as_array(v: object) -> Array:
    return v if isinstance(v, Array) else Array([[v]])


# ------------------------------------------------------------------ operators


def _arith(fn: Callable[[float, float], float]) -> Callable[[object, object], object]:
    def op(a: object, b: object) -> object:
        x = as_number(a)
        if isinstance(x, CellError):
            return x
        y = as_number(b)
        if isinstance(y, CellError):
            return y
        try:
            result = fn(x, y)
        except ZeroDivisionError:
            return DIV0
        except (OverflowError, ValueError):
            return NUM
        if isinstance(result, complex) or not math.isfinite(result):
            return NUM
        return result

    return op


def _power(x: float, y: float) -> float:
    if x == 0 and y == 0:
        raise ValueError("0^0")
    return float(x**y)


def _concat(a: object, b: object) -> object:
    for v in (a, b):
        if isinstance(v, CellError):
            return v
    return f"{as_text(a)}{as_text(b)}"


def _comparison(test: Callable[[int], bool]) -> Callable[[object, object], object]:
    def op(a: object, b: object) -> object:
        kind = type(a)
        if kind is type(b) and (kind is float or kind is str):  # the common cases, fast
            if a == b:
                return test(0)
            if kind is str:
                a, b = str(a).lower(), str(b).lower()
            return test(0 if a == b else -1 if a < b else 1)  # type: ignore[operator]
        if a is None and b == "" and type(b) is str:  # an empty cell against ""
            return test(0)
        order = _compare(a, b)
        return order if isinstance(order, CellError) else test(order)

    return op


INFIX: dict[str, tuple[int, Callable[[object, object], object]]] = {
    "=": (1, _comparison(lambda o: o == 0)),
    "<>": (1, _comparison(lambda o: o != 0)),
    "<": (1, _comparison(lambda o: o < 0)),
    ">": (1, _comparison(lambda o: o > 0)),
    "<=": (1, _comparison(lambda o: o <= 0)),
    ">=": (1, _comparison(lambda o: o >= 0)),
    "&": (2, _concat),
    "+": (3, _arith(lambda x, y: x + y)),
    "-": (3, _arith(lambda x, y: x - y)),
    "*": (4, _arith(lambda x, y: x * y)),
    "/": (4, _arith(lambda x, y: x / y)),
    "^": (5, _arith(_power)),
}


def negate(v: object) -> object:
    x = as_number(v)
    return x if isinstance(x, CellError) else -x


def percent(v: object) -> object:
    x = as_number(v)
    return x if isinstance(x, CellError) else x / 100


# ------------------------------------------------------------------ functions


def _error_in(values: Sequence[object]) -> CellError | None:
    for v in values:
        if isinstance(v, CellError):
            return v
    return None


def _numbers(args: Sequence[object]) -> list[float] | CellError:
    """The numbers of SUM/MIN/MAX: from arrays only numbers, direct values coerced."""
    out: list[float] = []
    for arg in args:
        if isinstance(arg, Array):
            for v in arg.flat():
                if isinstance(v, CellError):
                    return v
                if type(v) is float or (isinstance(v, int) and not isinstance(v, bool)):
                    out.append(float(v))
        elif arg is not None:
            x = as_number(arg)
            if isinstance(x, CellError):
                return x
            out.append(x)
    return out


def _sum(*args: object) -> object:
    numbers = _numbers(args)
    return numbers if isinstance(numbers, CellError) else math.fsum(numbers)


def _min(*args: object) -> object:
    numbers = _numbers(args)
    return numbers if isinstance(numbers, CellError) else min(numbers, default=0.0)


def _max(*args: object) -> object:
    numbers = _numbers(args)
    return numbers if isinstance(numbers, CellError) else max(numbers, default=0.0)


def _sumproduct(*args: object) -> object:
    arrays = [as_array(a) for a in args]
    shape = arrays[0].shape
    if any(a.shape != shape for a in arrays):
        return VALUE
    columns = [a.flat() for a in arrays]
    error = _error_in([v for column in columns for v in column])
    if error is not None:
        return error
    total = 0.0
    for values in zip(*columns, strict=True):
        product = 1.0
        for v in values:
            if type(v) is not float and not (isinstance(v, int) and not isinstance(v, bool)):
                product = 0.0
                break
            product *= v
        total += product
    return total


def _logical(args: Sequence[object]) -> list[bool] | CellError:
    out: list[bool] = []
    for arg in args:
        if isinstance(arg, Array):
            for v in arg.flat():
                if isinstance(v, CellError):
                    return v
                if isinstance(v, bool):
                    out.append(v)
                elif isinstance(v, (int, float)):
                    out.append(v != 0)
        elif arg is not None:
            b = as_bool(arg)
            if isinstance(b, CellError):
                return b
            out.append(b)
    return out


def _or(*args: object) -> object:
    values = _logical(args)
    return values if isinstance(values, CellError) else any(values) if values else VALUE


def _and(*args: object) -> object:
    values = _logical(args)
    return values if isinstance(values, CellError) else all(values) if values else VALUE


def _not(v: object) -> object:
    b = as_bool(v)
    return b if isinstance(b, CellError) else not b


def _round_with(mode: str) -> Callable[[object, object], object]:
    def rounding(v: object, digits: object = 0.0) -> object:
        x, n = as_number(v), as_number(digits)
        if isinstance(x, CellError):
            return x
        if isinstance(n, CellError):
            return n
        exact = Decimal(f"{x:.15g}")  # Excel rounds the number it shows: 15 digits
        places = int(n)
        rounded = exact.scaleb(places).quantize(Decimal(1), rounding=mode).scaleb(-places)
        return float(rounded)

    return rounding


def _left(v: object, count: object = 1.0) -> object:
    if isinstance(v, CellError):
        return v
    n = as_number(count)
    if isinstance(n, CellError):
        return n
    if n < 0:
        return VALUE
    return as_text(v)[: int(n)]


def _right(v: object, count: object = 1.0) -> object:
    if isinstance(v, CellError):
        return v
    n = as_number(count)
    if isinstance(n, CellError):
        return n
    if n < 0:
        return VALUE
    text = as_text(v)
    return text[len(text) - int(n) :] if int(n) else ""


def _len(v: object) -> object:
    return v if isinstance(v, CellError) else float(len(as_text(v)))


def _value(v: object) -> object:
    if isinstance(v, CellError):
        return v
    if isinstance(v, bool):
        return VALUE
    if v is None or isinstance(v, (int, float)):
        return as_number(v)
    n = _parse_number(str(v))
    return VALUE if n is None else n


def _n(v: object) -> object:
    if isinstance(v, Array):
        v = first(v)
    if isinstance(v, CellError):
        return v
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    return float(v) if isinstance(v, (int, float)) else 0.0  # text and empty: 0


def _istext(v: object) -> bool:
    return isinstance(v, str) and not isinstance(v, CellError)


def _isnumber(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _wildcard(pattern: str) -> re.Pattern[str] | None:
    """A text criterion with ``*``/``?`` (``~`` escapes) as a regex; None without them."""
    if not any(ch in pattern for ch in "*?~"):
        return None
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "~" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.S | re.I)


def _equal(a: object, b: object) -> bool:
    """MATCH's exact test: same kind, text case-insensitive (``b`` a text may hold wildcards)."""
    if isinstance(b, str):
        if not isinstance(a, str) or isinstance(a, CellError):
            return False
        pattern = _wildcard(b)
        return pattern.fullmatch(a) is not None if pattern else a.lower() == b.lower()
    if isinstance(b, bool) or isinstance(a, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return isinstance(a, (int, float)) and float(a) == float(b)  # type: ignore[arg-type]


def _vector(v: object) -> list[object] | None:
    """A one-row or one-column array's values (None if it has both)."""
    a = as_array(v)
    rows, cols = a.shape
    if rows == 1:
        return list(a.rows[0])
    if cols == 1:
        return [row[0] for row in a.rows]
    return None


def _approximate(x: object, values: list[object], descending: bool = False) -> int | None:
    """The 0-based position MATCH 1 (-1) finds: the last value of ``x``'s kind not above
    (not below) it, in a list sorted up (down); None if there is none."""
    found = None
    for i, v in enumerate(values):
        if v is None or isinstance(v, CellError) or _rank(v) != _rank(x):
            continue
        order = _compare(v, x)
        if (order >= 0) if descending else (order <= 0):  # type: ignore[operator]
            found = i
        else:
            break
    return found


def _match(x: object, within: object, mode: object = 1.0) -> object:
    if isinstance(x, Array):
        x = first(x)
    if isinstance(x, CellError):
        return x
    kind = as_number(mode)
    if isinstance(kind, CellError):
        return kind
    values = _vector(within)
    if values is None or x is None:
        return NA
    if kind == 0:
        for i, v in enumerate(values):
            if _equal(v, x):
                return float(i + 1)
        return NA
    found = _approximate(x, values, descending=kind < 0)
    return NA if found is None else float(found + 1)


def _lookup(x: object, lookup: object, result: object = None) -> object:
    if isinstance(x, Array):
        x = first(x)
    if isinstance(x, CellError):
        return x
    keys = _vector(lookup)
    if keys is None:
        raise FormulaNotSupported("LOOKUP over a two-dimensional range")
    answers = keys if result is None else _vector(result)
    if answers is None:
        return NA
    found = _approximate(x, keys)
    if found is None or found >= len(answers):
        return NA
    return answers[found]


def _countif(within: object, criterion: object) -> object:
    if isinstance(criterion, Array):
        criterion = first(criterion)
    if isinstance(criterion, CellError):
        return criterion
    test = _criterion(criterion)
    return float(sum(1 for v in as_array(within).flat() if test(v)))


_CRITERION = re.compile(r"(<=|>=|<>|<|>|=)?(.*)\Z", re.S)


def _criterion(c: object) -> Callable[[object], bool]:
    """COUNTIF's test of a cell for criterion ``c`` (``5``, ``">=5"``, ``"<>"``, ``"a*"``)."""
    op, operand = "=", c
    if isinstance(c, str):
        m = _CRITERION.match(c)
        assert m is not None
        op, operand = m.group(1) or "=", m.group(2)
        number = _parse_number(operand) if operand.strip() else None
        if number is not None:
            operand = number
        elif operand.upper() in ("TRUE", "FALSE"):
            operand = operand.upper() == "TRUE"
    elif c is None:
        operand = 0.0
    if operand == "" and isinstance(operand, str):  # "" or "=": empty; "<>": not empty
        if op == "=":
            return lambda v: v is None or v == ""
        if op == "<>":
            return lambda v: not (v is None or v == "")
    if op == "=" and isinstance(operand, str):
        return lambda v: _equal(v, operand)
    if op == "<>" and isinstance(operand, str):
        return lambda v: not _equal(v, operand)

    def test(v: object) -> bool:
        if v is None or isinstance(v, CellError):
            return op == "<>"
        if isinstance(operand, float) and isinstance(v, str):  # numeric text counts
            parsed = _parse_number(v)
            v = parsed if parsed is not None else v
        if _rank(v) != _rank(operand):
            return op == "<>"
        order = _compare(v, operand)
        return {
            "=": order == 0,
            "<>": order != 0,
            "<": order < 0,  # type: ignore[operator]
            ">": order > 0,  # type: ignore[operator]
            "<=": order <= 0,  # type: ignore[operator]
            ">=": order >= 0,  # type: ignore[operator]
        }[op]

    return test


# name → (function, least and most arguments, whether its arguments are arrays)
FUNCTIONS: dict[str, tuple[Callable[..., object], int, int, bool]] = {
    "SUM": (_sum, 1, 255, True),
    "MIN": (_min, 1, 255, True),
    "MAX": (_max, 1, 255, True),
    "SUMPRODUCT": (_sumproduct, 1, 255, True),
    "OR": (_or, 1, 255, True),
    "AND": (_and, 1, 255, True),
    "COUNTIF": (_countif, 2, 2, True),
    "MATCH": (_match, 2, 3, True),
    "LOOKUP": (_lookup, 2, 3, True),
    "NOT": (lift(_not), 1, 1, False),
    "ISTEXT": (lift(_istext), 1, 1, False),
    "ISNUMBER": (lift(_isnumber), 1, 1, False),
    "N": (_n, 1, 1, True),
    "LEN": (lift(_len), 1, 1, False),
    "VALUE": (lift(_value), 1, 1, False),
    "LEFT": (lambda v, n=1.0: broadcast(v, n, _left), 1, 2, False),
    "RIGHT": (lambda v, n=1.0: broadcast(v, n, _right), 1, 2, False),
    "ROUND": (lambda v, n: broadcast(v, n, _round_with(ROUND_HALF_UP)), 2, 2, False),
    "ROUNDDOWN": (lambda v, n: broadcast(v, n, _round_with(ROUND_DOWN)), 2, 2, False),
}
SPECIAL = {"IF": (2, 3), "IFERROR": (2, 2), "INDEX": (2, 3)}
FUNCTION_NAMES = frozenset(FUNCTIONS) | frozenset(SPECIAL)
