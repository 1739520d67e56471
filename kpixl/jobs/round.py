"""The round's settings, from the master's Config: rules, policy, limits, unit files.

The first stage of consolidation (and of ``kpixl cascade report``): everything that
decides how the unit workbooks are read and the pools allocated, checked before any
unit workbook is opened. A bad setting is a finding at its Config cell, never an
exception. The mail settings (:func:`mail_settings`) decide nothing here: a bad one is
a warning, so that HR sees it before ``kpixl mail send`` refuses it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kpixl.core.addresses import check_mailbox, shown
from kpixl.core.allocation import POLICIES, SHAPES
from kpixl.core.codes import finding
from kpixl.core.errors import RuleError
from kpixl.core.findings import Finding
from kpixl.core.mail_text import PLACEHOLDERS, unknown_placeholders
from kpixl.core.numbers import whole_setting
from kpixl.core.rules import Rules, load_rules, overrides_from_flat
from kpixl.core.text import text_of
from kpixl.core.thaitime import read_date
from kpixl.io.backups import DEFAULT_KEEP, MAX_KEEP, keep_setting
from kpixl.io.limits import UNIT, Limits, findings_per_file, limits_from_config
from kpixl.workbooks import master_layout as M

if TYPE_CHECKING:
    from kpixl.workbooks.master import MasterInputs

__all__ = [
    "POLICIES",
    "SECURITY",
    "SHAPES",
    "RoundSettings",
    "backups_to_keep",
    "document_dates",
    "mail_settings",
    "round_rules",
    "round_settings",
    "unit_files",
    "units_folder",
]


@dataclass(frozen=True)
class RoundSettings:
    """How a round is consolidated: plain data, so that workers can be handed it."""

    rules: Rules
    policy: str
    shape: str
    limits: Limits
    cap: int  # findings per unit workbook at most
    folder: Path  # where the unit workbooks are
    files: tuple[Path, ...]  # the unit workbooks, in name order


def unit_files(folder: Path) -> list[Path]:
    """The unit workbooks of a folder, in name order."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() in (".xlsx", ".xlsm") and not p.name.startswith(("~$", "."))
    )


def units_folder(inputs: MasterInputs, units_dir: str | Path | None = None) -> Path:
    """``units_dir``, else the Config's ``units_folder`` (``units``) beside the master."""
    if units_dir:
        return Path(units_dir)
    return inputs.path.parent / (text_of(inputs.config.get("units_folder")) or "units")


def round_rules(inputs: MasterInputs, master: Path, findings: list[Finding]) -> Rules | None:
    """The round's rules from the master's Config (overrides and agency file), or None
    with every problem appended to ``findings`` at its Config cell."""
    overrides, problems = overrides_from_flat([(k, v) for k, v, _ in inputs.rule_overrides])
    agency = text_of(inputs.config.get("agency_rules"))
    path = (master.parent / agency) if agency else None
    try:
        if problems:
            raise RuleError(problems, source="Config")
        return load_rules(path, overrides=overrides)
    except RuleError as exc:
        rows = {k: r for k, _, r in inputs.rule_overrides}
        for p in exc.problems:
            findings.append(
                Finding(
                    "config.rule",
                    f"กฎ {p.rule} = {p.value}: {p.message_th}",
                    f"rule {p.rule} = {p.value}: {p.message_en}",
                    file=master.name,
                    sheet=M.CONFIG,
                    cell=f"B{rows[p.rule]}" if p.rule in rows else "",
                    field=p.rule,
                    value=str(p.value),
                )
            )
        return None


def round_settings(
    inputs: MasterInputs,
    rules: Rules,
    findings: list[Finding],
    *,
    units_dir: str | Path | None = None,
    policy: str | None = None,
    shape: str | None = None,
) -> RoundSettings | None:
    """The round's settings from the master's inputs (``policy`` and ``shape`` given on
    the command line win over Config), or None with the reason appended to ``findings``.

    In: the master's inputs (read from the file or the open workbook) and the round's
    :func:`round_rules`. Out: the rules, the policy and shape, the limits on one unit
    workbook and the unit files to read.
    """
    master = inputs.path
    policy = policy or text_of(inputs.config.get("policy")) or "optimize"
    shape = shape or text_of(inputs.config.get("shape")) or "flat"
    for key, value, allowed in (("policy", policy, POLICIES), ("shape", shape, SHAPES)):
        if value not in allowed:
            findings.append(
                finding(
                    "consolidate.config",
                    field=key,
                    value=value,
                    why=f"ใช้ได้: {', '.join(allowed)}",
                    why_en=f"one of {', '.join(allowed)}",
                    file=master.name,
                    sheet=M.CONFIG,
                )
            )
            return None
    limits, problems = limits_from_config(inputs.config, UNIT, file=master.name, sheet=M.CONFIG)
    cap, more = findings_per_file(inputs.config, file=master.name, sheet=M.CONFIG)
    if problems or more:
        findings += problems + more
        return None
    folder = units_folder(inputs, units_dir)
    files = unit_files(folder) if folder.is_dir() else []
    if not files:
        findings.append(
            finding("consolidate.no_units", value=str(folder), file=master.name, sheet=M.CONFIG)
        )
        return None
    return RoundSettings(rules, policy, shape, limits, cap, folder, tuple(files))


def backups_to_keep(inputs: MasterInputs, findings: list[Finding]) -> int:
    """The Config key ``backups``: how many earlier masters to keep (blank: the default);
    a bad value is a finding and the default."""
    value = inputs.config.get("backups")
    keep = keep_setting(value)
    if keep is None:
        findings.append(
            finding(
                "consolidate.config",
                field="backups",
                value=value,
                why=f"จำนวนเต็ม 1–{MAX_KEEP}; ใช้ {DEFAULT_KEEP}",
                why_en=f"a whole number from 1 to {MAX_KEEP}; {DEFAULT_KEEP} used",
                file=inputs.path.name,
                sheet=M.CONFIG,
            )
        )
        return DEFAULT_KEEP
    return keep


def document_dates(inputs: MasterInputs, findings: list[Finding]) -> None:
    """A warning at its Config cell for each document date that cannot be read (the
    announcements and the salary order print dots there for a hand-written date)."""
    for key in M.DOCUMENT_KEYS:
        if not key.endswith("_date"):
            continue
        value = inputs.config.get(key)
        try:
            read_date(value)
        except ValueError:
            row = inputs.config_rows.get(key)
            findings.append(
                finding(
                    "config.document_date",
                    field=key,
                    value=value,
                    file=inputs.path.name,
                    sheet=M.CONFIG,
                    cell=f"B{row}" if row else "",
                )
            )


SECURITY = ("starttls", "ssl", "none")  # Config smtp_security
_WHOLE = {"smtp_port": 65535, "mail_per_minute": 100_000}  # positive whole numbers, at most
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")


def mail_settings(inputs: MasterInputs, findings: list[Finding]) -> None:
    """A warning at its Config cell for each mail setting that cannot be used: a From or
    Reply-To that is not ``ชื่อ <address>`` or an address, an SMTP host, security,
    port or rate that makes no sense, a due date that cannot be read, and a
    ``{placeholder}`` a mail's subject or body does not know. Blank is fine (the
    defaults); a bad value stops no consolidation, only the mail."""
    config = inputs.config

    def warn(code: str, key: str, value: object, **context: object) -> None:
        row = inputs.config_rows.get(key)
        findings.append(
            finding(
                code,
                field=key,
                value=shown(value),
                file=inputs.path.name,
                sheet=M.CONFIG,
                cell=f"B{row}" if row else "",
                **context,
            )
        )

    for key in ("mail_from", "mail_reply_to"):
        value = config.get(key)
        if text_of(value):
            _, _, problem = check_mailbox(value)
            if problem is not None:
                warn("config.mail_address", key, value, why=problem.th, why_en=problem.en)
    for key, (why, why_en) in _setting_problems(config).items():
        warn("config.mail_setting", key, config.get(key), why=why, why_en=why_en)
    for key in M.DUE_KEYS:
        value = config.get(key)
        try:
            read_date(value)
        except ValueError:
            warn("config.due_date", key, value)
    known = " ".join(f"{{{p}}}" for p in PLACEHOLDERS)
    for key in M.MAIL_TEXT_KEYS:
        value = config.get(key)
        unknown = _unknown_braces(value) if isinstance(value, str) else []
        if unknown:
            row = inputs.config_rows.get(key)
            findings.append(
                finding(
                    "config.mail_placeholder",
                    field=key,
                    value=shown(" ".join(unknown)),
                    known=known,
                    file=inputs.path.name,
                    sheet=M.CONFIG,
                    cell=f"B{row}" if row else "",
                )
            )


def _setting_problems(config: dict[str, object]) -> dict[str, tuple[str, str]]:
    """Config key → (Thai, English) why its SMTP setting cannot be used."""
    out: dict[str, tuple[str, str]] = {}
    host = text_of(config.get("smtp_host"))
    if host and (_HOST.fullmatch(host) is None or ".." in host):
        out["smtp_host"] = (
            "ใส่ชื่อเครื่องอย่างเดียว เช่น smtp.example.org ไม่มี :พอร์ต หรือ smtp://",
            "the host name only, e.g. smtp.example.org, without :port or smtp://",
        )
    security = text_of(config.get("smtp_security"))
    if security and security.lower() not in SECURITY:
        out["smtp_security"] = (f"ใช้ได้: {', '.join(SECURITY)}", f"one of {', '.join(SECURITY)}")
    for key, most in _WHOLE.items():
        value = config.get(key)
        if text_of(value) and whole_setting(value, most) is None:
            out[key] = (f"จำนวนเต็ม 1–{most:,}", f"a whole number from 1 to {most:,}")
    return out


def _unknown_braces(text: str) -> list[str]:
    """The ``{…}`` of a mail text that are not placeholders, each once, in order."""
    return unknown_placeholders(text)
