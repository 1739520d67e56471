"""``kpixl notices``: everyone's result notice from a consolidated master."""

from __future__ import annotations

from pathlib import Path

import click

from kpixl.cli.options import json_option
from kpixl.cli.output import echo_findings, findings_json, to_json

__all__ = ["notices_command"]


@click.command("notices")
@click.argument("master", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="โฟลเดอร์ที่เขียนผล: <หน่วยงาน>/<ไฟล์>.xlsx และ .pdf / the folder to write into:"
    " <unit>/<file>.xlsx and .pdf.",
)
@click.option(
    "--personal",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="โฟลเดอร์แบบประเมินรายบุคคล (ค่าเริ่มต้น: personal_folder ใน Config หรือ personal/"
    " ข้างสมุดงานหลัก) / the personal workbooks' folder (default: Config's personal_folder,"
    " else personal/ beside the master).",
)
@click.option(
    "--no-pdf",
    "no_pdf",
    is_flag=True,
    help="ไม่ทำไฟล์ PDF / skip the PDFs (no LibreOffice needed).",
)
@json_option
def notices_command(
    master: Path, out: Path, personal: Path | None, no_pdf: bool, as_json: bool
) -> None:
    """แบบแจ้งผลการประเมินและผลการเลื่อนเงินเดือนรายบุคคล / Everyone's result notice.

    Reads a consolidated MASTER and, for everyone in its Results, writes into OUT/<unit>/
    a copy of the person's own workbook with the notice added as the sheet แจ้งผล
    (found by its metadata, not its name; the original is not changed) and the notice
    as a one-page A4 PDF (LibreOffice). A person with no workbook still gets the PDF.
    Exit 0 when all is written, 1 with error findings (a master not consolidated, an
    unreadable workbook, a failed PDF), 2 when a file cannot be written.

    \b
    Example:
      kpixl consolidate demo/master.xlsx
      kpixl notices demo/master.xlsx --out demo/notices
    """
    from kpixl.jobs.notices import write_notices

    run = write_notices(master, out=out, personal=personal, pdf=not no_pdf)
    if as_json:
        click.echo(
            to_json(
                {
                    "master": str(master),
                    "out": str(out),
                    "people": len(run.notices),
                    "workbooks": [str(p) for p in run.workbooks],
                    "pdfs": [str(p) for p in run.pdfs],
                    "findings": findings_json(run.findings),
                }
            )
        )
        raise click.exceptions.Exit(run.exit_code)
    echo_findings(run.findings)
    if run.notices:
        stopped = run.write_failed  # e.g. another run writes the same folder: stopped there
        click.echo(
            f"{'✗ หยุดกลางทาง' if stopped else '✓'} แบบแจ้งผล {len(run.notices)} คน:"
            f" สมุดงาน {len(run.workbooks)} ไฟล์, PDF {len(run.pdfs)} ไฟล์ ใน {out}"
            f" / {'stopped: ' if stopped else ''}{len(run.notices)} notices:"
            f" {len(run.workbooks)} workbooks, {len(run.pdfs)} PDFs in {out}"
        )
    else:
        click.echo(f"✗ {master.name}: ไม่ได้ทำแบบแจ้งผล / no notices written")
    raise click.exceptions.Exit(run.exit_code)
