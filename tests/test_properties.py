"""Property-based tests: any deal pipe can write reads back as written, and a run of commands
(add, move, set, task add/done, log, flush) leaves files that match a simple in-memory model."""

from __future__ import annotations

import datetime as dt
import difflib
import shutil
import tempfile
import textwrap
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings, strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, invariant, precondition, rule,
                                 run_state_machine_as_test)

from pipecli.cli.main import cli
from pipecli.core.errors import ParseError
from pipecli.core.fileformat import dealfile, yamlio
from pipecli.core.model import validate
from pipecli.core.model.deal import BANT_KEYS, TASK_STATUSES
from pipecli.core.model.schema import FIELD_ORDER

from .conftest import CONFIG

# -- generated deals ----------------------------------------------------------------------------

TRICKY = [
    "NO", "no", "yes", "on", "01234", "0800", "12:30", "1:20:30", "2026-01-05", "2026-02-30", "1e3", "0x1F", ".5",
    "+1", "~", "null", "true", "a: b", "a:b", "#hash", "x # not a comment", "'single'", '"double"', "it's", " lead",
    "trail ", "  both  ", "- item", "[x]", "{y: 1}", "&a", "*a", "!tag", "% x", "@at", "`tick`", "|", ">", "?",
    "Zürich", "💥 launch", "…", "\t tab", "a\nb", "line\n", "\nlead", "a  \nb", "\u2028", "a\x85b", "\x00", "\x1b[31m",
    "\ufeff", "\u202e", "", " ", "---", "...", "<<<<<<<", "=======",
]
any_text = st.one_of(
    st.sampled_from(TRICKY),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=25),
    st.lists(st.sampled_from(TRICKY), min_size=2, max_size=4).map("".join),
)
one_line = any_text.map(lambda text: text.replace("\n", " ").replace("\r", " ")).filter(lambda t: t.strip())
free_text = st.one_of(any_text, st.integers(0, 10**9))  # free text may be a plain number (validate._free_text)
dates = st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31))
amounts = st.one_of(
    st.integers(0, 10**9),
    st.decimals(0, 10**9, places=2, allow_nan=False, allow_infinity=False).map(float),
)
slugs = st.from_regex(r"[a-z0-9][a-z0-9-]{0,30}", fullmatch=True)
times = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))


def _mapping(required: dict, optional: dict) -> st.SearchStrategy:
    return st.fixed_dictionaries(required, optional=optional)


contacts = _mapping({"name": free_text}, {"email": st.emails(), "role": free_text, "phone": free_text})
history = _mapping({"stage": one_line, "date": dates}, {"by": slugs, "flushed": st.booleans(),
                                                         "forced": st.lists(any_text, max_size=2)})
tasks = _mapping({"id": slugs, "text": free_text.filter(lambda t: t != "")}, {
    "due": dates, "assignee": slugs, "status": st.sampled_from(TASK_STATUSES), "snoozed_until": dates,
    "created": dates, "done": dates, "suggested": any_text})
activities = _mapping({"date": dates, "kind": st.sampled_from(validate.ACTIVITY_KINDS)}, {
    "time": times, "direction": st.sampled_from(validate.DIRECTIONS), "by": slugs,
    "summary": free_text, "notes": free_text, "message_id": any_text})
unknown = st.recursive(st.one_of(any_text, st.integers(), st.booleans(), st.none(), dates, amounts),
                       lambda inner: st.one_of(st.lists(inner, max_size=3),
                                               st.dictionaries(one_line, inner, max_size=3)), max_leaves=6)

OPTIONAL_FIELDS = {
    "value": amounts, "currency": st.sampled_from(["EUR", "USD"]), "probability": st.integers(0, 100),
    "owner": slugs, "account": free_text, "contacts": st.lists(contacts, max_size=3), "source": one_line,
    "tags": st.lists(one_line, max_size=3), "created": dates, "expected_close": dates, "closed": dates,
    "lost_reason": one_line, "bant": st.dictionaries(st.sampled_from(BANT_KEYS), any_text, max_size=4),
    "history": st.lists(history, max_size=4), "tasks": st.lists(tasks, max_size=4),
    "activities": st.lists(activities, max_size=4),
}


@st.composite
def deals(draw, with_tasks: bool = False) -> dict:
    """Deal data that validate.load_problems accepts, its keys in pipe's order, maybe an unknown key last."""
    data = {"id": draw(slugs), "title": draw(one_line), "pipeline": "sales", "stage": draw(st.sampled_from(
        ["lead", "qualified", "won", "lost", "fridge"]))}
    data.update(draw(st.fixed_dictionaries({}, optional=OPTIONAL_FIELDS)))
    if with_tasks:
        data["tasks"] = draw(st.lists(tasks, min_size=1, max_size=4))
    data = {key: data[key] for key in FIELD_ORDER if key in data}
    if draw(st.booleans()):
        data[draw(st.sampled_from(["custom", "x_notes", "Priority"]))] = draw(unknown)
    return data


bodies = any_text.map(lambda text: text.replace("\r", "")).filter(
    lambda text: dealfile.find_conflict_marker(text) is None)


def changed_lines(before: str, after: str) -> tuple[set[int], set[int]]:
    """The 0-based numbers of the lines of before that a change replaced or removed, and of after it added."""
    matcher = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(), autojunk=False)
    old, new = set(), set()
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            old.update(range(i1, i2))
            new.update(range(j1, j2))
    return old, new


def key_lines(text: str, key: str) -> range:
    """The 0-based lines of a top-level key's block in a file pipe wrote (its key line to the next key's)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{key}:") and i > 0)
    end = next(i for i in range(start + 1, len(lines))
               if lines[i] == "---" or (lines[i][:1] not in (" ", "-", "") and not lines[i].startswith("- ")))
    return range(start, end)


PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(deals(), bodies)
def test_any_deal_pipe_can_write_reads_back_the_same(data, body):
    assert validate.load_problems(data, data["id"]) == []
    text = dealfile.render(data, body)
    document = dealfile.parse(text, f"deals/{data['id']}.md")
    assert dealfile.same(document.data, data)
    assert document.body == body
    # What was read, written again from scratch or as an unchanged save, is the same bytes.
    assert dealfile.render(document.data, document.body) == text
    assert dealfile.render(dict(document.data), document.body, document) == text


@PROPERTY_SETTINGS
@given(deals(), bodies, st.sampled_from(["title", "stage", "value", "owner", "account", "probability",
                                         "expected_close", "bant", "tags"]), st.data())
def test_changing_one_field_changes_only_its_lines(data, body, key, draw):
    text = dealfile.render(data, body)
    document = dealfile.parse(text, "x")
    new_value = draw.draw({"title": one_line, "stage": st.sampled_from(["proposal", "lost"]), "bant":
                           OPTIONAL_FIELDS["bant"], "tags": OPTIONAL_FIELDS["tags"]}.get(key, OPTIONAL_FIELDS.get(key)))
    assume(key not in data or not dealfile.same(data[key], new_value))
    changed = dealfile.insert_key(document.data, key, new_value, FIELD_ORDER)
    after = dealfile.render(changed, document.body, document)
    reread = dealfile.parse(after, "x")
    assert dealfile.same(reread.data, changed)
    assert reread.body == body
    old, new = changed_lines(text, after)
    if key in data:
        assert old <= set(key_lines(text, key))
    assert new <= set(key_lines(after, key))
    if isinstance(new_value, (str, int, float)) and key in data and not isinstance(data[key], (list, dict)):
        # a scalar replaced by a scalar: exactly its own block, as pipe writes it
        assert after == text.replace("\n" + yamlio.dump({key: data[key]}), "\n" + yamlio.dump({key: new_value}), 1)


@PROPERTY_SETTINGS
@given(deals(with_tasks=True), bodies, st.data())
def test_finishing_a_task_changes_only_that_tasks_lines(data, body, draw):
    text = dealfile.render(data, body)
    document = dealfile.parse(text, "x")
    index = draw.draw(st.integers(0, len(data["tasks"]) - 1))
    task = dict(document.data["tasks"][index])
    task["status"] = "cancelled" if task.get("status") == "done" else "done"
    task["done"] = dt.date(2026, 11, 27) if task.get("done") != dt.date(2026, 11, 27) else dt.date(2026, 11, 28)
    new_tasks = list(document.data["tasks"])
    new_tasks[index] = task
    after = dealfile.render({**document.data, "tasks": new_tasks}, body, document)
    assert dealfile.same(dealfile.parse(after, "x").data["tasks"], new_tasks)
    old, new = changed_lines(text, after)
    assert old or new
    assert old <= item_lines(text, index)
    assert new <= item_lines(after, index)


def item_lines(text: str, index: int) -> set[int]:
    """The 0-based lines of task number index (0-based) in a file pipe wrote."""
    block = key_lines(text, "tasks")
    starts = [i for i in block if text.splitlines()[i].startswith("- ")] + [block.stop]
    return set(range(starts[index], starts[index + 1]))


@PROPERTY_SETTINGS
@given(deals(), bodies, st.lists(activities, min_size=1, max_size=3))
def test_logging_only_adds_lines(data, body, logged):
    text = dealfile.render(data, body)
    document = dealfile.parse(text, "x")
    changed = dealfile.insert_key(document.data, "activities", document.data.get("activities", []) + logged,
                                  FIELD_ORDER)
    after = dealfile.render(changed, body, document)
    assert dealfile.same(dealfile.parse(after, "x").data, changed)
    old, new = changed_lines(text, after)
    if data.get("activities"):
        assert old == set()  # appended lines only, and they are the new entries
        # (by line numbers: the new entries' text may also start an old entry's, as `- date: 2000-01-01`)
        lines = after.splitlines(keepends=True)
        assert "".join(lines[i] for i in sorted(new)) == yamlio.dump(logged)


# -- a state machine of commands against a model ------------------------------------------------

cli_text = st.one_of(
    st.sampled_from([t for t in TRICKY if t.strip() and t.isprintable()]),
    st.text(st.characters(exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")), min_size=1, max_size=20),
).filter(lambda t: t.strip() != "")
STAGES = ("lead", "qualified", "proposal", "won", "lost", "fridge")
OPEN_STAGES = ("lead", "qualified", "proposal")


class Commands(RuleBasedStateMachine):
    """pipe commands on a fresh workspace, each followed by a check of every deal file against the model."""

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="pipe-state-"))
        (self.root / "deals").mkdir()
        (self.root / "pipelines.yaml").write_text(textwrap.dedent(CONFIG), encoding="utf-8")
        self.runner = CliRunner()
        # id -> stage, value, tasks [[text, status, id]], activities [[kind, summary]]
        self.model: dict[str, dict] = {}

    def teardown(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def pipe(self, *args: str, ok: bool = True):
        result = self.runner.invoke(cli, ["-C", str(self.root), *args], catch_exceptions=False,
                                    env={"PIPE_USER": "alice"})
        assert (result.exit_code == 0) == ok, (args, result.output)
        assert "Traceback" not in result.output
        return result

    @initialize(title=cli_text, value=st.one_of(st.none(), amounts), next_step=st.one_of(st.none(), cli_text))
    def first_deal(self, title, value, next_step):
        self.add(title, value, next_step)

    @rule(title=cli_text, value=st.one_of(st.none(), amounts), next_step=st.one_of(st.none(), cli_text))
    def add(self, title, value, next_step):
        args = ["add"] + ([f"--value={value}"] if value is not None else []) + \
            ([f"--next={next_step}"] if next_step is not None else []) + ["--", title]
        deal_id = self.pipe(*args).stdout.strip()
        tasks = []
        if next_step is not None:  # `add` prints the deal's id only: the new task's is in the file
            text = (self.root / "deals" / f"{deal_id}.md").read_text(encoding="utf-8")
            tasks = [[next_step.strip(), "open", dealfile.parse(text, deal_id).data["tasks"][0]["id"]]]
        self.model[deal_id] = {"stage": "lead", "value": value, "tasks": tasks, "activities": []}

    def _deal(self, data) -> str:
        # In the order they were added, not by id: ids end in random characters, so sorted they
        # would come in another order when hypothesis replays the same steps (FlakyStrategyDefinition).
        return data.draw(st.sampled_from(list(self.model)))

    @precondition(lambda self: self.model)
    @rule(data=st.data(), stage=st.sampled_from(STAGES))
    def move(self, data, stage):
        deal_id = self._deal(data)
        deal = self.model[deal_id]
        if deal["stage"] == stage:
            self.pipe("move", deal_id, stage, ok=False)
            return
        self.pipe("move", deal_id, stage, *(["--reason", "price"] if stage == "lost" else []))
        deal["stage"] = stage
        if stage in ("won", "lost"):
            for task in deal["tasks"]:
                if task[1] == "open":
                    task[1] = "cancelled"

    @precondition(lambda self: self.model)
    @rule(data=st.data(), value=amounts)
    def set_value(self, data, value):
        deal_id = self._deal(data)
        self.pipe("set", deal_id, f"value={value}")
        self.model[deal_id]["value"] = value

    @precondition(lambda self: self.model)
    @rule(data=st.data(), text=cli_text)
    def task_add(self, data, text):
        deal_id = self._deal(data)
        printed = self.pipe("task", "add", "--", deal_id, text).stdout
        task_id = printed.split()[0]
        assert printed.startswith(f"{task_id} added to {deal_id}: "), printed
        self.model[deal_id]["tasks"].append([text.strip(), "open", task_id])

    @precondition(lambda self: any(t[1] == "open" for d in self.model.values() for t in d["tasks"]))
    @rule(data=st.data())
    def task_done(self, data):
        deal_id = data.draw(st.sampled_from([i for i, d in self.model.items()
                                             if any(t[1] == "open" for t in d["tasks"])]))
        tasks = self.model[deal_id]["tasks"]
        task = data.draw(st.sampled_from([t for t in tasks if t[1] == "open"]))
        named = data.draw(st.sampled_from([task[2], f"{deal_id}#{task[2]}"]))  # the id, alone or on its deal
        assert self.pipe("task", "done", named).stdout.startswith(f"{task[2]} done: ")
        task[1] = "done"

    @precondition(lambda self: self.model)
    @rule(data=st.data(), kind=st.sampled_from(["email", "call", "meeting", "note"]), summary=cli_text)
    def log(self, data, kind, summary):
        deal_id = self._deal(data)
        self.pipe("log", "--", deal_id, kind, summary)
        self.model[deal_id]["activities"].append([kind, summary.strip()])

    @rule(stage=st.sampled_from(OPEN_STAGES), park=st.booleans())
    def flush(self, stage, park):
        self.pipe("flush", "--stage", stage, "--yes", *(["--park"] if park else ["--reason", "stale"]))
        for deal in self.model.values():
            if deal["stage"] == stage:
                deal["stage"] = "fridge" if park else "lost"
                if not park:
                    for task in deal["tasks"]:
                        if task[1] == "open":
                            task[1] = "cancelled"

    @invariant()
    def files_match_the_model(self) -> None:
        files = sorted(path.stem for path in (self.root / "deals").glob("*.md"))
        assert files == sorted(self.model)
        for deal_id, deal in self.model.items():
            text = (self.root / "deals" / f"{deal_id}.md").read_text(encoding="utf-8")
            try:
                data = dealfile.parse(text, deal_id).data
            except ParseError as error:  # pragma: no cover - what the test is for
                raise AssertionError(f"{error}\n{text}") from None
            assert validate.load_problems(data, deal_id) == []
            assert data["stage"] == deal["stage"]
            assert data.get("value") == deal["value"]
            assert [[t["text"], t.get("status", "open"), t["id"]] for t in data.get("tasks", [])] == deal["tasks"]
            assert [[a["kind"], a["summary"]] for a in data.get("activities", [])] == deal["activities"]


def test_commands_keep_every_deal_file_in_step_with_the_model():
    run_state_machine_as_test(Commands, settings=settings(
        max_examples=60, stateful_step_count=20, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
