"""Options shared by several commands, as decorators, and the number arguments' type.

This module is imported with the command list, before any command runs: it holds no
import of pandas, pandera, openpyxl or numpy. The few constants the help shows (the
allocation policies, the default salary table, the templates folder) are spelled out
here; ``tests/test_startup.py`` holds each equal to the library's own.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from kpixl.core.rules import Rules

    _ParamType = click.ParamType[Any]  # generic in click ≥ 8.2, plain before
else:
    _ParamType = click.ParamType

__all__ = [
    "DEFAULT_SALARY_TABLE",
    "INTEGER",
    "NUMBER",
    "PERCENT",
    "POLICIES",
    "SHAPES",
    "TEMPLATES_DIR",
    "NumberType",
    "json_option",
    "rules_from",
    "rules_option",
    "salary_table_option",
]

F = TypeVar("F", bound=Callable[..., Any])

# the same values as kpixl.core.allocation / kpixl.jobs.consolidate and kpixl.core.rules
POLICIES = ("manual", "table", "optimize")
SHAPES = ("flat", "proportional")
DEFAULT_SALARY_TABLE = "2560-10"
# where kpixl.workbooks.personal.TEMPLATE_PATH lives
TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"


class NumberType(_ParamType):
    """A number as the forms accept it: ``28,000``, ``3.5%``, ``๓.๕``, ``฿28,000``.

    ``kind`` is ``"number"`` (a Decimal, no ``%``), ``"percent"`` (a Decimal in percent
    points, ``3.5`` and ``3.5%`` alike) or ``"integer"`` (an int, no ``%``). Reading is
    :func:`kpixl.core.numbers.parse_number` / ``parse_percent``, the forms' own, loaded
    when a command runs.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.name = kind

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            return value  # a default given in code
        from kpixl.core.numbers import parse_number, parse_percent

        text = str(value)
        cell = parse_percent(text) if self.kind == "percent" else parse_number(text)
        number = cell.value
        if number is None:
            self.fail(
                f"ไม่ใช่ตัวเลข: {text!r} (เขียนได้เช่น 28,000 หรือ 3.5% หรือ ๓.๕)"
                f" / not a number: {text!r} (write e.g. 28,000 or 3.5% or ๓.๕)",
                param,
                ctx,
            )
        if self.kind != "percent" and "%" in text:
            self.fail(
                f"ใส่ % ได้เฉพาะร้อยละ: {text!r} / a % sign belongs to a percentage only: {text!r}",
                param,
                ctx,
            )
        if self.kind == "integer":
            if number != number.to_integral_value():
                self.fail(f"ต้องเป็นจำนวนเต็ม: {text!r} / not a whole number: {text!r}", param, ctx)
            return int(number)
        return number


NUMBER = NumberType("number")
PERCENT = NumberType("percent")
INTEGER = NumberType("integer")


def rules_option(fn: F) -> F:
    return click.option(
        "--rules",
        "rules_file",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        default=None,
        help="ไฟล์กฎของหน่วยงาน (TOML) / the agency rule file.",
    )(fn)


def salary_table_option(fn: F) -> F:
    return click.option(
        "--salary-table",
        default=DEFAULT_SALARY_TABLE,
        show_default=True,
        help="รหัสบัญชีเงินเดือน / salary table id (e.g. 2552, 2560-10).",
    )(fn)


def json_option(fn: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="พิมพ์เป็น JSON / print JSON.")(fn)


def rules_from(path: Path | None) -> Rules:
    from kpixl.core.rules import load_rules

    return load_rules(path)
