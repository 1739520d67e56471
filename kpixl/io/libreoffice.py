"""LibreOffice headless: recalculate workbooks and render them to PDF.

Used by the tests (an independent engine checks the native formulas) and by anyone who
wants print-ready PDFs without Excel. Each call uses its own throw-away profile so that
parallel runs and a desktop LibreOffice do not interfere.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

__all__ = ["LibreOfficeError", "convert", "soffice"]


class LibreOfficeError(RuntimeError):
    """LibreOffice is missing or a conversion failed."""


def soffice() -> str | None:
    """Path of the soffice binary, or None when LibreOffice is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(
    files: Sequence[str | Path], outdir: str | Path, *, to: str = "xlsx", timeout: float = 600
) -> list[Path]:
    """Convert ``files`` with LibreOffice (``xlsx`` recalculates, ``pdf`` renders).

    Returns the output paths, in the order of ``files``.
    """
    binary = soffice()
    if binary is None:
        raise LibreOfficeError("LibreOffice (soffice) is not installed")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    target = 'xlsx:"Calc MS Excel 2007 XML"' if to == "xlsx" else to
    with tempfile.TemporaryDirectory(prefix="kpixl-lo-") as profile:
        command = [
            binary,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            target.replace('"', ""),
            "--outdir",
            str(outdir),
            *[str(f) for f in files],
        ]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
    outputs = [outdir / (Path(f).stem + "." + to) for f in files]
    missing = [p for p in outputs if not p.exists()]
    if result.returncode != 0 or missing:
        raise LibreOfficeError(
            f"LibreOffice failed (exit {result.returncode}); missing {missing}: {result.stderr[-2000:]}"
        )
    return outputs
