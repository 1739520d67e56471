"""The C sheet scanner (``kpixl.io._sheetscan``) in Python: the path without a C compiler.

:func:`scan_sheet` and :func:`scan_strings` give exactly what the C functions of the
same names give: the grid python-calamine's ``to_python(skip_empty_area=False)`` gives
for the sheets they understand (numbers as float, text as str, booleans, errors and
blanks as ''), and None for anything else, so that the caller reads that sheet with
python-calamine instead. They never guess: an unknown element, attribute, escape or cell
type means None.

One regular expression splits a sheet's data into its cells (in C, inside ``re``): the
pieces of each kind of cell (numbers, inline text, the rest) are then converted column by
column with C-level maps, and the text between cells must hold nothing but row tags
(else the sheet goes to python-calamine). Every pattern reads hostile text in linear
time: quantifiers are possessive, and no match reaches past the element it started. The
rules copied from python-calamine (a ``<t>`` without ``xml:space="preserve"`` is
trimmed, an error cell reads as blank) are held to python-calamine by
``tests/test_speed_edge.py``.
"""

from __future__ import annotations

import re
from itertools import compress, repeat
from operator import itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["MAX_CELLS", "scan_sheet", "scan_strings"]

MAX_CELLS = 4_000_000  # a bigger grid (a stray far cell) is python-calamine's to measure

_TEXT = rb"(?:[^<]*+)"
# an inline string's body: never past the next cell or row (an unclosed <is> costs one
# cell's length, not the rest of the sheet, so hostile text stays linear)
_IS_BODY = rb"(?:[^<]++|<(?!/is>|/?c[\s>/]|/?row[\s>/]))*+"
_FORMULA = rb"(?:<f(?:\s[^>/]*+)?/>|<f(?:\s[^>/]*+)?>[^<]*+</f>)"
# the children of a cell that the fast groups do not cover: an optional formula, then
# an optional value or inline string (the order Excel, LibreOffice and openpyxl write)
_CHILDREN = (
    rb"(?:"
    + _FORMULA
    + rb")?(?:<v\s*+/>|<v>"
    + _TEXT
    + rb"</v>|<is/>|<is>"
    + _IS_BODY
    + rb"</is>)?"
)
_CELL = re.compile(
    rb'<c r="([A-Z]{1,3}[0-9]{1,7})"(?: s="([0-9]{1,9})")?(?: t="([a-zA-Z]{1,9})")?\s*+'
    rb"(?:/>|>(?:"
    rb"<v>([-+.0-9eE]{1,63})</v>"  # 4: a number, a shared string's index, a boolean
    rb"|<is><t>([^<&]++)</t></is>"  # 5: inline text, trimmed
    rb'|<is><t xml:space="preserve">([^<&]++)</t></is>'  # 6: inline text, as it is
    rb"|<f>[^<]*+</f>(<v\s*+/>)"  # 7: a formula without its value: blank
    rb"|(" + _CHILDREN + rb")"  # 8: anything else a cell may hold, read below
    rb")</c>)"
)
_GROUPS = _CELL.groups + 1  # re.split gives the text before a cell, then its groups
_REF = re.compile(rb"([A-Z]{1,3})([0-9]{1,7})")
_FORMULA_AT = re.compile(_FORMULA)
_VALUE = re.compile(rb"<v\s*+/>|<v>(" + _TEXT + rb")</v>")
_SPACE = b" \t\n\r"
_SPACE_TEXT = _SPACE.decode()
_ENTITY = re.compile(rb"&([^;&]{0,11});")
_NAMED = {b"amp": 38, b"lt": 60, b"gt": 62, b"quot": 34, b"apos": 39}
_NAMED_ENTITIES = tuple(b"&" + name + b";" for name in _NAMED)
_SI = re.compile(
    rb"<si>(?:<t>([^<&]++)</t>|("
    + rb"(?:[^<]++|<(?!/si>|si[\s>/]))*+"
    + rb"))</si>|<si\s*+/>|(<si)"
)


class _NotUnderstood(Exception):
    """A cell or text the scanner does not read: the sheet goes to python-calamine."""


# "B7" → (row << 16) + column, 0-based: kpixl's sheets repeat the same references in
# every file, so each is worked out once per process (and the table never grows past
# _REFS_KEPT entries)
_REFS: dict[bytes, int] = {}
_REFS_KEPT = 1_000_000


def _positions(refs: tuple[bytes, ...]) -> npt.NDArray[np.int64]:
    """Each reference's (row << 16) + column."""
    try:
        return np.fromiter(map(_REFS.__getitem__, refs), np.int64, len(refs))
    except KeyError:
        pass
    if len(_REFS) > _REFS_KEPT:
        _REFS.clear()
    for ref in set(refs).difference(_REFS):
        found = _REF.fullmatch(ref)
        assert found is not None  # the cell pattern matched it
        letters, digits = found.groups()
        column = 0
        for c in letters:
            column = column * 26 + c - 64
        if int(digits) < 1:
            raise _NotUnderstood
        _REFS[ref] = ((int(digits) - 1) << 16) + column - 1
    return np.fromiter(map(_REFS.__getitem__, refs), np.int64, len(refs))


def _code_point(name: bytes) -> int:
    named = _NAMED.get(name)
    if named is not None:
        return named
    if (
        name[:2] == b"#x"
        and len(name) > 2
        and all(c in b"0123456789abcdefABCDEF" for c in name[2:])
    ):
        code = int(name[2:], 16)
    elif name[:1] == b"#" and len(name) > 1 and name[1:].isdigit():
        code = int(name[1:])
    else:
        raise _NotUnderstood
    if code == 0 or code == 13 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise _NotUnderstood
    return code


def _text(raw: bytes) -> str:
    """XML character data as str: the five named entities and numeric references decoded;
    a carriage return (XML would normalise it) or an ``_xHHHH_`` escape is not understood."""
    if b"\r" in raw or b"_x" in raw:
        raise _NotUnderstood
    if b"&" in raw:
        parts = _ENTITY.split(raw)
        if any(b"&" in part for part in parts[::2]):
            raise _NotUnderstood
        for i in range(1, len(parts), 2):
            parts[i] = chr(_code_point(parts[i])).encode()
        raw = b"".join(parts)
    try:
        return raw.decode()
    except UnicodeDecodeError:
        raise _NotUnderstood from None


def _trimmed(raw: bytes) -> str:
    """The text of a ``<t>`` that does not preserve spaces: python-calamine trims it."""
    cut = raw.strip(_SPACE)
    # where a character reference meets the trimmed spaces (``&#10;`` may be a space);
    # a named entity is never one, so ``Name <a@b.org>`` (``&gt;`` last) is read here
    if (cut[:1] == b"&" and not cut.startswith(_NAMED_ENTITIES)) or (
        cut[-1:] == b";" and not cut.endswith(_NAMED_ENTITIES)
    ):
        raise _NotUnderstood
    return _text(cut)


def _rich_text(body: bytes) -> str:
    """The joined text of every ``<t>`` in an ``<is>`` or ``<si>`` body."""
    if b"<rPh" in body:
        raise _NotUnderstood  # phonetic runs: python-calamine's to read
    out: list[str] = []
    at = body.find(b"<t")
    while at >= 0:
        after = body[at + 2 : at + 3]
        if after not in (b">", b" ", b"/"):
            raise _NotUnderstood
        end = body.find(b">", at)
        if end < 0 or (b'"' in body[at:end] and body[at:end].count(b'"') % 2):
            raise _NotUnderstood
        tag = body[at:end]
        if tag.endswith(b"/"):
            at = body.find(b"<t", end)
            continue
        stop = body.find(b"</t>", end)
        if stop < 0:
            raise _NotUnderstood
        raw = body[end + 1 : stop]
        out.append(_text(raw) if b'xml:space="preserve"' in tag else _trimmed(raw))
        at = body.find(b"<t", stop + 4)
    return "".join(out)


def _other(kind: bytes | None, style: int, children: bytes, shared: list[str], dates: bytes) -> Any:
    """The value of a cell whose children the fast groups do not cover (None: blank)."""
    rest = children
    formula = _FORMULA_AT.match(rest)
    if formula is not None:
        rest = rest[formula.end() :]
    value: bytes | None = None
    inline: bytes | None = None
    if rest.startswith(b"<v"):
        found = _VALUE.match(rest)
        assert found is not None  # the cell pattern matched it
        value = found.group(1) or b""
    elif rest.startswith(b"<is/>"):
        inline = b""
    elif rest.startswith(b"<is>"):
        inline = rest[4:-5]
    return _value(kind, style, value, inline, shared, dates)


def _value(
    kind: bytes | None,
    style: int,
    v: bytes | None,
    inline: bytes | None,
    shared: list[str],
    dates: bytes,
) -> Any:
    """A cell's value as the C scanner reads it (None: blank). ``v``: the ``<v>`` text
    (None when there is no ``<v>``), ``inline``: the ``<is>`` body (None when none)."""
    if not kind or kind == b"n":
        if not v:
            return None
        if style < len(dates) and dates[style]:
            raise _NotUnderstood  # a date: python-calamine converts it
        return _number(v)
    if kind == b"s":
        if not v:
            return None
        if not v.isdigit() or int(v) >= len(shared):
            raise _NotUnderstood
        return shared[int(v)]
    if kind == b"inlineStr":
        if inline is None:
            if v is not None:
                raise _NotUnderstood
            return None
        return _rich_text(inline)
    if kind == b"str":
        return _text(v) if v else None
    if kind == b"b":
        if not v:
            return None
        if v == b"1" or v == b"0":
            return v == b"1"
        raise _NotUnderstood
    if kind == b"e":
        return None  # errors read as blank, as python-calamine gives them
    raise _NotUnderstood  # t="d" and anything else


_KINDS = frozenset({None, b"n", b"s", b"str", b"b", b"e", b"inlineStr"})
_NUMBER_CHARS = frozenset(b"0123456789.+-eE")


def _number(v: bytes) -> float:
    if len(v) >= 64 or not _NUMBER_CHARS.issuperset(v):
        raise _NotUnderstood  # no inf, nan, spaces or underscores
    try:
        return float(v)
    except ValueError:
        raise _NotUnderstood from None


def scan_sheet(xml: bytes, shared: list[str], date_styles: bytes) -> list[list[Any]] | None:
    """The sheet's grid, or None when it holds something only python-calamine should read."""
    start = xml.find(b"<sheetData")
    if start < 0:
        return None
    opened = xml.find(b">", start)
    if opened < 0:
        return None
    if xml[opened - 1 : opened] == b"/":
        return []
    stop = xml.find(b"</sheetData>", opened)
    if stop < 0:
        return None
    if (
        stop - opened > MAX_CELLS * len(b'<c r="A1"/>')
        and xml.count(b"<c", opened, stop) > MAX_CELLS
    ):
        return None  # a sheet of millions of cells: python-calamine measures it first
    try:
        placed = _placed(xml[opened + 1 : stop], shared, date_styles)
    except (_NotUnderstood, ValueError, IndexError):  # (a number float() refuses, not UTF-8)
        return None
    if placed is None:
        return []
    packed, values = placed
    rows, cols = packed >> 16, packed & 0xFFFF
    height, width = int(rows.max()) + 1, int(cols.max()) + 1
    if height * width > MAX_CELLS:
        return None
    at = rows * width + cols
    if len(at) > 1 and not bool((at[1:] > at[:-1]).all()):  # out of order, or twice
        last = len(at) - 1 - np.unique(at[::-1], return_index=True)[1]  # the last one counts
        at, values = at[last], values[last]
    flat = np.full(height * width, "", dtype=object)
    flat[at] = values
    grid: list[list[Any]] = flat.reshape(height, width).tolist()
    return grid


def _placed(
    body: bytes, shared: list[str], dates: bytes
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.object_]] | None:
    """Where the cells that hold a value are ((row << 16) + column) and their values, in
    the order written (None when no cell does). Worked out column by column: each kind
    of cell (numbers, inline text, the rest) is converted in one pass of C-level maps."""
    parts = _CELL.split(body)  # one list: the columns are its slices
    between = b"".join(parts[::_GROUPS])
    if between.count(b"<") != between.count(b"<row") + between.count(b"</row>"):
        raise _NotUnderstood  # an element that is neither a row nor a cell read here
    refs, styles, kinds, numbers, plain, kept, formulas, other = (
        parts[i::_GROUPS] for i in range(1, _GROUPS)
    )
    if not refs:
        return None
    if not set(kinds) <= _KINDS:
        raise _NotUnderstood
    if any(formulas) and b"inlineStr" in set(compress(kinds, formulas)):
        raise _NotUnderstood  # an inline string with a <v>: python-calamine's to read
    n = len(refs)
    values = np.empty(n, dtype=object)
    valued: list[int] = []
    at = list(compress(range(n), numbers))
    if at:
        if set(compress(kinds, numbers)) <= {None, b"n"}:  # numbers only (kpixl's sheets)
            _numbers(at, numbers, styles, dates, values)
            valued += at
        else:  # numbers, shared strings (Excel's sheets), booleans …
            number_at = [i for i in at if kinds[i] is None or kinds[i] == b"n"]
            shared_at = [i for i in at if kinds[i] == b"s"]
            _numbers(number_at, numbers, styles, dates, values)
            if shared_at:
                index = list(map(int, itemgetter(*shared_at, shared_at[0])(numbers)))[:-1]
                if min(index) < 0:
                    raise _NotUnderstood
                values[shared_at] = np.fromiter(map(shared.__getitem__, index), object, len(index))
            for i in at:
                if kinds[i] not in (None, b"n", b"s"):
                    values[i] = _value(kinds[i], _style(styles[i]), numbers[i], None, shared, dates)
            valued += [i for i in at if values[i] is not None]
    for texts, trim in ((plain, True), (kept, False)):
        at = list(compress(range(n), texts))
        if not at:
            continue
        if set(compress(kinds, texts)) != {b"inlineStr"}:
            raise _NotUnderstood
        joined = b"\x00".join(compress(texts, texts)).decode()  # one decode for all
        if "_x" in joined or "\r" in joined:
            raise _NotUnderstood  # _xHHHH_ escapes and line ends: python-calamine's to read
        decoded = joined.split("\x00")
        if len(decoded) != len(at):
            raise _NotUnderstood  # a NUL in the text itself
        if trim:
            decoded = list(map(str.strip, decoded, repeat(_SPACE_TEXT)))
        values[at] = np.fromiter(decoded, object, len(at))
        valued += at
    for i in compress(range(n), other):
        value = _other(kinds[i], _style(styles[i]), other[i], shared, dates)
        if value is not None:
            values[i] = value
            valued.append(i)
    if not valued:
        return None
    valued.sort()
    picked = itemgetter(*valued)(refs) if len(valued) > 1 else (refs[valued[0]],)
    return _positions(picked), values[valued]


def _numbers(
    at: list[int],
    numbers: list[bytes | None],
    styles: list[bytes | None],
    dates: bytes,
    values: npt.NDArray[np.object_],
) -> None:
    """The cells ``at`` (numbers: no type, or t="n") as floats into ``values``."""
    if not at:
        return
    picked = itemgetter(*at, at[0])  # a tuple even for one cell (the extra one dropped)
    used = {int(s) if s else 0 for s in set(picked(styles))}
    if any(s < len(dates) and dates[s] for s in used):
        raise _NotUnderstood  # a date: python-calamine converts it
    values[at] = np.fromiter(map(float, picked(numbers)[:-1]), object, len(at))


def _style(s: bytes | None) -> int:
    return int(s) if s else 0


def scan_strings(xml: bytes) -> list[str] | None:
    """The shared strings (sharedStrings.xml), or None when not understood."""
    out: list[str] = []
    try:
        for plain, rich, bad in _SI.findall(xml):
            if bad:
                raise _NotUnderstood
            out.append(_trimmed(plain) if plain else _rich_text(rich) if rich else "")
    except _NotUnderstood:
        return None
    return out
