"""Checks across rounds: this round against the one before it (issue 17, item 3).

Pure: DataFrames in, findings out; no I/O. What each check means for HR and what to
do about it: docs/history.md.

Only the round immediately before this one is compared (2570/2 with 2570/1, 2571/1
with 2570/2: :func:`kpixl.core.rounds.following`). When the last archived round is not
that one, the four checks are skipped and one ``history.gap`` says which round was
expected and which is the last archived. No past round at all (the first round, or no
archive) gives no finding.

The checks, all warnings:

* ``history.salary_changed``: a person's Roster salary differs from the new salary the
  last round gave them (the last round's roster salary when no new salary of theirs is
  archived, or it is not a finite number; the message says which it compared), compared in baht with a tolerance of half a satang, unless the Roster's
  ``salary_note`` says why (any text: then nothing is said). At the Roster's salary cell.
* ``history.improve_twice``: rated the lowest band (the last of ``bands``, whatever its
  name) in the last round and in this one. At this round's Results band cell.
* ``history.band_jump``: the band moved two or more levels, up or down, between the
  two rounds (a prompt to confirm, not an error). At this round's Results band cell.
  Bands are compared by their names in this round's order; a past band this round's
  rules do not name is not compared.
* ``history.missing``: on the last round's roster, on neither this roster nor marked
  there as left (``holds_position`` = ไม่ใช่ / no). On the Roster sheet, no cell.

Speed: each check is a merge of two frames and a vector comparison; Python runs once
per distinct id or band text (:func:`~kpixl.core.text.texts`) and once per finding
(50,000 people: well under a second).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpixl.core.codes import finding
from kpixl.core.errors import InputError
from kpixl.core.findings import Finding
from kpixl.core.rounds import Round, following, parse_round
from kpixl.core.text import text_of, texts

__all__ = ["LEFT", "Places", "cross_round_findings", "has_left"]

# ``holds_position`` values that mark a person as no longer holding the position (the
# values kpixl.jobs.next_round and kpixl.core.pools read as "no", compared casefolded)
LEFT = frozenset(("ไม่ใช่", "ไม่", "ว่าง", "no", "n", "false", "0"))
_TOLERANCE = 0.005  # baht: half a satang (a salary read as a float is exact to far less)
# which of the last round's figures ``history.salary_changed`` compared with: its new
# salary, or (none archived for the person) its roster salary, which then stays
_WHAT = {
    True: ("เงินเดือนใหม่", "the new salary"),
    False: (
        "เงินเดือนตามบัญชีรายชื่อ (ไม่มีเงินเดือนใหม่ในคลัง)",
        "the roster salary (no new salary archived)",
    ),
}


@dataclass(frozen=True)
class Places:
    """Where the findings point: the master's file name, and the sheets and column
    letters the layout gives (the maths never sees a cell address of its own)."""

    file: str
    roster_sheet: str
    salary_column: str  # the Roster's salary column letter
    results_sheet: str
    band_column: str  # the Results sheet's band column letter
    config_sheet: str = ""
    round_cell: str = ""  # the Config cell holding round_id


def has_left(values: Sequence[object]) -> np.ndarray:
    """Which ``holds_position`` values mark a person as left (one bool per value)."""
    return np.array([t.casefold() in LEFT for t in texts(values)], dtype=bool)


def cross_round_findings(
    round_id: str,
    roster: pd.DataFrame,
    results: pd.DataFrame,
    *,
    past_rounds: Sequence[str],
    last_results: pd.DataFrame,
    last_roster: pd.DataFrame,
    bands: Sequence[str],
    places: Places,
    db: str = "",
) -> list[Finding]:
    """The findings of this round (``round_id``) against the last of ``past_rounds``.

    In:

    * ``roster``: this round's Roster, one row per person on it: ``person_id``,
      ``name``, ``salary``, ``salary_note`` and ``_row`` (the sheet row);
    * ``results``: this round's results: ``person_id``, ``name``, ``band`` and ``_row``
      (the Results sheet row);
    * ``past_rounds``: the archived rounds before this one, oldest first;
      ``last_results`` (``person_id``, ``band``, ``new_salary``) and ``last_roster``
      (``person_id``, ``name``, ``unit``, ``salary``, ``holds_position``) are the last
      of them;
    * ``bands``: this round's band names, highest first;
    * ``places``: where the findings point; ``db``: the archive, as it may be shown.

    Out: the findings, in the order gap; salaries, lowest band twice and band jumps (by
    sheet row); people missing (in the last roster's order).
    """
    if not past_rounds:
        return []
    last = past_rounds[-1]
    current, previous = _round(round_id), _round(last)
    if current is None or previous is None:
        return []  # the round's own findings say what is wrong with round_id
    if following(previous) != current:
        expected = _preceding(current)
        return [
            finding(
                "history.gap",
                field="round_id",
                value=last,
                round=str(current),
                expected=str(expected),
                db=db,
                file=places.file,
                sheet=places.config_sheet,
                cell=places.round_cell,
            )
        ]
    return [
        *_salaries(roster, last_results, last_roster, last, places),
        *_bands(results, last_results, bands, last, places),
        *_missing(roster, last_roster, last, places),
    ]


def _round(text: str) -> Round | None:
    try:
        return parse_round(text)
    except InputError:
        return None


def _preceding(round_: Round) -> Round:
    """The round before ``round_`` (the inverse of :func:`following`)."""
    if round_.number == 2:
        return Round(round_.fiscal_year, 1)
    return Round(round_.fiscal_year - 1, 2)


def _numbers(column: pd.Series) -> np.ndarray:
    """A column of numbers (Decimals, ints, floats, blanks, stray text) as floats, NaN
    for what is not a finite number (text, NaN, ±infinity, a signalling Decimal NaN, an
    int too large for a float): such a figure is missing, never compared."""
    try:
        values = column.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError, ArithmeticError):  # Decimal's InvalidOperation, overflow
        try:
            values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError, ArithmeticError):
            values = np.array([_number(v) for v in column.tolist()], dtype=float)
    return np.where(np.isfinite(values), values, np.nan)  # a new array: the frame stays


def _number(value: object) -> float:
    """One value as a float, NaN when it is not a number (the slow path of :func:`_numbers`)."""
    try:
        return float(pd.to_numeric(value))  # type: ignore[call-overload]
    except (TypeError, ValueError, ArithmeticError):
        return float("nan")


def _ids(column: pd.Series) -> pd.Series:
    return pd.Series(texts(column.tolist()), index=column.index, dtype=object)


def _baht(value: float) -> str:
    whole = round(value)
    return f"{whole:,}" if abs(value - whole) < _TOLERANCE else f"{value:,.2f}"


def _salaries(
    roster: pd.DataFrame,
    last_results: pd.DataFrame,
    last_roster: pd.DataFrame,
    last: str,
    places: Places,
) -> list[Finding]:
    """``history.salary_changed``: the Roster salary against the last round's new salary."""
    kept = pd.DataFrame(  # no result last round: the salary stays the roster's
        {"person_id": _ids(last_roster["person_id"]), "kept": _numbers(last_roster["salary"])}
    ).drop_duplicates("person_id", keep="first")
    new = pd.DataFrame(
        {"person_id": _ids(last_results["person_id"]), "new": _numbers(last_results["new_salary"])}
    ).drop_duplicates("person_id", keep="first")
    given = kept.merge(new, on="person_id", how="outer")
    archived = given["new"].notna()  # else no new salary archived: the roster's stays
    given["expected"] = given["new"].where(archived, given["kept"])
    given["archived"] = archived
    now = pd.DataFrame(
        {
            "person_id": _ids(roster["person_id"]),
            "salary": _numbers(roster["salary"]),
            "row": roster["_row"].to_numpy(),
        }
    )
    both = now.merge(given[["person_id", "expected", "archived"]], on="person_id", how="inner")
    differs = (both["salary"] - both["expected"]).abs() > _TOLERANCE  # NaN: not compared
    if not differs.any():
        return []
    notes = dict(
        zip(
            _ids(roster["person_id"]).tolist(),
            texts(roster["salary_note"].tolist())
            if "salary_note" in roster.columns
            else [""] * len(roster),
            strict=True,
        )
    )
    names = dict(zip(_ids(roster["person_id"]).tolist(), roster["name"].tolist(), strict=True))
    out = []
    picked = both[differs].sort_values("row")
    for pid, salary, row, expected, archived in picked.itertuples(index=False):
        if notes.get(pid):
            continue  # the reason column says why
        what, what_en = _WHAT[bool(archived)]
        out.append(
            finding(
                "history.salary_changed",
                field="salary",
                value=_baht(salary),
                expected=_baht(expected),
                what=what,
                what_en=what_en,
                round=last,
                name=text_of(names.get(pid)),
                person_id=pid,
                file=places.file,
                sheet=places.roster_sheet,
                cell=f"{places.salary_column}{int(row)}",
            )
        )
    return out


def _bands(
    results: pd.DataFrame,
    last_results: pd.DataFrame,
    bands: Sequence[str],
    last: str,
    places: Places,
) -> list[Finding]:
    """``history.improve_twice`` and ``history.band_jump``: this round's band against
    the last round's."""
    if not bands:
        return []
    order = {name: float(i) for i, name in enumerate(bands)}
    lowest = float(len(bands) - 1)
    now = pd.DataFrame(
        {
            "person_id": _ids(results["person_id"]),
            "band": texts(results["band"].tolist()),
            "name": texts(results["name"].tolist()),
            "row": results["_row"].to_numpy(),
        }
    )
    before = pd.DataFrame(
        {
            "person_id": _ids(last_results["person_id"]),
            "before": texts(last_results["band"].tolist()),
        }
    ).drop_duplicates("person_id", keep="first")
    both = now.merge(before, on="person_id", how="inner")
    level = both["band"].map(order).to_numpy(dtype=float)
    earlier = both["before"].map(order).to_numpy(dtype=float)
    twice = (level == lowest) & (earlier == lowest)
    moved = level - earlier  # NaN when either band is not one of this round's
    jump = np.abs(moved) >= 2
    picked = both[twice | jump].assign(moved=moved[twice | jump]).sort_values("row", kind="stable")
    out = []
    for pid, band, name, row, before, step in picked.itertuples(index=False):
        where = {
            "person_id": pid,
            "file": places.file,
            "sheet": places.results_sheet,
            "cell": f"{places.band_column}{int(row)}",
        }
        if step == 0:  # the lowest band twice
            out.append(
                finding(
                    "history.improve_twice",
                    field="band",
                    value=band,
                    round=last,
                    name=name,
                    **where,
                )
            )
            continue
        up = step < 0  # a smaller index is a higher band
        out.append(
            finding(
                "history.band_jump",
                field="band",
                value=band,
                before=before,
                levels=int(abs(step)),
                way="ขึ้น" if up else "ลง",
                way_en="up" if up else "down",
                round=last,
                name=name,
                **where,
            )
        )
    return out


def _missing(
    roster: pd.DataFrame, last_roster: pd.DataFrame, last: str, places: Places
) -> list[Finding]:
    """``history.missing``: on the last roster, not on this one, not marked as left."""
    pids = _ids(last_roster["person_id"])
    here = pids.isin(set(_ids(roster["person_id"]).tolist()))
    left = has_left(last_roster["holds_position"].tolist())
    first = ~pids.duplicated().to_numpy()
    gone = (~here.to_numpy()) & (~left) & (pids != "").to_numpy() & first
    out = []
    for i in np.flatnonzero(gone):
        row = last_roster.iloc[i]
        out.append(
            finding(
                "history.missing",
                value=pids.iloc[i],
                name=text_of(row["name"]),
                unit=text_of(row["unit"]),
                round=last,
                person_id=pids.iloc[i],
                file=places.file,
                sheet=places.roster_sheet,
            )
        )
    return out
