"""Atomic file writes: a temp file beside the target, then a rename; the old one kept."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path", "write_bytes_atomic"]


@contextmanager
def atomic_path(target: str | Path, *, backup: bool = False) -> Iterator[Path]:
    """Yield a temporary path; on success it replaces ``target`` in one rename.

    With ``backup=True`` the previous ``target`` is kept as ``target.bak`` (a copy made
    before the rename, so a crash in between leaves the original in place).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if backup and target.exists():
            shutil.copy2(target, target.with_name(target.name + ".bak"))
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_bytes_atomic(target: str | Path, data: bytes, *, backup: bool = False) -> None:
    """Write ``data`` to a hidden temp file beside ``target``, then rename it over."""
    target = Path(target)
    if backup:
        with atomic_path(target, backup=True) as tmp:
            tmp.write_bytes(data)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
