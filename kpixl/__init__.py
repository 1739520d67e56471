"""kpixl: performance agreements, evaluations and salary increases for Thai civil servants.

``import kpixl`` only defines names: it reads no file and changes no setting.
"""

from kpixl._version import __version__
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
