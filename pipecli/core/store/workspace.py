"""The workspace on disk: finding it, reading and writing deal files atomically, under its lock (store.lock).

This is the only module that touches deal files. Every write goes through write_atomic (temp
file in the same folder, fsync, rename), or, for many deals at once, through a batch
(Workspace.batch, store.batch: one flush to disk for all), and commands that change deals hold the workspace
lock from read to write, so two pipe processes never lose each other's change. No write of
the workspace follows a symbolic link out of it (Workspace._writable).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, TypeVar

from pipecli.core.errors import Ambiguous, BadFiles, NotFound, ParseError, PipeError, WorkspaceNotFound
from pipecli.core.fileformat import dealfile, yamlio
from pipecli.core.model import dealload
from pipecli.core.model.config import CONFIG_FILE, DEFAULT_CONFIG, Config, load_config
from pipecli.core.model.deal import Deal
from pipecli.core.names import ID_PATTERN, first_of
from pipecli.core.store.batch import FileBatch
from pipecli.core.store.lock import hold

DEALS_DIR = "deals"
# A temp file of write_atomic for a deal: `.` + the file's name + `.pipe-` + tempfile's 8 random characters + `.tmp`.
_LEFTOVER_TEMP_FILE = re.compile(r"^\.[a-z0-9][a-z0-9-]*\.md\.pipe-[a-z0-9_]{8}\.tmp\Z")
CACHE_DIR = ".pipe"
# What .pipe/.gitignore holds: a workspace not made by `pipe init` (a copied folder, a repository of its
# own) must still keep pipe's cache, lock, capture state and rejected edits out of git.
STATE_IGNORE = "# local to this clone: pipe's cache, lock and capture state\n*\n"
LOCK_FILE = "lock"
T = TypeVar("T")


def find_root(start: Path) -> Path:
    """The nearest folder from start upward that holds pipelines.yaml, as git finds .git."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise WorkspaceNotFound(
        f"no pipe workspace in {start} or any folder above it (no {CONFIG_FILE}); "
        "run 'pipe init' to create one, or use -C DIR"
    )


def discover(directory: str | None = None) -> "Workspace":
    """The workspace at -C DIR or $PIPE_DIR if given (that folder exactly), else found upward from cwd."""
    chosen = directory or os.environ.get("PIPE_DIR")
    if chosen:
        try:
            root = Path(chosen).expanduser()
        except RuntimeError:  # ~nosuchuser: take the text literally, it will not be found
            root = Path(chosen)
        if not (root / CONFIG_FILE).is_file():
            raise WorkspaceNotFound(f"no {CONFIG_FILE} in {root}: not a pipe workspace")
        return Workspace(root.resolve())
    return Workspace(find_root(Path.cwd()))


def init_workspace(root: Path) -> Path:
    """Create a workspace with the default pipelines; refuses if one is already there."""
    if (root / CONFIG_FILE).exists():
        raise PipeError(f"{root / CONFIG_FILE} already exists: not overwriting an existing workspace")
    starter = starter_files()
    folders = {DEALS_DIR} | {parent.as_posix() for name in starter for parent in Path(name).parents if parent.name}
    for name in (*sorted(folders), ".gitignore", *starter):  # check first, so a refusal leaves nothing half made
        path = root / name
        if path.exists() and path.is_dir() != (name in folders):
            raise PipeError(f"{path} is in the way: it should be a {'folder' if name in folders else 'file'}")
    root.mkdir(parents=True, exist_ok=True)
    (root / DEALS_DIR).mkdir(exist_ok=True)
    write_atomic(root / CONFIG_FILE, DEFAULT_CONFIG)
    for name, source in starter.items():  # a template already there is the user's: kept as it is
        target = root / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, source.read_bytes())
    gitignore = root / ".gitignore"
    line = f"{CACHE_DIR}/"
    existing = gitignore.read_text(encoding="utf-8") if gitignore.exists() else ""
    if line not in existing.splitlines():
        prefix = existing if not existing or existing.endswith("\n") else existing + "\n"
        write_atomic(gitignore, f"{prefix}# pipe's cache and lock\n{line}\n")
    return root


STARTER_DIR = Path(__file__).resolve().parent.parent.parent / "starter"  # shipped in the package (setup.cfg)


def starter_files() -> dict[str, Path]:
    """What `pipe init` adds beside pipelines.yaml: the email template the README's examples use and
    a report template to copy; path in the workspace -> the shipped file."""
    return {p.relative_to(STARTER_DIR).as_posix(): p for p in sorted(STARTER_DIR.rglob("*")) if p.is_file()}


def write_atomic(path: Path, content: str | bytes | Callable[[BinaryIO], None]) -> None:
    """Replace path with content so that a crash leaves either the old or the new file, never half.

    content may be a function that writes to the open file, for content too large to hold as bytes.
    """
    folder = path.parent
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.pipe-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            if callable(content):
                content(handle)
            else:
                handle.write(content.encode("utf-8") if isinstance(content, str) else content)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(temp_name, path.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temp_name, 0o666 & ~umask)
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Run a block that makes a million objects without Python's cycle collector walking them.

    The collector runs every few hundred allocations and walks every object still alive: reading
    10,000 deals (a million dicts, lists, strings and dates, none of them in a cycle) spends most of
    its time there (0.5 s of 0.7 s, measured). Afterwards the deals are moved out of the
    collector's sight for good (gc.freeze), since they live as long as the command.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


class Workspace:
    """A folder with pipelines.yaml and deals/."""

    def __init__(self, root: Path):
        self.root = root
        self.deals_dir = root / DEALS_DIR
        self._config: Config | None = None
        self._lock_depth = 0  # lock() is re-entrant: an update inside a locked section must not wait on itself
        self._batch: FileBatch | None = None  # inside batch(): the deal writes waiting to be put in place
        # Inside batch(): the folders found inside the workspace, checked once each when the first file
        # is prepared there and again just before the renames, not twice for each of 10,000 files.
        self._batch_folders: set[Path] = set()
        self._batch_created: set[Path] = set()  # inside batch(): the deal files it creates
        self.written: list[Path] = []  # every workspace file this process wrote or removed, for autocommit
        # Deal files that did not parse and that a command went on without (deals(skip_bad=True)),
        # by path: the CLI warns once about each when the command ends.
        self.skipped: dict[str, ParseError] = {}

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.root)
        return self._config

    def reload_config(self) -> None:
        """Read pipelines.yaml again next time (after git changed it, say)."""
        self._config = None

    def add_team_members(self, members: list[tuple[str, str]]) -> None:
        """Append members (id, name) to the team in pipelines.yaml, keeping the rest of the file as it is."""
        from pipecli.core.fileformat import yamlio

        path = self.root / CONFIG_FILE
        text = path.read_text(encoding="utf-8-sig")
        data = yamlio.load(text) or {}
        old_team = list(data.get("team") or [])
        entries = yamlio.dump([{"id": member_id, "name": name} for member_id, name in members])
        layout = dealfile.split_blocks(data, text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"))
        block = layout.blocks.get("team") if layout else None
        if block is not None and old_team and block.text.split("\n", 1)[0].rstrip() == "team:":
            new_text = text.replace(block.trivia + block.text, block.trivia + block.text + entries, 1)
        elif block is not None:
            head = "team:\n" if not old_team else yamlio.dump({"team": old_team})
            new_text = text.replace(block.trivia + block.text, block.trivia + head + entries, 1)
        else:
            new_text = text + ("" if text.endswith("\n") or not text else "\n") + "team:\n" + entries
        try:
            added = (yamlio.load(new_text) or {}).get("team")
        except yamlio.YAMLError:
            added = None
        if added != old_team + [{"id": i, "name": n} for i, n in members]:
            raise PipeError(f"{CONFIG_FILE}: could not add the new team members safely; add them by hand: "
                            + ", ".join(i for i, _ in members))
        target = path
        if path.is_symlink():  # a link to a file of the workspace is written at its target, keeping the link
            target = path.resolve()
            if not self._inside(target):
                raise PipeError(f"{CONFIG_FILE} is a symbolic link to {target}, outside the workspace: not writing "
                                "through it; add the new team members there by hand: " + ", ".join(i for i, _ in members))
        self._write(target, new_text)
        self.written.append(path)
        self._config = None

    def relative(self, path: Path) -> str:
        """path as shown to the user: relative to the workspace root."""
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    # -- naming -----------------------------------------------------------------------------
    def deal_path(self, deal_id: str) -> Path:
        """deals/<id>.md; refuses anything that is not a plain id, so no path can leave deals/."""
        if not ID_PATTERN.match(deal_id):
            raise NotFound(f"'{deal_id}' is not a deal id (lowercase letters, digits and '-')")
        return self.deals_dir / f"{deal_id}.md"

    def deal_ids(self) -> list[str]:
        """The ids of all deal files, sorted."""
        return [name for name in self._markdown_names() if ID_PATTERN.match(name)]

    def stray_files(self) -> list[str]:
        """Entries in deals/ named like deals that are not deal files (pipe check reports them)."""
        names = self._markdown_names()
        files = set(names)  # (a list here made this quadratic: 0.7 s of a check of 10,000 deals)
        return sorted(
            [f"{name}.md" for name in names if not ID_PATTERN.match(name)]
            + [f"{name}.md" for name in self._markdown_names(files_only=False) if name not in files]
        )

    def taken_ids(self) -> set[str]:
        """Every name a new deal must not take: deal files, and anything else called <id>.md."""
        return set(self._markdown_names(files_only=False))

    def _markdown_names(self, files_only: bool = True) -> list[str]:
        # Hidden files (our own temp files among them) and symlinks, which could point
        # outside deals/, are never deals.
        if not self.deals_dir.is_dir():
            return []
        names = []
        with os.scandir(self.deals_dir) as entries:
            for entry in entries:
                name = entry.name
                if name.endswith(".md") and not name.startswith("."):
                    if entry.is_file(follow_symlinks=False) or not files_only:
                        names.append(name[:-3])
        return sorted(names)

    def _is_deal_file(self, name: str) -> bool:
        """Whether deals/<name>.md is a deal file, as deal_ids() would list it (a regular file, not a link)."""
        if not ID_PATTERN.match(name):
            return False
        try:
            return stat.S_ISREG(os.lstat(os.path.join(self.deals_dir, f"{name}.md")).st_mode)
        except OSError:
            return False

    def resolve(self, ref: str) -> str:
        """The id named by ref: an exact id, or a unique prefix of one (as git takes commits)."""
        if self._is_deal_file(ref):  # an exact id: no need to list 10,000 files to know it
            return ref
        ids = self.deal_ids()
        matches = [i for i in ids if ref and i.startswith(ref)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise NotFound(f"no deal matches '{ref}' (see 'pipe list')")
        raise Ambiguous(f"'{ref}' matches {len(matches)} deals: {first_of(matches, 10)}")

    # -- reading ----------------------------------------------------------------------------
    def read_document(self, deal_id: str) -> dealfile.DealDocument:
        """Parse one deal file without checking its fields; raises ParseError."""
        path = self.deal_path(deal_id)
        return dealload.read_document(self._read_file(deal_id, path), self.relative(path))

    def load(self, deal_id: str) -> Deal:
        """Read one deal; raises ParseError (with path and line) if it does not parse or type-check."""
        if not ID_PATTERN.match(deal_id):
            self.deal_path(deal_id)  # raises NotFound, saying why
        # os.path, not pathlib: reading 10,000 deals, pathlib's paths cost as much as the reads
        name = f"{deal_id}.md"
        if self._batch is not None:  # _read_file refuses a deal whose new content is not in place yet
            return dealload.load_deal(self._read_file(deal_id, self.deal_path(deal_id)), f"{DEALS_DIR}/{name}", deal_id)
        try:
            with open(os.path.join(self.deals_dir, name), "rb") as handle:
                raw = handle.read()
        except OSError:
            raw = self._read_file(deal_id, self.deal_path(deal_id))  # raises NotFound or ParseError, as ever
        return dealload.load_deal(raw, f"{DEALS_DIR}/{name}", deal_id)

    def deals_mentioning(self, text: str) -> list[str]:
        """Ids of the deal files whose bytes contain text: a cheap first pass before parsing."""
        needle = text.encode("utf-8")
        found = []
        folder = str(self.deals_dir)  # os.path, not pathlib: a task id looked up in 10,000 files
        for deal_id in self.deal_ids():
            try:
                with open(os.path.join(folder, deal_id + ".md"), "rb") as file:
                    if needle in file.read():
                        found.append(deal_id)
            except OSError:
                continue  # gone or unreadable: loading it would report why
        return found

    def deals(self, skip_bad: bool = False) -> list[Deal]:
        """Every deal that parses, sorted by id.

        A file that does not parse (or type-check) raises BadFiles naming every such file, unless
        skip_bad: then it is left out and recorded in self.skipped, for the CLI to warn about.
        Files unchanged since a run cached them come from the cache (core/store/cache.py) unparsed;
        the others are parsed, checked, and cached for next time (a bad file never is).
        """
        with _collector_paused():
            found, bad = self._read_deals()
        if bad and not skip_bad:
            raise BadFiles(bad)
        for error in bad:
            self.skipped[error.path] = error
        return found

    def _read_deals(self) -> tuple[list[Deal], list[ParseError]]:
        from pipecli.core.store.cache import DealCache, file_key

        cache = DealCache(self.root / CACHE_DIR / "cache")
        cache.load()
        found, bad, names = [], [], set()
        # Plain strings, not pathlib nor os.path.join: for 10,000 files they cost more than the stat
        folder = os.path.join(str(self.deals_dir), "")
        for deal_id in self.deal_ids():
            name = deal_id + ".md"
            try:
                key = file_key(os.stat(folder + name))  # before reading: a change after it shows next time
                hit = cache.get(name, key)
                if hit is None:
                    deal = self.load(deal_id)
                    hit = cache.put(name, key, deal.data, deal.body, deal.document.shared), deal.body
            except FileNotFoundError:
                continue  # removed since deals/ was listed: not a deal any more
            except OSError as error:
                bad.append(ParseError(self.relative(self.deal_path(deal_id)), None, f"cannot read: {error.strerror}"))
                continue
            except NotFound:
                continue  # removed between its stat and its read
            except ParseError as error:
                bad.append(error)  # its name is left out of `names`: any entry the cache had for it goes
                continue
            names.add(name)
            # The file's text and layout are left to be read again if the deal is written: kept
            # for every deal, they would double what a report on 100,000 deals holds in memory.
            data, body = hit
            found.append(Deal(data, body, reader=functools.partial(self._read_unchanged, deal_id, key, data, body)))
        cache.keep_only(names)
        # Saved now, before any command changes a deal's data in memory.
        cache.save(self.write_file)
        return found, bad

    def _read_unchanged(self, deal_id: str, key: tuple, data: dict, body: str) -> dealfile.DealDocument:
        """The document of a deal that came from the cache (data, body), read now: the file must still
        be the one the cache matched, and read as the cache said, else a write would be built on a
        file pipe has not seen."""
        from pipecli.core.store.cache import DealCache, file_key

        path = self.deal_path(deal_id)
        shown = self.relative(path)
        try:
            with open(path, "rb") as handle:
                unchanged = file_key(os.fstat(handle.fileno())) == key
                raw = handle.read()
        except OSError:
            unchanged = False
        if not unchanged:
            raise PipeError(f"{shown} changed on disk while this command ran (another program wrote it): "
                            "nothing written; run the command again")
        document = dealload.read_document(raw, shown)
        if not (dealfile.same(document.data, data) and document.body == body):
            # The file is the one the cache matched, but not what the cache says it holds: a cache
            # damaged in a way its checks missed. Never written from; cleared, to be rebuilt.
            DealCache(self.root / CACHE_DIR / "cache").clear()
            raise PipeError(f"{shown} does not hold what pipe's cache (.pipe/cache) said: nothing written; "
                            "the cache is cleared; run the command again")
        return document

    # -- writing ----------------------------------------------------------------------------
    def _inside(self, path: Path) -> bool:
        """Whether path, with every link in it followed, is in the workspace."""
        root = self.root.resolve()
        real = path.resolve()
        return real == root or root in real.parents

    def write_file(self, path: Path, content: str | bytes | Callable[[BinaryIO], None]) -> None:
        """A workspace file that is not a deal (the cache, an outbox email, a rejected edit), written
        atomically; checked for links out of the workspace before its folder is even made."""
        self._writable(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.root / CACHE_DIR in path.parents:
            self._keep_state_out_of_git()
        self._write(path, content)

    def _keep_state_out_of_git(self) -> None:
        """A .gitignore of '*' (STATE_IGNORE) in .pipe/, made already, unless one is there; a failure
        only leaves it out (the write that follows says what is wrong, or does without)."""
        ignore = self.root / CACHE_DIR / ".gitignore"
        if not os.path.lexists(ignore):
            try:
                self._write(ignore, STATE_IGNORE)
            except (OSError, PipeError):
                pass

    def _check_folder(self, folder: Path) -> None:
        if not self._inside(folder):
            raise PipeError(f"{self.relative(folder)} leads to {folder.resolve()}, outside the workspace, "
                            f"through a symbolic link: pipe does not write through it")

    def _writable(self, path: Path) -> Path:
        """path, once sure that writing or removing it cannot go through a link out of the workspace.

        Its folder may be reached through links that stay inside the workspace; path itself must
        not be a link (rename would replace the link, and a link is not a deal). Raises PipeError.
        """
        if path.parent not in self._batch_folders:
            self._check_folder(path.parent)
        if path.is_symlink():
            raise PipeError(f"{self.relative(path)} is a symbolic link: pipe does not write through links")
        return path

    def _write(self, path: Path, content: str | bytes | Callable[[BinaryIO], None]) -> None:
        """write_atomic to a workspace file after _writable; an OS error names the file."""
        self._writable(path)
        try:
            write_atomic(path, content)
        except OSError as error:
            if not error.filename:  # a failed write or fsync (a full disk) names no file: say which
                error.filename = self.relative(path)
            raise

    def save(self, deal: Deal) -> bool:
        """Write a deal back, changing only the lines of what changed; returns whether it wrote."""
        path = self.deal_path(deal.id)
        text = _text_to_write(deal)
        if text is None:
            if self._batch is not None:  # changed back within the batch: the file on disk holds it already
                self._batch.drop(path)
            return False
        # Parsed before it is written: pipe never writes a file it could not read back (one grown
        # past the frontmatter's size limit by imported entries, say).
        try:
            document = dealfile.parse(text, self.relative(path))
        except ParseError as error:
            raise PipeError(f"{self.relative(path)} not written: it would not read back ({error.message})") from None
        if self._batch is not None:
            self._writable(path)
            self._batch_folders.add(path.parent)
            try:
                self._batch.add(path, text.encode("utf-8"), functools.partial(self._placed, deal, path, document))
            except OSError as error:
                if not error.filename:  # a full disk names no file: say which
                    error.filename = self.relative(path)
                raise
            return True
        self._write(path, text)
        self._placed(deal, path, document)
        return True

    def _placed(self, deal: Deal, path: Path, document: dealfile.DealDocument) -> None:
        """What a save records once the deal's new file is in place."""
        self.written.append(path)
        deal.document = document

    @contextlib.contextmanager
    def batch(self) -> Iterator[FileBatch]:
        """Under the lock, save, create and write only prepare each deal's new file; all of them are put in
        place together when the block ends, with one flush to disk instead of two fsyncs per deal.

        For commands that write many deals (import, bulk, flush, captures): the two fsyncs per deal of
        one-by-one writes were 59% of an 8,800-row import's CPU time, and most of its wall time.
        Each file is checked as save and create check it, when it is saved. If the block raises, or
        preparing any file fails, no deal file changes and no temp file is left; a crash leaves every
        file whole, old or new (store/batch.py). The FileBatch yielded tells which files are in place
        (placed) when the renames stop part way; commit() puts the ones prepared so far in place now.
        """
        if self._batch is not None:  # inside another batch: part of it
            yield self._batch
            return
        with self.lock():
            self._batch = FileBatch(self._still_inside)
            try:
                yield self._batch
                self._batch.commit()
            finally:
                self._batch.discard()  # nothing, unless the block or the commit stopped part way
                self._batch = None
                self._batch_folders = set()
                self._batch_created = set()

    def _still_inside(self, folders: set[Path]) -> None:
        """Check again, just before a batch's renames, that no folder was swapped for a link out of the
        workspace, and that no file the batch creates appeared since (another program, a git pull): the
        rename would replace it, and the batch's preparing takes seconds where a lone create took none."""
        self._batch_folders = set()
        for folder in folders:
            self._check_folder(folder)
        for path in self._batch_created:
            if os.path.lexists(path):
                raise PipeError(f"{self.relative(path)} appeared while pipe was writing: nothing written")

    def check_writable(self, deal: Deal) -> None:
        """Raise, as save would, when the deal's file would not read back; cheap unless it is large."""
        try:  # a NaN or a lone surrogate: refused before the first of many deals is written
            dealfile.check_writable(deal.data, deal.body)
        except PipeError as error:
            raise PipeError(f"{self.relative(self.deal_path(deal.id))}: {error}") from None
        if _text_size_bound(deal.data) + len(deal.body) < yamlio.MAX_BYTES // 2:
            return
        text = dealfile.render(deal.data, deal.body, deal.document)
        try:
            dealfile.parse(text, self.relative(self.deal_path(deal.id)))
        except ParseError as error:
            raise PipeError(f"{self.relative(self.deal_path(deal.id))} would not read back "
                            f"({error.message})") from None

    def is_saved(self, deal: Deal) -> bool:
        """Whether the deal's file on disk already holds what saving the deal would write."""
        try:
            on_disk = self.deal_path(deal.id).read_text(encoding="utf-8")
            text = _text_to_write(deal)
            return on_disk == (deal.document.text if text is None else text)
        except (OSError, UnicodeDecodeError, PipeError):  # PipeError: the file changed since it was read
            return False

    def write(self, deal: Deal) -> bool:
        """Save a deal that was read from its file, or create the file of a new one."""
        if deal.document is None:
            self.create(deal)
            return True
        return self.save(deal)

    def create(self, deal: Deal) -> Path:
        """Write a new deal file; refuses to replace an existing one."""
        path = self.deal_path(deal.id)
        if os.path.lexists(path) or (self._batch is not None and self._batch.pending(path)):
            # a dangling link too: creating the file must not go through it
            raise PipeError(f"{self.relative(path)} already exists")
        self._writable(path)
        self.deals_dir.mkdir(exist_ok=True)
        deal.document = None
        self.save(deal)
        if self._batch is not None:  # checked again just before the renames (_still_inside)
            self._batch_created.add(path)
        return path

    def update(self, ref: str, change: Callable[[Deal], T]) -> tuple[Deal, T]:
        """Under the lock: load the deal ref names, apply change to it, save it; returns both."""
        with self.lock():
            deal = self.load(self.resolve(ref))
            result = change(deal)
            self.save(deal)
        return deal, result

    def read_bytes(self, deal_id: str) -> bytes:
        """A deal file's exact content, for an editor."""
        return self._read_file(deal_id, self.deal_path(deal_id))

    def _read_file(self, deal_id: str, path: Path) -> bytes:
        """The bytes of deal_id's file at path; raises NotFound or ParseError."""
        if self._batch is not None and self._batch.pending(path):  # a change built on it would lose the first
            raise PipeError(f"{self.relative(path)} is read again before its new content is in place: "
                            "change a deal once in a batch")
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise NotFound(f"no deal '{deal_id}' ({self.relative(path)} does not exist)") from None
        except OSError as error:
            raise ParseError(self.relative(path), None, f"cannot read: {error.strerror}") from None

    def replace_bytes(self, deal_id: str, before: bytes, after: bytes) -> None:
        """Write an edited deal file, unless it changed on disk since `before` was read."""
        shown = self.relative(self.deal_path(deal_id))
        with self.lock():
            try:
                now = self.read_bytes(deal_id)
            except NotFound:
                raise PipeError(f"{shown} was removed while you were editing") from None
            if now != before:
                raise PipeError(f"{shown} changed while you were editing")
            self._write(self.deal_path(deal_id), after)
            self.written.append(self.deal_path(deal_id))

    def keep_rejected(self, deal_id: str, content: bytes) -> Path:
        """Save a rejected edit under .pipe/rejected/ so that nothing typed is lost: <id>.md, or
        <id>.2.md, <id>.3.md... when an earlier rejected edit of the deal holds other text."""
        folder = self.root / CACHE_DIR / "rejected"
        target, n = folder / f"{deal_id}.md", 1
        while os.path.lexists(target):
            try:
                if target.is_symlink() or target.read_bytes() == content:
                    break  # a link is refused by the write, which says why; the same text is kept already
            except OSError:
                break  # not readable as a file: writing it says why, and the edit goes elsewhere
            n += 1
            target = folder / f"{deal_id}.{n}.md"
        self.write_file(target, content)
        return target

    def remove(self, deal_id: str) -> Path:
        path = self._writable(self.deal_path(deal_id))
        path.unlink()
        self.written.append(path)
        return path

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the workspace's write lock: one pipe process changes deals at a time.

        Waits up to lock_timeout() seconds, then raises WorkspaceLocked naming the holder,
        which the lock file records (pid, command, since when) while the lock is held.
        Re-entrant within this Workspace: flock locks belong to an open file, so taking it
        again through a second open would wait forever on ourselves.
        """
        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        (self.root / CACHE_DIR).mkdir(exist_ok=True)
        self._keep_state_out_of_git()
        path = self._writable(self.root / CACHE_DIR / LOCK_FILE)
        with hold(path, self.relative(path), after_killed_holder=self._remove_leftover_temp_files):
            self._lock_depth = 1
            try:
                yield
            finally:
                self._lock_depth = 0

    def _remove_leftover_temp_files(self) -> None:
        """Delete the temp files of deal writes that a killed pipe left in deals/ (.acme.md.pipe-k2j3x9ab.tmp).

        Called with the lock just taken from a holder that was killed: every deal write holds the
        lock, so any such file now is from a process that died before its rename. It was never the deal (the rename is the write), so
        nothing is lost; left there, it would clutter `git status`.
        """
        try:
            names = os.listdir(self.deals_dir)  # names only: a one-deal command must not pay for 10,000 entries
        except OSError:
            return
        for name in names:
            if name[0] == "." and _LEFTOVER_TEMP_FILE.match(name):
                path = os.path.join(self.deals_dir, name)
                with contextlib.suppress(OSError):
                    if not stat.S_ISDIR(os.lstat(path).st_mode):
                        os.unlink(path)

def _text_to_write(deal: Deal) -> str | None:
    """The deal's file text to write, or None when the file already holds it.

    A deal that changed also stores the ids of its tasks that had none (the ids commands showed
    for them, derived from their content): one added line each, nothing else moves. Interactions
    keep theirs derived until one is amended, so an old file's timeline is not rewritten by a move.
    """
    text = dealfile.render(deal.data, deal.body, deal.document)
    if deal.document is not None and text == deal.document.text:
        return None
    if deal.store_task_ids():
        text = dealfile.render(deal.data, deal.body, deal.document)
    return text


def _text_size_bound(value) -> int:
    """Roughly the characters of text in a deal's data: only a large deal is rendered to be checked."""
    if isinstance(value, str):
        return len(value) * 2 + 8  # room for quoting and escapes
    if isinstance(value, dict):
        return sum(len(str(k)) + 4 + _text_size_bound(v) for k, v in value.items())
    if isinstance(value, list):
        return sum(4 + _text_size_bound(v) for v in value)
    return 32
