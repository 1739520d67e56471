"""Worker processes that end with the main process, and a process of its own for work
that may kill the process it runs in.

A worker of a process pool outlives a main process that is killed (SIGKILL, a closed
console, Task Manager): nothing is left to stop it. Every kpixl worker starts with
:func:`worker_start`: on Linux the kernel sends it SIGKILL when its parent dies
(``prctl(PR_SET_PDEATHSIG)``), and on every system a watchdog thread ends it when its
parent is gone (POSIX: the worker is handed to another parent; Windows: the parent's
process handle is signalled), so it works with the ``spawn`` start method too.

``KPIXL_START_METHOD=spawn|fork|forkserver`` forces the start method of every kpixl
process (:func:`start_method`): ``spawn`` is Windows' only one, so the Windows path can
be run and tested on Linux.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.process import BaseProcess
from typing import Any, Generic, TypeVar

__all__ = ["START_METHOD_ENV", "Alone", "start_method", "start_pool", "worker_start"]

T = TypeVar("T")
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
START_METHOD_ENV = "KPIXL_START_METHOD"


def start_method() -> str:
    """The start method kpixl's processes use: ``KPIXL_START_METHOD`` when it names one
    this system has (``spawn``, ``fork``, ``forkserver``), else Python's default."""
    wanted = os.environ.get(START_METHOD_ENV, "").strip().lower()
    methods = multiprocessing.get_all_start_methods()  # this system's default first
    if wanted in methods:
        return wanted
    return multiprocessing.get_start_method(allow_none=True) or methods[0]


def start_pool(jobs: int) -> ProcessPoolExecutor:
    """A process pool of ``jobs`` workers (started by :func:`start_method`) that end when
    this process ends."""
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context(start_method()),
        initializer=worker_start,
        initargs=(os.getpid(),),
    )


def worker_start(main: int) -> None:
    """First thing in every worker: end when the main process ``main`` ends."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the watchdog alone
            pass
    if os.name != "nt" and os.getppid() != main:  # it died before the prctl took hold
        os._exit(1)
    threading.Thread(
        target=_watch,
        args=(main, multiprocessing.parent_process()),
        daemon=True,
        name="kpixl-watch-main",
    ).start()


def _watch(main: int, parent: BaseProcess | None) -> None:
    if os.name == "nt":
        if parent is not None:
            multiprocessing.connection.wait([parent.sentinel])
            os._exit(1)
        return
    while os.getppid() == main:
        time.sleep(0.5)
    os._exit(1)


class Alone(Generic[T]):
    """``fn(*args)`` in a process of its own (a worker as above), started at once;
    :meth:`result` gives its value, or None and why the process ended without one."""

    def __init__(self, fn: Callable[..., T], *args: Any) -> None:
        context = multiprocessing.get_context(start_method())
        self._conn, child = context.Pipe(duplex=False)
        self._process = context.Process(  # type: ignore[attr-defined]  # every start method's context has one
            target=_alone, args=(child, os.getpid(), fn, *args), daemon=True
        )
        self._process.start()
        child.close()

    def result(self) -> tuple[T | None, str]:
        try:
            value: T | None = self._conn.recv()
        except (EOFError, OSError):  # it ended without sending
            value = None
        finally:
            self._conn.close()
        self._process.join()
        if value is not None:
            return value, ""
        return None, _why(self._process.exitcode or 0)


def _why(code: int) -> str:
    if code >= 0:
        return f"exit code {code}"
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = f"signal {-code}"
    killed = getattr(signal, "SIGKILL", None)
    return f"{name}, out of memory?" if killed is not None and -code == killed else name


def _alone(conn: Any, main: int, fn: Callable[..., Any], *args: Any) -> None:
    worker_start(main)
    conn.send(fn(*args))
    conn.close()
