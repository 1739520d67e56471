"""Alembic migrations of the rounds' archive (run by kpixl.archive.store.migrate)."""
