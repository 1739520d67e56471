"""The clean round every corpus case starts from, and how a case is described."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from kpixl.jobs.demo import build_demo

__all__ = ["Base", "Build", "Case", "Expect", "Round", "Run", "build_base"]

Kind = Literal["personal", "unit", "master"]

# small, and clean: validate, collect and consolidate all exit 0 on it
UNITS, PEOPLE, SEED = 2, 6, 2569


@dataclass(frozen=True)
class Base:
    """A clean demo round: master.xlsx, units/U0n.xlsx, personal/U0n/*.xlsx."""

    root: Path

    def copy(self, work: Path) -> Round:
        target = work / "round"
        shutil.copytree(self.root, target)
        return Round(target)


@dataclass(frozen=True)
class Round:
    """One case's copy of the clean round."""

    root: Path

    @property
    def master(self) -> Path:
        return self.root / "master.xlsx"

    def unit(self, code: str = "U01") -> Path:
        return self.root / "units" / f"{code}.xlsx"

    def folder(self, code: str = "U01") -> Path:
        return self.root / "personal" / code

    def personal(self, code: str = "U01", index: int = 0) -> Path:
        return sorted(self.folder(code).glob("*.xlsx"))[index]


def build_base(folder: Path) -> Base:
    build_demo(folder, units=UNITS, people=PEOPLE, seed=SEED)
    return Base(folder)


@dataclass(frozen=True)
class Run:
    """What a case runs: ``kpixl ARGS`` (``--json`` is added), the files it must leave
    byte-identical, the workbook it writes (which must then open with openpyxl), the
    folder every file it creates must lie in (``outputs``), and environment variables
    set for the run (``env``: ``KPIXL_SEAL_KEY``)."""

    args: list[str]
    sources: list[Path]
    written: Path | None = None
    outputs: Path | None = None
    env: Mapping[str, str] = field(default_factory=dict)


Build = Callable[[Round], Run]


@dataclass(frozen=True)
class Expect:
    """What a correct kpixl does with the case.

    ``rules``: finding codes that must all be reported; ``file``/``sheet``/``cell``: where
    the first of them must point ("" = not checked); ``exit``: the allowed exit codes;
    ``absent``: codes that must not be reported; ``hostile``: text that must never end
    up inside a formula of the written workbook; ``kept``: text that must be in the
    written workbook, as text (so the ``hostile`` check is not vacuous); ``refused``:
    the command must write nothing (its target is among the run's sources) and print
    no ✓ line.
    """

    rules: tuple[str, ...] = ()
    file: str = ""
    sheet: str = ""
    cell: str = ""
    exit: frozenset[int] = frozenset({1})
    absent: tuple[str, ...] = ()
    hostile: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    refused: bool = False


@dataclass(frozen=True)
class Case:
    """One named bad input: how to build it from a clean round, and what must happen.

    ``area`` names another helper's branch that owns the behaviour (text, seal,
    bounded, findings, collect); ``subprocess`` runs the CLI in its own process (a
    crash there must not take the test run with it).
    """

    name: str
    kind: Kind
    build: Build
    expect: Expect = field(default_factory=Expect)
    area: str = ""
    subprocess: bool = False
