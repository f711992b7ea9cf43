"""Commands that show many deals: list and board."""

from __future__ import annotations

import shutil

import click

from pipecli.cli.options import complete_pipeline, deal_filter_options, output_options
from pipecli.cli.output import warn
from pipecli.core.errors import PipeError
from pipecli.core.model.queries import SORT_KEYS, parse_sort_key, select, sort_facts
from pipecli.render.board import board_columns, board_json, board_markdown, render_board
from pipecli.render.deals import FULL_COLUMNS, TABLE_COLUMNS, TABLE_FITS, column_names, deal_record, table_row
from pipecli.render.formats import render_rows, stream_rows
from pipecli.render.registry import BOARD, RECORDS

TABLE_TEXT_WIDTH = 28


@click.command("list")
@deal_filter_options
@click.option("--sort", metavar="KEY", help=f"Sort by {', '.join(SORT_KEYS)}; '-KEY' for descending (default: stage order).")
@click.option("--columns", "columns_text", metavar="A,B,...",
              help="The columns to show, in order, e.g. id,title,value,owner (--columns x names them all); "
                   "on a terminal those that do not fit go, the last first.")
@output_options(RECORDS, fits=True)
@click.pass_obj
def list_(app, deal_filter, sort, columns_text, out):
    """List deals, filtered and sorted.

    On a terminal the table fits its width: the least needed columns go, long
    texts are cut with '…'; --wide, a pipe or -o FILE give every column whole.

    \b
    Example:
      pipe list --open --owner maya --sort -value
      pipe list --columns id,title,value,owner,due
      pipe list --inactive 30d --format csv > stale.csv
    """
    columns = column_names(columns_text) if columns_text is not None else None
    if sort is not None:
        parse_sort_key(sort)  # a typo fails now, not after reading every deal
    chosen = select(app.workspace.deals(skip_bad=True), app.config, deal_filter, app.today)
    if sort is not None:
        chosen = sort_facts(chosen, app.config, sort)
    if out.fmt in ("text", "md"):
        # The terminal table clips long texts so rows stay on one line; markdown keeps them whole.
        clip = TABLE_TEXT_WIDTH if out.fmt == "text" else None
        rows = [table_row(f, clip) if columns is None else {**deal_record(f), **table_row(f, clip)} for f in chosen]
        text = render_rows(rows, columns or TABLE_COLUMNS, out.fmt, width=out.width, fits=TABLE_FITS,
                           keep=columns or ())
        if not chosen:
            click.echo("no deals match", err=True)
        elif columns and out.width is not None and out.fmt == "text":  # say which chosen columns did not fit
            shown = set(text.splitlines()[0].split()) if text else set()
            left = [c for c in columns if c not in shown]
            if left:
                warn(f"left out to fit {out.width} columns: {', '.join(left)} (--wide shows every column)")
        out.emit(text)
    else:
        # A deal in a currency without a rate fails before the first record goes out, as when the output was
        # made whole: not after a screenful of a JSON array cut short (the value is kept for its record).
        for f in chosen:
            f.base_value
        # A record at a time, made as it is written (--format json on 100,000 deals: the output never held).
        rows = (deal_record(f) if columns is None else {**table_row(f), **deal_record(f)} for f in chosen)
        # Deal text goes out as it is (csv: formula-like text neutralised, docs/export.md); on a terminal, as
        # for_terminal shows it.
        out.stream(stream_rows(rows, columns or FULL_COLUMNS, out.fmt, out.raw))


@click.command()
@click.argument("pipeline", required=False, shell_complete=complete_pipeline)
@deal_filter_options
@click.option("--all", "show_closed", is_flag=True, help="Also show the won and lost columns.")
@click.option("--width", type=click.IntRange(min=20), metavar="N", help="Width in characters (default: the terminal's).")
@click.option("-i", "--interactive", is_flag=True,
              help="A full-screen board: arrows or hjkl to go, > and < to move a deal, Enter to open it, q to quit.")
@output_options(BOARD)
@click.pass_obj
def board(app, pipeline, deal_filter, show_closed, width, interactive, out):
    """Show a pipeline as a kanban board.

    Each column shows its deal count, total value and weighted value ('wtd':
    value x probability) in the base currency. Cards are marked when rotting, without
    a next step, or with an overdue next step. Won and lost columns appear
    with --all, or with --won or --lost. --format json gives the same as data,
    --format md as a heading per stage and a line per card. -i opens it in a
    full-screen app that moves and opens deals, and shows other changes as they come.

    \b
    Example:
      pipe board
      pipe board -i
      pipe board partnerships --owner tom
      pipe board --format md -o board.md
    """
    config = app.config
    chosen_pipeline = config.find_pipeline(pipeline) if pipeline is not None else (
        config.pipeline(deal_filter.pipeline) if deal_filter.pipeline else config.default_pipeline)
    if deal_filter.pipeline and deal_filter.pipeline != chosen_pipeline.id:
        raise PipeError(f"the board is of pipeline {chosen_pipeline.id} but --pipeline says {deal_filter.pipeline}: give one")
    elsewhere = [s for s in deal_filter.stages if chosen_pipeline.stage(s) is None]
    if elsewhere and len(elsewhere) == len(deal_filter.stages):
        raise PipeError(f"stage '{elsewhere[0]}' is not in pipeline {chosen_pipeline.id}: name the pipeline, "
                        f"like 'pipe board PIPELINE --stage {elsewhere[0]}'")
    show_closed = show_closed or bool({"won", "lost"} & set(deal_filter.statuses))
    if interactive:
        _interactive(app, chosen_pipeline, deal_filter, show_closed, out)
        return
    chosen = select(app.workspace.deals(skip_bad=True), config, deal_filter, app.today)
    columns = board_columns(chosen_pipeline, chosen, show_closed)
    # A deal in a stage or pipeline that does not exist has no column: say so rather than drop it.
    unplaced = [f.deal for f in chosen
                if f.pipeline is None or (f.deal.pipeline == chosen_pipeline.id and f.stage is None)]
    if unplaced:
        shown = ", ".join(f"{d.id} ({d.pipeline}/{d.stage})" for d in unplaced[:5]) + (" ..." if len(unplaced) > 5 else "")
        click.echo(f"pipe: warning: {len(unplaced)} deal(s) in unknown stages or pipelines are not on any board: "
                   f"{shown}; run 'pipe check'", err=True)
    others = [p.id for p in config.pipelines if p.id != chosen_pipeline.id]
    if out.fmt == "text":
        width = width or shutil.get_terminal_size((100, 24)).columns
        out.emit(render_board(chosen_pipeline, columns, width, out.style, config.currency, others), coloured=True)
    else:
        render = board_json if out.fmt == "json" else board_markdown
        out.emit(render(chosen_pipeline, columns, config.currency, others))


def _interactive(app, chosen_pipeline, deal_filter, show_closed, out) -> None:
    """Run the full-screen board; Textual is imported here only, so no other command pays for it."""
    import sys

    if out.fmt != "text" or out.path is not None:
        raise PipeError("--interactive shows the board on the terminal: leave out --format and -o")
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise PipeError("--interactive needs a terminal (standard input and output); without -i the board is printed")
    try:
        from pipecli.cli.tui import run_board
    except ModuleNotFoundError as error:
        raise PipeError(f"the interactive board needs {error.name}, which is not installed: pip install textual") from None

    from pipecli.cli.options import filter_text_given

    run_board(app, chosen_pipeline, deal_filter, show_closed, filter_text_given(click.get_current_context()))
