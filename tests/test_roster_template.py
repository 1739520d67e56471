"""The roster a newcomer fills in: ``docs/roster.md`` names every column, and
``kpixl roster template OUT`` writes an empty roster workbook that pastes into the master.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from kpixl.cli import cli
from kpixl.core.rules import default_rules
from kpixl.core.vocab import level_choices
from kpixl.io.identify import check_file, unreadable
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.master import read_master
from kpixl.workbooks.roster import (
    ROSTER_GUIDE,
    TEMPLATE_ROWS,
    read_roster,
    roster_columns_markdown,
)

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "roster.md"
DEMO_MASTER = ROOT / "workbooks" / "demo" / "master.xlsx"


def test_docs_roster_names_every_column_of_the_master_roster() -> None:
    doc = DOC.read_text("utf-8")
    assert set(ROSTER_GUIDE) == set(M.ROSTER_COLUMNS)
    for name, header in zip(M.ROSTER_COLUMNS, M.ROSTER_HEADERS, strict=True):
        assert f"| {header} | `{name}` |" in doc, name
    # the table is the one the code generates (`kpixl roster columns`): it cannot drift
    assert roster_columns_markdown() in doc


def _template(tmp_path: Path, *args: str) -> tuple[Path, int, str]:
    out = tmp_path / "roster.xlsx"
    result = CliRunner().invoke(cli, ["roster", "template", str(out), *args])
    return out, result.exit_code, result.output


def test_template_has_the_master_headers_dropdowns_checks_and_print_setup(tmp_path: Path) -> None:
    out, code, _ = _template(tmp_path)
    assert code == 0
    wb = openpyxl.load_workbook(out)
    ws = wb[M.ROSTER]
    headers = [c.value for c in ws[M.HEADER_ROW]]
    assert headers == list(M.ROSTER_HEADERS)  # same text, same order, same row as the master
    assert ws.freeze_panes == f"A{M.FIRST_ROW}"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert ws.print_title_rows == f"${M.HEADER_ROW}:${M.HEADER_ROW}"  # the header on every page
    rules = default_rules()
    last = M.FIRST_ROW + TEMPLATE_ROWS - 1
    by_column = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            letter = rng.coord.split(":")[0].rstrip("0123456789")
            assert rng.coord == f"{letter}{M.FIRST_ROW}:{letter}{last}"
            by_column[M.ROSTER_COLUMNS[openpyxl.utils.column_index_from_string(letter) - 1]] = dv
        assert dv.showErrorMessage and dv.showInputMessage and dv.errorStyle == "stop"
        assert dv.prompt and dv.error and any("\u0e00" <= ch <= "\u0e7f" for ch in dv.prompt)
    ident = by_column["person_id"]
    assert (ident.type, ident.operator, ident.formula1) == ("textLength", "equal", "13")
    salary = by_column["salary"]
    assert (salary.type, salary.operator, salary.formula1) == ("decimal", "greaterThan", "0")
    lists = wb["Lists"]
    assert lists.sheet_state == "hidden"

    def choices(field: str) -> list[str]:
        dv = by_column[field]
        assert dv.type == "list"
        name = dv.formula1.lstrip("=")
        sheet, ref = next(iter(wb.defined_names[name].destinations))
        return [c.value for row in wb[sheet][ref.replace("$", "")] for c in row]

    levels = rules.salary_table.levels
    assert choices("level_code") == [*level_choices(levels), *levels]
    assert choices("pool_group") == list(rules.pool_groups)
    assert choices("penalty") == list(rules.eligibility.penalty_scale)
    for flag in ("probation", "ineligible", "alt_ceiling", "holds_position"):
        assert choices(flag) == ["ใช่", "ไม่ใช่"]
    assert {"leave_times", "late_times", "months_served", "leave_days"} <= set(by_column)
    assert ws.column_dimensions["A"].number_format == "@"  # ids keep their digits
    assert [r[0].value for r in wb["คำอธิบาย"].iter_rows(min_row=2)] == [
        openpyxl.utils.get_column_letter(i) for i in range(1, len(M.ROSTER_COLUMNS) + 1)
    ]


@pytest.mark.parametrize("levels_as", ["codes", "thai titles"])
def test_a_template_filled_with_the_demo_roster_passes_validation(
    tmp_path: Path, levels_as: str
) -> None:
    out, code, _ = _template(tmp_path)
    assert code == 0
    source = openpyxl.load_workbook(DEMO_MASTER)[M.ROSTER]
    rows = [
        list(r)
        for r in source.iter_rows(
            min_row=M.FIRST_ROW, max_col=len(M.ROSTER_COLUMNS), values_only=True
        )
        if r[0]
    ]
    assert len(rows) >= 20
    levels = default_rules().salary_table.levels
    wb = openpyxl.load_workbook(out)
    ws = wb[M.ROSTER]
    level = M.ROSTER_COLUMNS.index("level_code")
    for r, values in enumerate(rows, start=M.FIRST_ROW):
        for c, value in enumerate(values, start=1):
            if levels_as == "thai titles" and c == level + 1:
                value = f"{levels[value].type} {levels[value].level}"
            ws.cell(row=r, column=c, value=value)
    wb.save(out)
    result = read_roster(out)
    assert [f for f in result.findings if f.severity == "error"] == []
    assert result.frame["level_code"].tolist() == [r[level] for r in rows]
    assert result.frame["person_id"].tolist() == [r[0] for r in rows]
    master = read_master(DEMO_MASTER).roster
    for field in ("months_served", "late_times"):  # the master's own headers are read too
        assert [str(v) for v in result.frame[field]] == [str(v) for v in master[field]]


def test_template_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "roster.xlsx"
    out.write_bytes(b"someone's roster")
    _, code, output = _template(tmp_path)
    assert code == 1
    assert "write.exists" in output and "--force" in output
    assert out.read_bytes() == b"someone's roster"
    _, code, _ = _template(tmp_path, "--force")
    assert code == 0
    assert openpyxl.load_workbook(out)[M.ROSTER].cell(M.HEADER_ROW, 1).value == M.ROSTER_HEADERS[0]


def test_roster_columns_prints_the_docs_table() -> None:
    result = CliRunner().invoke(cli, ["roster", "columns"])
    assert result.exit_code == 0
    assert result.output == roster_columns_markdown()


def _latin(text: str) -> list[str]:
    """Latin words in a Thai message, but the names of programs a Thai user knows too."""
    return [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in ("Excel", "Config")]


def test_thai_messages_of_bad_files_carry_no_english_library_text(tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(b"PK\x03\x04 an e-mail attachment cut short")
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    missing = tmp_path / "missing.xlsx"
    found = [
        *read_roster(truncated).findings,
        check_file(folder),
        check_file(missing),
        unreadable(truncated, ValueError("Bad magic number for central directory")),
    ]
    rules = [f.rule for f in found if f is not None]
    assert rules == ["file.corrupt", "file.unreadable", "file.unreadable", "file.corrupt"]
    for f in found:
        assert f is not None
        assert _latin(f.message_th) == [], f.message_th  # Thai, no library text
        assert f.message_en  # the library's own words stay in the English message
    assert "File is not a zip file" in found[0].message_en
    assert "Bad magic number" in found[3].message_en  # type: ignore[union-attr]
    assert "ไม่พบไฟล์" in found[2].message_th  # type: ignore[union-attr]
