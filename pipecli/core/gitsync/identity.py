"""Who is running pipe: $PIPE_USER, else the git user's email, matched against the team."""

from __future__ import annotations

import os
from pathlib import Path

from pipecli.core.errors import InvalidValue, NotFound
from pipecli.core.gitsync.repo import Git, GitError
from pipecli.core.model.config import Config, Member


def git_email(cwd: str | None = None) -> str | None:
    """`git config user.email`, or None when git or the setting is missing."""
    try:
        done = Git(Path(cwd or ".")).run("config", "user.email", check=False, timeout=5)  # a hung git: no user
    except (GitError, OSError):
        return None
    return done.stdout.decode("utf-8", "replace").strip() or None


def current_user(config: Config, cwd: str | None = None) -> Member | None:
    """The team member running this command, or None when git's email is not on the team.

    PIPE_USER is said on purpose, so one that names nobody on the team is an error rather
    than deals and tasks silently written without an owner or author.
    """
    chosen = os.environ.get("PIPE_USER")
    if not config.team:  # nobody to be: a solo workspace records PIPE_USER or git's email as it is (author)
        return None
    if chosen:
        try:
            return config.find_member(chosen)
        except NotFound:
            known = ", ".join(m.id for m in config.team) or "none"
            raise NotFound(f"PIPE_USER '{chosen}' is not on the team (team: {known}): "
                           "set it to a member id or email from pipelines.yaml") from None
    email = git_email(cwd)
    if not email:
        return None
    try:
        return config.find_member(email)
    except NotFound:
        return None


def unknown_user_hint(cwd: str | None = None) -> str:
    """Why no team member could be found for the person running pipe."""
    email = git_email(cwd)
    if email:
        return f"git config user.email ({email}) is not a team member's email; set PIPE_USER to your member id"
    return "set PIPE_USER to your member id, or git config user.email to your team email"


def author(config: Config, cwd: str | None = None) -> str | None:
    """Who a write records (history and timeline `by`, default owner and assignee).

    With a team, a member id, or InvalidValue saying how to become one: a deal written with no
    owner, or a call with no author, is a record nobody can trust. Without a team, $PIPE_USER or
    git's email as it is (None when there is neither), so a solo workspace keeps working.
    """
    if not config.team:
        return os.environ.get("PIPE_USER") or git_email(cwd)
    member = current_user(config, cwd)
    if member is None:
        email = git_email(cwd)
        known = f"git's user.email ({email}) is not on the team" if email else "no PIPE_USER and no git user.email"
        team = ", ".join(m.id for m in config.team)
        raise InvalidValue(f"this records who did it, and pipe does not know who you are: {known} (team: {team}); "
                           "export PIPE_USER=<your id>, or add yourself under 'team:' in pipelines.yaml")
    return member.id


def your_emails(config: Config, cwd: str) -> set[str]:
    """The emails that are you, for telling your commits from others': the email git writes as the
    author here (config or GIT_AUTHOR_EMAIL), and your team member's email (PIPE_USER or git's)."""
    emails = set()
    try:
        ident = Git(Path(cwd)).run("var", "GIT_AUTHOR_IDENT", check=False, timeout=5).stdout.decode("utf-8", "replace")
    except (GitError, OSError):
        ident = ""
    if "<" in ident and ">" in ident:
        emails.add(ident[ident.index("<") + 1:ident.index(">")])
    member = current_user(config, cwd)
    if member is not None and member.email:
        emails.add(member.email)
    return {e for e in emails if e}
