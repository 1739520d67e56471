"""``kpixl archive`` and ``kpixl history``: the rounds' archive (docs/archive.md)."""

from __future__ import annotations

from pathlib import Path

import click

from kpixl.cli.options import json_option
from kpixl.cli.output import echo_findings, finding_line, findings_json, to_json

__all__ = ["archive_command", "history_command"]

DB_HELP = (
    "ฐานข้อมูลคลัง: ชื่อไฟล์ SQLite หรือ postgresql://ผู้ใช้@เครื่อง:พอร์ต/ฐานข้อมูล "
    "(รหัสผ่านจาก KPIXL_DB_PASSWORD หรือ PGPASSWORD) / the archive: a SQLite file or "
    "postgresql://user@host:port/db (password from KPIXL_DB_PASSWORD or PGPASSWORD)"
)
STATUS_TEXT = {
    "archived": "เก็บเข้าคลังแล้ว / archived",
    "superseded": "เก็บฉบับแก้ไขแล้ว (ฉบับเดิมยังอยู่) / archived, superseding the previous version",
    "already": "อยู่ในคลังแล้ว ไม่ได้บันทึกซ้ำ / already archived, nothing written",
    "refused": "ไม่ได้เก็บ / refused",
    "failed": "ไม่ได้เก็บ / not archived",
}


@click.command("archive")
@click.argument("master", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--db",
    default=None,
    help=DB_HELP + " (default: the master's Config archive_db, else kpixl.db beside MASTER).",
)
@click.option(
    "--supersede",
    is_flag=True,
    help="เก็บฉบับแก้ไขแทนฉบับที่เก็บไว้ (ต้องมี --reason) / archive a corrected version"
    " superseding the archived one (needs --reason).",
)
@click.option("--reason", default=None, help="เหตุผลของฉบับแก้ไข / why the new version.")
@json_option
def archive_command(
    master: Path, db: str | None, supersede: bool, reason: str | None, as_json: bool
) -> None:
    """เก็บรอบการประเมินที่รวมผลแล้วเข้าคลัง / Archive a consolidated round.

    Stores the round of MASTER (rules, roster, results, every KPI and competency row,
    pools, findings and the SHA-256 of the master, of every unit workbook the results
    came from and of every personal workbook) in the archive: a SQLite file kpixl.db
    beside MASTER unless --db says otherwise. An archived round is not changed: the same
    round again is a no-op; different results are refused unless --supersede --reason.
    Exit 0 when archived (or already there), 1 otherwise.

    \b
    Example:
      kpixl archive demo/master.xlsx
      kpixl archive demo/master.xlsx --db postgresql://hr@db.example.go.th/kpixl
    """
    from kpixl.jobs.archive import archive_master

    result = archive_master(master, db=db, supersede=supersede, reason=reason)
    if as_json:
        click.echo(
            to_json(
                {
                    "master": str(master),
                    "db": result.db,
                    "status": result.status,
                    "organisation": result.organisation,
                    "round": result.round_id,
                    "version": result.version,
                    "counts": result.counts,
                    "findings": findings_json(result.findings),
                }
            )
        )
        raise click.exceptions.Exit(result.exit_code)
    echo_findings(result.findings)
    mark = "✓" if result.exit_code == 0 else "✗"
    line = f"{mark} {master.name}: {STATUS_TEXT[result.status]}"
    if result.version:
        line += f" ({result.round_id}, ฉบับที่ / version {result.version})"
    if result.db:
        line += f" → {result.db}"
    click.echo(line)
    raise click.exceptions.Exit(result.exit_code)


@click.command("history")
@click.argument("person_id")
@click.option("--db", default=None, help=DB_HELP + " (default: kpixl.db in this folder).")
@json_option
def history_command(person_id: str, db: str | None, as_json: bool) -> None:
    """ประวัติผลการประเมินของบุคคลจากคลัง / A person's rounds from the archive.

    One line per archived round, oldest first (the newest version of each round):
    round, band, total, pct, increase, salary, new_salary. --json prints a list of
    objects with exactly those keys. Exit 0 when found, 1 otherwise.

    \b
    Example:
      kpixl history 1475803356292 --db demo/kpixl.db --json
    """
    from kpixl.cli.output import baht
    from kpixl.jobs.archive import HISTORY_KEYS, person_history

    result = person_history(person_id, db=db)
    if as_json:
        if result.rounds or not result.exit_code:  # a list on stdout only when there is one
            for f in result.findings:  # a damaged figure: null in the list, said on stderr
                click.echo(finding_line(f), err=True)
            click.echo(to_json([{k: r[k] for k in HISTORY_KEYS} for r in result.rounds]))
        else:
            echo_findings(result.findings)
        raise click.exceptions.Exit(result.exit_code)
    echo_findings(result.findings)
    if not result.rounds:
        raise click.exceptions.Exit(result.exit_code)
    from decimal import Decimal

    def show(value: object, money: bool = False) -> str:
        if value is None:
            return "—"
        return baht(Decimal(str(value))) if money else str(value)

    click.echo(f"{result.person_id} {result.name}")
    header = (
        "รอบ/round",
        "ระดับผล/band",
        "คะแนน/total",
        "ร้อยละ/pct",
        "เพิ่ม/increase",
        "เงินเดือน/salary",
        "ใหม่/new_salary",
    )
    table = [header] + [
        (
            str(r["round"]),
            str(r["band"]),
            show(r["total"]),
            show(r["pct"]),
            show(r["increase"], True),
            show(r["salary"], True),
            show(r["new_salary"], True),
        )
        for r in result.rounds
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    raise click.exceptions.Exit(result.exit_code)  # 1: a damaged figure (shown —)
