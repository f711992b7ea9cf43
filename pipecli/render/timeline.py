"""A deal's timeline as text lines (for `pipe timeline` and `pipe show`) or as JSON records."""

from __future__ import annotations

import json
from collections.abc import Sequence

from pipecli.core.workflow.timeline import Event
from pipecli.render.formats import plain
from pipecli.render.style import Style, printable

_PREFIX = {"created": "in ", "moved": "to "}


def event_line(event: Event, style: Style, time_column: bool = False) -> str:
    """'2026-11-19 14:30  email in    text  (by)' with control characters made harmless.

    time_column keeps room for a time on lines without one, so that a column of lines aligns.
    """
    when = f"{event.date}" + (f" {event.time}" if event.time else "      " if time_column else "")
    kind = event.kind + (f" {event.direction}" if event.direction else "")
    text = _PREFIX.get(event.kind, "") + event.text
    line = f"{when}  {printable(kind):<11} {printable(text)}"
    if event.by:
        line += style(f"  ({printable(event.by)})", "dim")
    if event.ref:
        line += style(f"  {printable(event.ref)}", "dim")
    if event.notes:
        pad = " " * (len(when) + 14)
        line += "".join(f"\n{pad}{printable(note)}" for note in event.notes.splitlines())
    return line


def render_timeline(found: Sequence[Event], style: Style, indent: str = "") -> str:
    time_column = any(e.time for e in found)
    return "".join(f"{indent}{event_line(e, style, time_column).replace(chr(10), chr(10) + indent)}\n" for e in found)


def timeline_json(found: Sequence[Event]) -> str:
    records = [{"date": e.date, "time": e.time, "kind": e.kind, "direction": e.direction, "text": e.text,
                "by": e.by, "notes": e.notes, "id": e.ref} for e in found]
    return json.dumps(plain(records), indent=2, ensure_ascii=False) + "\n"
