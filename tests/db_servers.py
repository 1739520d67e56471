"""Real databases for the archive tests: a SQLite file and a PostgreSQL server.

``pg_url`` (a session fixture; import it into a test module) is the PostgreSQL that
``.ci/run`` started (``KPIXL_TEST_PG_URL`` in the environment) or, when that is not
set, one this fixture starts itself through ``.ci/postgres`` in a temp folder and
stops at the end — so the tests run the same on a developer's machine. Loopback only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]


def _env_file(folder: str) -> dict[str, str]:
    values = {}
    for line in Path(folder, "env").read_text().splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        values[key] = value
    return values


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """The URL of an empty-at-start PostgreSQL database on 127.0.0.1."""
    url = os.environ.get("KPIXL_TEST_PG_URL")
    if url:
        assert make_url(url).host == "127.0.0.1"  # loopback only
        yield url
        return
    folder = tempfile.mkdtemp(prefix="kpixl-pg.")  # under /tmp: the server runs as postgres
    script = ROOT / ".ci" / "postgres"
    try:
        subprocess.run([str(script), "start", folder], check=True, capture_output=True, timeout=120)
        url = _env_file(folder)["KPIXL_TEST_PG_URL"]
        assert make_url(url).host == "127.0.0.1"
        yield url
    finally:
        subprocess.run([str(script), "stop", folder], check=False, capture_output=True, timeout=120)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def fresh_database(server: str, prefix: str = "t") -> Iterator[str]:
    """A new, empty database on the PostgreSQL ``server`` (a URL), dropped after."""
    base = make_url(server)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
