"""Pipeline history from git: `pipe history DEAL` and `pipe diff REV1..REV2` (the weekly review)."""

from __future__ import annotations

import json

import click

from pipecli.cli.options import check_raw, deal_argument, format_option
from pipecli.cli.output import echo_output, output_path, warn
from pipecli.cli.report import AtPoint, emit, output_options, template_path
from pipecli.core.gitsync.repo import Git
from pipecli.render.formats import plain
from pipecli.render.style import printable


@click.command()
@deal_argument()
@format_option("text", "json", default="text")
@click.pass_obj
def history(app, deal, fmt):
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
    if fmt == "json":
        record = {"deal": deal_id, "revisions": [
            {"commit": r.commit, "short": r.short or None, "date": r.when or None, "author": r.author or None,
             "subject": r.subject,
             "changes": [{"field": c.field, "change": c.kind, "from": plain(c.before), "to": plain(c.after),
                          "text": c.text} for c in r.changes]}
            for r in revisions]}
        echo_output(json.dumps(record, indent=2, ensure_ascii=False, default=str) + "\n", fmt)
        return
    style = app.style
    for r in revisions:
        # Author, subject and deal text come through git from anyone: no control characters.
        if r.commit is None:
            click.echo(style("not committed yet", "bold"))
        else:
            click.echo(f"{style(r.short, 'yellow')} {r.date} {printable(r.author)}: {printable(r.subject)}")
        for line in [c.text for c in r.changes] or ["(no field changed)"]:
            click.echo(f"  {printable(line)}")


@click.command()
@click.argument("points", required=False, metavar="[REV1..REV2 | REV1]")
@output_options
@click.pass_obj
def diff(app, points, fmt, template_text, output_text, raw):
    """What changed in the pipeline between two points: the weekly review.

    Deals added, moved, won, lost (with the reason), revalued, given a new expected close
    date, or removed. A point is a git revision (HEAD~3, a tag, a commit id) or a date
    (YYYY-MM-DD, yesterday, 7d), a date meaning the last commit at or before the end of
    that day. REV1 alone runs from REV1 to the working tree; with no points, from 7 days
    ago (the last commit at or before then) to the working tree. Read from git, without
    a checkout.

    \b
    Example:
      pipe diff                          # the last 7 days, up to what is on disk
      pipe diff 2026-11-01..2026-11-08 --format md -o review.md
      pipe diff v1.0..HEAD --format json
    """
    from pipecli.core.reports.review import review
    from pipecli.core.gitsync.revisions import leave_out_skipped, parse_points

    check_raw(raw, fmt)
    template_file = template_path(template_text, fmt)
    output = output_path(output_text)
    workspace = app.workspace
    before, after = parse_points(workspace, Git(workspace.root), points, app.today)
    # A deal that does not parse at either point is left out of both (warned about, and named
    # at the top of the review): the review of every other deal still holds.
    leave_out_skipped(before, after)
    app.leave_out(before.skipped + after.skipped)
    if before.empty:
        warn(f"no commit at or before {before.date}: starting from an empty pipeline, so every deal counts as added")
    emit([review(before, after)], fmt, AtPoint(app, after), template_file, output, raw)
