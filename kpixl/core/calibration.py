"""Calibration for the screening committee: is one evaluator (or unit) more lenient?

Pure: DataFrames in, DataFrames out; no I/O. The method for maintainers and the
committee: docs/calibration.md.

Input: a results table with at least ``person_id``, ``unit``, ``evaluator``, ``total``
and ``band`` (the band's Thai name, as the Results sheet carries it). The band names
and lower edges come from the round's rules (``Rules.bands``, highest first).

For each group (every evaluator, every unit; :func:`calibrate`) the table gives:

* ``n``: people with a total; ``not_evaluated``: people whose total is blank/NaN. A
  person without a total is left out of every other figure.
* ``mean`` and ``std``: mean and sample standard deviation (ddof = 1; NaN for one
  person) of the totals.
* ``share_<code>`` for every band (people in the band / ``n``), and ``top_share``:
  the share in the two highest bands (ดีเด่น / ดีมาก under the default rules).
* ``mean_low``/``mean_high``: the group mean's confidence interval (one-sample
  Student t, ``mean ± t(n−1) · std/√n``; NaN for n < 2).
* ``diff``: the group mean minus the organisation's mean, and ``diff_low``/
  ``diff_high`` its confidence interval. Method: Welch's t interval for the
  difference between the group and *the rest of the organisation* (everyone with a
  total who is not in the group): ``d = mean_g − mean_r``, ``se = √(s_g²/n_g +
  s_r²/n_r)``, Welch–Satterthwaite degrees of freedom, ``d ± t(df) · se``. Since
  ``mean_g − mean_org = (1 − n_g/N) · (mean_g − mean_r)`` exactly, ``diff`` and its
  interval are the Welch ones scaled by ``1 − n_g/N``. Needs n_g ≥ 2 and n_r ≥ 2
  (NaN otherwise); when both variances are 0 the interval is the point ``diff``.
* ``small``: fewer than ``min_group`` people with a total (default 5): too small to
  judge; such a group never ``stands_out``.
* ``stands_out``: not small and the ``diff`` interval excludes 0 (``"above"`` /
  ``"below"`` in ``direction``; ``""`` otherwise).
* ``near_edge``: people whose total lies within ``edge_margin`` (default 1 point)
  *below* a band's lower edge: ``edge − margin ≤ total < edge``.

The t quantile is computed here (scipy is not a dependency): the two-sided tail of
Student's t is the regularized incomplete beta ``I_{df/(df+t²)}(df/2, 1/2)``
(continued fraction, as in Numerical Recipes' ``betacf``), inverted by Newton's method from the normal
quantile (monotone: the tail is convex), bisection where rounding stalls it, to 1e-11; it holds for non-integer df (Welch) and matches printed tables (df 1: 12.706,
df 10: 2.228, df → ∞: 1.960).

Numbers: totals are read as floats (Decimals converted exactly to the nearest double);
every figure is returned unrounded as float, and display rounds (the Calibration sheet
shows two decimals). The edge test compares with a tolerance of 1e-9 so that a total of
89.0 with margin 1 below an edge of 90 is counted although 90 − 1 is computed in floats;
totals are expected as the Results sheet holds them (already rounded half-up to the
rules' places), so a total is below an edge exactly when its band is below that edge's.

Earlier rounds (:func:`earlier_rounds`, :func:`with_earlier`): the archived rows of the
rounds before this one are summarised per evaluator exactly as this round, and each of
this round's evaluators gets their mean total and ``top_share`` in the last three.

Blank evaluators (empty, spaces, NaN) form one group, :data:`NOT_GIVEN`; names are
otherwise compared after stripping surrounding spaces. Units likewise.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kpixl.core.rules import Band

__all__ = [
    "NOT_GIVEN",
    "Calibration",
    "EarlierRounds",
    "calibrate",
    "earlier_rounds",
    "evaluator_history",
    "group_summary",
    "near_edge",
    "t_quantile",
    "with_earlier",
]

NOT_GIVEN = "(ไม่ระบุ / not given)"
MIN_GROUP = 5
EDGE_MARGIN = 1.0
CONFIDENCE = 0.95
EARLIER_ROUNDS = 3  # the evaluators' earlier rounds shown beside this one
_TOL = 1e-9


@dataclass(frozen=True)
class EarlierRounds:
    """This round's evaluators in the rounds before it (:func:`earlier_rounds`).

    ``mean`` and ``top_share``: one row per evaluator of this round (the order of
    :attr:`Calibration.by_evaluator`), ``evaluator`` then a column per round of
    ``rounds`` (oldest first) and ``current_round`` last; NaN where the evaluator
    evaluated nobody with a total that round. ``rounds`` empty: no earlier round is
    archived (``archived`` counts every earlier round, not only those shown).
    """

    rounds: tuple[str, ...]
    current_round: str
    mean: pd.DataFrame
    top_share: pd.DataFrame
    archived: int


@dataclass(frozen=True)
class Calibration:
    """Everything the committee's Calibration sheet shows."""

    by_evaluator: pd.DataFrame
    by_unit: pd.DataFrame
    near_edge: pd.DataFrame  # one row per person just under an edge
    org_n: int
    org_mean: float
    org_std: float
    org_top_share: float
    bands: tuple[Band, ...]
    min_group: int
    edge_margin: float
    confidence: float
    earlier: EarlierRounds | None = None  # None: not asked for (see with_earlier)


# --- Student t quantile ---------------------------------------------------------------


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = tiny if abs(d) < tiny else d
    d = 1.0 / d
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = tiny if abs(d) < tiny else d
        c = 1.0 + aa / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = tiny if abs(d) < tiny else d
        c = 1.0 + aa / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def _two_sided_tail(t: float, df: float) -> float:
    """P(|T| > t) for Student's t with ``df`` degrees of freedom."""
    return _betainc(df / 2.0, 0.5, df / (df + t * t))


def t_quantile(confidence: float, df: float) -> float:
    """The t such that P(|T| ≤ t) = ``confidence`` (two-sided), df > 0 (may be fractional).

    ``df = inf`` (and any df above 10⁷) gives the normal quantile.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), not {confidence}")
    if not df > 0:
        raise ValueError(f"degrees of freedom must be positive, not {df}")
    return _t_quantile(float(confidence), float(df))


@functools.lru_cache(maxsize=4096)
def _t_quantile(confidence: float, df: float) -> float:
    alpha = 1.0 - confidence
    lo, hi = 0.0, 50.0  # the normal quantile, by bisection on erfc
    while hi - lo > 1e-13:
        mid = (lo + hi) / 2.0
        if math.erfc(mid / math.sqrt(2.0)) > alpha:
            lo = mid
        else:
            hi = mid
    z = (lo + hi) / 2.0
    if df > 1e7:  # closer to the normal than the tail's precision there (< 1e-6)
        return z
    # Newton on tail(t) − alpha from the normal quantile (never above the t quantile):
    # the tail falls and is convex for t > 0, so the steps rise to the root, never past it
    t = z
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    for _ in range(60):
        density = math.exp(log_c - (df + 1) / 2 * math.log1p(t * t / df))
        step = (_two_sided_tail(t, df) - alpha) / (2.0 * density)
        if not math.isfinite(step) or step < -1e-9 * max(1.0, t):
            break  # rounding noise in the tail (huge df): finish by bisection
        t += step
        if abs(step) <= 1e-11 * max(1.0, t):
            return t
    lo, hi = 0.0, max(1.0, 2 * t)
    while _two_sided_tail(hi, df) > alpha:
        hi *= 2.0
    while hi - lo > 1e-11 * max(1.0, hi):
        mid = (lo + hi) / 2.0
        if _two_sided_tail(mid, df) > alpha:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


# --- the table ------------------------------------------------------------------------


def _label(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return NOT_GIVEN
    text = str(value).strip()
    return text if text else NOT_GIVEN


def _prepare(results: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("person_id", "unit", "evaluator", "total", "band") if c not in results]
    if missing:
        raise ValueError(f"results lack column(s): {', '.join(missing)}")
    frame = pd.DataFrame(
        {
            "person_id": results["person_id"].to_numpy(),
            "unit": [_label(v) for v in results["unit"]],
            "evaluator": [_label(v) for v in results["evaluator"]],
            "total": pd.to_numeric(
                pd.Series([float(v) if _is_number(v) else np.nan for v in results["total"]]),
                errors="coerce",
            ).to_numpy(dtype=float),
            "band": [_label(v) if _label(v) != NOT_GIVEN else "" for v in results["band"]],
        }
    )
    return frame


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return math.isfinite(number)


def _ranked(bands: Sequence[Band]) -> list[Band]:
    """Bands highest first (the lowest, without a minimum, last)."""
    return sorted(
        bands, key=lambda b: -math.inf if b.min_total is None else float(b.min_total), reverse=True
    )


def _welch(
    values: np.ndarray[Any, np.dtype[np.float64]],
    rest: np.ndarray[Any, np.dtype[np.float64]],
    total_n: int,
    confidence: float,
) -> tuple[float, float, float, float]:
    """(diff from the organisation, low, high, df) — see the module docstring."""
    n_g, n_r = len(values), len(rest)
    if n_g == 0:
        return (math.nan, math.nan, math.nan, math.nan)
    mean_g = float(values.mean())
    mean_r = float(rest.mean()) if n_r else mean_g
    factor = 1.0 - n_g / total_n
    diff = factor * (mean_g - mean_r)
    if n_g < 2 or n_r < 2:
        return (diff, math.nan, math.nan, math.nan)
    vg = float(values.var(ddof=1)) / n_g
    vr = float(rest.var(ddof=1)) / n_r
    se = math.sqrt(vg + vr)
    if se <= 1e-12 * max(1.0, abs(mean_g), abs(mean_r)):  # both groups' totals all equal
        return (diff, diff, diff, math.nan)
    df = (vg + vr) ** 2 / (vg**2 / (n_g - 1) + vr**2 / (n_r - 1))
    half = t_quantile(confidence, df) * se * factor
    return (diff, diff - half, diff + half, df)


def group_summary(
    results: pd.DataFrame,
    by: str,
    bands: Sequence[Band],
    *,
    min_group: int = MIN_GROUP,
    edge_margin: float = EDGE_MARGIN,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """One row per value of ``by`` (``"evaluator"`` or ``"unit"``), sorted by name.

    Columns: ``by``, ``n``, ``not_evaluated``, ``mean``, ``std``, ``mean_low``,
    ``mean_high``, ``share_<band code>`` per band (highest first), ``top_share``,
    ``diff``, ``diff_low``, ``diff_high``, ``df``, ``small``, ``stands_out``,
    ``direction``, ``near_edge``. See the module docstring for each.
    """
    frame = _prepare(results)
    return _summary(frame, by, _ranked(bands), min_group, edge_margin, confidence)


def _summary(
    frame: pd.DataFrame,
    by: str,
    ranked: list[Band],
    min_group: int,
    edge_margin: float,
    confidence: float,
) -> pd.DataFrame:
    if by not in ("evaluator", "unit"):
        raise ValueError(f"group by evaluator or unit, not {by!r}")
    scored = frame[~np.isnan(frame["total"].to_numpy(dtype=float))]
    all_totals = scored["total"].to_numpy(dtype=float)
    total_n = len(all_totals)
    top_names = {b.name for b in ranked[:2]}
    edges = _edges(ranked)
    near = _near_mask(all_totals, edges, edge_margin)
    rows: list[dict[str, Any]] = []
    names = sorted(set(frame[by]))
    code_of = {name: i for i, name in enumerate(names)}
    codes = np.array([code_of[v] for v in frame[by]], dtype=np.int64)
    evaluated = ~np.isnan(frame["total"].to_numpy(dtype=float))
    scored_codes = codes[evaluated]
    headcount = np.bincount(codes, minlength=len(names))
    all_bands = scored["band"].to_numpy()
    for g, name in enumerate(names):
        in_group = scored_codes == g
        values = all_totals[in_group]
        bands_here = all_bands[in_group]
        n = len(values)
        row: dict[str, Any] = {
            by: name,
            "n": n,
            "not_evaluated": int(headcount[g]) - n,
            "mean": float(values.mean()) if n else math.nan,
            "std": float(values.std(ddof=1)) if n >= 2 else math.nan,
        }
        if n >= 2:
            half = t_quantile(confidence, n - 1) * row["std"] / math.sqrt(n)
            row["mean_low"], row["mean_high"] = row["mean"] - half, row["mean"] + half
        else:
            row["mean_low"] = row["mean_high"] = math.nan
        for band in ranked:
            row[f"share_{band.code}"] = (
                float((bands_here == band.name).sum()) / n if n else math.nan
            )
        row["top_share"] = float(np.isin(bands_here, list(top_names)).sum()) / n if n else math.nan
        diff, low, high, df = _welch(values, all_totals[~in_group], total_n, confidence)
        small = n < min_group
        out = not small and not math.isnan(low) and (low > 0 or high < 0)
        row.update(
            diff=diff,
            diff_low=low,
            diff_high=high,
            df=df,
            small=small,
            stands_out=out,
            direction=("above" if low > 0 else "below") if out else "",
            near_edge=int(near[in_group].sum()),
        )
        rows.append(row)
    columns = [by, "n", "not_evaluated", "mean", "std", "mean_low", "mean_high"]
    columns += [f"share_{b.code}" for b in ranked]
    columns += ["top_share", "diff", "diff_low", "diff_high", "df", "small", "stands_out"]
    columns += ["direction", "near_edge"]
    table = pd.DataFrame(rows, columns=columns)
    return table.astype(
        {
            "n": "int64",
            "not_evaluated": "int64",
            "near_edge": "int64",
            "small": bool,
            "stands_out": bool,
        }
    )


def _edges(ranked: list[Band]) -> list[tuple[float, Band]]:
    return [(float(b.min_total), b) for b in ranked if b.min_total is not None]


def _near_mask(
    totals: np.ndarray[Any, np.dtype[np.float64]], edges: list[tuple[float, Band]], margin: float
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    mask = np.zeros(len(totals), dtype=bool)
    for edge, _band in edges:
        mask |= (totals >= edge - margin - _TOL) & (totals < edge - _TOL)
    return mask


def near_edge(
    results: pd.DataFrame, bands: Sequence[Band], *, edge_margin: float = EDGE_MARGIN
) -> pd.DataFrame:
    """People whose total lies within ``edge_margin`` below a band's lower edge.

    Columns: ``person_id``, ``unit``, ``evaluator``, ``total``, ``band`` (the band they
    have), ``edge`` (the lower edge just missed), ``missed`` (the band above it) and
    ``gap`` (edge − total). Sorted by gap, then evaluator and person_id.
    """
    frame = _prepare(results)
    return _near_table(frame, _ranked(bands), edge_margin)


def _near_table(frame: pd.DataFrame, ranked: list[Band], margin: float) -> pd.DataFrame:
    if margin < 0 or math.isnan(margin):
        raise ValueError(f"edge margin must be 0 or more, not {margin}")
    totals = frame["total"].to_numpy(dtype=float)
    parts = []
    for edge, band in _edges(ranked):
        hit = (totals >= edge - margin - _TOL) & (totals < edge - _TOL)
        part = frame[hit].copy()
        part["edge"] = edge
        part["missed"] = band.name
        part["gap"] = edge - part["total"]
        parts.append(part)
    columns = ["person_id", "unit", "evaluator", "total", "band", "edge", "missed", "gap"]
    if not parts:
        return pd.DataFrame(columns=columns)
    table = pd.concat(parts, ignore_index=True)[columns]
    return table.sort_values(
        ["gap", "evaluator", "person_id"], kind="stable", key=_sort_key
    ).reset_index(drop=True)


def _sort_key(column: pd.Series) -> pd.Series:
    return column if column.name == "gap" else column.astype(str)


def calibrate(
    results: pd.DataFrame,
    bands: Sequence[Band],
    *,
    min_group: int = MIN_GROUP,
    edge_margin: float = EDGE_MARGIN,
    confidence: float = CONFIDENCE,
) -> Calibration:
    """The committee's calibration of one round (see the module docstring)."""
    if min_group < 1:
        raise ValueError(f"min_group must be at least 1, not {min_group}")
    frame = _prepare(results)
    ranked = _ranked(bands)
    totals = frame["total"].to_numpy(dtype=float)
    scored = totals[~np.isnan(totals)]
    top = {b.name for b in ranked[:2]}
    band_of_scored = frame["band"].to_numpy()[~np.isnan(totals)]
    args = (ranked, min_group, edge_margin, confidence)
    return Calibration(
        by_evaluator=_summary(frame, "evaluator", *args),
        by_unit=_summary(frame, "unit", *args),
        near_edge=_near_table(frame, ranked, edge_margin),
        org_n=len(scored),
        org_mean=float(scored.mean()) if len(scored) else math.nan,
        org_std=float(scored.std(ddof=1)) if len(scored) >= 2 else math.nan,
        org_top_share=float(np.isin(band_of_scored, list(top)).sum()) / len(scored)
        if len(scored)
        else math.nan,
        bands=tuple(ranked),
        min_group=min_group,
        edge_margin=edge_margin,
        confidence=confidence,
    )


def evaluator_history(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    *,
    current_round: str,
    rounds: Sequence[str] | None = None,
    value: str = "mean",
) -> pd.DataFrame:
    """This round's evaluators with their earlier rounds beside them.

    ``current`` is :attr:`Calibration.by_evaluator`; ``previous`` holds earlier rounds'
    per-evaluator summaries with a ``round`` column (and ``evaluator`` and ``value``).
    Returns one row per evaluator of ``current`` (same order), a column per earlier
    round (``rounds`` order, else the order rounds first appear in ``previous``) and
    ``current_round`` last, holding ``value`` (NaN where the evaluator had no row that
    round). Evaluators found only in earlier rounds are left out. Evaluator names are
    matched after the same clean-up as :func:`calibrate` (blank → :data:`NOT_GIVEN`).
    """
    for name, table in (("current", current), ("previous", previous)):
        for column in ("evaluator", value) + (("round",) if name == "previous" else ()):
            if column not in table:
                raise ValueError(f"{name} lacks column {column!r}")
    order = (
        list(rounds)
        if rounds is not None
        else list(dict.fromkeys(str(r) for r in previous["round"]))
    )
    order = [r for r in order if r != current_round]
    wanted = [_label(v) for v in current["evaluator"]]
    out = pd.DataFrame({"evaluator": wanted})
    earlier = pd.DataFrame(
        {
            "evaluator": [_label(v) for v in previous["evaluator"]],
            "round": [str(r) for r in previous["round"]],
            "value": pd.to_numeric(previous[value], errors="coerce").to_numpy(dtype=float),
        }
    )
    for rnd in order:
        this = earlier[earlier["round"] == rnd].drop_duplicates("evaluator", keep="last")
        lookup = dict(zip(this["evaluator"], this["value"], strict=True))
        out[rnd] = [lookup.get(e, math.nan) for e in wanted]
    out[current_round] = pd.to_numeric(current[value], errors="coerce").to_numpy(dtype=float)
    return out


def earlier_rounds(
    cal: Calibration,
    past: pd.DataFrame | None,
    *,
    current_round: str,
    rounds: Sequence[str] | None = None,
    last: int = EARLIER_ROUNDS,
) -> EarlierRounds:
    """This round's evaluators' mean total and share in the two highest bands in each
    of the ``last`` rounds before ``current_round``.

    ``past`` is the archived rows of earlier rounds (``round_id``, ``person_id``,
    ``unit``, ``evaluator``, ``total``, ``band``; :data:`kpixl.jobs.past.PAST_COLUMNS`),
    None when there is no archive. ``rounds``: the earlier rounds, oldest first (by
    default the order they first appear in ``past``); a row of ``current_round`` is
    never its own past. Each earlier round is summarised as :func:`calibrate` does
    this one (same clean-up of names, same two highest bands of ``cal.bands`` by name).
    """
    if last < 0:
        raise ValueError(f"last must be 0 or more, not {last}")
    frame = past if past is not None else pd.DataFrame(columns=["round_id", "evaluator"])
    if "round_id" not in frame:
        raise ValueError("past lacks column 'round_id'")
    ids = [str(r) for r in frame["round_id"]]
    order = list(rounds) if rounds is not None else list(dict.fromkeys(ids))
    order = [str(r) for r in order if str(r) != current_round]
    shown = order[-last:] if last else []
    ranked = list(cal.bands)
    parts = []
    for rnd in shown:
        rows = frame[[i == rnd for i in ids]]
        if not len(rows):
            continue
        summary = _summary(
            _prepare(rows), "evaluator", ranked, cal.min_group, cal.edge_margin, cal.confidence
        )
        parts.append(summary.assign(round=rnd)[["round", "evaluator", "mean", "top_share"]])
    previous = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["round", "evaluator", "mean", "top_share"])
    )
    lined = {
        value: evaluator_history(
            cal.by_evaluator, previous, current_round=current_round, rounds=shown, value=value
        )
        for value in ("mean", "top_share")
    }
    return EarlierRounds(
        rounds=tuple(shown),
        current_round=current_round,
        mean=lined["mean"],
        top_share=lined["top_share"],
        archived=len(order),
    )


def with_earlier(
    cal: Calibration,
    past: pd.DataFrame | None,
    *,
    current_round: str,
    rounds: Sequence[str] | None = None,
    last: int = EARLIER_ROUNDS,
) -> Calibration:
    """``cal`` with its evaluators' earlier rounds (:func:`earlier_rounds`)."""
    return dataclasses.replace(
        cal,
        earlier=earlier_rounds(cal, past, current_round=current_round, rounds=rounds, last=last),
    )
