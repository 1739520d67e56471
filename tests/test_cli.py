"""The CLI: version, rules show/check, help and an example for every command."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kpixl import __version__
from kpixl.cli import cli, main

BAD = Path(__file__).parent / "data" / "bad_rules"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the real console entry point in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "kpixl", *args], capture_output=True, text=True, check=False
    )


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_rules_show_prints_the_effective_rules() -> None:
    result = run("rules", "show")
    assert result.returncode == 0, result.stderr
    assert "ดีเด่น" in result.stdout and "2560-10" in result.stdout
    assert "[weights]" in result.stdout and "achievement = 70" in result.stdout


def test_rules_show_json_and_agency_override(tmp_path: Path) -> None:
    agency = tmp_path / "agency.toml"
    agency.write_text("[kpi]\nmax_count = 7\n", encoding="utf-8")
    result = run("rules", "show", str(agency), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["kpi"]["max_count"] == 7
    assert data["weights"]["achievement"] == 70


def test_rules_show_output_is_itself_a_valid_rule_file(tmp_path: Path) -> None:
    shown = run("rules", "show").stdout
    copy = tmp_path / "copy.toml"
    copy.write_text(shown, encoding="utf-8")
    assert run("rules", "check", str(copy)).returncode == 0


def test_rules_check_good_and_bad(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text("[pools]\nrate_pct = 3\n", encoding="utf-8")
    ok = run("rules", "check", str(good))
    assert ok.returncode == 0 and "✓" in ok.stdout
    bad = run("rules", "check", str(BAD / "01_overlapping_bands.toml"))
    assert bad.returncode == 1
    assert "bands.ดีมาก.pct_max" in bad.stdout
    assert "ทับซ้อน" in bad.stdout and "overlap" in bad.stdout
    assert "Traceback" not in bad.stdout + bad.stderr


def test_usage_error_exits_2_without_traceback() -> None:
    result = run("rules", "check")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_kpixl_error_is_a_clean_message(tmp_path: Path) -> None:
    assert main(["rules", "show", str(tmp_path / "missing.toml")]) == 1


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for name, command in group.commands.items():
        path = (*prefix, name)
        if isinstance(command, click.Group):
            out += _commands(command, path)
        else:
            out.append(path)
    return out


@pytest.mark.parametrize("path", _commands(cli), ids=lambda p: " ".join(p))
def test_every_command_has_help_and_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    assert f"kpixl {' '.join(path)}" in result.output


def test_salary_calc_explains_the_spec_examples() -> None:
    below = run("salary", "calc", "28000", "K2", "3.5")
    assert below.returncode == 0, below.stderr
    assert "24,410" in below.stdout and "854.35" in below.stdout and "28,860" in below.stdout
    capped = run("salary", "calc", "43300", "K2", "4")
    assert "1,158.80" in capped.stdout and "43,600" in capped.stdout
    data = json.loads(run("salary", "calc", "43300", "K2", "4", "--json").stdout)
    assert Decimal(data["special_compensation"]) == Decimal("1158.80")
    assert Decimal(data["increase"]) == 300


def test_salary_calc_bad_level_is_a_clean_error() -> None:
    result = run("salary", "calc", "28000", "K9", "3")
    assert result.returncode == 1
    assert "K9" in result.stderr and "Traceback" not in result.stderr


def test_salary_table_prints_every_level() -> None:
    result = run("salary", "table", "--salary-table", "2552")
    assert result.returncode == 0
    for code in ("O1", "K5", "D2", "M2"):
        assert code in result.stdout
