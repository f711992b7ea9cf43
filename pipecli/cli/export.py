"""The export command: every field of the selected deals as csv, json, jsonl, xlsx or sqlite."""

from __future__ import annotations

import click

from pipecli.cli.options import deal_filter_options, output_options, skip_bad_option
from pipecli.core.model.queries import select
from pipecli.render.export import TEXT_FORMATS, export_chunks, render_export, write_sqlite, write_xlsx
from pipecli.render.registry import DEALS


@click.command()
@deal_filter_options
@output_options(DEALS, default=None, raw=False)
@skip_bad_option("the export")
@click.pass_obj
def export(app, deal_filter, out):
    """Export every field of the selected deals.

    \b
    Formats (docs/export.md describes each):
      csv     one row per deal; lists as JSON text in their own columns;
              cells a spreadsheet would run as a formula start with '
      json    a list of deals: the frontmatter as data, plus "notes"
      jsonl   the same, one deal per line
      xlsx    sheets deals, history, tasks and activities
      sqlite  tables deals, stage_history, tasks, interactions, contacts,
              close_changes, tags and stages

    Deals come in id order. Without -o the export goes to standard output.

    \b
    Example:
      pipe export --format json > deals.json
      pipe export --won --owner maya -o won.xlsx
      pipe export -o pipeline.sqlite
      sqlite3 pipeline.sqlite 'select stage, count(*) from deals group by stage'
    """
    chosen = sorted((f.deal for f in select(app.deals(), app.config, deal_filter, app.today)),
                    key=lambda deal: deal.id)
    said = f"exported {len(chosen)} deal{'' if len(chosen) == 1 else 's'} to {out.path}"
    if out.fmt in TEXT_FORMATS:  # written a deal at a time, never held whole
        out.stream(export_chunks(chosen, out.fmt), said=said)
    elif out.fmt == "sqlite":  # built in a file beside the target, not in memory
        out.write_file(lambda handle: write_sqlite(handle, chosen, app.config, _beside(out.path)), said=said)
    elif out.fmt == "xlsx":  # a row at a time
        out.write_file(lambda handle: write_xlsx(handle, chosen), said=said)
    else:
        out.emit(render_export(chosen, out.fmt, app.config), said=said)


def _beside(path):
    """Where the sqlite export is built: beside the file it replaces (its link's target), on the disk where
    the file goes; for -o /dev/null or a FIFO, the system's temporary folder (a user may not write in /dev)."""
    import os
    import stat
    from pathlib import Path

    try:
        regular = stat.S_ISREG(os.stat(path).st_mode)  # /dev/stdout into a pipe has no name to resolve
    except FileNotFoundError:
        regular = True  # a new file
    return Path(os.path.realpath(path)).parent if regular else None
