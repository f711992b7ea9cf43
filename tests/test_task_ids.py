"""Tasks named by their stable id (issue 14, point 1): positions refused, prefixes, and tasks written
without an id (old files, hand edits), which get a derived id that commands show and take, stored on
the deal's next write. The git side (two clones, a merge) is in test_team_git.py."""

import difflib
import json

import pytest

from tests.conftest import failed, simple_deal

# Tasks as a person types them: no ids, a comment, two identical ones, and one that has an id.
HAND_TASKS = """
- text: Call them   # typed by hand
  due: 2026-12-01
  status: open
- text: Send pricing
  status: open
- id: kept12
  text: Has one
  status: open
- text: Send pricing
  status: open"""


def agenda_ids(run, workspace, *args) -> list[tuple[str, str]]:
    rows = json.loads(run(workspace, "tasks", "--format", "json", *args).stdout)
    return [(row["task"], row["text"]) for row in rows]


def line_changes(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


@pytest.fixture
def hand(make_workspace):
    return make_workspace({"acme": simple_deal("acme", tasks=HAND_TASKS), "beta": simple_deal("beta")})


# -- positions -----------------------------------------------------------------------------------

def test_a_position_is_refused_with_the_deals_tasks_and_their_ids(make_workspace, run):
    tasks = "\n- {id: ka2222, text: First, status: open}\n- {id: kb3333, text: Second, status: done, done: 2026-11-20}"
    workspace = make_workspace({"acme-rollout": simple_deal("acme-rollout", tasks=tasks)})
    before = workspace.read_bytes("acme-rollout")
    for args in (["done", "acme#1"], ["cancel", "acme#1"], ["snooze", "acme#1", "--until", "2w"],
                 ["assign", "acme#1", "bob"], ["edit", "acme#1", "--text", "x"]):
        message = failed(run(workspace, "task", *args), "acme#1: tasks are named by id, not by position",
                         "acme-rollout: ka2222 First; kb3333 Second (done)")
        assert message.endswith("; acme-rollout: ka2222 First; kb3333 Second (done)")
    assert workspace.read_bytes("acme-rollout") == before


def test_a_hand_inserted_task_at_the_top_does_not_change_what_an_id_names(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")})
    added = run(workspace, "task", "add", "acme", "Send the contract").stdout.split()[0]
    path = workspace.deal_path("acme")
    path.write_text(path.read_text().replace("tasks:\n", "tasks:\n- text: Typed at the top\n  status: open\n"))
    assert run(workspace, "task", "done", added).stdout == f"{added} done: Send the contract\n"
    assert run(workspace, "task", "done", "ta1234").stdout == "ta1234 done: Call them\n"
    texts = {t["text"]: t.get("status") for t in workspace.load("acme").tasks}
    assert texts == {"Typed at the top": "open", "Call them": "done", "Send the contract": "done"}


# -- derived ids ---------------------------------------------------------------------------------

def test_tasks_without_an_id_are_shown_with_a_derived_one_the_same_everywhere(hand, run, make_workspace):
    listed = agenda_ids(run, hand, "--deal", "acme")
    assert [text for _, text in listed] == ["Call them", "Send pricing", "Has one", "Send pricing"]
    ids = [ident for ident, _ in listed]
    assert ids[2] == "kept12" and len(set(ids)) == 4  # identical tasks are told apart
    assert all(len(i) == 6 and i[0].isalpha() for i in ids)
    shown = run(hand, "show", "acme").stdout
    for ident, text in listed:
        assert f"\n  {ident} {text}" in shown
    # another clone with the same file derives the same ids; showing them wrote nothing
    other = make_workspace({"acme": simple_deal("acme", tasks=HAND_TASKS)}, name="other")
    assert agenda_ids(run, other, "--deal", "acme") == listed
    assert hand.read_bytes("acme").decode() == simple_deal("acme", tasks=HAND_TASKS)


def test_the_next_write_stores_each_derived_id_as_one_added_line(hand, run):
    derived = [ident for ident, _ in agenda_ids(run, hand, "--deal", "acme")]
    before = hand.read_bytes("acme").decode()
    assert run(hand, "set", "acme", "value=2500").exit_code == 0
    after = hand.read_bytes("acme").decode()
    assert sorted(line_changes(before, after)) == sorted(
        ["-value: 1000", "+value: 2500"] + [f"+  id: {derived[i]}" for i in (0, 1, 3)])
    assert "- text: Call them   # typed by hand\n" in after  # the entry's first line is left alone
    assert [t["id"] for t in hand.load("acme").tasks] == derived
    assert agenda_ids(run, hand, "--deal", "acme") == list(zip(derived, ["Call them", "Send pricing", "Has one",
                                                                         "Send pricing"]))
    assert run(hand, "check").exit_code == 0
    # and once stored, a write adds nothing more
    run(hand, "set", "acme", "value=3000")
    assert line_changes(after, hand.read_bytes("acme").decode()) == ["-value: 2500", "+value: 3000"]


def test_logging_an_interaction_stores_the_derived_ids_too(hand, run):
    derived = [ident for ident, _ in agenda_ids(run, hand, "--deal", "acme")]
    before = hand.read_bytes("acme").decode()
    run(hand, "log", "acme", "call", "Talked")
    added = [line for line in line_changes(before, hand.read_bytes("acme").decode()) if "  id: " in line
             and not line.startswith("+- ")]
    assert added == [f"+  id: {derived[i]}" for i in (0, 1, 3)]
    assert [t["id"] for t in hand.load("acme").tasks] == derived


def test_a_save_that_changes_nothing_changes_no_byte(hand, run):
    before = {d: hand.read_bytes(d) for d in ("acme", "beta")}
    for args in (["set", "acme", "value=1000"], ["tasks"], ["show", "acme"], ["timeline", "acme"], ["check"],
                 ["list"], ["tasks", "--suggested"]):
        assert run(hand, *args).exit_code == 0, args
        assert {d: hand.read_bytes(d) for d in ("acme", "beta")} == before, args
    # a change to another deal leaves this one alone
    run(hand, "set", "beta", "value=5")
    assert hand.read_bytes("acme") == before["acme"]


@pytest.mark.parametrize("verb", ["done", "snooze", "edit"])
def test_a_derived_id_names_its_task_and_stays_its_id_after_the_change(hand, run, verb):
    listed = agenda_ids(run, hand, "--deal", "acme")
    ident = listed[3][0]  # the second "Send pricing": the same text as another task
    args = {"done": ["--next", "Chase"], "snooze": ["--until", "2w"], "edit": ["--text", "Send the new pricing"]}[verb]
    result = run(hand, "task", verb, ident, *args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(ident)
    tasks = hand.load("acme").tasks
    assert [t.get("id") for t in tasks[:4]] == [i for i, _ in listed]
    changed = tasks[3]
    assert tasks[1] == {"text": "Send pricing", "status": "open", "id": listed[1][0]}
    assert {"done": changed.get("status") == "done", "snooze": "snoozed_until" in changed,
            "edit": changed["text"] == "Send the new pricing"}[verb]
    assert ident in [i for i, _ in agenda_ids(run, hand, "--deal", "acme", "--all")]


def test_a_derived_id_by_prefix_and_on_its_deal(hand, run):
    ident = agenda_ids(run, hand, "--deal", "acme")[0][0]
    assert run(hand, "task", "snooze", f"ac#{ident[:4]}", "--until", "3d").stdout.startswith(f"{ident} snoozed")
    assert run(hand, "task", "done", ident[:5]).stdout == f"{ident} done: Call them\n"


# -- every id a listing prints, a command takes ------------------------------------------------

def test_the_id_column_of_a_task_without_one_is_its_derived_id(hand, run):
    # a script reading csv or json gets the id the table shows and commands take, not an empty one
    rows = json.loads(run(hand, "tasks", "--format", "json", "--deal", "acme").stdout)
    assert [row["id"] for row in rows] == [row["task"] for row in rows]

def test_every_id_pipe_tasks_prints_is_taken_by_task_done(make_workspace, run):
    # Ids that pipe check accepts in a file, as in tests/data/small (4087c8) or written as a number.
    tasks = ("\n- {id: 4087c8, text: Starts with a digit, status: open}"
             "\n- {id: 296649, text: All digits, status: open}"
             "\n- {id: kq2abc, text: Plain, status: open}")
    workspace = make_workspace({"acme": simple_deal("acme", tasks=tasks)})
    assert run(workspace, "check").exit_code == 0
    for ident, text in agenda_ids(run, workspace):
        result = run(workspace, "task", "done", ident, "--next", "Again")
        assert result.exit_code == 0 and result.stdout.startswith(f"{ident} done: {text}\n"), (ident, result.stderr)


def test_a_prefix_that_may_name_a_task_in_a_bad_file_is_refused(make_workspace, run):
    bad = simple_deal("polder", tasks="\n- id: upcaaa\n  text: Theirs\n  status: open").replace("value: 1000", "value: 33k")
    workspace = make_workspace({"polder": bad, "quayside": simple_deal("quayside", tasks="\n- id: upcjas\n  text: Ours\n  status: open")})
    before = workspace.read_bytes("quayside")
    failed(run(workspace, "task", "done", "upc"), "may name a task in a file that does not parse", "deals/polder.md:6")
    assert workspace.read_bytes("quayside") == before
    assert run(workspace, "task", "done", "upcjas", "--next", "Again").exit_code == 0  # the whole id is no guess


def test_ids_match_in_any_case_and_check_warns_about_one_that_cannot_be_typed(make_workspace, run):
    tasks = "\n- id: Call-1\n  text: Hand id\n  status: open\n- id: Foo Bar\n  text: Spaced id\n  status: open"
    workspace = make_workspace({"acme": simple_deal("acme", tasks=tasks)})
    assert run(workspace, "task", "done", "CALL-1", "--next", "Again").stdout.startswith("Call-1 done: Hand id\n")
    result = run(workspace, "check")
    assert "task 2: id 'Foo Bar' cannot be typed in a command" in result.stdout
    assert "Call-1" not in result.stdout
