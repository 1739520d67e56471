"""``kpixl mail fetch``: file the returned forms from a mailbox or a folder into the inbox."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from kpixl.cli.options import json_option
from kpixl.cli.output import echo_findings, findings_json, to_json

if TYPE_CHECKING:
    from kpixl.jobs.mail_fetch import FetchRun, MessageOutcome

__all__ = ["fetch_command"]

SKIPPED_SHOWN = 20  # more messages fetched before than this: one line for them all

_OUTCOMES = {
    "filed": ("เก็บ", "filed"),
    "older": ("เก็บแยกเป็นฉบับเก่า", "kept aside as older"),
    "duplicate": ("ซ้ำ ไม่เก็บอีก", "a duplicate, not filed again"),
}


def _message_line(m: MessageOutcome) -> str:
    head = f"{m.sender or '—'} — “{m.subject or '—'}”"
    if not m.sender and not m.subject:  # a file that is no message at all: say which
        head = f"{m.origin or '—'}"
    if m.status == "skipped":
        return f"· {head}: รับไปแล้วครั้งก่อน ข้าม / fetched before, skipped"
    if m.status == "failed":
        return f"✗ {head}: เขียนไฟล์ไม่ได้ จะลองใหม่ครั้งหน้า / could not be written, tried again next time"
    parts_th, parts_en = [], []
    for r in m.filed:
        th, en = _OUTCOMES.get(r.outcome, (r.outcome, r.outcome))
        who = r.person_id or r.unit
        parts_th.append(f"{who} ฉบับที่ {r.revision} {th} {r.path}")
        parts_en.append(f"{who} revision {r.revision} {en}")
    refused = len(m.findings)
    if refused:
        parts_th.append(f"ไม่รับ {refused} รายการ")
        parts_en.append(f"{refused} refused")
    if not parts_th:
        return f"· {head}: ไม่มีแบบฟอร์มแนบ / no form attached"
    mark = "✓" if m.filed and not refused else ("!" if m.filed else "✗")
    return f"{mark} {head}: {', '.join(parts_th)} / {', '.join(parts_en)}"


def _summary(run: FetchRun) -> str:
    fetched = [m for m in run.messages if m.status == "fetched"]
    counts = {k: sum(r.outcome == k for m in run.messages for r in m.filed) for k in _OUTCOMES}
    return (
        f"อีเมลใหม่ {len(fetched)} ฉบับ (ข้ามที่รับแล้ว {len(run.skipped)}): เก็บ {counts['filed']},"
        f" ฉบับเก่า {counts['older']}, ซ้ำ {counts['duplicate']} ใน {run.inbox}"
        f" / {len(fetched)} new messages ({len(run.skipped)} fetched before skipped):"
        f" {counts['filed']} filed, {counts['older']} kept aside as older,"
        f" {counts['duplicate']} duplicates in {run.inbox}"
    )


@click.command("fetch")
@click.argument("master", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--from",
    "source",
    default=None,
    help="รับจาก imaps://ผู้ใช้@เครื่อง/INBOX, imap://ผู้ใช้@เครื่อง:พอร์ต/INBOX หรือโฟลเดอร์"
    " ที่บันทึกอีเมล (.eml .msg mbox) หรือไฟล์แนบไว้ (ค่าเริ่มต้น: mail_fetch_from ใน Config)"
    " / where to fetch from: an IMAP URL or a folder of saved messages or attachments"
    " (default: Config's mail_fetch_from).",
)
@json_option
def fetch_command(master: Path, source: str | None, as_json: bool) -> None:
    """รับแบบฟอร์มที่ส่งกลับทางอีเมล / File the forms people sent back.

    Every attachment that is a personal or unit workbook of MASTER's round (told by
    its metadata, never its name) is filed into the inbox folder (Config inbox_folder,
    default inbox/ beside MASTER): inbox/<unit>/ holds each person's newest workbook,
    inbox/units/ the unit workbooks, inbox/_older/ the older ones. Everything else is
    reported with the message's sender and subject. Nothing is changed on the server
    (the mailbox is opened read-only); messages fetched before are skipped (the mail
    log kpixl-mail.sqlite beside MASTER). The IMAP password comes from
    KPIXL_IMAP_PASSWORD or the system keyring (service kpixl-imap, name user@host).
    Exit 0 when all went well, 1 with error findings, 2 when a file cannot be written.

    \b
    Example:
      kpixl mail fetch demo/master.xlsx --from saved-mail/
      KPIXL_IMAP_PASSWORD=... kpixl mail fetch demo/master.xlsx --from imaps://hr@mail.example.org/INBOX
      kpixl collect demo/units/U01.xlsx --from demo/inbox/U01
    """
    from kpixl.jobs.mail_fetch import fetch_mail

    run = fetch_mail(master, source)
    if as_json:
        click.echo(
            to_json(
                {
                    "master": str(master),
                    "source": run.source,
                    "inbox": str(run.inbox) if run.inbox else None,
                    "messages": [
                        {
                            "message_id": m.message_id,
                            "sender": m.sender,
                            "subject": m.subject,
                            "origin": m.origin,
                            "status": m.status,
                            "filed": [
                                {
                                    "kind": r.kind,
                                    "person_id": r.person_id,
                                    "unit": r.unit,
                                    "revision": r.revision,
                                    "evaluated": r.evaluated,
                                    "path": r.path,
                                    "outcome": r.outcome,
                                    "attachment": r.attachment,
                                }
                                for r in m.filed
                            ],
                            "findings": findings_json(m.findings),
                        }
                        for m in run.messages
                    ],
                    "findings": findings_json(run.findings),
                }
            )
        )
        raise click.exceptions.Exit(run.exit_code)
    for m in run.messages:
        if m.status != "skipped" or len(run.skipped) <= SKIPPED_SHOWN:
            click.echo(_message_line(m))
    if len(run.skipped) > SKIPPED_SHOWN:
        click.echo(
            f"· อีเมล {len(run.skipped)} ฉบับรับไปแล้วครั้งก่อน ข้าม"
            f" / {len(run.skipped)} messages fetched before, skipped"
        )
    echo_findings(run.findings)
    if run.inbox is not None and (run.messages or not run.findings):
        click.echo(("✗ " if run.exit_code else "✓ ") + _summary(run))
    else:
        click.echo(f"✗ {master.name}: ไม่ได้รับแบบฟอร์ม / nothing fetched")
    raise click.exceptions.Exit(run.exit_code)
