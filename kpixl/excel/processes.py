"""Worker processes started from Excel: no console window, a sensible number of them.

Under ``RunPython`` on Windows, Python runs inside Excel's session as ``pythonw.exe`` or
``python.exe``; multiprocessing starts every worker with ``sys.executable`` (``spawn``,
Windows' only start method), and a ``python.exe`` worker opens a console window per
process. :func:`quiet_workers` points multiprocessing at the ``pythonw.exe`` beside it.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path

__all__ = ["button_jobs", "quiet_workers"]


def quiet_workers(executable: str | None = None) -> Path | None:
    """Start worker processes with the ``pythonw.exe`` beside ``executable`` (by default
    ``sys.executable``) when there is one; the path set, or None (nothing changed).

    Called by the Excel buttons before their workers start; harmless elsewhere (no
    ``pythonw.exe`` beside a Linux or macOS Python)."""
    windowless = Path(executable or sys.executable).with_name("pythonw.exe")
    if not windowless.is_file():
        return None
    multiprocessing.set_executable(str(windowless))
    return windowless


def button_jobs(cpus: int | None = None) -> int:
    """Workers for an Excel button: one core left to Excel, at most 4, at least 1."""
    cpus = os.cpu_count() if cpus is None else cpus
    return max(1, min((cpus or 1) - 1, 4))
