"""The rounds before this one, from the rounds' archive, for the checks and sheets that
look back (the cross-round checks, the History and Calibration sheets, the notices).

:func:`read_past` opens the archive the master's Config names (``archive_db``: a
SQLite file relative to the master's folder, or a ``postgresql://`` URL; blank: the
``kpixl.db`` beside the master) and reads, for the master's organisation, the newest
version of every archived round *before* the master's own round (a round archived
again after it is not the past of this one; the round itself is never its own past).

No archive yet (the default file absent) is no past and no finding: the first round
of every organisation. A named archive that cannot be read is one warning
(``history.unreadable``): the round goes on without looking back. The archive is only
read; nothing here writes it (its schema is not migrated either: an archive of an
older kpixl is read as it is, one of a newer kpixl is a warning).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import create_engine, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from kpixl.archive.schema import RESULTS, ROSTER, ROUNDS
from kpixl.archive.store import archive_url, reason, shown
from kpixl.core.codes import finding
from kpixl.core.errors import InputError
from kpixl.core.findings import Finding
from kpixl.core.rounds import Round, parse_round
from kpixl.core.text import text_of
from kpixl.workbooks import master_layout as M

__all__ = ["PAST_COLUMNS", "PAST_ROSTER_COLUMNS", "PastRounds", "archive_of", "read_past"]

# one row per person per past round (oldest round first, then the Results row order)
PAST_COLUMNS = (
    "round_id",
    "person_id",
    "name",
    "unit",
    "position",
    "level_code",
    "evaluator",  # from that round's roster
    "total",
    "band",
    "pct",
    "increase",
    "salary",
    "new_salary",
    "reason",
)
# the last past round's roster (everyone on it, evaluated or not)
PAST_ROSTER_COLUMNS = ("person_id", "name", "unit", "salary", "holds_position")


@dataclass
class PastRounds:
    """The archived rounds before this one (``rounds``: their ids, oldest first)."""

    db: str  # the archive as it may be shown (never a password)
    rounds: list[str] = field(default_factory=list)
    results: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PAST_COLUMNS))
    last_roster: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=PAST_ROSTER_COLUMNS)
    )

    @property
    def last_round(self) -> str | None:
        return self.rounds[-1] if self.rounds else None

    def last_results(self) -> pd.DataFrame:
        """The last past round's results rows."""
        return self.results[self.results["round_id"] == self.last_round]


def _order(round_id: str) -> Round | None:
    try:
        return parse_round(round_id)
    except (InputError, ValueError):
        return None


def archive_of(master: Path, config: dict[str, Any]) -> tuple[str | None, bool]:
    """What ``--db`` the master's Config names (None: the default beside the master),
    and whether it was named (a named archive that cannot be read is reported)."""
    named = text_of(config.get("archive_db")).strip()
    if not named:
        return None, False
    if "://" in named:
        return named, True
    return str(master.parent / named), True


def read_past(master: Path, config: dict[str, Any], findings: list[Finding]) -> PastRounds | None:
    """The archived rounds before the master's round (None: no archive, or none of
    this organisation's rounds before this one could be read)."""
    organisation = text_of(config.get("organisation")).strip()
    current = _order(text_of(config.get("round_id")))
    if not organisation or current is None:
        return None  # the round's own findings say what is missing
    db, named = archive_of(master, config)
    url = archive_url(db, beside=master)

    def unreadable(why: str) -> None:
        findings.append(
            finding(
                "history.unreadable",
                value=shown(url) if not isinstance(url, Finding) else shown(text_of(db)),
                why=why,
                file=master.name,
                sheet=M.CONFIG,
                field="archive_db",
            )
        )

    if isinstance(url, Finding):
        unreadable(url.message_en)
        return None
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        try:
            there = path.is_file()
        except OSError as exc:  # a name too long for the file system, …
            unreadable(exc.strerror or type(exc).__name__)
            return None
        if not there:
            if named:
                unreadable("folder, not a file" if _is_dir(path) else "no such file")
            return None
        uri = path.resolve().as_uri() + "?mode=ro"  # read only: never creates or writes
        engine: Engine = create_engine(
            "sqlite+pysqlite://", creator=lambda: sqlite3.connect(uri, uri=True)
        )
    else:
        engine = create_engine(url, connect_args={"connect_timeout": 10})
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            if not {ROUNDS.name, RESULTS.name, ROSTER.name} <= tables:
                unreadable("not a kpixl archive")
                return None
            past = _read(conn, organisation, current)
    except SQLAlchemyError as exc:
        unreadable(reason(url, exc))
        return None
    finally:
        engine.dispose()
    past.db = shown(url)
    return past


def _read(conn: Any, organisation: str, current: Round) -> PastRounds:
    rounds = conn.execute(
        select(ROUNDS.c.round_pk, ROUNDS.c.round_id).where(
            ROUNDS.c.organisation == organisation, ROUNDS.c.superseded_by.is_(None)
        )
    ).all()
    earlier = []
    for r in rounds:
        order = _order(r.round_id)
        if order is not None and (order.fiscal_year, order.number) < (
            current.fiscal_year,
            current.number,
        ):
            earlier.append(((order.fiscal_year, order.number), r.round_pk, str(order)))
    earlier.sort()
    past = PastRounds(db="", rounds=[name for _, _, name in earlier])
    if not earlier:
        return past
    pks = {pk: name for _, pk, name in earlier}
    query = (
        select(
            RESULTS.c.round_pk,
            RESULTS.c.row,
            RESULTS.c.person_id,
            RESULTS.c.name,
            RESULTS.c.unit,
            RESULTS.c.position,
            RESULTS.c.level_code,
            ROSTER.c.evaluator,
            RESULTS.c.total,
            RESULTS.c.band,
            RESULTS.c.pct,
            RESULTS.c.increase,
            RESULTS.c.salary,
            RESULTS.c.new_salary,
            RESULTS.c.reason,
        )
        .select_from(
            RESULTS.outerjoin(
                ROSTER,
                (ROSTER.c.round_pk == RESULTS.c.round_pk)
                & (ROSTER.c.person_id == RESULTS.c.person_id),
            )
        )
        .where(RESULTS.c.round_pk.in_(list(pks)))
    )
    frame = pd.DataFrame(conn.execute(query).all())
    if len(frame):
        rank = {pk: i for i, (_, pk, _) in enumerate(earlier)}
        frame["_order"] = frame["round_pk"].map(rank)
        frame = frame.sort_values(["_order", "row"], kind="stable")
        frame["round_id"] = frame["round_pk"].map(pks)
        frame["evaluator"] = frame["evaluator"].fillna("")
        past.results = frame[list(PAST_COLUMNS)].reset_index(drop=True)
    last_pk = earlier[-1][1]
    roster = conn.execute(
        select(
            ROSTER.c.person_id,
            ROSTER.c.name,
            ROSTER.c.unit,
            ROSTER.c.salary,
            ROSTER.c.extra_json,
        )
        .where(ROSTER.c.round_pk == last_pk)
        .order_by(ROSTER.c.row)
    ).all()
    past.last_roster = pd.DataFrame(
        [
            {
                "person_id": r.person_id,
                "name": r.name,
                "unit": r.unit,
                "salary": r.salary,
                "holds_position": text_of(_extra(r.extra_json).get("holds_position")),
            }
            for r in roster
        ],
        columns=PAST_ROSTER_COLUMNS,
    )
    return past


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def _extra(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
