"""Suggested tasks: forgotten, unanswered, unwritten-up and rotting deals, each with its reason.

A suggestion is named DEAL:KIND (a deal has at most one of each kind), so accepting one never
shifts what another name means. It is shown until it is acted on: accepting it adds a task marked
`suggested: KIND`, and the suggestion stays hidden while that task is open or when it was made
after what triggered the suggestion. Dismissing it records `dismissed: [{kind, date, until, by}]`
on the deal (so it travels with git): hidden until that date, unless something newer triggers it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipecli.core.errors import Ambiguous, InvalidValue, NotFound
from pipecli.core.model.config import Config
from pipecli.core.model.dates import AHEAD, parse_date
from pipecli.core.model.deal import Deal
from pipecli.core.model.inputs import DISMISS_FOR
from pipecli.core.model.queries import Facts, facts
from pipecli.core.workflow.tasks import add as add_task
from pipecli.core.workflow.timeline import in_order, last_interaction


@dataclass(frozen=True)
class Suggestion:
    """A task pipe proposes for a deal, and why."""

    deal: Deal
    kind: str  # one of config.SUGGESTION_KINDS
    reason: str
    text: str  # the task accepting it creates
    since: dt.date  # what triggered it: a later task of this kind answers it

    @property
    def key(self) -> str:
        """What `pipe task accept` and `dismiss` take: DEAL:KIND."""
        return f"{self.deal.id}:{self.kind}"


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
    return [c for c in found if not _answered(deal, c[0], c[3]) and not _dismissed(deal, c[0], c[3], today)]


def _dismissed(deal: Deal, kind: str, since: dt.date, today: dt.date) -> bool:
    """Whether a dismissal of kind made on or after the trigger still holds today."""
    for entry in deal.data.get("dismissed") or []:
        if not isinstance(entry, dict) or entry.get("kind") != kind:
            continue
        made, until = entry.get("date"), entry.get("until")
        if isinstance(until, dt.date) and until > today and isinstance(made, dt.date) and made >= since:
            return True
    return False


def suggestions(deals: list[Deal], config: Config, today: dt.date) -> list[Suggestion]:
    """Every suggestion for the open deals, in deal id order."""
    result: list[Suggestion] = []
    for deal in sorted(deals, key=lambda d: d.id):
        f = facts(deal, config, today)
        if f.kind != "open":
            continue
        for kind, reason, text, since in _candidates(f, config, today):
            result.append(Suggestion(deal, kind, reason, text, since))
    return result


def accept(deal: Deal, suggestion: Suggestion, config: Config, today: dt.date, *, due: str | None = None,
           assignee: str | None = None, default_assignee: str | None = None) -> dict:
    """Add the suggested task to the deal, marked `suggested: KIND` so the suggestion goes away."""
    task = add_task(deal, config, suggestion.text, today, due=due, assignee=assignee, default_assignee=default_assignee)
    marked = {**task, "suggested": suggestion.kind}
    deal.set("tasks", deal.tasks[:-1] + [marked])
    return marked


def dismiss(deal: Deal, suggestion: Suggestion, until: str, today: dt.date, user: str | None) -> dict:
    """Hide the suggestion until a later date, recorded on the deal; returns the entry."""
    date = parse_date(until, relative_to=today, direction=AHEAD)
    if date <= today:
        raise InvalidValue(DISMISS_FOR, f" {until} ends on {date}, not after today ({today}): give a later date or a duration like 2w")
    entry = {"kind": suggestion.kind, "date": today, "until": date}
    if user:
        entry["by"] = user
    deal.append("dismissed", entry)
    return entry


def pick(found: list[Suggestion], keys: tuple[str, ...]) -> list[Suggestion]:
    """The suggestions keys name (DEAL:KIND, DEAL a unique prefix of a deal id), all or none."""
    chosen: list[Suggestion] = []
    for typed in keys:
        suggestion = _one(found, typed)
        if suggestion not in chosen:
            chosen.append(suggestion)
    return chosen


def _one(found: list[Suggestion], typed: str) -> Suggestion:
    deal_part, colon, kind = typed.strip().rpartition(":")
    if not colon or not deal_part or not kind:
        number = " (suggestions are not numbered: a number shifts as others are accepted)" if typed.strip().isdigit() else ""
        on_deal = [s for s in found if typed.strip() and s.deal.id.startswith(typed.strip().rstrip(":"))]
        listed = ", ".join(s.key for s in (on_deal or found)[:5]) + (" ..." if len(on_deal or found) > 5 else "")
        raise InvalidValue(f"bad suggestion '{typed}'{number}: write DEAL:KIND as 'pipe tasks --suggested' lists it"
                           + (f" ({listed})" if found else ""))
    matching = [s for s in found if s.kind.startswith(kind) and s.deal.id.startswith(deal_part)]
    for exact in ([s for s in matching if s.deal.id == deal_part], [s for s in matching if s.kind == kind]):
        matching = exact or matching
    if len(matching) == 1:
        return matching[0]
    if matching:
        raise Ambiguous(f"'{typed}' matches {len(matching)} suggestions: {', '.join(s.key for s in matching)}")
    on_deal = [s.key for s in found if s.deal.id.startswith(deal_part)]
    if on_deal:
        raise NotFound(f"no suggestion '{typed}' now; for that deal: {', '.join(on_deal)}")
    raise NotFound(f"no suggestion '{typed}' now (see 'pipe tasks --suggested')")
