"""Seals that cannot be stripped and that explain themselves (issue 13: items 5 and 12).

Every case runs on real personal workbooks, through the CLI (``kpixl seal`` and
``kpixl validate``), with the edits a careless or hostile sender would make in a
spreadsheet program (here: openpyxl).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfoNotFoundError

import openpyxl
import pytest
from click.testing import CliRunner, Result
from personal_cases import all_cases

from kpixl.cli import cli
from kpixl.core import thaitime
from kpixl.core.seal import content_digest, fingerprint, key_id, row_digests
from kpixl.io.libreoffice import convert, soffice
from kpixl.io.xlsx_package import Package
from kpixl.schemas.backend import validate_table
from kpixl.workbooks import master_layout as M
from kpixl.workbooks import personal_layout as L
from kpixl.workbooks.master import master_bytes
from kpixl.workbooks.personal import (
    read_personal,
    seal_personal,
    template_package,
    write_personal,
)

BASE = all_cases()[-4]  # two KPIs (weights 50 and 50), five competencies
AGENCY, OTHER = "agency-secret-2570", "someone-elses-key"
DEMO = Path(__file__).resolve().parents[1] / "workbooks" / "demo" / "personal"


@pytest.fixture(autouse=True)
def _no_key_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KPIXL_SEAL_KEY", raising=False)


def kpixl(*args: str, key: str | None = None) -> Result:
    """Run the CLI; ``key`` is KPIXL_SEAL_KEY (None: not set)."""
    return CliRunner().invoke(cli, list(args), env={"KPIXL_SEAL_KEY": key})


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def findings(path: Path, *extra: str, key: str | None = None) -> tuple[int, list[dict[str, Any]]]:
    """``kpixl validate --json``: exit code and the findings; the file stays unchanged."""
    before = sha(path)
    result = kpixl("validate", "--json", *extra, str(path), key=key)
    assert sha(path) == before
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    report = json.loads(result.stdout)
    return result.exit_code, [f for item in report for f in item["findings"]]


def rules(found: list[dict[str, Any]]) -> list[str]:
    return [f["rule"] for f in found]


def sealed(tmp_path: Path, key: str | None = AGENCY, name: str = "sealed.xlsx") -> Path:
    path = write_personal(tmp_path / name, BASE.data)
    result = kpixl("seal", str(path), key=key)
    assert result.exit_code == 0, result.output
    return path


def edit(path: Path, change: Callable[[openpyxl.Workbook], None]) -> None:
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)


def shift_weight(wb: openpyxl.Workbook) -> None:
    """Move 5 points of weight from the second KPI to the first (the sum stays 100)."""
    ws = wb[L.AGREEMENT]
    ws[L.kpi_cell("weight", 0)] = ws[L.kpi_cell("weight", 0)].value + 5
    ws[L.kpi_cell("weight", 1)] = ws[L.kpi_cell("weight", 1)].value - 5


def hidden(path: Path) -> dict[str, Any]:
    ws = openpyxl.load_workbook(path)[L.HIDDEN]
    cells = {f: L.meta_cell(f) for f in L.META_FIELDS} | L.SEAL_CELLS
    return {f: ws[cell].value for f, cell in cells.items()}


def reseal_by_hand(path: Path, *, method: str) -> None:
    """What a hostile sender can do without the key: recompute every plain digest."""
    form = read_personal(path)
    kpis = validate_table(form.kpis, "agreement").frame.to_dict("records")
    comps = validate_table(form.competencies, "competencies").frame.to_dict("records")
    person = str(form.identity["person_id"])
    _, digest = fingerprint(person, kpis, comps)  # type: ignore[arg-type]

    def write(wb: openpyxl.Workbook) -> None:
        ws = wb[L.HIDDEN]
        ws[L.meta_cell("fingerprint")] = digest
        ws[L.meta_cell("seal_method")] = method
        ws[L.SEAL_CELLS["seal_content"]] = content_digest(person, kpis, comps)  # type: ignore[arg-type]
        ws[L.SEAL_CELLS["seal_rows"]] = row_digests(person, kpis, comps)  # type: ignore[arg-type]

    edit(path, write)


# ------------------------------------------------------------------ item 5: explain


def test_a_wrong_key_on_an_unchanged_agreement_is_a_key_problem_not_a_change(
    tmp_path: Path,
) -> None:
    path = sealed(tmp_path)
    assert findings(path, key=AGENCY) == (0, [])
    code, found = findings(path, key=OTHER)
    assert code == 1
    assert rules(found) == ["form.seal_key"]
    [f] = found
    assert (f["sheet"], f["cell"]) == (L.HIDDEN, L.meta_cell("fingerprint"))
    assert f["value"] == hidden(path)["fingerprint"]  # the fingerprint is shown, not blank
    assert key_id(AGENCY) in f["message_en"] and key_id(OTHER) in f["message_en"]
    assert "unchanged" in f["message_en"] and "ไม่พบการเปลี่ยนแปลง" in f["message_th"]


def test_an_hmac_seal_without_a_key_here_is_a_key_problem(tmp_path: Path) -> None:
    path = sealed(tmp_path)
    code, found = findings(path, key=None)
    assert code == 1 and rules(found) == ["form.seal_key"]
    assert "KPIXL_SEAL_KEY is not set" in found[0]["message_en"]


def test_a_changed_weight_names_its_kpi_row_and_field(tmp_path: Path) -> None:
    path = sealed(tmp_path)
    edit(path, shift_weight)
    code, found = findings(path, key=AGENCY)
    assert code == 1
    assert rules(found) == ["form.sealed_changed", "form.sealed_changed"]
    codes = [str(k["kpi_code"]) for k in BASE.data.kpis]
    for i, f in enumerate(found):
        assert (f["sheet"], f["cell"], f["field"]) == (
            L.AGREEMENT,
            L.kpi_cell("weight", i),
            "weight",
        )
        assert codes[i] in f["message_en"] and f"row {L.KPI_FIRST + i}" in f["message_en"]
        assert "น้ำหนัก" in f["message_th"]
    assert [f["value"] for f in found] == ["55", "45"]


def test_added_removed_and_edited_rows_are_each_named(tmp_path: Path) -> None:
    first, second, third = L.KPI_FIRST, L.KPI_FIRST + 1, L.KPI_FIRST + 2
    letters = [letter for letter, _ in L.KPI_COLUMNS.values() if letter != "A"]
    actual = L.ACH_COLUMNS["actual"]

    def add(wb: openpyxl.Workbook) -> None:
        ws = wb[L.AGREEMENT]
        ws[L.kpi_cell("l3", 0)] = ws[L.kpi_cell("l3", 0)].value - 1  # an easier target
        for letter in letters:  # a third KPI, its weight taken from the second
            ws[f"{letter}{third}"] = ws[f"{letter}{second}"].value
        ws[f"B{third}"] = "NEW-1"
        ws[L.kpi_cell("weight", 1)] = 40
        ws[L.kpi_cell("weight", 2)] = 10
        wb[L.ACHIEVEMENT][f"{actual}{L.ACH_FIRST + 2}"] = 85
        ws[L.comp_cell("expected", 0)] = ws[L.comp_cell("expected", 0)].value + 1

    def remove(wb: openpyxl.Workbook) -> None:
        ws = wb[L.AGREEMENT]
        for letter in letters:  # the second KPI deleted, its weight given to the first
            ws[f"{letter}{second}"] = None
        wb[L.ACHIEVEMENT][f"{actual}{L.ACH_FIRST + 1}"] = None
        ws[L.kpi_cell("weight", 0)] = 100

    expected = {
        add: {
            (f"I{first}", "l3"),
            (f"L{second}", "weight"),
            (f"B{third}", "kpi_code"),  # added
            (L.comp_cell("expected", 0), "expected"),
        },
        remove: {(f"L{first}", "weight"), (f"B{second}", "kpi_code")},  # removed
    }
    for change, where in expected.items():
        path = sealed(tmp_path, name=f"{change.__name__}.xlsx")
        edit(path, change)
        _, found = findings(path, key=AGENCY)
        assert set(rules(found)) == {"form.sealed_changed"}, found
        assert {(f["cell"], f["field"]) for f in found} == where
    assert "NEW-1 added" in " ".join(
        f["message_en"] for f in findings(tmp_path / "add.xlsx", key=AGENCY)[1]
    )


def test_reordered_rows_are_not_a_change(tmp_path: Path) -> None:
    path = sealed(tmp_path)

    def swap(wb: openpyxl.Workbook) -> None:
        ws = wb[L.AGREEMENT]
        for letter, _ in L.KPI_COLUMNS.values():
            if letter == "A":
                continue
            a, b = f"{letter}{L.KPI_FIRST}", f"{letter}{L.KPI_FIRST + 1}"
            ws[a], ws[b] = ws[b].value, ws[a].value

    edit(path, swap)
    assert rules(findings(path, key=AGENCY)[1]) == []


# ------------------------------------------------------------- item 12: no stripping


def test_cli_seal_refuses_an_edited_sealed_agreement(tmp_path: Path) -> None:
    path = sealed(tmp_path)
    edit(path, shift_weight)
    before = sha(path)
    for key in (AGENCY, None, OTHER):
        result = kpixl("seal", str(path), key=key)
        assert result.exit_code == 1, result.output
        assert "--force" in result.output and "weight" in result.output
        assert sha(path) == before
    assert rules(findings(path, key=AGENCY)[1]) == ["form.sealed_changed"] * 2


def test_downgrading_to_sha256_after_tampering_fails_with_the_key(tmp_path: Path) -> None:
    path = sealed(tmp_path)
    edit(path, shift_weight)
    # the old hole: `kpixl seal` without a key re-sealed it as plain SHA-256
    assert kpixl("seal", str(path), key=None).exit_code == 1
    forced = kpixl("seal", "--force", str(path), key=None)  # deliberately, and still caught
    assert forced.exit_code == 0 and hidden(path)["seal_method"] == "sha256"
    code, found = findings(path, key=AGENCY)
    assert code == 1 and rules(found) == ["form.seal_key"]
    assert "plain SHA-256" in found[0]["message_en"]


def test_method_set_to_sha256_with_recomputed_hashes_fails_with_the_key(tmp_path: Path) -> None:
    path = sealed(tmp_path)
    edit(path, shift_weight)
    reseal_by_hand(path, method="sha256")
    code, found = findings(path, key=AGENCY)
    assert code == 1 and rules(found) == ["form.seal_key"]
    # without the key here, the master's Config id alone demands an HMAC
    master = master_with_key_id(tmp_path, key_id(AGENCY))
    code, found = findings(path, "--master", str(master), key=None)
    assert code == 1 and "form.seal_key" in rules(found)


def test_a_forged_hmac_fails(tmp_path: Path) -> None:
    path = sealed(tmp_path)
    edit(path, shift_weight)
    reseal_by_hand(path, method="hmac-sha256")  # a plain digest where an HMAC belongs
    code, found = findings(path, key=AGENCY)
    assert code == 1 and rules(found) == ["form.seal_key"]
    assert "forged" in found[0]["message_en"]


@pytest.mark.parametrize("value", [None, "   ", "not-a-digest", "ab" * 31, "zz" * 32])
@pytest.mark.parametrize("key", [AGENCY, None])
def test_a_blank_or_malformed_fingerprint_is_a_finding(
    tmp_path: Path, value: str | None, key: str | None
) -> None:
    path = sealed(tmp_path)

    def damage(wb: openpyxl.Workbook) -> None:
        wb[L.HIDDEN][L.meta_cell("fingerprint")] = value

    edit(path, damage)
    code, found = findings(path, key=key)
    assert code == 1
    assert "form.seal_malformed" in rules(found)
    f = found[rules(found).index("form.seal_malformed")]
    assert (f["sheet"], f["cell"], f["field"]) == (
        L.HIDDEN,
        L.meta_cell("fingerprint"),
        "fingerprint",
    )
    assert kpixl("seal", str(path), key=key).exit_code == 1  # a damaged seal is not re-sealed


def test_a_blank_method_is_a_finding(tmp_path: Path) -> None:
    path = sealed(tmp_path)

    def blank(wb: openpyxl.Workbook) -> None:
        wb[L.HIDDEN][L.meta_cell("seal_method")] = None

    edit(path, blank)
    code, found = findings(path, key=AGENCY)
    assert code == 1 and "form.seal_malformed" in rules(found)


# ------------------------------------------------------------------ sealing again


def test_sealing_an_unchanged_sealed_agreement_changes_nothing(tmp_path: Path) -> None:
    for key in (AGENCY, None):
        path = sealed(tmp_path, key=key, name=f"twice-{bool(key)}.xlsx")
        first = path.read_bytes()
        assert hidden(path)["revision"] == 2
        again = kpixl("seal", str(path), key=key)
        assert again.exit_code == 0 and "already sealed" in again.output
        assert path.read_bytes() == first  # same bytes, same revision


def test_sealing_under_another_key_is_refused_unless_forced(tmp_path: Path) -> None:
    path = sealed(tmp_path)
    before = sha(path)
    for key in (OTHER, None):  # another key, or none (a downgrade)
        result = kpixl("seal", str(path), key=key)
        assert result.exit_code == 1 and "--force" in result.output
        assert sha(path) == before
    forced = kpixl("seal", "--force", str(path), key=OTHER)
    assert forced.exit_code == 0, forced.output
    assert hidden(path)["seal_key_id"] == key_id(OTHER)
    assert hidden(path)["revision"] == 3
    assert findings(path, key=OTHER) == (0, [])


def test_a_plain_seal_is_not_upgraded_silently(tmp_path: Path) -> None:
    path = sealed(tmp_path, key=None)
    before = sha(path)
    assert kpixl("seal", str(path), key=AGENCY).exit_code == 1
    assert sha(path) == before
    assert kpixl("seal", "--force", str(path), key=AGENCY).exit_code == 0
    assert findings(path, key=AGENCY) == (0, [])


# ------------------------------------------------------------- the master's key id


def master_with_key_id(tmp_path: Path, value: str) -> Path:
    """A master whose Config names the agency key's id (HR types the row above rules)."""
    path = tmp_path / "master.xlsx"
    path.write_bytes(master_bytes())
    wb = openpyxl.load_workbook(path)
    ws = wb[M.CONFIG]
    heading = next(r for r in range(M.FIRST_ROW, 60) if ws.cell(r, 1).value == M.RULES_HEADING)
    assert ws.cell(heading - 1, 1).value is None
    ws.cell(heading - 1, 1, "seal_key_id")
    ws.cell(heading - 1, 2, value)
    wb.save(path)
    return path


def test_a_key_that_is_not_the_configs_is_caught_at_once(tmp_path: Path) -> None:
    path = sealed(tmp_path)
    master = master_with_key_id(tmp_path, key_id(AGENCY))
    assert findings(path, "--master", str(master), key=AGENCY) == (0, [])
    code, found = findings(path, "--master", str(master), key=OTHER)
    assert code == 1
    first = found[0]
    assert first["rule"] == "seal.key_mismatch" and first["file"] == "master.xlsx"
    assert key_id(OTHER) in first["message_en"] and key_id(AGENCY) in first["message_en"]
    assert "form.seal_key" in rules(found)
    # sealing with the wrong key stops before any file is touched
    fresh = write_personal(tmp_path / "fresh.xlsx", BASE.data)
    before = sha(fresh)
    result = kpixl("seal", "--master", str(master), str(fresh), key=OTHER)
    assert result.exit_code == 1 and "seal.key_mismatch" in result.output
    assert sha(fresh) == before
    assert kpixl("seal", "--master", str(master), str(fresh), key=None).exit_code == 1
    assert sha(fresh) == before
    ok = kpixl("seal", "--master", str(master), str(fresh), key=AGENCY)
    assert ok.exit_code == 0 and hidden(fresh)["seal_key_id"] == key_id(AGENCY)


def test_a_config_key_id_catches_a_seal_under_another_key_without_the_key(
    tmp_path: Path,
) -> None:
    path = sealed(tmp_path, key=OTHER)
    master = master_with_key_id(tmp_path, key_id(AGENCY))
    code, found = findings(path, "--master", str(master), key=None)
    assert code == 1
    messages = " ".join(f["message_en"] for f in found if f["rule"] == "form.seal_key")
    assert key_id(OTHER) in messages and key_id(AGENCY) in messages


def test_a_malformed_config_key_id_is_reported(tmp_path: Path) -> None:
    path = sealed(tmp_path)
    master = master_with_key_id(tmp_path, AGENCY)  # the key itself typed by mistake
    code, found = findings(path, "--master", str(master), key=AGENCY)
    assert code == 1 and found[0]["rule"] == "seal.key_mismatch"
    assert "16 hex" in found[0]["message_en"]


def test_an_unsealed_agreement_is_noted_when_the_agency_has_a_key(tmp_path: Path) -> None:
    path = write_personal(tmp_path / "draft.xlsx", BASE.data)
    assert findings(path, key=None) == (0, [])
    code, found = findings(path, key=AGENCY)
    assert code == 0 and rules(found) == ["form.not_sealed"]


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_a_seal_survives_a_spreadsheet_program_saving_the_file(tmp_path: Path) -> None:
    """The seal's added cells are valid XML a spreadsheet program keeps."""
    path = sealed(tmp_path)
    stored = hidden(path)
    [saved] = convert([path], tmp_path / "saved", to="xlsx")
    assert {f: hidden(saved)[f] for f in L.SEAL_CELLS} == {f: stored[f] for f in L.SEAL_CELLS}
    assert findings(saved, key=AGENCY) == (0, [])
    before = sha(saved)
    assert kpixl("seal", str(saved), key=AGENCY).exit_code == 0
    assert sha(saved) == before
    edit(saved, shift_weight)
    assert rules(findings(saved, key=AGENCY)[1]) == ["form.sealed_changed"] * 2


def test_cells_a_seal_adds_go_in_column_order(tmp_path: Path) -> None:
    """Patching a cell missing from an existing row inserts it before later columns."""
    row = L.LIST_FIRST  # A, B, then the lists in D…G
    data = template_package().patched({L.HIDDEN: {f"C{row}": "between", "H9": "last"}})
    path = tmp_path / "patched.xlsx"
    path.write_bytes(data)
    ws = openpyxl.load_workbook(path)[L.HIDDEN]
    assert ws[f"C{row}"].value == "between" and ws["H9"].value == "last"
    original = openpyxl.load_workbook(BytesIO(template_package().patched({})))[L.HIDDEN]
    assert ws[f"D{row}"].value == original[f"D{row}"].value is not None
    xml = Package.read(data).parts[Package.read(data).sheets[L.HIDDEN]].decode()
    assert xml.index(f'r="B{row}"') < xml.index(f'r="C{row}"') < xml.index(f'r="D{row}"')


# ------------------------------------------------------------------------- times


def test_seal_times_are_bangkok_with_buddhist_era_dates_in_thai(tmp_path: Path) -> None:
    path = write_personal(tmp_path / "timed.xlsx", BASE.data)
    seal_personal(path, key=AGENCY, now=datetime(2026, 10, 1, 2, 30, tzinfo=UTC))
    assert hidden(path)["sealed_at"] == "2026-10-01T09:30:00+07:00"
    edit(path, shift_weight)
    _, found = findings(path, key=AGENCY)
    assert found and all("1 ต.ค. 2569 เวลา 09:30 น." in f["message_th"] for f in found)
    assert all("2026-10-01 09:30" in f["message_en"] for f in found)
    cli_sealed = sealed(tmp_path, name="now.xlsx")
    assert str(hidden(cli_sealed)["sealed_at"]).endswith("+07:00")


def test_bangkok_without_the_time_zone_database(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> None:
        raise ZoneInfoNotFoundError(name)

    monkeypatch.setattr(thaitime, "ZoneInfo", missing)
    thaitime.bangkok.cache_clear()
    try:
        assert thaitime.bangkok() is thaitime.FIXED_BANGKOK
        moment = datetime(2027, 3, 31, 17, 0, tzinfo=UTC)
        assert thaitime.stamp(moment) == "2027-04-01T00:00:00+07:00"
        assert thaitime.thai_datetime(moment) == "1 เม.ย. 2570 เวลา 00:00 น."
    finally:
        thaitime.bangkok.cache_clear()


def as_sealed_by_an_older_kpixl(wb: openpyxl.Workbook) -> None:
    """A seal as kpixl wrote it before seals explained themselves: the digest, method and
    a UTC time only (no content fingerprint, key id or row digests)."""
    ws = wb[L.HIDDEN]
    for cell in L.SEAL_CELLS.values():
        ws[cell] = None
    ws[L.meta_cell("sealed_at")] = "2026-10-01T00:00:00+00:00"


def test_a_seal_of_an_older_kpixl_still_holds_and_is_shown_in_bangkok(tmp_path: Path) -> None:
    source = sorted((DEMO / "U01").glob("*.xlsx"))[0]
    path = tmp_path / source.name
    shutil.copy(source, path)
    edit(path, as_sealed_by_an_older_kpixl)
    old = hidden(path)
    assert old["seal_method"] == "sha256" and old["seal_content"] is None
    assert findings(path, key=None) == (0, [])
    before = sha(path)
    assert kpixl("seal", str(path), key=None).exit_code == 0
    assert sha(path) == before  # unchanged: nothing written
    edit(path, shift_weight)
    _, found = findings(path, key=None)
    assert rules(found) == ["form.sealed_changed"]
    moment = thaitime.parse_stamp(old["sealed_at"])
    assert moment is not None and thaitime.thai_datetime(moment) in found[0]["message_th"]
    # with the agency's key configured, a plain seal is not enough
    assert "form.seal_key" in rules(findings(path, key=AGENCY)[1])
