"""The rounds' archive: its tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

One row of ``kpixl_rounds`` per archived version of a round; the other tables hold
that version's rows and point at it by ``round_pk``. Numbers are ``NUMERIC(18, 6)``
(exact on PostgreSQL; SQLite keeps them as its REAL, which is exact for baht and
satang and scores to two places). The migrations in ``kpixl/archive/migrations`` build
exactly these tables (a test compares them); a change here needs a new revision.
The documentation: ``docs/archive.md``.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "COMPETENCIES",
    "FINDINGS",
    "KPIS",
    "METADATA",
    "POOLS",
    "RESULTS",
    "ROSTER",
    "ROUNDS",
    "SOURCES",
    "VERSION_TABLE",
    "number",
]

VERSION_TABLE = "kpixl_archive_version"  # Alembic's version table (not alembic_version:
# a shared ministry database may hold other applications' migrations)

METADATA = MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ix": "ix_%(table_name)s_%(column_0_name)s",
    }
)


def number() -> Numeric[float]:
    return Numeric(18, 6, asdecimal=False)


def _round_pk() -> Column[int]:
    return Column(
        "round_pk", Integer, ForeignKey("kpixl_rounds.round_pk"), nullable=False, index=True
    )


ROUNDS = Table(
    "kpixl_rounds",
    METADATA,
    Column("round_pk", Integer, primary_key=True, autoincrement=True),
    Column("organisation", Text, nullable=False),
    Column("round_id", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("archived_at", String(32), nullable=False),  # ISO 8601, UTC
    Column("kpixl_version", String(40), nullable=False),
    Column("master_file", Text, nullable=False),  # the master's file name when archived
    Column("master_sha256", String(64), nullable=False),
    Column("content_sha256", String(64), nullable=False),  # what "the same round" means
    Column("rules_json", Text, nullable=False),
    Column("config_json", Text, nullable=False),
    Column("superseded_by", Integer, ForeignKey("kpixl_rounds.round_pk"), nullable=True),
    Column("superseded_reason", Text, nullable=True),
    Column("superseded_at", String(32), nullable=True),
    UniqueConstraint("organisation", "round_id", "version"),
)

ROSTER = Table(
    "kpixl_roster",
    METADATA,
    Column("roster_pk", Integer, primary_key=True, autoincrement=True),
    _round_pk(),
    Column("row", Integer, nullable=False),  # the Roster sheet's row
    Column("person_id", String(40), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("unit", Text, nullable=False),
    Column("position", Text, nullable=False),
    Column("position_no", Text, nullable=False),
    Column("level_code", String(20), nullable=False),
    Column("salary", number(), nullable=True),
    Column("pool_group", Text, nullable=False),
    Column("evaluator", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("extra_json", Text, nullable=False),  # the roster's other columns
)

RESULTS = Table(
    "kpixl_results",
    METADATA,
    Column("result_pk", Integer, primary_key=True, autoincrement=True),
    _round_pk(),
    Column("row", Integer, nullable=False),  # the Results sheet's row
    Column("person_id", String(40), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("position", Text, nullable=False),
    Column("position_no", Text, nullable=False),
    Column("unit", Text, nullable=False),
    Column("pool_group", Text, nullable=False),
    Column("level_code", String(20), nullable=False),
    Column("salary", number(), nullable=True),
    Column("achievement", number(), nullable=True),
    Column("competency", number(), nullable=True),
    Column("total", number(), nullable=True),
    Column("band", Text, nullable=False),
    Column("eligible", Boolean, nullable=True),
    Column("pct", number(), nullable=True),
    Column("base", number(), nullable=True),
    Column("increase", number(), nullable=True),
    Column("new_salary", number(), nullable=True),
    Column("special_compensation", number(), nullable=True),
    Column("reason", Text, nullable=False),
    Column("unrounded", number(), nullable=True),
    Column("cost", number(), nullable=True),
    Column("source_file", Text, nullable=False),
)

POOLS = Table(
    "kpixl_pools",
    METADATA,
    Column("pool_pk", Integer, primary_key=True, autoincrement=True),
    _round_pk(),
    Column("row", Integer, nullable=False),
    Column("pool_group", Text, nullable=False),
    Column("unit", Text, nullable=False),  # blank: the whole organisation's pool
    Column("headcount", number(), nullable=True),
    Column("pool", number(), nullable=True),
    Column("used", number(), nullable=True),
    Column("leftover", number(), nullable=True),
    Column("central", number(), nullable=True),
    Column("used_python", number(), nullable=True),
)

FINDINGS = Table(
    "kpixl_findings",
    METADATA,
    Column("finding_pk", Integer, primary_key=True, autoincrement=True),
    _round_pk(),
    Column("row", Integer, nullable=False),
    Column("severity", String(20), nullable=False),
    Column("rule", Text, nullable=False),
    Column("person_id", Text, nullable=False),
    Column("file", Text, nullable=False),
    Column("sheet", Text, nullable=False),
    Column("cell", Text, nullable=False),
    Column("field", Text, nullable=False),
    Column("value", Text, nullable=False),
    Column("message_th", Text, nullable=False),
    Column("message_en", Text, nullable=False),
)

SOURCES = Table(
    "kpixl_sources",
    METADATA,
    Column("source_pk", Integer, primary_key=True, autoincrement=True),
    _round_pk(),
    Column("path", Text, nullable=False),  # relative to the master's folder, with /
    Column("sha256", String(64), nullable=True),  # None: the file was not there
    Column("size", Integer, nullable=True),
    # master, unit or personal (revision 0002; rows archived before it: unit)
    Column("kind", String(20), nullable=False, server_default="unit"),
    Column("person_id", String(40), nullable=True),  # a personal workbook's person
)

KPIS = Table(  # revision 0002: the KPI rows of the unit workbooks the results came from
    "kpixl_kpis",
    METADATA,
    Column("kpi_pk", Integer, primary_key=True, autoincrement=True),
    _round_pk(),
    Column("file", Text, nullable=False),  # the unit workbook, as kpixl_sources.path
    Column("row", Integer, nullable=False),  # the ตัวชี้วัด sheet's row
    Column("person_id", String(40), nullable=False, index=True),
    Column("kpi_code", Text, nullable=False),
    Column("kpi_name", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("direction", Text, nullable=False),
    Column("measure", Text, nullable=False),  # the layout's "unit": หน่วยนับ
    Column("l1", number(), nullable=True),
    Column("l2", number(), nullable=True),
    Column("l3", number(), nullable=True),
    Column("l4", number(), nullable=True),
    Column("l5", number(), nullable=True),
    Column("weight", number(), nullable=True),
    Column("parent_code", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("actual", number(), nullable=True),
    Column("text_json", Text, nullable=True),  # number cells that held text, as typed
)

COMPETENCIES = Table(  # revision 0002: the competency rows, as KPIS
    "kpixl_competencies",
    METADATA,
    Column("competency_pk", Integer, primary_key=True, autoincrement=True),
    _round_pk(),
    Column("file", Text, nullable=False),
    Column("row", Integer, nullable=False),  # the สมรรถนะ sheet's row
    Column("person_id", String(40), nullable=False, index=True),
    Column("competency", Text, nullable=False),
    Column("expected", number(), nullable=True),
    Column("weight", number(), nullable=True),
    Column("rating", number(), nullable=True),
    Column("text_json", Text, nullable=True),
)
