"""Cascading KPIs: organisation → unit → person, checked and reported (SPEC §7).

Pure functions over tables:

* organisation KPIs: ``code, name, perspective, target, weight, owner_unit``;
* unit KPIs: ``code, parent_code, unit, derivation, target, kind, direction, l1..l5``;
* KPI cards: ``code`` and the card fields (:data:`CARD_FIELDS`);
* individual KPIs: ``person_id, unit, kpi_code, parent_code, weight``.

:func:`check_cascade` returns findings; :func:`alignment` reports, per person and per
unit, the share of KPI weight that traces up to organisation KPIs, the unit KPIs
nobody carries and the individual KPIs that trace to nothing; :func:`tree` draws the
cascade as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd

from kpixl.core.codes import finding
from kpixl.core.errors import InputError
from kpixl.core.findings import Finding
from kpixl.core.numbers import parse_number
from kpixl.core.scoring import check_levels

__all__ = [
    "CARD_FIELDS",
    "DERIVATIONS",
    "PERSPECTIVES",
    "Alignment",
    "alignment",
    "check_cascade",
    "tree",
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


def _blank(value: Any) -> bool:
    return (
        value is None or (isinstance(value, float) and value != value) or str(value).strip() == ""
    )


def _text(value: Any) -> str:
    return "" if _blank(value) else str(value).strip()


def _owners(os_matrix: pd.DataFrame | None) -> dict[str, set[str]]:
    """KPI code → the units the OS matrix marks as its Owner (role O)."""
    owners: dict[str, set[str]] = {}
    if os_matrix is None or os_matrix.empty:
        return owners
    for r in os_matrix.to_dict("records"):
        if _text(r.get("role")).upper() in ("O", "OWNER", "เจ้าภาพ"):
            owners.setdefault(_text(r.get("kpi_code")), set()).add(_text(r.get("unit")))
    return owners


def _os_findings(
    os_matrix: pd.DataFrame | None, org: pd.DataFrame, units: pd.DataFrame
) -> list[Finding]:
    """Each unit KPI has one Owner in the OS matrix; every row names a known KPI and role."""
    out: list[Finding] = []
    if os_matrix is None or os_matrix.empty:
        return out
    known = {_text(c) for c in [*org["code"], *units["code"]]}
    for r in os_matrix.to_dict("records"):
        code, role = _text(r.get("kpi_code")), _text(r.get("role")).upper()
        if code not in known:
            out.append(finding("cascade.os_unknown", value=code, unit=r.get("unit")))
        elif role not in ("O", "S", "OWNER", "SUPPORTER", "เจ้าภาพ", "สนับสนุน"):
            out.append(finding("cascade.os_role", value=code, unit=r.get("unit"), role=role))
    owners = _owners(os_matrix)
    for r in units.to_dict("records"):
        code = _text(r["code"])
        found = owners.get(code, set())
        if len(found) != 1:
            out.append(finding("cascade.unit_owner", value=code, count=len(found)))
    return out


def check_cascade(
    org: pd.DataFrame,
    units: pd.DataFrame,
    cards: pd.DataFrame,
    people: pd.DataFrame,
    *,
    os_matrix: pd.DataFrame | None = None,
    holders: pd.DataFrame | None = None,
    max_kpis: int = 10,
) -> list[Finding]:
    """Every check of SPEC §7 and issue 6, as findings.

    An organisation KPI's owner is the owner unit named on its row together with the
    units the OS matrix marks O for it: exactly one unit must remain. With an OS matrix,
    every unit KPI needs exactly one Owner in it as well. ``holders`` (the KPIHolders
    sheet) may only hand out unit KPIs.
    """
    out: list[Finding] = []
    matrix_owners = _owners(os_matrix)
    for r in org.to_dict("records"):
        named = {o.strip() for o in _text(r.get("owner_unit")).replace(";", ",").split(",")}
        owners = (named - {""}) | matrix_owners.get(_text(r["code"]), set())
        if len(owners) != 1:
            out.append(finding("cascade.owner", value=r["code"], count=len(owners)))
    out += _os_findings(os_matrix, org, units)
    unit_codes = {_text(c) for c in units["code"]}
    for h in [] if holders is None else holders.to_dict("records"):
        if _text(h.get("kpi_code")) and _text(h.get("kpi_code")) not in unit_codes:
            out.append(
                finding("cascade.holder_unknown", value=h["kpi_code"], person_id=h.get("person_id"))
            )
    targets = {
        _text(r["code"]): parse_number(r.get("target")).value
        for r in [*org.to_dict("records"), *units.to_dict("records")]
    }
    split = (
        units[units["derivation"] == "split_target"] if "derivation" in units else units.iloc[0:0]
    )
    for parent, group in split.groupby("parent_code", sort=True):
        values = [parse_number(v).value for v in group["target"]]
        target = targets.get(_text(parent))
        if target is None or any(v is None for v in values):
            continue
        total = sum((v for v in values if v is not None), Decimal(0))
        directions = {_text(d) for d in group.get("direction", pd.Series(dtype=object))}
        # the split must reach the parent's target in the KPI's direction: at least the
        # target when more is better, at most when less is better (equal is always right)
        short = total > target if directions == {"lower"} else total < target
        if short:
            out.append(finding("cascade.split_sum", value=parent, total=total, target=target))
    for r in units.to_dict("records"):
        levels: list[Any] = [r.get(f"l{i}") for i in range(1, 6)]
        if r.get("kind", "quantitative") == "quantitative" and not any(_blank(v) for v in levels):
            try:
                check_levels(levels, _text(r.get("direction")) or "higher")
            except InputError as exc:
                out.append(
                    Finding(
                        "kpi.levels_not_monotone",
                        exc.message_th,
                        exc.message_en,
                        field="l1",
                        value=_text(r["code"]),
                    )
                )
    carried = {
        (_text(p.get("unit")), _text(p.get("parent_code"))) for p in people.to_dict("records")
    }
    for r in units.to_dict("records"):
        if (_text(r.get("unit")), _text(r["code"])) not in carried:
            out.append(finding("cascade.uncarried", value=r["code"], unit=r.get("unit")))
    known = set(targets)
    for p in people.to_dict("records"):
        parent = _text(p.get("parent_code"))
        if parent and parent not in known:
            out.append(
                finding(
                    "cascade.parent_missing",
                    value=parent,
                    kpi_code=p.get("kpi_code"),
                    person_id=p.get("person_id"),
                )
            )
    card_rows = {_text(c["code"]): c for c in cards.to_dict("records")}
    for code in [*org["code"], *units["code"]]:
        card = card_rows.get(_text(code))
        if card is None:
            out.append(finding("cascade.card_missing", value=code))
            continue
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
    org_codes = {_text(c) for c in org["code"]}
    parents = {_text(r["code"]): _text(r.get("parent_code")) for r in units.to_dict("records")}
    rows = []
    for p in people.to_dict("records"):
        parent = _text(p.get("parent_code"))
        weight = parse_number(p.get("weight")).value or Decimal(0)
        rows.append(
            {
                "person_id": p["person_id"],
                "unit": _text(p.get("unit")),
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

    carried = {(_text(r["unit"]), _text(r.get("parent_code"))) for r in people.to_dict("records")}
    uncarried = units[
        [(_text(r["unit"]), _text(r["code"])) not in carried for r in units.to_dict("records")]
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
