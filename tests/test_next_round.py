"""The next round (issue 17, item 2): ``kpixl round next`` and ``kpixl demo --rounds``.

Real files and a real SQLite archive: a three-round demo, then ``kpixl history`` (the
issue's acceptance test), and ``next_round`` on its archived first round; the same on
a real PostgreSQL server (``tests/db_servers.py``).
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from db_servers import fresh_database, pg_url
from sqlalchemy import create_engine, text

from kpixl.cli import main
from kpixl.core.rounds import parse_round
from kpixl.core.text import text_of
from kpixl.jobs.archive import archive_master
from kpixl.jobs.consolidate import consolidate
from kpixl.jobs.demo import build_demo
from kpixl.jobs.next_round import CLEARED, following, next_round, shifted
from kpixl.jobs.round import round_rules
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.master import read_master

__all__ = ["pg_url"]  # the session fixture, imported for pytest

ROUNDS = ("2570/1", "2570/2", "2571/1")


@pytest.fixture(scope="module")
def rounds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rounds")
    code = main(["demo", str(out), "--rounds", "3", "--units", "2", "--people", "8"])
    assert code == 0
    return out


def _ids(master: Path) -> list[str]:
    roster = read_master(master).roster
    return [text_of(p) for p in roster["person_id"]]


def _archived(db: Path, round_id: str, column: str) -> dict[str, float]:
    with sqlite3.connect(db) as con:
        rows = con.execute(
            f"SELECT r.person_id, r.{column} FROM kpixl_results r JOIN kpixl_rounds o"
            " ON r.round_pk = o.round_pk WHERE o.round_id = ? AND o.superseded_by IS NULL",
            (round_id,),
        ).fetchall()
    return {str(p): float(v) for p, v in rows if v is not None}


def test_demo_rounds_history_chains(rounds: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The acceptance test: three rounds in sub-folders named by round, archived in
    DIR/kpixl.db, and each person's history chains round n's new salary into round
    n+1's salary."""
    assert sorted(p.name for p in rounds.iterdir()) == ["2570-1", "2570-2", "2571-1", "kpixl.db"]
    for round_id in ROUNDS:
        master = rounds / parse_round(round_id).slug / "master.xlsx"
        assert text_of(read_master(master).config["round_id"]) == round_id
    people = _ids(rounds / "2570-1" / "master.xlsx")
    assert len(people) == 8
    raised = 0
    for person in people:
        capsys.readouterr()
        code = main(["history", person, "--db", str(rounds / "kpixl.db"), "--json"])
        out = capsys.readouterr().out
        assert code == 0, out
        history: list[dict[str, Any]] = json.loads(out)
        assert [h["round"] for h in history] == list(ROUNDS)
        for before, after in itertools.pairwise(history):
            assert after["salary"] == before["new_salary"], (person, history)
        raised += sum(h["new_salary"] > h["salary"] for h in history)
    assert raised > 8  # the chain carries real increases, not the same salary thrice


def test_next_round_from_archive(rounds: Path, tmp_path: Path) -> None:
    master = rounds / "2570-1" / "master.xlsx"
    db = rounds / "kpixl.db"
    before = read_master(master)
    result = next_round(master, tmp_path, db=str(db))
    assert result.exit_code == 0, result.findings
    assert result.out == tmp_path / "master.xlsx" and result.out.is_file()
    assert (result.round_id, result.next_round_id) == ("2570/1", "2570/2")
    after = read_master(result.out)
    assert not after.findings
    assert text_of(after.config["round_id"]) == "2570/2"
    assert text_of(after.config["organisation"]) == text_of(before.config["organisation"])
    new = _archived(db, "2570/1", "new_salary")
    salaries = {text_of(p): float(s) for p, s in after.roster[["person_id", "salary"]].values}
    assert salaries == new and len(new) == 8
    old = {text_of(p): float(s) for p, s in before.roster[["person_id", "salary"]].values}
    assert salaries != old  # someone's salary moved on
    for key in CLEARED:
        assert after.roster[key].isna().all(), key
    assert after.units.to_dict("records") == before.units.to_dict("records")
    for name in M.STRATEGY:
        assert after.strategy[name].to_dict("records") == before.strategy[name].to_dict(
            "records"
        ), name
    assert len(after.strategy[M.UNIT_KPIS]) > 0
    for key in M.DUE_KEYS:
        assert text_of(after.config[key]) == shifted(before.config[key]) != ""
    # an existing master in the folder is refused and left as it was
    data = result.out.read_bytes()
    again = next_round(master, tmp_path, db=str(db))
    assert again.exit_code == 1 and again.out is None
    assert [f.rule for f in again.findings] == ["round.exists"]
    assert result.out.read_bytes() == data


def test_round_not_archived_is_a_finding(rounds: Path, tmp_path: Path) -> None:
    demo = build_demo(tmp_path / "other", units=2, people=8, round_id="2569/2")
    consolidate(demo.master)
    out = tmp_path / "next"
    out.mkdir()
    result = next_round(demo.master, out, db=str(rounds / "kpixl.db"))
    assert result.exit_code == 1 and result.out is None
    assert "round.not_archived" in [f.rule for f in result.findings]
    assert not (out / "master.xlsx").exists()
    # no archive at all: a finding too, through the CLI
    code = main(["round", "next", str(demo.master), "--out", str(out)])
    assert code == 1 and not (out / "master.xlsx").exists()


def test_left_people_are_reported_and_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = build_demo(tmp_path / "r", units=2, people=8, round_id="2569/2")
    book = openpyxl.load_workbook(demo.master)
    sheet = book[M.ROSTER]
    row = M.FIRST_ROW + 7
    leaver = text_of(sheet.cell(row=row, column=1).value)
    sheet.cell(row=row, column=M.ROSTER_COLUMNS.index("holds_position") + 1).value = "ไม่ใช่"
    (tmp_path / "r" / "agency.toml").write_text("[kpi]\nmax_count = 7\n", encoding="utf-8")
    for cells in book[M.CONFIG].iter_rows():
        if cells[0].value == "agency_rules":
            cells[1].value = "agency.toml"
    book.save(demo.master)
    consolidate(demo.master)
    assert archive_master(demo.master).status == "archived"
    capsys.readouterr()
    code = main(["round", "next", str(demo.master), "--out", str(tmp_path / "n"), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["next_round"] == "2570/1" and report["left"] == [leaver]
    assert [f["rule"] for f in report["findings"]] == ["round.left"]
    after = read_master(tmp_path / "n" / "master.xlsx")
    kept = after.roster[after.roster["person_id"].map(text_of) == leaver]
    assert len(after.roster) == 8 and text_of(kept["holds_position"].iloc[0]) == "ไม่ใช่"
    # the agency's rule file is the same file, seen from the new folder
    assert text_of(after.config["agency_rules"]) == "../r/agency.toml"
    findings: list[Any] = []
    rules = round_rules(after, tmp_path / "n" / "master.xlsx", findings)
    assert rules is not None and not findings and rules.data["kpi"]["max_count"] == 7


def test_following_and_shifted() -> None:
    assert [str(following(parse_round(r))) for r in ("2570/1", "2570/2")] == ["2570/2", "2571/1"]
    assert shifted("31/10/2569") == "30/4/2570"
    assert shifted("10/3/2570") == "10/9/2570"
    assert shifted("") == "" and shifted("ไม่ทราบ") == ""


def test_default_demo_is_one_round(tmp_path: Path) -> None:
    assert main(["demo", str(tmp_path), "--units", "2", "--people", "8", "--rounds", "1"]) == 0
    assert (tmp_path / "master.xlsx").is_file() and not (tmp_path / "kpixl.db").exists()
    assert main(["demo", str(tmp_path / "m"), "--rounds", "2", "--messy"]) != 0


def test_two_runs_at_once_write_one_master(rounds: Path, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    master, db = rounds / "2570-2" / "master.xlsx", str(rounds / "kpixl.db")
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: next_round(master, tmp_path, db=db), range(2)))
    assert sorted(r.exit_code for r in results) == [0, 1]
    refused = next(r for r in results if r.exit_code)
    assert [f.rule for f in refused.findings] == ["round.exists"]
    assert [p.name for p in tmp_path.iterdir()] == ["master.xlsx"]  # no temporary left
    assert text_of(read_master(tmp_path / "master.xlsx").config["round_id"]) == "2571/1"


@pytest.fixture
def pg_db(pg_url: str) -> Iterator[str]:
    """A new, empty database on the PostgreSQL server (as tests/test_archive.py's)."""
    with fresh_database(pg_url) as url:
        yield url


def test_next_round_from_a_postgresql_archive(
    rounds: Path, pg_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    master = rounds / "2570-2" / "master.xlsx"
    not_yet = next_round(master, tmp_path / "early", db=pg_db)
    assert not_yet.exit_code == 1 and "round.not_archived" in [f.rule for f in not_yet.findings]
    assert archive_master(master, db=pg_db).status == "archived"
    capsys.readouterr()
    out = tmp_path / "next"
    code = main(["round", "next", str(master), "--out", str(out), "--db", pg_db, "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["next_round"] == "2571/1", report
    engine = create_engine(pg_db.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            archived = {
                str(p): float(v)
                for p, v in conn.execute(
                    text(
                        "SELECT r.person_id, r.new_salary FROM kpixl_results r JOIN kpixl_rounds o"
                        " ON r.round_pk = o.round_pk WHERE o.round_id = '2570/2'"
                    )
                )
            }
    finally:
        engine.dispose()
    after = read_master(out / "master.xlsx")
    assert text_of(after.config["round_id"]) == "2571/1"
    salaries = {text_of(p): float(s) for p, s in after.roster[["person_id", "salary"]].values}
    assert salaries == archived and len(archived) == 8
    # the same as the SQLite archive of the same round gives
    assert salaries == _archived(rounds / "kpixl.db", "2570/2", "new_salary")
