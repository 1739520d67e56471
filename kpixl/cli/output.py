"""Printing helpers shared by the commands: findings, TOML, JSON."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from kpixl.core.findings import Finding

__all__ = [
    "baht",
    "echo_findings",
    "finding_line",
    "findings_json",
    "scores_line",
    "to_json",
    "to_toml",
]


def baht(amount: Decimal) -> str:
    """Money as people write it: ``28,860`` or ``1,458.80``."""
    if amount == amount.to_integral_value():
        return f"{int(amount):,}"
    return f"{amount:,.2f}"


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_json(data: object) -> str:
    """JSON with Decimals as strings (exact) and Thai kept readable."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=_json_default)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return (
            "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
        )
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _toml_key(key: str) -> str:
    return (
        key
        if key.replace("_", "").replace("-", "").isalnum() and key.isascii()
        else json.dumps(key, ensure_ascii=False)
    )


def to_toml(data: Mapping[str, Any], *, prefix: str = "") -> str:
    """A small TOML writer for rule data: scalars first, then tables, arrays of tables."""
    lines: list[str] = []
    tables: list[tuple[str, Mapping[str, Any]]] = []
    arrays: list[tuple[str, list[Mapping[str, Any]]]] = []
    for key, value in data.items():
        name = f"{prefix}.{_toml_key(key)}" if prefix else _toml_key(key)
        if isinstance(value, Mapping):
            tables.append((name, value))
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            arrays.append((name, value))
        else:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    out = "\n".join(lines)
    for name, table in tables:
        out += f"\n\n[{name}]\n" + to_toml(table, prefix=name)
    for name, items in arrays:
        for item in items:
            out += f"\n\n[[{name}]]\n" + to_toml(item, prefix=name)
    return out.strip("\n") if not prefix else out.lstrip("\n")


def _cell(f: Finding) -> str:
    """The finding's cell without a sheet prefix (``'ผลสัมฤทธิ์'!E8`` → ``E8``) when the
    finding already names that sheet: the sheet is printed once."""
    cell = f.cell
    if "!" in cell:
        sheet, _, ref = cell.rpartition("!")
        if not f.sheet or sheet.strip("'") == f.sheet:
            return ref if f.sheet else f"{sheet.strip(chr(39))} › {ref}"
    return cell


# control characters (C0 but none of them allowed, DEL, C1) in text read from a workbook:
# printed raw, an escape sequence would rewrite what the terminal shows
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _visible(text: str) -> str:
    """``text`` with each control character shown as Excel's ``_xHHHH_``."""
    return _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def finding_line(f: Finding) -> str:
    """One finding as the console shows it: ``ERROR code file › sheet › cell: ไทย / English``
    and the value read, when there is one. Never ``None`` or a Python repr, nor a control
    character from a workbook (shown as ``_xHHHH_``)."""
    where = " › ".join(part for part in (f.file, f.sheet, _cell(f)) if part)
    head = f"{f.severity.upper()} {f.rule} " + (f"{where}: " if where else "")
    value = f" [{f.field} = “{f.value}”]" if f.field and f.value not in ("", "None") else ""
    return _visible(f"{head}{f.message_th} / {f.message_en}{value}")


def scores_line(name: str, scores: Mapping[str, Any], *, ok: bool) -> str:
    """A person's recomputed scores, or why there are none (no ``None`` shown)."""
    status = "✓" if ok else "✗"
    if scores.get("total") is None:
        return f"{status} {name}: ยังคำนวณคะแนนไม่ได้ / scores cannot be computed yet"
    return (
        f"{status} {name}: ผลสัมฤทธิ์ {scores.get('achievement', '—')}, "
        f"สมรรถนะ {scores.get('competency', '—')}, รวม {scores['total']} → {scores.get('band', '—')}"
    )


def findings_json(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """Findings as the ``--json`` outputs list them: one object per finding."""
    return [asdict(f) for f in findings]


def echo_findings(findings: Iterable[Finding], *, as_json: bool = False) -> None:
    """Print findings, one per line (or as a JSON list)."""
    items = list(findings)
    if as_json:
        click.echo(to_json(findings_json(items)))
        return
    for f in items:
        colour = "red" if f.severity == "error" else "yellow"
        click.secho(finding_line(f), fg=colour)
