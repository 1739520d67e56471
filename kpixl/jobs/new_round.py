"""A new round from the master: one personal workbook per valid roster person, sealed.

What the master's "new round" button does (``kpixl personal new --master`` does the
same from a roster file): the round's rules from Config, the roster validated, and one
prefilled personal workbook per person without errors, in ``<personal folder>/<unit
code>/`` where Collect looks for them. A workbook already there is never overwritten
(someone may have filled it in). Once agreed, :func:`seal_folder` seals them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpixl.core.errors import KpixlError
from kpixl.core.findings import ERROR, Finding
from kpixl.core.rounds import parse_round
from kpixl.io.paths import safe_child
from kpixl.jobs.round import round_rules
from kpixl.schemas.backend import Locator, validate_table
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.generate import generate_personal
from kpixl.workbooks.master import MasterInputs
from kpixl.workbooks.personal import read_personal, seal_personal

__all__ = ["NewRound", "Sealed", "new_round", "seal_folder"]


@dataclass
class NewRound:
    """What a new round wrote: the workbooks, how many were there already, how many
    roster people were skipped for errors, and every finding (None ``round_id``: the
    Config's rules are bad and nothing was written)."""

    findings: list[Finding]
    folder: Path
    round_id: str | None = None
    written: list[Path] = field(default_factory=list)
    existing: int = 0
    skipped: int = 0


def new_round(inputs: MasterInputs, folder: Path) -> NewRound:
    """One personal workbook per roster person of the master, under ``folder``.

    In: the master's inputs (from its file or the open workbook) and the personal folder.
    Out: the :class:`NewRound`. A unit code such as ``../../X`` or ``C:\\X`` stays
    inside ``folder`` (:func:`kpixl.io.paths.safe_child`)."""
    findings: list[Finding] = list(inputs.findings)
    rules = round_rules(inputs, inputs.path, findings) if not findings else None
    if rules is None:
        return NewRound(findings, folder)
    round_ = parse_round(str(inputs.config.get("round_id") or ""))
    letters = {name: chr(ord("A") + i) for i, name in enumerate(M.ROSTER_COLUMNS)}
    roster = validate_table(
        inputs.roster, "roster", rules=rules, locator=Locator(inputs.path.name, M.ROSTER, letters)
    )
    bad = {f.person_id for f in roster.findings if f.severity == ERROR}
    records: list[dict[str, Any]] = roster.frame.to_dict("records")  # type: ignore[assignment]
    people = [r for r in records if r.get("person_id") and r["person_id"] not in bad]
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for person in people:  # personal/<unit code>/, where Collect looks for them
        by_unit.setdefault(str(person.get("unit") or "").strip() or "_", []).append(person)
    written = [
        path
        for unit, members in sorted(by_unit.items())
        for path in generate_personal(
            members,
            safe_child(folder, unit),
            round_=round_,
            rules=rules,
            strategy=inputs.strategy,
            units=inputs.units,
        )
    ]
    return NewRound(
        roster.findings, folder, str(round_), written, len(people) - len(written), len(bad)
    )


@dataclass
class Sealed:
    """What sealing a folder did: workbooks sealed, already sealed, and a finding for
    each workbook that could not be read or sealed."""

    sealed: int = 0
    kept: int = 0
    findings: list[Finding] = field(default_factory=list)


def seal_folder(folder: Path, *, key_id: Any = None) -> Sealed:
    """Seal every personal workbook under ``folder`` (sub-folders too) that is not sealed
    yet; one sealed before is kept as it is (sealing again would hide a change).

    In: the personal folder and the agency key's id from Config. Out: :class:`Sealed`.
    Excel's lock files and hidden files and folders (``.kpixl-backups``) are left alone."""
    done = Sealed()
    for path in sorted(folder.rglob("*.xlsx")):
        if any(part.startswith(("~$", ".")) for part in path.relative_to(folder).parts):
            continue
        form = read_personal(path)
        if not form.readable:
            done.findings += form.findings
            continue
        if form.meta.get("fingerprint"):
            done.kept += 1
            continue
        try:
            seal_personal(path, key_id=key_id)
            done.sealed += 1
        except KpixlError as exc:
            done.findings.append(
                Finding("seal.refused", exc.message_th, exc.message_en, file=path.name)
            )
    return done
