"""Commands about the workspace itself: init, check, completion."""

from __future__ import annotations

import os
from pathlib import Path

import click

from pipecli.cli.options import output_options
from pipecli.cli.output import LARGE_WORKSPACE, progress
from pipecli.core.store.check import check_workspace
from pipecli.core.store.workspace import init_workspace
from pipecli.render.problems import render_problems, summary
from pipecli.render.registry import RECORDS


@click.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option("--git", "with_git", is_flag=True,
              help="Also set up git: create the repository if needed and route deal files to pipe's merge driver.")
@click.option("--demo", is_flag=True,
              help="Create the sample company instead, with a year of its history as git commits (DIR must be new or empty).")
@click.pass_obj
def init(app, directory, with_git, demo):
    """Create a workspace here or in DIR.

    Writes pipelines.yaml with the standard stages (Lead, Contacted, Qualified,
    Proposal, Won, Lost and a parked Fridge), an empty deals/, a .gitignore
    for pipe's own .pipe/ folder and templates/ (an email template, a report
    template to copy). Refuses to overwrite a folder that already has a pipelines.yaml.
    With --git, also does what 'pipe git setup' does. With --demo, DIR is the
    sample company, Tidewater Labs, and its year as git commits by its three people:
    try history, diff, report --as-of and sync there.

    \b
    Example:
      pipe init --git ~/sales && cd ~/sales && pipe add "First deal"
      pipe init --demo /tmp/tw && cd /tmp/tw && pipe history meridian
    """
    # Like `git -C DIR init`: -C (else $PIPE_DIR) names where to start, DIR is taken from there.
    base = Path(app.directory or os.environ.get("PIPE_DIR") or ".").expanduser()
    if demo:
        from pipecli.core.gitsync.demo import TODAY, build_demo

        root = base / directory if directory else base
        commits = build_demo(root)
        click.echo(f"created the demo workspace in {root.resolve()}: Tidewater Labs, {commits} commits up to {TODAY}")
        click.echo(f"next: cd {root} && export PIPE_TODAY={TODAY} PIPE_USER=maya && pipe history meridian")
        return
    root = init_workspace(base / directory if directory else base)
    click.echo(f"created a pipe workspace in {root.resolve()}")
    if with_git:
        from pipecli.cli.gitcmd import run_setup

        run_setup(root.resolve())
    click.echo("next: edit pipelines.yaml to add your team, then 'pipe add TITLE'")


@click.command()
@output_options(RECORDS)
@click.pass_context
def check(ctx, out):
    """Validate the whole workspace; exit 1 if there is any error.

    Checks pipelines.yaml, every deal's fields, stages, owners, lost reasons,
    dates, conflict markers, duplicate ids and the next-step rule. Prints one
    'path:line: severity: message' line per problem; warnings alone exit 0.

    \b
    Example:
      pipe check && git push
    """
    app = ctx.obj
    workspace = app.workspace
    from pipecli.core.gitsync.sync import unmerged_deal_files

    problems = check_workspace(workspace, app.today, unmerged_deal_files(workspace),
                               progress("checking", at_least=LARGE_WORKSPACE))
    # Messages quote deal files, which come from anyone: the text is always shown safe, json on a terminal.
    out.emit(render_problems(problems, out.fmt, out.raw))
    if out.fmt != "json":
        click.echo(summary(problems, len(workspace.deal_ids())), err=True)
    if any(p.severity == "error" for p in problems):
        ctx.exit(1)


@click.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell):
    """Print the shell completion script.

    Completes commands, options, deal ids, stages and pipelines.

    \b
    Example:
      eval "$(pipe completion bash)"     # in ~/.bashrc
      pipe completion fish > ~/.config/fish/completions/pipe.fish
    """
    from click.shell_completion import get_completion_class

    from pipecli.cli.main import cli

    completer = get_completion_class(shell)(cli, {}, "pipe", "_PIPE_COMPLETE")
    click.echo(completer.source())
