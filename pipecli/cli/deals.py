"""Commands for one deal: add, show, set, edit, move, won, lost, rm."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from pipecli.cli.options import (commit_option, complete_pipeline, complete_stage, deal_argument, on_option,
                                 output_options)
from pipecli.cli.output import describe_task, echo_move, show_value, stdin_is_terminal, warn, warn_duplicate
from pipecli.core.errors import PipeError
from pipecli.core.model.dealload import edit_problem
from pipecli.core.model.duplicates import DuplicateIndex
from pipecli.core.model.queries import facts
from pipecli.core.workflow import lifecycle
from pipecli.render.deals import deal_json, render_show
from pipecli.render.registry import DOCUMENT


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
@click.option("--close-date", metavar="DATE", help="Expected close date (YYYY-MM-DD, end of month, fri, or 6w ahead).")
@click.option("--next", "next_step", metavar="TEXT", help="The next step: an open task on the deal.")
@click.option("--due", metavar="DATE", help="When the next step is due (YYYY-MM-DD, tomorrow, fri, next week, 3d ahead).")
@click.option("--force", is_flag=True, help="Add it without looking for a likely duplicate (same account, similar title).")
@commit_option
@click.pass_obj
def add(app, title, force, **options):
    """Add a deal and print its id.

    A deal not won or lost with the same account and a similar title is
    named in a warning (the deal is added all the same; --force skips this).

    \b
    Example:
      pipe add "Acme rollout" --value 18000 --account "Acme GmbH" \\
        --contact "Jonas Weber <jonas@acme.example>" \\
        --next "Send pricing" --due 2d
    """
    spec = lifecycle.NewDeal(title=title, **options)
    workspace = app.workspace
    with workspace.lock():
        deal = lifecycle.create_deal(spec, app.config, workspace.taken_ids(), app.today, app.author)
        duplicates = [] if force else DuplicateIndex(workspace.deals(skip_bad=True), app.config).matches(
            deal.title, deal.account)
        workspace.create(deal)
    click.echo(deal.id)
    if duplicates:
        warn_duplicate(deal.id, duplicates)
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
@output_options(DOCUMENT)
@click.pass_obj
def show(app, deal, out):
    """Show a deal with its next steps, timeline and notes.

    --format json gives the deal's fields as in its file, and its notes as "body".

    \b
    Example:
      pipe show acme      # a unique prefix of the id is enough
    """
    workspace = app.workspace
    loaded = workspace.load(workspace.resolve(deal))
    if out.fmt == "json":
        out.emit(deal_json(loaded))
    else:
        out.emit(render_show(facts(loaded, app.config, app.today), out.style, app.today), coloured=True)


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
    bant.budget bant.authority bant.need bant.timeline; on a won or lost deal,
    closed and lost_reason (a correction, recorded in the stage history).

    \b
    Example:
      pipe set acme value=24000 expected_close=2026-12-15
      pipe set acme "bant.budget=approved, 25k"
    """
    def change(loaded):
        return [lifecycle.set_field(loaded, app.config, a, app.today, app.user) for a in assignments]

    updated, changes = app.update(deal, change)
    for key, old, new in changes:
        said = "unchanged" if old == new else f"{show_value(old)} -> {show_value(new)}"
        click.echo(f"{updated.id}: {key}: {said}")
    changed = [(key, old, new) for key, old, new in changes if old != new]
    if changed:
        app.note_change(f"set {updated.id}: " + ", ".join(f"{key} {show_value(old)} -> {show_value(new)}"
                                                           for key, old, new in changed))


@click.command()
@deal_argument()
@commit_option
@click.pass_obj
def edit(app, deal):
    """Edit a deal in $VISUAL or $EDITOR, checked on save.

    When the edited file does not parse or breaks a rule, the deal keeps its old
    content and your edit is saved under .pipe/rejected/ (or, if that is refused,
    in a private temp file, said which) so nothing you typed is lost.

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
    """Keep typed text and say where: under .pipe/rejected/, or else in a fresh private temp file
    (saying why the usual place was refused), or, when even that fails, on standard output."""
    usual = workspace.root / ".pipe" / "rejected" / f"{deal_id}.md"
    try:
        return f"your edit is in {workspace.relative(workspace.keep_rejected(deal_id, typed))}"
    except PipeError as error:  # a link out of the workspace: rightly refused, but the text must go somewhere
        refused = str(error)
    except OSError as error:  # a file in the way, a read-only folder, a full disk
        culprit = getattr(error, "filename2", None) or error.filename or usual
        refused = f"{workspace.relative(Path(culprit))}: {error.strerror or error}"
    why = f"not in {workspace.relative(usual)}, because {refused}"
    name = None
    try:
        # mkstemp makes a new file (O_EXCL, mode 0600): no link planted in the temp folder is followed,
        # and nobody else on the machine can read what was typed.
        fd, name = tempfile.mkstemp(prefix=f"pipe-rejected-{deal_id}-", suffix=".md")
        with os.fdopen(fd, "wb") as handle:
            handle.write(typed)
            handle.flush()
            os.fsync(handle.fileno())
        return f"your edit is in {name} ({why})"
    except OSError as error:
        if name:
            Path(name).unlink(missing_ok=True)
        # The last place left: the terminal (or wherever standard output goes).
        click.echo(typed, nl=False)
        return (f"your edit is printed on standard output above ({why}; and the temp folder "
                f"{tempfile.gettempdir()} failed too: {error.strerror or error})")


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
@click.option("--due", metavar="DATE", help="When the next step is due (YYYY-MM-DD, tomorrow, fri, 3d ahead...).")
@click.option("--assignee", metavar="WHO", help="Who the next step is for (default: the deal's owner).")
@click.option("--force", is_flag=True, help="Move even if the deal lacks what the stage requires (recorded in the history).")
@on_option
@commit_option
@click.pass_obj
def move(app, deal, stage, pipeline, reason, next_text, due, assignee, force, on):
    """Move a deal to another stage, recorded in its history.

    STAGE is a stage id, name or unique prefix. A stage may require fields
    first (its gate, 'requires' in pipelines.yaml) and create tasks on entry
    ('on_enter'). A move into an open stage needs a next step: an open task the
    deal has or gets, or --next. A move to a won or lost stage sets the closed
    date and cancels open tasks; a lost stage needs --reason. --on dates a move
    that happened earlier: the history entry and the closed date take it.

    \b
    Example:
      pipe move acme proposal --next "Walk Jonas through the proposal" --due 3d
      pipe move acme lost --reason price --on yesterday
    """
    if (due is not None or assignee is not None) and next_text is None:
        raise PipeError("--due and --assignee are for the next step: give it with --next TEXT")
    next_step = lifecycle.NextStep(next_text, due, assignee) if next_text is not None else None
    day = lifecycle.parse_on(on, app.today) if on is not None else None
    _, moved = app.update(
        deal, lambda d: lifecycle.move(d, app.config, stage, app.today, app.author, pipeline_text=pipeline,
                                            reason=reason, force=force, next_step=next_step, on=day)
    )
    app.note_change("move " + echo_move(moved) + _dated(day))


def _dated(day) -> str:
    return f" (on {day})" if day is not None else ""


def _close(app, deal: str, kind: str, reason: str | None, on: str | None) -> None:
    """Close a deal as won or lost (on a past day with --on); a deal closed so already has its close corrected."""
    day = lifecycle.parse_on(on, app.today) if on is not None else None

    def change(loaded):
        if lifecycle.stage_kind(loaded, app.config) == kind:
            return lifecycle.correct_close(loaded, app.config, app.today, app.author, on=day, reason=reason)
        return lifecycle.close(loaded, app.config, kind, app.today, app.author, reason, on=day)

    _, done = app.update(deal, change)
    if isinstance(done, lifecycle.Correction):
        what = "; ".join(f"{key} {show_value(old)} -> {show_value(new)}" for key, old, new in done.changes)
        click.echo(f"{done.deal.id}: close corrected: {what}")
        app.note_change(f"correct {kind} {done.deal.id}: {what}")
    elif kind == "lost":
        app.note_change(f"lost {echo_move(done)} ({done.deal.lost_reason}){_dated(day)}")
    else:
        app.note_change(f"won {echo_move(done)}{_dated(day)}")


@click.command()
@deal_argument()
@on_option
@commit_option
@click.pass_obj
def won(app, deal, on):
    """Mark a deal won: move it to its pipeline's won stage.

    --on DATE: it was won that day (the closed date, so the revenue period and
    the sales cycle, follow). On a deal already won, corrects its closed date.

    \b
    Example:
      pipe won acme
      pipe won acme --on 2026-11-20   # signed Friday, recorded Monday
    """
    _close(app, deal, "won", None, on)


@click.command()
@deal_argument()
@click.option("--reason", required=True, metavar="R", help="Why it was lost (one of lost_reasons in pipelines.yaml).")
@on_option
@commit_option
@click.pass_obj
def lost(app, deal, reason, on):
    """Mark a deal lost, with the reason.

    --on DATE: it was lost that day. On a deal already lost, corrects its
    reason and (with --on) its closed date.

    \b
    Example:
      pipe lost acme --reason competitor
      pipe lost acme --reason price --on yesterday   # correct a lost deal
    """
    _close(app, deal, "lost", reason, on)


@click.command()
@deal_argument()
@click.option("--yes", "-y", is_flag=True, help="Do not ask: for scripts and CI.")
@commit_option
@click.pass_obj
def rm(app, deal, yes):
    """Delete a deal file (git history still has it).

    Prefer 'pipe lost' for a deal that did not work out: it keeps the record.
    Asks first on a terminal; elsewhere it needs --yes.

    \b
    Example:
      pipe rm test-deal
      pipe rm test-deal --yes   # in a script
    """
    workspace = app.workspace
    with workspace.lock():
        deal_id = workspace.resolve(deal)
        if deal_id != deal:  # a prefix is fine for reading, not for deleting
            raise PipeError(f"pipe rm takes a whole id: did you mean {deal_id}?")
        shown = workspace.relative(workspace.deal_path(deal_id))
        if not yes:
            if not stdin_is_terminal():
                raise PipeError(f"pipe rm would delete {shown}: confirm with --yes")
            if not click.confirm(f"Delete {shown}?", default=False, err=True):
                raise PipeError("nothing removed")
        path = workspace.remove(deal_id)
    click.echo(f"removed {workspace.relative(path)}")
    app.note_change(f"rm {deal_id}")
