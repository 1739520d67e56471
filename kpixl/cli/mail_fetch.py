"""``kpixl mail fetch`` (being written in this session's fetch branch)."""

from __future__ import annotations

import click

__all__ = ["fetch_command"]


@click.command("fetch")
def fetch_command() -> None:
    """(being written)"""
    raise click.ClickException("not yet")
