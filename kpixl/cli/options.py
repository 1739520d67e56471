"""Options shared by several commands, as decorators."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from kpixl.core.rules import Rules, load_rules

__all__ = ["json_option", "rules_from", "rules_option"]

F = TypeVar("F", bound=Callable[..., Any])


def rules_option(fn: F) -> F:
    return click.option(
        "--rules",
        "rules_file",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        default=None,
        help="ไฟล์กฎของหน่วยงาน (TOML) / the agency rule file.",
    )(fn)


def json_option(fn: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="พิมพ์เป็น JSON / print JSON.")(fn)


def rules_from(path: Path | None) -> Rules:
    return load_rules(path)
