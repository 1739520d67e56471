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

import numpy as np
import numpy.typing as npt
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
from kpixl.core.scoring_vec import as_floats, as_hundredths, half_up_ratio, kpi_hundredths

__all__ = [
    "achievement_table",
    "competency_table",
    "evaluate_table",
    "missing_inputs",
    "score_kpi_table",
]

LEVELS = ["l1", "l2", "l3", "l4", "l5"]
I = npt.NDArray[np.int64]  # noqa: E741
B = npt.NDArray[np.bool_]


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _where(row: pd.Series, field: str = "") -> dict[str, str]:
    """Location of a row's field: ``_file``/``_sheet`` columns, and ``_cell_<field>``."""
    where = {k: str(row[f"_{k}"]) for k in ("file", "sheet") if f"_{k}" in row.index}
    cell = row.get(f"_cell_{field}") if field else None
    if isinstance(cell, str) and cell:
        where["cell"] = cell
    return where


# codes whose catalogue message the row's value fills: used instead of the exception's
# text, which names Python values (``got Decimal('7')``)
_CATALOGUED = frozenset({"result.milestone_level", "cell.not_a_number"})


def _error_finding(code: str, exc: InputError, row: pd.Series, fld: str) -> Finding:
    f = finding(code, field=fld, value=row.get(fld), person_id=row.get("person_id", ""))
    own = code in _CATALOGUED
    return Finding(
        rule=f.rule,
        message_th=f.message_th if own else exc.message_th,
        message_en=f.message_en if own else exc.message_en,
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
    n = len(kpis)

    def column(name: str) -> list[Any]:
        return kpis[name].tolist() if name in kpis.columns else [None] * n

    fast, done = kpi_hundredths(
        column("kind"), column("direction"), [column(c) for c in LEVELS], column("actual"), method
    )
    scores: list[Decimal | None] = _decimals(fast.tolist())
    for position in np.flatnonzero(~done).tolist():
        scores[position] = None
    out: list[Finding] = []
    slow = np.flatnonzero(~done)
    rows = _rows(kpis.iloc[slow]) if len(slow) else []
    for position, row in zip(slow.tolist(), rows, strict=True):
        value = _score_row(row, method, out)
        scores[position] = value
        if value is not None:
            fast[position] = int(value * 100)
            done[position] = True
    frame = kpis.copy()
    frame["score"] = pd.Series(scores, index=kpis.index, dtype=object)
    frame["_score_h"] = np.where(done, fast, -1)
    return TableResult(frame, out)


def _actual_missing(row: Any) -> Finding:
    return finding(
        "result.actual_missing",
        field="actual",
        kpi_code=row.get("kpi_code"),
        person_id=row.get("person_id", ""),
        **_where(row, "actual"),
    )


def _rating_blank(row: Any) -> Finding:
    return finding(
        "cell.blank",
        field="rating",
        label="คะแนนประเมินสมรรถนะ",
        person_id=row.get("person_id", ""),
        **_where(row, "rating"),
    )


def missing_inputs(kpis: pd.DataFrame, competencies: pd.DataFrame) -> list[Finding]:
    """Every blank actual and blank rating, each at its own cell (``_cell_actual``,
    ``_cell_rating``): what the evaluation reports, for rows it is not given."""
    out: list[Finding] = []
    if "actual" in kpis.columns:
        out += [_actual_missing(r) for r in _rows(kpis) if _blank(r.get("actual"))]
    if "rating" in competencies.columns:
        out += [_rating_blank(r) for r in _rows(competencies) if _blank(r.get("rating"))]
    return out


def _score_row(row: Any, method: str, out: list[Finding]) -> Decimal | None:
    """One KPI row through the scalar functions; problems become findings."""
    actual: Any = row.get("actual")
    if _blank(actual):
        out.append(_actual_missing(row))
        return None
    milestone = row.get("kind") == "milestone"
    try:
        if milestone:
            return milestone_score(actual)
        levels: list[Any] = [row.get(c) for c in LEVELS]
        if any(_blank(v) for v in levels):
            raise LevelsError(
                "a quantitative KPI needs all five target levels",
                "ตัวชี้วัดเชิงปริมาณต้องมีค่าเป้าหมายครบ 5 ระดับ",
            )
        direction: Any = row.get("direction")
        return kpi_score(actual, levels, direction=direction, method=method)
    except LevelsError as exc:
        code = "result.milestone_level" if milestone else "kpi.levels_not_monotone"
        out.append(_error_finding(code, exc, row, "actual" if milestone else "l1"))
    except InputError as exc:
        out.append(_error_finding("cell.not_a_number", exc, row, "actual"))
    return None


_DECIMALS: dict[int, Decimal] = {}


def _decimals(hundredths: list[int]) -> list[Decimal | None]:
    """:func:`_decimal` of each, by one C-level lookup each once they are cached."""
    try:
        return list(map(_DECIMALS.__getitem__, hundredths))
    except KeyError:
        return [_decimal(h) for h in hundredths]


def _decimal(hundredths: int) -> Decimal:
    """hundredths → Decimal with two places (``350`` → ``Decimal('3.50')``), cached."""
    value = _DECIMALS.get(hundredths)
    if value is None:
        value = Decimal(hundredths).scaleb(-2)
        if len(_DECIMALS) < 100_000:
            _DECIMALS[hundredths] = value
    return value


def _grouped(
    frame: pd.DataFrame, units: I, weights: Any, max_units: int, *, require_total: bool = True
) -> tuple[list[Any], I, B]:
    """Per person (in order of appearance): value × 100 from units and weights, and which
    people could be computed here (every unit ≥ 0, every weight an exact positive
    hundredth, weights summing to 100 unless ``weights`` is None)."""
    codes, people = pd.factorize(frame["person_id"], sort=False)
    n = len(people)
    if weights is None:
        w = np.ones(len(frame), dtype=np.int64)
        w_ok = np.ones(len(frame), dtype=bool)
    else:
        w, w_ok = as_hundredths(weights)
        w_ok &= w > 0
    row_ok = w_ok & (units >= 0)
    bad = np.zeros(n, dtype=np.int64)
    np.add.at(bad, codes, (~row_ok).astype(np.int64))
    num = np.zeros(n, dtype=np.int64)
    den = np.zeros(n, dtype=np.int64)
    np.add.at(num, codes, np.where(row_ok, units * w, 0))
    np.add.at(den, codes, np.where(row_ok, w, 0))
    ok = (bad == 0) & (den > 0)
    if weights is not None and require_total:
        ok &= den == 10_000
    value = half_up_ratio(num, np.where(ok, den * max_units, 1), 10_000)
    return list(people), value, ok


def achievement_table(scored: pd.DataFrame) -> TableResult:
    """Achievement (0–100) per person from a scored KPI table."""
    rows: list[dict[str, object]] = []
    out: list[Finding] = []
    if scored.empty:
        return TableResult(pd.DataFrame(columns=["person_id", "achievement"], dtype=object), out)
    units = (
        scored["_score_h"].to_numpy(dtype=np.int64)
        if "_score_h" in scored
        else as_hundredths(scored["score"].tolist())[0]
    )
    people, computed, ok = _grouped(scored, units, scored["weight"].tolist(), 500)
    slow = {p for p, fine in zip(people, ok.tolist(), strict=True) if not fine}
    fast = {
        p: _decimal(int(v))
        for p, v, fine in zip(people, computed.tolist(), ok.tolist(), strict=True)
        if fine
    }
    slow_values: dict[Any, Decimal | None] = {}
    for person, group in scored[scored["person_id"].isin(slow)].groupby("person_id", sort=False):
        value: Decimal | None = None
        if not any(_blank(score) for score in group["score"]):
            try:
                value = achievement_score(list(group["score"]), list(group["weight"]))
            except WeightsError as exc:
                out.append(_error_finding("kpi.weights_sum", exc, group.iloc[0], "weight"))
            except InputError as exc:
                out.append(_error_finding("kpi.weight_not_positive", exc, group.iloc[0], "weight"))
        slow_values[person] = value
    for person in people:
        rows.append({"person_id": person, "achievement": fast.get(person, slow_values.get(person))})
    return TableResult(pd.DataFrame(rows, columns=["person_id", "achievement"], dtype=object), out)


def competency_table(
    ratings: pd.DataFrame, *, method: str | None = None, rules: Rules | None = None
) -> TableResult:
    """Competency (0–100) per person."""
    rules = rules or default_rules()
    method = method or rules.competency_method
    rows: list[dict[str, object]] = []
    out: list[Finding] = []
    if ratings.empty:
        return TableResult(pd.DataFrame(columns=["person_id", "competency"], dtype=object), out)
    fast = _fast_competency(ratings, method, rules)
    slow_values: dict[Any, Decimal | None] = {}
    slow = ratings[~ratings["person_id"].isin(fast)]
    for person, group in slow.groupby("person_id", sort=False):
        value: Decimal | None = None
        first = group.iloc[0]
        if any(_blank(r) for r in group["rating"]):  # each blank at its own cell
            out += [_rating_blank(r) for r in _rows(group) if _blank(r.get("rating"))]
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
        slow_values[person] = value
    for person in pd.unique(ratings["person_id"]):
        rows.append({"person_id": person, "competency": fast.get(person, slow_values.get(person))})
    return TableResult(pd.DataFrame(rows, columns=["person_id", "competency"], dtype=object), out)


def _fast_competency(ratings: pd.DataFrame, method: str, rules: Rules) -> dict[Any, Decimal]:
    """Competency of every person whose rows are plainly valid (see scoring_vec)."""
    if method not in ("rating", "gap"):
        return {}
    shown = as_floats(ratings["rating"].tolist())
    weights_given = "weight" in ratings.columns and not all(map(_blank, ratings["weight"].tolist()))
    weights = ratings["weight"].tolist() if weights_given else None
    if method == "rating":
        units, exact = as_hundredths(ratings["rating"].tolist())
        inside = exact & (shown >= rules.rating_min) & (shown <= rules.rating_max)
        units = np.where(inside, units, -1)
        people, value, ok = _grouped(ratings, units, weights, rules.rating_max * 100)
    else:
        if "expected" not in ratings.columns:
            return {}
        expected = as_floats(ratings["expected"].tolist())
        top = rules.rating_max
        valid = (shown >= 0) & (shown <= top) & (expected >= 0) & (expected <= top)
        gap = expected - shown
        points = np.where(gap <= 0, 3, np.where(gap <= 1, 2, np.where(gap <= 2, 1, 0)))
        units = np.where(valid, points, -1).astype(np.int64)
        people, value, ok = _grouped(ratings, units, weights, 3, require_total=False)
    return {
        p: _decimal(int(v))
        for p, v, fine in zip(people, value.tolist(), ok.tolist(), strict=True)
        if fine
    }


def _fast_totals(
    merged: pd.DataFrame, probation: list[bool], other: list[Any], rules: Rules
) -> list[tuple[Decimal, str] | None]:
    """Total and band for everyone with both scores and no 'other' component."""
    n = len(merged)
    if n == 0 or rules.score_places != 2:
        return [None] * n
    a, a_ok = as_hundredths(merged["achievement"].tolist())
    c, c_ok = as_hundredths(merged["competency"].tolist())
    prob = np.asarray(probation, dtype=bool)
    weights = []
    for w in (rules.weights, rules.probation_weights):
        (wa, wc, wo), ok = as_hundredths([w.achievement, w.competency, w.other])
        if not ok.all() or wo != 0:
            return [None] * n
        weights.append((int(wa), int(wc)))
    wa = np.where(prob, weights[1][0], weights[0][0])
    wc = np.where(prob, weights[1][1], weights[0][1])
    no_other = np.array([_blank(o) for o in other], dtype=bool)
    ok = a_ok & c_ok & no_other & (a >= 0) & (a <= 10_000) & (c >= 0) & (c <= 10_000)
    total = half_up_ratio(a * wa + c * wc, np.full(n, 10_000, dtype=np.int64), 1)
    floors = [None if b.min_total is None else int(b.min_total * 100) for b in rules.bands]
    out: list[tuple[Decimal, str] | None] = []
    for t, fine in zip(total.tolist(), ok.tolist(), strict=True):
        if not fine:
            out.append(None)
            continue
        band = next(rules.bands[j] for j, lo in enumerate(floors) if lo is None or t >= lo)
        out.append((_decimal(t), band.name))
    return out


def _people_attrs(people: pd.DataFrame | None) -> dict[Hashable, dict[str, Any]]:
    """``probation`` and ``other`` per person (the first row of each person)."""
    if people is None:
        return {}
    out: dict[Hashable, dict[str, Any]] = {}
    names = [str(k) for k in people.columns]
    for values in zip(*(people[k].tolist() for k in people.columns), strict=True):
        record = dict(zip(names, values, strict=True))
        out.setdefault(record["person_id"], record)
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
    attrs = _people_attrs(people)
    probation = [bool(attrs.get(p, {}).get("probation") or False) for p in merged["person_id"]]
    other = [attrs.get(p, {}).get("other") for p in merged["person_id"]]
    totals = _fast_totals(merged, probation, other, rules)
    rows: list[dict[str, object]] = []
    persons = merged["person_id"].tolist()
    achievements = merged["achievement"].tolist()
    competencies_ = merged["competency"].tolist()
    for i, person in enumerate(persons):
        a, c = achievements[i], competencies_[i]
        known = totals[i]
        total: Decimal | None = known[0] if known else None
        band: str | None = known[1] if known else None
        if known is None and not _blank(a) and not _blank(c):
            row = _rows(merged.iloc[[i]])[0]  # for the finding's location
            try:
                total = total_score(
                    a,
                    c,
                    other=None if _blank(other[i]) else other[i],
                    probation=probation[i],
                    rules=rules,
                )
                band = rules.band_for(total).name
            except InputError as exc:
                findings.append(_error_finding("cell.not_a_number", exc, row, "total"))
        rows.append(
            {
                "person_id": person,
                "probation": probation[i],
                "achievement": None if _blank(a) else a,
                "competency": None if _blank(c) else c,
                "total": total,
                "band": band,
            }
        )
    columns = ["person_id", "probation", "achievement", "competency", "total", "band"]
    return TableResult(pd.DataFrame(rows, columns=columns, dtype=object), findings)
