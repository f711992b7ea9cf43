"""Capturing interactions from files: `pipe import-mail` (mbox, Maildir) and `pipe import-calendar` (ics)."""

from __future__ import annotations

import click


@click.command("import-mail")
@click.argument("source")
def import_mail(source):
    """Log the emails of an mbox file or Maildir on the deals of their addresses."""
    raise click.ClickException("not built yet")


@click.command("import-calendar")
@click.argument("file")
def import_calendar(file):
    """Log the meetings of an .ics file on the deals of their attendees."""
    raise click.ClickException("not built yet")
