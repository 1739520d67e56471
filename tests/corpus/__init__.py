"""A hostile corpus: named bad inputs for every kind of workbook, built by code.

Every case starts from a small clean demo round (:func:`build_base`) and damages,
edits or replaces one thing in it, as a careless or hostile sender would; no binary
fixture is committed. ``tests/test_corpus.py`` runs each through the command that
reads it: ``kpixl validate`` (personal), ``kpixl collect`` (a unit and its folder of
personal workbooks) and ``kpixl consolidate`` (the master and its units).
"""

from __future__ import annotations

from .base import Base, Build, Case, Expect, Round, Run, build_base
from .master import CASES as MASTER_CASES
from .personal import CASES as PERSONAL_CASES
from .unit import CASES as UNIT_CASES

__all__ = ["CASES", "Base", "Build", "Case", "Expect", "Round", "Run", "build_base"]

CASES: list[Case] = [*PERSONAL_CASES, *UNIT_CASES, *MASTER_CASES]
assert len({c.name for c in CASES}) == len(CASES), "corpus case names must be unique"
