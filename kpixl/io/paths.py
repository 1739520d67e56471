"""Paths built from workbook text stay inside their folder.

A roster's unit, a person's id or name, a unit code: text typed into a workbook ends up
in a file or folder name (``personal/<unit>/<round>_<id>_<name>.xlsx``). Such text is
never trusted as a path. :func:`safe_part` turns one piece of text into one harmless
name; :func:`safe_child` joins such names under a folder and checks that the result is
still inside it. Every path kpixl builds from workbook text goes through
:func:`safe_child`.

What a part loses (on every system, so a file made on Linux is safe on Windows)::

    ../../../X       → X            separators and the dots around them
    /abs/X           → abs-X        an absolute path is one name
    C:\\X, C:X       → C-X          drive letters (``:`` also opens NTFS streams)
    \\\\srv\\share      → srv-share    UNC paths
    CON, nul.xlsx    → _CON, _nul.xlsx   Windows' reserved device names
    "a\\x00b\\tc"      → abc          control characters
    "name. . "       → name         trailing dots and spaces (Windows drops them)
    "", "..", "///"  → _            nothing left: a placeholder
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from kpixl.core.errors import InputError

__all__ = ["safe_child", "safe_part"]

# characters Windows forbids in a name, path separators of every system included
_FORBIDDEN = re.compile(r'[\\/:*?"<>|]+')
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{d}{n}" for d in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")}
)
_MAX_BYTES = 240  # below the 255-byte name limit of ext4, NTFS and APFS, with room


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")


def safe_part(text: object) -> str:
    """``text`` as one file or folder name that cannot leave the folder it is put in.

    Ordinary names (Thai and English words, codes, ``2570-1_1101700123458_สมใจ-ใจดี.xlsx``)
    come back unchanged.
    """
    name = "".join(ch for ch in str(text) if not _is_control(ch))
    name = _FORBIDDEN.sub("-", name)
    name = name.strip(" .-")
    if not name:
        return "_"
    stem = name.split(".", 1)[0].rstrip(" ")
    if stem.upper() in _RESERVED:
        name = "_" + name
    encoded = name.encode("utf-8")
    if len(encoded) > _MAX_BYTES:  # keep the extension, cut the rest on a character
        suffix = Path(name).suffix if len(Path(name).suffix) <= 10 else ""
        room = _MAX_BYTES - len(suffix.encode("utf-8"))
        head = encoded[:room].decode("utf-8", errors="ignore").rstrip(" .")
        name = (head or "_") + suffix
    return name


def safe_child(folder: str | Path, *parts: object) -> Path:
    """``folder / part / …`` with every part made a plain name by :func:`safe_part`.

    Raises :class:`~kpixl.core.errors.InputError` if the result is not inside
    ``folder`` all the same (a link inside the folder that points elsewhere).
    """
    base = Path(folder)
    path = base.joinpath(*(safe_part(p) for p in parts))
    root = os.path.realpath(base)
    real = os.path.realpath(path)
    if os.path.commonpath([root, real]) != root or (parts and real == root):
        raise InputError(
            f"the path {path} built from workbook text is not inside {base}",
            f"เส้นทาง {path} ที่สร้างจากข้อความในสมุดงานไม่อยู่ในโฟลเดอร์ {base}",
        )
    return path
