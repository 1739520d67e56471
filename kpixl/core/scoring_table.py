"""Scoring whole tables: the same numbers as :mod:`kpixl.core.scoring`, with findings.

Where a scalar function would raise, a table function records a finding for that row
or person, leaves the result blank (``None``) and goes on with the others.

Input columns (canonical names, see :mod:`kpixl.schemas.tables`):

* KPIs: ``person_id, kpi_code, kind, direction, l1..l5, weight, actual``
  (``kind`` is ``quantitative`` or ``milestone``; a milestone's ``actual`` is the
  level reached, 0–5).
* Competencies: ``person_id, competency, rating`` and optional ``weight, expected``.
* People (optional): ``person_id`` and optional ``probation`` (bool), ``other``.
"""

from __future__ import annotations

from collections.abc import Hashable
from decimal import Decimal
from typing import Any

import pandas as pd

from kpixl.core.codes import finding
from kpixl.core.errors import InputError, LevelsError, RatingError, WeightsError
from kpixl.core.findings import Finding, TableResult
from kpixl.core.rules import Rules, default_rules
from kpixl.core.scoring import (
    achievement_score,
    competency_score,
    kpi_score,
    milestone_score,
    total_score,
)

__all__ = ["achievement_table", "competency_table", "evaluate_table", "score_kpi_table"]

LEVELS = ["l1", "l2", "l3", "l4", "l5"]


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _where(row: pd.Series, field: str = "") -> dict[str, str]:
    """Location of a row's field: ``_file``/``_sheet`` columns, and ``_cell_<field>``."""
    where = {k: str(row[f"_{k}"]) for k in ("file", "sheet") if f"_{k}" in row.index}
    cell = row.get(f"_cell_{field}") if field else None
    if isinstance(cell, str) and cell:
        where["cell"] = cell
    return where


def _error_finding(code: str, exc: InputError, row: pd.Series, fld: str) -> Finding:
    f = finding(code, field=fld, value=row.get(fld), person_id=row.get("person_id", ""))
    return Finding(
        rule=f.rule,
        message_th=exc.message_th,
        message_en=exc.message_en,
        severity=f.severity,
        field=fld,
        value=f.value,
        person_id=f.person_id,
        **_where(row, fld),
    )


def _rows(frame: pd.DataFrame) -> list[Any]:
    """Rows as light mappings (``row.get`` works) without pandas' per-row cost."""
    return [_Row({str(k): v for k, v in r.items()}) for r in frame.to_dict("records")]


class _Row(dict[str, Any]):
    """A record that answers ``row.index`` like a Series, for :func:`_where`."""

    @property
    def index(self) -> list[str]:
        return list(self)


def score_kpi_table(
    kpis: pd.DataFrame, *, method: str | None = None, rules: Rules | None = None
) -> TableResult:
    """Add a ``score`` column (0–5, or None with a finding) to a KPI table."""
    rules = rules or default_rules()
    method = method or rules.scoring_method
    scores: list[Decimal | None] = []
    out: list[Finding] = []
    for row in _rows(kpis):
        actual: Any = row.get("actual")
        direction: Any = row.get("direction")
        person = row.get("person_id", "")
        if _blank(actual):
            scores.append(None)
            out.append(
                finding(
                    "result.actual_missing",
                    field="actual",
                    kpi_code=row.get("kpi_code"),
                    person_id=person,
                    **_where(row, "actual"),
                )
            )
            continue
        try:
            if row.get("kind") == "milestone":
                scores.append(milestone_score(actual))
            else:
                levels: list[Any] = [row.get(c) for c in LEVELS]
                if any(_blank(v) for v in levels):
                    raise LevelsError(
                        "a quantitative KPI needs all five target levels",
                        "ตัวชี้วัดเชิงปริมาณต้องมีค่าเป้าหมายครบ 5 ระดับ",
                    )
                scores.append(kpi_score(actual, levels, direction=direction, method=method))
        except LevelsError as exc:
            code = (
                "result.milestone_level"
                if row.get("kind") == "milestone"
                else "kpi.levels_not_monotone"
            )
            out.append(
                _error_finding(code, exc, row, "actual" if code.startswith("result") else "l1")
            )
            scores.append(None)
        except InputError as exc:
            out.append(_error_finding("cell.not_a_number", exc, row, "actual"))
            scores.append(None)
    frame = kpis.copy()
    frame["score"] = pd.Series(scores, index=kpis.index, dtype=object)
    return TableResult(frame, out)


def achievement_table(scored: pd.DataFrame) -> TableResult:
    """Achievement (0–100) per person from a scored KPI table."""
    rows: list[dict[str, object]] = []
    out: list[Finding] = []
    for person, group in scored.groupby("person_id", sort=False):
        value: Decimal | None = None
        if not any(_blank(s) for s in group["score"]):
            try:
                value = achievement_score(list(group["score"]), list(group["weight"]))
            except WeightsError as exc:
                out.append(_error_finding("kpi.weights_sum", exc, group.iloc[0], "weight"))
            except InputError as exc:
                out.append(_error_finding("kpi.weight_not_positive", exc, group.iloc[0], "weight"))
        rows.append({"person_id": person, "achievement": value})
    return TableResult(pd.DataFrame(rows, columns=["person_id", "achievement"], dtype=object), out)


def competency_table(
    ratings: pd.DataFrame, *, method: str | None = None, rules: Rules | None = None
) -> TableResult:
    """Competency (0–100) per person."""
    rules = rules or default_rules()
    method = method or rules.competency_method
    rows: list[dict[str, object]] = []
    out: list[Finding] = []
    for person, group in ratings.groupby("person_id", sort=False):
        value: Decimal | None = None
        first = group.iloc[0]
        if any(_blank(r) for r in group["rating"]):
            out.append(
                finding(
                    "cell.blank",
                    field="rating",
                    label="คะแนนประเมินสมรรถนะ",
                    person_id=person,
                    **_where(first),
                )
            )
        else:
            weights = list(group["weight"]) if "weight" in group else []
            use_weights = weights and not all(_blank(w) for w in weights)
            expected = list(group["expected"]) if "expected" in group else None
            try:
                value = competency_score(
                    list(group["rating"]),
                    weights if use_weights else None,
                    method=method,
                    expected=expected,
                    rules=rules,
                )
            except WeightsError as exc:
                out.append(_error_finding("competency.weights_sum", exc, first, "weight"))
            except RatingError as exc:
                out.append(_error_finding("competency.rating_range", exc, first, "rating"))
            except InputError as exc:
                out.append(_error_finding("cell.not_a_number", exc, first, "rating"))
        rows.append({"person_id": person, "competency": value})
    return TableResult(pd.DataFrame(rows, columns=["person_id", "competency"], dtype=object), out)


def _people_attrs(people: pd.DataFrame | None) -> dict[Hashable, dict[str, Any]]:
    """``probation`` and ``other`` per person (the first row of each person)."""
    if people is None:
        return {}
    out: dict[Hashable, dict[str, Any]] = {}
    for record in people.to_dict("records"):
        out.setdefault(record["person_id"], {str(k): v for k, v in record.items()})
    return out


def evaluate_table(
    kpis: pd.DataFrame,
    competencies: pd.DataFrame,
    *,
    people: pd.DataFrame | None = None,
    rules: Rules | None = None,
    method: str | None = None,
    competency_method: str | None = None,
) -> TableResult:
    """Per person: achievement, competency, total and band, with every finding.

    Returns columns ``person_id, probation, achievement, competency, total, band``.
    """
    rules = rules or default_rules()
    scored = score_kpi_table(kpis, method=method, rules=rules)
    ach = achievement_table(scored.frame)
    comp = competency_table(competencies, method=competency_method, rules=rules)
    findings = scored.findings + ach.findings + comp.findings
    merged = ach.frame.merge(comp.frame, on="person_id", how="outer", sort=False)
    rows: list[dict[str, object]] = []
    attrs = _people_attrs(people)
    for row in _rows(merged):
        person = row["person_id"]
        probation = bool(attrs.get(person, {}).get("probation") or False)
        other = attrs.get(person, {}).get("other")
        total: Decimal | None = None
        band: str | None = None
        a, c = row.get("achievement"), row.get("competency")
        if not _blank(a) and not _blank(c):
            try:
                total = total_score(
                    a,
                    c,
                    other=None if _blank(other) else other,
                    probation=probation,
                    rules=rules,
                )
                band = rules.band_for(total).name
            except InputError as exc:
                findings.append(_error_finding("cell.not_a_number", exc, row, "total"))
        rows.append(
            {
                "person_id": person,
                "probation": probation,
                "achievement": None if _blank(a) else a,
                "competency": None if _blank(c) else c,
                "total": total,
                "band": band,
            }
        )
    columns = ["person_id", "probation", "achievement", "competency", "total", "band"]
    return TableResult(pd.DataFrame(rows, columns=columns, dtype=object), findings)
