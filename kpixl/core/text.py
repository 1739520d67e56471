"""The one text normaliser for ids, codes and names read from cells.

Every path that matches a person id, a unit code or a KPI code (collect, consolidate,
cascade, personal generation, the schemas) goes through :func:`text_of`, so an id that
matches on one path matches on all of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["THAI_DIGITS", "text_of", "texts"]

# Thai digits ๐–๙ as the ASCII digits 0–9 (one table for all of kpixl)
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def text_of(value: Any) -> str:
    """A cell value as text for ids and codes ("" for blank or NaN; 12.0 → "12")."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).translate(THAI_DIGITS).split())


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
