"""The round's mail log: what kpixl sent and what it fetched, in one SQLite file beside
the master (``kpixl-mail.sqlite``).

Sending reads it to stay idempotent (a message already sent with the same attachment
is not sent again), fetching to skip messages it has seen (by Message-ID) and the
tracker (``kpixl status``) to date each person's steps. SQLite ships with Python: no
server, one file HR can copy with the round's folder. Every write is its own committed
transaction, so a run that stops half-way keeps what it logged; two runs at once wait
for each other's transactions (SQLite's lock), and the jobs hold kpixl's run lock too.

Times are stored as ISO 8601 text in UTC; :func:`now` is the one clock (tests pass
their own ``at``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import astuple, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

from kpixl.core.errors import KpixlError

__all__ = [
    "LOG_NAME",
    "FiledRecord",
    "MailLog",
    "MailLogError",
    "SentRecord",
    "log_path",
    "now",
    "open_log",
]

LOG_NAME = "kpixl-mail.sqlite"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sent (
    id INTEGER PRIMARY KEY,
    round_id TEXT NOT NULL,
    what TEXT NOT NULL,          -- agreements | units | notices | reminders
    key TEXT NOT NULL,           -- the person's id, or the unit's code for units
    recipient TEXT NOT NULL,     -- the address it went to
    attachment TEXT NOT NULL,    -- the attached file's name ('' for none)
    sha256 TEXT NOT NULL,        -- of the attached bytes ('' for none)
    message_id TEXT NOT NULL,
    status TEXT NOT NULL,        -- sent | outbox | failed
    error TEXT NOT NULL,         -- why it failed ('' when it did not)
    at TEXT NOT NULL             -- ISO 8601, UTC
);
CREATE INDEX IF NOT EXISTS sent_key ON sent (round_id, what, key);
CREATE TABLE IF NOT EXISTS messages (
    message_id TEXT PRIMARY KEY, -- the fetched message's Message-ID (or a hash of it)
    source TEXT NOT NULL,        -- the IMAP URL (no password) or folder it came from
    sender TEXT NOT NULL,
    subject TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS filed (
    id INTEGER PRIMARY KEY,
    round_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    sender TEXT NOT NULL,
    subject TEXT NOT NULL,
    attachment TEXT NOT NULL,    -- the name the sender gave it (as text, never a path)
    sha256 TEXT NOT NULL,
    kind TEXT NOT NULL,          -- personal | unit
    person_id TEXT NOT NULL,     -- '' for a unit workbook
    unit TEXT NOT NULL,
    revision INTEGER NOT NULL,
    evaluated INTEGER NOT NULL,  -- 1: the evaluation is filled in, 0: an agreement
    sealed_at TEXT NOT NULL,     -- the workbook's seal time ('' if not sealed)
    path TEXT NOT NULL,          -- where it was filed, relative to the master's folder
    outcome TEXT NOT NULL,       -- filed | older (kept aside) | duplicate
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS filed_person ON filed (round_id, person_id);
"""


def now() -> str:
    """The current time as the log stores it (ISO 8601, UTC, whole seconds)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def log_path(master: str | Path) -> Path:
    """The mail log of the round whose master is ``master``."""
    return Path(master).resolve().parent / LOG_NAME


@dataclass(frozen=True)
class SentRecord:
    round_id: str
    what: str
    key: str
    recipient: str
    attachment: str
    sha256: str
    message_id: str
    status: str
    error: str
    at: str


@dataclass(frozen=True)
class FiledRecord:
    round_id: str
    message_id: str
    sender: str
    subject: str
    attachment: str
    sha256: str
    kind: str
    person_id: str
    unit: str
    revision: int
    evaluated: bool
    sealed_at: str
    path: str
    outcome: str
    at: str


_SENT_COLUMNS = ", ".join(f.name for f in fields(SentRecord))
_FILED_COLUMNS = ", ".join(f.name for f in fields(FiledRecord))


class MailLog:
    """One open mail log (use :func:`open_log`)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.db = connection

    # ------------------------------------------------------------------ sending
    def record_sent(self, record: SentRecord) -> None:
        marks = ", ".join("?" * len(fields(SentRecord)))
        with self.db:
            self.db.execute(f"INSERT INTO sent ({_SENT_COLUMNS}) VALUES ({marks})", astuple(record))

    def sent(self, round_id: str, what: str | None = None) -> list[SentRecord]:
        """Every send attempt of the round (of one kind), oldest first."""
        query = f"SELECT {_SENT_COLUMNS} FROM sent WHERE round_id = ?"
        args: tuple[str, ...] = (round_id,)
        if what is not None:
            query += " AND what = ?"
            args += (what,)
        rows = self.db.execute(query + " ORDER BY id", args).fetchall()
        return [SentRecord(*row) for row in rows]

    def last_sent(self, round_id: str, what: str, key: str) -> SentRecord | None:
        """The newest successful send (sent or written to the outbox) of ``what`` to
        ``key`` in the round, or None."""
        row = self.db.execute(
            f"SELECT {_SENT_COLUMNS} FROM sent WHERE round_id = ? AND what = ? AND key = ?"
            " AND status IN ('sent', 'outbox') ORDER BY id DESC LIMIT 1",
            (round_id, what, key),
        ).fetchone()
        return SentRecord(*row) if row else None

    def sent_before(self, round_id: str, what: str, key: str, sha256: str) -> SentRecord | None:
        """The newest successful send of ``what`` to ``key`` with this ``sha256`` (any,
        not only the newest send), or None: a reminder goes once per step and due date."""
        row = self.db.execute(
            f"SELECT {_SENT_COLUMNS} FROM sent WHERE round_id = ? AND what = ? AND key = ?"
            " AND sha256 = ? AND status IN ('sent', 'outbox') ORDER BY id DESC LIMIT 1",
            (round_id, what, key, sha256),
        ).fetchone()
        return SentRecord(*row) if row else None

    # ----------------------------------------------------------------- fetching
    def seen(self, message_id: str) -> bool:
        row = self.db.execute("SELECT 1 FROM messages WHERE message_id = ?", (message_id,))
        return row.fetchone() is not None

    def record_message(
        self, message_id: str, *, source: str, sender: str, subject: str, at: str
    ) -> None:
        """Remember a fetched message (after its attachments were filed)."""
        with self.db:
            self.db.execute(
                "INSERT OR IGNORE INTO messages (message_id, source, sender, subject, at)"
                " VALUES (?, ?, ?, ?, ?)",
                (message_id, source, sender, subject, at),
            )

    def record_filed(self, record: FiledRecord) -> None:
        marks = ", ".join("?" * len(fields(FiledRecord)))
        values = astuple(record)
        with self.db:
            self.db.execute(f"INSERT INTO filed ({_FILED_COLUMNS}) VALUES ({marks})", values)

    def refiled(self, round_id: str, path: str, *, new_path: str, outcome: str) -> None:
        """A workbook filed at ``path`` was moved to ``new_path`` (a newer revision of the
        same person arrived: the older one is kept aside, ``outcome`` ``older``)."""
        with self.db:
            self.db.execute(
                "UPDATE filed SET path = ?, outcome = ? WHERE round_id = ? AND path = ?",
                (new_path, outcome, round_id, path),
            )

    def filed(self, round_id: str) -> list[FiledRecord]:
        """Every workbook fetched for the round, oldest first."""
        rows = self.db.execute(
            f"SELECT {_FILED_COLUMNS} FROM filed WHERE round_id = ? ORDER BY id", (round_id,)
        ).fetchall()
        names = [f.name for f in fields(FiledRecord)]
        records = [dict(zip(names, row, strict=True)) for row in rows]
        return [FiledRecord(**{**r, "evaluated": bool(r["evaluated"])}) for r in records]


class MailLogError(KpixlError):
    """The mail log cannot be used: damaged, not kpixl's, or not a plain file."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(
            f"the mail log {path.name} cannot be used ({why})",
            f"ใช้บันทึกการรับส่งอีเมล {path.name} ไม่ได้ ({why})",
        )
        self.path, self.why = path, why


def _checked(path: Path) -> None:
    """Refuse a log that is a link (it would write elsewhere) or not a plain file."""
    if path.is_symlink():
        raise MailLogError(path, "เป็นทางลัด (symbolic link) / is a symbolic link")
    if path.exists() and not path.is_file():
        raise MailLogError(path, "ไม่ใช่ไฟล์ / is not a file")


def _columns_ok(connection: sqlite3.Connection) -> None:
    """Every table kpixl reads has the columns kpixl reads (a log from elsewhere: no)."""
    wanted = {
        "sent": {f.name for f in fields(SentRecord)},
        "filed": {f.name for f in fields(FiledRecord)},
        "messages": {"message_id", "source", "sender", "subject", "at"},
    }
    for table, columns in wanted.items():
        have = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
        if have and not columns <= have:
            missing = ", ".join(sorted(columns - have))
            raise sqlite3.DatabaseError(f"table {table} lacks {missing}")


@contextmanager
def open_log(path: str | Path, *, read_only: bool = False) -> Iterator[MailLog]:
    """The mail log at ``path``, created with its tables when new.

    ``read_only``: opened for reading only (``--dry-run``, ``kpixl status``): nothing is
    created or written; a log that does not exist yet reads as empty (an in-memory one).
    Raises :class:`MailLogError` when the file is damaged, not a mail log, a link or a
    folder; an error while it is in use comes as ``sqlite3.Error``."""
    target = Path(path)
    _checked(target)
    try:
        if read_only:
            uri = f"{target.resolve().as_uri()}?mode=ro" if target.is_file() else ":memory:"
            connection = sqlite3.connect(uri, timeout=30, uri=uri != ":memory:")
        else:
            connection = sqlite3.connect(str(target), timeout=30)
    except sqlite3.Error as exc:
        raise MailLogError(target, str(exc)) from exc
    with closing(connection):
        try:
            if not read_only or not target.is_file():
                connection.executescript(_SCHEMA)
            _columns_ok(connection)
            if not read_only:
                connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.Error as exc:  # not a database, damaged, another program's tables
            raise MailLogError(target, str(exc)) from exc
        yield MailLog(connection)
