"""kpixl: performance agreements, evaluations and salary increases for Thai civil servants.

``import kpixl`` only defines names: it reads no file and changes no setting. The names
are loaded on first use (PEP 562), so ``import kpixl.cli`` and ``kpixl --version`` do not
pay for pandas and pandera; ``from kpixl import allocate`` works as it always did.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from kpixl._version import __version__

if TYPE_CHECKING:
    from kpixl.core.allocation import Allocation, allocate
    from kpixl.core.errors import KpixlError, RuleError
    from kpixl.core.findings import Finding
    from kpixl.core.pools import pool_for
    from kpixl.core.rules import Rules, load_rules
    from kpixl.core.salary import Increase, salary_increase
    from kpixl.core.scoring import (
        achievement_score,
        competency_score,
        kpi_score,
        rating_band,
        total_score,
    )

__all__ = [
    "Allocation",
    "Finding",
    "Increase",
    "KpixlError",
    "RuleError",
    "Rules",
    "__version__",
    "achievement_score",
    "allocate",
    "competency_score",
    "kpi_score",
    "load_rules",
    "pool_for",
    "rating_band",
    "salary_increase",
    "total_score",
]

# each public name and the module that defines it
_HOMES = {
    "Allocation": "kpixl.core.allocation",
    "allocate": "kpixl.core.allocation",
    "KpixlError": "kpixl.core.errors",
    "RuleError": "kpixl.core.errors",
    "Finding": "kpixl.core.findings",
    "pool_for": "kpixl.core.pools",
    "Rules": "kpixl.core.rules",
    "load_rules": "kpixl.core.rules",
    "Increase": "kpixl.core.salary",
    "salary_increase": "kpixl.core.salary",
    "achievement_score": "kpixl.core.scoring",
    "competency_score": "kpixl.core.scoring",
    "kpi_score": "kpixl.core.scoring",
    "rating_band": "kpixl.core.scoring",
    "total_score": "kpixl.core.scoring",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'kpixl' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value  # loaded once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
