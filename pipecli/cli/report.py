"""The report command: revenue, funnel, team, forecast, calibration and movement, in five formats."""

from __future__ import annotations

from pathlib import Path

import click

from pipecli.cli.options import deal_filter_options, output_options, skip_bad_option
from pipecli.cli.output import Output
from pipecli.core.errors import BadFiles, InvalidValue, ParseError, PipeError
from pipecli.core.gitsync.repo import Git
from pipecli.core.model.periods import PERIOD_HELP, earliest_date, parse_period
from pipecli.core.model.queries import facts, select
from pipecli.core.reports.catalog import build, build_ranges, report_names
from pipecli.render.registry import FIGURES

def template_option(command):
    """--template: a report (or the weekly review) in md or html through the user's jinja2 template."""
    return click.option("--template", "template_text", metavar="FILE",
                        help="A jinja2 template for md or html instead of the built-in one.")(command)


def _at_point(ctx: click.Context, param, text: str | None) -> None:
    """--as-of: from here on the command sees the workspace at that point (its config, deals and date).

    Done while the options are read, so that the deal filters, built from ctx.obj just before the
    command runs, read that point's config and date too.
    """
    if text is None:
        return
    from pipecli.core.gitsync.revisions import resolve_point, snapshot_at

    app = ctx.obj
    snapshot = snapshot_at(Git(app.workspace.root), resolve_point(Git(app.workspace.root), text, app.today))
    ctx.obj = AtPoint(app, snapshot)


class AtPoint:
    """The App of a command run as of a past point: that point's config, deals and date as today."""

    def __init__(self, app, snapshot):
        self.app = app
        self.workspace = app.workspace  # for templates/ and -o: those of now
        self.config = snapshot.config
        self.today = snapshot.date
        self.style = app.style
        self._deals = list(snapshot.deals.values())
        self._skipped = snapshot.skipped

    def deals(self):
        """That point's deals; a file that did not parse there stops the command unless --skip-bad."""
        if self._skipped and not self.app.skip_bad:
            raise BadFiles(self._skipped)
        self.app.leave_out(self._skipped)
        return self._deals

    def left_out(self):
        return self.app.left_out()

    @property
    def skip_bad(self):  # --skip-bad is read after --as-of, into the App
        return self.app.skip_bad

    def leave_out(self, errors) -> None:
        self.app.leave_out(errors)


@click.command()
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--period", "-p", "period_text", default="this month", show_default=True, metavar="P",
              help=f"The period: {PERIOD_HELP}.")
@click.option("--compare", "compare_text", is_flag=False, flag_value="previous", default=None, metavar="[PERIOD]",
              help="Put the previous period (or PERIOD) beside every headline figure.")
@click.option("--as-of", "as_of", metavar="REV|DATE", callback=_at_point, expose_value=False,
              help="Report on the workspace as it was at a git revision (HEAD~3, a tag, a commit) or date "
                   "(the last commit that day), read from git without a checkout. Today becomes that "
                   "point's date (the commit's, or the date given), so the period and every 'as of "
                   "today' figure are what the report said then; the filters read that point's "
                   "pipelines.yaml.")
@click.option("--ranges", is_flag=True,
              help="forecast: P10/P50/P90 of won revenue per coming month and quarter (or per --period "
                   "given), simulated from the workspace's closed deals.")
@click.option("--seed", type=int, default=None, metavar="N", help="--ranges: the random seed (default 21).")
@click.option("--runs", type=click.IntRange(1, 100_000), default=None, metavar="N",
              help="--ranges: how many runs (default 2000).")
@click.option("--backtest", is_flag=False, flag_value="month", default=None, metavar="[month|quarter]",
              help="--ranges: replay each month (or quarter) of the past year (or of --period), forecast it "
                   "from what was known at its start, and compare with what was won.")
@click.option("--from-git", "from_git", is_flag=True,
              help="--backtest: read each start from the last commit before it instead of rebuilding it "
                   "from the deals' stage histories.")
@deal_filter_options
@output_options(FIGURES, fits=True)
@template_option
@skip_bad_option("the report (it then says so at the top)")
@click.pass_obj
def report(app, names, period_text, compare_text, ranges, seed, runs, backtest, from_git, deal_filter, out,
           template_text):
    """Answer the questions a pipeline is kept for.

    \b
    Reports (all of them when none is named):
      revenue      revenue won, pipeline and weighted pipeline, sales cycle,
                   average deal, win rate, created, top accounts, sources,
                   lost reasons
      funnel       per pipeline: deals that reached each stage, conversion,
                   days in stage
      team         per owner: interactions, wins, revenue, win rate, dropped,
                   pipeline, quota
      forecast     open deals by expected close month and quarter, overdue,
                   pushed back
      calibration  per stage: configured probability against what happened
      movement     added, moved forward and back, won, lost, pipeline change
                   (against the period before)

    Money is in the base currency. The deal filters narrow the deals reported on.

    \b
    Example:
      pipe report revenue --period 2026-Q3 --compare
      pipe report --period ytd --format html -o report.html
      pipe report forecast --as-of 2026-10-31
      pipe report forecast --ranges --seed 7
      pipe report forecast --ranges --backtest
      pipe report forecast --ranges --backtest quarter --period 2025 --from-git
    """
    if compare_text is not None and compare_text != "previous" and _is_report_name(compare_text):
        # `pipe report --compare revenue`: the name was taken as --compare's period.
        names, compare_text = (*names, compare_text), "previous"
    if backtest is not None and backtest.lower() not in BACKTEST_GRAINS:
        if not _is_report_name(backtest):
            raise InvalidValue(f"--backtest takes month or quarter, not '{backtest}'")
        names, backtest = (*names, backtest), "month"  # `--backtest forecast`: the name taken as the grain
    chosen_names = report_names(names)
    _refuse_stray_range_options(ranges, seed, runs, backtest, from_git, chosen_names, compare_text)
    today = app.today
    first = lambda: earliest_date(app.deals())  # noqa: E731 - an open start (..2026-03-01) needs the deals
    period = parse_period(period_text, today, first)
    compared = None
    if compare_text is not None:
        compared = period.previous() if compare_text == "previous" else parse_period(compare_text, today, first)
    template_file = template_path(template_text, out.fmt)
    deals = app.deals()
    chosen = select(deals, app.config, deal_filter, today)
    if ranges:
        given = click.get_current_context().get_parameter_source("period_text") != click.core.ParameterSource.DEFAULT
        source = None
        if from_git:
            from pipecli.core.reports.backtest import FromGit

            source = FromGit(chosen, Git(app.workspace.root), app.skip_bad)
        # the filters choose the deals forecast; the history is learned from every deal
        known = {id(f.deal): f for f in chosen}
        everyone = [known.get(id(d)) or facts(d, app.config, today) for d in deals]
        try:
            reports = build_ranges(chosen, app.config, today, seed, runs, period if given else None,
                                   backtest and backtest.lower(), source, everyone)
        except ParseError as error:  # pipelines.yaml at a commit (a deal file's is BadFiles)
            if source is None or app.skip_bad:
                raise
            raise PipeError(f"{error}; --skip-bad leaves out each period that starts from it") from None
        if source is not None:
            app.leave_out(source.skipped)
    else:
        reports = build(chosen_names, chosen, app.config, period, today, compared)
    emit(reports, app, template_file, out)


BACKTEST_GRAINS = ("month", "quarter")


def _refuse_stray_range_options(ranges, seed, runs, backtest, from_git, chosen_names, compare_text) -> None:
    """The forecast-with-ranges options only where they mean something, each refusal naming the fix."""
    if (seed is not None or runs is not None) and not ranges:
        raise InvalidValue("--seed and --runs are for --ranges")
    if backtest is not None and not ranges:
        raise InvalidValue("--backtest is for --ranges: pipe report forecast --ranges --backtest")
    if from_git and backtest is None:
        raise InvalidValue("--from-git is for --backtest: pipe report forecast --ranges --backtest --from-git")
    if ranges and (chosen_names != ["forecast"] or compare_text is not None):
        raise InvalidValue("--ranges is for 'pipe report forecast' alone, without --compare")


def emit(reports, app, template_file: Path | None, out: Output) -> None:
    """Render reports in out's format (money in app.config's currency) and write them where out says.

    Deal files the command went on without (--skip-bad) are named at the top, or in json under
    "skipped"; csv has no place for them but the warnings on stderr.
    """
    skipped = [{"path": e.path, "line": e.line, "problem": e.message,
                **({"commit": e.commit} if getattr(e, "commit", None) else {})} for e in app.left_out()]
    # Deal text goes out as it is; on a terminal, as for_terminal shows it. The built-in text is styled
    # and made printable piece by piece (render_text), so it goes as it is, colour and all.
    out.emit(_render(app, reports, out.fmt, template_file, out.style, skipped, out.raw, out.width),
             coloured=template_file is None)


def _is_report_name(text: str) -> bool:
    try:
        report_names((text,))
        return True
    except InvalidValue:
        return False


def template_path(text: str | None, fmt: str) -> Path | None:
    if text is None:
        return None
    if fmt not in ("md", "html"):
        raise InvalidValue("--template is for --format md or html")
    path = Path(text)
    if not path.is_file():
        raise InvalidValue(f"no template file {text}" + (" (it is a folder)" if path.is_dir() else ""))
    return path


def _render(app, reports, fmt, template_file, style, skipped, raw=False, width=None) -> str:
    currency = app.config.currency
    if fmt == "text":
        from pipecli.render.reports import render_text

        return render_text(reports, currency, style, skipped, width)
    if fmt == "json":
        from pipecli.render.reports import to_json

        return to_json(reports, skipped)
    if fmt == "csv":
        from pipecli.render.reports import to_csv

        return to_csv(reports, raw)
    from pipecli.render.templates import render_template

    return render_template(reports, fmt, currency, app.today, workspace_root=app.workspace.root,
                           template_file=template_file, skipped=skipped)
