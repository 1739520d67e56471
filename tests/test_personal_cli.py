"""kpixl personal new / validate / seal / templates build, end to end on real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
from personal_cases import national_id

from kpixl.workbooks import personal_layout as L


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "kpixl", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )


def make_roster(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "บัญชีรายชื่อ"
    ws.append(["บัญชีรายชื่อข้าราชการ สำนักงานตัวอย่าง"])
    ws.append(["เลขประจำตัวประชาชน", "ชื่อ-สกุล", "หน่วยงาน", "ตำแหน่ง", "รหัสระดับ", "เงินเดือน", "ผู้ประเมิน"])
    ws.append(
        [
            national_id("110170012345"),
            "นางสาวสมใจ ใจดี",
            "กลุ่มบริหารทรัพยากรบุคคล",
            "นักทรัพยากรบุคคล",
            "K2",
            28000,
            "นายหัวหน้า",
        ]
    )
    ws.append(
        [
            national_id("110170012346"),
            "นายสมชาย รักงาน",
            "กลุ่มบริหารทรัพยากรบุคคล",
            "ผู้อำนวยการกลุ่ม",
            "D1",
            "๔๕,๐๐๐",
            "นายอธิบดี",
        ]
    )
    ws.append(["1101700123450", "นายผิด เลขบัตร", "กลุ่มการเงิน", "นักวิชาการเงินและบัญชี", "K1", 18000, ""])
    wb.save(path)


def new_from(roster: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """``kpixl personal new`` for round 2570/1."""
    return run(
        "personal", "new", "--roster", str(roster), "--out", str(out), "--round", "2570/1", *extra
    )


def test_personal_new_writes_one_prefilled_workbook_per_valid_person(tmp_path: Path) -> None:
    roster = tmp_path / "roster.xlsx"
    make_roster(roster)
    before = roster.read_bytes()
    result = new_from(roster, tmp_path / "out")
    assert result.returncode == 1  # one roster row has an invalid national id
    assert "A5" in result.stdout and "check digit" in result.stdout
    assert roster.read_bytes() == before
    files = sorted((tmp_path / "out").glob("*.xlsx"))
    assert [f.name.split("_")[1] for f in files] == [
        national_id("110170012345"),
        national_id("110170012346"),
    ]
    assert all(f.name.startswith("2570-1_") for f in files)
    wb = openpyxl.load_workbook(files[1])
    agreement = wb[L.AGREEMENT]
    assert agreement[L.IDENTITY["name"][1]].value == "นายสมชาย รักงาน"
    assert agreement[L.IDENTITY["level_title"][1]].value == "อำนวยการ ต้น"
    names = [agreement[L.comp_cell("competency", i)].value for i in range(L.COMP_ROWS)]
    assert names[:5] == [
        "การมุ่งผลสัมฤทธิ์",
        "บริการที่ดี",
        "การสั่งสมความเชี่ยวชาญในงานอาชีพ",
        "การยึดมั่นในความถูกต้องชอบธรรมและจริยธรรม",
        "การทำงานเป็นทีม",
    ]
    assert names[10] == "การสอนงานและการมอบหมายงาน"  # managerial competencies for อำนวยการ
    weights = [agreement[L.comp_cell("weight", i)].value for i in range(11)]
    assert sum(weights) == 100
    assert agreement[L.comp_cell("expected", 0)].value == 3  # D1
    assert wb[L.HIDDEN][L.meta_cell("round_id")].value == "2570/1"
    # run again: the workbooks already handed out are kept, unless --overwrite
    filled = {f: f.read_bytes() for f in files}
    (tmp_path / "out" / files[1].name).write_bytes(b"PK filled in by the person")
    again = new_from(roster, tmp_path / "out")
    assert "2 already there (kept)" in again.stdout and "wrote 0 workbooks" in again.stdout
    assert files[1].read_bytes() == b"PK filled in by the person"
    assert files[0].read_bytes() == filled[files[0]]
    forced = new_from(roster, tmp_path / "out", "--overwrite")
    assert "wrote 2 workbooks" in forced.stdout
    assert files[1].read_bytes() != b"PK filled in by the person"


def first_generated(tmp_path: Path) -> Path:
    """Generate the round's workbooks from the test roster; the first one."""
    roster = tmp_path / "roster.xlsx"
    make_roster(roster)
    new_from(roster, tmp_path / "out")
    return sorted((tmp_path / "out").glob("*.xlsx"))[0]


def test_validate_reports_and_exits_1_until_the_form_is_complete(tmp_path: Path) -> None:
    first = first_generated(tmp_path)
    result = run("validate", str(first))
    assert result.returncode == 1 and "form.no_kpis" in result.stdout
    wb = openpyxl.load_workbook(first)
    ws = wb[L.AGREEMENT]
    for field, value in {
        "kpi_code": "K1",
        "kpi_name": "ร้อยละของคำขอที่เสร็จตามเวลา",
        "kind": "เชิงปริมาณ",
        "direction": "ยิ่งมากยิ่งดี",
        "l1": 60,
        "l2": 70,
        "l3": 80,
        "l4": 90,
        "l5": 100,
        "weight": 100,
    }.items():
        ws[L.kpi_cell(field, 0)] = value
    wb[L.ACHIEVEMENT][f"E{L.ACH_FIRST}"] = 85
    for i in range(5):
        wb[L.COMPETENCY][f"E{L.CMP_FIRST + i}"] = 4
    wb.save(first)
    ok = run("validate", str(first), "--json")
    assert ok.returncode == 0, ok.stdout
    [report] = json.loads(ok.stdout)
    assert report["scores"]["achievement"] == "70.00"
    assert report["scores"]["total"] == "73.00" and report["scores"]["band"] == "ดี"
    sealed = run("seal", str(first), env={"KPIXL_SEAL_KEY": "agency"})
    assert sealed.returncode == 0 and "hmac-sha256" in sealed.stdout
    assert run("validate", str(first), env={"KPIXL_SEAL_KEY": "agency"}).returncode == 0
    assert run("validate", str(first), env={"KPIXL_SEAL_KEY": "other"}).returncode == 1


def test_seal_refuses_an_agreement_with_errors(tmp_path: Path) -> None:
    first = first_generated(tmp_path)
    before = first.read_bytes()
    result = run("seal", str(first))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert first.read_bytes() == before


def test_templates_build_is_reproducible(tmp_path: Path) -> None:
    assert run("templates", "build", "--out", str(tmp_path)).returncode == 0
    for name in ("personal.xlsx", "unit.xlsx", "master.xlsx"):
        committed = Path(__file__).resolve().parents[1] / "templates" / name
        assert (tmp_path / name).read_bytes() == committed.read_bytes(), name
