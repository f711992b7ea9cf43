"""Making a workspace's git repository merge deals with pipe: .gitattributes and the clone's merge driver.

Two halves, because git keeps them apart: .gitattributes is committed and says which files use
the driver named `pipe`; the command that runs the driver lives in each clone's own .git/config
(git never takes commands from a repository), so every clone registers it once.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from pipecli.core.gitsync.repo import Git
from pipecli.core.store.workspace import DEALS_DIR, write_atomic

ATTRIBUTES_FILE = ".gitattributes"
DRIVER = "pipe"
ATTRIBUTE_LINE = f"{DEALS_DIR}/*.md merge={DRIVER}"
DRIVER_NAME = "pipe: merge deal files field by field"
ARGS = "%O %A %B %P"
# What `pipe sync` sets for the merges it starts: its own Python, so the pipe that syncs merges.
PYTHON_VARIABLE = "PIPE_MERGE_PYTHON"
# And the file each driver run appends a line to, so sync can show "merging N/M" while git pulls.
MERGE_LOG_VARIABLE = "PIPE_MERGE_LOG"
# And the folder where `pipe sync` leaves the merges it made ahead, in its own process (mergeahead.py).
AHEAD_VARIABLE = "PIPE_MERGE_AHEAD"
# Before any Python starts (0.1 s a file), the driver looks there for a result merged from exactly its
# three inputs: the file's path (%P, which git quotes for sh), then the blob ids of %O %A %B and the
# driver's exit status. One git process and a cp: a few ms. Nothing there (a plain git
# merge, or inputs sync did not foresee), or the copy failing, and the driver merges as before.
_AHEAD = (
    f'if [ -n "${AHEAD_VARIABLE}" ]; then set -- $(git hash-object --no-filters -- %O %A %B 2>/dev/null); '
    f'for s in 0 1; do r="${AHEAD_VARIABLE}/"%P".$1-$2-$3.$s"; '
    'if [ -f "$r" ] && cp "$r" %A 2>/dev/null; then [ -f "$r.msg" ] && cat "$r.msg" >&2; exit $s; fi; done; fi; '
)
# The driver finds pipe when git merges, not when it was registered: a full path breaks as soon as
# the virtualenv is moved or made again. git runs it with sh, in the environment of whatever ran git
# (a terminal, an editor, a GUI, cron), so: the Python `pipe sync` names, else `pipe` on PATH, else
# a python3 on PATH that has pipecli; a program that cannot start (126, 127: a stale shebang) falls
# through to the next. Without any, one line says what is missing, and git reports a conflict.
_FIND_PIPE_START = (
    f'if [ -n "${PYTHON_VARIABLE}" ]; then exec "${PYTHON_VARIABLE}" -m pipecli merge-driver {ARGS}; fi; '
    f'if command -v pipe >/dev/null 2>&1; then pipe merge-driver {ARGS}; s=$?; [ $s -lt 126 ] && exit $s; fi; '
    f"python3 -c 'import pipecli' 2>/dev/null && exec python3 -m pipecli merge-driver {ARGS}; "
)
# %P stays outside the double quotes: git quotes it for sh, not for inside "...", where a `"` in a
# file's name ended the string (sh then refused the whole driver: that file never merged) and a
# `$(...)` in it would run.
_FIND_PIPE = _FIND_PIPE_START + (
    "echo \"pipe: cannot merge '\"%P\"': no pipe on PATH, nor a python3 with pipecli (PATH is $PATH): "
    "put pipe on PATH, then redo the merge (git checkout -m '\"%P\"')\" >&2; exit 2"
)
DRIVER_COMMAND = _AHEAD + _FIND_PIPE
# The same as pipe registered it before, with %P inside the double quotes.
_FIND_PIPE_QUOTED = _FIND_PIPE_START + (
    'echo "pipe: cannot merge %P: no pipe on PATH, nor a python3 with pipecli (PATH is $PATH): '
    'put pipe on PATH, then redo the merge (git checkout -m %P)" >&2; exit 2'
)
# What pipe registered before its core was grouped into subpackages: the same, but its python3 test
# imported a module that no longer exists; sync and setup replace it.
EARLIER_DRIVER_COMMAND = _FIND_PIPE_QUOTED.replace("'import pipecli'", "'import pipecli.core.merge'")
# Every command an earlier pipe registered as it is (no path in it): sync brings them up to date.
EARLIER_DRIVER_COMMANDS = (EARLIER_DRIVER_COMMAND, _FIND_PIPE_QUOTED, _AHEAD + _FIND_PIPE_QUOTED)
# What earlier versions of pipe registered: one program by its full path (or a Python with -m pipecli).
_OLD_DRIVER = re.compile(rf"^(?P<program>.+?)(?: -m pipecli)? merge-driver {re.escape(ARGS)}$")
# Settings that plain `git pull` needs (see configure_clone), with why.
PULL_SETTINGS = (
    ("merge.renames", "false", "turned off rename detection in merges (merge.renames false): "
                               "a deal is never merged into another"),
    ("pull.twohead", "recursive", "merges, pulls and rebases use the recursive strategy (pull.twohead recursive), "
                                  "the one that honours merge.renames false"),
)


@dataclass
class SetupDone:
    """What setup changed, for the user."""

    steps: list[str] = field(default_factory=list)


def attributes_route_deals(root: Path) -> bool:
    """Whether the workspace's .gitattributes sends deal files to pipe's driver."""
    try:
        lines = (root / ATTRIBUTES_FILE).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return False
    return any(line.split() == ATTRIBUTE_LINE.split() for line in lines)


def _config(git: Git, key: str) -> str | None:
    done = git.run("config", "--get", key, check=False)
    if done.returncode != 0:
        return None
    return done.stdout.decode().strip() or None


def registered_driver(git: Git) -> str | None:
    """The command this clone runs as pipe's merge driver, or None."""
    return _config(git, f"merge.{DRIVER}.driver")


def old_registration(git: Git, command: str) -> str | None:
    """The program of a driver an earlier pipe registered by its full path, or None (the user's own, or current)."""
    found = _OLD_DRIVER.match(command)
    if found is None or _config(git, f"merge.{DRIVER}.name") != DRIVER_NAME:
        return None
    try:
        words = shlex.split(found.group("program"))
    except ValueError:
        return None
    return words[0] if len(words) == 1 and Path(words[0]).is_absolute() else None


def configure_clone(git: Git, replace: bool = True) -> list[str]:
    """Register the driver in this clone's config, and set what plain `git pull` needs; returns what changed.

    replace=False keeps a driver the user registered by hand (pipe sync: the user's setup wins);
    one an earlier pipe registered by its full path is always replaced, saying whether that path
    was gone (a moved or remade virtualenv, which failed every merge).

    Without the driver git merges deal files as lines. With rename detection, git takes a deal
    removed on one side and a similar new one added there for a rename, and moves the other side's
    changes into that other deal without a word; git 2.39's default strategy (ort) ignores
    merge.renames, so pull.twohead picks the strategy that honours it (git merge, pull, rebase and
    cherry-pick all read it). pull.rebase false, unless set already: with neither it nor pull.ff,
    plain `git pull` refuses diverged branches; a merge runs the driver once per file for the whole
    divergence, where a rebase replays each local commit and may stop on each.
    """
    steps = []
    registered = registered_driver(git)
    old = old_registration(git, registered) if registered and registered != DRIVER_COMMAND else None
    earlier = registered in EARLIER_DRIVER_COMMANDS
    if registered != DRIVER_COMMAND and (replace or registered is None or old is not None or earlier):
        git.run("config", f"merge.{DRIVER}.name", DRIVER_NAME)
        git.run("config", f"merge.{DRIVER}.driver", DRIVER_COMMAND)
        if old is not None and not Path(old).exists():
            steps.append(f"repaired the merge driver in this clone's git config: it ran {old}, which no longer "
                         "exists; it now finds pipe on PATH when git merges")
        elif earlier:
            steps.append("updated the merge driver in this clone's git config to this version of pipe's")
        elif old is not None:
            steps.append(f"updated the merge driver in this clone's git config: it ran {old}; it now finds pipe "
                         "on PATH when git merges, so moving or reinstalling pipe does not break it")
        else:
            steps.append("registered the merge driver in this clone's git config (it finds pipe on PATH when "
                         "git merges)")
    for key, value, step in PULL_SETTINGS:
        if _config(git, key) != value:
            git.run("config", key, value)
            steps.append(step)
    if _config(git, "pull.rebase") is None:
        git.run("config", "pull.rebase", "false")
        steps.append("plain 'git pull' merges (pull.rebase false), with the driver")
    return steps


def setup(root: Path) -> SetupDone:
    """Create the repository if there is none, route deals/*.md to the driver, register it in this clone."""
    done = SetupDone()
    git = Git(root)
    if not git.is_repo():
        git.run("init", "--quiet")
        done.steps.append(f"created a git repository in {root}")
    if not attributes_route_deals(root):
        path = root / ATTRIBUTES_FILE
        existing = path.read_text(encoding="utf-8") if path.exists() else ""
        prefix = existing if not existing or existing.endswith("\n") else existing + "\n"
        write_atomic(path, f"{prefix}# deal files merge field by field: 'pipe git setup' in each clone\n{ATTRIBUTE_LINE}\n")
        done.steps.append(f"wrote {ATTRIBUTES_FILE}: {ATTRIBUTE_LINE} (commit it)")
    done.steps += configure_clone(git)
    return done


def note_merged(path: str, log: Path | None = None) -> None:
    """Tell the `pipe sync` that started this merge (if one did) that one more file is merged.

    Only a progress count: a line appended (one short write, so runs never mix), never a reason
    for the merge to fail.
    """
    import os

    log = log or os.environ.get(MERGE_LOG_VARIABLE)
    if not log:
        return
    try:
        with open(log, "a", encoding="utf-8", errors="replace") as handle:
            handle.write(path.replace("\n", " ") + "\n")
    except OSError:
        pass


def merged_count(log: Path) -> int:
    """How many files the log note_merged appends to names, each once: a file merged ahead in pipe's
    process is merged by the driver all the same when the result could not be left for it (added on
    both sides, a file the merge cannot read, a virtual merge base), and a rebase merges a file once
    per commit it replays; a line each, the bar went past its total before the last merge was done."""
    return len(set(log.read_text(encoding="utf-8", errors="replace").splitlines()))
