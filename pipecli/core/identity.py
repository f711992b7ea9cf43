"""Who is running pipe: $PIPE_USER, else the git user's email, matched against the team."""

from __future__ import annotations

import os
import subprocess

from pipecli.core.config import Config, Member
from pipecli.core.errors import NotFound


def git_email(cwd: str | None = None) -> str | None:
    """`git config user.email`, or None when git or the setting is missing."""
    try:
        result = subprocess.run(
            ["git", "config", "user.email"], capture_output=True, text=True, cwd=cwd, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    email = result.stdout.strip()
    return email or None


def current_user(config: Config, cwd: str | None = None) -> Member | None:
    """The team member running this command, or None when they are not on the team."""
    wanted = os.environ.get("PIPE_USER") or git_email(cwd)
    if not wanted:
        return None
    try:
        return config.find_member(wanted)
    except NotFound:
        return None
