"""The agenda: open tasks across deals, grouped as overdue, today, upcoming and snoozed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipecli.core.errors import InvalidValue
from pipecli.core.model.dates import AHEAD, Duration, parse_date
from pipecli.core.model.deal import Deal
from pipecli.core.model.inputs import DUE_BY, OVERDUE
from pipecli.core.model.queries import Facts

GROUPS = ("overdue", "today", "upcoming", "snoozed", "closed")
DUE_WORDS = ("today", "tomorrow", "week")


@dataclass(frozen=True)
class AgendaItem:
    """One task on the agenda, with its deal and where it falls."""

    deal: Deal
    number: int  # its place in the deal's tasks, for ordering only: commands name it by ref
    task: dict
    group: str
    ref: str  # the task's id
    @property
    def assignee(self) -> str | None:
        """Who the task is for: its assignee, else the deal's owner."""
        return self.task.get("assignee") or self.deal.owner

    @property
    def due(self) -> dt.date | None:
        return self.task.get("due")


def group_of(task: dict, today: dt.date) -> str:
    if task.get("status", "open") != "open":
        return "closed"
    snoozed = task.get("snoozed_until")
    if snoozed is not None and snoozed > today:
        return "snoozed"
    due = task.get("due")
    if due is not None and due < today:
        return "overdue"
    if due == today:
        return "today"
    return "upcoming"


def due_cutoff(text: str, today: dt.date) -> dt.date:
    """--due today|tomorrow|week|DATE as the last due date to show (week: the next seven days)."""
    if text.strip().lower() == "week":
        return Duration(7, "d").after(today)
    try:
        return parse_date(text, relative_to=today, direction=AHEAD)
    except InvalidValue as error:
        raise InvalidValue(f"{error} (or week)" if "bad date" in str(error) else str(error)) from None


def agenda(
    chosen: list[Facts],
    today: dt.date,
    *,
    assignees: tuple[str, ...] = (),
    overdue_only: bool = False,
    due_by: dt.date | None = None,
    include_closed: bool = False,
) -> list[AgendaItem]:
    """The tasks of the chosen deals, in group order, then by due date (none last), deal and number.

    With due_by or overdue_only, only tasks to act on are kept: snoozed and undated ones are not.
    """
    if overdue_only and due_by is not None:
        raise InvalidValue(OVERDUE, " and ", DUE_BY, " do not go together: ", DUE_BY, " already includes what is overdue")
    items = []
    for f in chosen:
        ids = None
        for number, task in enumerate(f.deal.tasks, start=1):
            group = group_of(task, today)
            if group == "closed" and not include_closed:
                continue
            ids = ids or f.deal.entry_ids("tasks")
            item = AgendaItem(f.deal, number, task, group, ids[number - 1])
            if assignees and item.assignee not in assignees:
                continue
            if overdue_only and group != "overdue":
                continue
            if due_by is not None and (group not in ("overdue", "today", "upcoming") or item.due is None or item.due > due_by):
                continue
            items.append(item)
    def order(i: AgendaItem) -> tuple:
        when = i.task.get("done") if i.group == "closed" else i.due  # finished ones by when they were
        return (GROUPS.index(i.group), when is None, when or dt.date.max, i.deal.id, i.number)

    return sorted(items, key=order)
