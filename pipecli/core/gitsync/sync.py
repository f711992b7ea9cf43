"""`pipe sync`: pull the team's changes (merged by pipe's driver), check the result, push ours."""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from pipecli.core.errors import PipeError
from pipecli.core.fileformat.dealfile import find_conflict_marker
from pipecli.core.gitsync.repo import Git, failure
from pipecli.core.gitsync.mergeahead import both_sides, merge_ahead
from pipecli.core.gitsync.setup import (AHEAD_VARIABLE, DRIVER_COMMAND, MERGE_LOG_VARIABLE, PYTHON_VARIABLE,
                                        attributes_route_deals, configure_clone, note_merged, registered_driver)
from pipecli.core.problems import Problem
from pipecli.core.store.check import check_workspace
from pipecli.core.store.workspace import DEALS_DIR, Workspace


class SyncRefused(PipeError):
    """Sync stopped before pushing; carries the problems that stopped it, if any."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass
class Synced:
    pulled: int = 0  # commits that came in
    pushed: int = 0  # commits that went out
    warnings: list[Problem] = field(default_factory=list)


def sync(workspace: Workspace, today: dt.date, push: bool = True, say: Callable[[str], None] = lambda note: None,
         watch_merges: Callable[[int, Path], AbstractContextManager] | None = None,
         checking: Callable[[Iterable[str]], Iterable[str]] = iter) -> Synced:
    """Pull, check, push; say() tells what it changed in the clone's setup, as it does it (before any refusal).

    watch_merges(count, log), when given, is entered around the pull when deal files changed on both
    sides are to merge: the merge driver appends a line to log for each one (a progress bar's count).
    checking wraps the deal ids as the check after the pull goes through them.
    """
    git = Git(workspace.root)
    git.require_repo()
    if not git.has_commits():
        raise PipeError("nothing is committed yet: commit the workspace first (git add -A && git commit)")
    result = Synced()
    if not attributes_route_deals(workspace.root):
        raise PipeError("deal files would merge as plain text here (.gitattributes does not route deals/*.md "
                        "to pipe): run 'pipe git setup' and commit .gitattributes")
    for note in configure_clone(git, replace=False):
        say(note)
    with workspace.lock():
        _refuse_unfinished(git)
        pending = _uncommitted(git)
        if pending:
            shown = ", ".join(pending[:5]) + (f" and {len(pending) - 5} more" if len(pending) > 5 else "")
            raise PipeError(f"uncommitted changes in {shown}: commit them first "
                            "(git commit, or 'pipe COMMAND --commit', or git: {autocommit: true})")
        upstream = git.run("rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}", check=False)
        if upstream.returncode != 0:
            branch = git.output("rev-parse", "--abbrev-ref", "HEAD").strip()
            if not git.output("remote").split():
                raise PipeError("no remote to sync with: add one with 'git remote add origin URL', "
                                f"then 'git push -u origin {branch}'")
            raise PipeError(f"branch '{branch}' has no upstream to sync with: push it once with "
                            f"'git push -u origin {branch}'")
        before = git.output("rev-parse", "HEAD").strip()
        # The driver runs this very pipe, whatever PATH holds.
        env = {"GIT_MERGE_AUTOEDIT": "no", PYTHON_VARIABLE: sys.executable}
        with tempfile.TemporaryDirectory(prefix="pipe-sync-") as folder:
            log = Path(folder) / "merged"
            if watch_merges is not None:
                log.touch()
                env[MERGE_LOG_VARIABLE] = str(log)
            if _merges(git) and registered_driver(git) == DRIVER_COMMAND:
                pulled = _fetch_merge_ahead_and_merge(git, env, Path(folder) / "ahead", log, watch_merges)
            else:
                pulled = _pull(git, env, log, watch_merges)
        if pulled.returncode != 0:
            _refuse_unfinished(git, " (nothing was pushed)")
            raise failure("pull", pulled)
        after = git.output("rev-parse", "HEAD").strip()
        if after != before:
            result.pulled = int(git.output("rev-list", "--count", f"{before}..@{{u}}").strip())
        workspace.reload_config()  # pipelines.yaml may have come in with the pull
        problems = check_workspace(workspace, today, unmerged_deal_files(workspace), checking)
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


def _merges(git: Git) -> bool:
    """Whether a pull here merges (rather than rebases): what `git pull` decides from this clone's settings."""
    branch = git.output("rev-parse", "--abbrev-ref", "HEAD").strip()
    for key in (f"branch.{branch}.rebase", "pull.rebase"):
        done = git.run("config", "--type=bool", "--get", key, check=False)
        if done.returncode == 1 and not done.stderr:
            continue  # not set
        return done.stdout.decode().strip() == "false"  # true, or merges, interactive...: a rebase
    return True  # sync asks for a merge when nothing is set


_PULL_FF = {"only": "--ff-only", "false": "--no-ff", "true": "--ff"}


def _fetch_merge_ahead_and_merge(git: Git, env: dict[str, str], ahead: Path, log: Path,
                                 watch_merges: Callable[[int, Path], AbstractContextManager] | None):
    """What `git pull` does (fetch, then merge FETCH_HEAD: the same commit message), with the deal files
    changed on both sides merged ahead in this process, between the two (mergeahead.py)."""
    fetched = git.run("fetch", check=False)
    if fetched.returncode != 0:
        return fetched
    theirs = git.output("rev-parse", "FETCH_HEAD").strip()
    base = git.run("merge-base", "HEAD", theirs, check=False)
    paths = both_sides(git, base.stdout.decode().strip(), theirs) if base.returncode == 0 else []
    merge = ["merge", "--no-edit", "-s", "recursive", "-X", "no-renames"]
    ff = git.run("config", "--get", "pull.ff", check=False).stdout.decode().strip().lower()
    merge += [_PULL_FF[ff]] if ff in _PULL_FF else []
    with watch_merges(len(paths), log) if watch_merges is not None and paths else nullcontext():
        if paths:
            def merged(path: str) -> None:
                if watch_merges is not None:
                    note_merged(path, log)

            if merge_ahead(git, base.stdout.decode().strip(), theirs, paths, ahead, merged):
                env = {**env, AHEAD_VARIABLE: str(ahead)}
        return git.run(*merge, "FETCH_HEAD", check=False, env=env)


def _pull(git: Git, env: dict[str, str], log: Path,
          watch_merges: Callable[[int, Path], AbstractContextManager] | None):
    """`git pull`, for a clone that rebases (or a driver that is not pipe's): each file merged by the driver."""
    # No rename detection (see configure_clone), whatever this clone's settings say.
    pull = ["pull", "--no-edit", "-s", "recursive", "-X", "no-renames"]
    if git.run("config", "--get", "pull.rebase", check=False).returncode != 0:
        pull.append("--no-rebase")  # merge, unless this clone asked for rebase
    merges = _files_to_merge(git) if watch_merges is not None else 0
    with watch_merges(merges, log) if merges else nullcontext():
        return git.run(*pull, check=False, env=env)


def _files_to_merge(git: Git) -> int:
    """How many deal files the pull will merge (changed on both sides since they parted), after a fetch;
    0 when that cannot be told (the pull then says what is wrong)."""
    if git.run("fetch", "--quiet", check=False).returncode != 0:
        return 0
    base = git.run("merge-base", "HEAD", "@{u}", check=False)
    if base.returncode != 0:
        return 0
    return len(both_sides(git, base.stdout.decode().strip(), "@{u}"))


def _refuse_unfinished(git: Git, pushed: str = "") -> None:
    """Stop, saying what to do next, when a merge or rebase is unfinished (one we just began, or an earlier one)."""
    # --git-path is relative to where git runs, or absolute: joining it to the root gives either.
    rebasing = any((git.root / git.output("rev-parse", "--git-path", name).strip()).exists()
                   for name in ("rebase-merge", "rebase-apply"))
    finish = "git add, git rebase --continue" if rebasing else "git add, git commit"
    abort = "git rebase --abort" if rebasing else "git merge --abort"
    kinds = _conflicts(git)
    if kinds:
        unmarked = [path for path, kind in kinds.items() if kind == "content" and not _has_markers(git.toplevel / path)]
        removed = [path for path, kind in kinds.items() if kind == "removed"]
        if unmarked:
            # A merge driver that could not run leaves our version with no marker: committing
            # that as it is would drop the other side's changes without a word.
            registered = registered_driver(git)
            could = ("pipe's merge driver found no pipe to run" if registered == DRIVER_COMMAND
                     else f"could git run '{registered}'?")
            raise SyncRefused(f"the merge of {', '.join(unmarked)} failed without marking anything ({could}): "
                              f"fix that, then '{abort}' and 'pipe sync' again{pushed}")
        if removed:
            raise SyncRefused(f"{', '.join(removed)}: removed on one side and changed on the other: keep the deal "
                              f"(git add FILE) or remove it (git rm FILE), then {finish} and 'pipe sync' again{pushed}")
        raise SyncRefused(f"conflicts in {', '.join(kinds)}: edit the marked lines ('pipe check' shows where), "
                          f"then {finish} and 'pipe sync' again{pushed}")
    if rebasing:
        raise SyncRefused(f"a rebase is in progress: finish it with 'git rebase --continue' (or undo it with "
                          f"'{abort}'), then 'pipe sync' again{pushed}")
    if git.run("rev-parse", "-q", "--verify", "MERGE_HEAD", check=False).returncode == 0:
        raise SyncRefused(f"a merge is in progress: finish it with 'git commit' (or undo it with "
                          f"'{abort}'), then 'pipe sync' again{pushed}")


def _conflicts(git: Git) -> dict[str, str]:
    """Conflicted paths (relative to the repository's top) and their kind: 'content' (both sides
    changed it) or 'removed' (one side removed it, or added it, while the other changed it)."""
    stages: dict[str, set[str]] = {}
    for record in git.run("ls-files", "-u", "-z", "--full-name").stdout.split(b"\0"):
        if record:
            meta, _, path = record.partition(b"\t")
            stages.setdefault(path.decode("utf-8", "surrogateescape"), set()).add(meta.split()[2].decode())
    return {path: "content" if {"2", "3"} <= found else "removed" for path, found in stages.items()}


def _has_markers(path: Path) -> bool:
    try:
        return find_conflict_marker(path.read_text(encoding="utf-8", errors="replace")) is not None
    except OSError:
        return True  # not on disk: nothing of ours to warn about


def _uncommitted(git: Git) -> list[str]:
    """Changed or new files among deals/, pipelines.yaml and .gitattributes that are not committed."""
    listing = git.run("status", "--porcelain", "-z", "--no-renames", "--untracked-files=all", "--",
                      "deals", "pipelines.yaml", ".gitattributes").stdout
    paths = []
    for record in listing.split(b"\0"):
        if len(record) > 3 and record[2:3] == b" ":
            paths.append(record[3:].decode("utf-8", "replace"))
    return paths


def unmerged_deal_files(workspace: Workspace) -> list[tuple[str, bool]]:
    """Deal files a stopped git merge left unmerged, each with whether it is still exactly our side.

    When the driver could not run, git leaves such a file as our side, without conflict markers:
    it parses, and committing it drops the other side's changes. A file the user has edited since
    (markers resolved) is theirs to `git add`.
    """
    if not (workspace.root / ".git").exists() and not any((p / ".git").exists() for p in workspace.root.parents):
        return []  # not in a repository: no git process for nothing
    git = Git(workspace.root)
    found = []
    for path, stages in sorted(git.unmerged(DEALS_DIR).items()):
        ours, theirs = stages.get(2), stages.get(3)
        found.append((path, ours is not None and theirs is not None and ours != theirs and git.blob_of(path) == ours))
    return found
