"""What `pipe check` found in each deal file, cached, so that a check of 10,000 unchanged files costs a stat each.

It lives in .pipe/cache/problems (gitignored) beside the cache of parsed deals (store.cache), and
follows its rules: each file's entry is kept under the file's key (store.cache.file_key), and the
whole cache under a hash of everything a file's problems depend on besides the file itself
(pipelines.yaml's bytes, today, which date checks read, pipe's and Python's versions, pipe's own code in
core/ by its files' sizes and times (the version does not change with each checkout), and PyYAML's and
libyaml's versions, whose words a file that does not parse is reported in): any of
them changes, every file is checked again. It is only a shortcut:
- plain JSON behind a header and a SHA-256 of the JSON: one cut short, damaged, planted with
  anything but the expected shapes, or made under another hash, is ignored (and rebuilt);
- written whole, to a temporary file renamed into place; a file changed in the last
  store.cache.RACY_SECONDS is not cached; deleting it changes no result.
What depends on several files (shared ids, likely duplicates) is never cached: check works it out
each run from the entries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from pipecli import __version__
from pipecli.core.errors import PipeError
from pipecli.core.fileformat import yamlio
from pipecli.core.store import cache as deal_cache
from pipecli.core.store.cache import FileKey

CACHE_NAME = "problems"
_HEADER = b"pipe problems cache 1\n"


@dataclass(frozen=True)
class FileFindings:
    """What checking one deal file gave: its own problems, and what the checks across files need."""

    problems: tuple[tuple[int | None, str, str], ...]  # (line, severity, message)
    claimed_id: str | None = None  # the id its frontmatter holds (text only)
    external_id: str | int | None = None  # its external_id when text or a number, for shared ids and duplicates
    # (title, account, the title's words as duplicates compare them) of a deal in play, for likely duplicates
    in_play: tuple[str, str | None, tuple[str, ...]] | None = None


def context_hash(config_bytes: bytes | None, today: dt.date) -> str:
    """The hash every entry is kept under: what a file's problems depend on besides the file."""
    digest = hashlib.sha256()
    for part in (__version__, f"{sys.version_info[0]}.{sys.version_info[1]}", today.isoformat(), _yaml_reader(),
                 _code_stamp()):
        digest.update(part.encode() + b"\0")
    digest.update(b"no config" if config_bytes is None else b"config\0" + config_bytes)
    return digest.hexdigest()


def _yaml_reader() -> str:
    """PyYAML's version and the reader under it (libyaml's own version, or PyYAML's pure Python one): a
    file that does not parse is reported in their words, which differ between them and across versions."""
    backend = yamlio.Loader.__mro__[1].__name__
    try:
        libyaml = yaml._yaml.get_version_string() if backend == "CSafeLoader" else "none"
    except AttributeError:  # pragma: no cover - depends on how PyYAML was built
        libyaml = "unknown"
    return f"yaml {yaml.__version__} {backend} libyaml {libyaml}"


# The code a file's problems come from: core/ (the checks, their messages, the readers). Its version
# stays 0.1.0 while it changes (a checkout, an upgrade): its files' sizes and times tell, as git tells
# a changed file. Half a millisecond for the ~90 files.
CODE_FOLDER = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _code_stamp() -> str:
    stamp = []
    for folder, subfolders, files in os.walk(CODE_FOLDER):
        subfolders.sort()
        for name in sorted(files):
            if name.endswith(".py"):
                try:
                    info = os.stat(os.path.join(folder, name))
                except OSError:
                    continue
                stamp.append(f"{os.path.relpath(os.path.join(folder, name), CODE_FOLDER)}:{info.st_size}:{info.st_mtime_ns}")
    return "\n".join(stamp)


class ProblemCache(deal_cache.FileEntries):
    """FileFindings by deal file name; load() once, get/put while checking, save() at the end."""

    def __init__(self, folder: Path, context: str):
        self.path = folder / CACHE_NAME
        self.context = context
        self.entries: dict[str, tuple[FileKey, FileFindings]] = {}
        self.changed = False

    def load(self) -> None:
        """Read the cache file; anything wrong with it, or another context, leaves the cache empty."""
        self.entries = {}
        try:
            with open(self.path, "rb") as handle:
                raw = handle.read()
            header, checksum, body = raw.split(b"\n", 2)
            if header + b"\n" != _HEADER or hashlib.sha256(body).hexdigest().encode() != checksum:
                return
            stored = json.loads(body)
            if not isinstance(stored, dict) or stored.get("context") != self.context:
                return
            entries = {}
            for name, entry in stored["files"].items():
                entries[name] = _entry(entry)
        except Exception:  # unreadable, cut short, damaged or planted: never trusted, whatever the error
            return
        self.entries = entries

    def get(self, name: str, key: FileKey) -> FileFindings | None:
        entry = self.entries.get(name)
        return entry[1] if entry is not None and entry[0] == key else None

    def put(self, name: str, key: FileKey, findings: FileFindings) -> None:
        """Keep a file's findings, unless the file changed too recently to tell a later change by its key."""
        if deal_cache.settled(key):  # the deal cache's rule
            self.entries[name] = (key, findings)
            self.changed = True

    def save(self, write: Callable[[Path, Callable[[BinaryIO], None]], None]) -> None:
        """Write the cache, if it changed, through write (an atomic write); a failure only loses the shortcut."""
        if not self.changed:
            return
        files = {name: [list(key), [list(p) for p in f.problems], f.claimed_id, f.external_id,
                        [*f.in_play[:2], list(f.in_play[2])] if f.in_play else None]
                 for name, (key, f) in self.entries.items()}
        try:
            body = json.dumps({"context": self.context, "files": files}, separators=(",", ":")).encode()
            write(self.path, lambda handle: handle.write(_HEADER + hashlib.sha256(body).hexdigest().encode()
                                                         + b"\n" + body))
        except (OSError, PipeError, ValueError, TypeError):
            pass  # a read-only folder, .pipe/ linked out of the workspace: no shortcut this time
        self.changed = False


def _entry(entry: Any) -> tuple[FileKey, FileFindings]:
    """One stored entry, checked shape by shape; raises ValueError on anything else."""
    # Lists where lists belong, not only things that unpack: a text unpacks too ("" as no problems)
    if type(entry) is not list or type(entry[1]) is not list or not (entry[4] is None or type(entry[4]) is list):
        raise ValueError("entry")
    key, problems, claimed, external, in_play = entry
    if not (isinstance(key, list) and len(key) == 4 and all(type(k) is int for k in key)):
        raise ValueError("key")
    checked = []
    for problem in problems:
        if type(problem) is not list:
            raise ValueError("problem")
        line, severity, message = problem
        if not ((line is None or type(line) is int) and severity in ("error", "warning") and type(message) is str):
            raise ValueError("problem")
        checked.append((line, severity, message))
    if not (claimed is None or type(claimed) is str) or not (external is None or type(external) in (str, int, bool)):
        raise ValueError("ids")
    if in_play is not None:
        title, account, words = in_play
        if (type(title) is not str or not (account is None or type(account) is str) or type(words) is not list
                or not all(type(word) is str for word in words)):
            raise ValueError("in play")
        in_play = (title, account, tuple(words))
    return tuple(key), FileFindings(tuple(checked), claimed, external, in_play)
