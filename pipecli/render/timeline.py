"""A deal's timeline as text lines (for `pipe timeline` and `pipe show`) or as rows (csv, json, md)."""

from __future__ import annotations

from collections.abc import Sequence

from pipecli.core.workflow.timeline import Event
from pipecli.render.formats import render_rows
from pipecli.render.style import Style, printable

TIMELINE_COLUMNS = ("date", "time", "kind", "direction", "text", "by", "notes", "id", "minutes")

_PREFIX = {"created": "in ", "moved": "to "}


def event_line(event: Event, style: Style, time_column: bool = False) -> str:
    """'2026-11-19 14:30  email in    text  (by)' with control characters made harmless.

    time_column keeps room for a time on lines without one, so that a column of lines aligns.
    """
    when = f"{event.date}" + (f" {event.time}" if event.time else "      " if time_column else "")
    kind = event.kind + (f" {event.direction}" if event.direction else "")
    text = _PREFIX.get(event.kind, "") + event.text + (f" ({event.minutes} min)" if event.minutes else "")
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


def render_events(found: Sequence[Event], fmt: str, style: Style, raw: bool = False) -> str:
    """The timeline in fmt: text lines, or one row an event (json: a list of objects)."""
    if fmt == "text":
        return render_timeline(found, style)
    records = [{"date": e.date, "time": e.time, "kind": e.kind, "direction": e.direction, "text": e.text,
                "by": e.by, "notes": e.notes, "id": e.ref, "minutes": e.minutes} for e in found]
    return render_rows(records, TIMELINE_COLUMNS, fmt, raw)
