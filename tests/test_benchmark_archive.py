"""``benchmarks/archive.py`` (issue 17, item 7) runs and prints its ratios.

The benchmark at a tiny size (two unit workbooks, three people each), on SQLite and on
the PostgreSQL server of ``tests/db_servers.py``: it must archive the round, write the
same rows with ``DataFrame.to_sql``, read a history both ways and print the ratios.
Nothing here judges the times (a test machine's speed says nothing); the 1,000-unit
numbers are in docs/speed.md.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from db_servers import pg_url

__all__ = ["pg_url"]  # the session fixture, imported for pytest

ROOT = Path(__file__).resolve().parents[1]
RATIO = r"\s+(\d+\.\d+)$"


def test_the_archive_benchmark_prints_its_ratios(pg_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = ["--units", "2", "--people-per-unit", "3", "--repeat", "1", "--data", str(tmp_path)]
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "archive.py"), *args, "--pg", pg_url],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "Traceback" not in out + done.stderr
    rows = re.search(r"^rows: ([\d,]+)\s+results: (\d+).*kpis: (\d+)", out, re.M)
    assert rows is not None and int(rows[2]) == 6 and int(rows[3]) > 6
    sections = re.split(r"^(sqlite|postgresql):$", out, flags=re.M)
    assert sections[1::2] == ["sqlite", "postgresql"]
    for body in sections[2::2]:
        for label in (
            "archive ÷ to_sql (end to end)",
            "archive write step ÷ to_sql",
            "history ÷ read_sql",
        ):
            match = re.search(re.escape(label) + RATIO, body, re.M)
            assert match is not None and float(match[1]) > 0, (label, body)
        assert re.search(r"write the archive\s+\d+\.\d+", body)
    # the password of the server's URL is never printed
    password = pg_url.split("//", 1)[1].split("@", 1)[0].partition(":")[2]
    assert not password or password not in out + done.stderr
