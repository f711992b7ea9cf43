"""Many files replaced together, with one flush to disk for all of them (Workspace.batch).

write_atomic makes one file durable on its own: the temp file fsynced, the rename, the folder
fsynced. Two fsyncs per deal were 59% of the CPU time of an 8,800-row import, and most of its
wall time: each waits for the disk. A batch writes every new content to its temp file beside its
target with no fsync, flushes them all to disk at once (syncfs(2) on their file system, else
sync(2), else an fsync of each temp file), then renames them in place and fsyncs each folder once.

What a crash can leave is the same as with write_atomic, file by file: every target holds its old
content or its new one, never a part. Before the first rename nothing has changed: a failure
while the temp files are written or flushed (a full disk, an I/O error) removes every one of them.
A failure during the renames leaves the files renamed so far in place (FileBatch.placed says
which, and each one's on_placed has run) and removes the other temp files.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


class FileBatch:
    """New contents for files, written as temp files now and put in place together by commit()."""

    def __init__(self, check: Callable[[set[Path]], None] = lambda folders: None) -> None:
        self._check = check  # check(folders) runs just before the first rename; if it raises, nothing is renamed
        umask = os.umask(0)
        os.umask(umask)
        self._new_mode = 0o666 & ~umask  # a new file's, as open() makes it
        # target -> (its temp file, what to do once it is in place), in the order they were added
        self._pending: dict[Path, tuple[str, Callable[[], None]]] = {}
        self.placed: list[Path] = []

    def __len__(self) -> int:
        return len(self._pending)

    def pending(self, path: Path) -> bool:
        """Whether path has a new content waiting to be put in place."""
        return path in self._pending

    def add(self, path: Path, content: bytes, on_placed: Callable[[], None] = lambda: None) -> None:
        """Write content to a temp file beside path (not yet flushed to disk); a second add of path replaces the first."""
        temp = _temp_file(path, content, self._new_mode)
        previous = self._pending.pop(path, None)
        if previous is not None:
            _remove(previous[0])
        self._pending[path] = (temp, on_placed)

    def drop(self, path: Path) -> None:
        """Forget path's new content (its target keeps what it holds): a later save found nothing to change."""
        previous = self._pending.pop(path, None)
        if previous is not None:
            _remove(previous[0])

    def discard(self) -> None:
        """Remove every temp file not yet in place: their targets keep what they hold."""
        pending, self._pending = self._pending, {}
        for temp, _ in pending.values():
            _remove(temp)

    def commit(self) -> None:
        """Flush every temp file to disk at once, rename each over its target, then fsync their folders."""
        if not self._pending:
            return
        folders = {path.parent for path in self._pending}
        try:
            flush_to_disk([temp for temp, _ in self._pending.values()])
            self._check(folders)
        except BaseException:
            self.discard()
            raise
        try:
            for path, (temp, on_placed) in list(self._pending.items()):
                try:
                    os.replace(temp, path)
                except BaseException:
                    if not os.path.lexists(temp):  # renamed, then interrupted (Ctrl-C): it is in place
                        self._place(path, on_placed)
                    raise
                self._place(path, on_placed)
        except BaseException:
            self.discard()
            with contextlib.suppress(OSError):  # the renames done stay durable as far as can be
                for folder in folders:
                    fsync_folder(folder)
            raise
        for folder in folders:
            fsync_folder(folder)

    def _place(self, path: Path, on_placed: Callable[[], None]) -> None:
        del self._pending[path]
        self.placed.append(path)
        on_placed()


def _temp_file(path: Path, content: bytes, new_mode: int) -> str:
    """A temp file beside path holding content, with the mode path has (or new_mode); named as
    write_atomic names its own, so a killed run's leftovers are found and removed the same way."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.pipe-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        try:
            mode = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:
            mode = new_mode
        os.chmod(temp, mode)
    except BaseException:
        _remove(temp)
        raise
    return temp


def _remove(temp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(temp)


def flush_to_disk(temps: list[str]) -> None:
    """Make the content of every temp file durable, with one call when the system has one.

    syncfs(2) flushes only the file system the files are on (and, unlike sync(2), reports a write
    error); sync(2) flushes every file system; failing both, each file is fsynced.
    """
    if not temps:
        return
    if syncfs(os.path.dirname(temps[0]) or "."):
        return
    if hasattr(os, "sync"):
        os.sync()
        return
    for temp in temps:  # pragma: no cover - a system with neither syncfs nor sync
        fd = os.open(temp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


_syncfs: Callable[[int], int] | None | bool = False  # False: not looked up yet; None: not on this system


def syncfs(folder: str) -> bool:
    """syncfs(2) on folder's file system through the C library; False when the system has none.

    Raises OSError when the flush itself fails (an I/O error writing the files out).
    """
    global _syncfs
    if _syncfs is False:
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            _syncfs = libc.syncfs
            _syncfs.argtypes = [ctypes.c_int]
            _syncfs.restype = ctypes.c_int
        except (ImportError, OSError, AttributeError):
            _syncfs = None
    if _syncfs is None:
        return False
    fd = os.open(folder, os.O_RDONLY)
    try:
        if _syncfs(fd) != 0:
            import ctypes

            number = ctypes.get_errno()
            if number == errno.ENOSYS:  # a kernel without it
                return False
            raise OSError(number, os.strerror(number), folder)
    finally:
        os.close(fd)
    return True


def fsync_folder(folder: Path) -> None:
    """Make the renames in folder durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
