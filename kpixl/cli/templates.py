"""``kpixl templates``: rebuild the workbook templates from code."""

from __future__ import annotations

from pathlib import Path

import click

from kpixl.cli.options import TEMPLATES_DIR

__all__ = ["templates_group"]


@click.group("templates")
def templates_group() -> None:
    """แม่แบบสมุดงาน / Workbook templates."""


@templates_group.command("build")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=TEMPLATES_DIR,
    show_default=True,
    help="โฟลเดอร์ที่จะเขียนแม่แบบ / the folder to write the templates to.",
)
def build(out_dir: Path) -> None:
    """สร้างแม่แบบใหม่จากโค้ด / Rebuild the templates (reproducible bytes).

    \b
    Example:
      kpixl templates build
    """
    from kpixl.workbooks.templates import write_templates

    for path in write_templates(out_dir):
        click.echo(f"✓ {path}")
