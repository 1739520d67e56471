"""Bad input in one personal workbook: the right finding, the right cell, the file untouched."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from personal_cases import all_cases

from kpixl.core.findings import Finding
from kpixl.io.identify import check_file
from kpixl.io.libreoffice import convert, soffice
from kpixl.workbooks import personal_layout as L
from kpixl.workbooks.personal import (
    PersonalData,
    check_personal,
    read_personal,
    seal_personal,
    write_personal,
)

BASE = all_cases()[-4]  # an edge case: two KPIs at levels 3 and 4, five competencies


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def checked(path: Path, **kwargs: object) -> list[Finding]:
    """Check ``path``; assert the file is byte-identical afterwards."""
    before = sha(path)
    result = check_personal(read_personal(path), **kwargs)  # type: ignore[arg-type]
    assert sha(path) == before, "reading modified the source file"
    return result.findings


def rules_of(findings: list[Finding]) -> dict[str, Finding]:
    return {f.rule: f for f in findings}


def edited(
    tmp_path: Path, edit: Callable[[openpyxl.Workbook], None], data: PersonalData = BASE.data
) -> Path:
    """A filled workbook changed by a person with a spreadsheet program (here: openpyxl)."""
    src = write_personal(tmp_path / "src.xlsx", data)
    wb = openpyxl.load_workbook(src)
    edit(wb)
    out = tmp_path / "edited.xlsx"
    wb.save(out)
    return out


def actual_cell(i: int) -> str:
    return f"{L.ACH_COLUMNS['actual']}{L.ACH_FIRST + i}"


def test_a_clean_workbook_has_no_findings(tmp_path: Path) -> None:
    path = write_personal(tmp_path / "ok.xlsx", BASE.data)
    result = check_personal(read_personal(path))
    assert result.findings == []
    assert result.scores["total"] == Decimal("70.60") and result.scores["band"] == "ดี"


def test_thai_digits_and_separators_are_read_with_a_note(tmp_path: Path) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        wb[L.ACHIEVEMENT][actual_cell(0)] = "๘๐"
        wb[L.ACHIEVEMENT][actual_cell(1)] = "9,0"  # not a thousands group: an error

    found = rules_of(checked(edited(tmp_path, edit)))
    assert found["cell.thai_digits"].cell == actual_cell(0)
    assert found["cell.thai_digits"].sheet == L.ACHIEVEMENT
    assert found["cell.not_a_number"].cell == actual_cell(1)


def test_blank_is_not_zero(tmp_path: Path) -> None:
    def blank(wb: openpyxl.Workbook) -> None:
        wb[L.ACHIEVEMENT][actual_cell(1)] = None

    found = rules_of(checked(edited(tmp_path, blank)))
    assert "result.actual_missing" in found
    assert found["result.actual_missing"].cell.endswith(actual_cell(1))

    def zero(wb: openpyxl.Workbook) -> None:
        wb[L.ACHIEVEMENT][actual_cell(1)] = 0

    (tmp_path / "z").mkdir()
    path = edited(tmp_path / "z", zero)
    result = check_personal(read_personal(path))
    assert result.findings == [] and result.scores["achievement"] == Decimal("30.00")


def test_text_and_excel_errors_in_number_cells(tmp_path: Path) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        wb[L.AGREEMENT][L.kpi_cell("weight", 0)] = "ห้าสิบ"
        wb[L.AGREEMENT][L.kpi_cell("l3", 1)] = "#DIV/0!"

    found = rules_of(checked(edited(tmp_path, edit)))
    assert found["cell.not_a_number"].cell == L.kpi_cell("weight", 0)
    assert found["cell.excel_error"].cell == L.kpi_cell("l3", 1)
    assert found["cell.excel_error"].value == "#DIV/0!"


def test_percent_weights_in_every_spelling(tmp_path: Path) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        wb[L.AGREEMENT][L.kpi_cell("weight", 0)] = "50%"
        wb[L.AGREEMENT][L.kpi_cell("weight", 1)] = 50

    result = check_personal(read_personal(edited(tmp_path, edit)))
    # "50%" reads as 50; typed as text, the form's own formulas cannot use it: a warning
    assert [(f.rule, f.severity, f.cell) for f in result.findings] == [
        ("cell.number_as_text", "warning", L.kpi_cell("weight", 0))
    ]
    assert result.scores["total"] == Decimal("70.60")

    def fractions(wb: openpyxl.Workbook) -> None:
        wb[L.AGREEMENT][L.kpi_cell("weight", 0)] = 0.5
        wb[L.AGREEMENT][L.kpi_cell("weight", 1)] = 0.5

    (tmp_path / "f").mkdir()
    found = rules_of(checked(edited(tmp_path / "f", fractions)))
    assert set(found) == {"kpi.weights_as_fraction"}


def test_weights_not_100_and_levels_not_monotone(tmp_path: Path) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        wb[L.AGREEMENT][L.kpi_cell("weight", 0)] = 60
        wb[L.AGREEMENT][L.kpi_cell("l4", 1)] = 65

    found = rules_of(checked(edited(tmp_path, edit)))
    assert found["kpi.weights_sum"].cell == f"L{L.KPI_FIRST}:L{L.KPI_FIRST + 1}"
    assert found["kpi.levels_not_monotone"].cell == f"G{L.KPI_FIRST + 1}:K{L.KPI_FIRST + 1}"


def test_merged_cells_read_as_blank_and_are_reported(tmp_path: Path) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        ws = wb[L.AGREEMENT]
        ws.merge_cells(f"C{L.KPI_FIRST}:D{L.KPI_FIRST}")

    found = rules_of(checked(edited(tmp_path, edit)))
    assert found["cell.blank"].cell == L.kpi_cell("kind", 0)


def test_formula_overwritten_by_a_constant(tmp_path: Path) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        wb[L.SUMMARY][f"{L.SUM_WEIGHTED_COL}{L.SUM_ROWS['total']}"] = 95
        wb[L.ACHIEVEMENT][f"{L.ACH_COLUMNS['score']}{L.ACH_FIRST}"] = 5

    findings = checked(edited(tmp_path, edit))
    cells = {(f.sheet, f.cell) for f in findings if f.rule == "form.formula_overwritten"}
    assert cells == {
        (L.SUMMARY, f"{L.SUM_WEIGHTED_COL}{L.SUM_ROWS['total']}"),
        (L.ACHIEVEMENT, f"{L.ACH_COLUMNS['score']}{L.ACH_FIRST}"),
    }


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_cached_value_that_disagrees_with_the_recomputation(tmp_path: Path) -> None:
    src = write_personal(tmp_path / "src.xlsx", BASE.data)
    [calculated] = convert([src], tmp_path / "calc", to="xlsx")
    assert [f.rule for f in checked(calculated)] == []
    # someone edits the cached total in the file's XML (as a stale or tampered copy would be)
    package = zipfile.ZipFile(calculated)
    parts = {n: package.read(n) for n in package.namelist()}
    package.close()
    from kpixl.io.xlsx_package import sheet_parts

    part = sheet_parts(parts)[L.SUMMARY]
    xml = parts[part].decode()
    ref = f"{L.SUM_WEIGHTED_COL}{L.SUM_ROWS['total']}"
    start = xml.index(f'<c r="{ref}"')
    v0 = xml.index("<v>", start)
    v1 = xml.index("</v>", v0)
    parts[part] = (xml[: v0 + 3] + "99" + xml[v1:]).encode()
    tampered = tmp_path / "tampered.xlsx"
    with zipfile.ZipFile(tampered, "w") as out:
        for name, data in parts.items():
            out.writestr(name, data)
    found = rules_of(checked(tampered))
    assert found["form.cached_mismatch"].cell == ref
    assert found["form.cached_mismatch"].severity == "warning"
    assert "99" in found["form.cached_mismatch"].message_en


def test_wrong_template_version_and_not_kpixl(tmp_path: Path) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        wb[L.HIDDEN][L.meta_cell("template_version")] = "0.3"

    assert set(rules_of(checked(edited(tmp_path, edit)))) == {"file.template_version"}
    plain = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "งบประมาณ"
    wb.save(plain)
    assert set(rules_of(checked(plain))) == {"file.not_kpixl"}


def test_encrypted_corrupt_truncated_empty_and_oversized(tmp_path: Path) -> None:
    good = write_personal(tmp_path / "good.xlsx", BASE.data)
    encrypted = tmp_path / "encrypted.xlsx"
    encrypted.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2048)
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    corrupt = tmp_path / "corrupt.xlsx"
    corrupt.write_bytes(b"PK\x03\x04" + b"garbage" * 100)
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    text = tmp_path / "notes.xlsx"
    text.write_text("ไม่ใช่ไฟล์ Excel", encoding="utf-8")
    expected = {
        encrypted: "file.encrypted_or_xls",
        truncated: "file.corrupt",
        corrupt: "file.corrupt",
        empty: "file.empty",
        text: "file.not_xlsx",
    }
    for path, rule in expected.items():
        findings = checked(path)
        assert [f.rule for f in findings] == [rule], path.name
        assert findings[0].file == path.name and findings[0].message_th and findings[0].message_en
    big = check_file(good, max_bytes=1000)
    assert big is not None and big.rule == "file.too_large"


def test_national_id_with_a_wrong_check_digit(tmp_path: Path) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        pid = str(BASE.data.person["person_id"])
        wb[L.AGREEMENT][L.IDENTITY["person_id"][1]] = pid[:-1] + str((int(pid[-1]) + 1) % 10)

    found = rules_of(checked(edited(tmp_path, edit)))
    assert found["roster.national_id"].cell == L.IDENTITY["person_id"][1]


def test_agreement_edited_after_sealing(tmp_path: Path) -> None:
    path = write_personal(tmp_path / "sealed.xlsx", BASE.data)
    method, digest, _ = seal_personal(path)
    assert method == "sha256" and len(digest) == 64
    assert checked(path) == []
    wb = openpyxl.load_workbook(path)
    assert wb[L.HIDDEN][L.meta_cell("fingerprint")].value == digest
    assert wb[L.HIDDEN][L.meta_cell("revision")].value == 2
    wb[L.AGREEMENT][L.kpi_cell("l1", 0)] = 55  # an easier target, after signing
    changed = tmp_path / "changed.xlsx"
    wb.save(changed)
    found = rules_of(checked(changed))
    assert found["form.sealed_changed"].severity == "error"


def test_hmac_seal_needs_the_agency_key(tmp_path: Path) -> None:
    path = write_personal(tmp_path / "sealed.xlsx", BASE.data)
    method = seal_personal(path, key="agency-secret").method
    assert method == "hmac-sha256"
    assert checked(path, key="agency-secret") == []
    # a wrong key, or none, is not a change of the agreement (issue 13, item 5)
    assert [f.rule for f in checked(path, key="wrong")] == ["form.seal_key"]
    assert [f.rule for f in checked(path, key="")] == ["form.seal_key"]
