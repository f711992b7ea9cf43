"""The workspace as it was at a git commit, read without a checkout, and the points in time users name.

A point is what `--as-of` and `pipe diff` take: a git revision (HEAD~3, a tag, a commit id) or a
date (2026-11-01, today, yesterday, 7d), a date meaning the last commit at or before the end of
that day. A snapshot is the config and deals at a point, read from git objects, checked as
Workspace.load checks the files on disk.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from pipecli.core.errors import InvalidValue, NotFound, ParseError, PipeError
from pipecli.core.fileformat import utf8
from pipecli.core.gitsync.changes import Change, deal_changes
from pipecli.core.gitsync.repo import Git, GitError
from pipecli.core.model import dealload
from pipecli.core.model.config import CONFIG_FILE, Config, read_config_text
from pipecli.core.model.dates import BEHIND, AmbiguousDate, parse_date
from pipecli.core.model.deal import Deal
from pipecli.core.names import ID_PATTERN
from pipecli.core.store.workspace import DEALS_DIR, Workspace

POINT_HELP = "a git revision (HEAD~3, a tag, a commit id) or a date (YYYY-MM-DD, today, yesterday, 7d)"


class RevisionParseError(ParseError):
    """A file that does not parse at a commit: `deals/x.md:5 at a1b2c3d: message`."""

    def __init__(self, path: str, line: int | None, message: str, commit: str):
        super().__init__(path, line, message)
        self.commit = commit
        where = f"{path}:{line}" if line else path
        PipeError.__init__(self, f"{where} at {commit}: {message}")


@contextlib.contextmanager
def _at_commit(short: str) -> Iterator[None]:
    """A ParseError raised inside, as the RevisionParseError of that file at commit short."""
    try:
        yield
    except ParseError as error:
        raise RevisionParseError(error.path, error.line, error.message, short) from None


@dataclass(frozen=True)
class Point:
    """A moment of the pipeline: a commit (None: before the first one) and the date it stands for."""

    commit: str | None
    short: str
    date: dt.date
    label: str  # as reports show it: '2026-11-13 (a1b2c3d)'


@dataclass
class Snapshot:
    """The pipeline at one point: its config (None only when empty) and its deals by id."""

    label: str
    date: dt.date
    config: Config | None
    deals: dict[str, Deal] = field(default_factory=dict)
    commit: str | None = None  # None: the working tree, or the empty pipeline before any commit
    empty: bool = False  # a point before the first commit: nothing in it
    skipped: list[ParseError] = field(default_factory=list)  # deal files that do not parse there, left out


# -- points -------------------------------------------------------------------------------------

def _as_date(text: str, today: dt.date) -> dt.date | None:
    """text as a date the way pipe reads past dates (7d is seven days ago), or None if it is not one."""
    try:
        return parse_date(text, relative_to=today, direction=BEHIND)
    except AmbiguousDate:
        raise  # a date, but which one: said, not looked up as a commit
    except InvalidValue:
        return None


def resolve_point(git: Git, text: str, today: dt.date) -> Point:
    """The commit and date that text names; raises a one-line PipeError for anything else.

    A date means the last commit at or before the end of that day, and stands for that day; a
    revision stands for its commit's date. A date is read first: to name a commit whose short id
    looks like a duration (`100d`), give more of its id.
    """
    cleaned = text.strip()
    if not cleaned:
        raise InvalidValue(f"an empty revision or date: give {POINT_HELP}")
    git.require_repo()
    date = _as_date(cleaned, today)
    if date is not None:
        if date > today:
            named = f"{text.strip()} ({date})" if cleaned != date.isoformat() else cleaned
            raise InvalidValue(f"{named} is after today ({today}): git has no future to read")
        return point_on(git, date, required=True)
    if not git.has_commits():
        raise GitError(f"the repository has no commits yet, so there is no '{text}'")
    try:
        commit = git.commit_of(cleaned)
    except GitError:
        raise GitError(f"'{text}' is neither a date nor a git revision: give {POINT_HELP}{_shallow_hint(git)}") from None
    short, date = _commit_info(git, commit)
    return Point(commit, short, date, f"{date} ({short})")


def point_on(git: Git, date: dt.date, *, required: bool) -> Point:
    """The last commit at or before the end of date (local time, as git reads dates).

    With none that old: an error naming the first commit when required, else a point with no
    commit (the empty pipeline before the first commit).
    """
    found = git.commit_before(f"{date.isoformat()} 23:59:59") if git.has_commits() else None
    if found is None:
        if _shallow_hint(git):  # the history is there, only not fetched: an empty start would be wrong
            raise GitError(f"no commit at or before {date} in this clone{_shallow_hint(git)}")
        if required:
            raise InvalidValue(f"no commit at or before {date}: {_first_commit(git)}")
        return Point(None, "", date, f"{date} (no commit yet)")
    short, _ = _commit_info(git, found)
    return Point(found, short, date, f"{date} ({short})")


def _shallow_hint(git: Git) -> str:
    """What to do about a shallow clone (CI checkouts often are), or '' for a full one."""
    if git.output("rev-parse", "--is-shallow-repository").strip() != "true":
        return ""
    return ("; this is a shallow clone, so older commits are missing: fetch them with "
            "'git fetch --unshallow' (in GitHub Actions: fetch-depth: 0)")


def _commit_info(git: Git, commit: str) -> tuple[str, dt.date]:
    """A commit's short id and the day it was committed (in its own time zone)."""
    short, _, when = git.output("log", "-1", "--format=%h %cI", commit, "--").strip().partition(" ")
    return short, dt.date.fromisoformat(when[:10])


def _first_commit(git: Git) -> str:
    if not git.has_commits():
        return "the repository has no commits yet"
    first = git.output("log", "--max-parents=0", "--format=%h %cs", "HEAD", "--").strip().splitlines()[-1].split()
    return f"the first commit, {first[0]}, is of {first[1]}"


def parse_points(workspace: Workspace, git: Git, text: str | None, today: dt.date,
                 days: int = 7) -> tuple[Snapshot, Snapshot]:
    """The two snapshots `pipe diff` compares: REV1..REV2, REV1 (to the working tree), or nothing
    (from the last commit at or before `days` days ago, else the empty pipeline, to the working tree)."""
    git.require_repo()
    if text is None:
        start = point_on(git, today - dt.timedelta(days=days), required=False)
        return snapshot_at(git, start), working_snapshot(workspace, today)
    if "..." in text:
        raise InvalidValue(f"'{text}': use REV1..REV2 (two dots), or REV1 alone for REV1 to the working tree")
    left, dots, right = text.partition("..")
    if not left.strip():
        raise InvalidValue(f"'{text}': give the starting point, as in REV1..REV2 or 2026-11-01..2026-11-08")
    before = snapshot_at(git, resolve_point(git, left, today))
    if dots and right.strip():
        return before, snapshot_at(git, resolve_point(git, right, today))
    return before, working_snapshot(workspace, today)


# -- snapshots ----------------------------------------------------------------------------------

def snapshot_at(git: Git, point: Point) -> Snapshot:
    """The config and deals at point, from git objects; the empty pipeline for a point with no commit."""
    if point.commit is None:
        return Snapshot(point.label, point.date, None, {}, None, empty=True)
    deals, skipped = deals_at(git, point.commit, point.short)
    return Snapshot(point.label, point.date, config_at(git, point.commit, point.short), deals, point.commit,
                    skipped=skipped)


def working_snapshot(workspace: Workspace, today: dt.date) -> Snapshot:
    """The workspace as it is on disk, committed or not; the files that do not parse left out."""
    deals = workspace.deals(skip_bad=True)
    return Snapshot(f"{today} (working tree)", today, workspace.config, {d.id: d for d in deals},
                    skipped=list(workspace.skipped.values()))


def leave_out_skipped(before: Snapshot, after: Snapshot) -> None:
    """Take a deal that does not parse on either side out of both, so that a comparison shows it
    neither removed nor added: it says nothing about that deal."""
    ids = {deal_id_of(error.path) for error in before.skipped + after.skipped}
    for snapshot in (before, after):
        snapshot.deals = {i: d for i, d in snapshot.deals.items() if i not in ids}


def deal_id_of(path: str) -> str:
    """The deal id of a path as errors show it (deals/acme.md)."""
    return path.rsplit("/", 1)[-1].removesuffix(".md")


def config_at(git: Git, commit: str, short: str) -> Config:
    """pipelines.yaml at commit, checked as `pipe check` checks it; errors name the commit."""
    raw = git.file_at(commit, CONFIG_FILE)
    if raw is None:
        raise PipeError(f"there is no {CONFIG_FILE} at {short}: the workspace was not in this repository yet")
    with _at_commit(short):
        text = utf8.decode(raw, CONFIG_FILE, drop_bom=True)
    config, problems = read_config_text(text, CONFIG_FILE)
    errors = [p for p in problems if p.severity == "error"]
    if errors or config is None:
        first = errors[0] if errors else None
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        if first is None:
            raise PipeError(f"{CONFIG_FILE} at {short}: no usable pipeline")
        raise RevisionParseError(CONFIG_FILE, first.line, f"{first.message}{more}", short)
    return config


def deals_at(git: Git, commit: str, short: str) -> tuple[dict[str, Deal], list[ParseError]]:
    """Every deal file at commit, loaded and type-checked as Workspace.load does, by id; and the
    errors of those that do not load (each a RevisionParseError), left out."""
    files = git.tree_files(commit, DEALS_DIR)
    names = sorted(name for name in files if _is_deal_file(name))
    contents = git.read_blobs([files[name] for name in names])
    deals, skipped = {}, []
    for name in names:
        deal_id = name[:-3]
        try:
            with _at_commit(short):
                deals[deal_id] = dealload.load_deal(contents[files[name]], f"{DEALS_DIR}/{name}", deal_id)
        except RevisionParseError as error:
            skipped.append(error)
    return deals, skipped


def _is_deal_file(name: str) -> bool:
    return name.endswith(".md") and not name.startswith(".") and bool(ID_PATTERN.match(name[:-3]))


# -- one deal's history -------------------------------------------------------------------------

@dataclass
class Revision:
    """One commit that changed a deal file (commit None: the change not committed yet)."""

    commit: str | None
    short: str
    when: str  # ISO date-time of the author, as git log shows it
    author: str
    subject: str
    changes: list[Change]

    @property
    def date(self) -> str:
        return self.when[:10]


def deal_history(workspace: Workspace, git: Git, ref: str) -> tuple[str, list[Revision]]:
    """The deal ref names (an id or unique prefix in the workspace, or the exact id of a deal that
    is only in the history) and its revisions, newest first, the uncommitted change on top."""
    git.require_repo()
    path = f"{DEALS_DIR}/{{}}.md"
    try:
        deal_id = workspace.resolve(ref)
    except NotFound:
        if not (ID_PATTERN.match(ref) and git.has_commits() and _log(git, path.format(ref), limit=1)):
            raise NotFound(f"no deal matches '{ref}', in the workspace or its git history (see 'pipe list')") from None
        deal_id = ref
    file = path.format(deal_id)
    commits = _log(git, file) if git.has_commits() else []
    names = [f"{c[0]}:{git.prefix}{file}" for c in commits]
    names += [f"{c[5]}:{git.prefix}{file}" for c in commits if c[5]]
    blobs = _blob_ids(git, names)
    contents = git.read_blobs([b for b in blobs.values() if b])

    def version(commit: str | None) -> bytes | None:
        blob = blobs.get(f"{commit}:{git.prefix}{file}") if commit else None
        return contents[blob] if blob else None

    revisions = []
    head = version(commits[0][0]) if commits else None
    on_disk = _read_working(workspace, deal_id)
    if on_disk != head:
        revisions.append(Revision(None, "", "", "", "not committed yet",
                                  _changes_between(head, on_disk, file)))
    for commit, short, when, author, subject, parent in commits:
        revisions.append(Revision(commit, short, when, author, subject,
                                  _changes_between(version(parent), version(commit), file)))
    if not revisions:
        raise NotFound(f"deal {deal_id} has no history yet: {file} was never committed")
    return deal_id, revisions


def _read_working(workspace: Workspace, deal_id: str) -> bytes | None:
    try:
        return workspace.deal_path(deal_id).read_bytes()
    except FileNotFoundError:
        return None


def _changes_between(old: bytes | None, new: bytes | None, file: str) -> list[Change]:
    """The field-level change of one commit; a version that does not parse is said, not fatal."""
    versions = []
    for raw in (old, new):
        if raw is None:
            versions.append(None)
            continue
        try:
            document = dealload.read_document(raw, file)
        except ParseError as error:
            versions.append(error)
            continue
        versions.append(Deal(document.data, document.body, document))
    before, after = versions
    if isinstance(after, ParseError):
        where = f"line {after.line}: " if after.line else ""
        return [Change("file", "unreadable", f"the file does not parse here ({where}{after.message})")]
    if isinstance(before, ParseError):
        return [Change("file", "fixed", "the file parses again")]
    return deal_changes(before, after)


def _log(git: Git, file: str, limit: int | None = None) -> list[tuple[str, str, str, str, str, str]]:
    """The commits that changed file, newest first: (id, short id, author date, author, subject, first parent)."""
    # --full-history: also the commits of a side whose change a merge dropped ("where did my change go?");
    # --topo-order: a parent never listed before its child, whatever the clocks of two clones said.
    args = ["log", "-z", "--no-renames", "--full-history", "--topo-order",
            "--format=%H%x1f%h%x1f%aI%x1f%an%x1f%s%x1f%P"]
    if limit:
        args.append(f"-{limit}")
    records = git.run(*args, "HEAD", "--", file).stdout.decode("utf-8", "replace").split("\0")
    commits = []
    for record in records:
        record = record.strip("\n")
        if not record:
            continue
        commit, short, when, author, subject, parents = record.split("\x1f")
        commits.append((commit, short, when, author, subject, parents.split(" ")[0] if parents else ""))
    return commits


def _blob_ids(git: Git, names: list[str]) -> dict[str, str | None]:
    """The blob each `commit:path` names, None where the file is not in that commit."""
    if not names:
        return {}
    wanted = list(dict.fromkeys(names))
    out = git.run("cat-file", "--batch-check", input="".join(f"{n}\n" for n in wanted).encode()).stdout
    found: dict[str, str | None] = {}
    for name, line in zip(wanted, out.decode("utf-8", "replace").split("\n")):
        parts = line.split(" ")
        found[name] = parts[0] if len(parts) == 3 and parts[1] == "blob" else None
    return found
