"""A damaged archive, a hostile ``archive_db`` and passwords (what a probe found):
findings, never a traceback, never a password printed, never a salary the archive
cannot hold carried into the next round. Real files, a real SQLite archive, and a
closed port on 127.0.0.1 for a server that does not answer.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from kpixl.archive.store import masked, shown
from kpixl.cli import main
from kpixl.jobs.archive import person_history
from kpixl.jobs.demo import build_rounds
from kpixl.jobs.next_round import next_round
from kpixl.jobs.past import read_past
from kpixl.workbooks.master import read_master


@pytest.fixture(scope="module")
def rounds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("damage")
    assert not build_rounds(out, 2, units=2, people=4).findings
    return out


@pytest.fixture
def copy(rounds: Path, tmp_path: Path) -> Path:
    shutil.copytree(rounds, tmp_path / "r")
    return tmp_path / "r"


def _someone(db: Path) -> str:
    with sqlite3.connect(db) as con:
        return str(con.execute("SELECT person_id FROM kpixl_results LIMIT 1").fetchone()[0])


def _plant(db: Path, sql: str, *args: object) -> None:
    with sqlite3.connect(db) as con:
        con.execute(sql, args)


@pytest.mark.parametrize(
    "url",
    [
        "postgres://user:secret@127.0.0.1:1/x?password=secret",
        "postgresql://user@127.0.0.1:1/x?sslmode=disable&PassWord=secret",
        "mysql://user:secret@127.0.0.1:1/x",
        "https://user:secret@example.org/kpixl.db",
        "user:secret@127.0.0.1/kpixl",
    ],
)
def test_a_password_is_never_shown(url: str) -> None:
    assert "secret" not in shown(url)
    assert "secret" not in masked(f"could not connect to {url}: refused")


@pytest.mark.parametrize(
    "url",
    [
        "postgres://user:secret@127.0.0.1:1/x?password=secret",
        "mysql://user:secret@127.0.0.1:1/x",
        "https://user:secret@example.org/kpixl.db",
    ],
)
def test_a_password_in_archive_db_stays_out_of_the_findings(rounds: Path, url: str) -> None:
    master = rounds / "2570-2" / "master.xlsx"
    findings: list = []
    assert (
        read_past(master, dict(read_master(master).config) | {"archive_db": url}, findings) is None
    )
    assert [f.rule for f in findings] == ["history.unreadable"]
    for f in findings:
        text = " ".join((f.message_th, f.message_en, f.value, f.field))
        assert "secret" not in text


def test_a_password_stays_out_of_the_clis_output(
    rounds: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    master = rounds / "2570-2" / "master.xlsx"
    for args in (
        ["archive", str(master), "--db", "mysql://u:secret@127.0.0.1:1/x"],
        ["history", "1", "--db", "postgresql://u:secret@127.0.0.1:1/x?password=secret"],
    ):
        assert main(args) == 1
        out = capsys.readouterr()
        assert "secret" not in out.out + out.err
        assert "Traceback" not in out.err


def test_a_name_too_long_for_the_file_system_is_a_finding(rounds: Path) -> None:
    master = rounds / "2570-2" / "master.xlsx"
    config = dict(read_master(master).config) | {"archive_db": "x" * 5000}
    findings: list = []
    assert read_past(master, config, findings) is None
    assert [f.rule for f in findings] == ["history.unreadable"]
    history = person_history("1", db="y" * 5000)
    assert [f.rule for f in history.findings] == ["archive.not_database"]


@pytest.mark.parametrize(
    ("column", "planted"),
    [("total", "abc"), ("increase", 1e400), ("new_salary", 1e300)],
)
def test_a_damaged_figure_in_history_is_a_finding_and_valid_json(
    copy: Path, capsys: pytest.CaptureFixture[str], column: str, planted: object
) -> None:
    db = copy / "kpixl.db"
    person = _someone(db)
    _plant(db, f"UPDATE kpixl_results SET {column} = ? WHERE person_id = ?", planted, person)
    assert main(["history", person, "--db", str(db), "--json"]) == 1
    out = capsys.readouterr()
    assert "Traceback" not in out.err and "internal error" not in out.err
    rounds = json.loads(out.out)  # strict JSON: no Infinity, no NaN
    assert [r[column] for r in rounds] == [None, None]  # planted in both rounds
    assert all(r["band"] for r in rounds)  # the rest is shown
    assert "archive.damaged" in out.err and "เสียหาย" in out.err
    assert main(["history", person, "--db", str(db)]) == 1  # the table too
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("planted", ["abc", -100, 1e308, b"\x00\xff"])
def test_round_next_refuses_a_salary_the_archive_cannot_hold(
    copy: Path, tmp_path: Path, planted: object
) -> None:
    db = copy / "kpixl.db"
    person = _someone(db)
    _plant(db, "UPDATE kpixl_results SET new_salary = ? WHERE person_id = ?", planted, person)
    out = tmp_path / "next"
    out.mkdir()
    made = next_round(copy / "2570-1" / "master.xlsx", out, db=str(db))
    assert made.out is None and made.exit_code == 1
    assert [f.rule for f in made.findings if f.severity == "error"] == ["archive.damaged"]
    assert not (out / "master.xlsx").exists()


def _letter(column: str) -> str:
    from kpixl.workbooks import master_layout as M

    return chr(ord("A") + M.RESULT_COLUMNS.index(column))


@pytest.mark.parametrize(
    ("column", "value", "why"),
    [
        ("new_salary", 99999, "new salary beyond salary + increase"),
        ("band", "=1+1", "a formula over the band"),
        ("band", "ยอดเยี่ยม", "a band the rules lack"),
        ("person_id", '=HYPERLINK("http://x","1")', "a formula over the person id"),
    ],
)
def test_a_hand_edited_results_sheet_is_not_archived(
    tmp_path: Path, column: str, value: object, why: str
) -> None:
    """Results changed by hand after consolidate (the probe's 99,999 new salary that the
    next round would have paid): refused with the cell, the archive unchanged."""
    import openpyxl

    from kpixl.jobs.archive import archive_master
    from kpixl.workbooks import master_layout as M

    folder = tmp_path / "round"
    shutil.copytree(Path(__file__).resolve().parents[1] / "workbooks" / "demo", folder)
    master = folder / "master.xlsx"
    book = openpyxl.load_workbook(master)
    cell = f"{_letter(column)}{M.HEADER_ROW + 2}"
    book[M.RESULTS][cell] = value
    book.save(master)
    db = tmp_path / "kpixl.db"
    result = archive_master(master, db=str(db))
    assert result.status == "failed", why
    edits = [f for f in result.findings if f.rule == "archive.hand_edited"]
    assert [(f.sheet, f.cell) for f in edits] == [(M.RESULTS, cell)], why
    assert "แก้ด้วยมือ" in edits[0].message_th and "by hand" in edits[0].message_en
    assert not db.exists() or sqlite3.connect(db).execute(
        "SELECT count(*) FROM kpixl_rounds"
    ).fetchone() == (0,)


@pytest.mark.parametrize("round_id", ["../x", "2570/9", "2571/1" + "ก" * 100])
def test_a_round_id_the_next_round_cannot_use_is_not_archived(
    tmp_path: Path, round_id: str
) -> None:
    import openpyxl

    from kpixl.jobs.archive import archive_master
    from kpixl.workbooks import master_layout as M

    folder = tmp_path / "round"
    shutil.copytree(Path(__file__).resolve().parents[1] / "workbooks" / "demo", folder)
    master = folder / "master.xlsx"
    book = openpyxl.load_workbook(master)
    sheet = book[M.CONFIG]
    (row,) = [r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "round_id"]
    sheet.cell(row, 2).value = round_id
    book.save(master)
    result = archive_master(master, db=str(tmp_path / "kpixl.db"))
    assert result.exit_code == 1
    (bad,) = [f for f in result.findings if f.rule == "round.no_round"]
    assert "master.xlsx" in bad.message_th and "?" not in bad.message_th
    assert "round_id" in bad.message_en
