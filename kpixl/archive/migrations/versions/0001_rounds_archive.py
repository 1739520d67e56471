"""The rounds' archive: rounds, roster, results, pools, findings, source files.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
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


def _index(table: str) -> None:
    op.create_index(f"ix_{table}_round_pk", table, ["round_pk"])


def upgrade() -> None:
    op.create_table(
        "kpixl_rounds",
        sa.Column("round_pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("organisation", sa.Text, nullable=False),
        sa.Column("round_id", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("archived_at", sa.String(32), nullable=False),
        sa.Column("kpixl_version", sa.String(40), nullable=False),
        sa.Column("master_file", sa.Text, nullable=False),
        sa.Column("master_sha256", sa.String(64), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("rules_json", sa.Text, nullable=False),
        sa.Column("config_json", sa.Text, nullable=False),
        sa.Column(
            "superseded_by",
            sa.Integer,
            sa.ForeignKey("kpixl_rounds.round_pk", name="fk_kpixl_rounds_superseded_by"),
            nullable=True,
        ),
        sa.Column("superseded_reason", sa.Text, nullable=True),
        sa.Column("superseded_at", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("round_pk", name="pk_kpixl_rounds"),
        sa.UniqueConstraint(
            "organisation", "round_id", "version", name="uq_kpixl_rounds_organisation"
        ),
    )
    op.create_table(
        "kpixl_roster",
        sa.Column("roster_pk", sa.Integer, primary_key=True, autoincrement=True),
        _round_pk("kpixl_roster"),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("person_id", sa.String(40), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("position", sa.Text, nullable=False),
        sa.Column("position_no", sa.Text, nullable=False),
        sa.Column("level_code", sa.String(20), nullable=False),
        sa.Column("salary", _number(), nullable=True),
        sa.Column("pool_group", sa.Text, nullable=False),
        sa.Column("evaluator", sa.Text, nullable=False),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("extra_json", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("roster_pk", name="pk_kpixl_roster"),
    )
    _index("kpixl_roster")
    op.create_index("ix_kpixl_roster_person_id", "kpixl_roster", ["person_id"])
    op.create_table(
        "kpixl_results",
        sa.Column("result_pk", sa.Integer, primary_key=True, autoincrement=True),
        _round_pk("kpixl_results"),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("person_id", sa.String(40), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("position", sa.Text, nullable=False),
        sa.Column("position_no", sa.Text, nullable=False),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("pool_group", sa.Text, nullable=False),
        sa.Column("level_code", sa.String(20), nullable=False),
        sa.Column("salary", _number(), nullable=True),
        sa.Column("achievement", _number(), nullable=True),
        sa.Column("competency", _number(), nullable=True),
        sa.Column("total", _number(), nullable=True),
        sa.Column("band", sa.Text, nullable=False),
        sa.Column("eligible", sa.Boolean, nullable=True),
        sa.Column("pct", _number(), nullable=True),
        sa.Column("base", _number(), nullable=True),
        sa.Column("increase", _number(), nullable=True),
        sa.Column("new_salary", _number(), nullable=True),
        sa.Column("special_compensation", _number(), nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("unrounded", _number(), nullable=True),
        sa.Column("cost", _number(), nullable=True),
        sa.Column("source_file", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("result_pk", name="pk_kpixl_results"),
    )
    _index("kpixl_results")
    op.create_index("ix_kpixl_results_person_id", "kpixl_results", ["person_id"])
    op.create_table(
        "kpixl_pools",
        sa.Column("pool_pk", sa.Integer, primary_key=True, autoincrement=True),
        _round_pk("kpixl_pools"),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("pool_group", sa.Text, nullable=False),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("headcount", _number(), nullable=True),
        sa.Column("pool", _number(), nullable=True),
        sa.Column("used", _number(), nullable=True),
        sa.Column("leftover", _number(), nullable=True),
        sa.Column("central", _number(), nullable=True),
        sa.Column("used_python", _number(), nullable=True),
        sa.PrimaryKeyConstraint("pool_pk", name="pk_kpixl_pools"),
    )
    _index("kpixl_pools")
    op.create_table(
        "kpixl_findings",
        sa.Column("finding_pk", sa.Integer, primary_key=True, autoincrement=True),
        _round_pk("kpixl_findings"),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("person_id", sa.Text, nullable=False),
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("sheet", sa.Text, nullable=False),
        sa.Column("cell", sa.Text, nullable=False),
        sa.Column("field", sa.Text, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("message_th", sa.Text, nullable=False),
        sa.Column("message_en", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("finding_pk", name="pk_kpixl_findings"),
    )
    _index("kpixl_findings")
    op.create_table(
        "kpixl_sources",
        sa.Column("source_pk", sa.Integer, primary_key=True, autoincrement=True),
        _round_pk("kpixl_sources"),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("size", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("source_pk", name="pk_kpixl_sources"),
    )
    _index("kpixl_sources")


def downgrade() -> None:
    for table in ("kpixl_sources", "kpixl_findings", "kpixl_pools", "kpixl_results"):
        op.drop_table(table)
    op.drop_table("kpixl_roster")
    op.drop_table("kpixl_rounds")
