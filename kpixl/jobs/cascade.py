"""``kpixl cascade report``: check the master's strategy against the units' KPIs;
``kpixl cascade cards``: every KPI's card (organisation, unit, individual) to print."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kpixl.core.cascade import Alignment, alignment, check_cascade, tree
from kpixl.core.codes import finding
from kpixl.core.errors import FileWriteError, InputError
from kpixl.core.findings import Finding, has_errors
from kpixl.core.kpi_cards import Card, person_cards, strategy_cards
from kpixl.core.rounds import parse_round
from kpixl.core.text import text_of
from kpixl.io.atomic import write_bytes_atomic, write_finding
from kpixl.io.lock import hold_lock
from kpixl.jobs.round import round_rules, unit_files
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.generate import holder_columns, unit_identity
from kpixl.workbooks.master import MasterInputs, read_master, result_bytes
from kpixl.workbooks.personal_layout import KPI_ROWS
from kpixl.workbooks.unit import read_unit

__all__ = [
    "PEOPLE_COLUMNS",
    "CardsResult",
    "CascadeReport",
    "alignment_rows",
    "cascade_from_inputs",
    "cascade_report",
    "default_cards_out",
    "individual_kpis",
    "kpi_cards",
    "units_folder",
    "write_alignment",
    "write_cards",
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


PEOPLE_COLUMNS = (
    "person_id",
    "unit",
    "kpi_code",
    "kpi_name",
    "parent_code",
    "weight",
    "person_name",
    "position",
    "kind",
    "direction",
    "measure",
    "l1",
    "l2",
    "l3",
    "l4",
    "l5",
    "category",
    "actual",
)


def units_folder(inputs: MasterInputs, units_dir: str | Path | None = None) -> Path:
    """The folder of the round's unit workbooks: ``units_dir``, else the master's Config."""
    if units_dir:
        return Path(units_dir)
    return inputs.path.parent / (text_of(inputs.config.get("units_folder")) or "units")


def individual_kpis(folder: Path, findings: list[Finding]) -> pd.DataFrame:
    """Everyone's KPIs from the unit workbooks in ``folder`` (after ``kpixl collect``):
    a row per KPI (:data:`PEOPLE_COLUMNS`), with the person's name and position from
    the unit's people; a workbook's problems are added to ``findings``."""
    rows = []
    for path in unit_files(folder) if folder.is_dir() else []:
        form = read_unit(path)
        findings += form.findings
        unit = text_of(form.meta.get("unit_code"))
        who = {text_of(p.get("person_id")): p for p in form.people.to_dict("records")}
        for r in form.kpis.to_dict("records"):
            pid = text_of(r.get("person_id"))
            person = who.get(pid, {})
            rows.append(
                {
                    "person_id": pid,
                    "unit": unit,
                    "kpi_code": r.get("kpi_code"),
                    "kpi_name": r.get("kpi_name"),
                    "parent_code": text_of(r.get("parent_code")),
                    "weight": r.get("weight"),
                    "person_name": person.get("name"),
                    "position": person.get("position"),
                    "measure": r.get("unit"),
                    **{k: r.get(k) for k in ("kind", "direction", "category", "actual")},
                    **{f"l{i}": r.get(f"l{i}") for i in range(1, 6)},
                }
            )
    return pd.DataFrame(rows, columns=list(PEOPLE_COLUMNS))


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
    people = individual_kpis(units_folder(inputs, units_dir), findings)
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


# ------------------------------------------------------------------ KPI cards


@dataclass
class CardsResult:
    """What ``kpixl cascade cards`` did: the workbook and PDF written, the findings."""

    master: Path
    findings: list[Finding] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)
    out: Path | None = None
    pdf: Path | None = None
    write_failed: bool = False

    @property
    def exit_code(self) -> int:
        if self.write_failed:
            return 2
        return 1 if self.out is None or has_errors(self.findings) else 0


def default_cards_out(master: Path) -> Path:
    """``<master>-kpi-cards.xlsx`` beside the master."""
    return master.with_name(f"{master.stem}-kpi-cards.xlsx")


def kpi_cards(
    inputs: MasterInputs, *, units_dir: str | Path | None = None, individual: bool = True
) -> tuple[list[Card], list[Finding]]:
    """Every KPI's card: the organisation's, each unit's (the master's strategy sheets)
    and, with ``individual``, everyone's (the unit workbooks beside the master)."""
    findings: list[Finding] = []
    try:
        round_ = parse_round(text_of(inputs.config.get("round_id")))
    except InputError:
        round_ = None  # the cards print without fiscal years; the round is checked elsewhere
    year = round_.fiscal_year if round_ else None
    unit_names = {
        text_of(u.get("unit_code")): text_of(u.get("unit_name"))
        for u in inputs.units.to_dict("records")
    }
    org, units = inputs.strategy[M.ORG_KPIS], inputs.strategy[M.UNIT_KPIS]
    cards = strategy_cards(
        org,
        units,
        inputs.strategy[M.KPI_CARDS],
        unit_names=unit_names,
        fiscal_year=year,
        os_matrix=inputs.strategy.get(M.OS_MATRIX),
    )
    if individual:
        folder = units_folder(inputs, units_dir)
        if not (folder.is_dir() and unit_files(folder)):
            findings.append(
                finding("cards.no_units", value=str(folder), file=inputs.path.name, sheet=M.CONFIG)
            )
        people = individual_kpis(folder, findings)
        roster = inputs.roster.to_dict("records") if not inputs.roster.empty else []
        unit_rows = {
            text_of(u.get("unit_code")): {str(k): v for k, v in u.items()}
            for u in inputs.units.to_dict("records")
        }
        evaluators = {}  # as the person's form names them: the head's name, the title
        for p in roster:
            who = unit_identity(
                {str(k): v for k, v in p.items()}, unit_rows.get(text_of(p.get("unit")))
            )
            evaluators[text_of(p.get("person_id"))] = (
                text_of(who["evaluator"]),
                text_of(who["evaluator_position"]),
            )
        names = {
            text_of(k.get("code")): text_of(k.get("name"))
            for k in [*org.to_dict("records"), *units.to_dict("records")]
        }
        cards += person_cards(
            people,  # in the unit workbooks' order: unit by unit, each as its unit lists it
            parents=names,
            unit_names=unit_names,
            evaluators=evaluators,
            round_label=f"รอบที่ {round_.number}/{round_.fiscal_year}" if round_ else "",
            round_quarters=(1, 2)
            if round_ and round_.number == 1
            else (3, 4)
            if round_
            else (1, 2, 3, 4),
            fiscal_year=year,
        )
    return cards, findings


def write_cards(
    master: str | Path,
    *,
    out: str | Path | None = None,
    pdf: str | Path | None = None,
    units_dir: str | Path | None = None,
    individual: bool = True,
) -> CardsResult:
    """Write every KPI's card to ``out`` (default :func:`default_cards_out`), one A4
    page each, and with ``pdf`` render it to that PDF; the master is only read."""
    from kpixl.workbooks.kpi_cards import cards_bytes

    master = Path(master)
    result = CardsResult(master)
    inputs = read_master(master)
    result.findings += inputs.findings
    if inputs.findings:
        return result
    result.cards, found = kpi_cards(inputs, units_dir=units_dir, individual=individual)
    result.findings += found
    target = Path(out) if out else default_cards_out(master)
    if target.resolve() == master.resolve() or (pdf and Path(pdf).resolve() == master.resolve()):
        result.findings.append(finding("cards.out_is_master", value=str(target), file=master.name))
        return result
    organisation = text_of(inputs.config.get("organisation"))
    try:
        write_bytes_atomic(target, cards_bytes(result.cards, organisation=organisation))
    except FileWriteError as exc:
        result.findings.append(write_finding(exc))
        result.write_failed = True
        return result
    result.out = target
    if pdf:
        result.pdf = _render(target, Path(pdf), result)
    return result


def _render(workbook: Path, pdf: Path, result: CardsResult) -> Path | None:
    from kpixl.io.libreoffice import LibreOfficeError, failure_reason, render_pdf

    try:
        return render_pdf(workbook, pdf)
    except LibreOfficeError as exc:
        why, why_en = failure_reason(exc)
        result.findings.append(
            finding("cards.pdf_failed", value=pdf.name, why=why, why_en=why_en, file=workbook.name)
        )
    except FileWriteError as exc:
        result.findings.append(write_finding(exc))
        result.write_failed = True
    return None
