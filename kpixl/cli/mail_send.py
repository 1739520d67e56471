"""``kpixl mail send``: e-mail the round's forms (kpixl.jobs.mail_send)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kpixl.cli.options import json_option
from kpixl.cli.output import echo_findings, findings_json, to_json

if TYPE_CHECKING:
    from kpixl.jobs.mail_send import Delivery, SendRun

__all__ = ["send_command"]

WHATS = ("agreements", "units", "notices", "reminders")  # kpixl.core.mail_text.WHATS


def _attachment(d: Delivery) -> str:
    a = d.outgoing.attachment
    return a.name if a is not None else ""


def _item(d: Delivery) -> dict[str, Any]:
    o = d.outgoing
    return {
        "key": o.key,
        "to": o.to,
        "name": o.name,
        "unit": o.unit,
        "subject": d.subject,
        "attachment": str(o.attachment) if o.attachment is not None else "",
        "sha256": d.sha256,
        "status": d.status,
        "message_id": d.message_id,
        "why_th": d.why_th,
        "why_en": d.why_en,
        "eml": str(d.path) if d.path is not None else "",
    }


def _line(mark: str, d: Delivery) -> str:
    o = d.outgoing
    attached = f" [{_attachment(d)}]" if _attachment(d) else ""
    why = f" — {d.why_th} / {d.why_en}" if d.why_th else ""
    return f"{mark} {o.name} <{o.to}>: {d.subject}{attached}{why}"


def _echo(run: SendRun) -> None:
    echo_findings(run.findings)
    if run.dry_run:
        for d in run.planned:
            click.echo(_line("→", d))
        for d in run.skipped:
            click.echo(_line("=", d))
        click.echo(
            f"ทดลอง (--dry-run): จะส่ง {len(run.planned)} ฉบับ, ส่งแล้วไม่ส่งซ้ำ {len(run.skipped)} ฉบับ"
            " ไม่ได้ส่งหรือบันทึกสิ่งใด"
            f" / dry run: {len(run.planned)} would go, {len(run.skipped)} already sent;"
            " nothing was sent or logged"
        )
        return
    for d in run.sent:
        if d.why_th:
            click.echo(_line("↻", d))
    for d in run.failed:
        click.secho(_line("✗", d), fg="red")
    where = (
        f"เขียนไฟล์ .eml ใน {run.outbox_folder}"
        if run.outbox_folder is not None
        else f"ส่งผ่าน {run.server}"
    )
    where_en = (
        f"written as .eml files into {run.outbox_folder}"
        if run.outbox_folder is not None
        else f"sent through {run.server}"
    )
    mark = (
        "✗ หยุดกลางทาง" if run.stopped or run.write_failed else ("✓" if run.exit_code == 0 else "✗")
    )
    click.echo(
        f"{mark} {run.what}: {where} {len(run.sent)} ฉบับ, ส่งแล้วไม่ส่งซ้ำ {len(run.skipped)},"
        f" ไม่สำเร็จ {len(run.failed)}"
        f" / {'stopped: ' if run.stopped else ''}{len(run.sent)} {where_en},"
        f" {len(run.skipped)} already sent, {len(run.failed)} failed"
    )


@click.command("send")
@click.argument("master", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--what",
    type=click.Choice(WHATS),
    required=True,
    help="ส่งอะไร: agreements (แบบข้อตกลงรายบุคคล), units (สมุดงานหน่วยงานถึงหัวหน้า),"
    " notices (หนังสือแจ้งผล PDF), reminders (เตือนผู้ที่ยังไม่ส่ง) / what to send.",
)
@click.option("--unit", default=None, help="เฉพาะหน่วยงานนี้ (รหัส) / only this unit (its code).")
@click.option(
    "--outbox",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="เขียนอีเมลเป็นไฟล์ .eml ในโฟลเดอร์นี้แทนการส่ง / write .eml files here instead of sending.",
)
@click.option(
    "--smtp",
    "smtp_url",
    default=None,
    help="เครื่องส่งอีเมลสำหรับครั้งนี้ (แทน Config): smtp://host:25, smtp+starttls://ผู้ใช้@host:587,"
    " smtps://ผู้ใช้@host:465 — ห้ามใส่รหัสผ่าน / the SMTP server for this run (no password"
    " in it).",
)
@click.option(
    "--cafile",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="ใบรับรองผู้ออกใบรับรองเพิ่มเติมที่ยอมรับ (PEM) / an extra CA certificate to trust (PEM).",
)
@click.option(
    "--dry-run",
    "dry_run",
    is_flag=True,
    help="แสดงว่าจะส่งอะไรถึงใคร ไม่ส่งและไม่บันทึก / list what would go; send and log nothing.",
)
@json_option
def send_command(
    master: Path,
    what: str,
    unit: str | None,
    outbox: Path | None,
    smtp_url: str | None,
    cafile: str | None,
    dry_run: bool,
    as_json: bool,
) -> None:
    """ส่งแบบฟอร์มทางอีเมล คนละหนึ่งฉบับ / E-mail the round's forms, one message each.

    Sends each person their personal workbook (agreements), each unit head the unit
    workbook (units), each person their notice PDF (notices), or a reminder to those
    late (reminders); Thai subject and body from the master's Config. Through the SMTP
    server in Config (smtp_host…) or --smtp; with neither, or with --outbox, the
    messages are written as .eml files (outbox/ beside the master). The password comes
    from KPIXL_SMTP_PASSWORD or the keyring, never a file. The log kpixl-mail.sqlite
    beside the master keeps a second run from sending anything twice (a changed
    attachment is sent again). Exit 0 when all went, 1 with error findings (a person
    without an address, a refused message, a server that cannot be reached), 2 when a
    file cannot be written or another run holds the master.

    \b
    Example:
      kpixl mail send demo/master.xlsx --what agreements --dry-run
      kpixl mail send demo/master.xlsx --what agreements --outbox demo/outbox
      KPIXL_SMTP_PASSWORD=… kpixl mail send demo/master.xlsx --what units \\
          --smtp smtp+starttls://hr@smtp.example.org:587
    """
    from kpixl.jobs.mail_send import send_mail

    def send(progress: Any = None) -> SendRun:
        return send_mail(
            master,
            what,
            unit=unit,
            outbox=outbox,
            smtp=smtp_url,
            dry_run=dry_run,
            progress=progress,
            cafile=cafile,
        )

    if not as_json and not dry_run and sys.stderr.isatty():
        with click.progressbar(length=1, label="ส่งอีเมล / sending", file=sys.stderr) as bar:

            def progress(done: int, total: int) -> None:
                bar.length = max(total, 1)
                bar.update(done - bar.pos)

            run = send(progress)
    else:
        run = send()
    if as_json:
        click.echo(
            to_json(
                {
                    "master": str(master),
                    "what": what,
                    "dry_run": dry_run,
                    "server": run.server,
                    "outbox": str(run.outbox_folder) if run.outbox_folder else "",
                    "sent": [_item(d) for d in run.sent],
                    "skipped": [_item(d) for d in run.skipped],
                    "failed": [_item(d) for d in run.failed],
                    "planned": [_item(d) for d in run.planned],
                    "eml": [str(p) for p in run.outbox],
                    "stopped": run.stopped,
                    "findings": findings_json(run.findings),
                }
            )
        )
        raise click.exceptions.Exit(run.exit_code)
    _echo(run)
    raise click.exceptions.Exit(run.exit_code)
