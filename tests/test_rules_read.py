"""Every rule of default.toml is read, and a rule kpixl does not know is rejected."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import fields
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from kpixl.core.errors import RuleError
from kpixl.core.rules import Rules, load_rules

KPIXL = Path(__file__).resolve().parents[1] / "kpixl"


def default_toml() -> dict[str, Any]:
    text = resources.files("kpixl.data").joinpath("rules/default.toml").read_text("utf-8")
    return tomllib.loads(text)


def leaves(data: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    for key, value in data.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            yield from leaves(value, name)
        else:
            yield name


def test_every_rule_of_default_toml_is_read_when_rules_load() -> None:
    read = load_rules().read
    keys = list(leaves(default_toml()))
    assert "kpi.score_places" in keys and "salary.table" in keys
    # a rule is read when its own path or a table holding it (bands, pools.groups) is
    unread = [
        k
        for k in keys
        if not any(".".join(k.split(".")[:i]) in read for i in range(1, k.count(".") + 2))
    ]
    assert unread == []


def test_every_field_of_the_rules_is_used_somewhere_in_kpixl() -> None:
    """A rule read into a field nothing reads (as ``kpi_score_places`` was) fails here."""
    used: set[str] = set()
    for path in KPIXL.rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        used |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    unused = [f.name for f in fields(Rules) if f.name not in used]
    assert unused == []


def test_kpi_score_places_is_held_to_what_the_forms_compute(tmp_path: Path) -> None:
    agency = tmp_path / "agency.toml"
    agency.write_text("[kpi]\nscore_places = 3\n", encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        load_rules(agency)
    assert [p.rule for p in caught.value.problems] == ["kpi.score_places"]
    agency.write_text("[kpi]\nscore_places = 2\n", encoding="utf-8")
    assert load_rules(agency).scoring_method == "linear"


def test_rules_check_rejects_a_rule_it_does_not_know_and_names_it(tmp_path: Path) -> None:
    agency = tmp_path / "agency.toml"
    agency.write_text('[kpi]\nscore_digits = 3\n\n[salary]\ntable = "2560-10"\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "kpixl", "rules", "check", str(agency)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout + result.stderr
    assert "kpi.score_digits" in out and "ไม่รู้จักกฎนี้" in out and "unknown rule" in out
    assert "salary.table" not in out  # a known rule passes
