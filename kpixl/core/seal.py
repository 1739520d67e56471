"""Sealing an agreement: a fingerprint of what staff and supervisor agreed on.

The fingerprint covers the KPIs (code, name, kind, direction, unit, five levels,
weight, parent code, category) and the competencies (name, expected level, weight),
in a canonical text form, so that re-saving a workbook or reordering rows does not
change it but any change of substance does.

A seal is six values kept in the workbook::

    fingerprint   the seal: HMAC-SHA256 of the agreement under the agency key
                  (method ``hmac-sha256``), or its plain SHA-256 (``sha256``) when no key
    seal_method   which of the two
    sealed_at     when, in Asia/Bangkok
    seal_content  the plain SHA-256 of the agreement: the content fingerprint
    seal_key_id   the agency key's id, :func:`key_id` (never the key itself)
    seal_rows     four hex digits per sealed field (:func:`row_digests`): what changed

Checking a seal (:func:`check_seal`) never lets the workbook decide how it is checked.
With an agency key configured (the key itself, or only its id from the master's
Config) the seal must be an HMAC under that key, whatever method the file claims::

    seal cells blank or not hex, method unknown      → malformed
    content fingerprint ≠ the agreement now          → changed (which rows and fields)
    content unchanged, and
        a key is configured but the seal is sha256   → key (not_hmac)
        sealed under another key id than Config's    → key (other_key)
        sealed under another key than the one here   → key (wrong_key)
        HMAC seal but no key here to check it        → key (no_key)
        the HMAC does not verify under the key       → key (bad_hmac)

Without any key configured a plain SHA-256 seal shows accidental edits only: anyone can
recompute it. Seals made before ``seal_content`` existed are checked as they were
made (the sha256 fingerprint is the content fingerprint; an HMAC that does not verify
cannot tell a change from another key).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

__all__ = [
    "COMPETENCY_FIELDS",
    "KPI_FIELDS",
    "METHODS",
    "Change",
    "SealProblem",
    "StoredSeal",
    "changes",
    "check_seal",
    "content_digest",
    "fingerprint",
    "is_key_id",
    "key_id",
    "row_digests",
]

KPI_FIELDS = (
    "kpi_code",
    "kpi_name",
    "kind",
    "direction",
    "unit",
    "l1",
    "l2",
    "l3",
    "l4",
    "l5",
    "weight",
    "parent_code",
    "category",
)
COMPETENCY_FIELDS = ("competency", "expected", "weight")
HMAC, SHA256 = "hmac-sha256", "sha256"
METHODS = (HMAC, SHA256)
KEY_ID_LENGTH = 16
_FIELD_DIGEST = 4  # hex digits per field in seal_rows: enough to say which one changed
_HEX64 = re.compile(r"[0-9a-f]{64}")
_KEY_ID = re.compile(rf"[0-9a-f]{{{KEY_ID_LENGTH}}}")
_ROWS_VERSION = "1"


def _canonical(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float, Decimal)):
        d = Decimal(str(value)).normalize()
        return format(d, "f")
    return " ".join(str(value).split())


def _rows(rows: Iterable[Mapping[str, Any]], fields: tuple[str, ...]) -> list[list[str]]:
    out = [[_canonical(row.get(f)) for f in fields] for row in rows]
    return sorted(r for r in out if any(r))


def _payload(
    person_id: str,
    kpis: Iterable[Mapping[str, Any]],
    competencies: Iterable[Mapping[str, Any]],
) -> bytes:
    return json.dumps(
        {
            "person_id": _canonical(person_id),
            "kpis": _rows(kpis, KPI_FIELDS),
            "competencies": _rows(competencies, COMPETENCY_FIELDS),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")


def _secret(key: str | bytes) -> bytes:
    return key.encode("utf-8") if isinstance(key, str) else key


def key_id(key: str | bytes) -> str:
    """The id of an agency key: the first 16 hex digits of its SHA-256 (not the key)."""
    return hashlib.sha256(_secret(key)).hexdigest()[:KEY_ID_LENGTH]


def is_key_id(text: str) -> bool:
    return bool(_KEY_ID.fullmatch(text))


def content_digest(
    person_id: str,
    kpis: Iterable[Mapping[str, Any]],
    competencies: Iterable[Mapping[str, Any]],
) -> str:
    """The plain SHA-256 of the agreement (the seal's content fingerprint)."""
    return hashlib.sha256(_payload(person_id, kpis, competencies)).hexdigest()


def fingerprint(
    person_id: str,
    kpis: Iterable[Mapping[str, Any]],
    competencies: Iterable[Mapping[str, Any]],
    *,
    key: str | bytes | None = None,
) -> tuple[str, str]:
    """``(method, hex digest)`` of an agreement; method ``hmac-sha256`` or ``sha256``."""
    payload = _payload(person_id, kpis, competencies)
    if key:
        return HMAC, hmac.new(_secret(key), payload, hashlib.sha256).hexdigest()
    return SHA256, hashlib.sha256(payload).hexdigest()


# ------------------------------------------------------------------- what changed

Table = Literal["person", "kpi", "competency"]
_TABLES: dict[str, tuple[Table, tuple[str, ...]]] = {
    "k": ("kpi", KPI_FIELDS),
    "c": ("competency", COMPETENCY_FIELDS),
}


def _short(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:_FIELD_DIGEST]


def _form_row(number: Any, position: int) -> int:
    try:
        return int(number)
    except (TypeError, ValueError, OverflowError):
        return position


def _row_entries(
    rows: Iterable[Mapping[str, Any]], fields: tuple[str, ...]
) -> list[tuple[int, str, str]]:
    """(form row, field digests, first field as typed) of every row with content."""
    out = []
    for position, row in enumerate(rows):
        values = [_canonical(row.get(f)) for f in fields]
        if not any(values):
            continue
        out.append((_form_row(row.get("_row"), position), "".join(map(_short, values)), values[0]))
    return out


def row_digests(
    person_id: str,
    kpis: Iterable[Mapping[str, Any]],
    competencies: Iterable[Mapping[str, Any]],
) -> str:
    """``seal_rows``: per sealed row (by its form row, ``_row``) a short digest per field.

    ``1;p:ab12;k12:<13×4 hex>;…;c31:<3×4 hex>;…`` — about a kilobyte for a full form,
    no text typed by the person, enough to say which row and field changed.
    """
    parts = [_ROWS_VERSION, f"p:{_short(_canonical(person_id))}"]
    for tag, rows in (("k", kpis), ("c", competencies)):
        parts += [f"{tag}{r}:{d}" for r, d, _ in _row_entries(rows, _TABLES[tag][1])]
    return ";".join(parts)


_ROW_ITEM = re.compile(r"([kc])(\d{1,6}):([0-9a-f]+)")


def _parse_rows(text: str) -> tuple[str, dict[str, list[tuple[int, str]]]] | None:
    parts = text.strip().split(";")
    if len(parts) < 2 or parts[0] != _ROWS_VERSION or not re.fullmatch(r"p:[0-9a-f]{4}", parts[1]):
        return None
    tables: dict[str, list[tuple[int, str]]] = {"k": [], "c": []}
    for item in parts[2:]:
        m = _ROW_ITEM.fullmatch(item)
        if m is None or len(m.group(3)) != _FIELD_DIGEST * len(_TABLES[m.group(1)][1]):
            return None
        tables[m.group(1)].append((int(m.group(2)), m.group(3)))
    return parts[1][2:], tables


@dataclass(frozen=True)
class Change:
    """One difference between the sealed agreement and the agreement now.

    ``row`` is the form row: the row now (``changed``, ``added``) or the row the sealed
    one was in (``removed``); ``label`` is the row's code or competency as typed now.
    """

    table: Table
    kind: Literal["changed", "added", "removed"]
    row: int = 0
    fields: tuple[str, ...] = ()
    label: str = ""


def _split(digests: str) -> list[str]:
    return [digests[i : i + _FIELD_DIGEST] for i in range(0, len(digests), _FIELD_DIGEST)]


def _table_changes(
    table: Table,
    fields: tuple[str, ...],
    sealed: list[tuple[int, str]],
    now: list[tuple[int, str, str]],
) -> list[Change]:
    left = list(sealed)
    pending: list[tuple[int, str, str]] = []
    for entry in now:  # identical rows, wherever they moved
        same = [s for s in left if s[1] == entry[1]]
        if same:
            left.remove(min(same, key=lambda s: abs(s[0] - entry[0])))
        else:
            pending.append(entry)
    pairs: list[tuple[tuple[int, str], tuple[int, str, str]]] = []
    for match in (
        lambda s, e: _split(s[1])[0] == _split(e[1])[0],  # same code / competency
        lambda s, e: s[0] == e[0],  # same row
    ):
        rest = []
        for entry in pending:
            found = next((s for s in left if match(s, entry)), None)
            if found is None:
                rest.append(entry)
            else:
                left.remove(found)
                pairs.append((found, entry))
        pending = rest
    out = []
    for (_, old), (row, new, label) in pairs:
        diff = tuple(f for f, a, b in zip(fields, _split(old), _split(new), strict=True) if a != b)
        out.append(Change(table, "changed", row, diff or fields, label))
    out += [Change(table, "added", row, (), label) for row, _, label in pending]
    out += [Change(table, "removed", row) for row, _ in left]
    return sorted(out, key=lambda c: (c.row, c.kind))


def changes(
    stored_rows: str,
    person_id: str,
    kpis: Iterable[Mapping[str, Any]],
    competencies: Iterable[Mapping[str, Any]],
) -> list[Change] | None:
    """What differs from the sealed rows (``seal_rows``); None when they cannot be read."""
    parsed = _parse_rows(stored_rows)
    if parsed is None:
        return None
    person, tables = parsed
    out = []
    if person != _short(_canonical(person_id)):
        out.append(Change("person", "changed", 0, ("person_id",), _canonical(person_id)))
    for tag, rows in (("k", kpis), ("c", competencies)):
        table, fields = _TABLES[tag]
        out += _table_changes(table, fields, tables[tag], _row_entries(rows, fields))
    return out


# ----------------------------------------------------------------- checking a seal


def _cell_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


@dataclass(frozen=True)
class StoredSeal:
    """The seal's values as the workbook holds them (text, possibly blank or damaged)."""

    fingerprint: str = ""
    method: str = ""
    sealed_at: str = ""
    content: str = ""
    key_id: str = ""
    rows: str = ""

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any]) -> StoredSeal:
        """From the workbook's metadata (fields ``fingerprint``, ``seal_method``, …)."""
        return cls(
            fingerprint=_cell_text(meta.get("fingerprint")),
            method=_cell_text(meta.get("seal_method")),
            sealed_at=_cell_text(meta.get("sealed_at")),
            content=_cell_text(meta.get("seal_content")),
            key_id=_cell_text(meta.get("seal_key_id")),
            rows=_cell_text(meta.get("seal_rows")),
        )

    @property
    def sealed(self) -> bool:
        """Whether anything of a seal is there (a blanked fingerprint still counts)."""
        return any(
            (self.fingerprint, self.method, self.sealed_at, self.content, self.key_id, self.rows)
        )


@dataclass(frozen=True)
class SealProblem:
    """Why a seal does not hold.

    ``kind``: ``malformed`` (``field`` is the damaged seal value), ``changed`` (the
    agreement differs from the sealed one; ``changes`` lists how, None when the seal
    cannot tell), or ``key`` (``reason``: ``not_hmac``, ``other_key`` (not Config's key),
    ``wrong_key`` (not the key here), ``no_key`` or ``bad_hmac``; ``sealed_key_id`` and
    ``expected_key_id`` name the keys; ``content_unchanged`` when the content
    fingerprint shows the agreement as it was sealed).
    """

    kind: Literal["malformed", "changed", "key"]
    field: str = ""
    reason: str = ""
    changes: tuple[Change, ...] | None = None
    sealed_key_id: str = ""
    expected_key_id: str = ""
    content_unchanged: bool = False  # the content fingerprint shows no change


def _malformed(stored: StoredSeal) -> list[SealProblem]:
    out = []
    fp = stored.fingerprint.lower()
    if not _HEX64.fullmatch(fp):
        out.append(SealProblem("malformed", "fingerprint", "blank" if not fp else "not_hex"))
    if stored.method.lower() not in METHODS:
        reason = "blank" if not stored.method else "unknown_method"
        out.append(SealProblem("malformed", "seal_method", reason))
    if stored.content and not _HEX64.fullmatch(stored.content.lower()):
        out.append(SealProblem("malformed", "seal_content", "not_hex"))
    if stored.key_id and not _KEY_ID.fullmatch(stored.key_id.lower()):
        out.append(SealProblem("malformed", "seal_key_id", "not_hex"))
    return out


def check_seal(
    stored: StoredSeal,
    person_id: str,
    kpis: Sequence[Mapping[str, Any]],
    competencies: Sequence[Mapping[str, Any]],
    *,
    key: str | bytes | None = None,
    expected_key_id: str | None = None,
) -> list[SealProblem]:
    """Every reason the stored seal does not hold for the agreement now ([] if it holds).

    ``key`` is the agency key available here; ``expected_key_id`` the id the master's
    Config names. Either one means the seal must be an HMAC under the agency key.
    """
    if not stored.sealed:
        return []
    problems = _malformed(stored)
    broken = {p.field for p in problems}
    fp, method = stored.fingerprint.lower(), stored.method.lower()
    content = stored.content.lower() if "seal_content" not in broken else ""
    sealed_id = stored.key_id.lower() if "seal_key_id" not in broken else ""
    payload = _payload(person_id, kpis, competencies)
    now = hashlib.sha256(payload).hexdigest()
    if content:
        changed: bool | None = content != now
    elif method == SHA256 and "fingerprint" not in broken:
        changed = fp != now  # a seal made before the content fingerprint was kept
    else:
        changed = None  # cannot be told apart from the key (below)
    if changed:
        found = changes(stored.rows, person_id, kpis, competencies) if stored.rows else None
        problems.append(SealProblem("changed", changes=tuple(found) if found else None))
    elif changed is False and method == SHA256 and "fingerprint" not in broken and fp != now:
        problems.append(SealProblem("malformed", "fingerprint", "disagree"))
    if method not in METHODS:
        return problems
    expected = (expected_key_id or "").lower()
    here = key_id(key) if key else ""

    def key_problem(reason: str, expected_id: str = "") -> SealProblem:
        return SealProblem(
            "key",
            reason=reason,
            sealed_key_id=sealed_id,
            expected_key_id=expected_id,
            content_unchanged=changed is False,
        )

    if method == SHA256:
        if expected or here:
            problems.append(key_problem("not_hmac", expected or here))
        return problems
    if expected and sealed_id and sealed_id != expected:
        problems.append(key_problem("other_key", expected))
    elif not key:
        if not changed:
            problems.append(key_problem("no_key"))
    elif sealed_id and sealed_id != here:
        problems.append(key_problem("wrong_key", here))
    elif not changed and "fingerprint" not in broken:
        mac = hmac.new(_secret(key), payload, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(mac, fp):
            if content:
                problems.append(key_problem("bad_hmac", here))
            else:  # an older seal without its content fingerprint: cannot tell which
                problems.append(SealProblem("changed", reason="or_key"))
    return problems
