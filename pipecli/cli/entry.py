"""The `pipe` program's entry point: every command, and a quick start for the merge driver.

git runs `pipe merge-driver` once for every deal file changed on both sides of a merge, so a
merge of a few hundred such files pays pipe's start-up a few hundred times: that command skips
loading the other commands.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:2] == ["merge-driver"]:
        from pipecli.cli.gitcmd import run_merge_driver

        run_merge_driver(sys.argv[2:])
        return
    from pipecli.cli.main import main as run_pipe

    run_pipe()
