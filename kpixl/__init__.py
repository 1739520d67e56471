"""kpixl: performance agreements, evaluations and salary increases for Thai civil servants.

``import kpixl`` only defines names: it reads no file and changes no setting.
"""

from kpixl._version import __version__
from kpixl.core.errors import KpixlError, RuleError
from kpixl.core.findings import Finding
from kpixl.core.rules import Rules, load_rules
from kpixl.core.scoring import (
    achievement_score,
    competency_score,
    kpi_score,
    rating_band,
    total_score,
)

__all__ = [
    "Finding",
    "KpixlError",
    "RuleError",
    "Rules",
    "__version__",
    "achievement_score",
    "competency_score",
    "kpi_score",
    "load_rules",
    "rating_band",
    "total_score",
]
