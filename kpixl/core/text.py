"""The one text normaliser for ids, codes and names read from cells.

Every path that matches a person id, a unit code or a KPI code (collect, consolidate,
cascade, personal generation, the schemas) goes through :func:`text_of`, so an id that
matches on one path matches on all of them. The rules, in the order they apply:

- blank: ``None`` and NaN are ``""``;
- a number Excel stored for an id: a whole float is written without its ``.0``
  (``1101700123458.0`` → ``"1101700123458"``, never ``"1.101700123458e+12"``); other
  numbers are written as Python writes them (``12.5`` → ``"12.5"``);
- Thai digits ``๐``–``๙`` become ``0``–``9`` (:data:`THAI_DIGITS`, the only such table);
- zero-width characters (zero-width space, word joiner, byte-order mark) are dropped:
  they are invisible in a cell and in the Thai text they often sit in;
- every Unicode space (no-break space, thin space, tab, line break …) counts as a
  space: spaces around the text are stripped and runs of them inside become one;
- a leading apostrophe, Excel's "this is text" prefix typed in literally, is dropped
  (``'0812`` → ``0812``) unless the text quotes with it (``'Smart' office`` is kept).

:func:`column_letter` is the one way kpixl names a column (``0`` → ``A``, ``26`` → ``AA``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = [
    "THAI_DIGITS",
    "column_letter",
    "needs_text_of",
    "text_of",
    "texts",
    "texts_need_text_of",
]

# Thai digits ๐–๙ as the ASCII digits 0–9 (one table for all of kpixl)
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
# the digits, and the invisible characters dropped (zero-width space, word joiner, BOM)
_TABLE = {**THAI_DIGITS, 0x200B: None, 0x2060: None, 0xFEFF: None}
# what text_of would change in a text: a Thai digit, a zero-width character, a space
# that is not " ", two spaces, a space or an apostrophe at the start, a space at the end
_CHANGES = re.compile(r"[๐-๙\u200b\u2060\ufeff]|[^\S ]|  |^[\s']|\s$")
# the same over texts joined by NUL (one search for a whole column)
_JOINED_CHANGES = re.compile(r"[๐-๙\u200b\u2060\ufeff]|[^\S ]|  |(?:^|\x00)[\s']|\s(?:\x00|$)")


def text_of(value: Any) -> str:
    """A cell value as text for ids, codes and names (the rules: the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        if value.is_integer():
            return str(int(value))
    text = str(value)
    if not text.isascii():  # Thai digits, zero-width characters (ASCII text has none)
        text = text.translate(_TABLE)
    text = " ".join(text.split())
    if text[:1] == "'" and "'" not in text[1:]:
        text = text[1:].lstrip()
    return text


def needs_text_of(text: str) -> bool:
    """Whether :func:`text_of` may change ``text`` (False: it returns it as it is).

    For readers that pass clean text through without calling :func:`text_of` per cell.
    """
    return _CHANGES.search(text) is not None


def texts_need_text_of(values: Iterable[str]) -> bool:
    """Whether :func:`text_of` may change any of ``values`` (one search for them all)."""
    return _JOINED_CHANGES.search("\x00".join(values)) is not None


def texts(values: Iterable[Any]) -> list[str]:
    """``text_of`` of every value, worked out once per distinct value (units repeat)."""
    seen: dict[tuple[type, Any], str] = {}
    out = []
    for v in values:
        key = (type(v), v)
        text = seen.get(key)
        if text is None:
            text = seen[key] = text_of(v)
        out.append(text)
    return out


def column_letter(index: int) -> str:
    """The letters of the 0-based column ``index`` (0 → A, 25 → Z, 26 → AA, 16383 → XFD)."""
    if index < 0:
        raise ValueError(f"a column index is 0 or more, not {index}")
    letters = ""
    index += 1
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
