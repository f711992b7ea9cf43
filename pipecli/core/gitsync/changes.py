"""What changed: field-level lines between two versions of a deal."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from typing import Any

from pipecli.core.fileformat.dealfile import same
from pipecli.core.model.deal import Deal
from pipecli.core.model.entryids import entry_ids
from pipecli.core.model.values import format_contact

MAX_SHOWN = 80  # characters of one value in a change line; longer text is cut with '…'
STATUS_WORDS = {"done": "task done", "cancelled": "task cancelled", "open": "task reopened"}


@dataclass(frozen=True)
class Change:
    """One field-level change of a deal, with the line that says it."""

    field: str  # the field, or what its entry is: stage, value, task, call, contact, notes, deal
    kind: str  # created, removed, set, unset, changed, added, or a task's new status
    text: str
    before: Any = None
    after: Any = None


# -- one deal, two versions ---------------------------------------------------------------------

def deal_changes(old: Deal | None, new: Deal | None) -> list[Change]:
    """The changes from old to new (None: the deal is not there), one readable line each.

    A stage change says the lost reason with it; the history entry, closed date and close
    change that a move or a new close date write are not repeated as lines of their own.
    """
    if old is None and new is None:
        return []
    if new is None:
        return [Change("deal", "removed", f"removed (was in {show(old.data.get('stage'))})", old.data.get("stage"))]
    if old is None:
        stage = new.data.get("stage")
        created = [Change("deal", "created", f"created in {show(stage)}", None, stage)]
        return created + _field_changes({}, new.data, creating=True) + _notes_change("", new.body)
    return _field_changes(old.data, new.data, creating=False) + _notes_change(old.body, new.body)


def _field_changes(a: dict, b: dict, *, creating: bool) -> list[Change]:
    skip = {"id"} | ({"stage", "pipeline", "created", "history"} if creating else set())
    stage_moved = not creating and not same(a.get("stage"), b.get("stage"))
    if stage_moved:
        skip |= {"closed", "lost_reason"}  # written by the move itself
    changes: list[Change] = []
    correction = None if creating or stage_moved else _correction(a, b)
    if correction is not None:  # one line for the close's entry, closed date and lost reason
        skip |= {"closed", "lost_reason", "history"}
        changes.append(correction)
    for key in list(b) + [k for k in a if k not in b]:
        if key in skip or same(a.get(key), b.get(key)):
            continue
        old, new = a.get(key), b.get(key)
        if key == "stage":
            reason = f" (reason: {show(b.get('lost_reason'))})" if b.get("lost_reason") else ""
            changes.append(Change("stage", "changed", f"stage: {show(old)} -> {show(new)}{reason}", old, new))
        elif key == "history":
            changes += _history(_entries(old), _entries(new), b.get("stage") if stage_moved else None)
        elif key == "close_changes":
            changes += _close_changes(_entries(old), _entries(new), a.get("expected_close"), b.get("expected_close"))
        elif key == "tasks":
            changes += _tasks(_entries(old), _entries(new), str(b.get("id") or a.get("id") or ""))
        elif key == "activities":
            changes += _activities(_entries(old), _entries(new), str(b.get("id") or a.get("id") or ""))
        elif key == "contacts":
            changes += _contacts(_entries(old), _entries(new))
        elif key == "tags" and _strings(old) and _strings(new):
            changes += _tags(old or [], new or [])
        elif key == "bant" and isinstance(old or {}, dict) and isinstance(new or {}, dict):
            for part in list(new or {}) + [p for p in old or {} if p not in (new or {})]:
                before, after = (old or {}).get(part), (new or {}).get(part)
                if not same(before, after):
                    changes.append(_scalar(f"bant.{part}", before, after, creating))
        else:
            changes.append(_scalar(key, old, new, creating))
    return changes


def _scalar(key: str, old: Any, new: Any, creating: bool) -> Change:
    if creating:
        return Change(key, "set", f"{key}: {show(new)}", None, new)
    kind = "set" if old is None else "unset" if new is None else "changed"
    return Change(key, kind, f"{key}: {show(old)} -> {show(new)}", old, new)


def _entries(value: Any) -> list[dict]:
    return [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []


def _strings(value: Any) -> bool:
    return value is None or (isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value))


def _added_removed(old: list[dict], new: list[dict]) -> tuple[list[dict], list[dict]]:
    """Entries of new not in old, and of old not in new, counting repeats (entries have no ids)."""
    left = list(old)
    added = []
    for entry in new:
        match = next((i for i, e in enumerate(left) if same(e, entry)), None)
        if match is None:
            added.append(entry)
        else:
            left.pop(match)
    return added, left


def _history(old: list[dict], new: list[dict], moved_to: Any) -> list[Change]:
    added, removed = _added_removed(old, new)
    if moved_to is not None and added and added[-1].get("stage") == moved_to:
        added = added[:-1]  # the stage line says it
    return ([Change("history", "added", f"+ history: {_history_text(e)}", None, e) for e in added]
            + [Change("history", "removed", f"- history: {_history_text(e)}", e) for e in removed])


def _correction(a: dict, b: dict) -> Change | None:
    """A corrected close (pipe won/lost on a closed deal): the last history entry changed in place,
    with a new `corrected` mark, and nothing else in the history; None otherwise."""
    old, new = _entries(a.get("history")), _entries(b.get("history"))
    if not new or len(old) != len(new) or not same(old[:-1], new[:-1]):
        return None
    was, now = old[-1], new[-1]
    if now.get("corrected") is None or same(was, now) or not same(was.get("stage"), now.get("stage")):
        return None
    parts = [f"{key} {show(a.get(key))} -> {show(b.get(key))}" for key in ("closed", "lost_reason")
             if not same(a.get(key), b.get(key))]
    if not same(was.get("date"), now.get("date")) and same(a.get("closed"), b.get("closed")):
        parts.append(f"history date {show(was.get('date'))} -> {show(now.get('date'))}")
    by = f" (by {show(now.get('corrected_by'))})" if now.get("corrected_by") else ""
    return Change("close", "corrected", f"close corrected: {'; '.join(parts) or 'marked'}{by}", was, now)


def _history_text(entry: dict) -> str:
    where = f"{show(entry.get('pipeline'))}/" if entry.get("pipeline") else ""
    by = f", by {show(entry.get('by'))}" if entry.get("by") else ""
    return f"{where}{show(entry.get('stage'))} ({show(entry.get('date'))}{by})"


def _close_changes(old: list[dict], new: list[dict], old_close: Any, new_close: Any) -> list[Change]:
    added, removed = _added_removed(old, new)
    added = [e for e in added if not (same(e.get("from"), old_close) and same(e.get("to"), new_close))]
    line = lambda e: f"{show(e.get('from'))} -> {show(e.get('to'))} ({show(e.get('date'))})"  # noqa: E731
    return ([Change("close_changes", "added", f"+ close date change: {line(e)}", None, e) for e in added]
            + [Change("close_changes", "removed", f"- close date change: {line(e)}", e) for e in removed])


def _keyed(entries: list[dict], key) -> dict:
    """Entries by their identity; a repeated identity gets a count so no entry is lost."""
    result: dict = {}
    for entry in entries:
        base = key(entry)
        name, n = base, 1
        while name in result:
            n += 1
            name = (base, n)
        result[name] = entry
    return result


def _task_text(task: dict) -> str:
    due = f" (due {show(task.get('due'))})" if task.get("due") else ""
    who = f" @{show(task.get('assignee'))}" if task.get("assignee") else ""
    status = task.get("status", "open")
    state = f" [{show(status)}]" if status != "open" else ""
    return f"{show(task.get('text'))}{due}{who}{state}"


def _tasks(old: list[dict], new: list[dict], deal_id: str) -> list[Change]:
    # By id, stored or derived (entryids): a task given its id on a write is the one it was.
    before, after = _keyed_by_id(deal_id, "tasks", old), _keyed_by_id(deal_id, "tasks", new)
    changes = []
    for key, task in after.items():
        was = before.get(key)
        if was is None:
            changes.append(Change("task", "added", f"+ task: {_task_text(task)}", None, task))
        elif not same(was, task) and (change := _task_change(was, task)) is not None:
            changes.append(change)
    changes += [Change("task", "removed", f"- task: {_task_text(t)}", t) for k, t in before.items() if k not in after]
    return changes


def _task_change(was: dict, task: dict) -> Change | None:
    old_status, new_status = was.get("status", "open"), task.get("status", "open")
    moved = old_status != new_status
    head = STATUS_WORDS.get(new_status, f"task {show(new_status)}") if moved else "task"
    quiet = {"status", "done"} if moved else set()  # the done date comes with marking it done
    if was.get("id") in (None, ""):
        quiet.add("id")  # given on a write: no change of its own
    details = [f"{k.replace('_', ' ')}: {show(was.get(k))} -> {show(task.get(k))}"
               for k in list(task) + [k for k in was if k not in task]
               if k not in quiet and not same(was.get(k), task.get(k))]
    if not details and not moved:
        return None
    extra = f" ({'; '.join(details)})" if details else ""
    return Change("task", new_status if moved else "changed", f"{head}: {show(task.get('text'))}{extra}", was, task)


def _keyed_by_id(deal_id: str, field: str, entries: list[dict]) -> dict:
    """Tasks or interactions by their id; an id stored twice (a copy by hand) gets a count so none is lost."""
    ids = iter(entry_ids(deal_id, field, entries))
    return _keyed(entries, lambda entry: ("id", next(ids)))


def _activity_text(entry: dict) -> str:
    when = " ".join(show(entry.get(k)) for k in ("date", "time") if entry.get(k))
    direction = f"{show(entry.get('direction'))}, " if entry.get("direction") else ""
    return f"{show(entry.get('kind'))}: {show(entry.get('summary') or entry.get('notes'))} ({direction}{when})"


def _activities(old: list[dict], new: list[dict], deal_id: str) -> list[Change]:
    # By id, stored or derived from the content (entryids): an interaction amended, or given its
    # id on a write, is the one it was, not one removed and one added.
    before, after = (_keyed_by_id(deal_id, "activities", entries) for entries in (old, new))
    changes = []
    for key, entry in after.items():
        was = before.get(key)
        kind = show(entry.get("kind"))
        if was is None:
            changes.append(Change(kind, "added", f"+ {_activity_text(entry)}", None, entry))
        elif not same(was, entry):
            quiet = {"id"} if was.get("id") in (None, "") else set()  # given on a write: no change of its own
            details = [f"{k}: {show(was.get(k))} -> {show(entry.get(k))}"
                       for k in list(entry) + [k for k in was if k not in entry]
                       if k not in quiet and not same(was.get(k), entry.get(k))]
            if details:
                changes.append(Change(kind, "changed", f"{_activity_text(entry)}: {'; '.join(details)}", was, entry))
    changes += [Change(show(e.get("kind")), "removed", f"- {_activity_text(e)}", e)
                for k, e in before.items() if k not in after]
    return changes


def _contact_key(contact: dict) -> Any:
    email = contact.get("email")
    return ("email", str(email).lower()) if email else ("name", show(contact.get("name")))


def _contacts(old: list[dict], new: list[dict]) -> list[Change]:
    before, after = _keyed(old, _contact_key), _keyed(new, _contact_key)
    changes = []
    for key, contact in after.items():
        was = before.get(key)
        if was is None:
            changes.append(Change("contact", "added", f"+ contact: {show(format_contact(contact))}", None, contact))
        elif not same(was, contact):
            details = [f"{k}: {show(was.get(k))} -> {show(contact.get(k))}"
                       for k in list(contact) + [k for k in was if k not in contact] if not same(was.get(k), contact.get(k))]
            changes.append(Change("contact", "changed",
                                  f"contact: {show(format_contact(contact))} ({'; '.join(details)})", was, contact))
    changes += [Change("contact", "removed", f"- contact: {show(format_contact(c))}", c)
                for k, c in before.items() if k not in after]
    return changes


def _tags(old: list, new: list) -> list[Change]:
    added = [t for t in new if t not in old]
    removed = [t for t in old if t not in new]
    return ([Change("tag", "added", f"+ tag: {show(t)}", None, t) for t in added]
            + [Change("tag", "removed", f"- tag: {show(t)}", t) for t in removed])


def _notes_change(old: str, new: str) -> list[Change]:
    if old == new:
        return []
    added = removed = 0
    for line in difflib.ndiff(old.splitlines(), new.splitlines()):
        added += line.startswith("+ ")
        removed += line.startswith("- ")
    if not added and not removed:  # only blank lines or line ends at the end
        return [Change("notes", "changed", "notes: whitespace changed")]
    parts = [f"{n} line{'s' if n != 1 else ''} {what}" for n, what in ((added, "added"), (removed, "removed")) if n]
    return [Change("notes", "changed", f"notes: {', '.join(parts)}", added, removed)]


def show(value: Any) -> str:
    """A value on one line, as change lines and `pipe set` show it: (none), dates as YYYY-MM-DD, lists joined."""
    if value is None or value == [] or value == {}:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return _cut(", ".join(show(v) for v in value))
    if isinstance(value, dict):
        return _cut(", ".join(f"{k}: {show(v)}" for k, v in value.items()))
    return _cut(str(value))


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 1] + "…"
