"""The master's History sheet (issue 17, item 4): each person's last four rounds.

Real files and a real SQLite archive: five consecutive demo rounds (``kpixl demo
--rounds 5``, small), their masters read back with openpyxl and as raw package parts,
and held to ``kpixl history --json``. Planted cases: no archive, an unreadable one, a
hostile name in the archive, a master from a template without the sheet.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kpixl.cli import main
from kpixl.core.text import text_of
from kpixl.io.libreoffice import convert, soffice
from kpixl.io.xlsx_package import Package
from kpixl.jobs.consolidate import consolidate
from kpixl.jobs.demo import build_demo
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.master import build_master_template, history_template_bytes

ROUNDS = ("2570/1", "2570/2", "2571/1", "2571/2", "2572/1")
HOSTILE = '=HYPERLINK("http://example.invalid","x")\x07'


@pytest.fixture(scope="module")
def rounds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five consecutive demo rounds (2 units, 8 people), archived into ``kpixl.db``."""
    out = tmp_path_factory.mktemp("rounds")
    code = main(["demo", str(out), "--rounds", "5", "--units", "2", "--people", "8"])
    assert code == 0
    return out


def master_of(root: Path, round_id: str) -> Path:
    return root / round_id.replace("/", "-") / "master.xlsx"


def history(master: Path) -> tuple[str, list[dict[str, Any]]]:
    """The History sheet: its note (A2) and its rows below the header, as dicts."""
    ws = openpyxl.load_workbook(master)[M.HISTORY]
    assert ws["A1"].value == M.HISTORY_TITLE
    headers = [c.value for c in ws[M.HEADER_ROW]][: len(M.HISTORY_HEADERS)]
    assert headers == list(M.HISTORY_HEADERS)
    rows = [
        dict(zip(M.HISTORY_COLUMNS, row, strict=False))
        for row in ws.iter_rows(min_row=M.FIRST_ROW, values_only=True)
        if row[0] is not None
    ]
    return str(ws[M.HISTORY_NOTE_CELL].value), rows


def result_ids(master: Path) -> list[str]:
    ws = openpyxl.load_workbook(master)[M.RESULTS]
    col = M.RESULT_COLUMNS.index("person_id") + 1
    return [
        text_of(ws.cell(r, col).value)
        for r in range(M.FIRST_ROW, ws.max_row + 1)
        if ws.cell(r, col).value is not None
    ]


def kpixl_history(person_id: str, db: Path, capsys: pytest.CaptureFixture[str]) -> Any:
    capsys.readouterr()
    assert main(["history", person_id, "--db", str(db), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def by_person(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(text_of(row["person_id"]), []).append(row)
    return out


def test_round_three_holds_its_rounds_as_kpixl_history_says(
    rounds: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    master = master_of(rounds, "2571/1")
    note, rows = history(master)
    assert "2570/1, 2570/2" in note
    people = by_person(rows)
    ids = result_ids(master)
    assert list(people) == ids  # grouped by person, in the Results order
    for pid in ids:
        assert [r["round"] for r in people[pid]] == list(ROUNDS[:3]), pid
    for pid in ids[:3]:
        archived = kpixl_history(pid, rounds / "kpixl.db", capsys)[:3]
        assert [a["round"] for a in archived] == list(ROUNDS[:3])
        for row, want in zip(people[pid], archived, strict=True):
            for key in ("round", "band", "total", "pct", "increase", "salary", "new_salary"):
                assert row[key] == want[key], (pid, key, row[key], want[key])
        mine = people[pid]
        for before, after in itertools.pairwise(mine):  # the salaries chain
            assert after["salary"] == before["new_salary"], pid


def test_later_rounds_keep_only_the_last_four(rounds: Path) -> None:
    master = master_of(rounds, "2572/1")
    note, rows = history(master)
    assert "2570/1" not in note and "2570/2, 2571/1, 2571/2" in note
    people = by_person(rows)
    assert people and len(rows) == 4 * len(result_ids(master))
    for pid, mine in people.items():
        assert [r["round"] for r in mine] == list(ROUNDS[1:]), pid


def test_the_sheet_is_set_up_like_the_other_result_sheets(rounds: Path) -> None:
    wb = openpyxl.load_workbook(master_of(rounds, "2571/1"))
    assert wb.sheetnames[-2:] == [M.HISTORY, M.CALIBRATION] and set(M.SHEETS) <= set(wb.sheetnames)
    ws = wb[M.HISTORY]
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.scale) == M.PRINT_SCALE[M.HISTORY]
    assert ws.print_title_rows == f"${M.HEADER_ROW}:${M.HEADER_ROW}"
    width = sum(w * 7.6 for w in M.HISTORY_WIDTHS) * M.PRINT_SCALE[M.HISTORY] / 100
    assert width <= 842 - 72  # one page across, A4 landscape less margins
    for col, (name, fmt) in enumerate(zip(M.HISTORY_COLUMNS, M.HISTORY_FORMATS, strict=True)):
        cell = ws.cell(M.FIRST_ROW + 1, col + 1)
        assert cell.number_format == fmt, name
        assert cell.font.sz * M.PRINT_SCALE[M.HISTORY] / 100 >= 12, name
    assert ws.cell(M.FIRST_ROW, 8).number_format == M.BAHT  # increase: whole baht
    assert ws.cell(M.FIRST_ROW, 6).number_format == M.SCORE  # total


def test_without_an_archive_the_sheet_says_there_is_no_history_yet(tmp_path: Path) -> None:
    """The first round: no rows (this round's results are on Results, 50,000 of them
    are not written twice), and a note that says why the sheet is empty."""
    demo = build_demo(tmp_path / "demo", units=2, people=6)
    assert consolidate(demo.master).exit_code == 0
    note, rows = history(demo.master)
    assert "ยังไม่มีรอบก่อนหน้า" in note and "no earlier rounds are archived" in note
    assert "Results" in note
    assert rows == []
    header = openpyxl.load_workbook(demo.master)[M.HISTORY]
    assert [c.value for c in header[M.HEADER_ROW]][: len(M.HISTORY_HEADERS)] == list(
        M.HISTORY_HEADERS
    )


def test_an_unreadable_archive_says_so(tmp_path: Path) -> None:
    demo = build_demo(tmp_path / "demo", units=2, people=6, archive_db="nowhere/kpixl.db")
    result = consolidate(demo.master)
    assert "history.unreadable" in {f.rule for f in result.findings}
    note, rows = history(demo.master)
    assert "Issues" in note and "could not be read" in note
    assert rows == []


def copy_rounds(rounds: Path, where: Path, upto: int = 3) -> Path:
    """The first ``upto`` rounds' folders and the archive, copied to ``where``."""
    for round_id in ROUNDS[:upto]:
        slug = round_id.replace("/", "-")
        shutil.copytree(rounds / slug, where / slug)
    shutil.copy2(rounds / "kpixl.db", where / "kpixl.db")
    return where


def sheet_xml(master: Path, sheet: str) -> str:
    package = Package.read(master.read_bytes())
    return package.parts[package.sheets[sheet]].decode("utf-8")


def test_a_hostile_name_in_the_archive_stays_text(rounds: Path, tmp_path: Path) -> None:
    root = copy_rounds(rounds, tmp_path)
    master = master_of(root, "2571/1")
    pid = result_ids(master)[0]
    with sqlite3.connect(root / "kpixl.db") as db:
        changed = db.execute(
            "UPDATE kpixl_results SET name = ? WHERE person_id = ?", (HOSTILE, pid)
        ).rowcount
    assert changed >= 2
    assert consolidate(master).exit_code == 0
    xml = sheet_xml(master, M.HISTORY)
    assert "<f>" not in xml and "HYPERLINK" in xml
    assert "_x0007_" in xml and "\x07" not in xml  # the control character encoded
    ws = openpyxl.load_workbook(master)[M.HISTORY]
    cells = [
        c for row in ws.iter_rows(min_row=M.FIRST_ROW) for c in row if "HYPERLINK" in str(c.value)
    ]
    assert len(cells) == 2  # the two earlier rounds' names (this round's is its own)
    for cell in cells:
        assert cell.data_type == "s" and str(cell.value).startswith("=HYPERLINK")


def older(master: Path) -> None:
    """``master`` as a template without the History sheet made it: the sheet renamed
    away and its print titles gone."""
    package = Package.read(master.read_bytes())
    book = package.parts["xl/workbook.xml"].decode("utf-8")
    book = book.replace(f'name="{M.HISTORY}"', 'name="Old"')
    book = re.sub(rf"<definedName [^>]*>{M.HISTORY}![^<]*</definedName>", "", book)
    master.write_bytes(package.to_bytes({"xl/workbook.xml": book.encode("utf-8")}))


def test_an_older_master_gets_the_sheet_and_a_rerun_is_byte_identical(
    rounds: Path, tmp_path: Path
) -> None:
    root = copy_rounds(rounds, tmp_path)
    master = master_of(root, "2571/1")
    older(master)
    assert M.HISTORY not in openpyxl.load_workbook(master).sheetnames
    assert consolidate(master).exit_code == 0
    first = master.read_bytes()
    wb = openpyxl.load_workbook(master)
    assert wb.sheetnames[-1] == M.HISTORY
    ws = wb[M.HISTORY]
    assert ws.print_title_rows == f"${M.HEADER_ROW}:${M.HEADER_ROW}"
    assert ws.page_setup.orientation == "landscape"
    _, rows = history(master)
    assert [r["round"] for r in rows[:3]] == list(ROUNDS[:3])
    assert consolidate(master).exit_code == 0
    assert master.read_bytes() == first  # consolidating again: the same bytes


def test_consolidating_twice_is_byte_identical(rounds: Path, tmp_path: Path) -> None:
    root = copy_rounds(rounds, tmp_path)
    master = master_of(root, "2571/1")
    assert consolidate(master).exit_code == 0
    first = master.read_bytes()
    assert consolidate(master).exit_code == 0
    assert master.read_bytes() == first


def test_the_template_has_the_sheet() -> None:
    wb = build_master_template()
    assert wb.sheetnames[-2:] == [M.HISTORY, M.CALIBRATION]
    assert wb[M.HISTORY].cell(M.HEADER_ROW, 1).value == M.HISTORY_HEADERS[0]
    alone = openpyxl.load_workbook(io.BytesIO(history_template_bytes()))
    assert alone.sheetnames == [M.HISTORY]


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_the_sheet_prints_on_a4_landscape_with_every_header(rounds: Path, tmp_path: Path) -> None:
    master = master_of(rounds, "2572/1")
    data = master.read_bytes()
    package = Package.read(data)
    book = package.parts["xl/workbook.xml"].decode("utf-8")

    def hide(m: re.Match[str]) -> str:  # LibreOffice prints the visible sheets only
        tag = re.sub(r'\s+state="[^"]*"', "", m.group(0))
        return tag if m.group(1) == M.HISTORY else tag.replace("<sheet ", '<sheet state="hidden" ')

    book = re.sub(r'<sheet [^>]*name="([^"]+)"[^>]*/>', hide, book)
    index = len(re.findall(r"<sheet\b", book)) - 1
    book = re.sub(r'activeTab="\d+"', f'activeTab="{index}"', book)
    book = re.sub(r'firstSheet="\d+"', f'firstSheet="{index}"', book)
    copy = tmp_path / "History.xlsx"
    copy.write_bytes(package.to_bytes({"xl/workbook.xml": book.encode("utf-8")}))
    pdf = convert([copy], tmp_path / "out", to="pdf")[0]
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "99", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)
    assert sizes and all((round(float(w)), round(float(h))) == (842, 595) for w, h in sizes)
    text = subprocess.run(  # in drawing order: a wrapped header's lines together
        ["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "###" not in text
    flat = re.sub(r"\s+", "", text)
    for header in M.HISTORY_HEADERS:
        assert re.sub(r"\s+", "", header) in flat, header
