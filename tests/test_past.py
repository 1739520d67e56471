"""The rounds before this one (:mod:`kpixl.jobs.past`): what consolidate reads from the
rounds' archive to look back. Real files and a real SQLite archive from a two-round
demo; the archive is never written by reading it.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from kpixl.jobs.demo import build_rounds
from kpixl.jobs.past import PAST_COLUMNS, archive_of, read_past
from kpixl.workbooks.master import read_master


@pytest.fixture(scope="module")
def two_rounds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("past")
    result = build_rounds(out, 2, units=2, people=6)
    assert not result.findings
    return out


def _config(master: Path) -> dict[str, object]:
    return dict(read_master(master).config)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_second_round_sees_the_first_and_only_it(two_rounds: Path) -> None:
    master = two_rounds / "2570-2" / "master.xlsx"
    config = _config(master)
    assert config["archive_db"] == "../kpixl.db"  # the demo names its archive
    before = _digest(two_rounds / "kpixl.db")
    findings: list = []
    past = read_past(master, config, findings)
    assert findings == []
    assert past is not None
    assert past.rounds == ["2570/1"]  # not 2570/2 itself, although it is archived
    assert past.last_round == "2570/1"
    assert list(past.results.columns) == list(PAST_COLUMNS)
    with sqlite3.connect(two_rounds / "kpixl.db") as con:
        archived = con.execute(
            "SELECT r.person_id, r.new_salary FROM kpixl_results r JOIN kpixl_rounds o"
            " ON o.round_pk = r.round_pk WHERE o.round_id = '2570/1' ORDER BY r.row"
        ).fetchall()
        on_roster = con.execute(
            "SELECT count(*) FROM kpixl_roster r JOIN kpixl_rounds o"
            " ON o.round_pk = r.round_pk WHERE o.round_id = '2570/1'"
        ).fetchone()[0]
    assert list(zip(past.results["person_id"], past.results["new_salary"], strict=True)) == [
        (p, float(s)) for p, s in archived
    ]
    assert len(past.last_roster) == on_roster
    assert _digest(two_rounds / "kpixl.db") == before  # read only


def test_the_first_round_has_no_past(two_rounds: Path) -> None:
    master = two_rounds / "2570-1" / "master.xlsx"
    findings: list = []
    past = read_past(master, _config(master), findings)
    assert past is not None and past.rounds == [] and len(past.results) == 0
    assert findings == []


def test_a_superseded_version_is_not_the_past(two_rounds: Path, tmp_path: Path) -> None:
    db = tmp_path / "kpixl.db"
    shutil.copyfile(two_rounds / "kpixl.db", db)
    with sqlite3.connect(db) as con:  # a second version of 2570/1 whose rows differ
        con.execute(
            "INSERT INTO kpixl_rounds (organisation, round_id, version, archived_at,"
            " kpixl_version, master_file, master_sha256, content_sha256, rules_json,"
            " config_json) SELECT organisation, round_id, 2, archived_at, kpixl_version,"
            " master_file, master_sha256, 'x', rules_json, config_json FROM kpixl_rounds"
            " WHERE round_id = '2570/1'"
        )
        new_pk = con.execute("SELECT max(round_pk) FROM kpixl_rounds").fetchone()[0]
        con.execute(
            "UPDATE kpixl_rounds SET superseded_by = ? WHERE round_id = '2570/1' AND version = 1",
            (new_pk,),
        )
        con.execute(
            "INSERT INTO kpixl_results (round_pk, row, person_id, name, position, position_no,"
            " unit, pool_group, level_code, band, reason, source_file, new_salary)"
            " VALUES (?, 4, '1101700000011', 'ใหม่', '', '', 'U01', '', 'O1', 'ดี', '', '', 1)",
            (new_pk,),
        )
    master = tmp_path / "2570-2" / "master.xlsx"
    master.parent.mkdir()
    shutil.copyfile(two_rounds / "2570-2" / "master.xlsx", master)
    findings: list = []
    past = read_past(master, _config(master), findings)
    assert past is not None and past.rounds == ["2570/1"]
    assert past.results["person_id"].tolist() == ["1101700000011"]


def test_no_archive_beside_the_master_is_no_past_and_no_finding(
    two_rounds: Path, tmp_path: Path
) -> None:
    master = tmp_path / "master.xlsx"
    shutil.copyfile(two_rounds / "2570-2" / "master.xlsx", master)
    config = _config(master) | {"archive_db": ""}
    findings: list = []
    assert read_past(master, config, findings) is None
    assert findings == []
    assert not (tmp_path / "kpixl.db").exists()  # nothing created


@pytest.mark.parametrize(
    ("named", "why"),
    [
        ("missing.db", "no such file"),
        ("notes.db", "not a kpixl archive"),
        ("garbage.db", "not a database"),
        ("ftp://example.org/x", "URL"),
    ],
)
def test_a_named_archive_that_cannot_be_read_is_one_warning(
    two_rounds: Path, tmp_path: Path, named: str, why: str
) -> None:
    master = tmp_path / "master.xlsx"
    shutil.copyfile(two_rounds / "2570-2" / "master.xlsx", master)
    with sqlite3.connect(tmp_path / "notes.db") as con:
        con.execute("CREATE TABLE notes (x TEXT)")
    (tmp_path / "garbage.db").write_bytes(b"=HYPERLINK(\x07)" * 100)
    before = {p.name: _digest(p) for p in tmp_path.iterdir()}
    findings: list = []
    assert read_past(master, _config(master) | {"archive_db": named}, findings) is None
    assert [f.rule for f in findings] == ["history.unreadable"]
    (warning,) = findings
    assert warning.severity == "warning"
    assert warning.sheet == "Config" and warning.field == "archive_db"
    assert why in warning.message_en and "รอบที่ผ่านมา" in warning.message_th
    assert {p.name: _digest(p) for p in tmp_path.iterdir()} == before  # nothing written


def test_archive_of_reads_config(tmp_path: Path) -> None:
    master = tmp_path / "round" / "master.xlsx"
    assert archive_of(master, {}) == (None, False)
    assert archive_of(master, {"archive_db": " ../kpixl.db "}) == (
        str(tmp_path / "round" / "../kpixl.db"),
        True,
    )
    url = "postgresql://hr@127.0.0.1:5432/kpixl"
    assert archive_of(master, {"archive_db": url}) == (url, True)


def test_round_next_names_the_archive_it_read(two_rounds: Path, tmp_path: Path) -> None:
    from kpixl.jobs.next_round import next_round

    out = tmp_path / "deeper" / "2570-2"
    out.mkdir(parents=True)
    made = next_round(two_rounds / "2570-1" / "master.xlsx", out, db=str(two_rounds / "kpixl.db"))
    assert made.out is not None
    named = _config(made.out)["archive_db"]
    assert not Path(str(named)).is_absolute()
    assert (out / str(named)).resolve() == (two_rounds / "kpixl.db").resolve()
    findings: list = []
    past = read_past(made.out, _config(made.out), findings)  # its consolidate looks back
    assert findings == [] and past is not None and past.rounds == ["2570/1"]


def test_archive_follows_config_archive_db(two_rounds: Path, tmp_path: Path) -> None:
    """``kpixl archive`` without --db stores the round where its Config says (the next
    round's consolidate reads it back from there), not beside the master."""
    from kpixl.jobs.archive import archive_master

    folder = tmp_path / "2570-1"
    shutil.copytree(two_rounds / "2570-1", folder)
    shutil.copyfile(two_rounds / "kpixl.db", tmp_path / "kpixl.db")
    before = _digest(tmp_path / "kpixl.db")
    result = archive_master(folder / "master.xlsx")  # Config: archive_db = ../kpixl.db
    assert result.status == "already", [f.rule for f in result.findings]
    assert _digest(tmp_path / "kpixl.db") == before
    assert not (folder / "kpixl.db").exists()
