"""``kpixl excel install``: the interpreter setting, the copied templates, the steps."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kpixl", "excel", "install", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_install_writes_the_interpreter_and_copies_the_templates(tmp_path: Path) -> None:
    conf = tmp_path / "home" / ".xlwings" / "xlwings.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text('"LICENSE_KEY","noncommercial"\n"INTERPRETER_WIN","C:\\old\\python.exe"\n')
    out = tmp_path / "hr"
    done = run("--out", str(out), "--config-file", str(conf))
    assert done.returncode == 0, done.stderr
    lines = conf.read_text().splitlines()
    assert lines[0] == '"LICENSE_KEY","noncommercial"'  # other settings kept
    key = "INTERPRETER_MAC" if sys.platform == "darwin" else "INTERPRETER_WIN"
    assert [line for line in lines if line.startswith(f'"{key}"')] == [
        f'"{key}","{sys.executable}"'
    ]
    for name in ("master.xlsm", "unit.xlsm"):
        assert (out / name).read_bytes() == (TEMPLATES / name).read_bytes()
    assert "Trust access to the VBA project object model" in done.stdout
    assert "Consolidate" in done.stdout and str(out / "master.xlsm") in done.stdout
    # a second run changes nothing it should not: one interpreter line, files kept
    (out / "master.xlsm").write_bytes(b"edited by HR")
    again = run("--out", str(out), "--config-file", str(conf))
    assert again.returncode == 0
    assert conf.read_text().count(key) == 1
    assert (out / "master.xlsm").read_bytes() == b"edited by HR"
    assert "exists" in again.stdout
