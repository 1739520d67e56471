"""Atomic file writes: nothing kpixl writes is ever half-written, lost or silently replaced.

Every write of a file goes the same way:

1. the target's lock is taken (:mod:`kpixl.io.lock`; re-entrant, so a job holding the
   lock for its whole run writes under it), and temporary files that an earlier, killed
   run left beside the target are removed (:mod:`kpixl.io.temps`);
2. a read-only target or folder is refused (:mod:`kpixl.io.writable`), never replaced;
3. the new bytes go to a hidden temporary file beside the target, made with the
   target's mode (a new file: the mode the umask gives), and are flushed to the disk;
4. with ``backup=True`` the file as it was (unless it already holds the new bytes) is
   copied into ``.kpixl-backups/`` as a dated generation, the oldest beyond ``keep``
   removed (:mod:`kpixl.io.backups`);
5. one ``os.replace`` puts the new file in place.

A failure at any step (disk full, read-only folder, a lock held by another run) removes
the temporary file and raises a :class:`~kpixl.core.errors.FileWriteError`; the target
and every backup are as they were. A SIGKILL at any moment leaves the old or the new
file; the next write removes the temporary files.
"""

from __future__ import annotations

import errno
import filecmp
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kpixl.core.codes import finding
from kpixl.core.errors import DiskFullError, FileWriteError, ReadOnlyError
from kpixl.core.findings import Finding
from kpixl.io.backups import DEFAULT_KEEP, make_backup
from kpixl.io.lock import hold_lock
from kpixl.io.temps import clean_stale_temps, fsync_folder, new_temp
from kpixl.io.writable import check_writable

__all__ = ["as_write_error", "atomic_path", "write_bytes_atomic", "write_finding"]

_DISK_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
_READ_ONLY = {errno.EACCES, errno.EPERM, errno.EROFS}


def as_write_error(exc: OSError, target: Path) -> FileWriteError:
    """The :class:`FileWriteError` an ``OSError`` met while writing ``target`` stands for."""
    detail = exc.strerror or str(exc)
    if exc.errno in _DISK_FULL:
        return DiskFullError(target, detail, errno=exc.errno)
    if exc.errno in _READ_ONLY:
        return ReadOnlyError(
            target,
            f"the system refused the write ({detail}): the file or its folder is read-only,"
            " or the file is open in another program (Excel)",
            f"ระบบไม่ยอมให้เขียน ({detail}): ไฟล์หรือโฟลเดอร์เป็นแบบอ่านอย่างเดียว"
            " หรือไฟล์เปิดค้างอยู่ในโปรแกรมอื่น (Excel)",
            errno=exc.errno,
        )
    return FileWriteError(target, detail, errno=exc.errno)


def _same(new: Path, target: Path) -> bool:
    """True when ``target`` already holds the new bytes (no backup is needed of it)."""
    return target.is_file() and filecmp.cmp(new, target, shallow=False)


def write_finding(error: FileWriteError) -> Finding:
    """The finding (``write.*``) a job reports a file it could not write as."""
    return finding(
        error.code,
        value=error.path,
        file=Path(error.path).name,
        why=error.reason_th,
        why_en=error.reason_en,
    )


@contextmanager
def atomic_path(
    target: str | Path, *, backup: bool = False, keep: int = DEFAULT_KEEP
) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; write it, and on leaving the block it
    replaces ``target`` in one rename (steps in the module doc).

    With ``backup=True`` the file as it was is kept as a dated generation in
    ``.kpixl-backups/`` (the newest ``keep`` of them). Raises
    :class:`~kpixl.core.errors.FileWriteError` when the file cannot be written.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with hold_lock(target):
            check_writable(target)
            clean_stale_temps(target)
            fd, tmp = new_temp(target)
            os.close(fd)
            try:
                yield tmp
                with open(tmp, "rb+") as handle:
                    os.fsync(handle.fileno())
                if backup and not _same(tmp, target):
                    make_backup(target, keep=keep)
                os.replace(tmp, target)
            finally:
                tmp.unlink(missing_ok=True)
            fsync_folder(target.parent)
    except OSError as exc:
        raise as_write_error(exc, target) from exc


def write_bytes_atomic(
    target: str | Path, data: bytes, *, backup: bool = False, keep: int = DEFAULT_KEEP
) -> None:
    """Write ``data`` to ``target`` atomically (see :func:`atomic_path`)."""
    with atomic_path(target, backup=backup, keep=keep) as tmp, open(tmp, "wb") as handle:
        handle.write(data)
