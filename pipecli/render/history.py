"""`pipe history DEAL`: a deal's revisions as text, as JSON (nested), or one row a change (csv, md)."""

from __future__ import annotations

from collections.abc import Sequence

from pipecli.core.gitsync.revisions import Revision
from pipecli.render.fit import cut, text_width
from pipecli.render.exact import json_text, machine
from pipecli.render.formats import render_rows
from pipecli.render.style import Style, printable

HISTORY_COLUMNS = ("commit", "date", "author", "subject", "field", "change", "text")
BRIEF_COLUMNS = ("commit", "date", "author", "subject", "text")  # markdown: the change's line says the rest
NOTHING_CHANGED = "(no field changed)"


def render_history(deal_id: str, revisions: Sequence[Revision], fmt: str, style: Style, raw: bool = False,
                   width: int | None = None) -> str:
    """width: each text line cut to it with an ellipsis (None: whole)."""
    if fmt == "json":
        return json_text(machine(history_record(deal_id, revisions))) + "\n"
    if fmt == "text":
        return "".join(_revision_text(r, style, width) for r in revisions)
    brief = fmt == "md"
    return render_rows(history_rows(revisions, brief), BRIEF_COLUMNS if brief else HISTORY_COLUMNS, fmt, raw)


def history_record(deal_id: str, revisions: Sequence[Revision]) -> dict:
    return {"deal": deal_id, "revisions": [
        {"commit": r.commit, "short": r.short or None, "date": r.when or None, "author": r.author or None,
         "subject": r.subject,
         "changes": [{"field": c.field, "change": c.kind, "from": machine(c.before), "to": machine(c.after),
                      "text": c.text} for c in r.changes]}
        for r in revisions]}


def history_rows(revisions: Sequence[Revision], brief: bool = False) -> list[dict]:
    """One row a change (a revision without any: one row saying so). brief, for reading: the short
    commit id and the day, on a revision's first row only; else the whole id and the date-time on each."""
    rows = []
    for r in revisions:
        revision = {"commit": r.short if brief else r.commit, "date": r.date if brief else r.when or None,
                    "author": r.author or None, "subject": r.subject if r.commit else "not committed yet"}
        changes = [{"field": c.field, "change": c.kind, "text": c.text} for c in r.changes] or [{"text": NOTHING_CHANGED}]
        rows += [{**revision, **change} if not brief or i == 0 else change for i, change in enumerate(changes)]
    return rows


def _revision_text(r: Revision, style: Style, width: int | None = None) -> str:
    # Author, subject and deal text come through git from anyone: no control characters.
    if r.commit is None:
        heading = style("not committed yet", "bold")
    else:  # the commit id is never cut, the subject is; the colour codes take no room
        said = f" {r.date} {printable(r.author)}: {printable(r.subject)}"
        heading = style(r.short, "yellow") + (said if width is None else cut(said, width - text_width(r.short)))
    changes = [f"  {printable(line)}" for line in [c.text for c in r.changes] or [NOTHING_CHANGED]]
    return "".join(f"{line}\n" for line in [heading] + [c if width is None else cut(c, width) for c in changes])
