"""``kpixl mail``: send the round's forms and fetch the replies by e-mail."""

from __future__ import annotations

import click

from kpixl.cli.mail_fetch import fetch_command
from kpixl.cli.mail_send import send_command

__all__ = ["mail_group"]


@click.group("mail")
def mail_group() -> None:
    """ส่งและรับแบบฟอร์มทางอีเมล / send the round's forms and fetch the replies by e-mail."""


mail_group.add_command(send_command)
mail_group.add_command(fetch_command)
