"""Level descriptions (issue 15 item 7): a milestone KPI says what each of its five
levels means; a mixed KPI (seed 001) has steps at the lower levels and outcomes at the
upper ones. A library pick copies them, generate and the demo write them, and the
agreement's attachment sheet prints the KPIs that have them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from kpixl.core.kpi_library import load_library
from kpixl.core.vocab import KINDS
from kpixl.io.libreoffice import convert, soffice
from kpixl.io.xlsx_package import Package
from kpixl.jobs.demo import build_demo
from kpixl.workbooks import personal_layout as L
from kpixl.workbooks.generate import carried_kpis
from kpixl.workbooks.personal import PersonalData, fill_personal, template_package
from kpixl.workbooks.personal_template import library_rows

ROWS = library_rows(load_library())
MILESTONE = next(r for r in ROWS if r["s1"])
MIXED = next(r for r in ROWS if r["kpi_code"] == "GA-07")
STEPS = tuple(str(MILESTONE[f]) for f in L.STEP_FIELDS)
OWN = ("ตั้งคณะทำงาน", "ดำเนินการแต่ยังไม่แล้วเสร็จ", "มีระบบฐานข้อมูล", "เชื่อมโยงฐานข้อมูล", "นำไปใช้บริหารงาน")


def test_the_library_has_five_descriptions_for_every_milestone_kpi_and_a_mixed_one() -> None:
    library = load_library()
    milestones = library[library["kind"] == "milestone"]
    assert len(milestones) >= 6
    assert all(len(s) == 5 and all(t.strip() for t in s) for s in milestones["milestones"])
    # the mixed one: steps first, outcomes (percentages) at the top levels
    assert "ร้อยละ" not in str(MIXED["s1"]) and "ร้อยละ" in str(MIXED["s5"])


def test_a_kpi_row_writes_its_descriptions_beside_it(tmp_path: Path) -> None:
    template = template_package(tmp_path / "t" / "personal.xlsx")
    data = PersonalData(
        "2570/1",
        {"name": "ทดสอบ", "person_id": "1101700123456", "unit": "U01"},
        kpis=[
            {
                "kpi_code": "A",
                "kpi_name": "ก",
                "kind": "milestone",
                "weight": 50,
                "milestones": STEPS,
            },
            {"kpi_code": "B", "kpi_name": "ข", "kind": "milestone", "weight": 50}
            | dict(zip(L.STEP_FIELDS, OWN, strict=True)),
        ],
    )
    path = tmp_path / "p.xlsx"
    path.write_bytes(fill_personal(data, template=template))
    ws = openpyxl.load_workbook(path)[L.AGREEMENT]
    for i, want in enumerate((STEPS, OWN)):
        row = L.KPI_FIRST + i
        assert tuple(ws[f"{L.STEP_COLUMNS[f]}{row}"].value for f in L.STEP_FIELDS) == want


def recalculate(engine: str, src: Path, out_dir: Path) -> Path:
    """``src`` recalculated and saved as .xlsx by LibreOffice or Gnumeric."""
    if engine == "libreoffice":
        [out] = convert([src], out_dir, to="xlsx")
        return out
    out = out_dir / src.name
    out_dir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [str(shutil.which("ssconvert")), "--recalc", str(src), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0 and out.exists(), done.stderr[-2000:]
    return out


ENGINES = [
    pytest.param(
        "libreoffice",
        marks=[
            pytest.mark.libreoffice,
            pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed"),
        ],
    ),
    pytest.param(
        "gnumeric",
        marks=[
            pytest.mark.gnumeric,
            pytest.mark.skipif(shutil.which("ssconvert") is None, reason="no Gnumeric"),
        ],
    ),
]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_pick_copies_the_descriptions_and_the_attachment_lists_described_kpis(
    tmp_path: Path, engine: str
) -> None:
    """Row 1 quantitative (not listed), row 2 picked milestone, row 3 a quantitative KPI
    with typed descriptions (listed: a mixed KPI), row 4 a milestone with none (listed,
    with its gaps shown); the agreement then points to its attachment."""
    template = template_package(tmp_path / "t" / "personal.xlsx")
    quantitative = {
        "kind": "quantitative",
        "direction": "higher",
        "unit": "ร้อยละ",
        **{f"l{k}": 10 * k for k in range(1, 6)},
    }
    data = PersonalData(
        "2570/1",
        {"name": "ทดสอบ", "person_id": "1101700123456", "unit": "U01"},
        kpis=[
            {"kpi_code": "Q-1", "kpi_name": "เชิงปริมาณ", "weight": 25, **quantitative},
            {"weight": 25},
            {"kpi_code": "X-1", "kpi_name": "แบบผสม", "weight": 25, **quantitative}
            | dict(zip(L.STEP_FIELDS, OWN, strict=True)),
            {"kpi_code": "M-9", "kpi_name": "ยังไม่มีคำอธิบาย", "kind": "milestone", "weight": 25},
        ],
    )
    src = tmp_path / "in" / "p.xlsx"
    src.parent.mkdir()
    edits = {L.AGREEMENT: {f"{L.PICK_COLUMN}{L.KPI_FIRST + 1}": str(MILESTONE["pick"])}}
    src.write_bytes(Package.read(fill_personal(data, template=template)).patched(edits))
    out = recalculate(engine, src, tmp_path / "out")
    book = CalamineWorkbook.from_path(str(out))
    agreement = book.get_sheet_by_name(L.AGREEMENT).to_python(skip_empty_area=False)
    col = lambda letter: openpyxl.utils.cell.column_index_from_string(letter) - 1  # noqa: E731
    picked = agreement[L.KPI_FIRST]  # the second KPI row
    assert tuple(picked[col(L.STEP_COLUMNS[f])] for f in L.STEP_FIELDS) == STEPS
    assert picked[col("D")] == KINDS.label("milestone")
    steps = book.get_sheet_by_name(L.STEPS).to_python(skip_empty_area=False)
    c = {f: col(letter) for f, (letter, _) in L.STEPS_COLUMNS.items()}
    lines = [steps[L.STEPS_FIRST - 1 + j] for j in range(L.STEPS_ROWS)]
    assert [line[c["kpi_code"]] for line in lines] == [MILESTONE["kpi_code"], "X-1", "M-9", "", ""]
    assert [line[c["no"]] for line in lines[:3]] == [2, 3, 4]
    assert tuple(lines[0][c[f]] for f in L.STEP_FIELDS) == STEPS
    assert tuple(lines[1][c[f]] for f in L.STEP_FIELDS) == OWN
    assert all(lines[2][c[f]] == "(ยังไม่ได้กำหนด)" for f in L.STEP_FIELDS)
    assert str(agreement[L.SIGN_ROW][0]).startswith("คำอธิบายค่าเป้าหมาย 5 ระดับ")


def test_generate_drafts_a_library_milestone_with_its_descriptions() -> None:
    import pandas as pd

    from kpixl.workbooks import master_layout as M

    strategy = {
        M.UNIT_KPIS: pd.DataFrame(
            [
                {
                    "code": "U01-K1",
                    "unit": "U01",
                    "name": MILESTONE["kpi_name"],
                    "kind": "milestone",
                },
                {"code": "U01-K2", "unit": "U01", "name": "อื่น", "kind": "milestone"},
            ]
        ),
        M.KPI_HOLDERS: pd.DataFrame(
            [
                {"kpi_code": "U01-K1", "person_id": "1101700123456", "weight": 50},
                {"kpi_code": "U01-K2", "person_id": "1101700123456", "weight": 50},
            ]
        ),
    }
    drafts = carried_kpis(strategy).drafts["1101700123456"]
    assert drafts[0]["milestones"] == STEPS
    assert drafts[1]["milestones"] is None


def test_every_milestone_row_of_the_demo_has_its_five_descriptions(tmp_path: Path) -> None:
    result = build_demo(tmp_path / "demo")
    label = KINDS.label("milestone")
    rows = 0
    for path in result.personal:
        ws = openpyxl.load_workbook(path)[L.AGREEMENT]
        for i in range(L.KPI_ROWS):
            row = L.KPI_FIRST + i
            if ws[f"D{row}"].value != label:
                continue
            rows += 1
            texts = [ws[f"{L.STEP_COLUMNS[f]}{row}"].value for f in L.STEP_FIELDS]
            assert all(isinstance(t, str) and t.strip() for t in texts), (path.name, row)
    assert rows >= 20


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_the_attachment_says_when_more_kpis_are_described_than_it_prints(
    tmp_path: Path,
) -> None:
    template = template_package(tmp_path / "t" / "personal.xlsx")
    n = L.STEPS_ROWS + 1
    data = PersonalData(
        "2570/1",
        {"name": "ทดสอบ", "person_id": "1101700123456", "unit": "U01"},
        kpis=[
            {"kpi_code": f"M-{i}", "kpi_name": f"ขั้น {i}", "kind": "milestone", "weight": 10}
            | {"milestones": STEPS}
            for i in range(1, n + 1)
        ],
    )
    src = tmp_path / "in" / "p.xlsx"
    src.parent.mkdir()
    src.write_bytes(fill_personal(data, template=template))
    out = recalculate("libreoffice", src, tmp_path / "out")
    steps = CalamineWorkbook.from_path(str(out)).get_sheet_by_name(L.STEPS)
    rows = steps.to_python(skip_empty_area=False)
    assert [rows[L.STEPS_FIRST - 1 + j][1] for j in range(L.STEPS_ROWS)] == [
        f"M-{i}" for i in range(1, L.STEPS_ROWS + 1)
    ]
    warning = str(rows[L.STEPS_LAST][0])
    assert warning.startswith("⚠") and f" {n} ตัว" in warning, warning
