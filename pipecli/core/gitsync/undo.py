"""`pipe undo`: take back the last commit pipe made for you.

pipe's own commits carry a `Pipe-Command:` trailer (autocommit.py), so a commit typed by hand is
never taken for one. An unpushed commit at HEAD is reset away; any other is reversed by a new
commit (marked `Pipe-Undone:`), so nothing the team already has is rewritten, and that commit
counts as undone: the next `pipe undo` goes one further back.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipecli.core.errors import PipeError
from pipecli.core.gitsync.repo import Git, merge_lines
from pipecli.core.store.workspace import write_atomic

COMMAND_TRAILER = "Pipe-Command"
UNDONE_TRAILER = "Pipe-Undone"
_FIELD, _RECORD = "\x1f", "\x1e"


class UndoRefused(PipeError):
    """Nothing to undo, or undoing it would lose or rewrite something."""


@dataclass(frozen=True)
class PipeCommit:
    sha: str
    email: str
    subject: str
    undoes: str | None  # the commit an undo commit reversed; None for any other pipe commit


@dataclass(frozen=True)
class Undone:
    subject: str
    commit: str  # the commit undone
    how: str  # "reset": it is gone; "reverted": reversed by new_commit
    new_commit: str | None = None


def pipe_commits(git: Git):
    """pipe's commits reachable from HEAD, newest first."""
    listing = git.output("log", "-E", f"--grep=^({COMMAND_TRAILER}|{UNDONE_TRAILER}): ",
                         f"--format=%H{_FIELD}%ae{_FIELD}%s{_FIELD}%b{_RECORD}", "HEAD", "--")
    for record in listing.split(_RECORD):
        if _FIELD not in record:
            continue
        sha, email, subject, body = record.strip("\n").split(_FIELD, 3)
        undoes = next((line.split(":", 1)[1].strip() for line in body.splitlines()
                       if line.startswith(f"{UNDONE_TRAILER}:")), None)
        yield PipeCommit(sha, email, subject, undoes)


def last_undoable(git: Git) -> PipeCommit | None:
    """The newest pipe commit that is neither an undo nor already undone by one."""
    undone: set[str] = set()
    for commit in pipe_commits(git):
        if commit.undoes is not None:
            undone.add(commit.undoes)
        elif commit.sha not in undone:
            return commit
    return None


def _touched(git: Git, sha: str) -> list[str]:
    """The workspace paths the commit changed."""
    out = git.output("diff-tree", "-r", "--no-commit-id", "--name-only", "--no-renames", "--relative", "-z", sha)
    return [path for path in out.split("\0") if path]


def _reversed(git: Git, sha: str, path: str) -> bytes | None:
    """path with sha's change to it taken out of HEAD's version (None: no file), as `git revert` merges:
    three ways, sha's version the base; refused when that conflicts with later changes."""
    base, ours, theirs = (git.file_at(rev, path) for rev in (sha, "HEAD", f"{sha}^"))
    if ours == base:
        return theirs
    if base is not None and ours is not None and theirs is not None:
        merged, conflicts = merge_lines(*(b.decode("utf-8", "surrogateescape") for b in (base, ours, theirs)))
        if not conflicts:
            return merged.encode("utf-8", "surrogateescape")
    raise UndoRefused(f"{path} changed again after {sha[:7]}, in the same lines: undo that by hand "
                      f"(git revert {sha[:7]}, then 'pipe check')")


# What git leaves while an operation stops half way, and what to call it.
_UNFINISHED = (("MERGE_HEAD", "merge"), ("CHERRY_PICK_HEAD", "cherry-pick"), ("REVERT_HEAD", "revert"),
               ("REBASE_HEAD", "rebase"))


def undo(git: Git, user_emails: set[str]) -> Undone:
    """Undo the last pipe commit, if it is by one of user_emails (case does not matter)."""
    if not git.is_repo():
        raise UndoRefused("undo needs git (the workspace is not a git repository)")
    if not git.has_commits():
        raise UndoRefused("nothing to undo: there are no commits yet")
    in_progress = [what for name, what in _UNFINISHED if git.run("rev-parse", "-q", "--verify", name,
                                                                 check=False).returncode == 0]
    if in_progress:  # its commit would refuse, or sweep undo's files into the merge: checked before any write
        raise UndoRefused(f"a {in_progress[0]} is in progress: finish or abort it first, then undo")
    if git.run("symbolic-ref", "-q", "HEAD", check=False).returncode != 0:
        raise UndoRefused("HEAD is detached (no branch checked out): check out your branch first, then undo")
    last = last_undoable(git)
    if last is None:
        raise UndoRefused("nothing to undo: no commit here was made by pipe "
                          "(pipe commits with 'pipe COMMAND --commit', or with git: {autocommit: true})")
    if last.email.lower() not in {e.lower() for e in user_emails}:
        raise UndoRefused(f"the last pipe commit, {last.sha[:7]} '{last.subject}', is {last.email}'s, "
                          "not yours: pipe undo only undoes your own")
    paths = _touched(git, last.sha)
    status = git.output("status", "--porcelain", "-z", "--untracked-files=all", "--", *paths) if paths else ""
    dirty = [record[3:] for record in status.split("\0") if len(record) > 3]
    if dirty:
        shown = ", ".join(dirty[:3])
        raise UndoRefused(f"uncommitted changes in {shown}, which {last.sha[:7]} changed: commit or "
                          "set them aside first (undo would overwrite them)")
    if git.run("rev-parse", "-q", "--verify", f"{last.sha}^", check=False).returncode != 0:
        raise UndoRefused(f"{last.sha[:7]} is the repository's first commit: there is nothing before it")
    head = git.output("rev-parse", "HEAD").strip()
    pushed = bool(git.output("branch", "-r", "--contains", last.sha).strip())
    if last.sha == head and not pushed:
        git.run("reset", "--quiet", "--keep", "HEAD^")  # --keep: refuses rather than overwrite local changes
        return Undone(last.subject, last.sha, "reset")
    reversed_files = {path: _reversed(git, last.sha, path) for path in paths}  # all or nothing: none written yet
    git.require_committer()  # before any write: a commit that cannot be made must not leave files reversed
    originals = {path: (git.root / path).read_bytes() if (git.root / path).exists() else None for path in paths}
    message = (f"undo: {last.subject}\n\nThis reverts commit {last.sha}.\n\n"
               f"{COMMAND_TRAILER}: undo\n{UNDONE_TRAILER}: {last.sha}\n")
    try:
        _write(git, reversed_files)
        new = git.commit(paths, message)
    except BaseException:
        # a hook or a signing failure: the files as they were, and the index with them
        _write(git, originals)
        git.run("reset", "--quiet", "--", *paths, check=False)
        raise
    return Undone(last.subject, last.sha, "reverted", new)


def _write(git: Git, contents: dict[str, bytes | None]) -> None:
    """Each file as given; None: removed (Git.commit stages the removal)."""
    for path, content in contents.items():
        if content is None:
            (git.root / path).unlink(missing_ok=True)
        else:
            write_atomic(git.root / path, content)
