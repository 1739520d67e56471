"""Checks across rounds (issue 17, item 3): this round against the last archived one.

End to end on real files: a two-round demo (both rounds consolidated and archived in a
real SQLite archive), each case planted in round 2's master (openpyxl) or in the
archive (SQL), then ``kpixl consolidate``; the finding must be in the findings, in the
``--json`` output and on the Issues sheet of the written master. Then the pure checks
of :mod:`kpixl.core.cross_round` on small frames.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from kpixl.cli import main
from kpixl.core.codes import CODES
from kpixl.core.cross_round import Places, cross_round_findings, has_left
from kpixl.core.findings import WARNING, Finding
from kpixl.core.rounds import Round, following, parse_round
from kpixl.core.rules import default_rules
from kpixl.core.text import column_letter, text_of
from kpixl.jobs.consolidate import consolidate
from kpixl.jobs.demo import build_rounds
from kpixl.jobs.next_round import following as following_of_next_round
from kpixl.jobs.results import Consolidation
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.master import read_master

HISTORY = ("history.salary_changed", "history.improve_twice", "history.band_jump")
CODES_HERE = (*HISTORY, "history.missing", "history.gap")
BANDS = [b.name for b in default_rules().bands]  # highest first
LOWEST = BANDS[-1]
SALARY = column_letter(M.ROSTER_COLUMNS.index("salary"))
BAND = column_letter(M.RESULT_COLUMNS.index("band"))
Key = tuple[str, str, str, str]  # rule, person_id, sheet, cell


# ---------------------------------------------------------------- two archived rounds


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("built")
    result = build_rounds(out, 2, units=2, people=8)
    assert result.findings == []
    return out


@pytest.fixture(scope="module")
def baseline(built: Path) -> Consolidation:
    """Round 2 as the demo leaves it, consolidated again without writing."""
    return consolidate(built / "2570-2" / "master.xlsx", write=False)


@pytest.fixture
def rounds(built: Path, tmp_path: Path) -> Path:
    out = tmp_path / "rounds"
    shutil.copytree(built, out)
    return out


def master_of(rounds: Path, slug: str = "2570-2") -> Path:
    return rounds / slug / "master.xlsx"


def sql(db: Path, statement: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as con:
        rows = con.execute(statement, params).fetchall()
    con.close()
    return rows


def round_pk(db: Path, round_id: str) -> int:
    ((pk,),) = sql(db, "SELECT round_pk FROM kpixl_rounds WHERE round_id = ?", round_id)
    return int(pk)


def set_band(db: Path, round_id: str, person_id: str, band: str) -> None:
    pk = round_pk(db, round_id)
    sql(
        db,
        "UPDATE kpixl_results SET band = ? WHERE round_pk = ? AND person_id = ?",
        band,
        pk,
        person_id,
    )
    assert sql(
        db, "SELECT band FROM kpixl_results WHERE round_pk = ? AND person_id = ?", pk, person_id
    ) == [(band,)]


def roster_row(ws: Any, person_id: str) -> int:
    for row in range(M.FIRST_ROW, ws.max_row + 1):
        if text_of(ws[f"A{row}"].value) == person_id:
            return row
    raise AssertionError(f"{person_id} is not on the roster")


def edit_roster(master: Path, person_id: str, **values: Any) -> int:
    """Set Roster cells of a person (by column name); the person's sheet row."""
    wb = openpyxl.load_workbook(master)
    ws = wb[M.ROSTER]
    row = roster_row(ws, person_id)
    for name, value in values.items():
        ws[f"{column_letter(M.ROSTER_COLUMNS.index(name))}{row}"] = value
    wb.save(master)
    return row


def delete_from_roster(master: Path, person_id: str) -> None:
    wb = openpyxl.load_workbook(master)
    ws = wb[M.ROSTER]
    ws.delete_rows(roster_row(ws, person_id))
    wb.save(master)


def set_config(master: Path, key: str, value: Any) -> None:
    wb = openpyxl.load_workbook(master)
    ws = wb[M.CONFIG]
    row = next(r for r in range(M.FIRST_ROW, ws.max_row + 1) if ws[f"A{r}"].value == key)
    ws[f"B{row}"] = value
    wb.save(master)


def history(findings: list[Finding]) -> set[Key]:
    return {
        (f.rule, f.person_id, f.sheet, f.cell) for f in findings if f.rule.startswith("history.")
    }


def issues_sheet(master: Path) -> set[Key]:
    """What the written master's Issues sheet says of the history.* findings."""
    ws = openpyxl.load_workbook(master, read_only=True)[M.ISSUES]
    col = {name: i for i, name in enumerate(M.ISSUE_COLUMNS)}
    found = set()
    for values in ws.iter_rows(min_row=M.FIRST_ROW, values_only=True):
        rule = text_of(values[col["rule"]])
        if rule.startswith("history."):
            found.add(
                (
                    rule,
                    text_of(values[col["person_id"]]),
                    text_of(values[col["sheet"]]),
                    text_of(values[col["cell"]]),
                )
            )
    return found


def run_json(master: Path, capsys: pytest.CaptureFixture[str]) -> set[Key]:
    """``kpixl consolidate --json MASTER`` (it writes the master): its history.* findings."""
    main(["consolidate", "--json", str(master)])
    report = json.loads(capsys.readouterr().out)
    return {
        (f["rule"], f["person_id"], f["sheet"], f["cell"])
        for f in report["findings"]
        if f["rule"].startswith("history.")
    }


def results_cell(c: Consolidation, person_id: str) -> str:
    (i,) = [i for i, p in enumerate(c.results["person_id"]) if p == person_id]
    return f"{BAND}{M.HEADER_ROW + 1 + i}"


def salary_of(c: Consolidation, person_id: str) -> int:
    (salary,) = c.results.loc[c.results["person_id"] == person_id, "salary"].tolist()
    return int(salary)


def band_of(c: Consolidation, person_id: str) -> str:
    return str(c.results.set_index("person_id").loc[person_id, "band"])


def level(band: str) -> int:
    return BANDS.index(band)


def one(findings: list[Finding], rule: str, person_id: str) -> Finding:
    (f,) = [f for f in findings if f.rule == rule and f.person_id == person_id]
    return f


# ---------------------------------------------------------------- the demo itself


def test_the_demo_round_two_has_no_finding_but_what_its_bands_say(
    built: Path, baseline: Consolidation
) -> None:
    """Unplanted, round 2's salaries follow round 1's and everyone is carried: no salary,
    missing or gap finding. Its evaluations are drawn afresh each round, so its band
    findings are exactly those a plain reading of the two rounds' bands gives."""
    assert baseline.past is not None and baseline.past.rounds == ["2570/1"]
    db = built / "kpixl.db"
    before = dict(
        sql(
            db,
            "SELECT person_id, band FROM kpixl_results WHERE round_pk = ?",
            round_pk(db, "2570/1"),
        )
    )
    expected: set[Key] = set()
    for person_id, band in zip(
        baseline.results["person_id"], baseline.results["band"], strict=True
    ):
        then = before.get(person_id)
        if then is None:
            continue
        cell = results_cell(baseline, person_id)
        if band == then == LOWEST:
            expected.add(("history.improve_twice", person_id, M.RESULTS, cell))
        elif abs(level(band) - level(then)) >= 2:
            expected.add(("history.band_jump", person_id, M.RESULTS, cell))
    assert history(baseline.findings) == expected
    assert all(f.severity == WARNING for f in baseline.findings if f.rule.startswith("history."))


# ---------------------------------------------------------------- each check, planted


def test_a_changed_salary_is_found_at_its_roster_cell(
    rounds: Path, baseline: Consolidation, capsys: pytest.CaptureFixture[str]
) -> None:
    master = master_of(rounds)
    person = str(baseline.results["person_id"].iloc[0])
    salary = salary_of(baseline, person)
    row = edit_roster(master, person, salary=salary - 10)
    key = ("history.salary_changed", person, M.ROSTER, f"{SALARY}{row}")
    assert key in run_json(master, capsys)
    assert key in issues_sheet(master)
    result = consolidate(master, write=False)
    f = one(result.findings, "history.salary_changed", person)
    assert f.severity == WARNING and f.file == "master.xlsx"
    for number in (f"{salary - 10:,}", f"{salary:,}", "2570/1"):
        assert number in f.message_th and number in f.message_en, f
    assert f.message_th.startswith("เงินเดือน")  # Thai first
    assert [k for k in history(result.findings) if k[0] == "history.salary_changed"] == [key]


def test_a_salary_note_keeps_the_salary_quiet(rounds: Path, baseline: Consolidation) -> None:
    master = master_of(rounds)
    explained, unexplained = (str(p) for p in baseline.results["person_id"].iloc[:2])
    salaries = baseline.results.set_index("person_id")["salary"]
    edit_roster(
        master,
        explained,
        salary=int(salaries[explained]) - 20,
        salary_note="เลื่อนเงินเดือนกรณีพิเศษ คำสั่งที่ 12/2570",
    )
    edit_roster(master, unexplained, salary=int(salaries[unexplained]) - 20, salary_note="  ")
    result = consolidate(master)
    changed = {k[1] for k in history(result.findings) if k[0] == "history.salary_changed"}
    assert changed == {unexplained}  # a blank note (spaces) explains nothing
    assert {k[1] for k in issues_sheet(master) if k[0] == "history.salary_changed"} == {unexplained}


def test_the_lowest_band_twice_is_found(
    rounds: Path, baseline: Consolidation, capsys: pytest.CaptureFixture[str]
) -> None:
    lowest_now = [
        p
        for p, b in zip(baseline.results["person_id"], baseline.results["band"], strict=True)
        if b == LOWEST
    ]
    assert lowest_now, "the demo's round 2 rates no one in the lowest band: choose another seed"
    person = str(lowest_now[0])
    db = rounds / "kpixl.db"
    set_band(db, "2570/1", person, LOWEST)
    master = master_of(rounds)
    key = ("history.improve_twice", person, M.RESULTS, results_cell(baseline, person))
    assert key in run_json(master, capsys)
    assert key in issues_sheet(master)
    f = one(consolidate(master, write=False).findings, "history.improve_twice", person)
    assert f.severity == WARNING and LOWEST in f.message_th and "2570/1" in f.message_en
    # the same person a band higher last round: no longer twice
    set_band(db, "2570/1", person, BANDS[-2])
    assert "history.improve_twice" not in {
        f.rule for f in consolidate(master, write=False).findings if f.person_id == person
    }


@pytest.mark.parametrize("step", [2, -2, 1])
def test_a_band_jump_of_two_levels_is_a_prompt(
    rounds: Path, baseline: Consolidation, capsys: pytest.CaptureFixture[str], step: int
) -> None:
    """Last round's band ``step`` levels from this round's (positive: last round was
    higher): two or more is a prompt, one is nothing."""
    db = rounds / "kpixl.db"
    person = next(
        str(p)
        for p, b in zip(baseline.results["person_id"], baseline.results["band"], strict=True)
        if 0 <= level(b) - step < len(BANDS) and b != LOWEST
    )
    now = band_of(baseline, person)
    then = BANDS[level(now) - step]
    set_band(db, "2570/1", person, then)
    master = master_of(rounds)
    key = ("history.band_jump", person, M.RESULTS, results_cell(baseline, person))
    found = run_json(master, capsys)
    if abs(step) < 2:
        assert key not in found and key not in issues_sheet(master)
        return
    assert key in found
    assert key in issues_sheet(master)
    f = one(consolidate(master, write=False).findings, "history.band_jump", person)
    assert f.severity == WARNING
    assert "โปรดตรวจสอบ" in f.message_th and "please confirm" in f.message_en
    assert then in f.message_th and now in f.message_th and "2 levels" in f.message_en
    assert ("down" if step > 0 else "up") in f.message_en


@pytest.mark.parametrize("marked", [None, "ไม่ใช่", "no"])
def test_a_person_missing_from_the_roster(
    rounds: Path, baseline: Consolidation, capsys: pytest.CaptureFixture[str], marked: str | None
) -> None:
    """Deleted from round 2's roster: missing, unless round 1's roster marked them as
    left (holds_position = ไม่ใช่ / no)."""
    master = master_of(rounds)
    db = rounds / "kpixl.db"
    person = str(baseline.results["person_id"].iloc[-1])
    ((name, unit, extra),) = sql(
        db,
        "SELECT name, unit, extra_json FROM kpixl_roster WHERE round_pk = ? AND person_id = ?",
        round_pk(db, "2570/1"),
        person,
    )
    if marked is not None:
        extra = json.dumps({**json.loads(extra), "holds_position": marked}, ensure_ascii=False)
        sql(
            db,
            "UPDATE kpixl_roster SET extra_json = ? WHERE round_pk = ? AND person_id = ?",
            extra,
            round_pk(db, "2570/1"),
            person,
        )
    delete_from_roster(master, person)
    key = ("history.missing", person, M.ROSTER, "")
    found = run_json(master, capsys)
    if marked is not None:
        assert not any(k[0] == "history.missing" for k in found), found
        assert not any(k[0] == "history.missing" for k in issues_sheet(master))
        return
    assert key in found
    assert key in issues_sheet(master)
    f = one(consolidate(master, write=False).findings, "history.missing", person)
    assert f.severity == WARNING and f.file == "master.xlsx"
    for part in (name, unit, "2570/1"):
        assert part in f.message_th and part in f.message_en


# ---------------------------------------------------------------- when nothing is compared


def test_no_archive_gives_no_history_at_all(rounds: Path) -> None:
    master = master_of(rounds)
    (rounds / "kpixl.db").unlink()
    set_config(master, "archive_db", None)  # blank: kpixl.db beside the master, absent
    result = consolidate(master, write=False)
    assert result.past is None
    assert history(result.findings) == set()
    assert result.units_read > 0 and len(result.results) > 0


def test_a_named_archive_that_is_gone_is_one_warning_and_no_check(rounds: Path) -> None:
    (rounds / "kpixl.db").unlink()
    result = consolidate(master_of(rounds), write=False)
    assert [k[0] for k in history(result.findings)] == ["history.unreadable"]


def test_the_first_round_compares_with_nothing(rounds: Path) -> None:
    result = consolidate(master_of(rounds, "2570-1"), write=False)
    assert result.past is not None and result.past.rounds == []
    assert history(result.findings) == set()


def test_a_gap_is_one_finding_and_no_check(
    rounds: Path, baseline: Consolidation, capsys: pytest.CaptureFixture[str]
) -> None:
    """The archive's last round before 2570/2 is 2569/2, not 2570/1: one history.gap,
    and none of the four checks (a planted salary change is not reported)."""
    db = rounds / "kpixl.db"
    sql(db, "UPDATE kpixl_rounds SET round_id = '2569/2' WHERE round_id = '2570/1'")
    master = master_of(rounds)
    person = str(baseline.results["person_id"].iloc[0])
    salary = salary_of(baseline, person)
    edit_roster(master, person, salary=salary - 10)
    row = read_master(master).config_rows["round_id"]
    found = run_json(master, capsys)
    (gap,) = found
    assert gap[0] == "history.gap" and gap[2] == M.CONFIG and gap[1] == ""
    assert gap in issues_sheet(master)
    (f,) = [f for f in consolidate(master, write=False).findings if f.rule.startswith("history.")]
    assert "2570/1" in f.message_th and "2569/2" in f.message_th and "2570/2" in f.message_en
    assert f.cell == f"B{row}" and f.field == "round_id" and f.value == "2569/2"


# ---------------------------------------------------------------- the pure checks

PLACES = Places(
    file="m.xlsx",
    roster_sheet="Roster",
    salary_column="G",
    results_sheet="Results",
    band_column="L",
    config_sheet="Config",
    round_cell="B7",
)


def frames(
    people: list[tuple[str, Any, Any, str, str]],
    past: list[tuple[str, Any, str, Any]],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``people``: (id, salary, salary_note, band now, holds_position last round) of this
    round; ``past``: (id, new_salary, band, last roster salary) of the last round."""
    roster = pd.DataFrame(
        {
            "person_id": [p[0] for p in people],
            "name": [f"คน {p[0]}" for p in people],
            "salary": [p[1] for p in people],
            "salary_note": [p[2] for p in people],
            "_row": range(4, 4 + len(people)),
        }
    )
    results = pd.DataFrame(
        {
            "person_id": [p[0] for p in people if p[3]],
            "name": [f"คน {p[0]}" for p in people if p[3]],
            "band": [p[3] for p in people if p[3]],
        }
    )
    results["_row"] = range(4, 4 + len(results))
    last_results = pd.DataFrame(
        {
            "person_id": [p[0] for p in past if p[2]],
            "band": [p[2] for p in past if p[2]],
            "new_salary": [p[1] for p in past if p[2]],
        }
    )
    left = {p[0]: p[4] for p in people}
    last_roster = pd.DataFrame(
        {
            "person_id": [p[0] for p in past],
            "name": [f"คน {p[0]}" for p in past],
            "unit": ["U01"] * len(past),
            "salary": [p[3] for p in past],
            "holds_position": [left.get(p[0], "") for p in past],
        }
    )
    return roster, results, last_results, last_roster


def check(
    people: list[tuple[str, Any, Any, str, str]],
    past: list[tuple[str, Any, str, Any]],
    *,
    round_id: str = "2570/2",
    rounds: tuple[str, ...] = ("2570/1",),
    last_roster_extra: Sequence[tuple[str, Any]] = (),
) -> list[Finding]:
    roster, results, last_results, last_roster = frames(people, past)
    if last_roster_extra:
        extra = pd.DataFrame(
            {
                "person_id": [p for p, _ in last_roster_extra],
                "name": "ผู้ที่ไป",
                "unit": "U02",
                "salary": 20000,
                "holds_position": [h for _, h in last_roster_extra],
            }
        )
        last_roster = pd.concat([last_roster, extra], ignore_index=True)
    return cross_round_findings(
        round_id,
        roster,
        results,
        past_rounds=list(rounds),
        last_results=last_results,
        last_roster=last_roster,
        bands=BANDS,
        places=PLACES,
        db="kpixl.db",
    )


def keys(findings: list[Finding]) -> list[tuple[str, str, str]]:
    return [(f.rule, f.person_id, f.cell) for f in findings]


def test_pure_salary_compare_is_exact_in_baht_with_float_noise_tolerated() -> None:
    from decimal import Decimal

    people = [
        ("1", Decimal("30010"), None, "", ""),  # 10 baht off
        ("2", 30000.0000001, None, "", ""),  # float noise
        ("3", Decimal("30000.01"), None, "", ""),  # one satang off
        ("4", 30010, "ปรับตามบัญชีใหม่", "", ""),  # explained
        ("5", None, None, "", ""),  # blank: the roster check says so
        ("6", "สามหมื่น", None, "", ""),  # text: the roster check says so
        ("7", 25000, None, "", ""),  # no result last round: the last roster's salary
        ("8", 40000, None, "", ""),  # new this round: nothing to compare
    ]
    past = [
        ("1", 30000, "ดี", 29000),
        ("2", 30000, "ดี", 29000),
        ("3", 30000, "ดี", 29000),
        ("4", 30000, "ดี", 29000),
        ("5", 30000, "ดี", 29000),
        ("6", 30000, "ดี", 29000),
        ("7", None, "", 24000),
    ]
    roster, results, last_results, last_roster = frames(people, past)
    last_roster = last_roster[last_roster["person_id"] != "1"]  # a result, not on the roster
    found = cross_round_findings(
        "2570/2",
        roster,
        results,
        past_rounds=["2570/1"],
        last_results=last_results,
        last_roster=last_roster,
        bands=BANDS,
        places=PLACES,
    )
    assert [f.rule for f in found if f.person_id == "1"] == ["history.salary_changed"]
    found = check(people, past)
    assert keys(found) == [
        ("history.salary_changed", "1", "G4"),
        ("history.salary_changed", "3", "G6"),
        ("history.salary_changed", "7", "G10"),
    ]
    assert "30,010" in found[0].message_en and "30,000" in found[0].message_en
    assert "30,000.01" in found[1].message_th
    assert "24,000" in found[2].message_en and "25,000" in found[2].message_en


def test_pure_salary_message_names_the_figure_it_compared() -> None:
    """The new salary when one is archived; the last round's roster salary when none is
    (NULL in the archive), and the message says which."""
    people = [("1", 30010, None, "", ""), ("2", 25000, None, "", "")]
    past = [("1", 30000, "ดี", 29000), ("2", None, "ดี", 24000)]  # 2: new_salary NULL
    found = check(people, past)
    assert keys(found) == [
        ("history.salary_changed", "1", "G4"),
        ("history.salary_changed", "2", "G5"),
    ]
    new, kept = found
    assert "ไม่เท่ากับเงินเดือนใหม่ของรอบ 2570/1 (30,000 บาท)" in new.message_th
    assert "is not the new salary of round 2570/1 (30,000 baht)" in new.message_en
    assert "บัญชีรายชื่อ" not in new.message_th.split("ไม่เท่ากับ")[1].split("ให้ตรวจ")[0]
    assert "เงินเดือนใหม่ของรอบ" not in kept.message_th
    assert "ไม่เท่ากับเงินเดือนตามบัญชีรายชื่อ (ไม่มีเงินเดือนใหม่ในคลัง)ของรอบ 2570/1" in (kept.message_th)
    assert "(24,000 บาท)" in kept.message_th and "25,000" in kept.message_th
    assert "is not the roster salary (no new salary archived) of round 2570/1" in kept.message_en
    assert "new salary of round" not in kept.message_en


@pytest.mark.parametrize(
    "figure",
    [
        float("nan"),
        float("inf"),
        float("-inf"),
        "inf",
        "NaN",
        "สามหมื่น",
        "",
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        10**400,
    ],
    ids=repr,
)
def test_pure_a_figure_that_is_no_finite_number_is_missing(figure: Any) -> None:
    """A non-numeric, NaN or infinite archived new salary is missing: the roster salary
    of that round is compared (equal: nothing; different: said so). Such a figure on
    either roster is not compared at all. No crash, no false warning."""
    people = [
        ("1", 29000, None, "", ""),  # its new salary is bad: the last roster's 29,000 stays
        ("2", 30000, None, "", ""),  # bad new salary, last roster 29,000: differs
        ("3", figure, None, "", ""),  # this roster's salary is bad: not compared
        ("4", 31000, None, "", ""),  # bad new salary and bad last roster salary
    ]
    past = [
        ("1", figure, "ดี", 29000),
        ("2", figure, "ดี", 29000),
        ("3", 30000, "ดี", 29000),
        ("4", figure, "ดี", figure),
    ]
    found = [f for f in check(people, past) if f.rule == "history.salary_changed"]
    assert keys(found) == [("history.salary_changed", "2", "G5")]
    assert "the roster salary (no new salary archived)" in found[0].message_en
    assert "(29,000 baht)" in found[0].message_en
    for f in found:
        assert "nan" not in f.message_en.casefold() and "inf" not in f.message_en.casefold()


def test_pure_bands_twice_and_jumps() -> None:
    top, very_good, good, fair, low = BANDS
    people = [
        ("1", 1, None, low, ""),
        ("2", 1, None, top, ""),
        ("3", 1, None, fair, ""),
        ("4", 1, None, good, ""),
        ("5", 1, None, very_good, ""),
        ("6", 1, None, "ไม่มีระดับนี้", ""),
        ("7", 1, None, low, ""),
    ]
    past = [
        ("1", 1, low, 1),  # lowest twice
        ("2", 1, low, 1),  # up four
        ("3", 1, top, 1),  # down three
        ("4", 1, fair, 1),  # up one: nothing
        ("5", 1, "ระดับเก่า", 1),  # a band this round does not name: not compared
        ("6", 1, top, 1),
        ("7", 1, good, 1),  # down two, into the lowest
    ]
    found = check(people, past)
    assert keys(found) == [
        ("history.improve_twice", "1", "L4"),
        ("history.band_jump", "2", "L5"),
        ("history.band_jump", "3", "L6"),
        ("history.band_jump", "7", "L10"),
    ]
    assert "4 levels up" in found[1].message_en and "ขึ้น 4 ระดับ" in found[1].message_th
    assert "3 levels down" in found[2].message_en and "ลง 3 ระดับ" in found[2].message_th
    assert all(f.sheet == "Results" and f.file == "m.xlsx" for f in found)


def test_the_lowest_band_is_found_by_its_order_not_its_name() -> None:
    roster, results, last_results, last_roster = frames(
        [("1", 1, None, "C", "")], [("1", 1, "C", 1)]
    )
    found = cross_round_findings(
        "2570/2",
        roster,
        results,
        past_rounds=["2570/1"],
        last_results=last_results,
        last_roster=last_roster,
        bands=["A", "B", "C"],
        places=PLACES,
    )
    assert keys(found) == [("history.improve_twice", "1", "L4")]


def test_pure_missing_unless_marked_as_left() -> None:
    people = [("1", 1, None, "", "")]
    past = [("1", 1, "ดี", 1)]
    left = [("2", ""), ("3", "ไม่ใช่"), ("4", " No "), ("5", "ใช่"), ("6", False), ("2", "")]
    found = check(people, past, last_roster_extra=left)
    assert keys(found) == [("history.missing", "2", ""), ("history.missing", "5", "")]
    assert all(f.sheet == "Roster" and "U02" in f.message_th for f in found)
    assert list(has_left(["ไม่ใช่", "no", "NO", "0", "ใช่", "", None, True, False])) == [
        True,
        True,
        True,
        True,
        False,
        False,
        False,
        False,
        True,
    ]


def test_pure_first_round_and_gap() -> None:
    people = [("1", 30010, None, "", "")]
    past = [("1", 30000, "ดี", 29000)]
    assert check(people, past, rounds=()) == []
    (gap,) = check(people, past, round_id="2571/1", rounds=("2569/2", "2570/1"))
    assert (gap.rule, gap.sheet, gap.cell, gap.field, gap.value) == (
        "history.gap",
        "Config",
        "B7",
        "round_id",
        "2570/1",
    )
    assert (
        "2570/2" in gap.message_th and "2571/1" in gap.message_en and "kpixl.db" in gap.message_en
    )
    (gap,) = check(people, past, round_id="2570/1", rounds=("2569/1",))
    assert "2569/2" in gap.message_en  # the round before a round 1 is the year before's 2
    assert check(people, past, round_id="not a round") == []


def test_following_lives_in_core_and_next_round_uses_it() -> None:
    assert following_of_next_round is following
    assert following(parse_round("2570/1")) == Round(2570, 2)
    assert following(parse_round("2570/2")) == Round(2571, 1)


def test_every_history_code_is_in_the_catalogue_thai_first() -> None:
    for code in CODES_HERE:
        severity, th, en = CODES[code]
        assert severity == WARNING
        assert any("\u0e00" <= ch <= "\u0e7f" for ch in th), code  # the Thai message
        assert en[:1] in ("{", "t"), code  # and the English one


def test_fifty_thousand_people_are_checked_quickly() -> None:
    import time

    n = 50_000
    ids = [f"{i:013d}" for i in range(n)]
    roster = pd.DataFrame(
        {
            "person_id": ids,
            "name": "ชื่อ",
            "salary": [30000 + (i % 7 == 0) * 10 for i in range(n)],
            "salary_note": None,
            "_row": range(4, 4 + n),
        }
    )
    results = pd.DataFrame(
        {
            "person_id": ids,
            "name": "ชื่อ",
            "band": [BANDS[i % 5] for i in range(n)],
            "_row": range(4, 4 + n),
        }
    )
    last_results = pd.DataFrame(
        {"person_id": ids, "band": [BANDS[(i + 1) % 5] for i in range(n)], "new_salary": 30000}
    )
    last_roster = pd.DataFrame(
        {"person_id": ids, "name": "ชื่อ", "unit": "U", "salary": 29000, "holds_position": ""}
    )
    start = time.perf_counter()
    found = cross_round_findings(
        "2570/2",
        roster,
        results,
        past_rounds=["2570/1"],
        last_results=last_results,
        last_roster=last_roster,
        bands=BANDS,
        places=PLACES,
    )
    seconds = time.perf_counter() - start
    salary = sum(f.rule == "history.salary_changed" for f in found)
    jumps = sum(f.rule == "history.band_jump" for f in found)
    assert salary == len(range(0, n, 7)) and jumps == n // 5  # the top last round, the lowest now
    assert seconds < 30, seconds
