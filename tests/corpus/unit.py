"""Bad unit workbooks and personal folders, each run through ``kpixl collect``."""

from __future__ import annotations

import shutil

from kpixl.workbooks import personal_layout as L
from kpixl.workbooks import unit_layout as U

from .base import Build, Case, Expect, Round, Run
from .package import edit_sheet_xml, patch_cells
from .personal import CONTROL, INJECTION, OK, OLE, billion_laughs, encrypted_package, xxe

__all__ = ["CASES"]


def collect(r: Round, code: str = "U01") -> Run:
    folder = r.folder(code)
    return Run(
        ["collect", str(r.unit(code)), "--from", str(folder)],
        sorted(folder.iterdir()),
        written=r.unit(code),
    )


def collect_keeping_unit(r: Round) -> Run:
    """A collect that must not write: the unit workbook is a source too."""
    run = collect(r)
    return Run(run.args, [*run.sources, r.unit()], written=None)


def extra_file(name: str, data: bytes | str) -> Build:
    """A stray file in the unit's personal folder."""

    def build(r: Round) -> Run:
        path = r.folder() / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return collect(r)

    return build


def newer_copy(r: Round) -> Run:
    """The same person's workbook twice: the copy is a newer revision."""
    original = r.personal()
    copy = r.folder() / f"สำเนา {original.name}"
    shutil.copy2(original, copy)
    patch_cells(copy, L.HIDDEN, {L.meta_cell("revision"): 7})
    return collect(r)


def missing(r: Round) -> Run:
    r.personal().unlink()
    return collect_keeping_unit(r)


def from_other_unit(r: Round) -> Run:
    shutil.copy2(r.personal("U02"), r.folder("U01"))
    return collect(r)


def other_round(r: Round) -> Run:
    patch_cells(r.personal(), L.HIDDEN, {L.meta_cell("round_id"): "2569/2"})
    return collect_keeping_unit(r)  # its person would be lost: nothing is written


def meta_unit(value: str) -> Build:
    def build(r: Round) -> Run:
        patch_cells(r.personal(), L.HIDDEN, {L.meta_cell("unit_code"): value})
        patch_cells(r.personal(), L.AGREEMENT, {L.IDENTITY["unit_code"][1]: value})
        return collect(r)

    return build


def unit_replaced(data: bytes) -> Build:
    def build(r: Round) -> Run:
        r.unit().write_bytes(data)
        return collect_keeping_unit(r)

    return build


def unit_truncated(r: Round) -> Run:
    path = r.unit()
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return collect_keeping_unit(r)


def personal_as_unit(r: Round) -> Run:
    target = r.unit()
    shutil.copy2(r.personal("U02"), target)
    return collect_keeping_unit(r)


def other_units_folder(r: Round) -> Run:
    """The folder of another unit typed by mistake."""
    run = collect_keeping_unit(r)
    args = [*run.args[:-1], str(r.folder("U02"))]
    return Run(args, [*sorted(r.folder("U02").iterdir()), r.unit()])


def master_as_unit(r: Round) -> Run:
    run = collect_keeping_unit(r)
    return Run(["collect", str(r.master), *run.args[2:]], [*run.sources, r.master])


def empty_folder(r: Round) -> Run:
    for path in r.folder().iterdir():
        path.unlink()
    return collect_keeping_unit(r)


def text_in_personal(texts: dict[str, str]) -> Build:
    def build(r: Round) -> Run:
        patch_cells(r.personal(), L.AGREEMENT, texts)
        return collect(r)

    return build


def unit_sheet_xml(edit_name: str) -> Build:
    edit = {"billion_laughs": billion_laughs, "xxe": xxe}[edit_name]

    def build(r: Round) -> Run:
        edit_sheet_xml(r.unit(), U.PEOPLE, edit)
        return collect_keeping_unit(r)

    return build


CASES = [
    Case(
        "unit_same_person_in_two_files",
        "unit",
        newer_copy,
        Expect(("collect.duplicate_workbook",), exit=OK),
    ),
    Case(
        "unit_person_without_workbook",
        "unit",
        missing,
        Expect(("collect.fewer_people", "collect.missing_workbook"), file="U01.xlsx", refused=True),
        area="collect",
    ),
    Case(
        "unit_workbook_of_another_unit",
        "unit",
        from_other_unit,
        Expect(("collect.not_in_unit",), exit=OK),
    ),
    Case(
        "unit_workbook_of_another_round",
        "unit",
        other_round,
        Expect(("collect.other_round", "collect.fewer_people"), refused=True),
    ),
    Case(
        "unit_folder_holds_a_corrupt_file",
        "unit",
        extra_file("ไฟล์เสีย.xlsx", b"PK\x03\x04" + b"\0garbage" * 300),
        Expect(("file.corrupt",), file="ไฟล์เสีย.xlsx"),
    ),
    Case(
        "unit_folder_holds_an_encrypted_file",
        "unit",
        extra_file("รหัสผ่าน.xlsx", encrypted_package()),
        Expect(("file.encrypted_or_xls",), file="รหัสผ่าน.xlsx"),
    ),
    Case(
        "unit_folder_holds_a_renamed_csv",
        "unit",
        extra_file("คะแนน.xlsx", "person_id,total\n1101700123458,90\n"),
        Expect(("file.not_xlsx",), file="คะแนน.xlsx"),
    ),
    Case(
        "unit_folder_holds_an_old_xls",
        "unit",
        extra_file("เก่า.xls", OLE + b"\0" * 2048),
        Expect(("file.encrypted_or_xls",), file="เก่า.xls"),
    ),
    Case(
        "unit_workbook_corrupt",
        "unit",
        unit_replaced(b"PK\x03\x04" + b"\0garbage" * 300),
        Expect(("file.corrupt",), file="U01.xlsx"),
    ),
    Case(
        "unit_workbook_truncated",
        "unit",
        unit_truncated,
        Expect(("file.corrupt",), file="U01.xlsx"),
    ),
    Case(
        "unit_workbook_encrypted",
        "unit",
        unit_replaced(encrypted_package()),
        Expect(("file.encrypted_or_xls",), file="U01.xlsx"),
    ),
    Case(
        "unit_target_is_a_personal_workbook",
        "unit",
        personal_as_unit,
        Expect(("file.not_kpixl",), file="U01.xlsx", refused=True),
        area="collect",
    ),
    Case(
        "unit_target_is_the_master",
        "unit",
        master_as_unit,
        Expect(("file.not_kpixl",), file="master.xlsx", refused=True),
        area="collect",
    ),
    Case(
        "unit_collected_from_another_units_folder",
        "unit",
        other_units_folder,
        Expect(("collect.no_workbooks", "collect.not_in_unit"), file="U01.xlsx", refused=True),
        area="collect",
    ),
    Case(
        "unit_billion_laughs",
        "unit",
        unit_sheet_xml("billion_laughs"),
        Expect(("file.corrupt",), file="U01.xlsx"),
    ),
    Case(
        "unit_xxe_external_entity",
        "unit",
        unit_sheet_xml("xxe"),
        Expect(("file.corrupt",), file="U01.xlsx", hostile=("root:",)),
    ),
    Case(
        "unit_empty_folder",
        "unit",
        empty_folder,
        Expect(("collect.no_workbooks",), file="U01.xlsx", refused=True),
        area="collect",
    ),
    Case(
        "unit_path_like_unit_code",
        "unit",
        meta_unit("../../x"),
        Expect(exit=OK),
    ),
    Case(
        "unit_collects_injection_text",
        "unit",
        text_in_personal(
            {
                L.kpi_cell("kpi_name", 0): INJECTION[1],
                L.kpi_cell("kpi_name", 1): INJECTION[0],
                L.kpi_cell("unit", 0): INJECTION[3],
            }
        ),
        Expect(
            ("form.sealed_changed",),
            sheet=L.AGREEMENT,
            cell=L.kpi_cell("kpi_name", 0),
            hostile=("cmd|", "HYPERLINK", "SUM(9)"),
            kept=(INJECTION[1], INJECTION[0], INJECTION[3]),
        ),
        area="text",
    ),
    Case(
        "unit_collects_control_characters",
        "unit",
        text_in_personal({L.kpi_cell("kpi_name", 0): CONTROL}),
        Expect(
            ("form.sealed_changed",),
            sheet=L.AGREEMENT,
            cell=L.kpi_cell("kpi_name", 0),
            kept=(CONTROL,),
        ),
        area="text",
    ),
]
