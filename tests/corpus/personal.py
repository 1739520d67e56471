"""Bad personal workbooks, each checked with ``kpixl validate`` (SPEC §5 and issue 13)."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import openpyxl

from kpixl.io.xlsx_package import CellValue
from kpixl.workbooks import personal_layout as L
from kpixl.workbooks.personal import seal_personal
from kpixl.workbooks.personal_seal import KEY_ENV

from .base import Build, Case, Expect, Round, Run
from .package import (
    XmlEdit,
    cell_xml,
    edit_sheet_xml,
    flip_byte_in_member,
    members,
    patch_cells,
    put_cell,
    rezip,
    sheet_part,
)

__all__ = ["CASES", "OLE", "billion_laughs", "xxe"]

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OK = frozenset({0})  # warnings alone exit 0
KEY = "corpus-agency-key"  # an agency sealing key (KPIXL_SEAL_KEY)
WEIGHTS = f"{L.kpi_cell('weight', 0)}:{L.kpi_cell('weight', 2)}"  # where a weight sum is


def actual(i: int) -> str:
    return f"{L.ACH_COLUMNS['actual']}{L.ACH_FIRST + i}"


def validate(path: Path) -> Run:
    return Run(["validate", str(path)], [path])


def cells(sheet: str, values: dict[str, CellValue]) -> Build:
    """A builder setting cells of the first personal workbook of unit U01."""

    def build(r: Round) -> Run:
        return validate(patch_cells(r.personal(), sheet, values))

    return build


def raw_cell(sheet: str, ref: str, xml: str) -> Build:
    def build(r: Round) -> Run:
        return validate(put_cell(r.personal(), sheet, ref, xml))

    return build


def replaced(data: bytes | str) -> Build:
    """The first personal workbook's bytes replaced (same name, .xlsx)."""

    def build(r: Round) -> Run:
        path = r.personal()
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return validate(path)

    return build


def truncated(r: Round) -> Run:
    path = r.personal()
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return validate(path)


def oversized(r: Round) -> Run:
    """A real workbook followed by 64 MB of zeros (a sparse file: nothing is written)."""
    path = r.personal()
    with path.open("r+b") as handle:
        handle.truncate(64 * 1024 * 1024)
    return validate(path)


def plain_workbook(r: Round) -> Run:
    path = r.folder() / "งบประมาณ.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "งบประมาณ"
    wb.save(path)
    return validate(path)


def unit_workbook_as_personal(r: Round) -> Run:
    return validate(r.unit())


def dropped(member: str) -> Build:
    def build(r: Round) -> Run:
        path = r.personal()
        parts: dict[str, bytes | None] = dict(members(path))
        parts[member if member in parts else sheet_part(path, member)] = None
        return validate(rezip(path, parts))

    return build


def crc_broken(r: Round) -> Run:
    path = r.personal()
    return validate(flip_byte_in_member(path, sheet_part(path, L.AGREEMENT)))


def bad_xml(sheet_or_member: str) -> Build:
    def build(r: Round) -> Run:
        path = r.personal()
        parts: dict[str, bytes | None] = dict(members(path))
        name = sheet_or_member if sheet_or_member in parts else sheet_part(path, sheet_or_member)
        data = parts[name]
        assert data is not None
        parts[name] = data[: len(data) // 2] + b"<c r=<<</row>"
        return validate(rezip(path, parts))

    return build


def billion_laughs(xml: str) -> str:
    """A sheet's XML with an exponential entity declared and used (10^9 'lol's)."""
    decl = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    doctype = f'<!DOCTYPE worksheet [<!ENTITY lol0 "lol">{decl}]>'
    xml = xml.replace("?>", "?>" + doctype, 1) if xml.startswith("<?xml") else doctype + xml
    return xml.replace(
        "</sheetData>",
        '<row r="1000"><c r="A1000" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>',
        1,
    )


def xxe(xml: str) -> str:
    """A sheet's XML with an external entity (a local file) used in a cell."""
    doctype = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    xml = xml.replace("?>", "?>" + doctype, 1) if xml.startswith("<?xml") else doctype + xml
    return xml.replace(
        "</sheetData>",
        '<row r="1000"><c r="A1000" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData>',
        1,
    )


def sheet_xml(sheet: str, edit: XmlEdit) -> Build:
    def build(r: Round) -> Run:
        return validate(edit_sheet_xml(r.personal(), sheet, edit))

    return build


def merged(r: Round) -> Run:
    """C12:D12 merged (the kind in D12 is lost under the merge, as Excel does)."""
    path = patch_cells(r.personal(), L.AGREEMENT, {L.kpi_cell("kind", 0): None})

    def edit(xml: str) -> str:
        merge = f'<mergeCell ref="C{L.KPI_FIRST}:D{L.KPI_FIRST}"/>'
        count = int(re.search(r'<mergeCells count="(\d+)">', xml).group(1))  # type: ignore[union-attr]
        return xml.replace(
            f'<mergeCells count="{count}">', f'<mergeCells count="{count + 1}">{merge}', 1
        )

    return validate(edit_sheet_xml(path, L.AGREEMENT, edit))


def cached_total(r: Round) -> Run:
    ref = f"{L.SUM_WEIGHTED_COL}{L.SUM_ROWS['total']}"

    def edit(xml: str) -> str:
        start = xml.index(f'<c r="{ref}"')
        end = xml.index("</c>", start)
        cell = re.sub(
            r"<v\s*/>|<v>[^<]*</v>", "<v>99</v>", xml[start:end]
        )  # a value kpixl did not compute
        return xml[:start] + cell + xml[end:]

    return validate(edit_sheet_xml(r.personal(), L.SUMMARY, edit))


def wrong_check_digit(r: Round) -> Run:
    path = r.personal()
    wb = openpyxl.load_workbook(path, read_only=True)
    pid = str(wb[L.AGREEMENT][L.IDENTITY["person_id"][1]].value)
    wb.close()
    return validate(
        patch_cells(
            path,
            L.AGREEMENT,
            {L.IDENTITY["person_id"][1]: pid[:-1] + str((int(pid[-1]) + 1) % 10)},
        )
    )


def other_person_id_text(value: str) -> Build:
    return cells(L.AGREEMENT, {L.IDENTITY["name"][1]: value})


INJECTION = (
    '=HYPERLINK("http://example.invalid/x","click")',
    "=cmd|' /C calc'!A0",
    "+1+2",
    "@SUM(9)",
)


def injected(r: Round) -> Run:
    return validate(
        patch_cells(
            r.personal(),
            L.AGREEMENT,
            {L.kpi_cell("kpi_name", i): text for i, text in enumerate(INJECTION[:3])},
        )
    )


CONTROL = "ร้อยละ\x0bของงาน\x01\tเสร็จ"  # in the file: ร้อยละ_x000B_ของงาน_x0001_\tเสร็จ


def control_chars(r: Round) -> Run:
    """Control characters in text cells, as Excel stores them (``_x000B_``: a paste from
    Word) and a tab."""
    return validate(
        patch_cells(
            r.personal(),
            L.AGREEMENT,
            {L.kpi_cell("kpi_name", 0): CONTROL, L.IDENTITY["position"][1]: "นัก\x1fทรัพยากร"},
        )
    )


def sealed_then_edited(r: Round) -> Run:
    return validate(patch_cells(r.personal(), L.AGREEMENT, {L.kpi_cell("l1", 0): 12}))


def fingerprint_blanked(r: Round) -> Run:
    return validate(
        patch_cells(
            r.personal(),
            L.HIDDEN,
            {L.meta_cell("fingerprint"): None},
        )
    )


def seal_downgraded(r: Round) -> Run:
    """Sealed under the agency key, edited, then sealed again without it: the stored
    method becomes plain SHA-256 over the edited agreement (issue 13, item 12)."""
    path = r.personal()
    seal_personal(path, key=KEY, force=True)
    patch_cells(path, L.AGREEMENT, {L.kpi_cell("l1", 0): 12})
    seal_personal(path, key="", force=True)  # "" is no key: plain SHA-256
    shutil.rmtree(path.parent / ".kpixl-backups", ignore_errors=True)
    return Run(["validate", str(path)], [path], env={KEY_ENV: KEY})


def sealed_under(key: str, validate_with: str) -> Build:
    """Sealed under the agency key ``key``, unchanged, validated with another key set."""

    def build(r: Round) -> Run:
        path = r.personal()
        seal_personal(path, key=key, force=True)
        shutil.rmtree(path.parent / ".kpixl-backups", ignore_errors=True)
        return Run(["validate", str(path)], [path], env={KEY_ENV: validate_with})

    return build


def seal_again_after_edit(r: Round) -> Run:
    """``kpixl seal`` on a sealed agreement edited afterwards: refused, as the button does."""
    path = patch_cells(r.personal(), L.AGREEMENT, {L.kpi_cell("l1", 0): 12})
    return Run(["seal", str(path)], [path])


def rating(i: int) -> str:
    return f"{L.CMP_COLUMNS['rating']}{L.CMP_FIRST + i}"


def html_as_xlsx() -> str:
    return "<html><body><table><tr><td>ชื่อ</td><td>คะแนน</td></tr></table></body></html>"


def encrypted_package() -> bytes:
    """What Excel writes for a password-protected workbook: an OLE compound file."""
    return OLE + b"\0" * 24 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 4000


def zip_without_xlsx(r: Round) -> Run:
    path = r.personal()
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "ไม่ใช่สมุดงาน")
    return validate(path)


CASES = [
    # numbers as people type them
    Case(
        "personal_thai_digits_actual",
        "personal",
        cells(L.ACHIEVEMENT, {actual(0): "๒.๔"}),
        Expect(("cell.thai_digits",), sheet=L.ACHIEVEMENT, cell=actual(0), exit=OK),
    ),
    Case(
        "personal_thai_digits_weight",
        "personal",
        cells(L.AGREEMENT, {L.kpi_cell("weight", 0): "๓๐"}),
        Expect(("cell.thai_digits",), sheet=L.AGREEMENT, cell=L.kpi_cell("weight", 0), exit=OK),
    ),
    Case(
        "personal_separator_not_a_thousands_group",
        "personal",
        cells(L.ACHIEVEMENT, {actual(0): "2,4"}),
        Expect(("cell.not_a_number",), sheet=L.ACHIEVEMENT, cell=actual(0)),
    ),
    Case(
        "personal_thousands_separator_read",
        "personal",
        cells(L.ACHIEVEMENT, {actual(0): "1,000"}),
        Expect(
            ("cell.separators",),
            sheet=L.ACHIEVEMENT,
            cell=actual(0),
            exit=OK,
            absent=("cell.not_a_number",),
        ),
        area="findings",
    ),
    Case(
        "personal_percent_text_in_actual",
        "personal",
        cells(L.ACHIEVEMENT, {actual(0): "93%"}),
        Expect(
            ("cell.percent_sign",),
            sheet=L.ACHIEVEMENT,
            cell=actual(0),
            exit=OK,
            absent=("cell.not_a_number",),
        ),
        area="findings",
    ),
    Case(
        "personal_comma_decimal_is_one_finding",
        "personal",
        cells(L.ACHIEVEMENT, {actual(0): "1,00"}),
        Expect(
            ("cell.not_a_number",),
            sheet=L.ACHIEVEMENT,
            cell=actual(0),
            absent=("result.actual_missing", "cell.separators"),
        ),
        area="findings",
    ),
    Case(
        "personal_weights_as_fractions",
        "personal",
        cells(
            L.AGREEMENT,
            {
                L.kpi_cell("weight", 0): 0.3,
                L.kpi_cell("weight", 1): 0.35,
                L.kpi_cell("weight", 2): 0.35,
            },
        ),
        Expect(("kpi.weights_as_fraction",), sheet=L.AGREEMENT, cell=WEIGHTS, exit=OK),
    ),
    Case(
        "personal_weights_percent_text_and_numbers",
        "personal",
        cells(
            L.AGREEMENT,
            {
                L.kpi_cell("weight", 0): "30%",
                L.kpi_cell("weight", 1): 35,
                L.kpi_cell("weight", 2): 0.35,
            },
        ),
        Expect(
            ("kpi.weights_sum", "cell.number_as_text", "form.sealed_changed"),
            sheet=L.AGREEMENT,
            cell=WEIGHTS,
        ),
    ),
    Case(
        "personal_blank_actual",
        "personal",
        cells(L.ACHIEVEMENT, {actual(0): None}),
        Expect(("result.actual_missing",), sheet=L.ACHIEVEMENT, cell=actual(0)),
    ),
    Case(
        "personal_blank_competency_rating",
        "personal",
        cells(L.COMPETENCY, {rating(0): None}),
        Expect(("cell.blank",), sheet=L.COMPETENCY, cell=rating(0)),
        area="findings",
    ),
    Case(
        "personal_zero_actual_is_not_blank",
        "personal",
        cells(L.ACHIEVEMENT, {actual(0): 0}),
        Expect(absent=("result.actual_missing", "cell.blank"), exit=OK),
    ),
    Case(
        "personal_text_in_number_cell",
        "personal",
        cells(L.AGREEMENT, {L.kpi_cell("weight", 0): "สามสิบ"}),
        Expect(
            ("cell.not_a_number", "form.sealed_changed"),
            sheet=L.AGREEMENT,
            cell=L.kpi_cell("weight", 0),
        ),
    ),
    Case(
        "personal_excel_error_value",
        "personal",
        raw_cell(
            L.AGREEMENT,
            L.kpi_cell("l3", 0),
            cell_xml(L.kpi_cell("l3", 0), "<v>#DIV/0!</v>", ' t="e"'),
        ),
        Expect(
            ("cell.excel_error", "form.sealed_changed"),
            sheet=L.AGREEMENT,
            cell=L.kpi_cell("l3", 0),
        ),
    ),
    Case(
        "personal_excel_error_in_actual",
        "personal",
        raw_cell(L.ACHIEVEMENT, actual(0), cell_xml(actual(0), "<v>#N/A</v>", ' t="e"')),
        Expect(("cell.excel_error",), sheet=L.ACHIEVEMENT, cell=actual(0)),
    ),
    Case(
        "personal_merged_cells",
        "personal",
        merged,
        Expect(
            ("cell.blank", "form.sealed_changed"), sheet=L.AGREEMENT, cell=L.kpi_cell("kind", 0)
        ),
    ),
    Case(
        "personal_formula_overwritten_by_constant",
        "personal",
        cells(L.SUMMARY, {f"{L.SUM_WEIGHTED_COL}{L.SUM_ROWS['total']}": 95}),
        Expect(
            ("form.formula_overwritten",),
            sheet=L.SUMMARY,
            cell=f"{L.SUM_WEIGHTED_COL}{L.SUM_ROWS['total']}",
        ),
    ),
    Case(
        "personal_cached_value_disagrees",
        "personal",
        cached_total,
        Expect(
            ("form.cached_mismatch",),
            sheet=L.SUMMARY,
            cell=f"{L.SUM_WEIGHTED_COL}{L.SUM_ROWS['total']}",
            exit=OK,
        ),
    ),
    Case(
        "personal_old_template_version",
        "personal",
        cells(L.HIDDEN, {L.meta_cell("template_version"): "0.3"}),
        Expect(("file.template_version",), sheet=L.HIDDEN, cell=L.meta_cell("template_version")),
    ),
    Case(
        "personal_other_template_id",
        "personal",
        cells(L.HIDDEN, {L.meta_cell("template_id"): "other.form"}),
        Expect(("file.not_kpixl",), sheet=L.HIDDEN, cell=L.meta_cell("template_id")),
    ),
    Case("personal_not_a_kpixl_workbook", "personal", plain_workbook, Expect(("file.not_kpixl",))),
    Case(
        "personal_unit_workbook_given_to_validate",
        "personal",
        unit_workbook_as_personal,
        Expect(("file.other_form",), file="U01.xlsx"),
    ),
    Case(
        "personal_encrypted",
        "personal",
        replaced(encrypted_package()),
        Expect(("file.encrypted_or_xls",)),
    ),
    Case(
        "personal_renamed_xls",
        "personal",
        replaced(OLE + b"\0" * 24 + "Workbook".encode("utf-16-le") + b"\0" * 2000),
        Expect(("file.encrypted_or_xls",)),
    ),
    Case(
        "personal_renamed_csv",
        "personal",
        replaced("ชื่อ,คะแนน\nสมชาย,๘๐\n=1+2,@SUM(9)\n"),
        Expect(("file.not_xlsx",)),
    ),
    Case(
        "personal_renamed_html",
        "personal",
        replaced(html_as_xlsx()),
        Expect(("file.not_xlsx",)),
    ),
    Case(
        "personal_corrupt",
        "personal",
        replaced(b"PK\x03\x04" + b"garbage" * 200),
        Expect(("file.corrupt",)),
    ),
    Case("personal_truncated", "personal", truncated, Expect(("file.corrupt",))),
    Case("personal_empty", "personal", replaced(b""), Expect(("file.empty",))),
    Case("personal_oversized", "personal", oversized, Expect(("file.too_large",)), area="bounded"),
    Case("personal_zip_without_workbook", "personal", zip_without_xlsx, Expect(("file.corrupt",))),
    Case(
        "personal_missing_workbook_xml",
        "personal",
        dropped("xl/workbook.xml"),
        Expect(("file.corrupt",)),
    ),
    Case(
        "personal_missing_sheet_part",
        "personal",
        dropped(L.ACHIEVEMENT),
        Expect(("file.not_kpixl",)),
    ),
    Case(
        "personal_missing_content_types",
        "personal",
        dropped("[Content_Types].xml"),
        Expect(("file.corrupt",)),
    ),
    Case(
        "personal_missing_styles",
        "personal",
        dropped("xl/styles.xml"),
        Expect(("file.corrupt",)),
    ),
    Case("personal_member_crc_broken", "personal", crc_broken, Expect(("file.corrupt",))),
    Case(
        "personal_sheet_xml_malformed",
        "personal",
        bad_xml(L.AGREEMENT),
        Expect(("file.corrupt",)),
    ),
    Case(
        "personal_workbook_xml_malformed",
        "personal",
        bad_xml("xl/workbook.xml"),
        Expect(("file.corrupt",)),
    ),
    Case(
        "personal_billion_laughs",
        "personal",
        sheet_xml(L.AGREEMENT, billion_laughs),
        Expect(("file.corrupt",)),
    ),
    Case(
        "personal_xxe_external_entity",
        "personal",
        sheet_xml(L.AGREEMENT, xxe),
        Expect(("file.corrupt",), hostile=("root:",)),
    ),
    Case(
        "personal_national_id_check_digit",
        "personal",
        wrong_check_digit,
        Expect(
            ("roster.national_id", "form.sealed_changed"),
            sheet=L.AGREEMENT,
            cell=L.IDENTITY["person_id"][1],
        ),
    ),
    Case(
        "personal_agreement_edited_after_seal",
        "personal",
        sealed_then_edited,
        Expect(("form.sealed_changed",), sheet=L.AGREEMENT, cell=L.kpi_cell("l1", 0)),
        area="seal",
    ),
    Case(
        "personal_seal_fingerprint_blanked",
        "personal",
        fingerprint_blanked,
        Expect(("form.seal_malformed",), sheet=L.HIDDEN, cell=L.meta_cell("fingerprint")),
        area="seal",
    ),
    Case(
        "personal_seal_downgraded_to_sha256",
        "personal",
        seal_downgraded,
        Expect(
            ("form.seal_key",),
            sheet=L.HIDDEN,
            cell=L.meta_cell("fingerprint"),
            absent=("form.sealed_changed",),
        ),
        area="seal",
    ),
    Case(
        "personal_sealed_under_another_key",
        "personal",
        sealed_under(KEY, "another-agency-key"),
        Expect(
            ("form.seal_key",),
            sheet=L.HIDDEN,
            cell=L.meta_cell("fingerprint"),
            absent=("form.sealed_changed",),
        ),
        area="seal",
    ),
    Case(
        "personal_seal_refuses_an_edited_agreement",
        "personal",
        seal_again_after_edit,
        Expect(),
        area="seal",
    ),
    Case(
        "personal_injection_text",
        "personal",
        injected,
        Expect(("form.sealed_changed",), sheet=L.AGREEMENT, cell=L.kpi_cell("kpi_name", 0)),
        area="text",
    ),
    Case(
        "personal_control_characters",
        "personal",
        control_chars,
        Expect(("form.sealed_changed",), sheet=L.AGREEMENT, cell=L.kpi_cell("kpi_name", 0)),
        area="text",
    ),
    Case(
        "personal_path_like_name",
        "personal",
        other_person_id_text("../../x"),
        Expect(exit=OK),
    ),
]
