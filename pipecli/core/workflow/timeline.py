"""A deal's timeline: logging interactions, and every stage move, finished task and interaction in date order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pipecli.core.errors import InvalidValue
from pipecli.core.model.config import Config
from pipecli.core.model.dates import BEHIND, EITHER, AmbiguousDate, parse_datetime
from pipecli.core.model.deal import Deal, entry_with
from pipecli.core.model.entryids import new_entry_id
from pipecli.core.model.inputs import ADD_NOTES, AT, DIRECTION, NOTES, SUMMARY
from pipecli.core.model.validate import DIRECTIONS
from pipecli.core.model.values import one_line

INTERACTION_KINDS = ("email", "call", "meeting", "note")


def log_interaction(
    deal: Deal,
    config: Config,
    kind: str,
    summary: str,
    today: dt.date,
    user: str | None,
    *,
    at: str | None = None,
    by: str | None = None,
    direction: str | None = None,
    notes: str | None = None,
    minutes: int | None = None,
) -> dict:
    """Append an interaction to the deal's activities (appended, so the other entries keep their lines)."""
    if kind not in INTERACTION_KINDS:
        raise InvalidValue(f"unknown kind '{kind}' (use {', '.join(INTERACTION_KINDS)})")
    text = one_line(summary, "a summary").strip()
    if not text:
        raise InvalidValue("an interaction needs a summary")
    date, time = _when(at, kind, today) if at is not None else (today, None)
    if date > today and kind != "meeting":
        raise InvalidValue(AT, f" {at} is in the future: only a meeting can be logged ahead")
    _not_before_created(deal, at, date, "log it")
    if direction is not None:
        if direction not in DIRECTIONS:
            raise InvalidValue(f"bad direction '{direction}' (use in or out)")
        if kind == "note":
            raise InvalidValue("a note has no direction: leave ", DIRECTION, " out")
    who = config.find_member(by).id if by is not None else user
    entry: dict[str, Any] = {"id": new_entry_id(set(deal.entry_ids("activities"))), "date": date}
    if time is not None:
        entry["time"] = time
    if minutes is not None:
        entry["minutes"] = minutes
    entry["kind"] = kind
    if direction is not None:
        entry["direction"] = direction
    if who:
        entry["by"] = who
    entry["summary"] = text
    if notes is not None and notes.strip():
        entry["notes"] = notes.strip()
    deal.append("activities", entry)
    return entry


def _when(at: str, kind: object, today: dt.date) -> tuple[dt.date, str | None]:
    """--at as a date and time: counted back (2d ago, last fri), but for a meeting, which may be past
    or planned, where a bare 2d or fri is refused rather than guessed."""
    try:
        return parse_datetime(at, relative_to=today, direction=EITHER if kind == "meeting" else BEHIND)
    except AmbiguousDate as error:
        if kind != "meeting":
            raise
        raise InvalidValue(AT, f" {at} could be past or planned for a meeting: say '{error.ahead}' "
                           f"or '{error.behind}'") from None


def amend_interaction(
    deal: Deal,
    index: int,
    today: dt.date,
    *,
    summary: str | None = None,
    notes: str | None = None,
    add_notes: str | None = None,
    at: str | None = None,
    direction: str | None = None,
) -> tuple[dict, list[str]]:
    """Change the interaction at index in place (its id stored first); returns it and what changed.

    The entry keeps its place and its id, so the timeline shows it once and a teammate's edit of
    the same interaction merges with this one.
    """
    deal.store_entry_id("activities", index)
    entry = dict(deal.activities[index])
    changed = []
    if summary is not None:
        text = one_line(summary, "a summary").strip()
        if not text:
            raise InvalidValue("an interaction needs a summary")
        entry = _with(entry, summary=text)
        changed.append("summary")
    if notes is not None and add_notes is not None:
        raise InvalidValue("give ", NOTES, " (replaces them) or ", ADD_NOTES, " (adds a paragraph), not both")
    if notes is not None:
        if notes.strip():
            entry = _with(entry, notes=notes.strip())
        else:
            entry.pop("notes", None)
        changed.append("notes")
    if add_notes is not None:
        if not add_notes.strip():
            raise InvalidValue(ADD_NOTES, " needs some text")
        before = str(entry.get("notes") or "").rstrip()
        entry = _with(entry, notes=(before + "\n\n" if before else "") + add_notes.strip())
        changed.append("notes")
    if at is not None:
        date, time = _when(at, entry.get("kind"), today)
        if date > today and entry.get("kind") != "meeting":
            raise InvalidValue(AT, f" {at} is in the future: only a meeting can be logged ahead")
        _not_before_created(deal, at, date, "date it so")
        entry = _with(entry, date=date)
        if time is not None:
            entry = _with(entry, time=time)
        else:
            entry.pop("time", None)
        changed.append("date")
    if direction is not None:
        if direction and direction not in DIRECTIONS:
            raise InvalidValue(f"bad direction '{direction}' (use in or out)")
        if direction and entry.get("kind") == "note":
            raise InvalidValue("a note has no direction: leave ", DIRECTION, " out")
        if direction:
            entry = _with(entry, direction=direction)
        else:
            entry.pop("direction", None)
        changed.append("direction")
    if not changed:
        raise InvalidValue("nothing to change: give ", SUMMARY, ", ", NOTES, ", ", ADD_NOTES, ", ", AT, " or ", DIRECTION)
    activities = list(deal.activities)
    activities[index] = entry
    deal.set("activities", activities)
    return entry, changed


def _not_before_created(deal: Deal, at: str, date: dt.date, doing: str) -> None:
    if deal.created is not None and date < deal.created:  # pipe check would warn about it
        raise InvalidValue(AT, f" {at} is before {deal.id} was created ({deal.created}): to {doing}, first "
                           f"'pipe set {deal.id} created={date}'")


# The order of an interaction's keys as pipe writes them; a key added to one goes to its place.
ACTIVITY_ORDER = ("id", "date", "time", "minutes", "kind", "direction", "by", "summary", "notes")


def _with(entry: dict, **fields: Any) -> dict:
    return entry_with(entry, ACTIVITY_ORDER, **fields)


def in_order(activities: list[dict]) -> list[tuple[int, dict]]:
    """(file index, activity) from oldest to newest: by date, then by time of day.

    An entry without a time takes the time of the timed entry above it on the same day (or the
    start of the day), so entries appended as things happen keep their file order.
    """
    keyed = []
    clock_of_day: dict[dt.date, str] = {}
    for index, activity in enumerate(activities):
        date = activity.get("date")
        if not isinstance(date, dt.date):
            continue
        time = clock(activity.get("time"))
        if time is None:
            time = clock_of_day.get(date, "")
        else:
            clock_of_day[date] = time
        keyed.append(((date, time, index), index, activity))
    return [(index, activity) for _, index, activity in sorted(keyed, key=lambda item: item[0])]


def clock(value) -> str | None:
    """A time of day as sortable HH:MM ('9:05' -> '09:05'), or None when there is none or it is not one."""
    if not isinstance(value, str) or ":" not in value:
        return None
    hours, _, minutes = value.partition(":")
    if not (hours.isdigit() and minutes.isdigit()):
        return None
    return f"{int(hours):02d}:{minutes}"


@dataclass(frozen=True)
class Event:
    """One line of a timeline."""

    date: dt.date
    time: str | None
    kind: str  # created, moved, email, call, meeting, note, ..., done, cancelled
    text: str
    by: str | None = None
    direction: str | None = None
    notes: str | None = None
    ref: str | None = None  # the id of the interaction or task, for the commands that take one
    minutes: int | None = None  # a meeting's length, when it has one


def events(deal: Deal) -> list[Event]:
    """Stage moves, interactions and finished tasks, oldest first (the file order breaks ties)."""
    found: list[tuple[tuple, Event]] = []
    for i, entry in enumerate(deal.history):
        where = entry.get("stage", "")
        if entry.get("pipeline"):
            where += f" ({entry['pipeline']})"
        text = where
        if entry.get("forced"):
            text += f" (forced without {', '.join(str(f) for f in entry['forced'])})"
        kind = "created" if i == 0 else "moved"
        found.append(((entry["date"], "", 0, i), Event(entry["date"], None, kind, text, entry.get("by"))))
    activity_ids = deal.entry_ids("activities")
    for order, (i, activity) in enumerate(in_order(deal.activities)):
        time = activity.get("time")
        notes = activity.get("notes")
        found.append(((activity["date"], "", 1, order), Event(
            activity["date"], time, str(activity.get("kind")), str(activity.get("summary") or ""),
            activity.get("by"), activity.get("direction"), str(notes) if notes is not None else None,
            activity_ids[i], _minutes(activity.get("minutes")))))
    task_ids = deal.entry_ids("tasks")
    for i, task in enumerate(deal.tasks):
        status = task.get("status", "open")
        if status in ("done", "cancelled") and isinstance(task.get("done"), dt.date):
            found.append(((task["done"], "", 2, i), Event(
                task["done"], None, status, str(task.get("text", "")), task.get("assignee"), ref=task_ids[i])))
    return [event for _, event in sorted(found, key=lambda item: item[0])]


def _minutes(value) -> int | None:
    # a hand-edited 'minutes: an hour' is a check error; the timeline shows no length for it
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def last_interaction(deal: Deal, today: dt.date, *, with_customer: bool = False) -> dict | None:
    """The latest interaction up to today, in the order of in_order(); with_customer skips
    notes, which are written for the team and answer nobody."""
    past = [a for _, a in in_order(deal.activities)
            if a["date"] <= today and not (with_customer and a.get("kind") == "note")]
    return past[-1] if past else None
