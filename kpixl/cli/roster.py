"""``kpixl roster``: the roster's columns, and an empty roster workbook to fill in.

Heavy modules (openpyxl, pandas) are imported inside the commands, not here.
"""

from __future__ import annotations

from pathlib import Path

import click

from kpixl.cli.options import rules_from, rules_option

__all__ = ["roster_group"]


@click.group("roster")
def roster_group() -> None:
    """บัญชีรายชื่อ / The roster: its columns and an empty roster workbook."""


@roster_group.command("template")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="เขียนทับไฟล์ที่มีอยู่แล้ว / replace OUT when it exists.",
)
@rules_option
def template_command(out: Path, force: bool, rules_file: Path | None) -> None:
    """สร้างบัญชีรายชื่อเปล่าให้กรอก / Write an empty roster workbook (.xlsx) to OUT.

    Its headers are the master's Roster sheet's, in the same order and rows (fill from
    row 4, paste the rows into the master); dropdowns for the level, pool group,
    penalty and yes/no columns; checks on the 13-digit id and the numbers, with Thai
    prompts. An existing OUT is left alone (exit 1) unless --force.

    \b
    Example:
      kpixl roster template roster.xlsx
      kpixl roster template roster.xlsx --force
    """
    from kpixl.cli.output import echo_findings
    from kpixl.core.codes import finding
    from kpixl.workbooks.roster import write_roster_template

    if out.suffix.lower() != ".xlsx":
        raise click.BadParameter(
            f"ชื่อไฟล์ต้องลงท้ายด้วย .xlsx / the file name must end in .xlsx: {out.name}",
            param_hint="OUT",
        )
    if out.exists() and not force:
        echo_findings([finding("write.exists", value=str(out), file=out.name)])
        raise click.exceptions.Exit(1)
    write_roster_template(out, rules_from(rules_file))
    click.echo(
        f"✓ {out}: บัญชีรายชื่อเปล่า กรอกตั้งแต่แถวที่ 4 (ดูแผ่นงาน คำอธิบาย)"
        " / an empty roster; fill from row 4 (see the คำอธิบาย sheet)"
    )


@roster_group.command("columns")
@rules_option
def columns_command(rules_file: Path | None) -> None:
    """คอลัมน์ของบัญชีรายชื่อ / Print the roster's columns as a Markdown table.

    The table of docs/roster.md: each column's Thai header, field, whether it is
    required, what it holds, its allowed values and an example.

    \b
    Example:
      kpixl roster columns
    """
    from kpixl.workbooks.roster import roster_columns_markdown

    click.echo(roster_columns_markdown(rules_from(rules_file)), nl=False)
