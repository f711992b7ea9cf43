"""Rules for a deal's fields: their types (checked on every load) and their meaning (pipe check)."""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import math
import re
from dataclasses import dataclass
from typing import Any

from pipecli.core.model.config import Config
from pipecli.core.model.dates import is_interval
from pipecli.core.model.deal import BANT_KEYS, TASK_STATUSES, Deal
from pipecli.core.model.entryids import typable
from pipecli.core.model.schema import (DATE, DEAL_FIELDS, FIELD_ORDER, FREE_TEXT, NUMBER, TEXT, TEXT_LIST,
                                       fields_of_type)
from pipecli.core.model.values import MAX_AMOUNT
from pipecli.core.names import EMAIL_PATTERN

ACTIVITY_KINDS = ("call", "email", "meeting", "note", "message", "demo")
DIRECTIONS = ("in", "out")
TIME_PATTERN = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d\Z")  # 9:05 as typed by hand is fine


@dataclass(frozen=True)
class FieldProblem:
    """A problem with one field of one deal, before it is given a file and line."""

    key_path: tuple
    message: str
    severity: str = "error"


def _is_number(value: Any) -> bool:
    # NaN and the infinities are no amount (and NaN made the limit's comparison raise): a deal
    # holding one could not be written either (yamlio.unwritable)
    if isinstance(value, float):
        return math.isfinite(value)  # (never math.isfinite on an int: one of 400 digits overflows)
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value: Any) -> bool:
    return isinstance(value, str)


def _free_text(value: Any) -> bool:
    """Free text may be written as a plain number (`account: 1234`, `phone: 5551234`): it reads as text."""
    return isinstance(value, str) or _is_number(value)


def _is_date(value: Any) -> bool:
    return isinstance(value, dt.date)


_TEXT = ("text", _text)
_FREE_TEXT = ("text", _free_text)
_DATE = ("a date YYYY-MM-DD", _is_date)
# A recurring task's interval, as `pipe task add --every` takes it (2w, 1m).
_EVERY = ("an interval like 1w, 2w, 1m (a number above 0, then d, w, m or y)", is_interval)
# How a field of each type in model/schema.py is checked: (what the message calls it, the check).
_SCALAR_CHECKS = {TEXT: _TEXT, FREE_TEXT: _FREE_TEXT, NUMBER: ("a number", _is_number), DATE: _DATE}
# Texts, then numbers, then dates, each in field order: the order their problems are reported in.
SCALAR_RULES = {f.name: _SCALAR_CHECKS[f.type] for types in ((TEXT, FREE_TEXT), (NUMBER,), (DATE,))
                for f in DEAL_FIELDS if f.type in types}

# a meeting's length (pipe import-calendar, from its DTEND or DURATION)
_MINUTES = ("a whole number of minutes above 0",
            lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 < v < MAX_AMOUNT)

# The known keys of each list field's entries (the fields of type ENTRIES in model/schema.py).
ENTRY_RULES: dict[str, dict[str, tuple[str, Any]]] = {
    "contacts": {"name": _FREE_TEXT, "email": _TEXT, "role": _FREE_TEXT, "phone": _FREE_TEXT},
    "history": {"stage": _TEXT, "date": _DATE, "by": _TEXT, "pipeline": _TEXT,
                "forced": ("a list of fields", lambda v: isinstance(v, list) and all(_text(x) for x in v)),
                "flushed": ("true or false", lambda v: isinstance(v, bool)),
                # a corrected close (pipe won/lost on a closed deal, pipe set closed= or lost_reason=)
                "corrected": _DATE, "corrected_by": _TEXT, "was_date": _DATE, "was_reason": _TEXT},
    "tasks": {"id": _FREE_TEXT, "text": _FREE_TEXT, "due": _DATE, "every": _EVERY, "assignee": _TEXT, "status": _TEXT,
              "snoozed_until": _DATE, "created": _DATE, "done": _DATE, "suggested": _TEXT},
    "close_changes": {"date": _DATE, "from": _DATE, "to": _DATE, "by": _TEXT},
    "activities": {"date": _DATE, "time": ("a time HH:MM", _text), "minutes": _MINUTES, "kind": _TEXT,
                   "direction": _TEXT, "by": _TEXT, "summary": _FREE_TEXT, "notes": _FREE_TEXT, "id": _FREE_TEXT,
                   # what makes a captured or sent email, or a calendar event, logged once
                   "message_id": _FREE_TEXT, "uid": _FREE_TEXT, "recurrence_id": _FREE_TEXT,
                   "automation": _FREE_TEXT},
    # suggestions hidden for a while ('pipe task dismiss')
    "dismissed": {"kind": _TEXT, "date": _DATE, "until": _DATE, "by": _TEXT},
}
_REQUIRED_ENTRY_FIELDS = {"history": ("stage", "date"), "tasks": ("text",), "activities": ("date", "kind"),
                          "close_changes": ("date", "from", "to"), "dismissed": ("kind", "date", "until")}
# id is required too, with a message of its own that names the file (id_problems).
_REQUIRED = tuple(f.name for f in DEAL_FIELDS if f.required and f.name != "id")


def type_problems(data: dict) -> list[FieldProblem]:
    """Fields whose type is wrong: a deal with any of these cannot be used by other commands."""
    problems: list[FieldProblem] = []
    for key in _REQUIRED:
        if data.get(key) in (None, ""):
            problems.append(FieldProblem((key,) if key in data else (), f"missing required field '{key}'"))
    for key, (kind, ok) in SCALAR_RULES.items():
        value = data.get(key)
        if value is not None and not ok(value):
            problems.append(FieldProblem((key,), f"{key} must be {kind}, got {value!r}"))
    for key in fields_of_type(NUMBER):  # larger, no figure made from them holds
        value = data.get(key)
        if _is_number(value) and abs(value) >= MAX_AMOUNT:
            problems.append(FieldProblem((key,), f"{key} is too large (the limit is {MAX_AMOUNT:,})"))
    for key in fields_of_type(TEXT_LIST):
        items = data.get(key)
        if items is not None and not (isinstance(items, list) and all(_free_text(t) for t in items)):
            problems.append(FieldProblem((key,), f"{key} must be a list of text"))
    bant = data.get("bant")
    if bant is not None:
        if not isinstance(bant, dict):
            problems.append(FieldProblem(("bant",), f"bant must be a mapping of {', '.join(BANT_KEYS)}"))
        else:
            for key, value in bant.items():
                if isinstance(value, (list, dict)):
                    problems.append(FieldProblem(("bant", key), f"bant.{key} must be text"))
    for key, fields in ENTRY_RULES.items():
        entries = data.get(key)
        if entries is None:
            continue
        if not isinstance(entries, list):
            problems.append(FieldProblem((key,), f"{key} must be a list"))
            continue
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict):
                problems.append(FieldProblem((key, i), f"each entry of {key} must be a mapping"))
                continue
            for name in _REQUIRED_ENTRY_FIELDS.get(key, ()):
                if entry.get(name) in (None, ""):
                    problems.append(FieldProblem((key, i), f"{key} entry {i + 1} has no '{name}'"))
            for name, (kind, ok) in fields.items():
                value = entry.get(name)
                if value is not None and not ok(value):
                    problems.append(FieldProblem((key, i, name), f"{key} entry {i + 1}: {name} must be {kind}, got {value!r}"))
    return problems


def load_problems(data: dict, file_id: str) -> list[FieldProblem]:
    """What keeps a parsed deal from being loaded at all: wrong types, or an id that is not its file's."""
    if well_typed(data):  # the common case, in a fifth of the time; type_problems says what is wrong
        return id_problems(data, file_id)
    return type_problems(data) + id_problems(data, file_id)


# The types whose values every check of a kind accepts as they are (bool is not int here: `type(v) is`).
_SURELY = {_TEXT: (str,), _FREE_TEXT: (str, int), _DATE: (dt.date,)}


def _fine_scalar(kind_ok: tuple[str, Any]) -> Any:
    types = _SURELY.get(kind_ok, ())
    ok = kind_ok[1]
    return lambda value: type(value) in types or ok(value)


def _fine_number(value: Any) -> bool:
    return _is_number(value) and abs(value) < MAX_AMOUNT


def _fine_text_list(items: Any) -> bool:
    return isinstance(items, list) and all(_free_text(t) for t in items)


def _fine_bant(bant: Any) -> bool:
    return isinstance(bant, dict) and not any(isinstance(v, (list, dict)) for v in bant.values())


def _fine_entries(key: str) -> Any:
    rules = {name: (_SURELY.get(rule, ()), rule[1]) for name, rule in ENTRY_RULES[key].items()}
    required = _REQUIRED_ENTRY_FIELDS.get(key, ())

    def fine(entries: Any) -> bool:
        if type(entries) is not list:
            return False
        for entry in entries:
            if type(entry) is not dict:
                return False
            for name in required:
                if entry.get(name) in (None, ""):
                    return False
            for name, value in entry.items():
                rule = rules.get(name)
                if rule is not None and value is not None and type(value) not in rule[0] and not rule[1](value):
                    return False
        return True
    return fine


def _fast_checks() -> dict[str, Any]:
    """For each field type_problems checks, one function that is true when it would find nothing there."""
    checks: dict[str, list] = {}
    for key, rule in SCALAR_RULES.items():
        checks.setdefault(key, []).append(_fine_scalar(rule))
    for key in fields_of_type(NUMBER):
        checks.setdefault(key, []).append(_fine_number)
    for key in fields_of_type(TEXT_LIST):
        checks.setdefault(key, []).append(_fine_text_list)
    checks.setdefault("bant", []).append(_fine_bant)
    for key in ENTRY_RULES:
        checks.setdefault(key, []).append(_fine_entries(key))
    return {key: found[0] if len(found) == 1 else (lambda value, found=found: all(f(value) for f in found))
            for key, found in checks.items()}


_FAST_CHECKS = _fast_checks()


def well_typed(data: dict) -> bool:
    """True only when type_problems(data) finds nothing: a quick pass over the fields the deal has."""
    for key in _REQUIRED:
        if data.get(key) in (None, ""):
            return False
    checks = _FAST_CHECKS
    for key, value in data.items():
        check = checks.get(key)
        if check is not None and value is not None and not check(value):
            return False
    return True


def id_problems(data: dict, file_id: str) -> list[FieldProblem]:
    """The deal's id must be its file name, so that a save can never land in another file."""
    deal_id = data.get("id")
    if deal_id is None:
        return [FieldProblem((), f"missing required field 'id' (it should be '{file_id}')")]
    if deal_id != file_id:
        return [FieldProblem(("id",), f"id '{deal_id}' does not match the file name '{file_id}.md'")]
    return []


@functools.lru_cache(maxsize=1024)
def _field_like(key: str) -> str | None:
    """The known field an unknown key is likely a typo of, or None: worked out once per distinct key, not
    once per deal (10,000 deals with the same custom field asked difflib 10,000 times)."""
    close = difflib.get_close_matches(key, FIELD_ORDER, n=1, cutoff=0.75)
    return close[0] if close else None


def meaning_problems(deal: Deal, config: Config, today: dt.date) -> list[FieldProblem]:
    """Problems a well-typed deal can still have: unknown names, impossible dates, broken rules."""
    problems: list[FieldProblem] = []
    add = lambda path, message, severity="error": problems.append(FieldProblem(path, message, severity))  # noqa: E731

    for key in deal.data:
        if key not in FIELD_ORDER:
            close = _field_like(str(key))
            if close:
                add((key,), f"unknown field '{key}': did you mean '{close}'?", "warning")

    pipeline = config.pipeline(deal.pipeline)
    stage = pipeline.stage(deal.stage) if pipeline else None
    if pipeline is None:
        add(("pipeline",), f"unknown pipeline '{deal.pipeline}' (pipelines: {', '.join(p.id for p in config.pipelines)})")
    elif stage is None:
        add(("stage",), f"unknown stage '{deal.stage}' in pipeline '{pipeline.id}' (stages: {', '.join(s.id for s in pipeline.stages)})")

    for key in ("title", "account"):
        text = str(deal.data.get(key) or "")
        if "\n" in text or "\r" in text:
            add((key,), f"{key} must be one line")
    if deal.data.get("value") is not None and deal.value < 0:
        add(("value",), "value must not be negative")
    currency = deal.currency or config.currency
    if config.rate(currency) is None:
        add(("currency",), f"no exchange rate for {currency}: add it under 'rates' in pipelines.yaml")
    if deal.probability is not None and not 0 <= deal.probability <= 100:
        add(("probability",), "probability must be from 0 to 100")

    team = {m.id for m in config.team}
    # Without a team, people are recorded as pipe found them (PIPE_USER or git's email): nothing to check against.
    if team and deal.owner is not None and deal.owner not in team:
        add(("owner",), f"unknown owner '{deal.owner}' (team: {', '.join(sorted(team)) or 'empty'})")
    if deal.source is not None and config.sources and deal.source not in config.sources:
        add(("source",), f"unknown source '{deal.source}' (sources: {', '.join(config.sources)})", "warning")

    for i, contact in enumerate(deal.contacts):
        email = contact.get("email")
        if email is not None and not EMAIL_PATTERN.match(email):
            add(("contacts", i, "email"), f"contact email '{email}' is not an address")
        if contact.get("name") in (None, "") and not email:
            add(("contacts", i), "a contact needs a name or an email")

    for key in deal.bant:
        if key not in BANT_KEYS:
            add(("bant", key), f"unknown BANT key '{key}' (use {', '.join(BANT_KEYS)})", "warning")

    _check_dates(deal, today, add)
    if stage is not None:
        _check_closing(deal, stage.kind, config, add)
    _check_timeline(deal, config, team, today, add)
    return problems


def _check_dates(deal: Deal, today: dt.date, add) -> None:
    created = deal.created
    if created is None:
        add((), "missing 'created' date")
    elif created > today:
        add(("created",), f"created {created} is in the future")
    if deal.closed is not None:
        if created is not None and deal.closed < created:
            add(("closed",), f"closed {deal.closed} is before created {created}")
        if deal.closed > today:
            add(("closed",), f"closed {deal.closed} is in the future")
    if deal.expected_close is not None and created is not None and deal.expected_close < created:
        add(("expected_close",), f"expected_close {deal.expected_close} is before created {created}")


def _check_closing(deal: Deal, kind: str, config: Config, add) -> None:
    if kind == "lost":
        if not deal.lost_reason:
            add(("stage",), "a lost deal needs a lost_reason")
        elif config.lost_reasons and deal.lost_reason not in config.lost_reasons:
            add(("lost_reason",), f"unknown lost reason '{deal.lost_reason}' (reasons: {', '.join(config.lost_reasons)})")
    if kind in ("won", "lost") and deal.closed is None:
        add(("stage",), f"a {kind} deal needs a closed date")
    _check_stage_change(deal, kind, add)


def _check_stage_change(deal: Deal, kind: str, add) -> None:
    """A stage change's fields agree: errors, not warnings, because a merge conflict resolved by hand
    can mix two (one side's stage, the other's lost reason or history), and `pipe sync` must not push that."""
    if kind != "lost" and deal.lost_reason:
        add(("lost_reason",), f"lost_reason is set but the deal is in stage '{deal.stage}', which is not lost")
    if kind not in ("won", "lost") and deal.closed is not None:
        add(("closed",), f"closed is set but the deal is in stage '{deal.stage}', which is not closed")
    last = deal.history[-1].get("stage") if deal.history else None
    if last is not None and last != deal.stage:
        add(("history",), f"the last history entry is stage '{last}' but the deal is in '{deal.stage}'")
    # The close's date is in two places; reports take the revenue period from one and the cycle from the other.
    # (A deal whose only entry is its creation, added or imported already closed, has no close move.)
    closed_on = deal.history[-1].get("date") if len(deal.history) > 1 else None
    if kind in ("won", "lost") and last == deal.stage and deal.closed is not None \
            and isinstance(closed_on, dt.date) and closed_on != deal.closed:
        add(("closed",), f"closed is {deal.closed} but the history closed the deal on {closed_on}: make them the "
                         f"same ('pipe {kind} {deal.id} --on DATE' corrects both)")


def _history_stage_ids(deal: Deal, config: Config) -> list[tuple[int, set[str]]]:
    """For each history entry, the stage ids it may name: those of the pipeline the deal was in.

    An entry carries `pipeline` only when the deal changed pipeline, so walking back from the
    deal's current pipeline, entries before such a change may be in any pipeline.
    """
    every = {s.id for p in config.pipelines for s in p.stages}
    current: str | None = deal.pipeline
    result = []
    for i in range(len(deal.history) - 1, -1, -1):
        entry = deal.history[i]
        pipeline = config.pipeline(entry.get("pipeline") or current or "")
        result.append((i, {s.id for s in pipeline.stages} if pipeline else every))
        if entry.get("pipeline"):
            current = None
    return sorted(result, key=lambda item: item[0])


def _check_timeline(deal: Deal, config: Config, team: set[str], today: dt.date, add) -> None:
    previous: dt.date | None = None
    for i, entry in enumerate(deal.history):
        date = entry.get("date")
        if deal.created and date < deal.created:
            add(("history", i, "date"), f"history entry {i + 1} ({date}) is before created {deal.created}")
        if date > today:
            add(("history", i, "date"), f"history entry {i + 1} ({date}) is in the future")
        if previous and date < previous:
            add(("history", i, "date"), f"history entry {i + 1} ({date}) is earlier than the one before it")
        previous = date
        for key in ("by", "corrected_by"):
            by = entry.get(key)
            if team and by is not None and by not in team:
                add(("history", i, key), f"history entry {i + 1}: unknown team member '{by}'", "warning")
    for i, stage_ids in _history_stage_ids(deal, config):
        stage_id = deal.history[i].get("stage")
        if stage_id not in stage_ids:
            add(("history", i, "stage"), f"history entry {i + 1}: unknown stage '{stage_id}'", "warning")

    seen_task_ids: set[str] = set()
    accepted: dict[str, int] = {}  # suggestion kind -> the open task accepted from it
    for i, task in enumerate(deal.tasks):
        status = task.get("status", "open")
        kind = task.get("suggested")
        if status == "open" and isinstance(kind, str):
            if kind in accepted:
                add(("tasks", i), f"task {i + 1} was accepted from the same suggestion ({kind}) as open task "
                                  f"{accepted[kind] + 1}: accepted in two clones? Cancel one", "warning")
            accepted.setdefault(kind, i)
        if status not in TASK_STATUSES:
            add(("tasks", i, "status"), f"task {i + 1}: status must be one of {', '.join(TASK_STATUSES)}, got '{status}'")
        if status != "open" and task.get("done") is None:
            add(("tasks", i), f"task {i + 1} is {status} but has no 'done' date", "warning")
        task_id = str(task["id"]) if task.get("id") is not None else None
        if task_id is not None:
            if task_id in seen_task_ids:
                add(("tasks", i, "id"), f"task {i + 1}: duplicate task id '{task_id}'")
            seen_task_ids.add(task_id)
            if not typable(task_id):
                add(("tasks", i, "id"), f"task {i + 1}: id '{task_id}' cannot be typed in a command: use letters, "
                                        "digits, '-' and '_', starting with a letter or digit", "warning")
        assignee = task.get("assignee")
        if team and assignee is not None and assignee not in team:
            add(("tasks", i, "assignee"), f"task {i + 1}: unknown assignee '{assignee}'")
        created, done = task.get("created"), task.get("done")
        if created and done and done < created:
            add(("tasks", i, "done"), f"task {i + 1}: done {done} is before created {created}")
        if done and done > today:
            add(("tasks", i, "done"), f"task {i + 1}: done {done} is in the future")

    for i, activity in enumerate(deal.activities):
        if activity.get("id") is not None and not typable(str(activity["id"])):
            add(("activities", i, "id"), f"activity {i + 1}: id '{activity['id']}' cannot be typed in a command: use "
                                         "letters, digits, '-' and '_', starting with a letter or digit", "warning")
        if activity.get("kind") not in ACTIVITY_KINDS:
            add(("activities", i, "kind"), f"activity {i + 1}: kind must be one of {', '.join(ACTIVITY_KINDS)}", "warning")
        time = activity.get("time")
        if time is not None and not TIME_PATTERN.match(time):
            add(("activities", i, "time"), f"activity {i + 1}: time must be HH:MM from 00:00 to 23:59, got '{time}'")
        direction = activity.get("direction")
        if direction is not None and direction not in DIRECTIONS:
            add(("activities", i, "direction"), f"activity {i + 1}: direction must be 'in' or 'out'")
        by = activity.get("by")
        if team and by is not None and by not in team:
            add(("activities", i, "by"), f"activity {i + 1}: unknown team member '{by}'", "warning")
        if deal.created and activity.get("date") < deal.created:
            add(("activities", i, "date"), f"activity {i + 1} ({activity.get('date')}) is before created {deal.created}", "warning")
        if activity.get("date") > today and activity.get("kind") != "meeting":  # a meeting may be planned ahead
            add(("activities", i, "date"), f"activity {i + 1} ({activity.get('date')}) is in the future")

    stage = None
    pipeline = config.pipeline(deal.pipeline)
    if pipeline is not None:
        stage = pipeline.stage(deal.stage)
    if stage is not None and stage.is_open and not deal.open_tasks and config.next_step != "off":
        severity = "error" if config.next_step == "strict" else "warning"
        add(("stage",), "open deal has no next step (no open task)", severity)
    if stage is not None:
        missing = gate_missing(deal, stage)
        if missing:
            forced = any(h.get("stage") == stage.id and h.get("forced") for h in deal.history[-1:])
            add(("stage",), f"in stage {stage.id} without {', '.join(missing)}, which it requires"
                + (" (moved there with --force)" if forced else ""), "warning")


def gate_missing(deal: Deal, stage) -> list[str]:
    """What a deal lacks of what the stage's gate requires (its `requires:` list), in that order."""
    return fields_missing(deal, stage.requires)


def fields_missing(deal: Deal, needs) -> list[str]:
    """What a deal lacks of needs (names a gate may list: value, bant, bant.budget...), in that order."""
    def answered(key: str) -> bool:
        value = deal.bant.get(key)
        return value is not None and str(value).strip() != ""

    missing = []
    for need in needs:
        if need == "bant":
            missing += [f"bant.{k}" for k in BANT_KEYS if not answered(k)]
        elif need.startswith("bant."):
            if not answered(need[5:]):
                missing.append(need)
        elif need == "value":
            if deal.data.get("value") in (None, 0):
                missing.append(need)
        elif deal.data.get(need) in (None, "", []):
            missing.append(need)
    return list(dict.fromkeys(missing))


def error_messages(deal: Deal, config: Config, today: dt.date) -> list[str]:
    """The errors (not warnings) `pipe check` would report for a deal."""
    return [p.message for p in meaning_problems(deal, config, today) if p.severity == "error"]
