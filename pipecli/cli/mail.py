"""Email from templates: `pipe mail`, `pipe automate` (triggered emails) and `pipe remind` (daily digests)."""

from __future__ import annotations

import click


@click.command()
@click.argument("template")
def mail(template):
    """Render an email template for each selected deal; write it to the outbox or send it."""
    raise click.ClickException("not built yet")


@click.command()
def automate():
    """Send the emails automation rules have made due."""
    raise click.ClickException("not built yet")


@click.command()
def remind():
    """Send each team member a digest of their tasks for today."""
    raise click.ClickException("not built yet")
