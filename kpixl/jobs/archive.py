"""``kpixl archive`` and ``kpixl history``: a finished round into the rounds' archive,
and one person's rounds out of it.

:func:`archive_master` reads a consolidated master with the readers the committee pack
uses (:func:`kpixl.workbooks.master_outputs.read_outputs`: Config, Roster, Results,
Pools, Issues), the round's effective rules (:func:`kpixl.jobs.round.round_rules`) and
every KPI and competency row of the people whose results came from each unit workbook
(read with :func:`kpixl.workbooks.unit.read_unit`, the reader consolidation uses), and
the SHA-256 of the master, of every unit workbook the results came from and of every
personal workbook in ``personal_folder`` (known by its metadata, not its name), and
writes them in one transaction. An archived round is immutable: the same content again is a
no-op (``archive.already``), different content is refused (``archive.differs``) unless
``supersede`` with a ``reason``, which adds the next version and marks the previous one
superseded (both are kept). "The same content" is :func:`content_digest`: the results,
roster, pools, findings, KPI and competency rows and rules, not the files' bytes (saving
the master again in Excel changes its bytes, not its round). A round archived before the
archive kept KPI rows (revision 0002) matches its :func:`legacy_digest`: archiving it
again is ``archive.no_kpis`` (nothing written) unless superseded.

:func:`person_history` gives a person's rounds, oldest first, from the newest version
of each round. Problems are findings; nothing here raises on bad input.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from kpixl._version import __version__
from kpixl.archive.schema import (
    COMPETENCIES,
    FINDINGS,
    KPIS,
    POOLS,
    RESULTS,
    ROSTER,
    ROUNDS,
    SOURCES,
)
from kpixl.archive.store import Archive, failure, lock, opened, shown
from kpixl.core.codes import finding
from kpixl.core.errors import InputError
from kpixl.core.findings import ERROR, Finding
from kpixl.core.numbers import parse_number
from kpixl.core.rounds import parse_round
from kpixl.core.text import text_of
from kpixl.jobs.past import archive_of
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.master_outputs import read_outputs
from kpixl.workbooks.unit import read_unit

__all__ = [
    "HISTORY_KEYS",
    "ArchiveResult",
    "HistoryResult",
    "archive_master",
    "content_digest",
    "legacy_digest",
    "person_history",
    "round_rows",
    "unit_rows",
]

HISTORY_KEYS = ("round", "band", "total", "pct", "increase", "salary", "new_salary")
NOT_A_ROUND = 1_000_000  # sorts after every real round
PLACES = 6  # the archive keeps numbers to six places (NUMERIC(18, 6))

RESULT_NUMBERS = (
    "salary",
    "achievement",
    "competency",
    "total",
    "pct",
    "base",
    "increase",
    "new_salary",
    "special_compensation",
    "unrounded",
    "cost",
)
POOL_NUMBERS = ("headcount", "pool", "used", "leftover", "central", "used_python")
ROSTER_KEPT = (
    "person_id",
    "name",
    "unit",
    "position",
    "position_no",
    "level_code",
    "pool_group",
    "evaluator",
    "email",
)
KPI_TEXTS = ("kpi_code", "kpi_name", "kind", "direction", "measure", "parent_code", "category")
KPI_NUMBERS = ("l1", "l2", "l3", "l4", "l5", "weight", "actual")
COMP_NUMBERS = ("expected", "weight", "rating")
DETAIL = ("kpis", "competencies")  # the tables revision 0002 added
IDS = ("person_id", "position_no", "level_code", "unit", "pool_group", "severity", "rule")
YES = ("ใช่", "yes", "true", "1")
NO = ("ไม่ใช่", "ไม่", "no", "false", "0")


@dataclass
class ArchiveResult:
    master: Path
    db: str = ""  # the archive's URL as it may be shown (no password)
    status: str = "failed"  # archived, superseded, already, refused, failed
    organisation: str = ""
    round_id: str = ""
    version: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # step → seconds

    @property
    def exit_code(self) -> int:
        return 0 if self.status in ("archived", "superseded", "already") else 1


@dataclass
class HistoryResult:
    person_id: str
    db: str = ""
    rounds: list[dict[str, Any]] = field(default_factory=list)
    name: str = ""
    findings: list[Finding] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if any(f.severity == ERROR for f in self.findings) else 0


# ------------------------------------------------------------------------ the rows


def _number(value: Any, column: str, where: Callable[[], dict[str, str]]) -> float | None:
    """A cell as a number rounded to the archive's places (blank: None); text raises."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise _BadValue(column, str(value), where())
    try:
        number = float(str(value).replace(",", "")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise _BadValue(column, str(value), where()) from None
    if math.isnan(number):
        return None
    if not math.isfinite(number):
        raise _BadValue(column, str(value), where())
    return round(number, PLACES) + 0.0


def _yes_no(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = text_of(value).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    return None


class _BadValue(Exception):
    def __init__(self, column: str, value: str, where: dict[str, str]) -> None:
        super().__init__(column)
        self.finding = finding("archive.bad_value", field=column, value=value, **where)


_PLAIN_NUMBERS = frozenset({float, int, type(None)})


def _column(frame: pd.DataFrame, name: str) -> list[Any]:
    """A column's cells as plain Python values (a missing column: all None)."""
    if name not in frame:
        return [None] * len(frame)
    values: list[Any] = frame[name].tolist()
    if any(issubclass(kind, np.generic) for kind in set(map(type, values))):
        values = [v.item() if isinstance(v, np.generic) else v for v in values]
    return values


def _plain_numbers(values: list[Any]) -> list[float | None] | None:
    """Every cell rounded to the archive's places in one pass, when the column holds
    only plain finite numbers and blanks (the usual case); else None."""
    if not set(map(type, values)) <= _PLAIN_NUMBERS:
        return None
    out = [None if v is None or v != v else round(v, PLACES) + 0.0 for v in values]
    return None if math.inf in out or -math.inf in out else out


def _numbers(
    values: list[Any], column: str, where: Callable[[int], dict[str, str]]
) -> list[float | None]:
    """:func:`_number` of every cell (text raises)."""
    plain = _plain_numbers(values)
    if plain is not None:
        return plain
    out = []
    for i, value in enumerate(values):

        def here(i: int = i) -> dict[str, str]:
            return where(i)

        out.append(_number(value, column, here))
    return out


def _texts(values: list[Any], ids: bool) -> list[str]:
    if ids:
        return [text_of(v) for v in values]
    if set(map(type, values)) <= {str}:
        return values
    return [_text(v) for v in values]


def _rows(
    frame: pd.DataFrame,
    texts: Sequence[str],
    numbers: Sequence[str],
    *,
    flags: Sequence[str] = (),
    extra: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """The frame's rows as the table's rows, built column by column (50,000 people's
    rows: no Python work per cell that a whole column can do at once)."""
    rows = [int(r or 0) for r in _column(frame, "_row")]

    def where(i: int) -> dict[str, str]:
        return {
            "file": str(frame["_file"].iloc[i]) if "_file" in frame else "",
            "sheet": str(frame["_sheet"].iloc[i]) if "_sheet" in frame else "",
            "cell": f"row {rows[i]}",
        }

    columns: dict[str, list[Any]] = {"row": rows}
    for name in texts:
        columns[name] = _texts(_column(frame, name), name in IDS)
    for name in numbers:
        columns[name] = _numbers(_column(frame, name), name, where)
    for name in flags:
        columns[name] = [_yes_no(v) for v in _column(frame, name)]
    if extra:
        cells = [_column(frame, k) for k in extra]
        columns["extra_json"] = [
            json.dumps(
                {k: _plain(v) for k, v in zip(extra, values, strict=True)},
                ensure_ascii=False,
                sort_keys=True,
            )
            for values in zip(*cells, strict=True)
        ]
    keys = list(columns)
    return [dict(zip(keys, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def _text(value: Any) -> str:
    """Free text (names, reasons, messages) as the cell holds it; numbers as text_of."""
    if value is None or isinstance(value, (int, float)):
        return text_of(value)
    return str(value)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    return str(value)


def round_rows(outputs: Any) -> dict[str, list[dict[str, Any]]]:
    """The rows a consolidated master gives each table (raises _BadValue)."""
    results = _rows(
        outputs.results,
        [c for c in M.RESULT_COLUMNS if c not in RESULT_NUMBERS and c != "eligible"],
        RESULT_NUMBERS,
        flags=("eligible",),
    )
    roster = outputs.inputs.roster
    roster = roster[roster["person_id"].map(lambda v: bool(text_of(v)))]
    roster_rows = _rows(
        roster,
        ROSTER_KEPT,
        ("salary",),
        extra=[c for c in M.ROSTER_COLUMNS if c not in ROSTER_KEPT and c != "salary"],
    )
    pools = _rows(outputs.pools, ("pool_group", "unit"), POOL_NUMBERS)
    issues = outputs.issues
    if not issues.empty and "rule" in issues:
        issues = issues[issues["rule"].map(lambda v: bool(text_of(v)))]
    findings = _rows(issues, M.ISSUE_COLUMNS, ()) if not issues.empty else []
    return {"results": results, "roster": roster_rows, "pools": pools, "findings": findings}


def _letter(column: str) -> str:
    return chr(ord("A") + M.RESULT_COLUMNS.index(column))


def hand_edits(
    results: Sequence[Mapping[str, Any]], unnamed: Sequence[int], rules: Any, file: str
) -> list[Finding]:
    """What a Results sheet consolidate did not write looks like (a hand edit, a
    formula typed over a cell): a row with no person id, a new salary that is not the
    salary plus the increase, a band the rules do not have, an increase for someone
    not eligible. The archive keeps only what the rules gave (``archive.hand_edited``)."""
    bands = {b.name for b in rules.bands}
    found: list[Finding] = []

    def edited(row: int, column: str, value: Any, why: str) -> None:
        found.append(
            finding(
                "archive.hand_edited",
                field=column,
                value=text_of(value),
                why=why,
                file=file,
                sheet=M.RESULTS,
                cell=f"{_letter(column)}{row}",
            )
        )

    for row in unnamed:
        edited(row, "person_id", "", "ไม่มีเลขประจำตัว / no person id")
    for r in results:
        salary, increase, new = r.get("salary"), r.get("increase"), r.get("new_salary")
        if (
            salary is not None
            and increase is not None
            and new is not None
            and abs(float(salary) + float(increase) - float(new)) > 0.005
        ):
            edited(
                r["row"],
                "new_salary",
                new,
                f"≠ {salary:,.2f} + {increase:,.2f}",
            )
        band = r.get("band") or ""
        if (band and band not in bands) or (not band and r.get("total") is not None):
            edited(r["row"], "band", band, "ไม่ใช่ระดับผลตามหลักเกณฑ์ / not a band of the rules")
        if r.get("eligible") is False and (increase or 0) > 0:
            edited(r["row"], "increase", increase, "ไม่มีสิทธิ์แต่ได้เลื่อน / not eligible")
    return found


def content_digest(rows: Mapping[str, list[dict[str, Any]]], rules_json: str) -> str:
    """SHA-256 of a round's content: its rows (without sheet row numbers) and rules.

    Each table is hashed as its sorted column names, then its rows as JSON arrays of
    those columns' values: one ``json.dumps`` per table, not a dict per row (600,000
    rows in the 1,000-unit round)."""
    digest = hashlib.sha256()
    digest.update(rules_json.encode())
    for name in sorted(rows):
        items = rows[name]
        keys = sorted(set(items[0]) - {"row"}) if items else []
        values: list[Any] = []
        if keys:
            get = itemgetter(*keys)
            values = [get(r) for r in items]
        for part in ([name, keys, len(items)], values):
            blob = json.dumps(part, ensure_ascii=False, default=str).encode()
            digest.update(b"%d:" % len(blob))
            digest.update(blob)
    return digest.hexdigest()


def legacy_digest(rows: Mapping[str, list[dict[str, Any]]], rules_json: str) -> str:
    """The content digest of kpixl before revision 0002 (a round's results, roster,
    pools and findings, as one JSON text of dicts): a round archived then carries it."""
    body = {
        name: [{k: v for k, v in r.items() if k != "row"} for r in items]
        for name, items in sorted(rows.items())
        if name not in DETAIL
    }
    text = json.dumps([body, rules_json], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _sha256(path: Path) -> tuple[str, int] | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return hashlib.sha256(data).hexdigest(), len(data)


def _source(
    path: str, digest: tuple[str, int] | None, kind: str, person_id: str | None = None
) -> dict[str, Any]:
    return {
        "path": path,
        "sha256": digest[0] if digest else None,
        "size": digest[1] if digest else None,
        "kind": kind,
        "person_id": person_id,
    }


def _cell_number(value: Any) -> tuple[float | None, str | None]:
    """A KPI or competency cell as a number (blank: None) or, when it holds text that is
    not one, None and the text (kept in ``text_json``: a unit workbook's slip does not
    stop the round's archive; consolidation has reported it)."""
    if value is None:
        return None, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        return (round(number, PLACES) + 0.0, None) if math.isfinite(number) else (None, None)
    text = text_of(value)
    if not text.strip():
        return None, None
    parsed = parse_number(value)
    if parsed.problem is None and parsed.value is not None:
        return round(float(parsed.value), PLACES) + 0.0, None
    return None, text


def _detail_rows(
    frame: pd.DataFrame,
    file: str,
    wanted: set[str],
    texts: Sequence[tuple[str, str]],
    numbers: Sequence[str],
) -> list[dict[str, Any]]:
    """The rows of ``frame`` (a unit workbook's KPI or competency table) of the people
    in ``wanted``, column by column: ``texts`` are (column, layout field) pairs."""
    if frame.empty:
        return []
    ids = [text_of(v) for v in frame["person_id"].tolist()]
    keep = [i for i, pid in enumerate(ids) if pid in wanted]
    if not keep:
        return []
    mine = frame.iloc[keep]
    columns: dict[str, list[Any]] = {
        "file": [file] * len(keep),
        "row": [int(r) for r in mine["_row"].tolist()],
        "person_id": [ids[i] for i in keep],
    }
    for name, field_ in texts:
        columns[name] = _texts(_column(mine, field_), False)
    odd: dict[int, dict[str, str]] = {}
    for name in numbers:
        values = _column(mine, name)
        plain = _plain_numbers(values)
        if plain is not None:
            columns[name] = plain
            continue
        columns[name] = []
        for i, value in enumerate(values):
            number, text = _cell_number(value)
            columns[name].append(number)
            if text is not None:
                odd.setdefault(i, {})[name] = text
    columns["text_json"] = [
        json.dumps(odd[i], ensure_ascii=False, sort_keys=True) if i in odd else None
        for i in range(len(keep))
    ]
    keys = list(columns)
    return [dict(zip(keys, values, strict=True)) for values in zip(*columns.values(), strict=True)]


_KPI_TEXTS = tuple((name, "unit" if name == "measure" else name) for name in KPI_TEXTS)


def unit_rows(
    master: Path, config: Mapping[str, Any], results: pd.DataFrame
) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]], list[Finding]]:
    """Every unit workbook the results came from (``source_file``, the newest file
    consolidation used): its KPI and competency rows of the people whose results came
    from it, its path relative to the master's folder and its SHA-256 (None: not there
    any more). A workbook that is missing or cannot be read is a warning: its people
    have no KPI rows in the archive. Names that would leave the units folder (``../``)
    are kept as written, not read."""
    folder = text_of(config.get("units_folder")) or "units"
    people: dict[str, set[str]] = {}
    for pid, name in zip(
        results.get("person_id", pd.Series(dtype=object)).tolist(),
        results.get("source_file", pd.Series(dtype=object)).tolist(),
        strict=True,
    ):
        name = text_of(name)
        if name:
            people.setdefault(name, set()).add(text_of(pid))
    rows: dict[str, list[dict[str, Any]]] = {"kpis": [], "competencies": []}
    sources: list[dict[str, Any]] = []
    findings: list[Finding] = []
    for name in sorted(people):
        relative = PurePosixPath(folder.replace("\\", "/")) / name.replace("\\", "/")
        where: dict[str, Any] = {"value": str(relative), "count": len(people[name]), "file": name}
        if ".." in relative.parts or relative.is_absolute():
            sources.append(_source(str(relative), None, "unit"))
            findings.append(
                finding(
                    "archive.unit_unreadable",
                    why="ชื่อไฟล์ชี้ออกนอกโฟลเดอร์หน่วยงาน",
                    why_en="the name leads out of the units folder",
                    **where,
                )
            )
            continue
        path = master.parent / relative
        digest = _sha256(path)
        sources.append(_source(str(relative), digest, "unit"))
        if digest is None:
            findings.append(finding("archive.unit_missing", **where))
            continue
        form = read_unit(path)
        problems = [f for f in form.findings if f.severity == ERROR]
        if problems:
            findings.append(
                finding(
                    "archive.unit_unreadable",
                    why=problems[0].message_th,
                    why_en=problems[0].message_en,
                    **where,
                )
            )
            continue
        rows["kpis"] += _detail_rows(
            form.kpis, str(relative), people[name], _KPI_TEXTS, KPI_NUMBERS
        )
        rows["competencies"] += _detail_rows(
            form.competencies,
            str(relative),
            people[name],
            (("competency", "competency"),),
            COMP_NUMBERS,
        )
    return rows, sources, findings


PERSONAL_SUFFIXES = (".xlsx", ".xlsm")


def personal_sources(
    master: Path, config: Mapping[str, Any], round_id: str
) -> list[dict[str, Any]]:
    """Every personal workbook of the round in Config's ``personal_folder`` (sub-folders
    too), known by its metadata (``kpixl.jobs.notices``' identification), not its name:
    path relative to the master's folder, SHA-256, size, person. Symbolic links are not
    followed, backups (``.kpixl-backups``) and Excel's lock files are not workbooks of
    the round; a folder named outside the master's folder is not read."""
    from kpixl.jobs.notices import identify_personal

    named = (text_of(config.get("personal_folder")) or "personal").replace("\\", "/")
    relative = PurePosixPath(named)
    if ".." in relative.parts or relative.is_absolute():
        return []
    folder = master.parent / relative
    if folder.is_symlink() or not folder.is_dir():
        return []
    out: list[dict[str, Any]] = []
    for top, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != ".kpixl-backups")
        for name in sorted(files):
            path = Path(top) / name
            if (
                name.startswith(("~$", "."))
                or path.suffix.lower() not in PERSONAL_SUFFIXES
                or path.is_symlink()
                or not path.is_file()
            ):
                continue
            found, _ = identify_personal(path)
            if found is None or (round_id and found.round_id and found.round_id != round_id):
                continue
            digest = _sha256(path)
            where = relative / path.relative_to(folder).as_posix()
            out.append(_source(str(where), digest, "personal", found.person_id))
    return out


# --------------------------------------------------------------------- archiving


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def archive_master(
    master: str | Path,
    *,
    db: str | None = None,
    supersede: bool = False,
    reason: str | None = None,
) -> ArchiveResult:
    """Archive the consolidated round in ``master`` (see the module docstring)."""
    from kpixl.jobs.round import round_rules

    master = Path(master)
    result = ArchiveResult(master)
    reason = (reason or "").strip() or None
    if supersede and reason is None:
        result.findings.append(finding("archive.no_reason"))
        return result
    if reason is not None and not supersede:
        result.findings.append(finding("archive.reason_alone"))
        return result
    started = time.perf_counter()
    outputs = read_outputs(master)
    result.findings.extend(
        finding("archive.not_consolidated", value=master.name, file=master.name, sheet=f.sheet)
        if f.rule == "report.not_consolidated"
        else f
        for f in outputs.findings
    )
    if not outputs.ok:
        return result
    config = outputs.inputs.config
    result.organisation = text_of(config.get("organisation")).strip()
    result.round_id = text_of(config.get("round_id")).strip()
    for key, value in (("organisation", result.organisation), ("round_id", result.round_id)):
        if not value:
            result.findings.append(
                finding("archive.no_round", field=key, file=master.name, sheet=M.CONFIG)
            )
    if result.round_id and _round_key(result.round_id)[0] == NOT_A_ROUND:
        result.findings.append(  # ../x, 2570/9: the next round and history could not use it
            finding(
                "round.no_round",
                field="round_id",
                value=result.round_id[:40],
                master=master.name,
                file=master.name,
                sheet=M.CONFIG,
            )
        )
    rule_findings: list[Finding] = []
    rules = round_rules(outputs.inputs, master, rule_findings)
    result.findings.extend(rule_findings)
    if rules is None or any(f.severity == ERROR for f in result.findings):
        return result
    try:
        rows = round_rows(outputs)
    except _BadValue as bad:
        result.findings.append(bad.finding)
        return result
    result.findings.extend(hand_edits(rows["results"], outputs.unnamed, rules, master.name))
    if any(f.severity == ERROR for f in result.findings):
        return result
    result.timings["read the master"] = time.perf_counter() - started
    started = time.perf_counter()
    details, unit_sources, unit_findings = unit_rows(master, config, outputs.results)
    rows.update(details)
    result.findings.extend(unit_findings)
    result.timings["read the unit workbooks"] = time.perf_counter() - started
    started = time.perf_counter()
    rules_json = json.dumps(
        {
            "id": rules.id,
            "version": rules.version,
            "sources": list(rules.sources),
            "data": rules.data,
        },
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    )
    digest = content_digest(rows, rules_json)
    master_sha = _sha256(master)
    config_json = json.dumps(
        {k: _plain(v) for k, v in config.items()}, ensure_ascii=False, sort_keys=True
    )
    sources = [
        _source(master.name, master_sha, "master"),
        *unit_sources,
        *personal_sources(master, config, result.round_id),
    ]
    result.counts = {name: len(items) for name, items in rows.items()}
    result.counts["sources"] = len(sources)
    result.timings["hash the files"] = time.perf_counter() - started
    started = time.perf_counter()
    if db is None:  # the archive the round's Config names (blank: kpixl.db beside it)
        db = archive_of(master, config)[0]
    with opened(db, beside=master) as archive:
        result.db = shown(archive.url) if archive.url is not None else shown(db or "")
        result.findings.extend(archive.findings)
        if archive.engine is None:
            return result
        try:
            with archive.engine.begin() as conn:
                _write(
                    conn,
                    result,
                    rows=rows,
                    digest=digest,
                    legacy=lambda: legacy_digest(rows, rules_json),
                    header={
                        "organisation": result.organisation,
                        "round_id": result.round_id,
                        "archived_at": _now(),
                        "kpixl_version": __version__,
                        "master_file": master.name,
                        "master_sha256": master_sha[0] if master_sha else "",
                        "content_sha256": digest,
                        "rules_json": rules_json,
                        "config_json": config_json,
                    },
                    sources=sources,
                    supersede=supersede,
                    reason=reason,
                )
        except IntegrityError:
            result.status = "failed"
            result.findings.append(finding("archive.conflict", value=result.round_id))
        except SQLAlchemyError as exc:
            result.status = "failed"
            assert archive.url is not None
            problem = failure(archive.url, exc)
            result.findings.append(
                finding("archive.write_failed", value=result.db, why=type(exc).__name__)
                if problem.rule == "archive.unreachable"
                else problem
            )
    result.timings["write the archive"] = time.perf_counter() - started
    return result


def _write(
    conn: Connection,
    result: ArchiveResult,
    *,
    rows: Mapping[str, list[dict[str, Any]]],
    digest: str,
    legacy: Callable[[], str],
    header: dict[str, Any],
    sources: list[dict[str, Any]],
    supersede: bool,
    reason: str | None,
) -> None:
    lock(conn)  # a second run at the same time waits here, then finds this round
    same_round = and_(
        ROUNDS.c.organisation == result.organisation, ROUNDS.c.round_id == result.round_id
    )
    current = conn.execute(
        select(ROUNDS.c.round_pk, ROUNDS.c.version, ROUNDS.c.content_sha256)
        .where(same_round, ROUNDS.c.superseded_by.is_(None))
        .order_by(ROUNDS.c.version.desc())
    ).first()
    if current is not None:
        values = {
            "value": result.round_id,
            "organisation": result.organisation,
            "version": current.version,
        }
        if current.content_sha256 == digest:
            result.status, result.version = "already", current.version
            result.findings.append(finding("archive.already", **values))
            return
        if not supersede and current.content_sha256 == legacy():  # archived before 0002
            result.status, result.version = "already", current.version
            result.findings.append(finding("archive.no_kpis", **values))
            return
        if not supersede:
            result.status, result.version = "refused", current.version
            result.findings.append(finding("archive.differs", **values))
            return
    top = conn.execute(select(func.max(ROUNDS.c.version)).where(same_round)).scalar()
    version = int(top or 0) + 1
    round_pk = conn.execute(
        insert(ROUNDS).values(version=version, **header).returning(ROUNDS.c.round_pk)
    ).scalar_one()
    for table, items in (
        (RESULTS, rows["results"]),
        (ROSTER, rows["roster"]),
        (POOLS, rows["pools"]),
        (FINDINGS, rows["findings"]),
        (KPIS, rows.get("kpis", [])),
        (COMPETENCIES, rows.get("competencies", [])),
        (SOURCES, sources),
    ):
        if items:
            names = set(table.c.keys())
            if set(items[0]) <= names:  # the usual case: the rows are the table's columns
                batch = [{**r, "round_pk": round_pk} for r in items]
            else:
                batch = [
                    {k: v for k, v in {"round_pk": round_pk, **r}.items() if k in names}
                    for r in items
                ]
            conn.execute(insert(table), batch)
    if current is not None:
        conn.execute(
            update(ROUNDS)
            .where(ROUNDS.c.round_pk == current.round_pk)
            .values(
                superseded_by=round_pk,
                superseded_reason=reason,
                superseded_at=header["archived_at"],
            )
        )
        result.status = "superseded"
    else:
        result.status = "archived"
    result.version = version


# ----------------------------------------------------------------------- history


def _json_number(value: Any, damaged: list[str] | None = None) -> int | float | None:
    """An archived number as JSON gives it; one that cannot be a figure (text, infinite,
    beyond NUMERIC(18, 6)) is None, its text added to ``damaged``."""
    if value is None:
        return None
    try:
        number = round(float(value), PLACES)
    except (TypeError, ValueError, OverflowError):
        number = math.nan
    if not math.isfinite(number) or abs(number) >= 1e12:
        if damaged is not None:
            damaged.append(f"{value!r:.40}")
        return None
    return int(number) if number.is_integer() else number


def person_history(person_id: str, *, db: str | None = None) -> HistoryResult:
    """``person_id``'s rounds in the archive, oldest first (newest version of each)."""
    wanted = text_of(person_id).strip()
    result = HistoryResult(wanted)
    with opened(db, create=False) as archive:
        result.db = shown(archive.url) if archive.url is not None else shown(db or "")
        result.findings.extend(archive.findings)
        if archive.engine is None:
            return result
        _read_history(archive, result)
    return result


def _read_history(archive: Archive, result: HistoryResult) -> None:
    assert archive.engine is not None and archive.url is not None
    query = (
        select(
            ROUNDS.c.round_id,
            ROUNDS.c.organisation,
            RESULTS.c.name,
            RESULTS.c.band,
            RESULTS.c.total,
            RESULTS.c.pct,
            RESULTS.c.increase,
            RESULTS.c.salary,
            RESULTS.c.new_salary,
        )
        .select_from(RESULTS.join(ROUNDS, RESULTS.c.round_pk == ROUNDS.c.round_pk))
        .where(RESULTS.c.person_id == result.person_id, ROUNDS.c.superseded_by.is_(None))
        .order_by(ROUNDS.c.round_id, ROUNDS.c.organisation, RESULTS.c.row)
    )
    try:
        with archive.engine.connect() as conn:
            rows = list(conn.execute(query).all())
    except SQLAlchemyError as exc:
        result.findings.append(failure(archive.url, exc))
        return
    except (ValueError, TypeError, OverflowError) as exc:  # a number the driver cannot read
        result.findings.append(
            finding("archive.damaged", value="", db=result.db, why=type(exc).__name__)
        )
        return
    rows.sort(key=lambda r: (_round_key(str(r.round_id)), str(r.organisation)))
    for r in rows:
        result.name = _text(r.name) or result.name
        damaged: list[str] = []
        result.rounds.append(
            {
                "round": _text(r.round_id),
                "band": _text(r.band),
                **{
                    key: _json_number(getattr(r, key), damaged)
                    for key in ("total", "pct", "increase", "salary", "new_salary")
                },
            }
        )
        if damaged:
            result.findings.append(
                finding(
                    "archive.damaged",
                    value=_text(r.round_id),
                    db=result.db,
                    why=", ".join(damaged),
                )
            )
    if not rows:
        result.findings.append(finding("archive.no_person", value=result.person_id))


def _round_key(round_id: str) -> tuple[int, int, str]:
    """Rounds in time order: 2569/2 before 2570/1 (text that is not Y/N: after, by text)."""
    try:
        round_ = parse_round(round_id)
    except (InputError, ValueError):
        return NOT_A_ROUND, 0, round_id
    return round_.fiscal_year, round_.number, round_id
