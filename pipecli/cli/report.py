"""The report command: revenue, funnel, team, forecast, calibration and movement, in five formats."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipecli.cli.options import deal_filter_options
from pipecli.cli.output import output_path
from pipecli.core.errors import InvalidValue
from pipecli.core.periods import PERIOD_HELP, parse_period
from pipecli.core.queries import select
from pipecli.core.reports.catalog import build, report_names
from pipecli.render.style import Style, printable

FORMATS = ("text", "md", "json", "csv", "html")


@click.command()
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--period", "-p", "period_text", default="this month", show_default=True, metavar="P",
              help=f"The period: {PERIOD_HELP}.")
@click.option("--compare", "compare_text", is_flag=False, flag_value="previous", default=None, metavar="[PERIOD]",
              help="Put the previous period (or PERIOD) beside every headline figure.")
@deal_filter_options
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format.")
@click.option("--template", "template_text", metavar="FILE",
              help="A jinja2 template for md or html instead of the built-in one.")
@click.option("-o", "--output", "output_text", metavar="FILE",
              help="Write to FILE instead of standard output ('-': standard output).")
@click.pass_obj
def report(app, names, period_text, compare_text, deal_filter, fmt, template_text, output_text):
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
    if compare_text is not None and compare_text != "previous" and _is_report_name(compare_text):
        # `pipe report --compare revenue`: the name was taken as --compare's period.
        names, compare_text = (*names, compare_text), "previous"
    chosen_names = report_names(names)
    today = app.today
    period = parse_period(period_text, today)
    compared = None
    if compare_text is not None:
        compared = period.previous() if compare_text == "previous" else parse_period(compare_text, today)
    template_file = _template_path(template_text, fmt)
    output = output_path(output_text)
    chosen = select(app.workspace.deals(), app.config, deal_filter, today)
    reports = build(chosen_names, chosen, app.config, period, today, compared)
    # Colour only on a terminal; and deal text never carries control characters to one.
    style = app.style if output is None else Style(False)
    text = _render(app, reports, fmt, template_file, style)
    if output is None:
        click.echo(printable(text, keep="\n\t") if sys.stdout.isatty() else text, nl=False)
        return
    from pipecli.core.storage import write_atomic

    write_atomic(output, text)
    click.echo(f"wrote {output}", err=True)


def _is_report_name(text: str) -> bool:
    try:
        report_names((text,))
        return True
    except InvalidValue:
        return False


def _template_path(text: str | None, fmt: str) -> Path | None:
    if text is None:
        return None
    if fmt not in ("md", "html"):
        raise InvalidValue("--template is for --format md or html")
    path = Path(text)
    if not path.is_file():
        raise InvalidValue(f"no template file {text}" + (" (it is a folder)" if path.is_dir() else ""))
    return path


def _render(app, reports, fmt, template_file, style) -> str:
    currency = app.config.currency
    if fmt == "text":
        from pipecli.render.reports import render_text

        return render_text(reports, currency, style)
    if fmt == "json":
        from pipecli.render.reports import to_json

        return to_json(reports)
    if fmt == "csv":
        from pipecli.render.reports import to_csv

        return to_csv(reports)
    from pipecli.render.templates import render_template

    return render_template(reports, fmt, currency, app.today, workspace_root=app.workspace.root,
                           template_file=template_file)
