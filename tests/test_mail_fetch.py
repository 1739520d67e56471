"""``kpixl mail fetch`` (issue 16, items 3 and 6): returned forms filed into the inbox.

Real files and a real server throughout: the shipped demo round copied into a temp
folder, its personal workbooks (one in a newer revision, one as an agreement only)
sent as .eml, mbox, Outlook .msg (written with extract_msg's OLE writer and read back
first), loose files, and appended onto a Dovecot IMAP server with imaplib. Every
rejected attachment gives its finding with the sender and subject; nothing is written
outside the inbox; the sources and the server's messages are as they were.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import extract_msg
import keyring
import openpyxl
import pytest
from click.testing import CliRunner
from keyring.backend import KeyringBackend
from keyring.backends.fail import Keyring as FailKeyring
from mail_servers import ImapServer, imap_server, message  # noqa: F401
from msg_builder import Msg, write_msg

from kpixl.cli import cli
from kpixl.core.errors import LockedError
from kpixl.core.findings import Finding
from kpixl.excel.xlsm import unit_xlsm
from kpixl.io.lock import hold_lock
from kpixl.io.mail_log import log_path, open_log
from kpixl.io.mail_sources import parse_rfc822
from kpixl.io.xlsx_package import Package
from kpixl.jobs.collect import collect
from kpixl.jobs.mail_fetch import FetchRun, fetch_mail
from kpixl.workbooks import personal_layout as L
from kpixl.workbooks.personal import person_id_of, read_personal
from kpixl.workbooks.unit import read_unit

DEMO = Path(__file__).resolve().parents[1] / "workbooks" / "demo"
SOMJAI = "สมใจ ใจดี <somjai@example.org>"
ROUND = "2570/1"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (links too, not followed): relative path → hash."""
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in files + [d for d in dirs if Path(root, d).is_symlink()]:
            path = Path(root, name)
            found[path.relative_to(folder).as_posix()] = "link" if path.is_symlink() else sha(path)
    return found


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """A copy of the demo round: its master's path."""
    shutil.copytree(DEMO, tmp_path / "round")
    return tmp_path / "round" / "master.xlsx"


def u01(demo: Path) -> list[Path]:
    return sorted((demo.parent / "personal" / "U01").glob("*.xlsx"))


def revised(
    path: Path, *, revision: int, agreement_only: bool = False, round_id: str = ""
) -> bytes:
    """The workbook at ``path`` in another revision (an agreement only: its results blank)."""
    if not agreement_only and not round_id:
        return Package.read(path).patched({L.HIDDEN: {L.meta_cell("revision"): revision}})
    wb = openpyxl.load_workbook(path)
    wb[L.HIDDEN][L.meta_cell("revision")] = revision
    if round_id:
        wb[L.HIDDEN][L.meta_cell("round_id")] = round_id
    if agreement_only:
        for row in range(L.ACH_FIRST, L.ACH_LAST + 1):
            wb[L.ACHIEVEMENT][f"{L.ACH_COLUMNS['actual']}{row}"] = None
        for row in range(L.CMP_FIRST, L.CMP_LAST + 1):
            wb[L.COMPETENCY][f"{L.CMP_COLUMNS['rating']}{row}"] = None
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


STRANGER = "1999999999999"


def stranger(path: Path) -> bytes:
    """The workbook at ``path`` made out to someone the roster does not list."""
    value_cell = L.IDENTITY["person_id"][1]
    return Package.read(path).patched(
        {L.AGREEMENT: {value_cell: STRANGER}, L.HIDDEN: {L.meta_cell("person_id"): STRANGER}}
    )


def pid(path: Path) -> str:
    return person_id_of(read_personal(path))


def zip_bomb() -> bytes:
    """A small package whose one sheet inflates 1,000-fold (30 MB of spaces)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b" " * (30 * 1024 * 1024))
    return out.getvalue()


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<document/>")
    return out.getvalue()


def codes(run: FetchRun) -> list[str]:
    return [f.rule for f in run.findings]


def about(run: FetchRun, code: str) -> list[Finding]:
    return [f for f in run.findings if f.rule == code]


def names_sender(f: Finding, sender: str, subject: str) -> None:
    for text in (f.message_th, f.message_en):
        assert sender in text and subject in text, text


# ------------------------------------------------------------------------- the folder


@pytest.fixture
def saved(demo: Path, tmp_path: Path) -> Iterator[tuple[Path, Path, dict[str, str]]]:
    """A folder of saved mail for the demo's U01 and U02 (.eml, mbox, .msg, loose files)."""
    files = u01(demo)
    a, b, c = files[0], files[1], files[2]
    mail = tmp_path / "saved"
    (mail / "loose").mkdir(parents=True)
    reply = message(
        sender=SOMJAI,
        subject="ส่งแบบประเมิน",
        message_id="<reply-1@example.org>",
        attachments=[(a.name, a.read_bytes()), ("scan.pdf", b"%PDF-1.4\n%...")],
    )
    (mail / "reply.eml").write_bytes(bytes(reply))
    forwarded = message(
        sender="หัวหน้า <head@example.org>",
        subject="Fwd: แบบประเมิน",
        message_id="<fwd-1@example.org>",
        forwards=[
            message(
                sender="บุญมี <boonmee@example.org>",
                subject="แบบประเมินของผม",
                message_id="<inner-1@example.org>",
                attachments=[("แบบ.xlsx", b.read_bytes())],
            )
        ],
    )
    (mail / "forward.eml").write_bytes(bytes(forwarded))
    again = message(  # the same workbook once more, in another message: a duplicate
        sender=SOMJAI,
        subject="ส่งซ้ำ",
        message_id="<reply-2@example.org>",
        attachments=[("x.xlsx", a.read_bytes())],
    )
    no_id = message(
        sender="ไม่มีรหัส <noid@example.org>",
        subject="ไม่มี Message-ID",
        message_id=None,
        attachments=[("c.xlsx", c.read_bytes())],
    )
    mbox = b"".join(
        b"From someone@example.org Mon Oct  6 10:00:00 2025\n"
        + bytes(m).replace(b"\r\n", b"\n")
        + b"\n"
        for m in (again, no_id)
    )
    (mail / "archive.mbox").write_bytes(mbox)
    newer = Msg(
        "ส่งแบบประเมินฉบับแก้ไข",
        sender_name="สมใจ ใจดี",
        sender="somjai@example.org",
        message_id="<msg-1@example.org>",
        attachments=[(a.name, revised(a, revision=3))],
    )
    inner = Msg(
        "ข้อตกลง",
        sender_name="บุญมี",
        sender="boonmee@example.org",
        message_id="<msg-3@example.org>",
        attachments=[("agreement.xlsx", revised(b, revision=1, agreement_only=True))],
    )
    older = Msg(
        "FW: ข้อตกลง",
        sender_name="หัวหน้า",
        sender="head@example.org",
        message_id="<msg-2@example.org>",
        embedded=[inner],
    )
    for name, spec in (("newer.msg", newer), ("older.msg", older)):
        path = write_msg(mail / name, spec)  # extract-msg's OLE writer (tests only: GPL)
        read = extract_msg.openMsg(str(path))  # read back by an independent reader first
        try:
            assert read.subject == spec.subject and spec.sender in read.sender
            assert read.messageId == spec.message_id
            assert len(read.attachments) == 1
        finally:
            read.close()
    for path in files[3:]:
        shutil.copy(path, mail / "loose" / f"ไฟล์แนบ {path.name[-8:]}")
    unit = unit_xlsm((demo.parent / "units" / "U02.xlsx").read_bytes())  # with its buttons
    (mail / "loose" / "หน่วยงาน.xlsm").write_bytes(unit)
    ids = {"a": pid(a), "b": pid(b), "c": pid(c)}
    yield demo, mail, ids


def test_a_folder_of_saved_mail_is_filed_newest_first(
    saved: tuple[Path, Path, dict[str, str]],
) -> None:
    demo, mail, ids = saved
    root = demo.parent
    before, sources = tree(root), tree(mail)
    run = fetch_mail(demo, str(mail), clock=lambda: "2026-12-02T10:00:00+00:00")
    assert tree(mail) == sources  # the saved mail is only read
    inbox = root / "inbox"
    people = {person_id_of(read_personal(p)): p for p in (inbox / "U01").iterdir()}
    assert set(people) == {pid(p) for p in u01(demo)}  # one workbook per person, no more
    assert int(read_personal(people[ids["a"]]).meta["revision"]) == 3  # the newer .msg won
    assert int(read_personal(people[ids["b"]]).meta["revision"]) == 2  # evaluated, over r1
    aside = sorted(p.name for p in (inbox / "_older" / "U01").iterdir())
    assert len(aside) == 2 and any(n.startswith(ids["a"]) and "_r2_" in n for n in aside)
    assert any(n.startswith(ids["b"]) and "_r1_" in n for n in aside)
    units = list((inbox / "units").iterdir())
    assert len(units) == 1 and read_unit(units[0]).meta["unit_code"] == "U02"
    assert units[0].suffix == ".xlsm"  # macros kept: Excel opens it as what it is
    # nothing but the inbox and the mail log is new, nothing else changed
    after = tree(root)
    assert {k: v for k, v in after.items() if not k.startswith("inbox/")} == {
        **before,
        "kpixl-mail.sqlite": after["kpixl-mail.sqlite"],
    }
    # the log: every workbook, its outcome, revision, evaluation, path
    with open_log(log_path(demo)) as log:
        rows = log.filed(ROUND)
        assert all(log.seen(m.message_id) for m in run.messages)
    by = {(r.person_id, r.revision, r.outcome): r for r in rows}
    assert (ids["a"], 3, "filed") in by and (ids["a"], 2, "older") in by
    assert (ids["a"], 2, "duplicate") in by  # the same bytes in the mbox
    assert by[(ids["b"], 1, "older")].evaluated is False
    assert by[(ids["b"], 2, "filed")].evaluated is True
    assert by[(ids["b"], 2, "filed")].sender.startswith("หัวหน้า")  # who sent the message in
    for r in rows:
        assert (root / r.path).is_file() and r.at == "2026-12-02T10:00:00+00:00"
    assert by[(ids["a"], 2, "older")].path.startswith("inbox/_older/U01/")
    noid = next(m for m in run.messages if m.subject == "ไม่มี Message-ID")
    assert noid.message_id.startswith("sha256:") and noid.filed[0].person_id == ids["c"]
    pdf = about(run, "mail.fetch_other_file")
    assert len(pdf) == 1 and pdf[0].file == "scan.pdf"
    names_sender(pdf[0], SOMJAI, "ส่งแบบประเมิน")
    assert run.exit_code == 0, [str(f) for f in run.findings]
    # fetching again files nothing: every message is skipped
    again = fetch_mail(demo, str(mail))
    assert again.filed == [] and len(again.skipped) == len(again.messages) == len(run.messages)
    assert {k: v for k, v in tree(root).items() if k != "kpixl-mail.sqlite"} == {
        k: v for k, v in after.items() if k != "kpixl-mail.sqlite"
    }
    # collect reads the unit's inbox folder: exactly each person's newest workbook
    unit = root / "units" / "U01.xlsx"
    result = collect(unit, inbox / "U01")
    assert result.written and result.collected == len(u01(demo)), [str(f) for f in result.findings]
    assert not [f for f in result.findings if f.rule == "collect.duplicate_workbook"]
    source = read_unit(unit).people.set_index("person_id")["source_file"]
    assert source.astype(str).loc[ids["a"]] == people[ids["a"]].name


def test_hostile_and_foreign_attachments_are_refused(demo: Path, tmp_path: Path) -> None:
    root, a = demo.parent, u01(demo)[0]
    mail = tmp_path / "saved"
    mail.mkdir()
    sender, subject = "ผู้ไม่หวังดี <bad@example.org>", "ไฟล์แปลก ๆ"
    hostile = [
        ("../../x.xlsx", a.read_bytes()),
        ("C:\\x.xlsx", a.read_bytes()),
        ("/etc/x", a.read_bytes()),
        ("a\x01b.xlsx", a.read_bytes()),
        ("nul\x00.xlsx", a.read_bytes()),
        ("CON.xlsx", a.read_bytes()),
        ("ก" * 250 + ".xlsx", a.read_bytes()),
        ("bomb.xlsx", zip_bomb()),
        ("locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1000),
        ("data.xlsx", "รหัส,ชื่อ\n1,สมใจ\n".encode()),
        ("memo.docx", docx()),
        ("broken.xlsx", a.read_bytes()[:3000]),
        ("other-round.xlsx", revised(a, revision=2, round_id="2569/2")),
        ("huge.xlsx", b"PK\x03\x04" + b"\0" * (21 * 1024 * 1024)),
    ]
    (mail / "bad.eml").write_bytes(
        bytes(message(sender=sender, subject=subject, message_id="<bad@x>", attachments=hostile))
    )
    deep = message(
        sender=sender,
        subject="ชั้นในสุด",
        message_id="<d0@x>",
        attachments=[("deep.xlsx", a.read_bytes())],
    )
    for level in range(7):
        deep = message(
            sender=sender, subject=f"Fwd {level}", message_id=f"<d{level + 1}@x>", forwards=[deep]
        )
    (mail / "deep.eml").write_bytes(bytes(deep))
    (mail / "damaged.msg").write_bytes(b"\xd0\xcf\x11\xe0 not really")
    nested = Msg("ชั้นในสุด", sender="bad@example.org", attachments=[("deep.xlsx", a.read_bytes())])
    for level in range(7):
        nested = Msg(
            f"FW {level}", sender_name="ผู้ไม่หวังดี", sender="bad@example.org", embedded=[nested]
        )
    write_msg(mail / "deep.msg", nested)
    loose = mail / "loose"
    loose.mkdir()
    with open(loose / "big.xlsx", "wb") as handle:  # sparse: refused by its size, never read
        handle.truncate(25 * 1024 * 1024)
    before, sources, everything = tree(root), tree(mail), tree(tmp_path)
    run = fetch_mail(demo, str(mail))
    assert tree(mail) == sources
    assert set(tree(tmp_path)) - set(everything) == {"round/kpixl-mail.sqlite"}
    assert not (root / "inbox").exists() or tree(root / "inbox") == {}
    assert {k for k in tree(root)} - set(before) == {"kpixl-mail.sqlite"}
    assert not Path("/etc/x").exists() and not (tmp_path / "x.xlsx").exists()
    unsafe = about(run, "mail.fetch_unsafe_name")
    assert len(unsafe) == 7
    for f in unsafe:
        names_sender(f, sender, subject)
    assert "_x0001_" in next(f.value for f in unsafe if "b.xlsx" in f.value)
    expected = {
        "mail.fetch_unreadable": {"bomb.xlsx", "broken.xlsx"},
        "mail.fetch_encrypted": {"locked.xlsx"},
        "mail.fetch_not_xlsx": {"data.xlsx"},
        "mail.fetch_other_file": {"memo.docx"},
        "mail.fetch_other_round": {"other-round.xlsx"},
        "mail.fetch_too_large": {"huge.xlsx", "big.xlsx"},
    }
    for code, files in expected.items():
        found = about(run, code)
        assert {f.file for f in found} == files, (code, [str(f) for f in run.findings])
        for f in found:
            if f.file != "big.xlsx":
                names_sender(f, sender, subject)
    bomb = next(f for f in about(run, "mail.fetch_unreadable") if f.file == "bomb.xlsx")
    assert "file.zip_bomb" in bomb.message_en
    assert "2569/2" in about(run, "mail.fetch_other_round")[0].message_th
    deep_found = about(run, "mail.fetch_too_deep")
    assert len(deep_found) == 2 and "Fwd 6" in deep_found[0].message_th
    assert "FW 6" in deep_found[1].message_th
    assert [f.value for f in about(run, "mail.fetch_message_unreadable")] == ["damaged.msg"]
    assert run.filed == [] and run.exit_code == 1
    # a bad message stops none of the others: each is logged and skipped next time
    assert len(fetch_mail(demo, str(mail)).skipped) == len(run.messages) == 5


def test_a_linked_inbox_is_refused(demo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (demo.parent / "inbox").symlink_to(elsewhere)
    mail = tmp_path / "saved"
    mail.mkdir()
    shutil.copy(u01(demo)[0], mail / "a.xlsx")
    run = fetch_mail(demo, str(mail))
    assert codes(run) == ["mail.fetch_inbox_link"] and run.exit_code == 1
    assert list(elsewhere.iterdir()) == []
    # a linked unit folder inside a real inbox: refused for that workbook
    (demo.parent / "inbox").unlink()
    (demo.parent / "inbox").mkdir()
    (demo.parent / "inbox" / "U01").symlink_to(elsewhere)
    run = fetch_mail(demo, str(mail))
    assert codes(run) == ["mail.fetch_inbox_link"] and list(elsewhere.iterdir()) == []


def test_two_fetches_at_once_do_not_race(demo: Path, tmp_path: Path) -> None:
    mail = tmp_path / "saved"
    mail.mkdir()
    with hold_lock(log_path(demo), command="another fetch"), pytest.raises(LockedError):
        import threading

        errors: list[BaseException] = []

        def other() -> None:
            try:
                fetch_mail(demo, str(mail))
            except LockedError as exc:
                errors.append(exc)

        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        raise errors[0]


class MemoryKeyring(KeyringBackend):
    """A keyring backend holding its passwords in memory (keyring's own backend API)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture
def keyring_in_use() -> Iterator[Callable[[KeyringBackend], None]]:
    """Make a backend the keyring for one test (keyring.set_keyring; the one before is
    put back after)."""
    previous = keyring.get_keyring()
    yield keyring.set_keyring
    keyring.set_keyring(previous)


def test_sources_that_cannot_be_read(
    demo: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    keyring_in_use: Callable[[KeyringBackend], None],
) -> None:
    monkeypatch.delenv("KPIXL_IMAP_PASSWORD", raising=False)
    keyring_in_use(FailKeyring())  # a machine with no keyring at all
    assert codes(fetch_mail(demo, str(tmp_path / "nowhere"))) == ["mail.fetch_bad_source"]
    assert codes(fetch_mail(demo, "pop3://hr@127.0.0.1/")) == ["mail.fetch_bad_source"]
    leak = fetch_mail(demo, "imaps://hr:secret@127.0.0.1/INBOX")
    assert codes(leak) == ["mail.fetch_password_in_url"] and "secret" not in str(leak.findings)
    assert codes(fetch_mail(demo, "imaps://hr@127.0.0.1/INBOX")) == ["mail.fetch_no_password"]
    assert codes(fetch_mail(demo)) == ["mail.fetch_no_source"]  # no --from, no Config value


# ------------------------------------------------------------------------------ IMAP


def test_imap_fetch_changes_nothing_on_the_server(
    demo: Path,
    imap_server: ImapServer,  # noqa: F811 (the fixture imported from mail_servers)
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = imap_server
    box = server.new_mailbox(f"T{os.getpid()}{demo.parent.parent.name[-6:]}")
    files = u01(demo)
    a, b, c = files[:3]
    reply = bytes(
        message(
            sender=SOMJAI,
            subject="ตอบกลับ: ข้อตกลง",
            message_id="<i1@example.org>",
            attachments=[(a.name, a.read_bytes())],
        )
    )
    server.append(box, reply)
    server.append(box, reply)  # the same message twice: fetched once
    server.append(
        box,
        bytes(
            message(
                sender="หัวหน้า <head@example.org>",
                subject="Fwd: แบบประเมิน",
                message_id="<i2@example.org>",
                forwards=[
                    message(
                        sender="บุญมี <boonmee@example.org>",
                        subject="แบบ",
                        message_id="<i3@example.org>",
                        attachments=[("แบบ.xlsx", b.read_bytes())],
                    )
                ],
            )
        ),
    )
    no_id = bytes(
        message(
            sender="ไม่มีรหัส <noid@example.org>",
            subject="ไม่มี Message-ID",
            message_id=None,
            attachments=[("c.xlsx", c.read_bytes())],
        )
    )
    server.append(box, no_id)
    server.append(
        box,
        bytes(
            message(
                sender="อีกคน <other@example.org>",
                subject="ซ้ำ",
                message_id="<i4@example.org>",
                attachments=[("copy.xlsx", a.read_bytes())],
            )
        ),
    )
    server.append(
        box,
        bytes(
            message(
                sender="ผู้ไม่หวังดี <bad@example.org>",
                subject="แปลก",
                message_id="<i5@example.org>",
                attachments=[("../../x.xlsx", a.read_bytes()), ("bomb.xlsx", zip_bomb())],
            )
        ),
    )
    before = server.state(box)
    assert len(before) == 6
    monkeypatch.setenv("KPIXL_IMAP_PASSWORD", server.password)
    monkeypatch.setenv("SSL_CERT_FILE", server.ca)  # trust the test server's own certificate
    url = f"imap://{server.user}@127.0.0.1:{server.port}/{box}"  # STARTTLS, verified
    run = fetch_mail(demo, url)
    assert server.state(box) == before  # no \\Seen, nothing deleted, moved or changed
    assert run.source == url
    statuses = [m.status for m in run.messages]
    assert statuses == ["fetched", "skipped", "fetched", "fetched", "fetched", "fetched"]
    outcomes = sorted(
        (r.person_id, r.outcome)
        for r in run.messages[0].filed + [r for m in run.messages[2:] for r in m.filed]
    )
    assert outcomes == sorted(
        [(pid(a), "filed"), (pid(b), "filed"), (pid(c), "filed"), (pid(a), "duplicate")]
    )
    # the id of a message without one: the same on the server as saved as .eml
    assert run.messages[3].message_id == parse_rfc822(no_id).message_id
    assert run.messages[3].message_id.startswith("sha256:")
    assert codes(run) == ["mail.fetch_unsafe_name", "mail.fetch_unreadable"]
    for f in run.findings:
        names_sender(f, "ผู้ไม่หวังดี <bad@example.org>", "แปลก")
    assert len(list((demo.parent / "inbox" / "U01").iterdir())) == 3
    # again, over imaps: nothing new; then one new message: only it is fetched
    ssl_url = f"imaps://{server.user}@127.0.0.1:{server.ssl_port}/{box}"
    again = fetch_mail(demo, ssl_url)
    assert again.findings == [] and again.filed == [] and len(again.skipped) == 6
    server.append(
        box,
        bytes(
            message(
                sender=SOMJAI,
                subject="ฉบับแก้ไข",
                message_id="<i6@example.org>",
                attachments=[(a.name, revised(a, revision=3))],
            )
        ),
    )
    third = fetch_mail(demo, ssl_url)
    assert [m.status for m in third.messages].count("fetched") == 1
    assert [(r.revision, r.outcome) for r in third.filed] == [(3, "filed")]
    assert len(list((demo.parent / "inbox" / "_older" / "U01").iterdir())) == 1
    assert server.state(box) == {
        **before,
        **{k: v for k, v in server.state(box).items() if k not in before},
    }
    # a wrong password and an untrusted certificate: a finding, not a traceback
    monkeypatch.setenv("KPIXL_IMAP_PASSWORD", "wrong")
    assert codes(fetch_mail(demo, url)) == ["mail.fetch_connect_failed"]
    monkeypatch.setenv("KPIXL_IMAP_PASSWORD", server.password)
    monkeypatch.delenv("SSL_CERT_FILE")
    monkeypatch.setenv("SSL_CERT_DIR", "/nonexistent")
    failed = fetch_mail(demo, ssl_url)
    assert (
        codes(failed) == ["mail.fetch_connect_failed"]
        and "CERTIFICATE" in failed.findings[0].message_en.upper()
    )


# ------------------------------------------------------------------------------- CLI


def test_cli_prints_each_message_thai_first_and_json(
    saved: tuple[Path, Path, dict[str, str]],
) -> None:
    demo, mail, _ = saved
    runner = CliRunner()
    result = runner.invoke(cli, ["mail", "fetch", str(demo), "--from", str(mail)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("✓ " + SOMJAI) and "เก็บ inbox/U01/" in line for line in lines)
    assert lines[-1].startswith("✓ อีเมลใหม่") and " / " in lines[-1]
    again = runner.invoke(cli, ["mail", "fetch", str(demo), "--from", str(mail), "--json"])
    data = json.loads(again.output)
    assert again.exit_code == 0 and data["findings"] == []
    assert {m["status"] for m in data["messages"]} == {"skipped"}


def config_row(master: Path, key: str) -> int:
    wb = openpyxl.load_workbook(master, read_only=True)
    try:
        return next(
            row[0].row
            for row in wb["Config"].iter_rows(min_col=1, max_col=1)
            if row[0].value == key
        )
    finally:
        wb.close()


def test_config_gives_the_source_and_the_inbox(demo: Path, tmp_path: Path) -> None:
    """The Excel button fetches from Config's mail_fetch_from (relative: to the master)."""
    mail = tmp_path / "saved"
    mail.mkdir()
    a = u01(demo)[0]
    reply = message(
        sender=SOMJAI,
        subject="ส่งแบบประเมิน",
        message_id="<c1@example.org>",
        attachments=[("a.xlsx", a.read_bytes()), ("stranger.xlsx", stranger(a))],
    )
    (mail / "reply.eml").write_bytes(bytes(reply))
    edits = {
        f"B{config_row(demo, 'mail_fetch_from')}": "../saved",
        f"B{config_row(demo, 'inbox_folder')}": "รับกลับ",
    }
    demo.write_bytes(Package.read(demo).patched({"Config": edits}))
    run = fetch_mail(demo)
    assert run.exit_code == 0 and run.source == str(demo.parent / "../saved")
    assert [r.person_id for r in run.filed] == [pid(a), STRANGER]
    for record in run.filed:
        assert record.path.startswith("รับกลับ/U01/") and (demo.parent / record.path).is_file()
    [warning] = run.findings  # filed, but HR is told the roster lacks them
    assert warning.rule == "mail.fetch_not_on_roster" and warning.person_id == STRANGER
    names_sender(warning, SOMJAI, "ส่งแบบประเมิน")
    assert not (demo.parent / "inbox").exists()


def test_a_workbook_that_cannot_be_written_is_fetched_again(demo: Path, tmp_path: Path) -> None:
    mail = tmp_path / "saved"
    mail.mkdir()
    a = u01(demo)[0]
    reply = message(
        sender=SOMJAI,
        subject="ส่งแบบประเมิน",
        message_id="<w1@example.org>",
        attachments=[("a.xlsx", a.read_bytes())],
    )
    (mail / "reply.eml").write_bytes(bytes(reply))
    folder = demo.parent / "inbox" / "U01"
    folder.mkdir(parents=True)
    folder.chmod(0o555)  # read-only: refused even for root (kpixl.io.writable)
    try:
        run = fetch_mail(demo, str(mail))
    finally:
        folder.chmod(0o755)
    assert run.exit_code == 2 and [m.status for m in run.messages] == ["failed"]
    assert run.findings[0].rule.startswith("write.") and list(folder.iterdir()) == []
    with open_log(log_path(demo)) as log:
        assert not log.seen("<w1@example.org>") and log.filed(ROUND) == []
    again = fetch_mail(demo, str(mail))  # not logged: the next run files it
    assert again.exit_code == 0 and [r.outcome for r in again.filed] == ["filed"]


def test_two_fetch_processes_at_once_file_each_workbook_once(demo: Path, tmp_path: Path) -> None:
    """Two ``kpixl mail fetch`` processes on one round: the second stops on the lock,
    or runs after the first; either way each workbook is filed once."""
    import subprocess
    import sys

    mail = tmp_path / "saved"
    mail.mkdir()
    for i, path in enumerate(u01(demo)):
        reply = message(
            sender=SOMJAI,
            subject=f"แบบที่ {i}",
            message_id=f"<p{i}@example.org>",
            attachments=[(path.name, path.read_bytes())],
        )
        (mail / f"{i}.eml").write_bytes(bytes(reply))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    command = [sys.executable, "-m", "kpixl", "mail", "fetch", str(demo), "--from", str(mail)]
    runs = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [(p.wait(timeout=120), "".join(p.communicate())) for p in runs]
    for code, output in outputs:  # the one stopped by the lock says so (exit 2: kpixl's rule)
        assert code == 0 or (code == 2 and "another kpixl run" in output), output
    assert any(code == 0 for code, _ in outputs)
    with open_log(log_path(demo)) as log:
        rows = log.filed(ROUND)
    assert sorted(r.person_id for r in rows) == sorted(pid(p) for p in u01(demo))
    assert {r.outcome for r in rows} == {"filed"}
    assert len(list((demo.parent / "inbox" / "U01").iterdir())) == len(u01(demo))


def test_imap_mailbox_names_with_spaces(
    demo: Path,
    imap_server: ImapServer,  # noqa: F811 (the fixture imported from mail_servers)
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = imap_server
    box = f"Forms returned {os.getpid()} {demo.parent.parent.name[-6:]}"
    server.new_mailbox(f'"{box}"')
    a = u01(demo)[0]
    reply = message(
        sender=SOMJAI,
        subject="ส่งแบบประเมิน",
        message_id="<s1@example.org>",
        attachments=[(a.name, a.read_bytes())],
    )
    server.append(f'"{box}"', bytes(reply))
    before = server.state(f'"{box}"')
    monkeypatch.setenv("KPIXL_IMAP_PASSWORD", server.password)
    monkeypatch.setenv("SSL_CERT_FILE", server.ca)
    url = f"imaps://{server.user}@127.0.0.1:{server.ssl_port}/{box.replace(' ', '%20')}"
    run = fetch_mail(demo, url)
    assert run.exit_code == 0 and [r.person_id for r in run.filed] == [pid(a)]
    assert server.state(f'"{box}"') == before


def test_ordinary_mail_is_quiet(demo: Path, tmp_path: Path) -> None:
    """Messages with no form (a signature's logo, plain text) give no finding; a long
    run of messages fetched before is one line on the console."""
    mail = tmp_path / "saved"
    mail.mkdir()
    for i in range(21):
        note = message(sender=SOMJAI, subject=f"เรื่องอื่น {i}", message_id=f"<n{i}@example.org>")
        note.add_attachment(
            b"\x89PNG\r\n\x1a\n" + b"\0" * 64, maintype="image", subtype="png", disposition="inline"
        )
        (mail / f"{i:02}.eml").write_bytes(bytes(note))
    runner = CliRunner()
    first = runner.invoke(cli, ["mail", "fetch", str(demo), "--from", str(mail)])
    assert first.exit_code == 0, first.output
    assert first.output.count("ไม่มีแบบฟอร์มแนบ / no form attached") == 21
    assert "WARNING" not in first.output and "ERROR" not in first.output
    second = runner.invoke(cli, ["mail", "fetch", str(demo), "--from", str(mail)])
    assert second.exit_code == 0
    assert "· อีเมล 21 ฉบับรับไปแล้วครั้งก่อน ข้าม / 21 messages fetched before, skipped" in second.output
    assert "เรื่องอื่น" not in second.output


def test_the_password_from_the_keyring(
    demo: Path,
    imap_server: ImapServer,  # noqa: F811 (the fixture imported from mail_servers)
    monkeypatch: pytest.MonkeyPatch,
    keyring_in_use: Callable[[KeyringBackend], None],
) -> None:
    server = imap_server
    box = server.new_mailbox(f"K{os.getpid()}{demo.parent.parent.name[-6:]}")
    a = u01(demo)[0]
    reply = message(
        sender=SOMJAI,
        subject="ส่งแบบ",
        message_id="<k1@example.org>",
        attachments=[(a.name, a.read_bytes())],
    )
    server.append(box, bytes(reply))
    monkeypatch.delenv("KPIXL_IMAP_PASSWORD", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", server.ca)
    memory = MemoryKeyring()
    keyring_in_use(memory)
    url = f"imaps://{server.user}@127.0.0.1:{server.ssl_port}/{box}"
    assert codes(fetch_mail(demo, url)) == ["mail.fetch_no_password"]
    keyring.set_password("kpixl-imap", f"{server.user}@127.0.0.1", server.password)
    assert memory.store == {("kpixl-imap", f"{server.user}@127.0.0.1"): server.password}
    run = fetch_mail(demo, url)
    assert run.exit_code == 0 and [r.person_id for r in run.filed] == [pid(a)]


def test_a_long_thai_sender_folded_into_two_encoded_words_reads_whole(tmp_path: Path) -> None:
    """RFC 2047 drops the space between two encoded words; the ``email`` package's
    address parser keeps it, which printed HR's own name as ``กลุ่มบริหารทรัพ ยากรบุคคล``."""
    from kpixl.io.mail_sources import read_source

    sender = "กลุ่มบริหารทรัพยากรบุคคล สำนักงานตัวอย่าง <hr@example.org>"
    msg = message(sender=sender, subject="แบบข้อตกลง " * 8, message_id="<fold@example.org>")
    raw = bytes(msg)
    assert raw.count(b"=?utf-8?") >= 3  # the name and the subject each take several words
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.eml").write_bytes(raw)
    (got,) = list(read_source(str(tmp_path / "in"), seen=lambda _: False))
    assert got.sender == sender
    assert got.subject == ("แบบข้อตกลง " * 8).strip()


def test_a_form_refused_for_a_reason_hr_can_fix_is_fetched_again(
    demo: Path, tmp_path: Path
) -> None:
    """A form whose unit is missing from Units is not filed, and its message is not
    remembered: once HR adds the unit, the next fetch files it."""
    saved = tmp_path / "saved"
    saved.mkdir()
    form = sorted((demo.parent / "personal" / "U03").glob("*.xlsx"))[0]
    raw = message(
        sender="staff@example.org",
        subject="Re: แบบข้อตกลง",
        message_id="<u03@example.org>",
        attachments=[(form.name, form.read_bytes())],
    )
    (saved / "reply.eml").write_bytes(bytes(raw))
    original = demo.read_bytes()
    wb = openpyxl.load_workbook(demo)
    units = wb["Units"]
    row = next(c.row for c in units["A"] if c.value == "U03")
    units.delete_rows(row)
    wb.save(demo)

    first = fetch_mail(demo, str(saved))
    assert "mail.fetch_unknown_unit" in codes(first)
    assert not first.filed and not (demo.parent / "inbox" / "U03").exists()

    demo.write_bytes(original)  # HR puts the unit back
    second = fetch_mail(demo, str(saved))
    assert [m.status for m in second.messages] == ["fetched"]
    assert [r.person_id for r in second.filed] == [pid(form)]
    third = fetch_mail(demo, str(saved))
    assert [m.status for m in third.messages] == ["skipped"]


def test_two_messages_with_one_message_id_are_two_messages(demo: Path, tmp_path: Path) -> None:
    """A Message-ID two different messages carry (a careless or hostile sender) does not
    make the second one look fetched already."""
    saved = tmp_path / "saved"
    saved.mkdir()
    a, b = u01(demo)[:2]
    for n, (form, sender) in enumerate(((a, "a@example.org"), (b, "b@example.org"))):
        raw = message(
            sender=sender,
            subject="Re: แบบข้อตกลง",
            message_id="<same@example.org>",
            attachments=[(form.name, form.read_bytes())],
        )
        (saved / f"{n}.eml").write_bytes(bytes(raw))
    run = fetch_mail(demo, str(saved))
    assert sorted(r.person_id for r in run.filed) == sorted([pid(a), pid(b)])
    assert [m.status for m in run.messages] == ["fetched", "fetched"]


def test_a_file_named_mbox_that_holds_no_mailbox_is_reported(demo: Path, tmp_path: Path) -> None:
    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "archive.mbox").write_bytes(bytes(range(256)) * 12)  # no "From " line
    run = fetch_mail(demo, str(saved))
    (bad,) = about(run, "mail.fetch_message_unreadable")
    assert "archive.mbox" in bad.message_th and "mbox" in bad.message_en
    assert run.exit_code == 1 and not run.filed
