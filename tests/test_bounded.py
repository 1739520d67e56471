"""Bounded work per file (issue 13, "What was seen" 13 and Deliver 8).

A unit workbook among good ones that asks for too much (a far cell, sparse rows to the
last row, a zip bomb) or kills the process that reads it gives a finding naming it; the
good units are consolidated, the run exits 1, and the whole consolidation (main process
and workers) stays under 1 GB. Each hostile file is built here by code from a unit
workbook of the demo, its sheet XML edited; none is large on disk.

Every consolidation runs as ``python -m kpixl consolidate`` in a driver process that
reports its children's peak resident memory (``RUSAGE_CHILDREN``: the largest of the
consolidation and its workers) and caps their address space at 3 GB, so that a
regression fails here instead of taking the machine's memory.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kpixl.core.findings import ERROR
from kpixl.io import grids
from kpixl.io.grids import open_book
from kpixl.io.identify import check_file
from kpixl.io.limits import MASTER, PERSONAL, UNIT, LimitExceeded, sheet_extent
from kpixl.jobs.demo import build_demo
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.personal import read_personal
from kpixl.workbooks.unit import read_unit

GB = 1024**3
KPI_SHEET = "xl/worksheets/sheet2.xml"  # ตัวชี้วัด in a unit workbook

DRIVER = r"""
import json, resource, subprocess, sys
cap = int(sys.argv[1])
def limit():
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
run = subprocess.run(sys.argv[2:], capture_output=True, preexec_fn=limit)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB, the largest child
print(json.dumps({"rc": run.returncode, "out": run.stdout.decode(), "err": run.stderr.decode(),
                  "peak": peak * 1024}))
"""


@pytest.fixture(scope="module")
def six_units(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo round of six units (enough for two chunks of work with ``--jobs 2``)."""
    out = tmp_path_factory.mktemp("six") / "round"
    build_demo(out, units=6, people=20)
    return out


@pytest.fixture()
def round_dir(six_units: Path, tmp_path: Path) -> Path:
    target = tmp_path / "round"
    shutil.copytree(six_units, target, ignore=shutil.ignore_patterns("personal"))
    return target


def consolidate_run(master: Path, *extra: str) -> dict[str, Any]:
    """``kpixl consolidate --json`` in a driver; its result, findings and peak memory."""
    command = [sys.executable, "-m", "kpixl", "consolidate", str(master), "--json", *extra]
    driver = subprocess.run(
        [sys.executable, "-c", DRIVER, str(3 * GB), *command],
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    run: dict[str, Any] = json.loads(driver.stdout)
    assert "Traceback" not in run["err"], run["err"]
    run["json"] = json.loads(run["out"]) if run["out"].strip() else {}
    return run


def set_config(master: Path, values: dict[str, object]) -> None:
    """Config keys (added above the rules heading) set in the master."""
    wb = openpyxl.load_workbook(master)
    ws = wb[M.CONFIG]
    heading = next(
        r[0].row for r in ws.iter_rows(min_row=M.FIRST_ROW) if r[0].value == M.RULES_HEADING
    )
    ws.insert_rows(heading, amount=len(values))
    for i, (key, value) in enumerate(values.items()):
        ws.cell(row=heading + i, column=1, value=key)
        ws.cell(row=heading + i, column=2, value=value)
    wb.save(master)


def edited_unit(source: Path, target: Path, edit: Callable[[bytes], bytes]) -> Path:
    """A copy of the unit workbook ``source`` with its KPI sheet's XML edited."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info.filename, edit(data) if info.filename == KPI_SHEET else data)
    return target


def before_end(extra: bytes) -> Callable[[bytes], bytes]:
    return lambda xml: xml.replace(b"</sheetData>", extra + b"</sheetData>")


def far_cell(ref: str) -> Callable[[bytes], bytes]:
    row = re.sub(r"[A-Z]", "", ref)
    return before_end(f'<row r="{row}"><c r="{ref}"><v>1</v></c></row>'.encode())


def sparse_rows(xml: bytes) -> bytes:
    """A cell every 997 rows from row 100 to the last row, 1,048,576."""
    rows = [*range(100, 1_048_576, 997), 1_048_576]
    return before_end(
        b"".join(b'<row r="%d"><c r="O%d"><v>1</v></c></row>' % (r, r) for r in rows)
    )(xml)


def people_of(round_dir: Path) -> int:
    wb = openpyxl.load_workbook(round_dir / "master.xlsx", read_only=True)
    ws = wb[M.ROSTER]
    count = sum(1 for row in ws.iter_rows(min_row=M.FIRST_ROW, values_only=True) if row[0])
    wb.close()
    return count


def assert_round_goes_on(run: dict[str, Any], round_dir: Path, bad: str, codes: set[str]) -> None:
    """The bad file is named in a finding of one of ``codes``, every good unit's people are
    consolidated, the run exits 1, and no process of it reached 1 GB."""
    assert run["rc"] == 1, run["err"]
    result = run["json"]
    named = [f for f in result["findings"] if f["file"] == bad]
    assert [f["rule"] for f in named if f["severity"] == ERROR] and {
        f["rule"] for f in named
    } <= codes, named
    assert result["units_read"] == 7
    assert result["people"] == people_of(round_dir)  # the good units hold everyone
    assert not [f for f in result["findings"] if f["rule"] == "consolidate.no_evaluation"]
    assert run["peak"] < GB, f"peak {run['peak'] / 2**20:.0f} MB"


# ---------------------------------------------------------------- the cases of item 13


@pytest.mark.parametrize("ref", ["XFD1048576", "CV1048576"])
def test_a_far_cell_is_a_finding_and_the_round_goes_on(round_dir: Path, ref: str) -> None:
    bad = edited_unit(
        round_dir / "units" / "U01.xlsx", round_dir / "units" / "U07_far.xlsx", far_cell(ref)
    )
    assert bad.stat().st_size < 40_000  # a small file
    run = consolidate_run(round_dir / "master.xlsx", "--jobs", "2")
    assert_round_goes_on(run, round_dir, bad.name, {"file.sheet_too_large"})
    [found] = [f for f in run["json"]["findings"] if f["file"] == bad.name]
    assert found["sheet"] == "ตัวชี้วัด" and ref in found["message_en"]


def test_sparse_rows_to_the_last_row_are_a_finding(round_dir: Path) -> None:
    bad = edited_unit(
        round_dir / "units" / "U01.xlsx", round_dir / "units" / "U07_sparse.xlsx", sparse_rows
    )
    assert bad.stat().st_size < 100_000
    run = consolidate_run(round_dir / "master.xlsx", "--jobs", "2")
    assert_round_goes_on(run, round_dir, bad.name, {"file.sheet_too_large"})


def test_a_lying_dimension_is_a_finding(round_dir: Path) -> None:
    def lie(xml: bytes) -> bytes:
        return re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml)

    bad = edited_unit(round_dir / "units" / "U01.xlsx", round_dir / "units" / "U07_dim.xlsx", lie)
    form = read_unit(bad)
    [found] = form.findings
    assert found.rule == "file.sheet_too_large" and "declares" in found.message_en


# a zip written by hand: members given as raw deflate streams, so that a bomb is cheap
# to build (the same full-flushed deflate block repeated inflates to the block's text
# repeated; nothing of gigabytes is ever compressed or held here)


def raw_zip(target: Path, members: list[tuple[str, bytes, int, int]]) -> None:
    """Write ``members`` (name, raw deflate stream, inflated size declared, CRC)."""
    local = bytearray()
    central = bytearray()
    for name, stream, size, crc in members:
        encoded = name.encode()
        offset = len(local)
        fixed = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0x21, crc, len(stream), size)
        local += b"PK\x03\x04" + fixed + struct.pack("<HH", len(encoded), 0) + encoded + stream
        central += (
            b"PK\x01\x02"
            + struct.pack("<H", 20)
            + fixed
            + struct.pack("<HHHHHII", len(encoded), 0, 0, 0, 0, 0, offset)
            + encoded
        )
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(local), 0
    )
    target.write_bytes(bytes(local) + bytes(central) + end)


def deflated(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def bomb_unit(source: Path, target: Path, inflated: int, *, declared: int | None = None) -> Path:
    """``source`` with its KPI sheet padded with whitespace to ``inflated`` bytes (the
    header declaring ``declared`` bytes, the truth unless given)."""
    block = b" " * (1 << 16)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    members = []
    with zipfile.ZipFile(source) as zin:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename != KPI_SHEET:
                members.append((info.filename, deflated(data), len(data), zlib.crc32(data)))
                continue
            head, tail = data.split(b"<sheetData>", 1)
            head += b"<sheetData>"
            count = (inflated - len(data)) // len(block)
            crc = zlib.crc32(head)
            for _ in range(count):
                crc = zlib.crc32(block, crc)
            crc = zlib.crc32(tail, crc)
            stream = (
                deflated_open(head) + piece * count + deflated(tail)  # one stream, in three parts
            )
            size = len(head) + count * len(block) + len(tail)
            members.append((info.filename, stream, size if declared is None else declared, crc))
    raw_zip(target, members)
    return target


def deflated_open(data: bytes) -> bytes:
    """``data`` as deflate blocks that do not end the stream."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


def test_the_hand_made_zip_is_a_real_workbook(round_dir: Path, tmp_path: Path) -> None:
    padded = bomb_unit(round_dir / "units" / "U01.xlsx", tmp_path / "U01.xlsx", 1_000_000)
    with zipfile.ZipFile(padded) as archive:
        assert archive.testzip() is None
        assert archive.getinfo(KPI_SHEET).file_size > 900_000
    form = read_unit(padded)
    assert form.readable and not form.findings
    assert len(form.people) == len(read_unit(round_dir / "units" / "U01.xlsx").people)


def test_a_zip_bomb_is_a_finding_and_the_round_goes_on(round_dir: Path) -> None:
    bad = bomb_unit(
        round_dir / "units" / "U01.xlsx", round_dir / "units" / "U07_bomb.xlsx", 2_350_000_000
    )
    assert bad.stat().st_size < 5_000_000
    run = consolidate_run(round_dir / "master.xlsx", "--jobs", "2")
    assert_round_goes_on(run, round_dir, bad.name, {"file.part_too_large", "file.zip_bomb"})


def test_a_bomb_whose_header_lies_is_never_inflated_past_it(round_dir: Path) -> None:
    bad = bomb_unit(
        round_dir / "units" / "U01.xlsx",
        round_dir / "units" / "U07_liar.xlsx",
        2_350_000_000,
        declared=60_000,
    )
    run = consolidate_run(round_dir / "master.xlsx", "--jobs", "2")
    assert_round_goes_on(run, round_dir, bad.name, {"file.corrupt"})


def test_limits_come_from_the_config(round_dir: Path) -> None:
    """A bomb of a few hundred MB inflated, under the default ratio's floor of attention
    when the Config lowers it: the Config's limits are the ones used."""
    bad = bomb_unit(
        round_dir / "units" / "U01.xlsx", round_dir / "units" / "U07_bomb.xlsx", 300_000_000
    )
    set_config(
        round_dir / "master.xlsx",
        {"limit_unit_part_mb": 400, "limit_unit_total_mb": 800, "limit_unit_ratio": 50},
    )
    run = consolidate_run(round_dir / "master.xlsx", "--jobs", "2")
    assert_round_goes_on(run, round_dir, bad.name, {"file.zip_bomb"})
    [found] = [f for f in run["json"]["findings"] if f["file"] == bad.name]
    assert "limit_unit_ratio" in found["message_en"]


def test_a_bad_limit_in_the_config_is_a_finding(round_dir: Path) -> None:
    set_config(round_dir / "master.xlsx", {"limit_unit_rows": "many"})
    run = consolidate_run(round_dir / "master.xlsx")
    assert run["rc"] == 1
    [found] = run["json"]["findings"]
    assert found["rule"] == "consolidate.config" and found["field"] == "limit_unit_rows"


# ---------------------------------------------------------------- a worker that dies


def test_a_worker_that_dies_is_a_finding_naming_its_file(round_dir: Path) -> None:
    """With the limits lifted in the Config, the far cell reaches python-calamine, which
    asks for 512 GB and aborts the worker (the address space is capped at 3 GB, so it
    does so at once): the file is named, the other units are consolidated."""
    set_config(
        round_dir / "master.xlsx",
        {"limit_unit_rows": 2_000_000, "limit_unit_cols": 20_000, "limit_unit_cells": 10**12},
    )
    bad = edited_unit(
        round_dir / "units" / "U01.xlsx",
        round_dir / "units" / "U07_far.xlsx",
        far_cell("XFD1048576"),
    )
    run = consolidate_run(round_dir / "master.xlsx", "--jobs", "2")
    assert "BrokenProcessPool" not in run["err"]
    assert_round_goes_on(run, round_dir, bad.name, {"file.worker_died"})


def test_a_killed_worker_is_replaced(round_dir: Path) -> None:
    """A worker killed from outside (the OOM killer, a user) while its files are good:
    they are read again in processes of their own, and nothing is missing."""
    for i in range(7, 40):  # enough work that the workers are seen running
        shutil.copy(
            round_dir / "units" / f"U0{1 + i % 6}.xlsx", round_dir / "units" / f"U{i:02d}.xlsx"
        )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kpixl",
            "consolidate",
            str(round_dir / "master.xlsx"),
            "--json",
            "--jobs",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    workers = wait_for_children(proc, 2)
    os.kill(workers[0], signal.SIGKILL)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode in (0, 1) and "Traceback" not in err, err
    result = json.loads(out)
    assert result["people"] == people_of(round_dir)
    assert not [f for f in result["findings"] if f["rule"] == "file.worker_died"]


def children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def wait_for_children(proc: subprocess.Popen[str], count: int) -> list[int]:
    for _ in range(1200):
        found = children(proc.pid)
        if len(found) >= count:
            return found
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("no workers started")


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_workers_end_when_the_main_process_is_killed(round_dir: Path) -> None:
    for i in range(7, 60):
        shutil.copy(
            round_dir / "units" / f"U0{1 + i % 6}.xlsx", round_dir / "units" / f"U{i:02d}.xlsx"
        )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kpixl",
            "consolidate",
            str(round_dir / "master.xlsx"),
            "--jobs",
            "2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers = wait_for_children(proc, 2)  # type: ignore[arg-type]
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    for _ in range(200):  # at most 10 s
        if not any(alive(w) for w in workers):
            break
        time.sleep(0.05)
    left = [w for w in workers if alive(w)]
    for w in left:
        os.kill(w, signal.SIGKILL)
    assert not left


# ---------------------------------------------------------------- findings per file


def test_findings_per_file_are_capped(round_dir: Path) -> None:
    """A unit workbook with 400 KPI rows of text weights gives 200 findings and one
    counting the rest."""
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>X%d</t></is></c>'
        b'<c r="L%d" t="inlineStr"><is><t>many</t></is></c></row>' % (r, r, r, r)
        for r in range(200, 600)
    )
    bad = edited_unit(
        round_dir / "units" / "U01.xlsx", round_dir / "units" / "U07_noisy.xlsx", before_end(rows)
    )
    run = consolidate_run(round_dir / "master.xlsx", "--jobs", "2")
    named = [f for f in run["json"]["findings"] if f["file"] == bad.name]
    assert len(named) == 201
    *shown, capped = named
    assert capped["rule"] == "file.findings_capped" and int(capped["value"]) > 200
    assert all(f["severity"] == ERROR for f in shown)
    set_config(round_dir / "master.xlsx", {"limit_findings_per_file": 5})
    run = consolidate_run(round_dir / "master.xlsx", "--jobs", "2")
    named = [f for f in run["json"]["findings"] if f["file"] == bad.name]
    assert len(named) == 6 and named[-1]["rule"] == "file.findings_capped"
    assert int(named[-1]["value"]) == int(capped["value"]) + 195


# ---------------------------------------------------------------- the readers, one by one


def test_sheet_extent_reads_pieces_and_loose_cells() -> None:
    xml = b'<worksheet><dimension ref="A1:C3"/><sheetData><row r="2"><c r="B2"/><c/><c/></row><row><c r="AA7"/></row></sheetData></worksheet>'
    whole = sheet_extent([xml])
    assert (whole.declared_rows, whole.declared_cols) == (3, 3)
    assert whole.rows == 7 + 1 and whole.cols == 27 + 2  # one row, two cells without r
    assert sheet_extent([xml[i : i + 7] for i in range(0, len(xml), 7)]) == whole


def test_every_reader_checks_the_limits(round_dir: Path, tmp_path: Path) -> None:
    """The unit, personal and master readers and ``open_book`` itself."""
    bad = edited_unit(
        round_dir / "units" / "U01.xlsx", tmp_path / "far.xlsx", far_cell("XFD1048576")
    )
    [found] = read_unit(bad).findings
    assert found.rule == "file.sheet_too_large" and found.file == "far.xlsx"
    book = open_book(bad, limits=UNIT)
    with pytest.raises(LimitExceeded):
        book.grid("ตัวชี้วัด")
    assert check_file(bad, limits=UNIT) is not None
    assert check_file(round_dir / "units" / "U02.xlsx", limits=UNIT) is None


def test_a_personal_workbook_over_the_limits_is_a_finding(six_units: Path, tmp_path: Path) -> None:
    source = next((six_units / "personal").rglob("*.xlsx"))
    bad = tmp_path / "far.xlsx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                data = far_cell("CV1048576")(data)
            zout.writestr(info.filename, data)
    form = read_personal(bad)
    assert [f.rule for f in form.findings] == ["file.sheet_too_large"]
    assert check_file(source, limits=PERSONAL) is None
    assert read_personal(source).findings == []


@pytest.mark.parametrize("scanner", ["c", "python", "calamine"])
def test_hostile_unit_workbooks_with_and_without_the_c_scanner(
    round_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scanner: str
) -> None:
    """The package works the same without its C extension (KPIXL_PURE=1: the Python
    scanner), and with python-calamine alone, whose reader measures the whole package
    first."""
    monkeypatch.setenv("KPIXL_PURE", "0" if scanner == "c" else "1")
    if scanner == "calamine":
        monkeypatch.setattr(
            grids,
            "open_book",
            lambda p, data=None, *, limits=MASTER: grids.CalamineBook(Path(p), data, limits),
        )
        monkeypatch.setattr("kpixl.workbooks.unit.open_book", grids.open_book)
    source = round_dir / "units" / "U01.xlsx"
    cases = {
        "far.xlsx": (
            edited_unit(source, tmp_path / "far.xlsx", far_cell("XFD1048576")),
            "file.sheet_too_large",
        ),
        "wide.xlsx": (
            edited_unit(source, tmp_path / "wide.xlsx", far_cell("BM200")),
            "file.sheet_too_large",
        ),
        "sparse.xlsx": (
            edited_unit(source, tmp_path / "sparse.xlsx", sparse_rows),
            "file.sheet_too_large",
        ),
        "bomb.xlsx": (
            bomb_unit(source, tmp_path / "bomb.xlsx", 2_350_000_000),
            "file.part_too_large",
        ),
        "liar.xlsx": (
            bomb_unit(source, tmp_path / "liar.xlsx", 300_000_000, declared=60_000),
            "file.corrupt",
        ),
    }
    for name, (path, code) in cases.items():
        [found] = read_unit(path).findings
        assert (found.rule, found.file) == (code, name)
    good = read_unit(round_dir / "units" / "U02.xlsx")
    assert good.readable and not good.findings and len(good.people)
    book = grids.open_book(source)
    assert isinstance(book, grids.ScannedBook) is (scanner != "calamine")
    if scanner != "calamine":
        assert (book.scanner is grids.sheet_scan) is (scanner == "python")


WATCHED = r"""
import multiprocessing, os, sys, time
from concurrent.futures import ProcessPoolExecutor
from kpixl.io import workers
sys.platform = "other"  # no prctl: the watchdog thread alone, as on macOS or Windows
with ProcessPoolExecutor(
    2,
    mp_context=multiprocessing.get_context("fork"),
    initializer=workers.worker_start,
    initargs=(os.getpid(),),
) as pool:
    list(pool.map(time.sleep, [0, 0]))
    time.sleep(600)
"""


def test_the_watchdog_alone_ends_the_workers() -> None:
    """Without the kernel's help (no prctl), each worker's watchdog thread sees its
    parent gone and ends it."""
    proc = subprocess.Popen([sys.executable, "-c", WATCHED])
    workers = wait_for_children(proc, 2)  # type: ignore[arg-type]
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    for _ in range(200):  # the watchdog looks twice a second
        if not any(alive(w) for w in workers):
            break
        time.sleep(0.05)
    left = [w for w in workers if alive(w)]
    for w in left:
        os.kill(w, signal.SIGKILL)
    assert not left


def test_text_without_closing_brackets_is_measured_in_linear_time() -> None:
    """Many "<c" and no ">" (a hostile sheet) cannot make the measuring regexes
    backtrack: each is read once (counted as cells without a reference: a large extent)."""
    extent = sheet_extent([b"<c " * 200_000, b'<c r="B9">'])
    assert extent.cols >= 200_000 and extent.rows == 9
    assert grids.date_styles(b"<numFmt numFmtId=" * 200_000) == b""
    assert grids.date_styles(b"<cellXfs>" + b"<xf " * 200_000) == b""
    codes = b'<numFmt numFmtId="164" formatCode="' + b"&quot;[" * 200_000 + b'"/>'
    assert grids.date_styles(codes + b'<cellXfs><xf numFmtId="164"/></cellXfs>') == b"\x00"
