"""Merging ahead: `pipe sync` merges the deal files changed on both sides in its own process, before git does.

git starts the merge driver once per such file, and each run started Python (0.1 s): 400 deals
took a minute. Here they are read in one `git cat-file --batch`, merged with the driver's own code
(merge.py `merge_file`), and each result is left in a folder where the driver's shell snippet
(setup.py) looks before it starts Python: the file's path, then the blob ids of its three inputs
and the driver's exit status. A result is only ever used for exactly the inputs it was merged
from, so a stale or unforeseen one (a virtual merge base, the remote moved on) is never used: the
driver then merges as before. git does the merge itself, so an interrupted sync leaves what an
interrupted `git merge` leaves, and a plain `git merge` (no folder given) runs the driver per file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from pipecli.core.errors import PipeError
from pipecli.core.gitsync.merge import merge_file
from pipecli.core.gitsync.repo import Git, merge_lines
from pipecli.core.store.workspace import DEALS_DIR


def both_sides(git: Git, base: str, theirs: str) -> list[str]:
    """Deal files (paths from the repository's top) changed both from base to HEAD and from base to theirs."""
    changed = [set(git.run("diff", "--name-only", "--no-renames", "-z", base, side, "--", DEALS_DIR)
                   .stdout.decode("utf-8", "surrogateescape").split("\0")) - {""} for side in ("HEAD", theirs)]
    return sorted(changed[0] & changed[1])


def merge_ahead(git: Git, base: str, theirs: str, paths: list[str], folder: Path,
                merged: Callable[[str], None] = lambda path: None) -> int:
    """Merge paths (from both_sides) into folder, calling merged(path) after each; returns how many were left there.

    Skipped, for the driver to merge: a file git merges without it (one side unchanged, both the
    same, removed on a side), added on both sides, or one the merge cannot read (its message is the
    driver's to give).
    """
    paths = [path for path in paths if "\n" not in path]  # cat-file reads one name a line
    blobs = _blobs(git, [f"{rev}:{path}" for path in paths for rev in (base, "HEAD", theirs)])
    count = 0
    for index, path in enumerate(paths):
        sides = blobs[3 * index:3 * index + 3]
        if any(side is None for side in sides) or len({oid for oid, _ in sides}) < 3:
            merged(path)
            continue
        try:
            done = merge_file(*(data for _, data in sides), path, merge_lines)
        except PipeError:
            merged(path)
            continue
        result = folder / f"{path}.{'-'.join(oid for oid, _ in sides)}.{done.status}"
        try:
            if not result.parent.is_dir():
                result.parent.mkdir(parents=True)
            if done.messages:
                result.with_name(result.name + ".msg").write_text("".join(f"{m}\n" for m in done.messages),
                                                                  encoding="utf-8", errors="surrogateescape")
            result.write_bytes(done.data)  # last: the driver takes the result only once its message is there
        except OSError:
            # A name too long with the three blob ids added (a long deal id; 64-digit ids in a
            # SHA-256 repository), a full disk: no result, so the driver merges this file itself.
            with contextlib.suppress(OSError):
                result.unlink()
        else:
            count += 1
        merged(path)
    return count


def _blobs(git: Git, names: list[str]) -> list[tuple[str, bytes] | None]:
    """(blob id, content) of each `rev:path` in names, None where there is none; one git process."""
    if not names:
        return []
    out = git.run("cat-file", "--batch", input="".join(f"{name}\n" for name in names).encode("utf-8",
                                                                                             "surrogateescape")).stdout
    found: list[tuple[str, bytes] | None] = []
    at = 0
    for _ in names:
        end = out.index(b"\n", at)
        header = out[at:end].split()
        at = end + 1
        if len(header) != 3 or not header[2].isdigit() or out[at - 1 - len(b" missing"):at - 1] == b" missing":
            found.append(None)  # "<name> missing" (or ambiguous): no such file on that side
            continue
        if header[1] != b"blob":  # a folder where a file was: nothing to merge
            at += int(header[2]) + 1
            found.append(None)
            continue
        size = int(header[2])
        found.append((header[0].decode(), out[at:at + size]))
        at += size + 1
    return found
