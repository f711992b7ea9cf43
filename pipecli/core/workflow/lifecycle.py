"""What happens to a deal: created, moved through stages, won, lost, fields set by hand.

Each function checks its input against the config, changes the Deal in memory and returns
what changed; saving is the caller's (under the workspace lock).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pipecli.core.errors import InvalidValue, Message, NotFound, PipeError
from pipecli.core.model.config import Config, Pipeline, Stage
from pipecli.core.model.dates import AHEAD, BEHIND, Duration, parse_date
from pipecli.core.model.deal import BANT_KEYS, MAX_ID_LENGTH, Deal, slugify, task_with
from pipecli.core.model.entryids import new_entry_id
from pipecli.core.model.inputs import (ACCOUNT, CLOSE_DATE, CONTACT, DUE, FORCE, NEXT_STEP, NEXT_TEXT, ON, ON_DATE,
                                       OWNER, PIPELINE, REASON, SOURCE, TAGS, VALUE)
from pipecli.core.model.validate import error_messages, gate_missing
from pipecli.core.model.values import clean_tags, one_line, parse_amount, parse_contact, parse_probability
from pipecli.core.names import CURRENCY_PATTERN


def check_currency(config: Config, currency: str) -> str:
    code = currency.strip().upper()
    if not CURRENCY_PATTERN.match(code):
        raise InvalidValue(f"bad currency '{currency}': use a three-letter code like EUR")
    if config.rate(code) is None:
        raise InvalidValue(f"no exchange rate for {code}: add it under 'rates' in pipelines.yaml")
    return code


def check_source(config: Config, source: str) -> str:
    if not source.strip():
        raise InvalidValue("an empty source: leave ", SOURCE, " out instead")
    if config.sources and source not in config.sources:
        raise InvalidValue(f"unknown source '{source}' (sources: {', '.join(config.sources)})")
    return source


def check_reason(config: Config, reason: str | None) -> str:
    if not reason:
        reasons = ", ".join(config.lost_reasons) or "any text"
        raise InvalidValue("a lost deal needs ", REASON, f" ({reasons})")
    if config.lost_reasons and reason not in config.lost_reasons:
        raise InvalidValue(f"unknown lost reason '{reason}' (reasons: {', '.join(config.lost_reasons)})")
    return reason


_ID_CHARS = "abcdefghijkmnpqrstuvwxyz23456789"  # a deal id suffix: no 0, 1 or l


ID_SUFFIX_LENGTH = 4


def new_deal_id(title: str, taken: set[str]) -> str:
    """The title's slug and four random characters: `acme-renewal-k7pq`.

    Deal ids are file names, and two clones adding a deal with the same title must not pick the
    same file: git would meet them as one file added twice. The suffix makes that a one in a
    million chance (and the merge driver still refuses to join two files added on both sides).
    Commands take any unique prefix of an id, so nobody has to type the suffix.
    """
    base = slugify(title)[: MAX_ID_LENGTH - ID_SUFFIX_LENGTH - 1].strip("-") or "deal"
    while True:
        candidate = f"{base}-{''.join(secrets.choice(_ID_CHARS) for _ in range(ID_SUFFIX_LENGTH))}"
        if candidate not in taken:
            return candidate


def task_text(text: str) -> str:
    """A task's text as typed: one line, not empty."""
    cleaned = one_line(text, "a task").strip()
    if not cleaned:
        raise InvalidValue("a task needs some text")
    return cleaned


def new_task(text: str, due: dt.date | None, assignee: str | None, today: dt.date) -> dict:
    """A fresh open task with a random id, so two clones never make the same one."""
    task: dict[str, Any] = {"id": new_entry_id(), "text": task_text(text)}
    if due is not None:
        task["due"] = due
    if assignee is not None:
        task["assignee"] = assignee
    task["status"] = "open"
    task["created"] = today
    return task


T = TypeVar("T")


@dataclass
class NewDeal:
    """What `pipe add` was told."""

    title: str
    pipeline: str | None = None
    stage: str | None = None
    value: str | None = None
    currency: str | None = None
    owner: str | None = None
    account: str | None = None
    contacts: tuple[str, ...] = ()
    source: str | None = None
    tags: tuple[str, ...] = ()
    close_date: str | None = None
    next_step: str | None = None
    due: str | None = None


def create_deal(spec: NewDeal, config: Config, taken: set[str], today: dt.date, user: str | None) -> Deal:
    """A new deal from spec, with a unique id, its first history entry and its next step."""
    title = one_line(spec.title, "a deal title").strip()
    if not title:
        raise InvalidValue("a deal needs a title")
    pipeline = config.find_pipeline(spec.pipeline) if spec.pipeline is not None else config.default_pipeline
    if spec.stage is not None:
        stage = pipeline.find_stage(spec.stage)
        if stage.is_closed:
            raise InvalidValue(f"a new deal cannot start in the {stage.kind} stage '{stage.id}': add it, then 'pipe {stage.kind} ID'")
    else:
        stage = pipeline.first_of_kind("open")
    owner = config.find_member(spec.owner).id if spec.owner is not None else user
    if spec.due is not None and spec.next_step is None:
        raise InvalidValue(DUE, " needs ", NEXT_TEXT, ": the task it is the due date of")

    deal_id = new_deal_id(title, taken)
    data: dict[str, Any] = {"id": deal_id, "title": title, "pipeline": pipeline.id, "stage": stage.id}
    if spec.value is not None:
        data["value"] = parse_amount(spec.value)
    data["currency"] = check_currency(config, spec.currency) if spec.currency is not None else config.currency
    if owner:
        data["owner"] = owner
    if spec.account is not None:
        data["account"] = one_line(spec.account, "account").strip()
        if not data["account"]:
            raise InvalidValue("an empty account: leave ", ACCOUNT, " out instead")
    if spec.contacts:
        data["contacts"] = [parse_contact(c) for c in spec.contacts]
    if spec.source is not None:
        data["source"] = check_source(config, one_line(spec.source, "source"))
    if spec.tags:
        data["tags"] = clean_tags(spec.tags)
        if not data["tags"]:
            raise InvalidValue("empty tags: leave ", TAGS, " out instead")
    data["created"] = today
    if spec.close_date is not None:
        data["expected_close"] = parse_date(spec.close_date, relative_to=today, direction=AHEAD)
    data["history"] = [history_entry(stage.id, today, user)]
    deal = Deal(data)
    missing = gate_missing(deal, stage)
    if missing:
        raise InvalidValue(f"not added: stage {stage.id} requires {', '.join(missing)}: ", *_gate_hint(missing))
    stage_tasks(deal, stage, today)
    if spec.next_step is not None:
        due = parse_date(spec.due, relative_to=today, direction=AHEAD) if spec.due is not None else None
        deal.append("tasks", new_task(spec.next_step, due, owner, today))
    # Like every write, a new deal must pass pipe check (under next_step: strict, it needs --next).
    errors = error_messages(deal, config, today)
    if errors:
        hint = (" (give one with ", NEXT_TEXT, ")") if "next step" in errors[0] else ()
        raise InvalidValue(f"not added: {errors[0]}", *hint)
    return deal


def _gate_hint(missing: list[str]) -> tuple:
    """What to do when a new deal lacks what its stage requires, as message parts (BANT answers are
    not given when a deal is added)."""
    given = {"value": VALUE, "expected_close": CLOSE_DATE, "account": ACCOUNT, "contacts": CONTACT, "source": SOURCE,
             "owner": OWNER}
    without = [m for m in missing if m not in given]
    if not without:
        named = [part for n, m in enumerate(missing) for part in ((", ",) if n else ()) + (given[m],)]
        return ("give ", *named, ", or add the deal in an earlier stage")
    return (f"add the deal in an earlier stage, set {', '.join(without)} with 'pipe set', then move it",)


def stage_tasks(deal: Deal, stage: Stage, today: dt.date, entered: dt.date | None = None) -> list[dict]:
    """Stage-entry automation: append the tasks the stage creates on entry; returns them.

    Their due dates count from the day the deal entered the stage (entered, else today).
    """
    created = []
    for rule in stage.on_enter:
        if any(t.get("text") == rule.text for t in deal.open_tasks):
            continue  # back in the stage with the task still open: one is enough
        due = Duration(rule.due_days, "d").after(entered or today) if rule.due_days is not None else None
        task = new_task(rule.text, due, rule.assignee or deal.owner, today)
        deal.append("tasks", task)
        created.append(task)
    return created


def cancel_open_tasks(deal: Deal, day: dt.date) -> list[dict]:
    """Mark every open task cancelled on day (a closed deal has nothing left to do); returns them.

    A task created after day (a close dated back) is cancelled on the day it was created.
    """
    cancelled = []
    tasks = []
    deal.store_task_ids()  # before the tasks change: the ids shown for them stay theirs
    for task in deal.tasks:
        if task.get("status", "open") == "open":
            created = task.get("created")
            done = max(day, created) if isinstance(created, dt.date) else day
            task = task_with(task, status="cancelled", done=done)
            cancelled.append(task)
        tasks.append(task)
    if cancelled:
        deal.set("tasks", tasks)
    return cancelled


def enforce_next_step(deal: Deal, config: Config, today: dt.date, *hint: object) -> Message | None:
    """Apply the next-step rule after a change: an open deal must keep an open task.

    Under `strict` a deal left without one raises InvalidValue (hint says what to do instead);
    under `warn` the warning is returned for the caller to print; otherwise None.
    """
    pipeline = config.pipeline(deal.pipeline)
    stage = pipeline.stage(deal.stage) if pipeline else None
    if config.next_step == "off" or stage is None or not stage.is_open or deal.open_tasks:
        return None
    if config.next_step == "strict":
        raise InvalidValue(f"{deal.id} would have no next step (no open task): ", *hint)
    return Message(f"{deal.id} has no next step: ", *hint)


def history_entry(stage: str, date: dt.date, user: str | None, pipeline: str | None = None) -> dict:
    entry: dict[str, Any] = {"stage": stage, "date": date}
    if pipeline:
        entry["pipeline"] = pipeline
    if user:
        entry["by"] = user
    return entry


def parse_on(text: str, today: dt.date) -> dt.date:
    """The day a change happened, as given to --on: YYYY-MM-DD, today, yesterday, or a duration ago (3d)."""
    date = parse_date(text, relative_to=today, direction=BEHIND)
    if date > today:
        raise InvalidValue(ON, f" {_as_typed(text, date)} is after today ({today}): a change cannot be dated ahead")
    return date


def _as_typed(text: str, date: dt.date) -> str:
    return text.strip() if text.strip() == date.isoformat() else f"{text.strip()} ({date})"


def last_move(deal: Deal) -> dict | None:
    """The latest-dated stage history entry (the last one, unless the history was edited out of order)."""
    dated = [e for e in deal.history if isinstance(e.get("date"), dt.date)]
    return max(reversed(dated), key=lambda e: e["date"]) if dated else None


def check_task_on(deal: Deal, task: dict, on: dt.date) -> None:
    """Refuse finishing a task on a day before it (or its deal) was created."""
    created = task.get("created")
    if isinstance(created, dt.date) and on < created:
        raise InvalidValue(ON, f" {on} is before the task was created ({created})")
    if deal.created is not None and on < deal.created:
        raise InvalidValue(ON, f" {on} is before {deal.id} was created ({deal.created})")


def check_on(deal: Deal, on: dt.date) -> None:
    """Refuse a change dated before the deal was created, or before its latest stage change:
    the stage history stays in date order, as `pipe check` requires."""
    if deal.created is not None and on < deal.created:
        raise InvalidValue(ON, f" {on} is before {deal.id} was created ({deal.created})")
    last = last_move(deal)
    if last is not None and on < last["date"]:
        raise InvalidValue(ON, f" {on} is before {deal.id}'s last stage change (to {last.get('stage')} on "
                           f"{last['date']}): the stage history must stay in date order")


@dataclass
class Move:
    """A stage change, as it was done, with what came with it."""

    deal: Deal
    from_pipeline: str
    from_stage: str
    to: Stage
    pipeline: Pipeline
    forced: list[str] = field(default_factory=list)  # gate requirements overridden by --force
    created_tasks: list[dict] = field(default_factory=list)  # stage-entry automation and --next
    cancelled_tasks: list[dict] = field(default_factory=list)  # open tasks of a deal that closed
    warning: str | None = None  # the next-step rule's, under `warn`


@dataclass
class NextStep:
    """A --next TEXT [--due DATE] [--assignee WHO] given to a command."""

    text: str
    due: str | None = None
    assignee: str | None = None

    def task(self, deal: Deal, config: Config, today: dt.date, default_assignee: str | None) -> dict:
        due = parse_date(self.due, relative_to=today, direction=AHEAD) if self.due is not None else None
        assignee = config.find_member(self.assignee).id if self.assignee is not None else default_assignee
        return new_task(self.text, due, assignee, today)


class GateRefused(InvalidValue):
    """A move into a stage whose gate the deal does not meet."""


def move(
    deal: Deal,
    config: Config,
    stage_text: str,
    today: dt.date,
    user: str | None,
    *,
    pipeline_text: str | None = None,
    reason: str | None = None,
    force: bool = False,
    next_step: NextStep | None = None,
    flushed: bool = False,
    on: dt.date | None = None,
) -> Move:
    """Move a deal to a stage (of its pipeline, or of pipeline_text), recording it in the history.

    The stage's gate must be met (unless force, which records what was missing); the stage's
    entry tasks are created; a deal that closes has its open tasks cancelled; and a deal moved
    into an open stage must keep a next step (next_step, or a task it already has).
    on is the day the move happened (--on), when not today: the history entry and the closed
    date take it; it may not be before the deal was created or before its last stage change.
    """
    current = config.pipeline(deal.pipeline)
    target = config.find_pipeline(pipeline_text) if pipeline_text is not None else current
    if target is None:
        raise NotFound(f"deal {deal.id} is in unknown pipeline '{deal.pipeline}': name ", PIPELINE)
    stage = target.find_stage(stage_text)
    if target.id == deal.pipeline and stage.id == deal.stage:
        hint = f": to correct its close, 'pipe {stage.kind} {deal.id}" if stage.kind in ("won", "lost") else ""
        if hint:
            hint += " --reason R" if stage.kind == "lost" else ""
            hint += " --on DATE'"
        raise PipeError(f"{deal.id} is already in {stage.id}{hint}")
    when = today
    if on is not None:
        check_on(deal, on)
        when = on
    if stage.kind == "lost":
        reason = check_reason(config, reason)
    elif reason is not None:
        raise InvalidValue(REASON, f" is only for a move to a lost stage; {stage.id} is {stage.kind}")
    if next_step is not None and stage.is_closed:
        raise InvalidValue(NEXT_STEP, f" is for a move into an open or parked stage; {stage.id} is {stage.kind}")
    missing = gate_missing(deal, stage)
    if missing and not force:
        raise GateRefused(f"{deal.id} cannot enter {stage.id}, which requires {', '.join(missing)}: "
                          f"set {'them' if len(missing) > 1 else 'it'} first (pipe set {deal.id} "
                          f"{' '.join(m + '=...' for m in missing)}), or move anyway with ", FORCE)

    result = Move(deal, deal.pipeline, deal.stage, stage, target, forced=missing)
    moved_pipeline = target.id if target.id != deal.pipeline else None
    if moved_pipeline:
        deal.set("pipeline", target.id)
    deal.set("stage", stage.id)
    entry = history_entry(stage.id, when, user, moved_pipeline)
    if missing:
        entry["forced"] = missing
    if flushed:  # so reports can tell a flushed deal from one lost for its reason
        entry["flushed"] = True
    deal.append("history", entry)
    if stage.kind in ("won", "lost"):
        deal.set("closed", when)
    elif "closed" in deal.data:
        deal.unset("closed")
    if stage.kind == "lost":
        deal.set("lost_reason", reason)
    elif "lost_reason" in deal.data:
        deal.unset("lost_reason")
    if stage.is_closed:
        result.cancelled_tasks = cancel_open_tasks(deal, when)
    result.created_tasks = stage_tasks(deal, stage, today, when)
    if next_step is not None:
        task = next_step.task(deal, config, today, deal.owner or user)
        deal.append("tasks", task)
        result.created_tasks.append(task)
    result.warning = enforce_next_step(deal, config, today, "give one with ", NEXT_TEXT,
                                       f", as in 'pipe move {deal.id} {stage.id} --next \"Call them\"'")
    return result


def close(deal: Deal, config: Config, kind: str, today: dt.date, user: str | None, reason: str | None = None,
          *, force: bool = False, next_step: NextStep | None = None, flushed: bool = False,
          on: dt.date | None = None) -> Move:
    """Move a deal to its pipeline's (first) stage of a kind: won, lost or parked (on a past day, with on)."""
    pipeline = config.pipeline(deal.pipeline)
    if pipeline is None:
        raise NotFound(f"deal {deal.id} is in unknown pipeline '{deal.pipeline}'")
    stage = pipeline.first_of_kind(kind)
    if stage is None:
        raise NotFound(f"pipeline {pipeline.id} has no {kind} stage: add one (kind: {kind}) to it in pipelines.yaml")
    return move(deal, config, stage.id, today, user, reason=reason, force=force, next_step=next_step, flushed=flushed,
                on=on)


def stage_kind(deal: Deal, config: Config) -> str | None:
    """The kind of the deal's current stage (open, won, lost, parked), or None if it is unknown."""
    pipeline = config.pipeline(deal.pipeline)
    stage = pipeline.stage(deal.stage) if pipeline else None
    return stage.kind if stage else None


@dataclass
class Correction:
    """What correcting a close changed: (field, old, new) for closed and lost_reason."""

    deal: Deal
    changes: list[tuple[str, Any, Any]]


def correct_close(deal: Deal, config: Config, today: dt.date, user: str | None, *,
                  on: dt.date | None = None, reason: str | None = None,
                  said: tuple = (ON, " ")) -> Correction:
    """Correct a won or lost deal's close: its date (on) and/or its lost reason.

    The close's history entry (the last one) is changed in place, so the history stays in date
    order and reports read the corrected date: its `date` becomes on, and it records the
    correction (`corrected`, `corrected_by`) and what the close first said (`was_date`,
    `was_reason`, written by the first correction of each and kept after).
    """
    kind = stage_kind(deal, config)
    if kind not in ("won", "lost"):
        raise InvalidValue(f"{deal.id} is not won or lost (it is in {deal.stage}): only a close can be corrected")
    if reason is not None and kind != "lost":
        raise InvalidValue(f"{deal.id} is won: only a lost deal has a lost reason")
    history = deal.history
    if not history or history[-1].get("stage") != deal.stage:
        raise InvalidValue(f"cannot correct {deal.id}'s close: its history does not end with the move to "
                           f"{deal.stage} (fix it with 'pipe edit {deal.id}')")
    entry = dict(history[-1])
    changes: list[tuple[str, Any, Any]] = []
    if on is not None and (on != deal.closed or on != entry.get("date")):
        if on > today:
            raise InvalidValue(*said, f"{on} is after today ({today}): a change cannot be dated ahead")
        if deal.created is not None and on < deal.created:
            raise InvalidValue(*said, f"{on} is before {deal.id} was created ({deal.created})")
        before = history[-2] if len(history) > 1 else None
        if before is not None and isinstance(before.get("date"), dt.date) and on < before["date"]:
            raise InvalidValue(*said, f"{on} is before {deal.id}'s stage change before the close (to "
                               f"{before.get('stage')} on {before['date']}): the stage history must stay in date order")
        entry.setdefault("was_date", entry.get("date"))
        entry["date"] = on
        changes.append(("closed", deal.closed, on))
    if reason is not None and reason != deal.lost_reason:
        reason = check_reason(config, reason)
        if deal.lost_reason is not None:
            entry.setdefault("was_reason", deal.lost_reason)
        changes.append(("lost_reason", deal.lost_reason, reason))
    if not changes:
        why = f"for {deal.lost_reason}, " if kind == "lost" else ""
        how = ("a different ", REASON, " or ", ON_DATE) if kind == "lost" else (ON_DATE,)
        raise PipeError(f"{deal.id} is already {kind} ({why}closed {deal.closed}): to correct it, give ", *how)
    marks = {"corrected": today, "corrected_by": user, "was_date": entry.pop("was_date", None),
             "was_reason": entry.pop("was_reason", None)}
    for key in marks:
        entry.pop(key, None)
    # In this order after the entry's own keys, so a second correction changes values, not lines' order.
    entry.update({key: value for key, value in marks.items() if value is not None})
    deal.set("history", history[:-1] + [entry])
    for key, _, new in changes:
        deal.set(key, new)
    return Correction(deal, changes)


# Fields `pipe set` can change, with how to read the text given for them.
_READ_ONLY = {
    "id": "a deal's id is its file name and does not change",
    "stage": "use 'pipe move' so the history records it",
    "pipeline": "use 'pipe move --pipeline' so the history records it",
    "history": "the history is written by 'pipe move'",
    "tasks": "tasks have their own commands; or use 'pipe edit'",
    "activities": "activities have their own commands; or use 'pipe edit'",
    "close_changes": "written by 'pipe set expected_close=...'",
}
# Fields of a close: setting them corrects the close (see correct_close), on a won or lost deal only.
_CLOSE_FIELDS = ("closed", "lost_reason")


def set_field(deal: Deal, config: Config, assignment: str, today: dt.date,
              user: str | None = None) -> tuple[str, Any, Any]:
    """Apply one KEY=VALUE to a deal; an empty VALUE removes the field. Returns (key, old, new).

    closed and lost_reason correct a won or lost deal's close, as 'pipe won/lost --on' do.
    """
    if "=" not in assignment:
        raise InvalidValue(f"bad assignment '{assignment}': use KEY=VALUE, like value=12000")
    key, _, text = assignment.partition("=")
    key = key.strip()
    text = text.strip()
    if key in _READ_ONLY:
        raise InvalidValue(f"cannot set {key}: {_READ_ONLY[key]}")
    if key in _CLOSE_FIELDS:
        value = read_close_field(config, key, text, today)
        old = deal.data.get(key)
        kinds = ("lost",) if key == "lost_reason" else ("won", "lost")
        if stage_kind(deal, config) not in kinds:
            closing = f"pipe lost {deal.id} --reason R" if key == "lost_reason" else f"pipe won/lost {deal.id} --on DATE"
            raise InvalidValue(f"cannot set {key}: {deal.id} is not {' or '.join(kinds)} (close it with '{closing}')")
        if value != old:
            correct_close(deal, config, today, user, said=(f"{key}=",),
                          **({"on": value} if key == "closed" else {"reason": value}))
        return key, old, value
    if key.startswith("bant."):
        part = key.split(".", 1)[1]
        if part not in BANT_KEYS:
            raise InvalidValue(f"unknown BANT key '{part}' (use {', '.join(BANT_KEYS)})")
        bant = dict(deal.bant)
        old = bant.get(part)
        one_line(text, key)
        if (text or None) == old:
            return key, old, old
        if text:
            bant[part] = text
        else:
            bant.pop(part, None)
        if bant:
            deal.set("bant", bant)
        else:
            deal.unset("bant")
        return key, old, text or None
    readers = {
        "title": lambda t: one_line(t, "title"),
        "value": parse_amount,
        "currency": lambda t: check_currency(config, t),
        "probability": parse_probability,
        "owner": lambda t: config.find_member(t).id,
        "account": lambda t: one_line(t, "account"),
        "source": lambda t: check_source(config, one_line(t, "source")),
        "tags": lambda t: clean_tags([t]),
        "contacts": lambda t: [parse_contact(c) for c in t.split(";") if c.strip()],
        "created": lambda t: _past_date(t, today),
        "expected_close": lambda t: parse_date(t, relative_to=today, direction=AHEAD),
    }
    if key not in readers:
        known = ", ".join(sorted(list(readers) + ["bant.budget", "bant.authority", "bant.need", "bant.timeline"]))
        raise InvalidValue(f"unknown field '{key}' (fields you can set: {known})")
    old = deal.data.get(key)
    if not text:
        if key == "title":
            raise InvalidValue("a deal needs a title")
        deal.unset(key)
        return key, old, None
    value = readers[key](text)
    if value == []:  # tags=, or contacts=; : nothing left, so the field goes
        deal.unset(key)
        return key, old, None
    if value == old:  # touched, the field could be written in another form: no byte may change
        return key, old, value
    if key == "created":
        _refuse_interactions_before(deal, value)
    if key == "expected_close" and isinstance(old, dt.date) and old != value:
        # Kept so the forecast can tell which deals keep slipping, and by how much.
        deal.append("close_changes", {"date": today, "from": old, "to": value})
    deal.set(key, value)
    return key, old, value


def read_close_field(config: Config, key: str, text: str, today: dt.date) -> Any:
    """The value of closed=DATE or lost_reason=R as `pipe set` reads it (neither can be removed)."""
    if not text:
        raise InvalidValue(f"cannot remove {key}: a {'lost' if key == 'lost_reason' else 'won or lost'} deal needs "
                           "it; to reopen the deal, 'pipe move DEAL STAGE'")
    if key == "lost_reason":
        return check_reason(config, one_line(text, key))
    date = parse_date(text, relative_to=today, direction=BEHIND)
    if date > today:
        raise InvalidValue(f"closed {date} is after today ({today}): a close cannot be dated ahead")
    return date


def retag(deal: Deal, tags: list[str], *, remove: bool = False) -> list[str]:
    """Add tags the deal lacks (or remove those it has), in any case; returns the tags changed."""
    current = deal.tags
    wanted = {t.lower() for t in tags}
    if remove:
        gone = [t for t in current if t.lower() in wanted]
        kept = [t for t in current if t.lower() not in wanted]
        if kept:
            deal.set("tags", kept)
        elif "tags" in deal.data:
            deal.unset("tags")
        return gone
    have = {t.lower() for t in current}
    added = [t for t in dict.fromkeys(tags) if t.lower() not in have]
    if added:
        deal.set("tags", current + added)
    return added


def _refuse_interactions_before(deal: Deal, created: dt.date) -> None:
    """A deal created after an interaction logged on it would be warned about by `pipe check`."""
    dates = [a.get("date") for a in deal.activities if isinstance(a.get("date"), dt.date)]
    if dates and min(dates) < created:
        raise InvalidValue(f"created {created} would be after {deal.id}'s first interaction ({min(dates)}): "
                           f"set it to {min(dates)} or earlier")


def _past_date(text: str, today: dt.date) -> dt.date:
    date = parse_date(text, relative_to=today, direction=BEHIND)
    if date > today:
        raise InvalidValue(f"created cannot be in the future ({date})")
    return date


def refuse_new_errors(deal: Deal, config: Config, today: dt.date, change: Callable[[Deal], T]) -> T:
    """Apply change to deal, raising InvalidValue if it adds an error `pipe check` would report.

    So no command can write a deal that check rejects; errors the deal already had (fixed by
    hand later) do not block unrelated changes.
    """
    before = set(error_messages(deal, config, today))
    result = change(deal)
    new = [m for m in error_messages(deal, config, today) if m not in before]
    if new:
        raise InvalidValue(f"{deal.id}: {new[0]}")
    return result

