"""Suggested tasks: forgotten, unanswered, unwritten-up and rotting deals, each with its reason.

A suggestion is shown until it is acted on: accepting it adds a task marked `suggested: KIND`,
and the suggestion stays hidden while that task is open or when it was made after what
triggered the suggestion.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipecli.core.config import Config
from pipecli.core.deal import Deal
from pipecli.core.errors import NotFound
from pipecli.core.queries import Facts, facts
from pipecli.core.tasks import add as add_task
from pipecli.core.timeline import in_order, last_interaction


@dataclass(frozen=True)
class Suggestion:
    """A task pipe proposes for a deal, and why."""

    number: int  # what `pipe task accept N` takes; counted over the whole workspace
    deal: Deal
    kind: str  # one of config.SUGGESTION_KINDS
    reason: str
    text: str  # the task accepting it creates
    since: dt.date  # what triggered it: a later task of this kind answers it


def _answered(deal: Deal, kind: str, since: dt.date) -> bool:
    for task in deal.tasks:
        if task.get("suggested") != kind:
            continue
        created = task.get("created")
        if task.get("status", "open") == "open" or (isinstance(created, dt.date) and created >= since):
            return True
    return False


def _candidates(f: Facts, config: Config, today: dt.date) -> list[tuple[str, str, str, dt.date]]:
    """(kind, reason, task text, trigger date) for each suggestion a deal earns."""
    deal = f.deal
    found = []
    on = config.suggestions
    last = f.last_activity
    if "inactive" in on and last is not None and (today - last).days >= config.inactivity_days:
        days = (today - last).days
        found.append(("inactive", f"no activity for {days} days (since {last})",
                      f"Follow up: no activity since {last}", last))
    latest = last_interaction(deal, today, with_customer=True)
    if "unanswered" in on and latest and latest.get("kind") == "email" and latest.get("direction") == "in":
        summary = latest.get("summary") or "(no summary)"
        found.append(("unanswered", f"inbound email of {latest['date']} has no reply: {summary}",
                      f"Reply to the email of {latest['date']}: {summary}", latest["date"]))
    # The latest meeting of the last inactivity_days: older ones are past writing up.
    try:
        recent = today - dt.timedelta(days=config.inactivity_days)
    except OverflowError:  # today is near the year 1
        recent = dt.date.min
    ordered = in_order(deal.activities)
    meetings = [(position, a) for position, (_, a) in enumerate(ordered)
                if a.get("kind") == "meeting" and recent <= a["date"] < today]
    if "meeting-notes" in on and meetings:
        position, meeting = meetings[-1]
        date = meeting["date"]
        noted = meeting.get("notes") or any(
            a.get("kind") == "note" and date <= a["date"] <= today
            for later, (_, a) in enumerate(ordered) if later > position)
        if not noted:
            summary = meeting.get("summary") or "(no summary)"
            found.append(("meeting-notes", f"meeting of {date} has no notes: {summary}",
                          f"Write up the meeting of {date}: {summary}", date))
    if "rotting" in on and f.rotting and f.stage is not None:
        entered = deal.stage_entered() or today
        found.append(("rotting", f"{f.days_in_stage} days in {f.stage.id}, longer than its {f.stage.rot_days}",
                      f"Move forward or park: {f.days_in_stage} days in {f.stage.id}", entered))
    return [c for c in found if not _answered(deal, c[0], c[3])]


def suggestions(deals: list[Deal], config: Config, today: dt.date) -> list[Suggestion]:
    """Every suggestion for the open deals, numbered in deal id order."""
    result: list[Suggestion] = []
    for deal in sorted(deals, key=lambda d: d.id):
        f = facts(deal, config, today)
        if f.kind != "open":
            continue
        for kind, reason, text, since in _candidates(f, config, today):
            result.append(Suggestion(len(result) + 1, deal, kind, reason, text, since))
    return result


def accept(deal: Deal, suggestion: Suggestion, config: Config, today: dt.date, *, due: str | None = None,
           assignee: str | None = None, default_assignee: str | None = None) -> dict:
    """Add the suggested task to the deal, marked `suggested: KIND` so the suggestion goes away."""
    task = add_task(deal, config, suggestion.text, today, due=due, assignee=assignee, default_assignee=default_assignee)
    marked = {**task, "suggested": suggestion.kind}
    deal.set("tasks", deal.tasks[:-1] + [marked])
    return marked


def pick(found: list[Suggestion], number: int) -> Suggestion:
    for suggestion in found:
        if suggestion.number == number:
            return suggestion
    if not found:
        raise NotFound(f"no suggestion {number}: there are no suggested tasks now")
    raise NotFound(f"no suggestion {number}: 'pipe tasks --suggested' lists 1 to {len(found)}")
