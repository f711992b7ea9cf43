"""The command groups of pipe remember which command runs, so a message can name that command's options,
and answer a mistyped command with the near one."""

from __future__ import annotations


import click

RUNNING = "pipe.running"  # the key in click's context meta, which nested contexts share


class UnknownCommand(click.UsageError):
    """A command name no group has: one line on stderr (click's usage error prints four), exit 2."""

    def show(self, file=None) -> None:
        click.echo(f"pipe: {self.format_message()}", err=True)


class RecordingGroup(click.Group):
    """A click group that records the command it resolves (the innermost one, for nested groups)."""

    def resolve_command(self, ctx: click.Context, args: list[str]):
        try:
            name, command, rest = super().resolve_command(ctx, args)
        except click.exceptions.NoSuchCommand:
            raise self.unknown(ctx, click.utils.make_str(args[0])) from None
        if command is not None:
            ctx.meta[RUNNING] = command
        return name, command, rest

    def shown_names(self, ctx: click.Context) -> list[str]:
        """The commands `--help` lists: the ones a suggestion may name."""
        return [name for name in self.list_commands(ctx)
                if not getattr(self.get_command(ctx, name), "hidden", False)]

    def unknown(self, ctx: click.Context, name: str) -> UnknownCommand:
        from pipecli.render.style import printable  # the name is what the user typed

        # `pipe task finsh` says 'task finsh': the group's path without the program's name
        prefix = " ".join(ctx.command_path.split()[1:] + [""])
        near = nearest(name, self.shown_names(ctx))
        hint = f"did you mean '{prefix}{near}'?" if near else f"see 'pipe {prefix}--help'"
        return UnknownCommand(printable(f"no command '{prefix}{name}'; {hint}"), ctx)


def nearest(name: str, names: list[str]) -> str | None:
    """The name closest to a mistyped one, or None; two letters swapped (lsit) beat one changed (lost)."""
    import difflib  # only for a mistyped command: not on every start

    close = difflib.get_close_matches(name, names, n=3)
    swapped = [candidate for candidate in close if sorted(candidate) == sorted(name)]
    return (swapped or close or [None])[0]


def running_command() -> click.Command | None:
    """The command this run resolved to, once known; None outside a command line."""
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(RUNNING) if ctx is not None else None
