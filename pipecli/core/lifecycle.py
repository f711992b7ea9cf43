"""What happens to a deal: created, moved through stages, won, lost, fields set by hand.

Each function checks its input against the config, changes the Deal in memory and returns
what changed; saving is the caller's (under the workspace lock).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from collections.abc import Callable
from typing import Any, TypeVar

from pipecli.core.config import Config, Pipeline, Stage
from pipecli.core.dates import parse_date
from pipecli.core.deal import BANT_KEYS, Deal, slugify, unique_id
from pipecli.core.errors import InvalidValue, NotFound, PipeError
from pipecli.core.names import CURRENCY_PATTERN
from pipecli.core.validate import error_messages
from pipecli.core.values import clean_tags, one_line, parse_amount, parse_contact, parse_probability

def check_currency(config: Config, currency: str) -> str:
    code = currency.strip().upper()
    if not CURRENCY_PATTERN.match(code):
        raise InvalidValue(f"bad currency '{currency}': use a three-letter code like EUR")
    if config.rate(code) is None:
        raise InvalidValue(f"no exchange rate for {code}: add it under 'rates' in pipelines.yaml")
    return code


def check_source(config: Config, source: str) -> str:
    if not source.strip():
        raise InvalidValue("an empty source: leave --source out instead")
    if config.sources and source not in config.sources:
        raise InvalidValue(f"unknown source '{source}' (sources: {', '.join(config.sources)})")
    return source


def check_reason(config: Config, reason: str | None) -> str:
    if not reason:
        reasons = ", ".join(config.lost_reasons) or "any text"
        raise InvalidValue(f"a lost deal needs --reason ({reasons})")
    if config.lost_reasons and reason not in config.lost_reasons:
        raise InvalidValue(f"unknown lost reason '{reason}' (reasons: {', '.join(config.lost_reasons)})")
    return reason


_ID_LETTERS = "abcdefghijkmnpqrstuvwxyz"
_ID_CHARS = _ID_LETTERS + "23456789"


def new_task_id() -> str:
    """Six random characters starting with a letter (so YAML never reads it as a number)."""
    return secrets.choice(_ID_LETTERS) + "".join(secrets.choice(_ID_CHARS) for _ in range(5))


def new_task(text: str, due: dt.date | None, assignee: str | None, today: dt.date) -> dict:
    """A fresh open task with a random id, so two clones never make the same one."""
    if not one_line(text, "a task").strip():
        raise InvalidValue("a task needs some text")
    task: dict[str, Any] = {"id": new_task_id(), "text": text.strip()}
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
        raise InvalidValue("--due needs --next TEXT: the task it is the due date of")

    deal_id = unique_id(slugify(title), taken)
    data: dict[str, Any] = {"id": deal_id, "title": title, "pipeline": pipeline.id, "stage": stage.id}
    if spec.value is not None:
        data["value"] = parse_amount(spec.value)
    data["currency"] = check_currency(config, spec.currency) if spec.currency is not None else config.currency
    if owner:
        data["owner"] = owner
    if spec.account is not None:
        data["account"] = one_line(spec.account, "account").strip()
        if not data["account"]:
            raise InvalidValue("an empty account: leave --account out instead")
    if spec.contacts:
        data["contacts"] = [parse_contact(c) for c in spec.contacts]
    if spec.source is not None:
        data["source"] = check_source(config, one_line(spec.source, "source"))
    if spec.tags:
        data["tags"] = clean_tags(spec.tags)
        if not data["tags"]:
            raise InvalidValue("empty tags: leave --tag out instead")
    data["created"] = today
    if spec.close_date is not None:
        data["expected_close"] = parse_date(spec.close_date, relative_to=today)
    data["history"] = [history_entry(stage.id, today, user)]
    if spec.next_step is not None:
        due = parse_date(spec.due, relative_to=today) if spec.due is not None else None
        data["tasks"] = [new_task(spec.next_step, due, owner, today)]
    deal = Deal(data)
    # Like every write, a new deal must pass pipe check (under next_step: strict, it needs --next).
    errors = error_messages(deal, config, today)
    if errors:
        hint = " (give one with --next TEXT)" if "next step" in errors[0] else ""
        raise InvalidValue(f"not added: {errors[0]}{hint}")
    return deal


def history_entry(stage: str, date: dt.date, user: str | None, pipeline: str | None = None) -> dict:
    entry: dict[str, Any] = {"stage": stage, "date": date}
    if pipeline:
        entry["pipeline"] = pipeline
    if user:
        entry["by"] = user
    return entry


@dataclass
class Move:
    """A stage change, as it was done."""

    deal: Deal
    from_pipeline: str
    from_stage: str
    to: Stage
    pipeline: Pipeline


def move(
    deal: Deal,
    config: Config,
    stage_text: str,
    today: dt.date,
    user: str | None,
    *,
    pipeline_text: str | None = None,
    reason: str | None = None,
) -> Move:
    """Move a deal to a stage (of its pipeline, or of pipeline_text), recording it in the history."""
    current = config.pipeline(deal.pipeline)
    target = config.find_pipeline(pipeline_text) if pipeline_text is not None else current
    if target is None:
        raise NotFound(f"deal {deal.id} is in unknown pipeline '{deal.pipeline}': use --pipeline")
    stage = target.find_stage(stage_text)
    if target.id == deal.pipeline and stage.id == deal.stage:
        raise PipeError(f"{deal.id} is already in {stage.id}")
    if stage.kind == "lost":
        reason = check_reason(config, reason)
    elif reason is not None:
        raise InvalidValue(f"--reason is only for a move to a lost stage; {stage.id} is {stage.kind}")

    result = Move(deal, deal.pipeline, deal.stage, stage, target)
    moved_pipeline = target.id if target.id != deal.pipeline else None
    if moved_pipeline:
        deal.set("pipeline", target.id)
    deal.set("stage", stage.id)
    deal.append("history", history_entry(stage.id, today, user, moved_pipeline))
    if stage.kind in ("won", "lost"):
        deal.set("closed", today)
    elif "closed" in deal.data:
        deal.unset("closed")
    if stage.kind == "lost":
        deal.set("lost_reason", reason)
    elif "lost_reason" in deal.data:
        deal.unset("lost_reason")
    return result


def close(deal: Deal, config: Config, kind: str, today: dt.date, user: str | None, reason: str | None = None) -> Move:
    """Move a deal to its pipeline's won or lost stage."""
    pipeline = config.pipeline(deal.pipeline)
    if pipeline is None:
        raise NotFound(f"deal {deal.id} is in unknown pipeline '{deal.pipeline}'")
    stage = pipeline.first_of_kind(kind)
    if stage is None:
        raise NotFound(f"pipeline {pipeline.id} has no {kind} stage")
    return move(deal, config, stage.id, today, user, reason=reason)


# Fields `pipe set` can change, with how to read the text given for them.
_READ_ONLY = {
    "id": "a deal's id is its file name and does not change",
    "stage": "use 'pipe move' so the history records it",
    "pipeline": "use 'pipe move --pipeline' so the history records it",
    "history": "the history is written by 'pipe move'",
    "tasks": "tasks have their own commands; or use 'pipe edit'",
    "activities": "activities have their own commands; or use 'pipe edit'",
    "closed": "the closed date is set by 'pipe won' and 'pipe lost'",
    "lost_reason": "use 'pipe lost DEAL --reason R'",
}


def set_field(deal: Deal, config: Config, assignment: str, today: dt.date) -> tuple[str, Any, Any]:
    """Apply one KEY=VALUE to a deal; an empty VALUE removes the field. Returns (key, old, new)."""
    if "=" not in assignment:
        raise InvalidValue(f"bad assignment '{assignment}': use KEY=VALUE, like value=12000")
    key, _, text = assignment.partition("=")
    key = key.strip()
    text = text.strip()
    if key in _READ_ONLY:
        raise InvalidValue(f"cannot set {key}: {_READ_ONLY[key]}")
    if key.startswith("bant."):
        part = key.split(".", 1)[1]
        if part not in BANT_KEYS:
            raise InvalidValue(f"unknown BANT key '{part}' (use {', '.join(BANT_KEYS)})")
        bant = dict(deal.bant)
        old = bant.get(part)
        one_line(text, key)
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
        "expected_close": lambda t: parse_date(t, relative_to=today),
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
    deal.set(key, value)
    return key, old, value


def _past_date(text: str, today: dt.date) -> dt.date:
    date = parse_date(text, relative_to=today, future=False)
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

