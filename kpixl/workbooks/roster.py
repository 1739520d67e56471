"""Reading a roster (บัญชีรายชื่อ) from a workbook: find the header, map it, validate it.

Headers may be kpixl's field names or the Thai labels people use; the header row may
sit below a title. Every problem becomes a finding with its cell.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from kpixl.core.eligibility import ELIGIBILITY_FIELDS
from kpixl.core.findings import ERROR, Finding, TableResult
from kpixl.core.rules import Rules, default_rules
from kpixl.io.grids import open_book
from kpixl.io.identify import check_file, unreadable
from kpixl.schemas.backend import Locator, validate_table
from kpixl.schemas.tables import ROSTER
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.personal_layout import col

__all__ = ["ROSTER_SHEETS", "read_roster"]

ROSTER_SHEETS = ("บัญชีรายชื่อ", "Roster", "roster")
_EXTRA_ALIASES = {
    "person_id": ("เลขบัตรประชาชน", "เลขประจำตัวประชาชน 13 หลัก", "national_id", "id"),
    "name": ("ชื่อ", "ชื่อ - สกุล", "ชื่อ-นามสกุล", "full_name"),
    "unit": ("สังกัด", "กลุ่มงาน", "unit_name"),
    "level_code": ("ระดับ", "level"),
    "salary": ("เงินเดือนปัจจุบัน", "อัตราเงินเดือน"),
    "position_no": ("เลขที่", "ตำแหน่งเลขที่"),
}


_TYPE_ALIASES = ("ประเภทตำแหน่ง", "ประเภท", "position_type")


def _aliases() -> dict[str, str]:
    out: dict[str, str] = {}
    for column in ROSTER.columns:
        for alias in (column.name, column.label, *_EXTRA_ALIASES.get(column.name, ())):
            out[" ".join(str(alias).split()).casefold()] = column.name
    for extra in (*ELIGIBILITY_FIELDS, "holds_position", "type", "alt_ceiling"):
        out[extra] = extra
    for name, header in zip(M.ROSTER_COLUMNS, M.ROSTER_HEADERS, strict=True):
        out.setdefault(" ".join(header.split()).casefold(), name)  # the master's own headers
    for alias in _TYPE_ALIASES:
        out[alias] = "type"
    return out


def _error(path: Path, code: str, th: str, en: str, sheet: str = "") -> Finding:
    return Finding(code, th, en, severity=ERROR, file=path.name, sheet=sheet)


def read_roster(
    path: str | Path, *, rules: Rules | None = None, sheet: str | None = None
) -> TableResult:
    """The roster of ``path`` as a validated table (Decimals, codes) and its findings."""
    rules = rules or default_rules()
    path = Path(path)
    bad = check_file(path)
    if bad is not None:
        return TableResult(pd.DataFrame(columns=ROSTER.names), [bad])
    try:
        book = open_book(path)
        names = book.sheet_names
        chosen = sheet or next((s for s in ROSTER_SHEETS if s in names), names[0])
        grid: list[list[Any]] = book.grid(chosen)
    except Exception as exc:  # any reader failure is a finding
        return TableResult(pd.DataFrame(columns=ROSTER.names), [unreadable(path, exc)])
    aliases = _aliases()
    header_at, mapping = -1, {}
    for r, row in enumerate(grid[:15]):
        found = {
            c: aliases[key]
            for c, value in enumerate(row)
            if (key := " ".join(str(value).split()).casefold()) in aliases
        }
        if len(found) >= 3:
            header_at, mapping = r, found
            break
    if header_at < 0:
        return TableResult(
            pd.DataFrame(columns=ROSTER.names),
            [
                _error(
                    path,
                    "roster.no_header",
                    "ไม่พบแถวหัวตารางของบัญชีรายชื่อ (เช่น เลขประจำตัวประชาชน ชื่อ-สกุล หน่วยงาน)",
                    "no roster header row found (person_id, name, unit, level_code, salary …)",
                    chosen,
                )
            ],
        )
    records = []
    for r in range(header_at + 1, len(grid)):
        row = grid[r]
        values = {field: row[c] if c < len(row) else None for c, field in mapping.items()}
        if all(v in (None, "") for v in values.values()):
            continue
        values["_row"] = r + 1
        records.append(values)
    raw = pd.DataFrame(records)
    for field in mapping.values():
        if field not in raw.columns:
            raw[field] = None
    letters = {field: col(c + 1) for c, field in mapping.items()}
    return validate_table(raw, "roster", rules=rules, locator=Locator(path.name, chosen, letters))
