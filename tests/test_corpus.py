"""The hostile corpus (issue 13, item 9): every bad input gives findings, never a crash.

Each case of ``tests/corpus`` runs through the command that reads it, in this process
(click's runner around ``kpixl.cli.main``, which maps errors to exit codes as the
installed command does) or, for inputs that could take the process down, in a child
process with a memory limit. For every case: the expected finding codes, at their
file, sheet and cell; no traceback and no internal error; the allowed exit code; every
source byte-identical; nothing written outside the round's folder (or outside the
folder the command writes to); a refused command prints no ✓ line; and a workbook
kpixl writes opens with openpyxl, holds the hostile text as text and no formula made
of it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from corpus import CASES, Base, Case, build_base

from kpixl.cli import main
from kpixl.io.cell_text import decode_text

MEMORY_LIMIT = 3 << 30  # bytes of address space for a case run in a child process
EXCEL_CELL_CHARS = 32_767  # the most characters an Excel cell holds


@pytest.fixture(scope="session")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    return build_base(tmp_path_factory.mktemp("corpus") / "base")


def digest(paths: list[Path]) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def findings_in(output: str) -> list[dict[str, Any]]:
    """Every finding (an object with a ``rule``) in the command's JSON output."""
    out: list[dict[str, Any]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "rule" in node:
                out.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(output))
    return out


def in_process(args: list[str]) -> tuple[int, str, str]:
    runner = CliRunner()
    with runner.isolation() as (stdout, stderr, _):
        code = main(args)
    return code, stdout.getvalue().decode("utf-8"), stderr.getvalue().decode("utf-8")


def limit_memory() -> None:  # pragma: no cover - runs in the child
    import resource  # POSIX only, like preexec_fn

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def child_process(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "kpixl", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        preexec_fn=limit_memory,
        env={**os.environ, **env, "KPIXL_DEBUG": ""},
    )
    return done.returncode, done.stdout, done.stderr


def formulas(path: Path) -> list[tuple[str, str, str]]:
    """(sheet, cell, formula) of every formula in a workbook."""
    wb = openpyxl.load_workbook(path)
    return [
        (ws.title, cell.coordinate, str(cell.value))
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


def texts(path: Path) -> list[str]:
    """Every text cell of a workbook, as typed (openpyxl leaves ``_xHHHH_`` encoded)."""
    wb = openpyxl.load_workbook(path)
    return [
        decode_text(cell.value)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "s" and isinstance(cell.value, str)
    ]


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def test_the_corpus_is_large_and_covers_every_kind() -> None:
    assert len(CASES) >= 40
    kinds = {c.kind for c in CASES}
    assert kinds == {"personal", "unit", "master"}
    assert all(sum(c.kind == k for c in CASES) >= 10 for k in kinds)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_case(
    case: Case, base: Base, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    round_ = base.copy(tmp_path)
    run = case.build(round_)
    for name, value in run.env.items():
        monkeypatch.setenv(name, value)
    before = digest(run.sources)
    around = files_under(tmp_path)
    as_json = run.args[0] not in {"personal", "seal"}  # the commands without --json
    args = [*run.args, "--json"] if as_json else run.args
    code, stdout, stderr = (
        child_process(args, dict(run.env)) if case.subprocess else in_process(args)
    )
    output = stdout + stderr

    # never a crash, never a changed source, nothing written outside the round's folder
    assert "Traceback (most recent call last)" not in output, output[-3000:]
    assert "internal error" not in output, output[-3000:]
    assert code in case.expect.exit, (code, output[-3000:])
    assert digest(run.sources) == before, "a source file was modified"
    created = files_under(tmp_path) - around
    escaped = {p for p in created if round_.root not in p.parents}
    assert escaped == set(), escaped
    if run.outputs is not None:
        astray = {p for p in created if run.outputs not in p.parents}
        assert astray == set(), astray
    for text in case.expect.hostile:
        if text == "root:":  # an external entity must never be resolved into the output
            assert "root:x:0:0" not in output

    # the expected findings, where they belong
    found = findings_in(stdout) if as_json else []
    check_findings(case, found, run.sources[0].name if case.kind == "personal" else "")

    # a refused command writes nothing (its target is a source, checked above) and says so
    if case.expect.refused:
        assert json.loads(stdout).get("written") is False, stdout[-3000:]
        code, stdout, stderr = in_process(run.args)  # as a person reads it, without --json
        assert code == 1, (code, stdout + stderr)
        assert "✓" not in stdout + stderr, stdout + stderr
        assert digest(run.sources) == before, "a source file was modified"

    # a workbook kpixl wrote opens, and hostile text in it is text, not a formula
    if run.written is not None and run.written.exists():
        cells = formulas(run.written)
        for text in case.expect.hostile:
            bad = [c for c in cells if text in c[2]]
            assert bad == [], bad
        held = texts(run.written)
        assert max(map(len, held), default=0) <= EXCEL_CELL_CHARS
        if case.expect.kept:
            for text in case.expect.kept:
                assert any(text in value for value in held), (text, run.written.name)
    else:
        assert not case.expect.kept, "the case expects a written workbook"


def check_findings(case: Case, found: list[dict[str, Any]], default_file: str) -> None:
    rules = [f["rule"] for f in found]
    for rule in case.expect.rules:
        assert rule in rules, (rule, rules)
    for rule in case.expect.absent:
        assert rule not in rules, (rule, found)
    assert all(f["message_th"] and f["message_en"] for f in found)
    for f in found:  # a plain cell (E6, not 'ผลสัมฤทธิ์'!E6) and no Python repr for the user
        assert "!" not in str(f.get("cell") or ""), f
        assert not re.search(r"\b(None|nan|NaN|NaT)\b", f["message_en"] + f["message_th"]), f
    placed = [(f["rule"], f["file"], f["sheet"], f["cell"]) for f in found if f["cell"]]
    assert len(placed) == len(set(placed)), placed  # once per cell
    if not case.expect.rules:
        return
    file = case.expect.file or default_file
    sheet, cell = case.expect.sheet, case.expect.cell
    first = [f for f in found if f["rule"] == case.expect.rules[0]]
    where = [
        f
        for f in first
        if (not file or f["file"] == file)
        and (not sheet or f["sheet"] == sheet)
        and (not cell or f["cell"] == cell)
    ]
    assert where, ((file, sheet, cell), first)
