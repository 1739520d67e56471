"""Opening the rounds' archive: its URL, the engine, the migrations.

:func:`open_archive` turns what the user typed after ``--db`` into an engine (a path
or ``sqlite:///…``: SQLite; ``postgresql://…`` / ``postgres://…``: PostgreSQL through
psycopg 3), brings the schema to the newest revision with Alembic (run from code, the
scripts inside the package) and answers problems as findings, never exceptions: a URL
of another kind, a server that does not answer, a file that is not a database.
A password comes from the URL, ``KPIXL_DB_PASSWORD`` or libpq's own ``PGPASSWORD`` /
``~/.pgpass``; it is never printed (:func:`shown`).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from kpixl.archive.schema import VERSION_TABLE
from kpixl.core.codes import finding
from kpixl.core.findings import Finding

__all__ = [
    "DEFAULT_NAME",
    "MIGRATIONS",
    "Archive",
    "alembic_config",
    "archive_url",
    "head",
    "lock",
    "masked",
    "migrate",
    "open_archive",
    "reason",
    "shown",
]

DEFAULT_NAME = "kpixl.db"  # the SQLite archive beside the master
MIGRATIONS = Path(__file__).with_name("migrations")
PASSWORD_ENV = "KPIXL_DB_PASSWORD"
CONNECT_TIMEOUT = 10  # seconds to wait for a PostgreSQL server


@dataclass
class Archive:
    """An open archive (``engine`` None when it could not be opened: ``findings``)."""

    url: URL | None
    engine: Engine | None
    findings: list[Finding] = field(default_factory=list)

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


_USER_PASSWORD = re.compile(r"((?:://|^|(?<=\s))[^\s/?#@:]*):[^\s/?#@]*@")
_QUERY_PASSWORD = re.compile(r"(?i)([?&;][^=&;]*pass[^=&;]*)=[^&;#]*")


def shown(url: URL | str) -> str:
    """The archive as it may be printed: a SQLite file as its path, a server's URL
    never with its password (neither ``user:password@`` nor ``?password=…``, in any
    scheme, even one kpixl does not read)."""
    if isinstance(url, URL):
        if url.get_backend_name() == "sqlite" and url.database:
            return url.database
        text = url.render_as_string(hide_password=False)
    else:
        text = str(url)
        if "://" not in text and "@" in text:  # user:password@host typed without a scheme
            return "…@" + text.rsplit("@", 1)[1]
    return masked(text)


def masked(text: str) -> str:
    """``text`` (a URL, or a driver's message quoting one) without the passwords in it."""
    text = _USER_PASSWORD.sub(r"\1:***@", text)
    return _QUERY_PASSWORD.sub(r"\1=***", text)


def archive_url(db: str | None, *, beside: Path | None = None) -> URL | Finding:
    """The SQLAlchemy URL for ``db`` (None: ``kpixl.db`` beside ``beside`` or here)."""
    if not db:
        folder = beside.parent if beside is not None else Path.cwd()
        return URL.create("sqlite+pysqlite", database=str(folder / DEFAULT_NAME))
    if "://" not in db:  # a path: a SQLite file
        return URL.create("sqlite+pysqlite", database=str(Path(db)))
    try:
        url = make_url(db)
    except (ArgumentError, ValueError):
        return finding("archive.bad_url", value=shown(db))
    backend = url.get_backend_name()
    if backend in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
        if url.password is None and url.username and os.environ.get(PASSWORD_ENV):
            url = url.set(password=os.environ[PASSWORD_ENV])
        return url
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            return finding("archive.bad_url", value=shown(db))
        return url.set(drivername="sqlite+pysqlite")
    return finding("archive.bad_url", value=shown(db))


def alembic_config() -> object:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@functools.cache
def head() -> str | None:
    """The newest revision of the package's migrations (read once per process)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = alembic_config()
    assert isinstance(config, Config)
    return ScriptDirectory.from_config(config).get_current_head()


def migrate(engine: Engine) -> None:
    """Bring the archive's schema to the newest revision (nothing when it is there: one
    query on the version table, without loading Alembic's environment and scripts —
    ``kpixl history`` opens the archive for every person)."""
    from alembic import command
    from alembic.config import Config
    from alembic.migration import MigrationContext

    config = alembic_config()
    assert isinstance(config, Config)
    with engine.begin() as connection:
        lock(connection)
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        if context.get_current_revision() == head():
            return
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


LOCK_KEY = 0x6B70786C  # "kpxl": PostgreSQL's advisory lock of the archive's writers


def lock(connection: Connection) -> None:
    """Serialise the archive's writers until the transaction ends: on PostgreSQL an
    advisory lock (SQLite's BEGIN IMMEDIATE already does it)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({LOCK_KEY})")


def _sqlite_pragmas(engine: Engine) -> None:
    """Foreign keys on; every transaction takes the write lock when it begins (BEGIN
    IMMEDIATE), so that a second run archiving at the same time waits for the first
    and then sees its round, instead of failing half way on a lock it cannot upgrade."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.isolation_level = None  # the transactions are begun below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")  # two runs at once: wait, then fail
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def reason(url: URL, exc: BaseException) -> str:
    """A database error's first line, without any password the URL holds."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    why = text[0] if text else type(exc).__name__
    secrets = [str(url.password or "")] + [
        str(v) for k, v in url.query.items() if "pass" in k.lower() and isinstance(v, str)
    ]
    for secret in filter(None, secrets):
        why = why.replace(secret, "***")
    return masked(why)


def failure(url: URL, exc: BaseException) -> Finding:
    """A database error as a finding (the driver's first line, no password)."""
    why = reason(url, exc)
    if url.get_backend_name() == "sqlite":
        if "not a database" in why or "malformed" in why or "encrypted" in why:
            return finding("archive.not_database", value=url.database or "", why=why)
        return finding("archive.unreachable", value=shown(url), why=why)
    return finding("archive.unreachable", value=shown(url), why=why)


def _file_problem(path: Path, *, create: bool) -> Finding | None:
    """Why the SQLite file ``path`` cannot be the archive (None: it can)."""
    try:
        if not create and not path.is_file():
            return finding("archive.no_database", value=str(path))
        if path.is_dir():
            return finding("archive.not_database", value=str(path), why="folder")
        if create and not path.parent.is_dir():
            return finding("archive.no_database", value=str(path))
    except OSError as exc:  # a name too long for the file system, …
        return finding("archive.not_database", value=str(path)[:200], why=exc.strerror or "")
    return None


def open_archive(db: str | None, *, beside: Path | None = None, create: bool = True) -> Archive:
    """The archive at ``db`` with its schema migrated to the newest revision.

    ``create`` False: a SQLite file that does not exist is a finding (``history`` only
    reads) instead of a new, empty archive.
    """
    url = archive_url(db, beside=beside)
    if isinstance(url, Finding):
        return Archive(None, None, [url])
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        problem = _file_problem(path, create=create)
        if problem is not None:
            return Archive(url, None, [problem])
        engine = create_engine(url)
        _sqlite_pragmas(engine)
    else:
        engine = create_engine(url, connect_args={"connect_timeout": CONNECT_TIMEOUT})
    from alembic.util import CommandError

    try:
        migrate(engine)
    except (SQLAlchemyError, DBAPIError) as exc:
        engine.dispose()
        return Archive(url, None, [failure(url, exc)])
    except CommandError as exc:  # a revision this kpixl does not know: a newer kpixl's
        engine.dispose()
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Archive(url, None, [finding("archive.newer_schema", value=shown(url), why=why)])
    return Archive(url, engine)


@contextmanager
def opened(db: str | None, *, beside: Path | None = None, create: bool = True) -> Iterator[Archive]:
    archive = open_archive(db, beside=beside, create=create)
    try:
        yield archive
    finally:
        archive.close()
