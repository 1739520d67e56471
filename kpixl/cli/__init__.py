"""The ``kpixl`` command line: a thin shell over the library.

Each command group lives in its own module; this one holds the root group and the
mapping of :class:`~kpixl.core.errors.KpixlError` to a clean message and exit code.
"""

from __future__ import annotations

import os
import sys

import click

from kpixl._version import __version__
from kpixl.cli.archive import archive_command, history_command
from kpixl.cli.cascade import cascade_group
from kpixl.cli.excel import excel_group
from kpixl.cli.library import library_group
from kpixl.cli.mail import mail_group
from kpixl.cli.notices import notices_command
from kpixl.cli.personal import personal_group, seal_command, validate_command
from kpixl.cli.report import report_command
from kpixl.cli.roster import roster_group
from kpixl.cli.round import collect_command, consolidate_command, demo_command
from kpixl.cli.rounds import round_group
from kpixl.cli.rules import rules_group
from kpixl.cli.salary import salary_group
from kpixl.cli.status import status_command
from kpixl.cli.templates import templates_group
from kpixl.core.errors import FileWriteError, KpixlError

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kpixl")
def cli() -> None:
    """kpixl — ข้อตกลงและการประเมินผลการปฏิบัติราชการ และการเลื่อนเงินเดือน.

    Performance agreements, evaluations and salary increases for Thai civil servants.
    """


cli.add_command(rules_group)
cli.add_command(salary_group)
cli.add_command(personal_group)
cli.add_command(validate_command)
cli.add_command(seal_command)
cli.add_command(templates_group)
cli.add_command(demo_command)
cli.add_command(collect_command)
cli.add_command(consolidate_command)
cli.add_command(report_command)
cli.add_command(notices_command)
cli.add_command(library_group)
cli.add_command(excel_group)
cli.add_command(cascade_group)
cli.add_command(roster_group)
cli.add_command(mail_group)
cli.add_command(status_command)
cli.add_command(archive_command)
cli.add_command(history_command)
cli.add_command(round_group)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; a KpixlError becomes a message and exit code 1, not a traceback
    (a FileWriteError: exit code 2, the file unchanged)."""
    try:
        code = cli.main(args=argv, prog_name="kpixl", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("ยกเลิก / aborted", err=True)
        return 1
    except FileWriteError as exc:  # another run holds the file, disk full, read-only
        click.echo(f"ข้อผิดพลาด / error: {exc}", err=True)
        return 2
    except KpixlError as exc:
        click.echo(f"ข้อผิดพลาด / error: {exc}", err=True)
        return 1
    except Exception as exc:
        if os.environ.get("KPIXL_DEBUG"):
            raise
        click.echo(
            f"ข้อผิดพลาดภายในของ kpixl / internal error: {type(exc).__name__}: {exc}\n"
            "โปรดแจ้งผู้ดูแลระบบ (ตั้ง KPIXL_DEBUG=1 เพื่อดูรายละเอียด)"
            " / please report it (set KPIXL_DEBUG=1 for details)",
            err=True,
        )
        return 3
    return code if isinstance(code, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
