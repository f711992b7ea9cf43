"""Interaction commands: log an email, call, meeting or note on a deal, amend one; show a deal's timeline."""

from __future__ import annotations

import click

from pipecli.cli.options import commit_option, deal_argument, output_options
from pipecli.core.errors import InvalidValue
from pipecli.core.workflow.timeline import INTERACTION_KINDS, events, log_interaction
from pipecli.render.style import printable
from pipecli.render.registry import RECORDS
from pipecli.render.timeline import render_events


@click.command()
@deal_argument()
@click.argument("kind", type=click.Choice(INTERACTION_KINDS))
@click.argument("summary")
@click.option("--at", metavar="WHEN", help="When: YYYY-MM-DD [HH:MM], HH:MM, yesterday, tue, or 2d ago (counted back; default: today). Only a meeting may be ahead: say 'in 2d' or 'next tue'.")
@click.option("--by", metavar="WHO", help="Who had the interaction (default: you).")
@click.option("--direction", type=click.Choice(["in", "out"]), help="in: they wrote or called; out: you did.")
@click.option("--notes", metavar="TEXT", help="Longer notes, e.g. what was said in a meeting.")
@commit_option
@click.pass_obj
def log(app, deal, kind, summary, at, by, direction, notes):
    """Log an interaction on a deal's timeline.

    KIND is email, call, meeting or note. The entry is added after the others,
    so two people logging on one deal change different lines. It prints the
    interaction's id, which 'pipe amend' takes to add notes or fix it later.

    \b
    Example:
      pipe log acme call "Jonas: budget approved, wants a demo for the CTO"
      pipe log acme email "Asked about SSO" --direction in --at "2026-11-26 09:40"
      pipe log acme meeting "Demo for the CTO" --at "2026-12-02 14:00"
    """
    def change(loaded):
        user = app.author if by is None else None  # with --by, who runs pipe does not matter
        return log_interaction(loaded, app.config, kind, summary, app.today, user, at=at, by=by,
                               direction=direction, notes=notes)

    updated, entry = app.update(deal, change)
    said = _describe(entry)
    click.echo(f"{entry['id']} logged on {updated.id}: {said}")
    app.note_change(f"log {entry['id']} ({updated.id}): {said}")


def _describe(entry: dict) -> str:
    """'call in of 2026-11-26 09:40 by maya: summary', printable."""
    what = str(entry.get("kind")) + (f" {entry['direction']}" if entry.get("direction") else "")
    when = f"{entry['date']}" + (f" {entry['time']}" if entry.get("time") else "")
    by = f" by {entry['by']}" if entry.get("by") else ""
    return f"{printable(what)} of {when}{printable(by)}: {printable(str(entry.get('summary', '')))}"


@click.command()
@click.argument("interaction", metavar="INTERACTION")
@click.option("--summary", metavar="TEXT", help="A new summary.")
@click.option("--notes", metavar="TEXT", help="New notes, replacing the old ones ('' removes them).")
@click.option("--add-notes", metavar="TEXT", help="Notes added after the old ones, as a new paragraph.")
@click.option("--at", metavar="WHEN", help="A new date and time: YYYY-MM-DD [HH:MM], yesterday, tue, 2d ago...")
@click.option("--direction", type=click.Choice(["in", "out", ""]), help="in or out ('' removes it).")
@commit_option
@click.pass_obj
def amend(app, interaction, summary, notes, add_notes, at, direction):
    """Change a logged interaction: add notes, fix its summary, date or direction.

    INTERACTION is its id as 'pipe timeline DEAL' and 'pipe log' print it (a
    unique prefix is enough, or DEAL#ID). The entry is changed in place, so the
    timeline shows it once.

    \b
    Example:
      pipe amend k3v9 --add-notes "CTO wants SSO before signing"
      pipe amend acme#k3v9 --summary "Demo for the CTO and the CFO"
    """
    from pipecli.core.model.entryids import position
    from pipecli.core.store.entrylookup import find_interaction
    from pipecli.core.workflow.timeline import amend_interaction

    if all(given is None for given in (summary, notes, add_notes, at, direction)):
        raise InvalidValue("nothing to change: give --summary, --notes, --add-notes, --at or --direction")
    with app.workspace.lock():  # the interaction found is the one changed: no write between the two
        found = find_interaction(app.workspace, interaction)

        def change(deal):
            return amend_interaction(deal, position(deal, "activities", found.entry_id), app.today,
                                     summary=summary, notes=notes, add_notes=add_notes, at=at, direction=direction)

        updated, (entry, changed) = app.update(found.deal_id, change)
    click.echo(f"{entry['id']} amended on {updated.id} ({', '.join(changed)}): {_describe(entry)}")
    app.note_change(f"amend {entry['id']} ({updated.id}): {', '.join(changed)}: {_describe(entry)}")


@click.command()
@deal_argument()
@output_options(RECORDS)
@click.pass_obj
def timeline(app, deal, out):
    """Show a deal's stage moves, finished tasks and interactions in date order.

    \b
    Example:
      pipe timeline acme
    """
    loaded = app.workspace.load(app.workspace.resolve(deal))
    found = events(loaded)
    out.emit(render_events(found, out.fmt, out.style, out.raw), coloured=True)
