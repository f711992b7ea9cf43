"""Interactions have stable ids: `pipe log` prints one, `pipe amend` changes the entry in place."""

from __future__ import annotations

import pytest

from tests.conftest import failed, simple_deal

ACTIVITIES = """
- date: 2026-11-20
  kind: meeting
  by: alice
  summary: Demo for the CTO
- date: 2026-11-21
  kind: email
  direction: in
  by: alice
  summary: Thanks for the demo"""


def _workspace(make_workspace):
    return make_workspace({"acme": simple_deal("acme", activities=ACTIVITIES), "beta": simple_deal("beta")})


def _timeline_ids(run, workspace, deal="acme") -> dict[str, str]:
    """summary -> id, from `pipe timeline --format json`."""
    import json

    return {e["text"]: e["id"] for e in json.loads(run(workspace, "timeline", deal, "--format", "json").stdout)
            if e["kind"] in ("meeting", "email", "call", "note")}


def test_log_prints_the_new_interactions_id_and_stores_it(make_workspace, run):
    workspace = _workspace(make_workspace)
    result = run(workspace, "log", "acme", "call", "Budget approved")
    ident = result.stdout.split()[0]
    assert result.stdout == f"{ident} logged on acme: call of 2026-11-27 by alice: Budget approved\n"
    assert workspace.load("acme").activities[-1]["id"] == ident
    assert _timeline_ids(run, workspace)["Budget approved"] == ident


def test_adding_notes_after_a_meeting_changes_that_entry_and_adds_none(make_workspace, run):
    workspace = _workspace(make_workspace)
    meeting = _timeline_ids(run, workspace)["Demo for the CTO"]
    before = workspace.read_bytes("acme").decode()
    result = run(workspace, "amend", meeting[:4], "--add-notes", "CTO wants SSO")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"{meeting} amended on acme (notes): meeting of 2026-11-20 by alice")
    after = workspace.read_bytes("acme").decode()
    # Exactly two lines added: the notes, and the id the timeline showed, stored; none changed.
    import difflib
    diff = [line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:1] in "+-"]
    assert diff == [f"+   id: {meeting}", "+   notes: CTO wants SSO"]
    assert len(workspace.load("acme").activities) == 2
    run(workspace, "amend", meeting, "--add-notes", "and audit logs")
    assert workspace.load("acme").activities[0]["notes"] == "CTO wants SSO\n\nand audit logs"
    # The id is the same after the entry changed: the timeline shows it once, with its notes.
    assert _timeline_ids(run, workspace)["Demo for the CTO"] == meeting
    assert run(workspace, "timeline", "acme").stdout.count("Demo for the CTO") == 1


def test_a_mistyped_summary_is_fixed_in_place(make_workspace, run):
    workspace = _workspace(make_workspace)
    email = _timeline_ids(run, workspace)["Thanks for the demo"]
    run(workspace, "amend", f"ac#{email}", "--summary", "Thanks for the demo, pricing next", "--at", "2026-11-22 08:15")
    entry = workspace.load("acme").activities[1]
    assert (entry["id"], entry["summary"], str(entry["date"]), entry["time"]) == \
        (email, "Thanks for the demo, pricing next", "2026-11-22", "08:15")
    assert run(workspace, "check").exit_code == 0


def test_an_amended_interaction_suggests_no_meeting_write_up(make_workspace, run):
    workspace = _workspace(make_workspace)
    assert "acme:meeting-notes" in run(workspace, "tasks", "--suggested").stdout
    run(workspace, "amend", _timeline_ids(run, workspace)["Demo for the CTO"], "--notes", "Went well")
    assert "acme:meeting-notes" not in run(workspace, "tasks", "--suggested").stdout


@pytest.mark.parametrize("args, words", [
    (["zzzzzz", "--notes", "x"], ["no interaction 'zzzzzz'"]),
    (["acme#1", "--notes", "x"], ["named by id, not by position", "Demo for the CTO"]),
    (["acme#zz", "--notes", "x"], ["no interaction 'acme#zz' on acme"]),
    (["{first}"], ["nothing to change"]),
    (["{first}", "--summary", " "], ["needs a summary"]),
    (["{first}", "--notes", "a", "--add-notes", "b"], ["not both"]),
    (["{second}", "--at", "2026-12-01"], ["in the future"]),
    (["#1", "--notes", "x"], ["bad interaction '#1'"]),
])
def test_bad_amends_are_one_line_and_write_nothing(make_workspace, run, args, words):
    workspace = _workspace(make_workspace)
    ids = list(_timeline_ids(run, workspace).values())
    before = workspace.read_bytes("acme")
    args = [a.format(first=ids[0], second=ids[1]) for a in args]
    failed(run(workspace, "amend", *args), *words)
    assert workspace.read_bytes("acme") == before


def test_an_id_prefix_shared_by_two_interactions_is_refused_with_both(make_workspace, run):
    workspace = _workspace(make_workspace)
    ids = list(_timeline_ids(run, workspace).values())
    # Give both the same first letter by hand, as a teammate's file might.
    text = workspace.read_bytes("acme").decode()
    text = text.replace("- date: 2026-11-20", "- id: qa1111\n  date: 2026-11-20")
    text = text.replace("- date: 2026-11-21", "- id: qa2222\n  date: 2026-11-21")
    workspace.deal_path("acme").write_text(text, encoding="utf-8")
    failed(run(workspace, "amend", "qa", "--notes", "x"), "matches 2 interactions", "acme#qa1111", "acme#qa2222")
    assert ids  # the derived ids existed before the hand edit
    assert run(workspace, "amend", "qa2", "--notes", "x").exit_code == 0


def test_show_json_carries_the_ids_commands_take(make_workspace, run):
    import json

    workspace = _workspace(make_workspace)
    before = workspace.read_bytes("acme")
    shown = json.loads(run(workspace, "show", "acme", "--format", "json").stdout)
    assert [a["id"] for a in shown["activities"]] == list(_timeline_ids(run, workspace).values())
    assert [t["id"] for t in shown["tasks"]] == ["ta1234"]
    assert workspace.read_bytes("acme") == before  # showing wrote nothing
