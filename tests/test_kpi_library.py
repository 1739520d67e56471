"""The central KPI library: every job line the issue names, valid entries, a CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kpixl.core.errors import RuleError
from kpixl.core.kpi_library import load_library
from kpixl.core.scoring import check_levels

JOB_LINES = [
    "นักทรัพยากรบุคคล",
    "นักวิเคราะห์นโยบายและแผน",
    "นักวิชาการเงินและบัญชี",
    "นักวิชาการตรวจสอบภายใน",
    "นักจัดการงานทั่วไป",
]


def test_every_job_line_has_at_least_five_kpis_over_its_tasks() -> None:
    library = load_library()
    for line in JOB_LINES:
        mine = library[library["job_line"] == line]
        assert len(mine) >= 5, line
        assert mine["task"].nunique() >= 3, line
    assert library["id"].is_unique
    assert set(library["kind"]) == {"quantitative", "milestone"}
    assert set(library["direction"].dropna()) == {"higher", "lower"}


def test_entries_are_usable_targets() -> None:
    for r in load_library().to_dict("records"):
        if r["kind"] == "quantitative":
            check_levels([r[f"l{i}"] for i in range(1, 6)], r["direction"])
        else:
            assert len(r["milestones"]) == 5 and all(step.strip() for step in r["milestones"])
        assert r["name"] and r["unit"]


def test_a_bad_library_file_names_the_entry(tmp_path: Path) -> None:
    bad = tmp_path / "lib.toml"
    bad.write_text(
        '[[kpi]]\nid = "X-1"\njob_line = "ก"\ntask = "ข"\nname = "ค"\nkind = "quantitative"\n'
        'direction = "higher"\nunit = "ร้อยละ"\nlevels = [1, 2, 2, 4, 5]\n'
        '[[kpi]]\nid = "X-2"\njob_line = "ก"\ntask = "ข"\nname = "ง"\nkind = "milestone"\n'
        'unit = "ระดับ"\nmilestones = ["หนึ่ง", "สอง"]\n',
        encoding="utf-8",
    )
    with pytest.raises(RuleError) as info:
        load_library(bad)
    assert {p.rule for p in info.value.problems} == {"kpi.X-1.levels", "kpi.X-2.milestones"}


def test_cli_lists_a_job_line() -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "kpixl",
            "library",
            "show",
            "--job-line",
            "นักวิชาการตรวจสอบภายใน",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    entries = json.loads(run.stdout)
    assert len(entries) >= 5 and {e["job_line"] for e in entries} == {"นักวิชาการตรวจสอบภายใน"}
    unknown = subprocess.run(
        [sys.executable, "-m", "kpixl", "library", "show", "--job-line", "นักบินอวกาศ"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr
