"""The rounds' archive: a database of finished rounds (docs/archive.md).

:mod:`kpixl.archive.schema` holds the tables, :mod:`kpixl.archive.store` opens an archive
and migrates it (Alembic, the scripts in ``migrations/``); the jobs are in
:mod:`kpixl.jobs.archive`.
"""
