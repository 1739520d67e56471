"""The rounds' archive (issue 17, items 1, 4 and 6): ``kpixl archive`` and
``kpixl history`` against a SQLite file and a real PostgreSQL server on 127.0.0.1.

The demo round is built and consolidated once; each test archives it (or a copy with
a change made in Excel's place, by openpyxl) into a fresh database: a new SQLite file,
or a new database on the PostgreSQL server of ``tests/db_servers.py``. What the
archive holds is read back with plain SQL and compared with the master's sheets.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from db_servers import fresh_database, pg_url
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kpixl.archive.schema import METADATA, VERSION_TABLE
from kpixl.archive.store import alembic_config, open_archive
from kpixl.cli import main
from kpixl.core.text import text_of
from kpixl.jobs.archive import HISTORY_KEYS, legacy_digest, round_rows
from kpixl.jobs.consolidate import consolidate
from kpixl.jobs.demo import build_demo
from kpixl.workbooks import master_layout as M
from kpixl.workbooks import unit_layout as U
from kpixl.workbooks.master_outputs import read_outputs

__all__ = ["pg_url"]  # the session fixture, imported for pytest

BACKENDS = ("sqlite", "postgresql")
RESULTS = 19  # the messy demo: 20 on the roster, one form missing
ROSTER = 20


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo round (3 units, 20 people, a few bad inputs: Issues rows), consolidated."""
    out = tmp_path_factory.mktemp("demo")
    result = build_demo(out, messy=True)
    consolidate(result.master)
    return result.master


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty archive: a SQLite file, or a new database on the PostgreSQL server."""
    if request.param == "sqlite":
        yield str(tmp_path / "archive.db")
        return
    with fresh_database(request.getfixturevalue("pg_url")) as url:
        yield url


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The real entry point (a crash would be exit code 3 and an 'internal error')."""
    code = main(list(args))
    out, err = capsys.readouterr()
    assert code != 3 and "Traceback" not in out + err and "internal error" not in out + err
    return code, out, err


def query(db: str, sql: str, **params: Any) -> list[Any]:
    url = db if "://" in db else f"sqlite:///{db}"
    url = url.replace("postgresql://", "postgresql+psycopg://")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params).all())
    finally:
        engine.dispose()


def copy_round(demo: Path, where: Path) -> Path:
    """A copy of the demo round's folder (master, units, personal) at ``where``."""
    shutil.copytree(demo.parent, where)
    return where / demo.name


def edit_results(master: Path, person_id: str, column: str, value: Any) -> None:
    wb = openpyxl.load_workbook(master)
    ws = wb[M.RESULTS]
    headers = {
        str(c.value).strip(): c.column for row in ws.iter_rows(max_row=20) for c in row if c.value
    }
    col = headers[M.RESULT_HEADERS[M.RESULT_COLUMNS.index(column)]]
    pid_col = headers[M.RESULT_HEADERS[M.RESULT_COLUMNS.index("person_id")]]
    for row in range(1, ws.max_row + 1):
        if text_of(ws.cell(row, pid_col).value) == person_id:
            ws.cell(row, col).value = value
            break
    else:
        raise AssertionError(person_id)
    wb.save(master)


def set_round_id(master: Path, round_id: str) -> None:
    wb = openpyxl.load_workbook(master)
    ws = wb[M.CONFIG]
    for row in ws.iter_rows():
        if row[0].value == "round_id":
            row[1].value = round_id
            break
    else:
        raise AssertionError("no round_id on Config")
    wb.save(master)


def archive(capsys: pytest.CaptureFixture[str], master: Path, db: str, *extra: str) -> Any:
    code, out, _ = run(capsys, "archive", str(master), "--db", db, "--json", *extra)
    answer = json.loads(out)
    answer["exit"] = code
    return answer


def number(value: Any) -> float | None:
    return None if value in (None, "") else round(float(value), 6)


# ----------------------------------------------------------------------- archiving


def test_the_archive_holds_the_masters_round(
    demo: Path, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = archive(capsys, demo, db)
    assert answer["exit"] == 0 and answer["status"] == "archived" and answer["version"] == 1
    outputs = read_outputs(demo)
    results = outputs.results
    assert len(results) == RESULTS
    stored = query(
        db,
        "SELECT person_id, name, unit, band, total, achievement, competency, pct, increase,"
        " salary, new_salary, eligible, reason, source_file FROM kpixl_results ORDER BY row",
    )
    assert len(stored) == len(results)
    for row, (_, want) in zip(stored, results.iterrows(), strict=True):
        assert row.person_id == text_of(want["person_id"])
        assert (row.name, row.unit, row.band) == (want["name"], want["unit"], want["band"])
        for name in ("total", "achievement", "competency", "pct", "increase", "salary"):
            assert number(getattr(row, name)) == number(want[name]), name
        assert number(row.new_salary) == number(want["new_salary"])
        assert bool(row.eligible) == (want["eligible"] == "ใช่")
        assert row.reason == (want["reason"] or "")
        assert row.source_file == want["source_file"]
    # the roster, the pools, the findings (the messy demo has some), the rules
    roster = outputs.inputs.roster
    assert query(db, "SELECT count(*) FROM kpixl_roster")[0][0] == len(roster) == ROSTER
    salaries = dict(query(db, "SELECT person_id, salary FROM kpixl_roster"))
    assert {k: number(v) for k, v in salaries.items()} == {
        text_of(p): number(s) for p, s in zip(roster["person_id"], roster["salary"], strict=True)
    }
    pools = query(db, "SELECT pool_group, pool FROM kpixl_pools ORDER BY row")
    assert [(p, number(v)) for p, v in pools] == [
        (g, number(v))
        for g, v in zip(outputs.pools["pool_group"], outputs.pools["pool"], strict=True)
    ]
    issues = outputs.issues[outputs.issues["rule"].notna()]
    assert len(issues) > 0
    found = query(db, "SELECT rule, message_th FROM kpixl_findings ORDER BY row")
    assert [tuple(f) for f in found] == list(zip(issues["rule"], issues["message_th"], strict=True))
    (rnd,) = query(db, "SELECT * FROM kpixl_rounds")
    assert rnd.round_id == "2570/1" and rnd.organisation == outputs.inputs.config["organisation"]
    assert rnd.master_sha256 == hashlib.sha256(demo.read_bytes()).hexdigest()
    assert json.loads(rnd.rules_json)["data"]["bands"][0]["min_total"] is not None
    assert rnd.superseded_by is None
    # the unit workbooks the results came from, with their SHA-256
    sources = query(db, "SELECT path, sha256 FROM kpixl_sources WHERE kind = 'unit' ORDER BY path")
    assert [p for p, _ in sources] == sorted(f"units/{n}" for n in set(results["source_file"]))
    for path, sha in sources:
        assert sha == hashlib.sha256((demo.parent / path).read_bytes()).hexdigest()


def test_archiving_the_same_round_again_is_a_no_op(
    demo: Path, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert archive(capsys, demo, db)["status"] == "archived"
    before = query(db, "SELECT round_pk, archived_at FROM kpixl_rounds")
    again = archive(capsys, demo, db)
    assert again["exit"] == 0 and again["status"] == "already" and again["version"] == 1
    assert [f["rule"] for f in again["findings"]] == ["archive.already"]
    assert query(db, "SELECT round_pk, archived_at FROM kpixl_rounds") == before
    assert query(db, "SELECT count(*) FROM kpixl_results")[0][0] == RESULTS
    # even with --supersede: nothing changed, nothing to supersede
    same = archive(capsys, demo, db, "--supersede", "--reason", "ลองอีกครั้ง")
    assert same["status"] == "already"
    assert query(db, "SELECT count(*) FROM kpixl_rounds")[0][0] == 1


def test_changed_results_are_refused_unless_superseded_with_a_reason(
    demo: Path, db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert archive(capsys, demo, db)["status"] == "archived"
    first = read_outputs(demo).results.iloc[0]
    person, salary = text_of(first["person_id"]), int(float(first["salary"]))
    changed = copy_round(demo, tmp_path / "changed")  # a consistent change (new = old + 9,990)
    edit_results(changed, person, "increase", 9990)
    edit_results(changed, person, "new_salary", salary + 9990)

    refused = archive(capsys, changed, db)
    assert refused["exit"] == 1 and refused["status"] == "refused"
    (differs,) = [f for f in refused["findings"] if f["rule"] == "archive.differs"]
    assert "--supersede" in differs["message_th"] and "--supersede" in differs["message_en"]
    assert query(db, "SELECT count(*) FROM kpixl_rounds")[0][0] == 1

    no_reason = archive(capsys, changed, db, "--supersede")
    assert no_reason["exit"] == 1 and no_reason["findings"][0]["rule"] == "archive.no_reason"
    alone = archive(capsys, changed, db, "--reason", "x")
    assert alone["exit"] == 1 and alone["findings"][0]["rule"] == "archive.reason_alone"
    assert query(db, "SELECT count(*) FROM kpixl_rounds")[0][0] == 1

    reason = "แก้ไขตามมติคณะกรรมการ ครั้งที่ 2/2570"
    done = archive(capsys, changed, db, "--supersede", "--reason", reason)
    assert done["exit"] == 0 and done["status"] == "superseded" and done["version"] == 2
    rounds = query(
        db,
        "SELECT round_pk, version, superseded_by, superseded_reason FROM kpixl_rounds"
        " ORDER BY version",
    )
    assert [(r.version, r.superseded_reason) for r in rounds] == [(1, reason), (2, None)]
    assert rounds[0].superseded_by == rounds[1].round_pk and rounds[1].superseded_by is None
    assert (
        query(db, "SELECT count(*) FROM kpixl_results")[0][0] == 2 * RESULTS
    )  # both versions kept
    code, out, _ = run(capsys, "history", person, "--db", db, "--json")
    assert code == 0
    (only,) = json.loads(out)
    assert (only["increase"], only["new_salary"]) == (9990, salary + 9990)
    # the superseded version again: it differs from the current one, so refused
    assert archive(capsys, demo, db)["status"] == "refused"


# ------------------------------------------------------- KPI rows, source workbooks


def unit_table(
    master: Path, sheet: str, letters: dict[str, str]
) -> dict[tuple[str, int], dict[str, Any]]:
    """Every row of ``sheet`` in the unit workbooks the results came from, of the people
    whose results came from that file, read with openpyxl (not kpixl's reader)."""
    results = read_outputs(master).results
    out = {}
    for name in set(results["source_file"]):
        wanted = {
            text_of(p)
            for p, f in zip(results["person_id"], results["source_file"], strict=True)
            if f == name
        }
        wb = openpyxl.load_workbook(master.parent / "units" / name, read_only=True)
        for r, row in enumerate(wb[sheet].iter_rows(min_row=2, values_only=True), start=2):
            values = {
                f: row[ord(c) - 65] if ord(c) - 65 < len(row) else None for f, c in letters.items()
            }
            if text_of(values["person_id"]) in wanted:
                out[(f"units/{name}", r)] = values
        wb.close()
    return out


def test_every_kpi_and_competency_row_of_the_results_is_archived(
    demo: Path, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = archive(capsys, demo, db)
    assert answer["status"] == "archived"
    kpis = unit_table(demo, U.KPIS, U.KPI_COLUMNS)
    stored = query(db, "SELECT * FROM kpixl_kpis ORDER BY file, row")
    assert len(stored) == len(kpis) > RESULTS and answer["counts"]["kpis"] == len(kpis)
    for row in stored:
        want = kpis[(row.file, row.row)]
        assert row.person_id == text_of(want["person_id"])
        assert (row.kpi_code, row.kpi_name, row.measure) == (
            want["kpi_code"],
            want["kpi_name"],
            want["unit"],
        )
        for name in ("l1", "l2", "l3", "l4", "l5", "weight", "actual"):
            assert number(getattr(row, name)) == number(want[name]), name
        assert row.text_json is None
    comps = unit_table(demo, U.COMPETENCIES, U.COMP_COLUMNS)
    stored = query(db, "SELECT * FROM kpixl_competencies ORDER BY file, row")
    assert len(stored) == len(comps) > RESULTS
    for row in stored:
        want = comps[(row.file, row.row)]
        assert (row.person_id, row.competency) == (text_of(want["person_id"]), want["competency"])
        for name in ("expected", "weight", "rating"):
            assert number(getattr(row, name)) == number(want[name]), name
    # only the people whose results came from the file: everyone in Results, nobody else
    people = {text_of(p) for p in read_outputs(demo).results["person_id"]}
    assert {p for (p,) in query(db, "SELECT DISTINCT person_id FROM kpixl_kpis")} == people


def edit_unit(path: Path, sheet: str, cell: str, value: Any) -> None:
    wb = openpyxl.load_workbook(path)
    wb[sheet][cell] = value
    wb.save(path)


def test_a_changed_kpi_row_is_a_different_round(
    demo: Path, db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert archive(capsys, demo, db)["status"] == "archived"
    changed = copy_round(demo, tmp_path / "changed")
    unit = changed.parent / "units" / read_outputs(demo).results["source_file"][0]
    edit_unit(unit, U.KPIS, f"{U.KPI_COLUMNS['actual']}2", "ยังไม่มีผล")  # text in a number cell
    refused = archive(capsys, changed, db)
    assert refused["status"] == "refused" and "archive.differs" in [
        f["rule"] for f in refused["findings"]
    ]
    done = archive(capsys, changed, db, "--supersede", "--reason", "แก้ผลตัวชี้วัด")
    assert done["status"] == "superseded"
    (row,) = query(
        db,
        "SELECT actual, text_json FROM kpixl_kpis k JOIN kpixl_rounds r ON r.round_pk = k.round_pk"
        " WHERE r.version = 2 AND k.row = 2 AND k.file = :f",
        f=f"units/{unit.name}",
    )
    assert row.actual is None and json.loads(row.text_json) == {"actual": "ยังไม่มีผล"}


def test_a_missing_or_unreadable_unit_workbook_is_a_warning_and_the_round_is_archived(
    demo: Path, db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    master = copy_round(demo, tmp_path / "lost")
    results = read_outputs(master).results
    names = sorted(set(results["source_file"]))
    (master.parent / "units" / names[0]).unlink()
    garbage = b"not a workbook at all " * 50
    (master.parent / "units" / names[1]).write_bytes(garbage)
    answer = archive(capsys, master, db)
    assert answer["exit"] == 0 and answer["status"] == "archived"
    by_rule = {f["rule"]: f for f in answer["findings"]}
    count = int((results["source_file"] == names[0]).sum())
    missing = by_rule["archive.unit_missing"]
    assert missing["severity"] == "warning" and names[0] in missing["message_th"]
    assert f"{count} " in missing["message_en"]
    unreadable = by_rule["archive.unit_unreadable"]
    assert unreadable["severity"] == "warning" and names[1] in unreadable["message_en"]
    assert query(db, "SELECT count(*) FROM kpixl_results")[0][0] == RESULTS
    files = {f for (f,) in query(db, "SELECT DISTINCT file FROM kpixl_kpis")}
    assert files == {f"units/{n}" for n in names[2:]}
    shas = dict(query(db, "SELECT path, sha256 FROM kpixl_sources WHERE kind = 'unit'"))
    assert shas[f"units/{names[0]}"] is None
    assert shas[f"units/{names[1]}"] == hashlib.sha256(garbage).hexdigest()


def test_a_source_file_outside_the_units_folder_is_not_read(
    demo: Path, db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    master = copy_round(demo, tmp_path / "hostile")
    results = read_outputs(master).results
    person = text_of(results["person_id"][0])
    outside = tmp_path / "secret.xlsx"
    shutil.copy(master.parent / "units" / results["source_file"][0], outside)
    edit_results(master, person, "source_file", "../../secret.xlsx")
    answer = archive(capsys, master, db)
    assert answer["status"] == "archived"
    (bad,) = [f for f in answer["findings"] if f["rule"] == "archive.unit_unreadable"]
    assert "../../secret.xlsx" in bad["message_en"]
    assert query(db, "SELECT count(*) FROM kpixl_kpis WHERE person_id = :p", p=person) == [(0,)]
    assert query(db, "SELECT sha256 FROM kpixl_sources WHERE path = 'units/../../secret.xlsx'") == [
        (None,)
    ]


def test_every_personal_workbook_is_hashed_known_by_its_metadata(
    demo: Path, db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    master = copy_round(demo, tmp_path / "round")
    folder = tmp_path / "round" / "personal"
    personal = sorted(p for p in folder.rglob("*.xlsx"))
    # not personal workbooks, whatever their names say; links are not followed
    unit = sorted((master.parent / "units").glob("*.xlsx"))[0]
    shutil.copy(unit, folder / "2570-1_1111111111111_ชื่อเหมือนแบบประเมิน.xlsx")
    (folder / "บันทึก.xlsx").write_text("not a workbook")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.copy(personal[0], outside / "2570-1_9999999999999_นอกโฟลเดอร์.xlsx")
    (folder / "link.xlsx").symlink_to(outside / "2570-1_9999999999999_นอกโฟลเดอร์.xlsx")
    (folder / "linked").symlink_to(outside, target_is_directory=True)
    answer = archive(capsys, master, db)
    assert answer["status"] == "archived"
    rows = query(db, "SELECT kind, path, sha256, size, person_id FROM kpixl_sources ORDER BY path")
    mine = [r for r in rows if r.kind == "personal"]
    assert [r.path for r in mine] == sorted(
        p.relative_to(master.parent).as_posix() for p in personal
    )
    for r in mine:
        data = (master.parent / r.path).read_bytes()
        assert (r.sha256, r.size) == (hashlib.sha256(data).hexdigest(), len(data))
        assert r.person_id and r.person_id.isdigit() and len(r.person_id) == 13
    # the one whose name does not say who it is: known by its metadata
    renamed = [r for r in mine if r.path.endswith("แบบประเมิน_ฉบับแก้ไขล่าสุด.xlsx")]
    assert len(renamed) == 1 and renamed[0].person_id not in renamed[0].path
    (master_row,) = [r for r in rows if r.kind == "master"]
    assert master_row.path == master.name
    assert master_row.sha256 == hashlib.sha256(master.read_bytes()).hexdigest()
    assert {r.kind for r in rows} == {"master", "unit", "personal"}


def set_config(master: Path, key: str, value: str) -> None:
    wb = openpyxl.load_workbook(master)
    for row in wb[M.CONFIG].iter_rows():
        if row[0].value == key:
            row[1].value = value
            break
    else:
        raise AssertionError(key)
    wb.save(master)


def test_a_personal_folder_outside_the_round_or_of_another_round_is_not_hashed(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    master = copy_round(demo, tmp_path / "round")
    shutil.copytree(master.parent / "personal", tmp_path / "outside")
    set_config(master, "personal_folder", "../outside")
    answer = archive(capsys, master, str(tmp_path / "a.db"))
    assert answer["status"] == "archived"
    kinds = query(str(tmp_path / "a.db"), "SELECT kind, count(*) FROM kpixl_sources GROUP BY kind")
    assert dict(kinds) == {"master": 1, "unit": 3}
    # the forms of another round in the folder are not this round's
    set_config(master, "personal_folder", "personal")
    set_round_id(master, "2569/2")
    answer = archive(capsys, master, str(tmp_path / "b.db"))
    assert answer["status"] == "archived"
    assert query(
        str(tmp_path / "b.db"), "SELECT count(*) FROM kpixl_sources WHERE kind = 'personal'"
    ) == [(0,)]


def downgrade(db: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    opened = open_archive(db)
    assert opened.engine is not None
    config = alembic_config()
    assert isinstance(config, Config)
    with opened.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
    opened.close()


def test_a_round_archived_before_kpi_rows_is_kept_and_can_be_completed(
    demo: Path, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An archive of revision 0001 (as the kpixl before this one left it): opening it
    adds the new tables, empty; the same master again is archive.no_kpis, nothing
    written; --supersede --reason adds version 2 with every KPI row."""
    assert archive(capsys, demo, db)["status"] == "archived"
    (rules_json,) = query(db, "SELECT rules_json FROM kpixl_rounds")[0]
    old = legacy_digest(round_rows(read_outputs(demo)), rules_json)
    url = db if "://" in db else f"sqlite:///{db}"
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM kpixl_sources WHERE kind <> 'unit'"))
        conn.execute(text("UPDATE kpixl_rounds SET content_sha256 = :d"), {"d": old})
    engine.dispose()
    downgrade(db, "0001")
    assert query(db, f"SELECT version_num FROM {VERSION_TABLE}") == [("0001",)]
    person = text_of(read_outputs(demo).results["person_id"][0])

    again = archive(capsys, demo, db)  # opens (upgrades) the archive, then compares
    assert again["exit"] == 0 and again["status"] == "already" and again["version"] == 1
    assert [f["rule"] for f in again["findings"]] == ["archive.no_kpis"]
    assert "--supersede" in again["findings"][0]["message_th"]
    assert query(db, f"SELECT version_num FROM {VERSION_TABLE}") == [("0002",)]
    assert query(db, "SELECT count(*) FROM kpixl_kpis") == [(0,)]
    assert {k for (k,) in query(db, "SELECT kind FROM kpixl_sources")} == {"unit"}
    code, out, _ = run(capsys, "history", person, "--db", db, "--json")
    assert code == 0 and len(json.loads(out)) == 1

    done = archive(capsys, demo, db, "--supersede", "--reason", "เก็บตัวชี้วัดรายข้อ")
    assert done["status"] == "superseded" and done["version"] == 2
    (kpis,) = query(
        db,
        "SELECT count(*) FROM kpixl_kpis k JOIN kpixl_rounds r ON r.round_pk = k.round_pk"
        " WHERE r.version = 2",
    )
    assert kpis[0] == done["counts"]["kpis"] > 0
    assert archive(capsys, demo, db)["status"] == "already"  # now the new digest matches


# ------------------------------------------------------------------------- history


def test_history_lists_rounds_oldest_first_with_exactly_the_keys(
    demo: Path, db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    later = copy_round(demo, tmp_path / "later")
    set_round_id(later, "2570/2")
    earlier = copy_round(demo, tmp_path / "earlier")
    set_round_id(earlier, "2569/2")
    for master in (later, demo, earlier):  # archived out of order
        assert archive(capsys, master, db)["status"] == "archived"
    results = read_outputs(demo).results
    person = text_of(results["person_id"][3])
    want = results.iloc[3]
    code, out, _ = run(capsys, "history", person, "--db", db, "--json")
    assert code == 0
    rounds = json.loads(out)
    assert [r["round"] for r in rounds] == ["2569/2", "2570/1", "2570/2"]
    for r in rounds:
        assert tuple(r) == HISTORY_KEYS
        for key in HISTORY_KEYS[2:]:
            assert isinstance(r[key], (int, float)) and not isinstance(r[key], bool), key
        assert r["band"] == want["band"]
        assert r["total"] == number(want["total"]) and r["pct"] == number(want["pct"])
        assert r["salary"] == number(want["salary"])
        assert r["new_salary"] == number(want["new_salary"])
    code, out, _ = run(capsys, "history", person, "--db", db)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(person) and want["name"] in lines[0]
    assert "รอบ/round" in lines[1] and "new_salary" in lines[1]
    assert [line.split()[0] for line in lines[2:]] == ["2569/2", "2570/1", "2570/2"]


def test_two_runs_at_once_archive_the_round_once(
    demo: Path, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from kpixl.jobs.archive import archive_master

    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda _: archive_master(demo, db=db), range(2)))
    # the second waits for the first, then finds the round there
    assert sorted(r.status for r in runs) == ["already", "archived"], [
        str(f) for r in runs for f in r.findings
    ]
    assert query(db, "SELECT count(*) FROM kpixl_rounds")[0][0] == 1
    assert query(db, "SELECT count(*) FROM kpixl_results")[0][0] == RESULTS


# ---------------------------------------------------------------------- migrations


def test_an_empty_database_upgraded_to_head_is_the_schema(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(2):  # opening twice: the second upgrade finds nothing to do
        archive_ = open_archive(db)
        assert archive_.findings == [] and archive_.engine is not None
        with archive_.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
            assert compare_metadata(context, METADATA) == []
            assert context.get_current_revision() == "0002"
            assert conn.execute(text(f"SELECT count(*) FROM {VERSION_TABLE}")).scalar() == 1
        archive_.close()


def test_an_archive_from_a_newer_kpixl_is_a_finding(
    demo: Path, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert archive(capsys, demo, db)["status"] == "archived"
    url = db if "://" in db else f"sqlite:///{db}"
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = '9999'"))
    engine.dispose()
    answer = archive(capsys, demo, db)
    assert answer["exit"] == 1 and answer["findings"][0]["rule"] == "archive.newer_schema"
    assert query(db, f"SELECT version_num FROM {VERSION_TABLE}") == [("9999",)]


# ------------------------------------------------------------------------- hostile


def test_a_text_file_as_database_is_a_finding_and_stays_untouched(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("นี่ไม่ใช่ฐานข้อมูล\nnot a database\n" * 100, encoding="utf-8")
    before = notes.read_bytes()
    answer = archive(capsys, demo, str(notes))
    assert answer["exit"] == 1 and answer["findings"][0]["rule"] == "archive.not_database"
    code, out, err = run(capsys, "history", "1234567890123", "--db", str(notes))
    assert code == 1 and "archive.not_database" in out + err
    assert notes.read_bytes() == before


def test_hostile_person_ids_are_just_text(
    demo: Path, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert archive(capsys, demo, db)["status"] == "archived"
    for person in ("'; DROP TABLE kpixl_results; --", '" OR 1=1 --', "%", "1' OR '1'='1"):
        code, out, err = run(capsys, "history", person, "--db", db, "--json")
        assert code == 1 and "archive.no_person" in out + err
    assert query(db, "SELECT count(*) FROM kpixl_results")[0][0] == RESULTS


def test_an_unreachable_server_is_a_finding_without_the_password(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    with socket.socket() as s:  # a port nothing listens on: bound, never listened
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        url = f"postgresql://kpixl:s3cret-pw@127.0.0.1:{port}/kpixl"
        code, out, err = run(capsys, "archive", str(demo), "--db", url)
        assert code == 1 and "archive.unreachable" in out + err
        assert "s3cret-pw" not in out + err and "***" in out + err
        code, out, err = run(capsys, "history", "1234567890123", "--db", url, "--json")
        assert code == 1 and "archive.unreachable" in out + err and "s3cret-pw" not in out + err


def test_the_password_comes_from_the_environment_and_is_never_printed(
    demo: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    full = make_url(pg_url)
    password = full.password
    assert password
    bare = f"postgresql://{full.username}@{full.host}:{full.port}/{full.database}"
    assert str(password) not in bare and bare.startswith("postgresql://")
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("KPIXL_DB_PASSWORD", "wrong-" + str(password))
    code, out, err = run(capsys, "history", "1234567890123", "--db", bare)
    assert code == 1 and "archive.unreachable" in out + err
    assert str(password) not in out + err
    monkeypatch.setenv("KPIXL_DB_PASSWORD", str(password))
    code, out, err = run(capsys, "history", "1234567890123", "--db", bare)
    assert "archive.unreachable" not in out + err  # logged in: nobody of that id there
    assert code == 1 and "archive.no_person" in out + err and str(password) not in out + err


@pytest.mark.parametrize("url", ["mysql://u@127.0.0.1/x", "sqlite://", "http://127.0.0.1/"])
def test_other_kinds_of_database_are_a_finding(
    demo: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "archive", str(demo), "--db", url)
    assert code == 1 and "archive.bad_url" in out + err


def test_a_master_not_consolidated_is_not_archived(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    master = build_demo(tmp_path / "fresh").master
    db = tmp_path / "archive.db"
    answer = archive(capsys, master, str(db))
    assert answer["exit"] == 1 and answer["status"] == "failed"
    assert "archive.not_consolidated" in [f["rule"] for f in answer["findings"]]
    assert not db.exists()


def test_the_default_archive_is_kpixl_db_beside_the_master(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    master = copy_round(demo, tmp_path / "here")
    code, out, _ = run(capsys, "archive", str(master))
    assert code == 0 and "kpixl.db" in out
    assert (
        query(str(master.parent / "kpixl.db"), "SELECT count(*) FROM kpixl_results")[0][0]
        == RESULTS
    )
    code, out, _ = run(capsys, "history", "0000000000000", "--db", str(tmp_path / "none.db"))
    assert code == 1 and "archive.no_database" in out and not (tmp_path / "none.db").exists()
