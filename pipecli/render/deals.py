"""Deals as rows for `pipe list`, and as a page or as data for `pipe show`."""

from __future__ import annotations

import datetime as dt
import json

from pipecli.core.errors import InvalidValue
from pipecli.core.model.deal import Deal
from pipecli.core.model.entryids import ENTRY_FIELDS, with_ids
from pipecli.core.model.queries import Facts
from pipecli.core.model.values import format_contact
from pipecli.core.workflow.timeline import events
from pipecli.render import money
from pipecli.render.fit import Col
from pipecli.render.formats import plain
from pipecli.render.style import Style, printable
from pipecli.render.timeline import render_timeline

TABLE_COLUMNS = ("id", "title", "stage", "value", "owner", "account", "close", "next_step", "due", "flags")
# How `pipe list`'s columns give way on a narrow terminal (render/fit.py): on 80 columns the id, title,
# stage and value stay (the sample's ids are long); flags, close date, then owner, due, next step and
# account come as the width allows.
TABLE_FITS = {
    "id": Col(100), "title": Col(90, cut=10), "value": Col(80), "stage": Col(70), "flags": Col(60),
    "close": Col(50), "owner": Col(40), "due": Col(30), "next_step": Col(20, cut=12), "account": Col(10, cut=10),
    # chosen with --columns
    "pipeline": Col(45), "probability": Col(35), "weighted_value": Col(35), "tags": Col(15, cut=8),
    "source": Col(15, cut=8), "lost_reason": Col(15, cut=10),
}
FULL_COLUMNS = (
    "id", "title", "pipeline", "stage", "value", "currency", "base_value", "probability",
    "weighted_value", "owner", "account", "source", "tags", "created", "expected_close", "closed",
    "lost_reason", "last_activity", "days_in_stage", "next_step", "next_step_due", "rotting",
    "no_next_step", "next_step_overdue",
)


def deal_record(f: Facts) -> dict:
    """Every listed fact of a deal, with machine-friendly values (for csv and json)."""
    deal = f.deal
    next_task = f.next_task or {}
    return {
        "id": deal.id,
        "title": deal.title,
        "pipeline": deal.pipeline,
        "stage": deal.stage,
        "value": deal.data.get("value"),
        "currency": deal.currency,
        "base_value": f.base_value,
        "probability": f.probability,
        "weighted_value": f.weighted_value,
        "owner": deal.owner,
        "account": deal.account,
        "source": deal.source,
        "tags": deal.tags,
        "created": deal.created,
        "expected_close": deal.expected_close,
        "closed": deal.closed,
        "lost_reason": deal.lost_reason,
        "last_activity": f.last_activity,
        "days_in_stage": f.days_in_stage,
        "next_step": next_task.get("text"),
        "next_step_due": next_task.get("due"),
        "rotting": f.rotting,
        "no_next_step": f.missing_next_step,
        "next_step_overdue": f.next_step_overdue,
    }


def column_names(text: str) -> tuple[str, ...]:
    """`--columns id,title,value` as the columns it names, each one a column `pipe list` knows."""
    known = TABLE_COLUMNS + tuple(c for c in FULL_COLUMNS if c not in TABLE_COLUMNS)
    chosen = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in chosen if name not in known]
    twice = [name for n, name in enumerate(chosen) if name in chosen[:n]]
    if twice:
        raise InvalidValue(f"--columns: '{twice[0]}' is named twice")
    if unknown or not chosen:
        said = f"no column '{unknown[0]}'" if unknown else "name at least one column"
        raise InvalidValue(f"--columns: {said}; the columns are {', '.join(known)}")
    return chosen


def _clip(value: object, limit: int | None) -> str | None:
    """value as text, cut to limit characters with an ellipsis."""
    if value is None:
        return None
    text = str(value)
    if limit is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


def table_row(f: Facts, clip: int | None = None) -> dict:
    """A deal as a compact row for the terminal (long texts clipped to clip) or markdown."""
    deal = f.deal
    next_task = f.next_task or {}
    return {
        "id": deal.id,
        "title": _clip(deal.title, clip),
        "stage": deal.stage,
        "value": money.amount(deal.value, deal.currency) if deal.data.get("value") is not None else "",
        "owner": deal.owner,
        "account": _clip(deal.account, clip),
        "close": deal.closed or deal.expected_close,
        "next_step": _clip(next_task.get("text"), clip),
        "due": next_task.get("due"),
        "flags": " ".join(f.attention()),
    }


def _for_terminal(value):
    """A copy of deal data whose text cannot carry control characters to the terminal."""
    if isinstance(value, str):
        return printable(value, keep="\n\t")
    if isinstance(value, dict):
        return {k: _for_terminal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_for_terminal(v) for v in value]
    return value


def render_show(f: Facts, style: Style, today: dt.date) -> str:
    """A deal as a page: the headline, its people and qualification, its timeline, its notes."""
    # Shown cleaned; the facts stay those of the deal as it is (they are worked out when first read:
    # on the cleaned copy, two different control characters are one space, and a stage matched its history)
    deal = Deal(_for_terminal(f.deal.data), _for_terminal(f.deal.body))
    # pipelines.yaml comes from the team too: its names are cleaned like the deal's text
    stage_name = printable(f.stage.name) if f.stage else deal.stage
    pipeline_name = printable(f.pipeline.name) if f.pipeline else deal.pipeline
    lines = [style(deal.title, "bold") + style(f"  ({deal.id})", "dim")]
    value = money.amount(deal.value, deal.currency) if deal.data.get("value") is not None else "no value"
    lines.append(f"{pipeline_name} › {stage_name} · {value} · {f.probability:f}% · owner {deal.owner or '-'}")
    facts = [
        ("account", deal.account),
        ("source", deal.source),
        ("tags", ", ".join(deal.tags) if deal.tags else None),
        ("created", deal.created),
        ("expected close", deal.expected_close),
        ("closed", deal.closed),
        ("lost reason", deal.lost_reason),
        ("in stage", f"{f.days_in_stage} days" + (" (rotting)" if f.rotting else "") if f.days_in_stage is not None else None),
        ("last activity", f.last_activity),
    ]
    lines.append("")
    lines += [f"  {name + ':':<15} {value}" for name, value in facts if value not in (None, "")]
    if deal.contacts:
        lines += ["", style("Contacts", "bold")]
        for c in deal.contacts:
            lines.append(f"  {format_contact(c)}" + (f" · {c['role']}" if c.get("role") else ""))
    if deal.bant:
        lines += ["", style("BANT", "bold")]
        lines += [f"  {k + ':':<15} {deal.bant[k]}" for k in deal.bant]
    lines += ["", style("Next steps", "bold")]
    open_tasks = [(ident, t) for ident, t in zip(deal.entry_ids("tasks"), deal.tasks)
                  if t.get("status", "open") == "open"]
    if not open_tasks:
        lines.append(style("  none: add one so this deal keeps moving", "yellow") if f.kind == "open" else "  none")
    for ident, task in open_tasks:
        due = task.get("due")
        late = due is not None and due < today
        when = f" (due {due})" if due else ""
        when += f" (every {task['every']})" if task.get("every") else ""  # a recurring task
        snoozed = task.get("snoozed_until")
        if snoozed is not None and snoozed > today:
            when += f" (snoozed until {snoozed})"
            late = False
        who = f" @{task['assignee']}" if task.get("assignee") else ""
        lines.append(style(f"  {ident} {task.get('text')}{when}{who}", "red" if late else ""))
    found = events(deal)
    if found:
        lines += ["", style("Timeline", "bold"), render_timeline(found, style, indent="  ").rstrip("\n")]
    if deal.body.strip():
        lines += ["", style("Notes", "bold"), deal.body.rstrip("\n")]
    return "\n".join(lines) + "\n"


BODY_KEY = "body"
OLD_BODY_KEY = "notes"  # where the body was before BODY_KEY, kept while no field of the deal has that name


def deal_json(deal: Deal) -> str:
    """The deal as data: its frontmatter, each key as it is in the file (entries carrying the ids commands
    take for them), then the notes below it under "body", and again under "notes" unless the deal has a
    field of that name: no field of the deal is ever overwritten (docs/format.md 2.2)."""
    if BODY_KEY in deal.data:
        raise InvalidValue(
            f"deals/{deal.id}.md has a field '{BODY_KEY}', which --format json uses for the notes below the "
            f"frontmatter: rename it (pipe edit {deal.id})")
    record = plain({key: with_ids(deal.id, key, value) if key in ENTRY_FIELDS and isinstance(value, list)
                    else value for key, value in deal.data.items()})
    record.setdefault(OLD_BODY_KEY, deal.body)
    record[BODY_KEY] = deal.body
    return json.dumps(record, indent=2, ensure_ascii=False) + "\n"
