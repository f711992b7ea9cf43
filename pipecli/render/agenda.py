"""The agenda and the suggested tasks as tables grouped by when, or as flat csv/json/markdown rows."""

from __future__ import annotations

from collections.abc import Sequence

from pipecli.core.workflow.agenda import GROUPS, AgendaItem
from pipecli.core.workflow.suggest import Suggestion
from pipecli.render.fit import Col
from pipecli.render.formats import render_rows
from pipecli.render.style import Style

AGENDA_COLUMNS = ("task", "text", "deal", "account", "due", "assignee")  # deal: its title (the id is in task)
AGENDA_FULL_COLUMNS = ("group", "task", "id", "text", "deal", "title", "account", "due", "assignee",
                       "status", "snoozed_until", "created", "done")
SUGGESTION_COLUMNS = ("suggestion", "deal", "kind", "reason", "task")
GROUP_TITLES = {"overdue": "Overdue", "today": "Today", "upcoming": "Upcoming", "snoozed": "Snoozed",
                "closed": "Done and cancelled"}
_GROUP_STYLE = {"overdue": "red", "today": "yellow", "snoozed": "dim", "closed": "dim"}
TEXT_WIDTH = 40
# How the agenda's columns give way on a narrow terminal (render/fit.py): the task id, its text, when
# it is due and whose it is stay; the deal's title is cut; the account goes first.
AGENDA_FITS = {"task": Col(100), "text": Col(90, cut=16, want=30), "due": Col(80), "assignee": Col(70),
               "deal": Col(60, cut=12), "account": Col(10)}


def _clip(text: object, limit: int | None) -> str:
    text = "" if text is None else str(text)
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def agenda_record(item: AgendaItem) -> dict:
    task = item.task
    return {
        "group": item.group, "task": item.ref, "id": item.ref, "text": task.get("text"),
        "deal": item.deal.id, "title": item.deal.title, "account": item.deal.account, "due": item.due,
        "assignee": item.assignee, "status": task.get("status", "open"),
        "snoozed_until": task.get("snoozed_until"), "created": task.get("created"), "done": task.get("done"),
    }


def render_agenda(items: Sequence[AgendaItem], fmt: str, style: Style, raw: bool = False,
                  width: int | None = None) -> str:
    """The agenda: one table with a heading above each group (table), else flat rows with a group column.
    width: the table fitted to it (None: every column whole)."""
    if fmt != "text":
        if fmt in ("csv", "json"):
            return render_rows([agenda_record(i) for i in items], AGENDA_FULL_COLUMNS, fmt, raw)
        rows = [{**agenda_record(i), "deal": i.deal.title} for i in items]
        return render_rows(rows, ("group",) + AGENDA_COLUMNS, fmt)
    if not items:
        return ""
    rows = []
    for item in items:
        row = agenda_record(item)
        row["text"] = _clip(row["text"], TEXT_WIDTH)
        row["account"] = _clip(row["account"], 24)
        row["deal"] = _clip(row["title"], 32)
        if item.group == "snoozed":  # when it comes back matters more here than when it is due
            row["due"] = f"until {item.task.get('snoozed_until')}"
        if item.group == "closed":
            row["due"] = f"{row['status']} {row['done'] or ''}".strip()
        rows.append(row)
    lines = render_rows(rows, AGENDA_COLUMNS, "text", width=width, fits=AGENDA_FITS).splitlines()
    header, rule, body = lines[0], lines[1], lines[2:]
    out = [header, rule]
    for group in GROUPS:
        members = [line for line, item in zip(body, items) if item.group == group]
        if members:
            out.append(style(f"{GROUP_TITLES[group]} ({len(members)})", "bold", _GROUP_STYLE.get(group, "")))
            out += members
    return "\n".join(out) + "\n"


def suggestion_record(s: Suggestion) -> dict:
    return {"suggestion": s.key, "deal": s.deal.id, "kind": s.kind, "reason": s.reason, "task": s.text,
            "owner": s.deal.owner, "since": s.since}


def render_suggestions(found: Sequence[Suggestion], fmt: str, raw: bool = False) -> str:
    if fmt in ("csv", "json"):
        return render_rows([suggestion_record(s) for s in found], SUGGESTION_COLUMNS + ("owner", "since"), fmt, raw)
    rows = [suggestion_record(s) for s in found]
    if fmt == "text":  # the key names the deal and kind; the task text repeats the reason
        width = max(24, 78 - 2 - max((len(row["suggestion"]) for row in rows), default=0))  # 80 columns
        for row in rows:
            row["reason"] = _clip(row["reason"], width)
        return render_rows(rows, ("suggestion", "reason"), fmt)
    return render_rows(rows, SUGGESTION_COLUMNS, fmt)
