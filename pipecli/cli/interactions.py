"""Interaction commands: log an email, call, meeting or note on a deal; show a deal's timeline."""

from __future__ import annotations

import click

from pipecli.cli.options import commit_option, deal_argument, format_option
from pipecli.core.timeline import INTERACTION_KINDS, events, log_interaction
from pipecli.render.style import printable
from pipecli.render.timeline import render_timeline, timeline_json


@click.command()
@deal_argument()
@click.argument("kind", type=click.Choice(INTERACTION_KINDS))
@click.argument("summary")
@click.option("--at", metavar="WHEN", help="When: YYYY-MM-DD [HH:MM], HH:MM, yesterday, or a duration ago like 2d (default: today). Only a meeting may be in the future.")
@click.option("--by", metavar="WHO", help="Who had the interaction (default: you).")
@click.option("--direction", type=click.Choice(["in", "out"]), help="in: they wrote or called; out: you did.")
@click.option("--notes", metavar="TEXT", help="Longer notes, e.g. what was said in a meeting.")
@commit_option
@click.pass_obj
def log(app, deal, kind, summary, at, by, direction, notes):
    """Log an interaction on a deal's timeline.

    KIND is email, call, meeting or note. The entry is added after the others,
    so two people logging on one deal change different lines.

    \b
    Example:
      pipe log acme call "Jonas: budget approved, wants a demo for the CTO"
      pipe log acme email "Asked about SSO" --direction in --at "2026-11-26 09:40"
      pipe log acme meeting "Demo for the CTO" --at "2026-12-02 14:00"
    """
    def change(loaded):
        user = app.user if by is None else None  # with --by, who runs pipe does not matter
        return log_interaction(loaded, app.config, kind, summary, app.today, user, at=at, by=by,
                               direction=direction, notes=notes)

    updated, entry = app.update(deal, change)
    what = kind + (f" {entry['direction']}" if entry.get("direction") else "")
    when = f"{entry['date']}" + (f" {entry['time']}" if entry.get("time") else "")
    by = f" by {entry['by']}" if entry.get("by") else ""
    click.echo(f"{updated.id}: logged {what} of {when}{by}: {printable(entry['summary'])}")
    app.note_change(f"log {updated.id}: {what} of {when}{by}: {printable(entry['summary'])}")


@click.command()
@deal_argument()
@format_option("text", "json", default="text")
@click.pass_obj
def timeline(app, deal, fmt):
    """Show a deal's stage moves, finished tasks and interactions in date order.

    \b
    Example:
      pipe timeline acme
    """
    loaded = app.workspace.load(app.workspace.resolve(deal))
    found = events(loaded)
    click.echo(timeline_json(found) if fmt == "json" else render_timeline(found, app.style), nl=False)
