"""What the consolidation stages hand each other: plain data, no behaviour.

Below every stage (``units``, ``match``, ``consolidate``) so that none of them imports
another to know the shapes of what it receives. Everything here pickles: a worker
sends a list of :class:`UnitOutcome` back to the main process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kpixl.core.findings import ERROR, Finding, has_errors

if TYPE_CHECKING:
    import pandas as pd

    from kpixl.core.rules import Rules
    from kpixl.jobs.past import PastRounds

__all__ = ["PERSON_FIELDS", "Consolidation", "UnitOutcome"]

# what a unit workbook says of each evaluated person, in this order (UnitChunk.people)
PERSON_FIELDS = (
    "person_id",
    "unit_file",  # the unit code the workbook states
    "achievement",
    "competency",
    "total",
    "band",
    "pct",
    "revision",  # the person's own revision (from their personal workbook)
    "source_file",
)


@dataclass
class UnitOutcome:
    """What one unit workbook contributes: its evaluated people (one tuple per person,
    the values of :data:`PERSON_FIELDS`) and its findings."""

    file: str
    unit_code: str
    revision: int
    people: list[tuple[Any, ...]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def not_a_unit(self) -> bool:
        """True when the file gave no one and could not be read as a unit workbook (not
        a kpixl unit workbook, unreadable, over a limit)."""
        return not self.people and any(
            f.severity == ERROR and f.rule.startswith("file.") for f in self.findings
        )


@dataclass
class Consolidation:
    """The round's results: one row per evaluated person on the roster (``results``,
    the master's Results columns), the use of each pool, the Summary rows, and every
    finding; ``rules`` is None when the round's rules could not be read."""

    results: pd.DataFrame
    pools: pd.DataFrame
    summary: pd.DataFrame
    findings: list[Finding]
    rules: Rules | None = None
    units_read: int = 0
    timings: dict[str, float] = field(default_factory=dict)  # step → seconds (benchmarks)
    write_failed: bool = False  # the master or the export could not be written (write.*)
    past: PastRounds | None = None  # the archived rounds before this one (none: no archive)

    @property
    def exit_code(self) -> int:
        if self.write_failed:
            return 2
        return 1 if has_errors(self.findings) else 0
