"""The export command: every field of the selected deals as csv, json, jsonl, xlsx or sqlite."""

from __future__ import annotations

import click

from pipecli.cli.options import deal_filter_options, skip_bad_option
from pipecli.cli.output import echo_output, output_path
from pipecli.core.errors import InvalidValue
from pipecli.core.model.queries import select
from pipecli.render.export import BINARY_FORMATS, EXPORT_FORMATS, format_for_path, render_export


@click.command()
@deal_filter_options
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default=None,
              help="Output format (default: from -o FILE's extension, else csv); xlsx and sqlite need -o FILE.")
@click.option("-o", "--output", "output_text", metavar="FILE",
              help="Write to FILE, replacing it, instead of standard output ('-': standard output).")
@skip_bad_option("the export")
@click.pass_obj
def export(app, deal_filter, fmt, output_text):
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
      pipe export -o pipeline.sqlite && sqlite3 pipeline.sqlite 'select stage, count(*) from deals group by stage'
    """
    output = output_path(output_text)
    if fmt is None:
        fmt = (format_for_path(output.name) if output is not None else None) or "csv"
    if fmt in BINARY_FORMATS and output is None:
        raise InvalidValue(f"--format {fmt} writes a binary file: give -o FILE")
    chosen = sorted((f.deal for f in select(app.deals(), app.config, deal_filter, app.today)),
                    key=lambda deal: deal.id)
    content = render_export(chosen, fmt, app.config)
    if output is None:
        # Deal text goes out as it is; on a terminal, as for_terminal shows it.
        echo_output(content, fmt)
        return
    from pipecli.core.store.workspace import write_atomic

    write_atomic(output, content)
    click.echo(f"exported {len(chosen)} deal{'' if len(chosen) == 1 else 's'} to {output}", err=True)
