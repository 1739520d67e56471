"""``kpixl personal``, ``kpixl validate``, ``kpixl seal``: the personal workbooks."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kpixl.cli.options import INTEGER, json_option, rules_from, rules_option
from kpixl.cli.output import echo_findings, findings_json, scores_line, to_json
from kpixl.core.errors import KpixlError
from kpixl.core.rounds import current_round, parse_round
from kpixl.core.seal import key_id as seal_id

if TYPE_CHECKING:
    from kpixl.core.findings import Finding

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
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="โฟลเดอร์ที่จะเขียนแบบรายบุคคล / the folder to write the personal workbooks to.",
)
@click.option("--round", "round_text", default=None, help="รอบการประเมิน เช่น 2570/1 / round id.")
@click.option("--jobs", type=INTEGER, default=1, show_default=True, help="จำนวนโปรเซส / processes.")
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
    from kpixl.core.findings import has_errors
    from kpixl.workbooks.generate import carried_kpis, generate_personal
    from kpixl.workbooks.master import read_master
    from kpixl.workbooks.roster import read_roster

    rules = rules_from(rules_file)
    round_ = parse_round(round_text) if round_text else current_round()
    strategy = None
    units = None
    drafted: list[Finding] = []
    if master_path is not None:
        inputs = read_master(master_path)
        echo_findings(inputs.findings)
        if inputs.findings:
            raise click.exceptions.Exit(1)
        strategy = inputs.strategy
        units = inputs.units
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
        units=units,
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


def _master_option(fn: Any) -> Any:
    return click.option(
        "--master",
        "master_path",
        default=None,
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        help="สมุดงานหลัก: ตรวจกุญแจลงนามกับ seal_key_id ใน Config"
        " / the master: check the sealing key against its Config's seal_key_id.",
    )(fn)


def _key_id(master_path: Path | None) -> tuple[str | None, list[Finding]]:
    """The agency key's id from the master's Config, and the findings of checking the
    key set here against it (a wrong key is reported once, before any file)."""
    if master_path is None:
        return None, []
    from kpixl.workbooks.master import read_master, seal_key_id
    from kpixl.workbooks.personal_seal import agency_key_findings, seal_key

    inputs = read_master(master_path, roster=False)
    if inputs.findings:
        return None, inputs.findings
    expected = seal_key_id(inputs)
    return expected, agency_key_findings(
        expected, key=seal_key(), file=master_path.name, sheet="Config"
    )


def _other_form(path: Path) -> Finding | None:
    """When ``path`` is a master or a unit workbook (its sheets tell), a finding that
    says so (its value: ``master`` or ``unit``) and names the command that fits it;
    ``None`` for anything else."""
    from kpixl.core.codes import finding
    from kpixl.io.identify import sheet_names
    from kpixl.workbooks import master_layout as M
    from kpixl.workbooks import unit_layout as U

    names = set(sheet_names(path))
    shown = f'"{path}"' if any(ch.isspace() for ch in str(path)) else str(path)
    if {M.CONFIG, M.UNITS, M.ROSTER} <= names:
        command = f"kpixl consolidate {shown}"
        return finding(
            "file.other_form",
            file=path.name,
            value="master",
            form_th="สมุดงานหลัก",
            form_en="the master workbook",
            command_th=command,
            command_en=command,
        )
    if set(U.SHEETS) <= names:
        return finding(
            "file.other_form",
            file=path.name,
            value="unit",
            form_th="สมุดงานหน่วยงาน",
            form_en="a unit workbook",
            command_th=f"kpixl collect {shown} --from <โฟลเดอร์แบบรายบุคคล>"
            " แล้ว kpixl consolidate <สมุดงานหลัก>",
            command_en=f"kpixl collect {shown} --from <personal-folder>,"
            " then kpixl consolidate <master>",
        )
    return None


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@rules_option
@_master_option
@json_option
def validate_command(
    files: tuple[Path, ...], rules_file: Path | None, master_path: Path | None, as_json: bool
) -> None:
    """ตรวจแบบข้อตกลง/แบบประเมินรายบุคคล / Check personal workbooks (exit 1 on errors).

    Prints every finding with its file, sheet and cell, and each person's recomputed
    scores. Files are only read, never changed. Seals are checked with the agency key
    in KPIXL_SEAL_KEY; with --master, against the key id in its Config (seal_key_id)
    too: then a seal that is not an HMAC under the agency key is an error. A master or
    a unit workbook is named as such, with the command that fits it (exit 1).

    \b
    Examples:
      kpixl validate personal/*.xlsx
      KPIXL_SEAL_KEY=… kpixl validate --master master.xlsx personal/U01/*.xlsx
    """
    from kpixl.core.findings import has_errors
    from kpixl.workbooks.personal import check_personal, read_personal

    rules = rules_from(rules_file)
    key_id, key_findings = _key_id(master_path)
    report: list[dict[str, Any]] = []
    failed = has_errors(key_findings)
    if key_findings:
        if as_json:
            report.append(
                {
                    "file": str(master_path),
                    "scores": {},
                    "findings": findings_json(key_findings),
                }
            )
        else:
            echo_findings(key_findings)
    for path in files:
        other = _other_form(path)
        if other is not None:
            failed = True
            if as_json:
                report.append(
                    {
                        "file": str(path),
                        "form": other.value,
                        "scores": {},
                        "findings": findings_json([other]),
                    }
                )
            else:
                echo_findings([other])
            continue
        result = check_personal(read_personal(path), rules=rules, key_id=key_id)
        failed |= has_errors(result.findings)
        if as_json:
            report.append(
                {
                    "file": str(path),
                    "scores": {k: v for k, v in result.scores.items()},
                    "findings": findings_json(result.findings),
                }
            )
            continue
        echo_findings(result.findings)
        click.echo(scores_line(path.name, result.scores, ok=result.ok))
    if as_json:
        click.echo(to_json(report))
    if failed:
        raise click.exceptions.Exit(1)


@click.command("seal")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path)
)
@_master_option
@click.option(
    "--force",
    is_flag=True,
    help="ลงนามใหม่แม้ข้อตกลงถูกแก้ไขหลังลงนามหรือลงนามด้วยกุญแจอื่นไว้ (ผู้ประเมินตรวจแล้ว)"
    " / seal again an agreement changed since it was sealed, or sealed under another key"
    " (after the supervisor has reviewed it).",
)
def seal_command(files: tuple[Path, ...], master_path: Path | None, force: bool) -> None:
    """ลงนามรับรองข้อตกลง (บันทึกตราของข้อตกลง) / Seal agreements.

    Uses HMAC-SHA256 with the agency key in KPIXL_SEAL_KEY when it is set, plain
    SHA-256 otherwise; with --master the key must match its Config's seal_key_id. A
    later change to the agreement is reported by `kpixl validate`. An agreement already
    sealed and unchanged is left as it is (same bytes); one changed since it was sealed,
    or sealed under another key, is refused unless --force. Exit 1 if any is refused.

    \b
    Examples:
      KPIXL_SEAL_KEY=secret kpixl seal personal/2570-1_1101700123456.xlsx
      KPIXL_SEAL_KEY=secret kpixl seal --master master.xlsx personal/U01/*.xlsx
    """
    from kpixl.workbooks.personal import seal_personal
    from kpixl.workbooks.personal_seal import seal_key

    key_id, key_findings = _key_id(master_path)
    if key_findings:
        echo_findings(key_findings)
        raise click.exceptions.Exit(1)
    key = seal_key()
    if key:
        click.echo(
            f"กุญแจลงนามรหัส {seal_id(key)} (ใส่ใน Config › seal_key_id ของสมุดงานหลักได้)"
            f" / sealing key id {seal_id(key)} (for the master's Config seal_key_id)"
        )
    refused = 0
    for path in files:
        try:
            sealed = seal_personal(path, key_id=key_id, force=force)
        except KpixlError as exc:
            refused += 1
            click.secho(f"✗ {path.name}: {exc}", fg="red")
            continue
        if sealed.written:
            click.echo(f"✓ {path.name}: ลงนามแล้ว / sealed ({sealed.method} {sealed.digest[:16]}…)")
        else:
            click.echo(
                f"✓ {path.name}: ลงนามไว้แล้ว ไม่มีการเปลี่ยนแปลง / already sealed, unchanged"
                f" ({sealed.method} {sealed.digest[:16]}…)"
            )
    if refused:
        raise click.exceptions.Exit(1)
