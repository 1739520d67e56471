"""The master's mail and status buttons (ส่งแบบฟอร์ม, รับแบบฟอร์ม, สถานะ), end to end
through xlwings' remote engine on a real demo master on disk.

The buttons run the CLI's jobs over the master *file*; the payload is that file as an
Excel client sends it. What they write into the workbook (Config!A2, Issues, Tracker)
comes back as actions, applied by the test client; what the jobs write (the outbox's
``.eml`` files, the inbox, the mail log) is checked on disk.
"""

from __future__ import annotations

import email
import email.policy
import re
import shutil
import sqlite3
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlwings as xw
from openpyxl.utils import column_index_from_string
from xlwings_payload import apply, apply_all, drop_sheet, payload, rows_from

from kpixl.excel import macros
from kpixl.excel.saved import unsaved_changes
from kpixl.excel.xlsm import MASTER_BUTTONS, kpixl_module
from kpixl.io.mail_log import log_path
from kpixl.jobs.demo import build_demo
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.master import master_from_grids, read_master
from kpixl.workbooks.templates import template_bytes
from tests.mail_servers import ImapServer, Recorder, imap_server, smtp_server

__all__ = ["imap_server", "smtp_server"]  # the fixtures, imported for pytest

SENDER = "กลุ่มบริหารทรัพยากรบุคคล <hr@example.org>"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("built") / "demo"
    build_demo(out)
    return out


@pytest.fixture()
def demo(built: Path, tmp_path: Path) -> Path:
    target = tmp_path / "demo"
    shutil.copytree(built, target)
    inputs = read_master(target / "master.xlsx")  # the demo has HR's sender, everyone's address
    assert inputs.config["mail_from"] == SENDER and inputs.roster["email"].notna().all()
    return target


def edit_master(path: Path, config: dict[str, Any]) -> None:
    """Set Config values in the master file, as HR would type and save them."""
    wb = openpyxl.load_workbook(path)
    ws = wb[M.CONFIG]
    rows = {ws.cell(r, 1).value: r for r in range(M.FIRST_ROW, ws.max_row + 1)}
    for key, value in config.items():
        cell = ws.cell(rows[key], 2)
        cell.value = value
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # typed as text ('=…), not a formula
    wb.save(path)


def press(macro: Any, data: dict[str, Any]) -> tuple[dict[str, list[list[Any]]], list[Any]]:
    book = xw.Book(json=data)
    macro(book)
    actions = book.json()["actions"]
    return apply(data, actions), actions


def status_of(grids: dict[str, list[list[Any]]]) -> str:
    return str(grids[M.CONFIG][int(M.STATUS_CELL[1:]) - 1][0])


def shown(value: Any) -> Any:
    """A value as Excel shows it: its text prefix (a leading apostrophe) hidden."""
    return value[1:] if isinstance(value, str) and value.startswith("'") else value


def status_writes(actions: list[dict[str, Any]]) -> list[str]:
    """Every value written to Config!A2, in order."""
    return [
        str(a["values"][0][0])
        for a in actions
        if a["func"] == "setValues"
        and a["sheet_position"] == 0
        and (a["start_row"], a["start_column"]) == (1, 0)
    ]


def issues(grids: dict[str, list[list[Any]]]) -> list[str]:
    return [str(r[1]) for r in rows_from(grids[M.ISSUES], M.FIRST_ROW)]


def roster_size(master: Path) -> int:
    return len(read_master(master).roster)


# ------------------------------------------------------------------------ the VBA


def test_the_master_buttons_run_the_new_macros() -> None:
    subs = {b.sub: b for b in MASTER_BUTTONS}
    assert [subs[s].caption for s in ("KpixlSendForms", "KpixlFetchForms", "KpixlStatus")] == [
        "ส่งแบบฟอร์ม (Send forms)",
        "รับแบบฟอร์ม (Fetch forms)",
        "สถานะ (Status)",
    ]
    source = kpixl_module(MASTER_BUTTONS).source
    for sub, function in (
        ("KpixlSendForms", "send_forms"),
        ("KpixlFetchForms", "fetch_forms"),
        ("KpixlStatus", "status"),
    ):
        assert (
            f'Sub {sub}()\r\n    RunPython "import kpixl.excel.macros as m; m.{function}()"\r\n'
            "End Sub" in source
        )
        assert callable(getattr(macros, function)) and function in macros.__all__


def test_the_built_master_xlsm_carries_the_new_buttons(tmp_path: Path) -> None:
    import warnings
    import zipfile

    with warnings.catch_warnings():  # oletools still calls pyparsing's camelCase names
        warnings.simplefilter("ignore", DeprecationWarning)
        from oletools.olevba import VBA_Parser

    path = tmp_path / "master.xlsm"
    path.write_bytes(template_bytes("master.xlsm"))
    parser = VBA_Parser(str(path))
    try:
        modules = {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()
    calls = re.findall(
        r'Sub (\w+)\(\)\s+RunPython "import kpixl\.excel\.macros as m; m\.(\w+)\(\)"',
        modules["kpixl.bas"],
    )
    assert ("KpixlSendForms", "send_forms") in calls and ("KpixlStatus", "status") in calls
    assert calls == [(b.sub, b.python) for b in MASTER_BUTTONS if b.python]
    with zipfile.ZipFile(path) as z:
        vml = z.read("xl/drawings/vmlDrawingKpixl.vml").decode()
    assert re.findall(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", vml) == [
        b.sub for b in MASTER_BUTTONS
    ]
    assert "ส่งแบบฟอร์ม (Send forms)" in vml and "สถานะ (Status)" in vml


# -------------------------------------------------------------------- send forms


def test_send_forms_without_a_server_writes_eml_files_into_the_outbox(demo: Path) -> None:
    master = demo / "master.xlsx"
    people = roster_size(master)
    grids, actions = press(macros.send_forms, payload(master))
    message = status_of(grids)
    assert message.startswith("✓"), message
    outbox = demo / "outbox"
    files = sorted(outbox.glob("*.eml"))
    assert len(files) == people == 20
    assert f"wrote {people} agreements as .eml files to {outbox}" in message
    assert "0 already sent, 0 failed" in message
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert "hr@example.org" in str(parsed["From"]) and "@example.org" in str(parsed["To"])
    [attachment] = list(parsed.iter_attachments())  # type: ignore[attr-defined]
    sent = next((demo / "personal").rglob(attachment.get_filename()))
    assert attachment.get_content() == sent.read_bytes()
    # the user saw it start, then the count, then the result
    writes = status_writes(actions)
    assert writes[0].startswith("⏳ กำลังทำงาน: ส่งแบบฟอร์ม")
    assert writes[1].startswith("⏳ กำลังส่งแบบข้อตกลง") and "Excel" in writes[1]
    assert any(f"{people}/{people}" in w for w in writes[2:-1])
    assert writes[-1] == message
    assert "mail.send_outbox_default" in issues(grids)  # said where they went, and why
    # pressed again: nothing new is written
    stamp = {f: f.stat().st_mtime_ns for f in files}
    grids, _ = press(macros.send_forms, payload(master))
    assert "wrote 0 agreements" in status_of(grids)
    assert f"{people} already sent" in status_of(grids)
    assert {f: f.stat().st_mtime_ns for f in outbox.glob("*.eml")} == stamp


def test_send_forms_through_a_server_counts_as_it_goes(
    demo: Path, smtp_server: tuple[Recorder, int]
) -> None:
    recorder, port = smtp_server
    master = demo / "master.xlsx"
    edit_master(
        master,
        {
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_security": "none",
            "mail_per_minute": 600,
            "mail_send_what": "units",
        },
    )
    grids, actions = press(macros.send_forms, payload(master))
    message = status_of(grids)
    assert message.startswith("✓"), message
    assert "sent 3 unit workbooks through smtp://127.0.0.1" in message
    assert "ส่งสมุดงานหน่วยงานแล้ว 3 ฉบับ" in message
    assert len(recorder.received) == 3 and not (demo / "outbox").exists()
    names = sorted(
        a.get_filename()
        for r in recorder.received
        for a in r.message.iter_attachments()  # type: ignore[attr-defined]
    )
    assert names == ["U01.xlsx", "U02.xlsx", "U03.xlsx"]
    writes = status_writes(actions)
    assert writes[1].startswith("⏳ กำลังส่งสมุดงานหน่วยงาน")
    assert next(w for w in writes if "/3" in w).startswith("⏳ กำลังส่งสมุดงานหน่วยงาน 0/3")
    assert any("3/3" in w for w in writes)


def test_a_send_held_by_another_run_says_so(demo: Path) -> None:
    import subprocess
    import sys

    master = demo / "master.xlsx"
    holder = subprocess.Popen(  # another kpixl run, holding the master's lock
        [
            sys.executable,
            "-c",
            "import sys, time; from kpixl.io.lock import hold_lock\n"
            f"with hold_lock({str(master)!r}, command='kpixl mail send'):\n"
            "    print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        grids, _ = press(macros.send_forms, payload(master))
    finally:
        holder.kill()
        holder.communicate()
    message = status_of(grids)
    assert message.startswith("✗ ไม่ได้ส่งแบบข้อตกลงทั้งหมด"), message
    assert str(holder.pid) in message or "kpixl mail send" in message
    assert not list((demo / "outbox").glob("*.eml"))


@pytest.mark.parametrize("value", ["everything", "=cmd|' /C calc'!A0", ""])
def test_a_wrong_mail_send_what_is_a_thai_status_and_sends_nothing(demo: Path, value: str) -> None:
    master = demo / "master.xlsx"
    edit_master(master, {"mail_send_what": value or None})
    row = read_master(master).config_rows["mail_send_what"]
    grids, _ = press(macros.send_forms, payload(master))
    message = status_of(grids)
    assert message.startswith("✗ ไม่ได้ส่งอีเมลใด: mail_send_what")
    assert f"Config!B{row}" in message
    assert "agreements (แบบข้อตกลง)" in message and "reminders" in message
    assert "nothing sent" in message and f"'{value}'" in message
    assert not (demo / "outbox").exists() and not log_path(master).exists()


def test_unsaved_changes_are_named_and_nothing_is_sent(demo: Path) -> None:
    master = demo / "master.xlsx"
    config_row = read_master(master).config_rows["mail_send_what"]
    email_col = M.ROSTER_COLUMNS.index("email") + 1
    data = payload(
        master,
        {
            M.ROSTER: {(M.FIRST_ROW, email_col): "new.address@example.org"},
            M.CONFIG: {(config_row, 2): "notices"},
        },
    )
    grids, _ = press(macros.send_forms, data)
    message = status_of(grids)
    assert message.startswith("✗ ยังไม่ได้บันทึกการแก้ไข")
    assert f"Config!B{config_row} mail_send_what" in message and "Roster" in message
    assert "Ctrl+S" in message
    assert not (demo / "outbox").exists()


def test_a_workbook_that_is_no_file_yet_is_asked_to_be_saved(demo: Path) -> None:
    data = payload(demo / "master.xlsx")
    data["book"]["name"] = "Book1"  # a new workbook, never saved
    grids, _ = press(macros.send_forms, data)
    assert status_of(grids).startswith("✗ สมุดงานนี้ยังไม่เป็นไฟล์ในเครื่อง")


def test_what_excel_gives_is_what_the_file_holds() -> None:
    """Excel (COM) gives floats and datetimes where the file reader gives ints and
    dates: the same values, not unsaved changes."""
    path = Path("master.xlsm")
    head = [["Config"], [""], ["key", "value"]]
    grid_file = [
        *head,
        ["template_id", M.TEMPLATE_ID],
        ["smtp_port", 587],
        ["agreement_due", date(2026, 10, 31)],
    ]
    grid_excel = [
        *head,
        ["template_id", M.TEMPLATE_ID],
        ["smtp_port", 587.0],
        ["agreement_due", datetime(2026, 10, 31)],
    ]
    a = master_from_grids({M.CONFIG: grid_excel}, path)
    b = master_from_grids({M.CONFIG: grid_file}, path)
    assert unsaved_changes(a, b) == []
    grid_excel[4][1] = 25.0
    assert unsaved_changes(master_from_grids({M.CONFIG: grid_excel}, path), b) == [
        "Config!B5 smtp_port"
    ]


# ------------------------------------------------------------------- fetch forms


def test_fetch_forms_files_the_saved_messages_into_the_inbox(demo: Path) -> None:
    master = demo / "master.xlsx"
    press(macros.send_forms, payload(master))  # 20 messages, each with a workbook
    saved = demo / "saved mail"
    shutil.copytree(demo / "outbox", saved)
    edit_master(master, {"mail_fetch_from": str(saved)})
    grids, _ = press(macros.fetch_forms, payload(master))
    message = status_of(grids)
    assert message.startswith("✓"), message
    filed = sorted((demo / "inbox").rglob("*.xlsx"))
    assert len(filed) == roster_size(master) == 20
    assert {f.parent.name for f in filed} == {"U01", "U02", "U03"}
    assert f"filed 20 workbooks into {demo / 'inbox'}" in message
    personal = {p.read_bytes() for p in (demo / "personal").rglob("*.xlsx")}
    assert {f.read_bytes() for f in filed} == personal  # the attachments, byte for byte
    # pressed again: the messages were fetched before, nothing new is filed
    grids, _ = press(macros.fetch_forms, payload(master))
    assert "filed 0 workbooks" in status_of(grids) and "20 messages fetched before" in status_of(
        grids
    )
    assert len(sorted((demo / "inbox").rglob("*.xlsx"))) == 20


def test_fetch_forms_from_an_imap_mailbox(
    demo: Path, imap_server: ImapServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    master = demo / "master.xlsx"
    press(macros.send_forms, payload(master))
    mailbox = imap_server.new_mailbox("excel-button")
    messages = sorted((demo / "outbox").glob("*.eml"))[:3]  # three came back
    for eml in messages:
        imap_server.append(mailbox, eml.read_bytes())
    before = imap_server.state(mailbox)
    source = f"imap://{imap_server.user}@127.0.0.1:{imap_server.port}/{mailbox}"
    edit_master(master, {"mail_fetch_from": source})
    monkeypatch.setenv("KPIXL_IMAP_PASSWORD", imap_server.password)  # never in the workbook
    monkeypatch.setenv("SSL_CERT_FILE", imap_server.ca)  # the test server's own certificate
    grids, _ = press(macros.fetch_forms, payload(master))
    message = status_of(grids)
    assert message.startswith("✓"), (message, rows_from(grids[M.ISSUES], M.FIRST_ROW))
    assert f"fetched from {source}: filed 3 workbooks" in message
    assert len(sorted((demo / "inbox").rglob("*.xlsx"))) == 3
    assert imap_server.state(mailbox) == before  # nothing flagged, moved or deleted
    grids, _ = press(macros.fetch_forms, payload(master))
    assert "filed 0 workbooks" in status_of(grids) and "3 messages fetched before" in status_of(
        grids
    )


def test_fetch_forms_with_no_source_says_which_cell(demo: Path) -> None:
    master = demo / "master.xlsx"
    edit_master(master, {"mail_fetch_from": None})
    row = read_master(master).config_rows["mail_fetch_from"]
    grids, _ = press(macros.fetch_forms, payload(master))
    message = status_of(grids)
    assert message.startswith("✗ ไม่ได้รับแบบฟอร์มใด") and f"Config!B{row}" in message
    assert not (demo / "inbox").exists()


def test_fetch_forms_never_shows_a_password_typed_into_the_url(demo: Path) -> None:
    master = demo / "master.xlsx"
    # nothing listens on port 9: the fetch fails, and says so without the password
    edit_master(master, {"mail_fetch_from": "imap://hr:s3cret-pw@127.0.0.1:9/INBOX"})
    data = payload(master)
    book = xw.Book(json=data)
    macros.fetch_forms(book)
    actions = book.json()["actions"]
    grids = apply(data, actions)
    assert status_of(grids).startswith("✗"), status_of(grids)
    assert "imap://hr@127.0.0.1:9/INBOX" in status_writes(actions)[1]
    assert "s3cret-pw" not in str(actions)


# ------------------------------------------------------------------------ status


def test_status_writes_the_tracker_as_kpixl_status_sees_it(demo: Path) -> None:
    from kpixl.jobs.status import round_status, tracker_view

    master = demo / "master.xlsx"
    press(macros.send_forms, payload(master))  # everyone's agreement sent today
    # U01's people never sent anything back, and both due dates are long past
    shutil.rmtree(demo / "personal" / "U01")
    (demo / "units" / "U01.xlsx").unlink()
    edit_master(master, {"agreement_due": "1/1/2563", "evaluation_due": "1/2/2563"})
    before = master.read_bytes()
    data = payload(master)
    book = xw.Book(json=data)
    macros.status(book)
    sheets = apply_all(data, book.json()["actions"])
    assert master.read_bytes() == before  # the button writes the open workbook only
    tracker = sheets[M.TRACKER]
    view = tracker_view(round_status(master))
    width = len(M.TRACKER_COLUMNS)
    written = rows_from(tracker.values, M.FIRST_ROW, width)
    rows = [[shown(v) for v in r] for r in written]
    people = [[("" if v is None else v) for v in r] for r in view.rows]
    assert rows[: len(people)] == people and len(people) == 20
    sent = M.TRACKER_COLUMNS.index("agreement_sent")
    pid = M.TRACKER_COLUMNS.index("person_id")
    # dates and ids go with Excel's text prefix: Excel would make numbers of them
    assert all(r[sent].startswith("'") and r[pid].startswith("'") for r in written[:20])
    unit = M.TRACKER_COLUMNS.index("unit")
    dues = [M.TRACKER_COLUMNS.index(c) for c in M.TRACKER_DUE_COLUMNS.values()]
    assert all(r[sent] for r in rows[:20])
    late = [i for i, r in enumerate(rows[:20]) if r[dues[0]] == M.TRACKER_LATE]
    assert [rows[i][unit] for i in late] == ["U01"] * 7
    assert all(rows[i][dues[1]] == M.TRACKER_LATE for i in late)
    assert [r[0] for r in rows[20:]] == [M.TRACKER_SUMMARY_TITLE, *view.summaries]
    assert len(view.summaries) == 3
    assert tracker.values[1][0] == view.as_of and "กำหนด" in str(tracker.values[1][dues[0]])
    # the look: every row the first row's formats, a due cell a plain date's, a late
    # cell the legend's
    legend = (2, column_index_from_string(M.TRACKER_LEGEND_CELL.rstrip("0123456789")))
    plain = (M.FIRST_ROW, sent + 1)
    for i in range(20):
        r = M.FIRST_ROW + i
        for c in dues:
            assert tracker.formats[(r, c + 1)] == (legend if i in late else plain), (r, c)
        if i:
            assert tracker.formats[(r, 1)] == (M.FIRST_ROW, 1)
    message = status_of({n: s.values for n, s in sheets.items()})
    assert message.startswith("✓ ติดตามสถานะแล้ว"), message
    assert "20 people in 3 units, 7 late in 1 units" in message


def test_status_adds_the_tracker_to_an_older_master(demo: Path) -> None:
    master = demo / "master.xlsx"
    data = payload(master)
    drop_sheet(data, M.TRACKER)
    book = xw.Book(json=data)
    macros.status(book)
    actions = book.json()["actions"]
    assert [a["args"][1] for a in actions if a["func"] == "addSheet"] == [M.TRACKER]
    sheets = apply_all(data, actions)
    rows = rows_from(sheets[M.TRACKER].values, M.FIRST_ROW, len(M.TRACKER_COLUMNS))
    assert len(rows) >= 20 and sheets[M.TRACKER].values[0][0] == M.TRACKER_TITLE
    assert sheets[M.TRACKER].values[M.HEADER_ROW - 1][: len(M.TRACKER_HEADERS)] == list(
        M.TRACKER_HEADERS
    )


def test_late_runs_follow_runs_not_rows() -> None:
    from kpixl.excel.tracker_sheet import late_runs

    late = [frozenset({3}), frozenset({3, 5}), frozenset(), frozenset({3}), frozenset({5})]
    assert late_runs(late, 3) == [(0, 1), (3, 3)]
    assert late_runs(late, 5) == [(1, 1), (4, 4)]
    assert late_runs(late, 4) == []


def test_the_mail_log_is_beside_the_master(demo: Path) -> None:
    master = demo / "master.xlsx"
    press(macros.send_forms, payload(master))
    with sqlite3.connect(log_path(master)) as db:
        count = db.execute("select count(*) from sent").fetchone()[0]
    assert count == 20
