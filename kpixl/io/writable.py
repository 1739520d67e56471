"""Is a file, or the folder it sits in, read-only? Decided before anything is written.

kpixl never replaces a file its owner marked read-only. The check reads the mode bits
itself rather than trusting ``os.access`` alone, because the administrator (root) may
write anything whatever its mode: a master set to 0444, or a folder set to 0555, is
refused for root as for everyone. ``os.access`` is asked as well, which catches what the
mode bits cannot show (a file of someone else's that the user may not write, a
read-only mount). On Windows a folder's read-only attribute does not stop writing (it
marks customised folders), so only files are judged there; what Windows still refuses
(a file open in Excel) arrives as an error from the write itself.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from kpixl.core.errors import ReadOnlyError

__all__ = ["check_writable", "folder_is_read_only", "read_only_reason"]

_WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH


def folder_is_read_only(folder: Path) -> bool:
    """True when new files may not be made in ``folder`` (mode without write bits, or
    the system says so). A folder that does not exist yet is not read-only."""
    if os.name == "nt":
        return False
    try:
        mode = os.stat(folder).st_mode
    except FileNotFoundError:
        return False
    return not mode & _WRITE_BITS or not os.access(folder, os.W_OK | os.X_OK)


def read_only_reason(target: Path) -> tuple[str, str] | None:
    """Why ``target`` must not be replaced, in Thai and English; None when it may be."""
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and (not mode & _WRITE_BITS or not os.access(target, os.W_OK)):
        octal = f"{stat.S_IMODE(mode):04o}"
        return (
            f"ไฟล์นี้เป็นแบบอ่านอย่างเดียว (สิทธิ์ {octal}) จึงไม่เขียนทับ"
            " ถ้าต้องการให้ kpixl เขียน ให้เปลี่ยนสิทธิ์ไฟล์ให้เขียนได้ก่อน",
            f"the file is read-only (mode {octal}), so kpixl does not replace it;"
            " make it writable first if kpixl should write it",
        )
    if folder_is_read_only(target.parent):
        folder = os.path.abspath(target.parent)  # "." names no folder a person can find
        return (
            f"โฟลเดอร์ {folder} เป็นแบบอ่านอย่างเดียว",
            f"the folder {folder} is read-only",
        )
    return None


def check_writable(target: Path) -> None:
    """Raise :class:`ReadOnlyError` when ``target`` or its folder is read-only."""
    reason = read_only_reason(target)
    if reason is not None:
        raise ReadOnlyError(target, reason[1], reason[0])
