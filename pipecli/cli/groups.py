"""The command groups of pipe remember which command runs, so a message can name that command's options."""

from __future__ import annotations

import click

RUNNING = "pipe.running"  # the key in click's context meta, which nested contexts share


class RecordingGroup(click.Group):
    """A click group that records the command it resolves (the innermost one, for nested groups)."""

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            ctx.meta[RUNNING] = command
        return name, command, rest


def running_command() -> click.Command | None:
    """The command this run resolved to, once known; None outside a command line."""
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(RUNNING) if ctx is not None else None
