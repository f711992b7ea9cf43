"""Running git for a workspace: one place that calls the git program and turns its failures into one line.

The workspace may be the repository's top folder or any folder inside it; paths given to and
returned by these methods are relative to the workspace, as the rest of pipe sees them.
"""

from __future__ import annotations

import os
import subprocess
from functools import cached_property
from pathlib import Path

from pipecli.core.errors import PipeError


class GitError(PipeError):
    """git failed, or is missing, or the workspace is not in a repository."""


class Git:
    """The git repository a workspace lives in."""

    def __init__(self, root: Path):
        self.root = root

    def run(self, *args: str, input: bytes | None = None, check: bool = True,
            env: dict[str, str] | None = None, timeout: float | None = None) -> subprocess.CompletedProcess:
        """git ARGS in the workspace; raises GitError with git's own first line when it fails (or takes
        longer than timeout seconds, when given)."""
        try:
            done = subprocess.run(
                ["git", *args], cwd=self.root, input=input, capture_output=True,
                env={**os.environ, **(env or {}), "LC_ALL": "C"}, timeout=timeout,
            )
        except FileNotFoundError:
            raise GitError("git is not installed (or not on PATH)") from None
        except subprocess.TimeoutExpired:
            raise GitError(f"git {args[0]} did not answer in {timeout:g} s") from None
        if check and done.returncode != 0:
            raise failure(args[0], done)
        return done

    def output(self, *args: str) -> str:
        return self.run(*args).stdout.decode("utf-8", "replace")

    def is_repo(self) -> bool:
        try:
            return self.run("rev-parse", "--is-inside-work-tree", check=False).returncode == 0
        except GitError:
            return False

    def unmerged(self, folder: str) -> dict[str, dict[int, str]]:
        """Files under folder (relative to the workspace) that git has not finished merging (a merge,
        rebase or cherry-pick stopped on them): path -> {stage: blob} (1 base, 2 ours, 3 theirs).
        Empty outside a repository or without git."""
        try:
            done = self.run("ls-files", "--unmerged", "-z", "--", folder, check=False)
        except GitError:
            return {}
        if done.returncode != 0:
            return {}
        found: dict[str, dict[int, str]] = {}
        for record in done.stdout.split(b"\0"):
            if b"\t" not in record:
                continue
            info, path = record.split(b"\t", 1)  # "MODE BLOB STAGE", then the path
            _, blob, stage = info.decode().split()
            found.setdefault(path.decode("utf-8", "replace"), {})[int(stage)] = blob
        return found

    def blob_of(self, path: str) -> str | None:
        """The blob id git would give the working tree's file at path, or None."""
        try:
            done = self.run("hash-object", "--", path, check=False)
        except GitError:
            return None
        return done.stdout.decode().strip() if done.returncode == 0 else None

    def require_repo(self) -> None:
        if not self.is_repo():
            raise GitError(f"{self.root} is not in a git repository: run 'pipe git setup' (or 'git init') first")

    @cached_property
    def prefix(self) -> str:
        """The workspace's folder inside the repository, '' or ending in '/' (as git writes it)."""
        return self.output("rev-parse", "--show-prefix").strip()

    @cached_property
    def toplevel(self) -> Path:
        return Path(self.output("rev-parse", "--show-toplevel").strip())

    def require_committer(self) -> None:
        """Fail now, before anything is written, when a commit could not be made here."""
        self.require_repo()
        who = self.run("var", "GIT_COMMITTER_IDENT", check=False)
        if who.returncode != 0:
            raise GitError("git does not know who you are, so pipe cannot commit: "
                           "git config user.name 'Your Name' && git config user.email you@example.com")

    def has_commits(self) -> bool:
        return self.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False).returncode == 0

    def commit_of(self, rev: str) -> str:
        """The full commit id rev names; a clear error for anything that names no commit."""
        if rev.startswith("-"):
            raise GitError(f"'{rev}' is not a git revision")
        done = self.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}", check=False)
        if done.returncode != 0:
            raise GitError(f"unknown git revision '{rev}' (a commit, branch, tag or HEAD~N)")
        return done.stdout.decode().strip()

    def commit_before(self, moment: str, rev: str = "HEAD") -> str | None:
        """The last commit on rev made at or before moment (a date or date-time git understands), or None."""
        found = self.output("rev-list", "-1", "--first-parent", f"--before={moment}", self.commit_of(rev), "--").strip()
        return found or None

    def tree_files(self, commit: str, folder: str) -> dict[str, str]:
        """The files directly in folder (relative to the workspace) at commit: name -> blob id."""
        listing = self.run("ls-tree", "-z", "--full-tree", commit, "--", f"{self.prefix}{folder.rstrip('/')}/").stdout
        files = {}
        for record in listing.split(b"\0"):
            if not record:
                continue
            meta, _, path = record.partition(b"\t")
            mode, kind, blob = meta.decode().split()
            if kind == "blob" and mode in ("100644", "100755"):  # regular files: no symlinks, no submodules
                files[path.decode("utf-8", "surrogateescape").rsplit("/", 1)[-1]] = blob
        return files

    def read_blobs(self, blobs: list[str]) -> dict[str, bytes]:
        """The content of many blobs at once, through one `git cat-file --batch`."""
        if not blobs:
            return {}
        wanted = list(dict.fromkeys(blobs))
        out = self.run("cat-file", "--batch", input="".join(f"{b}\n" for b in wanted).encode()).stdout
        contents: dict[str, bytes] = {}
        position = 0
        for blob in wanted:
            header_end = out.index(b"\n", position)
            header = out[position:header_end].decode().split()
            if len(header) < 3:
                raise GitError(f"git cat-file: cannot read {blob}")
            size = int(header[2])
            start = header_end + 1
            contents[blob] = out[start:start + size]
            position = start + size + 1  # the content is followed by a newline
        return contents

    def file_at(self, commit: str, path: str) -> bytes | None:
        """One file's bytes at commit (path relative to the workspace), or None if it is not there."""
        done = self.run("cat-file", "blob", f"{commit}:{self.prefix}{path}", check=False)
        return done.stdout if done.returncode == 0 else None

    def commit(self, paths: list[str], message: str) -> str | None:
        """Commit exactly these workspace paths (added, changed or removed); returns the new commit id.

        Only the named paths are staged and committed, so whatever else the user has staged or
        changed is left as it was. None when the paths hold no change.
        """
        # A file created and removed again since the last commit is no change, and git refuses
        # to add a path that neither exists nor is tracked.
        gone = [p for p in paths if not (self.root / p).exists()]
        tracked = set(self.output("ls-files", "-z", "--", *gone).split("\0")) if gone else set()
        paths = [p for p in paths if p not in gone or p in tracked]
        if not paths:
            return None
        self.run("add", "--all", "--", *paths)
        if self.run("diff", "--cached", "--quiet", "--", *paths, check=False).returncode == 0:
            return None
        self.run("commit", "--quiet", "-m", message, "--only", "--", *paths)
        return self.output("rev-parse", "HEAD").strip()


def failure(command: str, done: subprocess.CompletedProcess) -> GitError:
    """The one-line error for a git command that failed: git's own first line of complaint."""
    return GitError(f"git {command}: {_first_line(done.stderr) or f'failed with exit code {done.returncode}'}")


def _first_line(stderr: bytes) -> str:
    for line in stderr.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if line.startswith(("hint:", "usage:")) or not line:
            continue
        return line.removeprefix("fatal: ").removeprefix("error: ")
    return ""


def merge_lines(base: str, ours: str, theirs: str,
                labels: tuple[str, str, str] = ("ours", "base", "theirs")) -> tuple[str, int]:
    """A line-by-line three-way merge, as git does it (`git merge-file`); returns (text, conflicts).

    Conflicting lines are left between git's markers. Needs no repository.
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="pipe-merge-") as folder:
        names = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(folder) / name
            path.write_bytes(text.encode("utf-8", "surrogateescape"))
            names.append(str(path))
        done = Git(Path(folder)).run("merge-file", "--stdout", "-L", labels[0], "-L", labels[1], "-L", labels[2],
                                     *names, check=False)
    if done.returncode < 0 or done.returncode > 127:
        raise GitError(f"git merge-file: {_first_line(done.stderr) or 'failed'}")
    return done.stdout.decode("utf-8", "surrogateescape"), done.returncode
