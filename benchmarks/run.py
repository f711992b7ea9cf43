"""Time pipe's commands on generated workspaces and print a table (median of several runs).

    python benchmarks/run.py                 # 1,000 and 10,000 deals, 3 runs each
    python benchmarks/run.py --sizes 100 --runs 5

Times are wall-clock seconds of the whole command (start-up included) and peak memory of the
process, measured here and now: compare rows of one run, not numbers from another machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402

COMMANDS = [
    ("list --format json", ["list", "--format", "json"]),
    ("board", ["board"]),
    ("check", ["check"]),
    ("report revenue", ["report", "revenue", "--period", "2026"]),
    ("report (all) --compare", ["report", "--period", "2026", "--compare"]),
    ("report --format html", ["report", "--period", "2026", "--format", "html"]),
    ("tasks", ["tasks"]),
    ("flush --inactive 90d --dry-run", ["flush", "--inactive", "90d", "--dry-run"]),
]


def measure(args: list[str], workspace: Path, runs: int) -> tuple[float, float]:
    """(median seconds, peak MB) of `pipe -C workspace args`."""
    times, peaks = [], []
    env = {**os.environ, "PIPE_TODAY": "2026-11-27", "NO_COLOR": "1"}
    for _ in range(runs):
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "pipecli", "-C", str(workspace), *args], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)  # this child's own peak memory, in KB on Linux
        process.returncode = os.waitstatus_to_exitcode(status)
        times.append(time.perf_counter() - start)
        peaks.append(usage.ru_maxrss / 1024)
    return statistics.median(times), max(peaks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="pipe-bench-") as folder:
        for size in options.sizes:
            workspace = generate(size, Path(folder) / str(size))
            for name, args in COMMANDS:
                seconds, peak = measure(args, workspace, options.runs)
                rows.append((size, name, seconds, peak))
                print(f"{size:>7,}  {name:<32} {seconds:7.2f} s  {peak:7.0f} MB", flush=True)
    print()
    print("| deals | command | median s | peak MB |")
    print("|---:|---|---:|---:|")
    for size, name, seconds, peak in rows:
        print(f"| {size:,} | `pipe {name}` | {seconds:.2f} | {peak:.0f} |")


if __name__ == "__main__":
    main()
