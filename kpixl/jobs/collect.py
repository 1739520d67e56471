"""Collect: a unit head gathers the unit's personal workbooks into the unit workbook.

Personal workbooks are recognised by their embedded metadata (template id, person,
round, revision), never by file name. The newest revision of a person wins; the
others are reported. Every source file is only read.

Collecting never loses what the unit workbook holds. It writes nothing (an error
finding says why) when the target is not a unit workbook, when the folder holds no
personal workbook of this unit (an empty or mistyped folder), or when someone whose
evaluation the unit workbook holds would lose it (fewer people than it has) unless
``replace=True`` accepts the smaller unit. Numbers are written as the numbers kpixl
read (``"๒๐"`` and ``"20%"`` as 20), never as the typed text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from kpixl.core.codes import finding
from kpixl.core.errors import FileWriteError
from kpixl.core.findings import Finding, has_errors
from kpixl.core.numbers import parse_number
from kpixl.core.rules import Rules, default_rules
from kpixl.core.text import text_of
from kpixl.io.atomic import write_finding
from kpixl.workbooks import personal_layout as PL
from kpixl.workbooks import unit_layout as U
from kpixl.workbooks.personal import (
    PersonalForm,
    PersonalResult,
    check_personal,
    person_id_of,
    read_personal,
)
from kpixl.workbooks.unit import UnitData, UnitForm, read_unit, write_unit

__all__ = ["CollectResult", "collect", "collect_data"]


# the numeric columns of the KPI and competency rows collect copies
KPI_NUMBERS = ("l1", "l2", "l3", "l4", "l5", "weight", "actual")
COMPETENCY_NUMBERS = ("expected", "weight", "rating")
# what collecting puts on a person's row of the People sheet
COLLECTED_FIELDS = ("achievement", "competency", "total", "band", "revision", "source_file")


@dataclass
class CollectResult:
    """What a collection did; ``written`` is False when the unit workbook was left as it was."""

    unit_path: Path
    collected: int
    findings: list[Finding] = field(default_factory=list)
    written: bool = False
    write_failed: bool = False  # the unit workbook could not be written (a write.* finding)

    @property
    def exit_code(self) -> int:
        if self.write_failed:
            return 2
        return 1 if has_errors(self.findings) or not self.written else 0


def _number_or_raw(value: Any) -> Any:
    """A cell the personal check read as a number goes on as that number (Thai digits,
    ``"20%"`` or ``"1,000"`` were reported there, once); anything else as it was typed,
    so consolidation reports it with the unit workbook's cell."""
    number = parse_number(value)
    return number.value if number.value is not None and not number.problem else value


def _blank(value: Any) -> bool:
    return text_of(value) == ""


def _evaluated(person: Mapping[Any, Any]) -> bool:
    """Whether the unit workbook holds a collected evaluation for this People row."""
    return any(not _blank(person.get(f)) for f in ("source_file", "total", "achievement"))


def _revision(form: PersonalForm) -> int:
    return int(parse_number(form.meta.get("revision")).value or 0)


def collect(
    unit_path: str | Path,
    from_dir: str | Path,
    *,
    rules: Rules | None = None,
    key: str | None = None,
    progress: Callable[[Iterable[Path]], Iterable[Path]] | None = None,
    replace: bool = False,
) -> CollectResult:
    """Fill ``unit_path`` from the personal workbooks in ``from_dir``; never raises on bad input.

    The unit workbook is left byte for byte as it was when collecting is refused (see
    the module docstring); ``replace`` accepts a unit with fewer evaluations than it has.
    """
    rules = rules or default_rules()
    result, data = collect_data(
        unit_path, from_dir, rules=rules, key=key, progress=progress, replace=replace
    )
    if data is not None:
        try:
            write_unit(result.unit_path, data, rules=rules, backup=True)
        except FileWriteError as exc:
            result.findings.append(write_finding(exc))
            result.write_failed = True
        else:
            result.written = True
    return result


def collect_data(
    unit_path: str | Path,
    from_dir: str | Path,
    *,
    rules: Rules | None = None,
    key: str | None = None,
    progress: Callable[[Iterable[Path]], Iterable[Path]] | None = None,
    unit_form: UnitForm | None = None,
    replace: bool = False,
) -> tuple[CollectResult, UnitData | None]:
    """What collecting gives the unit workbook, without writing it.

    ``unit_form`` is the unit workbook already read (the Excel macro reads the open workbook
    through xlwings); by default the file at ``unit_path`` is read. ``None`` data means
    nothing may be written: the unit workbook could not be read, or collecting was
    refused (the findings say why).
    """
    rules = rules or default_rules()
    unit_path, from_dir = Path(unit_path), Path(from_dir)
    unit = unit_form if unit_form is not None else read_unit(unit_path)
    findings: list[Finding] = list(unit.findings)
    if not unit.readable or not unit.meta or unit.meta.get("template_id") != U.TEMPLATE_ID:
        if not has_errors(findings):  # the reader has not said so already
            findings.append(
                finding("collect.not_unit_workbook", value=unit_path.name, file=unit_path.name)
            )
        return CollectResult(unit_path, 0, findings), None
    round_id = text_of(unit.meta.get("round_id"))
    roster = {text_of(r["person_id"]): r for r in unit.people.to_dict("records")}
    files = sorted(p for p in from_dir.glob("*.xls*") if not p.name.startswith(("~$", ".")))
    chosen: dict[str, tuple[PersonalForm, int]] = {}
    read = 0
    for path in progress(files) if progress else files:
        form = read_personal(path)
        if not form.readable or not form.meta:
            findings += form.findings
            continue
        read += 1
        pid = person_id_of(form)
        form_round = text_of(form.meta.get("round_id"))
        if round_id and form_round and form_round != round_id:
            findings.append(
                finding(
                    "collect.other_round",
                    value=path.name,
                    round=form_round,
                    expected=round_id,
                    person_id=pid,
                    file=path.name,
                )
            )
            continue
        if pid not in roster:
            findings.append(
                finding("collect.not_in_unit", value=path.name, person_id=pid, file=path.name)
            )
            continue
        revision = _revision(form)
        if pid in chosen:
            other, other_rev = chosen[pid]
            keep, drop = (
                ((form, revision), (other, other_rev))
                if (revision, path.name) > (other_rev, other.path.name)
                else ((other, other_rev), (form, revision))
            )
            findings.append(
                finding(
                    "collect.duplicate_workbook",
                    person_id=pid,
                    kept=keep[0].path.name,
                    kept_revision=keep[1],
                    value=drop[0].path.name,
                    file=drop[0].path.name,
                )
            )
            chosen[pid] = keep
        else:
            chosen[pid] = (form, revision)
    unit_code = text_of(unit.meta.get("unit_code"))
    if not chosen:  # an empty or mistyped folder: the unit workbook stays as it is
        findings.append(
            finding(
                "collect.no_workbooks",
                value=str(from_dir),
                unit=unit_code,
                count=read,
                file=unit_path.name,
            )
        )
        return CollectResult(unit_path, 0, findings), None
    people: list[dict[str, Any]] = []
    kpis: list[dict[str, Any]] = []
    comps: list[dict[str, Any]] = []
    held = [pid for pid, row in roster.items() if _evaluated(row)]
    for pid, row in roster.items():
        person: dict[str, Any] = {str(k): v for k, v in row.items() if not str(k).startswith("_")}
        person["person_id"] = pid
        if pid not in chosen:
            findings.append(
                finding(
                    "collect.missing_workbook",
                    person_id=pid,
                    value=text_of(row.get("name")),
                    file=unit_path.name,
                )
            )
            person.update(dict.fromkeys(COLLECTED_FIELDS))  # no scores without their KPIs
            people.append(person)
            continue
        form, revision = chosen[pid]
        result: PersonalResult = check_personal(form, rules=rules, key=key)
        findings += result.findings
        scores = result.scores
        person.update(
            achievement=scores.get("achievement"),
            competency=scores.get("competency"),
            total=scores.get("total"),
            band=scores.get("band"),
            revision=revision,
            source_file=form.path.name,
        )
        people.append(person)
        for k in form.kpis.to_dict("records"):
            kpi = {**{f: k.get(f) for f in PL.KPI_INPUT_FIELDS}, "actual": k.get("actual")}
            kpis.append(
                {
                    **kpi,
                    **{f: _number_or_raw(kpi[f]) for f in KPI_NUMBERS},
                    "person_id": pid,
                }
            )
        for c in form.competencies.to_dict("records"):
            comps.append(
                {
                    "person_id": pid,
                    "competency": c.get("competency"),
                    **{f: _number_or_raw(c.get(f)) for f in COMPETENCY_NUMBERS},
                }
            )
    lost = [pid for pid in held if pid not in chosen]
    if lost and not replace:
        findings.append(
            finding(
                "collect.fewer_people",
                value=len(chosen),
                count=len(chosen),
                before=len(held),
                lost=len(lost),
                missing=", ".join(lost[:10]) + (" …" if len(lost) > 10 else ""),
                file=unit_path.name,
            )
        )
        return CollectResult(unit_path, len(chosen), findings), None
    share = parse_number(unit.pool_share).value
    data = UnitData(
        round_id=round_id,
        unit_code=unit_code,
        unit_name=text_of(unit.meta.get("unit_name")),
        people=people,
        kpis=kpis,
        competencies=comps,
        findings=findings,
        pool_share=share if isinstance(share, Decimal) else None,
        revision=int(parse_number(unit.meta.get("revision")).value or 0) + 1,
    )
    return CollectResult(unit_path, len(chosen), findings), data
