"""The workspace's write lock: one pipe process changes deals at a time, and a waiter is told who holds it.

An flock on `.pipe/lock`, which records its holder (pid, command, since when) while held and is
emptied on release; a record still there when the lock is taken is from a holder that was killed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import math
import os
import shlex
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from pipecli.core.errors import PipeError

LOCK_TIMEOUT = 30.0  # seconds a writer waits for the lock; PIPE_LOCK_TIMEOUT overrides it


class WorkspaceLocked(PipeError):
    """Another process held the workspace lock for longer than the lock timeout."""


def lock_timeout() -> float:
    """Seconds to wait for the workspace lock: $PIPE_LOCK_TIMEOUT if set, else LOCK_TIMEOUT."""
    text = os.environ.get("PIPE_LOCK_TIMEOUT", "").strip()
    if not text:
        return LOCK_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not math.isfinite(seconds) or seconds < 0:
        raise PipeError(f"PIPE_LOCK_TIMEOUT must be a number of seconds (0 or more), got '{text}'")
    return seconds


def _command_line() -> str:
    """This process's command as a user would type it (`pipe flush --inactive 90d`), one printable line."""
    argv = sys.argv or [""]
    program = argv[0]
    name = os.path.basename(program)
    if name == "pipe" or program.endswith(os.path.join("pipecli", "__main__.py")):
        name = "pipe"
    elif name == "__main__.py":  # python -m package
        name = os.path.basename(os.path.dirname(program))
    elif name in ("", "-c"):
        name = " ".join(w for w in (os.path.basename(sys.executable) or "python", name) if w)
    command = " ".join([name, shlex.join(argv[1:])]).strip()
    command = "".join(c if c.isprintable() else "?" for c in command)
    return command if len(command) <= 200 else command[:199] + "…"


def _holder_record() -> bytes:
    """What the lock file says while this process holds the lock: who, doing what, since when."""
    since = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    return json.dumps({"pid": os.getpid(), "command": _command_line(), "since": since}).encode("utf-8") + b"\n"


def _describe_holder(raw: bytes) -> str:
    """'pid 1234 (pipe flush --inactive 90d) since 10:02:03' from a lock file's record, or a vaguer phrase."""
    try:
        record = json.loads(raw.decode("utf-8"))
        pid, command = int(record["pid"]), str(record["command"])
        since = dt.datetime.fromisoformat(str(record["since"]))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return "another process"  # taken a moment ago and not yet recorded, or by an older pipe
    command = "".join(c if c.isprintable() else "?" for c in command)[:200]
    now = dt.datetime.now(since.tzinfo)
    when = since.strftime("%H:%M:%S" if since.date() == now.date() else "%Y-%m-%d %H:%M:%S")
    return f"pid {pid} ({command}) since {when}"


@contextlib.contextmanager
def hold(path: Path, name: str, after_killed_holder: Callable[[], None]) -> Iterator[None]:
    """Hold the lock file at path (called name in messages) for the block.

    Waits up to lock_timeout() seconds, then raises WorkspaceLocked naming the holder. When the
    previous holder was killed holding it, after_killed_holder runs first (to clear what it left).
    Not re-entrant: flock locks belong to an open file, so a second hold in one process waits on itself.
    """
    timeout = lock_timeout()
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    except OSError as error:
        if error.errno == errno.ELOOP:  # made a link since the caller looked
            raise PipeError(f"{name} is a symbolic link: pipe does not write through links") from None
        raise
    try:
        _acquire(fd, timeout)
        try:
            # A holder empties the record when it lets go: one still there is from a pipe that was
            # killed holding the lock, which may have left a temp file in deals/.
            with contextlib.suppress(OSError):
                if os.pread(fd, 1, 0):
                    after_killed_holder()
            with contextlib.suppress(OSError):  # the record only helps a waiter's message
                os.ftruncate(fd, 0)
                os.pwrite(fd, _holder_record(), 0)
            yield
        finally:
            with contextlib.suppress(OSError):  # emptied while still held, so no waiter reads it half gone
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, timeout: float) -> None:
    """Take the flock on fd, polling until timeout seconds have passed; then raise WorkspaceLocked."""
    deadline = time.monotonic() + timeout
    pause = 0.002
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        left = deadline - time.monotonic()
        if left <= 0:
            try:
                holder = _describe_holder(os.pread(fd, 4096, 0))
            except OSError:
                holder = "another process"
            raise WorkspaceLocked(f"the workspace is locked by {holder}; try again when it is done "
                                  f"(waited {timeout:g} s; PIPE_LOCK_TIMEOUT sets how long)")
        time.sleep(min(pause, left))
        pause = min(pause * 2, 0.05)
