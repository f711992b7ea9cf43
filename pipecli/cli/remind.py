"""`pipe remind`: each team member's daily digest of overdue, due-today and suggested tasks, shown or sent."""

from __future__ import annotations

import datetime as dt

import click

from pipecli.core.errors import InvalidValue, PipeError, restated
from pipecli.core.mail import digest as digests
from pipecli.core.model.dates import now_on
from pipecli.core.model.mailconfig import smtp_settings
from pipecli.render.style import printable


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


@click.command()
@click.option("--member", "members", multiple=True, metavar="WHO",
              help="Only the digest of WHO, a team member id or email (repeatable).")
@click.option("--dry-run", is_flag=True, help="Show the digests; send nothing (what pipe remind does without --send).")
@click.option("--send", is_flag=True, help="Send them over SMTP (mail.smtp in pipelines.yaml), one email per member.")
@click.pass_obj
def remind(app, members, dry_run, send):
    """Show, or send, each team member a digest of what to do today.

    A member's digest lists their overdue tasks, the tasks due today and the
    suggested tasks of their deals (a task without assignee is its deal
    owner's). Members with nothing to do get no email; members without an
    email under team: in pipelines.yaml are skipped and listed. Without --send
    the digests are only shown. Sending changes no file, so it can run from a
    daily cron job or a scheduled CI job; it comes from mail.from, else from
    the member's own address.

    \b
    Example:
      pipe remind                          # what each member would get
      pipe remind --member alice
      pipe remind --send
      # in cron, on weekdays at 7:
      # 0 7 * * 1-5 cd ~/sales && pipe sync && pipe remind --send
    """
    if dry_run and send:
        raise InvalidValue("--dry-run shows the digests, --send sends them: give one")
    config, workspace, today = app.config, app.workspace, app.today
    if not config.team:
        raise PipeError("no team in pipelines.yaml: add members with id, name and email under team:")
    chosen = tuple(dict.fromkeys(config.find_member(who) for who in members))
    if send:
        smtp_settings(config)
    planned = digests.plan(workspace.deals(skip_bad=True), config, today, chosen)
    for d in planned.no_email:
        click.echo(f"{d.member.id}: skipped: no email under team: in pipelines.yaml ({d.counts()})", err=True)
    for member in planned.idle:
        click.echo(f"{member.id}: nothing overdue, due today or suggested: no digest", err=True)
    if planned.unclaimed:
        shown = ", ".join(planned.unclaimed[:5]) + (" ..." if len(planned.unclaimed) > 5 else "")
        click.echo(f"in no digest: {shown}: their assignee or deal owner is not on the team", err=True)
    now = now_on(today)
    if not send:
        for n, d in enumerate(planned.ready):
            if n:
                click.echo()
            click.echo(f"To: {printable(str(d.address))}")
            click.echo(f"Subject: {digests.subject(d, today)}")
            click.echo()
            click.echo(printable(digests.body(d, today), keep="\n"), nl=False)
        click.echo(f"dry run: {_plural(len(planned.ready), 'digest')}; nothing sent"
                   + (" (send them with --send)" if planned.ready else ""), err=True)
        return
    refused = _send(app, planned.ready, now)
    click.echo(f"remind: {len(planned.ready) - len(refused)} sent, {len(planned.no_email)} skipped, "
               f"{len(planned.idle)} with nothing to do")
    if refused:
        raise PipeError(f"the server refused the digest of {', '.join(refused)}: check their email under team:")


def _send(app, ready, now: dt.datetime) -> list[str]:
    """Send each digest; returns the members whose address the server refused. On a failure, say
    which went and how to send the others."""
    from pipecli.core.mail.smtp import SendError, send_all

    today, sender = app.today, app.config.mail.sender
    went: list[str] = []

    def sent(d) -> None:
        went.append(d.member.id)
        click.echo(f"sent to {d.member.id} ({printable(str(d.address))}): {digests.subject(d, today)}")

    refused_members: list[str] = []

    def refused(d, why: str) -> None:
        refused_members.append(d.member.id)
        click.echo(f"{d.member.id}: not sent: the server refused {printable(why)}", err=True)

    try:
        send_all(app.config.mail.smtp, ready, lambda d: digests.build_message(d, sender, today, now), sent, refused)
    except SendError as error:
        if not went:
            raise restated(error, f"{error}; no digest sent") from None
        left = [d.member.id for d in ready if d.member.id not in went and d.member.id not in refused_members]
        again = " ".join(f"--member {m}" for m in left)
        raise restated(error, f"{error}; sent to {', '.join(went)}, not to {', '.join(left)} "
                              f"(send those with: pipe remind --send {again})") from None
    return refused_members
