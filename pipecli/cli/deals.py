"""Commands for one deal: add, show, set, edit, move, won, lost, rm."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import click

from pipecli.cli.options import commit_option, complete_pipeline, complete_stage, deal_argument, format_option
from pipecli.cli.output import describe_task, echo_move, show_value, warn
from pipecli.core import lifecycle
from pipecli.core.errors import PipeError
from pipecli.core.queries import facts
from pipecli.core.validate import edit_problem
from pipecli.render.deals import render_show
from pipecli.render.formats import plain


@click.command()
@click.argument("title")
@click.option("--value", metavar="N", help="What the deal is worth, in its currency.")
@click.option("--currency", metavar="CODE", help="Currency code (default: the workspace's).")
@click.option("--owner", metavar="WHO", help="Team member id or email (default: you).")
@click.option("--account", metavar="NAME", help="The company the deal is with.")
@click.option("--contact", "contacts", multiple=True, metavar="'NAME <EMAIL>'", help="A contact (repeatable).")
@click.option("--source", metavar="S", help="Lead source.")
@click.option("--tag", "tags", multiple=True, metavar="T", help="A tag (repeatable, or comma-separated).")
@click.option("--stage", metavar="S", shell_complete=complete_stage, help="Starting stage (default: the first).")
@click.option("--pipeline", metavar="P", shell_complete=complete_pipeline, help="Pipeline (default: the first).")
@click.option("--close-date", metavar="DATE", help="Expected close date (YYYY-MM-DD, or a duration like 6w).")
@click.option("--next", "next_step", metavar="TEXT", help="The next step: an open task on the deal.")
@click.option("--due", metavar="DATE", help="When the next step is due (YYYY-MM-DD, today, tomorrow, 3d).")
@commit_option
@click.pass_obj
def add(app, title, **options):
    """Add a deal and print its id.

    \b
    Example:
      pipe add "Acme rollout" --value 18000 --account "Acme GmbH" \\
        --contact "Jonas Weber <jonas@acme.example>" --next "Send pricing" --due 2d
    """
    spec = lifecycle.NewDeal(title=title, **options)
    workspace = app.workspace
    with workspace.lock():
        deal = lifecycle.create_deal(spec, app.config, workspace.taken_ids(), app.today, app.author)
        workspace.create(deal)
    click.echo(deal.id)
    app.note_change(f"add {deal.id}: {deal.title} ({deal.stage})")
    # Say which tasks the first stage created on entry (the --next task comes after them).
    stage_tasks = deal.tasks[:-1] if spec.next_step is not None else deal.tasks
    for task in stage_tasks:
        click.echo(f"{deal.task_ref(task)} added: {describe_task(task)}", err=True)
    warning = lifecycle.enforce_next_step(deal, app.config, app.today,
                                          f"add one with 'pipe task add {deal.id} TEXT --due DATE'")
    if warning:
        warn(warning)


@click.command()
@deal_argument()
@format_option("text", "json", default="text")
@click.pass_obj
def show(app, deal, fmt):
    """Show a deal with its next steps, timeline and notes.

    \b
    Example:
      pipe show acme      # a unique prefix of the id is enough
    """
    workspace = app.workspace
    loaded = workspace.load(workspace.resolve(deal))
    deal_facts = facts(loaded, app.config, app.today)
    if fmt == "json":
        from pipecli.core.entryids import ENTRY_FIELDS, with_ids

        # Entries without a stored id carry the one commands take for them, as `pipe show` prints it.
        record = plain({key: with_ids(loaded.id, key, value) if key in ENTRY_FIELDS and isinstance(value, list)
                        else value for key, value in loaded.data.items()})
        record["notes"] = loaded.body
        click.echo(json.dumps(record, indent=2, ensure_ascii=False))
    else:
        click.echo(render_show(deal_facts, app.style, app.today), nl=False)


@click.command("set")
@deal_argument()
@click.argument("assignments", nargs=-1, required=True, metavar="KEY=VALUE...")
@commit_option
@click.pass_obj
def set_(app, deal, assignments):
    """Set fields of a deal; an empty VALUE removes the field.

    \b
    Fields: title value currency probability owner account source tags
    (comma-separated) contacts ('Name <email>; ...') created expected_close
    bant.budget bant.authority bant.need bant.timeline.

    \b
    Example:
      pipe set acme value=24000 expected_close=2026-12-15 "bant.budget=approved, 25k"
    """
    def change(loaded):
        return [lifecycle.set_field(loaded, app.config, a, app.today) for a in assignments]

    updated, changes = app.update(deal, change)
    for key, old, new in changes:
        click.echo(f"{updated.id}: {key}: {show_value(old)} -> {show_value(new)}")
    app.note_change(f"set {updated.id}: " + ", ".join(f"{key} {show_value(old)} -> {show_value(new)}"
                                                       for key, old, new in changes))


@click.command()
@deal_argument()
@commit_option
@click.pass_obj
def edit(app, deal):
    """Edit a deal in $VISUAL or $EDITOR, checked on save.

    When the edited file does not parse or breaks a rule, the deal keeps its old
    content and your edit is saved under .pipe/rejected/ so nothing you typed is lost.

    \b
    Example:
      EDITOR=nano pipe edit acme
    """
    workspace = app.workspace
    config, today = app.config, app.today  # fail now, not after the user has typed
    deal_id = workspace.resolve(deal)
    shown = workspace.relative(workspace.deal_path(deal_id))
    before = workspace.read_bytes(deal_id)
    after = _run_editor(workspace, before, deal_id)
    if after == before:
        click.echo(f"{shown}: no changes", err=True)
        return
    if not after.strip():
        raise PipeError(f"the edited file is empty: {shown} is unchanged (to delete a deal, use 'pipe rm')")
    try:
        problem = edit_problem(before, after, shown, deal_id, config, today)
        if problem:
            raise PipeError(problem)
        workspace.replace_bytes(deal_id, before, after)
    except (PipeError, OSError) as error:
        # Whatever went wrong (a bad edit, a full disk, a read-only folder), what was typed is kept.
        reason = str(error) if isinstance(error, PipeError) else f"{error.filename or shown}: {error.strerror or error}"
        raise PipeError(f"{reason}; {shown} is unchanged and {_keep_typed(workspace, deal_id, after)}") from None
    click.echo(f"{shown}: saved", err=True)
    app.note_change(f"edit {deal_id}")


def _keep_typed(workspace, deal_id: str, typed: bytes) -> str:
    """Save typed text under .pipe/rejected/, or failing that next to the system's temp files; say where."""
    try:
        return f"your edit is in {workspace.relative(workspace.keep_rejected(deal_id, typed))}"
    except OSError:
        fd, name = tempfile.mkstemp(prefix=f"pipe-rejected-{deal_id}-", suffix=".md")
        with os.fdopen(fd, "wb") as handle:
            handle.write(typed)
        return f"your edit is in {name}"


def _run_editor(workspace, content: bytes, deal_id: str) -> bytes:
    """What the user's editor leaves in a temporary copy of content."""
    fd, temp_name = tempfile.mkstemp(prefix=f"pipe-{deal_id}-", suffix=".md")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        try:
            click.edit(filename=temp_name)
        except click.ClickException as error:  # the editor could not be started, or exited with an error
            typed = Path(temp_name).read_bytes()
            if typed == content:
                raise PipeError(error.format_message()) from None
            raise PipeError(f"{error.format_message()}; the deal is unchanged and "
                            f"{_keep_typed(workspace, deal_id, typed)}") from None
        return Path(temp_name).read_bytes()
    finally:
        Path(temp_name).unlink(missing_ok=True)


@click.command()
@deal_argument()
@click.argument("stage", shell_complete=complete_stage)
@click.option("--pipeline", metavar="P", shell_complete=complete_pipeline, help="Move the deal into pipeline P (STAGE is one of its stages).")
@click.option("--reason", metavar="R", help="Why the deal was lost (required for a lost stage; one of lost_reasons).")
@click.option("--next", "next_text", metavar="TEXT", help="The next step in the new stage: a new task.")
@click.option("--due", metavar="DATE", help="When the next step is due (YYYY-MM-DD, tomorrow, 3d...).")
@click.option("--assignee", metavar="WHO", help="Who the next step is for (default: the deal's owner).")
@click.option("--force", is_flag=True, help="Move even if the deal lacks what the stage requires (recorded in the history).")
@commit_option
@click.pass_obj
def move(app, deal, stage, pipeline, reason, next_text, due, assignee, force):
    """Move a deal to another stage, recorded in its history.

    STAGE is a stage id, name or unique prefix. A stage may require fields
    first (its gate, 'requires' in pipelines.yaml) and create tasks on entry
    ('on_enter'). A move into an open stage needs a next step: an open task the
    deal has or gets, or --next. A move to a won or lost stage sets the closed
    date and cancels open tasks; a lost stage needs --reason.

    \b
    Example:
      pipe move acme proposal --next "Walk Jonas through the proposal" --due 3d
      pipe move acme lost --reason price
    """
    if (due is not None or assignee is not None) and next_text is None:
        raise PipeError("--due and --assignee are for the next step: give it with --next TEXT")
    next_step = lifecycle.NextStep(next_text, due, assignee) if next_text is not None else None
    _, moved = app.update(
        deal, lambda d: lifecycle.move(d, app.config, stage, app.today, app.author, pipeline_text=pipeline,
                                            reason=reason, force=force, next_step=next_step)
    )
    app.note_change("move " + echo_move(moved))


@click.command()
@deal_argument()
@commit_option
@click.pass_obj
def won(app, deal):
    """Mark a deal won: move it to its pipeline's won stage.

    \b
    Example:
      pipe won acme
    """
    _, moved = app.update(deal, lambda d: lifecycle.close(d, app.config, "won", app.today, app.author))
    app.note_change("won " + echo_move(moved))


@click.command()
@deal_argument()
@click.option("--reason", required=True, metavar="R", help="Why it was lost (one of lost_reasons in pipelines.yaml).")
@commit_option
@click.pass_obj
def lost(app, deal, reason):
    """Mark a deal lost, with the reason.

    \b
    Example:
      pipe lost acme --reason competitor
    """
    _, moved = app.update(deal, lambda d: lifecycle.close(d, app.config, "lost", app.today, app.author, reason))
    app.note_change(f"lost {echo_move(moved)} ({moved.deal.lost_reason})")


@click.command()
@deal_argument()
@commit_option
@click.pass_obj
def rm(app, deal):
    """Delete a deal file (git history still has it).

    Prefer 'pipe lost' for a deal that did not work out: it keeps the record.

    \b
    Example:
      pipe rm test-deal
    """
    workspace = app.workspace
    with workspace.lock():
        deal_id = workspace.resolve(deal)
        if deal_id != deal:  # a prefix is fine for reading, not for deleting
            raise PipeError(f"pipe rm takes a whole id: did you mean {deal_id}?")
        path = workspace.remove(deal_id)
    click.echo(f"removed {workspace.relative(path)}")
    app.note_change(f"rm {deal_id}")
