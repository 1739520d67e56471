"""Per-person result notices, ``kpixl notices`` (issue 15, item 3).

Real files throughout: the demo round built and consolidated into a temp folder, its
personal workbooks copied with the notice sheet added, the copies read back (openpyxl,
kpixl's own reader and seal check, the raw package parts) and the PDFs read with
poppler. The notice's figures are held to the master's Results sheet.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from kpixl.cli import cli, main
from kpixl.core.text import text_of
from kpixl.io.cell_text import decode_text, put
from kpixl.io.libreoffice import convert, soffice
from kpixl.io.xlsx_package import Package
from kpixl.io.xlsx_sheets import copy_sheet
from kpixl.jobs.consolidate import consolidate
from kpixl.jobs.demo import build_demo
from kpixl.jobs.notices import NoticesRun, write_notices
from kpixl.workbooks import master_layout as M
from kpixl.workbooks import personal_layout as L
from kpixl.workbooks.master import master_bytes
from kpixl.workbooks.master_outputs import read_outputs
from kpixl.workbooks.notice import FONT, SHEET, TITLE, notice_bytes
from kpixl.workbooks.personal import check_personal, read_personal

HOSTILE = '=HYPERLINK("http://example.invalid","x")\x07'
# the parts a copy may change; every other part of the person's workbook stays as it was
CHANGED = {"xl/styles.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def hashes(folder: Path) -> dict[Path, str]:
    return {p: sha(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo round (3 units, 20 people), consolidated: its master's path."""
    out = tmp_path_factory.mktemp("demo")
    result = build_demo(out)
    consolidate(result.master)
    return result.master


@pytest.fixture(scope="module")
def made(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[NoticesRun, dict]:
    """The notices of the demo round without PDFs, and the sources' hashes before."""
    before = hashes(demo.parent / "personal")
    run = write_notices(demo, out=tmp_path_factory.mktemp("notices"), pdf=False)
    return run, before


def results(master: Path) -> dict[str, dict[str, Any]]:
    outputs = read_outputs(master)
    return {text_of(r["person_id"]): r for r in outputs.results.to_dict("records")}


def labelled(ws: Any) -> dict[str, list[Any]]:
    """Each row of the notice sheet by the text of its first cell: the row's values."""
    rows: dict[str, list[Any]] = {}
    for row in ws.iter_rows(values_only=True):
        if isinstance(row[0], str):
            rows.setdefault(row[0], list(row))
    return rows


def number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def copy_of(run: NoticesRun, person_id: str) -> Path:
    (path,) = [p for p in run.workbooks if f"_{person_id}_" in p.name]
    return path


def notice_part(source: zipfile.ZipFile) -> str:
    """The part the notice sheet takes in a copy of ``source``: the sheet number after
    the form's own sheets."""
    own = [n for n in source.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
    return f"xl/worksheets/sheet{len(own) + 1}.xml"


# ----------------------------------------------------------------- every person


def test_every_person_gets_a_notice_in_a_copy_of_their_workbook(
    made: tuple[NoticesRun, dict], demo: Path
) -> None:
    run, _ = made
    people = results(demo)
    assert len(people) == 20
    assert sorted(n.person_id for n in run.notices) == sorted(people)
    assert run.findings == [] and run.exit_code == 0
    assert len(run.workbooks) == 20 and run.pdfs == []
    sources = {p.name: p for p in (demo.parent / "personal").rglob("*.xlsx")}
    for path in run.workbooks:
        assert path.name in sources  # the same file name …
        unit = path.parent.name  # … in the folder of the person's unit
        person = next(r for pid, r in people.items() if f"_{pid}_" in path.name)
        assert unit == text_of(person["unit"])
        wb = openpyxl.load_workbook(sources[path.name], read_only=True)
        own = wb.sheetnames
        wb.close()
        wb = openpyxl.load_workbook(path, read_only=True)
        assert wb.sheetnames == [*own, SHEET]
        wb.close()


def test_the_notice_holds_the_results_figures(made: tuple[NoticesRun, dict], demo: Path) -> None:
    run, _ = made
    people = results(demo)
    outputs = read_outputs(demo)
    units = dict(
        zip(
            outputs.inputs.units["unit_code"].tolist(),
            outputs.inputs.units["unit_name"].tolist(),
            strict=True,
        )
    )
    raised = no_increase = 0
    for pid, r in people.items():
        ws = openpyxl.load_workbook(copy_of(run, pid))[SHEET]
        assert ws["A1"].value == TITLE
        assert ws["A1"].font.name == FONT and ws["A1"].font.b and ws["A1"].font.sz >= 14
        rows = labelled(ws)
        assert rows["ชื่อ-สกุล"][2] == r["name"]
        assert rows["เลขประจำตัวประชาชน"][2] == pid
        assert rows["หน่วยงาน"][2] == units[r["unit"]]  # the unit's name, not its code
        assert "2570" in str(ws["A3"].value) and "1 ตุลาคม 2569" in str(ws["A3"].value)
        first = next(v for k, v in rows.items() if k.startswith("องค์ประกอบที่ 1"))
        second = next(v for k, v in rows.items() if k.startswith("องค์ประกอบที่ 2"))
        assert number(first[4]) == number(r["achievement"])
        assert number(second[4]) == number(r["competency"])
        assert number(rows["รวม"][7]) == number(r["total"])
        assert rows["ระดับผลการประเมิน"][2] == r["band"]
        if r["increase"] or r["special_compensation"]:
            raised += 1
            assert number(rows["เงินเดือนก่อนเลื่อน"][3]) == number(r["salary"])
            assert number(rows["ฐานในการคำนวณ"][3]) == number(r["base"])
            assert number(rows["ร้อยละที่ได้เลื่อน"][3]) == number(r["pct"])
            assert number(rows["จำนวนเงินที่ได้เลื่อน"][3]) == number(r["increase"])
            assert number(rows["เงินเดือนใหม่"][3]) == number(r["new_salary"])
            assert "1 เมษายน 2570" in str(next(k for k in rows if k.startswith("ทั้งนี้")))
        else:
            no_increase += 1
            assert rows["ผลการเลื่อนเงินเดือน"][3] == "ไม่ได้เลื่อน"
            reason = str(r["reason"]).split(" / ")[0]
            assert rows["ผลการเลื่อนเงินเดือน"][5] == reason
        texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
        assert any("ได้รับทราบผลการประเมิน" in t for t in texts)
        assert sum(t.startswith("ลงชื่อ") for t in texts) == 2
        assert f"({r['name']})" in texts
    assert raised and no_increase  # both kinds of notice were looked at


def test_the_source_workbooks_are_not_changed(made: tuple[NoticesRun, dict], demo: Path) -> None:
    _, before = made
    assert hashes(demo.parent / "personal") == before


def sources(demo: Path) -> dict[str, Path]:
    return {p.name: p for p in (demo.parent / "personal").rglob("*.xlsx")}


def test_the_copy_keeps_every_other_part_and_the_seal(
    made: tuple[NoticesRun, dict], demo: Path
) -> None:
    run, _ = made
    sealed = 0
    for copy in run.workbooks:
        source = sources(demo)[copy.name]
        with zipfile.ZipFile(source) as a, zipfile.ZipFile(copy) as b:
            assert set(b.namelist()) - set(a.namelist()) == {notice_part(a)}
            for name in a.namelist():
                if name not in CHANGED:
                    assert a.read(name) == b.read(name), name
            old, new = a.read("xl/workbook.xml").decode(), b.read("xl/workbook.xml").decode()
            names = re.compile(r"<definedNames>.*</definedNames>", re.S)
            assert names.search(old).group(0) == names.search(new).group(0)  # type: ignore[union-attr]
            # the workbook's own formats keep their indices: the notice's come after them
            xfs = re.compile(r"<cellXfs[^>]*>(.*?)</cellXfs>", re.S)
            assert (
                xfs.search(b.read("xl/styles.xml").decode())
                .group(1)
                .startswith(  # type: ignore[union-attr]
                    xfs.search(a.read("xl/styles.xml").decode()).group(1)  # type: ignore[union-attr]
                )
            )
        original, copied = read_personal(source), read_personal(copy)
        if copied.meta.get("fingerprint"):
            sealed += 1
        assert copied.meta == original.meta
        a_result = check_personal(original, key=None)
        b_result = check_personal(copied, key=None)
        assert not [f for f in b_result.findings if f.rule.startswith(("form.seal", "seal."))]
        assert [f.rule for f in b_result.findings] == [f.rule for f in a_result.findings]
        assert b_result.scores == a_result.scores
    assert sealed == len(run.workbooks)  # the demo's agreements are sealed: every seal holds


def test_a_second_run_replaces_its_own_outputs(
    made: tuple[NoticesRun, dict], demo: Path, tmp_path: Path
) -> None:
    run, _ = made
    again = write_notices(demo, out=run.out, pdf=False)
    assert again.exit_code == 0
    assert sorted(again.workbooks) == sorted(run.workbooks)
    assert sorted(p for p in run.out.rglob("*") if p.is_file()) == sorted(run.workbooks)
    # the same round gives the same bytes; a copy given to the job again is not grown
    other = write_notices(demo, out=tmp_path, pdf=False)
    for a, b in zip(sorted(run.workbooks), sorted(other.workbooks), strict=True):
        assert a.read_bytes() == b.read_bytes()


def test_a_returned_copy_gets_its_notice_replaced_not_repeated(
    made: tuple[NoticesRun, dict], demo: Path, tmp_path: Path
) -> None:
    """The copies handed back and given to the job again: each keeps one notice sheet."""
    run, _ = made
    again = write_notices(demo, out=tmp_path, personal=run.out, pdf=False)
    assert again.exit_code == 0, again.findings
    assert len(again.workbooks) == len(run.workbooks)
    for path in again.workbooks:
        wb = openpyxl.load_workbook(path, read_only=True)
        assert wb.sheetnames.count(SHEET) == 1 and wb.sheetnames[-1] == SHEET
        wb.close()


def test_no_personal_folder_is_one_finding_and_pdfs_only(demo: Path, tmp_path: Path) -> None:
    run = write_notices(demo, out=tmp_path, personal=tmp_path / "nowhere", pdf=False)
    assert [f.rule for f in run.findings] == ["notices.no_folder"]
    assert "nowhere" in run.findings[0].message_th and run.exit_code == 0
    assert len(run.notices) == 20 and run.workbooks == []


def test_an_out_folder_that_is_or_holds_the_personal_folder_is_refused(
    demo: Path, tmp_path: Path
) -> None:
    """Notices written over (or among) the originals are refused before anything is
    written: the personal folder keeps exactly its files."""
    personal = tmp_path / "round" / "personal"
    shutil.copytree(demo.parent / "personal", personal)
    before = hashes(personal)
    for out in (personal, personal.parent):
        run = write_notices(demo, out=out, personal=personal, pdf=False)
        assert [f.rule for f in run.findings] == ["notices.out_holds_personal"]
        assert run.exit_code == 1 and run.workbooks == []
        assert hashes(personal) == before
        assert sorted(p.name for p in personal.parent.iterdir()) == ["personal"]


def test_the_cli_writes_a_json_summary(demo: Path, tmp_path: Path) -> None:
    done = CliRunner().invoke(
        cli, ["notices", str(demo), "--out", str(tmp_path / "n"), "--no-pdf", "--json"]
    )
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output)
    assert summary["people"] == 20 and len(summary["workbooks"]) == 20
    assert summary["pdfs"] == [] and summary["findings"] == []
    help_text = CliRunner().invoke(cli, ["notices", "--help"]).output
    assert "Example" in help_text and "--personal" in help_text


# ------------------------------------------------------------------------ PDFs


def pdf_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_one_a4_page_pdf_per_person(demo: Path, tmp_path: Path) -> None:
    """Everyone gets a one-page A4 PDF beside their workbook; a person whose workbook
    is missing gets it too, named by round, id and name."""
    personal = tmp_path / "personal"
    shutil.copytree(demo.parent / "personal", personal)
    gone = sorted(personal.rglob("*.xlsx"))[0]
    gone.unlink()
    run = write_notices(demo, out=tmp_path / "out", personal=personal, pdf=True)
    assert [f.rule for f in run.findings] == ["notices.no_workbook"]
    people = results(demo)
    assert len(run.pdfs) == len(people) and len(run.workbooks) == len(people) - 1
    assert gone.with_suffix(".pdf").name in {p.name for p in run.pdfs}
    for pdf in run.pdfs:
        workbook = pdf.with_suffix(".xlsx")
        assert workbook in run.workbooks or pdf.stem == gone.stem  # beside the workbook
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        assert re.search(r"Pages:\s+1\n", info), info
        size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
        assert size and (round(float(size.group(1))), round(float(size.group(2)))) == (595, 842)
        pid = next(p for p in people if f"_{p}_" in pdf.name)
        r = people[pid]
        text = pdf_text(pdf)
        flat = re.sub(r"\s+", "", text)
        assert re.sub(r"\s+", "", r["name"]) in flat
        assert r["band"] in text
        assert "###" not in text
        if r["increase"]:
            assert f"{int(r['new_salary']):,}" in text
        else:
            assert "ไม่ได้เลื่อน" in text


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_a_workbook_saved_by_another_program_takes_the_notice(
    made: tuple[NoticesRun, dict], demo: Path, tmp_path: Path
) -> None:
    """A person's workbook saved again in LibreOffice (shared strings, its own styles and
    relationship ids) takes the notice, and the copy opens in LibreOffice and openpyxl."""
    run, _ = made
    notice = run.notices[0]
    original = next(p for n, p in sources(demo).items() if f"_{notice.person_id}_" in n)
    (saved,) = convert([original], tmp_path / "saved", to="xlsx")
    with zipfile.ZipFile(saved) as z:
        assert "xl/sharedStrings.xml" in z.namelist()  # another program's shape indeed
    data = copy_sheet(saved.read_bytes(), notice_bytes(notice), name=SHEET)
    target = tmp_path / "copy.xlsx"
    target.write_bytes(data)
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames[-1] == SHEET and wb[SHEET]["A1"].value == TITLE
    assert len(wb.sheetnames) == len(openpyxl.load_workbook(saved).sheetnames) + 1
    (pdf,) = convert([target], tmp_path / "pdf", to="pdf")
    assert re.sub(r"\s+", "", notice.name) in re.sub(r"\s+", "", pdf_text(pdf))


# ---------------------------------------------------------------- hostile text


def test_hostile_text_from_the_master_stays_text(demo: Path, tmp_path: Path) -> None:
    folder = tmp_path / "round"
    shutil.copytree(demo.parent, folder)
    master = folder / demo.name
    wb = openpyxl.load_workbook(master)
    ws = wb[M.RESULTS]
    name_col = M.RESULT_COLUMNS.index("name") + 1
    pos_col = M.RESULT_COLUMNS.index("position") + 1
    put(ws.cell(M.FIRST_ROW, name_col), HOSTILE)
    put(ws.cell(M.FIRST_ROW, pos_col), "@SUM(1)\x01")
    pid = text_of(ws.cell(M.FIRST_ROW, M.RESULT_COLUMNS.index("person_id") + 1).value)
    wb.save(master)
    run = write_notices(master, out=tmp_path / "out", pdf=False)
    assert run.exit_code == 0, run.findings
    ws = openpyxl.load_workbook(copy_of(run, pid))[SHEET]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    names = [c for c in cells if "HYPERLINK" in str(c.value)]
    assert names and all(c.data_type == "s" for c in names)
    assert decode_text(str(names[0].value)) == HOSTILE
    copy = copy_of(run, pid)
    (source,) = (folder / "personal").rglob(copy.name)
    with zipfile.ZipFile(source) as a, zipfile.ZipFile(copy) as z:
        sheet = z.read(notice_part(a)).decode()
    assert "<f>" not in sheet  # no formula anywhere in the notice
    assert "_x0007_" in sheet and "_x0001_" in sheet  # control characters encoded


# ------------------------------------------------------------ findings


def revised(source: Path, target: Path, **meta: Any) -> Path:
    """A copy of a personal workbook with hidden-sheet metadata changed (by patching)."""
    edits = {L.meta_cell(k): v for k, v in meta.items()}
    target.write_bytes(Package.read(source).patched({L.HIDDEN: edits}))
    return target


def test_missing_duplicate_foreign_and_broken_workbooks_are_findings(
    demo: Path, tmp_path: Path
) -> None:
    personal = tmp_path / "inbox"
    shutil.copytree(demo.parent / "personal", personal)
    files = sorted(personal.rglob("*.xlsx"))
    gone, twice, stranger, older = files[0], files[1], files[2], files[3]
    gone.unlink()
    twice_id = twice.name.split("_")[1]
    revised(twice, twice.parent / "แก้ไขล่าสุด.xlsx", revision=99)
    revised(stranger, personal / "ไม่อยู่ในรายชื่อ.xlsx", person_id="1101700123458")
    revised(older, personal / "รอบก่อน.xlsx", round_id="2569/2")
    (personal / "ตัวเลข.xlsx").write_bytes(master_bytes(organisation="x"))  # not a personal one
    (personal / "เสีย.xlsx").write_bytes(older.read_bytes()[:5000])  # a truncated attachment
    before = hashes(personal)
    out = tmp_path / "out"
    run = write_notices(demo, out=out, personal=personal, pdf=False)
    assert hashes(personal) == before
    rules = {f.rule: f for f in run.findings}
    gone_id = gone.name.split("_")[1]
    assert rules["notices.no_workbook"].person_id == gone_id
    assert "ไม่พบแบบประเมิน" in rules["notices.no_workbook"].message_th
    dup = rules["notices.duplicate_workbook"]
    assert (
        dup.person_id == twice_id and dup.file == twice.name and "แก้ไขล่าสุด.xlsx" in dup.message_en
    )
    assert rules["notices.not_in_results"].person_id == "1101700123458"
    assert rules["notices.other_round"].file == "รอบก่อน.xlsx"
    assert rules["notices.not_personal"].file == "ตัวเลข.xlsx"
    broken = [f for f in run.findings if f.file == "เสีย.xlsx"]
    assert broken and broken[0].rule.startswith("file.") and broken[0].message_th
    assert run.exit_code == 1  # the broken file is an error; everyone else is done
    assert len(run.notices) == 20 and len(run.workbooks) == 19
    assert not any(gone_id in p.name for p in run.workbooks)
    (kept,) = [p for p in run.workbooks if p.name == "แก้ไขล่าสุด.xlsx"]
    assert labelled(openpyxl.load_workbook(kept)[SHEET])["เลขประจำตัวประชาชน"][2] == twice_id
    for f in run.findings:
        assert f.message_th and f.message_en


def test_a_master_not_consolidated_yet_is_a_finding(tmp_path: Path) -> None:
    master = tmp_path / "master.xlsx"
    master.write_bytes(master_bytes(organisation="สำนักงานทดสอบ"))
    before = master.read_bytes()
    done = CliRunner().invoke(cli, ["notices", str(master), "--out", str(tmp_path / "out")])
    assert done.exit_code == 1
    assert "notices.not_consolidated" in done.output and "kpixl consolidate" in done.output
    assert "Traceback" not in done.output
    assert not (tmp_path / "out").exists()
    assert master.read_bytes() == before


def test_the_evaluator_is_named_as_on_the_persons_form(
    made: tuple[NoticesRun, dict], demo: Path
) -> None:
    """The roster names the evaluator by title (หัวหน้ากลุ่ม…); the notice, as the person's
    form does, signs with the unit head's name and that title as the position."""
    run, _ = made
    outputs = read_outputs(demo)
    heads = {
        text_of(u["unit_code"]): text_of(u["head"]) for u in outputs.inputs.units.to_dict("records")
    }
    roster = {text_of(r["person_id"]): r for r in outputs.inputs.roster.to_dict("records")}
    named = 0
    for notice in run.notices:
        head, title = heads[notice.unit], text_of(roster[notice.person_id]["evaluator"])
        if head == notice.name:  # the head is evaluated by someone above: the title only
            continue
        assert (notice.evaluator, notice.evaluator_position) == (head, title)
        texts = [
            str(v)
            for row in openpyxl.load_workbook(copy_of(run, notice.person_id))[SHEET].iter_rows(
                values_only=True
            )
            for v in row
            if v
        ]
        assert f"({head})" in texts and f"ตำแหน่ง {title}" in texts
        named += 1
    assert named >= 17


def test_without_libreoffice_the_copies_are_written_and_the_pdfs_are_a_finding(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kpixl.io import libreoffice

    monkeypatch.setattr(libreoffice, "soffice", lambda: None)
    run = write_notices(demo, out=tmp_path / "out", pdf=True)
    assert [f.rule for f in run.findings] == ["notices.pdf_failed"]
    assert "ไม่พบโปรแกรม LibreOffice" in run.findings[0].message_th
    assert len(run.workbooks) == 20 and run.pdfs == [] and run.exit_code == 1


def test_a_run_stopped_by_another_run_says_so(
    made: tuple[NoticesRun, dict], demo: Path, tmp_path: Path
) -> None:
    """Two runs into one folder: the one that meets a file the other holds stops there,
    exit 2, with write.locked and a ✗ summary (not a ✓ over a partial set)."""
    import subprocess
    import sys

    first = made[0].workbooks[-1]  # the last notice written: every other one comes first
    target = tmp_path / first.parent.name / first.name
    code = (
        "import sys\nfrom kpixl.io.lock import hold_lock\n"
        f"with hold_lock({str(target)!r}, command='kpixl notices'):\n"
        "    print('held', flush=True)\n    sys.stdin.read()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        done = CliRunner().invoke(cli, ["notices", str(demo), "--out", str(tmp_path), "--no-pdf"])
    finally:
        holder.communicate("")
    assert done.exit_code == 2, done.output
    assert "write.locked" in done.output and "✗ หยุดกลางทาง" in done.output
    assert "stopped:" in done.output and "✓" not in done.output
    assert not list(tmp_path.rglob("*.tmp"))


# ------------------------------------------------- earlier rounds (issue 17, item 4)


def test_a_round_without_earlier_rounds_has_no_history_block(
    made: tuple[NoticesRun, dict],
) -> None:
    run, _ = made
    assert all(n.history == () for n in run.notices)
    ws = openpyxl.load_workbook(run.workbooks[0])[SHEET]
    texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert not any("ผลการประเมินย้อนหลัง" in t for t in texts)


@pytest.fixture(scope="module")
def third_round(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three consecutive demo rounds (2 units, 8 people): the third round's master."""
    out = tmp_path_factory.mktemp("rounds")
    assert main(["demo", str(out), "--rounds", "3", "--units", "2", "--people", "8"]) == 0
    return out / "2571-1" / "master.xlsx"


def master_history(master: Path) -> dict[str, list[list[Any]]]:
    """The master's History rows by person id (as read with openpyxl)."""
    ws = openpyxl.load_workbook(master)[M.HISTORY]
    out: dict[str, list[list[Any]]] = {}
    for row in ws.iter_rows(min_row=M.FIRST_ROW, values_only=True):
        if row[0] is not None:
            out.setdefault(text_of(row[0]), []).append(list(row))
    return out


def test_the_notice_prints_the_persons_history_rows(third_round: Path, tmp_path: Path) -> None:
    run = write_notices(third_round, out=tmp_path / "out", pdf=False)
    assert run.exit_code == 0, run.findings
    sheet = master_history(third_round)
    col = {name: i for i, name in enumerate(M.HISTORY_COLUMNS)}
    assert len(run.workbooks) == len(sheet) == 8
    for notice in run.notices:
        mine = sheet[notice.person_id]
        assert [r.round for r in notice.history] == ["2570/1", "2570/2", "2571/1"]
        ws = openpyxl.load_workbook(copy_of(run, notice.person_id))[SHEET]
        rows = labelled(ws)
        assert any(k.startswith("ผลการประเมินย้อนหลัง") for k in rows)
        heads = rows["รอบ"]
        assert [h for h in heads if h] == [
            "รอบ",
            "ระดับผล",
            "คะแนนรวม",
            "ร้อยละ",
            "ได้เลื่อน",
            "เงินเดือน",
            "เงินเดือนใหม่",
        ]
        for want in mine:  # every History row, its figures as the master holds them
            got = rows[want[col["round"]]]
            assert got[1] == want[col["band"]]
            assert number(got[2]) == number(want[col["total"]])
            assert number(got[3]) == number(want[col["pct"]])
            assert number(got[4]) == number(want[col["increase"]])
            assert number(got[5]) == number(want[col["salary"]])
            assert number(got[6]) == number(want[col["new_salary"]])
        assert (
            rows["2571/1"][0] == "2571/1"
            and ws.cell(
                row=next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "2571/1"),
                column=1,
            ).font.b
        )  # this round: in bold


def test_the_history_comes_from_the_masters_sheet_not_the_archive(
    third_round: Path, tmp_path: Path
) -> None:
    """A master mailed elsewhere (no archive beside it) prints the same history."""
    alone = tmp_path / "elsewhere"
    shutil.copytree(third_round.parent, alone)
    run = write_notices(alone / "master.xlsx", out=tmp_path / "out", pdf=False)
    here = write_notices(third_round, out=tmp_path / "here", pdf=False)
    assert not (alone.parent / "kpixl.db").exists()
    assert [n.history for n in run.notices] == [n.history for n in here.notices]
    assert all(len(n.history) == 3 for n in run.notices)


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_a_notice_with_history_is_still_one_a4_page(third_round: Path, tmp_path: Path) -> None:
    run = write_notices(third_round, out=tmp_path / "out", pdf=True)
    assert run.exit_code == 0, run.findings
    assert len(run.pdfs) == 8
    for pdf in run.pdfs:
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        assert re.search(r"Pages:\s+1\n", info), info
        text = pdf_text(pdf)
        assert "ผลการประเมินย้อนหลัง" in text and "###" not in text
        for round_id in ("2570/1", "2570/2", "2571/1"):
            assert round_id in text
