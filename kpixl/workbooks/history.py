"""The master's History sheet: each person's last four rounds (issue 17).

For each person of this round's Results (in its order) the sheet holds their last
:data:`~kpixl.workbooks.master_layout.HISTORY_ROUNDS` rounds, one row a round, oldest
first: up to three earlier rounds from the rounds' archive (the consolidation's
``past``, :mod:`kpixl.jobs.past`) and this round from the consolidation itself. The
round, band, score and money columns are ``kpixl history --json``'s keys and values;
the name and unit are each round's own (a move between units shows).

Row 2 says which earlier rounds the sheet shows, or that none is archived (the first
round, or an archive that could not be read: then the Issues sheet says why); then the
sheet holds no rows (this round's results are on Results: a first round of 50,000
people is not written twice), and an empty sheet is never read as a lost history.

- :func:`history_rows`: the sheet's rows (note, header, people), for
  :func:`kpixl.workbooks.master_results.output_sheets`; text from the archive is
  written as text (never a formula), as every result sheet's text is.
- :func:`with_history_sheet`: a master from a template without the sheet, with the
  template's History sheet added as its last sheet.
- :func:`read_history`: the sheet read back, person id → rows (the notices print
  them: a master mailed elsewhere prints the same history without the archive).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from kpixl.core.errors import InputError
from kpixl.core.findings import Finding
from kpixl.core.rounds import parse_round
from kpixl.core.text import text_of
from kpixl.io.grid import grid_table
from kpixl.io.grids import Book
from kpixl.io.sheet_xml import ColumnRows
from kpixl.io.xlsx_package import Package
from kpixl.io.xlsx_sheets import add_sheet
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.master import history_template_bytes
from kpixl.workbooks.master_outputs import find_header

if TYPE_CHECKING:
    from kpixl.jobs.past import PastRounds

__all__ = [
    "HistoryRow",
    "history_note",
    "history_rows",
    "history_table",
    "read_history",
    "round_text",
    "with_history_sheet",
]

HistoryRow = dict[str, Any]  # HISTORY_COLUMNS → value
_NUMBERS = ("total", "pct", "increase", "salary", "new_salary")
PLACES = 6  # the archive's numbers: as kpixl history rounds them


def round_text(round_id: Any) -> str:
    """A round id as the archive and ``kpixl history`` write it (2570/1)."""
    text = text_of(round_id)
    try:
        return str(parse_round(text))
    except (InputError, ValueError):
        return text


def _number(value: Any) -> Decimal | None:
    """A number for the sheet, as a Decimal (a column of one type is written fast):
    this round's Decimals as they are; the archive's floats rounded as ``kpixl
    history`` rounds them."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    try:
        number = round(float(value), PLACES)
    except (TypeError, ValueError, OverflowError):
        return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return Decimal(int(number)) if number.is_integer() else Decimal(repr(number))


def _text(value: Any) -> str | None:
    """Text as the round holds it (None, NaN: blank); a number id as its digits."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text or None


def _columns(frame: pd.DataFrame, rounds: list[str]) -> dict[str, list[Any]]:
    """``frame``'s History columns as the sheet writes them (``rounds``: each row's
    round); a column the frame lacks is blank."""
    n = len(frame)

    def values(name: str) -> list[Any]:
        return frame[name].tolist() if name in frame else [None] * n

    out: dict[str, list[Any]] = {"round": rounds}
    out["person_id"] = [text_of(v) or None for v in values("person_id")]
    for name in ("name", "unit", "band"):
        out[name] = [_text(v) for v in values(name)]
    for name in _NUMBERS:
        out[name] = [_number(v) for v in values(name)]
    return out


def history_table(
    results: pd.DataFrame, past: PastRounds | None, round_id: str
) -> dict[str, list[Any]]:
    """The History rows, column by column (``M.HISTORY_COLUMNS``): per person of
    ``results`` (in its order) their last rounds, oldest first, this round
    (``round_id``) last. Built by columns: 50,000 people and 150,000 earlier rows in
    about a second."""
    then: dict[str, list[Any]] = {name: [] for name in M.HISTORY_COLUMNS}
    if past is None or not len(past.results):  # no history yet: this round is on Results
        return then
    now = _columns(results, [round_id] * len(results))
    earlier: dict[str, list[int]] = {}
    if len(past.results):
        named = {r: round_text(r) for r in set(past.results["round_id"].tolist())}
        then = _columns(past.results, [named[r] for r in past.results["round_id"].tolist()])
        for i, pid in enumerate(then["person_id"]):
            if pid:
                earlier.setdefault(pid, []).append(i)
    keep = M.HISTORY_ROUNDS - 1
    order: list[tuple[dict[str, list[Any]], int]] = []
    for i, pid in enumerate(now["person_id"]):
        if not pid:
            continue
        order += [(then, j) for j in earlier.get(pid, [])[-keep:]] if keep else []
        order.append((now, i))
    return {name: [src[name][i] for src, i in order] for name in M.HISTORY_COLUMNS}


def history_note(
    past: PastRounds | None, findings: Sequence[Finding], rounds: Sequence[str]
) -> str:
    """Row 2's note: the earlier rounds of ``rounds`` (the sheet's), or why there are none."""
    held = set(rounds)
    shown = [r for r in (past.rounds if past is not None else []) if r in held]
    if shown:
        text = ", ".join(shown)
        return f"รอบก่อนหน้าจากคลังข้อมูล: {text} / earlier rounds from the archive: {text}"
    if any(f.rule == "history.unreadable" for f in findings):
        return (
            "อ่านคลังข้อมูลรอบก่อนหน้าไม่ได้ (ดูแผ่นงาน Issues) จึงไม่มีประวัติ ผลรอบนี้อยู่ในแผ่นงาน Results"
            " / the archive of earlier rounds could not be read (see Issues): no history;"
            " this round's results are on Results"
        )
    return (
        "ยังไม่มีรอบก่อนหน้าในคลังข้อมูล (kpixl archive) จึงยังไม่มีประวัติ ผลรอบนี้อยู่ในแผ่นงาน Results"
        " / no earlier rounds are archived yet, so no history; this round's results are on"
        " Results"
    )


def history_rows(
    results: pd.DataFrame,
    past: PastRounds | None,
    config: Mapping[str, Any],
    findings: Sequence[Finding] = (),
) -> ColumnRows:
    """The History sheet's rows from row 2: the note, the header row, one row per
    person per round (see the module doc), held as columns."""
    table = history_table(results, past, round_text(config.get("round_id")))
    note = history_note(past, findings, table["round"])
    return ColumnRows(
        [
            [note if i == 0 else None, header, *table[name]]
            for i, (name, header) in enumerate(
                zip(M.HISTORY_COLUMNS, M.HISTORY_HEADERS, strict=True)
            )
        ]
    )


def with_history_sheet(master: bytes) -> bytes:
    """``master`` with the template's History sheet added as its last sheet when it has
    none (a master from an older template; its header row repeats on every printed
    page); a master that has one: as it is."""
    if M.HISTORY in Package.read(master).sheets:
        return master
    return add_sheet(master, history_template_bytes(), name=M.HISTORY, title_row=M.HEADER_ROW)


def read_history(book: Book, path: Path) -> dict[str, list[HistoryRow]]:
    """The master's History sheet read back (found by its header row): person id → their
    rows in the sheet's order (none: a master without the sheet or not consolidated)."""
    if M.HISTORY not in book.sheet_names:
        return {}
    grid = book.grid(M.HISTORY)
    found = find_header(grid, M.HISTORY_HEADERS)
    if found is None:
        return {}
    row, places = found
    mapping = {name: places[i] for i, name in enumerate(M.HISTORY_COLUMNS)}
    table = grid_table(grid, row + 1, mapping, path, M.HISTORY)
    out: dict[str, list[HistoryRow]] = {}
    for record in table.to_dict("records"):
        pid = text_of(record.get("person_id"))
        if not pid:
            continue
        item: HistoryRow = {"person_id": pid, "round": text_of(record.get("round"))}
        for name in ("name", "unit", "band"):
            item[name] = _text(record.get(name)) or ""
        for name in _NUMBERS:
            item[name] = _number(record.get(name))
        out.setdefault(pid, []).append(item)
    return out
