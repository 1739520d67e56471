"""Thai level names are read where level codes are (``ชำนาญการ`` → ``K2``).

A real master workbook (the committed demo) with its level cells retyped as the Thai
names people use consolidates to the same results as with the codes; a name that could
be several levels, or is no level of the position type given, is a finding on its cell.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from kpixl.cli import cli
from kpixl.core.rules import default_rules
from kpixl.core.vocab import level_choices, level_code_of, match_level
from kpixl.jobs.consolidate import consolidate
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.roster import read_roster

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "workbooks" / "demo"
LEVEL = M.ROSTER_COLUMNS.index("level_code") + 1  # the Roster sheet's level column
LETTER = openpyxl.utils.get_column_letter(LEVEL)

# each code as people write it: the name alone, with its type, with the words around it
THAI = {
    "K1": "ปฏิบัติการ",
    "K2": "ชำนาญการ",
    "K3": "วิชาการ ชำนาญการพิเศษ",
    "O1": "ประเภททั่วไป ระดับปฏิบัติงาน",
    "O2": "ชำนาญงาน",
    "O3": "ทั่วไป อาวุโส",
    "D1": "อำนวยการต้น",
}


def _copy_demo(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(DEMO, target, ignore=shutil.ignore_patterns(".kpixl-backups", "results.csv"))
    return target / "master.xlsx"


def _retype(master: Path, levels: dict[str, str] | None = None, **cells: str) -> dict[int, str]:
    """Rewrite the master's level cells (codes → Thai names, or given cells); returns
    the codes each row held."""
    wb = openpyxl.load_workbook(master)
    ws = wb[M.ROSTER]
    codes = {}
    for row in range(M.FIRST_ROW, ws.max_row + 1):
        code = ws.cell(row=row, column=LEVEL).value
        if code:
            codes[row] = code
            if levels is not None:
                ws.cell(row=row, column=LEVEL).value = levels[code]
    for ref, value in cells.items():
        ws[ref] = value
    wb.save(master)
    return codes


def _table(frame: pd.DataFrame) -> list[dict[str, object]]:
    records = frame.drop(columns=["source_file"], errors="ignore").astype(str).to_dict("records")
    return sorted(records, key=lambda r: str(r.get("person_id", r.get("pool_group"))))


def test_every_thai_level_name_reads_as_its_code() -> None:
    levels = default_rules().salary_table.levels
    for code, level in levels.items():
        title = f"{level.type} {level.level}"
        assert match_level(title, levels).code == code  # type: ignore[union-attr]
        assert match_level(f"ประเภท{level.type} ระดับ{level.level}", levels).code == code  # type: ignore[union-attr]
        assert match_level(level.level, levels, position_type=level.type).code == code  # type: ignore[union-attr]
        assert match_level(f"{level.type}{level.level}", levels).code == code  # type: ignore[union-attr]
    assert level_choices(levels)[5] == "วิชาการ ชำนาญการ"
    for name, code in {
        "ชำนาญการ": "K2",
        "ปฏิบัติงาน": "O1",
        "ทักษะพิเศษ": "O4",
        "ทรงคุณวุฒิ": "K5",
        "อำนวยการสูง": "D2",
        "บริหารต้น": "M1",
        "บริหาร สูง": "M2",
    }.items():
        assert match_level(name, levels).code == code  # type: ignore[union-attr]
    ambiguous = match_level("ต้น", levels)
    assert ambiguous is not None and ambiguous.problem == "ambiguous"
    assert ambiguous.candidates == ("D1", "M1")
    assert match_level("ต้น", levels, hint=("M1", "M2")).code == "M1"  # type: ignore[union-attr]
    wrong = match_level("ชำนาญการ", levels, position_type="ทั่วไป")
    assert wrong is not None and (wrong.code, wrong.problem) == (None, "type")
    assert match_level("K9", levels) is None  # not Thai: the code check reports it


def test_a_master_with_thai_level_names_consolidates_as_with_codes(tmp_path: Path) -> None:
    with_codes = _copy_demo(tmp_path, "codes")
    with_names = _copy_demo(tmp_path, "names")
    _retype(with_codes)  # saved by openpyxl too: the two masters differ in the names only
    codes = _retype(with_names, THAI)
    assert set(codes.values()) == set(THAI)  # every code of the demo is retyped
    before = consolidate(with_codes, jobs=1)
    after = consolidate(with_names, jobs=1)
    assert before.exit_code == 0
    assert [f.rule for f in after.findings] == [f.rule for f in before.findings]
    assert _table(after.results) == _table(before.results)
    assert _table(after.pools) == _table(before.pools)
    assert set(after.results["level_code"]) == set(THAI)


def test_an_ambiguous_or_wrong_level_name_is_a_finding_naming_the_cell(tmp_path: Path) -> None:
    master = _copy_demo(tmp_path, "demo")
    first, second = M.FIRST_ROW, M.FIRST_ROW + 1
    _retype(master, **{f"{LETTER}{first}": "ต้น", f"{LETTER}{second}": "ทั่วไป ชำนาญการ"})
    result = consolidate(master, jobs=1)
    named = {f.cell: f for f in result.findings if f.rule == "roster.level_name"}
    assert set(named) == {f"{LETTER}{first}", f"{LETTER}{second}"}
    ambiguous, wrong = named[f"{LETTER}{first}"], named[f"{LETTER}{second}"]
    assert ambiguous.sheet == M.ROSTER and ambiguous.file == "master.xlsx"
    assert "D1 (อำนวยการ ต้น)" in ambiguous.message_th and "M1 (บริหาร ต้น)" in ambiguous.message_th
    assert "several levels" in ambiguous.message_en
    assert "ประเภททั่วไป" in wrong.message_th and "K2" in wrong.message_th
    assert "position type ทั่วไป" in wrong.message_en
    # one finding per cell: the code check does not report the same cells again
    assert not [f for f in result.findings if f.rule == "roster.level_code"]
    left_out = {f.cell for f in result.findings if f.rule == "consolidate.roster_left_out"}
    assert {f"A{first}", f"A{second}"} <= left_out


@pytest.mark.parametrize(
    ("level", "kind", "group", "expected"),
    [
        ("ชำนาญการ", "วิชาการ", "", "K2"),
        ("ชำนาญการ", "ประเภทวิชาการ", "", "K2"),
        ("ต้น", "บริหาร", "", "M1"),
        ("สูง", "", "อำนวยการ", "D2"),  # the pool group settles ต้น/สูง
        ("ชำนาญการ", "ทั่วไป", "", None),
        ("ต้น", "", "", None),
    ],
)
def test_a_roster_file_reads_level_names_with_its_position_type_column(
    tmp_path: Path, level: str, kind: str, group: str, expected: str | None
) -> None:
    salary = {"K2": 30000, "M1": 60000, "D2": 55000}.get(expected or "", 30000)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(
        ["เลขประจำตัวประชาชน", "ชื่อ-สกุล", "หน่วยงาน", "ประเภทตำแหน่ง", "ระดับ", "เงินเดือน", "กลุ่มวงเงิน"]
    )
    ws.append(["1101700123456", "นายสมชาย ใจดี", "U01", kind, level, salary, group])
    path = tmp_path / "roster.xlsx"
    wb.save(path)
    result = read_roster(path)
    errors = [f for f in result.findings if f.severity == "error"]
    if expected:
        assert not errors, errors
        assert result.frame["level_code"].tolist() == [expected]
    else:
        assert [(f.rule, f.cell) for f in errors] == [("roster.level_name", "E2")]


def test_salary_calc_takes_a_thai_title_as_its_code() -> None:
    runner = CliRunner()
    by_code = runner.invoke(cli, ["salary", "calc", "28000", "K2", "3.5", "--json"])
    by_title = runner.invoke(cli, ["salary", "calc", "28,000", "ชำนาญการ", "3.5%", "--json"])
    assert by_code.exit_code == 0 and by_title.exit_code == 0
    assert by_title.output == by_code.output
    ambiguous = runner.invoke(cli, ["salary", "calc", "28000", "ต้น", "3"])
    assert ambiguous.exit_code == 2 and "D1" in ambiguous.output and "M1" in ambiguous.output


def test_level_code_of_reads_codes_and_titles() -> None:
    levels = default_rules().salary_table.levels
    assert level_code_of(" K2 ", levels) == "K2"
    assert level_code_of("วิชาการ ชำนาญการพิเศษ", levels) == "K3"
    assert level_code_of("X9", levels) == "X9"  # left for the code check
    with pytest.raises(ValueError, match="ตรงกับได้หลายระดับ"):
        level_code_of("สูง", levels)
