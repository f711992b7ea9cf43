"""Killing pipe at any moment, or filling the disk, never leaves a deal file half written.

The kill loops fork this (already imported) test process and run pipe's own entry point in the
child, so that a kill costs milliseconds rather than an interpreter start-up; the child is what
`pipe ARGS` runs, and it is killed with SIGKILL after a random delay. Before each kill the same
command runs to the end on a copy of the workspace, which gives the "after" version of every file
(and the command's duration, which sets the range of the random delay).
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipecli.cli.main import cli
from pipecli.core.model.config import load_config
from pipecli.core.store.workspace import Workspace
from pipecli.core.workflow import lifecycle
from tests.conftest import CONFIG, simple_deal

State = dict[str, bytes]  # "pipelines.yaml" and "deals/<name>.md" -> bytes


def state_of(root: Path) -> State:
    found = {"pipelines.yaml": (root / "pipelines.yaml").read_bytes()}
    for path in (root / "deals").iterdir():
        if not path.name.startswith("."):
            found[f"deals/{path.name}"] = path.read_bytes()
    return found


def temp_files(root: Path) -> set[str]:
    return {p.name for folder in (root, root / "deals") for p in folder.iterdir()
            if p.name.startswith(".") and p.name.endswith(".tmp")}


def lay_out(root: Path, state: State) -> None:
    """Make root hold exactly state's files (pipe's leftover temp files stay where they are)."""
    (root / "deals").mkdir(parents=True, exist_ok=True)
    for path in (root / "deals").iterdir():
        if not path.name.startswith(".") and f"deals/{path.name}" not in state:
            path.unlink()
    for name, content in state.items():
        if not (root / name).exists() or (root / name).read_bytes() != content:
            (root / name).write_bytes(content)


def fork_pipe(root: Path, args: list[str], seed: int) -> int:
    """Start `pipe -C root ARGS` in a forked child; returns its pid. Random ids come from seed."""
    pid = os.fork()
    if pid:
        return pid
    code = 70
    try:
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        chooser = random.Random(seed)  # the same ids in the reference run and the killed one
        lifecycle.secrets = SimpleNamespace(choice=chooser.choice)
        cli.main(["-C", str(root), *args], prog_name="pipe")
    except SystemExit as end:
        code = end.code if isinstance(end.code, int) else 1
    finally:
        os._exit(code)


def run_to_the_end(root: Path, args: list[str], seed: int) -> float:
    """Run the command uninterrupted; returns how long it took. It must succeed."""
    start = time.perf_counter()
    _, status = os.waitpid(fork_pipe(root, args, seed), 0)
    assert os.waitstatus_to_exitcode(status) == 0, (args, status)
    return time.perf_counter() - start


def assert_each_file_before_or_after(root: Path, before: State, after: State) -> str:
    """Every file is its before or its after version and parses; returns how the kill landed."""
    now = state_of(root)
    for name in set(before) | set(after) | set(now):
        assert now.get(name) in (before.get(name), after.get(name)), f"{name} is neither before nor after"
    workspace = Workspace(root)
    load_config(root)
    assert {f"deals/{i}.md" for i in workspace.deal_ids()} == {n for n in now if n.startswith("deals/")}
    for deal_id in workspace.deal_ids():
        workspace.load(deal_id)  # parses and type-checks
    if now == before:
        return "before"
    if now == after:
        return "after"
    return "part way"


class KillLoop:
    """Runs commands on a workspace and kills them at random moments, counting where the kills land."""

    def __init__(self, tmp_path: Path, initial: State, seed: int):
        self.root, self.scratch = tmp_path / "killed", tmp_path / "reference"
        lay_out(self.root, initial)
        self.random = random.Random(seed)
        self.outcomes: Counter[str] = Counter()

    def kill_during(self, args: list[str], start: State | None = None) -> None:
        if start is not None:
            lay_out(self.root, start)
        before = state_of(self.root)
        seed = self.random.randrange(2**32)
        shutil.rmtree(self.scratch, ignore_errors=True)
        lay_out(self.scratch, before)
        duration = run_to_the_end(self.scratch, args, seed)
        after = state_of(self.scratch)
        temps = temp_files(self.root)
        pid = fork_pipe(self.root, args, seed)
        time.sleep(duration * self.random.uniform(0.2, 1.0))  # its first fifth is mostly start-up
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        landed = assert_each_file_before_or_after(self.root, before, after)
        if not os.WIFSIGNALED(status):
            assert os.waitstatus_to_exitcode(status) == 0 and landed == "after"
            landed = "finished"
        self.outcomes["kills"] += os.WIFSIGNALED(status)
        self.outcomes[landed] += 1
        if temp_files(self.root) - temps:
            self.outcomes["mid-write (temp file left)"] += 1

    def assert_leftovers_are_harmless(self, run) -> None:
        """Whatever temp files the kills left are no deals, and pipe check says nothing about them."""
        workspace = Workspace(self.root)
        assert not [i for i in workspace.deal_ids() if "tmp" in i]
        result = run(workspace, "check")
        assert ".tmp" not in result.output, result.output
        assert result.exit_code == 0, result.output
        listed = run(workspace, "list", "--format", "csv")
        assert listed.exit_code == 0 and ".tmp" not in listed.output
        # The next command that takes the lock after a killed holder removes them (nothing else writes
        # deals/ without it), and only them: one is planted for sure, beside an editor's swap file that
        # must stay, and so is the record a killed holder leaves in the lock file.
        (self.root / "deals" / ".a.md.pipe-k2j3x9ab.tmp").write_text("half a deal")
        (self.root / ".pipe" / "lock").write_text('{"pid": 1, "command": "pipe move a won", "since": "2026-11-27T10:00:00"}\n')
        (self.root / "deals" / ".a.md.swp").write_text("vim's")
        (self.root / "deals" / ".a.md.backup01.tmp").write_text("someone's own")
        before = state_of(self.root)
        assert run(workspace, "move", "nosuchdeal", "won").exit_code == 1  # took the lock, changed nothing
        assert not {name for name in temp_files(self.root) if ".pipe-" in name and (self.root / "deals" / name).exists()}
        assert state_of(self.root) == before and (self.root / "deals" / ".a.md.swp").exists()
        assert (self.root / "deals" / ".a.md.backup01.tmp").exists()


@pytest.fixture
def warm(run, make_workspace):
    """Import every module the commands need once here, so that the forked children do not each do it."""
    workspace = make_workspace({"a": simple_deal("a"), "old": simple_deal("old", created="2026-01-01")},
                               name="warm")
    for args in (["move", "a", "qualified"], ["task", "done", "a#ta1234", "--next", "Call", "--due", "3d"],
                 ["flush", "--inactive", "90d", "--yes"], ["check"], ["list", "--format", "csv"]):
        run(workspace, *args)


KILLS = 110  # per test: 220 in all, each test alternating two commands until it has killed this many


def alternate(loop: "KillLoop", first, second) -> None:
    """Run first() and second() in turn until loop has KILLS kills (a run may finish before its kill)."""
    for _ in range(4 * KILLS):  # a bound, in case a machine runs every command before its kill
        if loop.outcomes["kills"] >= KILLS:
            return
        first() if loop.outcomes["runs"] % 2 == 0 else second()
        loop.outcomes["runs"] += 1
    raise AssertionError(f"only {loop.outcomes['kills']} of {KILLS} runs were killed before they finished")


def test_killing_move_and_task_done_leaves_each_deal_before_or_after(tmp_path, warm, run):
    tasks = "\n".join(f"- id: t{n:05d}\n  text: Call {n}\n  due: 2026-12-01\n  status: open" for n in range(20))
    deal = simple_deal("a", tasks="\n" + tasks)
    loop = KillLoop(tmp_path, {"pipelines.yaml": CONFIG.encode(), "deals/a.md": deal.encode(),
                               "deals/b.md": simple_deal("b").encode()}, seed=1)
    stages = ["lead", "qualified", "proposal"]

    def move() -> None:
        current = Workspace(loop.root).load("b").stage
        loop.kill_during(["move", "b", stages[(stages.index(current) + 1) % 3]])

    def task_done() -> None:
        open_tasks = [t["id"] for t in Workspace(loop.root).load("a").tasks if t["status"] == "open"]
        if len(open_tasks) < 2:  # all done (the last one would need a next step): start again
            (loop.root / "deals" / "a.md").write_text(deal)
            open_tasks = ["t00000"]
        loop.kill_during(["task", "done", f"a#{open_tasks[0]}"])

    alternate(loop, move, task_done)
    print(f"move and task done: {dict(loop.outcomes)}")
    loop.assert_leftovers_are_harmless(run)


CSV_ROWS = 12


def test_killing_flush_and_import_leaves_each_file_before_or_after(tmp_path, warm, run):
    stale = {f"deals/old-{n:02d}.md": simple_deal(f"old-{n:02d}", created="2026-01-05", value=100 + n).encode()
             for n in range(12)}
    fresh = {f"deals/new-{n}.md": simple_deal(f"new-{n}").encode() for n in range(3)}
    initial = {"pipelines.yaml": CONFIG.encode(), **stale, **fresh}
    loop = KillLoop(tmp_path, initial, seed=2)
    csv = tmp_path / "deals.csv"
    rows = [f"R-{n},Deal number {n},{'Carol King' if n % 4 == 0 else 'alice'},{1000 + n},2026-10-0{1 + n % 9}"
            for n in range(CSV_ROWS)]
    csv.write_text("ID,Name,Owner,Amount,Created\n" + "\n".join(rows) + "\n")
    import_args = ["import", str(csv), "--id", "ID", "--map", "Name=title", "--map", "Owner=owner",
                   "--map", "Amount=value", "--map", "Created=created", "--add-owners"]
    alternate(loop, lambda: loop.kill_during(["flush", "--inactive", "90d", "--yes"], start=initial),
              lambda: loop.kill_during(import_args, start=initial))
    print(f"flush and import: {dict(loop.outcomes)}")
    # the point of the loop: some kills landed between the first write and the last
    assert loop.outcomes["part way"] > 0, loop.outcomes
    lay_out(loop.root, initial)
    loop.assert_leftovers_are_harmless(run)
    # and the lock a killed pipe held is free again
    assert run(Workspace(loop.root), "flush", "--inactive", "90d", "--yes").exit_code == 0


# -- a full disk ------------------------------------------------------------------------------------

def limit_file_size(limit: int):
    def in_child() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return in_child


@pytest.mark.parametrize("args", [["move", "a", "qualified"], ["task", "add", "a", "Send the contract"],
                                  ["flush", "--inactive", "90d", "--yes"]])
def test_a_full_disk_leaves_the_deal_as_it_was(make_workspace, args):
    notes = "".join(f"Meeting note {n}: they want the blue one.\n" for n in range(200))  # ~8 kB
    workspace = make_workspace({"a": simple_deal("a", created="2026-01-05") + notes})
    before = workspace.deal_path("a").read_bytes()
    result = subprocess.run([sys.executable, "-m", "pipecli", "-C", str(workspace.root), *args],
                            preexec_fn=limit_file_size(4096), capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pipe: deals/a.md: File too large"), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert workspace.deal_path("a").read_bytes() == before
    assert sorted(p.name for p in workspace.deals_dir.iterdir()) == ["a.md"]  # no temp file left behind
