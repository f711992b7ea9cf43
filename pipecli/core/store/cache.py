"""A cache of parsed deal files, so that reading 10,000 unchanged deals costs a stat each, not a parse.

It lives in .pipe/cache/deals (gitignored) and maps each deal file's name to what parsing it gave,
under a key of the file's size, modification and change times and inode. Any write to the file, by
pipe, an editor or git, changes the change time (which no tool can set back) and so the key: the
file is parsed again. The cache is only ever a shortcut:
- one written by another version of pipe, cut short, corrupt, or holding anything but plain data,
  is ignored (and rebuilt), never trusted;
- it is written whole, to a temporary file renamed into place;
- deleting it changes no result.
It is read with a restricted unpickler: a file planted in .pipe/ cannot make pipe run code.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import io
import os
import pickle
import struct
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from pipecli import __version__
from pipecli.core.errors import PipeError
from pipecli.core.fileformat.fastfront import SHARED_TEXT  # strings up to this long are shared between deals

CACHE_NAME = "deals"
CHUNK = 2000  # entries per pickle in the cache file
RACY_SECONDS = 2
# What the cache holds changes with this format number and with the versions of pipe, Python and
# PyYAML (which parses what pipe's own reader declines).
HEADER = (f"pipe deal cache 5 {__version__} python {sys.version_info[0]}.{sys.version_info[1]} "
          f"yaml {yaml.__version__}\n").encode()
_FRAME = "<QI"  # before each pickle: its size in bytes, its CRC-32
_FRAME_SIZE = struct.calcsize(_FRAME)
FileKey = tuple[int, int, int, int]

# The only classes a cache may hold besides dicts, lists, strings, numbers, booleans and None.
_ALLOWED = {
    ("datetime", "date"): dt.date,
    ("datetime", "datetime"): dt.datetime,
    ("datetime", "time"): dt.time,
    ("datetime", "timedelta"): dt.timedelta,
    ("datetime", "timezone"): dt.timezone,
    ("decimal", "Decimal"): decimal.Decimal,
}


class _PlainData(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"{module}.{name} is not plain data") from None


def file_key(stat: os.stat_result) -> FileKey:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


def settled(key: FileKey) -> bool:
    """Whether the file of this key changed long enough ago to be cached: a file changed in the last
    RACY_SECONDS is not (as git treats a "racily clean" file), since where file times are coarse (a
    second, on some file systems) a second same-size write in the same tick would leave its key as it was."""
    return time.time_ns() - max(key[1], key[2]) > RACY_SECONDS * 10**9


class FileEntries:
    """Entries by deal file name, each under its file's key: what both caches (this one, and
    store.problemcache's) keep, and forget."""

    entries: dict[str, tuple]
    changed: bool

    def keep_only(self, names: set[str]) -> None:
        """Forget the files that are gone."""
        gone = [name for name in self.entries if name not in names]
        for name in gone:
            del self.entries[name]
        self.changed = self.changed or bool(gone)


class DealCache(FileEntries):
    """Parsed deal files by file name; load() once, get/put while reading, save() at the end."""

    def __init__(self, folder: Path):
        self.path = folder / CACHE_NAME
        self.entries: dict[str, tuple[FileKey, dict, str]] = {}  # name -> (key, frontmatter data, notes)
        self.changed = False

    def load(self) -> None:
        """Read the cache file; anything wrong with it leaves the cache empty (to be rebuilt)."""
        self.entries = {}
        entries: dict = {}
        try:
            # Unpickled from the file as it is read, chunk after chunk (see save), never read whole.
            with open(self.path, "rb") as handle:
                if handle.read(len(HEADER)) != HEADER:
                    return
                left = os.fstat(handle.fileno()).st_size - len(HEADER)
                while True:
                    size, checksum = struct.unpack(_FRAME, handle.read(_FRAME_SIZE))
                    left -= _FRAME_SIZE + size
                    if left < 0:
                        return  # cut short, or a damaged size
                    raw = handle.read(size)
                    if len(raw) != size or zlib.crc32(raw) != checksum:
                        return  # cut short, or bytes changed since written
                    chunk = _PlainData(io.BytesIO(raw)).load()
                    if chunk is None:
                        break
                    if not isinstance(chunk, dict) or not all(_well_formed(v) for v in chunk.values()):
                        return
                    entries.update(chunk)
        except Exception:  # unreadable, truncated, corrupt or planted: never trusted, whatever the error
            return
        self.entries = entries

    def get(self, name: str, key: FileKey) -> tuple[dict, str] | None:
        """(frontmatter data, notes) of the file as cached, when its key is still the same."""
        entry = self.entries.get(name)
        if entry is None or entry[0] != key:
            return None
        return entry[1], entry[2]

    def put(self, name: str, key: FileKey, data: dict, body: str, already_shared: bool = False) -> dict:
        """Cache a file's parse; returns data rebuilt with shared keys, words and dates (see shared),
        unless it was read so (already_shared: by core/fileformat/fastfront.py).

        A file changed in the last RACY_SECONDS is not cached (settled).
        """
        if not already_shared:
            data = shared(data, {})
        if settled(key):
            self.entries[name] = (key, data, body)
            self.changed = True
        return data

    def save(self, write: Callable[[Path, Callable[[BinaryIO], None]], None]) -> None:
        """Write the cache, if it changed, through write (an atomic write that makes the folder); a failure
        only loses the shortcut."""
        if not self.changed:
            return
        try:
            write(self.path, self._write_to)
        except (OSError, PipeError, pickle.PicklingError, RecursionError):
            pass  # a read-only folder, or .pipe/ linked out of the workspace: no shortcut this time
        self.changed = False

    def _write_to(self, handle: BinaryIO) -> None:
        """The header, the entries in pickles of CHUNK entries each, then a pickled None; each pickle
        framed by its size and CRC-32.

        In chunks because a pickler remembers every object it wrote: for 100,000 deals one pickle
        would hold ten million of them (half a gigabyte) until the end. The None at the end tells a
        whole cache from one cut short between two chunks; the checksums tell a damaged byte, which
        could otherwise still unpickle, as a changed title, say.
        """
        handle.write(HEADER)
        names = list(self.entries)
        chunks = [{name: self.entries[name] for name in names[start:start + CHUNK]}
                  for start in range(0, len(names), CHUNK)]
        for chunk in chunks + [None]:
            raw = pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL)
            handle.write(struct.pack(_FRAME, len(raw), zlib.crc32(raw)) + raw)

    def clear(self) -> None:
        """Delete the cache file (the next command rebuilds it)."""
        self.entries = {}
        with contextlib.suppress(OSError):
            self.path.unlink()


def _well_formed(entry: Any) -> bool:
    return (isinstance(entry, tuple) and len(entry) == 3 and isinstance(entry[0], tuple) and len(entry[0]) == 4
            and isinstance(entry[1], dict) and isinstance(entry[2], str))




def shared(value: Any, dates: dict) -> Any:
    """value rebuilt so that equal keys, short strings and dates are one object each.

    Ten thousand deals hold a million keys like `date` and `summary` and values like `call` or `tom`,
    each its own object as parsed. Shared, they take less memory, and pickle writes each once (it
    remembers objects, not values), so the cache is half the size and loads three times faster.
    Only immutable values are shared: every dict and list stays the deal's own.
    """
    kind = type(value)
    if kind is dict:
        return {sys.intern(k) if type(k) is str else k: shared(v, dates) for k, v in value.items()}
    if kind is list:
        return [shared(item, dates) for item in value]
    if kind is str:
        return sys.intern(value) if len(value) <= SHARED_TEXT else value
    if kind is dt.date:
        return dates.setdefault(value, value)
    return value
