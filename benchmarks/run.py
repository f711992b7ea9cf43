"""Time pipe's commands on generated workspaces beside baselines measured in the same run; print a table.

    python benchmarks/run.py                          # 100, 1,000 and 10,000 deals, median of 3 runs
    python benchmarks/run.py --sizes 100 10000 100000 --runs 5
    python benchmarks/run.py --only list board        # some commands only (by first word)

Every time is the wall-clock of a whole process (Python's start-up included), the median of --runs
runs, with the process's peak memory. The baselines, on the same files in the same run:
  R  a Python script that only reads every deal file's bytes;
  Y  one that parses every deal's frontmatter with PyYAML's C loader (CSafeLoader);
  S  Python's sqlite3 loading the same deals as rows (id, stage, value, owner, the frontmatter as
     JSON) from a database made beforehand;
  C  `python -c "import click"`.
"Warm" runs follow a run of the same command with nothing changed in between (a cache, if pipe has
one, is filled); "cold" runs follow a touch of every deal file (every file changed, as after a
checkout). The ratio columns compare each median with the baseline the targets of issue 8 name.
These machines are shared and noisy: compare rows of one run, not numbers from another day.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RACY_SECONDS = 2.1  # a little over core/store/cache.py's RACY_SECONDS
DATASETS = Path(os.environ.get("PIPE_DATASETS", ROOT.parent / "shared" / "datasets"))
ENV = {**os.environ, "PIPE_TODAY": "2026-11-27", "NO_COLOR": "1", "PIPE_USER": "maya"}

BASELINE_R = """
import os, sys
folder = sys.argv[1]
total = 0
with os.scandir(folder) as entries:
    for entry in entries:
        if entry.name.endswith(".md"):
            with open(entry.path, "rb") as handle:
                total += len(handle.read())
"""

BASELINE_Y = """
import os, sys, yaml
folder = sys.argv[1]
loaded = []
with os.scandir(folder) as entries:
    for entry in entries:
        if entry.name.endswith(".md"):
            with open(entry.path, encoding="utf-8") as handle:
                text = handle.read()
            front = text.split("\\n---", 1)[0][4:]
            loaded.append(yaml.load(front, Loader=yaml.CSafeLoader))
"""

BASELINE_S = """
import json, sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
rows = [(i, s, v, o, json.loads(f)) for i, s, v, o, f in connection.execute("select id, stage, value, owner, front from deals")]
"""


def run_once(args: list[str], cwd: Path | None = None, before: Callable[[], None] | None = None) -> tuple[float, float]:
    """(seconds, peak MB) of one process."""
    if before:
        before()
    start = time.perf_counter()
    process = subprocess.Popen(args, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)  # this child's own peak memory, in KB on Linux
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0 and args[-1] != "check":  # check exits 1 on problems
        raise SystemExit(f"benchmark command failed: {' '.join(args)}")
    return seconds, usage.ru_maxrss / 1024


def measure(args: list[str], runs: int, cwd: Path | None = None, before: Callable[[], None] | None = None,
            warm_up: bool = False) -> tuple[float, float]:
    """(median seconds, peak MB) of runs runs; warm_up runs it once first, untimed."""
    if warm_up:
        time.sleep(RACY_SECONDS)  # files changed this recently are not cached (core/store/cache.py): let them age
        run_once(args, cwd)
    results = [run_once(args, cwd, before) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def make_database(workspace: Path, target: Path) -> Path:
    """The deals as rows of a sqlite database: what S loads."""
    import yaml

    connection = sqlite3.connect(target)
    connection.execute("create table deals (id text primary key, stage text, value real, owner text, front text)")
    rows = []
    for path in sorted((workspace / "deals").glob("*.md")):
        data = yaml.load(path.read_text(encoding="utf-8").split("\n---", 1)[0][4:], Loader=yaml.CSafeLoader)
        rows.append((data["id"], data.get("stage"), data.get("value"), data.get("owner"), json.dumps(data, default=str)))
    connection.executemany("insert into deals values (?, ?, ?, ?, ?)", rows)
    connection.commit()
    connection.close()
    return target


def touch_all(workspace: Path) -> Callable[[], None]:
    """Change every deal file's mtime (content unchanged), as a checkout or a sync would."""
    def touch() -> None:
        now = time.time()
        for path in (workspace / "deals").iterdir():
            os.utime(path, (now, now))
        # As when a command runs a while after a checkout: old enough to be cached, so the run pays
        # for writing the cache too.
        time.sleep(RACY_SECONDS)
    return touch


def _first_open_task(workspace: Path, deal: str) -> str:
    from pipecli.core.store.workspace import Workspace

    loaded = Workspace(workspace).load(deal)
    # by its whole id, as `pipe tasks` prints it: the lookup a user's command makes
    return next(ident for ident, task in zip(loaded.entry_ids("tasks"), loaded.tasks)
                if task.get("status", "open") == "open")


# Commands that change one deal: each should take the same time whatever the number of deals.
ONE_DEAL_COMMANDS: dict[str, Callable[[Path, str, int], list[str]]] = {
    "move": lambda _, deal, n: ["move", deal, "qualified" if n % 2 == 0 else "contacted", "--force"],
    "set": lambda _, deal, n: ["set", deal, f"value={30000 + n}"],
    "log": lambda _, deal, n: ["log", deal, "call", f"Benchmark call {n}"],
    "task": lambda workspace, deal, n: ["task", "done", _first_open_task(workspace, deal), "--next",
                                        f"Benchmark step {n}", "--due", "1w"],
}


def one_deal(workspace: Path) -> str:
    """A deal that a move can go back and forth on: an open deal in lead or contacted."""
    for path in sorted((workspace / "deals").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if "\nstage: contacted\n" in text and "pipeline: new-business" in text:
            return path.stem
    raise SystemExit("no deal in contacted to move")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", nargs="+", metavar="NAME", help="Only these rows (by the first word of their name).")
    options = parser.parse_args()
    python = sys.executable
    pipe = [python, "-m", "pipecli"]
    rows: list[tuple[str, str, float, float, str]] = []

    def row(size: str, name: str, seconds: float, peak: float, ratio: str = "") -> None:
        if options.only and name.split()[0].strip("(") not in options.only and not name.startswith(("R ", "Y ", "S ", "C ")):
            return
        rows.append((size, name, seconds, peak, ratio))
        print(f"{size:>8}  {name:<44} {seconds:7.3f} s {peak:7.0f} MB  {ratio}", flush=True)

    def wanted(name: str) -> bool:
        return not options.only or name in options.only

    # Start-up times are a few tens of milliseconds, where the machine's noise is as large: these
    # rows take at least 15 runs, taken in turns so that a busy moment hits all three alike.
    startup = {"C": [python, "-c", "import click"], "--help": pipe + ["--help"], "--version": pipe + ["--version"]}
    if not wanted("--help"):
        startup = {"C": startup["C"]}
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in startup}
    for _ in range(max(options.runs, 15)):
        for name, args in startup.items():
            times[name].append(run_once(args))
    medians = {name: (statistics.median(t for t, _ in runs), max(p for _, p in runs)) for name, runs in times.items()}
    c_time, c_peak = medians.pop("C")
    row("-", "C  python -c 'import click'", c_time, c_peak)
    for name, (seconds, peak) in medians.items():
        row("-", name, seconds, peak, f"{seconds / c_time:.2f}x C")

    with tempfile.TemporaryDirectory(prefix="pipe-bench-") as folder:
        one_deal_times: dict[str, dict[int, float]] = {}
        for size in options.sizes:
            label = f"{size:,}"
            workspace = generate(size, Path(folder) / str(size))
            deals = str(workspace / "deals")
            database = make_database(workspace, Path(folder) / f"{size}.sqlite")
            r_time, r_peak = measure([python, "-c", BASELINE_R, deals], options.runs)
            y_time, y_peak = measure([python, "-c", BASELINE_Y, deals], options.runs)
            s_time, s_peak = measure([python, "-c", BASELINE_S, str(database)], options.runs)
            row(label, "R  read every deal file's bytes", r_time, r_peak)
            row(label, "Y  PyYAML C loader on every frontmatter", y_time, y_peak)
            row(label, "S  sqlite3 rows of the same deals", s_time, s_peak)
            for name, args in (("list", ["list", "--format", "json"]), ("board", ["board"]),
                               ("report", ["report", "revenue", "--period", "2026"])):
                if not wanted(name):
                    continue
                full = pipe + ["-C", str(workspace)] + args
                seconds, peak = measure(full, options.runs, warm_up=True)
                row(label, f"{name} (warm)", seconds, peak, f"{seconds / r_time:.1f}x R, {seconds / s_time:.1f}x S")
                seconds, peak = measure(full, options.runs, before=touch_all(workspace))
                row(label, f"{name} (cold)", seconds, peak, f"{seconds / y_time:.2f}x Y")
            for name, args in (("check", ["check"]), ("flush", ["flush", "--inactive", "90d", "--dry-run"])):
                if wanted(name):
                    seconds, peak = measure(pipe + ["-C", str(workspace)] + args, options.runs, warm_up=True)
                    row(label, " ".join([name] + args[1:]), seconds, peak, f"{seconds / y_time:.2f}x Y")
            deal = one_deal(workspace)
            for name, command_for in ONE_DEAL_COMMANDS.items():
                if not wanted(name):
                    continue
                times = []
                for n in range(options.runs * 2):  # each run changes the deal (a move there and back, say)
                    seconds, peak = run_once(pipe + ["-C", str(workspace)] + command_for(workspace, deal, n))
                    times.append(seconds)
                one_deal_times.setdefault(name, {})[size] = statistics.median(times)
                by_size = one_deal_times[name]
                smallest = min(by_size)
                ratio = f"{by_size[size] / by_size[smallest]:.2f}x at {smallest:,}" if smallest != size else ""
                row(label, f"{name} (one deal)", by_size[size], peak, ratio)
            shutil.rmtree(workspace)
        maven = DATASETS / "maven-crm" / "sales_pipeline.csv"
        if wanted("import") and maven.is_file():
            def fresh() -> None:
                target = Path(folder) / "maven"
                shutil.rmtree(target, ignore_errors=True)
                subprocess.run(pipe + ["init", str(target)], env=ENV, capture_output=True, check=True)
                config = target / "pipelines.yaml"
                config.write_text(config.read_text().replace("currency: EUR", "currency: USD"))
            importing = pipe + ["-C", str(Path(folder) / "maven"), "import", str(maven), "--rules",
                                str(ROOT / "examples" / "maven-crm.rules.yaml"), "--add-owners"]
            ENV.pop("PIPE_USER")  # nobody of the sample's team is on a new workspace's
            seconds, peak = measure(importing, options.runs, before=fresh)
            row("8,800", "import (Maven CRM csv)", seconds, peak)

    print()
    print("| deals | command | median s | peak MB | ratio |")
    print("|---:|---|---:|---:|---|")
    for size, name, seconds, peak, ratio in rows:
        print(f"| {size} | {name} | {seconds:.3f} | {peak:.0f} | {ratio} |")


if __name__ == "__main__":
    main()
