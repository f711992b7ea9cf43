"""Interactions: pipe log, what it writes, the timeline, and what counts as activity."""

import datetime as dt
import json

import pytest

from pipecli.core.errors import InvalidValue
from pipecli.core.model.dates import parse_datetime
from tests.conftest import failed, simple_deal

TODAY = dt.date(2026, 11, 27)


def test_log_appends_lines_and_rewrites_nothing_else(make_workspace, run, monkeypatch):
    monkeypatch.setenv("PIPE_USER", "bob")
    acts = "\n- date: 2026-11-02\n  kind: call\n  by: alice\n  summary: First call   # kept as typed"
    workspace = make_workspace({"acme": simple_deal("acme", activities=acts)})
    before = workspace.read_bytes("acme").decode()
    result = run(workspace, "log", "acme", "email", "Asked about SSO", "--direction", "in", "--at", "2026-11-26 09:40")
    after = workspace.read_bytes("acme").decode()
    logged = workspace.load("acme").activities[-1]["id"]
    assert result.stdout == f"{logged} logged on acme: email in of 2026-11-26 09:40 by bob: Asked about SSO\n"
    added = (f"- id: {logged}\n  date: 2026-11-26\n  time: 09:40\n  kind: email\n  direction: in\n  by: bob\n"
             "  summary: Asked about SSO\n")
    assert after == before.replace("kept as typed\n", "kept as typed\n" + added)
    assert workspace.load("acme").activities[-1]["time"] == "09:40"


def test_two_logs_from_two_people_touch_different_lines(make_workspace, run, monkeypatch):
    workspace = make_workspace({"acme": simple_deal("acme")})
    monkeypatch.setenv("PIPE_USER", "alice")
    run(workspace, "log", "acme", "call", "Alice called")
    monkeypatch.setenv("PIPE_USER", "bob")
    run(workspace, "log", "acme", "note", "Bob's note", "--notes", "line one\nline two")
    entries = workspace.load("acme").activities
    assert [(a["by"], a["kind"], a["summary"]) for a in entries] == [("alice", "call", "Alice called"),
                                                                     ("bob", "note", "Bob's note")]
    assert entries[1]["notes"] == "line one\nline two"


def test_log_defaults_to_today_and_you(make_workspace, run, monkeypatch):
    monkeypatch.setenv("PIPE_USER", "alice@example.com")
    workspace = make_workspace({"acme": simple_deal("acme")})
    run(workspace, "log", "acme", "call", "Quick call")
    logged = workspace.load("acme").activities
    assert logged == [{"id": logged[0]["id"], "date": TODAY, "kind": "call", "by": "alice", "summary": "Quick call"}]


def test_a_meeting_may_be_planned_ahead_but_nothing_else(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")})
    assert run(workspace, "log", "acme", "meeting", "Demo for the CTO", "--at", "2026-12-02 14:00").exit_code == 0
    failed(run(workspace, "log", "acme", "call", "Call", "--at", "2026-12-02"), "in the future", "only a meeting")
    assert run(workspace, "check").exit_code == 0


@pytest.mark.parametrize("args, words", [
    (["acme", "fax", "x"], []),  # click's choice: usage error
    (["acme", "call", ""], ["needs a summary"]),
    (["acme", "call", "a\nb"], ["one line"]),
    (["acme", "call", "x", "--at", "noon"], ["bad date 'noon'"]),
    (["acme", "call", "x", "--at", "2026-11-20 25:00"], ["bad time"]),
    (["acme", "call", "x", "--by", "carol"], ["unknown team member 'carol'"]),
    (["acme", "note", "x", "--direction", "in"], ["a note has no direction"]),
    (["nosuch", "call", "x"], ["no deal matches"]),
])
def test_log_refusals_change_nothing(make_workspace, run, args, words):
    workspace = make_workspace({"acme": simple_deal("acme")})
    before = workspace.read_bytes("acme")
    result = run(workspace, "log", *args)
    if words:
        failed(result, *words)
    else:
        assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert workspace.read_bytes("acme") == before


@pytest.mark.parametrize("text, expected", [
    ("2026-11-20", (dt.date(2026, 11, 20), None)),
    ("2026-11-20 14:30", (dt.date(2026, 11, 20), "14:30")),
    ("2026-11-20T9:05", (dt.date(2026, 11, 20), "09:05")),
    ("14:30", (TODAY, "14:30")),
    ("yesterday", (dt.date(2026, 11, 26), None)),
    ("2d", (dt.date(2026, 11, 25), None)),
])
def test_at_accepts_dates_times_and_durations_ago(text, expected):
    assert parse_datetime(text, relative_to=TODAY) == expected


@pytest.mark.parametrize("text", ["24:00", "2026-11-20 12:60", "soon", "2026-02-30 10:00", ""])
def test_at_refuses_the_rest(text):
    with pytest.raises(InvalidValue):
        parse_datetime(text, relative_to=TODAY)


def test_timeline_merges_moves_tasks_and_interactions_in_date_order(make_workspace, run):
    front = dict(
        history="\n- {stage: lead, date: 2026-11-01, by: alice}\n- {stage: qualified, date: 2026-11-10, by: bob}",
        tasks="\n- {id: ta1, text: Call, status: done, done: 2026-11-05, assignee: alice}"
              "\n- {id: ta2, text: Dropped, status: cancelled, done: 2026-11-12}\n- {id: ta3, text: Open, status: open}",
        activities="\n- {date: 2026-11-10, time: '16:00', kind: email, direction: out, by: bob, summary: Sent deck}"
                   "\n- {date: 2026-11-10, time: '09:00', kind: call, by: bob, summary: Morning call}"
                   "\n- {date: 2026-11-03, kind: meeting, summary: Intro, notes: \"Met Jonas.\\nGood fit.\"}",
    )
    workspace = make_workspace({"acme": simple_deal("acme", stage="qualified", **front)})
    records = json.loads(run(workspace, "timeline", "acme", "--format", "json").stdout)
    assert [r["kind"] for r in records] == ["created", "meeting", "done", "moved", "call", "email", "cancelled"]
    assert records[1]["notes"] == "Met Jonas.\nGood fit."
    ids = [r["id"] for r in records]
    # tasks by their stored ids; interactions (none stored here) by their derived ones; moves have none
    assert (ids[0], ids[2], ids[3], ids[6]) == (None, "ta1", None, "ta2")
    assert all(len(ids[i]) == 6 for i in (1, 4, 5)) and len({ids[1], ids[4], ids[5]}) == 3
    assert run(workspace, "timeline", "acme").stdout == (
        "2026-11-01        created     in lead  (alice)\n"
        f"2026-11-03        meeting     Intro  {ids[1]}\n"
        "                              Met Jonas.\n"
        "                              Good fit.\n"
        "2026-11-05        done        Call  (alice)  ta1\n"
        "2026-11-10        moved       to qualified  (bob)\n"
        f"2026-11-10 09:00  call        Morning call  (bob)  {ids[4]}\n"
        f"2026-11-10 16:00  email out   Sent deck  (bob)  {ids[5]}\n"
        "2026-11-12        cancelled   Dropped  ta2\n"
    )


def test_timeline_prints_control_characters_as_spaces(make_workspace, run):
    acts = '\n- {date: 2026-11-03, kind: call, summary: "evil \\e[2J text"}'
    workspace = make_workspace({"acme": simple_deal("acme", activities=acts)})
    assert "evil  [2J text" in run(workspace, "timeline", "acme").stdout


def test_any_interaction_move_or_done_task_is_activity_but_not_a_cancelled_task_or_a_planned_meeting(make_workspace, run):
    quiet = dict(created="2026-10-01", history="\n- {stage: lead, date: 2026-10-01}")
    deals = {
        "logged": simple_deal("logged", **quiet),
        "moved": simple_deal("moved", **quiet),
        "done": simple_deal("done", **quiet),
        "cancelled": simple_deal("cancelled", **quiet),
        "planned": simple_deal("planned", **quiet),
    }
    workspace = make_workspace(deals)
    run(workspace, "log", "logged", "call", "Called", "--at", "2026-11-25")
    run(workspace, "move", "moved", "qualified")
    assert run(workspace, "task", "done", "done#ta1234", "--next", "Again").exit_code == 0
    assert run(workspace, "task", "cancel", "cancelled#ta1234", "--next", "Again").exit_code == 0
    run(workspace, "log", "planned", "meeting", "Demo", "--at", "2026-12-03")
    listed = run(workspace, "list", "--inactive", "10d", "--format", "json").stdout
    assert sorted(d["id"] for d in json.loads(listed)) == ["cancelled", "planned"]


def summary(line: str) -> str:
    """The summary of a timeline line of these tests (one word, before the interaction's id)."""
    return next(word for word in line.split() if word in ("Nine", "Ten", "Untimed"))


def test_a_hand_typed_time_without_a_leading_zero_loads_and_sorts(make_workspace, run):
    acts = ("\n- {date: 2026-11-10, time: '10:00', kind: call, summary: Ten}"
            "\n- {date: 2026-11-10, time: '9:05', kind: call, summary: Nine}")
    workspace = make_workspace({"acme": simple_deal("acme", activities=acts)})
    lines = run(workspace, "timeline", "acme").stdout.splitlines()
    assert [summary(line) for line in lines[1:]] == ["Nine", "Ten"]
    assert run(workspace, "check").exit_code == 0


def test_a_time_that_is_no_time_is_a_check_error(make_workspace, run):
    acts = "\n- {date: 2026-11-10, time: 'noon', kind: call, summary: x}"
    workspace = make_workspace({"acme": simple_deal("acme", activities=acts)})
    result = run(workspace, "check")
    assert result.exit_code == 1 and "time must be HH:MM" in result.stdout


def test_untimed_entries_keep_their_place_after_the_timed_entry_above_them(make_workspace, run):
    acts = ("\n- {date: 2026-11-10, time: '10:00', kind: call, summary: Ten}"
            "\n- {date: 2026-11-10, kind: note, summary: Untimed}"
            "\n- {date: 2026-11-10, time: '09:00', kind: call, summary: Nine}")
    workspace = make_workspace({"acme": simple_deal("acme", activities=acts)})
    lines = run(workspace, "timeline", "acme").stdout.splitlines()
    assert [summary(line) for line in lines[1:]] == ["Nine", "Ten", "Untimed"]


def test_search_finds_words_in_meeting_notes(make_workspace, run):
    acts = "\n- {date: 2026-11-10, kind: meeting, summary: Demo, notes: They want SSO}"
    workspace = make_workspace({"acme": simple_deal("acme", activities=acts), "beta": simple_deal("beta")})
    assert [d["id"] for d in json.loads(run(workspace, "list", "--search", "sso", "--format", "json").stdout)] == ["acme"]


def test_check_warns_about_an_interaction_before_the_deal_was_created(make_workspace, run):
    # Written by hand: pipe log refuses it (tests/test_closes.py).
    workspace = make_workspace({"acme": simple_deal("acme", activities="\n- {date: 2020-01-01, kind: call, summary: Long ago}")})
    result = run(workspace, "check")
    assert result.exit_code == 0 and "warning: activity 1 (2020-01-01) is before created 2026-11-01" in result.stdout


def test_log_by_someone_does_not_need_to_know_who_you_are(make_workspace, run, monkeypatch):
    monkeypatch.setenv("PIPE_USER", "nobody")
    workspace = make_workspace({"acme": simple_deal("acme")})
    assert run(workspace, "log", "acme", "call", "Bob called", "--by", "bob").exit_code == 0
