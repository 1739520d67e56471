"""``kpixl status``: where every person's papers are, and who is late."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from kpixl.cli.options import json_option
from kpixl.cli.output import echo_findings, findings_json, to_json

__all__ = ["status_command"]

_STEP_TH = {"agreement": "ข้อตกลง", "evaluation": "แบบประเมิน"}


def _today(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    from kpixl.core.thaitime import read_date

    if value is None:
        return None
    try:
        return read_date(value)
    except ValueError:
        raise click.BadParameter(
            f"ไม่ใช่วันที่ / not a date: {value!r} (เช่น / e.g. 1/11/2569 or 2026-11-01)"
        ) from None


@click.command("status")
@click.argument("master", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--today",
    callback=_today,
    default=None,
    help="นับความล่าช้า ณ วันนี้แทนวันนี้จริง เช่น 1/11/2569 / count lateness as of this"
    " date instead of today, e.g. 1/11/2569 or 2026-11-01.",
)
@click.option(
    "--no-write",
    "no_write",
    is_flag=True,
    help="ไม่เขียนแผ่นงาน Tracker ลงในสมุดงานหลัก / do not write the Tracker sheet.",
)
@json_option
def status_command(master: Path, today: date | None, no_write: bool, as_json: bool) -> None:
    """สถานะแบบฟอร์มรายบุคคลและผู้ที่ล่าช้า / Where every person's papers are.

    For everyone on MASTER's Roster: the date of each step (agreement sent, returned,
    sealed, evaluation returned, collected into the unit, consolidated, notice sent)
    from the mail log, the personal, inbox and unit workbooks and the master; who is
    late against Config's agreement_due and evaluation_due; a line per unit. Writes the
    Tracker sheet into MASTER (the previous file kept in .kpixl-backups/) unless
    --no-write. Exit 0, 1 with error findings, 2 when the master cannot be written.

    \b
    Example:
      kpixl status demo/master.xlsx
      kpixl status demo/master.xlsx --today 1/11/2569 --no-write --json
    """
    from kpixl.jobs.status import day_text, status

    run = status(master, today=today, write=not no_write)
    if as_json:
        click.echo(to_json({**run.to_json(), "findings": findings_json(run.findings)}))
        raise click.exceptions.Exit(run.exit_code)
    echo_findings(run.findings)
    for unit in run.units:
        click.echo(unit.line)
    if run.late:
        click.echo(f"ล่าช้า {len(run.late)} คน / {len(run.late)} late:")
        for p in run.late:
            steps = ", ".join(
                f"{_STEP_TH[s]} กำหนด {day_text(d)}" if (d := run.dues.get(s)) else _STEP_TH[s]
                for s in p.late
            )
            click.echo(f"  {p.steps.unit}  {p.steps.name} ({p.person_id}): {steps}")
    elif run.people:
        click.echo("ไม่มีผู้ล่าช้า / nobody is late")
    if run.written:
        click.echo(f"✓ แผ่นงาน Tracker ใน {master} / the Tracker sheet in {master}")
    raise click.exceptions.Exit(run.exit_code)
