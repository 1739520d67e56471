"""pandera schemas for the tables a workbook carries.

Each check is named by the finding code it reports (see :mod:`kpixl.core.codes`), so
the backend can turn pandera's failure cases into findings without guessing. Numeric
columns hold ``Decimal`` or ``None`` (a blank or unreadable cell, already reported by
normalisation), and every check lets ``None`` pass so that one problem is reported once.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from operator import mul
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pandera.pandas as pa

from kpixl.core.numbers import exact_floats
from kpixl.core.rules import Rules
from kpixl.core.scoring_vec import as_hundredths
from kpixl.schemas.tables import LEVEL_COLUMNS

__all__ = [
    "agreement_schema",
    "competency_schema",
    "components_schema",
    "national_id_problem",
    "results_schema",
    "roster_schema",
]

_HUNDRED = Decimal(100)


def _blank(x: object) -> bool:
    return x is None or (isinstance(x, float) and x != x)


_ID_WEIGHTS = range(13, 1, -1)  # the first twelve digits' weights


def national_id_problem(value: object) -> str | None:
    """Why ``value`` is not a valid 13-digit Thai national id, or ``None`` when it is."""
    text = str(value or "").replace("-", "").replace(" ", "")
    if len(text) != 13 or not text.isascii() or not text.isdigit():
        return "length"
    check = (11 - sum(map(mul, map(int, text[:12]), _ID_WEIGHTS)) % 11) % 10
    return None if check == int(text[12]) else "check_digit"


_ID_WEIGHT_ARRAY = np.array(list(_ID_WEIGHTS), dtype=np.int64)


def _national_ids_ok(series: pd.Series) -> pd.Series:
    """``national_id_problem(v) is None`` for every value but blanks; 13-digit text (the
    roster's usual ids) is checked as one digit matrix."""
    values = series.tolist()
    if values and set(map(type, values)) == {str} and set(map(len, values)) == {13}:
        joined = "".join(values)
        if joined.isascii() and joined.isdigit():
            digits = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(-1, 13) - 48
            check = (11 - (digits[:, :12].astype(np.int64) @ _ID_WEIGHT_ARRAY) % 11) % 10
            return pd.Series(check == digits[:, 12], index=series.index, dtype=bool)
    ok = [_blank(v) or national_id_problem(v) is None for v in values]
    return pd.Series(ok, index=series.index, dtype=bool)


def _rowwise(fn: Callable[[pd.Series], bool]) -> Callable[[pd.DataFrame], pd.Series]:
    def check(df: pd.DataFrame) -> pd.Series:
        if df.empty:
            return pd.Series([], dtype=bool, index=df.index)
        return df.apply(fn, axis=1).astype(bool)

    return check


def _group_sum_is(column: str, total: Decimal) -> Callable[[pd.DataFrame], pd.Series]:
    """Rows pass when their person's values (all readable) sum to ``total``."""

    def check(df: pd.DataFrame) -> pd.Series:
        def person_ok(values: pd.Series) -> bool:
            if any(_blank(v) for v in values):
                return True  # a blank or unreadable weight is reported on its own
            return sum(values, Decimal(0)) == total

        # exact hundredths are summed as integers; anything else goes through Decimal
        units, exact = as_hundredths(df[column].tolist())
        blank = df[column].isna().to_numpy(dtype=bool)  # None or NaN, as _blank
        codes, people = pd.factorize(df["person_id"], sort=False)
        if (codes < 0).any():  # a row without an id: pandas' groups leave it out
            return _group_sum_pandas(df, column, units, exact, blank, total, person_ok)
        n = len(people)
        sums = np.zeros(n, dtype=np.int64)
        np.add.at(sums, codes, units)
        any_blank = np.bincount(codes, weights=blank, minlength=n) > 0
        all_exact = np.bincount(codes, weights=~(exact | blank), minlength=n) == 0
        ok = any_blank[codes] | (sums[codes] == int(total * 100))
        slow = ~all_exact[codes]
        if slow.any():
            part = df[slow]
            fine = part.groupby("person_id", sort=False)[column].transform(person_ok)
            ok[slow] = fine.to_numpy(dtype=bool)
        return pd.Series(ok, index=df.index, dtype=bool)

    return check


def _group_sum_pandas(
    df: pd.DataFrame,
    column: str,
    units: npt.NDArray[np.int64],
    exact: npt.NDArray[np.bool_],
    blank: npt.NDArray[np.bool_],
    total: Decimal,
    person_ok: Callable[[pd.Series], bool],
) -> pd.Series:
    """:func:`_group_sum_is` through pandas' groupby, for tables with rows lacking an id."""
    keys = df["person_id"]
    sums = pd.Series(units, index=df.index).groupby(keys, sort=False).transform("sum")
    all_exact = pd.Series(exact | blank, index=df.index).groupby(keys, sort=False).transform("all")
    any_blank = pd.Series(blank, index=df.index).groupby(keys, sort=False).transform("any")
    ok = any_blank | (sums == int(total * 100))
    slow = ~all_exact.astype(bool)
    if slow.any():
        part = df[slow]
        ok[slow] = part.groupby("person_id", sort=False)[column].transform(person_ok)
    return ok.astype(bool)


def _not_duplicated(*keys: str) -> Callable[[pd.DataFrame], pd.Series]:
    def check(df: pd.DataFrame) -> pd.Series:
        columns = [df[k].tolist() for k in keys]
        if all(set(map(type, c)) <= {str} for c in columns):  # text ids: a set says it at once
            rows = list(zip(*columns, strict=True))
            if len(set(rows)) == len(rows):
                return pd.Series(True, index=df.index, dtype=bool)
        return ~df.duplicated(list(keys), keep="first")

    return check


def _frame_check(fn: Callable[[pd.DataFrame], pd.Series], code: str) -> pa.Check:
    """A row-wise check of the whole table. An all-blank row passes, as with pandera's
    ignore_na, but the table is scanned for blanks only when some row failed."""

    def check(df: pd.DataFrame) -> pd.Series:
        ok = fn(df)
        if not ok.all():
            ok = ok | df.isna().all(axis="columns")
        return ok

    return pa.Check(check, name=code, error=code, ignore_na=False)


def _element(fn: Callable[[Any], bool], code: str) -> pa.Check:
    """``fn`` on every value but blanks, as one column check (a list, not a map per cell)."""

    def check(series: pd.Series) -> pd.Series:
        values = series.tolist()
        ok = [x is None or (type(x) is float and x != x) or fn(x) for x in values]
        return pd.Series(ok, index=series.index, dtype=bool)

    return pa.Check(check, name=code, error=code)


def _range(
    code: str,
    *,
    low: Decimal | int,
    high: Decimal | int | None = None,
    above: bool = False,
    whole: bool = False,
) -> pa.Check:
    """Every value but blanks at least ``low`` (more than ``low`` when ``above``), at most
    ``high``, and whole when ``whole``. Decimals read from float cells are compared as one
    float array when the bounds are exact floats (the same answer); others one by one."""
    lo = Decimal(low)
    hi = None if high is None else Decimal(high)

    def one(x: Any) -> bool:
        return (
            (x > lo if above else x >= lo)
            and (hi is None or x <= hi)
            and (not whole or x == int(x))
        )

    exact = all(b is None or Decimal(float(b)) == b for b in (lo, hi))

    def check(series: pd.Series) -> pd.Series:
        values = series.tolist()
        floats = exact_floats(values) if exact else None
        if floats is None:
            ok = [x is None or (type(x) is float and x != x) or one(x) for x in values]
            return pd.Series(ok, index=series.index, dtype=bool)
        a = np.asarray(floats, dtype=np.float64)  # NaN for blanks
        with np.errstate(invalid="ignore"):
            good = (a > float(lo)) if above else (a >= float(lo))
            if hi is not None:
                good &= a <= float(hi)
            if whole:
                good &= a == np.floor(a)
        return pd.Series(np.isnan(a) | good, index=series.index, dtype=bool)

    return pa.Check(check, name=code, error=code)


def _text() -> pa.Column:
    # blanks in required columns are reported by normalisation (cell.blank), once
    return pa.Column(object, nullable=True, required=True)


def _levels_of(df: pd.DataFrame) -> npt.NDArray[np.float64]:
    columns = [exact_floats(df[c].tolist()) for c in LEVEL_COLUMNS]
    if all(c is not None for c in columns):  # Decimals read from float cells, and Nones
        return np.array(columns, dtype=np.float64).T.reshape(len(df), len(LEVEL_COLUMNS))
    levels = df[list(LEVEL_COLUMNS)].to_numpy(dtype=object)  # Decimals and Nones
    return levels.astype(np.float64).reshape(len(df), len(LEVEL_COLUMNS))  # None → NaN


def _levels_ok(df: pd.DataFrame) -> pd.Series:
    """Rows pass unless a complete quantitative KPI's levels do not move its way."""
    levels = _levels_of(df)
    quantitative = (df["kind"] == "quantitative").to_numpy(dtype=bool)
    direction = df["direction"].to_numpy()
    complete = ~np.isnan(levels).any(axis=1)
    steps = np.diff(levels, axis=1)
    rising = (steps > 0).all(axis=1)
    falling = (steps < 0).all(axis=1)
    ok = np.where(direction == "higher", rising, np.where(direction == "lower", falling, True))
    return pd.Series(~quantitative | ~complete | ok, index=df.index)


def _levels_present(df: pd.DataFrame) -> pd.Series:
    missing = df[list(LEVEL_COLUMNS)].isna().to_numpy(dtype=bool).any(axis=1)
    other = (df["kind"] != "quantitative").to_numpy(dtype=bool)
    return pd.Series(other | ~missing, index=df.index)


def _direction_present(df: pd.DataFrame) -> pd.Series:
    return (df["kind"] != "quantitative") | df["direction"].isin(["higher", "lower"])


def agreement_schema(rules: Rules) -> pa.DataFrameSchema:
    """Agreement KPIs: kind, direction, five levels, weight, parent code."""

    def count_ok(df: pd.DataFrame) -> pd.Series:
        counts = df.groupby("person_id", sort=False)["kpi_code"].transform("size")
        return counts <= rules.kpi_max_count

    return pa.DataFrameSchema(
        {
            "person_id": _text(),
            "kpi_code": _text(),
            "kpi_name": _text(),
            "kind": _text(),
            "direction": _text(),
            **{c: pa.Column(object, nullable=True) for c in LEVEL_COLUMNS},
            "weight": pa.Column(
                object, nullable=True, checks=[_range("kpi.weight_not_positive", low=0, above=True)]
            ),
            "parent_code": _text(),
            "category": _text(),
        },
        checks=[
            _frame_check(_direction_present, "kpi.direction_missing"),
            _frame_check(_levels_present, "kpi.levels_missing"),
            _frame_check(_levels_ok, "kpi.levels_not_monotone"),
            _frame_check(_group_sum_is("weight", rules.kpi_weight_total), "kpi.weights_sum"),
            _frame_check(count_ok, "kpi.too_many"),
            _frame_check(_not_duplicated("person_id", "kpi_code"), "kpi.code_duplicate"),
        ],
        strict=False,
        name="agreement",
    )


def results_schema(rules: Rules) -> pa.DataFrameSchema:
    """KPI results: one actual per KPI (milestone levels are checked against the agreement)."""
    del rules  # same shape under every rule set
    return pa.DataFrameSchema(
        {
            "person_id": _text(),
            "kpi_code": _text(),
            "actual": pa.Column(object, nullable=True),
        },
        strict=False,
        name="results",
    )


def competency_schema(rules: Rules) -> pa.DataFrameSchema:
    """Competency ratings on the rule set's scale, weights > 0 summing to 100."""
    low, high = Decimal(rules.rating_min), Decimal(rules.rating_max)
    rating_checks: list[pa.Check] = []
    if rules.competency_method == "rating":
        rating_checks.append(_range("competency.rating_range", low=low, high=high))
    else:
        rating_checks.append(_range("competency.level_range", low=0, high=high, whole=True))

    def weights_ok(df: pd.DataFrame) -> pd.Series:
        if "weight" not in df or all(map(_blank, df["weight"].tolist())):
            return pd.Series(True, index=df.index)
        return _group_sum_is("weight", _HUNDRED)(df)

    return pa.DataFrameSchema(
        {
            "person_id": _text(),
            "competency": _text(),
            "expected": pa.Column(
                object,
                nullable=True,
                checks=[_range("competency.level_range", low=0, high=high)],
            ),
            "weight": pa.Column(
                object,
                nullable=True,
                checks=[_range("competency.weight_not_positive", low=0, above=True)],
            ),
            "rating": pa.Column(object, nullable=True, checks=rating_checks),
        },
        checks=[
            _frame_check(weights_ok, "competency.weights_sum"),
            _frame_check(_not_duplicated("person_id", "competency"), "competency.duplicate"),
        ],
        strict=False,
        name="competencies",
    )


def components_schema(rules: Rules) -> pa.DataFrameSchema:
    """Component weights per person: sum 100; achievement ≥ the minimum outside probation."""

    def total(row: pd.Series) -> Decimal | None:
        parts = [row["w_achievement"], row["w_competency"], row.get("w_other")]
        if _blank(parts[0]) or _blank(parts[1]):
            return None
        return sum((p for p in parts if not _blank(p)), Decimal(0))

    def sum_ok(row: pd.Series) -> bool:
        value = total(row)
        return value is None or value == _HUNDRED

    def achievement_ok(row: pd.Series) -> bool:
        if row.get("probation") is True or _blank(row["w_achievement"]):
            return True
        return bool(row["w_achievement"] >= rules.min_achievement_weight)

    return pa.DataFrameSchema(
        {
            "person_id": _text(),
            "w_achievement": pa.Column(object, nullable=True),
            "w_competency": pa.Column(object, nullable=True),
        },
        checks=[
            _frame_check(_rowwise(sum_ok), "weights.components_sum"),
            _frame_check(_rowwise(achievement_ok), "weights.achievement_low"),
        ],
        strict=False,
        name="components",
    )


def roster_schema(rules: Rules) -> pa.DataFrameSchema:
    """Roster: valid unique national ids, known level codes, salary inside the range."""
    table = rules.salary_table

    ranges = {
        code: (level.min_temp if level.min_temp is not None else level.min, level.max)
        for code, level in table.levels.items()
    }

    def salaries_ok(df: pd.DataFrame) -> pd.Series:
        """Each salary inside its level's range (from the temporary minimum where there is
        one); an unknown level or a blank salary is reported on its own."""
        ok = []
        for code, salary in zip(df["level_code"].tolist(), df["salary"].tolist(), strict=True):
            bounds = ranges.get(str(code))
            ok.append(bounds is None or _blank(salary) or bool(bounds[0] <= salary <= bounds[1]))
        return pd.Series(ok, index=df.index, dtype=bool)

    return pa.DataFrameSchema(
        {
            "person_id": pa.Column(
                object,
                nullable=True,
                checks=[
                    pa.Check(
                        _national_ids_ok, name="roster.national_id", error="roster.national_id"
                    )
                ],
            ),
            "level_code": pa.Column(
                object,
                nullable=True,
                checks=[_element(lambda v: v in table.levels, "roster.level_code")],
            ),
            "salary": pa.Column(object, nullable=True),
            "pool_group": pa.Column(
                object,
                nullable=True,
                required=False,
                checks=[_element(lambda v: v in rules.pool_groups, "roster.pool_group")],
            ),
        },
        checks=[
            _frame_check(salaries_ok, "roster.salary_range"),
            _frame_check(_not_duplicated("person_id"), "roster.duplicate_id"),
        ],
        strict=False,
        name="roster",
    )
