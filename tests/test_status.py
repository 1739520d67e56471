"""The round tracker (``kpixl status``): each step's date per person from the mail log,
the workbooks and the master; lateness; unit summaries; reminders; the Tracker sheet."""

from __future__ import annotations

import json
import os
import shutil
import socket
import zipfile
from dataclasses import asdict
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kpixl.cli import main
from kpixl.core.thaitime import bangkok
from kpixl.core.tracker import PersonSteps, late_steps, reminder_step, summarise_units
from kpixl.io.backups import generations
from kpixl.io.grids import open_book
from kpixl.io.lock import LockInfo, lock_path
from kpixl.io.mail_log import FiledRecord, SentRecord, log_path, open_log
from kpixl.io.xlsx_package import Package
from kpixl.jobs.collect import collect
from kpixl.jobs.consolidate import consolidate
from kpixl.jobs.demo import build_demo
from kpixl.jobs.status import reminder_targets, round_status, status
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.master import read_master

ROUND = "2570/1"
AGREEMENT_DUE = date(2026, 10, 31)
EVALUATION_DUE = date(2027, 3, 10)
TODAY = date(2027, 3, 15)


def bkk(day: date, hour: int = 12) -> float:
    """A Bangkok time as a POSIX timestamp (for os.utime)."""
    return datetime.combine(day, time(hour), tzinfo=bangkok()).timestamp()


def touch(path: Path, day: date) -> None:
    os.utime(path, (bkk(day), bkk(day)))


def sent(key: str, at: str, what: str = "agreements", status: str = "sent") -> SentRecord:
    return SentRecord(
        ROUND, what, key, f"{key}@example.org", "a.xlsx", "0" * 64, f"<{key}>", status, "", at
    )


def filed(pid: str, at: str, *, evaluated: bool, sealed_at: str = "") -> FiledRecord:
    return FiledRecord(
        ROUND, f"<m{pid}{at}>", "x@example.org", "re", "a.xlsx", "0" * 64, "personal", pid,
        "U01", 1, evaluated, sealed_at, "inbox/U01/a.xlsx", "filed", at,
    )  # fmt: skip


def set_config(master: Path, **values: str) -> None:
    rows = read_master(master).config_rows
    data = Package.read(master).patched({M.CONFIG: {f"B{rows[k]}": v for k, v in values.items()}})
    master.write_bytes(data)


def with_emails(master: Path) -> None:
    """Every roster person an address (the demo of this branch may leave them blank)."""
    roster = read_master(master).roster
    letter = chr(ord("A") + M.ROSTER_COLUMNS.index("email"))
    cells = {
        f"{letter}{M.FIRST_ROW + i}": f"p{pid}@example.org"
        for i, pid in enumerate(roster["person_id"])
    }
    master.write_bytes(Package.read(master).patched({M.ROSTER: cells}))


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def tracker_part(path: Path) -> str:
    return Package.read(path).sheets[M.TRACKER]


def tracker_rows(path: Path) -> dict[str, dict[str, Any]]:
    ws = openpyxl.load_workbook(path)[M.TRACKER]
    out = {}
    for row in ws.iter_rows(min_row=M.FIRST_ROW, values_only=True):
        if not row[-1]:
            break
        out[str(row[-1])] = dict(zip(M.TRACKER_COLUMNS, row, strict=False))
    return out


@pytest.fixture(scope="module")
def round_dir(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A demo round with a history: who got, returned, was collected, consolidated."""
    out = tmp_path_factory.mktemp("status")
    demo = build_demo(out, round_id=ROUND)
    master = demo.master
    set_config(master, agreement_due="31/10/2569", evaluation_due="10 มี.ค. 2570")
    with_emails(master)
    roster = read_master(master).roster
    u01 = [str(p) for p in roster[roster["unit"] == "U01"]["person_id"]]
    a, b, c, d, e, f, g = u01
    personal = out / "personal" / "U01"
    stash = out / "stash"
    stash.mkdir()
    by_person = {}
    for path in sorted(personal.glob("*.xlsx")):
        pid = next(p for p in u01 if p in path.name)
        by_person[pid] = path
    for pid in (a, b):  # their evaluations never came: out of the unit's folder
        shutil.move(by_person[pid], stash / by_person[pid].name)
    assert collect(out / "units" / "U01.xlsx", personal, replace=True).written
    for path in personal.glob("*.xlsx"):
        touch(path, date(2027, 3, 5))
    inbox = out / "inbox" / "U01"
    inbox.mkdir(parents=True)
    saved = inbox / "returned by hand.xlsx"
    shutil.copy(by_person[f], saved)  # f saved their return into the inbox by hand
    touch(saved, date(2026, 10, 28))
    with open_log(log_path(master)) as log:
        for pid in roster["person_id"]:
            if str(pid) in (c, e):
                continue
            log.record_sent(sent(str(pid), "2026-10-01T02:00:00+00:00"))
        log.record_sent(sent(c, "2026-09-30T20:00:00+00:00"))  # 03:00 on 1 Oct in Bangkok
        log.record_sent(sent(e, "2026-10-01T02:00:00+00:00", status="failed"))
        log.record_sent(sent(d, "2026-10-02T02:00:00+00:00", what="units"))  # not a person's
        log.record_filed(filed(a, "2026-10-20T03:00:00+00:00", evaluated=False))
        log.record_filed(filed(d, "2026-10-25T03:00:00+00:00", evaluated=False,
                               sealed_at="2026-09-20T10:00:00+07:00"))  # fmt: skip
        log.record_filed(filed(d, "2027-03-01T03:00:00+00:00", evaluated=True))
        log.record_sent(sent(d, "2027-04-02T03:00:00+00:00", what="notices", status="outbox"))
        log.record_sent(sent(g, "2027-04-02T03:00:00+00:00", what="notices", status="failed"))
    for unit in demo.units:
        touch(unit, date(2027, 3, 8))
    assert consolidate(master).exit_code in (0, 1)
    touch(master, date(2027, 3, 12))
    results = {
        str(r[2])
        for r in open_book(master).grid(M.RESULTS)[M.HEADER_ROW :]
        if r[2] not in ("", None)
    }
    return {"out": out, "master": master, "ids": dict(zip("abcdefg", u01, strict=True)),
            "results": results, "roster": roster}  # fmt: skip


def test_each_step_is_dated_from_its_source(round_dir: dict[str, Any]) -> None:
    run = round_status(round_dir["master"], today=TODAY)
    people = {p.person_id: p for p in run.people}
    ids = round_dir["ids"]
    assert len(people) == len(round_dir["roster"]) == 20
    a, b, c, d, e, f, g = (people[ids[k]] for k in "abcdefg")
    round_start = date(2026, 10, 1)  # the demo seals every workbook at the round's start
    assert a.steps.dates == {  # no workbook anywhere, no seal in the log, not on Results
        "agreement_sent": date(2026, 10, 1),
        "agreement_returned": date(2026, 10, 20),
    }
    assert b.date_of("agreement_returned") is None and b.date_of("evaluation_returned") is None
    assert c.date_of("agreement_sent") == date(2026, 10, 1)  # UTC 30 Sep 20:00 = Bangkok 1 Oct
    assert e.date_of("agreement_sent") is None  # only a failed send
    assert d.date_of("agreement_returned") == date(2026, 10, 25)
    assert d.date_of("sealed") == date(2026, 9, 20)  # the log's seal, before the workbook's
    assert d.date_of("evaluation_returned") == date(2027, 3, 1)  # the log, before the file
    assert d.date_of("notice_sent") == date(2027, 4, 2)  # an outbox message counts
    assert g.date_of("notice_sent") is None  # a failed one does not
    assert f.date_of("agreement_returned") == date(2026, 10, 28)  # the inbox file's time
    assert f.date_of("evaluation_returned") == date(2026, 10, 28)
    assert g.date_of("agreement_returned") is None  # the personal folder is not a return
    assert g.date_of("evaluation_returned") == date(2027, 3, 5)  # its evaluated workbook
    assert g.date_of("sealed") == round_start
    for p in (c, d, e, f, g):
        assert p.date_of("collected") == date(2027, 3, 8)  # the unit workbook's time
    for p in people.values():
        on_results = p.person_id in round_dir["results"]
        assert (p.date_of("consolidated") == date(2027, 3, 12)) is on_results
        assert p.steps.email and p.steps.email.endswith("example.org")


def test_lateness_against_the_due_dates(round_dir: dict[str, Any]) -> None:
    ids = round_dir["ids"]
    run = round_status(round_dir["master"], today=TODAY)
    assert run.dues == {"agreement": AGREEMENT_DUE, "evaluation": EVALUATION_DUE}
    late = {p.person_id: p.late for p in run.late}
    assert late == {ids["a"]: ("evaluation",), ids["b"]: ("agreement", "evaluation")}
    after_agreement = round_status(round_dir["master"], today=date(2026, 11, 1))
    assert {p.person_id: p.late for p in after_agreement.late} == {ids["b"]: ("agreement",)}
    on_the_day = round_status(round_dir["master"], today=AGREEMENT_DUE)
    assert on_the_day.late == []


def test_unit_summaries(round_dir: dict[str, Any]) -> None:
    run = round_status(round_dir["master"], today=TODAY)
    lines = {u.unit: u.line_th for u in run.units}
    assert list(lines) == ["U01", "U02", "U03"]
    assert lines["U01"] == (
        "U01 กลุ่มบริหารทรัพยากรบุคคล: 7 คน · ส่งข้อตกลงแล้ว 6 · ได้รับคืน 6 · ประเมินแล้ว 5 · ล่าช้า 2"
    )
    assert lines["U03"].startswith("U03 กลุ่มการเงินและบัญชี: 6 คน · ส่งข้อตกลงแล้ว 6 · ได้รับคืน 6")
    assert run.units[0].line_en == (
        "U01: 7 people · 6 agreements sent · 6 returned · 5 evaluated · 2 late"
    )


def test_reminder_targets_are_the_late_with_their_email(round_dir: dict[str, Any]) -> None:
    ids = round_dir["ids"]
    roster = round_dir["roster"].set_index("person_id")
    targets = reminder_targets(round_dir["master"], today=TODAY)
    assert [(r.person_id, r.step, r.due) for r in targets] == [
        (ids["a"], "evaluation", EVALUATION_DUE),
        (ids["b"], "evaluation", EVALUATION_DUE),
    ]
    for r in targets:
        assert r.email == roster.loc[r.person_id, "email"] and "@" in r.email
        assert r.name == roster.loc[r.person_id, "name"] and r.unit == "U01"
    early = reminder_targets(round_dir["master"], today=date(2026, 11, 1))
    assert [(r.person_id, r.step, r.due) for r in early] == [(ids["b"], "agreement", AGREEMENT_DUE)]
    assert reminder_targets(round_dir["master"], today=date(2026, 10, 1)) == []


def test_the_tracker_sheet_and_a_second_run(round_dir: dict[str, Any], tmp_path: Path) -> None:
    master = tmp_path / "master.xlsx"
    shutil.copy(round_dir["master"], master)
    for name in ("units", "personal", "inbox"):
        os.symlink(round_dir["out"] / name, tmp_path / name)
    shutil.copy(log_path(round_dir["master"]), log_path(master))
    touch(master, date(2027, 3, 12))
    before = parts(master)
    run = status(master, today=TODAY)
    assert run.written and run.exit_code == 0
    after = parts(master)
    part = tracker_part(master)
    assert {n for n in after if after[n] != before.get(n)} == {part}  # nothing else changed
    ids = round_dir["ids"]
    rows = tracker_rows(master)
    assert len(rows) == 20
    a, d = rows[ids["a"]], rows[ids["d"]]
    assert a["name"] == round_dir["roster"].set_index("person_id").loc[ids["a"], "name"]
    assert a["agreement_sent"] == "1/10/2569" and a["agreement_returned"] == "20/10/2569"
    assert a["evaluation_returned"] == M.TRACKER_LATE
    assert rows[ids["b"]]["agreement_returned"] == M.TRACKER_LATE
    assert d["sealed"] == "20/9/2569" and d["notice_sent"] == "2/4/2570"
    assert d["consolidated"] == "12/3/2570"
    ws = openpyxl.load_workbook(master)[M.TRACKER]
    assert ws["A2"].value == "ข้อมูล ณ วันที่ 15 มี.ค. 2570"
    assert ws["D2"].value == "กำหนด 31/10/2569" and ws["F2"].value == "กำหนด 10/3/2570"
    assert [c.value for c in ws[M.HEADER_ROW]] == list(M.TRACKER_HEADERS)
    # a late step is filled; an on-time one of the same column is not
    late_row = next(r for r in ws.iter_rows(min_row=4) if r[-1].value == ids["a"])
    fine_row = next(r for r in ws.iter_rows(min_row=4) if r[-1].value == ids["d"])
    column = M.TRACKER_COLUMNS.index("evaluation_returned")
    assert late_row[column].fill.fgColor.rgb.endswith(M.TRACKER_LATE_FILL)
    assert fine_row[column].fill.fill_type is None
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.print_title_rows == "$3:$3"
    summary = [c.value for c in ws["A"] if c.value and "ล่าช้า 2" in str(c.value)]
    assert summary and summary[0].startswith("U01 กลุ่มบริหารทรัพยากรบุคคล: 7 คน")
    # nothing changed: the same bytes, no new backup, the file not even touched
    backups = generations(master)
    data, mtime = master.read_bytes(), master.stat().st_mtime
    assert main(["status", str(master), "--today", "15/3/2570"]) == 0
    assert master.read_bytes() == data and master.stat().st_mtime == mtime
    assert generations(master) == backups
    # the consolidated date stays the one first seen, whatever the master's time now
    touch(master, date(2027, 3, 20))
    assert status(master, today=TODAY).written
    assert tracker_rows(master)[ids["d"]]["consolidated"] == "12/3/2570"
    assert master.read_bytes() == data
    # consolidating again leaves the Tracker as it is and gives the same bytes
    assert consolidate(master).exit_code in (0, 1)
    assert master.read_bytes() == data


def test_the_first_write_keeps_a_backup_and_no_write_writes_nothing(
    round_dir: dict[str, Any], tmp_path: Path
) -> None:
    master = tmp_path / "master.xlsx"
    shutil.copy(round_dir["master"], master)
    data = master.read_bytes()
    assert main(["status", str(master), "--no-write", "--today", "2027-03-15"]) == 0
    assert master.read_bytes() == data
    assert status(master, today=TODAY).written
    assert master.read_bytes() != data
    assert [p.read_bytes() for p in generations(master)] == [data]


def test_json_output(round_dir: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    ids = round_dir["ids"]
    code = main(
        ["status", str(round_dir["master"]), "--today", "15/3/2570", "--no-write", "--json"]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["today"] == "2027-03-15" and data["written"] is False
    assert data["dues"] == {"agreement": "2026-10-31", "evaluation": "2027-03-10"}
    people = {p["person_id"]: p for p in data["people"]}
    assert people[ids["a"]]["steps"]["agreement_returned"] == "2026-10-20"
    assert people[ids["a"]]["steps"]["collected"] is None
    assert people[ids["a"]]["late"] == ["evaluation"]
    assert data["late"] == [ids["a"], ids["b"]]
    assert data["units"][0]["late"] == 2 and data["units"][0]["summary"].startswith("U01 ")


def test_the_cli_prints_summaries_and_the_late(
    round_dir: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", str(round_dir["master"]), "--today", "15/3/2570", "--no-write"]) == 0
    out = capsys.readouterr().out
    assert "U01 กลุ่มบริหารทรัพยากรบุคคล: 7 คน" in out
    assert f"({round_dir['ids']['b']}): ข้อตกลง กำหนด 31/10/2569, แบบประเมิน กำหนด 10/3/2570" in out
    assert main(["status", str(round_dir["master"]), "--today", "32/13/2570"]) == 2  # usage


def test_an_older_master_gets_a_tracker(round_dir: dict[str, Any], tmp_path: Path) -> None:
    master = tmp_path / "master.xlsx"
    wb = openpyxl.load_workbook(round_dir["master"])
    del wb[M.TRACKER]
    wb.save(master)
    before = open_book(master)
    grids = {name: before.grid(name) for name in before.sheet_names}
    run = status(master, today=TODAY)
    assert run.written, run.findings
    after = open_book(master)
    assert after.sheet_names == [*grids, M.TRACKER]
    assert all(after.grid(name) == grid for name, grid in grids.items())
    assert len(tracker_rows(master)) == 20
    ws = openpyxl.load_workbook(master)[M.TRACKER]
    assert ws.print_title_rows == "$3:$3" and ws.page_setup.orientation == "landscape"
    data = master.read_bytes()
    assert status(master, today=TODAY).written and master.read_bytes() == data


def master_alone(round_dir: dict[str, Any], folder: Path) -> Path:
    """A copy of the round's master in a folder of its own (no workbooks, no log)."""
    master = folder / "master.xlsx"
    shutil.copy(round_dir["master"], master)
    return master


def test_hostile_names_stay_text(round_dir: dict[str, Any], tmp_path: Path) -> None:
    master = master_alone(round_dir, tmp_path)
    long = "นางสาวประภาพรรณ " + "ศรีสวัสดิ์วัฒนากุลชัย" * 3  # wraps in the name column
    hostile = ['=HYPERLINK("http://x","y")', "+1+2", "@SUM(A1)", "-2", "a\x07b<c>&_x0041_", long]
    data = Package.read(master).patched(
        {M.ROSTER: {f"B{M.FIRST_ROW + i}": text for i, text in enumerate(hostile)}}
    )
    master.write_bytes(data)
    assert status(master, today=TODAY).written
    ids = [str(p) for p in round_dir["roster"]["person_id"][: len(hostile)]]
    ws = openpyxl.load_workbook(master)[M.TRACKER]
    row_of = {str(r[-1].value): r for r in ws.iter_rows(min_row=M.FIRST_ROW) if r[-1].value}
    names = [row_of[pid][0] for pid in ids]
    assert [c.data_type for c in names] == ["s"] * len(hostile)
    assert [c.value for c in names[:4]] == hostile[:4]
    grid = open_book(master).grid(M.TRACKER)  # calamine decodes the file's _xHHHH_ escapes
    assert [r[0] for r in grid[M.FIRST_ROW - 1 :] if r[-1] in ids] == [
        hostile[ids.index(r[-1])] for r in grid[M.FIRST_ROW - 1 :] if r[-1] in ids
    ]
    assert hostile[4] in [r[0] for r in grid]
    tall = ws.row_dimensions[row_of[ids[5]][0].row].height
    assert (
        tall is not None
        and tall > 2 * 25
        and ws.row_dimensions[row_of[ids[1]][0].row].height is None
    )
    assert "<f>" not in Package.read(master).parts[tracker_part(master)].decode()


def test_a_bad_due_date_is_a_finding_and_nobody_is_late_for_it(
    round_dir: dict[str, Any], tmp_path: Path
) -> None:
    master = master_alone(round_dir, tmp_path)
    set_config(master, agreement_due="ไม่ทราบ", evaluation_due="")
    run = round_status(master, today=TODAY)
    assert [f.rule for f in run.findings] == ["status.bad_due"]
    assert run.findings[0].cell == f"B{read_master(master).config_rows['agreement_due']}"
    assert run.dues == {"agreement": None, "evaluation": None} and run.late == []
    assert run.exit_code == 0


def test_a_broken_log_or_master_is_a_finding(round_dir: dict[str, Any], tmp_path: Path) -> None:
    master = master_alone(round_dir, tmp_path)
    log_path(master).write_bytes(b"not a database" * 100)
    run = round_status(master, today=TODAY)
    assert [f.rule for f in run.findings] == ["status.log_unreadable"]
    assert len(run.people) == 20
    other = tmp_path / "other.xlsx"
    other.write_bytes(b"PK\x03\x04 broken")
    bad = status(other, today=TODAY)
    assert bad.exit_code == 1 and bad.people == [] and not bad.written
    assert other.read_bytes() == b"PK\x03\x04 broken"


# ---------------------------------------------------------------- the pure rules


def person(**dates: date) -> PersonSteps:
    return PersonSteps("1", "ก", "U01", "a@example.org", dates)


def test_late_steps_rules() -> None:
    dues = {"agreement": date(2026, 10, 31), "evaluation": date(2027, 3, 10)}
    assert late_steps(person(), dues, date(2026, 10, 31)) == ()
    assert late_steps(person(), dues, date(2026, 11, 1)) == ("agreement",)
    assert late_steps(person(), dues, date(2027, 3, 11)) == ("agreement", "evaluation")
    assert late_steps(person(sealed=date(2026, 10, 2)), dues, date(2026, 11, 1)) == ()
    done_later = person(collected=date(2027, 3, 1))  # collected: both in
    assert late_steps(done_later, dues, date(2027, 4, 1)) == ()
    assert late_steps(person(), {"agreement": None, "evaluation": None}, date(2030, 1, 1)) == ()
    assert reminder_step(("agreement", "evaluation")) == "evaluation"
    assert reminder_step(("agreement",)) == "agreement" and reminder_step(()) is None


def test_summaries_follow_the_units_order() -> None:
    people = [
        PersonSteps("1", "ก", "U02", dates={"agreement_sent": date(2026, 10, 1)}),
        PersonSteps("2", "ข", "U01"),
        PersonSteps("3", "ค", "X9", dates={"evaluation_returned": date(2027, 1, 1)}),
    ]
    units = summarise_units(people, {"2": ("agreement",)}, {"U01": "หนึ่ง", "U02": "สอง"})
    assert [u.line_th for u in units] == [
        "U01 หนึ่ง: 1 คน · ส่งข้อตกลงแล้ว 0 · ได้รับคืน 0 · ประเมินแล้ว 0 · ล่าช้า 1",
        "U02 สอง: 1 คน · ส่งข้อตกลงแล้ว 1 · ได้รับคืน 0 · ประเมินแล้ว 0 · ล่าช้า 0",
        "X9: 1 คน · ส่งข้อตกลงแล้ว 0 · ได้รับคืน 1 · ประเมินแล้ว 1 · ล่าช้า 0",
    ]


def test_a_run_holding_the_master_stops_a_second(
    round_dir: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    master = master_alone(round_dir, tmp_path)
    data = master.read_bytes()
    holder = LockInfo(socket.gethostname(), os.getppid(), "2027-03-15T09:00:00+07:00", "kpixl x")
    lock_path(master).write_text(json.dumps(asdict(holder)), encoding="utf-8")
    code = main(["status", str(master), "--today", "15/3/2570"])
    assert code == 2 and master.read_bytes() == data
    assert f"pid {os.getppid()}" in capsys.readouterr().err
    lock_path(master).unlink()
    assert main(["status", str(master), "--today", "15/3/2570"]) == 0
    assert master.read_bytes() != data


def test_a_master_of_an_unknown_shape_is_left_as_it_was(
    round_dir: dict[str, Any], tmp_path: Path
) -> None:
    wb = openpyxl.load_workbook(round_dir["master"])
    del wb[M.TRACKER]  # an older master, and one without styles: no sheet can be added
    saved = tmp_path / "saved.xlsx"
    wb.save(saved)
    master = tmp_path / "master.xlsx"
    with zipfile.ZipFile(saved) as zin, zipfile.ZipFile(master, "w") as zout:
        for item in zin.infolist():
            if item.filename != "xl/styles.xml":
                zout.writestr(item, zin.read(item.filename))
    data = master.read_bytes()
    run = status(master, today=TODAY)
    assert [f.rule for f in run.findings] == ["status.tracker_failed"]
    assert run.exit_code == 1 and not run.written and master.read_bytes() == data
    assert len(run.people) == 20 and len(run.late) == 2


def test_a_unit_workbook_sent_back_into_the_inbox_dates_collecting(
    round_dir: dict[str, Any], tmp_path: Path
) -> None:
    master = master_alone(round_dir, tmp_path)
    inbox = tmp_path / "inbox" / "U02"
    inbox.mkdir(parents=True)
    shutil.copy(round_dir["out"] / "units" / "U02.xlsx", inbox / "from the head.xlsx")
    touch(inbox / "from the head.xlsx", date(2027, 3, 9))
    (inbox / "notes.xlsx").write_bytes(b"not a workbook")  # ignored, not fatal
    run = round_status(master, today=TODAY)
    roster = round_dir["roster"]
    u02 = {str(p) for p in roster[roster["unit"] == "U02"]["person_id"]}
    collected = {p.person_id: p.date_of("collected") for p in run.people}
    assert {pid for pid, day in collected.items() if day} == u02
    assert {collected[pid] for pid in u02} == {date(2027, 3, 9)}
    assert run.findings == []
