"""The fields of a round's result row, shared by the allocation
(:mod:`kpixl.core.pool_allocation`) and the master's layout
(:mod:`kpixl.workbooks.master_layout`); it imports nothing, so the layout stays light."""

from __future__ import annotations

__all__ = ["EXPORT_FIELDS", "RESULT_FIELDS"]

# what the CSV export holds, in its order: who, the scores, what allocation gave
EXPORT_FIELDS = (
    "person_id",
    "unit",
    "pool_group",
    "level_code",
    "salary",
    "achievement",
    "competency",
    "total",
    "band",
    "eligible",
    "pct",
    "base",
    "increase",
    "new_salary",
    "special_compensation",
    "reason",
)

# a round's result row (the allocation's table): the export's fields, then the roster's
# name and position, the unrounded increase, its cost to the pool and the unit workbook
# it came from (the Results sheet prints the same fields in its own order, names first:
# master_layout.RESULT_COLUMNS)
RESULT_FIELDS = (
    *EXPORT_FIELDS,
    "name",
    "position",
    "position_no",
    "unrounded",
    "cost",
    "source_file",
)
