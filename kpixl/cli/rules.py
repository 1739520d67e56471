"""``kpixl rules``: show the effective rule set, check an agency's rule file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from kpixl.cli.options import json_option, salary_table_option
from kpixl.cli.output import to_json, to_toml
from kpixl.core.errors import RuleError

if TYPE_CHECKING:
    from kpixl.core.rules import Rules

__all__ = ["rules_group"]


@click.group("rules")
def rules_group() -> None:
    """ชุดกฎ: แสดงและตรวจสอบ / Rule sets: show and check."""


def _summary(rules: Rules) -> str:
    table = rules.salary_table
    lines = [
        f"# ชุดกฎ / rule set: {rules.id} {rules.version}",
        f"# แหล่งที่มา / sources: {', '.join(rules.sources)}",
        f"# บัญชีเงินเดือน / salary table: {table.id} (มีผล / effective {table.effective})",
        "# ระดับผลการประเมิน / bands:",
    ]
    for band in rules.bands:
        start = f"≥ {band.min_total}" if band.min_total is not None else "ต่ำกว่านั้น / below"
        pct = f"{band.pct_min:.2f}–{band.pct_max:.2f}%" if band.eligible else "ไม่เลื่อน / no increase"
        lines.append(f"#   {band.name:<14} {start:<22} {pct}")
    return "\n".join(lines)


@rules_group.command("show")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@salary_table_option
@json_option
def show(file: Path | None, salary_table: str, as_json: bool) -> None:
    """แสดงกฎที่ใช้จริง (ค่าเริ่มต้น + ไฟล์ของหน่วยงาน) / Print the effective rules.

    \b
    Example:
      kpixl rules show
      kpixl rules show agency.toml --json
    """
    from kpixl.core.rules import load_rules

    rules = load_rules(file, salary_table=salary_table)
    if as_json:
        click.echo(to_json(rules.data))
        return
    click.echo(_summary(rules))
    click.echo()
    click.echo(to_toml(rules.data))


@rules_group.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@salary_table_option
def check(file: Path, salary_table: str) -> None:
    """ตรวจไฟล์กฎของหน่วยงาน / Check an agency rule file (exit 1 when it is invalid).

    \b
    Example:
      kpixl rules check agency.toml
    """
    from kpixl.core.rules import load_rules

    try:
        rules = load_rules(file, salary_table=salary_table)
    except RuleError as exc:
        click.secho(f"✗ {file}: {exc.message_th} / {exc.message_en}", fg="red")
        for problem in exc.problems:
            click.secho(f"  - {problem}", fg="red")
        raise click.exceptions.Exit(1) from None
    click.secho(
        f"✓ {file}: ชุดกฎถูกต้อง / the rule set is valid ({rules.id} {rules.version}, "
        f"salary table {rules.salary_table.id})",
        fg="green",
    )
