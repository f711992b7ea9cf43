"""The field-level three-way merge of one deal file (core/gitsync/merge.py) and `pipe merge-driver`."""

from __future__ import annotations

import itertools
import re

import pytest
from click.testing import CliRunner

from pipecli.cli.main import cli
from pipecli.core.errors import ParseError
from pipecli.core.fileformat import dealfile
from pipecli.core.gitsync.merge import merge_deal
from pipecli.core.gitsync.repo import merge_lines
from pipecli.core.model.dates import today
from pipecli.core.model.entryids import entry_ids
from pipecli.core.store.check import check_workspace
from tests.conftest import simple_deal

BASE = """\
---
id: acme
title: Acme
pipeline: sales
stage: lead
value: 8000   # list price
currency: EUR
owner: alice
tags:
- eu
- saas
created: 2026-11-01
bant:
  need: logs everywhere
history:
- stage: lead
  date: 2026-11-01
  by: alice
tasks:
- id: ta0001
  text: Call Jonas
  due: 2026-11-10
  assignee: alice
  status: open
  created: 2026-11-01
activities:
- date: 2026-11-01
  kind: call
  by: alice
  summary: Intro call
---
Jonas runs ops.

Budget: Q1.
"""


def merge(ours: str, theirs: str, base: str = BASE):
    return merge_deal(base, ours, theirs, "deals/acme.md", merge_lines)


def data(text: str) -> dict:
    return dealfile.parse(text, "deals/acme.md").data


def edit(text: str, *pairs: tuple[str, str]) -> str:
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


MOVE = ("stage: lead\nvalue", "stage: qualified\nvalue"), (
    "  by: alice\ntasks:", "  by: alice\n- stage: qualified\n  date: 2026-11-05\n  by: alice\ntasks:")
NEW_TASK = ("  created: 2026-11-01\nactivities:",
            "  created: 2026-11-01\n- id: tb0002\n  text: Send deck\n  status: open\n  created: 2026-11-04\nactivities:")


def test_changes_to_different_fields_merge_cleanly_and_keep_every_untouched_byte():
    ours = edit(BASE, *MOVE)
    theirs = edit(BASE, ("owner: alice", "owner: bob"), NEW_TASK)
    result = merge(ours, theirs)
    assert result.clean and result.fallback is None
    merged = data(result.text)
    assert (merged["stage"], merged["owner"]) == ("qualified", "bob")
    assert [h["stage"] for h in merged["history"]] == ["lead", "qualified"]
    assert [t["id"] for t in merged["tasks"]] == ["ta0001", "tb0002"]
    assert "value: 8000   # list price\n" in result.text  # a comment on an untouched line survives
    # The merge is what applying both sides' line changes gives: nothing else moved.
    both = edit(BASE, *MOVE, ("owner: alice", "owner: bob"), NEW_TASK)
    assert result.text == both


def test_entries_added_on_both_sides_are_a_union_in_date_order_without_duplicates():
    call = "- date: 2026-11-06\n  kind: call\n  by: alice\n  summary: Pricing call\n"
    mail = "- date: 2026-11-03\n  kind: email\n  direction: in\n  by: bob\n  summary: Asked about SSO\n"
    both_logged = "- date: 2026-11-04\n  kind: note\n  by: bob\n  summary: Same note\n"
    ours = BASE.replace("  summary: Intro call\n", "  summary: Intro call\n" + both_logged + call)
    theirs = BASE.replace("  summary: Intro call\n", "  summary: Intro call\n" + mail + both_logged)
    result = merge(ours, theirs)
    assert result.clean
    activities = data(result.text)["activities"]
    assert [a["summary"] for a in activities] == ["Intro call", "Asked about SSO", "Same note", "Pricing call"]


def test_a_task_done_on_one_side_and_edited_on_the_other_keeps_both_changes():
    ours = edit(BASE, ("  status: open\n  created: 2026-11-01\n", "  status: done\n  created: 2026-11-01\n  done: 2026-11-06\n"))
    theirs = edit(BASE, ("text: Call Jonas", "text: Call Jonas and the CTO"), ("due: 2026-11-10", "due: 2026-11-12"))
    result = merge(ours, theirs)
    assert result.clean
    (task,) = data(result.text)["tasks"]
    assert task == {"id": "ta0001", "text": "Call Jonas and the CTO", "due": task["due"], "assignee": "alice",
                    "status": "done", "created": task["created"], "done": task["done"]}
    assert str(task["due"]) == "2026-11-12" and str(task["done"]) == "2026-11-06"


def test_tasks_added_on_both_sides_are_both_kept_in_created_order():
    ours = edit(BASE, ("  created: 2026-11-01\nactivities:",
                       "  created: 2026-11-01\n- id: tc0003\n  text: Ours\n  status: open\n  created: 2026-11-05\nactivities:"))
    theirs = edit(BASE, NEW_TASK)
    assert [t["text"] for t in data(merge(ours, theirs).text)["tasks"]] == ["Call Jonas", "Send deck", "Ours"]


def test_the_same_change_on_both_sides_is_made_once():
    ours = theirs = None
    ours = edit(BASE, *MOVE, ("value: 8000   # list price", "value: 9000"))
    theirs = edit(BASE, *MOVE)
    theirs = edit(theirs, ("value: 8000   # list price", "value: 9000"), ("owner: alice", "owner: bob"))
    result = merge(ours, theirs)
    assert result.clean
    merged = data(result.text)
    assert [h["stage"] for h in merged["history"]] == ["lead", "qualified"] and merged["value"] == 9000


def test_removing_an_entry_on_one_side_removes_it_and_keys_only_theirs_has_go_to_their_place():
    ours = edit(BASE, ("- eu\n- saas\n", "- eu\n"))
    theirs = edit(BASE, ("owner: alice\n", "probability: 30\nowner: alice\n"), ("  need: logs everywhere\n",
                                                                               "  need: logs everywhere\n  budget: 10k\n"))
    result = merge(ours, theirs)
    assert result.clean
    merged = data(result.text)
    assert merged["tags"] == ["eu"] and merged["bant"] == {"need": "logs everywhere", "budget": "10k"}
    assert list(merged)[:8] == ["id", "title", "pipeline", "stage", "value", "currency", "probability", "owner"]


def test_one_field_changed_two_ways_is_a_marked_conflict_of_just_that_field(tmp_path, make_workspace):
    ours = edit(BASE, ("value: 8000   # list price", "value: 12000"), ("owner: alice", "owner: bob"))
    theirs = edit(BASE, ("value: 8000   # list price", "value: 9000"), NEW_TASK)
    result = merge(ours, theirs)
    assert result.conflicts == ["value"]
    assert "<<<<<<< ours\nvalue: 12000\n=======\nvalue: 9000\n>>>>>>> theirs\ncurrency: EUR\nowner: bob\n" in result.text
    assert "id: tb0002" in result.text  # everything that did merge is there
    line = result.text.splitlines().index("<<<<<<< ours") + 1
    with pytest.raises(ParseError) as raised:
        dealfile.parse(result.text, "deals/acme.md")
    assert raised.value.line == line
    workspace = make_workspace({"acme": simple_deal("acme")})
    (workspace.deals_dir / "acme.md").write_text(result.text)
    found = [p for p in check_workspace(workspace, today(), []) if p.severity == "error"]
    assert [(p.path, p.line) for p in found] == [("deals/acme.md", line)] and "conflict" in found[0].message


def test_a_task_field_changed_two_ways_is_marked_inside_the_task():
    ours = edit(BASE, ("due: 2026-11-10", "due: 2026-11-11"))
    theirs = edit(BASE, ("due: 2026-11-10", "due: 2026-11-20"))
    result = merge(ours, theirs)
    assert result.conflicts == ["tasks[ta0001].due"]
    assert "<<<<<<< ours\n  due: 2026-11-11\n=======\n  due: 2026-11-20\n>>>>>>> theirs\n" in result.text


def test_an_entry_removed_on_one_side_and_changed_on_the_other_is_a_conflict():
    ours = edit(BASE, ("- id: ta0001\n  text: Call Jonas\n  due: 2026-11-10\n  assignee: alice\n  status: open\n"
                       "  created: 2026-11-01\n", ""), ("tasks:\n", "tasks: []\n"))
    theirs = edit(BASE, ("text: Call Jonas", "text: Call the CTO"))
    result = merge(ours, theirs)
    assert result.conflicts == ["tasks[ta0001]"] and "Call the CTO" in result.text


def test_notes_merge_line_by_line_and_a_clash_in_them_is_marked():
    ours = edit(BASE, ("Jonas runs ops.", "Jonas runs ops (and security)."))
    theirs = edit(BASE, ("Budget: Q1.", "Budget: Q1, 10k."))
    result = merge(ours, theirs)
    assert result.clean and result.text.endswith("Jonas runs ops (and security).\n\nBudget: Q1, 10k.\n")
    clash = merge(ours, edit(BASE, ("Jonas runs ops.", "Jonas left.")))
    assert clash.conflicts == ["notes (1 place)"] and "<<<<<<< ours\nJonas runs ops (and security).\n" in clash.text


def test_a_file_added_on_both_sides_is_never_silently_one_deal():
    theirs = edit(BASE, ("title: Acme", "title: Acme (Bob's)"), ("owner: alice", "owner: bob"))
    result = merge(BASE, theirs, base="")
    assert result.conflicts == ["the whole file (added on both sides)"] and result.fallback == "added on both sides"
    assert "<<<<<<<" in result.text and "Acme (Bob's)" in result.text
    assert merge(BASE, BASE, base="").text == BASE  # the same file added twice is one file


def test_a_side_that_does_not_parse_is_merged_as_lines():
    broken = edit(BASE, ("owner: alice", "owner: [alice"))
    result = merge(broken, edit(BASE, ("Budget: Q1.", "Budget: Q2.")))
    assert result.fallback and "not mergeable as data" in result.fallback
    assert result.clean and "owner: [alice" in result.text and "Budget: Q2." in result.text


def test_crlf_files_keep_their_line_endings():
    crlf = BASE.replace("\n", "\r\n")
    ours = crlf.replace("owner: alice", "owner: bob")
    theirs = crlf.replace("  summary: Intro call\r\n", "  summary: Intro call\r\n- date: 2026-11-03\r\n  kind: note\r\n"
                                                       "  by: bob\r\n  summary: Noted\r\n")
    result = merge_deal(crlf, ours, theirs, "deals/acme.md", merge_lines)
    assert result.clean and "\n" not in result.text.replace("\r\n", "")
    assert data(result.text)["owner"] == "bob" and len(data(result.text)["activities"]) == 2


# -- the command git runs -----------------------------------------------------------------------

def write_three(tmp_path, ours: str, theirs: str, base: str = BASE):
    paths = []
    for name, text in (("base", base), ("ours", ours), ("theirs", theirs)):
        path = tmp_path / name
        path.write_text(text, newline="")
        paths.append(str(path))
    return paths


def test_the_driver_writes_the_merge_over_ours_and_exits_0_when_clean(tmp_path):
    paths = write_three(tmp_path, edit(BASE, *MOVE), edit(BASE, NEW_TASK))
    result = CliRunner().invoke(cli, ["merge-driver", *paths, "deals/acme.md"])
    assert result.exit_code == 0 and result.output == ""
    assert (tmp_path / "ours").read_text() == edit(BASE, *MOVE, NEW_TASK)


def test_the_driver_exits_1_on_a_conflict_and_names_it(tmp_path):
    paths = write_three(tmp_path, edit(BASE, ("stage: lead\nvalue", "stage: won\nvalue")),
                        edit(BASE, ("stage: lead\nvalue", "stage: lost\nvalue")))
    result = CliRunner().invoke(cli, ["merge-driver", *paths, "deals/acme.md"])
    assert result.exit_code == 1
    assert result.stderr == ("pipe: conflict in deals/acme.md: the stage change (stage) (marked in the file: keep one side, "
                             "delete the markers, then 'pipe check')\n")
    assert "<<<<<<< ours\nstage: won\n=======\nstage: lost\n>>>>>>> theirs\n" in (tmp_path / "ours").read_text()


def test_the_driver_reports_a_missing_file_in_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["merge-driver", str(tmp_path / "nope"), str(tmp_path / "a"), str(tmp_path / "b")])
    assert result.exit_code == 1 and result.stderr.startswith("pipe: merge of ") and result.stderr.count("\n") == 1


def test_git_runs_the_driver_without_loading_the_other_commands(tmp_path):
    # git runs it once per file changed on both sides: it must start fast, and still merge.
    import subprocess
    import sys

    paths = write_three(tmp_path, edit(BASE, *MOVE), edit(BASE, NEW_TASK))
    probe = ("import sys, atexit\n"
             "atexit.register(lambda: print(sorted(m for m in sys.modules if m.startswith('pipecli.cli.'))))\n"
             f"sys.argv = ['pipe', 'merge-driver', *{paths!r}, 'deals/acme.md']\n"
             "from pipecli.cli.entry import main\nmain()\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['pipecli.cli.entry', 'pipecli.cli.gitcmd', 'pipecli.cli.groups']"
    assert (tmp_path / "ours").read_text() == edit(BASE, *MOVE, NEW_TASK)
    missing = subprocess.run([sys.executable, "-m", "pipecli", "merge-driver", str(tmp_path / "nope"), *paths[1:]],
                             capture_output=True, text=True)
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1 and missing.stderr.startswith("pipe: merge of ")


# -- a stage change merges as one unit ----------------------------------------------------------

def close(text: str, stage: str, day: str, reason: str | None = None, by: str = "alice") -> str:
    """text closed as pipe does it: the stage, the closed date (and lost reason), a history entry, open tasks cancelled."""
    extra = f"closed: {day}\n" + (f"lost_reason: {reason}\n" if reason else "")
    return edit(text, ("stage: lead\nvalue", f"stage: {stage}\nvalue"), ("bant:", extra + "bant:"),
                ("  by: alice\ntasks:", f"  by: alice\n- stage: {stage}\n  date: {day}\n  by: {by}\ntasks:"),
                ("  status: open\n  created: 2026-11-01\n", f"  status: cancelled\n  created: 2026-11-01\n  done: {day}\n"))


def keep(text: str, side: int) -> str:
    """A conflicted text resolved by keeping one side (0: ours, 1: theirs) of every marked region."""
    pattern = r"(?s)<{7} ours\n(.*?)={7}\n(.*?)>{7} theirs\n"
    return re.sub(pattern, lambda m: m.group(side + 1), text)


def errors(text: str, make_workspace) -> list[str]:
    workspace = make_workspace({"acme": text}, name=f"ws{next(WORKSPACES)}")
    return [p.message for p in check_workspace(workspace, today(), []) if p.severity == "error"]


WORKSPACES = itertools.count()
CALL = ("  summary: Intro call\n", "  summary: Intro call\n- date: 2026-11-05\n  kind: call\n  by: bob\n  summary: Last try\n")


def test_won_on_one_side_and_lost_on_the_other_is_one_conflict_and_either_side_kept_is_consistent(make_workspace,
                                                                                                   monkeypatch):
    monkeypatch.setenv("PIPE_TODAY", "2026-11-27")
    ours = close(BASE, "won", "2026-11-06")
    theirs = edit(close(BASE, "lost", "2026-11-06", "price", by="bob"), CALL)
    result = merge(ours, theirs)
    assert result.conflicts == ["the stage change (stage, lost_reason, history)"]
    assert result.text.count("<<<<<<<") == 1 and result.text.count(">>>>>>>") == 1
    region = result.text[result.text.index("<<<<<<<"):result.text.index(">>>>>>>")]
    assert "stage: won" in region and "lost_reason: price" in region and "- stage: lost" in region
    won, lost = data(keep(result.text, 0)), data(keep(result.text, 1))
    assert (won["stage"], won.get("lost_reason"), won["history"][-1]["stage"]) == ("won", None, "won")
    assert (lost["stage"], lost["lost_reason"], lost["history"][-1]["stage"]) == ("lost", "price", "lost")
    assert [h["stage"] for h in won["history"]] == ["lead", "won"]  # not both closes, whichever is kept
    for kept in (won, lost):
        assert [a["summary"] for a in kept["activities"]] == ["Intro call", "Last try"]  # the rest merged
    for side in (0, 1):
        assert errors(keep(result.text, side), make_workspace) == []
    # Mixing the two closes by hand is what pipe check stops (and so pipe sync before it pushes).
    mixed = keep(result.text, 0).replace("closed: 2026-11-06\n", "closed: 2026-11-06\nlost_reason: price\n")
    assert errors(mixed, make_workspace) == ["lost_reason is set but the deal is in stage 'won', which is not lost"]
    history_of_theirs = keep(result.text, 0).replace("- stage: won\n", "- stage: lost\n")
    assert errors(history_of_theirs, make_workspace) == ["the last history entry is stage 'lost' but the deal is in 'won'"]


def test_the_same_close_with_another_date_or_reason_is_a_conflict_of_the_unit():
    dated = merge(close(BASE, "won", "2026-11-06"), close(BASE, "won", "2026-11-09"))
    assert dated.conflicts[0] == "the stage change (closed, history)" and dated.text.count("<<<<<<<") == 2  # + the task
    reasoned = merge(close(BASE, "lost", "2026-11-06", "price"), close(BASE, "lost", "2026-11-06", "competitor"))
    assert reasoned.conflicts == ["the stage change (lost_reason)"]
    assert "<<<<<<< ours\nlost_reason: price\n=======\nlost_reason: competitor\n>>>>>>> theirs\n" in reasoned.text
    same = merge(close(BASE, "won", "2026-11-06"), edit(close(BASE, "won", "2026-11-06"), CALL))
    assert same.clean and [h["stage"] for h in data(same.text)["history"]] == ["lead", "won"]


def test_a_close_corrected_on_one_side_merges_with_anything_else_on_the_other():
    won = close(BASE, "lost", "2026-11-06", "price")
    corrected = edit(won, ("closed: 2026-11-06\nlost_reason: price", "closed: 2026-11-04\nlost_reason: competitor"),
                     ("  date: 2026-11-06\n  by: alice\ntasks:", "  date: 2026-11-06\n  by: alice\n- stage: lost\n"
                                                             "  date: 2026-11-08\n  by: alice\ntasks:"))
    result = merge_deal(won, corrected, edit(won, CALL), "deals/acme.md", merge_lines)
    assert result.clean
    merged = data(result.text)
    assert (str(merged["closed"]), merged["lost_reason"], len(merged["history"])) == ("2026-11-04", "competitor", 3)
    assert merged["activities"][-1]["summary"] == "Last try"
    both = merge_deal(won, corrected, edit(won, ("lost_reason: price", "lost_reason: stale")), "deals/acme.md",
                      merge_lines)
    assert both.conflicts == ["the stage change (closed, lost_reason, history)"] and both.text.count("<<<<<<<") == 1


def test_moves_to_the_same_stage_on_both_sides_merge_cleanly_and_an_old_history_entry_edited_is_no_move():
    ours = edit(BASE, *MOVE)
    theirs = edit(BASE, *MOVE, ("  by: alice\n- stage: qualified", "  by: bob\n- stage: qualified"))  # old entry's author
    result = merge(ours, theirs)
    assert result.clean and data(result.text)["history"][0]["by"] == "bob"
    fixed = edit(BASE, ("history:\n- stage: lead\n  date: 2026-11-01\n  by: alice", "history:\n- stage: lead\n"
                        "  date: 2026-11-01\n  by: bob"))
    assert merge(close(BASE, "won", "2026-11-06"), fixed).clean


# -- comments ----------------------------------------------------------------------------------------

def test_a_comment_added_by_hand_on_one_side_is_kept_when_the_other_side_changed_the_deal():
    theirs = edit(BASE, ("owner: alice\n", "# Alice hands over in January\nowner: alice\n"),
                  ("  text: Call Jonas\n", "  text: Call Jonas  # his mobile, not the desk\n"))
    ours = edit(BASE, *MOVE, NEW_TASK, ("owner: alice", "owner: bob"))  # the owner's line and the tasks changed here
    result = merge(ours, theirs)
    assert result.clean
    assert "# Alice hands over in January\nowner: bob\n" in result.text
    assert "  text: Call Jonas  # his mobile, not the desk\n" in result.text
    assert data(result.text) == data(edit(BASE, *MOVE, NEW_TASK, ("owner: alice", "owner: bob")))
    # the same, the other way round: our comments survive their changes
    mirrored = merge(theirs, ours)
    assert "# Alice hands over in January\nowner: bob\n" in mirrored.text and "# his mobile, not the desk" in mirrored.text


def test_a_changed_or_removed_comment_is_carried_and_one_on_a_line_the_other_side_changed_stays_above_it():
    changed = edit(BASE, ("value: 8000   # list price", "value: 8000   # list price, before the 10% discount"),
                   ("currency: EUR\n", "currency: EUR  # invoiced from the Berlin entity\n"))
    ours = edit(BASE, ("currency: EUR", "currency: USD"), CALL)
    result = merge(ours, changed)
    assert result.clean
    assert "value: 8000   # list price, before the 10% discount\n" in result.text
    assert "# invoiced from the Berlin entity\ncurrency: USD\n" in result.text  # its line changed: the comment above it
    removed = merge(edit(BASE, CALL), edit(BASE, ("value: 8000   # list price", "value: 8000")))
    assert removed.clean and "value: 8000\n" in removed.text and "list price" not in removed.text


def test_the_same_comment_edited_on_both_sides_keeps_both_ours_first():
    ours = edit(BASE, ("owner: alice\n", "# ours: renewal in March\nowner: alice\n"), CALL)
    theirs = edit(BASE, ("owner: alice\n", "# theirs: renewal in April\nowner: alice\n"), NEW_TASK)
    result = merge(ours, theirs)
    assert result.clean and "# ours: renewal in March\n# theirs: renewal in April\nowner: alice\n" in result.text
    inline = merge(edit(BASE, ("# list price", "# ours")), edit(BASE, ("# list price", "# theirs"), CALL))
    assert inline.clean and "# theirs\nvalue: 8000   # ours\n" in inline.text


def test_comments_in_a_conflicted_file_are_kept_outside_the_markers():
    ours = edit(BASE, ("value: 8000   # list price", "value: 12000"), ("owner: alice\n", "# a note\nowner: alice\n"))
    theirs = edit(BASE, ("value: 8000   # list price", "value: 9000"), ("tags:\n", "# tags from the CRM\ntags:\n"))
    result = merge(ours, theirs)
    assert result.conflicts == ["value"]
    assert "<<<<<<< ours\nvalue: 12000\n=======\nvalue: 9000\n>>>>>>> theirs\n" in result.text
    assert "# a note\nowner: alice\n# tags from the CRM\ntags:\n" in result.text


# -- interactions by id --------------------------------------------------------------------------------

LOGGED = BASE.replace("  summary: Intro call\n", "  summary: Intro call\n- id: k3v9qa\n  date: 2026-11-05\n  kind: meeting\n"
                                                 "  by: alice\n  summary: Demo for the CTO\n")


def test_an_interaction_amended_on_one_side_and_edited_on_the_other_is_one_entry_by_its_id():
    amended = edit(LOGGED, ("summary: Demo for the CTO", "summary: Demo for the CTO and the CFO"))
    noted = edit(LOGGED, ("  summary: Demo for the CTO\n", "  summary: Demo for the CTO\n  notes: Wants SSO\n"))
    result = merge_deal(LOGGED, amended, noted, "deals/acme.md", merge_lines)
    assert result.clean
    (meeting,) = [a for a in data(result.text)["activities"] if a.get("id") == "k3v9qa"]
    assert (meeting["summary"], meeting["notes"]) == ("Demo for the CTO and the CFO", "Wants SSO")
    assert len(data(result.text)["activities"]) == 2
    clash = merge_deal(LOGGED, amended, edit(LOGGED, ("for the CTO", "for Jonas")), "deals/acme.md", merge_lines)
    assert clash.conflicts == ["activities[k3v9qa].summary"]


def test_history_and_diff_see_an_amended_or_id_given_interaction_as_the_same_one():
    from pipecli.core.gitsync.changes import deal_changes
    from pipecli.core.model.deal import Deal

    def changes(old: str, new: str) -> list[str]:
        return [c.text for c in deal_changes(Deal(data(old), ""), Deal(data(new), ""))]

    amended = edit(LOGGED, ("summary: Demo for the CTO", "summary: Demo for the CFO"))
    assert changes(LOGGED, amended) == ["meeting: Demo for the CFO (2026-11-05): summary: Demo for the CTO -> Demo for the CFO"]
    (derived,) = entry_ids("acme", "activities", data(BASE)["activities"])
    given = edit(BASE, ("  summary: Intro call\n", f"  summary: Intro call\n  id: {derived}\n"))  # stored on a write
    assert changes(BASE, given) == []
    amended = edit(given, ("summary: Intro call", "summary: Intro call with Jonas"))
    assert changes(BASE, amended) == ["call: Intro call with Jonas (2026-11-01): summary: Intro call -> Intro call with Jonas"]
