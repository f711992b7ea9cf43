"""Working as a team through git: `pipe git setup`, `pipe sync` and the merge driver git calls."""

from __future__ import annotations

import click


@click.group("git")
def git_():
    """Set up git for the workspace."""


@click.command()
def sync():
    """Pull, check, push."""
    raise click.ClickException("not built yet")


@click.command("merge-driver", hidden=True)
@click.argument("base")
@click.argument("ours")
@click.argument("theirs")
@click.argument("path", required=False)
def merge_driver(base, ours, theirs, path):
    """Merge one deal file three ways (git calls this)."""
    raise click.ClickException("not built yet")
