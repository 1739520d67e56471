"""C helpers from ``kpixl.io._sheetscan`` (built at install when a C compiler is there),
each with a pure-Python equivalent when it is not."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["object_ids", "type_set"]

object_ids: Callable[[Sequence[Any]], bytes] | None  # id() of each item as int64 bytes
try:
    from kpixl.io._sheetscan import object_ids, type_set
except ImportError:  # pragma: no cover - a build without the extension
    object_ids = None

    def type_set(values: Sequence[Any]) -> set[type]:
        """``set(map(type, values))``."""
        return set(map(type, values))
