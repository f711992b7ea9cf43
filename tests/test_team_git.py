"""Two people, one pipeline, real git: a bare remote and two clones (alice, bob) working offline, then `pipe sync`.

pipe runs as a subprocess in each clone, as a user runs it, so git itself calls the merge driver
registered by `pipe init --git` / `pipe git setup`. One team is built once for the module and copied
for each test. After every scenario: nothing lost (every task, activity and history entry of both
sides present exactly once), `pipe check` clean, and the two clones' deal files byte-identical.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

TODAY = "2026-11-27"
REPO = Path(__file__).resolve().parents[1]
TEAM = ("team:\n- {id: alice, name: Alice Martin, email: alice@example.com}\n"
        "- {id: bob, name: Bob Stone, email: bob@example.com}\n")
PEOPLE = {"alice": "Alice Martin", "bob": "Bob Stone", "carol": "Carol Reed"}


def base_env(home: Path) -> dict[str, str]:
    """The environment without the user's git or pipe settings: HOME is ours, git reads only its .gitconfig."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PIPE_"))}
    env.update(HOME=str(home), GIT_CONFIG_GLOBAL=str(home / ".gitconfig"), GIT_CONFIG_NOSYSTEM="1",
               PIPE_TODAY=TODAY, NO_COLOR="1", COLUMNS="100", LC_ALL="C", TZ="UTC",
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
               # pipe installed and on PATH, as for a user: git's merges find the driver there
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    return env


def run(args: list[str], cwd: Path, env: dict[str, str], ok: bool | None = True) -> subprocess.CompletedProcess:
    """Run a command; ok=True wants exit 0, ok=False a failure, None takes what comes. Never a traceback."""
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    shown = f"{' '.join(args)} (in {cwd.name}) exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr, shown
    if ok is True:
        assert done.returncode == 0, shown
    elif ok is False:
        assert done.returncode != 0, shown
    return done


class Clone:
    """One person's clone: run pipe and git in it as that person, read its deals."""

    def __init__(self, root: Path, user: str, home: Path):
        self.root = root
        self.user = user
        email = f"{user}@example.com"
        # carol is bob at another machine: pipe knows her as bob, git by her own name
        self.env = {**base_env(home), "PIPE_USER": "bob" if user == "carol" else user,
                    "GIT_AUTHOR_NAME": PEOPLE[user], "GIT_AUTHOR_EMAIL": email,
                    "GIT_COMMITTER_NAME": PEOPLE[user], "GIT_COMMITTER_EMAIL": email}

    def pipe(self, *args: str, ok: bool | None = True) -> subprocess.CompletedProcess:
        return run([sys.executable, "-m", "pipecli", *args], self.root, self.env, ok)

    def git(self, *args: str, ok: bool | None = True) -> subprocess.CompletedProcess:
        return run(["git", *args], self.root, self.env, ok)

    def out(self, *args: str) -> str:
        return self.git(*args).stdout.strip()

    def path(self, prefix: str) -> Path:
        found = sorted((self.root / "deals").glob(f"{prefix}*.md"))
        assert len(found) == 1, f"{self.user}: {prefix!r} names {[p.name for p in found]}"
        return found[0]

    def deal(self, prefix: str) -> dict:
        """The deal's frontmatter, parsed."""
        return frontmatter(self.path(prefix).read_text(encoding="utf-8"))

    def deals(self) -> dict[str, dict]:
        return {p.stem: frontmatter(p.read_text(encoding="utf-8")) for p in sorted((self.root / "deals").glob("*.md"))}

    def deal_bytes(self) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted((self.root / "deals").glob("*.md"))}

    def head(self) -> str:
        return self.out("rev-parse", "HEAD")

    def status(self) -> list[str]:
        return self.git("status", "--porcelain").stdout.splitlines()

    def check_clean(self) -> None:
        done = self.pipe("check")
        assert ": error:" not in done.stdout + done.stderr, done.stdout + done.stderr


def frontmatter(text: str) -> dict:
    assert text.startswith("---\n"), text
    front, sep, _ = text[4:].partition("\n---\n")
    assert sep or front.endswith("\n---"), text
    return yaml.safe_load(front.removesuffix("\n---"))


def pipe_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("pipe:")]


@dataclass
class Team:
    root: Path
    home: Path
    alice: Clone
    bob: Clone
    acme: str  # the deal both work on

    @property
    def remote(self) -> Path:
        return self.root / "remote.git"

    def remote_head(self) -> str:
        return run(["git", "rev-parse", "main"], self.remote, self.alice.env).stdout.strip()

    def clone(self, name: str, source: str = "remote.git") -> Clone:
        """A fresh `git clone` of source, with nothing registered (no `pipe git setup`)."""
        run(["git", "clone", "-q", source, name], self.root, base_env(self.home))
        return Clone(self.root / name, name, self.home)

    def snapshot(self) -> list[dict[str, dict]]:
        return [self.alice.deals(), self.bob.deals()]

    def sync_all(self) -> None:
        """Alice pushes, bob pulls, merges and pushes, alice pulls bob's merge."""
        for clone in (self.alice, self.bob, self.alice):
            clone.pipe("sync")

    def assert_settled(self, before: list[dict[str, dict]]) -> None:
        """Both clones equal, checked clean, holding everything either side had before the sync."""
        assert self.alice.deal_bytes() == self.bob.deal_bytes()
        assert self.alice.head() == self.bob.head() == self.remote_head()
        for clone in (self.alice, self.bob):
            clone.check_clean()
            assert clone.status() == []
        assert_nothing_lost(self.alice.deals(), *before)


def canonical(entry) -> str:
    return json.dumps(entry, sort_keys=True, default=str)


def entry_keys(deal: dict) -> dict[str, Counter]:
    """A deal's list entries by identity: tasks by id (their fields may change), the others whole."""
    return {
        "tasks": Counter(task["id"] for task in deal.get("tasks") or []),
        "activities": Counter(canonical(a) for a in deal.get("activities") or []),
        "history": Counter(canonical(h) for h in deal.get("history") or []),
    }


def assert_nothing_lost(merged: dict[str, dict], *sides: dict[str, dict]) -> None:
    """Every deal and every entry of every side is in merged exactly once, and nothing else is."""
    assert set(merged) == set().union(*sides)
    for deal_id, deal in merged.items():
        got = entry_keys(deal)
        for kind, counts in got.items():
            twice = [key for key, n in counts.items() if n > 1]
            assert not twice, f"{deal_id}: {kind} duplicated: {twice}"
            wanted = set().union(*(entry_keys(side[deal_id])[kind] for side in sides if deal_id in side))
            assert set(counts) == wanted, f"{deal_id}: {kind}: lost {wanted - set(counts)}, extra {set(counts) - wanted}"


# -- the team, built once ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, Path, str]:
    """remote.git, alice (pipe init --git, a team of two, autocommit, one deal) and bob (git clone + pipe git setup)."""
    home = tmp_path_factory.mktemp("home")
    (home / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    root = tmp_path_factory.mktemp("team")
    run(["git", "init", "--bare", "-q", "-b", "main", "remote.git"], root, base_env(home))

    (root / "alice").mkdir()
    alice = Clone(root / "alice", "alice", home)
    alice.pipe("init", "--git")
    config = alice.root / "pipelines.yaml"
    text = config.read_text(encoding="utf-8")
    text, replaced = re.subn(r"(?m)^team: \[\].*\n", TEAM, text)
    assert replaced == 1
    config.write_text(text + "git: {autocommit: true}\n", encoding="utf-8")
    assert "merge=pipe" in (alice.root / ".gitattributes").read_text(encoding="utf-8")
    alice.git("add", "-A")
    alice.git("commit", "-q", "-m", "pipe init")
    alice.git("remote", "add", "origin", "../remote.git")  # relative, so copies of the team work alike
    alice.git("push", "-q", "-u", "origin", "main")

    acme = alice.pipe("add", "Acme rollout", "--value", "8000", "--close-date", "2027-01-15",
                      "--next", "Call Jonas", "--due", "3d").stdout.split()[0]
    alice.pipe("log", acme, "call", "Intro call with Jonas")
    assert "pushed 2 commits" in alice.pipe("sync").stdout

    run(["git", "clone", "-q", "remote.git", "bob"], root, base_env(home))
    bob = Clone(root / "bob", "bob", home)
    bob.git("remote", "set-url", "origin", "../remote.git")
    assert "registered the merge driver" in bob.pipe("git", "setup").stdout
    assert bob.status() == []  # .gitattributes came with the clone: nothing rewritten
    assert bob.deal_bytes() == alice.deal_bytes()
    return root, home, acme


@pytest.fixture
def team(template, tmp_path) -> Team:
    source, home, acme = template
    root = tmp_path / "team"
    shutil.copytree(source, root, symlinks=True)
    return Team(root, home, Clone(root / "alice", "alice", home), Clone(root / "bob", "bob", home), acme)


# -- working offline on the same deal, then sync ----------------------------------------------------


def test_a_move_on_one_side_and_a_new_task_on_the_other(team):
    acme = team.acme
    team.alice.pipe("move", acme, "proposal")  # adds the stage's on_enter task at the end of the tasks
    team.bob.pipe("task", "add", acme, "Send the pricing", "--due", "2d")  # so does this: a line conflict for git
    before = team.snapshot()
    team.sync_all()
    team.assert_settled(before)
    deal = team.bob.deal(acme)
    assert deal["stage"] == "proposal"
    assert [h["stage"] for h in deal["history"]] == ["lead", "proposal"]
    assert sorted(t["text"] for t in deal["tasks"]) == ["Call Jonas", "Follow up on the proposal", "Send the pricing"]


def test_an_interaction_logged_on_both_sides(team):
    acme = team.acme
    team.alice.pipe("log", acme, "call", "Jonas: budget approved")
    team.bob.pipe("log", acme, "email", "Sent the SSO answers", "--direction", "out")
    before = team.snapshot()
    team.sync_all()
    team.assert_settled(before)
    summaries = [a["summary"] for a in team.alice.deal(acme)["activities"]]
    assert sorted(summaries) == sorted(["Intro call with Jonas", "Jonas: budget approved", "Sent the SSO answers"])


def test_two_adds_with_the_same_title_stay_two_deals(team):
    ours = team.alice.pipe("add", "Beta deal", "--next", "Call them").stdout.split()[0]
    theirs = team.bob.pipe("add", "Beta deal", "--next", "Call them").stdout.split()[0]
    assert ours != theirs and ours.startswith("beta-deal-") and theirs.startswith("beta-deal-")
    before = team.snapshot()
    team.sync_all()
    team.assert_settled(before)
    deals = team.alice.deals()
    assert set(deals) == {team.acme, ours, theirs}
    assert deals[ours]["title"] == deals[theirs]["title"] == "Beta deal"
    assert deals[ours]["owner"] == "alice" and deals[theirs]["owner"] == "bob"


def test_the_same_field_changed_differently_is_a_real_conflict(team):
    alice, bob, acme = team.alice, team.bob, team.acme
    alice.pipe("set", acme, "value=9000")
    alice.pipe("log", acme, "meeting", "Demo for the CTO")
    bob.pipe("set", acme, "value=12000")
    bob.pipe("task", "add", acme, "Send the pricing", "--due", "2d")
    before = team.snapshot()
    alice.pipe("sync")
    pushed = team.remote_head()

    refused = bob.pipe("sync", ok=False)
    assert len(pipe_lines(refused.stderr)) == 1, refused.stderr
    assert f"deals/{acme}.md" in pipe_lines(refused.stderr)[0]
    assert team.remote_head() == pushed  # nothing pushed
    text = bob.path(acme).read_text(encoding="utf-8")
    block = re.search(r"(?m)^<{7} .*\nvalue: 12000\n={7}\nvalue: 9000\n>{7} .*\n", text)
    assert block, text
    assert text.count("<<<<<<<") == text.count("=======") == text.count(">>>>>>>") == 1, text
    marker_line = text[:block.start()].count("\n") + 1
    checked = bob.pipe("check", ok=False)
    assert checked.returncode == 1
    assert f"deals/{acme}.md:{marker_line}: error" in checked.stdout + checked.stderr

    resolved = text[:block.start()] + "value: 12000\n" + text[block.end():]  # keep ours
    bob.path(acme).write_text(resolved, encoding="utf-8")
    bob.git("add", f"deals/{acme}.md")
    bob.git("commit", "-q", "--no-edit")
    bob.pipe("sync")
    alice.pipe("sync")
    team.assert_settled(before)
    deal = alice.deal(acme)
    assert deal["value"] == 12000
    assert "Demo for the CTO" in [a["summary"] for a in deal["activities"]]
    assert "Send the pricing" in [t["text"] for t in deal["tasks"]]


def test_a_comment_added_by_hand_is_kept_when_the_other_clone_merges(team):
    alice, bob, acme = team.alice, team.bob, team.acme
    path = alice.path(acme)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\nvalue: 8000\n", "\n# Jonas asked for a discount: see the notes\nvalue: 8000\n"),
                    encoding="utf-8")
    alice.git("commit", "-q", "-am", "a comment by hand")
    alice.pipe("sync")
    bob.pipe("log", acme, "call", "Jonas: budget approved")
    bob.pipe("set", acme, "value=9000")
    before = team.snapshot()
    team.sync_all()
    team.assert_settled(before)
    assert "\n# Jonas asked for a discount: see the notes\nvalue: 9000\n" in bob.path(acme).read_text(encoding="utf-8")


def test_won_in_one_clone_and_lost_in_the_other_is_one_conflict_and_keeping_a_side_is_consistent(team):
    alice, bob, acme = team.alice, team.bob, team.acme
    alice.pipe("won", acme)
    alice.pipe("sync")
    bob.pipe("lost", acme, "--reason", "price")
    refused = bob.pipe("sync", ok=False)
    assert f"conflicts in deals/{acme}.md" in refused.stderr
    text = bob.path(acme).read_text(encoding="utf-8")
    assert text.count("<<<<<<<") == 1, text
    bob.path(acme).write_text(re.sub(r"(?s)<{7} ours\n.*?={7}\n(.*?)>{7} theirs\n", r"\1", text), encoding="utf-8")
    bob.check_clean()  # alice's win kept whole: no lost reason, a history ending in won
    deal = bob.deal(acme)
    assert (deal["stage"], "lost_reason" in deal, deal["history"][-1]["stage"]) == ("won", False, "won")
    bob.git("add", f"deals/{acme}.md")
    bob.git("commit", "-q", "--no-edit")
    bob.pipe("sync")


def test_a_task_done_on_one_side_and_edited_on_the_other_keeps_both(team):
    alice, bob, acme = team.alice, team.bob, team.acme
    task = alice.deal(acme)["tasks"][0]["id"]
    alice.pipe("task", "done", task, "--next", "Send the contract", "--due", "5d")
    bob.pipe("task", "edit", task, "--text", "Call Jonas about SSO", "--due", "2026-12-04")
    before = team.snapshot()
    team.sync_all()
    team.assert_settled(before)
    tasks = {t["text"]: t for t in bob.deal(acme)["tasks"]}
    assert set(tasks) == {"Call Jonas about SSO", "Send the contract"}
    edited = tasks["Call Jonas about SSO"]
    assert (edited["id"], edited["status"], edited["done"], edited["due"]) == (
        task, "done", dt.date(2026, 11, 27), dt.date(2026, 12, 4))
    assert tasks["Send the contract"]["status"] == "open"


# -- plain git merge, with and without the driver ---------------------------------------------------


def diverge(team: Team) -> str:
    """Alice logs a call and pushes; bob logs an email and commits: both append to the activities."""
    team.alice.pipe("log", team.acme, "call", "Jonas: budget approved")
    team.alice.git("push", "-q")
    team.bob.pipe("log", team.acme, "email", "Sent the SSO answers", "--direction", "out")
    return team.alice.head()


def test_plain_git_merge_with_the_driver_is_clean(team):
    diverge(team)
    before = team.snapshot()
    done = team.bob.git("pull", "--no-rebase", "--no-edit")
    assert "CONFLICT" not in done.stdout + done.stderr
    team.bob.check_clean()
    assert_nothing_lost(team.bob.deals(), *before)
    assert len(team.bob.deal(team.acme)["activities"]) == 3


def test_sync_in_a_fresh_clone_registers_the_driver_before_it_pulls(team):
    carol = team.clone("carol")  # git clone only: .gitattributes routes deal files, no driver registered
    team.alice.pipe("log", team.acme, "call", "Jonas: budget approved")
    team.alice.pipe("sync")
    carol.pipe("log", team.acme, "email", "Sent the SSO answers", "--direction", "out")
    before = [team.alice.deals(), carol.deals()]
    done = carol.pipe("sync")
    assert "registered the merge driver in this clone's git config" in done.stdout
    team.alice.pipe("sync")
    assert carol.deal_bytes() == team.alice.deal_bytes()
    carol.check_clean()
    assert_nothing_lost(carol.deals(), *before)


def test_a_merge_without_the_driver_conflicts_and_pipe_check_finds_it(team):
    alice_commit = diverge(team)
    # What the driver makes of this merge, in bob's clone where it is registered.
    team.bob.git("fetch", "-q")
    carol = team.clone("carol", "bob")  # bob's state, in a fresh clone: no `pipe git setup`
    assert carol.git("config", "--get", "merge.pipe.driver", ok=False).stdout == ""
    team.bob.git("merge", "-q", "--no-edit", alice_commit)
    expected = team.bob.path(team.acme).read_bytes()

    carol.git("fetch", "-q", "../remote.git", "main")
    merged = carol.git("merge", "--no-edit", alice_commit, ok=False)
    assert f"CONFLICT (content): Merge conflict in deals/{team.acme}.md" in merged.stdout
    text = carol.path(team.acme).read_text(encoding="utf-8")
    assert "<<<<<<< HEAD" in text and ">>>>>>> " in text
    checked = carol.pipe("check", ok=False)
    line = text.splitlines().index("<<<<<<< HEAD") + 1
    assert f"deals/{team.acme}.md:{line}: error" in checked.stdout + checked.stderr

    # Recovery 1: register the driver, then let git redo the file's merge with it.
    again = Clone(team.root / "carol-again", "carol", team.home)
    shutil.copytree(carol.root, again.root, symlinks=True)
    carol.pipe("git", "setup")
    carol.git("checkout", "-m", f"deals/{team.acme}.md")
    assert carol.path(team.acme).read_bytes() == expected
    assert carol.status() == [f"UU deals/{team.acme}.md"]  # merged by the driver, still to be added
    carol.git("add", f"deals/{team.acme}.md")
    carol.git("commit", "-q", "--no-edit")
    carol.check_clean()

    # Recovery 2: abort, register the driver, merge again.
    again.git("merge", "--abort")
    again.pipe("git", "setup")
    again.git("merge", "-q", "--no-edit", alice_commit)
    assert again.path(team.acme).read_bytes() == expected
    again.check_clean()


# -- autocommit -------------------------------------------------------------------------------------


def committed(clone: Clone, *args: str) -> tuple[str, list[str]]:
    """Run pipe ARGS; it must make exactly one commit. Returns (its subject, the files it touched)."""
    before = clone.head()
    clone.pipe(*args)
    new = clone.out("rev-list", f"{before}..HEAD").split()
    assert len(new) == 1, f"pipe {' '.join(args)} made {len(new)} commits"
    files = clone.out("show", "--name-only", "--format=", "HEAD").split()
    return clone.out("log", "-1", "--format=%s"), files


def test_autocommit_makes_one_commit_per_command_with_only_its_files(team):
    alice, acme = team.alice, team.acme
    (alice.root / "mine.txt").write_text("my own notes\n", encoding="utf-8")
    alice.git("add", "mine.txt")  # the user's own staged work
    (alice.root / ".gitignore").write_text(".pipe/\nscratch/\n", encoding="utf-8")  # and an unstaged change
    file = f"deals/{acme}.md"

    assert committed(alice, "move", acme, "proposal") == (f"move {acme}: lead -> proposal", [file])
    subject, files = committed(alice, "log", acme, "call", "Jonas: budget approved")
    logged = alice.deal(acme)["activities"][-1]["id"]  # the commit names the interaction by its id
    assert subject == f"log {logged} ({acme}): call of 2026-11-27 by alice: Jonas: budget approved" and files == [file]
    task_subject, files = committed(alice, "task", "add", acme, "Send the pricing", "--due", "2d")
    added = alice.deal(acme)["tasks"][-1]["id"]  # and the task by its id
    assert task_subject == f"task add {added} ({acme}): Send the pricing (due 2026-11-29) @alice" and files == [file]
    subject, files = committed(alice, "task", "done", added)
    assert subject == f"task done {added} ({acme}): Send the pricing" and files == [file]
    olds = []
    for title in ("Old lead one", "Old lead two"):
        subject, files = committed(alice, "add", title, "--next", "Call")
        olds.append(files[0])
        assert subject == f"add {Path(files[0]).stem}: {title} (lead)" and files == [f"deals/{Path(files[0]).stem}.md"]
    assert committed(alice, "flush", "--stage", "lead", "--yes") == ("flush: 2 deals lost (stale)", sorted(olds))

    assert sorted(alice.status()) == [" M .gitignore", "A  mine.txt"]  # left as the user had them
    assert alice.out("ls-tree", "HEAD", "mine.txt") == ""

    before = alice.head()
    alice.pipe("set", acme, "value=9500", "--no-commit")
    assert alice.head() == before
    assert f" M {file}" in alice.status()


def test_commit_flag_when_autocommit_is_off(team):
    bob = team.bob
    config = bob.root / "pipelines.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("autocommit: true", "autocommit: false"),
                      encoding="utf-8")
    bob.git("commit", "-q", "-am", "autocommit off")
    before = bob.head()
    bob.pipe("log", team.acme, "note", "Not committed")
    assert bob.head() == before and bob.status() == [f" M deals/{team.acme}.md"]
    bob.git("checkout", "--", f"deals/{team.acme}.md")
    subject, files = committed(bob, "log", team.acme, "note", "Committed", "--commit")
    logged = bob.deal(team.acme)["activities"][-1]["id"]
    assert subject == f"log {logged} ({team.acme}): note of 2026-11-27 by bob: Committed"
    assert files == [f"deals/{team.acme}.md"]


def test_autocommit_outside_a_git_repository_is_one_clear_error(team, tmp_path):
    folder = tmp_path / "plain"
    (folder / "deals").mkdir(parents=True)
    shutil.copy(team.alice.root / "pipelines.yaml", folder / "pipelines.yaml")
    person = Clone(folder, "alice", team.home)
    person.env["GIT_CEILING_DIRECTORIES"] = str(tmp_path)
    done = person.pipe("add", "Gamma", "--next", "Call", ok=False)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pipe:") and "git repository" in lines[0], done.stderr
    # Refused before writing: running it again once git is there must not add the deal twice.
    assert list((folder / "deals").iterdir()) == []


# -- pipe sync refusals: one pipe: line, a non-zero exit, nothing pushed ------------------------------


def assert_refused(clone: Clone, team: Team, says: str) -> subprocess.CompletedProcess:
    refs = run(["git", "for-each-ref"], team.remote, clone.env).stdout
    done = clone.pipe("sync", ok=False)
    lines = pipe_lines(done.stderr)
    assert len(lines) == 1 and says in lines[0], done.stderr
    assert run(["git", "for-each-ref"], team.remote, clone.env).stdout == refs  # nothing pushed
    return done


def test_sync_refuses_uncommitted_deal_changes(team):
    bob = team.bob
    bob.pipe("log", team.acme, "call", "Committed call")  # a commit that would be pushed
    bob.pipe("set", team.acme, "value=9000", "--no-commit")
    assert_refused(bob, team, "uncommitted changes")


def test_sync_refuses_a_branch_without_upstream(team):
    bob = team.bob
    bob.git("switch", "-q", "-c", "feature")
    bob.pipe("log", team.acme, "call", "On a branch")
    assert_refused(bob, team, "no upstream")


def test_sync_refuses_to_push_when_check_fails_after_the_pull(team):
    alice, bob, acme = team.alice, team.bob, team.acme
    path = alice.path(acme)
    path.write_text(path.read_text(encoding="utf-8").replace("value: 8000", "value: lots"), encoding="utf-8")
    alice.git("commit", "-q", "-am", "a hand edit")
    alice.git("push", "-q")
    bob.pipe("log", team.acme, "call", "Bob's call")
    done = assert_refused(bob, team, "pipe check")
    assert f"deals/{acme}.md" in done.stderr  # the problem itself is shown
    assert team.remote_head() == alice.head()


def test_sync_in_an_unfinished_merge_says_what_to_finish(team):
    alice, bob = team.alice, team.bob
    alice.pipe("set", team.acme, "value=9000")
    alice.pipe("sync")
    bob.pipe("set", team.acme, "value=12000")
    bob.pipe("sync", ok=False)  # the conflict
    pushed = team.remote_head()
    again = bob.pipe("sync", ok=False)
    assert pipe_lines(again.stderr) == [f"pipe: conflicts in deals/{team.acme}.md: edit the marked lines "
                                        "('pipe check' shows where), then git add, git commit and 'pipe sync' again"]
    text = bob.path(team.acme).read_text(encoding="utf-8")
    bob.path(team.acme).write_text(re.sub(r"(?s)<{7} ours\n(value: 12000\n)={7}\n.*?>{7} theirs\n", r"\1", text),
                                   encoding="utf-8")
    bob.git("add", f"deals/{team.acme}.md")
    unfinished = bob.pipe("sync", ok=False)
    assert pipe_lines(unfinished.stderr) == ["pipe: a merge is in progress: finish it with 'git commit' "
                                             "(or undo it with 'git merge --abort'), then 'pipe sync' again"]
    assert team.remote_head() == pushed


def test_sync_stops_when_the_merge_driver_could_not_run(team):
    # git then leaves our side of the file, conflicted but without a marker: committing it would
    # drop the other side's change without a word.
    alice, bob = team.alice, team.bob
    alice.pipe("log", team.acme, "call", "Jonas: budget approved")
    alice.pipe("sync")
    bob.pipe("log", team.acme, "email", "Sent the SSO answers", "--direction", "out")
    bob.git("config", "merge.pipe.driver", "no-such-pipe merge-driver %O %A %B %P")
    pushed = team.remote_head()
    refused = bob.pipe("sync", ok=False)
    (line,) = pipe_lines(refused.stderr)
    assert line.startswith(f"pipe: the merge of deals/{team.acme}.md failed without marking anything "
                           "(could git run 'no-such-pipe merge-driver %O %A %B %P'?)"), line
    assert team.remote_head() == pushed


def test_sync_with_the_remote_out_of_reach_is_one_line(team):
    team.bob.git("remote", "set-url", "origin", "../no-such-remote.git")
    refused = team.bob.pipe("sync", ok=False)
    (line,) = pipe_lines(refused.stderr)
    assert line.startswith("pipe: git pull: ") and "no-such-remote" in line and "Traceback" not in refused.stderr


def test_a_deal_removed_on_one_side_and_changed_on_the_other_is_named_as_such(team):
    alice, bob, acme = team.alice, team.bob, team.acme
    alice.pipe("task", "add", acme, "Win-back call", "--due", "2d")
    alice.pipe("sync")
    bob.pipe("rm", acme, "--yes")
    pushed = team.remote_head()
    refused = bob.pipe("sync", ok=False)
    assert pipe_lines(refused.stderr) == [
        f"pipe: deals/{acme}.md: removed on one side and changed on the other: keep the deal (git add FILE) or "
        "remove it (git rm FILE), then git add, git commit and 'pipe sync' again (nothing was pushed)"]
    assert team.remote_head() == pushed
    bob.git("add", f"deals/{acme}.md")  # keep it, with alice's new task
    bob.git("commit", "-q", "--no-edit")
    bob.pipe("sync")
    assert "Win-back call" in [t["text"] for t in bob.deal(acme)["tasks"]]


def test_a_removed_deal_and_a_similar_new_one_are_never_taken_for_a_rename(team):
    # git's rename detection would move alice's changes into bob's new deal without a word.
    alice, bob, acme = team.alice, team.bob, team.acme
    alice.pipe("log", acme, "call", "Jonas: budget approved", "--notes", "Alice's notes")
    alice.pipe("sync")
    bob.pipe("rm", acme, "--yes")
    bob.pipe("add", "Acme rollout", "--value", "8000", "--close-date", "2027-01-15", "--next", "Call Jonas", "--due", "3d")
    new = next(i for i in bob.deals() if i != acme)
    refused = bob.pipe("sync", ok=False)
    assert "removed on one side and changed on the other" in refused.stderr
    assert "Alice's notes" not in bob.path(new).read_text(encoding="utf-8")
    assert "Alice's notes" in bob.path(acme).read_text(encoding="utf-8")


def test_sync_with_pull_rebase_says_how_to_finish_a_rebase(team):
    alice, bob = team.alice, team.bob
    bob.git("config", "pull.rebase", "true")
    alice.pipe("set", team.acme, "value=9000")
    alice.pipe("sync")
    bob.pipe("set", team.acme, "value=12000")
    refused = bob.pipe("sync", ok=False)
    assert pipe_lines(refused.stderr) == [f"pipe: conflicts in deals/{team.acme}.md: edit the marked lines ('pipe check' "
                                          "shows where), then git add, git rebase --continue and 'pipe sync' again "
                                          "(nothing was pushed)"]
    text = bob.path(team.acme).read_text(encoding="utf-8")
    bob.path(team.acme).write_text(re.sub(r"(?s)<{7} ours\n(value: 9000\n)={7}\n.*?>{7} theirs\n", r"\1", text),
                                   encoding="utf-8")
    bob.git("add", f"deals/{team.acme}.md")
    unfinished = bob.pipe("sync", ok=False)
    assert pipe_lines(unfinished.stderr) == ["pipe: a rebase is in progress: finish it with 'git rebase --continue' "
                                             "(or undo it with 'git rebase --abort'), then 'pipe sync' again"]
    bob.git("-c", "core.editor=true", "rebase", "--continue")
    assert "nothing to push" in bob.pipe("sync").stdout  # bob's change was dropped in favour of alice's value


def test_history_shows_the_commits_of_a_side_a_merge_dropped(team):
    alice, bob, acme = team.alice, team.bob, team.acme
    alice.pipe("set", acme, "value=9000")
    alice.pipe("sync")
    bob.pipe("set", acme, "value=12000")
    bob.pipe("sync", ok=False)
    bob.git("checkout", "--ours", f"deals/{acme}.md")  # bob keeps his file whole: alice's change is dropped
    bob.git("add", f"deals/{acme}.md")
    bob.git("commit", "-q", "--no-edit")
    shown = bob.pipe("history", acme).stdout
    assert "value: 8000 -> 9000" in shown and "value: 8000 -> 12000" in shown


def test_sync_without_a_remote_says_to_add_one(team):
    bob = team.bob
    bob.git("remote", "remove", "origin")
    refused = bob.pipe("sync", ok=False)
    assert pipe_lines(refused.stderr) == ["pipe: no remote to sync with: add one with 'git remote add origin URL', "
                                          "then 'git push -u origin main'"]


def test_sync_refuses_an_uncommitted_gitattributes(team):
    # Routing deals to the driver only in this clone would leave the others merging lines.
    bob = team.bob
    (bob.root / ".gitattributes").write_text((bob.root / ".gitattributes").read_text() + "*.csv text\n")
    assert_refused(bob, team, "uncommitted changes in .gitattributes")


# -- plain git in a set-up clone: pull settings, renames, the driver found at merge time --------------


@pytest.mark.parametrize("pull", [["pull"], ["pull", "--rebase"]], ids=["pull", "pull-rebase"])
def test_plain_git_pull_merges_diverged_changes_to_one_deal(team, pull):
    # `pipe git setup` sets what plain `git pull` needs to reconcile diverged branches (pull.rebase
    # false); a rebase replays bob's commit, and the driver merges it just as well.
    diverge(team)
    before = team.snapshot()
    done = team.bob.git(*pull)
    assert "CONFLICT" not in done.stdout + done.stderr
    team.bob.check_clean()
    assert team.bob.status() == []
    assert_nothing_lost(team.bob.deals(), *before)
    assert sorted(a["summary"] for a in team.bob.deal(team.acme)["activities"]) == [
        "Intro call with Jonas", "Jonas: budget approved", "Sent the SSO answers"]
    parents = team.bob.out("log", "-1", "--format=%p").split()
    assert len(parents) == (1 if "--rebase" in pull else 2)  # rebased onto alice's commit, or merged with it


@pytest.mark.parametrize("command", [["pull"], ["pull", "--rebase"], ["merge", "origin/main"],
                                     ["cherry-pick", "origin/main"]], ids=["pull", "pull-rebase", "merge", "cherry-pick"])
def test_plain_git_never_takes_a_removed_deal_and_a_similar_new_one_for_a_rename(team, command):
    # git's default strategy (ort) ignores merge.renames; pull.twohead makes each of these use one that does not.
    alice, bob, acme = team.alice, team.bob, team.acme
    alice.pipe("log", acme, "call", "Jonas: budget approved", "--notes", "Alice's notes")
    alice.pipe("sync")
    bob.pipe("rm", acme, "--yes")
    bob.pipe("add", "Acme rollout", "--value", "8000", "--close-date", "2027-01-15", "--next", "Call Jonas", "--due", "3d")
    bob.git("fetch", "-q")
    done = bob.git(*command, ok=False)
    assert f"CONFLICT (modify/delete): deals/{acme}.md" in done.stdout + done.stderr
    holding = [p.name for p in (bob.root / "deals").glob("*.md") if "Alice's notes" in p.read_text(encoding="utf-8")]
    assert holding == [f"{acme}.md"]  # left where alice wrote it, for bob to keep or remove


def stale_driver(clone: Clone) -> str:
    """What pipe registered before it found itself at merge time: its full path, here of a virtualenv since removed."""
    gone = str(clone.root.parent / "old-venv" / "bin" / "pipe")
    clone.git("config", "merge.pipe.driver", f"{gone} merge-driver %O %A %B %P")
    return gone


def test_sync_repairs_a_driver_registered_at_a_path_that_is_gone_and_its_advice_ends(team):
    alice, bob, acme = team.alice, team.bob, team.acme
    gone = stale_driver(bob)
    diverge(team)
    failed = bob.git("pull", ok=False)  # the stale driver cannot start: git leaves bob's side, unmarked
    assert f"deals/{acme}.md" in failed.stdout + failed.stderr
    refused = bob.pipe("sync", ok=False)
    assert refused.stdout.splitlines() == [f"repaired the merge driver in this clone's git config: it ran {gone}, "
                                           "which no longer exists; it now finds pipe on PATH when git merges"]
    (line,) = pipe_lines(refused.stderr)
    assert line.startswith(f"pipe: the merge of deals/{acme}.md failed without marking anything") and \
        "'git merge --abort' and 'pipe sync' again" in line
    bob.git("merge", "--abort")  # the advice, followed once, is enough
    before = team.snapshot()
    done = bob.pipe("sync")
    assert done.stdout == "pulled 1 commit, checked, pushed 2 commits\n"
    alice.pipe("sync")
    team.assert_settled(before)


def test_sync_keeps_a_driver_the_user_registered_by_hand(team):
    bob = team.bob
    mine = "/usr/local/bin/my-merge %O %A %B"  # not pipe's: left alone, even though it cannot run
    bob.git("config", "merge.pipe.driver", mine)
    bob.pipe("sync")
    assert bob.out("config", "merge.pipe.driver") == mine


def test_sync_updates_the_driver_an_earlier_pipe_registered_before_its_core_was_regrouped(team):
    """Its last fallback tested `import pipecli.core.merge`, a module that moved: it would never find pipe."""
    from pipecli.core.gitsync.setup import DRIVER_COMMAND, EARLIER_DRIVER_COMMAND

    bob = team.bob
    assert "import pipecli.core.merge" in EARLIER_DRIVER_COMMAND and EARLIER_DRIVER_COMMAND != DRIVER_COMMAND
    bob.git("config", "merge.pipe.driver", EARLIER_DRIVER_COMMAND)
    done = bob.pipe("sync")
    assert done.stdout.splitlines()[0] == "updated the merge driver in this clone's git config to this version of pipe's"
    assert bob.out("config", "merge.pipe.driver") == DRIVER_COMMAND


def only_on_path(tmp_path: Path, **programs: str) -> str:
    """A PATH holding only git and the named programs (name=target)."""
    folder = tmp_path / "bin"
    folder.mkdir(parents=True)
    for name, target in {"git": shutil.which("git"), **programs}.items():
        (folder / name).symlink_to(target)
    return str(folder)


def test_the_driver_finds_pipe_when_git_merges_and_says_so_when_it_cannot(team, tmp_path):
    bob, acme = team.bob, team.acme
    diverge(team)
    before = team.snapshot()
    bob.env.pop("PYTHONPATH")
    bob.env["PATH"] = only_on_path(tmp_path)  # no pipe, no python3: nothing to merge with
    failed = bob.git("pull", ok=False)
    assert f"pipe: cannot merge 'deals/{acme}.md': no pipe on PATH, nor a python3 with pipecli" in failed.stderr
    assert "(git checkout -m 'deals/" in failed.stderr
    bob.git("merge", "--abort")
    # A virtualenv moved or made again: what is on PATH at merge time is what runs.
    bob.env["PATH"] = only_on_path(tmp_path / "moved", pipe=str(Path(sys.executable).parent / "pipe"))
    bob.git("pull")
    assert_nothing_lost(bob.deals(), *before)
    bob.git("reset", "-q", "--hard", "HEAD^1")
    python = tmp_path / "python3"  # a python3 that has pipecli (this one: a symlink would leave its virtualenv)
    python.write_text(f"#!/bin/sh\nexec {sys.executable} \"$@\"\n")
    python.chmod(0o755)
    bob.env["PATH"] = only_on_path(tmp_path / "python", python3=str(python))  # python3 -m pipecli, then
    bob.git("pull")
    assert_nothing_lost(bob.deals(), *before)


# -- task ids and suggestions across clones (issue 14) ----------------------------------------------


def open_task_ids(clone: Clone, deal_id: str) -> dict[str, str]:
    """What `pipe tasks` lists for the deal: {id: text}."""
    rows = json.loads(clone.pipe("tasks", "--deal", deal_id, "--format", "json").stdout)
    return {row["task"]: row["text"] for row in rows}


def test_the_id_each_clone_printed_names_its_own_task_after_the_merge(team):
    # Both clones add a task to one deal: by position both were acme#2, and after the merge one was #3.
    alice, bob, acme = team.alice, team.bob, team.acme
    ours = alice.pipe("task", "add", acme, "Send the pricing").stdout.split()[0]
    theirs = bob.pipe("task", "add", acme, "Book the demo").stdout.split()[0]
    assert ours != theirs
    assert alice.out("log", "-1", "--format=%s") == f"task add {ours} ({acme}): Send the pricing @alice"
    assert bob.out("log", "-1", "--format=%s") == f"task add {theirs} ({acme}): Book the demo @alice"  # the owner's
    before = team.snapshot()
    team.sync_all()
    team.assert_settled(before)
    first = next(iter(open_task_ids(alice, acme)))  # Call Jonas, from the template

    # Someone types a task at the top of the list by hand, without an id, and pushes it.
    path = alice.path(acme)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\ntasks:\n", "\ntasks:\n- text: Typed by hand\n  status: open\n", 1), encoding="utf-8")
    alice.git("commit", "-q", "-am", "a task typed by hand")
    alice.pipe("sync")
    bob.pipe("sync")
    listed = open_task_ids(bob, acme)
    assert listed == open_task_ids(alice, acme)  # the hand-typed task's derived id is the same in both clones
    assert {listed[ours], listed[theirs], listed[first]} == {"Send the pricing", "Book the demo", "Call Jonas"}
    typed = next(ident for ident, text in listed.items() if text == "Typed by hand")

    # A position is refused in both clones, with the candidates and their ids.
    for clone in (alice, bob):
        refused = clone.pipe("task", "done", f"{acme}#2", ok=False)
        (line,) = pipe_lines(refused.stderr)
        assert "named by id, not by position" in line
        for ident, text in listed.items():
            assert f"{ident} {text}" in line

    # Each id finishes the task that clone added, whatever its place now; then both sync.
    assert alice.pipe("task", "done", ours).stdout == f"{ours} done: Send the pricing\n"
    assert bob.pipe("task", "done", theirs).stdout == f"{theirs} done: Book the demo\n"
    assert bob.pipe("task", "snooze", typed, "--until", "1w").stdout.startswith(f"{typed} snoozed until")
    assert alice.out("log", "-1", "--format=%s") == f"task done {ours} ({acme}): Send the pricing"
    before = team.snapshot()
    team.sync_all()
    team.assert_settled(before)
    tasks = {t["text"]: t for t in alice.deal(acme)["tasks"]}
    assert {text: (t["id"], t["status"]) for text, t in tasks.items()} == {
        "Typed by hand": (typed, "open"), "Call Jonas": (first, "open"),
        "Send the pricing": (ours, "done"), "Book the demo": (theirs, "done")}
    assert "snoozed_until" in tasks["Typed by hand"]


def test_a_dismissed_suggestion_is_dismissed_in_every_clone(team):
    alice, bob, acme = team.alice, team.bob, team.acme
    alice.pipe("log", acme, "email", "Asked about SSO", "--direction", "in")
    team.sync_all()
    key = f"{acme}:unanswered"

    def keys(clone: Clone) -> list[str]:
        return [row["suggestion"] for row in json.loads(clone.pipe("tasks", "--suggested", "--format", "json").stdout)]

    assert key in keys(bob)
    assert alice.pipe("task", "dismiss", key, "--for", "1w").stdout == f"{key} dismissed until 2026-12-04\n"
    assert alice.out("log", "-1", "--format=%s") == f"task dismiss {key} until 2026-12-04"
    before = team.snapshot()
    team.sync_all()
    team.assert_settled(before)
    assert key not in keys(bob)
    assert bob.deal(acme)["dismissed"] == [
        {"kind": "unanswered", "date": dt.date(2026, 11, 27), "until": dt.date(2026, 12, 4), "by": "alice"}]
    refused = bob.pipe("task", "accept", key, ok=False)
    assert f"no suggestion '{key}' now" in refused.stderr


# -- the same meeting or email captured in both clones ----------------------------------------------


def meeting_file(folder: Path, end: str) -> str:
    path = folder / f"demo-{end}.ics"
    path.write_text("BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:demo-1@acme.example\nSUMMARY:Demo\n"
                    f"DTSTART:20261202T100000Z\nDTEND:20261202T{end}00Z\n"
                    "ATTENDEE:mailto:jonas@acme.example\nEND:VEVENT\nEND:VCALENDAR\n", encoding="utf-8")
    return str(path)


def test_a_meeting_imported_in_both_clones_is_logged_once(team):
    # Each clone gave it a random id, and the merge kept both: the meeting twice on the timeline
    alice, bob, acme = team.alice, team.bob, team.acme
    alice.pipe("set", acme, "contacts=Jonas <jonas@acme.example>")
    team.sync_all()
    alice.pipe("import-calendar", meeting_file(team.root, "1100"))
    bob.pipe("import-calendar", meeting_file(team.root, "1100"))
    before = team.snapshot()
    team.sync_all()
    team.assert_settled(before)
    assert [(a["summary"], a["minutes"]) for a in alice.deal(acme)["activities"] if a.get("uid")] == [("Demo", 60)]


def test_a_meeting_imported_in_both_clones_with_two_lengths_is_a_conflict_keeping_both(team):
    alice, bob, acme = team.alice, team.bob, team.acme
    alice.pipe("set", acme, "contacts=Jonas <jonas@acme.example>")
    team.sync_all()
    alice.pipe("import-calendar", meeting_file(team.root, "1100"))
    bob.pipe("import-calendar", meeting_file(team.root, "1030"))  # the invitation was shortened since
    alice.pipe("sync")
    bob.pipe("sync", ok=False)
    text = bob.path(acme).read_text(encoding="utf-8")
    assert re.search(r"(?m)^<{7} .*\n  minutes: 30\n={7}\n  minutes: 60\n>{7} .*\n", text), text
    assert text.count("uid: demo-1@acme.example") == 1, text
