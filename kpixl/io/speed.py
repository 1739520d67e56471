"""The one switch for kpixl's C helpers, and the helpers with their plain equivalents.

``kpixl.io._sheetscan`` is built at install when a C compiler is there (Linux, macOS
with the developer tools; usually not Windows). Everything it does has a pure-Python
equivalent that gives the same values (:mod:`kpixl.io.sheet_scan` for the sheet XML).
``KPIXL_PURE=1`` turns the C helpers off everywhere, so that the path Windows users run
can be run, tested and measured on Linux too.

Nothing in :mod:`kpixl.core` or :mod:`kpixl.schemas` imports this module: speed
machinery lives at the edge.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from types import ModuleType
from typing import Any

BUILT: ModuleType | None
try:  # built at install when a C compiler is there
    from kpixl.io import _sheetscan as BUILT
except ImportError:  # pragma: no cover - a build without the extension
    BUILT = None

__all__ = ["BUILT", "PURE_ENV", "c_scanner", "pure", "type_set"]

PURE_ENV = "KPIXL_PURE"


def pure() -> bool:
    """True when ``KPIXL_PURE`` is set to anything but "", "0", "false" or "no"."""
    return os.environ.get(PURE_ENV, "").strip().lower() not in ("", "0", "false", "no")


def c_scanner() -> ModuleType | None:
    """``kpixl.io._sheetscan``, or None when it was not built or ``KPIXL_PURE=1``."""
    return None if pure() else BUILT


def type_set(values: Sequence[Any]) -> set[type]:
    """``set(map(type, values))``, in one C pass when the C helpers are on."""
    scanner = c_scanner()
    if scanner is not None and isinstance(values, list | tuple):
        kinds: set[type] = scanner.type_set(values)
        return kinds
    return set(map(type, values))
