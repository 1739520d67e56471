"""``kpixl round next``: the next round's master from an archived round (docs/archive.md)."""

from __future__ import annotations

from pathlib import Path

import click

from kpixl.cli.archive import DB_HELP
from kpixl.cli.options import json_option
from kpixl.cli.output import echo_findings, findings_json, to_json

__all__ = ["round_group"]


@click.group("round")
def round_group() -> None:
    """รอบการประเมิน / Evaluation rounds."""


@round_group.command("next")
@click.argument("master", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="โฟลเดอร์ของรอบถัดไป / the next round's folder.",
)
@click.option(
    "--db",
    default=None,
    help=DB_HELP + " (default: the master's Config archive_db, else kpixl.db beside MASTER).",
)
@json_option
def next_command(master: Path, out_dir: Path, db: str | None, as_json: bool) -> None:
    """สร้างสมุดงานหลักของรอบถัดไปจากรอบที่เก็บเข้าคลังแล้ว / The next round's master.

    Reads the round of MASTER from the archive (it must be archived: kpixl archive) and
    writes OUT/master.xlsx for the next round: the same units, rules, Config and strategy
    sheets, round advanced, document numbers cleared, due dates six months on, and each
    person's salary the archived new salary. People marked holds_position = ไม่ใช่ are
    reported as left (and kept, marked, for HR to remove). An existing OUT/master.xlsx is never overwritten.
    Exit 0 when written, 1 otherwise.

    \b
    Example:
      kpixl round next 2570-1/master.xlsx --out 2570-2
    """
    from kpixl.jobs.next_round import next_round

    if not master.is_file():
        raise click.BadParameter(f"ไม่พบไฟล์ {master} / no such file", param_hint="MASTER")
    result = next_round(master, out_dir, db=db)
    if as_json:
        click.echo(
            to_json(
                {
                    "master": str(master),
                    "out": str(result.out) if result.out else None,
                    "db": result.db,
                    "round": result.round_id,
                    "next_round": result.next_round_id,
                    "people": len(result.roster),
                    "left": result.left,
                    "findings": findings_json(result.findings),
                }
            )
        )
        raise click.exceptions.Exit(result.exit_code)
    echo_findings(result.findings)
    if result.out is not None:
        click.echo(
            f"✓ {result.out}: รอบ {result.next_round_id} {len(result.roster)} คน"
            f" / round {result.next_round_id}, {len(result.roster)} people"
            f" (จาก / from {result.round_id}, {result.db})"
        )
    raise click.exceptions.Exit(result.exit_code)
