"""Findings: validation problems as rows, never exceptions.

Each finding says where (file, sheet, cell), what (field, value), which rule (a stable
code, listed in :data:`RULE_CODES`), how bad (error or warning), and what to do, in
Thai and in English.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from typing import Literal

import pandas as pd

__all__ = [
    "ERROR",
    "WARNING",
    "Finding",
    "TableResult",
    "findings_frame",
    "has_errors",
]

Severity = Literal["error", "warning"]
ERROR: Severity = "error"
WARNING: Severity = "warning"


@dataclass(frozen=True)
class Finding:
    """One problem found in the input."""

    rule: str
    message_th: str
    message_en: str
    severity: Severity = ERROR
    file: str = ""
    sheet: str = ""
    cell: str = ""
    field: str = ""
    value: str = ""
    person_id: str = ""

    @property
    def where(self) -> str:
        """``file › sheet › cell`` with the parts that are known."""
        return " › ".join(part for part in (self.file, self.sheet, self.cell) if part)

    def __str__(self) -> str:
        where = f"{self.where}: " if self.where else ""
        value = f" [{self.field}={self.value}]" if self.field else ""
        head = f"{self.severity.upper()} {self.rule} {where}"
        return f"{head}{self.message_th} / {self.message_en}{value}"


COLUMNS = [f.name for f in fields(Finding)]


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    """Findings as a DataFrame with one column per field, in a stable order."""
    return pd.DataFrame([asdict(f) for f in findings], columns=COLUMNS)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)


@dataclass
class TableResult:
    """A table computed or normalised by kpixl, and the findings made on the way."""

    frame: pd.DataFrame
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        """True when no finding is an error (warnings allowed)."""
        return not has_errors(self.findings)
