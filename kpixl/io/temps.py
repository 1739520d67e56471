"""Temporary files beside a target: made with the right mode, named so that a later
run can recognise (and remove) the ones a killed run left behind.

A temporary file for ``master.xlsx`` is ``.master.xlsx.<letters or digits>.tmp`` in the
same folder (the same file system, so the final rename is atomic). The pattern also
matches what earlier kpixl versions left (``tempfile.mkstemp`` names and
``.<name>.<pid>.tmp``), and nothing a person would name a file.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
from pathlib import Path

__all__ = ["clean_stale_temps", "fsync_folder", "new_temp", "temp_pattern"]

_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation


def temp_pattern(name: str) -> re.Pattern[str]:
    """The names of kpixl's temporary files for a target called ``name``."""
    return re.compile(rf"\.{re.escape(name)}\.[A-Za-z0-9_]+\.tmp")


def new_temp(target: Path, *, mode_of: Path | None = None) -> tuple[int, Path]:
    """Create a temporary file beside ``target``; return its open descriptor and path.

    The file gets the mode of ``mode_of`` (default: ``target``) when that exists, so a
    shared 0664 file stays 0664 whatever the umask; otherwise the mode a new file gets
    under the umask. Where the system allows, the owner and group are kept as well.
    """
    model = target if mode_of is None else mode_of
    try:
        st: os.stat_result | None = os.stat(model)
    except FileNotFoundError:
        st = None
    while True:
        path = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, 0o666)
        except FileExistsError:
            continue
        break
    if st is not None:
        try:
            os.chmod(path, stat.S_IMODE(st.st_mode))
            _keep_owner(path, st)
        except OSError:
            os.close(fd)
            path.unlink(missing_ok=True)
            raise
    return fd, path


def _keep_owner(path: Path, st: os.stat_result) -> None:
    if os.name == "nt" or not hasattr(os, "geteuid"):
        return
    if os.geteuid() == 0:
        os.chown(path, st.st_uid, st.st_gid)
        return
    if os.stat(path).st_gid != st.st_gid:
        # not a member of the file's group: the folder's group stays
        with contextlib.suppress(PermissionError):
            os.chown(path, -1, st.st_gid)


def clean_stale_temps(target: Path) -> list[Path]:
    """Remove the temporary files an earlier, killed run left beside ``target``.

    Call it only while holding the target's lock (:mod:`kpixl.io.lock`): then no live
    run is writing one of them. Returns what was removed.
    """
    pattern = temp_pattern(target.name)
    removed = []
    try:
        names = os.listdir(target.parent)
    except FileNotFoundError:
        return []
    for name in names:
        if pattern.fullmatch(name):
            path = target.parent / name
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def fsync_folder(folder: Path) -> None:
    """Flush a folder's entries (a rename into it) to the disk; nothing on Windows."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some file systems cannot sync a folder; the rename still holds
        pass
    finally:
        os.close(fd)
