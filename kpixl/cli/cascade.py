"""``kpixl cascade``: the organisation → unit → person cascade."""

from __future__ import annotations

from pathlib import Path

import click

from kpixl.cli.options import json_option
from kpixl.cli.output import echo_findings, findings_json, to_json

__all__ = ["cascade_group"]


@click.group("cascade")
def cascade_group() -> None:
    """การถ่ายทอดตัวชี้วัด / KPI cascading."""


@cascade_group.command("report")
@click.argument("master", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--units",
    "units_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="โฟลเดอร์สมุดงานหน่วยงาน (ค่าเริ่มต้นตาม Config) / unit workbooks folder"
    " (default: the master's Config).",
)
@click.option(
    "--tree/--no-tree", "show_tree", default=True, help="แสดงผังการถ่ายทอด / print the tree."
)
@click.option(
    "--write",
    is_flag=True,
    help="เขียนรายงานลงแผ่นงาน Alignment ของ master / write the Alignment sheet.",
)
@json_option
def report(
    master: Path, units_dir: Path | None, show_tree: bool, write: bool, as_json: bool
) -> None:
    """รายงานความเชื่อมโยงของตัวชี้วัด / Check the cascade and report alignment.

    Checks the master's strategy sheets (OrgKPIs, UnitKPIs, OSMatrix, KPICards) against
    the individual KPIs in the unit workbooks: owners, split targets, uncarried unit
    KPIs, missing parents, KPI cards, levels. Then reports, per unit and per person, the
    share of KPI weight that traces to organisation KPIs. Exit 1 on error findings.

    \b
    Example:
      kpixl cascade report workbooks/demo/master.xlsx --write
    """
    from kpixl.jobs.cascade import cascade_report

    result = cascade_report(master, units_dir=units_dir, write=write)
    if as_json:
        a = result.alignment
        click.echo(
            to_json(
                {
                    "findings": findings_json(result.findings),
                    "units": [] if a is None else a.units.to_dict("records"),
                    "people": [] if a is None else a.people.to_dict("records"),
                    "untraced": []
                    if a is None
                    else a.untraced[["person_id", "kpi_code"]].to_dict("records"),
                }
            )
        )
        raise click.exceptions.Exit(result.exit_code)
    echo_findings(result.findings)
    if result.alignment is not None:
        click.secho("สัดส่วนน้ำหนักที่เชื่อมโยงกับตัวชี้วัดระดับองค์การ / share of weight aligned", bold=True)
        for row in result.alignment.units.to_dict("records"):
            click.echo(
                f"  {row['unit']}: {row['share']}% ({row['aligned_weight']} / {row['weight']})"
            )
        untraced = result.alignment.untraced
        click.echo(f"ตัวชี้วัดรายบุคคลที่ไม่เชื่อมโยงกับตัวชี้วัดใด / untraced individual KPIs: {len(untraced)}")
        click.echo(f"ตัวชี้วัดหน่วยงานที่ไม่มีผู้รับ / uncarried unit KPIs: {len(result.alignment.uncarried)}")
    if show_tree and result.tree:
        click.echo(result.tree)
    raise click.exceptions.Exit(result.exit_code)
