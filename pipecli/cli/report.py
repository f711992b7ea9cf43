"""The report command: revenue, funnel, team, forecast, calibration and movement, in five formats."""

from __future__ import annotations

from pathlib import Path

import click

from pipecli.cli.options import deal_filter_options
from pipecli.core.errors import InvalidValue
from pipecli.core.periods import PERIOD_HELP, parse_period
from pipecli.core.queries import select
from pipecli.core.reports.catalog import build, report_names

FORMATS = ("text", "md", "json", "csv", "html")


@click.command()
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--period", "-p", "period_text", default="this month", show_default=True, metavar="P",
              help=f"The period: {PERIOD_HELP}.")
@click.option("--compare", "compare_text", is_flag=False, flag_value="previous", default=None, metavar="[PERIOD]",
              help="Put the previous period (or PERIOD) beside every headline figure.")
@deal_filter_options
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format.")
@click.option("--template", "template_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="A jinja2 template for md or html instead of the built-in one.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write to FILE instead of standard output.")
@click.pass_obj
def report(app, names, period_text, compare_text, deal_filter, fmt, template_file, output):
    """Answer the questions a pipeline is kept for.

    \b
    Reports (all of them when none is named):
      revenue      revenue won, pipeline and weighted pipeline, sales cycle,
                   average deal, win rate, created, top accounts, sources, lost reasons
      funnel       per pipeline: deals that reached each stage, conversion, days in stage
      team         per owner: interactions, wins, revenue, win rate, dropped, pipeline, quota
      forecast     open deals by expected close month and quarter, overdue, pushed back
      calibration  per stage: configured probability against what happened
      movement     added, moved forward and back, won, lost, pipeline change (vs the period before)

    Money is in the base currency. The deal filters narrow the deals reported on.

    \b
    Example:
      pipe report revenue --period 2026-Q3 --compare
      pipe report --period ytd --format html -o report.html
    """
    chosen_names = report_names(names)
    today = app.today
    period = parse_period(period_text, today)
    compared = None
    if compare_text is not None:
        compared = period.previous() if compare_text == "previous" else parse_period(compare_text, today)
    if template_file is not None and fmt not in ("md", "html"):
        raise InvalidValue("--template is for --format md or html")
    if template_file is not None and not template_file.is_file():
        raise InvalidValue(f"no template file {template_file}")
    chosen = select(app.workspace.deals(), app.config, deal_filter, today)
    reports = build(chosen_names, chosen, app.config, period, today, compared)
    text = _render(app, reports, fmt, template_file)
    if output is None:
        click.echo(text, nl=False)
        return
    from pipecli.core.storage import write_atomic

    write_atomic(output, text)
    click.echo(f"wrote {output}", err=True)


def _render(app, reports, fmt, template_file) -> str:
    currency = app.config.currency
    if fmt == "text":
        from pipecli.render.reports import render_text

        return render_text(reports, currency, app.style)
    if fmt == "json":
        from pipecli.render.reports import to_json

        return to_json(reports)
    if fmt == "csv":
        from pipecli.render.reports import to_csv

        return to_csv(reports)
    from pipecli.render.templates import render_template

    return render_template(reports, fmt, currency, app.today, workspace_root=app.workspace.root,
                           template_file=template_file)

