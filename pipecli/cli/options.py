"""Options shared by commands: the deal filters, the output options, and completing deal ids."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import click
from click.core import ParameterSource
from click.shell_completion import CompletionItem

from pipecli.cli.output import Output, output_path
from pipecli.core.errors import InvalidValue, PipeError
from pipecli.core.model.queries import build_filter
from pipecli.render.registry import Format, format_for_path, formats_for, is_binary, names
from pipecli.render.style import Style


def _workspace_or_none(ctx: click.Context):
    from pipecli.core.store.workspace import discover

    root = ctx.find_root()
    directory = root.params.get("directory") if root else None
    try:
        return discover(directory)
    except PipeError:
        return None


def complete_deal(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Deal ids starting with what has been typed."""
    workspace = _workspace_or_none(ctx)
    if workspace is None:
        return []
    return [CompletionItem(i) for i in workspace.deal_ids() if i.startswith(incomplete)]


def complete_task(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Open tasks' ids starting with what was typed, with their deal and text as the description."""
    workspace = _workspace_or_none(ctx)
    if workspace is None:
        return []
    try:
        deals = workspace.deals(skip_bad=True)
    except PipeError:
        return []
    items = []
    for deal in deals:
        for ident, task in zip(deal.entry_ids("tasks"), deal.tasks):
            if task.get("status", "open") == "open" and ident.startswith(incomplete):
                items.append(CompletionItem(ident, help=f"{deal.id}: {task.get('text', '')}"))
    return items


def complete_stage(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Stage ids of every pipeline starting with what has been typed."""
    workspace = _workspace_or_none(ctx)
    if workspace is None:
        return []
    try:
        config = workspace.config
    except PipeError:
        return []
    ids = sorted({s.id for p in config.pipelines for s in p.stages})
    return [CompletionItem(i) for i in ids if i.startswith(incomplete)]


def complete_pipeline(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    workspace = _workspace_or_none(ctx)
    if workspace is None:
        return []
    try:
        return [CompletionItem(p.id) for p in workspace.config.pipelines if p.id.startswith(incomplete)]
    except PipeError:
        return []


def on_option(command: Callable) -> Callable:
    """--on DATE: the day a change happened, when it is recorded later."""
    return click.option("--on", metavar="DATE",
                        help="The day it happened: YYYY-MM-DD, yesterday, wed, or 3d for three days ago (default: today).")(command)


def deal_argument(name: str = "deal") -> Callable:
    return click.argument(name, metavar="DEAL", shell_complete=complete_deal)


class FormatChoice(click.Choice):
    """The names of some formats of render/registry.py; their aliases (`table` for `text`) are taken
    too, but not offered in --help or completion."""

    def __init__(self, formats: Sequence[Format]):
        super().__init__(names(formats))
        self.aliases = {alias: f.name for f in formats for alias in f.aliases}

    def convert(self, value, param, ctx):
        return super().convert(self.aliases.get(value, value), param, ctx)


def output_options(*kinds: str, default: str | None = "text", raw: bool = True, fits: bool = False) -> Callable:
    """--format, -o FILE and (where csv is a choice, unless raw=False) --raw, the same on every command
    that prints data of kinds (render/registry.py). The command receives them as one Output, `out`.

    default None: the format -o FILE's extension chooses, else the first choice (`pipe export`).
    fits: the command's text tables fit the terminal (out.width), with --width N and --wide.
    """
    formats = formats_for(*kinds)
    with_raw = raw and "csv" in names(formats)

    def decorate(command: Callable) -> Callable:
        @functools.wraps(command)
        def wrapper(*args, fmt: str | None, output_text: str | None, raw: bool = False,
                    fit_width: int | None = None, fit_wide: bool = False, **kwargs):
            path = output_path(output_text)
            if fmt is None:
                fmt = (format_for_path(path.name, formats) if path is not None else None) or formats[0].name
            if raw and fmt != "csv":
                raise PipeError("--raw is for --format csv (the other formats are never neutralised)")
            if is_binary(fmt) and path is None:
                raise InvalidValue(f"--format {fmt} writes a binary file: give -o FILE")
            style = Style(False) if path is not None else click.get_current_context().obj.style
            width = table_width(fmt, path, fit_width, fit_wide) if fits else None
            return command(*args, out=Output(fmt, path, raw, style, width), **kwargs)

        binary = " and ".join(f.name for f in formats if f.binary)
        formats_help = ("Output format" + (f" (default: from -o FILE's extension, else {formats[0].name})"
                                           if default is None else "")
                        + (f"; {binary} need -o FILE." if binary else "."))
        options = [
            click.option("--format", "fmt", type=FormatChoice(formats), default=default,
                         show_default=default is not None, help=formats_help),
            click.option("-o", "--output", "output_text", metavar="FILE",
                         help="Write to FILE, replacing it, instead of standard output ('-': standard output)."),
        ]
        if with_raw:
            options.append(click.option(
                "--raw", is_flag=True,
                help="With --format csv: write text as it is, for a program; by default text a "
                     "spreadsheet would run as a formula (=, +, -, @) gets a ' in front."))
        if fits and "text" in names(formats):
            options += [
                click.option("--width", "fit_width", type=click.IntRange(min=20), metavar="N",
                             help="Fit text tables to N columns (default: the terminal's; into a pipe or a file, "
                                  "full width)."),
                click.option("--wide", "fit_wide", is_flag=True, help="Text tables at full width on a terminal too."),
            ]
        for option in reversed(options):
            wrapper = option(wrapper)
        return wrapper

    return decorate


def table_width(fmt: str, path, width: int | None, wide: bool) -> int | None:
    """The width text tables fit: --width N; else, on a terminal and without --wide, its width (COLUMNS
    or the tty's); else None, every column whole: a pipe or a file gets the same bytes as ever."""
    import shutil
    import sys

    if fmt != "text":
        return None
    if width is not None:
        return width
    if wide or path is not None or not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size((80, 24)).columns


_FILTER_OPTIONS = [
    click.option("--pipeline", "f_pipeline", metavar="P", shell_complete=complete_pipeline, help="Only deals in pipeline P."),
    click.option("--stage", "f_stages", multiple=True, metavar="S", shell_complete=complete_stage, help="Only deals in stage S (repeatable)."),
    click.option("--owner", "f_owners", multiple=True, metavar="WHO", help="Only deals owned by WHO: id or email (repeatable)."),
    click.option("--account", "f_account", metavar="TEXT", help="Only deals whose account contains TEXT (any case)."),
    click.option("--source", "f_source", metavar="S", help="Only deals from lead source S."),
    click.option("--tag", "f_tags", multiple=True, metavar="T", help="Only deals tagged T (repeatable: all must match)."),
    click.option("--open", "f_is_open", is_flag=True, help="Only open deals."),
    click.option("--won", "f_is_won", is_flag=True, help="Only won deals."),
    click.option("--lost", "f_is_lost", is_flag=True, help="Only lost deals."),
    click.option("--parked", "f_is_parked", is_flag=True, help="Only parked deals (the fridge)."),
    click.option("--min-value", "f_min_value", metavar="N", help="Only deals worth at least N (base currency)."),
    click.option("--max-value", "f_max_value", metavar="N", help="Only deals worth at most N (base currency)."),
    click.option("--created-since", "f_created_since", metavar="DATE", help="Created on or after DATE (or mon, last week, a duration ago like 30d)."),
    click.option("--created-before", "f_created_before", metavar="DATE", help="Created before DATE (or a duration ago)."),
    click.option("--closing-before", "f_closing_before", metavar="DATE", help="Expected to close before DATE (or a duration from today, like 30d)."),
    click.option("--inactive", "f_inactive", metavar="DURATION", help="No activity, task done or stage move for DURATION (10d, 6w, 3m, 1y); with --open, the forgotten deals."),
    click.option("--rotting", "f_rotting", is_flag=True, help="Only deals in their stage for longer than its rot_days."),
    click.option("--no-next-step", "f_no_next_step", is_flag=True, help="Only open deals without an open task."),
    click.option("--search", "f_search", metavar="TEXT", help="Only deals mentioning TEXT (title, account, contacts, notes...)."),
    click.option("--missing", "f_missing", multiple=True, metavar="FIELD",
                  help="Only deals without FIELD, as a stage's gate names it: value, expected_close, bant, "
                       "bant.budget... (repeatable: any)."),
]


def deal_filter_options(command: Callable) -> Callable:
    """Add the shared deal filters to a command; it receives them as one DealFilter, `deal_filter`."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        raw = {key[2:]: kwargs.pop(key) for key in list(kwargs) if key.startswith("f_")}
        statuses = tuple(s for s in ("open", "won", "lost", "parked") if raw.pop(f"is_{s}"))
        app = click.get_current_context().obj
        kwargs["deal_filter"] = build_filter(
            app.config, app.today,
            pipeline=raw["pipeline"], stages=raw["stages"], owners=raw["owners"],
            account=raw["account"], source=raw["source"], tags=raw["tags"],
            statuses=statuses, min_value=raw["min_value"], max_value=raw["max_value"],
            created_since=raw["created_since"], created_before=raw["created_before"],
            closing_before=raw["closing_before"], inactive=raw["inactive"],
            rotting=raw["rotting"], no_next_step=raw["no_next_step"], search=raw["search"],
            missing=raw["missing"],
        )
        return command(*args, **kwargs)

    for option in reversed(_FILTER_OPTIONS):
        wrapper = option(wrapper)
    return wrapper


def filter_text_given(ctx: click.Context) -> str:
    """The deal filters given on the command line, as they would be typed again: `--owner tom --rotting`
    (the interactive board shows them and lets them be edited)."""
    import shlex

    words: list[str] = []
    for param in ctx.command.params:
        if not (param.name or "").startswith("f_") or ctx.get_parameter_source(param.name) != ParameterSource.COMMANDLINE:
            continue
        value, option = ctx.params.get(param.name), param.opts[-1] if param.opts[-1].startswith("--") else param.opts[0]
        if getattr(param, "is_flag", False):
            words += [option] if value else []
        else:
            words += [f"{option} {shlex.quote(str(v))}" for v in (value if param.multiple else (value,))]
    return " ".join(words)


def commit_option(command: Callable) -> Callable:
    """--commit/--no-commit: commit the files the command changes, whatever git.autocommit says."""

    def remember(ctx: click.Context, param: click.Parameter, value: bool | None) -> None:
        app = ctx.find_object(_app_class())
        if value is not None:
            app.commit_wanted = value
        if ctx.resilient_parsing:  # completing the command line: nothing runs
            return
        # A commit that cannot be made must stop the command before it writes, or running it again
        # (to commit) would do the change twice.
        if value or (value is None and app.config.autocommit):
            from pipecli.core.gitsync.autocommit import require_committable

            require_committable(app.workspace)

    return click.option("--commit/--no-commit", default=None, expose_value=False, callback=remember,
                        help="Commit the changed files with a message saying what happened "
                             "(default: git.autocommit in pipelines.yaml).")(command)


def _app_class():
    from pipecli.cli.context import App

    return App


def skip_bad_option(what: str) -> Callable:
    """--skip-bad: go on without the deal files that do not parse (each one warned about), where the
    command would otherwise refuse; what says what they are left out of. Read through app.deals()."""

    def remember(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        app = ctx.find_object(_app_class())
        app.skip_bad = value
        names, here = [], ctx
        while here.parent is not None:  # `bulk set`, for the refusal's words (the root is pipe itself)
            names.insert(0, here.info_name)
            here = here.parent
        app.command_name = " ".join(names)

    return click.option("--skip-bad", is_flag=True, expose_value=False, callback=remember,
                        help=f"Go on without the deal files that do not parse, leaving them out of {what} "
                             "(without it, any such file stops the command).")
