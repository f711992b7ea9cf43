"""Tasks on a deal: naming them (DEAL#N or a task id), and adding, finishing, snoozing, editing them.

Every change copies the task it touches, so the deal's data no longer equals what was read
and the save writes exactly the lines of that task.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from pipecli.core import lifecycle
from pipecli.core.config import Config
from pipecli.core.dates import parse_date
from pipecli.core.deal import TASK_STATUSES, Deal, task_with
from pipecli.core.errors import Ambiguous, InvalidValue, NotFound
from pipecli.core.lifecycle import Move, NextStep

_NUMBERED = re.compile(r"^(?P<deal>[^#\s]+)#(?P<number>\d{1,6})\Z")
_TASK_ID = re.compile(r"^[a-z][a-z0-9]{2,15}\Z")


@dataclass(frozen=True)
class TaskRef:
    """A task as typed: DEAL#N (deal ref and number) or a bare task id."""

    deal: str | None = None
    number: int | None = None
    task_id: str | None = None


def parse_task_ref(text: str) -> TaskRef:
    """Read DEAL#N, or a task id like 'k3v9qa'; raises InvalidValue otherwise."""
    cleaned = text.strip()
    match = _NUMBERED.match(cleaned)
    if match:
        return TaskRef(deal=match.group("deal"), number=int(match.group("number")))
    if _TASK_ID.match(cleaned):
        return TaskRef(task_id=cleaned)
    raise InvalidValue(f"bad task '{text}': write DEAL#N as shown by 'pipe tasks' (like acme#2), or a task id")


def holder(workspace, ref: TaskRef) -> str:
    """The id of the deal holding the task ref names (workspace: a storage.Workspace)."""
    if ref.deal is not None:
        return workspace.resolve(ref.deal)
    # Read only the files that mention the id: a task id lookup stays cheap on many deals.
    holders = [d for d in workspace.deals_mentioning(ref.task_id)
               if any(str(t.get("id")) == ref.task_id for t in workspace.load(d).tasks)]
    if not holders:
        raise NotFound(f"no task with id '{ref.task_id}' (task refs look like acme#2; see 'pipe tasks')")
    if len(holders) > 1:
        raise Ambiguous(f"task id '{ref.task_id}' is on {len(holders)} deals ({', '.join(holders)}): use DEAL#N")
    return holders[0]


def task_number(deal: Deal, ref: TaskRef) -> int:
    """The 1-based number of the task ref names on deal; raises NotFound if there is none."""
    if ref.number is not None:
        count = len(deal.tasks)
        if not 1 <= ref.number <= count:
            have = f"its tasks are {deal.id}#1 to {deal.id}#{count}" if count else "it has no tasks"
            raise NotFound(f"no task {deal.id}#{ref.number}: {have}")
        return ref.number
    for number, task in enumerate(deal.tasks, start=1):
        if str(task.get("id")) == ref.task_id:
            return number
    raise NotFound(f"no task '{ref.task_id}' on {deal.id}")


def _replace(deal: Deal, number: int, task: dict) -> dict:
    tasks = list(deal.tasks)
    tasks[number - 1] = task
    deal.set("tasks", tasks)
    return task


def _open_task(deal: Deal, number: int, doing: str) -> dict:
    task = deal.tasks[number - 1]
    status = task.get("status", "open")
    if status not in TASK_STATUSES:
        raise InvalidValue(f"cannot {doing} {deal.id}#{number}: its status '{status}' is not one of "
                           f"{', '.join(TASK_STATUSES)} (fix it with 'pipe edit {deal.id}')")
    if status != "open":
        raise InvalidValue(f"cannot {doing} {deal.id}#{number}: it is already {status}")
    return dict(task)


def add(deal: Deal, config: Config, text: str, today: dt.date, *, due: str | None = None,
        assignee: str | None = None, default_assignee: str | None = None) -> dict:
    """Append a new open task; the assignee defaults to the deal's owner, else default_assignee."""
    task = NextStep(text, due, assignee).task(deal, config, today, deal.owner or default_assignee)
    deal.append("tasks", task)
    return task


@dataclass
class Finished:
    """What `pipe task done` or `pipe task cancel` did."""

    ref: str
    task: dict
    next_task: dict | None = None
    move: Move | None = None
    warning: str | None = None


def finish(
    deal: Deal,
    config: Config,
    number: int,
    status: str,
    today: dt.date,
    user: str | None,
    *,
    next_step: NextStep | None = None,
    close: str | None = None,  # "won", "lost" or "parked": close the deal in the same command
    reason: str | None = None,
    on: dt.date | None = None,  # the day it was done (--on), when not today; a close is dated the same
) -> Finished:
    """Mark task number done or cancelled, then add the next step and/or close the deal.

    The next-step rule: finishing the last open task of an open deal needs next_step, or close.
    """
    if status not in ("done", "cancelled"):
        raise ValueError(status)
    open_task = _open_task(deal, number, "finish" if status == "done" else "cancel")
    if on is not None:
        lifecycle.check_task_on(deal, open_task, on)
    task = _replace(deal, number, task_with(open_task, status=status, done=on or today))
    result = Finished(f"{deal.id}#{number}", task)
    if reason is not None and close != "lost":
        raise InvalidValue("--reason goes with --lost")
    if close == "lost" and not reason:
        raise InvalidValue("--lost needs the reason, like --lost price")
    if close is not None:
        if next_step is not None and close != "parked":
            raise InvalidValue(f"--next and --{close} do not go together: a {close} deal has no next step")
        result.move = lifecycle.close(deal, config, close, today, user, reason, on=on)
        result.warning = result.move.warning
    if next_step is not None:  # the next step goes to whoever had this one
        result.next_task = next_step.task(deal, config, today, task.get("assignee") or deal.owner or user)
        deal.append("tasks", result.next_task)
    if close is not None:
        return result
    result.warning = lifecycle.enforce_next_step(
        deal, config, today,
        f"give the next one with --next TEXT, or close the deal with --won, --lost REASON or --park")
    return result


def snooze(deal: Deal, number: int, until: str, today: dt.date) -> dict:
    """Hide an open task from the agenda until a later date."""
    task = _open_task(deal, number, "snooze")
    date = parse_date(until, relative_to=today)
    if date <= today:
        raise InvalidValue(f"--until {until} is not after today ({today}): snooze until a later date")
    return _replace(deal, number, task_with(task, snoozed_until=date))


def assign(deal: Deal, config: Config, number: int, who: str) -> tuple[str | None, dict]:
    """Give a task to a team member; returns the old assignee and the task."""
    task = deal.tasks[number - 1]
    return task.get("assignee"), _replace(deal, number, task_with(task, assignee=config.find_member(who).id))


def edit(deal: Deal, number: int, today: dt.date, *, text: str | None = None, due: str | None = None) -> dict:
    """Change a task's text and/or due date; an empty --due removes the due date."""
    if text is None and due is None:
        raise InvalidValue("nothing to change: give --text TEXT and/or --due DATE")
    task = dict(deal.tasks[number - 1])
    if text is not None:
        task = task_with(task, text=lifecycle.task_text(text))
    if due is not None:
        if due.strip():
            task = task_with(task, due=parse_date(due, relative_to=today))
        else:
            task.pop("due", None)
    return _replace(deal, number, task)
