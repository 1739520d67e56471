"""kpixl.core.calibration against a plain-pandas reference, and hand-checked cases."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpixl.core.calibration import (
    NOT_GIVEN,
    calibrate,
    evaluator_history,
    group_summary,
    near_edge,
    t_quantile,
)
from kpixl.core.rules import default_rules

RULES = default_rules()
BANDS = RULES.bands
TOP = {"ดีเด่น", "ดีมาก"}
EDGES = [Decimal(90), Decimal(80), Decimal(70), Decimal(60)]

# --- the plain-pandas reference ------------------------------------------------------


def _clean(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NOT_GIVEN
    return str(value).strip() or NOT_GIVEN


def reference(table: pd.DataFrame, by: str, margin: Decimal = Decimal(1)) -> pd.DataFrame:
    """The obvious groupby computation of count, mean, std, shares and near-edge counts."""
    frame = table.assign(**{by: table[by].map(_clean)})
    scored = frame.dropna(subset=["total"])
    grouped = scored.groupby(by)["total"]
    out = pd.DataFrame({"n": grouped.count(), "mean": grouped.mean(), "std": grouped.std()})
    out["top_share"] = scored.assign(top=scored["band"].isin(TOP)).groupby(by)["top"].mean()
    for band in BANDS:
        share = scored.assign(hit=scored["band"] == band.name).groupby(by)["hit"].mean()
        out[f"share_{band.code}"] = share

    def near(total: float) -> bool:
        d = Decimal(str(total))
        return any(edge - margin <= d < edge for edge in EDGES)

    out["near_edge"] = scored.assign(near=scored["total"].map(near)).groupby(by)["near"].sum()
    out["org_mean"] = scored["total"].mean()
    out["diff"] = out["mean"] - out["org_mean"]
    blanks = frame.groupby(by)["total"].apply(lambda s: int(s.isna().sum()))
    out["not_evaluated"] = blanks.reindex(out.index)
    return out


# --- random tables --------------------------------------------------------------------

EVALUATORS = ["นายสมชาย ใจดี", "นางสาวสุดา มีสุข", "Ann", "", "  ", None, " นายสมชาย ใจดี "]
UNITS = ["กองคลัง", "กองการเจ้าหน้าที่", "สำนักงานเลขานุการ", "Unit A"]
hundredths = st.integers(min_value=0, max_value=10000).map(lambda h: h / 100)
totals = st.one_of(hundredths, st.just(math.nan), st.sampled_from([89.0, 89.5, 79.99, 60.0, 59.0]))


@st.composite
def tables(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(min_value=1, max_value=40))
    same = draw(st.booleans())
    fixed = draw(hundredths)
    rows = []
    for i in range(n):
        total = fixed if same else draw(totals)
        band = "" if math.isnan(total) else RULES.band_for(Decimal(str(total))).name
        rows.append(
            {
                "person_id": f"P{i:03d}",
                "unit": draw(st.sampled_from(UNITS)),
                "evaluator": draw(st.sampled_from(EVALUATORS)),
                "total": total,
                "band": band,
            }
        )
    return pd.DataFrame(rows)


def _close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-7)


@settings(max_examples=150, deadline=None)
@given(tables(), st.sampled_from(["evaluator", "unit"]))
def test_matches_the_plain_pandas_reference(table: pd.DataFrame, by: str) -> None:
    ours = group_summary(table, by, BANDS).set_index(by)
    ref = reference(table, by)
    assert set(ref.index) <= set(ours.index)
    for name in ours.index.difference(ref.index):  # groups with no totals at all
        assert ours.loc[name, "n"] == 0
        assert ours.loc[name, "not_evaluated"] == (table[by].map(_clean) == name).sum()
        assert math.isnan(ours.loc[name, "mean"])
    for name, row in ref.iterrows():
        mine = ours.loc[name]
        assert mine["n"] == row["n"]
        assert mine["not_evaluated"] == row["not_evaluated"]
        assert mine["near_edge"] == row["near_edge"]
        for column in ["mean", "std", "top_share", "diff"] + [f"share_{b.code}" for b in BANDS]:
            assert _close(float(mine[column]), float(row[column])), (name, column)
        assert mine["small"] == (row["n"] < 5)
        if mine["small"]:
            assert not mine["stands_out"]
    # people without a total count nowhere but in not_evaluated
    assert ours["n"].sum() == table["total"].notna().sum()
    assert ours["n"].sum() + ours["not_evaluated"].sum() == len(table)


@settings(max_examples=100, deadline=None)
@given(tables(), st.sampled_from(["evaluator", "unit"]))
def test_intervals_hold_their_point_and_weighted_differences_cancel(
    table: pd.DataFrame, by: str
) -> None:
    ours = group_summary(table, by, BANDS)
    for _, row in ours.iterrows():
        if not math.isnan(row["diff_low"]):
            assert row["diff_low"] - 1e-9 <= row["diff"] <= row["diff_high"] + 1e-9
            assert row["n"] >= 2
        if not math.isnan(row["mean_low"]):
            assert row["mean_low"] - 1e-9 <= row["mean"] <= row["mean_high"] + 1e-9
        if row["std"] == 0:
            assert _close(row["mean_low"], row["mean"]) and _close(row["mean_high"], row["mean"])
        assert row["stands_out"] == (row["direction"] != "")
    scored = ours[ours["n"] > 0]
    weighted = float((scored["n"] * scored["diff"]).sum())
    assert abs(weighted) < 1e-6 * max(1, len(table))


@settings(max_examples=100, deadline=None)
@given(tables())
def test_near_edge_people_are_the_reference_ones(table: pd.DataFrame) -> None:
    found = near_edge(table, BANDS)
    expected = {
        row.person_id
        for row in table.itertuples()
        if not math.isnan(row.total) and any(e - 1 <= Decimal(str(row.total)) < e for e in EDGES)
    }
    assert set(found["person_id"]) == expected
    assert len(found) == len(expected)  # margin 1 < band width: one edge per person
    assert ((found["gap"] > 0) & (found["gap"] <= 1 + 1e-9)).all()
    assert (
        (found["edge"] - found["total"] - found["gap"]).abs().max() < 1e-9 if len(found) else True
    )
    cal = calibrate(table, BANDS)
    assert cal.by_evaluator["near_edge"].sum() == len(found)
    assert cal.by_unit["near_edge"].sum() == len(found)


# --- the t quantile -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("df", "expected"),
    [
        (1, 12.706),
        (2, 4.303),
        (5, 2.571),
        (10, 2.228),
        (30, 2.042),
        (120, 1.980),
        (math.inf, 1.960),
    ],
)
def test_t_quantile_matches_printed_tables(df: float, expected: float) -> None:
    assert t_quantile(0.95, df) == pytest.approx(expected, abs=0.0006)


@pytest.mark.parametrize("df", [1.3, 2.5, 7.7, 41.2])
def test_t_quantile_against_numerically_integrated_density(df: float) -> None:
    q = t_quantile(0.9, df)
    x = np.linspace(0.0, q, 200_001)
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    density = np.exp(log_c - (df + 1) / 2 * np.log1p(x * x / df))
    area = float(np.sum((density[1:] + density[:-1]) / 2 * np.diff(x)))
    assert 2 * area == pytest.approx(0.9, abs=1e-7)


def test_t_quantile_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        t_quantile(1.0, 5)
    with pytest.raises(ValueError):
        t_quantile(0.95, 0)


# --- hand-checked cases ---------------------------------------------------------------


def _rows(evaluator: str, unit: str, values: list[float], start: int) -> list[dict[str, Any]]:
    return [
        {
            "person_id": f"P{start + i}",
            "unit": unit,
            "evaluator": evaluator,
            "total": v,
            "band": RULES.band_for(Decimal(str(v))).name,
        }
        for i, v in enumerate(values)
    ]


def _committee() -> pd.DataFrame:
    lenient = [92, 94, 91, 95, 93, 90, 96, 92]
    strict = [74, 76, 72, 78, 75, 73, 77, 75]
    usual = [80, 82, 78, 84, 81, 79, 83, 81]
    small = [99, 98, 97]
    return pd.DataFrame(
        _rows("นางใจดี มากมาย", "กองคลัง", lenient, 0)
        + _rows("นายเข้ม งวด", "กองคลัง", strict, 100)
        + _rows("นายกลาง กลาง", "กองการเจ้าหน้าที่", usual, 200)
        + _rows("นายน้อย คน", "กองการเจ้าหน้าที่", small, 300)
    )


def test_a_lenient_evaluator_stands_out_above_with_an_interval_clear_of_zero() -> None:
    cal = calibrate(_committee(), BANDS)
    table = cal.by_evaluator.set_index("evaluator")
    kind = table.loc["นางใจดี มากมาย"]
    org = (sum([92, 94, 91, 95, 93, 90, 96, 92]) + 600 + 648 + 294) / 27
    assert cal.org_mean == pytest.approx(org)
    assert kind["mean"] == pytest.approx(92.875)
    assert kind["diff"] == pytest.approx(92.875 - org)
    assert kind["diff_low"] > 0
    assert kind["stands_out"] and kind["direction"] == "above"
    assert kind["top_share"] == 1.0 and kind["share_excellent"] == 1.0
    strict = table.loc["นายเข้ม งวด"]
    assert strict["diff_high"] < 0 and strict["direction"] == "below"
    assert strict["top_share"] == 0.0


def test_hand_computed_welch_interval() -> None:
    # group [1, 2, 3] (mean 2, var 1) against the rest [5, 7] (mean 6, var 2)
    table = pd.DataFrame(
        {
            "person_id": list("abcde"),
            "unit": ["u"] * 5,
            "evaluator": ["A", "A", "A", "B", "B"],
            "total": [1.0, 2.0, 3.0, 5.0, 7.0],
            "band": ["ต้องปรับปรุง"] * 5,
        }
    )
    row = group_summary(table, "evaluator", BANDS, min_group=2).set_index("evaluator").loc["A"]
    se = math.sqrt(1 / 3 + 2 / 2)
    df = (1 / 3 + 1) ** 2 / ((1 / 3) ** 2 / 2 + 1**2 / 1)
    half = t_quantile(0.95, df) * se
    factor = 1 - 3 / 5
    assert row["df"] == pytest.approx(df)
    assert row["diff"] == pytest.approx(2 - 18 / 5)
    assert row["diff_low"] == pytest.approx(factor * (-4 - half))
    assert row["diff_high"] == pytest.approx(factor * (-4 + half))
    assert row["mean_low"] == pytest.approx(2 - 4.302653 / math.sqrt(3), abs=1e-5)


def test_a_small_group_is_flagged_and_never_stands_out() -> None:
    cal = calibrate(_committee(), BANDS)
    few = cal.by_evaluator.set_index("evaluator").loc["นายน้อย คน"]
    assert few["n"] == 3 and few["small"]
    assert few["diff"] > 10  # far above, yet not judged
    assert not few["stands_out"] and few["direction"] == ""
    assert (
        not calibrate(_committee(), BANDS, min_group=3)
        .by_evaluator.set_index("evaluator")
        .loc["นายน้อย คน", "small"]
    )


def test_people_half_a_point_under_an_edge_are_found() -> None:
    table = pd.DataFrame(
        _rows("A", "u1", [89.5, 79.5, 88.99, 89.0, 90.0, 59.5, 0.0], 0)
        + _rows("B", "u2", [69.5, 75.0], 10)
    )
    found = near_edge(table, BANDS)
    assert list(found["person_id"]) == ["P0", "P1", "P5", "P10", "P3"]
    assert list(found["gap"]) == pytest.approx([0.5, 0.5, 0.5, 0.5, 1.0])
    by_id = found.set_index("person_id")
    assert by_id.loc["P0", "missed"] == "ดีเด่น" and by_id.loc["P0", "band"] == "ดีมาก"
    assert by_id.loc["P1", "missed"] == "ดีมาก"
    assert by_id.loc["P5", "missed"] == "พอใช้" and by_id.loc["P5", "edge"] == 60
    assert set(near_edge(table, BANDS, edge_margin=0.5)["person_id"]) == {"P0", "P1", "P5", "P10"}
    cal = calibrate(table, BANDS)
    assert dict(zip(cal.by_evaluator["evaluator"], cal.by_evaluator["near_edge"], strict=True)) == {
        "A": 4,
        "B": 1,
    }


def test_blank_evaluators_nan_totals_decimals_and_text() -> None:
    table = pd.DataFrame(
        {
            "person_id": ["1", "2", "3", "4", "5"],
            "unit": ["กองคลัง", " กองคลัง", None, "กองคลัง", "กองคลัง"],
            "evaluator": ["", None, "  ", "นายก", "นายก"],
            "total": [Decimal("89.50"), np.nan, "ยังไม่ประเมิน", Decimal("70"), True],
            "band": ["ดีมาก", "", "", "ดี", ""],
        }
    )
    cal = calibrate(table, BANDS)
    ev = cal.by_evaluator.set_index("evaluator")
    assert list(ev.index) == [NOT_GIVEN, "นายก"]
    assert ev.loc[NOT_GIVEN, "n"] == 1 and ev.loc[NOT_GIVEN, "not_evaluated"] == 2
    assert ev.loc[NOT_GIVEN, "mean"] == 89.5
    assert ev.loc["นายก", "n"] == 1  # True is not a score
    units = cal.by_unit.set_index("unit")
    assert units.loc["กองคลัง", "n"] == 2 and units.loc[NOT_GIVEN, "n"] == 0
    assert cal.org_n == 2 and cal.org_mean == pytest.approx(79.75)


def test_missing_columns_are_named() -> None:
    with pytest.raises(ValueError, match="evaluator"):
        calibrate(pd.DataFrame({"person_id": [], "unit": [], "total": [], "band": []}), BANDS)


def test_evaluator_history_lines_up_earlier_rounds() -> None:
    current = calibrate(_committee(), BANDS).by_evaluator
    previous = pd.DataFrame(
        {
            "round": ["2567/1", "2567/1", "2567/2", "2567/2", "2567/2"],
            "evaluator": ["นางใจดี มากมาย", "ผู้ย้ายออก", " นางใจดี มากมาย", "นายเข้ม งวด", ""],
            "mean": [91.0, 70.0, 93.5, 76.0, 80.0],
        }
    )
    lined = evaluator_history(current, previous, current_round="2568/1")
    assert list(lined.columns) == ["evaluator", "2567/1", "2567/2", "2568/1"]
    assert list(lined["evaluator"]) == list(current["evaluator"])
    row = lined.set_index("evaluator")
    assert row.loc["นางใจดี มากมาย", "2567/1"] == 91.0
    assert row.loc["นางใจดี มากมาย", "2567/2"] == 93.5
    assert row.loc["นางใจดี มากมาย", "2568/1"] == pytest.approx(92.875)
    assert math.isnan(row.loc["นายเข้ม งวด", "2567/1"])
    assert "ผู้ย้ายออก" not in row.index
    ordered = evaluator_history(
        current, previous, current_round="2568/1", rounds=["2567/2", "2567/1"]
    )
    assert list(ordered.columns) == ["evaluator", "2567/2", "2567/1", "2568/1"]
    shares = evaluator_history(
        current,
        previous.assign(top_share=[1.0, 0.0, 0.5, 0.0, 0.2]),
        current_round="2568/1",
        value="top_share",
    )
    assert shares.set_index("evaluator").loc["นางใจดี มากมาย", "2567/2"] == 0.5


@pytest.mark.parametrize("confidence", [0.5, 0.9, 0.95, 0.99, 0.999])
@pytest.mark.parametrize("df", [0.7, 1, 2.5, 9, 60, 5000, 2e6, 1e9, math.inf])
def test_t_quantile_falls_with_df_to_the_normal(confidence: float, df: float) -> None:
    q = t_quantile(confidence, df)
    z = t_quantile(confidence, math.inf)
    assert q >= z - 1e-9
    assert t_quantile(confidence, df * 2) <= q + 1e-9
    if df >= 1e6:
        assert q == pytest.approx(z, abs=1e-5)


# --- the evaluators' earlier rounds ---------------------------------------------------

PAST_ROUNDS = ["2568/1", "2568/2", "2569/1", "2569/2"]


@st.composite
def past_tables(draw: st.DrawFn) -> pd.DataFrame:
    parts = []
    for rnd in draw(st.lists(st.sampled_from(PAST_ROUNDS), unique=True, max_size=4)):
        parts.append(draw(tables()).assign(round_id=rnd))
    if not parts:
        return pd.DataFrame(columns=["round_id", "person_id", "unit", "evaluator", "total", "band"])
    return pd.concat(parts, ignore_index=True)


@settings(max_examples=80, deadline=None)
@given(tables(), past_tables(), st.integers(min_value=0, max_value=4))
def test_earlier_rounds_match_a_plain_pandas_groupby(
    current: pd.DataFrame, past: pd.DataFrame, last: int
) -> None:
    from kpixl.core.calibration import earlier_rounds

    cal = calibrate(current, BANDS)
    order = [r for r in PAST_ROUNDS if r in set(past["round_id"])]
    got = earlier_rounds(cal, past, current_round="2570/1", rounds=order, last=last)
    shown = order[-last:] if last else []
    assert got.rounds == tuple(shown) and got.archived == len(order)
    for table in (got.mean, got.top_share):
        assert list(table.columns) == ["evaluator", *shown, "2570/1"]
        assert list(table["evaluator"]) == list(cal.by_evaluator["evaluator"])
    scored = past.assign(evaluator=past["evaluator"].map(_clean)).dropna(subset=["total"])
    mean = scored.groupby(["round_id", "evaluator"])["total"].mean()
    top = scored.assign(top=scored["band"].isin(TOP)).groupby(["round_id", "evaluator"])["top"]
    top_share = top.mean()
    for table, ref in ((got.mean, mean), (got.top_share, top_share)):
        for row in table.to_dict("records"):
            for rnd in shown:
                want = float(ref.get((rnd, row["evaluator"]), math.nan))
                assert _close(float(row[rnd]), want), (rnd, row["evaluator"])
    now = cal.by_evaluator
    assert [_close(a, b) for a, b in zip(got.mean["2570/1"], now["mean"], strict=True)] == [
        True
    ] * len(now)


def test_earlier_rounds_without_an_archive_and_the_round_itself() -> None:
    from kpixl.core.calibration import earlier_rounds, with_earlier

    cal = calibrate(_committee(), BANDS)
    none = earlier_rounds(cal, None, current_round="2568/1")
    assert none.rounds == () and none.archived == 0
    assert list(none.mean.columns) == ["evaluator", "2568/1"]
    assert calibrate(_committee(), BANDS).earlier is None
    # the round itself is never its own past; the last three are shown
    past = pd.concat(
        [
            _committee().assign(round_id=r)
            for r in ["2566/1", "2566/2", "2567/1", "2567/2", "2568/1"]
        ]
    )
    got = with_earlier(cal, past, current_round="2568/1").earlier
    assert got is not None
    assert got.rounds == ("2566/2", "2567/1", "2567/2") and got.archived == 4
    assert list(got.mean.iloc[0, 1:]) == pytest.approx([got.mean.iloc[0, -1]] * 4)
    with pytest.raises(ValueError, match="round_id"):
        earlier_rounds(cal, _committee(), current_round="2568/1")
