"""A newcomer's first hour with the command line (issue 14, item 8).

Number arguments take what the forms take (``28,000``, ``3.5%``, Thai digits) and say
in Thai and English what is wrong with a bad one; every option has help; every 13-digit
id in a help text has a valid check digit; ``kpixl validate`` given a master or a unit
workbook says what the file is and which command fits it.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kpixl.cli import cli
from kpixl.cli.options import INTEGER, NUMBER, PERCENT
from kpixl.schemas.models import national_id_problem

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "workbooks" / "demo"


def invoke(*args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args), prog_name="kpixl")


def commands(cmd: click.Command = cli, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The path of every group and command under ``cmd``."""
    yield path
    if isinstance(cmd, click.Group):
        for name, sub in sorted(cmd.commands.items()):
            yield from commands(sub, (*path, name))


def command_at(path: tuple[str, ...]) -> click.Command:
    cmd: click.Command = cli
    for name in path:
        assert isinstance(cmd, click.Group)
        cmd = cmd.commands[name]
    return cmd


# ---------------------------------------------------------------- number arguments


@pytest.mark.parametrize(
    ("salary", "pct"),
    [("28,000", "3.5%"), ("๒๘,๐๐๐", "๓.๕"), ("฿28,000", "3.5 %"), ("28000 บาท", "๓.๕%")],
)
def test_salary_calc_takes_what_the_forms_take(salary: str, pct: str) -> None:
    plain = invoke("salary", "calc", "28000", "K2", "3.5")
    written = invoke("salary", "calc", salary, "K2", pct)
    assert written.exit_code == 0, written.output
    assert written.output == plain.output
    assert "28,860" in written.output
    as_json = json.loads(invoke("salary", "calc", salary, "K2", pct, "--json").output)
    assert as_json == json.loads(invoke("salary", "calc", "28000", "K2", "3.5", "--json").output)


@pytest.mark.parametrize(
    ("args", "th", "en"),
    [
        (["salary", "calc", "abc", "K2", "3"], "ไม่ใช่ตัวเลข", "not a number: 'abc'"),
        (["salary", "calc", "28000", "K2", "สามครึ่ง"], "ไม่ใช่ตัวเลข", "not a number"),
        (["salary", "calc", "28000%", "K2", "3"], "เฉพาะร้อยละ", "belongs to a percentage"),
        (["demo", "out", "--units", "1.5"], "จำนวนเต็ม", "not a whole number: '1.5'"),
        (["consolidate", "x.xlsx", "--jobs", "two"], "ไม่ใช่ตัวเลข", "not a number"),
    ],
)
def test_a_bad_number_is_a_clean_thai_and_english_error(args: list[str], th: str, en: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert th in result.output and en in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output


def test_the_number_types_read_like_the_forms() -> None:
    assert NUMBER.convert("28,000", None, None) == Decimal("28000")
    assert NUMBER.convert("๒๘,๐๐๐.๕๐", None, None) == Decimal("28000.50")
    assert PERCENT.convert("3.5%", None, None) == Decimal("3.5")
    assert PERCENT.convert("๓.๕", None, None) == Decimal("3.5")
    assert INTEGER.convert("๑,๒๐๐", None, None) == 1200
    assert INTEGER.convert(3, None, None) == 3  # a default given in code
    with pytest.raises(click.BadParameter):
        INTEGER.convert("3%", None, None)


def test_the_count_options_take_thai_digits() -> None:
    demo = command_at(("demo",))
    ctx = demo.make_context("demo", ["out", "--units", "๒", "--people", "๑๐", "--seed", "1,234"])
    assert (ctx.params["units"], ctx.params["people"], ctx.params["seed"]) == (2, 10, 1234)


# ---------------------------------------------------------------- help


def test_every_option_has_help() -> None:
    missing = [
        f"kpixl {' '.join(path)} {param.opts[0]}"
        for path in commands()
        for param in command_at(path).params
        if isinstance(param, click.Option) and not (param.help or "").strip()
    ]
    assert missing == []


def test_every_thirteen_digit_id_in_the_help_is_valid() -> None:
    ids: list[tuple[str, str]] = []
    for path in commands():
        result = invoke(*path, "--help")
        assert result.exit_code == 0, result.output
        ids += [(" ".join(path), i) for i in re.findall(r"(?<!\d)\d{13}(?!\d)", result.output)]
    assert ids, "the help shows no id: nothing was checked"
    wrong = [(where, i) for where, i in ids if national_id_problem(i) is not None]
    assert wrong == []


# ---------------------------------------------------------------- validate


@pytest.fixture
def demo_files(tmp_path: Path) -> dict[str, Path]:
    personal = sorted((DEMO / "personal" / "U01").glob("*.xlsx"))[0]
    files = {
        "master": DEMO / "master.xlsx",
        "unit": DEMO / "units" / "U01.xlsx",
        "personal": personal,
    }
    copies = {}
    for kind, src in files.items():
        copies[kind] = tmp_path / src.name
        shutil.copyfile(src, copies[kind])
    return copies


def test_validate_names_a_master_and_the_command_that_fits(demo_files: dict[str, Path]) -> None:
    master = demo_files["master"]
    before = master.read_bytes()
    result = invoke("validate", str(master))
    assert result.exit_code == 1
    assert "file.other_form" in result.output
    assert "นี่คือสมุดงานหลัก (master)" in result.output
    assert f"ใช้ kpixl consolidate {master}" in result.output
    assert "this is the master workbook" in result.output
    assert "not_kpixl" not in result.output and "คะแนน" not in result.output
    assert master.read_bytes() == before


def test_validate_names_a_unit_workbook_and_the_commands_that_fit(
    demo_files: dict[str, Path],
) -> None:
    unit = demo_files["unit"]
    result = invoke("validate", str(unit))
    assert result.exit_code == 1
    assert "นี่คือสมุดงานหน่วยงาน (unit)" in result.output
    assert f"kpixl collect {unit} --from" in result.output
    assert "kpixl consolidate" in result.output and "this is a unit workbook" in result.output


def test_validate_json_says_what_each_file_is(demo_files: dict[str, Path]) -> None:
    paths = [str(demo_files[k]) for k in ("master", "unit", "personal")]
    result = invoke("validate", *paths, "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert [r.get("form") for r in report] == ["master", "unit", None]
    assert [f["rule"] for f in report[0]["findings"]] == ["file.other_form"]
    assert report[2]["findings"] == [] and report[2]["scores"]["total"]


def test_validate_still_checks_a_personal_workbook(demo_files: dict[str, Path]) -> None:
    result = invoke("validate", str(demo_files["personal"]))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("✓ ") and "รวม" in result.output
