"""Cascading KPIs: organisation → unit → person, checked and reported (SPEC §7).

Pure functions over tables:

* organisation KPIs: ``code, name, perspective, target, weight, owner_unit``;
* unit KPIs: ``code, parent_code, unit, derivation, target, kind, direction, l1..l5``;
* KPI cards: ``code`` and the card fields (:data:`CARD_FIELDS`, required, and
  :data:`CARD_EXTRA_FIELDS`, optional: an older master lacks them);
* individual KPIs: ``person_id, unit, kpi_code, parent_code, weight``;
* KPI holders (which unit KPIs the master hands each person): ``kpi_code, person_id,
  weight``.

:func:`check_cascade` returns findings; :func:`holdings` turns the KPI holders into
what each person's workbook is drafted with (one row per unit KPI, at most the form's
KPI rows, weights summing to 100 — see :func:`weights_to_100`); :func:`alignment` reports, per person and per
unit, the share of KPI weight that traces up to organisation KPIs, the unit KPIs
nobody carries and the individual KPIs that trace to nothing; :func:`tree` draws the
cascade as text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import pandas as pd

from kpixl.core.codes import finding
from kpixl.core.errors import InputError
from kpixl.core.findings import Finding
from kpixl.core.numbers import parse_number
from kpixl.core.scoring import check_levels
from kpixl.core.text import text_of

__all__ = [
    "CARD_EXTRA_FIELDS",
    "CARD_FIELDS",
    "DERIVATIONS",
    "PERSPECTIVES",
    "Alignment",
    "Holdings",
    "alignment",
    "check_cascade",
    "holdings",
    "tree",
    "weights_to_100",
]

PERSPECTIVES = (
    "ประสิทธิผล",
    "คุณภาพการให้บริการ",
    "ประสิทธิภาพของการปฏิบัติราชการ",
    "การพัฒนาองค์กร",
)
DERIVATIONS = {
    "direct": "ถ่ายทอดโดยตรง",
    "split_target": "แบ่งค่าเป้าหมาย",
    "split_dimension": "แบ่งตามมิติ",
    "customer": "มุ่งผู้รับบริการ",
    "work_flow": "ตามกระบวนงาน",
    "issue": "ตามประเด็นปัญหา",
}
CARD_FIELDS = {
    "definition": "คำนิยาม",
    "objective": "วัตถุประสงค์",
    "formula": "สูตรการคำนวณ",
    "unit_of_measure": "หน่วยวัด",
    "frequency": "ความถี่ในการจัดเก็บ",
    "baseline": "ข้อมูลพื้นฐาน",
    "target": "ค่าเป้าหมาย",
    "weight": "น้ำหนัก",
    "owner": "ผู้รับผิดชอบ",
    "data_collector": "ผู้จัดเก็บข้อมูล",
    "collection_process": "วิธีการจัดเก็บข้อมูล",
}
# the card's fields a master from an older template lacks: optional (read as blank), but
# a name or a target the card gives must be its KPI's
CARD_EXTRA_FIELDS = {
    "name": "ชื่อตัวชี้วัด",
    "target_setter": "ผู้กำหนดค่าเป้าหมาย",
    "baseline_year": "ปีงบประมาณของข้อมูลพื้นฐาน",
    "target_year": "ปีงบประมาณของค่าเป้าหมาย",
    "q1": "ผลไตรมาส 1",
    "q2": "ผลไตรมาส 2",
    "q3": "ผลไตรมาส 3",
    "q4": "ผลไตรมาส 4",
}


def _blank(value: Any) -> bool:
    return text_of(value) == ""


def _owners(os_matrix: pd.DataFrame | None) -> dict[str, set[str]]:
    """KPI code → the units the OS matrix marks as its Owner (role O)."""
    owners: dict[str, set[str]] = {}
    if os_matrix is None or os_matrix.empty:
        return owners
    for r in os_matrix.to_dict("records"):
        if text_of(r.get("role")).upper() in ("O", "OWNER", "เจ้าภาพ"):
            owners.setdefault(text_of(r.get("kpi_code")), set()).add(text_of(r.get("unit")))
    return owners


def _os_findings(
    os_matrix: pd.DataFrame | None, org: pd.DataFrame, units: pd.DataFrame
) -> list[Finding]:
    """Each unit KPI has one Owner in the OS matrix; every row names a known KPI and role."""
    out: list[Finding] = []
    if os_matrix is None or os_matrix.empty:
        return out
    known = {text_of(c) for c in [*org["code"], *units["code"]]}
    for r in os_matrix.to_dict("records"):
        code, role = text_of(r.get("kpi_code")), text_of(r.get("role")).upper()
        if code not in known:
            out.append(finding("cascade.os_unknown", value=code, unit=r.get("unit")))
        elif role not in ("O", "S", "OWNER", "SUPPORTER", "เจ้าภาพ", "สนับสนุน"):
            out.append(finding("cascade.os_role", value=code, unit=r.get("unit"), role=role))
    owners = _owners(os_matrix)
    for r in units.to_dict("records"):
        code = text_of(r["code"])
        found = owners.get(code, set())
        if len(found) != 1:
            out.append(finding("cascade.unit_owner", value=code, count=len(found)))
    return out


def weights_to_100(weights: Sequence[Decimal | None]) -> list[Decimal]:
    """Weights that add up to exactly 100, keeping the given proportions.

    Weights that already add up to 100 are kept as they are. Otherwise a missing
    (``None``) or non-positive weight counts as the mean of the others (an equal
    split when none is given), each is scaled to its share of 100, rounded down to
    a whole number, and the points left over go to the largest remainders (the
    earlier row on a tie); no weight ends below 1 while there are at most 100.
    """
    n = len(weights)
    if n == 0:
        return []
    given = [w for w in weights if w is not None and w > 0]
    if len(given) == n and sum(given, Decimal(0)) == 100:
        return list(given)
    fill = sum(given, Decimal(0)) / len(given) if given else Decimal(1)
    raw = [w if w is not None and w > 0 else fill for w in weights]
    total = sum(raw, Decimal(0))
    exact = [w * 100 / total for w in raw]
    out = [e.to_integral_value(ROUND_FLOOR) for e in exact]
    left = int(100 - sum(out, Decimal(0)))
    for i in sorted(range(n), key=lambda i: (-(exact[i] - out[i]), i))[:left]:
        out[i] += 1
    while n <= 100 and min(out) < 1:
        out[out.index(max(out))] -= 1
        out[out.index(min(out))] += 1
    return out


@dataclass
class Holdings:
    """The unit KPIs the KPIHolders sheet hands out, per person, ready to draft."""

    kpis: dict[str, list[tuple[str, Decimal]]]  # person id → [(unit KPI code, weight)]
    findings: list[Finding] = field(default_factory=list)  # problems of the sheet
    rescaled: list[Finding] = field(default_factory=list)  # weights the drafts scale to 100


def holdings(
    holders: pd.DataFrame | None,
    unit_codes: set[str],
    *,
    max_rows: int | None = None,
    columns: Mapping[str, str] | None = None,
) -> Holdings:
    """What each person holds: one entry per unit KPI, weights summing to 100.

    A unit KPI given to one person on two rows is held once with the rows' weights
    added (``cascade.holder_duplicate``); a code that is not a unit KPI is left out
    (``cascade.holder_unknown``); beyond ``max_rows`` (the KPI rows of the personal
    form) the rest is left out (``cascade.holder_too_many``); weights that do not add
    up to 100 are scaled by :func:`weights_to_100` (``cascade.holder_weights``, in
    ``rescaled``: a master may leave room for the person's own KPIs; only the drafts
    must add up to 100).
    ``columns`` maps a field to its column letter, so findings name their cell when
    the rows carry their source (``_row``, ``_sheet``, ``_file``).
    """
    columns = columns or {}
    out: list[Finding] = []
    rescaled: list[Finding] = []
    held: dict[str, dict[str, list[Decimal | None]]] = {}
    first_row: dict[tuple[str, str], Any] = {}
    records = [] if holders is None else holders.to_dict("records")

    def where(h: Mapping[Any, Any], name: str) -> dict[str, str]:
        row = h.get("_row")
        return {
            "file": text_of(h.get("_file")),
            "sheet": text_of(h.get("_sheet")),
            "cell": f"{columns[name]}{row}" if name in columns and not _blank(row) else "",
        }

    for h in records:
        pid, code = text_of(h.get("person_id")), text_of(h.get("kpi_code"))
        if not code:
            continue
        if code not in unit_codes:
            out.append(
                finding("cascade.holder_unknown", value=code, person_id=pid, **where(h, "kpi_code"))
            )
            continue
        if not pid:
            continue
        weight = parse_number(h.get("weight")).value
        mine = held.setdefault(pid, {})
        if code in mine:
            out.append(
                finding(
                    "cascade.holder_duplicate",
                    field="kpi_code",
                    value=code,
                    person_id=pid,
                    first=first_row[(pid, code)],
                    **where(h, "kpi_code"),
                )
            )
            before = mine[code][0]
            mine[code] = [None if before is None or weight is None else before + weight]
        else:
            first_row[(pid, code)] = h.get("_row") or "?"
            mine[code] = [weight]
    kpis: dict[str, list[tuple[str, Decimal]]] = {}
    for pid, mine in held.items():
        codes = list(mine)
        if max_rows is not None and len(codes) > max_rows:
            out.append(
                finding(
                    "cascade.holder_too_many",
                    value=len(codes),
                    person_id=pid,
                    count=len(codes),
                    max=max_rows,
                    dropped=", ".join(codes[max_rows:]),
                    sheet=text_of(records[0].get("_sheet")) if records else "",
                    file=text_of(records[0].get("_file")) if records else "",
                )
            )
            codes = codes[:max_rows]
        given = [mine[c][0] for c in codes]
        weights = weights_to_100(given)
        if weights != given:
            rescaled.append(
                finding(
                    "cascade.holder_weights",
                    value=" + ".join("?" if w is None else str(w) for w in given),
                    person_id=pid,
                    weights=", ".join(str(w) for w in weights),
                    sheet=text_of(records[0].get("_sheet")) if records else "",
                    file=text_of(records[0].get("_file")) if records else "",
                )
            )
        kpis[pid] = list(zip(codes, weights, strict=True))
    return Holdings(kpis, out, rescaled)


def check_cascade(
    org: pd.DataFrame,
    units: pd.DataFrame,
    cards: pd.DataFrame,
    people: pd.DataFrame,
    *,
    os_matrix: pd.DataFrame | None = None,
    holders: pd.DataFrame | None = None,
    max_kpis: int = 10,
    holder_rows: int | None = None,
    holder_columns: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Every check of SPEC §7 and issue 6, as findings.

    An organisation KPI's owner is the owner unit named on its row together with the
    units the OS matrix marks O for it: exactly one unit must remain. With an OS matrix,
    every unit KPI needs exactly one Owner in it as well. ``holders`` (the KPIHolders
    sheet) may only hand out unit KPIs, each once per person, at most ``holder_rows``
    per person (see :func:`holdings`).
    """
    out: list[Finding] = []
    matrix_owners = _owners(os_matrix)
    for r in org.to_dict("records"):
        named = {o.strip() for o in text_of(r.get("owner_unit")).replace(";", ",").split(",")}
        owners = (named - {""}) | matrix_owners.get(text_of(r["code"]), set())
        if len(owners) != 1:
            out.append(finding("cascade.owner", value=r["code"], count=len(owners)))
    out += _os_findings(os_matrix, org, units)
    unit_codes = {text_of(c) for c in units["code"]}
    out += holdings(holders, unit_codes, max_rows=holder_rows, columns=holder_columns).findings
    targets = {
        text_of(r["code"]): parse_number(r.get("target")).value
        for r in [*org.to_dict("records"), *units.to_dict("records")]
    }
    split = (
        units[units["derivation"] == "split_target"] if "derivation" in units else units.iloc[0:0]
    )
    for parent, group in split.groupby("parent_code", sort=True):
        values = [parse_number(v).value for v in group["target"]]
        target = targets.get(text_of(parent))
        if target is None or any(v is None for v in values):
            continue
        total = sum((v for v in values if v is not None), Decimal(0))
        directions = {text_of(d) for d in group.get("direction", pd.Series(dtype=object))}
        # the split must reach the parent's target in the KPI's direction: at least the
        # target when more is better, at most when less is better (equal is always right)
        short = total > target if directions == {"lower"} else total < target
        if short:
            out.append(finding("cascade.split_sum", value=parent, total=total, target=target))
    for r in units.to_dict("records"):
        levels: list[Any] = [r.get(f"l{i}") for i in range(1, 6)]
        if r.get("kind", "quantitative") == "quantitative" and not any(_blank(v) for v in levels):
            try:
                check_levels(levels, text_of(r.get("direction")) or "higher")
            except InputError as exc:
                out.append(
                    Finding(
                        "kpi.levels_not_monotone",
                        exc.message_th,
                        exc.message_en,
                        field="l1",
                        value=text_of(r["code"]),
                    )
                )
    carried = {
        (text_of(p.get("unit")), text_of(p.get("parent_code"))) for p in people.to_dict("records")
    }
    for r in units.to_dict("records"):
        if (text_of(r.get("unit")), text_of(r["code"])) not in carried:
            out.append(finding("cascade.uncarried", value=r["code"], unit=r.get("unit")))
    known = set(targets)
    for p in people.to_dict("records"):
        parent = text_of(p.get("parent_code"))
        if parent and parent not in known:
            out.append(
                finding(
                    "cascade.parent_missing",
                    value=parent,
                    kpi_code=p.get("kpi_code"),
                    person_id=p.get("person_id"),
                )
            )
    card_rows = {text_of(c["code"]): c for c in cards.to_dict("records")}
    names = {
        text_of(r["code"]): text_of(r.get("name"))
        for r in [*org.to_dict("records"), *units.to_dict("records")]
    }
    for code in [*org["code"], *units["code"]]:
        card = card_rows.get(text_of(code))
        if card is None:
            out.append(finding("cascade.card_missing", value=code))
            continue
        out += _card_agrees(text_of(code), card, names, targets)
        missing = [f for f in CARD_FIELDS if _blank(card.get(f))]
        if missing:
            out.append(
                finding(
                    "cascade.card_incomplete",
                    value=code,
                    missing=", ".join(CARD_FIELDS[f] for f in missing),
                    missing_en=", ".join(missing),
                )
            )
    counts = people.groupby("person_id").size()
    for person, count in counts.items():
        if count > max_kpis:
            out.append(finding("kpi.too_many", person_id=person, count=count, max=max_kpis))
    return out


def _card_agrees(
    code: str,
    card: Mapping[Any, Any],
    names: Mapping[str, str],
    targets: Mapping[str, Decimal | None],
) -> list[Finding]:
    """A card's name and target, where it gives them, are its KPI's (OrgKPIs/UnitKPIs)."""
    out: list[Finding] = []
    name = text_of(card.get("name"))
    if name and names.get(code) and name != names[code]:
        out.append(finding("cascade.card_name", value=code, name=name, kpi_name=names[code]))
    target = parse_number(card.get("target")).value
    kpi_target = targets.get(code)
    if target is not None and kpi_target is not None and target != kpi_target:
        out.append(finding("cascade.card_target", value=code, target=target, kpi_target=kpi_target))
    return out


@dataclass
class Alignment:
    """The alignment report's tables."""

    people: pd.DataFrame  # person_id, unit, weight, aligned_weight, share
    units: pd.DataFrame  # unit, weight, aligned_weight, share
    uncarried: pd.DataFrame  # unit KPIs nobody carries
    untraced: pd.DataFrame  # individual KPIs that trace to nothing


def _reaches_org(code: str, parents: dict[str, str], org: set[str]) -> bool:
    seen: set[str] = set()
    while code and code not in seen:
        if code in org:
            return True
        seen.add(code)
        code = parents.get(code, "")
    return False


def alignment(org: pd.DataFrame, units: pd.DataFrame, people: pd.DataFrame) -> Alignment:
    """How much of each person's and unit's KPI weight traces up to organisation KPIs."""
    org_codes = {text_of(c) for c in org["code"]}
    parents = {text_of(r["code"]): text_of(r.get("parent_code")) for r in units.to_dict("records")}
    rows = []
    for p in people.to_dict("records"):
        parent = text_of(p.get("parent_code"))
        weight = parse_number(p.get("weight")).value or Decimal(0)
        rows.append(
            {
                "person_id": p["person_id"],
                "unit": text_of(p.get("unit")),
                "kpi_code": p.get("kpi_code"),
                "weight": weight,
                "aligned": _reaches_org(parent, parents, org_codes),
                "traced": bool(parent) and (parent in parents or parent in org_codes),
            }
        )
    frame = pd.DataFrame(
        rows, columns=["person_id", "unit", "kpi_code", "weight", "aligned", "traced"]
    )

    def summarise(keys: list[str]) -> pd.DataFrame:
        out = []
        for key, group in frame.groupby(keys, sort=True):
            total = sum(group["weight"], Decimal(0))
            aligned = sum(group.loc[group["aligned"], "weight"], Decimal(0))
            share = (aligned / total * 100).quantize(Decimal("0.01")) if total else Decimal(0)
            values = key if isinstance(key, tuple) else (key,)
            out.append(
                {
                    **dict(zip(keys, values, strict=True)),
                    "weight": total,
                    "aligned_weight": aligned,
                    "share": share,
                }
            )
        return pd.DataFrame(out, columns=[*keys, "weight", "aligned_weight", "share"])

    carried = {
        (text_of(r["unit"]), text_of(r.get("parent_code"))) for r in people.to_dict("records")
    }
    uncarried = units[
        [(text_of(r["unit"]), text_of(r["code"])) not in carried for r in units.to_dict("records")]
    ]
    return Alignment(
        people=summarise(["person_id", "unit"]),
        units=summarise(["unit"]),
        uncarried=uncarried.reset_index(drop=True),
        untraced=frame[~frame["traced"]].reset_index(drop=True),
    )


def tree(org: pd.DataFrame, units: pd.DataFrame, people: pd.DataFrame) -> str:
    """The cascade as an indented text tree: organisation → unit → person."""
    lines = []
    for o in org.to_dict("records"):
        lines.append(f"{o['code']} {o.get('name', '')} [{o.get('perspective', '')}]")
        for u in units[units["parent_code"] == o["code"]].to_dict("records"):
            lines.append(
                f"  └ {u['code']} {u.get('name', '')} ({u['unit']}, {DERIVATIONS.get(u.get('derivation'), u.get('derivation'))})"
            )
            for p in people[people["parent_code"] == u["code"]].to_dict("records"):
                lines.append(
                    f"      └ {p['person_id']}: {p.get('kpi_code')} {p.get('kpi_name', '')} ({p.get('weight')}%)"
                )
    return "\n".join(lines)
