"""The maintainers' checks run with the suite: ruff and mypy stay clean on kpixl/."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> list[str]:
    exe = Path(sys.executable).with_name(name)
    return [str(exe)] if exe.exists() else [shutil.which(name) or name]


def test_ruff_is_clean() -> None:
    lint = subprocess.run([*_tool("ruff"), "check", "kpixl", "tests"], cwd=ROOT, check=False)
    assert lint.returncode == 0
    fmt = subprocess.run(
        [*_tool("ruff"), "format", "--check", "kpixl", "tests"], cwd=ROOT, check=False
    )
    assert fmt.returncode == 0


def test_mypy_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout


def test_import_kpixl_does_no_io() -> None:
    code = (
        "import sys\n"
        "opened = []\n"
        "sys.addaudithook(lambda e, a: e == 'open' and opened.append(str(a[0])))\n"
        "import kpixl\n"
        "mine = [p for p in opened if 'kpixl' in p and not p.endswith(('.py', '.pyc'))]\n"
        "assert mine == [], mine\n"
        "assert 'xlwings' not in sys.modules and 'openpyxl' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_core_imports_no_workbook_library() -> None:
    for path in (ROOT / "kpixl" / "core").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for lib in ("openpyxl", "python_calamine", "xlwings"):
            assert f"import {lib}" not in text, path


def test_no_private_name_crosses_a_module() -> None:
    """``from kpixl.x import _y`` nowhere: a helper another module needs has a public name
    in the module that owns it."""
    crossings = []
    for path in (ROOT / "kpixl").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("kpixl"):
                crossings += [
                    f"{path.relative_to(ROOT)}:{node.lineno} {node.module}.{alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_")
                    and alias.name != "__version__"
                    and alias.name != "_sheetscan"  # the C extension module itself
                ]
    assert crossings == []
