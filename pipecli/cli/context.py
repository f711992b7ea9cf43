"""What every command needs: the workspace (found once), today, the current user, colour."""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from pipecli.core import dates
from pipecli.core.config import Config
from pipecli.core.identity import current_user
from pipecli.core.storage import Workspace, discover
from pipecli.render.style import Style, colour_wanted


class App:
    """Lazily found state shared by the commands of one invocation."""

    def __init__(self, directory: str | None):
        self.directory = directory

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
        member = current_user(self.config, cwd=str(self.workspace.root))
        return member.id if member else None

    def update(self, ref: str, change):
        """Change one deal under the lock, refusing any change that would make `pipe check` fail."""
        from pipecli.core.lifecycle import refuse_new_errors

        return self.workspace.update(ref, lambda d: refuse_new_errors(d, self.config, self.today, change))

    @cached_property
    def style(self) -> Style:
        return Style(colour_wanted())
