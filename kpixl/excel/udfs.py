"""kpixl functions for Excel cells (xlwings UDFs): thin wrappers over the core.

Results spill as dynamic arrays (Excel 365/2021); each function takes what Excel hands over — numbers as floats, blanks as None, error
cells as strings like ``#N/A``, ranges as 2-D lists — and returns a value or a 2-D
list that Excel spills. A problem is returned as a text (Thai, then English) in the
cell, never raised: Excel would only show ``#VALUE!``.

These are for HR's and unit heads' own sheets. The personal workbook never uses them
(it must work in an Excel without kpixl); the unit and master templates use native
formulas wherever a native formula can do the job.

Register in Excel: the workbook's ``xlwings.conf`` sheet names ``kpixl.excel.udfs`` as
its UDF module, then *Import Functions* once (see docs/windows.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import cache
from typing import Any

import pandas as pd
import xlwings as xw

from kpixl.core.errors import KpixlError
from kpixl.core.kpi_library import load_library
from kpixl.core.numbers import parse_number
from kpixl.core.rules import Rules, default_rules
from kpixl.core.salary import salary_increase
from kpixl.core.scoring import kpi_score, milestone_score, rating_band
from kpixl.core.text import text_of
from kpixl.core.vocab import DIRECTIONS, KINDS, level_code_of
from kpixl.schemas.backend import Locator, validate_table
from kpixl.schemas.tables import TABLES

__all__ = ["KPIXL_BAND", "KPIXL_INCREASE", "KPIXL_LIBRARY", "KPIXL_SCORE", "KPIXL_VALIDATE"]

Grid = list[list[Any]]
_EXCEL_ERRORS = ("#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!")


@cache
def _rules() -> Rules:
    return default_rules()


def _problem(th: str, en: str) -> str:
    return f"⚠ {th} / {en}"


def _number(value: Any, label_th: str, label_en: str) -> Decimal | str:
    """A number from an Excel cell, or the message to show instead."""
    if isinstance(value, str) and value.strip().upper() in _EXCEL_ERRORS:
        return _problem(f"{label_th} เป็นค่าผิดพลาด {value}", f"{label_en} is the error {value}")
    parsed = parse_number(value)
    if parsed.value is None:
        if parsed.problem:
            return _problem(
                f"{label_th} ไม่ใช่ตัวเลข ({value})", f"{label_en} is not a number ({value})"
            )
        return _problem(f"ยังไม่ได้กรอก{label_th}", f"{label_en} is blank")
    return parsed.value


def _flat(values: Any) -> list[Any]:
    """A range (2-D or 1-D list, or one value) as a flat list, blanks kept."""
    if not isinstance(values, list | tuple):
        return [values]
    out: list[Any] = []
    for item in values:
        out.extend(item if isinstance(item, list | tuple) else [item])
    return out


def _plain(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def _code(vocab: Any, value: Any, default: str) -> str:
    text = text_of(value)
    return (vocab.code(text) or text) if text else default


@xw.func
def KPIXL_SCORE(
    actual: Any, levels: Any, direction: Any = None, method: Any = None, kind: Any = None
) -> float | int | str:
    """คะแนนตัวชี้วัด 0–5 / KPI score 0–5.

    ``levels``: the five level cells (a row or a column). ``direction``: higher/lower
    (or the Thai label); ``method``: linear/level (default: the rule set's);
    ``kind``: quantitative/milestone (milestone: ``actual`` is the level reached).
    """
    try:
        kind_code = _code(KINDS, kind, "quantitative")
        if kind_code == "milestone":
            reached = _number(actual, "ระดับที่ทำได้", "the level reached")
            return reached if isinstance(reached, str) else _plain(milestone_score(reached))
        x = _number(actual, "ผลการดำเนินงาน", "the actual result")
        if isinstance(x, str):
            return x
        thresholds = []
        for i, cell in enumerate(_flat(levels), 1):
            value = _number(cell, f"ค่าเป้าหมายระดับ {i}", f"level {i}")
            if isinstance(value, str):
                return value
            thresholds.append(value)
        score = kpi_score(
            x,
            thresholds,
            direction=_code(DIRECTIONS, direction, "higher"),
            method=str(method).strip() if method else _rules().scoring_method,
        )
        return _plain(score)
    except KpixlError as exc:
        return _problem(exc.message_th, exc.message_en)


@xw.func
def KPIXL_BAND(total: Any) -> str:
    """ระดับผลการประเมินของคะแนนรวม / the rating band of a total score."""
    value = _number(total, "คะแนนรวม", "the total")
    if isinstance(value, str):
        return value
    try:
        return rating_band(value, rules=_rules())
    except KpixlError as exc:
        return _problem(exc.message_th, exc.message_en)


@xw.func
def KPIXL_INCREASE(salary: Any, level_code: Any, pct: Any, what: Any = None) -> float | int | str:
    """เงินที่ได้เลื่อน / the increase for a salary, level and % of the base.

    ``what`` (optional): increase (default), base, new_salary, special_compensation.
    """
    amount = _number(salary, "เงินเดือน", "the salary")
    percent = _number(pct, "ร้อยละการเลื่อน", "the %")
    for value in (amount, percent):
        if isinstance(value, str):
            return value
    field = str(what).strip() if what else "increase"
    if field not in ("increase", "base", "new_salary", "special_compensation", "unrounded"):
        return _problem(f"ไม่รู้จัก {field}", f"unknown field {field}")
    rules = _rules()
    try:  # a Thai title works as its code: ชำนาญการ → K2
        code = level_code_of(str(level_code or ""), rules.salary_table.levels)
        result = salary_increase(amount, code, percent, rules=rules)
    except KpixlError as exc:
        return _problem(exc.message_th, exc.message_en)
    except ValueError as exc:  # a Thai title several levels bear
        return f"⚠ {exc}"
    return _plain(getattr(result, field))


_VALIDATE_HEADER = ["ระดับ / severity", "แถว / row", "ช่อง / field", "ข้อความ", "message"]


def _header_map(header: Sequence[Any], table: str) -> dict[int, str]:
    """Column index → field, by field name or Thai header (as in the kpixl workbooks)."""
    from kpixl.workbooks import personal_layout as L
    from kpixl.workbooks import unit_layout as U

    thai = {text: field for field, (_, text) in L.KPI_COLUMNS.items()}
    thai |= {text: field for field, (_, text) in L.COMP_COLUMNS.items()}
    thai |= {field: field for field in U.KPI_COLUMNS} | {field: field for field in U.COMP_COLUMNS}
    fields = set(TABLES[table].names)
    out = {}
    for i, cell in enumerate(header):
        text = " ".join(str(cell or "").split())
        field = text if text in fields else thai.get(text)
        if field in fields:
            out[i] = field
    return out


@xw.func
@xw.arg("table", ndim=2)
def KPIXL_VALIDATE(table: Grid, kind: Any = None) -> Grid:
    """ตรวจตาราง (แถวแรกเป็นหัวตาราง) แล้วแสดงข้อค้นพบทีละแถว / findings of a table, as rows.

    ``kind``: agreement (KPI rows, the default), competencies or results. Headers are
    kpixl field names or the Thai headers of the kpixl workbooks.
    """
    name = str(kind).strip() if kind else "agreement"
    if name not in ("agreement", "competencies", "results"):
        return [[_problem(f"ไม่รู้จักตาราง {name}", f"unknown table kind {name}")]]
    if not table or len(table) < 2:
        return [[_problem("ต้องมีหัวตารางและข้อมูลอย่างน้อยหนึ่งแถว", "give a header row and data")]]
    columns = _header_map(table[0], name)
    if not columns:
        return [[_problem("ไม่พบหัวตารางที่รู้จัก", "no known column headers in the first row")]]
    rows = []
    for r, values in enumerate(table[1:], start=2):
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        record = {field: values[i] if i < len(values) else None for i, field in columns.items()}
        record["_row"] = r
        rows.append(record)
    frame = pd.DataFrame(rows)
    for field in TABLES[name].names:
        if field not in frame:
            frame[field] = None
    letters = {field: _letter(i) for i, field in columns.items()}
    result = validate_table(frame, name, rules=_rules(), locator=Locator("", "", letters))
    if not result.findings:
        return [["✓ ไม่พบปัญหา / no findings"]]
    out: Grid = [_VALIDATE_HEADER]
    for f in result.findings:
        row = int("".join(ch for ch in f.cell.split(":")[0] if ch.isdigit()) or 0)
        out.append([f.severity, row or "", f.field, f.message_th, f.message_en])
    return out


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index + 1))


_LIBRARY_HEADER = [
    "รหัส",
    "สายงาน",
    "งาน",
    "ตัวชี้วัด",
    "ประเภท",
    "ทิศทาง",
    "หน่วยนับ",
    "ระดับ 1",
    "ระดับ 2",
    "ระดับ 3",
    "ระดับ 4",
    "ระดับ 5",
]


@xw.func
def KPIXL_LIBRARY(job_line: Any = None, task: Any = None) -> Grid:
    """ตัวชี้วัดจากคลังกลาง / rows of the central KPI library (by job line and task)."""
    library = load_library()
    line = str(job_line or "").strip()
    wanted = str(task or "").strip()
    if line:
        library = library[library["job_line"] == line]
    if wanted:
        library = library[library["task"] == wanted]
    if library.empty:
        return [[_problem(f"ไม่พบตัวชี้วัดของ {line} {wanted}".strip(), "no such KPIs")]]
    out: Grid = [_LIBRARY_HEADER]
    for item in library.to_dict("records"):
        steps = item["milestones"]
        levels = (
            list(steps)
            if isinstance(steps, tuple)
            else [_plain(Decimal(str(item[f"l{i}"]))) for i in range(1, 6)]
        )
        out.append(
            [
                item["id"],
                item["job_line"],
                item["task"],
                item["name"],
                KINDS.label(item["kind"]),
                DIRECTIONS.label(item["direction"]) if isinstance(item["direction"], str) else "",
                item["unit"],
                *levels,
            ]
        )
    return out
