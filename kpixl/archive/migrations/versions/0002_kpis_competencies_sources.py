"""Every KPI and competency row of a round; personal workbooks and the master among
the source files (``kpixl_sources.kind``, ``person_id``).

Rounds archived before this revision keep what they had: no KPI or competency rows,
their source rows become ``kind = 'unit'`` (all they held). See docs/archive.md.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _number() -> sa.Numeric[float]:
    return sa.Numeric(18, 6, asdecimal=False)


def _round_pk(table: str) -> sa.Column[int]:
    return sa.Column(
        "round_pk",
        sa.Integer,
        sa.ForeignKey("kpixl_rounds.round_pk", name=f"fk_{table}_round_pk"),
        nullable=False,
    )


def _indexes(table: str) -> None:
    op.create_index(f"ix_{table}_round_pk", table, ["round_pk"])
    op.create_index(f"ix_{table}_person_id", table, ["person_id"])


def upgrade() -> None:
    op.create_table(
        "kpixl_kpis",
        sa.Column("kpi_pk", sa.Integer, primary_key=True, autoincrement=True),
        _round_pk("kpixl_kpis"),
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("person_id", sa.String(40), nullable=False),
        sa.Column("kpi_code", sa.Text, nullable=False),
        sa.Column("kpi_name", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("direction", sa.Text, nullable=False),
        sa.Column("measure", sa.Text, nullable=False),
        *(sa.Column(f"l{i}", _number(), nullable=True) for i in range(1, 6)),
        sa.Column("weight", _number(), nullable=True),
        sa.Column("parent_code", sa.Text, nullable=False),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("actual", _number(), nullable=True),
        sa.Column("text_json", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("kpi_pk", name="pk_kpixl_kpis"),
    )
    _indexes("kpixl_kpis")
    op.create_table(
        "kpixl_competencies",
        sa.Column("competency_pk", sa.Integer, primary_key=True, autoincrement=True),
        _round_pk("kpixl_competencies"),
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("person_id", sa.String(40), nullable=False),
        sa.Column("competency", sa.Text, nullable=False),
        sa.Column("expected", _number(), nullable=True),
        sa.Column("weight", _number(), nullable=True),
        sa.Column("rating", _number(), nullable=True),
        sa.Column("text_json", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("competency_pk", name="pk_kpixl_competencies"),
    )
    _indexes("kpixl_competencies")
    op.add_column(
        "kpixl_sources",
        sa.Column("kind", sa.String(20), nullable=False, server_default="unit"),
    )
    op.add_column("kpixl_sources", sa.Column("person_id", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kpixl_sources") as batch:
        batch.drop_column("person_id")
        batch.drop_column("kind")
    op.drop_table("kpixl_competencies")
    op.drop_table("kpixl_kpis")
