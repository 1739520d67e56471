"""Bad masters and unit workbooks, each run through ``kpixl consolidate``."""

from __future__ import annotations

import shutil
import zipfile

import openpyxl

from kpixl.io.xlsx_package import CellValue
from kpixl.workbooks import master_layout as M
from kpixl.workbooks import unit_layout as U
from kpixl.workbooks.master import read_master

from .base import Build, Case, Expect, Round, Run
from .package import (
    edit_sheet_xml,
    flip_byte_in_member,
    members,
    patch_cells,
    rezip,
    sheet_part,
)
from .personal import INJECTION, OK, billion_laughs, encrypted_package, xxe

__all__ = ["CASES"]


def consolidate(r: Round) -> Run:
    units = sorted((r.root / "units").iterdir())
    return Run(
        ["consolidate", str(r.master), "--jobs", "1"],
        [p for p in units if p.is_file()],
        written=r.master,
    )


def consolidate_keeping_master(r: Round) -> Run:
    run = consolidate(r)
    return Run(run.args, [*run.sources, r.master], written=None)


def unit_file(name: str, data: bytes | str) -> Build:
    def build(r: Round) -> Run:
        path = r.root / "units" / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return consolidate(r)

    return build


def unit_truncated(r: Round) -> Run:
    path = r.unit("U02")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return consolidate(r)


def plain_unit(r: Round) -> Run:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "สรุปคะแนน"
    wb.save(r.root / "units" / "U03.xlsx")
    return consolidate(r)


def personal_in_units(r: Round) -> Run:
    shutil.copy2(r.personal("U01"), r.root / "units" / "แบบประเมิน.xlsx")
    return consolidate(r)


def unit_copied(r: Round) -> Run:
    shutil.copy2(r.unit("U01"), r.root / "units" / "U01 สำเนา.xlsx")
    return consolidate(r)


def unit_missing(r: Round) -> Run:
    r.unit("U02").unlink()
    return consolidate(r)


def no_units(r: Round) -> Run:
    for path in (r.root / "units").iterdir():
        path.unlink()
    return consolidate(r)


def roster_row(r: Round, index: int = 0) -> int:
    return int(read_master(r.master).roster["_row"].iloc[index])


def roster_cells(values: dict[str, CellValue], index: int = 0) -> Build:
    """Cells of one roster row, by column name."""

    def build(r: Round) -> Run:
        row = roster_row(r, index)
        letters = {name: chr(ord("A") + i) for i, name in enumerate(M.ROSTER_COLUMNS)}
        patch_cells(r.master, M.ROSTER, {f"{letters[k]}{row}": v for k, v in values.items()})
        return consolidate(r)

    return build


def salary_on_level(level: str, salary: CellValue) -> Build:
    """The salary of the roster's first person on ``level``."""

    def build(r: Round) -> Run:
        roster = read_master(r.master).roster
        index = list(roster["level_code"]).index(level)
        return roster_cells({"salary": salary}, index)(r)

    return build


def wrong_check_digit(r: Round) -> Run:
    pid = str(read_master(r.master).roster["person_id"].iloc[0])
    return roster_cells({"person_id": pid[:-1] + str((int(pid[-1]) + 1) % 10)})(r)


def another_person(r: Round) -> Run:
    """The roster's first person replaced by someone with no evaluation (a valid id)."""
    first12 = "310170099999"
    digits = [int(c) for c in first12]
    pid = first12 + str((11 - sum(d * (13 - i) for i, d in enumerate(digits)) % 11) % 10)
    return roster_cells({"person_id": pid})(r)


def master_replaced(data: bytes) -> Build:
    def build(r: Round) -> Run:
        r.master.write_bytes(data)
        return consolidate_keeping_master(r)

    return build


def master_crc_broken(r: Round) -> Run:
    flip_byte_in_member(r.master, sheet_part(r.master, M.ROSTER))
    return consolidate_keeping_master(r)


def unit_crc_broken(r: Round) -> Run:
    flip_byte_in_member(r.unit("U02"), sheet_part(r.unit("U02"), U.PEOPLE))
    return consolidate(r)


def master_truncated(r: Round) -> Run:
    r.master.write_bytes(r.master.read_bytes()[: r.master.stat().st_size // 2])
    return consolidate_keeping_master(r)


def plain_master(r: Round) -> Run:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Config"
    wb.save(r.master)
    return consolidate_keeping_master(r)


def unit_cells(values: dict[str, CellValue], code: str = "U01") -> Build:
    def build(r: Round) -> Run:
        patch_cells(r.unit(code), U.PEOPLE, values)
        return consolidate(r)

    return build


def pct(row: int = 0) -> str:
    return f"{U.PEOPLE_COLUMNS['pct'][0]}{U.FIRST_ROW + row}"


KPI_ACTUAL = f"{U.KPI_COLUMNS['actual']}{U.HEADER_ROW + 1}"  # the first KPI's result


def unit_sheets(values: dict[str, dict[str, CellValue]], code: str = "U01") -> Build:
    def build(r: Round) -> Run:
        for sheet, cells in values.items():
            patch_cells(r.unit(code), sheet, cells)
        return consolidate(r)

    return build


def unit_xml(edit_name: str) -> Build:
    edit = {"billion_laughs": billion_laughs, "xxe": xxe}[edit_name]

    def build(r: Round) -> Run:
        edit_sheet_xml(r.unit("U02"), U.PEOPLE, edit)
        return consolidate(r)

    return build


def unit_sheet_dropped(r: Round) -> Run:
    path = r.unit("U02")
    parts: dict[str, bytes | None] = dict(members(path))
    parts[sheet_part(path, U.KPIS)] = None
    rezip(path, parts)
    return consolidate(r)


def far_cell(ref: str) -> Build:
    """One cell far out (``XFD1048576``): a 16 KB file whose sheet claims to be enormous."""

    def build(r: Round) -> Run:
        row = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")

        def edit(xml: str) -> str:
            cell = f'<row r="{row}"><c r="{ref}"><v>1</v></c></row>'
            return xml.replace("</sheetData>", cell + "</sheetData>", 1)

        edit_sheet_xml(r.unit("U02"), U.PEOPLE, edit)
        return consolidate(r)

    return build


def small_zip_bomb(r: Round) -> Run:
    """A unit workbook whose people sheet inflates 1000:1 (32 MB of blanks)."""
    path = r.unit("U02")
    parts: dict[str, bytes | None] = dict(members(path))
    part = sheet_part(path, U.PEOPLE)
    data = parts[part]
    assert data is not None
    parts[part] = data.replace(b"</sheetData>", b" " * (32 << 20) + b"</sheetData>", 1)
    rezip(path, parts)
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(part)
        assert info.file_size > 200 * info.compress_size
    return consolidate(r)


def personal_new(values: dict[str, CellValue]) -> Build:
    """``kpixl personal new --master`` on a roster whose text looks like paths."""

    def build(r: Round) -> Run:
        letters = {name: chr(ord("A") + i) for i, name in enumerate(M.ROSTER_COLUMNS)}
        rows = list(read_master(r.master).roster["_row"])
        edits: dict[str, CellValue] = {}
        for i, (column, value) in enumerate(values.items()):
            edits[f"{letters[column]}{rows[i]}"] = value
        patch_cells(r.master, M.ROSTER, edits)
        out = r.root / "out"
        return Run(
            ["personal", "new", "--master", str(r.master), "--out", str(out), "--round", "2570/1"],
            [r.master],
            outputs=out,
        )

    return build


CASES = [
    Case(
        "master_unit_corrupt",
        "master",
        unit_file("ไฟล์เสีย.xlsx", b"PK\x03\x04" + b"\0garbage" * 300),
        Expect(("file.corrupt",), file="ไฟล์เสีย.xlsx"),
    ),
    Case(
        "master_unit_truncated",
        "master",
        unit_truncated,
        Expect(("file.corrupt", "consolidate.no_evaluation"), file="U02.xlsx"),
    ),
    Case(
        "master_unit_encrypted",
        "master",
        unit_file("U03.xlsx", encrypted_package()),
        Expect(("file.encrypted_or_xls",), file="U03.xlsx"),
    ),
    Case(
        "master_unit_renamed_csv",
        "master",
        unit_file("U03.xlsx", "person_id,pct\n1101700123458,3\n"),
        Expect(("file.not_xlsx",), file="U03.xlsx"),
    ),
    Case(
        "master_unit_not_kpixl",
        "master",
        plain_unit,
        Expect(("file.not_kpixl",), file="U03.xlsx"),
    ),
    Case(
        "master_personal_workbook_among_units",
        "master",
        personal_in_units,
        Expect(("file.not_kpixl",), file="แบบประเมิน.xlsx"),
    ),
    Case(
        "master_same_people_in_two_unit_files",
        "master",
        unit_copied,
        Expect(("consolidate.duplicate_person",), file="U01 สำเนา.xlsx", exit=OK),
    ),
    Case(
        "master_person_with_no_workbook",
        "master",
        unit_missing,
        Expect(("consolidate.no_evaluation",)),
    ),
    Case(
        "master_workbook_not_on_roster",
        "master",
        another_person,
        Expect(("consolidate.not_on_roster", "consolidate.no_evaluation"), file="U01.xlsx"),
    ),
    Case(
        "master_roster_national_id_check_digit",
        "master",
        wrong_check_digit,
        Expect(("roster.national_id",), sheet=M.ROSTER, cell=f"A{M.FIRST_ROW}"),
    ),
    Case(
        "master_roster_negative_salary",
        "master",
        roster_cells({"salary": -5000}),
        Expect(
            ("roster.salary_range", "consolidate.roster_left_out"),
            file="master.xlsx",
            sheet=M.ROSTER,
            cell=f"G{M.FIRST_ROW}",
        ),
    ),
    Case(
        "master_roster_salary_above_its_level",
        "master",
        salary_on_level("K2", 999_999),
        Expect(
            ("consolidate.roster_left_out", "roster.salary_range"),
            file="master.xlsx",
            sheet=M.ROSTER,
        ),
    ),
    Case(
        "master_unit_pct_thai_digits",
        "master",
        unit_cells({pct(): "๒.๕"}),
        Expect(
            ("cell.thai_digits",),
            file="U01.xlsx",
            sheet=U.PEOPLE,
            cell=pct(),
            exit=OK,
        ),
    ),
    Case(
        "master_unit_pct_text",
        "master",
        unit_cells({pct(): "สามจุดห้า"}),
        Expect(("cell.not_a_number",), file="U01.xlsx", sheet=U.PEOPLE, cell=pct()),
    ),
    Case(
        "master_corrupt",
        "master",
        master_truncated,
        Expect(("file.corrupt",), file="master.xlsx"),
    ),
    Case(
        "master_not_kpixl",
        "master",
        plain_master,
        Expect(("file.not_kpixl",), file="master.xlsx"),
    ),
    Case(
        "master_encrypted",
        "master",
        master_replaced(encrypted_package()),
        Expect(("file.encrypted_or_xls",), file="master.xlsx"),
    ),
    Case(
        "master_member_crc_broken",
        "master",
        master_crc_broken,
        Expect(("file.corrupt",), file="master.xlsx"),
    ),
    Case(
        "master_unit_member_crc_broken",
        "master",
        unit_crc_broken,
        Expect(("file.corrupt",), file="U02.xlsx"),
    ),
    Case(
        "master_no_unit_workbooks",
        "master",
        no_units,
        Expect(("consolidate.no_units",), file="master.xlsx", sheet=M.CONFIG),
    ),
    Case(
        "master_unit_billion_laughs",
        "master",
        unit_xml("billion_laughs"),
        Expect(("file.corrupt",), file="U02.xlsx"),
    ),
    Case(
        "master_unit_xxe_external_entity",
        "master",
        unit_xml("xxe"),
        Expect(("file.corrupt",), file="U02.xlsx", hostile=("root:",)),
    ),
    Case(
        "master_unit_sheet_missing",
        "master",
        unit_sheet_dropped,
        Expect(("file.corrupt",), file="U02.xlsx"),
    ),
    Case(
        "master_unit_injection_text",
        "master",
        unit_sheets(
            {
                U.PEOPLE: {
                    f"{U.PEOPLE_COLUMNS['name'][0]}{U.FIRST_ROW}": INJECTION[0],
                    f"{U.PEOPLE_COLUMNS['position'][0]}{U.FIRST_ROW}": INJECTION[1],
                },
                U.KPIS: {KPI_ACTUAL: INJECTION[0]},  # quoted in the master's Issues
            }
        ),
        Expect(
            ("cell.not_a_number",),
            file="U01.xlsx",
            sheet=U.KPIS,
            cell=KPI_ACTUAL,
            hostile=("HYPERLINK", "cmd|"),
            kept=(INJECTION[0],),
        ),
        area="text",
    ),
    Case(
        "master_roster_injection_text",
        "master",
        roster_cells({"name": "=1+2", "position": INJECTION[3], "evaluator": INJECTION[2]}),
        Expect(exit=OK, hostile=("1+2", "SUM(9)"), kept=("=1+2", INJECTION[3], INJECTION[2])),
        area="text",
    ),
    Case(
        "master_unit_control_characters",
        "master",
        unit_cells(
            {
                f"{U.PEOPLE_COLUMNS['position'][0]}{U.FIRST_ROW}": "นัก\x0bทรัพยากร",
                pct(): "3\x01",  # the finding quotes it in the master's Issues
            }
        ),
        Expect(
            ("cell.not_a_number",), file="U01.xlsx", sheet=U.PEOPLE, cell=pct(), kept=("3\x01",)
        ),
        area="text",
    ),
    Case(
        "master_unit_cell_at_XFD1048576",
        "master",
        far_cell("XFD1048576"),
        Expect(
            ("file.sheet_too_large", "consolidate.no_evaluation"), file="U02.xlsx", sheet=U.PEOPLE
        ),
        area="bounded",
        subprocess=True,
    ),
    Case(
        "master_unit_cell_at_CV1048576",
        "master",
        far_cell("CV1048576"),
        Expect(
            ("file.sheet_too_large", "consolidate.no_evaluation"), file="U02.xlsx", sheet=U.PEOPLE
        ),
        area="bounded",
        subprocess=True,
    ),
    Case(
        "master_unit_text_too_long_for_a_cell",
        "master",
        unit_cells({pct(): "๙" * 40_000}),  # quoted in Issues: capped at 32,767 characters
        Expect(("cell.not_a_number",), file="U01.xlsx", sheet=U.PEOPLE, cell=pct()),
        area="bounded",
    ),
    Case(
        "master_unit_small_zip_bomb",
        "master",
        small_zip_bomb,
        Expect(("file.zip_bomb", "consolidate.no_evaluation"), file="U02.xlsx"),
        area="bounded",
    ),
    Case(
        "master_personal_new_path_like_names",
        "master",
        personal_new({"name": "../../หนีออก", "unit": "/abs/x", "position": "C:\\x"}),
        Expect(exit=OK),
    ),
    Case(
        "master_personal_new_unit_climbs_out",
        "master",
        personal_new({"unit": "../../../X", "name": "C:\\X", "position": "\\\\host\\share"}),
        Expect(exit=OK),
    ),
]
