"""What every command needs: the workspace (found once), today, the current user, colour."""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from pipecli.core.errors import ParseError, PipeError
from pipecli.core.gitsync.identity import author, current_user
from pipecli.core.model import dates
from pipecli.core.model.config import Config
from pipecli.core.model.deal import Deal
from pipecli.core.store.workspace import Workspace, discover
from pipecli.render.style import Style, colour_wanted


class App:
    """Lazily found state shared by the commands of one invocation."""

    def __init__(self, directory: str | None, colour: str = "auto"):
        self.directory = directory
        self.colour = colour  # --color: auto, always or never
        self.commit_wanted: bool | None = None  # --commit / --no-commit; None: git.autocommit decides
        self.changes: list[str] = []  # what this command did, one line each: the commit message
        self.finished = False
        # A command that sends email records each one as it goes: when it stops half way, what it
        # recorded is still committed (those emails went; the record must reach the other clones).
        self.commit_partial = False
        self.skip_bad: bool | None = None  # --skip-bad given (True) or not (False); None: no such option
        self.command_name: str | None = None  # `bulk set`, once known (by --skip-bad's option)
        self._left_out_at_commits: dict[str, ParseError] = {}

    def deals(self) -> list[Deal]:
        """Every deal, for a command whose result needs them all: a file that does not parse stops
        it (BadFiles), unless --skip-bad was given."""
        return self.workspace.deals(skip_bad=bool(self.skip_bad))

    def leave_out(self, errors: list[ParseError]) -> None:
        """Record deal files (read from git at a commit, say) that the command goes on without."""
        for error in errors:
            self._left_out_at_commits.setdefault(str(error), error)

    def left_out(self) -> list[ParseError]:
        """Every deal file this command went on without, once each: the CLI warns about each."""
        workspace = self.__dict__.get("workspace")
        on_disk = list(workspace.skipped.values()) if workspace is not None else []
        return list({str(e): e for e in on_disk + list(self._left_out_at_commits.values())}.values())

    def note_change(self, message: str) -> None:
        """Say what the command changed, for the commit autocommit makes (first line is its subject)."""
        self.changes.append(message)

    def finish(self, command: str) -> None:
        """After a command succeeded: commit the files it changed, if autocommit or --commit asks to."""
        workspace = self.__dict__.get("workspace")
        if workspace is None or not workspace.written or self.finished:
            return
        self.finished = True
        wanted = self.commit_wanted if self.commit_wanted is not None else workspace.config.autocommit
        if not wanted:
            return
        import click

        from pipecli.core.gitsync.autocommit import commit_written

        commit, subject = commit_written(workspace, self.changes, command)
        if commit:
            click.echo(f"committed {commit[:7]} {subject}", err=True)

    def commit_step(self, command: str) -> None:
        """Commit what was written so far, as finish does, and start afresh: a command that makes
        many changes over time (the interactive board) commits each as it is made. A commit that fails
        (git busy, a hook refusing) keeps what it would have committed for the next step, which commits it
        too: else the next change, taken for committed, would not be either."""
        try:
            self.finish(command)
        except PipeError:
            self.finished = False
            raise
        workspace = self.__dict__.get("workspace")
        if workspace is not None:
            workspace.written.clear()
        self.changes.clear()
        self.finished = False

    @cached_property
    def workspace(self) -> Workspace:
        return discover(self.directory)

    @property
    def config(self) -> Config:
        return self.workspace.config

    @cached_property
    def today(self) -> dt.date:
        return dates.today()

    @cached_property
    def user(self) -> str | None:
        """The team member running pipe, or None: for reading (--mine) and for choosing whom to mail."""
        member = current_user(self.config, cwd=str(self.workspace.root))
        return member.id if member else None

    @cached_property
    def author(self) -> str | None:
        """Who a write records as having done it (`by`, default owner and assignee); refuses an
        unknown person in a workspace with a team (core.identity.author)."""
        return author(self.config, cwd=str(self.workspace.root))

    @property
    def member(self) -> str | None:
        """The author when the workspace has a team: who owns what they add and does what they take on."""
        return self.author if self.config.team else None

    def update(self, ref: str, change):
        """Change one deal under the lock, refusing any change that would make `pipe check` fail."""
        from pipecli.core.workflow.lifecycle import refuse_new_errors

        return self.workspace.update(ref, lambda d: refuse_new_errors(d, self.config, self.today, change))

    @cached_property
    def style(self) -> Style:
        return Style(self.colour == "always" or (self.colour == "auto" and colour_wanted()))
