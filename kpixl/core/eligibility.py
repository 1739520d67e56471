"""Who may get an increase this round, and why not (SPEC §2, eligibility).

Each limit comes from the rule set (``[eligibility]``). The reasons are kept, in Thai
and English, so the result row can explain a zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

import pandas as pd

from kpixl.core.numbers import parse_number
from kpixl.core.rules import Rules, default_rules

__all__ = ["ELIGIBILITY_FIELDS", "Eligibility", "Reason", "check_eligibility", "eligibility_table"]

# Roster fields read here (all optional; blank means nothing to hold against the person)
ELIGIBILITY_FIELDS = (
    "band",
    "months_served",
    "leave_days",
    "leave_times",
    "late_times",
    "penalty",
    "suspension_months",
    "ineligible",
    "ineligible_reason",
)


@dataclass(frozen=True)
class Reason:
    code: str
    th: str
    en: str

    def __str__(self) -> str:
        return f"{self.th} / {self.en}"


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: tuple[Reason, ...] = ()

    @property
    def reason(self) -> str:
        """All reasons in one line (Thai / English), empty when eligible."""
        return "; ".join(str(r) for r in self.reasons)

    @property
    def codes(self) -> str:
        return ",".join(r.code for r in self.reasons)


def _num(value: object) -> Decimal | None:
    """The number in a roster cell, normalised (rosters repeat the same few values)."""
    try:
        return _num_of(type(value).__name__, value)
    except TypeError:  # an unhashable cell value
        return _read_num(value)


@lru_cache(maxsize=4096)
def _num_of(kind: str, value: Any) -> Decimal | None:
    del kind  # part of the key only: 1, 1.0 and True are different cells
    return _read_num(value)


def _read_num(value: object) -> Decimal | None:
    number = parse_number(value).value
    if number is None:
        return None
    normal = number.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def _truthy(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if value is None or (isinstance(value, float) and value != value):
        return False
    text = str(value).strip().casefold()
    return text not in ("", "0", "false", "no", "n", "ไม่ใช่", "-")


def check_eligibility(person: Mapping[str, Any], *, rules: Rules | None = None) -> Eligibility:
    """Whether ``person`` (a mapping of roster fields) may get an increase, and why not."""
    rules = rules or default_rules()
    limits = rules.eligibility
    reasons: list[Reason] = []
    band = person.get("band")
    if isinstance(band, str) and band:
        try:
            band_rule = rules.band_named(band)
        except KeyError:
            band_rule = None
        if band_rule is not None and not band_rule.eligible:
            reasons.append(
                Reason(
                    "band",
                    f"ผลการประเมินระดับ{band_rule.name}",
                    f"rating band {band_rule.name} gets no increase",
                )
            )
    months = _num(person.get("months_served"))
    if months is not None and months < limits.min_months_served:
        reasons.append(
            Reason(
                "months_served",
                f"ปฏิบัติราชการในรอบ {months} เดือน น้อยกว่า {limits.min_months_served} เดือน",
                f"served {months} months in the round, fewer than {limits.min_months_served}",
            )
        )
    checks = (
        (
            "leave_days",
            limits.max_leave_days,
            "ลา {v} วัน เกิน {m} วัน",
            "{v} days of leave, over {m}",
        ),
        (
            "leave_times",
            limits.max_leave_times,
            "ลา {v} ครั้ง เกิน {m} ครั้ง",
            "leave {v} times, over {m}",
        ),
        (
            "late_times",
            limits.max_late_times,
            "มาสาย {v} ครั้ง เกิน {m} ครั้ง",
            "late {v} times, over {m}",
        ),
        (
            "suspension_months",
            limits.max_suspension_months,
            "ถูกสั่งพักราชการ {v} เดือน เกิน {m} เดือน",
            "suspended {v} months, over {m}",
        ),
    )
    for fld, limit, th, en in checks:
        value = _num(person.get(fld))
        if value is not None and value > limit:
            reasons.append(Reason(fld, th.format(v=value, m=limit), en.format(v=value, m=limit)))
    penalty = person.get("penalty")
    if isinstance(penalty, str) and limits.penalty_too_heavy(penalty):
        reasons.append(
            Reason(
                "penalty",
                f"ได้รับโทษ{penalty.strip()} ซึ่งหนักกว่า{limits.max_penalty}",
                f"penalty {penalty.strip()} is heavier than {limits.max_penalty}",
            )
        )
    if _truthy(person.get("ineligible")):
        why = str(person.get("ineligible_reason") or "").strip()
        reasons.append(
            Reason(
                "flag",
                f"ไม่ได้รับการเลื่อนตามที่ระบุ: {why or 'ไม่ระบุเหตุผล'}",
                f"marked not eligible: {why or 'no reason given'}",
            )
        )
    return Eligibility(not reasons, tuple(reasons))


def eligibility_table(people: pd.DataFrame, *, rules: Rules | None = None) -> pd.DataFrame:
    """``person_id, eligible, reason, reason_codes`` for every row of ``people``."""
    rules = rules or default_rules()
    present = [f for f in ELIGIBILITY_FIELDS if f in people.columns]
    rows = []
    records: list[dict[str, Any]] = people[["person_id", *present]].to_dict("records")  # type: ignore[assignment]
    for record in records:
        result = check_eligibility(record, rules=rules)
        rows.append(
            {
                "person_id": record["person_id"],
                "eligible": result.eligible,
                "reason": result.reason,
                "reason_codes": result.codes,
            }
        )
    return pd.DataFrame(rows, columns=["person_id", "eligible", "reason", "reason_codes"])
