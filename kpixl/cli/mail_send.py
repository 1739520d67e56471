"""``kpixl mail send`` (being written in this session's send branch)."""

from __future__ import annotations

import click

__all__ = ["send_command"]


@click.command("send")
def send_command() -> None:
    """(being written)"""
    raise click.ClickException("not yet")
