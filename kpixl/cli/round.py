"""``kpixl demo``, ``kpixl collect``, ``kpixl consolidate``: the round's main jobs."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import click

from kpixl.cli.options import INTEGER, POLICIES, SHAPES, json_option, rules_from, rules_option
from kpixl.cli.output import baht, echo_findings, findings_json, to_json
from kpixl.io.lock import hold_lock

__all__ = ["collect_command", "consolidate_command", "demo_command"]


def _progress(label: str) -> Callable[[Iterable[Path]], Iterable[Path]] | None:
    """A progress bar on a terminal; nothing when output is piped."""
    if not sys.stderr.isatty():
        return None

    def wrap(items: Iterable[Path]) -> Iterable[Path]:
        items = list(items)
        with click.progressbar(items, label=label, file=sys.stderr) as bar:
            yield from bar

    return wrap


@click.command("demo")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--units", type=INTEGER, default=3, show_default=True, help="จำนวนหน่วยงาน / units.")
@click.option("--people", type=INTEGER, default=20, show_default=True, help="จำนวนคน / people.")
@click.option(
    "--seed",
    type=INTEGER,
    default=2569,
    show_default=True,
    help="เลขตั้งต้นของการสุ่ม (เลขเดียวกันได้ผลเดียวกัน) / random seed (same seed, same demo).",
)
@click.option(
    "--round",
    "round_id",
    default="2570/1",
    show_default=True,
    help="รอบการประเมิน / the evaluation round.",
)
@click.option("--messy", is_flag=True, help="ใส่ข้อมูลผิดพลาดที่พบบ่อย / add realistic bad inputs.")
@click.option(
    "--rounds",
    type=click.IntRange(1, 20),
    default=1,
    show_default=True,
    help="จำนวนรอบต่อเนื่อง (มากกว่า 1: แต่ละรอบในโฟลเดอร์ย่อยตามรอบ รวมผลและเก็บเข้าคลัง"
    " OUT_DIR/kpixl.db) / consecutive rounds (more than 1: each in a sub-folder named by"
    " round, consolidated and archived into OUT_DIR/kpixl.db).",
)
@click.option(
    "--xlsm",
    is_flag=True,
    help="เขียน master.xlsm และ units-xlsm/ (มีปุ่ม) ด้วย"
    " / also write master.xlsm and units-xlsm/, with the Excel buttons.",
)
def demo_command(
    out_dir: Path,
    units: int,
    people: int,
    seed: int,
    round_id: str,
    messy: bool,
    rounds: int,
    xlsm: bool,
) -> None:
    """สร้างหน่วยงานตัวอย่าง / Build a deterministic demo organisation.

    Writes OUT_DIR/master.xlsx, evaluated personal workbooks in OUT_DIR/personal/<unit>/
    and collected unit workbooks in OUT_DIR/units/, ready for `kpixl consolidate`.
    OUT_DIR must be new, empty, or an earlier demo's (anything else: demo.not_empty,
    nothing touched).

    \b
    Example:
      kpixl demo demo/ --units 3 --people 20
      kpixl demo messy/ --messy
      kpixl demo C:\\kpixl-demo --xlsm     # with master.xlsm for Excel
      kpixl demo rounds/ --rounds 3         # 2570-1, 2570-2, 2571-1 and rounds/kpixl.db
    """
    from kpixl.jobs.demo import build_demo, demo_folder_finding

    refused = demo_folder_finding(out_dir)  # a real round's folder named by mistake
    if refused is not None:
        echo_findings([refused])
        raise click.exceptions.Exit(1)
    if rounds > 1:
        _demo_rounds(out_dir, units, people, seed, round_id, messy, rounds, xlsm)
        return

    result = build_demo(
        out_dir, units=units, people=people, seed=seed, round_id=round_id, messy=messy
    )
    click.echo(
        f"✓ {result.master}: {len(result.units)} สมุดงานหน่วยงาน, {len(result.personal)} แบบรายบุคคล"
        f" / {len(result.units)} unit workbooks, {len(result.personal)} personal workbooks"
    )
    if xlsm:  # the same workbooks with their Excel buttons (units-xlsm/ is not consolidated)
        from kpixl.excel.xlsm import master_xlsm, unit_xlsm
        from kpixl.io.atomic import write_bytes_atomic

        target = result.master.with_suffix(".xlsm")
        write_bytes_atomic(target, master_xlsm(result.master.read_bytes()))
        for unit in result.units:
            write_bytes_atomic(
                out_dir / "units-xlsm" / f"{unit.stem}.xlsm", unit_xlsm(unit.read_bytes())
            )
        click.echo(
            f"✓ {target}, {out_dir / 'units-xlsm'}: ปุ่มของ Excel / the Excel buttons"
            " (docs/windows.md)"
        )


def _demo_rounds(
    out_dir: Path,
    units: int,
    people: int,
    seed: int,
    round_id: str,
    messy: bool,
    rounds: int,
    xlsm: bool,
) -> None:
    """``kpixl demo --rounds N`` with N > 1 (kpixl.jobs.demo.build_rounds)."""
    from kpixl.jobs.demo import build_rounds

    for flag, given in (("--messy", messy), ("--xlsm", xlsm)):
        if given:
            raise click.BadParameter(
                f"ใช้ {flag} กับ --rounds มากกว่า 1 ไม่ได้ / {flag} is for a single round",
                param_hint="--rounds",
            )
    result = build_rounds(out_dir, rounds, units=units, people=people, seed=seed, round_id=round_id)
    for demo, archived in zip(result.demos, result.archived, strict=False):
        click.echo(
            f"✓ {demo.master}: รอบ / round {archived.round_id or '?'},"
            f" {len(demo.units)} สมุดงานหน่วยงาน / unit workbooks,"
            f" {len(demo.personal)} แบบรายบุคคล / personal workbooks, {archived.status}"
        )
    echo_findings(result.findings)
    if not result.findings:
        click.echo(f"✓ {result.db}: {len(result.archived)} รอบในคลัง / rounds archived")
    raise click.exceptions.Exit(result.exit_code)


@click.command("collect")
@click.argument("unit", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--from",
    "from_dir",
    required=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="โฟลเดอร์แบบรายบุคคลของหน่วยงาน / the folder of the unit's personal workbooks.",
)
@click.option(
    "--replace",
    is_flag=True,
    help="ยอมให้หน่วยมีผลการประเมินน้อยกว่าที่มีอยู่ (ผลของคนที่ไม่พบแฟ้มจะถูกล้าง)"
    " / accept a unit with fewer evaluations than it holds (those not found are cleared).",
)
@rules_option
@json_option
def collect_command(
    unit: Path, from_dir: Path, replace: bool, rules_file: Path | None, as_json: bool
) -> None:
    """รวบรวมแบบรายบุคคลเข้าสมุดงานหน่วยงาน / Collect personal workbooks into a unit workbook.

    Personal workbooks are recognised by their embedded metadata, not their names; the
    newest revision of each person wins. The personal files are never changed.

    Nothing is written (exit 1) when UNIT is not a unit workbook, when the folder holds
    no personal workbook of the unit, or when someone whose evaluation UNIT holds has no
    workbook in the folder; --replace accepts that smaller unit.

    \b
    Example:
      kpixl collect units/U01.xlsx --from inbox/U01/
      kpixl collect units/U01.xlsx --from inbox/U01/ --replace
    """
    from kpixl.jobs.collect import collect

    with hold_lock(unit, command="kpixl collect"):
        result = collect(
            unit,
            from_dir,
            rules=rules_from(rules_file),
            progress=_progress("collect"),
            replace=replace,
        )
    if as_json:
        click.echo(
            to_json(
                {
                    "unit": str(unit),
                    "written": result.written,
                    "collected": result.collected,
                    "findings": findings_json(result.findings),
                }
            )
        )
    else:
        echo_findings(result.findings)
        if result.written:
            click.echo(
                f"✓ {unit.name}: รวบรวม {result.collected} คน / collected {result.collected} people"
            )
        else:
            click.echo(
                f"✗ {unit.name}: ไม่ได้เขียน สมุดงานหน่วยงานยังเหมือนเดิม"
                f" / not written; the unit workbook is unchanged"
            )
    raise click.exceptions.Exit(result.exit_code)


@click.command("consolidate")
@click.argument("master", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--units",
    "units_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="โฟลเดอร์สมุดงานหน่วยงาน (ค่าเริ่มต้นตาม Config) / unit workbooks folder.",
)
@click.option(
    "--policy",
    type=click.Choice(POLICIES),
    default=None,
    help="วิธีจัดสรรวงเงิน (ค่าเริ่มต้นตาม Config) / how the pools are allocated"
    " (default: the master's Config).",
)
@click.option(
    "--shape",
    type=click.Choice(SHAPES),
    default=None,
    help="รูปแบบของ optimize: flat ทุกคนอยู่ตำแหน่งเดียวกันในช่วงร้อยละของระดับ,"
    " proportional ร้อยละเพิ่มตามคะแนน (ค่าเริ่มต้นตาม Config) / the optimize policy's shape:"
    " flat, one common position in every band's % range; proportional, the % rises with"
    " the score (default: the master's Config).",
)
@click.option(
    "--export",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="ส่งออกผลเป็น CSV / export results.",
)
@click.option(
    "--jobs", type=INTEGER, default=None, help="จำนวนโปรเซส / processes (default: cores)."
)
@json_option
def consolidate_command(
    master: Path,
    units_dir: Path | None,
    policy: str | None,
    shape: str | None,
    export: Path | None,
    jobs: int | None,
    as_json: bool,
) -> None:
    """รวมผลทั้งส่วนราชการ / Consolidate every unit workbook into the master.

    Reads every unit workbook, checks it, recomputes every score, allocates the pools
    and writes Results, Summary, Pools, Issues, Announcement and SalaryOrder into the
    master (the previous versions are kept in .kpixl-backups/ beside it, the newest 10 or
    the Config key `backups`). Exit 0 when clean, 1 with error findings (results are
    still written for everything valid), 2 on usage errors, when another run holds the
    master, or when the master cannot be written (disk full, read-only: it is unchanged).

    \b
    Example:
      kpixl consolidate demo/master.xlsx --export demo/results.csv
    """
    from kpixl.jobs.consolidate import consolidate

    result = consolidate(
        master,
        units_dir=units_dir,
        policy=policy,
        shape=shape,
        jobs=jobs,
        export=export,
        progress=_progress("consolidate"),
    )
    if as_json:
        click.echo(
            to_json(
                {
                    "master": str(master),
                    "units_read": result.units_read,
                    "people": len(result.results),
                    "pools": result.pools.to_dict("records"),
                    "findings": findings_json(result.findings),
                }
            )
        )
        raise click.exceptions.Exit(result.exit_code)
    echo_findings(result.findings)
    errors = sum(1 for f in result.findings if f.severity == "error")
    warnings = len(result.findings) - errors
    click.echo(
        f"รวมผล {result.units_read} หน่วยงาน {len(result.results)} คน; ข้อผิดพลาด {errors} คำเตือน {warnings}"
        f" / consolidated {result.units_read} units, {len(result.results)} people; {errors} errors, {warnings} warnings"
    )
    for pool in result.pools.to_dict("records"):
        unit = f" / {pool['unit']}" if pool["unit"] else ""
        click.echo(
            f"  วงเงิน {pool['pool_group']}{unit}: {baht(pool['pool'])} ใช้ {baht(pool['used'])} "
            f"คงเหลือ {baht(pool['leftover'])} บาท"
        )
    if not result.results.empty and not result.write_failed:
        click.echo(f"✓ {master}" + (f", {export}" if export else ""))
    raise click.exceptions.Exit(result.exit_code)
