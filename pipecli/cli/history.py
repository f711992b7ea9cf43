"""Pipeline history from git: `pipe history DEAL` and `pipe diff REV1..REV2` (the weekly review)."""

from __future__ import annotations

import click


@click.command()
@click.argument("deal")
def history(deal):
    """The commits that changed DEAL, as field-level changes."""
    raise click.ClickException("not built yet")


@click.command()
@click.argument("revisions", required=False)
def diff(revisions):
    """What changed in the pipeline between two points (default: the last 7 days)."""
    raise click.ClickException("not built yet")
