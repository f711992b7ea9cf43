"""`pipe sync`: pull the team's changes (merged by pipe's driver), check the result, push ours."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pipecli.core.check import check_workspace
from pipecli.core.errors import PipeError
from pipecli.core.gitrepo import Git, failure
from pipecli.core.gitsetup import DRIVER, attributes_route_deals, registered_driver
from pipecli.core.problems import Problem
from pipecli.core.storage import Workspace


class SyncRefused(PipeError):
    """Sync stopped before pushing; carries the problems that stopped it, if any."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass
class Synced:
    pulled: int = 0  # commits that came in
    pushed: int = 0  # commits that went out
    notes: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def sync(workspace: Workspace, today: dt.date, driver_command: str, push: bool = True) -> Synced:
    git = Git(workspace.root)
    git.require_repo()
    if not git.has_commits():
        raise PipeError("nothing is committed yet: commit the workspace first (git add -A && git commit)")
    result = Synced()
    if not attributes_route_deals(workspace.root):
        raise PipeError("deal files would merge as plain text here (.gitattributes does not route deals/*.md "
                        "to pipe): run 'pipe git setup' and commit .gitattributes")
    if registered_driver(git) is None:
        git.run("config", f"merge.{DRIVER}.driver", driver_command)
        result.notes.append("registered pipe's merge driver in this clone")
    with workspace.lock():
        _refuse_conflicts(git, "a merge left conflicts in {files}: edit the marked lines ('pipe check' shows where), "
                               "then git add, git commit and 'pipe sync' again")
        if git.run("rev-parse", "-q", "--verify", "MERGE_HEAD", check=False).returncode == 0:
            raise PipeError("a merge is in progress: finish it with 'git commit' (or undo it with "
                            "'git merge --abort'), then 'pipe sync' again")
        pending = _uncommitted(git)
        if pending:
            shown = ", ".join(pending[:5]) + (f" and {len(pending) - 5} more" if len(pending) > 5 else "")
            raise PipeError(f"uncommitted changes in {shown}: commit them first "
                            "(git commit, or --commit on pipe commands, or git: {autocommit: true})")
        upstream = git.run("rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}", check=False)
        if upstream.returncode != 0:
            branch = git.output("rev-parse", "--abbrev-ref", "HEAD").strip()
            raise PipeError(f"branch '{branch}' has no upstream to sync with: push it once with "
                            f"'git push -u origin {branch}'")
        before = git.output("rev-parse", "HEAD").strip()
        pull = ["pull", "--no-edit"]
        if git.run("config", "--get", "pull.rebase", check=False).returncode != 0:
            pull.append("--no-rebase")  # merge, unless this clone asked for rebase
        pulled = git.run(*pull, check=False, env={"GIT_MERGE_AUTOEDIT": "no"})
        if pulled.returncode != 0:
            _refuse_conflicts(git, "the pull left conflicts in {files}: edit the marked lines ('pipe check' shows "
                                   "where), then git add, git commit and 'pipe sync' again; nothing was pushed")
            raise failure("pull", pulled)
        after = git.output("rev-parse", "HEAD").strip()
        if after != before:
            result.pulled = int(git.output("rev-list", "--count", f"{before}..@{{u}}").strip())
        workspace.reload_config()  # pipelines.yaml may have come in with the pull
        problems = check_workspace(workspace, today)
        errors = [p for p in problems if p.severity == "error"]
        result.warnings = [p for p in problems if p.severity != "error"]
        if errors:
            raise SyncRefused(f"not pushing: 'pipe check' finds {len(errors)} error{'s' if len(errors) > 1 else ''} "
                              "after the pull; fix them, commit, and sync again", errors)
        ahead = int(git.output("rev-list", "--count", "@{u}..HEAD").strip())
        if push and ahead:
            git.run("push", "--quiet")
            result.pushed = ahead
    return result


def _refuse_conflicts(git: Git, message: str) -> None:
    """Stop, saying what to do, when files are left conflicted by a merge."""
    conflicted = git.output("diff", "--name-only", "--diff-filter=U").split()
    unmarked = [path for path in conflicted if not _has_markers(git.toplevel / path)]
    if unmarked:
        # A merge driver that could not run leaves our version with no marker: committing
        # that as it is would drop the other side's changes without a word.
        raise SyncRefused(f"the merge of {', '.join(unmarked)} failed without marking anything (could git run "
                          f"'{registered_driver(git)}'?): fix that, then 'git merge --abort' and 'pipe sync' "
                          "again; nothing was pushed")
    if conflicted:
        raise SyncRefused(message.format(files=", ".join(conflicted)))


def _has_markers(path) -> bool:
    from pipecli.core.dealfile import find_conflict_marker

    try:
        return find_conflict_marker(path.read_text(encoding="utf-8", errors="replace")) is not None
    except OSError:
        return True  # deleted on one side: git's own conflict, nothing of ours to warn about


def _uncommitted(git: Git) -> list[str]:
    """Changed or new files under the workspace's deals/ and pipelines.yaml that are not committed."""
    listing = git.run("status", "--porcelain", "-z", "--untracked-files=all", "--", "deals", "pipelines.yaml").stdout
    paths = []
    for record in listing.split(b"\0"):
        if len(record) > 3 and record[2:3] == b" ":
            paths.append(record[3:].decode("utf-8", "replace"))
    return paths
