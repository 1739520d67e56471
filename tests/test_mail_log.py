"""A mail log that cannot be used (damaged, another program's tables, a link, a folder)
stops ``kpixl mail send`` and ``kpixl mail fetch`` with one finding, before anything is
sent or filed, and leaves the file as it was; ``kpixl status`` goes on without it."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from kpixl.io.mail_log import LOG_NAME, MailLogError, open_log
from kpixl.jobs.demo import build_demo
from kpixl.jobs.mail_fetch import fetch_mail
from kpixl.jobs.mail_send import send_mail
from kpixl.jobs.status import round_status


@pytest.fixture(scope="module")
def demo_round(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("demo")).master.parent


def _garbage(log: Path) -> None:
    log.write_bytes(os.urandom(20_000))


def _cut_short(log: Path) -> None:
    with open_log(log) as opened:
        opened.db.execute("INSERT INTO messages VALUES ('x', 's', 'a', 'b', 'c')")
        opened.db.commit()
    log.write_bytes(log.read_bytes()[:700])


def _foreign_tables(log: Path) -> None:
    with sqlite3.connect(log) as db:
        db.execute("CREATE TABLE sent (id INTEGER PRIMARY KEY, who TEXT)")


def _a_link(log: Path) -> None:
    target = log.parent / "elsewhere.sqlite"
    target.write_bytes(b"")
    log.symlink_to(target)


def _a_folder(log: Path) -> None:
    log.mkdir()


DAMAGE: dict[str, Callable[[Path], None]] = {
    "garbage": _garbage,
    "cut short": _cut_short,
    "foreign tables": _foreign_tables,
    "a link": _a_link,
    "a folder": _a_folder,
}


def _state(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink() and ".lock" not in p.name
    }


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_log_that_cannot_be_used_stops_sending_and_fetching(
    demo_round: Path, tmp_path: Path, damage: str
) -> None:
    folder = tmp_path / "round"
    shutil.copytree(demo_round, folder)
    master, log = folder / "master.xlsx", folder / LOG_NAME
    DAMAGE[damage](log)
    saved = tmp_path / "saved"
    saved.mkdir()
    shutil.copy(next((folder / "personal" / "U01").glob("*.xlsx")), saved / "a.xlsx")
    before = _state(folder)

    with pytest.raises(MailLogError), open_log(log):
        pass
    for run in (
        send_mail(master, "agreements", dry_run=True),
        send_mail(master, "agreements", outbox=tmp_path / "out"),
        fetch_mail(master, str(saved)),
    ):
        assert [f.rule for f in run.findings if f.severity == "error"] == ["mail.log_unreadable"]
        assert run.exit_code == 1
        assert "ใช้บันทึกการรับส่งอีเมล" in run.findings[-1].message_th
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    assert not (folder / "inbox").exists() or not any((folder / "inbox").rglob("*.xls*"))
    assert _state(folder) == before  # the log, the master and the forms as they were

    status = round_status(master)
    if damage != "a folder":  # a folder is no log at all: the status has nothing to read
        assert "status.log_unreadable" in [f.rule for f in status.findings]
    assert len(status.people) == 20
