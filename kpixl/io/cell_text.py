"""Text as a cell holds it: the one text encoder behind every sheet kpixl writes.

XML 1.0 cannot carry most control characters (U+0000–U+001F but tab, line feed and
carriage return), lone surrogates, U+FFFE or U+FFFF; a carriage return it carries, but
every XML reader turns it into a line feed. Excel writes each of these characters as
``_xHHHH_`` (hex of its code), and a literal ``_xHHHH_`` typed in a cell as
``_x005F_xHHHH_`` (``_`` escaped) so that it reads back as typed; kpixl does the same
(calamine and Excel decode it; :func:`decode_text` for openpyxl, which does not).

A cell holds at most 32,767 characters (Excel's limit): longer text is cut, and ends
with :data:`TRUNCATED` so that a reader sees it was cut.

A CSV file has no text type: :func:`csv_text` puts a ``'`` before text a spreadsheet
would run as a formula (OWASP's advice on CSV injection).

Text is always text. Only a :class:`Formula`, a formula kpixl builds itself, is written
as a formula; a plain ``str`` that starts with ``=``, ``+``, ``-`` or ``@`` (a KPI
result, a name typed in a form) is written as text by every writer.
"""

from __future__ import annotations

import math
import numbers
import re
from decimal import Decimal
from typing import Any

__all__ = [
    "MAX_CELL_TEXT",
    "TRUNCATED",
    "CellError",
    "Formula",
    "cell_text",
    "csv_text",
    "decode_text",
    "needs_encoding",
    "put",
    "value_xml",
    "xml_text",
]

MAX_CELL_TEXT = 32_767  # characters a cell holds (Excel)
TRUNCATED = "…(ตัดเหลือ 32,767 ตัวอักษร / truncated)"


class Formula(str):
    """A formula kpixl writes (``"=SUM(A1:A3)"``): the only text written as a formula.

    ``cached``: the value kpixl computed for it, written beside the formula as the cell's
    cached value, so that a reader that does not calculate (a mail or phone preview,
    pandas, python-calamine) shows it: a number (int, float, Decimal), text (``""`` for a
    formula that gives an empty cell), a bool or an error (:class:`CellError`). None (the default): no cached value, the
    formula is written as it always was and the workbook calculates it on open.
    """

    cached: object = None  # a class default: a Formula without a value holds no dict entry

    def __new__(cls, text: str, cached: object = None) -> Formula:
        formula = super().__new__(cls, text)
        if cached is not None:
            formula.cached = cached
        return formula

    def __reduce__(self) -> tuple[object, ...]:  # pickled with its value (worker processes)
        return (Formula, (str(self), self.cached))


class CellError(str):
    """An error value a formula gives (``CellError("#N/A")``): written as the cell's
    error (``t="e"``), never as text."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"CellError({str(self)!r})"


# what XML 1.0 cannot carry (or carries changed: CR), and a literal escape's underscore
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]")
_ENCODE = re.compile(_FORBIDDEN.pattern + r"|_(?=x[0-9A-Fa-f]{4}_)")
_TOKEN = re.compile(r"_x[0-9A-Fa-f]{4}_")


def _encoded(match: re.Match[str]) -> str:
    return f"_x{ord(match.group()):04X}_"


def needs_encoding(text: str) -> bool:
    """Whether ``text`` (one value, or many joined by spaces) holds what :func:`cell_text`
    encodes: the writers' fast paths test a whole column at once."""
    if "_x" in text and _TOKEN.search(text) is not None:  # a substring test first: fast
        return True
    if text.isprintable():  # fast: no control character, surrogate or noncharacter at all
        return False
    return _FORBIDDEN.search(text) is not None


def cell_text(text: str) -> str:
    """``text`` as the cell's XML holds it (before XML escaping): characters XML cannot
    carry as ``_xHHHH_``, a literal ``_xHHHH_`` escaped, at most 32,767 characters."""
    if len(text) > MAX_CELL_TEXT:
        text = text[: MAX_CELL_TEXT - len(TRUNCATED)] + TRUNCATED
    if _ENCODE.search(text) is None:
        return text
    encoded = _ENCODE.sub(_encoded, text)
    if len(encoded) <= MAX_CELL_TEXT:
        return encoded
    # the escapes lengthen the text: cut the escaped form, never inside one escape
    budget = MAX_CELL_TEXT - len(TRUNCATED)
    cut = budget
    for token in _TOKEN.finditer(encoded):  # left to right, as a reader decodes
        if token.end() > budget:
            cut = min(cut, token.start())
            break
    return encoded[:cut] + TRUNCATED


def xml_text(text: str) -> str:
    """:func:`cell_text`, escaped for an XML element (``&``, ``<``, ``>``)."""
    return cell_text(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def value_xml(value: object) -> tuple[str, str] | None:
    """A formula's cached value as a cell writes it: (the cell's ``t`` attribute, the
    ``<v>`` text), or None when there is none to write (None, NaN, infinity, another
    type). An error (:class:`CellError`) is written as one (``t="e"``). Numbers keep their digits (a Decimal as written); text is encoded as any
    cell's text (:func:`xml_text`)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return ' t="b"', str(int(value))
    if isinstance(value, CellError):
        return ' t="e"', xml_text(value)
    if isinstance(value, str):
        return ' t="str"', xml_text(value)
    if isinstance(value, Decimal):
        return ("", f"{value:f}") if value.is_finite() else None
    if isinstance(value, numbers.Integral):
        return "", str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        return ("", repr(number)) if math.isfinite(number) else None
    return None


def decode_text(text: str) -> str:
    """A cell's text as typed, from the ``_xHHHH_`` form a file holds (what calamine and
    Excel show; openpyxl hands the escaped form over as it is)."""
    if "_x" not in text:
        return text
    return _TOKEN.sub(lambda m: chr(int(m.group()[2:6], 16)), text)


_CSV_FORMULA = re.compile(r"[=+\-@\t\r]")  # what a spreadsheet may run as a formula
_CSV_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def csv_text(text: str) -> str:
    """A text field of a CSV file: text a spreadsheet would run as a formula (``=``,
    ``+``, ``-``, ``@``, tab or CR first) gets a leading ``'``, as OWASP advises against
    CSV injection; a plain number written as text (``-5``) is left as it is."""
    if _CSV_FORMULA.match(text) and not _CSV_NUMBER.fullmatch(text):
        return "'" + text
    return text


def put(cell: Any, value: object) -> None:
    """Set an openpyxl cell: a :class:`Formula` as a formula, any other text as text
    (:func:`cell_text`; openpyxl alone would make ``"=…"`` a formula, ``"#N/A"`` an
    error, and refuse control characters), anything else as openpyxl takes it."""
    if isinstance(value, Formula):
        cell.value = str(value)
    elif isinstance(value, str) and value:
        cell.value = cell_text(value)
        cell.data_type = "s"
    else:
        cell.value = value
