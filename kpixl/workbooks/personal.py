"""The personal workbook: fill it for a person, read it back, check it, seal it.

Filling patches the built template (``templates/personal.xlsx``) cell by cell, so one
template serves thousands of people quickly. Reading never modifies the file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import openpyxl
import pandas as pd

from kpixl.core.codes import finding, internal_finding
from kpixl.core.errors import file_problem
from kpixl.core.findings import ERROR, WARNING, Finding, has_errors
from kpixl.core.numbers import parse_number
from kpixl.core.rules import Rules, default_rules
from kpixl.core.scoring_table import evaluate_table, missing_inputs
from kpixl.core.seal import StoredSeal
from kpixl.core.text import text_of
from kpixl.core.thaitime import bangkok_now
from kpixl.core.vocab import CATEGORIES, DIRECTIONS, KINDS
from kpixl.io.atomic import write_bytes_atomic
from kpixl.io.cell_text import decode_text
from kpixl.io.grids import open_book
from kpixl.io.identify import check_file, unreadable
from kpixl.io.limits import PERSONAL
from kpixl.io.xlsx_package import CellValue, Package
from kpixl.schemas.backend import (
    Locator,
    cells_of,
    normalize_table,
    once_per_cell,
    validate_table,
)
from kpixl.schemas.models import national_id_problem
from kpixl.schemas.tables import Column, TableSpec
from kpixl.workbooks import personal_layout as L
from kpixl.workbooks.personal_seal import agency_key_findings, seal_edits, seal_findings, seal_key
from kpixl.workbooks.personal_template import (
    NO,
    WARNING_MARK,
    YES,
    band_cells,
    config_values,
    pick_formula,
    write_personal_template,
)

__all__ = [
    "PersonalData",
    "PersonalForm",
    "PersonalResult",
    "Sealed",
    "check_personal",
    "fill_personal",
    "person_id_of",
    "read_personal",
    "seal_personal",
    "template_package",
    "write_personal",
]

TEMPLATE_PATH = Path(__file__).resolve().parents[2] / "templates" / "personal.xlsx"


# ------------------------------------------------------------------------- filling


@dataclass
class PersonalData:
    """What kpixl writes into a person's workbook."""

    round_id: str
    person: Mapping[str, Any]  # identity fields (see personal_layout.IDENTITY)
    kpis: Sequence[Mapping[str, Any]] = ()  # agreement rows (canonical codes)
    competencies: Sequence[Mapping[str, Any]] = ()  # competency, expected, weight
    actuals: Sequence[Any] | None = None  # one per KPI row, for evaluated workbooks
    ratings: Sequence[Any] | None = None  # one per competency row
    other: Any = None
    revision: int = 1
    unit_kpis: Sequence[Mapping[str, Any]] = ()  # the unit's KPIs (code, name): parent codes


@lru_cache(maxsize=4)
def _template(path: str) -> Package:
    return Package.read(Path(path).read_bytes())


def template_package(path: str | Path | None = None) -> Package:
    """The built template as a package (built on the fly if the file is missing); one
    package per template file, so that its formulas are read and computed once."""
    target = Path(path) if path else TEMPLATE_PATH
    if not target.exists():
        write_personal_template(target)
    return _template(str(target))


def _label(vocab: Any, value: Any) -> Any:
    if isinstance(value, str) and value in vocab.labels:
        return vocab.label(value)
    return value


def _id_text(value: Any) -> str:
    """An id as its cell's text: text as it was given (any text stays text), a number as
    :func:`~kpixl.core.text.text_of` writes it (``2851025862898.0`` → ``2851025862898``)."""
    return value if isinstance(value, str) else text_of(value)


def level_texts(kpi: Mapping[str, Any]) -> tuple[str, ...]:
    """A KPI row's five level descriptions (``s1``…``s5``, or ``milestones``: the
    library's five steps), blank where there are none."""
    steps = kpi.get("milestones")
    if isinstance(steps, Sequence) and not isinstance(steps, str) and len(steps) == 5:
        texts = [text_of(t) for t in steps]
    else:
        texts = [text_of(kpi.get(f)) for f in L.STEP_FIELDS]
    return tuple(texts)


def personal_edits(data: PersonalData, rules: Rules) -> dict[str, dict[str, CellValue]]:
    """Sheet → cell → value for ``data`` (identity, agreement, results, metadata)."""
    agreement: dict[str, CellValue] = {}
    person = dict(data.person)
    if "probation" in person and isinstance(person["probation"], bool):
        person["probation"] = YES if person["probation"] else NO
    for fld, (_, cell) in L.IDENTITY.items():
        value = person.get(fld)
        if value is not None:
            ids = ("person_id", "position_no", "unit_code")  # text, as the id cells are
            agreement[cell] = _id_text(value) if fld in ids else value
    if len(data.kpis) > L.KPI_ROWS:
        raise ValueError(f"at most {L.KPI_ROWS} KPI rows fit the form")
    for i, kpi in enumerate(data.kpis):
        for fld in L.KPI_INPUT_FIELDS:
            value = kpi.get(fld)
            if fld == "kind":
                value = _label(KINDS, value)
            elif fld == "direction":
                value = _label(DIRECTIONS, value)
            elif fld == "category":
                value = _label(CATEGORIES, value)
            if value is not None:
                agreement[L.kpi_cell(fld, i)] = value
        for fld, text in zip(L.STEP_FIELDS, level_texts(kpi), strict=True):
            if text:
                agreement[f"{L.STEP_COLUMNS[fld]}{L.KPI_FIRST + i}"] = text
    for i, comp in enumerate(data.competencies):
        for fld in L.COMP_INPUT_FIELDS:
            value = comp.get(fld)
            if value is not None:
                agreement[L.comp_cell(fld, i)] = value
    edits: dict[str, dict[str, CellValue]] = {L.AGREEMENT: agreement}
    if data.actuals is not None:
        col = L.ACH_COLUMNS["actual"]
        edits[L.ACHIEVEMENT] = {
            f"{col}{L.ACH_FIRST + i}": v for i, v in enumerate(data.actuals) if v is not None
        }
    if data.ratings is not None:
        col = L.CMP_COLUMNS["rating"]
        edits[L.COMPETENCY] = {
            f"{col}{L.CMP_FIRST + i}": v for i, v in enumerate(data.ratings) if v is not None
        }
    if data.other is not None:
        edits[L.SUMMARY] = {f"{L.SUM_SCORE_COL}{L.SUM_ROWS['other']}": data.other}
    hidden: dict[str, CellValue] = {
        L.meta_cell("round_id"): data.round_id,
        L.meta_cell("person_id"): _id_text(person.get("person_id", "")),
        L.meta_cell("unit_code"): _id_text(person.get("unit_code") or person.get("unit") or ""),
        L.meta_cell("revision"): data.revision,
    }
    for fld, value in config_values(rules).items():
        hidden[L.config_cell(fld)] = value  # type: ignore[assignment]
    hidden.update(band_cells(rules))  # type: ignore[arg-type]
    edits[L.HIDDEN] = hidden
    if len(data.unit_kpis) > L.UNIT_KPI_ROWS:
        raise ValueError(f"at most {L.UNIT_KPI_ROWS} unit KPIs fit the parent-code list")
    library: dict[str, CellValue] = {}
    for i, item in enumerate(data.unit_kpis):
        library[f"{L.UNIT_KPI_CODE_COLUMN}{L.LIB_FIRST + i}"] = str(item.get("code") or "")
        library[f"{L.UNIT_KPI_NAME_COLUMN}{L.LIB_FIRST + i}"] = str(item.get("name") or "")
    if library:
        edits[L.LIBRARY] = library
    return edits


def fill_personal(
    data: PersonalData, *, rules: Rules | None = None, template: Package | None = None
) -> bytes:
    """The bytes of a filled personal workbook; every formula carries its value."""
    rules = rules or default_rules()
    package = template or template_package()
    return package.patched(personal_edits(data, rules), calculate=True)


def write_personal(
    path: str | Path,
    data: PersonalData,
    *,
    rules: Rules | None = None,
    template: Package | None = None,
) -> Path:
    """Write a filled personal workbook atomically (a draft it replaces is kept in
    ``.kpixl-backups/``)."""
    write_bytes_atomic(path, fill_personal(data, rules=rules, template=template), backup=True)
    return Path(path)


# ------------------------------------------------------------------------- reading


@dataclass
class PersonalForm:
    """Everything read from one personal workbook (typed later by the checks)."""

    path: Path
    meta: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    identity: dict[str, Any] = field(default_factory=dict)
    kpis: pd.DataFrame = field(default_factory=pd.DataFrame)  # raw agreement + actual
    competencies: pd.DataFrame = field(default_factory=pd.DataFrame)  # raw + rating
    other: Any = None
    cached: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def readable(self) -> bool:
        return not any(f.rule.startswith("file.") and f.severity == ERROR for f in self.findings)


def _finding(
    form: PersonalForm,
    code: str,
    th: str,
    en: str,
    *,
    severity: str = ERROR,
    sheet: str = "",
    cell: str = "",
    fld: str = "",
    value: Any = "",
) -> None:
    form.findings.append(
        Finding(
            rule=code,
            message_th=th,
            message_en=en,
            severity=severity,  # type: ignore[arg-type]
            file=form.path.name,
            sheet=sheet,
            cell=cell,
            field=fld,
            value="" if value is None else str(value),
            person_id=text_of(form.meta.get("person_id")),
        )
    )


def _formula_cells(version: str = L.TEMPLATE_VERSION) -> dict[str, list[str]]:
    """Cells that must hold formulas, per sheet (a constant there is an overwrite), in a
    form of template ``version`` (2.0 placed the achievement sheet's columns otherwise)."""
    letters = L.ACH_FORMULA_LETTERS.get(version, L.ACH_FORMULA_LETTERS[L.TEMPLATE_VERSION])
    ach = [f"{letter}{L.ACH_FIRST + i}" for i in range(L.KPI_ROWS) for letter in letters] + [
        L.ACH_RESULT_CELL
    ]
    cmp_ = [
        f"{L.CMP_COLUMNS[f]}{L.CMP_FIRST + i}"
        for i in range(L.COMP_ROWS)
        for f in ("competency", "weight", "points", "weighted")
    ] + [L.CMP_RESULT_CELL]
    rows = L.SUM_ROWS
    summ = [
        f"{L.SUM_SCORE_COL}{rows['achievement']}",
        f"{L.SUM_SCORE_COL}{rows['competency']}",
        f"{L.SUM_WEIGHT_COL}{rows['achievement']}",
        f"{L.SUM_WEIGHT_COL}{rows['competency']}",
        f"{L.SUM_WEIGHTED_COL}{rows['total']}",
        f"{L.SUM_SCORE_COL}{rows['band']}",
    ]
    return {L.ACHIEVEMENT: ach, L.COMPETENCY: cmp_, L.SUMMARY: summ}


RESULT_CELLS = {
    "achievement": (L.ACHIEVEMENT, L.ACH_RESULT_CELL),
    "competency": (L.COMPETENCY, L.CMP_RESULT_CELL),
    "total": (L.SUMMARY, f"{L.SUM_WEIGHTED_COL}{L.SUM_ROWS['total']}"),
    "band": (L.SUMMARY, f"{L.SUM_SCORE_COL}{L.SUM_ROWS['band']}"),
}


def _cell_index(ref: str) -> tuple[int, int]:
    col, row = openpyxl.utils.cell.coordinate_from_string(ref)
    return row - 1, openpyxl.utils.cell.column_index_from_string(col) - 1


def _cached_values(path: Path) -> dict[str, Any]:
    """Values Excel or LibreOffice last computed for the result cells (None if never)."""
    book = open_book(path, limits=PERSONAL)
    out: dict[str, Any] = {}
    grids: dict[str, list[list[Any]]] = {}
    for key, (sheet, ref) in RESULT_CELLS.items():
        if sheet not in grids:
            grids[sheet] = book.grid(sheet)
        r, c = _cell_index(ref)
        grid = grids[sheet]
        value = grid[r][c] if r < len(grid) and c < len(grid[r]) else None
        out[key] = None if value == "" else value
    return out


_SOURCE = ["_row", "_file", "_sheet"]
_KPI_FRAME = [*L.KPI_INPUT_FIELDS, "person_id", "actual", *_SOURCE, "_cell_actual"]
_COMP_FRAME = [*L.COMP_INPUT_FIELDS, "person_id", "rating", *_SOURCE, "_cell_rating"]


def person_id_of(form: PersonalForm) -> str:
    """The person id a personal workbook carries: its Agreement cell, else its metadata
    (as :func:`~kpixl.core.text.text_of` reads ids)."""
    return text_of(form.identity.get("person_id")) or text_of(form.meta.get("person_id"))


def _typed(value: Any) -> Any:
    """A cell's value as typed: openpyxl hands text over in the file's ``_xHHHH_`` form
    (a control character, a literal ``_x005F_xHHHH_``), as Excel and calamine do not."""
    return decode_text(value) if isinstance(value, str) else value


def _form_rows(
    form: PersonalForm,
    person_id: Any,
    agreement: Any,
    results: Any,
    *,
    count: int,
    fields: list[str],
    cell: Any,
    result: tuple[str, str, int, int, str],
    columns: list[str],
) -> pd.DataFrame:
    """The agreement rows of one table with the result each row got on its own sheet.

    ``result`` is (field, column letter, its first row, the agreement's first row, sheet).
    Rows where nothing was typed are skipped.
    """
    name, letter, first, agreement_first, _ = result
    rows = []
    for i in range(count):
        values = {f: _typed(agreement[cell(f, i)].value) for f in fields}
        ref = f"{letter}{first + i}"
        value = _typed(results[ref].value)
        if all(v is None or str(v).strip() == "" for v in values.values()) and value is None:
            continue
        values.update(
            {
                "person_id": person_id,
                name: value,
                "_row": agreement_first + i,
                "_file": form.path.name,
                "_sheet": L.AGREEMENT,
                f"_cell_{name}": ref,  # on ``sheet``, where the finding will say it is
            }
        )
        rows.append(values)
    return pd.DataFrame(rows, columns=columns)


def _resolve_picks(wb: Any) -> None:
    """Give the library picker's formula cells the values Excel would show (in memory).

    A KPI row picked from the คลังตัวชี้วัด sheet holds formulas that look the pick up;
    the file may never have been recalculated, so kpixl looks it up itself, exactly as
    the formula does: blank pick or unknown pick → blank, blank library cell → blank.
    """
    if L.LIBRARY not in wb.sheetnames:
        return
    agreement, library = wb[L.AGREEMENT], wb[L.LIBRARY]
    fields = list(L.LIB_COLUMNS)
    entries: dict[str, tuple[Any, ...]] = {}
    for values in library.iter_rows(
        min_row=L.LIB_FIRST, max_row=L.LIB_LAST, max_col=len(fields), values_only=True
    ):
        if values[0] not in (None, "") and str(values[0]) not in entries:
            entries[str(values[0])] = values
    for i in range(L.KPI_ROWS):
        row = L.KPI_FIRST + i
        picked = agreement[f"{L.PICK_COLUMN}{row}"].value
        entry = entries.get(str(picked)) if picked not in (None, "") else None
        for fld in L.PICKED_FIELDS:
            cell = agreement[L.kpi_cell(fld, i)]
            formula = cell.value
            if formula == pick_formula(fld, row) or (
                isinstance(formula, str)
                and formula.startswith("=")
                and "kpixl_lib_pick" in formula  # as another program may have rewritten it
            ):
                value = entry[fields.index(fld)] if entry is not None else None
                cell.value = None if value == "" else value


def read_personal(path: str | Path) -> PersonalForm:
    """Read a personal workbook into raw tables; file problems become findings."""
    form = PersonalForm(Path(path))
    bad = check_file(form.path, limits=PERSONAL)  # sizes and sheet extents, before openpyxl
    if bad is not None:
        form.findings.append(bad)
        return form
    try:
        with form.path.open("rb") as handle:  # closed even when openpyxl fails half-way
            wb = openpyxl.load_workbook(handle, data_only=False)
    except Exception as exc:  # a damaged file is a finding; kpixl's defect is its own
        form.findings.append(
            unreadable(form.path, exc)
            if file_problem(exc)
            else internal_finding(exc, file=form.path.name, stage="read")
        )
        return form
    if L.HIDDEN not in wb.sheetnames or any(s not in wb.sheetnames for s in L.SHEETS):
        _finding(
            form,
            "file.not_kpixl",
            "ไม่ใช่แบบฟอร์มของ kpixl (ไม่พบแผ่นงานของระบบ) ให้ใช้ไฟล์ที่ HR ส่งให้",
            "not a kpixl personal workbook (its sheets are missing); use the file HR sent",
        )
        return form
    hidden = wb[L.HIDDEN]
    form.meta = {f: hidden[L.meta_cell(f)].value for f in L.META_FIELDS}
    form.meta.update({f: hidden[cell].value for f, cell in L.SEAL_CELLS.items()})
    form.config = {f: hidden[L.config_cell(f)].value for f in L.CONFIG_FIELDS}
    if form.meta.get("template_id") != L.TEMPLATE_ID:
        _finding(
            form,
            "file.not_kpixl",
            "ไม่ใช่แบบฟอร์มข้อตกลงรายบุคคลของ kpixl",
            "not a kpixl personal workbook",
            sheet=L.HIDDEN,
            cell=L.meta_cell("template_id"),
            value=form.meta.get("template_id"),
        )
        return form
    version = str(form.meta.get("template_version") or "")
    if version.split(".")[0] != L.TEMPLATE_VERSION.split(".")[0]:
        _finding(
            form,
            "file.template_version",
            f"แบบฟอร์มรุ่น {version} ไม่ตรงกับรุ่นปัจจุบัน {L.TEMPLATE_VERSION} ให้ขอไฟล์ใหม่จาก HR",
            f"template version {version} does not match {L.TEMPLATE_VERSION}; ask HR for a new file",
            sheet=L.HIDDEN,
            cell=L.meta_cell("template_version"),
            value=version,
        )
        return form
    agreement = wb[L.AGREEMENT]
    _resolve_picks(wb)
    form.identity = {f: _typed(agreement[cell].value) for f, (_, cell) in L.IDENTITY.items()}
    person_id = person_id_of(form)
    form.kpis = _form_rows(
        form,
        person_id,
        agreement,
        wb[L.ACHIEVEMENT],
        count=L.KPI_ROWS,
        fields=L.KPI_INPUT_FIELDS,
        cell=L.kpi_cell,
        result=("actual", L.ACH_COLUMNS["actual"], L.ACH_FIRST, L.KPI_FIRST, L.ACHIEVEMENT),
        columns=_KPI_FRAME,
    )
    form.competencies = _form_rows(
        form,
        person_id,
        agreement,
        wb[L.COMPETENCY],
        count=L.COMP_ROWS,
        fields=["competency", "expected", "weight"],
        cell=L.comp_cell,
        result=("rating", L.CMP_COLUMNS["rating"], L.CMP_FIRST, L.COMP_FIRST, L.COMPETENCY),
        columns=_COMP_FRAME,
    )
    form.other = wb[L.SUMMARY][f"{L.SUM_SCORE_COL}{L.SUM_ROWS['other']}"].value
    for sheet, cells in _formula_cells(version).items():
        ws = wb[sheet]
        for ref in cells:
            value = ws[ref].value
            if not (isinstance(value, str) and value.startswith("=")):
                _finding(
                    form,
                    "form.formula_overwritten",
                    "สูตรถูกแทนที่ด้วยค่าคงที่ ให้ใช้ไฟล์ต้นฉบับหรือคัดลอกสูตรกลับ (kpixl คำนวณใหม่จากข้อมูลที่กรอก)",
                    "a formula was overwritten by a constant; restore it (kpixl recomputes from the inputs)",
                    sheet=sheet,
                    cell=ref,
                    value=value,
                )
    try:
        form.cached = _cached_values(form.path)
    except Exception as exc:  # a damaged file is a finding; kpixl's defect is its own
        if not file_problem(exc):
            form.findings.append(internal_finding(exc, file=form.path.name, stage="read"))
            return form
        _finding(
            form,
            "file.corrupt",
            "อ่านค่าที่คำนวณไว้ในไฟล์ไม่ได้ ไฟล์อาจเสียหาย ให้เปิดใน Excel แล้วบันทึกใหม่",
            f"cannot read the values the file holds ({exc}); open it in Excel and save it again",
        )
    return form


# ------------------------------------------------------------------------- checking


@dataclass
class PersonalResult:
    """A checked personal workbook: the recomputed scores and every finding."""

    form: PersonalForm
    scores: dict[str, Any]
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)


_AGREEMENT_LETTERS = {f: letter for f, (letter, _) in L.KPI_COLUMNS.items()}
_COMP_LETTERS = {f: letter for f, (letter, _) in L.COMP_COLUMNS.items()}


def _close(cached: Any, value: Decimal | None) -> bool:
    if value is None:
        return cached is None
    number = parse_number(cached).value
    return number is not None and abs(number - value) < Decimal("0.005")


def _shown(cached: Any) -> str:
    """A cached value as a person reads it: ``99`` for the float ``99.0``."""
    number = parse_number(cached).value if not isinstance(cached, str) else None
    if number is None:
        return str(cached)
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _agreement_row(cell: str) -> int:
    digits = "".join(ch for ch in cell.split(":")[0] if ch.isdigit())
    return int(digits or 0)


_OTHER = TableSpec(
    "other",
    "องค์ประกอบอื่น (other component)",
    (Column("other", "คะแนนองค์ประกอบอื่น", "number", required=False),),
)


def check_personal(
    form: PersonalForm,
    *,
    rules: Rules | None = None,
    key: str | None = None,
    key_id: str | None = None,
) -> PersonalResult:
    """Validate the tables, recompute every score with the core, compare with the file.

    Every finding of the workbook comes out of one call, each at its own sheet and cell:
    the seal is checked and blanks are reported even when scores cannot be computed.
    ``key`` is the agency key (default ``KPIXL_SEAL_KEY``), ``key_id`` the key's id from
    the master's Config: with either, only an HMAC under the agency key is a valid seal.
    """
    rules = rules or default_rules()
    findings = list(form.findings)
    scores: dict[str, Any] = {}
    if not form.readable or form.kpis is None or "file.not_kpixl" in {f.rule for f in findings}:
        return PersonalResult(form, scores, findings)
    name = form.path.name
    agreement = validate_table(
        form.kpis,
        "agreement",
        rules=rules,
        locator=Locator(name, L.AGREEMENT, _AGREEMENT_LETTERS),
        text_notes=True,
    )
    comps = validate_table(
        form.competencies,
        "competencies",
        rules=rules,
        locator=Locator(name, L.AGREEMENT, {**_COMP_LETTERS, "rating": L.CMP_COLUMNS["rating"]}),
        text_notes=True,
    )
    # ratings live on the competency sheet: point their findings there
    comps.findings = [
        replace(
            f,
            sheet=L.COMPETENCY,
            cell=f"{L.CMP_COLUMNS['rating']}{_agreement_row(f.cell) - L.COMP_FIRST + L.CMP_FIRST}",
        )
        if f.field == "rating" and f.cell
        else f
        for f in comps.findings
    ]
    findings += agreement.findings + comps.findings
    person_id = person_id_of(form)
    why = national_id_problem(person_id)
    if why is not None:
        findings.append(
            finding(
                "roster.national_id",
                field="person_id",
                value=person_id,
                why="ต้องเป็นตัวเลข 13 หลัก" if why == "length" else "เลขตรวจสอบหลักสุดท้ายไม่ถูกต้อง",
                why_en="must be 13 digits" if why == "length" else "wrong check digit",
                file=name,
                sheet=L.AGREEMENT,
                cell=L.IDENTITY["person_id"][1],
                person_id=person_id,
            )
        )
    # the seal first: an agreement changed after sealing is news whatever else is wrong
    findings += seal_findings(
        form,
        agreement.frame.to_dict("records"),  # type: ignore[arg-type]
        comps.frame.to_dict("records"),  # type: ignore[arg-type]
        key=key if key is not None else seal_key(),
        key_id=key_id,
    )
    probation = str(form.identity.get("probation") or "").strip() == YES
    kpis = agreement.frame.copy()
    if form.kpis.empty:
        findings.append(
            Finding(
                "form.no_kpis",
                "ยังไม่มีตัวชี้วัดในข้อตกลง ให้กรอกตัวชี้วัดอย่างน้อย 1 ตัว",
                "the agreement has no KPIs yet; enter at least one",
                file=name,
                sheet=L.AGREEMENT,
                cell=L.kpi_cell("kpi_code", 0),
                person_id=person_id,
            )
        )
        return PersonalResult(form, scores, findings)
    results_raw = pd.DataFrame(
        {
            "person_id": list(form.kpis["person_id"]),
            "kpi_code": list(form.kpis["kpi_code"]),
            "actual": list(form.kpis["actual"]),
            "_row": [r - L.KPI_FIRST + L.ACH_FIRST for r in form.kpis["_row"]],
        }
    )
    results = normalize_table(
        results_raw,
        "results",
        locator=Locator(name, L.ACHIEVEMENT, {"actual": L.ACH_COLUMNS["actual"]}),
        text_notes=True,
    )
    actuals = [f for f in results.findings if f.field == "actual"]
    findings += actuals
    kpis["actual"] = pd.Series(list(results.frame["actual"]), index=kpis.index, dtype=object)
    for col in ("_cell_actual", "_file"):
        kpis[col] = list(form.kpis[col])
    kpis["_sheet"] = L.ACHIEVEMENT
    ratings = comps.frame.copy()
    ratings["_cell_rating"] = list(form.competencies["_cell_rating"])
    ratings["_sheet"] = L.COMPETENCY
    known = agreement.findings + comps.findings + actuals
    blanks = once_per_cell(missing_inputs(kpis, ratings), known)
    other = normalize_table(
        pd.DataFrame({"other": [form.other], "_row": [L.SUM_ROWS["other"]]}),
        _OTHER,
        locator=Locator(name, L.SUMMARY, {"other": L.SUM_SCORE_COL}),
        text_notes=True,
    )
    findings += blanks + other.findings
    if has_errors(agreement.findings + comps.findings) or ratings.empty:
        # the core cannot score an agreement with errors; every other finding is made
        return PersonalResult(form, scores, findings)
    people = pd.DataFrame(
        [
            {
                "person_id": kpis["person_id"].iloc[0],
                "probation": probation,
                "other": other.frame["other"].iloc[0],
            }
        ]
    )
    evaluated = evaluate_table(kpis, ratings, people=people, rules=rules)
    findings += once_per_cell(evaluated.findings, findings)
    if not evaluated.frame.empty:
        row = evaluated.frame.iloc[0]
        scores = {
            k: row[k]
            for k in ("achievement", "competency", "total", "band", "probation")
            if row[k] is not None
        }
        for key_name, (sheet, ref) in RESULT_CELLS.items():
            cached = form.cached.get(key_name)
            value = scores.get(key_name)
            if cached is None or (isinstance(cached, str) and cached.startswith(WARNING_MARK)):
                continue  # never calculated, or the form's own warning about a text cell
            if value is None:
                continue  # kpixl cannot score it: the findings above say why
            same = (cached == value) if key_name == "band" else _close(cached, value)
            if not same:
                cached = _shown(cached)
                findings.append(
                    Finding(
                        "form.cached_mismatch",
                        f"ค่าในไฟล์ ({cached}) ไม่ตรงกับที่ kpixl คำนวณใหม่ ({value}); kpixl ใช้ค่าที่คำนวณใหม่",
                        f"the file shows {cached} but kpixl recomputes {value}; the recomputed value is used",
                        severity=WARNING,
                        file=name,
                        sheet=sheet,
                        cell=ref,
                        field=key_name,
                        value=str(cached),
                        person_id=person_id,
                    )
                )
    return PersonalResult(form, scores, _in_sheet_order(findings))


def _in_sheet_order(findings: list[Finding]) -> list[Finding]:
    """Findings by sheet (the workbook's order), then row and column: as a person reads."""

    def key(f: Finding) -> tuple[int, int, int]:
        sheet = L.SHEETS.index(f.sheet) + 1 if f.sheet in L.SHEETS else 0
        first = f.cell.split(":")[0]
        return (sheet, *_cell_index(first)) if cells_of(first) else (sheet, -1, -1)

    return sorted(findings, key=key)


# -------------------------------------------------------------------------- sealing


class Sealed(NamedTuple):
    """What sealing did: the seal's method and digest, and whether the file was written."""

    method: str
    digest: str
    written: bool


def seal_personal(
    path: str | Path,
    *,
    key: str | None = None,
    key_id: str | None = None,
    now: datetime | None = None,
    force: bool = False,
) -> Sealed:
    """Record the agreement's seal in the workbook.

    ``key`` is the agency key (default ``KPIXL_SEAL_KEY``; none: a plain SHA-256 seal),
    ``key_id`` the key's id from the master's Config (a different key is refused).
    Sealing an agreement already sealed, unchanged, under the same key changes nothing
    (``written`` is False). Raises :class:`~kpixl.core.errors.InputError` when the
    agreement has errors, and, unless ``force``, when it was changed after it was
    sealed, when its seal is damaged, or when it was sealed under another key.
    """
    from kpixl.core.errors import InputError

    form = read_personal(path)
    rules = default_rules()
    agreement = validate_table(form.kpis, "agreement", rules=rules) if not form.kpis.empty else None
    comps = (
        validate_table(form.competencies, "competencies", rules=rules)
        if not form.competencies.empty
        else None
    )
    problems = [f for f in form.findings if f.severity == ERROR and f.rule.startswith("file.")]
    if agreement is None:
        problems.append(Finding("form.no_kpis", "ยังไม่มีตัวชี้วัดในข้อตกลง", "the agreement has no KPIs"))
    else:
        problems += [f for f in agreement.findings if f.severity == ERROR]
    if comps is not None:
        problems += [f for f in comps.findings if f.severity == ERROR]
    key = (key if key is not None else seal_key()) or None
    problems += agency_key_findings(key_id, key=key)
    if problems:
        raise InputError(
            "cannot seal: " + "; ".join(p.message_en for p in problems),
            "ลงนามไม่ได้: " + "; ".join(p.message_th for p in problems),
        )
    assert agreement is not None
    # the seal hashes the id as typed (core.seal's canonical form): seals stay valid
    person = str(form.identity.get("person_id") or "")
    kpis = agreement.frame.to_dict("records")
    competencies = comps.frame.to_dict("records") if comps is not None else []
    stored = StoredSeal.from_meta(form.meta)
    if stored.sealed:
        held = seal_findings(form, kpis, competencies, key=key)  # type: ignore[arg-type]
        if not held:
            return Sealed(stored.method, stored.fingerprint, written=False)
        if not force:
            raise InputError(
                "; ".join(f.message_en for f in held)
                + " — not sealed again: review the agreement, then seal with --force",
                "; ".join(f.message_th for f in held)
                + " — ไม่ลงนามซ้ำ: ให้ผู้ประเมินตรวจข้อตกลงแล้วลงนามด้วย --force",
            )
    revision = int(parse_number(form.meta.get("revision")).value or 0) + 1
    method, digest, cells = seal_edits(
        person,
        kpis,  # type: ignore[arg-type]
        competencies,  # type: ignore[arg-type]
        key=key,
        now=now or bangkok_now(),
        revision=revision,
    )
    write_bytes_atomic(path, Package.read(Path(path)).patched({L.HIDDEN: cells}), backup=True)
    return Sealed(method, digest, written=True)
