"""The buttons of the master and unit workbooks: xlwings macros over the same jobs as the CLI.

Each macro takes an xlwings ``Book`` (by default the workbook whose button was pressed,
``xw.Book.caller()``), reads its options from the workbook itself (the master's Config
sheet, the unit workbook's hidden kpixl sheet), calls the functions the CLI calls, and
writes results and findings back through the Book API. A failure becomes a message in
the workbook's status cell (and a finding row); no Python traceback reaches the user.

Text stays text: Excel (COM) and the remote engine's clients parse a value written to a
range as if it were typed, so a name or a KPI result such as ``=HYPERLINK(…)`` or
``=cmd|' /C calc'!A0`` from a form would become a live formula. Every value a macro
writes goes through :func:`kpixl.excel.book.excel_value`, which puts Excel's text prefix
(a leading apostrophe, not shown in the cell) before text starting with ``=``, ``+``,
``-``, ``@``, a tab, a carriage return or an apostrophe. Numbers (negative ones too) stay
numbers; only the formulas kpixl itself builds (:class:`kpixl.io.cell_text.Formula`
values) are written as formulas.
Paths made from workbook text (a roster's unit, a unit code) go through
:func:`kpixl.io.paths.safe_child`, so ``new_round`` writes only inside its folder.

Loading this module imports neither pandas, pandera, openpyxl nor xlwings: a button
pays for the job it runs (each macro imports its job module when pressed), not for
every other one.

=================  ==========  ==========================================================
macro              workbook    what it does
=================  ==========  ==========================================================
``consolidate``    master      reads every unit workbook, writes Results, Summary, Pools,
                               Issues, Announcement and SalaryOrder (as ``kpixl consolidate``)
``reports``        master      the cascade checks and the Alignment sheet (as
                               ``kpixl cascade report --write``); findings to Issues
``new_round``      master      one personal workbook per roster person in the Config's
                               personal folder, with the KPIs the master assigns
                               (as ``kpixl personal new --master``)
``seal``           master      seals every personal workbook in the personal folder
                               (as ``kpixl seal``)
``collect``        unit        reads the unit's personal workbooks and fills the unit
                               workbook (as ``kpixl collect``)
``send_forms``     master      e-mails what Config ``mail_send_what`` names (agreements,
                               units, notices, reminders; as ``kpixl mail send``)
``fetch_forms``    master      files the workbooks that came back from Config
                               ``mail_fetch_from`` into the inbox (as ``kpixl mail fetch``)
``status``         master      the Tracker sheet: each person's steps, who is late, a line
                               per unit (as ``kpixl status``)
``allocate``       unit        proposes % per person within the unit's pool share
=================  ==========  ==========================================================

The mail and status buttons run jobs that read the master *file* (they are the CLI's
jobs, which also run with no Excel at all), so they first check that the file holds
what the open workbook shows (:mod:`kpixl.excel.saved`) and otherwise ask for Ctrl+S.
A send can take minutes (the rate limit of Config ``mail_per_minute``) and Excel waits
for it: the status cell says so first and counts the messages as they go.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpixl.core.errors import KpixlError
from kpixl.excel.book import (
    excel_value,
    read_grid,
    set_status,
    set_working,
    write_document,
    write_rows,
)
from kpixl.excel.processes import button_jobs, quiet_workers
from kpixl.io.paths import safe_child
from kpixl.workbooks import master_layout as M
from kpixl.workbooks import unit_layout as U

if TYPE_CHECKING:
    from kpixl.core.findings import Finding
    from kpixl.workbooks.master import MasterInputs
    from kpixl.workbooks.unit import UnitForm

__all__ = [
    "allocate",
    "collect",
    "consolidate",
    "fetch_forms",
    "new_round",
    "reports",
    "seal",
    "send_forms",
    "status",
]

Book = Any  # an xlwings Book (COM or remote)


def _book(book: Book | None) -> Book:
    """``book``, else the workbook whose button was pressed (xlwings imports pandas: it
    is imported when a button is pressed, not when this module loads)."""
    if book is not None:
        return book
    import xlwings as xw

    return xw.Book.caller()


def _errors(findings: Sequence[Finding]) -> int:
    return sum(1 for f in findings if f.severity == "error")


def _write_issues(book: Book, findings: list[Finding]) -> None:
    """The Issues sheet: one row per finding, as ``kpixl consolidate`` writes it."""
    from kpixl.workbooks.master_results import issues_rows

    write_rows(book.sheets[M.ISSUES], issues_rows(findings), M.FIRST_ROW)


def _guarded(status: Callable[[Book], tuple[Any, str]]) -> Callable[..., Any]:
    """Run a macro body; any exception becomes the status message, never a dialog."""

    def decorator(body: Callable[[Book], None]) -> Callable[..., Any]:
        def run(book: Book | None = None) -> None:
            book = _book(book)
            sheet, cell = status(book)
            set_working(sheet, cell, *button_words(body))  # first, before any heavy import
            try:
                body(book)
            except Exception as exc:  # the user sees a message, the log the traceback
                traceback.print_exc()
                th, en = failure_words(exc)
                set_status(sheet, cell, False, th, en)

        run.__name__ = body.__name__
        run.__doc__ = body.__doc__
        return run

    return decorator


def button_words(body: Callable[..., Any]) -> tuple[str, str]:
    """A macro's name in Thai and English, from the first line of its docstring
    (``"รวมผลทั้งองค์กร / Consolidate: …"`` → ``("รวมผลทั้งองค์กร", "Consolidate")``)."""
    first = (body.__doc__ or body.__name__).strip().splitlines()[0]
    th, _, en = first.partition(" / ")
    return th.strip(), (en.split(":")[0].strip() or body.__name__)


def failure_words(exc: Exception) -> tuple[str, str]:
    """A failed button's status line in Thai and English: kpixl's own errors in their own
    words; anything else (a defect, a library's error) in Thai without the library's
    English, which goes to the English part and the log."""
    if isinstance(exc, KpixlError):
        return f"ทำงานไม่สำเร็จ: {exc.message_th}", f"failed: {exc.message_en}"
    return (
        "ทำงานไม่สำเร็จ เกิดข้อผิดพลาดภายในของ kpixl (รายละเอียดอยู่ในบันทึกการทำงาน) โปรดแจ้งผู้ดูแลระบบ",
        f"failed: {type(exc).__name__}: {exc}",
    )


def _master_status(book: Book) -> tuple[Any, str]:
    return book.sheets[M.CONFIG], M.STATUS_CELL


def _unit_status(book: Book) -> tuple[Any, str]:
    return book.sheets[U.PEOPLE], U.STATUS_CELL


def _grids(book: Book, names: Sequence[str]) -> dict[str, list[list[Any]]]:
    """The named sheets' values (those the workbook has)."""
    have = {s.name for s in book.sheets}
    return {name: read_grid(book.sheets[name]) for name in names if name in have}


def _master_inputs(book: Book) -> MasterInputs:
    from kpixl.workbooks.master import master_from_grids

    grids = _grids(book, (M.CONFIG, M.UNITS, M.ROSTER, *M.STRATEGY))
    return master_from_grids(grids, Path(book.fullname))


def _unit_form(book: Book) -> UnitForm:
    """The open unit workbook, read as ``kpixl collect`` reads the file."""
    from kpixl.workbooks.unit import unit_from_grids

    names = (U.HIDDEN, U.PEOPLE, U.KPIS, U.COMPETENCIES, U.FINDINGS)
    return unit_from_grids(Path(book.fullname), _grids(book, names))


def _folder(inputs: MasterInputs, key: str, default: str) -> Path:
    text = str(inputs.config.get(key) or default).strip()
    path = Path(text)
    return path if path.is_absolute() else inputs.path.parent / path


def _stamp() -> str:
    return datetime.now(UTC).astimezone().strftime("%Y-%m-%d %H:%M")


def _jobs(inputs: MasterInputs) -> int:
    """Config's ``jobs`` when it is a whole number of at least 1, else :func:`button_jobs`."""
    text = str(inputs.config.get("jobs") or "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else button_jobs()


# --------------------------------------------------------------------------- master


@_guarded(_master_status)
def consolidate(book: Book) -> None:
    """รวมผลทั้งองค์กร / Consolidate: the master's result sheets from every unit workbook."""
    from kpixl.jobs import consolidate as job
    from kpixl.workbooks.master import Document

    inputs = _master_inputs(book)
    quiet_workers()  # spawned workers: pythonw.exe, no console windows
    result = job.consolidate_inputs(inputs, jobs=_jobs(inputs))
    sheet, cell = _master_status(book)
    if result.rules is None or not result.units_read:
        _write_issues(book, result.findings)
        first = result.findings[0] if result.findings else None
        set_status(
            sheet,
            cell,
            False,
            f"รวมผลไม่ได้: {first.message_th if first else ''}",
            f"not consolidated: {first.message_en if first else ''}",
        )
        return
    have = {s.name for s in book.sheets}
    for name, (rows, first_row) in job.output_sheets(result, config=inputs.config).items():
        if name not in have and name in M.NEWER_SHEETS:  # an older master lacks newer sheets
            continue
        if isinstance(rows, Document):  # the papers HR prints and signs, as the CLI's
            write_document(book.sheets[name], rows, first_row, len(M.DOC_FORMATS[name]))
        else:
            write_rows(book.sheets[name], rows, first_row)
    if M.CALIBRATION in have:  # the tables; the charts are kpixl consolidate's
        _write_calibration(book, inputs, result)
    errors = _errors(result.findings)
    set_status(
        sheet,
        cell,
        not errors,
        f"รวมผลแล้ว {_stamp()}: {result.units_read} หน่วยงาน {len(result.results)} คน"
        f" ข้อค้นพบ {len(result.findings)} (ข้อผิดพลาด {errors}) ดูแผ่นงาน Issues",
        f"consolidated {result.units_read} units, {len(result.results)} people,"
        f" {len(result.findings)} findings ({errors} errors)",
    )


def _write_calibration(book: Book, inputs: MasterInputs, result: Any) -> None:
    """The Calibration sheet's values (as kpixl consolidate writes them) from A1."""
    from kpixl.core.text import text_of
    from kpixl.workbooks.master_calibration import calibration_of, calibration_page

    round_id = text_of(inputs.config.get("round_id")).strip()
    cal = calibration_of(
        result.results, inputs.roster, result.rules, round_id=round_id, past=result.past
    )
    grid, formats = calibration_page(cal, round_id=round_id)
    sheet = book.sheets[M.CALIBRATION]
    write_rows(sheet, grid, 1)
    for first, last, col, fmt in formats:  # 0.00, 0%: as the CLI's sheet shows them
        sheet.range((first, col), (last, col)).number_format = fmt


@_guarded(_master_status)
def reports(book: Book) -> None:
    """รายงานการถ่ายทอดตัวชี้วัด / Reports: the cascade checks and the Alignment sheet."""
    from kpixl.jobs import cascade as job

    report = job.cascade_from_inputs(_master_inputs(book))
    if report.alignment is not None:
        write_rows(book.sheets[M.ALIGNMENT], job.alignment_rows(report.alignment), M.FIRST_ROW)
    _write_issues(book, report.findings)
    sheet, cell = _master_status(book)
    set_status(
        sheet,
        cell,
        not _errors(report.findings),
        f"ตรวจการถ่ายทอดตัวชี้วัดแล้ว {_stamp()}: ข้อค้นพบ {len(report.findings)} (แผ่นงาน Issues, Alignment)",
        f"cascade checked: {len(report.findings)} findings (Issues, Alignment sheets)",
    )


@_guarded(_master_status)
def new_round(book: Book) -> None:
    """เปิดรอบใหม่ / New round: one personal workbook per roster person, in the personal folder."""
    from kpixl.jobs import new_round as job

    inputs = _master_inputs(book)
    done = job.new_round(inputs, _folder(inputs, "personal_folder", "personal"))
    _write_issues(book, done.findings)
    sheet, cell = _master_status(book)
    if done.round_id is None:
        set_status(sheet, cell, False, "ตั้งค่าไม่ถูกต้อง ดูแผ่นงาน Issues", "bad Config; see Issues")
        return
    written, out = len(done.written), done.folder
    set_status(
        sheet,
        cell,
        not _errors(done.findings),
        f"สร้างแบบข้อตกลง {written} ไฟล์ใน {out} (รอบ {done.round_id}) มีอยู่แล้ว {done.existing} ไฟล์"
        f" (ไม่เขียนทับ) ข้ามรายการผิดพลาด {done.skipped} ราย",
        f"wrote {written} personal workbooks to {out} (round {done.round_id});"
        f" {done.existing} existed (kept as they are); skipped {done.skipped} with errors",
    )


@_guarded(_master_status)
def seal(book: Book) -> None:
    """ลงนามข้อตกลง / Seal: every personal workbook of the personal folder (sub-folders too)."""
    from kpixl.jobs import new_round as job

    inputs = _master_inputs(book)
    folder = _folder(inputs, "personal_folder", "personal")
    done = job.seal_folder(folder, key_id=inputs.config.get("seal_key_id"))
    _write_issues(book, done.findings)
    sheet, cell = _master_status(book)
    refused = len(done.findings)
    set_status(
        sheet,
        cell,
        not done.findings,
        f"ลงนามแล้ว {done.sealed} ไฟล์ ลงนามไว้ก่อนแล้ว {done.kept} ไฟล์ ลงนามไม่ได้ {refused} ไฟล์ (ดู Issues)",
        f"sealed {done.sealed} workbooks, {done.kept} already sealed; {refused} refused (see Issues)",
    )


# ---------------------------------------------------------------- mail and status


def _saved_master(book: Book) -> MasterInputs | None:
    """The master file's inputs when the file holds what the open workbook shows; else
    None, and the status cell says why (not a file yet, unsaved changes, unreadable)."""
    from kpixl.excel.saved import unsaved_changes
    from kpixl.workbooks.master import master_from_grids, read_master

    sheet, cell = _master_status(book)
    path = Path(book.fullname)
    if not (path.is_absolute() and path.is_file()):  # "Book1", or a web address
        set_status(
            sheet,
            cell,
            False,
            "สมุดงานนี้ยังไม่เป็นไฟล์ในเครื่อง (ยังไม่ได้บันทึก หรือเปิดจากเว็บ) ให้บันทึกลงในโฟลเดอร์ของรอบ"
            " (File › Save As) แล้วกดปุ่มอีกครั้ง",
            "the workbook is not a file on this PC (never saved, or opened from the web):"
            " save it into the round's folder, then press the button again",
        )
        return None
    on_disk = read_master(path)
    if _errors(on_disk.findings):
        _write_issues(book, on_disk.findings)
        set_status(
            sheet,
            cell,
            False,
            f"อ่านไฟล์ {path.name} ไม่ได้ ดูแผ่นงาน Issues",
            f"cannot read {path.name}; see Issues",
        )
        return None
    shown = master_from_grids(_grids(book, (M.CONFIG, M.UNITS, M.ROSTER)), path)
    changed = unsaved_changes(shown, on_disk)
    if changed:
        where = ", ".join(changed[:4]) + (" …" if len(changed) > 4 else "")
        set_status(
            sheet,
            cell,
            False,
            f"ยังไม่ได้บันทึกการแก้ไข ({where}) งานนี้อ่านจากไฟล์ ให้กด Ctrl+S แล้วกดปุ่มอีกครั้ง",
            f"unsaved changes ({where}); this job reads the file: press Ctrl+S, then the button again",
        )
        return None
    return on_disk


def _config_text(inputs: MasterInputs, key: str) -> str:
    from kpixl.core.text import text_of

    return text_of(inputs.config.get(key))[:200]


def _config_cell(inputs: MasterInputs, key: str) -> str:
    row = inputs.config_rows.get(key)
    return f"{M.CONFIG}!B{row}" if row else M.CONFIG


_WHAT_WORDS = {  # what the send button sends: Thai, English
    "agreements": ("แบบข้อตกลง", "agreements"),
    "units": ("สมุดงานหน่วยงาน", "unit workbooks"),
    "notices": ("หนังสือแจ้งผล", "result notices"),
    "reminders": ("อีเมลเตือน", "reminders"),
}


def _progress(sheet: Any, cell: str, th: str, en: str) -> Callable[[int, int], None]:
    """A send's progress in the status cell: the first and last count, and at most one
    more a second between (each write is a call into Excel)."""
    shown = [0.0]

    def show(done: int, total: int) -> None:
        now = time.monotonic()
        if 0 < done < total and now - shown[0] < 1.0:
            return
        shown[0] = now
        text = f"⏳ กำลังส่ง{th} {done}/{total} ฉบับ … / sending {en}: {done} of {total} …"
        sheet.range(cell).value = text

    return show


@_guarded(_master_status)
def send_forms(book: Book) -> None:
    """ส่งแบบฟอร์ม / Send forms: e-mail what Config mail_send_what names (as kpixl mail send)."""
    from kpixl.core.mail_text import WHATS

    sheet, cell = _master_status(book)
    inputs = _saved_master(book)
    if inputs is None:
        return
    typed = _config_text(inputs, "mail_send_what")
    what = typed.lower()
    if what not in WHATS:
        where = _config_cell(inputs, "mail_send_what")
        choices = ", ".join(f"{w} ({_WHAT_WORDS[w][0]})" for w in WHATS)
        set_status(
            sheet,
            cell,
            False,
            f"ไม่ได้ส่งอีเมลใด: mail_send_what ({where}) เป็น '{typed}' ต้องเป็นค่าใดค่าหนึ่งต่อไปนี้ {choices}",
            f"nothing sent: mail_send_what ({where}) is '{typed}'; it must be one of"
            f" {', '.join(WHATS)}",
        )
        return
    th, en = _WHAT_WORDS[what]
    sheet.range(cell).value = (
        f"⏳ กำลังส่ง{th} … Excel จะรอจนส่งเสร็จ (ส่งได้ไม่เกิน mail_per_minute ฉบับต่อนาที)"
        f" / sending {en} …; Excel waits until it is done"
    )
    from kpixl.jobs.mail_send import send_mail

    run = send_mail(inputs.path, what, progress=_progress(sheet, cell, th, en))
    _write_issues(book, run.findings)
    if run.write_failed:  # another send holds the master's lock, or an .eml not written
        first = next(f for f in run.findings if f.severity == "error")
        set_status(
            sheet,
            cell,
            False,
            f"ไม่ได้ส่ง{th}ทั้งหมด: {first.message_th}",
            f"{en} not all sent: {first.message_en}",
        )
        return
    sent, skipped, failed = len(run.sent), len(run.skipped), len(run.failed)
    errors = _errors(run.findings)
    tail_th = f"ข้ามที่ส่งแล้ว {skipped} ส่งไม่สำเร็จ {failed} ข้อค้นพบ {len(run.findings)} (ดู Issues)"
    tail_en = f"{skipped} already sent, {failed} failed, {len(run.findings)} findings (see Issues)"
    if run.outbox_folder is not None:
        done_th = (
            f"เขียน{th} {sent} ฉบับเป็นไฟล์ .eml ใน {run.outbox_folder}"
            " (ไม่ได้ส่งจริง: ยังไม่ได้ตั้ง smtp_host ใน Config)"
        )
        done_en = f"wrote {sent} {en} as .eml files to {run.outbox_folder} (no smtp_host set)"
    else:
        done_th = f"ส่ง{th}แล้ว {sent} ฉบับ ผ่าน {run.server}"
        done_en = f"sent {sent} {en} through {run.server}"
    if run.stopped:
        done_th, done_en = f"หยุดกลางทาง: {done_th}", f"stopped: {done_en}"
    set_status(
        sheet,
        cell,
        not (errors or failed or run.stopped),
        f"{_stamp()} {done_th} {tail_th}",
        f"{done_en}; {tail_en}",
    )


@_guarded(_master_status)
def fetch_forms(book: Book) -> None:
    """รับแบบฟอร์ม / Fetch forms: file the workbooks that came back by e-mail (as kpixl mail fetch)."""
    sheet, cell = _master_status(book)
    inputs = _saved_master(book)
    if inputs is None:
        return
    source = _config_text(inputs, "mail_fetch_from")
    if not source:
        where = _config_cell(inputs, "mail_fetch_from")
        set_status(
            sheet,
            cell,
            False,
            f"ไม่ได้รับแบบฟอร์มใด: ยังไม่ได้ตั้ง mail_fetch_from ({where}) ให้ใส่ imaps://ผู้ใช้@เครื่อง/INBOX"
            " หรือโฟลเดอร์ที่บันทึกอีเมลหรือไฟล์แนบไว้",
            f"nothing fetched: mail_fetch_from ({where}) is blank; give imaps://user@host/INBOX"
            " or a folder of saved messages or attachments",
        )
        return
    from kpixl.io.mail_sources import source_label
    from kpixl.jobs.mail_fetch import fetch_mail

    source = source_label(source)  # a password typed into the URL is never shown
    sheet.range(cell).value = f"⏳ กำลังรับแบบฟอร์มจาก {source} … / fetching from {source} …"

    run = fetch_mail(inputs.path)  # the source as Config names it
    _write_issues(book, run.findings)
    filed, skipped, errors = len(run.filed), len(run.skipped), _errors(run.findings)
    inbox = run.inbox or _folder(inputs, "inbox_folder", "inbox")
    where = run.source or source
    set_status(
        sheet,
        cell,
        not errors,
        f"{_stamp()} รับแบบฟอร์มจาก {where}: เก็บ {filed} ไฟล์ใน {inbox}"
        f" ข้ามอีเมลที่รับไว้แล้ว {skipped} ฉบับ ข้อค้นพบ {len(run.findings)} (ข้อผิดพลาด {errors})"
        " ดูแผ่นงาน Issues",
        f"fetched from {where}: filed {filed} workbooks into {inbox}, {skipped} messages"
        f" fetched before; {len(run.findings)} findings ({errors} errors)",
    )


@_guarded(_master_status)
def status(book: Book) -> None:
    """สถานะ / Status: the Tracker sheet, who is late, a line per unit (as kpixl status)."""
    from kpixl.excel.tracker_sheet import tracker_sheet, write_tracker
    from kpixl.jobs.status import round_status, tracker_view

    sheet, cell = _master_status(book)
    inputs = _saved_master(book)
    if inputs is None:
        return
    run = round_status(inputs.path)
    _write_issues(book, run.findings)
    if _errors(run.findings) and not run.people:
        first = next(f for f in run.findings if f.severity == "error")
        set_status(
            sheet,
            cell,
            False,
            f"ติดตามสถานะไม่ได้: {first.message_th}",
            f"no status: {first.message_en}",
        )
        return
    write_tracker(tracker_sheet(book), tracker_view(run))
    people, late = len(run.people), len(run.late)
    late_units = sum(1 for u in run.units if u.late)
    set_status(
        sheet,
        cell,
        not _errors(run.findings),
        f"ติดตามสถานะแล้ว {_stamp()}: {people} คน {len(run.units)} หน่วยงาน"
        f" ล่าช้า {late} คน ใน {late_units} หน่วยงาน ดูแผ่นงาน {M.TRACKER}"
        f" (บันทึกสมุดงานเพื่อเก็บไว้) ข้อค้นพบ {len(run.findings)}",
        f"status: {people} people in {len(run.units)} units, {late} late in {late_units}"
        f" units; see the {M.TRACKER} sheet (save the workbook to keep it);"
        f" {len(run.findings)} findings",
    )


# ----------------------------------------------------------------------------- unit


def _unit_rows(data: Any) -> dict[str, list[list[object]]]:
    """Sheet → rows of what collecting gives the unit workbook (people with their
    formulas, KPIs, competencies), as ``kpixl collect`` writes them."""
    from kpixl.workbooks.unit import excel_plain, row_formulas

    people = []
    for i, person in enumerate(data.people):
        formulas = row_formulas(U.FIRST_ROW + i)
        people.append(
            [
                formulas[f] if f in U.FORMULA_FIELDS else excel_plain(person.get(f))
                for f in U.PEOPLE_COLUMNS
            ]
        )
    return {
        U.PEOPLE: people,
        U.KPIS: [[excel_plain(r.get(f)) for f in U.KPI_COLUMNS] for r in data.kpis],
        U.COMPETENCIES: [
            [excel_plain(r.get(f)) for f in U.COMP_COLUMNS] for r in data.competencies
        ],
    }


@_guarded(_unit_status)
def collect(book: Book) -> None:
    """รวบรวมแบบประเมินรายบุคคล / Collect: fill the unit workbook from its personal workbooks."""
    from kpixl.jobs import collect as job

    form = _unit_form(book)
    folder = _personal_folder(form.path, form.meta)
    result, data = job.collect_data(form.path, folder, unit_form=form)
    sheet, cell = _unit_status(book)
    if data is None:  # unreadable, or refused: the sheets stay as they are
        errors = [f for f in result.findings if f.severity == "error"]
        last = errors[-1] if errors else None
        set_status(
            sheet,
            cell,
            False,
            f"ไม่ได้รวบรวม สมุดงานหน่วยงานยังเหมือนเดิม: {last.message_th if last else ''}",
            f"not collected; the unit workbook is unchanged: {last.message_en if last else ''}",
        )
        return
    for name, rows in _unit_rows(data).items():
        write_rows(book.sheets[name], rows, U.FIRST_ROW if name == U.PEOPLE else 2)
    write_rows(
        book.sheets[U.FINDINGS],
        [[getattr(f, k) for k in U.FINDING_COLUMNS] for f in result.findings],
        2,
    )
    book.sheets[U.HIDDEN].range(U.meta_cell("revision")).value = data.revision
    set_status(
        sheet,
        cell,
        not _errors(result.findings),
        f"รวบรวมแล้ว {_stamp()}: {result.collected} คน จาก {folder} ข้อค้นพบ {len(result.findings)}",
        f"collected {result.collected} people from {folder}; {len(result.findings)} findings",
    )


def _personal_folder(path: Path, meta: dict[str, Any]) -> Path:
    """The hidden sheet's personal_folder, else ../personal/<unit code>, else ./<unit code>."""
    text = str(meta.get("personal_folder") or "").strip()
    code = str(meta.get("unit_code") or "").strip()
    if text:  # set by whoever set up the unit workbook; only read from
        folder = Path(text)
        return folder if folder.is_absolute() else path.parent / folder
    candidates = (safe_child(path.parent.parent / "personal", code), safe_child(path.parent, code))
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[1]


@_guarded(_unit_status)
def allocate(book: Book) -> None:
    """เสนอร้อยละการเลื่อน / Allocate: propose % per person within the unit's pool share."""
    from kpixl.jobs import propose as job

    proposal = job.propose(_unit_form(book))
    sheet, cell = _unit_status(book)
    if proposal.share is None:
        set_status(
            sheet, cell, False, "ยังไม่ได้กรอกวงเงินของหน่วย (B4)", "the unit's pool share (B4) is blank"
        )
        return
    if not proposal.pct:
        set_status(sheet, cell, False, "ยังไม่มีคะแนน ให้รวบรวมก่อน", "no scores yet; collect first")
        return
    letter = U.PEOPLE_COLUMNS["pct"][0]
    sheet.range(f"{letter}{U.FIRST_ROW}").value = [[excel_value(p)] for p in proposal.pct]
    n, used, share = proposal.proposed, proposal.used, proposal.share
    set_status(
        sheet,
        cell,
        True,
        f"เสนอร้อยละแล้ว {n} คน ใช้วงเงิน {used:,.2f} จาก {share:,.2f} บาท",
        f"proposed % for {n} people: {used:,.2f} of {share:,.2f} baht",
    )
