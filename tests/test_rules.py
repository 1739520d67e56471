"""Rule sets: defaults as data, overrides, and a corpus of contradictory files."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from kpixl import RuleError, load_rules, rating_band, total_score
from kpixl.core.salary_table import LEVEL_CODES, load_salary_tables

BAD = sorted((Path(__file__).parent / "data" / "bad_rules").glob("*.toml"))


def test_defaults_hold_every_rule_of_the_spec() -> None:
    r = load_rules()
    assert (r.weights.achievement, r.weights.competency, r.weights.other) == (70, 30, 0)
    assert (r.probation_weights.achievement, r.probation_weights.competency) == (50, 50)
    assert r.kpi_max_count == 10
    assert r.scoring_method == "linear"
    assert r.competency_method == "rating"
    assert len(r.core_competencies) == 5 and len(r.managerial_competencies) == 6
    assert [(b.name, b.min_total) for b in r.bands] == [
        ("ดีเด่น", 90),
        ("ดีมาก", 80),
        ("ดี", 70),
        ("พอใช้", 60),
        ("ต้องปรับปรุง", None),
    ]
    assert r.band_named("ดีมาก").pct_max == Decimal("3.99")
    assert r.pool_rate_pct == 3 and r.max_increase_pct == 6 and r.rounding_step == 10
    assert r.special_comp_in_pool is True
    assert r.salary_table.id == "2560-10"
    assert r.pool_group_of("K2") == "วิชาการและทั่วไป"
    assert r.pool_group_of("D1") == "อำนวยการ"
    e = r.eligibility
    assert (e.min_months_served, e.max_leave_days, e.max_leave_times) == (4, 23, 10)
    assert (e.max_late_times, e.max_suspension_months) == (18, 2)
    assert not e.penalty_too_heavy("ภาคทัณฑ์") and e.penalty_too_heavy("ตัดเงินเดือน")
    assert r.competencies_for("อำนวยการ")[-1] == "การสอนงานและการมอบหมายงาน"
    assert len(r.competencies_for("วิชาการ")) == 5


def test_both_shipped_salary_tables_load_with_every_level() -> None:
    tables = load_salary_tables()
    assert set(tables) == {"2552", "2560-10"}
    for table in tables.values():
        assert tuple(sorted(table.levels)) == tuple(sorted(LEVEL_CODES))
    k2 = tables["2560-10"].level("K2")
    assert (k2.lower_base, k2.split_point, k2.upper_base, k2.max) == (24410, 29335, 36470, 43600)
    assert load_rules(salary_table="2552").salary_table.level("K2").max == 36020


def test_agency_file_overrides_a_subset(tmp_path: Path) -> None:
    agency = tmp_path / "agency.toml"
    agency.write_text(
        '[meta]\nid = "กรมตัวอย่าง"\n[weights]\nachievement = 80\ncompetency = 20\n'
        "[kpi]\nmax_count = 8\n",
        encoding="utf-8",
    )
    r = load_rules(agency)
    assert r.id == "กรมตัวอย่าง"
    assert r.weights.achievement == 80 and r.kpi_max_count == 8
    assert r.bands == load_rules().bands  # untouched rules keep their defaults
    assert r.sources == ("kpixl:default", str(agency))
    assert total_score(72, 68, rules=r) == Decimal("71.20")


def test_agency_bands_change_the_banding(tmp_path: Path) -> None:
    agency = tmp_path / "agency.toml"
    agency.write_text(
        "\n".join(
            [
                "[[bands]]",
                'code = "excellent"',
                'name = "ดีเด่น"',
                "min_total = 95",
                "pct_min = 4.5",
                "pct_max = 6",
                "[[bands]]",
                'code = "good"',
                'name = "ดี"',
                "min_total = 60",
                "pct_min = 1",
                "pct_max = 4",
                "[[bands]]",
                'code = "poor"',
                'name = "ต้องปรับปรุง"',
                "pct_min = 0",
                "pct_max = 0",
                "eligible = false",
            ]
        ),
        encoding="utf-8",
    )
    r = load_rules(agency)
    assert rating_band(94, rules=r) == "ดี"
    assert rating_band(95, rules=r) == "ดีเด่น"


def test_agency_can_load_a_newer_salary_table(tmp_path: Path) -> None:
    src = Path(__file__).resolve().parents[1] / "kpixl" / "data" / "salary_bases.csv"
    lines = src.read_text(encoding="utf-8").splitlines()
    newer = [lines[0]] + [
        line.replace("2560-10,2017-10-01", "2570-04,2027-04-01")
        for line in lines[1:]
        if line.startswith("2560-10")
    ]
    (tmp_path / "table.csv").write_text("\n".join(newer), encoding="utf-8")
    agency = tmp_path / "agency.toml"
    agency.write_text('[salary]\ntable = "2570-04"\ntable_file = "table.csv"\n', encoding="utf-8")
    assert load_rules(agency).salary_table.id == "2570-04"


def test_corpus_has_at_least_ten_bad_files() -> None:
    assert len(BAD) >= 10


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_every_bad_rule_file_is_rejected_naming_the_rule(path: Path) -> None:
    expected = path.read_text(encoding="utf-8").splitlines()[0].removeprefix("# expect: ")
    with pytest.raises(RuleError) as info:
        load_rules(path)
    named = [p.rule for p in info.value.problems]
    assert any(rule == expected or rule.endswith(expected) for rule in named), named
    assert expected in str(info.value)
    for problem in info.value.problems:
        assert problem.message_th and problem.message_en


def test_missing_rule_file_is_a_rule_error(tmp_path: Path) -> None:
    with pytest.raises(RuleError):
        load_rules(tmp_path / "nope.toml")
