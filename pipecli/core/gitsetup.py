"""Making a workspace's git repository merge deals with pipe: .gitattributes and the clone's merge driver.

Two halves, because git keeps them apart: .gitattributes is committed and says which files use
the driver named `pipe`; the command that runs the driver lives in each clone's own .git/config
(git never takes commands from a repository), so every clone registers it once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipecli.core.gitrepo import Git
from pipecli.core.storage import DEALS_DIR, write_atomic

ATTRIBUTES_FILE = ".gitattributes"
DRIVER = "pipe"
ATTRIBUTE_LINE = f"{DEALS_DIR}/*.md merge={DRIVER}"
DRIVER_NAME = "pipe: merge deal files field by field"


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


def registered_driver(git: Git) -> str | None:
    """The command this clone runs as pipe's merge driver, or None."""
    done = git.run("config", "--get", f"merge.{DRIVER}.driver", check=False)
    if done.returncode != 0:
        return None
    return done.stdout.decode().strip() or None


def register_driver(git: Git, driver_command: str, replace: bool = True) -> list[str]:
    """Register the driver in this clone's config, and turn off rename detection; returns what changed.

    replace=False keeps a driver already registered (pipe sync: the user's setup wins).

    Without the driver git merges deal files as lines. With rename detection on, git takes a deal
    removed on one side and a similar new one added there for a rename, and moves the other side's
    changes into that other deal without a word.
    """
    steps = []
    registered = registered_driver(git)
    if registered != driver_command and (replace or registered is None):
        git.run("config", f"merge.{DRIVER}.name", DRIVER_NAME)
        git.run("config", f"merge.{DRIVER}.driver", driver_command)
        steps.append(f"registered the merge driver in this clone's git config: {driver_command}")
    if git.run("config", "--get", "merge.renames", check=False).stdout.strip() != b"false":
        git.run("config", "merge.renames", "false")
        steps.append("turned off rename detection in merges (merge.renames false): a deal is never merged into another")
    return steps


def setup(root: Path, driver_command: str) -> SetupDone:
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
    done.steps += register_driver(git, driver_command)
    return done
