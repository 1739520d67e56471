"""``kpixl round next``: the next round's master from an archived round.

:func:`next_round` reads the master of a finished round (Units, Config, strategy sheets,
Roster, the round's rules) and that round's results from the rounds' archive
(:mod:`kpixl.jobs.archive`; the round must be archived: its salaries are read from the
archive, not derived again), and writes ``out_dir/master.xlsx`` for the next round:

- Config: the same, with ``round_id`` advanced (2570/1 → 2570/2 → 2571/1), the round's
  document numbers and dates (:data:`~kpixl.workbooks.master_layout.DOCUMENT_KEYS`)
  cleared, the due dates moved on six months (a due date that cannot be read is
  cleared), and ``archive_db`` naming the archive read here as seen from ``out_dir``
  (so that the next round's consolidate finds its past rounds);
- the rules: the round's effective rules (Config overrides and agency file applied),
  and ``agency_rules`` naming the same file as seen from ``out_dir``;
- Units and the strategy sheets: carried as they are;
- Roster: everyone carried, each salary the archived new salary (a person without one
  keeps the archived roster salary); the round's own counts (leave, lateness,
  penalties, suspension, ineligibility) are cleared for HR to fill in again.

People who left: a person whose row on the archived round's roster says
``holds_position`` = ไม่ใช่ (not holding the position on the count date: moved, retired)
has left. Nothing new in the roster's layout: they stay on the new roster with that
mark, and each is reported (``round.left``) for HR to check and remove. An existing master in ``out_dir`` is never overwritten
(``round.exists``, even when another run writes it meanwhile); the new master appears
whole or not at all. Problems are findings; nothing here raises on bad input.
"""

from __future__ import annotations

import calendar
import math
import os
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from kpixl.archive.schema import RESULTS, ROSTER, ROUNDS
from kpixl.archive.store import DEFAULT_NAME, failure, opened, shown
from kpixl.core.codes import finding
from kpixl.core.errors import InputError
from kpixl.core.findings import ERROR, Finding
from kpixl.core.rounds import following, parse_round
from kpixl.core.text import text_of
from kpixl.core.thaitime import BUDDHIST_ERA, read_date
from kpixl.io.atomic import as_write_error, write_finding
from kpixl.jobs.past import archive_of
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.master import master_bytes, read_master

__all__ = ["CLEARED", "NextRound", "following", "next_round", "shifted"]

MASTER_NAME = "master.xlsx"
# the round's own counts on the Roster: cleared in the next round for HR to fill in
CLEARED = (
    "leave_days",
    "leave_times",
    "late_times",
    "penalty",
    "suspension_months",
    "ineligible",
    "ineligible_reason",
    "salary_note",  # why a salary differs from the archived round's: this round's own
)
NO = ("ไม่ใช่", "ไม่", "no", "false", "0")


@dataclass
class NextRound:
    master: Path  # the master given
    out: Path | None = None  # the next round's master, when written
    db: str = ""
    organisation: str = ""
    round_id: str = ""  # the archived round
    next_round_id: str = ""
    units: list[dict[str, Any]] = field(default_factory=list)
    roster: list[dict[str, Any]] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # person ids
    findings: list[Finding] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.out is None or any(f.severity == ERROR for f in self.findings) else 0


def shifted(value: Any, months: int = 6) -> str:
    """A Config date moved on ``months`` months, typed as HR types it (``31/10/2569``);
    blank or unreadable: blank. The day is kept, or the month's last day."""
    try:
        day = read_date(value)
    except (InputError, ValueError, TypeError):
        return ""
    if day is None:
        return ""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    moved = date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
    return f"{moved.day}/{moved.month}/{moved.year + BUDDHIST_ERA}"


def _plain(value: Any) -> Any:
    """A DataFrame cell as a plain value (NaN and NaT: None; whole floats: int)."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() else value
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return _plain(value.item())
    try:
        if value != value:  # NaT and other missing values
            return None
    except (TypeError, ValueError):
        pass
    return value


def _records(frame: Any, columns: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
    if frame is None or len(frame) == 0:
        return []
    return [
        {c: _plain(r.get(c)) for c in columns if not str(c).startswith("_")}
        for r in frame.to_dict("records")
    ]


MOST = 10_000_000  # baht: no monthly salary is this high; above it, the archive is damaged


class _Damaged(ValueError):
    """An archived salary that cannot be one (text, negative, infinite, absurd)."""


def _salary(value: Any) -> int | float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _Damaged(f"{value!r:.40}") from None
    if not (math.isfinite(number) and 0 <= number < MOST):
        raise _Damaged(f"{value!r:.40}")
    return int(number) if number.is_integer() else number


def _archive_from(db: str | None, master: Path, out_dir: Path) -> str:
    """The next master's ``archive_db``: the same archive seen from ``out_dir`` (a
    SQLite file as a relative path, a server's URL without its password)."""
    if db is None:
        db = str(master.parent / DEFAULT_NAME)
    if "://" in db:
        return shown(db)
    try:
        return Path(os.path.relpath(Path(db).resolve(), out_dir.resolve())).as_posix()
    except ValueError:  # another drive (Windows): the whole path
        return str(Path(db).resolve())


def next_round(master: str | Path, out_dir: str | Path, *, db: str | None = None) -> NextRound:
    """Write the next round's master into ``out_dir`` (see the module docstring)."""
    from kpixl.jobs.round import round_rules

    master = Path(master)
    out_dir = Path(out_dir)
    result = NextRound(master)
    inputs = read_master(master)
    result.findings.extend(inputs.findings)
    if any(f.severity == ERROR for f in result.findings):
        return result
    result.organisation = text_of(inputs.config.get("organisation")).strip()
    result.round_id = text_of(inputs.config.get("round_id")).strip()
    try:
        this = parse_round(result.round_id)
    except InputError:
        result.findings.append(
            finding(
                "round.no_round",
                field="round_id",
                value=result.round_id,
                master=master.name,
                file=master.name,
                sheet=M.CONFIG,
            )
        )
        return result
    result.round_id = str(this)
    result.next_round_id = str(following(this))
    target = out_dir / MASTER_NAME
    if target.exists():
        result.findings.append(finding("round.exists", value=str(target)))
        return result
    rule_findings: list[Finding] = []
    rules = round_rules(inputs, master, rule_findings)
    result.findings.extend(rule_findings)
    if rules is None:
        return result
    if db is None:  # the archive the round's own Config names (blank: beside it)
        db = archive_of(master, inputs.config)[0]
    archived = _archived(result, db)
    if archived is None:
        return result
    new_salaries, roster_salaries = archived

    config = {
        k: _plain(v)
        for k, v in inputs.config.items()
        if k not in ("template_id", "template_version", *M.DOCUMENT_KEYS)
    }
    config["round_id"] = result.next_round_id
    agency = text_of(inputs.config.get("agency_rules")).strip()
    if agency:  # the same file, seen from the new master's folder
        config["agency_rules"] = Path(
            os.path.relpath((master.parent / agency).resolve(), out_dir.resolve())
        ).as_posix()
    for key in M.DUE_KEYS:
        config[key] = shifted(inputs.config.get(key))
    config["archive_db"] = _archive_from(db, master, out_dir)
    result.units = _records(inputs.units, M.UNIT_COLUMNS)
    strategy = {
        name: _records(inputs.strategy.get(name), columns)
        for name, (_, columns, _) in M.STRATEGY.items()
    }
    for row in _records(inputs.roster, M.ROSTER_COLUMNS):
        pid = text_of(row.get("person_id")).strip()
        if not pid:
            continue
        row["person_id"] = pid
        if new_salaries.get(pid) is not None:
            row["salary"] = new_salaries[pid]
        elif roster_salaries.get(pid) is not None:
            row["salary"] = roster_salaries[pid]
        for key in CLEARED:
            row[key] = None
        if text_of(row.get("holds_position")).strip().lower() in NO:
            result.left.append(pid)
            result.findings.append(
                finding(
                    "round.left",
                    value=result.round_id,
                    person_id=pid,
                    name=text_of(row.get("name")),
                    file=master.name,
                    sheet=M.ROSTER,
                )
            )
        result.roster.append(row)
    data = master_bytes(
        rules=rules,
        organisation=result.organisation,
        config=config,
        units=result.units,
        roster=result.roster,
        strategy=strategy,
    )
    problem = _write_new(target, data)
    if problem is not None:
        result.findings.append(problem)
        return result
    result.out = target
    return result


def _write_new(target: Path, data: bytes) -> Finding | None:
    """Write ``data`` to ``target`` whole or not at all, never replacing a file there (not
    even one another run made meanwhile): a complete temporary file beside it is linked
    to the name, which fails when the name is taken."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=".kpixl-", suffix=".tmp")
        temp = Path(name)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            try:
                os.link(temp, target)
            except FileExistsError:
                return finding("round.exists", value=str(target))
            except OSError:  # a file system without hard links: check, then rename
                if target.exists():
                    return finding("round.exists", value=str(target))
                os.replace(temp, target)
        finally:
            temp.unlink(missing_ok=True)
    except OSError as exc:
        return write_finding(as_write_error(exc, target))
    return None


def _archived(
    result: NextRound, db: str | None
) -> tuple[dict[str, int | float | None], dict[str, int | float | None]] | None:
    """(new salary by person, archived roster salary by person) of the newest version of
    the archived round, or None with a finding."""
    with opened(db, beside=result.master, create=False) as archive:
        result.db = shown(archive.url) if archive.url is not None else shown(db or "")
        result.findings.extend(archive.findings)
        if archive.engine is None or archive.url is None:
            return None
        try:
            with archive.engine.connect() as conn:
                round_pk = conn.execute(
                    select(ROUNDS.c.round_pk)
                    .where(
                        ROUNDS.c.organisation == result.organisation,
                        ROUNDS.c.round_id == result.round_id,
                        ROUNDS.c.superseded_by.is_(None),
                    )
                    .order_by(ROUNDS.c.version.desc())
                ).scalar()
                if round_pk is None:
                    result.findings.append(
                        finding(
                            "round.not_archived",
                            value=result.round_id,
                            organisation=result.organisation,
                            db=result.db,
                            file=result.master.name,
                        )
                    )
                    return None
                results = conn.execute(
                    select(RESULTS.c.person_id, RESULTS.c.new_salary).where(
                        RESULTS.c.round_pk == round_pk
                    )
                ).all()
                roster = conn.execute(
                    select(ROSTER.c.person_id, ROSTER.c.salary).where(ROSTER.c.round_pk == round_pk)
                ).all()
            new = {str(r.person_id): _salary(r.new_salary) for r in results}
            old = {str(r.person_id): _salary(r.salary) for r in roster}
        except SQLAlchemyError as exc:
            result.findings.append(failure(archive.url, exc))
            return None
        except (ValueError, TypeError, OverflowError) as exc:  # _Damaged, or the driver's
            result.findings.append(
                finding(
                    "archive.damaged",
                    value=result.round_id,
                    db=result.db,
                    why=f"salary {exc}" if isinstance(exc, _Damaged) else type(exc).__name__,
                    file=result.master.name,
                )
            )
            return None
    return new, old
