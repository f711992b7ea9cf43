"""Task commands: the `task` group (add, done, cancel, snooze, assign, edit, accept, dismiss) and the `tasks` agenda."""

from __future__ import annotations

import click

from pipecli.cli.groups import RecordingGroup
from pipecli.cli.options import (commit_option, complete_task, deal_argument, deal_filter_options, on_option,
                                 output_options)
from pipecli.cli.output import describe_task, echo_move, warn
from pipecli.core.errors import InvalidValue
from pipecli.core.gitsync.identity import unknown_user_hint
from pipecli.core.model.queries import select
from pipecli.core.store.entrylookup import find_task
from pipecli.core.workflow import tasks as task_ops
from pipecli.core.workflow.agenda import agenda, due_cutoff
from pipecli.core.workflow.lifecycle import NextStep, parse_on
from pipecli.core.workflow.suggest import accept, dismiss, pick, suggestions
from pipecli.render.agenda import render_agenda, render_suggestions
from pipecli.render.registry import RECORDS
from pipecli.render.style import printable


def _update_task(app, text: str, change):
    """Load the deal of a task under the lock, change it (refusing new check errors), save it."""
    with app.workspace.lock():  # the task found is the task changed: no write between the two
        found = find_task(app.workspace, text)

        def apply(deal):
            return change(deal, task_ops.task_index(deal, found.entry_id))

        return app.update(found.deal_id, apply)


@click.group(cls=RecordingGroup)
def task():
    """Add, finish, snooze, assign and edit the tasks of deals.

    A task is named by its id, as 'pipe tasks' and 'pipe show' print it (k3v9qa);
    a unique prefix is enough (k3v), and DEAL#ID picks one deal's task. Ids never
    change, so a task named in a teammate's clone is the same task in yours.

    \b
    Example:
      pipe task add acme "Send the pricing" --due 2d
      pipe task done k3v9 --next "Call Jonas about the pricing" --due 1w
    """


@task.command("add")
@deal_argument()
@click.argument("text")
@click.option("--due", metavar="DATE", help="Due date: YYYY-MM-DD, tomorrow, fri, next week, end of month, or 3d ahead.")
@click.option("--assignee", metavar="WHO", help="Team member id or email (default: the deal's owner).")
@click.option("--every", metavar="INTERVAL", help="Recurring: when it is done, the next one is due INTERVAL later (1w, 2w, 1m).")
@commit_option
@click.pass_obj
def task_add(app, deal, text, due, assignee, every):
    """Add a task to a deal.

    With --every, the task recurs: 'pipe task done' adds the next one (same
    text and assignee), due one interval after this one's due date, or after
    the day it was done when it has none. Cancelling it ends the series.

    \b
    Example:
      pipe task add acme "Send the pricing" --due 2d --assignee tom
      pipe task add acme "Check in with Jonas" --due fri --every 2w
    """
    def change(loaded):
        created = task_ops.add(loaded, app.config, text, app.today, due=due, assignee=assignee,
                               default_assignee=app.author, every=every)
        return loaded.task_ref(created), created

    updated, (ref, created) = app.update(deal, change)
    click.echo(f"{ref} added to {updated.id}: {describe_task(created)}")
    app.note_change(f"task add {ref} ({updated.id}): {describe_task(created)}")


def _finish(app, task_text, status, next_text, due, assignee, won, lost, park, on=None):
    closing = [name for name, given in (("won", won), ("lost", lost is not None), ("parked", park)) if given]
    if len(closing) > 1:
        raise InvalidValue("give one of --won, --lost REASON and --park")
    if (due is not None or assignee is not None) and next_text is None:
        raise InvalidValue("--due and --assignee are for the next step: give it with --next TEXT")
    next_step = NextStep(next_text, due, assignee) if next_text is not None else None
    day = parse_on(on, app.today) if on is not None else None

    def change(deal, index):
        return task_ops.finish(deal, app.config, index, status, app.today, app.author, next_step=next_step,
                               close=closing[0] if closing else None, reason=lost, on=day)

    deal, finished = _update_task(app, task_text, change)
    click.echo(f"{finished.ref} {status}: {printable(str(finished.task.get('text')))}")
    app.note_change(f"task {'done' if status == 'done' else 'cancel'} {finished.ref} ({deal.id}): "
                    f"{printable(str(finished.task.get('text')))}")
    for created in (finished.next_task, finished.recurred):
        if created is not None:
            added = f"{deal.task_ref(created)} added: {describe_task(created)}"
            click.echo(added)
            app.note_change(added)
    if finished.move is not None:
        app.note_change("move " + echo_move(finished.move))
    if finished.warning:
        warn(finished.warning)


def _next_options(command):
    for option in reversed([
        click.option("--next", "next_text", metavar="TEXT", help="The next step: a new task on the deal."),
        click.option("--due", metavar="DATE", help="When the next step is due (YYYY-MM-DD, tomorrow, fri, 3d ahead...)."),
        click.option("--assignee", metavar="WHO", help="Who the next step is for (default: this task's assignee)."),
        click.option("--won", is_flag=True, help="Also mark the deal won."),
        click.option("--lost", metavar="REASON", help="Also mark the deal lost, for REASON."),
        click.option("--park", is_flag=True, help="Also park the deal (its pipeline's parked stage)."),
        on_option,
    ]):
        command = option(command)
    return command


@task.command("done")
@click.argument("task_ref", metavar="TASK", shell_complete=complete_task)
@_next_options
@commit_option
@click.pass_obj
def task_done(app, task_ref, next_text, due, assignee, won, lost, park, on):
    """Mark a task done, and give the next step.

    The last open task of an open deal needs a next step (--next) or the deal
    closed in the same command (--won, --lost REASON, --park): refused under
    next_step: strict, a warning under warn. --on DATE: it was done that day
    (and the deal closed that day).

    \b
    Example:
      pipe task done k3v9 --next "Send the contract" --due 3d
      pipe task done q7wd --won --on yesterday
    """
    _finish(app, task_ref, "done", next_text, due, assignee, won, lost, park, on)


@task.command("cancel")
@click.argument("task_ref", metavar="TASK", shell_complete=complete_task)
@_next_options
@commit_option
@click.pass_obj
def task_cancel(app, task_ref, next_text, due, assignee, won, lost, park, on):
    """Cancel a task; the same next-step rule as 'pipe task done'.

    \b
    Example:
      pipe task cancel k3v9 --next "Call instead" --due tomorrow
    """
    _finish(app, task_ref, "cancelled", next_text, due, assignee, won, lost, park, on)


@task.command("snooze")
@click.argument("task_ref", metavar="TASK", shell_complete=complete_task)
@click.option("--until", required=True, metavar="DATE", help="When it comes back: YYYY-MM-DD, mon, next week, or a duration ahead like 2w.")
@commit_option
@click.pass_obj
def task_snooze(app, task_ref, until):
    """Hide a task from the agenda until a date (it stays the deal's next step).

    \b
    Example:
      pipe task snooze k3v9 --until 2w
    """
    deal, snoozed = _update_task(app, task_ref, lambda d, i: task_ops.snooze(d, i, until, app.today))
    ref = deal.task_ref(snoozed)
    click.echo(f"{ref} snoozed until {snoozed['snoozed_until']}: {printable(str(snoozed.get('text')))}")
    app.note_change(f"task snooze {ref} ({deal.id}) until {snoozed['snoozed_until']}: "
                    f"{printable(str(snoozed.get('text')))}")


@task.command("assign")
@click.argument("task_ref", metavar="TASK", shell_complete=complete_task)
@click.argument("who")
@commit_option
@click.pass_obj
def task_assign(app, task_ref, who):
    """Give a task to a team member (id or email).

    \b
    Example:
      pipe task assign k3v9 tom
    """
    deal, (old, changed) = _update_task(app, task_ref, lambda d, i: task_ops.assign(d, app.config, i, who))
    ref = deal.task_ref(changed)
    click.echo(f"{ref} assignee: {old or '(none)'} -> {changed['assignee']}")
    app.note_change(f"task assign {ref} ({deal.id}): {old or '(none)'} -> {changed['assignee']}")


@task.command("edit")
@click.argument("task_ref", metavar="TASK", shell_complete=complete_task)
@click.option("--text", metavar="TEXT", help="New text.")
@click.option("--due", metavar="DATE", help="New due date ('' removes it).")
@commit_option
@click.pass_obj
def task_edit(app, task_ref, text, due):
    """Change a task's text or due date.

    \b
    Example:
      pipe task edit k3v9 --due 2026-12-15 --text "Send the revised pricing"
    """
    deal, changed = _update_task(app, task_ref, lambda d, i: task_ops.edit(d, i, app.today, text=text, due=due))
    ref = deal.task_ref(changed)
    click.echo(f"{ref}: {describe_task(changed)}")
    app.note_change(f"task edit {ref} ({deal.id}): {describe_task(changed)}")


def _on_suggestions(app, keys, apply) -> list:
    """Under the lock: the suggestions keys name, apply(deal, suggestion) -> result to each in memory
    (refusing new check errors), then write every changed deal, all of them or none."""
    from pipecli.core.workflow.bulk import Planned, write
    from pipecli.core.workflow.lifecycle import refuse_new_errors

    workspace = app.workspace
    with workspace.lock():
        chosen = pick(suggestions(workspace.deals(skip_bad=True), app.config, app.today), keys)
        deals, results = {}, []
        for suggestion in chosen:
            deal = deals.setdefault(suggestion.deal.id, suggestion.deal)
            results.append((deal, suggestion, refuse_new_errors(
                deal, app.config, app.today, lambda d, s=suggestion: apply(d, s))))
        write(workspace.save, workspace.is_saved, [Planned(d, "") for d in deals.values()], batch=workspace.batch)
    return results


@task.command("accept")
@click.argument("keys", nargs=-1, required=True, metavar="DEAL:KIND...")
@click.option("--due", metavar="DATE", default="today", show_default=True, help="When the task is due.")
@click.option("--assignee", metavar="WHO", help="Who it is for (default: the deal's owner).")
@commit_option
@click.pass_obj
def task_accept(app, keys, due, assignee):
    """Turn suggestions of 'pipe tasks --suggested' into tasks.

    A suggestion is named DEAL:KIND as listed (a unique prefix of the deal id
    is enough); give several to accept them all, or none if one is wrong.

    \b
    Example:
      pipe tasks --suggested
      pipe task accept lantern:rotting baltica:unanswered --due tomorrow
    """
    done = _on_suggestions(app, keys, lambda deal, chosen: accept(
        deal, chosen, app.config, app.today, due=due, assignee=assignee, default_assignee=app.author))
    for deal, chosen, created in done:
        ref = deal.task_ref(created)
        click.echo(f"{ref} added to {deal.id}: {describe_task(created)}")
        app.note_change(f"task accept {ref} ({deal.id}): {describe_task(created)} (suggested: {chosen.kind})")


@task.command("dismiss")
@click.argument("keys", nargs=-1, required=True, metavar="DEAL:KIND...")
@click.option("--for", "for_", metavar="DURATION", default="2w", show_default=True,
              help="How long to hide it: a duration like 10d, 2w, 1m, or a date.")
@commit_option
@click.pass_obj
def task_dismiss(app, keys, for_):
    """Hide suggestions for a while, recorded on the deal so every clone hides them.

    A suggestion comes back when the time is up, or sooner if something newer
    triggers it (another unanswered email, a later meeting without notes).

    \b
    Example:
      pipe task dismiss lantern:rotting --for 3w
    """
    done = _on_suggestions(app, keys, lambda deal, chosen: dismiss(deal, chosen, for_, app.today, app.author))
    for deal, chosen, entry in done:
        click.echo(f"{chosen.key} dismissed until {entry['until']}")
        app.note_change(f"task dismiss {chosen.key} until {entry['until']}")


@click.command("tasks")
@click.option("--assignee", "assignees", multiple=True, metavar="WHO", help="Only tasks for WHO (repeatable); a task without assignee is its deal owner's.")
@click.option("--mine", is_flag=True, help="Only your tasks ($PIPE_USER, else git config user.email).")
@click.option("--deal", "deal_ref", metavar="DEAL", help="Only the tasks of one deal.")
@click.option("--overdue", is_flag=True, help="Only overdue tasks.")
@click.option("--due", metavar="WHEN", help="Only tasks due by WHEN: today, tomorrow, week (7 days) or a DATE; overdue included.")
@click.option("--all", "include_closed", is_flag=True, help="Also show done and cancelled tasks.")
@click.option("--suggested", is_flag=True, help="Show suggested tasks instead, with why ('pipe task accept DEAL:KIND').")
@deal_filter_options
@output_options(RECORDS, fits=True)
@click.pass_obj
def tasks_(app, assignees, mine, deal_ref, overdue, due, include_closed, suggested, deal_filter, out):
    """The agenda: open tasks grouped as overdue, today, upcoming and snoozed.

    Takes the deal filters too: 'pipe tasks --account acme' shows one account's tasks.
    With --suggested, lists what pipe suggests: deals with no activity for
    inactivity_days, unanswered inbound emails, meetings without notes, rotting deals.

    \b
    Example:
      pipe tasks --mine --due today
      pipe tasks --suggested
    """
    config, workspace = app.config, app.workspace
    if mine and assignees:
        raise InvalidValue("give --mine or --assignee, not both")
    if mine:
        if app.user is None:
            raise InvalidValue(f"--mine needs to know who you are: {unknown_user_hint(str(workspace.root))}")
        who = (app.user,)
    else:
        who = tuple(config.find_member(a).id for a in assignees)
    if suggested and (overdue or due is not None or include_closed):
        raise InvalidValue("--suggested lists suggestions: --overdue, --due and --all do not apply")
    due_by = due_cutoff(due, app.today) if due is not None else None
    only = workspace.resolve(deal_ref) if deal_ref is not None else None
    deals = workspace.deals(skip_bad=True) if only is None or suggested else [workspace.load(only)]
    chosen = [f for f in select(deals, config, deal_filter, app.today) if only is None or f.deal.id == only]
    if suggested:
        every = suggestions(deals, config, app.today)
        ids = {f.deal.id for f in chosen}
        shown = [s for s in every if s.deal.id in ids and (not who or s.deal.owner in who)]
        out.emit(render_suggestions(shown, out.fmt, out.raw))
        if not shown and out.fmt in ("text", "md"):
            click.echo("no suggested tasks", err=True)
        return
    items = agenda(chosen, app.today, assignees=who, overdue_only=overdue, due_by=due_by,
                   include_closed=include_closed)
    out.emit(render_agenda(items, out.fmt, out.style, out.raw, out.width), coloured=True)  # cells made printable by render_rows
    if not items and out.fmt in ("text", "md"):
        click.echo("no tasks match", err=True)
