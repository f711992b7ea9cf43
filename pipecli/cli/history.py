"""Pipeline history from git: `pipe history DEAL` and `pipe diff REV1..REV2` (the weekly review)."""

from __future__ import annotations

import click

from pipecli.cli.options import deal_argument, output_options
from pipecli.cli.output import warn
from pipecli.cli.report import AtPoint, emit, template_option, template_path
from pipecli.core.gitsync.repo import Git
from pipecli.render.history import render_history
from pipecli.render.registry import FIGURES, RECORDS


@click.command()
@deal_argument()
@output_options(RECORDS, fits=True)
@click.pass_obj
def history(app, deal, out):
    """The commits that changed DEAL, newest first, as field-level changes.

    DEAL is an id or a unique prefix of one; a deal removed since is found by its exact id.
    A change not committed yet is shown first.

    \b
    Example:
      pipe history acme
      pipe history acme --format json | jq '.revisions[0].changes'
    """
    from pipecli.core.gitsync.revisions import deal_history

    workspace = app.workspace
    deal_id, revisions = deal_history(workspace, Git(workspace.root), deal)
    out.emit(render_history(deal_id, revisions, out.fmt, out.style, out.raw, out.width), coloured=True)


@click.command()
@click.argument("points", required=False, metavar="[REV1..REV2 | REV1]")
@output_options(FIGURES, fits=True)
@template_option
@click.pass_obj
def diff(app, points, out, template_text):
    """What changed in the pipeline between two points: the weekly review.

    Deals added, moved, won, lost (with the reason), revalued, given a new expected close
    date, or removed. A point is a git revision (HEAD~3, a tag, a commit id) or a date
    (YYYY-MM-DD, yesterday, last week, 7d ago), a date meaning the last commit at or
    before the end of that day. REV1 alone runs from REV1 to the working tree; with no
    points, from 7 days ago (the last commit at or before then) to the working tree.
    Read from git, without a checkout.

    \b
    Example:
      pipe diff                          # the last 7 days, up to what is on disk
      pipe diff 2026-11-01..2026-11-08 --format md -o review.md
      pipe diff v1.0..HEAD --format json
    """
    from pipecli.core.reports.review import review
    from pipecli.core.gitsync.revisions import leave_out_skipped, parse_points

    template_file = template_path(template_text, out.fmt)
    workspace = app.workspace
    before, after = parse_points(workspace, Git(workspace.root), points, app.today)
    # A deal that does not parse at either point is left out of both (warned about, and named
    # at the top of the review): the review of every other deal still holds.
    leave_out_skipped(before, after)
    app.leave_out(before.skipped + after.skipped)
    if before.empty:
        warn(f"no commit at or before {before.date}: starting from an empty pipeline, so every deal counts as added")
    emit([review(before, after)], AtPoint(app, after), template_file, out)
