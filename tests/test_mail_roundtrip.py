"""A round by e-mail, end to end, against real servers (issue 16's acceptance).

HR sends the agreements (a real SMTP server on 127.0.0.1 receives one message per
person) → most people reply with their evaluated workbook, a few do not (the replies go
onto the real Dovecot IMAP server) → ``kpixl mail fetch`` files them → the unit heads
collect → HR consolidates, makes the notices and sends them → the tracker shows each
person's steps on the right days, and the people who did not reply as late. Sending
and fetching again do nothing new.
"""

from __future__ import annotations

import hashlib
from datetime import date
from email.utils import make_msgid
from pathlib import Path

import openpyxl
import pytest

from kpixl.core.thaitime import read_date
from kpixl.io.xlsx_package import Package
from kpixl.jobs.collect import collect
from kpixl.jobs.consolidate import consolidate
from kpixl.jobs.demo import build_demo
from kpixl.jobs.mail_fetch import fetch_mail
from kpixl.jobs.mail_send import send_mail
from kpixl.jobs.notices import write_notices
from kpixl.jobs.status import reminder_targets, round_status, status
from kpixl.workbooks import master_layout as M
from kpixl.workbooks import personal_layout as L
from kpixl.workbooks.master import read_master
from kpixl.workbooks.personal import person_id_of, read_personal
from tests.mail_servers import ImapServer, Recorder, imap_server, message, smtp_server
from tests.test_mail_fetch import revised

__all__ = ["imap_server", "smtp_server"]  # the fixtures, imported for pytest

pytestmark = pytest.mark.libreoffice  # the notices' PDFs

# the days each step happens (UTC; 02:00 UTC is 09:00 in Bangkok, the same day); before
# the day the test runs, as the files' own times (collecting, consolidating) are now
SENT = "2026-10-05T02:00:00+00:00"
REPLIED = "2026-11-16T02:00:00+00:00"
NOTIFIED = "2026-11-30T02:00:00+00:00"
TODAY = date(2027, 4, 21)  # after both due dates of the demo's round 2570/1
SILENT = 3  # the last people of unit U01 never reply


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def no_sleep(seconds: float) -> None:
    assert 0 <= seconds < 120


def test_a_round_by_mail(
    tmp_path: Path,
    imap_server: ImapServer,
    smtp_server: tuple[Recorder, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorder, port = smtp_server
    smtp = f"smtp://127.0.0.1:{port}"
    monkeypatch.setenv("KPIXL_IMAP_PASSWORD", imap_server.password)
    monkeypatch.setenv("SSL_CERT_FILE", imap_server.ca)
    demo = build_demo(tmp_path / "round")
    master = demo.master
    inputs = read_master(master)
    email_of = dict(zip(inputs.roster["person_id"], inputs.roster["email"], strict=True))
    unit_of = dict(zip(inputs.roster["person_id"], inputs.roster["unit"], strict=True))

    # HR's personal folder holds the agreements as they go out (no results yet); what each
    # person sends back is their evaluated workbook, one revision on
    evaluated: dict[str, bytes] = {}
    for path in demo.personal:
        pid = person_id_of(read_personal(path))
        evaluated[pid] = Package.read(path).patched({L.HIDDEN: {L.meta_cell("revision"): 2}})
        path.write_bytes(revised(path, revision=1, agreement_only=True))
    agreements = {person_id_of(read_personal(p)): p for p in demo.personal}
    u01 = [pid for pid in agreements if unit_of[pid] == "U01"]
    silent = set(u01[-SILENT:])
    repliers = [pid for pid in agreements if pid not in silent]

    # 1. the agreements go out: one message per person, to their roster address, with
    # their own workbook attached byte for byte
    sent = send_mail(master, "agreements", smtp=smtp, clock=lambda: SENT, sleep=no_sleep)
    assert sent.exit_code == 0, sent.findings
    assert len(recorder.received) == len(agreements) == 20
    by_to = recorder.by_to()
    for pid, path in agreements.items():
        got = by_to[email_of[pid]].message
        (attachment,) = list(got.iter_attachments())
        assert attachment.get_content() == path.read_bytes()
        assert "2570/1" in got["Subject"]
    again = send_mail(master, "agreements", smtp=smtp, clock=lambda: SENT, sleep=no_sleep)
    assert len(recorder.received) == 20 and not again.sent  # sending twice sends nothing

    # 2. the replies arrive on the IMAP server: "Re:" with the workbook, In-Reply-To set
    mailbox = imap_server.new_mailbox("roundtrip")
    for pid in repliers:
        original = by_to[email_of[pid]].message
        (attachment,) = list(original.iter_attachments())
        reply = message(
            sender=email_of[pid],
            subject=f"Re: {original['Subject']}",
            message_id=make_msgid(domain="example.org"),
            attachments=[(attachment.get_filename(), evaluated[pid])],
            text="ส่งแบบประเมินที่กรอกแล้วคืนครับ/ค่ะ",
        )
        reply["In-Reply-To"] = original["Message-ID"]
        imap_server.append(mailbox, bytes(reply))
    before = imap_server.state(mailbox)
    source = f"imap://{imap_server.user}@127.0.0.1:{imap_server.port}/{mailbox}"
    fetched = fetch_mail(master, source, clock=lambda: REPLIED)
    assert fetched.exit_code == 0, fetched.findings
    inbox = master.parent / "inbox"
    filed = {person_id_of(read_personal(p)): p for p in inbox.glob("U0*/*.xls*")}
    assert sorted(filed) == sorted(repliers)
    for pid, path in filed.items():
        assert path.read_bytes() == evaluated[pid]
        assert path.parent.name == unit_of[pid]
    assert imap_server.state(mailbox) == before  # nothing flagged, moved or deleted
    twice = fetch_mail(master, source, clock=lambda: REPLIED)
    assert not twice.filed and sorted(inbox.rglob("*.xls*")) == sorted(filed.values())

    # 3. the unit heads collect from the inbox; HR consolidates
    for unit in demo.units:
        code = unit.stem
        result = collect(unit, inbox / code, replace=True)
        assert result.written, result.findings
    done = consolidate(master)
    assert set(done.results["person_id"].astype(str)) == set(repliers)
    assert not done.write_failed

    # 4. the notices go to everyone consolidated, as PDFs
    notices = write_notices(master, out=master.parent / "notices")
    assert len(notices.pdfs) == len(repliers)
    before_notices = len(recorder.received)
    told = send_mail(master, "notices", smtp=smtp, clock=lambda: NOTIFIED, sleep=no_sleep)
    assert told.exit_code == 0, told.findings
    notice_mail = recorder.received[before_notices:]
    assert sorted(m.rcpt_tos[0] for m in notice_mail) == sorted(email_of[p] for p in repliers)
    for m in notice_mail:
        (pdf,) = list(m.message.iter_attachments())
        assert pdf.get_content_type() == "application/pdf"
        assert pdf.get_content().startswith(b"%PDF")
    send_mail(master, "notices", smtp=smtp, clock=lambda: NOTIFIED, sleep=no_sleep)
    assert len(recorder.received) == before_notices + len(repliers)  # not sent twice

    # 5. the tracker: each person's steps on their days; the silent ones late
    tracker = round_status(master, today=TODAY)
    people = {p.person_id: p for p in tracker.people}
    for pid in repliers:
        person = people[pid]
        assert person.date_of("agreement_sent") == date(2026, 10, 5)
        assert person.date_of("agreement_returned") == date(2026, 11, 16)
        assert person.date_of("evaluation_returned") == date(2026, 11, 16)
        assert person.date_of("collected") >= date(2026, 12, 2)  # the unit workbook's time
        assert person.date_of("consolidated") >= person.date_of("collected")
        assert person.date_of("notice_sent") == date(2026, 11, 30)
        assert not person.late, (pid, person.late)
    for pid in silent:
        person = people[pid]
        assert person.date_of("agreement_sent") == date(2026, 10, 5)
        assert person.date_of("evaluation_returned") is None
        assert person.date_of("notice_sent") is None
        assert "evaluation" in person.late
    units = {u.unit: u for u in tracker.units}
    assert units["U01"].late == SILENT and units["U02"].late == units["U03"].late == 0
    assert units["U01"].evaluated == len(u01) - SILENT
    reminders = reminder_targets(master, today=TODAY)
    assert {r.person_id for r in reminders} == silent
    assert {(r.step, r.due) for r in reminders} == {("evaluation", read_date("10/3/2570"))}
    written = status(master, today=TODAY, write=True)
    assert written.written
    sheet = openpyxl.load_workbook(master)[M.TRACKER]
    rows = {
        str(row[M.TRACKER_COLUMNS.index("person_id")]): row
        for row in sheet.iter_rows(values_only=True)
        if row[M.TRACKER_COLUMNS.index("person_id")] in agreements
    }
    evaluation = M.TRACKER_COLUMNS.index("evaluation_returned")
    assert sorted(rows) == sorted(agreements)
    assert all("ล่าช้า" in str(rows[pid][evaluation]) for pid in silent)
    assert all("ล่าช้า" not in " ".join(map(str, rows[pid])) for pid in repliers)
