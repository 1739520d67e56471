"""The round tracker's rules: who is late, and each unit's one-line summary.

A person's round is seven steps, each done on a date or not yet done:

==================== ==========================================================
agreement_sent       HR sent the agreement workbook (e-mail or outbox)
agreement_returned   the agreement came back (fetched, or saved into the inbox)
sealed               the agreement was sealed (the workbook's seal time)
evaluation_returned  the filled-in evaluation came back
collected            the unit head collected it into the unit workbook
consolidated         HR consolidated it into the master's Results
notice_sent          HR sent the result notice
==================== ==========================================================

A later step stands for the earlier ones it needs: an evaluation that came back
carries its agreement, a collected evaluation came back. So the agreement is *in*
once any of agreement_returned … consolidated has a date, the evaluation once any of
evaluation_returned, collected, consolidated has.

**Late**: a step with a due date (Config ``agreement_due`` / ``evaluation_due``) is
late when today is after the due date and the step is not in. A blank due date: nobody
is late for that step. The due day itself is not late.

Pure: dates and plain data in, plain data out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

__all__ = [
    "DUE_STEPS",
    "STEPS",
    "STEP_LABELS",
    "PersonSteps",
    "UnitSummary",
    "done",
    "late_steps",
    "reminder_step",
    "summarise_units",
]

STEPS = (
    "agreement_sent",
    "agreement_returned",
    "sealed",
    "evaluation_returned",
    "collected",
    "consolidated",
    "notice_sent",
)
STEP_LABELS: dict[str, tuple[str, str]] = {  # step: (Thai, English)
    "agreement_sent": ("ส่งข้อตกลง", "agreement sent"),
    "agreement_returned": ("ได้รับข้อตกลงคืน", "agreement returned"),
    "sealed": ("ลงนามรับรอง (seal)", "sealed"),
    "evaluation_returned": ("ได้รับแบบประเมินคืน", "evaluation returned"),
    "collected": ("รวมเข้าสมุดงานหน่วยงาน", "collected into the unit"),
    "consolidated": ("รวมผลในสมุดงานหลัก", "consolidated"),
    "notice_sent": ("ส่งหนังสือแจ้งผล", "notice sent"),
}
# a due step ('agreement' | 'evaluation'): the tracker step it is about, and the steps
# any of which being done means it is in
DUE_STEPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "agreement": (
        "agreement_returned",
        ("agreement_returned", "sealed", "evaluation_returned", "collected", "consolidated"),
    ),
    "evaluation": ("evaluation_returned", ("evaluation_returned", "collected", "consolidated")),
}


@dataclass(frozen=True)
class PersonSteps:
    """One roster person and the date of each step done (``STEPS``: missing = not yet)."""

    person_id: str
    name: str
    unit: str
    email: str = ""
    dates: Mapping[str, date] = field(default_factory=dict)


def done(person: PersonSteps, due_step: str) -> bool:
    """Whether the agreement (``due_step`` 'agreement') or the evaluation is in."""
    return any(person.dates.get(s) is not None for s in DUE_STEPS[due_step][1])


def late_steps(
    person: PersonSteps, dues: Mapping[str, date | None], today: date
) -> tuple[str, ...]:
    """The due steps ('agreement', 'evaluation') ``person`` is late for on ``today``:
    past a due date that is set and not in."""
    return tuple(
        step
        for step in DUE_STEPS
        if (due := dues.get(step)) is not None and today > due and not done(person, step)
    )


def reminder_step(late: Sequence[str]) -> str | None:
    """The one step a late person is reminded of: the evaluation when they are late for
    it (the evaluation workbook carries the agreement too), else the agreement."""
    if "evaluation" in late:
        return "evaluation"
    return "agreement" if "agreement" in late else None


@dataclass(frozen=True)
class UnitSummary:
    """A unit's counts and its one-line summary in Thai and English."""

    unit: str
    unit_name: str
    people: int
    sent: int
    returned: int
    evaluated: int
    late: int

    @property
    def line_th(self) -> str:
        who = f"{self.unit} {self.unit_name}".strip()
        return (
            f"{who}: {self.people} คน · ส่งข้อตกลงแล้ว {self.sent} · ได้รับคืน {self.returned}"
            f" · ประเมินแล้ว {self.evaluated} · ล่าช้า {self.late}"
        )

    @property
    def line_en(self) -> str:
        return (
            f"{self.unit}: {self.people} people · {self.sent} agreements sent"
            f" · {self.returned} returned · {self.evaluated} evaluated · {self.late} late"
        )

    @property
    def line(self) -> str:
        return f"{self.line_th} / {self.line_en}"


def summarise_units(
    people: Iterable[PersonSteps],
    late: Mapping[str, Sequence[str]],
    unit_names: Mapping[str, str],
) -> list[UnitSummary]:
    """Per unit (the Units sheet's order, then any other unit of the roster in name
    order): people, agreements sent, agreements in, evaluations in, people late for
    any step (``late``: person id → their late steps)."""
    by_unit: dict[str, list[PersonSteps]] = {}
    for person in people:
        by_unit.setdefault(person.unit, []).append(person)
    order = [u for u in unit_names if u in by_unit]
    order += sorted(u for u in by_unit if u not in unit_names)
    return [
        UnitSummary(
            unit=unit,
            unit_name=unit_names.get(unit, ""),
            people=len(members),
            sent=sum(p.dates.get("agreement_sent") is not None for p in members),
            returned=sum(done(p, "agreement") for p in members),
            evaluated=sum(done(p, "evaluation") for p in members),
            late=sum(bool(late.get(p.person_id)) for p in members),
        )
        for unit, members in ((u, by_unit[u]) for u in order)
    ]
