"""The merge knows a task or interaction without a stored id by its derived id (core/model/entryids.py).

A clone stores a derived id when it first writes or changes the entry; the other clone's copy,
or the merge base, may still have none. Both must be one entry, merged field by field.
"""

from __future__ import annotations

from pipecli.core.fileformat import dealfile
from pipecli.core.gitsync.merge import merge_deal
from pipecli.core.gitsync.repo import merge_lines
from pipecli.core.model.entryids import entry_ids

BASE = """\
---
id: acme
title: Acme
pipeline: sales
stage: lead
value: 8000
owner: alice
created: 2026-11-01
history:
- stage: lead
  date: 2026-11-01
  by: alice
tasks:
- text: Call Jonas
  due: 2026-11-10
  status: open
  created: 2026-11-01
activities:
- date: 2026-11-01
  kind: meeting
  by: alice
  summary: Intro meeting
---
Notes.
"""


def _ids(field: str) -> list[str]:
    data = dealfile.parse(BASE, "deals/acme.md").data
    return entry_ids("acme", field, data[field])


def _merged(ours: str, theirs: str) -> dict:
    result = merge_deal(BASE, ours, theirs, "deals/acme.md", merge_lines)
    assert result.clean, result.conflicts
    return dealfile.parse(result.text, "deals/acme.md").data


def test_a_task_whose_id_one_side_stored_merges_with_the_others_change_to_it():
    task_id = _ids("tasks")[0]
    # One clone changed the value: its write stored the task's derived id.
    ours = BASE.replace("value: 8000", "value: 9000").replace("- text: Call Jonas", f"- id: {task_id}\n  text: Call Jonas")
    # The other finished the task: the id stored first, then the task changed.
    theirs = BASE.replace("- text: Call Jonas", f"- id: {task_id}\n  text: Call Jonas") \
        .replace("  status: open\n", "  status: done\n").replace("  created: 2026-11-01\nactivities", "  created: 2026-11-01\n  done: 2026-11-12\nactivities")
    data = _merged(ours, theirs)
    assert data["value"] == 9000
    assert [(t["id"], t["status"]) for t in data["tasks"]] == [(task_id, "done")]


def test_a_task_changed_on_one_side_merges_with_an_untouched_side_that_has_no_id():
    task_id = _ids("tasks")[0]
    ours = BASE.replace("- text: Call Jonas", f"- id: {task_id}\n  text: Call Jonas").replace("due: 2026-11-10", "due: 2026-11-20")
    theirs = BASE.replace("value: 8000", "value: 7000")
    data = _merged(ours, theirs)
    assert data["value"] == 7000
    assert [(t["id"], str(t["due"])) for t in data["tasks"]] == [(task_id, "2026-11-20")]


def test_an_interaction_amended_on_both_sides_stays_one_entry():
    activity_id = _ids("activities")[0]
    with_id = BASE.replace("- date: 2026-11-01\n  kind: meeting", f"- id: {activity_id}\n  date: 2026-11-01\n  kind: meeting")
    ours = with_id.replace("summary: Intro meeting", "summary: Intro meeting with Jonas")
    theirs = with_id.replace("summary: Intro meeting", "summary: Intro meeting\n  notes: Wants SSO")
    data = _merged(ours, theirs)
    assert data["activities"] == [{"id": activity_id, "date": data["activities"][0]["date"], "kind": "meeting",
                                   "by": "alice", "summary": "Intro meeting with Jonas", "notes": "Wants SSO"}]


def test_notes_added_to_one_interaction_on_both_sides_keep_both_paragraphs():
    activity_id = _ids("activities")[0]
    with_notes = BASE.replace("summary: Intro meeting", f"summary: Intro meeting\n  id: {activity_id}\n  notes: Went well")
    ours = with_notes.replace("notes: Went well", "notes: |-\n    Went well\n\n    CTO wants SSO")
    theirs = with_notes.replace("notes: Went well", "notes: |-\n    Went well\n\n    Budget in Q1")
    result = merge_deal(with_notes, ours, theirs, "deals/acme.md", merge_lines)
    assert result.clean, result.conflicts
    notes = dealfile.parse(result.text, "deals/acme.md").data["activities"][0]["notes"]
    assert notes == "Went well\n\nCTO wants SSO\n\nBudget in Q1"


def test_notes_changed_not_just_added_to_on_one_side_are_still_a_conflict():
    activity_id = _ids("activities")[0]
    with_notes = BASE.replace("summary: Intro meeting", f"summary: Intro meeting\n  id: {activity_id}\n  notes: Went well")
    ours = with_notes.replace("notes: Went well", "notes: Went badly")
    theirs = with_notes.replace("notes: Went well", "notes: |-\n    Went well\n\n    Budget in Q1")
    result = merge_deal(with_notes, ours, theirs, "deals/acme.md", merge_lines)
    assert result.conflicts and "<<<<<<<" in result.text
