"""Sealing an agreement: a fingerprint of what staff and supervisor agreed on.

The fingerprint covers the KPIs (code, name, kind, direction, unit, five levels,
weight, parent code, category) and the competencies (name, expected level, weight),
in a canonical text form, so that re-saving a workbook or reordering rows does not
change it but any change of substance does. With an agency key it is an
HMAC-SHA256 (a member of staff cannot re-seal an edited agreement); without one, a
plain SHA-256 (which still shows accidental edits).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

__all__ = ["COMPETENCY_FIELDS", "KPI_FIELDS", "fingerprint", "verify"]

KPI_FIELDS = (
    "kpi_code",
    "kpi_name",
    "kind",
    "direction",
    "unit",
    "l1",
    "l2",
    "l3",
    "l4",
    "l5",
    "weight",
    "parent_code",
    "category",
)
COMPETENCY_FIELDS = ("competency", "expected", "weight")


def _canonical(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float, Decimal)):
        d = Decimal(str(value)).normalize()
        return format(d, "f")
    return " ".join(str(value).split())


def _rows(rows: Iterable[Mapping[str, Any]], fields: tuple[str, ...]) -> list[list[str]]:
    out = [[_canonical(row.get(f)) for f in fields] for row in rows]
    return sorted(r for r in out if any(r))


def fingerprint(
    person_id: str,
    kpis: Iterable[Mapping[str, Any]],
    competencies: Iterable[Mapping[str, Any]],
    *,
    key: str | bytes | None = None,
) -> tuple[str, str]:
    """``(method, hex digest)`` of an agreement; method ``hmac-sha256`` or ``sha256``."""
    payload = json.dumps(
        {
            "person_id": _canonical(person_id),
            "kpis": _rows(kpis, KPI_FIELDS),
            "competencies": _rows(competencies, COMPETENCY_FIELDS),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    if key:
        secret = key.encode("utf-8") if isinstance(key, str) else key
        return "hmac-sha256", hmac.new(secret, payload, hashlib.sha256).hexdigest()
    return "sha256", hashlib.sha256(payload).hexdigest()


def verify(
    stored_method: str,
    stored_digest: str,
    person_id: str,
    kpis: Iterable[Mapping[str, Any]],
    competencies: Iterable[Mapping[str, Any]],
    *,
    key: str | bytes | None = None,
) -> bool:
    """Whether the agreement still matches its seal."""
    method, digest = fingerprint(
        person_id, kpis, competencies, key=key if stored_method == "hmac-sha256" else None
    )
    return method == stored_method and hmac.compare_digest(digest, stored_digest)
