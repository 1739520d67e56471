"""The master's result sheets and the round's exports, from a consolidation.

The last stage of consolidation: the Summary rows (:func:`summary_frame`); the rows of
Results, Summary, Pools, Issues, History (each person's last rounds:
:mod:`kpixl.workbooks.history`) and the documents (Announcement, PctAnnouncement,
SalaryOrder: :mod:`kpixl.workbooks.master_documents`), with kpixl's own formulas
(:func:`output_sheets`), written into the master's package (:func:`output_bytes`); the
CSV export (:func:`write_export`).
Cell addresses and columns come from :mod:`kpixl.workbooks.master_layout`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from kpixl.core.findings import Finding
from kpixl.core.rules import Rules
from kpixl.core.text import text_of
from kpixl.io.atomic import write_bytes_atomic
from kpixl.io.cell_text import csv_text
from kpixl.io.grids import open_book
from kpixl.io.limits import MASTER
from kpixl.io.sheet_xml import ColumnRows, Formula
from kpixl.io.speed import type_set
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.history import history_rows, with_history_sheet
from kpixl.workbooks.master import histogram_formulas, master_from_grids, result_bytes
from kpixl.workbooks.master_calibration import calibration_sheet
from kpixl.workbooks.master_documents import (
    announcement,
    document_fields,
    pct_announcement,
    salary_order,
)

__all__ = [
    "ResultTables",
    "histogram_counts",
    "issues_rows",
    "output_bytes",
    "output_sheets",
    "summary_frame",
    "write_export",
]


class ResultTables(Protocol):
    """What the result sheets are made of (a :class:`kpixl.jobs.results.Consolidation`)."""

    results: pd.DataFrame
    pools: pd.DataFrame
    summary: pd.DataFrame
    findings: list[Finding]
    rules: Rules | None


def summary_frame(results: pd.DataFrame, units: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """The Summary sheet's table: per unit (of the results and the master's Units sheet),
    its name, headcount, people per band and the money used."""
    names = {text_of(code): name for code, name in _unit_names(units)}
    codes = sorted(set(results["unit"]) | set(names))
    counts = results.groupby(["unit", "band"], sort=False).size().to_dict()
    heads = results.groupby("unit", sort=False).size().to_dict()
    used: dict[Any, Decimal] = {}
    for unit, cost in zip(results["unit"].tolist(), results["cost"].tolist(), strict=True):
        used[unit] = used.get(unit, Decimal(0)) + cost
    rows = []
    for unit in codes:
        row: dict[str, Any] = {
            "unit": unit,
            "unit_name": names.get(unit) or "",
            "headcount": heads.get(unit, 0),
        }
        for band in rules.bands:
            row[band.name] = int(counts.get((unit, band.name), 0))
        row["used"] = used.get(unit, Decimal(0))
        rows.append(row)
    return pd.DataFrame(rows)


def _unit_names(units: pd.DataFrame) -> list[tuple[Any, Any]]:
    if "unit_code" not in units:
        return []
    names = units["unit_name"].tolist() if "unit_name" in units else [None] * len(units)
    return list(zip(units["unit_code"].tolist(), names, strict=True))


def issues_rows(findings: Sequence[Finding]) -> list[list[object]]:
    """The Issues sheet's rows, one per finding (as the master's Issues headers)."""
    return [
        [
            f.severity,
            f.rule,
            f.person_id,
            f.file,
            f.sheet,
            f.cell,
            f.field,
            f.value,
            f.message_th,
            f.message_en,
        ]
        for f in findings
    ]


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, bool):
        return "ใช่" if value else "ไม่ใช่"
    return value


def _rows(frame: pd.DataFrame, columns: Sequence[str]) -> ColumnRows:
    """``frame``'s rows as plain cell values, kept column by column (50,000 rows)."""
    cols: list[list[object]] = []
    for name in columns:
        values = frame[name].tolist()
        kinds = type_set(values)
        if kinds & {bool, float} or not kinds <= {str, Decimal, int, type(None)}:
            values = [_plain(v) for v in values]
        cols.append(values)
    return ColumnRows(cols)


def _letter(i: int) -> str:
    """The column letter of a 0-based column index (A … Z, AA …)."""
    letters = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        letters = chr(ord("A") + r) + letters
    return letters


def output_bytes(
    master: bytes,
    c: ResultTables,
    *,
    jobs: int | None = None,
    config: Mapping[str, Any] | None = None,
    roster: pd.DataFrame | None = None,
) -> bytes:
    """The master's bytes with the result sheets of ``c`` written in; the documents
    take their organisation, numbers, dates and signer from ``config`` (by default the
    master's own Config sheet), the Calibration sheet its evaluators from ``roster``
    (by default the master's own Roster sheet, read again)."""
    if config is None:
        config = _config_of(master)
    sheets = output_sheets(c, config=config)
    if M.HISTORY in sheets:
        master = with_history_sheet(master)  # a master from an older template lacks it
    data = result_bytes(master, sheets, jobs=jobs)
    return calibration_sheet(data, c, config, roster)  # the whole sheet, with its charts


def _config_of(master: bytes) -> dict[str, Any]:
    """The Config values of a master's bytes (an unreadable Config: none)."""
    book = open_book(Path("master.xlsx"), master, limits=MASTER)
    if M.CONFIG not in book.sheet_names:
        return {}
    return master_from_grids({M.CONFIG: book.grid(M.CONFIG)}, "master.xlsx").config


def output_sheets(
    c: ResultTables, *, config: Mapping[str, Any] | None = None
) -> dict[str, tuple[Sequence[Sequence[object]], int]]:
    """Sheet → (rows, first row) of every result sheet; kpixl's formulas as :class:`Formula`
    (any other text, names and units included, is written as text). The document
    sheets are :class:`~kpixl.workbooks.master.Document` rows, filled from ``config``
    (the master's Config values by key; blank ones print as dotted lines)."""
    rules = c.rules
    assert rules is not None
    letter = {name: _letter(i) for i, name in enumerate(M.RESULT_COLUMNS)}
    # the header row is written with the rows: a master made from an older template
    # (another column order) gets the headers of the columns it is given
    results_rows = ColumnRows(
        [
            [header, *column]
            for header, column in zip(
                M.RESULT_HEADERS, _rows(c.results, M.RESULT_COLUMNS).columns, strict=True
            )
        ]
    )
    band_names = [b.name for b in rules.bands]
    res = f"{M.RESULTS}!"
    unit_col, band_col, cost_col, group_col = (
        f"{res}${letter[k]}:${letter[k]}" for k in ("unit", "band", "cost", "pool_group")
    )
    summary_rows: list[list[object]] = [
        ["รหัสหน่วยงาน", "หน่วยงาน", "จำนวนคน", *band_names, "ใช้วงเงิน (บาท)"]
    ]
    first = M.HEADER_ROW + 1
    band_cols = [_letter(3 + j) for j in range(len(band_names))]  # from D
    # each formula carries the value it gives: the Summary frame's counts and sums
    counted = ["headcount", *band_names, "used"]
    columns = {k: c.summary[k].tolist() if len(c.summary) else [] for k in counted}
    for i, (unit, name) in enumerate(
        zip(c.summary["unit"].tolist(), c.summary["unit_name"].tolist(), strict=True)
        if len(c.summary)
        else []
    ):
        r = first + i
        heads = Formula(f"=COUNTIF({unit_col},$A{r})", columns["headcount"][i])
        cells: list[object] = [unit, name, heads]
        for col, band in zip(band_cols, band_names, strict=True):
            formula = f"=COUNTIFS({unit_col},$A{r},{band_col},{col}${M.HEADER_ROW})"
            cells.append(Formula(formula, columns[band][i]))
        cells.append(Formula(f"=SUMIFS({cost_col},{unit_col},$A{r})", columns["used"][i]))
        summary_rows.append(cells)
    last = first + len(c.summary) - 1
    total_row: list[object] = ["รวม", ""]
    sum_cols = ["C", *band_cols, _letter(3 + len(band_names))]  # heads, each band, money used
    for col, key in zip(sum_cols, counted, strict=True):
        total_of = sum(columns[key], Decimal(0) if key == "used" else 0)
        total_row.append(Formula(f"=SUM({col}{first}:{col}{last})", total_of))
    summary_rows.append(total_row)
    by_group, by_unit = _cost_sums(c.results)
    pool_rows = []
    for i, p in enumerate(c.pools.to_dict("records")):
        r = M.FIRST_ROW + i
        criteria = f"{group_col},$A{r}" + (f",{unit_col},$B{r}" if p["unit"] else "")
        used = (
            by_unit.get((p["pool_group"], p["unit"]), Decimal(0))
            if p["unit"]
            else by_group.get(p["pool_group"], Decimal(0))
        )
        left = _number(p["pool"]) - used
        pool_rows.append(
            [
                p["pool_group"],
                p["unit"],
                p["headcount"],
                p["pool"],
                Formula(f"=SUMIFS({cost_col},{criteria})", used),
                Formula(f"=D{r}-E{r}", left),
                p.get("central"),
                p["used"],
            ]
        )
    fields = document_fields(config or {})
    histogram: list[list[object]] = [
        [f"{low}–{low + 10}", formula]
        for low, formula in zip(
            M.CHART_BINS, histogram_formulas(histogram_counts(c.results)), strict=True
        )
    ]
    return {
        M.RESULTS: (results_rows, M.HEADER_ROW),
        M.SUMMARY: (summary_rows, M.HEADER_ROW),
        M.POOLS: (pool_rows, M.FIRST_ROW),
        M.ISSUES: (issues_rows(c.findings), M.FIRST_ROW),
        M.CHARTS: (histogram, M.FIRST_ROW),
        M.ANNOUNCEMENT: (announcement(c.results, c.summary, rules, fields), M.DOC_FIRST_ROW),
        M.PCT_ANNOUNCEMENT: (pct_announcement(c.results, rules, fields), M.DOC_FIRST_ROW),
        M.SALARY_ORDER: (salary_order(c.results, c.summary, rules, fields), M.DOC_FIRST_ROW),
        **_history_sheet(c, config or {}),
    }


def _history_sheet(
    c: ResultTables, config: Mapping[str, Any]
) -> dict[str, tuple[Sequence[Sequence[object]], int]]:
    """The History sheet's rows, from its note row (row 2): this round's people with
    their earlier rounds from the archive (``c.past``, when the consolidation read one)."""
    past = getattr(c, "past", None)
    return {M.HISTORY: (history_rows(c.results, past, config, c.findings), M.HEADER_ROW - 1)}


def _number(value: Any) -> Decimal:
    """A cell's number as a formula reads it (an empty cell: 0)."""
    if value is None or (isinstance(value, float) and value != value):
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _cost_sums(
    results: pd.DataFrame,
) -> tuple[dict[Any, Decimal], dict[tuple[Any, Any], Decimal]]:
    """The cost per pool group, and per pool group and unit (what the Pools sheet's
    SUMIFS give)."""
    by_unit: dict[tuple[Any, Any], Decimal] = {}
    if len(results):
        sums = results.groupby(["pool_group", "unit"], sort=False)["cost"].sum()
        by_unit = dict(sums.to_dict())  # type: ignore[arg-type]
    by_group: dict[Any, Decimal] = {}
    for (group, _), cost in by_unit.items():
        by_group[group] = by_group.get(group, Decimal(0)) + cost
    return by_group, by_unit


def histogram_counts(results: pd.DataFrame) -> list[int]:
    """People per histogram bin of totals (``M.CHART_BINS``: [low, low + 10), the last
    bin [90, 100]), as the Charts sheet's COUNTIFS count them (blank totals: none)."""
    column = results["total"] if len(results) else pd.Series([], dtype=float)
    try:
        totals = column.to_numpy(dtype=float)  # Decimals and numbers: fast
    except (TypeError, ValueError):  # a blank or a text among them
        totals = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    edges = np.array(M.CHART_BINS, dtype=float)
    inside = (totals >= 0) & (totals <= 100)  # NaN: neither
    bins = np.searchsorted(edges, totals[inside], side="right") - 1  # the last edge ≤ total
    return [int(n) for n in np.bincount(bins, minlength=len(edges))]


def write_export(path: Path, results: pd.DataFrame) -> None:
    """The results as CSV (UTF-8 with BOM, the export columns), written atomically; text
    that a spreadsheet would take for a formula is kept as text."""
    lines: list[Sequence[object]] = [M.EXPORT_COLUMNS]
    columns = [[_csv(v) for v in results[k].tolist()] for k in M.EXPORT_COLUMNS]
    lines += [list(row) for row in zip(*columns, strict=True)]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(lines)
    write_bytes_atomic(path, buffer.getvalue().encode("utf-8-sig"))


def _csv(value: Any) -> object:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return csv_text(value)  # never a formula in a spreadsheet; numbers stay numbers
    return value
