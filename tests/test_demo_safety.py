"""``kpixl demo DIR`` never destroys what is not its own (a hostile-input probe).

The demo deletes ``DIR/units`` and ``DIR/personal`` and overwrites ``DIR/master.xlsx``;
``--rounds`` replaces ``DIR/<round>/`` and ``DIR/kpixl.db``. So it writes only into a
folder that is missing, empty, or holds an earlier demo and nothing else (its master's
Config organisation is the demo's). Anything else: ``demo.not_empty`` (Thai, then
English), a non-zero exit, no traceback, every file byte for byte as it was. Real
files throughout: demos built by :mod:`kpixl.jobs.demo`, the CLI run as a user runs it.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from kpixl.cli import main
from kpixl.core.codes import CODES
from kpixl.core.findings import ERROR
from kpixl.jobs.consolidate import consolidate
from kpixl.jobs.demo import (
    ORGANISATION,
    DemoFolderError,
    build_demo,
    build_rounds,
    demo_folder_finding,
)
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.master import read_master

SMALL = ["--units", "1", "--people", "2"]


def hashes(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (links not followed) and its SHA-256; folders too."""
    out = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            out[key] = "link:" + str(path.readlink())
        elif path.is_dir():
            out[key] = "dir"
        else:
            out[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def set_organisation(master: Path, name: str) -> None:
    wb = openpyxl.load_workbook(master)
    ws = wb[M.CONFIG]
    row = next(r for r in range(1, ws.max_row + 1) if ws[f"A{r}"].value == "organisation")
    ws[f"B{row}"] = name
    wb.save(master)


def rounds_in(db: Path) -> list[str]:
    """The round ids archived in ``db``."""
    with sqlite3.connect(db) as con:
        rows = con.execute("select distinct round_id from kpixl_rounds order by 1").fetchall()
    con.close()
    return [str(r[0]) for r in rows]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo round, consolidated (a backup and a written master beside it)."""
    out = tmp_path_factory.mktemp("built") / "demo"
    demo = build_demo(out, units=1, people=2)
    consolidate(demo.master)
    return out


@pytest.fixture
def real_round(built: Path, tmp_path: Path) -> Path:
    """An HR round's folder: a master of another organisation, its units and forms."""
    out = tmp_path / "real"
    shutil.copytree(built, out)
    set_organisation(out / "master.xlsx", "สำนักงานจริง")
    return out


def refused(folder: Path, args: list[str], capsys: pytest.CaptureFixture[str], named: Path) -> None:
    """``kpixl demo FOLDER ARGS`` is refused with demo.not_empty naming ``named``, touching
    nothing."""
    before = hashes(folder)
    capsys.readouterr()
    assert main(["demo", str(folder), *args]) == 1
    out, err = capsys.readouterr()
    printed = out + err
    assert "demo.not_empty" in printed and "Traceback" not in printed
    line = next(line for line in printed.splitlines() if "demo.not_empty" in line)
    assert str(named) in line
    thai, english = line.index("โฟลเดอร์"), line.index("the folder")
    assert thai < english  # Thai first
    assert hashes(folder) == before


# ---------------------------------------------------------------- refused, nothing touched


def test_a_real_rounds_folder_is_refused_and_every_file_kept(
    real_round: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert read_master(real_round / "master.xlsx").config["organisation"] == "สำนักงานจริง"
    assert any((real_round / "personal").rglob("*.xlsx"))
    assert any((real_round / "units").glob("*.xlsx"))
    master = real_round / "master.xlsx"
    refused(real_round, [], capsys, master)
    refused(real_round, ["--rounds", "2", *SMALL], capsys, master)
    refused(real_round, ["--xlsm", "--messy"], capsys, master)
    before = hashes(real_round)
    for build in (lambda: build_demo(real_round), lambda: build_rounds(real_round, 2)):
        with pytest.raises(DemoFolderError) as caught:
            build()
        assert caught.value.finding.rule == "demo.not_empty"
        assert caught.value.finding.file == str(master)
    assert hashes(real_round) == before


def test_a_folder_with_a_random_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("ของฉัน", encoding="utf-8")
    refused(folder, [], capsys, folder / "notes.txt")
    refused(folder, ["--rounds", "3"], capsys, folder / "notes.txt")
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_a_demo_with_something_else_beside_it_is_refused(
    built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = tmp_path / "demo"
    shutil.copytree(built, demo)
    assert demo_folder_finding(demo) is None  # as it is: the demo's own
    (demo / "personal" / "U01").mkdir(exist_ok=True)
    (demo / "งบประมาณ.xlsx").write_bytes(b"not the demo's")
    refused(demo, [], capsys, demo / "งบประมาณ.xlsx")
    (demo / "งบประมาณ.xlsx").unlink()
    (demo / "2570-1").mkdir()
    (demo / "2570-1" / "master.xlsx").write_bytes((built / "master.xlsx").read_bytes())
    set_organisation(demo / "2570-1" / "master.xlsx", "สำนักงานจริง")
    refused(demo, ["--rounds", "2", *SMALL], capsys, demo / "2570-1" / "master.xlsx")


@pytest.mark.parametrize(
    "what", ["kpixl.db", "units", "personal", ".kpixl-backups", "master.xlsm", "link"]
)
def test_a_demos_file_without_a_demo_master_is_refused(
    what: str, built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An archive, forms or backups with no demo master beside them are someone's; a
    symbolic link may lead anywhere."""
    folder = tmp_path / "other"
    folder.mkdir()
    if what == "kpixl.db":
        with sqlite3.connect(folder / what) as con:
            con.execute("create table rounds (round_id text)")
        con.close()
    elif what == "master.xlsm":
        (folder / what).write_bytes((built / "master.xlsx").read_bytes())
        set_organisation(folder / what, "สำนักงานจริง")
        (folder / "master.xlsx").write_bytes((built / "master.xlsx").read_bytes())
    elif what == "link":
        shutil.copytree(built, folder, dirs_exist_ok=True)
        (tmp_path / "elsewhere").mkdir()
        (tmp_path / "elsewhere" / "keep.xlsx").write_bytes(b"kept")
        shutil.rmtree(folder / "units")
        (folder / "units").symlink_to(tmp_path / "elsewhere")
        what = "units"
    else:
        (folder / what).mkdir()
        (folder / what / "form.xlsx").write_bytes(b"someone's form")
    refused(folder, [], capsys, folder / what)
    if (tmp_path / "elsewhere").exists():
        assert (tmp_path / "elsewhere" / "keep.xlsx").read_bytes() == b"kept"


def test_a_file_for_a_folder_is_refused_by_the_library(tmp_path: Path) -> None:
    path = tmp_path / "file"
    path.write_bytes(b"x")
    found = demo_folder_finding(path)
    assert found is not None and found.rule == "demo.not_empty" and found.severity == ERROR
    with pytest.raises(DemoFolderError):
        build_demo(path)
    assert path.read_bytes() == b"x"


def test_the_code_is_in_the_catalogue_thai_first() -> None:
    severity, th, en = CODES["demo.not_empty"]
    assert severity == ERROR and "โฟลเดอร์" in th and en.startswith("the folder")
    assert "{value}" in th and "{value}" in en and "{why}" in th and "{why_en}" in en


# ---------------------------------------------------------------- what still works


def test_a_missing_or_empty_folder_gets_a_demo(tmp_path: Path) -> None:
    assert main(["demo", str(tmp_path / "new" / "demo"), *SMALL]) == 0
    assert (tmp_path / "new" / "demo" / "master.xlsx").is_file()
    (tmp_path / "empty").mkdir()
    assert main(["demo", str(tmp_path / "empty"), *SMALL]) == 0
    master = read_master(tmp_path / "empty" / "master.xlsx")
    assert master.config["organisation"] == ORGANISATION
    assert len(list((tmp_path / "empty" / "personal").rglob("*.xlsx"))) == 2


def test_a_demo_is_rebuilt_over_its_own_earlier_demo(tmp_path: Path) -> None:
    """What the repository relies on (workbooks/README.md, the tests): the demo again
    over a demo that was consolidated, archived, and built with --xlsm."""
    demo = tmp_path / "demo"
    assert main(["demo", str(demo), "--units", "2", "--people", "4", "--xlsm"]) == 0
    assert (
        main(["consolidate", str(demo / "master.xlsx"), "--export", str(demo / "results.csv")]) == 0
    )
    assert main(["archive", str(demo / "master.xlsx")]) == 0
    assert (demo / "kpixl.db").is_file() and (demo / ".kpixl-backups").is_dir()
    assert main(["demo", str(demo), *SMALL]) == 0
    assert len(list((demo / "personal").rglob("*.xlsx"))) == 2  # the earlier forms replaced
    assert sorted(p.name for p in (demo / "units").iterdir()) == ["U01.xlsx"]
    assert main(["demo", str(demo), "--units", "2", "--people", "4", "--messy"]) == 0


def test_rounds_are_rebuilt_with_other_parameters(tmp_path: Path) -> None:
    """The probe: ``--rounds 2 --units 1 --people 2`` over a 3-round demo of other
    parameters half-replaced it and failed with archive.differs."""
    out = tmp_path / "base"
    assert main(["demo", str(out), "--rounds", "3", "--units", "2", "--people", "4"]) == 0
    assert rounds_in(out / "kpixl.db") == ["2570/1", "2570/2", "2571/1"]
    assert main(["demo", str(out), "--rounds", "2", *SMALL]) == 0
    assert rounds_in(out / "kpixl.db") == ["2570/1", "2570/2"]
    assert sorted(p.name for p in out.iterdir()) == ["2570-1", "2570-2", "kpixl.db"]
    for slug in ("2570-1", "2570-2"):
        assert len(read_master(out / slug / "master.xlsx").roster) == 2
    # a single round over the rounds, and the rounds again over both
    assert main(["demo", str(out), *SMALL]) == 0
    assert main(["demo", str(out), "--rounds", "2", "--units", "2", "--people", "4"]) == 0
    assert rounds_in(out / "kpixl.db") == ["2570/1", "2570/2"]
    result = build_rounds(out, 2, units=1, people=3)
    assert result.findings == [] and len(result.archived) == 2


def test_rounds_over_an_archived_single_demo_replace_its_archive(tmp_path: Path) -> None:
    """A single demo archived beside its master (kpixl.db: the demo's own) then
    ``--rounds``: the old archive goes, the rounds are archived afresh."""
    out = tmp_path / "demo"
    assert main(["demo", str(out), "--units", "2", "--people", "4"]) == 0
    assert main(["consolidate", str(out / "master.xlsx")]) == 0
    assert main(["archive", str(out / "master.xlsx")]) == 0
    assert rounds_in(out / "kpixl.db") == ["2570/1"]
    assert main(["demo", str(out), "--rounds", "2", *SMALL]) == 0
    assert rounds_in(out / "kpixl.db") == ["2570/1", "2570/2"]
