"""Excel formulas evaluated in Python: the values kpixl caches beside its formulas.

A workbook kpixl writes carries, beside each formula, the value the formula gives
(``<f>…</f><v>…</v>``), so that a reader that does not calculate (a mail or phone
preview, pandas, python-calamine) shows it. This module computes those values for the
closed vocabulary kpixl's forms use, with Excel's semantics (the values, coercions and
functions: :mod:`kpixl.io.formula_functions`). INDEX reads one cell of a range (a big
range is not read whole); on a one-row range a lone index is the column (as Excel;
``INDEX(range,1,c)`` means the same in every engine). IF and IFERROR compute only the
branch they take (both, element by element, for an array condition).

The functions: IF, IFERROR, INDEX, MATCH, LOOKUP, ISTEXT, ISNUMBER, OR, AND, NOT, SUM,
SUMPRODUCT, COUNTIF, MIN, MAX, ROUND, ROUNDDOWN, LEFT, RIGHT, LEN, VALUE, N; the
operators ``+ - * / ^ & % = <> < > <= >=``; references (``A1``, ``$A$1:$B$9``,
``'ข้อตกลง'!$G13:$K13``) and defined names. Anything else (another function, an
intersection, a whole-column reference) raises :class:`FormulaNotSupported`: a formula
kpixl writes that this module cannot compute is a defect of kpixl, which the template
tests catch before a user does.

:func:`compile_formula` parses a formula once into a function of a :class:`Cells`
source (the workbook being computed, see :mod:`kpixl.io.formula_cells`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from openpyxl.formula.tokenizer import Token, Tokenizer, TokenizerError

from kpixl.io.cell_text import CellError
from kpixl.io.formula_functions import (
    ERRORS,
    FUNCTIONS,
    INFIX,
    REF,
    SPECIAL,
    VALUE,
    Array,
    FormulaNotSupported,
    as_array,
    as_bool,
    as_number,
    broadcast,
    lift,
    negate,
    percent,
    result_value,
)

__all__ = [
    "Array",
    "Cells",
    "Compiled",
    "FormulaNotSupported",
    "Rect",
    "compile_formula",
    "result_value",
]


@dataclass(frozen=True)
class Rect:
    """A range on a sheet: rows and columns 1-based, inclusive."""

    sheet: str
    top: int
    left: int
    bottom: int
    right: int


class Cells(Protocol):
    """The workbook a formula reads: cell values (a formula cell's value computed on
    demand) and defined names."""

    def value(self, sheet: str, row: int, col: int) -> object: ...

    def name(self, name: str) -> Compiled: ...


Fn = Callable[[Cells], object]


@dataclass(frozen=True)
class Compiled:
    """A parsed formula: ``run(cells)`` gives its value (maybe an array or an empty
    cell: :func:`result_value` makes it a cell's value); ``rects``: every range it
    reads (defined names by name, in ``names``)."""

    run: Fn
    rects: tuple[Rect, ...]
    names: tuple[str, ...]


# ------------------------------------------------------------------ references

_PLAIN_REFERENCE = re.compile(
    r"(?:'(?:[^']|'')+'|[^'!(),\s]+)!\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?\Z"
)
_A1 = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)\Z")


def _column(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _split_sheet(text: str, here: str) -> tuple[str, str]:
    if "!" not in text:
        return here, text
    sheet, _, ref = text.rpartition("!")
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, ref


@dataclass(frozen=True)
class _Ref:
    """A reference in a formula: a cell (read as its value) or a range (an array)."""

    rect: Rect

    @property
    def single(self) -> bool:
        r = self.rect
        return r.top == r.bottom and r.left == r.right

    def array(self, cells: Cells) -> Array:
        r = self.rect
        value = cells.value
        return Array(
            [
                [value(r.sheet, row, col) for col in range(r.left, r.right + 1)]
                for row in range(r.top, r.bottom + 1)
            ]
        )

    def function(self) -> Fn:
        """The reference's function: a cell's value, or the range's array."""
        if not self.single:
            return self.array
        sheet, row, col = self.rect.sheet, self.rect.top, self.rect.left
        return lambda cells: cells.value(sheet, row, col)


def _reference(text: str, here: str) -> _Ref | None:
    """The range ``text`` names (``A1``, ``$A$1:$B$2``, ``'S'!A1``), None if it is a name."""
    sheet, ref = _split_sheet(text, here)
    parts = ref.upper().split(":")
    if len(parts) > 2:
        raise FormulaNotSupported(f"the reference {text}")
    corners = [m for m in map(_A1.match, parts) if m is not None]
    if len(corners) != len(parts):
        if len(parts) == 2 or "!" in text:
            raise FormulaNotSupported(f"the reference {text} (whole rows or columns)")
        return None  # a defined name
    first, last = corners[0], corners[-1]
    top, bottom = sorted((int(first.group(2)), int(last.group(2))))
    left, right = sorted((_column(first.group(1)), _column(last.group(1))))
    return _Ref(Rect(sheet, top, left, bottom, right))


# ------------------------------------------------------------------ the parser


@dataclass
class _Node:
    """A compiled piece: its function, and the reference it is when it is one."""

    run: Fn
    ref: _Ref | None = None
    name: str | None = None


class _Parser:
    def __init__(self, formula: str, sheet: str, names: Mapping[str, str]) -> None:
        try:
            tokens = Tokenizer(formula).items
        except TokenizerError as exc:
            raise FormulaNotSupported(f"{formula}: {exc}") from exc
        self.formula = formula
        # spaces around operators and arguments mean nothing; a space between two
        # references (the intersection operator) leaves two operands side by side, which
        # the parser refuses
        self.tokens = [t for t in tokens if t.type != Token.WSPACE]
        self.pos = 0
        self.sheet = sheet
        self.rects: list[Rect] = []
        self.names: list[str] = []
        self.defined = names

    def fail(self, what: str) -> FormulaNotSupported:
        return FormulaNotSupported(f"{what} in the formula {self.formula}")

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise self.fail("an unexpected end")
        self.pos += 1
        return token

    def parse(self) -> Compiled:
        node = self.expression(0)
        if self.peek() is not None:
            raise self.fail(f"{self.peek().value!r}")  # type: ignore[union-attr]
        return Compiled(node.run, tuple(self.rects), tuple(self.names))

    def expression(self, least: int) -> _Node:
        left = self.unary()
        while True:
            token = self.peek()
            if token is None or token.type != Token.OP_IN:
                return left
            if token.value not in INFIX:
                raise self.fail(f"the operator {token.value}")
            precedence, op = INFIX[token.value]
            if precedence < least:
                return left
            self.take()
            right = self.expression(precedence + 1)
            left = _Node(_binary(left.run, right.run, op))

    def unary(self) -> _Node:
        token = self.peek()
        if token is not None and token.type == Token.OP_PRE:
            self.take()
            inner = self.unary()
            if token.value == "+":
                return inner
            run = inner.run
            return _Node(lambda cells: lift(negate)(run(cells)))
        node = self.primary()
        while (token := self.peek()) is not None and token.type == Token.OP_POST:
            self.take()
            run = node.run
            node = _Node(lambda cells, run=run: lift(percent)(run(cells)))  # type: ignore[misc]
        return node

    def primary(self) -> _Node:
        token = self.take()
        if token.type == Token.OPERAND:
            return self.operand(token)
        if token.type == Token.PAREN and token.subtype == Token.OPEN:
            node = self.expression(0)
            close = self.take()
            if close.type != Token.PAREN:
                raise self.fail("a missing )")
            return _Node(node.run)
        if token.type == Token.FUNC and token.subtype == Token.OPEN:
            return self.call(token.value[:-1].upper())
        raise self.fail(f"{token.value!r}")

    def operand(self, token: Token) -> _Node:
        text = token.value
        if token.subtype == Token.NUMBER:
            number = float(text)
            return _Node(lambda cells: number)
        if token.subtype == Token.TEXT:
            string = text[1:-1].replace('""', '"')
            return _Node(lambda cells: string)
        if token.subtype == Token.LOGICAL:
            flag = text.upper() == "TRUE"
            return _Node(lambda cells: flag)
        if token.subtype == Token.ERROR:
            error = ERRORS.get(CellError(text.upper()))
            if error is None:
                raise self.fail(f"the error {text}")
            return _Node(lambda cells: error)
        ref = _reference(text, self.sheet)
        if ref is not None:
            self.rects.append(ref.rect)
            return _Node(ref.function(), ref=ref)
        name = text.upper()
        target = self.defined.get(name, "")
        if _PLAIN_REFERENCE.match(target):  # a name for a range: read as the range itself
            ref = _reference(target, self.sheet)
            if ref is not None:
                self.rects.append(ref.rect)
                return _Node(ref.function(), ref=ref)
        self.names.append(name)
        return _Node(lambda cells: cells.name(name).run(cells), name=name)

    def arguments(self) -> list[_Node | None]:
        args: list[_Node | None] = []
        if (
            (token := self.peek()) is not None
            and token.type == Token.FUNC
            and token.subtype == Token.CLOSE
        ):
            self.take()  # no argument at all
            return args
        while True:
            token = self.peek()
            if token is not None and (
                token.type == Token.SEP
                or (token.type == Token.FUNC and token.subtype == Token.CLOSE)
            ):
                args.append(None)  # an empty argument: IF(A1,,1), IF(A1,1,)
            else:
                args.append(self.expression(0))
            token = self.take()
            if token.type == Token.FUNC and token.subtype == Token.CLOSE:
                return args
            if not (token.type == Token.SEP and token.subtype == Token.ARG):
                raise self.fail(f"{token.value!r}")

    def call(self, name: str) -> _Node:
        args = self.arguments()
        if name in SPECIAL:
            least, most = SPECIAL[name]
        elif name in FUNCTIONS:
            _, least, most, _ = FUNCTIONS[name]
        else:
            raise self.fail(f"the function {name}")
        if not least <= len(args) <= most:
            raise self.fail(f"{name} with {len(args)} arguments")
        if name == "IF":
            return _Node(_if(*[_run(a) for a in args]))
        if name == "IFERROR":
            return _Node(_iferror(_run(args[0]), _run(args[1])))
        if name == "INDEX":
            return _Node(_index(args[0], *[_run(a) for a in args[1:]]))
        fn, _, _, arrays = FUNCTIONS[name]
        runs = [_argument(a, arrays) for a in args]
        return _Node(lambda cells: fn(*[run(cells) for run in runs]))


def _missing(cells: Cells) -> object:
    return None  # an empty argument: 0 in arithmetic, "" in text


def _run(node: _Node | None) -> Fn:
    return _missing if node is None else node.run


def _argument(node: _Node | None, arrays: bool) -> Fn:
    """An argument's function: a one-cell reference given to a function that takes
    ranges is a one-cell range (SUM(A1) skips text in A1; SUM("3") adds 3)."""
    if node is None:
        return _missing
    if arrays and node.ref is not None:
        return node.ref.array
    if arrays and node.name is not None:
        name = node.name

        def named(cells: Cells) -> object:
            value = cells.name(name).run(cells)
            return value if isinstance(value, Array) else Array([[value]])

        return named
    return node.run


def _binary(left: Fn, right: Fn, op: Callable[[object, object], object]) -> Fn:
    def run(cells: Cells) -> object:
        a, b = left(cells), right(cells)
        if type(a) is Array or type(b) is Array:
            return broadcast(a, b, op)
        return op(a, b)

    return run


def _if(test: Fn, yes: Fn | None = None, no: Fn | None = None) -> Fn:
    def choose(flag: object, cells: Cells) -> object:
        b = flag if type(flag) is bool else as_bool(flag)
        if isinstance(b, CellError):
            return b
        if b:
            return yes(cells) if yes is not None else True
        return no(cells) if no is not None else False

    def run(cells: Cells) -> object:
        flag = test(cells)
        if flag is True:  # the common case, fast
            return yes(cells) if yes is not None else True
        if flag is False:
            return no(cells) if no is not None else False
        if not isinstance(flag, Array):
            return choose(flag, cells)
        branches = [yes(cells) if yes else True, no(cells) if no else False]  # element-wise

        def pick(f: object, pair: object) -> object:
            b = as_bool(f)
            yes_no: tuple[object, object] = pair  # type: ignore[assignment]
            return b if isinstance(b, CellError) else yes_no[0] if b else yes_no[1]

        out = broadcast(flag, broadcast(branches[0], branches[1], lambda a, b: (a, b)), pick)
        return out

    return run


def _iferror(value: Fn, fallback: Fn) -> Fn:
    def run(cells: Cells) -> object:
        v = value(cells)
        if isinstance(v, Array):
            alt = fallback(cells)
            return broadcast(v, alt, lambda x, y: y if isinstance(x, CellError) else x)
        return fallback(cells) if isinstance(v, CellError) else v

    return run


def _index(source: _Node | None, row: Fn, col: Fn | None = None) -> Fn:
    """INDEX: a cell of a reference read alone (a big range is not read whole)."""
    if source is None:
        raise FormulaNotSupported("INDEX without a range")
    ref = source.ref

    def position(v: object) -> int | CellError:
        n = as_number(v)
        return n if isinstance(n, CellError) else int(n)

    def run(cells: Cells) -> object:
        values = None if ref is not None else as_array(source.run(cells))
        if ref is not None:
            r = ref.rect
            rows, cols = r.bottom - r.top + 1, r.right - r.left + 1
        else:
            rows, cols = values.shape  # type: ignore[union-attr]
        i = position(row(cells))
        if isinstance(i, CellError):
            return i
        j: int | CellError = 0 if col is None else position(col(cells))
        if isinstance(j, CellError):
            return j
        if col is None and rows == 1:  # one row: a lone index is the column
            i, j = 1, i
        elif col is None and cols == 1:
            j = 1
        if i < 0 or j < 0:
            return VALUE
        if i > rows or j > cols:
            return REF
        if i == 0 or j == 0:
            picked_rows = range(rows) if i == 0 else [i - 1]
            picked_cols = range(cols) if j == 0 else [j - 1]
            grid = values if values is not None else ref.array(cells)  # type: ignore[union-attr]
            return Array([[grid.rows[a][b] for b in picked_cols] for a in picked_rows])
        if values is not None:
            return values.rows[i - 1][j - 1]
        r = ref.rect  # type: ignore[union-attr]
        return cells.value(r.sheet, r.top + i - 1, r.left + j - 1)

    return run


def compile_formula(formula: str, sheet: str, names: Mapping[str, str] | None = None) -> Compiled:
    """``formula`` (``"=…"``, or a defined name's text without ``=``) parsed, for a cell of
    ``sheet``; ``names``: the workbook's defined names (upper case → their text), those
    that name a range read as the range itself. Raises :class:`FormulaNotSupported` for
    what this module does not compute."""
    text = formula if formula.startswith("=") else "=" + formula
    return _Parser(text, sheet, names or {}).parse()
