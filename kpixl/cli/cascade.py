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


@cascade_group.command("cards")
@click.argument("master", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="สมุดงานบัตรรายละเอียดตัวชี้วัด (ค่าเริ่มต้น: <master>-kpi-cards.xlsx ข้างสมุดงานหลัก)"
    " / the cards workbook (default: <master>-kpi-cards.xlsx beside the master).",
)
@click.option(
    "--pdf",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="ทำ PDF หนึ่งไฟล์ด้วย LibreOffice / also one PDF, by LibreOffice.",
)
@click.option(
    "--units",
    "units_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="โฟลเดอร์สมุดงานหน่วยงาน (ค่าเริ่มต้นตาม Config) / unit workbooks folder"
    " (default: the master's Config).",
)
@click.option(
    "--individual/--no-individual",
    default=True,
    help="รวมบัตรของตัวชี้วัดรายบุคคล / include the individual KPIs' cards.",
)
@json_option
def cards(
    master: Path,
    out: Path | None,
    pdf: Path | None,
    units_dir: Path | None,
    individual: bool,
    as_json: bool,
) -> None:
    """บัตรรายละเอียดตัวชี้วัด / Print a KPI card for every KPI.

    Writes a workbook with one A4 card per KPI: the organisation's and the units'
    KPIs (the master's OrgKPIs, UnitKPIs and KPICards) and everyone's individual KPIs
    (the unit workbooks beside the master, after kpixl collect). A card shows the KPI's
    name, definition, objective, formula, unit of measure, frequency, weight, baseline
    and target with their fiscal years, who set the target, owner, data collector and
    process, the five target levels, and its results by quarter. MASTER is only read.
    Exit 0 when written, 1 on error findings (an unreadable master or unit workbook,
    a failed PDF), 2 when a file cannot be written.

    \b
    Example:
      kpixl cascade cards demo/master.xlsx --out demo/kpi-cards.xlsx --pdf demo/kpi-cards.pdf
    """
    from kpixl.jobs.cascade import write_cards

    result = write_cards(master, out=out, pdf=pdf, units_dir=units_dir, individual=individual)
    counts = {
        level: sum(1 for c in result.cards if c.level == level)
        for level in ("org", "unit", "person")
    }
    if as_json:
        click.echo(
            to_json(
                {
                    "master": str(master),
                    "out": str(result.out) if result.out else None,
                    "pdf": str(result.pdf) if result.pdf else None,
                    "cards": counts,
                    "findings": findings_json(result.findings),
                }
            )
        )
        raise click.exceptions.Exit(result.exit_code)
    echo_findings(result.findings)
    if result.out is not None:
        click.echo(
            f"✓ {result.out}"
            + (f", {result.pdf}" if result.pdf else "")
            + f": บัตร {len(result.cards)} ใบ (องค์การ {counts['org']}, หน่วยงาน {counts['unit']},"
            f" บุคคล {counts['person']}) / {len(result.cards)} cards"
        )
    else:
        click.echo(f"✗ {master.name}: ไม่ได้ทำบัตรรายละเอียดตัวชี้วัด / no KPI cards written")
    raise click.exceptions.Exit(result.exit_code)
