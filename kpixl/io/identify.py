"""What a file is, before anything tries to open it as a workbook.

Encrypted, legacy .xls, corrupt, truncated, empty and oversized files become a finding
with the file's name; nothing here raises on bad input. Given the :class:`Limits` of its
kind, a workbook is also measured before any reader parses it (``kpixl.io.limits``).
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Collection
from pathlib import Path

from kpixl.core.codes import internal_finding
from kpixl.core.errors import file_problem
from kpixl.core.findings import ERROR, Finding
from kpixl.io.limits import (
    MASTER,
    MB,
    LimitExceeded,
    Limits,
    check_directory,
    scan_package,
    sheets_of,
)

__all__ = ["MAX_BYTES", "check_file", "sheet_names", "unreadable"]

MAX_BYTES = 20 * 1024 * 1024  # a personal or unit workbook is well under 1 MB
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"


def _finding(path: Path, code: str, th: str, en: str) -> Finding:
    return Finding(rule=code, message_th=th, message_en=en, severity=ERROR, file=path.name)


def _why_th(exc: OSError) -> str:
    """Why a file cannot be opened, in Thai: the system's own text is English (it stays in
    the English message)."""
    if isinstance(exc, FileNotFoundError):
        return "ไม่พบไฟล์"
    if isinstance(exc, IsADirectoryError):
        return "เป็นโฟลเดอร์ ไม่ใช่ไฟล์"
    if isinstance(exc, PermissionError):
        return "ไม่มีสิทธิ์อ่านไฟล์ หรือไฟล์เปิดค้างอยู่ในโปรแกรมอื่น"
    return "ระบบปฏิเสธการอ่านไฟล์"


def unreadable(path: Path, exc: Exception) -> Finding:
    """A workbook that passed :func:`check_file` but its reader failed on (or found
    over a limit: :class:`~kpixl.io.limits.LimitExceeded` carries its own finding)."""
    if isinstance(exc, LimitExceeded):
        return exc.finding
    return _finding(
        path,
        "file.corrupt",
        "อ่านสมุดงานไม่ได้ ไฟล์อาจเสียหรือไม่สมบูรณ์ ให้เปิดและบันทึกใหม่ใน Excel หรือขอไฟล์ใหม่จากผู้ส่ง",
        f"cannot read the workbook: {exc}",
    )


def read_failure(path: Path, exc: Exception, *, stage: str = "read") -> Finding:
    """What a reader's exception on ``path`` means: a damaged file (or one over a limit)
    is :func:`unreadable`; anything else is a defect of kpixl, a ``file.internal_error``
    finding naming the file and ``stage`` (raised instead under ``KPIXL_STRICT=1``)."""
    if isinstance(exc, LimitExceeded) or file_problem(exc):
        return unreadable(path, exc)
    return internal_finding(exc, file=path.name, stage=stage)


def _first_damaged(zf: zipfile.ZipFile, *, skip: Collection[str]) -> str | None:
    """The first member whose CRC does not match (``ZipFile.testzip``), leaving out the
    members in ``skip`` (already read and checked by the caller)."""
    for info in zf.infolist():
        if info.filename in skip:
            continue
        try:
            with zf.open(info) as member:
                while member.read(1 << 20):
                    pass
        except (zipfile.BadZipFile, zlib.error, EOFError):  # a bad CRC, bad deflate data
            return info.filename
    return None


def check_file(
    path: str | Path,
    *,
    max_bytes: int = MAX_BYTES,
    deep: bool = True,
    verified: Collection[str] = (),
    limits: Limits | None = None,
    sheets: bool = True,
) -> Finding | None:
    """A finding when ``path`` cannot be an .xlsx/.xlsm workbook kpixl can read.

    ``deep`` also checks every member's CRC; readers that decompress what they read
    anyway (and report a failure as a finding) pass ``deep=False``. ``limits``: the file
    size, the package's declared part sizes and ratios, and (with ``deep``) each member's
    inflated size and each sheet's extent, measured as the members are inflated, are held
    to the limits of its kind; ``max_bytes`` is then ``limits.mb``. ``sheets=False``
    leaves the extents to :func:`kpixl.io.grids.open_book`, which measures each sheet
    it is asked for (readers that parse every sheet, as openpyxl does, keep it True).
    """
    path = Path(path)
    if limits is not None:
        max_bytes = limits.mb * MB
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        return _finding(
            path, "file.unreadable", f"เปิดไฟล์ไม่ได้: {_why_th(exc)}", f"cannot open: {exc}"
        )
    if size == 0:
        return _finding(path, "file.empty", "ไฟล์ว่างเปล่า", "the file is empty")
    if size > max_bytes:
        key = f" (limit_{limits.kind}_mb)" if limits is not None else ""
        return _finding(
            path,
            "file.too_large",
            f"ไฟล์ใหญ่เกินไป ({size:,} ไบต์ เกิน {max_bytes:,}){key}",
            f"the file is too large ({size:,} bytes, over {max_bytes:,}){key}",
        )
    if head.startswith(_OLE):
        return _finding(
            path,
            "file.encrypted_or_xls",
            "ไฟล์ถูกตั้งรหัสผ่านหรือเป็น .xls รุ่นเก่า ให้ถอดรหัสผ่านแล้วบันทึกเป็น .xlsx",
            "the file is password-protected or an old .xls; remove the password and save as .xlsx",
        )
    if not head.startswith(_ZIP):
        return _finding(
            path,
            "file.not_xlsx",
            "ไม่ใช่ไฟล์ Excel (.xlsx)",
            "not an Excel workbook (.xlsx)",
        )
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if limits is not None:
                over = check_directory(zf, limits, path.name) or (
                    scan_package(
                        zf,
                        limits,
                        path.name,
                        sheets=sheets_of(zf) if sheets else None,
                        skip=verified,
                    )
                    if deep
                    else None
                )
                if over is not None:
                    return over
            bad = _first_damaged(zf, skip=verified) if deep and limits is None else None
    except (
        zipfile.BadZipFile,
        OSError,
        EOFError,
        ValueError,
        zlib.error,  # a damaged deflate stream
        NotImplementedError,  # a compression method zipfile does not know
        RuntimeError,  # an encrypted member
    ) as exc:
        return _finding(
            path,
            "file.corrupt",
            "ไฟล์เสียหรือไม่สมบูรณ์ (อาจส่งทางอีเมลไม่ครบ) ให้ขอไฟล์ใหม่จากผู้ส่ง",
            f"the file is corrupt or truncated (an incomplete e-mail attachment?): {exc}",
        )
    if bad is not None or "xl/workbook.xml" not in names:
        return _finding(
            path,
            "file.corrupt",
            "ไฟล์เสียหรือไม่สมบูรณ์",
            "the file is corrupt or incomplete",
        )
    return None


def sheet_names(path: str | Path) -> tuple[str, ...]:
    """The sheet names a workbook's package declares, in order, read from its workbook
    part alone (no sheet is parsed): enough to tell a master from a unit or a personal
    workbook. Empty when the file is no workbook :func:`check_file` passes within the
    largest form's limits (it then says why); nothing here raises on bad input."""
    path = Path(path)
    if check_file(path, limits=MASTER, deep=False) is not None:
        return ()
    try:
        with zipfile.ZipFile(path) as zf:
            return tuple(sheets_of(zf))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error, RuntimeError):
        return ()
