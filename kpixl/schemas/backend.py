"""How the schemas run: normalise raw cells, validate lazily, map failures to cells.

A raw table is a DataFrame of cell values as a reader found them, one column per
canonical field, plus optional ``_file``, ``_sheet`` and ``_row`` columns (the source
of each row; ``_row`` is the Excel row number). ``columns`` maps a field to its Excel
column letter, so every finding can name its cell.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from kpixl.core.addresses import address_problems, shown
from kpixl.core.codes import finding
from kpixl.core.findings import ERROR, Finding, TableResult
from kpixl.core.numbers import (
    CellNumber,
    PercentStyle,
    dec,
    decimals,
    exact_floats,
    parse_number,
    parse_percent,
)
from kpixl.core.rules import Rules, default_rules
from kpixl.core.text import needs_text_of, text_of, texts_need_text_of
from kpixl.core.vocab import level_problem, match_level
from kpixl.schemas import models
from kpixl.schemas.tables import LEVEL_COLUMNS, TABLES, Column, TableSpec

__all__ = [
    "Locator",
    "Validated",
    "cells_of",
    "normalize_table",
    "once_per_cell",
    "validate_table",
]

_TRUE = {"true", "yes", "y", "1", "ใช่", "x", "✓", "✔", "ทดลอง", "ทดลองปฏิบัติราชการ"}
_FALSE = {"false", "no", "n", "0", "ไม่ใช่", "-", ""}

_SCHEMAS = {
    "agreement": models.agreement_schema,
    "results": models.results_schema,
    "competencies": models.competency_schema,
    "components": models.components_schema,
    "roster": models.roster_schema,
}


@dataclass(frozen=True)
class Locator:
    """Where a table's rows live: file, sheet, field → column letter, header row."""

    file: str = ""
    sheet: str = ""
    columns: Mapping[str, str] = field(default_factory=dict)
    header_row: int = 1

    def where(self, frame: pd.DataFrame, index: Any, *fields: str) -> dict[str, str]:
        """``file``, ``sheet`` and ``cell`` (a range when several fields) of a row."""
        row = frame.loc[index]
        file = str(row["_file"]) if "_file" in frame.columns else self.file
        sheet = str(row["_sheet"]) if "_sheet" in frame.columns else self.sheet
        if "_row" in frame.columns:
            excel_row = int(row["_row"])
        else:
            position = frame.index.get_loc(index)
            if not isinstance(position, int):
                raise ValueError("a table's index must be unique to locate its cells")
            excel_row = self.header_row + 1 + position
        letters = [self.columns[f] for f in fields if f in self.columns]
        cell = ""
        if letters:
            cell = f"{letters[0]}{excel_row}"
            if len(letters) > 1 and letters[-1] != letters[0]:
                cell += f":{letters[-1]}{excel_row}"
        return {"file": file, "sheet": sheet, "cell": cell}

    def span(self, frame: pd.DataFrame, indices: list[Any], fld: str) -> dict[str, str]:
        """Location of one field over several rows (``J5:J9``)."""
        first = self.where(frame, indices[0], fld)
        last = self.where(frame, indices[-1], fld)
        if first["cell"] and last["cell"] and last["cell"] != first["cell"]:
            first["cell"] = f"{first['cell']}:{last['cell']}"
        return first


# A normalised table (Decimals, codes, ``None`` for blanks) and its findings.
Validated = TableResult


# ----------------------------------------------------------------------- normalising


def _text(value: object) -> str | None:
    return text_of(value) or None


def _flag(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, Decimal)):
        return bool(value)
    text = (_text(value) or "").casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def _read_number(col: Column, value: object) -> CellNumber:
    if col.kind == "percent":
        return parse_percent(value, col.percent_style)
    return parse_number(value)


_FORM_HINT = (
    " สูตรในแบบฟอร์มคำนวณจากข้อความไม่ได้ ให้พิมพ์ใหม่เป็นตัวเลข",
    "; the form's own formulas cannot compute with text: retype it as a number",
)


def _note(
    col: Column, value: object, cell: CellNumber, where: dict[str, str], *, text_notes: bool
) -> Finding | None:
    """The one note a number cell gets for how it was read (None when read plainly)."""
    code = f"cell.{cell.note}" if cell.note else None
    if code is None and text_notes and cell.as_text:
        code = "cell.number_as_text"
    if code is None:
        return None
    note = finding(code, field=col.name, value=value, label=col.label, number=cell.value, **where)
    if text_notes and cell.as_text and code != "cell.number_as_text":
        note = replace(
            note,
            message_th=note.message_th + _FORM_HINT[0],
            message_en=note.message_en + _FORM_HINT[1],
        )
    return note


def _normalize_cell(
    col: Column,
    value: object,
    where: Callable[[], dict[str, str]],
    out: list[Finding],
    *,
    text_notes: bool = False,
) -> object:
    """The cell's value as its column reads it; ``where()`` locates it for a finding.

    ``text_notes``: a number typed as text is noted even when read plainly (a form whose
    own formulas compute with the cell: they cannot use text).
    """
    label = col.label
    if col.kind in ("number", "percent", "whole"):
        cell = _read_number(col, value)
        if cell.problem:
            code = "cell.excel_error" if cell.problem == "excel_error" else "cell.not_a_number"
            out.append(finding(code, field=col.name, value=value, label=label, **where()))
            return None
        if cell.value is None:
            if col.required:
                out.append(finding("cell.blank", field=col.name, value="", label=label, **where()))
            return None
        if col.kind == "whole" and cell.value != cell.value.to_integral_value():
            out.append(
                finding("cell.not_whole", field=col.name, value=value, label=label, **where())
            )
            return None
        note = _note(col, value, cell, where(), text_notes=text_notes)
        if note is not None:
            out.append(note)
        return cell.value
    if col.kind == "flag":
        flag = _flag(value)
        if flag is None:
            out.append(
                finding(
                    "cell.unknown_choice",
                    field=col.name,
                    value=value,
                    label=label,
                    choices="ใช่, ไม่ใช่",
                    **where(),
                )
            )
        return bool(flag)
    text = _text(value)
    if text is None:
        if col.required:
            out.append(finding("cell.blank", field=col.name, value="", label=label, **where()))
        return None
    if col.kind == "choice" and col.vocab is not None:
        choice = col.vocab.code(text)
        if choice is None:
            out.append(
                finding(
                    "cell.unknown_choice",
                    field=col.name,
                    value=text,
                    label=label,
                    choices=", ".join(col.vocab.choices),
                    **where(),
                )
            )
        return choice
    return text


def _fractions_to_points(frame: pd.DataFrame, locator: Locator, out: list[Finding]) -> None:
    """A person whose KPI weights are all ≤ 1 and sum to 1 typed percent-formatted cells."""
    weights = frame["weight"].tolist()
    cached = exact_floats(weights)  # Decimals read from float cells: floats by lookup
    floats = pd.Series(
        cached
        if cached is not None
        else [float(w) if isinstance(w, Decimal) else float("nan") for w in weights],
        index=frame.index,
        dtype=np.float64,
    )
    largest = floats.groupby(frame["person_id"], sort=False).transform("max")
    candidates = frame[(largest <= 1) & (floats > 0)]  # only these can be fractions
    if candidates.empty:
        return
    for person, idx in candidates.groupby("person_id", sort=False).groups.items():
        idx = frame.index[frame["person_id"] == person]
        weights = frame.loc[idx, "weight"]
        if weights.map(lambda w: isinstance(w, Decimal) and 0 < w <= 1).all() and sum(
            weights, Decimal(0)
        ) == Decimal(1):
            frame.loc[idx, "weight"] = [w * 100 for w in weights]
            where = locator.span(frame, list(idx), "weight")
            out.append(
                finding("kpi.weights_as_fraction", field="weight", person_id=person, **where)
            )


def _plain_text(value: str) -> bool:
    """Text that normalisation would return unchanged."""
    return bool(value) and not needs_text_of(value)


_NONE = type(None)
_PRESENT = partial(operator.is_not, None)  # v is not None, as a C-level predicate


def _finite_sum(values: list[object]) -> bool:
    """True when the numbers sum to a finite float: none is NaN (summed in C)."""
    try:
        return math.isfinite(sum(filter(_PRESENT, values)))  # type: ignore[arg-type]
    except (OverflowError, TypeError):
        return False


def _whole_column(col: Column, values: list[object]) -> list[object] | None:
    """The column read at once when every cell is plain (the usual case), else None.

    Exactly what the cell-by-cell reading gives for such cells: plain numbers in number
    columns, clean text, known choices, and blanks where a blank is allowed.
    """
    kinds = set(map(type, values))
    if _NONE in kinds and col.required:
        return None
    numeric = col.kind in ("number", "percent", "whole")
    plain_number = numeric and (col.kind == "number" or col.percent_style is PercentStyle.POINTS)
    if plain_number and kinds <= {int, float, _NONE}:
        if float in kinds and not _finite_sum(values):
            return None  # a NaN (or an infinity, a huge int): cell by cell decides
        return list(decimals(values))
    if col.kind in ("text", "choice") and kinds <= {str, _NONE}:
        present = set(values)
        present.discard(None)
        if "" in present or texts_need_text_of(present):  # type: ignore[arg-type]
            return None
        if col.kind == "text":
            return list(values)
        if col.vocab is None:
            return None
        codes = {v: col.vocab.code(v) for v in present}
        if None in codes.values():
            return None
        return [None if v is None else codes[v] for v in values]
    if col.kind == "flag":  # yes/no cells: each distinct value read once
        flags = {key: _flag(key[1]) for key in {(type(v), v) for v in values}}
        if None in flags.values():
            return None  # an unknown choice: cell by cell, with its finding
        return [bool(flags[(type(v), v)]) for v in values]
    return None


def _normalize_column(
    raw: pd.DataFrame, col: Column, locator: Locator, out: list[Finding], *, text_notes: bool
) -> list[object]:
    """One column: all at once when every cell is plain, else cell by cell (with findings)."""
    column = raw[col.name].tolist()
    whole = _whole_column(col, column)
    if whole is not None:
        return whole
    values: list[object] = []
    numeric = col.kind in ("number", "percent", "whole")
    plain_number = numeric and (col.kind == "number" or col.percent_style is PercentStyle.POINTS)
    for position, value in enumerate(column):
        kind = type(value)
        if plain_number and kind in (int, float) and value == value:
            values.append(dec(value))  # a number Excel stored as a number
            continue
        if col.kind == "text" and kind is str and _plain_text(value):
            values.append(value)
            continue
        if col.kind == "choice" and col.vocab is not None and kind is str and _plain_text(value):
            code = col.vocab.code(value)
            if code is not None:
                values.append(code)
                continue

        def where(index: Any = raw.index[position], name: str = col.name) -> dict[str, str]:
            context = locator.where(raw, index, name)
            if "person_id" in raw.columns:
                context["person_id"] = _text(raw.at[index, "person_id"]) or ""
            return context

        values.append(_normalize_cell(col, value, where, out, text_notes=text_notes))
    return values


def normalize_table(
    raw: pd.DataFrame,
    spec: TableSpec | str,
    *,
    locator: Locator | None = None,
    text_notes: bool = False,
) -> Validated:
    """Read every cell of ``raw`` by its column's kind; problems become findings.

    ``text_notes``: note every number typed as text (see :func:`_normalize_cell`).
    """
    spec = TABLES[spec] if isinstance(spec, str) else spec
    locator = locator or Locator()
    out: list[Finding] = []
    raw = raw.reset_index(drop=True)
    data: dict[str, list[object]] = {}
    for col in spec.columns:
        if col.name not in raw.columns:
            if col.required:
                out.append(finding("table.missing_column", field=col.name, **_table_where(locator)))
            data[col.name] = [None] * len(raw)
            continue
        data[col.name] = _normalize_column(raw, col, locator, out, text_notes=text_notes)
    frame = pd.DataFrame(data, index=raw.index, dtype=object)
    for extra in raw.columns:
        if extra not in data:
            frame[extra] = raw[extra]
    if spec.name == "agreement" and len(frame):
        _fractions_to_points(frame, locator, out)
    return Validated(frame, out)


def _table_where(locator: Locator) -> dict[str, str]:
    return {"file": locator.file, "sheet": locator.sheet, "cell": ""}


# ----------------------------------------------------------------------- validating

# code → (field the finding points at, whether it is one finding per person)
_REPORT: dict[str, tuple[str, bool]] = {
    "kpi.weight_not_positive": ("weight", False),
    "kpi.direction_missing": ("direction", False),
    "kpi.levels_missing": ("l1", False),
    "kpi.levels_not_monotone": ("l1", False),
    "kpi.weights_sum": ("weight", True),
    "kpi.too_many": ("kpi_code", True),
    "kpi.code_duplicate": ("kpi_code", False),
    "competency.rating_range": ("rating", False),
    "competency.level_range": ("rating", False),
    "competency.weight_not_positive": ("weight", False),
    "competency.weights_sum": ("weight", True),
    "competency.duplicate": ("competency", False),
    "weights.components_sum": ("w_achievement", False),
    "weights.achievement_low": ("w_achievement", False),
    "roster.national_id": ("person_id", False),
    "roster.duplicate_id": ("person_id", False),
    "roster.level_code": ("level_code", False),
    "roster.salary_range": ("salary", False),
    "roster.pool_group": ("pool_group", False),
}


def _context(code: str, row: pd.Series, group: pd.DataFrame, rules: Rules) -> dict[str, Any]:
    """Values the message template of ``code`` needs."""
    if code == "kpi.weights_sum" or code == "competency.weights_sum":
        return {"total": sum((w for w in group["weight"] if w is not None), Decimal(0))}
    if code == "kpi.too_many":
        return {"count": len(group), "max": rules.kpi_max_count}
    if code == "kpi.levels_not_monotone":
        higher = row["direction"] == "higher"
        return {
            "trend": "เพิ่มขึ้น" if higher else "ลดลง",
            "trend_en": "rising" if higher else "falling",
        }
    if code == "competency.rating_range":
        return {"low": rules.rating_min, "high": rules.rating_max}
    if code == "competency.level_range":
        return {"high": rules.rating_max}
    if code == "weights.components_sum":
        parts = [row.get(c) for c in ("w_achievement", "w_competency", "w_other")]
        return {"total": sum((p for p in parts if p is not None), Decimal(0))}
    if code == "weights.achievement_low":
        return {"min": rules.min_achievement_weight}
    if code == "roster.national_id":
        why = models.national_id_problem(row["person_id"])
        return {
            "why": "ต้องเป็นตัวเลข 13 หลัก" if why == "length" else "เลขตรวจสอบหลักสุดท้ายไม่ถูกต้อง",
            "why_en": "must be 13 digits" if why == "length" else "wrong check digit",
        }
    if code == "roster.level_code":
        return {"known": ", ".join(rules.salary_table.levels)}
    if code == "roster.pool_group":
        return {"known": ", ".join(rules.pool_groups)}
    if code == "roster.salary_range":
        level = rules.salary_table.levels[str(row["level_code"])]
        low = level.min_temp if level.min_temp is not None else level.min
        return {"level_code": row["level_code"], "low": low, "high": level.max}
    return {}


def _failures_to_findings(
    frame: pd.DataFrame, failures: pd.DataFrame, locator: Locator, rules: Rules
) -> list[Finding]:
    out: list[Finding] = []
    seen: set[tuple[str, Any, str]] = set()
    for code, cases in failures.groupby("check", sort=False):
        code = str(code)
        if code not in _REPORT:
            raise RuntimeError(f"schema check {code!r} has no report mapping")
        fld, per_person = _REPORT[code]
        indices = [i for i in pd.unique(cases["index"]) if i is not None and i in frame.index]
        if per_person:
            rows = frame.loc[indices]
            for person, group in rows.groupby("person_id", sort=False):
                idx = list(frame.index[frame["person_id"] == person])
                ctx = _context(code, group.iloc[0], frame.loc[idx], rules)
                where = locator.span(frame, idx, fld)
                out.append(finding(code, field=fld, value="", person_id=person, **where, **ctx))
            continue
        for index in indices:
            target = fld
            if code == "competency.level_range":
                failed_columns = set(cases.loc[cases["index"] == index, "column"])
                target = "expected" if "expected" in failed_columns else "rating"
            if (code, index, target) in seen:
                continue
            seen.add((code, index, target))
            row = frame.loc[index]
            fields = LEVEL_COLUMNS if target == "l1" else (target,)
            where = locator.where(frame, index, fields[0], fields[-1])
            value = row.get(target)
            ctx = _context(code, row, frame.loc[[index]], rules)
            ctx.setdefault("person_id", row.get("person_id") or "")
            out.append(finding(code, field=target, value=value, **where, **ctx))
    return out


def _roster_extras(frame: pd.DataFrame, locator: Locator, rules: Rules) -> list[Finding]:
    """Warn when a roster's pool group disagrees with the rule set's mapping."""
    out: list[Finding] = []
    if "pool_group" not in frame.columns:
        return out
    given = frame[frame["pool_group"].notna() & frame["level_code"].notna()]
    for index, row in zip(given.index, given.to_dict("records"), strict=True):
        group, level = row.get("pool_group"), row.get("level_code")
        if not group or group not in rules.pool_groups or level not in rules.salary_table.levels:
            continue
        expected = rules.pool_group_of(str(level))
        if expected != group:
            where = locator.where(frame, index, "pool_group")
            out.append(
                finding(
                    "roster.pool_group_mismatch",
                    field="pool_group",
                    value=group,
                    level_code=level,
                    expected=expected,
                    person_id=row["person_id"],
                    **where,
                )
            )
    return out


def _roster_addresses(frame: pd.DataFrame, locator: Locator) -> list[Finding]:
    """Warn of each e-mail that is not one address, and of one address two people share."""
    if "email" not in frame.columns:
        return []
    values = frame["email"].tolist()
    ids = [_text(v) or "" for v in frame["person_id"].tolist()]
    names = frame["name"].tolist() if "name" in frame.columns else [None] * len(ids)
    bad, repeated = address_problems(values, ids)
    out: list[Finding] = []
    for position, why in bad:
        where = locator.where(frame, frame.index[position], "email")
        out.append(
            finding(
                "roster.email",
                field="email",
                value=shown(values[position]),
                why=why.th,
                why_en=why.en,
                person_id=ids[position],
                **where,
            )
        )
    for position, first in repeated:
        other = _text(names[first]) or ids[first] or "?"
        out.append(
            finding(
                "roster.duplicate_email",
                field="email",
                value=shown(values[position]),
                other=other,
                other_cell=locator.where(frame, frame.index[first], "email")["cell"],
                person_id=ids[position],
                **locator.where(frame, frame.index[position], "email"),
            )
        )
    return out


def _level_names(result: Validated, locator: Locator, rules: Rules) -> Validated:
    """A roster's Thai level names read as their codes (``ชำนาญการ`` → ``K2``, with the
    row's ``type`` column or pool group where the name alone is ambiguous); a name that
    names no one level is a finding on its cell (the code check then stays silent)."""
    frame = result.frame
    levels = rules.salary_table.levels
    values = frame["level_code"].tolist()
    if not values or all(v is None or v in levels for v in values):
        return result
    n = len(values)
    kinds = frame["type"].tolist() if "type" in frame.columns else [None] * n
    groups = frame["pool_group"].tolist() if "pool_group" in frame.columns else [None] * n
    codes, found = list(values), list(result.findings)
    for position, (value, kind, group) in enumerate(zip(values, kinds, groups, strict=True)):
        if value is None or value in levels:
            continue
        hint = rules.pool_groups.get(group, ()) if isinstance(group, str) else ()
        match = match_level(value, levels, position_type=kind, hint=hint)
        if match is None:
            continue  # not Thai: the code check reports it
        if match.code is not None:
            codes[position] = match.code
            continue
        why, why_en = level_problem(match, levels)
        index = frame.index[position]
        found.append(
            finding(
                "roster.level_name",
                field="level_code",
                value=value,
                why=why,
                why_en=why_en,
                person_id=frame.at[index, "person_id"] or "",
                **locator.where(frame, index, "level_code"),
            )
        )
    frame = frame.copy()
    frame["level_code"] = pd.Series(codes, index=frame.index, dtype=object)
    return Validated(frame, found)


def _passed(check: pa.Check, data: pd.Series | pd.DataFrame) -> bool:
    """Whether ``check`` passes on ``data``, as pandera itself runs it (public API)."""
    passed = check(data).check_passed
    return bool(passed.item() if hasattr(passed, "item") else passed) is True


def _passes(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> bool:
    """True when ``schema`` certainly passes ``frame``: its checks, each run alone through
    pandera's public ``Check.__call__``, all pass, and every column is present, nullable where
    blank, of the declared dtype. Anything else (a failure, an exception, a check of a
    kind not handled here) returns False and pandera validates in full. A thousand unit
    workbooks are clean far more often than not; this spares them pandera's machinery.
    """
    if schema.unique or schema.strict is True or schema.coerce:
        return False
    try:
        for name, column in schema.columns.items():
            if name not in frame.columns:
                return not column.required and _checks_pass(schema.checks, frame)
            series = frame[name]
            if (
                column.unique
                or column.regex
                or (column.dtype is not None and series.dtype != object)
            ):
                return False
            if not column.nullable and series.hasnans:
                return False
            for check in column.checks:
                if check.element_wise or check.groupby is not None or not check.ignore_na:
                    return False
                if not _passed(check, series):  # pandera drops the blanks (ignore_na)
                    return False
        return _checks_pass(schema.checks, frame)
    except Exception:  # pandera will say what is wrong
        return False


def _checks_pass(checks: Iterable[Any], frame: pd.DataFrame) -> bool:
    for check in checks:
        if check.element_wise or check.groupby is not None or check.ignore_na:
            return False  # kpixl's frame checks handle blanks themselves (ignore_na=False)
        if not _passed(check, frame):
            return False
    return True


def validate_table(
    raw: pd.DataFrame,
    spec: TableSpec | str,
    *,
    rules: Rules | None = None,
    locator: Locator | None = None,
    text_notes: bool = False,
) -> Validated:
    """Normalise ``raw`` and run its schema lazily: every problem, each with its cell.

    A schema failure that follows from a cell already reported (a level that is not a
    number makes the levels incomplete) is not reported again: one finding per cell.
    """
    spec = TABLES[spec] if isinstance(spec, str) else spec
    rules = rules or default_rules()
    locator = locator or Locator()
    result = normalize_table(raw, spec, locator=locator, text_notes=text_notes)
    if spec.name == "roster":
        result = _level_names(result, locator, rules)
    frame = result.frame
    findings = list(result.findings)
    schema: pa.DataFrameSchema = _SCHEMAS[spec.name](rules)
    if not _passes(schema, frame):  # pandera itself says what failed, and where
        try:
            schema.validate(frame, lazy=True)
        except SchemaErrors as errors:
            failed = _failures_to_findings(frame, errors.failure_cases, locator, rules)
            reported = {(f.file, f.sheet, f.cell) for f in result.findings if f.severity == ERROR}
            findings += [f for f in failed if not _follows_from(f, reported)]
    if spec.name == "roster":
        findings += _roster_extras(frame, locator, rules) + _roster_addresses(frame, locator)
    return Validated(frame, _sorted(findings))


_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def cells_of(ref: str) -> set[str]:
    """The cells of an A1 reference or range (``G13:K13`` → G13 … K13); empty if unknown."""
    ends = [_REF.match(part) for part in ref.split(":")] if ref else []
    if not ends or len(ends) > 2 or not all(ends):
        return set()
    first, last = ends[0], ends[-1]
    assert first is not None and last is not None
    c1, c2 = sorted((_column_number(first[1]), _column_number(last[1])))
    r1, r2 = sorted((int(first[2]), int(last[2])))
    if (c2 - c1 + 1) * (r2 - r1 + 1) > 10_000:
        return set()
    return {f"{_letters(c)}{r}" for c in range(c1, c2 + 1) for r in range(r1, r2 + 1)}


def _letters(number: int) -> str:
    out = ""
    while number:
        number, rest = divmod(number - 1, 26)
        out = chr(65 + rest) + out
    return out


def _follows_from(f: Finding, reported: set[tuple[str, str, str]]) -> bool:
    """True when ``f``'s cells include one already reported as an error."""
    return any((f.file, f.sheet, cell) in reported for cell in cells_of(f.cell))


def once_per_cell(found: Iterable[Finding], known: Iterable[Finding]) -> list[Finding]:
    """The findings of ``found`` that ``known`` does not already make: one per cell.

    A later stage (the core's evaluation) repeats what the checks found — a blank that
    was a cell not read as a number, weights that do not sum to 100 — and may not know
    the cell: a finding on a cell already reported, or without a cell where the same
    rule, person and field are already reported, is dropped. An error is dropped only
    for an error: a note on a cell (a warning, ``๗`` read as 7) does not hide an error
    on it (a milestone level of 7).
    """
    known = list(known)
    errors = {(f.file, f.sheet, c) for f in known if f.severity == ERROR for c in cells_of(f.cell)}
    cells = {(f.file, f.sheet, c) for f in known for c in cells_of(f.cell)}
    rules = {(f.file, f.rule, f.person_id, f.field) for f in known}
    out: list[Finding] = []
    for f in found:
        mine = cells_of(f.cell)
        if any((f.file, f.sheet, c) in (errors if f.severity == ERROR else cells) for c in mine):
            continue
        if not mine and (f.file, f.rule, f.person_id, f.field) in rules:
            continue
        out.append(f)
        cells |= {(f.file, f.sheet, c) for c in mine}
        if f.severity == ERROR:
            errors |= {(f.file, f.sheet, c) for c in mine}
    return out


def _sorted(findings: Iterable[Finding]) -> list[Finding]:
    def key(f: Finding) -> tuple[str, str, int, str, str]:
        letters = "".join(ch for ch in f.cell.split(":")[0] if ch.isalpha())
        digits = "".join(ch for ch in f.cell.split(":")[0] if ch.isdigit())
        return (f.file, f.sheet, int(digits or 0), letters.rjust(3), f.rule)

    return sorted(findings, key=key)
