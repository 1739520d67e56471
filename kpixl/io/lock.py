"""One kpixl run at a time per file: a lock file beside it.

The lock of ``master.xlsx`` is ``.master.xlsx.kpixl-lock`` in the same folder, created
with ``O_CREAT | O_EXCL`` (atomic on every system kpixl runs on, Windows and network
shares included; no ``fcntl``, no fork) and holding who runs: host, pid, start time and
command. A second run finds it and stops with a message naming that host and pid.

A lock whose run died (same host, pid no longer alive: a SIGKILL, a power cut) is
stale and taken over. A lock from another host is never judged stale (its pid cannot
be checked from here): the message says which file to delete when that run is known
to be gone. A lock left empty by a run killed while writing it is stale after a minute.

A pid that an unrelated process reuses after a crash keeps the lock until that process
ends or the lock file is deleted: the message names the file, host and pid, so a person
can tell. The lock is re-entrant within one thread: a job that holds it for its whole run
(``consolidate``) writes its files under the same lock. In a folder kpixl may not write
to (read-only), no lock is made and none is needed: the write itself is refused.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from kpixl.core.errors import DiskFullError, LockedError
from kpixl.io.writable import folder_is_read_only

__all__ = ["LOCK_SUFFIX", "LockInfo", "hold_lock", "lock_path", "pid_alive", "read_lock"]

LOCK_SUFFIX = ".kpixl-lock"
EMPTY_LOCK_STALE_AFTER = 60.0  # seconds: a lock file nobody finished writing
_BINARY = getattr(os, "O_BINARY", 0)
_READ_ONLY = {errno.EACCES, errno.EPERM, errno.EROFS}
_DISK_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}

_held: dict[str, tuple[int, int, bool]] = {}  # lock file → (thread, depth, made) here
_held_guard = threading.Lock()


@dataclass(frozen=True)
class LockInfo:
    """Who holds a lock."""

    host: str
    pid: int
    started: str
    command: str

    @classmethod
    def mine(cls, command: str | None) -> LockInfo:
        return cls(
            host=socket.gethostname(),
            pid=os.getpid(),
            started=datetime.now().astimezone().isoformat(timespec="seconds"),
            command=(command or " ".join(["kpixl", *sys.argv[1:]]))[:300],
        )


def lock_path(target: str | Path) -> Path:
    """The lock file of ``target``."""
    target = Path(target)
    return target.with_name(f".{target.name}{LOCK_SUFFIX}")


def pid_alive(pid: int) -> bool:
    """Is process ``pid`` running on this host?"""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.windll.kernel32
        kernel32.OpenProcess.restype = ctypes.c_void_p
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return bool(kernel32.GetLastError() == 5)  # access denied: it exists
        code = ctypes.c_ulong()
        try:
            ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        finally:
            kernel32.CloseHandle(handle)
        return bool(ok) and code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def read_lock(path: Path) -> LockInfo | None:
    """The holder written in lock file ``path``; None when there is no lock file.

    A lock file that cannot be parsed gives host ``?`` and pid 0.
    """
    try:
        text = path.read_bytes().decode("utf-8", "replace")
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
        return LockInfo(
            host=str(data["host"]),
            pid=int(data["pid"]),
            started=str(data.get("started", "")),
            command=str(data.get("command", "")),
        )
    except (ValueError, TypeError, KeyError):
        return LockInfo(host="?", pid=0, started="", command="")


def _stale(path: Path, holder: LockInfo) -> bool:
    if holder.host == "?":
        try:
            age = time.time() - os.stat(path).st_mtime
        except FileNotFoundError:
            return True
        return age > EMPTY_LOCK_STALE_AFTER
    return holder.host == socket.gethostname() and not pid_alive(holder.pid)


def _locked_error(target: Path, path: Path, holder: LockInfo) -> LockedError:
    return LockedError(
        target,
        f"another kpixl run is working on this file (host {holder.host}, pid {holder.pid},"
        f" started {holder.started or '?'}: {holder.command or '?'}); wait for it to finish"
        f" and run again — if you are sure that run is gone, delete {path}",
        f"มี kpixl อีกงานหนึ่งกำลังทำงานกับไฟล์นี้อยู่ (เครื่อง {holder.host}, pid {holder.pid},"
        f" เริ่ม {holder.started or '?'}: {holder.command or '?'}) ให้รอจนเสร็จแล้วสั่งใหม่"
        f" ถ้าแน่ใจว่างานนั้นไม่ได้ทำงานอยู่แล้ว ให้ลบไฟล์ {path}",
    )


def _create(path: Path, me: LockInfo) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, 0o666)
    try:  # no fsync: after a crash the lock is stale whatever it holds
        os.write(fd, json.dumps(asdict(me), ensure_ascii=False).encode("utf-8"))
    except OSError:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    os.close(fd)


def _acquire(target: Path, path: Path, me: LockInfo) -> bool:
    """Create the lock file; False when the folder is read-only (no lock needed)."""
    if folder_is_read_only(path.parent):
        return False
    for _ in range(5):
        try:
            _create(path, me)
            return True
        except FileExistsError:
            holder = read_lock(path)
            if holder is None:  # released meanwhile
                continue
            if not _stale(path, holder):
                raise _locked_error(target, path, holder) from None
            # take the stale lock over, unless another run did so since it was read
            if read_lock(path) == holder:
                path.unlink(missing_ok=True)
        except OSError as exc:
            if exc.errno in _READ_ONLY:
                return False
            if exc.errno in _DISK_FULL:
                raise DiskFullError(target, str(exc), errno=exc.errno) from exc
            raise
    holder = read_lock(path) or LockInfo("?", 0, "", "")
    raise _locked_error(target, path, holder)


@contextmanager
def hold_lock(target: str | Path, *, command: str | None = None) -> Iterator[Path | None]:
    """Hold ``target``'s lock for the ``with`` block; yield the lock file (None when the
    folder is read-only and no lock was made).

    Raises :class:`~kpixl.core.errors.LockedError` when another live run holds it.
    """
    target = Path(target)
    path = lock_path(Path(os.path.realpath(target.parent)) / target.name)
    key = os.path.normcase(str(path))
    thread = threading.get_ident()
    with _held_guard:
        held = _held.get(key)
        nested = held is not None and held[0] == thread
        if held is not None and nested:
            _held[key] = (thread, held[1] + 1, held[2])
    if held is not None and nested:
        try:
            yield path if held[2] else None
        finally:
            with _held_guard:
                owner, depth, made = _held[key]
                _held[key] = (owner, depth - 1, made)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    me = LockInfo.mine(command)
    locked = _acquire(target, path, me)
    with _held_guard:
        _held[key] = (thread, 1, locked)
    try:
        yield path if locked else None
    finally:
        with _held_guard:
            del _held[key]
        if locked and read_lock(path) == me:
            path.unlink(missing_ok=True)
