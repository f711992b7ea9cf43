"""Task commands: the `task` group (add, done, cancel, snooze, assign, edit, accept) and the `tasks` agenda."""

from __future__ import annotations

import click

from pipecli.cli.options import commit_option, complete_task, deal_argument, deal_filter_options, format_option
from pipecli.cli.output import describe_task, echo_move, warn
from pipecli.core import tasks as task_ops
from pipecli.core.agenda import agenda, due_cutoff
from pipecli.core.errors import InvalidValue
from pipecli.core.identity import unknown_user_hint
from pipecli.core.lifecycle import NextStep
from pipecli.core.queries import select
from pipecli.core.suggest import accept, pick, suggestions
from pipecli.render.agenda import render_agenda, render_suggestions
from pipecli.render.style import printable


def _update_task(app, text: str, change):
    """Load the deal of a task under the lock, change it (refusing new check errors), save it."""
    ref = task_ops.parse_task_ref(text)
    deal_id = task_ops.holder(app.workspace, ref)

    def apply(deal):
        return change(deal, task_ops.task_number(deal, ref))

    return app.update(deal_id, apply)


@click.group()
def task():
    """Add, finish, snooze, assign and edit the tasks of deals.

    A task is written DEAL#N (N as shown by 'pipe tasks' and 'pipe show'), or by
    its id when that is unique in the workspace.

    \b
    Example:
      pipe task add acme "Send the pricing" --due 2d
      pipe task done acme#2 --next "Call Jonas about the pricing" --due 1w
    """


@task.command("add")
@deal_argument()
@click.argument("text")
@click.option("--due", metavar="DATE", help="Due date: YYYY-MM-DD, today, tomorrow, or a duration like 3d.")
@click.option("--assignee", metavar="WHO", help="Team member id or email (default: the deal's owner).")
@commit_option
@click.pass_obj
def task_add(app, deal, text, due, assignee):
    """Add a task to a deal.

    \b
    Example:
      pipe task add acme "Send the pricing" --due 2d --assignee tom
    """
    def change(loaded):
        created = task_ops.add(loaded, app.config, text, app.today, due=due, assignee=assignee,
                               default_assignee=app.user)
        return loaded.task_ref(created), created

    updated, (ref, created) = app.update(deal, change)
    click.echo(f"{ref} added: {describe_task(created)}")
    app.note_change(f"task add {ref}: {describe_task(created)}")


def _finish(app, task_text, status, next_text, due, assignee, won, lost, park):
    closing = [name for name, given in (("won", won), ("lost", lost is not None), ("parked", park)) if given]
    if len(closing) > 1:
        raise InvalidValue("give one of --won, --lost REASON and --park")
    if (due is not None or assignee is not None) and next_text is None:
        raise InvalidValue("--due and --assignee are for the next step: give it with --next TEXT")
    next_step = NextStep(next_text, due, assignee) if next_text is not None else None

    def change(deal, number):
        return task_ops.finish(deal, app.config, number, status, app.today, app.user, next_step=next_step,
                               close=closing[0] if closing else None, reason=lost)

    deal, finished = _update_task(app, task_text, change)
    click.echo(f"{finished.ref} {status}: {printable(str(finished.task.get('text')))}")
    app.note_change(f"task {'done' if status == 'done' else 'cancel'} {finished.ref}: {printable(str(finished.task.get('text')))}")
    if finished.next_task is not None:
        added = f"{deal.task_ref(finished.next_task)} added: {describe_task(finished.next_task)}"
        click.echo(added)
        app.note_change(added)
    if finished.move is not None:
        app.note_change("move " + echo_move(finished.move))
    if finished.warning:
        warn(finished.warning)


def _next_options(command):
    for option in reversed([
        click.option("--next", "next_text", metavar="TEXT", help="The next step: a new task on the deal."),
        click.option("--due", metavar="DATE", help="When the next step is due (YYYY-MM-DD, tomorrow, 3d...)."),
        click.option("--assignee", metavar="WHO", help="Who the next step is for (default: this task's assignee)."),
        click.option("--won", is_flag=True, help="Also mark the deal won."),
        click.option("--lost", metavar="REASON", help="Also mark the deal lost, for REASON."),
        click.option("--park", is_flag=True, help="Also park the deal (its pipeline's parked stage)."),
    ]):
        command = option(command)
    return command


@task.command("done")
@click.argument("task_ref", metavar="TASK", shell_complete=complete_task)
@_next_options
@commit_option
@click.pass_obj
def task_done(app, task_ref, next_text, due, assignee, won, lost, park):
    """Mark a task done, and give the next step.

    The last open task of an open deal needs a next step (--next) or the deal
    closed in the same command (--won, --lost REASON, --park): refused under
    next_step: strict, a warning under warn.

    \b
    Example:
      pipe task done acme#2 --next "Send the contract" --due 3d
      pipe task done acme#3 --won
    """
    _finish(app, task_ref, "done", next_text, due, assignee, won, lost, park)


@task.command("cancel")
@click.argument("task_ref", metavar="TASK", shell_complete=complete_task)
@_next_options
@commit_option
@click.pass_obj
def task_cancel(app, task_ref, next_text, due, assignee, won, lost, park):
    """Cancel a task; the same next-step rule as 'pipe task done'.

    \b
    Example:
      pipe task cancel acme#2 --next "Call instead" --due tomorrow
    """
    _finish(app, task_ref, "cancelled", next_text, due, assignee, won, lost, park)


@task.command("snooze")
@click.argument("task_ref", metavar="TASK", shell_complete=complete_task)
@click.option("--until", required=True, metavar="DATE", help="When it comes back: YYYY-MM-DD or a duration like 2w.")
@commit_option
@click.pass_obj
def task_snooze(app, task_ref, until):
    """Hide a task from the agenda until a date (it stays the deal's next step).

    \b
    Example:
      pipe task snooze acme#2 --until 2w
    """
    deal, (number, snoozed) = _update_task(app, task_ref, lambda d, n: (n, task_ops.snooze(d, n, until, app.today)))
    click.echo(f"{deal.id}#{number} snoozed until {snoozed['snoozed_until']}: {printable(str(snoozed.get('text')))}")
    app.note_change(f"task snooze {deal.id}#{number} until {snoozed['snoozed_until']}: {printable(str(snoozed.get('text')))}")


@task.command("assign")
@click.argument("task_ref", metavar="TASK", shell_complete=complete_task)
@click.argument("who")
@commit_option
@click.pass_obj
def task_assign(app, task_ref, who):
    """Give a task to a team member (id or email).

    \b
    Example:
      pipe task assign acme#2 tom
    """
    deal, (number, old, changed) = _update_task(
        app, task_ref, lambda d, n: (n, *task_ops.assign(d, app.config, n, who)))
    click.echo(f"{deal.id}#{number} assignee: {old or '(none)'} -> {changed['assignee']}")
    app.note_change(f"task assign {deal.id}#{number}: {old or '(none)'} -> {changed['assignee']}")


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
      pipe task edit acme#2 --due 2026-12-15 --text "Send the revised pricing"
    """
    deal, (number, changed) = _update_task(
        app, task_ref, lambda d, n: (n, task_ops.edit(d, n, app.today, text=text, due=due)))
    click.echo(f"{deal.id}#{number}: {describe_task(changed)}")
    app.note_change(f"task edit {deal.id}#{number}: {describe_task(changed)}")


@task.command("accept")
@click.argument("number", type=int)
@click.option("--due", metavar="DATE", default="today", show_default=True, help="When the task is due.")
@click.option("--assignee", metavar="WHO", help="Who it is for (default: the deal's owner).")
@commit_option
@click.pass_obj
def task_accept(app, number, due, assignee):
    """Turn suggestion N of 'pipe tasks --suggested' into a task.

    \b
    Example:
      pipe tasks --suggested
      pipe task accept 3 --due tomorrow
    """
    workspace = app.workspace
    with workspace.lock():
        chosen = pick(suggestions(workspace.deals(skip_bad=True), app.config, app.today), number)

        def change(deal):
            created = accept(deal, chosen, app.config, app.today, due=due, assignee=assignee, default_assignee=app.user)
            return deal.task_ref(created), created

        deal, (ref, created) = app.update(chosen.deal.id, change)
    click.echo(f"{ref} added: {describe_task(created)}")
    app.note_change(f"task accept {ref}: {describe_task(created)} (suggested: {chosen.kind})")


@click.command("tasks")
@click.option("--assignee", "assignees", multiple=True, metavar="WHO", help="Only tasks for WHO (repeatable); a task without assignee is its deal owner's.")
@click.option("--mine", is_flag=True, help="Only your tasks ($PIPE_USER, else git config user.email).")
@click.option("--deal", "deal_ref", metavar="DEAL", help="Only the tasks of one deal.")
@click.option("--overdue", is_flag=True, help="Only overdue tasks.")
@click.option("--due", metavar="WHEN", help="Only tasks due by WHEN: today, tomorrow, week (7 days) or a DATE; overdue included.")
@click.option("--all", "include_closed", is_flag=True, help="Also show done and cancelled tasks.")
@click.option("--suggested", is_flag=True, help="Show suggested tasks instead, with why ('pipe task accept N').")
@deal_filter_options
@format_option("table", "csv", "json", "md")
@click.pass_obj
def tasks_(app, assignees, mine, deal_ref, overdue, due, include_closed, suggested, deal_filter, fmt):
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
        # Numbered over the whole workspace, so N means the same with or without filters.
        every = suggestions(deals, config, app.today)
        ids = {f.deal.id for f in chosen}
        shown = [s for s in every if s.deal.id in ids and (not who or s.deal.owner in who)]
        click.echo(render_suggestions(shown, fmt), nl=False)
        if not shown and fmt in ("table", "md"):
            click.echo("no suggested tasks", err=True)
        return
    items = agenda(chosen, app.today, assignees=who, overdue_only=overdue, due_by=due_by,
                   include_closed=include_closed)
    click.echo(render_agenda(items, fmt, app.style), nl=False)
    if not items and fmt in ("table", "md"):
        click.echo("no tasks match", err=True)
