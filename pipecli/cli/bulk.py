"""Commands that change many deals: flush, and bulk move, set and tag; all confirm first."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import click

from pipecli.cli.groups import RecordingGroup
from pipecli.cli.options import commit_option, complete_stage, deal_filter_options, on_option, skip_bad_option
from pipecli.cli.output import progress, show_value, stdin_is_terminal, warn
from pipecli.core.errors import InvalidValue, PipeError
from pipecli.core.model.deal import Deal
from pipecli.core.model.queries import DealFilter, select, stage_ids
from pipecli.core.model.values import clean_tags
from pipecli.core.workflow import bulk, lifecycle
from pipecli.render import money
from pipecli.render.formats import render_rows
from pipecli.render.style import printable

LIST_COLUMNS = ("id", "title", "value", "last_activity", "change")


def _confirm_options(command):
    command = click.option("--yes", "-y", is_flag=True, help="Do not ask: for scripts and CI.")(command)
    command = skip_bad_option("the deals the filters select from")(command)
    return click.option("--dry-run", is_flag=True, help="Only show what would change.")(command)


def _run(app, deal_filter: DealFilter, change, *, action: str, done: str, dry_run: bool, yes: bool,
         subject: str, records_who: bool = True) -> None:
    """Select, plan every change in memory, show it, confirm, then write deal by deal.

    action: what the question asks ('close as lost (stale)'); done: the last line ('14 deals lost');
    subject: the commit message's subject, where '{deals}' becomes the count ('flush: {deals} lost');
    records_who: the change writes who did it (a move's history entry), so an unknown person is refused.
    The workspace lock is held throughout, so what was shown is what gets written.
    """
    workspace, config, today = app.workspace, app.config, app.today
    if records_who:
        _ = app.author  # an unknown person is refused now, once, not once per deal
    with workspace.lock():
        chosen = select(app.deals(), config, deal_filter, today)
        before = {f.deal.id: f for f in chosen}  # the facts as they are, before the change
        # Facts are worked out when first read (core/model/queries.py): read before the change
        active = {f.deal.id: f.last_activity for f in chosen}
        planned = bulk.plan([f.deal for f in chosen], config, today, change)
        total = sum((before[p.deal.id].base_value for p in planned.changes), start=Decimal(0))
        for deal_id, why in planned.skipped:
            click.echo(f"{deal_id}: skipped: {why}", err=True)
        if not planned.changes:
            click.echo("no deals to change" if not chosen else "nothing to change", err=True)
            return
        rows = [{"id": p.deal.id, "title": p.deal.title,
                 "value": money.amount(p.deal.value, p.deal.currency) if p.deal.data.get("value") is not None else "",
                 "last_activity": active[p.deal.id], "change": p.summary} for p in planned.changes]
        click.echo(render_rows(rows, LIST_COLUMNS, "text"), nl=False)
        deals = _count(len(planned.changes))
        click.echo(f"{deals}, {money.amount(total, config.currency)} in total")
        if dry_run:
            click.echo("dry run: nothing changed", err=True)
            return
        if not yes:
            if not stdin_is_terminal():
                raise PipeError(f"{deals} would change: confirm with --yes, or look first with --dry-run")
            if not click.confirm(f"{action.capitalize()}: {deals}?", default=False, err=True):
                raise PipeError("nothing changed")
        bulk.write(workspace.save, workspace.is_saved, planned.changes, progress(action), workspace.check_writable,
                   workspace.batch)
    for p in planned.changes:
        if p.warning:
            warn(p.warning)
    click.echo(f"{done}: {deals}")
    app.note_change(subject.format(deals=deals))
    for p in planned.changes:
        app.note_change(f"{p.deal.id}: {p.summary}")


def _count(n: int) -> str:
    return f"{n} deal{'s' if n != 1 else ''}"


def _cancelled(moved: lifecycle.Move) -> str:
    """How many open tasks closing a deal cancels, for the list shown before confirming."""
    n = len(moved.cancelled_tasks)
    return f", cancels {n} open task{'s' if n != 1 else ''}" if n else ""


def _has_stage(pipeline, text: str) -> bool:
    try:
        pipeline.find_stage(text)
        return True
    except PipeError:
        return False


def _require_filter(deal_filter: DealFilter, command: str, example: str, count_status: bool) -> None:
    bare = deal_filter if count_status else dataclasses.replace(deal_filter, statuses=())
    if bare == DealFilter():
        raise InvalidValue(f"{command} needs at least one filter, like {example}: it would change every deal")


@click.command()
@deal_filter_options
@click.option("--reason", metavar="R", help="The lost reason (default: flush_reason in pipelines.yaml, e.g. stale).")
@click.option("--park", is_flag=True, help="Park the deals (the fridge) instead of losing them.")
@on_option
@_confirm_options
@commit_option
@click.pass_obj
def flush(app, deal_filter, reason, park, on, dry_run, yes):
    """Close dead deals as lost, or park them, to keep the pipeline honest.

    Takes the deal filters (at least one besides --open/--parked), and changes
    the open deals they select; with --parked, the parked ones instead. Shows
    the deals and their total, then asks; --dry-run only shows, --yes does not ask.
    --on DATE closes them all on that day (refused, changing none, if that is
    before one of them was created or last moved).

    \b
    Example:
      pipe flush --inactive 90d --dry-run
      pipe flush --inactive 90d --yes
      pipe flush --stage lead --created-before 6m --park
    """
    config = app.config
    _require_filter(deal_filter, "pipe flush", "--inactive 90d", count_status=False)
    statuses = deal_filter.statuses or ("open",)
    if set(statuses) - {"open", "parked"}:
        raise InvalidValue("pipe flush closes open (or --parked) deals: leave out --won and --lost")
    if park and "parked" in statuses:
        raise InvalidValue("--park with --parked: those deals are parked already")
    if park and reason is not None:
        raise InvalidValue("--reason is for lost deals; --park keeps no reason")
    deal_filter = dataclasses.replace(deal_filter, statuses=tuple(statuses))
    day = lifecycle.parse_on(on, app.today) if on is not None else None
    dated = f" on {day}" if day is not None else ""
    kind = "parked" if park else "lost"
    if park:
        lost_reason = None
    elif reason is not None:
        lost_reason = lifecycle.check_reason(config, reason)
    elif config.lost_reasons and config.flush_reason not in config.lost_reasons:
        raise InvalidValue(f"the default flush reason '{config.flush_reason}' is not one of lost_reasons: "
                           "give --reason, or set flush_reason in pipelines.yaml")
    else:
        lost_reason = config.flush_reason

    def change(deal):
        before = deal.stage
        moved = lifecycle.close(deal, config, kind, app.today, app.author, lost_reason, flushed=True, on=day)
        return f"{before} -> {moved.to.id}{_cancelled(moved)}", moved.warning

    what = "park" if park else f"close as lost ({lost_reason})"
    _run(app, deal_filter, change, action=what + dated,
         done=("flush: parked" if park else f"flush: lost ({lost_reason})") + dated, dry_run=dry_run, yes=yes,
         subject=("flush: {deals} parked" if park else f"flush: {{deals}} lost ({lost_reason})") + dated)


@click.group("bulk", cls=RecordingGroup)
def bulk_():
    """Change many deals at once: move, set fields, tag.

    Each takes the deal filters (at least one), shows what changes and asks
    first; --dry-run only shows, --yes does not ask. Every deal is checked
    before any is written, so a refusal changes nothing.

    \b
    Example:
      pipe bulk move fridge --stage lead --inactive 60d --dry-run
      pipe bulk tag q1-push --owner maya --open --yes
    """


@bulk_.command("move")
@click.argument("stage", shell_complete=complete_stage)
@deal_filter_options
@click.option("--reason", metavar="R", help="The lost reason, for a move to a lost stage.")
@click.option("--next", "next_text", metavar="TEXT", help="A next step to add to each deal.")
@click.option("--due", metavar="DATE", help="When that next step is due.")
@click.option("--force", is_flag=True, help="Move even deals that lack what the stage requires.")
@_confirm_options
@commit_option
@click.pass_obj
def bulk_move(app, stage, deal_filter, reason, next_text, due, force, dry_run, yes):
    """Move the selected deals to STAGE (in each deal's own pipeline).

    \b
    Example:
      pipe bulk move fridge --stage lead --inactive 60d --yes
    """
    _require_filter(deal_filter, "pipe bulk move", "--stage lead", count_status=True)
    if due is not None and next_text is None:
        raise InvalidValue("--due is for the next step: give it with --next TEXT")
    next_step = lifecycle.NextStep(next_text, due) if next_text is not None else None
    # What can be checked before reading deals fails now, once, even when no deal matches.
    targets = [p.find_stage(stage) for p in app.config.pipelines if _has_stage(p, stage)]
    if not targets:
        stage_ids(app.config, None, stage)  # raises the unknown (or ambiguous) stage error
    kinds = {target.kind for target in targets}
    if reason is not None:
        lifecycle.check_reason(app.config, reason)
    elif "lost" in kinds:
        lifecycle.check_reason(app.config, None)
    if next_step is not None and kinds & {"won", "lost"}:
        raise InvalidValue(f"--next is for a move into an open or parked stage; {stage} is closed")

    def change(deal):
        pipeline = app.config.pipeline(deal.pipeline)
        target = pipeline.find_stage(stage) if pipeline else None
        if target is not None and target.id == deal.stage:
            raise bulk.Unchanged(f"already in {target.id}")
        before = deal.stage
        moved = lifecycle.move(deal, app.config, stage, app.today, app.author, reason=reason, force=force,
                               next_step=next_step)
        forced = f" (forced without {', '.join(moved.forced)})" if moved.forced else ""
        return f"{before} -> {moved.to.id}{forced}{_cancelled(moved)}", moved.warning

    _run(app, deal_filter, change, action=f"move to {stage}", done="moved", dry_run=dry_run, yes=yes,
         subject=f"bulk move: {{deals}} -> {stage}")


@bulk_.command("set")
@click.argument("assignments", nargs=-1, required=True, metavar="KEY=VALUE...")
@deal_filter_options
@_confirm_options
@commit_option
@click.pass_obj
def bulk_set(app, assignments, deal_filter, dry_run, yes):
    """Set fields on the selected deals, as 'pipe set' does on one.

    \b
    Example:
      pipe bulk set owner=tom --owner maya --stage lead --yes
    """
    _require_filter(deal_filter, "pipe bulk set", "--owner maya", count_status=True)
    scratch = Deal({"id": "scratch", "title": "scratch"})  # bad keys and values fail now, even when no deal matches
    for assignment in assignments:
        key, _, text = assignment.partition("=")
        if key.strip() in ("closed", "lost_reason"):  # a correction of a close: the scratch deal has none
            lifecycle.read_close_field(app.config, key.strip(), text.strip(), app.today)
        else:
            lifecycle.set_field(scratch, app.config, assignment, app.today)

    def change(deal):
        changes = [lifecycle.set_field(deal, app.config, a, app.today, app.user) for a in assignments]
        changed = [(k, old, new) for k, old, new in changes if old != new]
        if not changed:
            raise bulk.Unchanged("already set")
        return "; ".join(f"{k}: {show_value(old)} -> {show_value(new)}" for k, old, new in changed), None

    _run(app, deal_filter, change, action=f"set {' '.join(assignments)}", done="set", dry_run=dry_run, yes=yes,
         subject=f"bulk set: {{deals}}: {printable(' '.join(assignments))}", records_who=False)


@bulk_.command("tag")
@click.argument("tags", nargs=-1, required=True, metavar="TAG...")
@click.option("--remove", is_flag=True, help="Remove the tags instead of adding them.")
@deal_filter_options
@_confirm_options
@commit_option
@click.pass_obj
def bulk_tag(app, tags, remove, deal_filter, dry_run, yes):
    """Add tags to the selected deals (or remove them with --remove).

    \b
    Example:
      pipe bulk tag q1-push --owner maya --open --yes
      pipe bulk tag q1-push --remove --tag q1-push --yes
    """
    _require_filter(deal_filter, "pipe bulk tag", "--owner maya", count_status=True)
    wanted = clean_tags(tags)
    if not wanted:
        raise InvalidValue("no tags given")

    def change(deal):
        changed = lifecycle.retag(deal, wanted, remove=remove)
        if not changed:
            raise bulk.Unchanged("has none of these tags" if remove else "already tagged")
        sign = "-" if remove else "+"
        return f"tags {' '.join(sign + t for t in changed)}", None

    _run(app, deal_filter, change, action=f"{'untag' if remove else 'tag'} {' '.join(wanted)}",
         done="untagged" if remove else "tagged", dry_run=dry_run, yes=yes,
         subject=f"bulk {'untag' if remove else 'tag'}: {{deals}}: {printable(' '.join(wanted))}", records_who=False)
