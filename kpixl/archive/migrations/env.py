"""Alembic's environment for the rounds' archive (run by kpixl.archive.store.migrate).

kpixl runs the migrations itself whenever it opens an archive: the connection comes in
``config.attributes["connection"]``; there is no alembic.ini. By hand (a maintainer):
``alembic -x url=sqlite:///kpixl.db upgrade head`` with ``script_location`` set to this
folder works too.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

from kpixl.archive.schema import METADATA, VERSION_TABLE


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=METADATA,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("no database: alembic -x url=... upgrade head")
    engine = create_engine(url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


run()
