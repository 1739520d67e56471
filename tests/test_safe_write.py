"""Nothing is ever lost: atomic writes that keep the file's mode, dated backup
generations, one run at a time per file, and a clear exit 2 when the disk is full or the
file or folder is read-only — the file and every backup as they were.

The tests run as root in CI, and root may write whatever the mode bits say: read-only
is therefore decided by kpixl from the mode bits (``kpixl.io.writable``), and the tests
set modes (0444 file, 0555 folder) that kpixl must honour for root too.
"""

from __future__ import annotations

import errno
import io
import os
import random
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import openpyxl
import pytest

from kpixl.cli import main
from kpixl.io import atomic
from kpixl.io.atomic import write_bytes_atomic
from kpixl.io.backups import BACKUP_DIR, generations
from kpixl.io.lock import hold_lock, lock_path
from kpixl.jobs.consolidate import consolidate
from kpixl.jobs.demo import build_demo
from kpixl.workbooks import master_layout as M

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "workbooks" / "demo"


@pytest.fixture()
def demo(tmp_path: Path) -> Path:
    target = tmp_path / "demo"
    shutil.copytree(
        DEMO, target, ignore=shutil.ignore_patterns("*.bak", BACKUP_DIR, ".*", "results.csv")
    )
    return target


@pytest.fixture()
def umask_077() -> Iterator[None]:
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def kpixl(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kpixl", *args],
        capture_output=True,
        text=True,
        check=False,
        **kwargs,
    )


def temps(folder: Path) -> list[str]:
    """kpixl's temporary files (of any target) in ``folder``."""
    return sorted(n for n in os.listdir(folder) if n.startswith(".") and n.endswith(".tmp"))


def edit_master(master: Path, organisation: str) -> bytes:
    """HR edits the master between runs (the Config's organisation): a new version."""
    wb = openpyxl.load_workbook(master)
    ws = wb[M.CONFIG]
    for row in ws.iter_rows(min_row=M.FIRST_ROW):
        if row[0].value == "organisation":
            row[1].value = organisation
    wb.save(master)
    return master.read_bytes()


def snapshot(master: Path) -> dict[str, bytes]:
    """The master and every backup, byte for byte."""
    files = {master.name: master.read_bytes()}
    files |= {p.name: p.read_bytes() for p in generations(master)}
    return files


# ------------------------------------------------------------------------- mode


def test_mode_is_kept_under_a_restrictive_umask(demo: Path, umask_077: None) -> None:
    """What was seen 4: consolidate and collect left 0664 workbooks at 0600."""
    master, unit = demo / "master.xlsx", demo / "units" / "U01.xlsx"
    master.chmod(0o664)
    unit.chmod(0o664)
    assert main(["consolidate", str(master), "--jobs", "1"]) == 0
    assert main(["collect", str(unit), "--from", str(demo / "personal" / "U01")]) == 0
    assert stat.S_IMODE(master.stat().st_mode) == 0o664
    assert stat.S_IMODE(unit.stat().st_mode) == 0o664
    for backup in generations(master) + generations(unit):
        assert stat.S_IMODE(backup.stat().st_mode) == 0o664


def test_a_new_file_gets_the_mode_the_umask_gives(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_bytes_atomic(tmp_path / "new.xlsx", b"data")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.xlsx").stat().st_mode) == 0o644


# ------------------------------------------------------------------------- backups


def test_generations_are_kept_and_the_oldest_pruned(tmp_path: Path) -> None:
    target = tmp_path / "master.xlsx"
    versions = [f"version {i}".encode() for i in range(6)]
    for data in versions:  # six writes within a second or two: names must not collide
        write_bytes_atomic(target, data, backup=True, keep=3)
    kept = generations(target)
    assert [p.read_bytes() for p in kept] == versions[2:5]  # the newest 3 earlier versions
    assert target.read_bytes() == versions[5]
    assert len({p.name for p in kept}) == 3
    assert all(p.name.startswith("master.") and p.suffix == ".xlsx" for p in kept)
    write_bytes_atomic(target, versions[5], backup=True, keep=3)  # same content again
    assert generations(target) == kept  # nothing pushed out by a repeated run


def test_the_master_config_says_how_many_backups(demo: Path) -> None:
    """The Config key ``backups`` (blank in the template: the default)."""
    master = demo / "master.xlsx"
    wb = openpyxl.load_workbook(master)
    ws = wb[M.CONFIG]
    for row in ws.iter_rows(min_row=M.FIRST_ROW):
        if row[0].value == "backups":
            row[1].value = 2
    wb.save(master)
    edited = []
    for i in range(4):
        edited.append(edit_master(master, f"สำนักงาน {i}"))
        assert main(["consolidate", str(master), "--jobs", "1"]) == 0
    assert [p.read_bytes() for p in generations(master)] == edited[2:]


def test_a_wrong_backups_value_is_a_finding_and_the_default_is_used(demo: Path) -> None:
    master = demo / "master.xlsx"
    wb = openpyxl.load_workbook(master)
    for row in wb[M.CONFIG].iter_rows(min_row=M.FIRST_ROW):
        if row[0].value == "backups":
            row[1].value = "สิบ"
    wb.save(master)
    before = master.read_bytes()
    result = consolidate(master, jobs=1)
    [problem] = [f for f in result.findings if f.field == "backups"]
    assert problem.rule == "consolidate.config" and problem.value == "สิบ"
    assert [p.read_bytes() for p in generations(master)] == [before]


def test_two_runs_never_lose_the_original(demo: Path) -> None:
    """What was seen 1 and 16: one `.bak`, so a second run (or a second mistake) lost
    the original."""
    master = demo / "master.xlsx"
    original = edit_master(master, "ต้นฉบับ")
    assert main(["consolidate", str(master), "--jobs", "1"]) == 0
    assert main(["consolidate", str(master), "--jobs", "1", "--policy", "table"]) in (0, 1)
    assert generations(master)[0].read_bytes() == original
    assert not (demo / "master.xlsx.bak").exists()


# ------------------------------------------------------------------------- lock


@pytest.fixture()
def holder(demo: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the master's lock (a consolidate that is running)."""
    code = (
        "import sys\nfrom kpixl.io.lock import hold_lock\n"
        f"with hold_lock({str(demo / 'master.xlsx')!r}, command='kpixl consolidate'):\n"
        "    print('held', flush=True)\n    sys.stdin.read()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    try:
        yield proc
    finally:
        proc.communicate("")


@pytest.mark.parametrize(
    "argv",
    [
        ["consolidate", "{master}", "--jobs", "1"],
        ["cascade", "report", "{master}", "--write", "--no-tree"],
    ],
)
def test_a_second_run_is_refused_while_one_runs(
    demo: Path,
    holder: subprocess.Popen[str],
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """What was seen 16: two consolidate runs at once, the last writer wins silently."""
    master = demo / "master.xlsx"
    before = snapshot(master)
    assert main([a.format(master=master) for a in argv]) == 2
    err = capsys.readouterr().err
    assert f"pid {holder.pid}" in err and socket.gethostname() in err
    assert "kpixl consolidate" in err and "กำลังทำงาน" in err
    assert snapshot(master) == before


def test_collect_is_refused_while_the_unit_is_locked(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unit = demo / "units" / "U01.xlsx"
    code = (
        "import sys\nfrom kpixl.io.lock import hold_lock\n"
        f"with hold_lock({str(unit)!r}, command='kpixl collect'):\n"
        "    print('held', flush=True)\n    sys.stdin.read()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        before = unit.read_bytes()
        assert main(["collect", str(unit), "--from", str(demo / "personal" / "U01")]) == 2
        captured = capsys.readouterr()
        assert f"pid {proc.pid}" in captured.err and "✓" not in captured.out
        assert unit.read_bytes() == before
    finally:
        proc.communicate("")


def test_a_stale_lock_is_taken_over(demo: Path) -> None:
    master = demo / "master.xlsx"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    pid = int(dead.stdout)
    lock = lock_path(master)
    lock.write_text(
        f'{{"host": "{socket.gethostname()}", "pid": {pid}, "started": "", "command": "x"}}'
    )
    assert main(["consolidate", str(master), "--jobs", "1"]) == 0
    assert not lock.exists()


def test_a_lock_from_another_host_is_not_taken(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    master = demo / "master.xlsx"
    lock = lock_path(master)
    lock.write_text('{"host": "hr-pc-07", "pid": 4242, "started": "", "command": "kpixl x"}')
    assert main(["consolidate", str(master), "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert "hr-pc-07" in err and "pid 4242" in err and str(lock) in err
    assert lock.exists()


def test_the_lock_is_reentrant_in_one_run_and_released(tmp_path: Path) -> None:
    target = tmp_path / "master.xlsx"
    with hold_lock(target) as outer:
        assert outer is not None and outer.exists()
        write_bytes_atomic(target, b"one", backup=True)  # under the job's own lock
        assert outer.exists()
    assert not lock_path(target).exists()


# ------------------------------------------------------------------------- disk full


def test_disk_full_while_copying_the_backup_loses_nothing(
    demo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """What was seen 16: disk full while copying `.bak` truncated the previous backup and
    ended as "internal error" with the findings lost."""
    master = demo / "master.xlsx"
    (demo / "units" / "U03.xlsx").unlink()  # findings: people without an evaluation
    edit_master(master, "ก่อน")
    assert main(["consolidate", str(master), "--jobs", "1"]) == 1
    assert len(generations(master)) == 1
    edit_master(master, "หลัง")  # a new version: the next run copies it as a backup
    before = snapshot(master)
    capsys.readouterr()

    copy_in_memory = shutil.copyfileobj

    def half_then_full(source: IO[bytes], copy: IO[bytes], length: int = 0) -> None:
        if not isinstance(copy, io.BufferedWriter):  # not a file: a workbook built in memory
            copy_in_memory(source, copy)
            return
        copy.write(source.read()[:1000])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copyfileobj", half_then_full)
    assert main(["consolidate", str(master), "--jobs", "1"]) == 2
    out = capsys.readouterr().out
    assert "write.disk_full" in out and "ดิสก์เต็ม" in out
    assert "consolidate.no_evaluation" in out  # the findings are still printed
    assert "✓" not in out
    assert snapshot(master) == before
    assert temps(demo) == [] and temps(demo / BACKUP_DIR) == []
    assert not lock_path(master).exists()


def test_disk_full_writing_the_master_is_exit_2(demo: Path) -> None:
    """A real EFBIG: the run's file-size limit is below the master's size."""
    master = demo / "master.xlsx"
    assert kpixl("consolidate", str(master), "--jobs", "1").returncode == 0
    edit_master(master, "ก่อน")
    before = snapshot(master)
    limit = master.stat().st_size // 2
    small_disk = (  # the run may write no file larger than half the master: EFBIG
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))\n"
        "from kpixl.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", small_disk, "consolidate", str(master), "--jobs", "1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2, run.stdout + run.stderr
    assert "write.disk_full" in run.stdout and "internal error" not in run.stderr
    assert snapshot(master) == before
    assert temps(demo) == []


# ------------------------------------------------------------------------- read-only


def test_a_read_only_master_is_never_replaced(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What was seen 16: a 0444 master was silently replaced."""
    master = demo / "master.xlsx"
    (demo / "units" / "U03.xlsx").unlink()
    master.chmod(0o444)
    before = master.read_bytes()
    assert main(["consolidate", str(master), "--jobs", "1"]) == 2
    out = capsys.readouterr().out
    assert "write.read_only" in out and "0444" in out and "consolidate.no_evaluation" in out
    assert master.read_bytes() == before and stat.S_IMODE(master.stat().st_mode) == 0o444
    assert not (demo / BACKUP_DIR).exists() and temps(demo) == []


def test_cascade_report_write_never_replaces_a_read_only_master(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    master = demo / "master.xlsx"
    master.chmod(0o444)
    before = master.read_bytes()
    assert main(["cascade", "report", str(master), "--write", "--no-tree"]) == 2
    assert "write.read_only" in capsys.readouterr().out
    assert master.read_bytes() == before


def test_a_read_only_folder_is_exit_2(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """What was seen 16: a read-only folder ended as "internal error … please report it"."""
    master = demo / "master.xlsx"
    before = master.read_bytes()
    demo.chmod(0o555)
    try:
        assert main(["consolidate", str(master), "--jobs", "1"]) == 2
        captured = capsys.readouterr()
        assert "write.read_only" in captured.out and "internal error" not in captured.err
        assert sorted(os.listdir(demo)) == ["master.xlsx", "personal", "units"]
    finally:
        demo.chmod(0o755)
    assert master.read_bytes() == before


def test_a_read_only_unit_workbook_is_not_collected_into(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unit = demo / "units" / "U01.xlsx"
    unit.chmod(0o444)
    before = unit.read_bytes()
    assert main(["collect", str(unit), "--from", str(demo / "personal" / "U01")]) == 2
    out = capsys.readouterr().out
    assert "write.read_only" in out and "✓" not in out
    assert unit.read_bytes() == before


def test_the_system_refusing_the_rename_is_exit_2(
    demo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Windows refuses to replace a master open in Excel (EACCES at the rename)."""
    master = demo / "master.xlsx"
    before = master.read_bytes()

    def refuse(src: object, dst: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(atomic.os, "replace", refuse)
    assert main(["consolidate", str(master), "--jobs", "1"]) == 2
    assert "write.read_only" in capsys.readouterr().out
    monkeypatch.undo()
    assert master.read_bytes() == before and temps(demo) == []


# ------------------------------------------------------------------------- crashes


def test_stale_temporaries_are_cleaned_by_the_next_run(demo: Path) -> None:
    """What was seen 16: `.master.xlsx.*.tmp` of a killed run were kept by later runs."""
    master = demo / "master.xlsx"
    (demo / BACKUP_DIR).mkdir()
    ours = [
        demo / ".master.xlsx.k2j4_x9a.tmp",  # tempfile.mkstemp, earlier kpixl versions
        demo / f".master.xlsx.{os.getpid()}.tmp",
        demo / ".master.xlsx.0123456789ab.tmp",
        demo / BACKUP_DIR / ".master.xlsx.fedcba987654.tmp",
    ]
    others = [demo / ".master.xlsx.notes.txt", demo / "master.tmp", demo / ".other.xlsx.ab.tmp"]
    for path in ours + others:
        path.write_bytes(b"partial")
    edit_master(master, "ใหม่")  # so that a backup is made (the backup folder is cleaned)
    assert main(["consolidate", str(master), "--jobs", "1"]) == 0
    assert not any(p.exists() for p in ours)
    assert all(p.exists() for p in others)


def test_temporaries_of_a_live_run_are_left_alone(
    demo: Path, holder: subprocess.Popen[str]
) -> None:
    master = demo / "master.xlsx"
    live = demo / ".master.xlsx.0123456789ab.tmp"
    live.write_bytes(b"being written")
    assert main(["consolidate", str(master), "--jobs", "1"]) == 2
    assert live.exists()


def test_sigkill_at_any_moment_leaves_the_old_or_the_new_master(tmp_path: Path) -> None:
    """Kill a consolidate at seeded random moments over its run time, 22 times: the
    master is always the old one or the complete new one, and the next run cleans up."""
    started = time.monotonic()
    build_demo(tmp_path / "built", units=3, people=24, seed=13)
    print(f"demo built in {time.monotonic() - started:.2f} s")
    reference = tmp_path / "reference"
    shutil.copytree(tmp_path / "built", reference)
    started = time.monotonic()
    first = kpixl("consolidate", str(reference / "master.xlsx"), "--jobs", "1")
    assert first.returncode in (0, 1) and "✓" in first.stdout, first.stdout + first.stderr
    duration = time.monotonic() - started
    new = (reference / "master.xlsx").read_bytes()
    work = tmp_path / "work"
    shutil.copytree(tmp_path / "built", work)
    master = work / "master.xlsx"
    old = master.read_bytes()
    assert old != new
    rng = random.Random(2569)
    landed = {"old": 0, "new": 0}
    for _ in range(22):
        master.write_bytes(old)  # every kill meets a master the run would change
        proc = subprocess.Popen(
            [sys.executable, "-m", "kpixl", "consolidate", str(master), "--jobs", "1"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(rng.uniform(0.1, 1.0) * duration)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        data = master.read_bytes()
        assert data in (old, new)
        landed["old" if data == old else "new"] += 1
        openpyxl.load_workbook(master, read_only=True).close()
        assert all(p.read_bytes() in (old, new) for p in generations(master))
        assert len(temps(work)) <= 1  # a killed run's temporary file, never an old one
        if (work / BACKUP_DIR).exists():
            assert len(temps(work / BACKUP_DIR)) <= 1
    master.write_bytes(old)
    run = kpixl("consolidate", str(master), "--jobs", "1")
    assert run.returncode == first.returncode and "✓" in run.stdout, run.stdout + run.stderr
    assert master.read_bytes() == new
    assert temps(work) == [] and not lock_path(master).exists()
    if (work / BACKUP_DIR).exists():
        assert temps(work / BACKUP_DIR) == []
    assert [p.read_bytes() for p in generations(master)] == [old]
    print(f"SIGKILLs: {landed} over a run of {duration:.2f} s")
