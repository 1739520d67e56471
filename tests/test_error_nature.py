"""Errors keep their nature: a damaged file is a finding about the file; a defect of
kpixl is ``file.internal_error`` (the round goes on), or, under ``KPIXL_STRICT=1`` as in
these tests, an exception that fails them. No Thai message carries a library's English.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineError

from kpixl.core.codes import STAGES, internal_finding
from kpixl.core.errors import InputError, file_problem
from kpixl.excel.macros import failure_words
from kpixl.io.identify import check_file
from kpixl.io.limits import UNIT
from kpixl.jobs.consolidate import consolidate
from kpixl.workbooks import master as master_module
from kpixl.workbooks import personal as personal_module
from kpixl.workbooks import roster as roster_module
from kpixl.workbooks import unit as unit_module
from kpixl.workbooks.master import read_master
from kpixl.workbooks.personal import read_personal
from kpixl.workbooks.roster import read_roster
from kpixl.workbooks.unit import read_unit

DEMO = Path(__file__).resolve().parents[1] / "workbooks" / "demo"
LATIN = re.compile(r"[A-Za-z]{3,}")


def thai_only(message_th: str) -> bool:
    """No English words in a Thai message, except the names users know (Excel, kpixl)."""
    return not [w for w in LATIN.findall(message_th) if w not in ("Excel", "kpixl", "Config")]


def raised(fn: Any) -> BaseException:
    try:
        fn()
    except Exception as exc:  # the exception as raised, with its traceback
        return exc
    raise AssertionError("nothing raised")


def a_kpixl_defect() -> None:
    {}["missing"]  # a KeyError raised in kpixl's (here: the test's) own code


def test_strict_is_set_for_the_tests() -> None:
    assert os.environ.get("KPIXL_STRICT") == "1"


def test_file_problem_tells_a_damaged_file_from_a_defect(tmp_path: Path) -> None:
    empty = tmp_path / "empty.zip"
    zipfile.ZipFile(empty, "w").close()
    file_side = [
        raised(lambda: zipfile.ZipFile(io.BytesIO(b"PK\x03\x04 not a zip"))),
        raised(lambda: zipfile.ZipFile(empty).getinfo("xl/workbook.xml")),  # a missing part
        raised(lambda: ET.fromstring("<sheetData><row>")),  # broken XML
        raised(lambda: (_ for _ in ()).throw(CalamineError("bad sheet"))),
        raised(lambda: b"\xff".decode("utf-8")),
        raised(lambda: (tmp_path / "gone.xlsx").read_bytes()),
    ]
    for exc in file_side:
        assert file_problem(exc), repr(exc)
    defects = [
        raised(a_kpixl_defect),
        raised(lambda: 1 / 0),
        raised(lambda: None.upper()),  # type: ignore[attr-defined]
        raised(lambda: int("x")),  # a ValueError outside the readers
    ]
    for exc in defects:
        assert not file_problem(exc), repr(exc)


def test_a_limit_kpixl_io_raises_is_the_file(tmp_path: Path) -> None:
    path = tmp_path / "U01.xlsx"
    shutil.copy(DEMO / "units" / "U01.xlsx", path)
    form = read_unit(path, limits=replace(UNIT, rows=5, cells=50))  # LimitExceeded, raised
    assert [f.rule for f in form.findings] == ["file.sheet_too_large"]


def test_damaged_files_stay_file_findings_in_thai_without_library_text(tmp_path: Path) -> None:
    truncated = tmp_path / "U01.xlsx"
    truncated.write_bytes((DEMO / "units" / "U01.xlsx").read_bytes()[:3000])
    broken = tmp_path / "U02.xlsx"
    with (
        zipfile.ZipFile(DEMO / "units" / "U02.xlsx") as src,
        zipfile.ZipFile(broken, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for info in src.infolist():
            data = src.read(info)
            out.writestr(
                info, b"<worksheet><sheetData><row" if "worksheets/" in info.filename else data
            )
    for path in (truncated, broken):
        form = read_unit(path)  # strict: a misjudged file would raise here
        assert form.findings and not form.readable, path
        for f in form.findings:
            assert f.rule.startswith("file.") and f.rule != "file.internal_error", f
            assert f.file == path.name and thai_only(f.message_th), f.message_th
    gone = check_file(tmp_path / "gone.xlsx")
    assert gone is not None and gone.rule == "file.unreadable"
    assert thai_only(gone.message_th) and "No such file" in gone.message_en


def broken_grid_block(real: Any, name: str) -> Any:
    def grid_block(rows: Any, first: int, columns: Any, path: Any, *args: Any) -> Any:
        if Path(path).name == name:
            return 1 / 0  # a defect of kpixl, met reading this one file
        return real(rows, first, columns, path, *args)

    return grid_block


def test_a_kpixl_defect_reading_a_unit_is_an_internal_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "U01.xlsx"
    shutil.copy(DEMO / "units" / "U01.xlsx", path)
    monkeypatch.setattr(
        unit_module, "grid_block", broken_grid_block(unit_module.grid_block, "U01.xlsx")
    )
    with pytest.raises(ZeroDivisionError):  # KPIXL_STRICT=1: the defect fails the tests
        read_unit(path)
    monkeypatch.delenv("KPIXL_STRICT")
    form = read_unit(path)
    (f,) = form.findings
    assert f.rule == "file.internal_error" and f.severity == "error" and not form.readable
    assert f.file == "U01.xlsx" and f.value == "ZeroDivisionError"
    assert "ขณะอ่านไฟล์นี้" in f.message_th and "while reading this file" in f.message_en
    assert thai_only(f.message_th) and "ZeroDivision" not in f.message_th
    assert "Traceback" not in f.message_en and "division by zero" not in f.message_en
    assert "file.corrupt" not in {g.rule for g in form.findings}


def test_a_kpixl_defect_on_one_unit_leaves_the_round_going(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = tmp_path / "demo"
    shutil.copytree(DEMO, demo, ignore=shutil.ignore_patterns("results.csv", ".kpixl-backups"))
    monkeypatch.delenv("KPIXL_STRICT")
    monkeypatch.setattr(
        unit_module, "grid_block", broken_grid_block(unit_module.grid_block, "U02.xlsx")
    )
    result = consolidate(demo / "master.xlsx", jobs=1, write=False)
    internal = [f for f in result.findings if f.rule == "file.internal_error"]
    assert [f.file for f in internal] == ["U02.xlsx"]
    assert "file.corrupt" not in {f.rule for f in result.findings}
    units = set(result.results["unit"])
    assert {"U01", "U03"} <= units and "U02" not in units  # the others were consolidated


def test_a_kpixl_defect_reading_a_personal_workbook_is_an_internal_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "p.xlsx"
    shutil.copy(sorted((DEMO / "personal" / "U01").glob("*.xlsx"))[0], path)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise AttributeError("a defect")

    monkeypatch.setattr(personal_module, "open_book", broken)  # the cached values' reader
    with pytest.raises(AttributeError):
        read_personal(path)
    monkeypatch.delenv("KPIXL_STRICT")
    form = read_personal(path)
    assert [f.rule for f in form.findings] == ["file.internal_error"]
    assert not form.readable and form.findings[0].file == "p.xlsx"


def test_every_stage_has_its_words_and_strict_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    exc = raised(a_kpixl_defect)
    with pytest.raises(KeyError):
        internal_finding(exc, file="U01.xlsx", stage="read")
    monkeypatch.delenv("KPIXL_STRICT")
    for stage, (th, en) in STAGES.items():
        f = internal_finding(exc, file="U01.xlsx", stage=stage)
        assert th in f.message_th and en in f.message_en and f.file == "U01.xlsx"
        assert thai_only(f.message_th)


def test_a_lookup_defect_is_not_called_a_foreign_workbook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A KeyError of kpixl's own once read as "not a kpixl unit workbook"."""
    path = tmp_path / "U01.xlsx"
    shutil.copy(DEMO / "units" / "U01.xlsx", path)
    monkeypatch.setattr(unit_module, "open_book", lambda *args, **kwargs: a_kpixl_defect())
    with pytest.raises(KeyError):
        read_unit(path)
    monkeypatch.delenv("KPIXL_STRICT")
    assert [f.rule for f in read_unit(path).findings] == ["file.internal_error"]
    foreign = tmp_path / "other.xlsx"
    shutil.copy(DEMO / "master.xlsx", foreign)
    monkeypatch.undo()
    assert [f.rule for f in read_unit(foreign).findings] == ["file.not_kpixl"]


def test_a_kpixl_defect_reading_the_master_or_a_roster_is_an_internal_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    master = tmp_path / "master.xlsx"
    shutil.copy(DEMO / "master.xlsx", master)

    def defect(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(master_module, "open_book", defect)
    monkeypatch.setattr(roster_module, "open_book", defect)
    with pytest.raises(ZeroDivisionError):  # KPIXL_STRICT=1: the defect fails the tests
        read_master(master)
    monkeypatch.delenv("KPIXL_STRICT")
    for found in (read_master(master).findings, read_roster(master).findings):
        (f,) = found
        assert f.rule == "file.internal_error" and f.file == "master.xlsx"
        assert f.value == "ZeroDivisionError" and thai_only(f.message_th)


def test_a_damaged_master_or_roster_stays_a_file_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    master = tmp_path / "master.xlsx"
    shutil.copy(DEMO / "master.xlsx", master)

    def damaged(*args: Any, **kwargs: Any) -> Any:
        raise zipfile.BadZipFile("File is not a zip file")

    monkeypatch.setattr(master_module, "open_book", damaged)
    monkeypatch.setattr(roster_module, "open_book", damaged)
    for found in (read_master(master).findings, read_roster(master).findings):
        (f,) = found
        assert f.rule == "file.corrupt" and thai_only(f.message_th)


def test_a_failed_buttons_thai_status_carries_no_library_text() -> None:
    th, en = failure_words(zipfile.BadZipFile("File is not a zip file"))
    assert thai_only(th) and "File is not a zip file" in en
    th, en = failure_words(InputError("no units folder", "ไม่พบโฟลเดอร์หน่วยงาน"))
    assert th.endswith("ไม่พบโฟลเดอร์หน่วยงาน") and en.endswith("no units folder")
