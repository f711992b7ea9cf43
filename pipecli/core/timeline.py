"""A deal's timeline: logging interactions, and every stage move, finished task and interaction in date order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pipecli.core.config import Config
from pipecli.core.dates import parse_datetime
from pipecli.core.deal import Deal
from pipecli.core.errors import InvalidValue
from pipecli.core.validate import DIRECTIONS
from pipecli.core.values import one_line

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
) -> dict:
    """Append an interaction to the deal's activities (appended, so the other entries keep their lines)."""
    if kind not in INTERACTION_KINDS:
        raise InvalidValue(f"unknown kind '{kind}' (use {', '.join(INTERACTION_KINDS)})")
    text = one_line(summary, "a summary").strip()
    if not text:
        raise InvalidValue("an interaction needs a summary")
    date, time = parse_datetime(at, relative_to=today) if at is not None else (today, None)
    if date > today and kind != "meeting":
        raise InvalidValue(f"--at {at} is in the future: only a meeting can be logged ahead")
    if deal.created is not None and date < deal.created:  # pipe check would warn about it
        raise InvalidValue(f"--at {at} is before {deal.id} was created ({deal.created}): to log it, first "
                           f"'pipe set {deal.id} created={date}'")
    if direction is not None:
        if direction not in DIRECTIONS:
            raise InvalidValue(f"bad direction '{direction}' (use in or out)")
        if kind == "note":
            raise InvalidValue("a note has no direction: leave --direction out")
    who = config.find_member(by).id if by is not None else user
    entry: dict[str, Any] = {"date": date}
    if time is not None:
        entry["time"] = time
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
    for order, (i, activity) in enumerate(in_order(deal.activities)):
        time = activity.get("time")
        notes = activity.get("notes")
        found.append(((activity["date"], "", 1, order), Event(
            activity["date"], time, str(activity.get("kind")), str(activity.get("summary") or ""),
            activity.get("by"), activity.get("direction"), str(notes) if notes is not None else None)))
    for i, task in enumerate(deal.tasks):
        status = task.get("status", "open")
        if status in ("done", "cancelled") and isinstance(task.get("done"), dt.date):
            found.append(((task["done"], "", 2, i), Event(
                task["done"], None, status, f"#{i + 1} {task.get('text', '')}", task.get("assignee"))))
    return [event for _, event in sorted(found, key=lambda item: item[0])]


def last_interaction(deal: Deal, today: dt.date, *, with_customer: bool = False) -> dict | None:
    """The latest interaction up to today, in the order of in_order(); with_customer skips
    notes, which are written for the team and answer nobody."""
    past = [a for _, a in in_order(deal.activities)
            if a["date"] <= today and not (with_customer and a.get("kind") == "note")]
    return past[-1] if past else None
