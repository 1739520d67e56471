"""The round's official documents in the consolidated master: ประกาศรายชื่อดีเด่น/ดีมาก
(by unit), ประกาศร้อยละการเลื่อนเงินเดือน, คำสั่งเลื่อนเงินเดือนและบัญชีแนบท้าย. Each
rendered by LibreOffice: organisation, number, Buddhist-era date with a Thai month,
signer and position, every listed column; blank Config values print as dotted lines.
The results (CSV export and JSON) are the same as before the documents were written."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from test_master_print import only_sheet

from kpixl.cli import cli
from kpixl.core.thaitime import thai_date
from kpixl.io.libreoffice import convert
from kpixl.jobs.consolidate import consolidate
from kpixl.jobs.demo import build_demo
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.master_documents import document_fields

CONFIG = {
    "organisation": "สำนักงานทดสอบเอกสาร",
    "announcement_no": "7/2570",
    "announcement_date": date(2027, 4, 20),
    "pct_announcement_no": "8/2570",
    "pct_announcement_date": "2570-04-21",
    "order_no": "123/2570",
    "order_date": "2027-04-25",
    "signer_name": "นายสมชาย ใจดี",
    "signer_position": "ผู้อำนวยการสำนักงานทดสอบเอกสาร",
}


def set_config(master: Path, values: dict[str, object]) -> None:
    wb = openpyxl.load_workbook(master)
    ws = wb[M.CONFIG]
    rows = {ws.cell(r, 1).value: r for r in range(M.FIRST_ROW, ws.max_row + 1)}
    for key, value in values.items():
        ws.cell(rows[key], 2).value = value
    wb.save(master)


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("docs")
    build_demo(root / "demo")
    master = root / "demo" / "master.xlsx"
    set_config(master, CONFIG)
    assert consolidate(master).exit_code == 0
    return master


@pytest.fixture(scope="module")
def blank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("blank")
    build_demo(root / "demo")
    master = root / "demo" / "master.xlsx"
    assert consolidate(master).exit_code == 0
    return master


def sheet_pdf(master: Path, sheet: str, out: Path) -> str:
    """The sheet printed: its text in drawing order (a wrapped cell's lines together),
    then as laid out on the page (a table row on one line)."""
    copy = only_sheet(master, sheet, out / f"{sheet}.xlsx")
    pdf = convert([copy], out / "pdf", to="pdf")[0]
    return "\n".join(
        subprocess.run(
            ["pdftotext", mode, str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        for mode in ("-raw", "-layout")
    )


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


THAI_MONTH = re.compile(
    r"\d{1,2}(มกราคม|กุมภาพันธ์|มีนาคม|เมษายน|พฤษภาคม|มิถุนายน|กรกฎาคม|สิงหาคม|กันยายน|ตุลาคม|พฤศจิกายน|ธันวาคม)25\d\d"
)


def test_thai_dates() -> None:
    assert thai_date(date(2027, 4, 1)) == "1 เมษายน 2570"
    assert thai_date(datetime(2026, 10, 1, 9, 0)) == "1 ตุลาคม 2569"
    assert thai_date(date(2027, 3, 31), short=True) == "31 มี.ค. 2570"


def test_document_fields_from_config() -> None:
    f = document_fields({**CONFIG, "round_id": "2570/1", "order_date": 46502.0})
    assert f.organisation == CONFIG["organisation"]
    assert f.announcement_date == "20 เมษายน 2570"
    assert f.pct_announcement_date == "21 เมษายน 2570"  # Buddhist-era text
    assert f.order_date == "25 เมษายน 2570"  # an Excel serial number
    assert f.effective_date == "1 เมษายน 2570"  # round 1: 1 April
    assert f.round_text.startswith("รอบที่ 1 (1 ตุลาคม 2569 – 31 มีนาคม 2570)")
    assert document_fields({"round_id": "2570/2"}).effective_date == "1 ตุลาคม 2570"
    blank = document_fields({})
    assert blank.order_no == M.DOTS and blank.signer_name == M.DOTS
    assert blank.order_date == M.DOTS and blank.effective_date == M.DOTS
    odd = document_fields({"order_date": "ไม่ทราบ", "round_id": "x", "effective_date": "  "})
    assert odd.order_date == M.DOTS and odd.effective_date == M.DOTS  # unreadable: by hand
    typed = document_fields({"order_date": "๒๕/๔/๒๕๗๐", "announcement_date": "20 เม.ย. 2570"})
    assert typed.order_date == "25 เมษายน 2570"  # day first, Thai digits, Buddhist era
    assert typed.announcement_date == "20 เมษายน 2570"


@pytest.mark.parametrize(
    "typed", ["32/13/2570", "31/4/2570", "2570-02-30", "ปลายเดือน", "99/99/9999"]
)
def test_an_unreadable_document_date_is_a_finding_at_its_cell(tmp_path: Path, typed: str) -> None:
    """A date that does not exist, or text that is no date, is a warning on its Config
    cell; the order prints dots there, never the typed text; the round is consolidated."""
    build_demo(tmp_path / "demo")
    master = tmp_path / "demo" / "master.xlsx"
    set_config(master, {"order_date": typed, "announcement_date": "1/4/2570"})
    row = next(
        r
        for r, (key,) in enumerate(
            openpyxl.load_workbook(master)[M.CONFIG].iter_rows(
                min_col=1, max_col=1, values_only=True
            ),
            start=1,
        )
        if key == "order_date"
    )
    result = consolidate(master)
    assert result.exit_code == 0  # a warning: the round goes on
    dates = [f for f in result.findings if f.rule == "config.document_date"]
    assert [(f.field, f.sheet, f.cell) for f in dates] == [("order_date", M.CONFIG, f"B{row}")]
    assert "1/4/2570" in dates[0].message_th and typed in dates[0].message_th
    wb = openpyxl.load_workbook(master)
    order = "\n".join(
        str(v) for row_ in wb[M.SALARY_ORDER].iter_rows(values_only=True) for v in row_ if v
    )
    assert f"สั่ง ณ วันที่ {M.DOTS}" in order and typed not in order
    announced = "\n".join(
        str(v) for row_ in wb[M.ANNOUNCEMENT].iter_rows(values_only=True) for v in row_ if v
    )
    assert "1 เมษายน 2570" in announced
    issues = [v for row_ in wb[M.ISSUES].iter_rows(values_only=True) for v in row_]
    assert "config.document_date" in issues


@pytest.mark.libreoffice
def test_announcement_by_unit(filled: Path, tmp_path: Path) -> None:
    text = sheet_pdf(filled, M.ANNOUNCEMENT, tmp_path)
    flat = squash(text)
    assert squash("ประกาศสำนักงานทดสอบเอกสาร") in flat
    assert "7/2570" in flat and squash("20 เมษายน 2570") in flat
    assert "นายสมชายใจดี" in flat and squash(CONFIG["signer_position"]) in flat  # type: ignore[arg-type]
    for header in M.ANNOUNCEMENT_HEADERS:
        assert squash(header) in flat, header
    wb = openpyxl.load_workbook(filled)
    results = wb[M.RESULTS]
    col = {name: M.RESULT_COLUMNS.index(name) + 1 for name in ("name", "band", "unit")}
    top = {}
    for r in range(M.FIRST_ROW, results.max_row + 1):
        if results.cell(r, col["band"]).value in ("ดีเด่น", "ดีมาก"):
            top[results.cell(r, col["name"]).value] = results.cell(r, col["unit"]).value
    assert top
    for name in top:
        assert squash(name) in flat, name
    units = {wb[M.UNITS].cell(r, 1).value: wb[M.UNITS].cell(r, 2).value for r in range(4, 7)}
    for code in set(top.values()):  # a heading per unit, in unit order
        assert squash(units[code]) in flat
    order = [flat.index(squash(units[code])) for code in sorted(set(top.values()))]
    assert order == sorted(order)


@pytest.mark.libreoffice
def test_pct_announcement_shows_the_pct_used(filled: Path, tmp_path: Path) -> None:
    flat = squash(sheet_pdf(filled, M.PCT_ANNOUNCEMENT, tmp_path))
    assert squash("ประกาศสำนักงานทดสอบเอกสาร") in flat and "8/2570" in flat
    assert squash("21 เมษายน 2570") in flat and "นายสมชายใจดี" in flat
    assert squash("ร้อยละการเลื่อนเงินเดือนในแต่ละระดับผลการประเมิน") in flat
    for header in M.PCT_HEADERS:
        assert squash(header) in flat
    # the demo's % per band, as the round used them (ดีเด่น 6.00, ดีมาก 3.99, …)
    for band, pct in (("ดีเด่น", "6.00"), ("ดีมาก", "3.99"), ("ดี", "2.99"), ("พอใช้", "1.99")):
        assert band in flat and pct in flat
    assert "ไม่ได้เลื่อน" in flat  # ต้องปรับปรุง
    # the groups used different % (no one of อำนวยการ was ดีเด่น): a column each
    assert squash("ร้อยละ กลุ่มวิชาการและทั่วไป") in flat and squash("ร้อยละ กลุ่มอำนวยการ") in flat
    assert "90–100" in flat


@pytest.mark.libreoffice
def test_salary_order_and_its_attachment(filled: Path, tmp_path: Path) -> None:
    text = sheet_pdf(filled, M.SALARY_ORDER, tmp_path)
    flat = squash(text)
    assert squash("คำสั่งสำนักงานทดสอบเอกสาร") in flat and "123/2570" in flat
    assert squash("เรื่อง เลื่อนเงินเดือนข้าราชการ") in flat
    assert squash("สั่ง ณ วันที่ 25 เมษายน 2570") in flat
    assert squash("ตั้งแต่วันที่ 1 เมษายน 2570 เป็นต้นไป") in flat  # the effective date
    assert "นายสมชายใจดี" in flat and squash(CONFIG["signer_position"]) in flat  # type: ignore[arg-type]
    assert squash("บัญชีรายละเอียดการเลื่อนเงินเดือนข้าราชการ แนบท้ายคำสั่ง") in flat
    for header in M.SALARY_ORDER_HEADERS:  # name … special compensation, base, type, level
        assert squash(header) in flat, header
    assert "###" not in text
    # a paid person's line: unit name, money with thousands separators, whole baht
    assert "กลุ่มบริหาร" in flat and "ล่าง" in flat and "บน" in flat
    assert re.search(r"16,640\s+18,110\s+บน\s+2\.99\s+550\s+17,190", text)
    assert "ชำนาญการ" in flat and "วิชาการ" in flat


@pytest.mark.libreoffice
def test_blank_config_prints_dotted_lines(blank: Path, tmp_path: Path) -> None:
    text = sheet_pdf(blank, M.SALARY_ORDER, tmp_path)
    assert "ที่ …" in text or "ที่ ..." in text.replace("…", "...")
    assert squash("สั่ง ณ วันที่ …") in squash(text)
    assert THAI_MONTH.search(squash(text))  # the effective date from the round
    wb = openpyxl.load_workbook(blank)
    values = [c.value for row in wb[M.SALARY_ORDER].iter_rows() for c in row if c.value]
    assert any(str(v).startswith("(…") for v in values)  # the signer's name to write in


def test_documents_leave_the_results_alone(tmp_path: Path) -> None:
    """The same CSV export and JSON with the documents' Config filled in or not."""
    runs = {}
    for label, config in (("plain", {}), ("filled", CONFIG)):
        build_demo(tmp_path / label)
        master = tmp_path / label / "master.xlsx"
        if config:
            set_config(master, config)
        out = CliRunner().invoke(
            cli,
            ["consolidate", str(master), "--export", str(tmp_path / f"{label}.csv"), "--json"],
        )
        assert out.exit_code == 0, out.output
        data = json.loads(out.output)
        data.pop("master", None)
        runs[label] = ((tmp_path / f"{label}.csv").read_bytes(), data)
    assert runs["plain"] == runs["filled"]
    header = runs["plain"][0].decode("utf-8-sig").splitlines()[0]
    assert header.split(",") == list(M.EXPORT_COLUMNS)  # the export's columns as before
