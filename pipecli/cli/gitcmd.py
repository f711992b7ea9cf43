"""Working as a team through git: `pipe git setup`, `pipe sync` and the merge driver git calls."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import click

from pipecli.cli.groups import RecordingGroup
from pipecli.core.errors import PipeError


def run_setup(root: Path) -> None:
    from pipecli.core.gitsync.setup import setup

    for step in setup(root).steps:
        click.echo(step)


@click.group("git", cls=RecordingGroup)
def git_():
    """Set up git so that deal files merge field by field.

    \b
    Example:
      pipe git setup      # once in every clone
    """


@git_.command("setup")
@click.pass_obj
def git_setup(app):
    """Route deals/*.md to pipe's merge driver and register it in this clone.

    Creates the git repository if there is none, adds 'deals/*.md merge=pipe' to
    .gitattributes (commit it, so every clone merges the same way) and registers the
    driver in this clone's .git/config, which git never takes from a remote: run
    this once in every clone. Running it again changes nothing.

    \b
    Example:
      git clone git@example.com:team/sales.git && cd sales && pipe git setup
    """
    root = app.workspace.root
    run_setup(root)
    click.echo(f"deal files in {root} merge field by field")


@click.command()
@click.option("--no-push", is_flag=True, help="Pull and check, but do not push.")
@click.pass_obj
def sync(app, no_push):
    """Pull the team's changes, check the workspace, push yours.

    The pull merges deal files with pipe's merge driver. A conflict, or any
    error 'pipe check' finds after the pull, stops the sync before it pushes,
    and says what to fix. Uncommitted deal changes are refused: commit them
    first (or set git: {autocommit: true} in pipelines.yaml).

    \b
    Example:
      pipe sync            # morning and evening
    """
    from pipecli.cli.output import LARGE_WORKSPACE, progress
    from pipecli.core.gitsync.sync import SyncRefused, sync as run_sync
    from pipecli.render.problems import problems_text

    try:
        # Counting the merges to come costs a fetch before the pull's own: only for a bar someone sees.
        watch = _watch_merges if sys.stderr.isatty() else None
        done = run_sync(app.workspace, app.today, push=not no_push, say=click.echo, watch_merges=watch,
                        checking=progress("checking", at_least=LARGE_WORKSPACE))
    except SyncRefused as refused:
        if refused.problems:
            click.echo(problems_text(refused.problems), nl=False, err=True)
        raise
    if done.warnings:
        click.echo(problems_text(done.warnings), nl=False, err=True)
    pushed = "nothing to push" if not done.pushed else f"pushed {done.pushed} commit{'s' if done.pushed > 1 else ''}"
    if no_push:
        pushed = "not pushed (--no-push)"
    click.echo(f"pulled {done.pulled} commit{'' if done.pulled == 1 else 's'}, checked, {pushed}")


@click.command()
@click.pass_obj
def undo(app):
    """Undo the last commit pipe made for you.

    Only a commit pipe made (--commit, or git: {autocommit: true}) and made by
    you (git's user.email, or your team member's email) is undone. Not pushed
    yet, it is removed as if never made; pushed (or followed by other commits),
    a new commit reverses it. Uncommitted changes to its files are refused.

    \b
    Example:
      pipe move acme proposal --commit
      pipe undo            # undid: move acme: qualified -> proposal
    """
    from pipecli.core.gitsync.identity import your_emails
    from pipecli.core.gitsync.repo import Git
    from pipecli.core.gitsync.undo import undo as run_undo

    workspace = app.workspace
    with workspace.lock():
        done = run_undo(Git(workspace.root), your_emails(app.config, str(workspace.root)))
    how = ("removed: it was not pushed" if done.how == "reset"
           else f"reversed by the new commit {(done.new_commit or '')[:7]}")
    click.echo(f"undid {done.commit[:7]} {done.subject} ({how})")


@contextmanager
def _watch_merges(total: int, log: Path):
    """While git pulls: a "merging N/M" bar on a terminal, N the lines the merge driver runs wrote to log."""
    import threading

    from pipecli.cli.output import progress_count
    from pipecli.core.gitsync.setup import merged_count

    with progress_count("merging", total, at_least=10) as show:
        stop = threading.Event()

        def look() -> None:
            try:
                show(merged_count(log))
            except OSError:
                pass

        def poll() -> None:
            while not stop.wait(0.1):
                look()

        watcher = threading.Thread(target=poll, daemon=True)
        watcher.start()
        try:
            yield
        finally:
            stop.set()
            watcher.join()
        look()  # the count the pull ended at, which the last poll may have missed


@click.command("merge-driver", hidden=True)
@click.argument("base", type=click.Path(dir_okay=False))
@click.argument("ours", type=click.Path(dir_okay=False))
@click.argument("theirs", type=click.Path(dir_okay=False))
@click.argument("path", required=False, default=None)
def merge_driver(base, ours, theirs, path):
    """Merge one deal file three ways; git runs this as `pipe merge-driver %O %A %B %P`.

    Writes the result over OURS and exits 0 when clean, 1 with the conflicts
    marked in the file. 'pipe git setup' registers it; to merge by hand:

    \b
    Example:
      pipe merge-driver base.md ours.md theirs.md deals/acme.md
    """
    from pipecli.core.gitsync.merge import merge_file
    from pipecli.core.gitsync.repo import merge_lines
    from pipecli.core.gitsync.setup import note_merged
    from pipecli.core.store.workspace import write_atomic

    # Errors are handled here, not by the pipe group: git runs this through run_merge_driver,
    # without the group, to start fast (once per file changed on both sides).
    shown = path or ours
    try:
        texts = []
        for name in (base, ours, theirs):
            try:
                texts.append(Path(name).read_bytes())
            except OSError as error:
                raise PipeError(f"merge of {shown}: cannot read {name}: {error.strerror}") from None
        merged = merge_file(*texts, shown, merge_lines)
        write_atomic(Path(ours), merged.data)
    except (PipeError, OSError) as error:
        note_merged(shown)
        click.echo(f"pipe: {error}", err=True)
        sys.exit(1)
    note_merged(shown)
    for message in merged.messages:
        click.echo(message, err=True)
    sys.exit(merged.status)


def run_merge_driver(args: list[str]) -> None:
    """`pipe merge-driver ...` without loading every other command: what git runs."""
    merge_driver.main(args=args, prog_name="pipe merge-driver")
