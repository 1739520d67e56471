"""``kpixl library``: the central KPI library (คลังตัวชี้วัดกลาง)."""

from __future__ import annotations

from pathlib import Path

import click

from kpixl.cli.options import json_option
from kpixl.cli.output import to_json
from kpixl.core.vocab import DIRECTIONS, KINDS

__all__ = ["library_group"]


@click.group("library")
def library_group() -> None:
    """คลังตัวชี้วัดกลาง / The central KPI library."""


@library_group.command("show")
@click.option("--job-line", default=None, help="สายงาน เช่น นักทรัพยากรบุคคล / a job line.")
@click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="คลังของหน่วยงาน (TOML) / an agency library file.",
)
@json_option
def show(job_line: str | None, path: Path | None, as_json: bool) -> None:
    """แสดงตัวชี้วัดในคลัง / List the library's KPIs, by job line and task.

    \b
    Example:
      kpixl library show --job-line นักทรัพยากรบุคคล
    """
    from kpixl.core.kpi_library import load_library

    library = load_library(path)
    if job_line:
        library = library[library["job_line"] == job_line]
        if library.empty:
            raise click.BadParameter(
                f"ไม่มีสายงานนี้ในคลัง / no such job line: {job_line}", param_hint="--job-line"
            )
    if as_json:
        records = library.to_dict("records")
        for r in records:
            r["milestones"] = list(r["milestones"]) if r["milestones"] else None
        click.echo(to_json(records))
        return
    for (line, task), group in library.groupby(["job_line", "task"], sort=False):
        click.secho(f"{line} › {task}", bold=True)
        for r in group.to_dict("records"):
            kind = KINDS.label(r["kind"])
            if r["kind"] == "quantitative":
                levels = " / ".join(f"{v}" for v in (r["l1"], r["l2"], r["l3"], r["l4"], r["l5"]))
                detail = f"{DIRECTIONS.label(r['direction'])}; ระดับ 1–5: {levels} {r['unit']}"
            else:
                detail = "; ".join(f"{i + 1}) {step}" for i, step in enumerate(r["milestones"]))
            click.echo(f"  {r['id']}  {r['name']} [{kind}] {detail}")
