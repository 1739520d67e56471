"""``kpixl cascade report``: check the master's strategy against the units' KPIs."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kpixl.core.cascade import Alignment, alignment, check_cascade, tree
from kpixl.core.errors import FileWriteError
from kpixl.core.findings import Finding, has_errors
from kpixl.core.text import text_of
from kpixl.io.atomic import write_bytes_atomic, write_finding
from kpixl.io.lock import hold_lock
from kpixl.jobs.consolidate import round_rules, unit_files
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.generate import holder_columns
from kpixl.workbooks.master import MasterInputs, read_master, result_bytes
from kpixl.workbooks.personal_layout import KPI_ROWS
from kpixl.workbooks.unit import read_unit

__all__ = [
    "CascadeReport",
    "alignment_rows",
    "cascade_from_inputs",
    "cascade_report",
    "write_alignment",
]


@dataclass
class CascadeReport:
    findings: list[Finding]
    alignment: Alignment | None = None
    tree: str = ""
    people: pd.DataFrame = field(default_factory=pd.DataFrame)
    write_failed: bool = False  # the master could not be written (a write.* finding)

    @property
    def exit_code(self) -> int:
        if self.write_failed:
            return 2
        return 1 if has_errors(self.findings) else 0


def write_alignment(master: Path, report: Alignment) -> None:
    """The alignment report into the master's Alignment sheet (atomically, the previous
    master kept in .kpixl-backups/); raises :class:`~kpixl.core.errors.FileWriteError`."""
    data = result_bytes(master.read_bytes(), {M.ALIGNMENT: (alignment_rows(report), M.FIRST_ROW)})
    write_bytes_atomic(master, data, backup=True)


def alignment_rows(report: Alignment) -> list[list[object]]:
    """The Alignment sheet's rows: each unit, then its people."""
    rows: list[list[object]] = []
    for u in report.units.to_dict("records"):
        rows.append([u["unit"], "รวมหน่วยงาน", u["weight"], u["aligned_weight"], u["share"]])
        mine = report.people[report.people["unit"] == u["unit"]]
        for p in mine.to_dict("records"):
            rows.append([p["unit"], p["person_id"], p["weight"], p["aligned_weight"], p["share"]])
    return rows


def cascade_report(
    master: str | Path, *, units_dir: str | Path | None = None, write: bool = False
) -> CascadeReport:
    """Findings, the alignment report and the tree of a round's cascade.

    With ``write`` it holds the master's lock while it runs (another run on the master:
    :class:`~kpixl.core.errors.LockedError`); a master that cannot be written is a
    ``write.*`` finding and exit code 2.
    """
    master = Path(master)
    with hold_lock(master, command="kpixl cascade report --write") if write else nullcontext():
        report = cascade_from_inputs(read_master(master), units_dir=units_dir)
        if write and report.alignment is not None:
            try:
                write_alignment(master, report.alignment)
            except FileWriteError as exc:
                report.findings.append(write_finding(exc))
                report.write_failed = True
    return report


def cascade_from_inputs(
    inputs: MasterInputs, *, units_dir: str | Path | None = None
) -> CascadeReport:
    """The cascade report of a master's inputs (from its file or from the open workbook)."""
    master = inputs.path
    findings = list(inputs.findings)
    if findings:
        return CascadeReport(findings)
    rules = round_rules(inputs, master, findings)
    if rules is None:
        return CascadeReport(findings)
    folder = (
        Path(units_dir)
        if units_dir
        else master.parent / (text_of(inputs.config.get("units_folder")) or "units")
    )
    rows = []
    for path in unit_files(folder) if folder.is_dir() else []:
        form = read_unit(path)
        findings += form.findings
        unit = text_of(form.meta.get("unit_code"))
        for r in form.kpis.to_dict("records"):
            rows.append(
                {
                    "person_id": text_of(r.get("person_id")),
                    "unit": unit,
                    "kpi_code": r.get("kpi_code"),
                    "kpi_name": r.get("kpi_name"),
                    "parent_code": text_of(r.get("parent_code")),
                    "weight": r.get("weight"),
                }
            )
    people = pd.DataFrame(
        rows, columns=["person_id", "unit", "kpi_code", "kpi_name", "parent_code", "weight"]
    )
    org = inputs.strategy[M.ORG_KPIS]
    units = inputs.strategy[M.UNIT_KPIS]
    cards = inputs.strategy[M.KPI_CARDS]
    findings += check_cascade(
        org,
        units,
        cards,
        people,
        os_matrix=inputs.strategy[M.OS_MATRIX],
        holders=inputs.strategy.get(M.KPI_HOLDERS),
        max_kpis=rules.kpi_max_count,
        holder_rows=KPI_ROWS,
        holder_columns=holder_columns(),
    )
    report = alignment(org, units, people)
    return CascadeReport(findings, report, tree(org, units, people), people)
