"""Table declarations and pandera schemas for what workbooks carry."""

from kpixl.schemas.backend import Locator, Validated, normalize_table, validate_table
from kpixl.schemas.tables import AGREEMENT, COMPETENCIES, COMPONENTS, RESULTS, ROSTER, TABLES

__all__ = [
    "AGREEMENT",
    "COMPETENCIES",
    "COMPONENTS",
    "RESULTS",
    "ROSTER",
    "TABLES",
    "Locator",
    "Validated",
    "normalize_table",
    "validate_table",
]
