"""The `pipe` command group: global options and the one place errors become messages and exit codes.

Exit codes: 0 success; 1 an error (bad input, bad data, or problems found by `pipe check`);
2 a usage error (unknown option, missing argument).
"""

from __future__ import annotations

import os
import sys

import click

from pipecli import __version__
from pipecli.cli.context import App
from pipecli.core.errors import PipeError


class UserError(click.ClickException):
    """A PipeError on its way out: one line on stderr, exit code 1."""

    def show(self, file=None) -> None:
        # Messages quote what the user typed, which may hold a newline: keep them one line.
        message = self.format_message().replace("\r", "\\r").replace("\n", "\\n")
        click.echo(f"pipe: {message}", err=True)


class PipeGroup(click.Group):
    """Lists commands in the order they were added, and turns core errors into one-line messages."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def invoke(self, ctx: click.Context):
        try:
            result = super().invoke(ctx)
            if isinstance(ctx.obj, App):
                ctx.obj.finish(ctx.invoked_subcommand or "pipe")
            return result
        except PipeError as error:
            message, code = str(error), getattr(error, "exit_code", 1)
            if isinstance(ctx.obj, App) and ctx.obj.commit_partial:
                try:
                    ctx.obj.finish(ctx.invoked_subcommand or "pipe")
                except PipeError as commit_error:
                    message = f"{message} ({commit_error})"
            failure = UserError(message)
            failure.exit_code = code
            raise failure from None
        except OSError as error:
            if isinstance(error, BrokenPipeError):
                raise
            where = f"{error.filename}: " if error.filename else ""
            raise UserError(f"{where}{error.strerror or error}") from None


@click.group(cls=PipeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-C", "directory", metavar="DIR",
              help="Run in the workspace at DIR (default: $PIPE_DIR, else the nearest folder up with pipelines.yaml).")
@click.version_option(__version__, "--version", prog_name="pipe", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, directory: str | None) -> None:
    """A sales pipeline in plain text and git.

    \b
    Deals live in deals/<id>.md, pipelines in pipelines.yaml; every
    command works on the nearest workspace up from here.

    \b
    Example:
      pipe add "Acme rollout" --value 18000 --account "Acme GmbH" --next "Call Jonas" --due 3d
      pipe board
    """
    ctx.obj = App(directory)


def _register() -> None:
    from pipecli.cli import (bulk, capture, deals, export, gitcmd, history, importing, interactions, listing, mail, remind,
                             report, tasks, workspace)

    for command in (
        workspace.init, deals.add, deals.show, deals.set_, deals.edit, deals.move, deals.won,
        deals.lost, deals.rm, tasks.task, tasks.tasks_, interactions.log, interactions.timeline,
        listing.list_, listing.board, report.report, history.diff, history.history, export.export, importing.import_,
        bulk.flush, bulk.bulk_, mail.mail, mail.automate, remind.remind, capture.import_mail, capture.import_calendar,
        workspace.check, gitcmd.sync, gitcmd.git_, gitcmd.merge_driver, workspace.completion,
    ):
        cli.add_command(command)


_register()


def main() -> None:
    """Console-script entry point."""
    try:
        cli(prog_name="pipe")
    except BrokenPipeError:
        # `pipe list | head`: the reader went away; leave quietly like other Unix tools.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
