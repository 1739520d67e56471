"""The README's Quick start stays true: two commands, CI runs the second, the main job works."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def quick_start() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "Quick start has no bash block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_quick_start_has_exactly_two_commands() -> None:
    commands = quick_start()
    assert len(commands) == 2
    assert "pip install" in commands[0] and "kpixl " in commands[0]
    assert "'.[test]'" in commands[1] and "pytest" in commands[1]


def test_ci_runs_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    pattern = re.search(r'grep -m1 "(.*?)" README\.md', script)
    assert pattern
    wanted = pattern.group(1).replace("\\", "")
    readme_lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    first = next(line for line in readme_lines if wanted in line)
    assert first == quick_start()[1]


def test_the_main_job_of_the_first_command_runs() -> None:
    job = quick_start()[0].split("&&")[-1].strip()
    argv = shlex.split(job)
    assert Path(argv[0]).name == "kpixl"
    result = subprocess.run(
        [sys.executable, "-m", "kpixl", *argv[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
