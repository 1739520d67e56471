"""People to the roster: one evaluation per person (the newest wins), matched by id.

Two stages of consolidation. While the workers read the unit workbooks, the main
process validates the master's roster (:func:`validate_roster`, the Units sheet's head
e-mails too: :func:`unit_addresses`) and takes in each unit workbook's people as they
arrive (:class:`Newest`). Then :func:`match_people` puts each chosen evaluation beside
its roster row and reports whoever is on one side only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from kpixl.core.addresses import address_problems, check_address, shown
from kpixl.core.codes import finding
from kpixl.core.eligibility import ELIGIBILITY_FIELDS
from kpixl.core.findings import ERROR, Finding
from kpixl.core.rules import Rules
from kpixl.core.text import text_of, texts
from kpixl.jobs.results import PERSON_FIELDS, UnitOutcome
from kpixl.schemas.backend import Locator, validate_table
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.master import MasterInputs

__all__ = ["Newest", "Roster", "match_people", "unit_addresses", "validate_roster"]

_CELL_ROW = re.compile(r"[A-Z]{1,3}([0-9]+)")
# what the roster says about eligibility, beside the validated roster columns
_ROSTER_EXTRA = (*[f for f in ELIGIBILITY_FIELDS if f != "band"], "alt_ceiling", "holds_position")
_SCORES = ("achievement", "competency", "total", "band", "pct", "source_file")
_REVISION, _UNIT_FILE = PERSON_FIELDS.index("revision"), PERSON_FIELDS.index("unit_file")
_FAULTY_TH = "ผลการประเมินในสมุดงานหน่วยงานมีข้อผิดพลาด (ดูรายการข้างต้น) จึงยังไม่นำมาคิดจนกว่าจะแก้ไข"
_FAULTY_EN = (
    "the evaluation a unit workbook holds has errors (listed above); not used until corrected"
)


class Newest:
    """One evaluation per person, taken from the unit outcomes in file order: the highest
    (person's revision, unit revision, file name) wins; the other is a finding.

    Of each outcome it keeps the findings and the people it chose, nothing else."""

    def __init__(self) -> None:
        self.chosen: dict[str, tuple[Any, ...]] = {}  # id → PERSON_FIELDS values
        self.findings: list[Finding] = []
        self.units = 0  # unit workbooks taken in
        self.any_unit = False  # one of them was a unit workbook (else: a wrong folder)
        self._ranks: dict[str, tuple[int, int, str]] = {}

    def take(self, outcome: UnitOutcome) -> None:
        self.units += 1
        self.any_unit = self.any_unit or not outcome.not_a_unit
        self.findings += outcome.findings
        chosen, ranks = self.chosen, self._ranks
        for person in outcome.people:
            pid, source = person[0], person[-1]  # the first and last of PERSON_FIELDS
            rank = (person[_REVISION], outcome.revision, source)
            other = chosen.get(pid)
            if other is None:
                chosen[pid] = person
                ranks[pid] = rank
                continue
            keep, drop = (person, other) if rank > ranks[pid] else (other, person)
            chosen[pid] = keep
            ranks[pid] = max(rank, ranks[pid])
            self.findings.append(
                finding(
                    "consolidate.duplicate_person",
                    person_id=pid,
                    kept=keep[-1],
                    value=drop[-1],
                    file=drop[-1],
                )
            )


@dataclass
class Roster:
    """The validated roster, and what matching needs of it: the rows with an id (first
    of each), their ids, and the raw roster's eligibility facts, unit and flags by id.

    A row with an error finding (a salary outside its level's range, an unknown level, a
    blank or text salary, a bad id, …) is ``left_out``: it is in no pool's payroll and
    gets no increase until it is corrected. ``valid`` are the rows with an id that are
    not left out."""

    findings: list[Finding]
    frame: pd.DataFrame
    ids: set[str]
    raw: pd.DataFrame
    left_out: pd.DataFrame
    valid: pd.DataFrame

    def payroll(self) -> pd.DataFrame:
        """The valid rows as the pools read them: everyone holding a position on the
        count date, evaluated or not (SPEC §4)."""
        frame, raw = self.valid, self.raw
        pids = frame["person_id"].tolist()
        n = len(pids)

        def own(name: str) -> list[Any]:
            return frame[name].tolist() if name in frame.columns else [None] * n

        def roster_says(name: str) -> list[Any]:
            return raw[name].reindex(pids).tolist() if name in raw.columns else [None] * n

        return pd.DataFrame(
            {
                "person_id": pids,
                "level_code": own("level_code"),
                "salary": own("salary"),
                "unit": texts(own("unit")),
                "pool_group": own("pool_group"),
                "holds_position": roster_says("holds_position"),
                "alt_ceiling": _flags(roster_says("alt_ceiling")),
            },
            dtype=object,
        )


def validate_roster(inputs: MasterInputs, rules: Rules) -> Roster:
    """The master's roster, validated against ``rules``.

    In: the master's inputs (a roster read late, ``read_master(roster=False)``, is read
    now). Out: the :class:`Roster`, its findings at their Roster cells."""
    if inputs.read_roster is not None:
        inputs.read_roster()
    letters = {name: chr(ord("A") + i) for i, name in enumerate(M.ROSTER_COLUMNS)}
    validated = validate_table(
        inputs.roster, "roster", rules=rules, locator=Locator(inputs.path.name, M.ROSTER, letters)
    )
    everyone = validated.frame
    bad_rows = {
        int(m.group(1))
        for f in validated.findings
        if f.severity == ERROR and (m := _CELL_ROW.fullmatch(f.cell))
    }
    bad = everyone["_row"].isin(bad_rows)
    frame = everyone[everyone["person_id"].notna()].drop_duplicates("person_id")
    raw = inputs.roster.copy()
    raw.index = pd.Index(texts(raw["person_id"].tolist()))
    raw = raw[~raw.index.duplicated()]
    valid = frame[~frame["_row"].isin(bad_rows)]
    found = validated.findings + unit_addresses(inputs, everyone)
    return Roster(found, frame, set(frame["person_id"]), raw, everyone[bad], valid)


def unit_addresses(inputs: MasterInputs, roster: pd.DataFrame) -> list[Finding]:
    """Warnings of the Units sheet's head e-mails: each that is not one address, each
    that another unit's head (another name) holds too, and each that the roster gives
    to someone who is not the unit's head.

    In: the master's inputs and its validated roster (``email``, ``name``, ``_row``)."""
    units = inputs.units
    if "head_email" not in units.columns or units.empty:
        return []
    where = {"file": inputs.path.name, "sheet": M.UNITS}
    letter = chr(ord("A") + M.UNIT_COLUMNS.index("head_email"))
    values = units["head_email"].tolist()
    codes = [text_of(v) for v in units["unit_code"].tolist()]
    heads = [_name(v) for v in units["head"].tolist()]
    rows = units["_row"].tolist()
    bad, repeated = address_problems(values, heads)
    out: list[Finding] = []
    for i, why in bad:
        out.append(
            finding(
                "units.head_email",
                field="head_email",
                value=shown(values[i]),
                unit=codes[i],
                why=why.th,
                why_en=why.en,
                cell=f"{letter}{rows[i]}",
                **where,
            )
        )
    clashes = {
        i: (f"หัวหน้าหน่วยงาน {codes[j]}", f"the head of unit {codes[j]}", f"{letter}{rows[j]}")
        for i, j in repeated
    }
    owners = _roster_owners(roster)
    for i, value in enumerate(values):
        address, problem = check_address(value)
        owner = owners.get(address.lower()) if problem is None else None
        if i in clashes or owner is None or not heads[i]:
            continue
        name, row = owner
        if name and (name in heads[i] or heads[i] in name):
            continue  # the head's own address, as the roster has it
        shown_name = name or "?"
        clashes[i] = (shown_name, shown_name, f"{M.ROSTER}!{_ROSTER_EMAIL}{row}")
    for i, (other, other_en, other_cell) in sorted(clashes.items()):
        out.append(
            finding(
                "units.duplicate_email",
                field="head_email",
                value=shown(values[i]),
                unit=codes[i],
                other=other,
                other_en=other_en,
                other_cell=other_cell,
                cell=f"{letter}{rows[i]}",
                **where,
            )
        )
    return out


_ROSTER_EMAIL = chr(ord("A") + M.ROSTER_COLUMNS.index("email"))


def _name(value: object) -> str:
    return " ".join(text_of(value).split())


def _roster_owners(roster: pd.DataFrame) -> dict[str, tuple[str, int]]:
    """Each good roster address (lower-cased) → the first holder's name and Excel row."""
    if "email" not in roster.columns:
        return {}
    names = roster["name"].tolist() if "name" in roster.columns else [None] * len(roster)
    owners: dict[str, tuple[str, int]] = {}
    for value, name, row in zip(
        roster["email"].tolist(), names, roster["_row"].tolist(), strict=True
    ):
        address, problem = check_address(value)
        if problem is None:
            owners.setdefault(address.lower(), (_name(name), int(row)))
    return owners


def match_people(roster: Roster, newest: Newest, master: str) -> tuple[pd.DataFrame, list[Finding]]:
    """The evaluated people on the roster, with their scores, and the findings of matching.

    In: the validated roster, the chosen evaluations, the master's file name. Out: one row
    per valid roster person with an evaluation (roster order; the roster's columns and
    eligibility facts, the scores and % from their unit workbook), and a finding for each
    evaluation of someone not on the roster, each roster row left out, each roster person
    with no evaluation and each person whose unit differs between roster and workbook.
    """
    chosen = newest.chosen
    findings: list[Finding] = []
    for pid in sorted(chosen.keys() - roster.ids):
        source = chosen[pid][-1]
        findings.append(
            finding("consolidate.not_on_roster", person_id=pid, value=source, file=source)
        )
    left_out = roster.left_out
    for pid, name, row in zip(
        texts(left_out["person_id"].tolist()),
        texts(left_out["name"].tolist() if "name" in left_out else [None] * len(left_out)),
        left_out["_row"].tolist(),
        strict=True,
    ):  # rows with an error: no money at all
        findings.append(
            finding(
                "consolidate.roster_left_out",
                person_id=pid,
                value=name,
                file=master,
                sheet=M.ROSTER,
                cell=f"A{row}",
            )
        )
    # people whose evaluation a unit workbook holds but with errors: not "not found"
    faulty = {f.person_id for f in newest.findings if f.severity == ERROR and f.person_id}
    frame = roster.frame
    missing = frame[~frame["person_id"].isin(chosen)]
    names = missing["name"].tolist() if "name" in missing else [None] * len(missing)
    for pid, name, row in zip(
        missing["person_id"].tolist(), names, missing["_row"].tolist(), strict=True
    ):
        found = pid in faulty
        findings.append(
            finding(
                "consolidate.no_evaluation",
                person_id=pid,
                value=name or "",
                why=_FAULTY_TH if found else "ไม่พบผลการประเมินในสมุดงานหน่วยงานใด",
                why_en=_FAULTY_EN if found else "no unit workbook has an evaluation",
                file=master,
                sheet=M.ROSTER,
                cell=f"A{row}",
            )
        )
    valid = roster.valid
    evaluated = valid[valid["person_id"].isin(chosen)]
    return _people_frame(roster, evaluated, chosen, findings), findings


def _people_frame(
    roster: Roster,
    evaluated: pd.DataFrame,
    chosen: dict[str, tuple[Any, ...]],
    findings: list[Finding],
) -> pd.DataFrame:
    """The evaluated roster people with their scores, column by column."""
    pids = evaluated["person_id"].tolist()
    people = evaluated[[k for k in M.ROSTER_COLUMNS if k in evaluated.columns]].copy()
    people.index = pd.RangeIndex(len(people))
    raw = roster.raw
    for k in _ROSTER_EXTRA:  # eligibility facts as the roster states them
        people[k] = raw[k].reindex(pids).tolist() if k in raw.columns else [None] * len(pids)
    people["alt_ceiling"] = _flags(people["alt_ceiling"].tolist())
    # object, not pandas' str dtype: allocation reads the column item by item
    units = texts(people["unit"].tolist()) if "unit" in people else [""] * len(people)
    people["unit"] = pd.Series(units, index=people.index, dtype=object)
    picked = [chosen[pid] for pid in pids]
    for pid, person, unit in zip(pids, picked, units, strict=True):
        if person[_UNIT_FILE] and unit and person[_UNIT_FILE] != unit:
            findings.append(
                finding(
                    "consolidate.unit_differs",
                    person_id=pid,
                    value=person[_UNIT_FILE],
                    roster_unit=unit,
                )
            )
    for k in _SCORES:
        i = PERSON_FIELDS.index(k)
        people[k] = pd.Series([person[i] for person in picked], dtype=object)
    return people


def _flags(values: list[Any]) -> list[bool]:
    """A roster's yes/no column (``ใช่``, 1, True) as booleans."""
    return [v in ("ใช่", "1", "True", "true") for v in texts(values)]
