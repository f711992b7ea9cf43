"""Ids across clones: any interleaving of task and interaction commands in three clones, with syncs
between them, leaves every id a command printed naming the same task or interaction everywhere.

A hypothesis state machine drives real pipe and real git (the team of tests/test_team_git.py plus
carol, a third clone of bob's). Each clone acts only on ids it has seen, as a person would; after
every step the clone that acted must still show each id it knows with the text it was printed with.
At the end everyone syncs, and each id ever printed names its entry, once, in every clone.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from tests.test_team_git import Clone, Team, template  # noqa: F401  (template: the module's fixture)

NAMES = ("alice", "bob", "carol")


def _entries(clone: Clone, deal: str) -> dict[str, tuple[str, str]]:
    """id -> (field, text) of the deal's tasks and interactions, as pipe shows them in this clone."""
    shown = {}
    for task in json.loads(clone.pipe("tasks", "--deal", deal, "--all", "--format", "json").stdout or "[]"):
        shown[task["task"]] = ("tasks", task["text"])
    for event in json.loads(clone.pipe("timeline", deal, "--format", "json").stdout):
        if event["kind"] in ("email", "call", "meeting", "note"):
            shown[event["id"]] = ("activities", event["text"])
    return shown


class IdsAcrossClones(RuleBasedStateMachine):
    source: tuple[Path, Path, str]  # the template team, set by the test
    workdir: Path

    def __init__(self) -> None:
        super().__init__()
        source, home, self.deal = self.source
        root = Path(self.workdir) / f"run{id(self)}"
        shutil.copytree(source, root, symlinks=True)
        self.team = Team(root, home, Clone(root / "alice", "alice", home), Clone(root / "bob", "bob", home), self.deal)
        carol = self.team.clone("carol", "remote.git")
        carol.git("remote", "set-url", "origin", "../remote.git")
        carol.pipe("git", "setup")
        self.clones = {"alice": self.team.alice, "bob": self.team.bob, "carol": carol}
        self.printed: dict[str, tuple[str, str]] = {}  # id -> (field, text) as the command printed it
        self.open_tasks: dict[str, set[str]] = {name: set() for name in NAMES}  # ids each clone may finish
        self.count = 0
        self.acted: str | None = None

    def teardown(self) -> None:
        shutil.rmtree(self.team.root, ignore_errors=True)

    def _text(self, what: str) -> str:
        self.count += 1
        return f"{what} {self.count}"

    @rule(who=st.sampled_from(NAMES))
    def task_add(self, who):
        text = self._text("Task")
        out = self.clones[who].pipe("task", "add", self.deal, text, "--due", "3d").stdout
        ident = out.split()[0]
        assert out.startswith(f"{ident} added to {self.deal}: {text}"), out
        self.printed[ident] = ("tasks", text)
        self.open_tasks[who].add(ident)
        self.acted = who

    @precondition(lambda self: any(self.open_tasks.values()))
    @rule(data=st.data())
    def task_done(self, data):
        who = data.draw(st.sampled_from([n for n in NAMES if self.open_tasks[n]]))
        ident = data.draw(st.sampled_from(sorted(self.open_tasks[who])))
        text = self._text("Next")
        out = self.clones[who].pipe("task", "done", ident, "--next", text).stdout.splitlines()
        # the id names the task it was printed for, whatever merged in since
        assert out[0] == f"{ident} done: {self.printed[ident][1]}", out
        following = out[1].split()[0]
        assert out[1].startswith(f"{following} added: {text}"), out
        self.printed[following] = ("tasks", text)
        self.open_tasks[who].discard(ident)
        self.open_tasks[who].add(following)
        self.acted = who

    @rule(who=st.sampled_from(NAMES), kind=st.sampled_from(["call", "email", "meeting", "note"]))
    def log(self, who, kind):
        text = self._text("Said")
        out = self.clones[who].pipe("log", self.deal, kind, text).stdout
        ident = out.split()[0]
        assert out.startswith(f"{ident} logged on {self.deal}: {kind} of 2026-11-27"), out
        self.printed[ident] = ("activities", text)
        self.acted = who

    @precondition(lambda self: any(f == "activities" for f, _ in self.printed.values()))
    @rule(data=st.data(), who=st.sampled_from(NAMES))
    def amend(self, data, who):
        known = _entries(self.clones[who], self.deal)
        mine = sorted(i for i, (f, _) in known.items() if f == "activities" and i in self.printed)
        if not mine:
            return
        ident = data.draw(st.sampled_from(mine))
        out = self.clones[who].pipe("amend", ident[:4], "--add-notes", self._text("Note"), ok=None)
        if out.returncode != 0:  # a four-letter prefix shared with another id: refused, never another entry
            assert "matches" in out.stderr, out.stderr
            out = self.clones[who].pipe("amend", ident, "--add-notes", self._text("Note"))
        assert out.stdout.startswith(f"{ident} amended on {self.deal} (notes): "), out.stdout
        assert out.stdout.rstrip().endswith(f": {self.printed[ident][1]}"), out.stdout
        self.acted = who

    @rule(who=st.sampled_from(NAMES))
    def sync(self, who):
        self.clones[who].pipe("sync")
        self.acted = who

    @invariant()
    def every_known_id_names_what_it_was_printed_for(self):
        if self.acted is None:
            return
        for ident, shown in _entries(self.clones[self.acted], self.deal).items():
            if ident in self.printed:
                assert shown == self.printed[ident], (ident, shown, self.printed[ident])

    def check_after_everyone_syncs(self) -> None:
        for name in NAMES + NAMES:
            self.clones[name].pipe("sync")
        views = {name: _entries(clone, self.deal) for name, clone in self.clones.items()}
        for name, view in views.items():
            for ident, shown in self.printed.items():
                assert view.get(ident) == shown, (name, ident, view.get(ident), shown)
            self.clones[name].check_clean()
        assert views["alice"] == views["bob"] == views["carol"]
        assert self.team.alice.deal_bytes() == self.team.bob.deal_bytes() == self.clones["carol"].deal_bytes()


def test_ids_printed_in_any_clone_name_the_same_entry_after_any_syncs(template, tmp_path):  # noqa: F811
    class Run(IdsAcrossClones):
        source = template
        workdir = tmp_path

        def teardown(self) -> None:
            try:
                self.check_after_everyone_syncs()
            finally:
                super().teardown()

    run_state_machine_as_test(Run, settings=settings(
        max_examples=4, stateful_step_count=10, deadline=None, derandomize=True,
        suppress_health_check=list(HealthCheck)))
