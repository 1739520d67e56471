"""A unit head's proposal: % per person within the unit's pool share.

What the unit workbook's "allocate" button does: the people with a score, their salary
and level, allocated the unit's pool share with :func:`kpixl.core.allocation.allocate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd

from kpixl.core.allocation import allocate
from kpixl.core.numbers import parse_number
from kpixl.core.rules import Rules, default_rules
from kpixl.workbooks.unit import UnitForm

__all__ = ["Proposal", "propose"]


@dataclass
class Proposal:
    """The % proposed for each row of the unit's people (None: not proposed), the money
    they use and the share (None: the share is blank; nothing proposed)."""

    share: Decimal | None
    pct: list[Any] = field(default_factory=list)
    used: Decimal = Decimal(0)

    @property
    def proposed(self) -> int:
        return sum(1 for p in self.pct if p is not None)


def propose(form: UnitForm, *, rules: Rules | None = None) -> Proposal:
    """% per person of the unit workbook ``form`` within its pool share.

    In: the unit workbook as read (its people and pool share). Out: the
    :class:`Proposal`, one % per people row, in the sheet's order."""
    share = parse_number(form.pool_share).value
    if share is None:
        return Proposal(None)
    people = form.people
    totals = [parse_number(v).value for v in people["total"]] if len(people) else []
    scored = people[[t is not None for t in totals]] if len(people) else people
    if scored.empty:
        return Proposal(Decimal(share))
    frame = pd.DataFrame(
        {
            "person_id": [str(v) for v in scored["person_id"]],
            "level_code": list(scored["level_code"]),
            "salary": [parse_number(v).value for v in scored["salary"]],
            "total": [parse_number(v).value for v in scored["total"]],
        }
    )
    outcome = allocate(frame, Decimal(share), rules=rules or default_rules())
    pct = dict(zip(outcome.rows["person_id"], outcome.rows["pct"], strict=True))
    used = sum((Decimal(str(v)) for v in outcome.rows["cost"]), Decimal(0))
    return Proposal(Decimal(share), [pct.get(str(pid)) for pid in people["person_id"]], used)
