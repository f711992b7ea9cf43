"""The `pipe` command group: global options and the one place errors become messages and exit codes.

Exit codes: 0 success; 1 an error (bad input, bad data, or problems found by `pipe check`);
2 a usage error (unknown option, missing argument).
"""

from __future__ import annotations

import errno
import importlib
import io
import os
import sys

import click

from pipecli import __version__
from pipecli.cli.groups import RecordingGroup
from pipecli.core.errors import BadFiles, Interrupted, PipeError


class UserError(click.ClickException):
    """A PipeError on its way out: one line on stderr, exit code 1."""

    def show(self, file=None) -> None:
        click.echo(f"pipe: {one_line(self.format_message())}", err=True)


def one_line(message: str) -> str:
    """message with its line breaks written as \\n, and printable: messages quote what the user typed, or a
    deal file, which may hold a line break or an escape sequence."""
    from pipecli.render.style import printable

    return printable(message.replace("\r", "\\r").replace("\n", "\\n"))


# Every command: name -> (module in pipecli.cli, attribute, its summary in `pipe --help`, None when
# hidden). A command's module is imported only when the command runs (or its own --help is asked
# for), so `pipe --help` and `pipe --version` start as fast as click itself. tests/test_help.py
# checks each summary against the command's docstring.
COMMANDS: dict[str, tuple[str, str, str | None]] = {
    "init": ("workspace", "init", "Create a workspace here or in DIR."),
    "add": ("deals", "add", "Add a deal and print its id."),
    "show": ("deals", "show", "Show a deal with its next steps, timeline and notes."),
    "set": ("deals", "set_", "Set fields of a deal; an empty VALUE removes the field."),
    "edit": ("deals", "edit", "Edit a deal in $VISUAL or $EDITOR, checked on save."),
    "move": ("deals", "move", "Move a deal to another stage, recorded in its history."),
    "won": ("deals", "won", "Mark a deal won: move it to its pipeline's won stage."),
    "lost": ("deals", "lost", "Mark a deal lost, with the reason."),
    "rm": ("deals", "rm", "Delete a deal file (git history still has it)."),
    "task": ("tasks", "task", "Add, finish, snooze, assign and edit the tasks of deals."),
    "tasks": ("tasks", "tasks_", "The agenda: open tasks grouped as overdue, today, upcoming and snoozed."),
    "log": ("interactions", "log", "Log an interaction on a deal's timeline."),
    "amend": ("interactions", "amend", "Change a logged interaction: add notes, fix its summary, date or direction."),
    "timeline": ("interactions", "timeline", "Show a deal's stage moves, finished tasks and interactions in date order."),
    "list": ("listing", "list_", "List deals, filtered and sorted."),
    "board": ("listing", "board", "Show a pipeline as a kanban board."),
    "accounts": ("crm", "accounts", "Each account: open deals and their value, won revenue, last activity, owners."),
    "contacts": ("crm", "contacts", "Each person in the deals' contacts: email, role, deals, last interaction."),
    "contact": ("crm", "contact", "Add a contact to a deal, or remove one, leaving the others as they are."),
    "report": ("report", "report", "Answer the questions a pipeline is kept for."),
    "diff": ("history", "diff", "What changed in the pipeline between two points: the weekly review."),
    "history": ("history", "history", "The commits that changed DEAL, newest first, as field-level changes."),
    "export": ("export", "export", "Export every field of the selected deals."),
    "import": ("importing", "import_", "Import deals from a CSV or .xlsx file."),
    "flush": ("bulk", "flush", "Close dead deals as lost, or park them, to keep the pipeline honest."),
    "bulk": ("bulk", "bulk_", "Change many deals at once: move, set fields, tag."),
    "mail": ("mail", "mail", "Write an email from a template for each selected deal, or send them."),
    "automate": ("mail", "automate", "Send the emails automation rules have made due, once per trigger."),
    "remind": ("remind", "remind", "Show, or send, each team member a digest of what to do today."),
    "import-mail": ("capture", "import_mail", "Log the emails of an mbox file or Maildir on the deals of their addresses."),
    "import-calendar": ("capture", "import_calendar", "Log the meetings of an .ics file on the deals of their attendees."),
    "capture": ("capture", "capture", "Log your new emails and meetings on the deals of their addresses."),
    "check": ("workspace", "check", "Validate the whole workspace; exit 1 if there is any error."),
    "sync": ("gitcmd", "sync", "Pull the team's changes, check the workspace, push yours."),
    "undo": ("gitcmd", "undo", "Undo the last commit pipe made for you."),
    "git": ("gitcmd", "git_", "Set up git so that deal files merge field by field."),
    "merge-driver": ("gitcmd", "merge_driver", None),
    "completion": ("workspace", "completion", "Print the shell completion script."),
}


class PipeGroup(RecordingGroup):
    """Loads commands when they are used, lists them in COMMANDS' order, and turns core errors into
    one-line messages."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in COMMANDS:
            module, attribute, _ = COMMANDS[name]
            self.add_command(getattr(importlib.import_module(f"pipecli.cli.{module}"), attribute), name)
        return self.commands.get(name)

    def shown_names(self, ctx: click.Context) -> list[str]:
        """From COMMANDS, so a suggestion for a mistyped command imports no command module."""
        return [name for name, (_, _, summary) in COMMANDS.items() if summary is not None]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of `pipe --help`, from COMMANDS' summaries: no command module imported."""
        shown = [(name, summary) for name, (_, _, summary) in COMMANDS.items() if summary is not None]
        limit = formatter.width - 6 - max(len(name) for name, _ in shown)
        with formatter.section("Commands"):
            # click's own shortening, through a stand-in command holding just the summary
            formatter.write_dl([(name, click.Command(name, help=summary).get_short_help_str(limit))
                                for name, summary in shown])

    def invoke(self, ctx: click.Context):
        try:
            result = super().invoke(ctx)
            if hasattr(ctx.obj, "finish"):  # the App (not there for `pipe --help`)
                ctx.obj.finish(ctx.invoked_subcommand or "pipe")
            return result
        except PipeError as error:
            from pipecli.cli.output import worded

            message, code = worded(error), error.exit_code
            if isinstance(error, BadFiles):  # each file on its own line, then the refusal
                for bad in error.errors:
                    click.echo(f"pipe: {one_line(str(bad))}", err=True)
                command = getattr(ctx.obj, "command_name", None) or ctx.invoked_subcommand or "pipe"
                message = f"{command} refused: {message}"
                if getattr(ctx.obj, "skip_bad", None) is False:  # the command has --skip-bad, not given
                    message += f", or run again with --skip-bad to leave {error.them} out"
            if getattr(ctx.obj, "commit_partial", False):
                try:
                    ctx.obj.finish(ctx.invoked_subcommand or "pipe")
                except PipeError as commit_error:
                    message = f"{message} ({commit_error})"
            failure = UserError(message)
            failure.exit_code = code
            raise failure from None
        except KeyboardInterrupt:
            # Ctrl-C before or after a command's writes (each write is atomic; bulk writes say what they
            # did themselves): a line and 130, as shells expect, not click's "Aborted!" and 1.
            message = "interrupted"
            if getattr(ctx.obj, "commit_partial", False):  # as for an error above: what was done is committed
                try:
                    ctx.obj.finish(ctx.invoked_subcommand or "pipe")
                except PipeError as commit_error:
                    message = f"{message} ({commit_error})"
            failure = UserError(message)
            failure.exit_code = Interrupted.exit_code
            raise failure from None
        except OSError as error:
            if isinstance(error, BrokenPipeError):
                raise
            where = f"{error.filename}: " if error.filename else ""
            raise UserError(f"{where}{error.strerror or error}") from None
        finally:
            if hasattr(ctx.obj, "left_out"):
                for bad in ctx.obj.left_out():
                    click.echo(f"pipe: warning: {one_line(str(bad))} (deal left out)", err=True)


@click.group(cls=PipeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-C", "directory", metavar="DIR",
              help="Run in the workspace at DIR (default: $PIPE_DIR, else the nearest folder up with pipelines.yaml).")
@click.option("--color", "colour", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour the output: auto is on a terminal unless NO_COLOR is set.")
@click.version_option(__version__, "--version", prog_name="pipe", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, directory: str | None, colour: str) -> None:
    """A sales pipeline in plain text and git.

    \b
    Deals live in deals/<id>.md, pipelines in pipelines.yaml; every
    command works on the nearest workspace up from here.

    \b
    Example:
      pipe add "Acme rollout" --value 18000 --next "Call Jonas" --due 3d
      pipe board
    """
    from pipecli.cli.context import App

    ctx.obj = App(directory, colour)


class ClosedOutput(io.TextIOBase):
    """Standard output when the shell closed it (`pipe list >&-`): Python leaves sys.stdout None, which
    click writes nothing to and the rest of pipe cannot ask isatty() of. With this in its place a
    command that prints fails with one line, as `ls >&-` does, and one that only writes files works."""

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "cannot write the output: standard output is closed")


def main() -> None:
    """Console-script entry point."""
    if sys.stdout is None:
        sys.stdout = ClosedOutput()
    try:
        cli(prog_name="pipe")
    except BrokenPipeError:
        # `pipe list | head`: the reader went away; leave quietly like other Unix tools.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
    except OSError as error:
        if error.errno != errno.EBADF or not isinstance(sys.stdout, ClosedOutput):
            raise
        click.echo(f"pipe: {error.strerror}", err=True)  # --version, written before any command runs
        sys.exit(1)
