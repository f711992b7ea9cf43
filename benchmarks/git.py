"""Time pipe's git work on generated workspaces and print a table (median of several runs).

    python benchmarks/git.py                 # 1,000 deals, 3 runs
    python benchmarks/git.py --sizes 1000 10000 --runs 1
    python benchmarks/git.py --only sync     # only pipe sync, 400 deals changed on both sides against 1

For each size: a repository with two branches that both changed the same open deals (one tagged
them, the other set their probability), and the time of merging them
- with pipe's merge driver (git runs it once per deal changed on both sides), against
- git's own line merge of the same files (the baseline: what a merge costs without pipe);
then `pipe history`, `pipe diff` and `pipe report --as-of` against the same command on the
working tree (their baseline); then `pipe sync` (no push) in a clone where 400 deals changed on both
sides (one clone tagged them, the other changed their value, pushed first) against the same sync with
one such deal (target: 10x), the two timed in turn.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402

ENV = {**os.environ, "PIPE_TODAY": "2026-11-27", "NO_COLOR": "1", "PIPE_USER": "maya",
       "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
       "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
PIPE = [sys.executable, "-m", "pipecli"]


def sh(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=ENV, capture_output=True, check=check)


def timed(args: list[str], cwd: Path, runs: int, before=None) -> float:
    """Median wall-clock seconds of args, with before() run (untimed) ahead of each run."""
    times = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        sh(args, cwd, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def make_repository(size: int, folder: Path) -> tuple[Path, int]:
    """A repository where branches 'tagged' and 'probable' changed the same open deals; returns it and their count."""
    root = generate(size, folder)
    sh(["git", "init", "-q", "-b", "main"], root)
    sh(PIPE + ["git", "setup"], root)
    sh(["git", "add", "-A"], root)
    sh(["git", "commit", "-qm", "start"], root)
    sh(["git", "switch", "-qc", "tagged"], root)
    sh(PIPE + ["bulk", "tag", "reviewed", "--stage", "lead", "--yes", "--commit"], root)
    sh(["git", "switch", "-q", "main"], root)
    sh(["git", "switch", "-qc", "probable"], root)
    sh(PIPE + ["bulk", "set", "probability=33", "--stage", "lead", "--yes", "--commit"], root)
    changed = len(sh(["git", "diff", "--name-only", "main", "probable"], root).stdout.split())
    return root, changed


SYNC_TARGET = 10.0  # 400 deals changed on both sides against one (issue 20)


def edit_deals(root: Path, count: int, side: str) -> None:
    """Change count deals (the first that have a value and tags): 'ours' tags them, 'theirs' changes their value."""
    done = 0
    for path in sorted((root / "deals").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if not re.search(r"(?m)^value: \d+$", text) or "\ntags:\n" not in text:
            continue
        if side == "ours":
            text = text.replace("\ntags:\n", "\ntags:\n- reviewed\n", 1)
        else:
            text = re.sub(r"(?m)^value: (\d+)$", lambda m: f"value: {int(m.group(1)) + 1}", text, count=1)
        path.write_text(text, encoding="utf-8")
        done += 1
        if done == count:
            return
    raise SystemExit(f"only {done} deals to change, {count} wanted: a larger --sizes")


def make_team(size: int, folder: Path, changed: int) -> tuple[Path, str]:
    """A remote, 'theirs' (pushed its changes to changed deals) and 'ours' (committed its own to the same
    deals): returns ours and its commit, to go back to before each sync."""
    folder.mkdir(parents=True)
    sh(["git", "init", "-q", "--bare", "-b", "main", "remote.git"], folder)
    theirs = generate(size, folder / "theirs")
    sh(["git", "init", "-q", "-b", "main"], theirs)
    sh(PIPE + ["git", "setup"], theirs)
    sh(["git", "add", "-A"], theirs)
    sh(["git", "commit", "-qm", "start"], theirs)
    sh(["git", "remote", "add", "origin", "../remote.git"], theirs)
    sh(["git", "push", "-q", "-u", "origin", "main"], theirs)
    sh(["git", "clone", "-q", "remote.git", "ours"], folder)
    ours = folder / "ours"
    sh(PIPE + ["git", "setup"], ours)
    for root, side in ((theirs, "theirs"), (ours, "ours")):
        edit_deals(root, changed, side)
        sh(["git", "commit", "-qam", f"{side}: {changed} deals"], root)
    sh(["git", "push", "-q"], theirs)
    return ours, sh(["git", "rev-parse", "HEAD"], ours).stdout.decode().strip()


def time_syncs(size: int, folder: Path, counts: tuple[int, ...], runs: int) -> list[float]:
    """Median seconds of `pipe sync --no-push` merging each count of deals changed on both sides, timed in turn."""
    teams = [make_team(size, folder / f"sync-{count}", count) for count in counts]
    times: list[list[float]] = [[] for _ in counts]
    for _ in range(runs):
        for (root, start), seconds in zip(teams, times):
            sh(["git", "merge", "--abort"], root, check=False)
            sh(["git", "reset", "-q", "--hard", start], root)
            begin = time.perf_counter()
            sh(PIPE + ["sync", "--no-push"], root, check=False)
            seconds.append(time.perf_counter() - begin)
            # A sync that stopped early (refused, failed) would time as a fast one: every run of each count is checked
            merged = sh(["git", "rev-list", "--count", "HEAD"], root).stdout.decode().strip()
            if merged != "4":
                raise SystemExit(f"a sync of {root.parent.name} did not merge (HEAD has {merged} commits)")
    return [statistics.median(seconds) for seconds in times]


def time_sync_rows(size: int, folder: Path, runs: int, row) -> None:
    one, many = time_syncs(size, folder / f"{size}-sync", (1, 400), runs)
    row(size, "pipe sync, 400 deals changed on both sides", many, "pipe sync, 1 deal", one)
    print(f"{'':>7}  ratio {many / one:.1f}x (target <= {SYNC_TARGET:g}x: "
          f"{'met' if many / one <= SYNC_TARGET else 'NOT met'})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=["sync"], help="Only the sync rows (400 deals changed on both sides against 1).")
    options = parser.parse_args()
    rows = []

    def row(size: int, name: str, seconds: float, baseline: str, base_seconds: float) -> None:
        rows.append((size, name, seconds, baseline, base_seconds))
        print(f"{size:>7,}  {name:<44} {seconds:7.2f} s   {baseline:<32} {base_seconds:7.2f} s", flush=True)

    with tempfile.TemporaryDirectory(prefix="pipe-bench-git-") as folder:
        for size in options.sizes:
            if options.only == "sync":
                time_sync_rows(size, Path(folder), options.runs, row)
                continue
            root, changed = make_repository(size, Path(folder) / str(size))

            start = sh(["git", "rev-parse", "HEAD"], root).stdout.decode().strip()

            def reset() -> None:  # back to before the merge (a merge moves the branch on)
                sh(["git", "merge", "--abort"], root, check=False)
                sh(["git", "reset", "-q", "--hard", start], root)

            merge = ["git", "merge", "-q", "--no-edit", "tagged"]
            with_driver = timed(merge, root, options.runs, reset)
            # git's line merge: the same merge with the driver unregistered (an unknown driver means text)
            driver = sh(["git", "config", "merge.pipe.driver"], root).stdout.decode().strip()
            sh(["git", "config", "--unset", "merge.pipe.driver"], root)
            line_merge = timed(merge, root, options.runs, reset)
            sh(["git", "config", "merge.pipe.driver", driver], root)
            row(size, f"git merge, {changed} deals changed on both sides", with_driver,
                "git's line merge", line_merge)
            reset()
            sh(merge, root)
            deal = Path(sh(["git", "diff", "--name-only", "HEAD~1", "HEAD"], root).stdout.split()[0].decode()).stem
            show = timed(PIPE + ["show", deal], root, options.runs)
            row(size, f"pipe history DEAL ({deal[:12]}…)", timed(PIPE + ["history", deal], root, options.runs),
                "pipe show DEAL", show)
            report = timed(PIPE + ["report", "revenue"], root, options.runs)
            row(size, "pipe diff main..HEAD", timed(PIPE + ["diff", "main..HEAD"], root, options.runs),
                "pipe report revenue", report)
            row(size, "pipe report revenue --as-of main",
                timed(PIPE + ["report", "revenue", "--as-of", "main"], root, options.runs), "pipe report revenue", report)
            time_sync_rows(size, Path(folder), options.runs, row)
    print()
    print("| deals | command | median s | baseline, same run | median s |")
    print("|---:|---|---:|---|---:|")
    for size, name, seconds, baseline, base_seconds in rows:
        print(f"| {size:,} | {name} | {seconds:.2f} | {baseline} | {base_seconds:.2f} |")
    print(f"\n(python {shlex.quote(sys.executable)}, git {sh(['git', '--version'], Path('.')).stdout.decode().split()[-1]})")


if __name__ == "__main__":
    main()
