"""Dated backup generations: every earlier version of a file kpixl replaces, kept.

Before kpixl replaces a file it owns, the file as it was is copied into a
``.kpixl-backups/`` folder beside it, named after it and the time of the copy::

    units/U01.xlsx  →  units/.kpixl-backups/U01.2026-12-02_052609.1.xlsx

(the number after the time tells two copies of the same second apart; the name keeps
the file's extension so that a backup opens in Excel with a double click). The newest
``keep`` generations of each file are kept, the older ones removed; ``keep`` comes from
the master's Config key ``backups`` where a job has one (default :data:`DEFAULT_KEEP`).
A file identical to its newest backup is not copied again, so running the same job
twice does not push older versions out.

A copy is written to a temporary file in the backup folder and renamed when complete:
a full disk or a crash during the copy leaves every earlier backup as it was.
"""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import stat
import time
from pathlib import Path

from kpixl.io.temps import clean_stale_temps, fsync_folder, new_temp

__all__ = [
    "BACKUP_DIR",
    "DEFAULT_KEEP",
    "backup_folder",
    "discard_backups",
    "generations",
    "keep_setting",
    "make_backup",
]

BACKUP_DIR = ".kpixl-backups"
DEFAULT_KEEP = 10
MAX_KEEP = 1000


def backup_folder(target: Path) -> Path:
    return target.parent / BACKUP_DIR


def _pattern(target: Path) -> re.Pattern[str]:
    stem, suffix = re.escape(target.stem), re.escape(target.suffix)
    return re.compile(rf"{stem}\.(\d{{4}}-\d{{2}}-\d{{2}}_\d{{6}})\.(\d+){suffix}")


def generations(target: str | Path) -> list[Path]:
    """The backups of ``target``, oldest first."""
    target = Path(target)
    folder = backup_folder(target)
    pattern = _pattern(target)
    try:
        names = os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []
    found = []
    for name in names:
        match = pattern.fullmatch(name)
        if match:
            found.append((match.group(1), int(match.group(2)), folder / name))
    return [path for _, _, path in sorted(found)]


def keep_setting(value: object) -> int | None:
    """How many generations a Config value asks for; blank → :data:`DEFAULT_KEEP`,
    None when the value is not a whole number from 1 to :data:`MAX_KEEP`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_KEEP
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not value.is_integer():
            return None
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if not text.isascii() or not text.isdigit():
            return None
        value = int(text)
    if isinstance(value, int) and 1 <= value <= MAX_KEEP:
        return value
    return None


def _make_folder(folder: Path) -> None:
    if folder.is_dir():
        return
    folder.mkdir(exist_ok=True)
    if os.name != "nt":  # shared like the folder it sits in, whatever the umask
        os.chmod(folder, stat.S_IMODE(os.stat(folder.parent).st_mode) & 0o3777)


def _next_name(target: Path, existing: list[Path]) -> str:
    stamp = time.strftime("%Y-%m-%d_%H%M%S", time.localtime())
    pattern = _pattern(target)
    used = [
        int(m.group(2))
        for p in existing
        if (m := pattern.fullmatch(p.name)) is not None and m.group(1) == stamp
    ]
    return f"{target.stem}.{stamp}.{max(used, default=0) + 1}{target.suffix}"


def make_backup(target: Path, *, keep: int = DEFAULT_KEEP) -> Path | None:
    """Copy ``target`` into its backup folder as a new generation; prune to ``keep``.

    Returns the backup holding the file's current content (None when there is no
    file). Call it while holding the target's lock. A failure (disk full) raises
    ``OSError`` with the temporary copy removed and earlier backups untouched.
    """
    if not target.is_file():
        return None
    existing = generations(target)
    if existing and filecmp.cmp(existing[-1], target, shallow=False):
        return existing[-1]
    folder = backup_folder(target)
    _make_folder(folder)
    clean_stale_temps(folder / target.name)
    fd, tmp = new_temp(folder / target.name, mode_of=target)
    try:
        with os.fdopen(fd, "wb") as copy, open(target, "rb") as source:
            shutil.copyfileobj(source, copy)
            copy.flush()
            os.fsync(copy.fileno())
        st = os.stat(target)
        os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
        backup = folder / _next_name(target, existing)
        os.replace(tmp, backup)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_folder(folder)
    for old in generations(target)[: -max(keep, 1)]:
        old.unlink(missing_ok=True)
    return backup


def discard_backups(target: str | Path) -> None:
    """Remove every backup of ``target`` (and the backup folder when it is left empty).

    For files kpixl has just built from nothing (the demo), whose earlier versions
    are not anyone's work.
    """
    target = Path(target)
    for path in generations(target):
        path.unlink(missing_ok=True)
    folder = backup_folder(target)
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
