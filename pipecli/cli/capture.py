"""Capturing interactions from files: `pipe import-mail` (mbox, Maildir) and `pipe import-calendar` (ics)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import click

from pipecli.cli.options import commit_option, skip_bad_option
from pipecli.cli.output import progress, progress_count
from pipecli.core.importing.calendar import read_calendar
from pipecli.core.importing.capture import CapturePlan, Reading, apply, local_zone, plan_capture
from pipecli.core.errors import PipeError
from pipecli.core.importing.mailbox import read_mail
from pipecli.core.model.dates import BEHIND, parse_date
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
    found, changes = _log(app, reading, command, dry_run, verbose)
    counts = _counts(found, noun, verbose)
    if dry_run:
        click.echo(f"dry run: {_count(len(found.logged), noun)} to log on {_count(len(found.entries), 'deal')}"
                   f"{counts}; nothing changed", err=True)
        return
    names = ", ".join(printable(Path(s).name or s) for s in sources)
    subject = f"{command} {names}: {_count(len(found.logged), noun)} logged on {_count(len(found.entries), 'deal')}"
    click.echo(subject + counts)
    app.note_change(subject)
    for change in changes:
        app.note_change(f"{change.deal.id}: {change.summary}")


def _log(app, reading: Reading, command: str, dry_run: bool, verbose: bool) -> tuple[CapturePlan, list]:
    """Under the lock: match what was read to the deals, say each new activity, and (unless dry_run)
    write every deal that gets one, all of them or none; returns the plan and the changes written."""
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
        if not dry_run:
            bulk.write(workspace.save, workspace.is_saved, planned.changes, progress(command), workspace.check_writable,
                       workspace.batch)
    return found, planned.changes


def _counts(found: CapturePlan, noun: str, verbose: bool) -> str:
    """'; 2 already logged; 1 matching no deal; 3 skipped (no Date: 1, ...)' for the last line."""
    return _counted(len(found.already), found.duplicates, len(found.unmatched), _reasons(found.skipped), verbose)


def _reasons(skipped) -> dict[str, int]:
    reasons: dict[str, int] = {}
    for item in skipped:
        reasons[item.reason] = reasons.get(item.reason, 0) + 1
    return reasons


def _counted(already: int, duplicates: int, unmatched: int, reasons: dict[str, int], verbose: bool) -> str:
    parts = []
    if already:
        parts.append(f"{already} already logged")
    if duplicates:
        parts.append(f"{_count(duplicates, 'duplicate')} in the files")
    if unmatched:
        hint = "" if verbose else " (--verbose lists them)"
        parts.append(f"{unmatched} matching no deal{hint}")
    if reasons:
        parts.append(f"{sum(reasons.values())} skipped ("
                     + ", ".join(f"{why}: {n}" for why, n in sorted(reasons.items())) + ")")
    return "".join(f"; {part}" for part in parts)


def _details(found: CapturePlan) -> None:
    for item in found.unmatched:
        who = f" from {item.sender}" if item.sender else ""
        click.echo(printable(f"no deal: {item.source}: {item.date}{who}: {item.summary}"))
    for skipped in found.skipped:
        detail = f" ({skipped.detail})" if skipped.detail else ""
        click.echo(printable(f"skipped: {skipped.source}: {skipped.reason}{detail}"))


@click.command("capture")
@click.option("--since", metavar="WHEN",
              help="On a folder's first run, read only the mail since then (30d, 2026-11-01); default: all of it.")
@_capture_options
@commit_option
@click.pass_obj
def capture(app, since, dry_run, verbose):
    """Log your new emails and meetings on the deals of their addresses.

    Reads the IMAP and CalDAV accounts of your personal config
    (~/.config/pipe/config.yaml, $XDG_CONFIG_HOME/pipe/config.yaml or the file
    $PIPE_CONFIG names: never a file in the workspace): the headers of each
    folder's mail that is new since the last run, and the meetings from 30 days
    back (or --since) to 60 ahead, each occurrence of a series on its own. What
    was read is remembered in .pipe/capture.json (not in git). Emails and
    meetings are matched and logged as by import-mail and import-calendar, once
    each by Message-ID or UID, so a run stopped half way just goes on next time.
    See docs/capture.md.

    \b
    Example:
      pipe capture --since 30d --dry-run
      pipe capture --commit && pipe sync
    """
    from pipecli.core.store.capturestate import read_state
    from pipecli.core.store.personal import read_personal

    workspace = app.workspace
    personal, path = read_personal(workspace.root)
    if personal.imap is None and personal.caldav is None:
        raise PipeError(f"{printable(str(path))}: no imap: or caldav: section, so nothing to capture")
    since_day = parse_date(since, relative_to=app.today, direction=BEHIND) if since else None
    state = read_state(workspace.root)
    tally = _Tally()
    accounts, nouns = [], []
    # A run stopped by the server, the network or Ctrl-C still commits the deals it wrote (with
    # --commit or autocommit), so they reach the team with the next sync: the next run finds them
    # logged already (or its state says so), so it would never write, nor commit, them again.
    app.commit_partial = True
    try:
        if personal.imap is not None:
            accounts.append(personal.imap.name)
            nouns.append("email")
            _capture_imap(app, personal.imap, state, since_day, dry_run, verbose, tally)
        if personal.caldav is not None:
            accounts.append(f"{personal.caldav.user}@{urlsplit(personal.caldav.url).hostname}")
            nouns.append("meeting")
            _capture_caldav(app, personal.caldav, state, since_day, dry_run, verbose, tally)
    except (PipeError, KeyboardInterrupt):
        if tally.summaries:
            logged = ", ".join(_count(tally.logged.get(noun, 0), noun) for noun in nouns)
            app.note_change(f"capture {', '.join(printable(a) for a in accounts)}: {logged} "
                            f"logged on {_count(len(tally.deals), 'deal')} before it stopped")
            for line in tally.summaries:
                app.note_change(line)
        raise
    counts = _counted(tally.already, tally.duplicates, tally.unmatched, tally.reasons, verbose)
    logged = ", ".join(_count(tally.logged.get(noun, 0), noun) for noun in nouns)
    if dry_run:
        click.echo(f"dry run: {logged} to log on {_count(len(tally.deals), 'deal')}{counts}; nothing changed", err=True)
        return
    subject = f"capture {', '.join(printable(a) for a in accounts)}: {logged} logged on {_count(len(tally.deals), 'deal')}"
    click.echo(subject + counts)
    if tally.summaries:
        app.note_change(subject)
        for line in tally.summaries:
            app.note_change(line)


# The calendar's side of capture: meetings from this many days back (or --since) to this many ahead.
CALDAV_DAYS_BACK, CALDAV_DAYS_AHEAD = 30, 60
CALDAV_MODULE = "pipecli.core.importing.caldavfetch"


def _capture_caldav(app, account, state, since_day, dry_run: bool, verbose: bool, tally: "_Tally") -> None:
    """The meetings of the caldav: account logged, its state saved after (core/importing/caldavfetch.py)."""
    import datetime as dt
    import importlib

    from pipecli.core.store.capturestate import write_state
    from pipecli.core.store.personal import with_password

    caldavfetch = importlib.import_module(CALDAV_MODULE)  # by name: loaded only here, and a test can stand in for it
    account = with_password(account, "caldav")
    window = (since_day or app.today - dt.timedelta(days=CALDAV_DAYS_BACK), app.today + dt.timedelta(days=CALDAV_DAYS_AHEAD))
    saved = state["caldav"].get(account.url)
    reading, kept = caldavfetch.fetch_events(account, saved if isinstance(saved, dict) else {}, window, local_zone())
    found, changes = _log(app, reading, "capture", dry_run, verbose)
    tally.add(found, changes)
    if not dry_run:
        state["caldav"][account.url] = kept
        write_state(app.workspace.root, state)


class _Tally:
    """What every batch of a capture did, counted (a huge mailbox is not kept in memory)."""

    def __init__(self):
        self.logged: dict[str, int] = {}  # email or meeting -> how many
        self.already = self.duplicates = self.unmatched = 0
        self.deals: set[str] = set()
        self.reasons: dict[str, int] = {}
        self.summaries: list[str] = []

    def add(self, found: CapturePlan, changes) -> None:
        for item in found.logged:
            self.logged[item.kind] = self.logged.get(item.kind, 0) + 1
        self.already += len(found.already)
        self.duplicates += found.duplicates
        self.unmatched += len(found.unmatched)
        self.deals.update(found.entries)
        for why, n in _reasons(found.skipped).items():
            self.reasons[why] = self.reasons.get(why, 0) + n
        self.summaries.extend(f"{change.deal.id}: {change.summary}" for change in changes)


def _capture_imap(app, account, state, since_day, dry_run: bool, verbose: bool, tally: _Tally) -> None:
    """Each batch of new mail logged, then its folder's state saved: a stop loses at most the batch
    being read, which the next run reads again."""
    from contextlib import ExitStack

    from pipecli.core.importing.imapfetch import fetch_mail
    from pipecli.core.store.capturestate import folder_state, set_folder_state, write_state
    from pipecli.core.store.personal import with_password

    account = with_password(account, "imap")
    root = app.workspace.root
    with ExitStack() as bars:
        folder, show = None, None
        for batch in fetch_mail(account, lambda name: folder_state(state, account.name, name), since_day,
                                local_zone()):
            if batch.folder != folder:
                bars.close()
                folder = batch.folder
                show = bars.enter_context(progress_count(f"capture {printable(folder)}", batch.total))
            if batch.reading.items or batch.reading.skipped:
                found, changes = _log(app, batch.reading, "capture", dry_run, verbose)
                tally.add(found, changes)
            show(batch.done)
            if not dry_run:
                set_folder_state(state, account.name, batch.folder, batch.uidvalidity, batch.last_uid)
                write_state(root, state)
