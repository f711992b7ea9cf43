"""`pipe init --demo DIR`: the sample company with a year of its history as git commits.

The package ships the sample's final files (pipecli/demo/, the same bytes as the repository's
sample). Each deal's own dates say when each part of it happened: it exists from `created`, each
stage entry is dated in `history`, a task appears on its `created` and is done on its `done`, an
interaction on its `date`, a pushed-back close date on its `close_changes` date. Every such part
is one change; replaying them in date order, the deal file is written as it was with the parts
so far, and committed with that date and its author (the `by` of the part, else the assignee or
the owner). The last change of a deal writes its shipped bytes, so the demo ends as the sample.

Twice in the year one week of Tom's logged interactions is made on a branch of its own (his
clone), which is then merged with pipe's merge driver as `pipe sync` would: files changed on both
sides merge field by field. Commits are written by one `git fast-import` per stretch between merges.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

from pipecli.core.errors import PipeError
from pipecli.core.fileformat import dealfile, yamlio
from pipecli.core.gitsync.repo import Git
from pipecli.core.gitsync.setup import ATTRIBUTE_LINE, ATTRIBUTES_FILE, PYTHON_VARIABLE, configure_clone
from pipecli.core.model.config import CONFIG_FILE
from pipecli.core.store.workspace import CACHE_DIR, DEALS_DIR, starter_files

DEMO_DIR = Path(__file__).resolve().parent.parent.parent / "demo"  # shipped in the package (setup.cfg)
TODAY = dt.date(2026, 11, 27)  # the sample's today: no change is dated after it
BRANCH = "main"
CLONE_MEMBER = "tom"  # whose clone works apart for a week, twice
MERGE_WEEKS = (dt.date(2026, 6, 8), dt.date(2026, 9, 28))  # Mondays: weeks where both clones change one deal


@dataclass(frozen=True)
class Change:
    """One part of a deal, dated: the deal file with it included differs from the one without."""

    date: dt.date
    deal: str
    part: tuple  # ("created",) ("history", i) ("task", id) ("done", id) ("activity", i) ("close", i)
    author: str
    subject: str


def demo_files() -> tuple[bytes, dict[str, bytes]]:
    """The shipped pipelines.yaml and deal files (deal id -> bytes)."""
    deals = {p.stem: p.read_bytes() for p in sorted((DEMO_DIR / DEALS_DIR).glob("*.md"))}
    return (DEMO_DIR / CONFIG_FILE).read_bytes(), deals


def _date(value) -> dt.date:
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    return min(day, TODAY)


def changes_of(deal_id: str, data: dict) -> list[Change]:
    """The dated parts of one deal, oldest first (its creation first)."""
    created = _date(data["created"])
    owner = data.get("owner") or ""
    history = data.get("history") or []
    first_by = (history[0].get("by") if history else None) or owner
    found = [Change(created, deal_id, ("created",), first_by, f"add {deal_id}")]
    for i, entry in enumerate(history[1:], start=1):
        found.append(Change(_date(entry["date"]), deal_id, ("history", i), entry.get("by") or owner,
                            f"move {deal_id}: {history[i - 1]['stage']} -> {entry['stage']}"))
    for task in data.get("tasks") or []:
        who = task.get("assignee") or owner
        if task.get("created"):
            found.append(Change(_date(task["created"]), deal_id, ("task", task["id"]), owner,
                                f"task add {deal_id}: {task['text']}"))
        if task.get("done"):
            verb = "cancel" if task.get("status") == "cancelled" else "done"
            found.append(Change(_date(task["done"]), deal_id, ("done", task["id"]), who,
                                f"task {verb} {deal_id}: {task['text']}"))
    for i, entry in enumerate(data.get("activities") or []):
        found.append(Change(_date(entry["date"]), deal_id, ("activity", i), entry.get("by") or owner,
                            f"log {deal_id}: {entry.get('kind', 'note')} {entry.get('summary', '')}".rstrip()))
    for i, entry in enumerate(data.get("close_changes") or []):
        found.append(Change(_date(entry["date"]), deal_id, ("close", i), owner,
                            f"set {deal_id}: expected_close {entry['from']} -> {entry['to']}"))
    # Nothing happens to a deal before it exists; the stable sort keeps each part after its cause.
    found = [c if c.date >= created else Change(created, c.deal, c.part, c.author, c.subject) for c in found]
    return sorted(found, key=lambda c: c.date)


def state(data: dict, parts: set[tuple]) -> dict | None:
    """The deal's frontmatter with only the given parts (None: not created yet)."""
    if ("created",) not in parts:
        return None
    history = [h for i, h in enumerate(data.get("history") or []) if i == 0 or ("history", i) in parts]
    now = {key: value for key, value in data.items()}
    now["history"] = history
    if history:
        now["stage"] = history[-1]["stage"]
    if len(history) < len(data.get("history") or []):
        now.pop("closed", None)
        now.pop("lost_reason", None)
    tasks = []
    for task in data.get("tasks") or []:
        if task.get("created") and ("task", task["id"]) not in parts:
            continue
        if task.get("done") and ("done", task["id"]) not in parts:
            task = {k: v for k, v in task.items() if k != "done"}
            task["status"] = "open"
        tasks.append(task)
    if "tasks" in data:
        now["tasks"] = tasks
    if "activities" in data:
        now["activities"] = [a for i, a in enumerate(data["activities"]) if ("activity", i) in parts]
    if "close_changes" in data:
        kept = [c for i, c in enumerate(data["close_changes"]) if ("close", i) in parts]
        later = data["close_changes"][len(kept):]
        if later:
            now["expected_close"] = later[0]["from"]
        if kept:
            now["close_changes"] = kept
        else:
            now.pop("close_changes")
    return now


class Replay:
    """The deals and which of their parts are in, on one line of history (a clone's branch)."""

    def __init__(self, documents: dict[str, dealfile.DealDocument], raw: dict[str, bytes]):
        self.documents = documents
        self.raw = raw
        self.parts: dict[str, set[tuple]] = {deal_id: set() for deal_id in documents}
        self.total = {deal_id: len(changes_of(deal_id, d.data)) for deal_id, d in documents.items()}

    def copy(self) -> "Replay":
        other = Replay.__new__(Replay)
        other.documents, other.raw, other.total = self.documents, self.raw, self.total
        other.parts = {deal_id: set(parts) for deal_id, parts in self.parts.items()}
        return other

    def apply(self, change: Change) -> bytes:
        """The deal file with change included."""
        parts = self.parts[change.deal]
        parts.add(change.part)
        if len(parts) == self.total[change.deal]:
            return self.raw[change.deal]
        document = self.documents[change.deal]
        # pipe's canonical layout, as the sample's files have (twice as quick as keeping a layout)
        return dealfile.render(state(document.data, parts), document.body).encode("utf-8")


class Stream:
    """A git fast-import stream of commits on branches, one `git fast-import` run."""

    def __init__(self, team: dict[str, tuple[str, str]]):
        self.team = team
        self.chunks: list[bytes] = []
        self.count = 0

    def commit(self, branch: str, when: dt.datetime, who: str, message: str, files: dict[str, bytes]) -> None:
        name, email = self.team.get(who, (who, f"{who}@example.invalid"))
        local = when.astimezone()  # the builder's own time zone: `--as-of DAY` reads days in local time
        stamp = f"{name} <{email}> {int(local.timestamp())} {local.strftime('%z')}"
        text = message.encode("utf-8")
        chunk = [f"commit refs/heads/{branch}\nauthor {stamp}\ncommitter {stamp}\n".encode("utf-8"),
                 b"data %d\n" % len(text), text, b"\n"]
        for path, content in files.items():
            chunk += [f"M 100644 inline {path}\n".encode("utf-8"), b"data %d\n" % len(content), content, b"\n"]
        self.chunks.append(b"".join(chunk))
        self.count += 1

    def reset(self, branch: str, start: str) -> None:
        """branch starts at start: another branch of this stream, or `refs/heads/NAME^0` as the repository has it."""
        self.chunks.append(f"reset refs/heads/{branch}\nfrom {start}\n\n".encode("utf-8"))

    def run(self, git: Git) -> None:
        if self.chunks:
            git.run("fast-import", "--quiet", "--done", input=b"".join(self.chunks) + b"done\n")


def build_demo(root: Path) -> int:
    """Create the demo workspace in root (a new or empty folder); returns the number of commits."""
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise PipeError(f"{root} is not empty: the demo goes in a new folder")
    config_raw, raw = demo_files()
    config = yamlio.load(config_raw.decode("utf-8"))
    team = {m["id"]: (m["name"], m["email"]) for m in config.get("team") or []}
    documents = {deal_id: dealfile.parse(text.decode("utf-8"), f"{DEALS_DIR}/{deal_id}.md")
                 for deal_id, text in raw.items()}
    changes = sorted((c for deal_id, d in documents.items() for c in changes_of(deal_id, d.data)),
                     key=lambda c: c.date)  # stable: each deal's parts keep their order

    root.mkdir(parents=True, exist_ok=True)
    git = Git(root)
    git.run("init", "--quiet", f"--initial-branch={BRANCH}")
    configure_clone(git)
    start = {CONFIG_FILE: config_raw,
             ".gitignore": f"# pipe's cache and lock\n{CACHE_DIR}/\n".encode(),
             ATTRIBUTES_FILE: f"# deal files merge field by field: 'pipe git setup' in each clone\n{ATTRIBUTE_LINE}\n".encode()}
    start.update({name: path.read_bytes() for name, path in starter_files().items()})

    first = min(c.date for c in changes) - dt.timedelta(days=1)
    stream = Stream(team)
    minutes: dict[dt.date, int] = {}

    def when(day: dt.date) -> dt.datetime:
        # Changes of one day follow each other a few minutes apart from 9:00, in the order replayed.
        minutes[day] = minutes.get(day, 0) + 1
        return dt.datetime.combine(day, dt.time(9)) + dt.timedelta(minutes=min(5 * minutes[day], 600))

    stream.commit(BRANCH, when(first), "maya", "Tidewater Labs: the pipelines, the team, the templates", start)
    main = Replay(documents, raw)
    commits = 0
    for week in MERGE_WEEKS:
        end = week + dt.timedelta(days=7)
        for change in [c for c in changes if c.date < week]:
            stream.commit(BRANCH, when(change.date), change.author, change.subject,
                          {f"{DEALS_DIR}/{change.deal}.md": main.apply(change)})
        existing = {deal_id for deal_id, parts in main.parts.items() if parts}
        clone = main.copy()
        clone_branch = f"{CLONE_MEMBER}-clone"
        stream.reset(clone_branch, f"refs/heads/{BRANCH}")  # his clone, as main is when the week starts
        in_week = [c for c in changes if week <= c.date < end]
        apart = [c for c in in_week if c.author == CLONE_MEMBER and c.part[0] == "activity" and c.deal in existing]
        for change in in_week:
            side, branch = (clone, clone_branch) if change in apart else (main, BRANCH)
            stream.commit(branch, when(change.date), change.author, change.subject,
                          {f"{DEALS_DIR}/{change.deal}.md": side.apply(change)})
        stream.run(git)
        commits += stream.count
        _merge(git, clone_branch, team, dt.datetime.combine(end - dt.timedelta(days=1), dt.time(18)))
        commits += 1
        for change in apart:  # main has them now, through the merge
            main.parts[change.deal].add(change.part)
        changes = [c for c in changes if c.date >= end]
        stream = Stream(team)
        stream.reset(BRANCH, f"refs/heads/{BRANCH}^0")
    for change in changes:
        stream.commit(BRANCH, when(change.date), change.author, change.subject,
                      {f"{DEALS_DIR}/{change.deal}.md": main.apply(change)})
    stream.run(git)
    git.run("checkout", "--quiet", "--force", BRANCH)
    return commits + stream.count


def _merge(git: Git, branch: str, team: dict[str, tuple[str, str]], when: dt.datetime) -> None:
    """Tom's clone pulls main as `pipe sync` does (deal files through pipe's merge driver); main takes the merge."""
    name, email = team.get(CLONE_MEMBER, (CLONE_MEMBER, f"{CLONE_MEMBER}@example.invalid"))
    stamp = when.astimezone().isoformat()
    env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name,
           "GIT_COMMITTER_EMAIL": email, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp,
           PYTHON_VARIABLE: sys.executable}
    git.run("checkout", "--quiet", "--force", branch)
    # The user's own git settings must not stop a demo: no signing prompt, no hook of theirs.
    git.run("-c", "commit.gpgsign=false", "merge", "--quiet", "--no-ff", "--no-edit", "--no-verify", "-m",
            f"Merge branch '{BRANCH}' into {CLONE_MEMBER}'s clone (pipe sync)", BRANCH, env=env)
    git.run("update-ref", f"refs/heads/{BRANCH}", "HEAD")
    git.run("checkout", "--quiet", "--force", BRANCH)
    git.run("branch", "--quiet", "-D", branch)
