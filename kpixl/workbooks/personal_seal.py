"""The seal of a personal workbook: its cells, its findings, and when sealing is refused.

The rules are in :mod:`kpixl.core.seal`; this module maps them to the form's cells
(:data:`~kpixl.workbooks.personal_layout.SEAL_CELLS`) and to findings in Thai and
English. The agency key comes from ``KPIXL_SEAL_KEY``; its id (never the key) may be
in the master's Config as ``seal_key_id``, so that a wrong key is caught at once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kpixl.core.codes import finding
from kpixl.core.findings import Finding
from kpixl.core.seal import (
    Change,
    SealProblem,
    StoredSeal,
    check_seal,
    content_digest,
    fingerprint,
    is_key_id,
    key_id,
    row_digests,
)
from kpixl.core.thaitime import english_datetime, parse_stamp, stamp, thai_datetime
from kpixl.workbooks import personal_layout as L

if TYPE_CHECKING:
    from kpixl.workbooks.personal import PersonalForm

__all__ = [
    "KEY_ENV",
    "agency_key_findings",
    "seal_edits",
    "seal_findings",
    "seal_key",
    "sealed_when",
]

KEY_ENV = "KPIXL_SEAL_KEY"
Records = Sequence[Mapping[str, Any]]


def seal_key() -> str | None:
    """The agency key for sealing, from ``KPIXL_SEAL_KEY`` (None when unset)."""
    return os.environ.get(KEY_ENV) or None


def _expected_id(text: object) -> str:
    return str(text or "").strip().lower()


def agency_key_findings(
    config_key_id: object, *, key: str | None, file: str = "", sheet: str = ""
) -> list[Finding]:
    """The key set here against the id the master's Config names (one finding, at once)."""
    expected = _expected_id(config_key_id)
    if not expected:
        return []
    where = {"file": file, "sheet": sheet, "field": "seal_key_id", "value": expected}
    if not is_key_id(expected):
        return [
            finding(
                "seal.key_mismatch",
                why=f"seal_key_id ใน Config ต้องเป็นเลขฐานสิบหก 16 หลัก (พบ “{expected}”)",
                why_en=f"Config's seal_key_id must be 16 hex digits (found “{expected}”)",
                **where,
            )
        ]
    if not key:
        return [
            finding(
                "seal.key_mismatch",
                why=f"Config กำหนดกุญแจรหัส {expected} แต่ไม่ได้ตั้ง {KEY_ENV}",
                why_en=f"Config names key id {expected} but {KEY_ENV} is not set",
                **where,
            )
        ]
    here = key_id(key)
    if here != expected:
        return [
            finding(
                "seal.key_mismatch",
                why=f"กุญแจที่ตั้งไว้มีรหัส {here} แต่ Config กำหนดรหัส {expected}",
                why_en=f"the key set here has id {here}, Config names id {expected}",
                **where,
            )
        ]
    return []


def sealed_when(meta: Mapping[str, Any]) -> tuple[str, str]:
    """When the agreement was sealed, in Thai (Buddhist era) and English (Bangkok)."""
    moment = parse_stamp(meta.get("sealed_at"))
    if moment is None:
        raw = str(meta.get("sealed_at") or "").strip()
        return (raw or "(ไม่ทราบเวลา)", raw or "(unknown time)")
    return thai_datetime(moment), english_datetime(moment)


# ------------------------------------------------------------------------ findings

_KPI_LABELS = {f: (letter, th) for f, (letter, th) in L.KPI_COLUMNS.items()}
_COMP_LABELS = {f: (letter, th) for f, (letter, th) in L.COMP_COLUMNS.items()}
_MALFORMED = {
    "blank": ("ว่างเปล่า", "it is blank"),
    "not_hex": ("ไม่ใช่ค่าที่ kpixl เขียนไว้", "it is not what kpixl wrote"),
    "unknown_method": ("ไม่ใช่วิธีที่ kpixl ใช้ (hmac-sha256 หรือ sha256)", "not hmac-sha256 or sha256"),
    "disagree": ("ไม่ตรงกับลายนิ้วมือของเนื้อหาข้อตกลง", "it does not match the content fingerprint"),
}


def _key_reason(problem: SealProblem) -> tuple[str, str]:
    sealed = problem.sealed_key_id or "ไม่ระบุ"
    sealed_en = problem.sealed_key_id or "not recorded"
    expected = problem.expected_key_id
    if problem.reason == "not_hmac":
        return (
            f"ตราเป็น SHA-256 ธรรมดาที่ใครก็คำนวณใหม่ได้ ไม่ใช่ HMAC ด้วยกุญแจของหน่วยงาน (รหัส {expected})",
            f"it is a plain SHA-256 anyone can recompute, not an HMAC under the agency key"
            f" (id {expected})",
        )
    if problem.reason == "other_key":
        return (
            f"ลงนามด้วยกุญแจรหัส {sealed} แต่ Config ของสมุดงานหลักกำหนดกุญแจรหัส {expected}",
            f"it was sealed with key id {sealed_en}; the master's Config names key id {expected}",
        )
    if problem.reason == "wrong_key":
        return (
            f"ลงนามด้วยกุญแจรหัส {sealed} แต่กุญแจที่ตั้งไว้ ({KEY_ENV}) มีรหัส {expected}",
            f"it was sealed with key id {sealed_en}; the key set here ({KEY_ENV}) has id {expected}",
        )
    if problem.reason == "no_key":
        return (
            f"ลงนามด้วยกุญแจของหน่วยงาน (รหัส {sealed}) แต่ไม่ได้ตั้ง {KEY_ENV} จึงตรวจตราไม่ได้",
            f"it was sealed with the agency key (id {sealed_en}) but {KEY_ENV} is not set,"
            " so it cannot be checked",
        )
    return (
        "ตราไม่ใช่ HMAC ของข้อตกลงนี้ด้วยกุญแจของหน่วยงาน (ถูกปลอมหรือคัดลอกมาจากไฟล์อื่น)",
        "it is not this agreement's HMAC under the agency key (forged, or copied from another file)",
    )


def _by_row(records: Records) -> dict[int, Mapping[str, Any]]:
    out = {}
    for record in records:
        try:
            out[int(record.get("_row"))] = record  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
    return out


def _change_findings(
    change: Change, kpis: Records, comps: Records, where: dict[str, Any]
) -> list[Finding]:
    """One finding per changed field, added or removed row, at its own cell."""
    if change.table == "person":
        th, en = "แก้เลขประจำตัวประชาชน", "the national id edited"
        cell = L.IDENTITY["person_id"][1]
        return [_changed(th, en, cell, "person_id", change.label, where)]
    kpi = change.table == "kpi"
    labels = _KPI_LABELS if kpi else _COMP_LABELS
    noun_th, noun_en = ("ตัวชี้วัด", "KPI") if kpi else ("สมรรถนะ", "competency")
    first = "kpi_code" if kpi else "competency"
    cell = f"{labels[first][0]}{change.row}"
    name = f" {change.label}" if change.label else ""
    if change.kind == "added":
        th, en = (
            f"เพิ่ม{noun_th}{name} (แถว {change.row})",
            f"{noun_en}{name} added (row {change.row})",
        )
        return [_changed(th, en, cell, first, change.label, where)]
    if change.kind == "removed":
        th = f"ลบ{noun_th}ที่ลงนามไว้ในแถว {change.row}"
        en = f"the {noun_en} sealed in row {change.row} removed"
        return [_changed(th, en, cell, first, "", where)]
    record = _by_row(kpis if kpi else comps).get(change.row, {})
    out = []
    for fld in change.fields:
        letter, label = labels[fld]
        th = f"แก้{label} ของ{noun_th}{name} (แถว {change.row})"
        en = f"{fld} of {noun_en}{name} edited (row {change.row})"
        out.append(_changed(th, en, f"{letter}{change.row}", fld, record.get(fld), where))
    return out


def _changed(th: str, en: str, cell: str, fld: str, value: Any, where: dict[str, Any]) -> Finding:
    return finding(
        "form.sealed_changed",
        field=fld,
        value=value,
        what=th,
        what_en=en,
        sheet=L.AGREEMENT,
        cell=cell,
        **where,
    )


def seal_findings(
    form: PersonalForm,
    kpis: Records,
    comps: Records,
    *,
    key: str | None,
    key_id: str | None = None,
) -> list[Finding]:
    """Every reason the form's seal does not hold (see :func:`kpixl.core.seal.check_seal`).

    ``kpis`` and ``comps`` are the validated agreement rows (with ``_row``); ``key_id``
    the id in the master's Config, if known.
    """
    stored = StoredSeal.from_meta(form.meta)
    person = str(form.identity.get("person_id") or "")
    when, when_en = sealed_when(form.meta)
    where: dict[str, Any] = {"file": form.path.name, "person_id": person}
    if not stored.sealed:
        if key or _expected_id(key_id):
            return [
                finding(
                    "form.not_sealed",
                    sheet=L.HIDDEN,
                    cell=L.seal_cell("fingerprint"),
                    field="fingerprint",
                    **where,
                )
            ]
        return []
    out: list[Finding] = []
    problems = check_seal(
        stored, person, kpis, comps, key=key, expected_key_id=_expected_id(key_id) or None
    )
    for problem in problems:
        if problem.kind == "malformed":
            th, en = _MALFORMED[problem.reason]
            out.append(
                finding(
                    "form.seal_malformed",
                    field=problem.field,
                    value=getattr(stored, _STORED[problem.field]),
                    why=th,
                    why_en=en,
                    sheet=L.HIDDEN,
                    cell=L.seal_cell(problem.field),
                    **where,
                )
            )
        elif problem.kind == "key":
            th, en = _key_reason(problem)
            if problem.content_unchanged:
                th += " ส่วนลายนิ้วมือเนื้อหาไม่พบการเปลี่ยนแปลง"
                en += "; the content fingerprint shows the agreement unchanged"
            out.append(
                finding(
                    "form.seal_key",
                    field="fingerprint",
                    value=stored.fingerprint,
                    why=th,
                    why_en=en,
                    when=when,
                    when_en=when_en,
                    sheet=L.HIDDEN,
                    cell=L.seal_cell("fingerprint"),
                    **where,
                )
            )
        elif problem.changes:
            context = {**where, "when": when, "when_en": when_en}
            for change in problem.changes:
                out += _change_findings(change, kpis, comps, context)
        else:
            th, en = (
                ("ข้อตกลง (หรือกุญแจที่ใช้ลงนาม: ตราแบบเดิมแยกไม่ได้)", "the agreement, or the key")
                if problem.reason == "or_key"
                else ("เนื้อหาข้อตกลง", "its content")
            )
            cell = f"A{L.KPI_FIRST}:N{L.COMP_LAST}"
            context = {**where, "when": when, "when_en": when_en}
            out.append(_changed(th, en, cell, "fingerprint", "", context))
    return out


_STORED = {
    "fingerprint": "fingerprint",
    "seal_method": "method",
    "seal_content": "content",
    "seal_key_id": "key_id",
}


# ------------------------------------------------------------------------- sealing


def seal_edits(
    person_id: str,
    kpis: Records,
    comps: Records,
    *,
    key: str | None,
    now: datetime,
    revision: int,
) -> tuple[str, str, dict[str, Any]]:
    """``(method, digest, hidden-sheet cell → value)`` of a new seal."""
    method, digest = fingerprint(person_id, kpis, comps, key=key)
    return (
        method,
        digest,
        {
            L.seal_cell("fingerprint"): digest,
            L.seal_cell("seal_method"): method,
            L.seal_cell("sealed_at"): stamp(now),
            L.seal_cell("seal_content"): content_digest(person_id, kpis, comps),
            L.seal_cell("seal_key_id"): key_id(key) if key else "",
            L.seal_cell("seal_rows"): row_digests(person_id, kpis, comps),
            L.meta_cell("revision"): revision,
        },
    )
