"""Many pipe processes on one workspace: every change lands, and a writer never writes without the lock."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import textwrap
import time

import pytest

from tests.conftest import simple_deal

WRITERS, TASKS_EACH = 8, 25

# One writer process: `pipe task add DEAL TEXT` TASKS_EACH times through pipe's own entry point,
# each a fresh invocation (its own Workspace, its own open of the lock file) as a new `pipe`
# process would be; in-process so that 200 commands do not cost 200 interpreter start-ups.
WRITER = textwrap.dedent("""
    import sys
    from pipecli.cli.main import cli
    root, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    for n in range(count):
        try:
            cli.main(["-C", root, "task", "add", "a", f"{name} task {n}"], prog_name="pipe")
        except SystemExit as end:
            if end.code:
                sys.exit(f"{name} task {n}: exit {end.code}")
""")


def pipe_command(root, *args: str) -> list[str]:
    return [sys.executable, "-m", "pipecli", "-C", str(root), *args]


def test_eight_writers_adding_tasks_to_one_deal_lose_none(make_workspace):
    workspace = make_workspace({"a": simple_deal("a")})
    env = dict(os.environ, PIPE_LOCK_TIMEOUT="300")  # no writer may give up on a slow machine
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(workspace.root), f"w{w}", str(TASKS_EACH)],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
               for w in range(WRITERS)]
    results = [(p.wait(timeout=600), p.stderr.read()) for p in writers]
    assert [code for code, _ in results] == [0] * WRITERS, results
    texts = [t["text"] for t in workspace.load("a").tasks]
    expected = {f"w{w} task {n}" for w in range(WRITERS) for n in range(TASKS_EACH)}
    assert len(texts) == 1 + WRITERS * TASKS_EACH  # the deal's own task, and every one added
    assert expected <= set(texts)
    assert len({t["id"] for t in workspace.load("a").tasks}) == len(texts)
    assert (workspace.root / ".pipe" / "lock").read_bytes() == b""  # released and emptied
    assert not [p.name for p in workspace.deals_dir.iterdir() if p.name.endswith(".tmp")]


def read_until(fd: int, needle: bytes, limit: float = 120.0) -> bytes:
    """Bytes from fd until needle shows up; the limit only keeps a broken run from hanging CI."""
    seen = b""
    end = time.monotonic() + limit
    while needle not in seen:
        ready, _, _ = select.select([fd], [], [], max(0.0, end - time.monotonic()))
        if not ready:
            raise AssertionError(f"never saw {needle!r}; got {seen!r}")
        chunk = os.read(fd, 4096)
        if not chunk:
            raise AssertionError(f"closed before {needle!r}; got {seen!r}")
        seen += chunk
    return seen


@pytest.fixture
def flush_waiting_at_its_question(make_workspace):
    """A `pipe flush --inactive 90d` holding the lock while it asks on a terminal; (workspace, process)."""
    stale = simple_deal("stale", created="2026-01-05").replace("ta1234", "ta5678")
    workspace = make_workspace({"a": simple_deal("a"), "stale": stale})
    controller, terminal = pty.openpty()
    holder = subprocess.Popen([sys.executable, "-m", "pipecli", "flush", "--inactive", "90d"], cwd=workspace.root,
                              stdin=terminal, stdout=subprocess.DEVNULL, stderr=terminal, close_fds=True)
    os.close(terminal)
    try:
        read_until(controller, b"?")  # the confirmation question: the lock is held
        yield workspace, holder
    finally:
        os.close(controller)  # the question gets end of file: flush gives up, changing nothing
        holder.wait(timeout=60)


def test_a_writer_that_cannot_get_the_lock_names_the_holder_and_writes_nothing(flush_waiting_at_its_question):
    workspace, holder = flush_waiting_at_its_question
    before = {p.name: p.read_bytes() for p in workspace.deals_dir.iterdir()}
    waiter = subprocess.run(pipe_command(workspace.root, "task", "add", "a", "Send the contract"),
                            env=dict(os.environ, PIPE_LOCK_TIMEOUT="1"), capture_output=True, text=True, timeout=120)
    assert waiter.returncode == 1, waiter
    lines = waiter.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in waiter.stderr, waiter.stderr
    assert lines[0].startswith(f"pipe: the workspace is locked by pid {holder.pid} (pipe flush --inactive 90d) since ")
    assert "try again when it is done" in lines[0]
    assert {p.name: p.read_bytes() for p in workspace.deals_dir.iterdir()} == before
    assert holder.poll() is None  # the holder was still there all along


def test_a_writer_waits_for_the_lock_rather_than_failing_at_once(flush_waiting_at_its_question):
    workspace, holder = flush_waiting_at_its_question
    waiter = subprocess.Popen(pipe_command(workspace.root, "task", "add", "a", "Send the contract"),
                              env=dict(os.environ, PIPE_LOCK_TIMEOUT="300"), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    with pytest.raises(subprocess.TimeoutExpired):
        waiter.wait(timeout=1.5)  # still waiting while flush holds the lock (not a timing assertion on pipe)
    assert "Send the contract" not in workspace.deal_path("a").read_text()
    holder.terminate()  # flush is killed mid-question: the kernel drops its lock
    _, stderr = waiter.communicate(timeout=300)
    assert waiter.returncode == 0, stderr
    assert "Send the contract" in workspace.deal_path("a").read_text()


def test_the_holder_is_recorded_only_while_the_lock_is_held(make_workspace, monkeypatch):
    workspace = make_workspace({"a": simple_deal("a")})
    lock = workspace.root / ".pipe" / "lock"
    with workspace.lock():
        with workspace.lock():  # re-entrant: no wait on ourselves
            pass
        record = lock.read_text()
        assert f'"pid": {os.getpid()}' in record and '"command": ' in record and '"since": ' in record
    assert lock.read_bytes() == b""


@pytest.mark.parametrize("value", ["soon", "-1", "nan"])
def test_a_bad_lock_timeout_is_an_error_before_anything_is_written(make_workspace, run, monkeypatch, value):
    workspace = make_workspace({"a": simple_deal("a")})
    before = workspace.deal_path("a").read_bytes()
    monkeypatch.setenv("PIPE_LOCK_TIMEOUT", value)
    result = run(workspace, "task", "add", "a", "Call")
    assert result.exit_code == 1
    assert result.stderr == f"pipe: PIPE_LOCK_TIMEOUT must be a number of seconds (0 or more), got '{value}'\n"
    assert workspace.deal_path("a").read_bytes() == before
