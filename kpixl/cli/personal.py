"""``kpixl personal``, ``kpixl validate``, ``kpixl seal``: the personal workbooks."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from kpixl.cli.options import json_option, rules_from, rules_option
from kpixl.cli.output import echo_findings, to_json
from kpixl.core.findings import Finding, has_errors
from kpixl.core.rounds import current_round, parse_round
from kpixl.workbooks.generate import carried_kpis, generate_personal
from kpixl.workbooks.master import read_master
from kpixl.workbooks.personal import check_personal, read_personal, seal_personal
from kpixl.workbooks.roster import read_roster

__all__ = ["personal_group", "seal_command", "validate_command"]


@click.group("personal")
def personal_group() -> None:
    """แบบข้อตกลงรายบุคคล / Personal workbooks."""


@personal_group.command("new")
@click.option(
    "--roster",
    "roster_path",
    default=None,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="บัญชีรายชื่อ (.xlsx) / the roster workbook (default: the master's Roster).",
)
@click.option(
    "--master",
    "master_path",
    default=None,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="สมุดงานหลัก: ใส่ตัวชี้วัดของหน่วยงานที่มอบหมาย (KPIHolders) เป็นร่าง"
    " / the master: drafts of the unit KPIs it assigns, and each unit's KPI list.",
)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--round", "round_text", default=None, help="รอบการประเมิน เช่น 2570/1 / round id.")
@click.option("--jobs", default=1, show_default=True, help="จำนวนโปรเซส / processes.")
@click.option(
    "--overwrite",
    is_flag=True,
    help="เขียนทับไฟล์ที่มีอยู่ / replace workbooks already in OUT (default: keep them).",
)
@rules_option
def new(
    roster_path: Path | None,
    master_path: Path | None,
    out_dir: Path,
    round_text: str | None,
    jobs: int,
    overwrite: bool,
    rules_file: Path | None,
) -> None:
    """สร้างแบบข้อตกลงรายบุคคลจากบัญชีรายชื่อ / One prefilled workbook per person.

    Rows of the roster with errors are listed and skipped; the others are written.
    With --master, each person's workbook also gets, as drafts they can edit, the unit
    KPIs the master's KPIHolders sheet assigns them, and their unit's KPIs in the
    parent-code list.

    \b
    Examples:
      kpixl personal new --roster roster.xlsx --out personal/ --round 2570/1
      kpixl personal new --master master.xlsx --out personal/ --round 2570/1
    """
    if roster_path is None and master_path is None:
        raise click.UsageError("ต้องระบุ --roster หรือ --master / give --roster or --master")
    rules = rules_from(rules_file)
    round_ = parse_round(round_text) if round_text else current_round()
    strategy = None
    drafted: list[Finding] = []
    if master_path is not None:
        inputs = read_master(master_path)
        echo_findings(inputs.findings)
        if inputs.findings:
            raise click.exceptions.Exit(1)
        strategy = inputs.strategy
        drafted = carried_kpis(strategy).findings
        echo_findings(drafted)
    roster = read_roster(roster_path or master_path, rules=rules)  # type: ignore[arg-type]
    echo_findings(roster.findings)
    if any(f.rule.startswith(("file.", "roster.no_header")) for f in roster.findings):
        raise click.exceptions.Exit(1)
    with_errors = {f.person_id for f in roster.findings if f.severity == "error"}
    records: list[dict[str, Any]] = roster.frame.to_dict("records")  # type: ignore[assignment]
    people = [r for r in records if r.get("person_id") and r["person_id"] not in with_errors]
    paths = generate_personal(
        people,
        out_dir,
        round_=round_,
        rules=rules,
        rules_path=rules_file,
        jobs=jobs,
        strategy=strategy,
        overwrite=overwrite,
    )
    skipped = len(records) - len(people)
    kept = len(people) - len(paths)
    click.echo(
        f"สร้างแล้ว {len(paths)} ไฟล์ ใน {out_dir} (รอบ {round_}); มีอยู่แล้ว {kept} ไฟล์ (ไม่เขียนทับ);"
        f" ข้าม {skipped} รายการที่มีข้อผิดพลาด / wrote {len(paths)} workbooks to {out_dir}"
        f" (round {round_}); {kept} already there (kept); skipped {skipped} rows with errors"
    )
    if has_errors(roster.findings) or has_errors(drafted):
        raise click.exceptions.Exit(1)


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@rules_option
@json_option
def validate_command(files: tuple[Path, ...], rules_file: Path | None, as_json: bool) -> None:
    """ตรวจแบบข้อตกลง/แบบประเมินรายบุคคล / Check personal workbooks (exit 1 on errors).

    Prints every finding with its file, sheet and cell, and each person's recomputed
    scores. Files are only read, never changed.

    \b
    Example:
      kpixl validate personal/*.xlsx
    """
    rules = rules_from(rules_file)
    report = []
    failed = False
    for path in files:
        result = check_personal(read_personal(path), rules=rules)
        failed |= has_errors(result.findings)
        if as_json:
            report.append(
                {
                    "file": str(path),
                    "scores": {k: v for k, v in result.scores.items()},
                    "findings": [asdict(f) for f in result.findings],
                }
            )
            continue
        echo_findings(result.findings)
        s = result.scores
        status = "✓" if result.ok else "✗"
        if s:
            click.echo(
                f"{status} {path.name}: ผลสัมฤทธิ์ {s['achievement']}, สมรรถนะ {s['competency']}, "
                f"รวม {s['total']} → {s['band']}"
            )
        else:
            click.echo(f"{status} {path.name}: ยังคำนวณคะแนนไม่ได้ / scores cannot be computed yet")
    if as_json:
        click.echo(to_json(report))
    if failed:
        raise click.exceptions.Exit(1)


@click.command("seal")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path)
)
def seal_command(files: tuple[Path, ...]) -> None:
    """ลงนามรับรองข้อตกลง (บันทึกลายนิ้วมือของข้อตกลง) / Seal agreements.

    Uses HMAC-SHA256 with the agency key in KPIXL_SEAL_KEY when it is set, plain
    SHA-256 otherwise. A later change to the agreement is reported by `kpixl validate`.

    \b
    Example:
      KPIXL_SEAL_KEY=secret kpixl seal personal/2570-1_1101700123458.xlsx
    """
    for path in files:
        method, digest = seal_personal(path)
        click.echo(f"✓ {path.name}: ลงนามแล้ว / sealed ({method} {digest[:16]}…)")
