"""Committing what a command changed, when `git: {autocommit: true}` or `--commit` asks: the checks made
before anything is written, and one commit of exactly the files written, with a message saying what happened."""

from __future__ import annotations

from pipecli.core.errors import PipeError
from pipecli.core.gitsync.repo import Git, GitError
from pipecli.core.gitsync.undo import COMMAND_TRAILER
from pipecli.core.store.workspace import Workspace


def require_committable(workspace: Workspace) -> None:
    """Refuse, before a command writes, a commit that could not be made: running the command again
    (to commit) would do its change twice."""
    git = Git(workspace.root)
    git.require_committer()
    if git.run("ls-files", "--error-unmatch", "pipelines.yaml", check=False).returncode != 0:
        # A deal committed without its pipelines.yaml reads as nothing from git later.
        raise PipeError("pipelines.yaml is not committed yet: commit the workspace first "
                        "(git add -A && git commit -m 'pipe workspace')")


def commit_written(workspace: Workspace, changes: list[str], command: str) -> tuple[str | None, str]:
    """Commit the files this process wrote, with changes as the message (first line the subject, else
    '<command>: N files changed'); returns the new commit (None when nothing changed) and the subject."""
    paths = sorted({workspace.relative(path) for path in workspace.written})
    lines = changes or [f"{command}: {len(paths)} file{'s' if len(paths) > 1 else ''} changed"]
    message = lines[0] + ("\n\n" + "\n".join(lines[1:]) if len(lines) > 1 else "") + "\n"
    message += f"\n{COMMAND_TRAILER}: {command}\n"  # how `pipe undo` tells pipe's commits from others
    try:
        commit = Git(workspace.root).commit(paths, message)
    except GitError as error:
        raise GitError(f"changed {', '.join(paths[:3])}{' ...' if len(paths) > 3 else ''} "
                       f"but did not commit: {error}") from None
    return commit, lines[0]
