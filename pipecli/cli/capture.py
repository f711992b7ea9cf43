"""Capturing interactions from files: `pipe import-mail` (mbox, Maildir) and `pipe import-calendar` (ics)."""

from __future__ import annotations

from pathlib import Path

import click

from pipecli.cli.options import commit_option, skip_bad_option
from pipecli.cli.output import progress
from pipecli.core.importing.calendar import read_calendar
from pipecli.core.importing.capture import CapturePlan, Reading, apply, local_zone, plan_capture
from pipecli.core.importing.mailbox import read_mail
from pipecli.core.workflow import bulk
from pipecli.render.style import printable


def _capture_options(command):
    command = click.option("--verbose", "-v", is_flag=True,
                           help="Also list what matched no deal and what was skipped, one line each.")(command)
    command = skip_bad_option("the deals addresses are matched with")(command)
    return click.option("--dry-run", is_flag=True, help="Only say what would be logged on which deal.")(command)


@click.command("import-mail")
@click.argument("sources", nargs=-1, required=True, metavar="FILE.mbox|MAILDIR...")
@_capture_options
@commit_option
@click.pass_obj
def import_mail(app, sources, dry_run, verbose):
    """Log the emails of an mbox file or Maildir on the deals of their addresses.

    An email goes on every deal with a contact among its From, To and Cc
    (any case), as an email `in` when that contact sent it, else `out`, by the
    team member who sent or received it, at its Date in your time zone ($TZ).
    Its Message-ID is kept, so importing again (or the same message from two
    folders) logs it once. Emails dated after today are skipped. A MAILDIR folder is read with every Maildir below
    it. Nothing is written unless every deal can take its emails. See
    docs/capture.md.

    \b
    Example:
      pipe import-mail ~/Downloads/Inbox.mbox ~/Downloads/Sent.mbox --dry-run
      pipe import-mail ~/Mail/work --verbose
    """
    zone = local_zone()
    reading = Reading.joined(read_mail(Path(source), zone, printable(source), progress(f"reading {printable(source)}"))
                             for source in sources)
    _capture(app, reading, "import-mail", sources, "email", dry_run, verbose)


@click.command("import-calendar")
@click.argument("files", nargs=-1, required=True, metavar="FILE.ics...")
@_capture_options
@commit_option
@click.pass_obj
def import_calendar(app, files, dry_run, verbose):
    """Log the meetings of an .ics file on the deals of their attendees.

    A meeting goes on every deal with a contact among its organizer and
    attendees, at its start in your time zone ($TZ), with its length in
    minutes (a recurring one once, at its first), by the team member who
    organised or attends it. Its UID is kept, so importing
    again logs it once. Cancelled events are skipped; planned meetings are
    logged ahead. See docs/capture.md.

    \b
    Example:
      pipe import-calendar ~/Downloads/work.ics --dry-run
      pipe import-calendar calendar.ics --verbose
    """
    zone = local_zone()
    reading = Reading.joined(read_calendar(Path(file), zone, printable(file)) for file in files)
    _capture(app, reading, "import-calendar", files, "meeting", dry_run, verbose)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"


def _capture(app, reading: Reading, command: str, sources, noun: str, dry_run: bool, verbose: bool) -> None:
    """Match under the lock, plan every deal's new activities in memory, then write them deal by deal."""
    workspace, config, today = app.workspace, app.config, app.today
    with workspace.lock():
        found = plan_capture(reading, app.deals(), config, today)
        planned = bulk.plan([found.deals[deal_id] for deal_id in found.entries], config, today,
                            lambda deal: (apply(deal, found.entries[deal.id], config, today), None))
        verb = "would log" if dry_run else "logged"
        for deal_id, entries in found.entries.items():
            for entry in entries:
                item = entry.item
                when = f"{item.date}" + (f" {item.time}" if item.time else "")
                by = f" by {entry.by}" if entry.by else ""
                click.echo(f"{deal_id}: {verb} {item.kind} {entry.direction} of {when}{by}: {printable(item.summary)}")
        if verbose:
            _details(found)
        counts = _counts(found, noun, verbose)
        if dry_run:
            click.echo(f"dry run: {_count(len(found.logged), noun)} to log on {_count(len(found.entries), 'deal')}"
                       f"{counts}; nothing changed", err=True)
            return
        bulk.write(workspace.save, workspace.is_saved, planned.changes, progress(command), workspace.check_writable)
    names = ", ".join(printable(Path(s).name or s) for s in sources)
    subject = f"{command} {names}: {_count(len(found.logged), noun)} logged on {_count(len(found.entries), 'deal')}"
    click.echo(subject + counts)
    app.note_change(subject)
    for change in planned.changes:
        app.note_change(f"{change.deal.id}: {change.summary}")


def _counts(found: CapturePlan, noun: str, verbose: bool) -> str:
    """'; 2 already logged; 1 matching no deal; 3 skipped (no Date: 1, ...)' for the last line."""
    parts = []
    if found.already:
        parts.append(f"{len(found.already)} already logged")
    if found.duplicates:
        parts.append(f"{_count(found.duplicates, 'duplicate')} in the files")
    if found.unmatched:
        hint = "" if verbose else " (--verbose lists them)"
        parts.append(f"{len(found.unmatched)} matching no deal{hint}")
    if found.skipped:
        reasons: dict[str, int] = {}
        for skipped in found.skipped:
            reasons[skipped.reason] = reasons.get(skipped.reason, 0) + 1
        parts.append(f"{len(found.skipped)} skipped ("
                     + ", ".join(f"{why}: {n}" for why, n in sorted(reasons.items())) + ")")
    return "".join(f"; {part}" for part in parts)


def _details(found: CapturePlan) -> None:
    for item in found.unmatched:
        who = f" from {item.sender}" if item.sender else ""
        click.echo(printable(f"no deal: {item.source}: {item.date}{who}: {item.summary}"))
    for skipped in found.skipped:
        detail = f" ({skipped.detail})" if skipped.detail else ""
        click.echo(printable(f"skipped: {skipped.source}: {skipped.reason}{detail}"))
