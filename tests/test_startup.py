"""Startup (issue 14, item 6): the command line loads without the heavy libraries.

An Excel button and every ``kpixl`` call pay Python's start and its imports: ``import
kpixl.cli``, ``kpixl --version`` and the help of every command load none of pandas,
pandera, openpyxl, numpy, pydantic, xlwings or python_calamine; a command imports its
job when it runs. Which modules load is asserted, never a time.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import kpixl
from kpixl.cli import options

HEAVY = ("pandas", "pandera", "openpyxl", "numpy", "pydantic", "xlwings", "python_calamine")

# run in a fresh interpreter: prints what it printed, then a line with the heavy modules
PROBE = """
import sys
{body}
print("\\nHEAVY=" + __import__("json").dumps(
    sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})))
"""


def probe(body: str) -> tuple[str, list[str]]:
    code = PROBE.format(body=body, heavy=set(HEAVY))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    out, _, heavy = done.stdout.rpartition("\nHEAVY=")
    return out, json.loads(heavy)


def test_import_kpixl_cli_loads_no_heavy_library() -> None:
    _, heavy = probe("import kpixl.cli")
    assert heavy == []


def test_import_kpixl_loads_no_heavy_library_and_still_gives_every_name() -> None:
    _, heavy = probe("import kpixl")
    assert heavy == []
    out, _ = probe("import kpixl\nprint(kpixl.allocate.__module__, kpixl.Rules.__name__)")
    assert "kpixl.core.allocation Rules" in out
    assert set(kpixl.__all__) <= set(dir(kpixl))
    with pytest.raises(AttributeError):
        _ = kpixl.no_such_name  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--version"], ["kpixl, version"]),
        (["--help"], ["consolidate", "validate", "salary", "cascade", "demo", "collect"]),
        (["consolidate", "--help"], ["manual|table|optimize", "flat|proportional", "--jobs"]),
        (["salary", "calc", "--help"], ["2560-10", "SALARY LEVEL_CODE PCT"]),
        (["templates", "build", "--help"], ["templates"]),
    ],
)
def test_version_and_help_need_no_heavy_library(args: list[str], expected: list[str]) -> None:
    out, heavy = probe(f"from kpixl.cli import main\nmain({args!r})")
    assert heavy == []
    for text in expected:
        assert text in out, out


def test_the_help_constants_are_the_librarys_own() -> None:
    """The choices and defaults the help shows are spelled out in kpixl.cli.options (a
    light module); they stay equal to the library's own."""
    from kpixl.core import allocation
    from kpixl.core.rules import DEFAULT_SALARY_TABLE
    from kpixl.jobs import consolidate
    from kpixl.workbooks.personal import TEMPLATE_PATH

    assert options.POLICIES == consolidate.POLICIES == allocation.POLICIES
    assert options.SHAPES == consolidate.SHAPES == allocation.SHAPES
    assert options.DEFAULT_SALARY_TABLE == DEFAULT_SALARY_TABLE
    assert TEMPLATE_PATH.parent == options.TEMPLATES_DIR


def test_a_command_still_loads_its_job_when_it_runs() -> None:
    out, _ = probe(
        "from kpixl.cli import main\nmain(['salary', 'calc', '28000', 'K2', '3.5'])\n"
        "print('loaded:', 'kpixl.core.salary' in sys.modules)"
    )
    assert "28,860" in out and "loaded: True" in out


BUTTON = """
import sys, time
start = time.perf_counter()
from kpixl.excel import macros
writes = []

class Cell:
    def __init__(self, ref):
        self.ref = ref
    @property
    def value(self):
        return None
    @value.setter
    def value(self, text):
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})
        writes.append((self.ref, str(text), heavy, time.perf_counter() - start))

class Sheet:
    def range(self, ref):
        return Cell(ref)

class Sheets(dict):
    def __missing__(self, name):
        return Sheet()

class Book:
    sheets = Sheets()
    fullname = "/nonexistent/master.xlsx"

macros.{macro}(Book())
print(__import__("json").dumps(writes[0]))
"""


@pytest.mark.parametrize(
    "macro", ["consolidate", "reports", "new_round", "seal", "collect", "allocate"]
)
def test_a_button_shows_it_is_working_before_any_heavy_import(macro: str) -> None:
    """The first thing a button writes is its "working" status line, while none of the
    heavy libraries is loaded yet (on Windows the line appears at once in the sheet)."""
    code = BUTTON.format(macro=macro, heavy=set(HEAVY) - {"xlwings"})
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    _, text, heavy, _ = json.loads(done.stdout.strip().splitlines()[-1])
    assert text.startswith("⏳ กำลังทำงาน") and "working" in text
    assert heavy == []
