"""``kpixl report``: the screening committee's pack from a consolidated master."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import click

from kpixl.cli.options import NUMBER, json_option
from kpixl.cli.output import echo_findings, findings_json, to_json

__all__ = ["report_command"]


@click.command("report")
@click.argument("master", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="สมุดงานเอกสารสำหรับคณะกรรมการ (ค่าเริ่มต้น: <master>-committee.xlsx ข้างสมุดงานหลัก)"
    " / the pack workbook (default: <master>-committee.xlsx beside the master).",
)
@click.option(
    "--pdf",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="ทำ PDF หนึ่งไฟล์ด้วย LibreOffice (ฝังแบบอักษรไทย) / also one PDF, by LibreOffice"
    " (Thai fonts embedded).",
)
@click.option(
    "--margin",
    type=NUMBER,
    default=Decimal("1.00"),
    show_default=True,
    help="คะแนนที่ต่ำกว่าเกณฑ์ของระดับถัดไปไม่เกินนี้ถือว่าใกล้เกณฑ์"
    " / points below a band's lower edge that count as at the edge.",
)
@json_option
def report_command(
    master: Path, out: Path | None, pdf: Path | None, margin: Decimal, as_json: bool
) -> None:
    """เอกสารประกอบการพิจารณาของคณะกรรมการกลั่นกรอง / The screening committee's pack.

    Reads a consolidated MASTER (it is not changed) and writes the pack: summary by
    unit and pool group, bands per unit (a chart covering every unit, paged), the
    histogram of totals, pool use per unit, the people at band edges and the Issues
    list; A4, Thai, with native charts. --pdf renders it to one PDF with LibreOffice.
    Exit 0 when written, 1 when MASTER is unreadable, not a master or not consolidated
    yet (or the PDF failed), 2 when the pack cannot be written.

    \b
    Example:
      kpixl consolidate demo/master.xlsx
      kpixl report demo/master.xlsx --pdf demo/committee.pdf
    """
    from kpixl.jobs.report import write_report

    result = write_report(master, out=out, pdf=pdf, margin=margin)
    if as_json:
        click.echo(
            to_json(
                {
                    "master": str(master),
                    "out": str(result.out) if result.out else None,
                    "pdf": str(result.pdf) if result.pdf else None,
                    "units": 0 if result.pack is None else len(result.pack.units),
                    "findings": findings_json(result.findings),
                }
            )
        )
        raise click.exceptions.Exit(result.exit_code)
    echo_findings(result.findings)
    if result.out is not None:
        click.echo(f"✓ {result.out}" + (f", {result.pdf}" if result.pdf else ""))
    else:
        click.echo(f"✗ {master.name}: ไม่ได้ทำเอกสารสำหรับคณะกรรมการ / no committee pack written")
    raise click.exceptions.Exit(result.exit_code)
