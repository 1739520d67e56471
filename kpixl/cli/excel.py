"""``kpixl excel install``: the Windows/macOS helper for the workbook buttons."""

from __future__ import annotations

from pathlib import Path

import click

from kpixl.excel.install import install

__all__ = ["excel_group"]


@click.group("excel")
def excel_group() -> None:
    """Excel (xlwings): ปุ่มและฟังก์ชันในสมุดงาน / buttons and functions in Excel."""


@excel_group.command("install")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="คัดลอก master.xlsm และ unit.xlsm มาที่นี่ / copy the .xlsm templates here.",
)
@click.option(
    "--config-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="ไฟล์ตั้งค่า xlwings (ค่าเริ่มต้น ~/.xlwings/xlwings.conf) / the xlwings config file.",
)
@click.option(
    "--trusted-folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="โฟลเดอร์ที่ลงทะเบียนเป็น Trusted Location ของ Excel (ค่าเริ่มต้น Documents\\kpixl)"
    " / the folder registered as an Excel Trusted Location (default Documents\\kpixl).",
)
@click.option(
    "--no-trust",
    is_flag=True,
    help="ไม่สร้างและไม่ลงทะเบียน Trusted Location / do not create or register the Trusted Location.",
)
def install_command(
    out_dir: Path | None, config_file: Path | None, trusted_folder: Path | None, no_trust: bool
) -> None:
    """ตั้งค่าเครื่องให้ปุ่มของ kpixl ทำงาน / Set this PC up for the kpixl buttons.

    Records this Python as the interpreter xlwings runs, copies the .xlsm templates
    (with --out), creates Documents\\kpixl and registers it as an Excel Trusted
    Location of this user (Windows; HKCU only, kpixl's own key): a unit workbook with
    buttons (.xlsm) received by e-mail is saved there, where Excel runs its macros.
    Prints the remaining steps in Excel.

    \b
    Example:
      kpixl excel install --out C:\\HR\\2570-1
      kpixl excel install --no-trust
    """
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    lines = install(out_dir, config_file, trust=not no_trust, trusted_folder=trusted_folder)
    for line in lines:
        click.echo(line)
