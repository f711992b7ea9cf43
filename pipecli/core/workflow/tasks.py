"""Tasks on a deal: naming them by id, and adding, finishing, snoozing, editing them.

Every change copies the task it touches, so the deal's data no longer equals what was read
and the save writes exactly the lines of that task.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipecli.core.errors import InvalidValue
from pipecli.core.model.config import Config
from pipecli.core.model.dates import AHEAD, is_interval, parse_date, parse_interval
from pipecli.core.model.deal import TASK_STATUSES, Deal, task_with
from pipecli.core.model.entryids import position, successor_id
from pipecli.core.model.inputs import DUE_DATE, LOST, LOST_REASON, NEXT_STEP, NEXT_TEXT, PARK, REASON, TEXT, UNTIL, WON
from pipecli.core.workflow import lifecycle
from pipecli.core.workflow.lifecycle import Move, NextStep


def task_index(deal: Deal, task_id: str) -> int:
    """Where the task with task_id is on deal (0-based), its id stored in the file first."""
    index = position(deal, "tasks", task_id)
    deal.store_task_ids()
    return index


def _replace(deal: Deal, index: int, task: dict) -> dict:
    tasks = list(deal.tasks)
    tasks[index] = task
    deal.set("tasks", tasks)
    return task


def _open_task(deal: Deal, index: int, doing: str) -> dict:
    task = deal.tasks[index]
    ref = deal.task_ref(task)
    status = task.get("status", "open")
    if status not in TASK_STATUSES:
        raise InvalidValue(f"cannot {doing} {ref}: its status '{status}' is not one of "
                           f"{', '.join(TASK_STATUSES)} (fix it with 'pipe edit {deal.id}')")
    if status != "open":
        raise InvalidValue(f"cannot {doing} {ref}: it is already {status}")
    return dict(task)


def add(deal: Deal, config: Config, text: str, today: dt.date, *, due: str | None = None,
        assignee: str | None = None, default_assignee: str | None = None, every: str | None = None) -> dict:
    """Append a new open task; the assignee defaults to the deal's owner, else default_assignee.
    every (2w): a recurring task, followed by the next one when it is done (see recur)."""
    interval = parse_interval(every) if every is not None else None
    task = NextStep(text, due, assignee).task(deal, config, today, deal.owner or default_assignee)
    if interval is not None:
        task = task_with(task, every=str(interval))
    deal.append("tasks", task)
    return task


@dataclass
class Finished:
    """What `pipe task done` or `pipe task cancel` did."""

    ref: str
    task: dict
    next_task: dict | None = None
    recurred: dict | None = None  # the next task of a recurring one
    move: Move | None = None
    warning: str | None = None


def finish(
    deal: Deal,
    config: Config,
    index: int,
    status: str,
    today: dt.date,
    user: str | None,
    *,
    next_step: NextStep | None = None,
    close: str | None = None,  # "won", "lost" or "parked": close the deal in the same command
    reason: str | None = None,
    on: dt.date | None = None,  # the day it was done (--on), when not today; a close is dated the same
) -> Finished:
    """Mark the task at index done or cancelled, then add the next step and/or close the deal.

    The next-step rule: finishing the last open task of an open deal needs next_step, or close.
    """
    if status not in ("done", "cancelled"):
        raise ValueError(status)
    open_task = _open_task(deal, index, "finish" if status == "done" else "cancel")
    if on is not None:
        lifecycle.check_task_on(deal, open_task, on)
    task = _replace(deal, index, task_with(open_task, status=status, done=on or today))
    result = Finished(deal.task_ref(task), task)
    if reason is not None and close != "lost":
        raise InvalidValue(REASON, " is only for closing the deal as lost")
    if close == "lost" and not reason:
        raise InvalidValue("a lost deal needs ", LOST_REASON, ", like price")
    if close is not None:
        if next_step is not None and close != "parked":
            raise InvalidValue(NEXT_STEP, " and ", {"won": WON, "lost": LOST, "parked": PARK}[close], f" do not go together: a {close} deal has no next step")
        result.move = lifecycle.close(deal, config, close, today, user, reason, on=on)
        result.warning = result.move.warning
    if next_step is not None:  # the next step goes to whoever had this one
        result.next_task = next_step.task(deal, config, today, task.get("assignee") or deal.owner or user)
        deal.append("tasks", result.next_task)
    if status == "done" and close is None and is_interval(task.get("every")):
        # Cancelling ends the series, and so does closing the deal: only a task done comes back.
        result.recurred = recur(task, today, set(deal.entry_ids("tasks")))
        deal.append("tasks", result.recurred)
    if close is not None:
        return result
    result.warning = lifecycle.enforce_next_step(
        deal, config, today,
        "give the next one with ", NEXT_TEXT, ", or close the deal with ", WON, ", ", LOST_REASON, " or ", PARK)
    return result


def recur(done_task: dict, today: dt.date, taken: set[str] = frozenset()) -> dict:
    """The next task of a recurring one just done: same text, assignee and interval, due one interval
    after its due date (its done date when it had none), moved on by intervals until after today.
    Its id follows from the done task's (entryids.successor_id), not from chance: a task done in two
    clones makes one next task, not a series in two."""
    interval = parse_interval(done_task["every"])
    start = next((d for d in (done_task.get("due"), done_task.get("done")) if isinstance(d, dt.date)), today)
    due = interval.after(start)
    while due <= today:  # done late: the next one is still ahead, not already overdue
        due = interval.after(due)
    task = lifecycle.new_task(str(done_task.get("text")), due, done_task.get("assignee"), today)
    if done_task.get("id"):
        task["id"] = successor_id(str(done_task["id"]), taken)
    return task_with(task, every=str(interval))


def snooze(deal: Deal, index: int, until: str, today: dt.date) -> dict:
    """Hide an open task from the agenda until a later date."""
    task = _open_task(deal, index, "snooze")
    date = parse_date(until, relative_to=today, direction=AHEAD)
    if date <= today:
        raise InvalidValue(UNTIL, f" {until} is not after today ({today}): snooze until a later date")
    return _replace(deal, index, task_with(task, snoozed_until=date))


def assign(deal: Deal, config: Config, index: int, who: str) -> tuple[str | None, dict]:
    """Give a task to a team member; returns the old assignee and the task."""
    task = deal.tasks[index]
    return task.get("assignee"), _replace(deal, index, task_with(task, assignee=config.find_member(who).id))


def edit(deal: Deal, index: int, today: dt.date, *, text: str | None = None, due: str | None = None) -> dict:
    """Change a task's text and/or due date; an empty --due removes the due date."""
    if text is None and due is None:
        raise InvalidValue("nothing to change: give ", TEXT, " and/or ", DUE_DATE)
    task = dict(deal.tasks[index])
    if text is not None:
        task = task_with(task, text=lifecycle.task_text(text))
    if due is not None:
        if due.strip():
            task = task_with(task, due=parse_date(due, relative_to=today, direction=AHEAD))
        else:
            task.pop("due", None)
    return _replace(deal, index, task)
