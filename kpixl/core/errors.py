"""Exceptions raised by kpixl.

Validation problems in tables are *findings* (rows, see :mod:`kpixl.core.findings`),
not exceptions. Exceptions are for a call that cannot go on: a scalar function given
invalid input, or a rule set that contradicts itself.

The tree::

    KpixlError
    ├── RuleError (ValueError)        a rule set is contradictory or malformed
    ├── InputError (ValueError)       a scalar function got an invalid argument
    │   ├── LevelsError               KPI levels not five, or not strictly monotone
    │   ├── WeightsError              weights not positive or not summing to 100
    │   └── RatingError               a rating outside its scale
    ├── SalaryError (ValueError)      a salary, level code or % the tables cannot serve
    └── FileWriteError                a file kpixl owns was not written; it and its backups
        │                             are as they were (the CLI exits 2)
        ├── DiskFullError             no space left (ENOSPC, EFBIG, EDQUOT)
        ├── ReadOnlyError             the file or its folder is read-only (or open elsewhere)
        └── LockedError               another kpixl run holds the file's lock

Every error carries a Thai and an English message; ``str(error)`` shows both.

An exception kpixl did not raise on purpose is one of two things, and
:func:`file_problem` tells which: a damaged or foreign file (the readers' zip, XML and
decoding errors, python-calamine's and openpyxl's errors, and what ``kpixl.io`` raises
for a file it cannot read), which is a finding about that file; or a defect of kpixl,
which :func:`kpixl.core.codes.internal_finding` reports as ``file.internal_error`` (and which
``KPIXL_STRICT=1``, set for the tests, raises instead).
"""

from __future__ import annotations

import os
import zipfile
import zlib
from dataclasses import dataclass

__all__ = [
    "DiskFullError",
    "FileWriteError",
    "InputError",
    "KpixlError",
    "LevelsError",
    "LockedError",
    "RatingError",
    "ReadOnlyError",
    "RuleError",
    "RuleProblem",
    "SalaryError",
    "WeightsError",
    "file_problem",
    "strict",
]

# what a damaged or foreign file makes any reader raise
_FILE_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, UnicodeDecodeError)
# the libraries that read workbooks: their exceptions, or any exception raised inside
# them while they read a file, say that the file is damaged (XML, zip, a bad value)
_READERS = ("zipfile", "zlib", "xml", "pyexpat", "openpyxl", "et_xmlfile", "python_calamine")
# kpixl's own readers raise ValueError or KeyError for a file they cannot read
_KPIXL_READERS = "kpixl.io"


def _package(module: str) -> str:
    return module.split(".", 1)[0]


def _raised_in(exc: BaseException) -> str:
    """The module of the innermost Python frame ``exc`` was raised from ("" if none)."""
    tb = exc.__traceback__
    if tb is None:
        return ""
    while tb.tb_next is not None:
        tb = tb.tb_next
    return str(tb.tb_frame.f_globals.get("__name__", ""))


def file_problem(exc: BaseException) -> bool:
    """Whether ``exc``, raised while reading a file, says the file is damaged or not a
    workbook (a finding about the file) rather than that kpixl has a defect."""
    if isinstance(exc, _FILE_ERRORS) or _package(type(exc).__module__) in _READERS:
        return True
    module = _raised_in(exc)
    if _package(module) in _READERS:
        return True
    return module.startswith(_KPIXL_READERS) and isinstance(exc, (ValueError, KeyError))


def strict() -> bool:
    """``KPIXL_STRICT=1``: a defect of kpixl raises instead of becoming a finding."""
    return os.environ.get("KPIXL_STRICT") == "1"


class KpixlError(Exception):
    """Base class of every error kpixl raises on purpose."""

    def __init__(self, message_en: str, message_th: str = "") -> None:
        self.message_en = message_en
        self.message_th = message_th or message_en
        super().__init__(self.message_en)

    def __str__(self) -> str:
        if self.message_th and self.message_th != self.message_en:
            return f"{self.message_th} / {self.message_en}"
        return self.message_en


@dataclass(frozen=True)
class RuleProblem:
    """One problem found in a rule set: the rule's dotted path and its value."""

    rule: str
    value: object
    message_th: str
    message_en: str

    def __str__(self) -> str:
        return f"[{self.rule} = {self.value!r}] {self.message_th} / {self.message_en}"


class RuleError(KpixlError, ValueError):
    """A rule set that contradicts itself or cannot be read.

    ``problems`` lists every problem found, not only the first.
    """

    def __init__(self, problems: list[RuleProblem], *, source: str = "") -> None:
        self.problems = list(problems)
        self.source = source
        where = f" ({source})" if source else ""
        first = self.problems[0] if self.problems else None
        head_en = f"invalid rule set{where}: {len(self.problems)} problem(s)"
        head_th = f"ชุดกฎไม่ถูกต้อง{where}: พบ {len(self.problems)} ปัญหา"
        super().__init__(head_en, head_th)
        self.rule = first.rule if first else ""
        self.value = first.value if first else None

    def __str__(self) -> str:
        lines = [super().__str__()]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class InputError(KpixlError, ValueError):
    """A scalar function was given an argument it cannot use."""


class LevelsError(InputError):
    """The five target levels are missing, not numbers, or not strictly monotone."""


class WeightsError(InputError):
    """Weights are not positive, or do not sum to 100."""


class RatingError(InputError):
    """A competency rating or level lies outside its scale."""


class SalaryError(KpixlError, ValueError):
    """A salary, level code or percentage that the salary tables cannot serve."""


class FileWriteError(KpixlError):
    """A file kpixl owns could not be written; the file and its backups are as they were.

    ``code`` is the finding code (see :mod:`kpixl.core.codes`) a job reports it under;
    ``reason_th`` / ``reason_en`` say why, ``path`` which file.
    """

    code = "write.failed"

    def __init__(
        self, path: object, reason_en: str, reason_th: str = "", *, errno: int | None = None
    ) -> None:
        self.path = str(path)
        self.reason_en = reason_en
        self.reason_th = reason_th or reason_en
        self.errno = errno
        super().__init__(
            f"cannot write {self.path}: {self.reason_en}",
            f"เขียน {self.path} ไม่ได้: {self.reason_th}",
        )


class DiskFullError(FileWriteError):
    """No space left on the disk (or a file-size limit) while writing."""

    code = "write.disk_full"


class ReadOnlyError(FileWriteError):
    """The file or its folder is read-only, or the system refused the write."""

    code = "write.read_only"


class LockedError(FileWriteError):
    """Another kpixl run (named in the message: host, pid, command) holds the file's lock."""

    code = "write.locked"
