"""Email from templates: `pipe mail` and `pipe automate` (triggered emails)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from email import policy as email_policy
from pathlib import Path

import click

from pipecli.cli.options import commit_option, deal_filter_options, skip_bad_option
from pipecli.core.errors import InvalidValue, PipeError, restated
from pipecli.core.model.dates import now_on
from pipecli.core.model.mailconfig import smtp_settings
from pipecli.core.model.queries import DealFilter, select
from pipecli.render.style import printable


def _confirm(what: str, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise PipeError(f"{what}: confirm with --yes, or look first with --dry-run")
    if not click.confirm(f"{what}?", default=False, err=True):
        raise PipeError("nothing sent")


def _sender_member(app, item) -> str | None:
    """Who the timeline says sent it: the team member with the sender's address, else whoever runs pipe."""
    address = item.sender.addr_spec.lower()
    member = next((m for m in app.config.team if m.email and m.email.lower() == address), None)
    return member.id if member else app.user


def _prepare(app, deals, template_name: str, to: str, automation_keys: dict | None = None):
    """One Outgoing per deal that can get the email, and (deal id, why) for each that cannot."""
    from pipecli.core.mail.outgoing import Outgoing, recipient, sender, template_context
    from pipecli.render.email import load_template, render_email

    template = load_template(app.workspace.root, template_name)
    items, skipped = [], []
    for deal in deals:
        to_address, why = recipient(deal, app.config, to)
        from_address, no_sender = sender(deal, app.config)
        if to_address is None or from_address is None:
            skipped.append((deal.id, why or no_sender))
            continue
        context = template_context(deal, app.config, to_address, from_address, app.today)
        subject, body = render_email(template, context)
        key = automation_keys.get(deal.id) if automation_keys else None
        items.append(Outgoing(deal, from_address, to_address, subject, body, template_name, key, to_owner=to == "owner"))
    return items, skipped


def _send(app, items, now: dt.datetime, what: str, resend: str | None = None) -> tuple[int, list]:
    """Send items over SMTP, recording each on its deal as soon as it went; returns (sent, refused items).

    what names the run for the commit message; resend, the command that sends again (given the
    deals it missed). A run stopped half way still commits what it
    recorded (with autocommit or --commit): those emails went, and the record must travel.
    """
    from pipecli.core.mail.outgoing import build_message, record_sent
    from pipecli.core.mail.smtp import SendError, send_all

    settings = smtp_settings(app.config)
    workspace = app.workspace
    app.commit_partial = True
    refused_items: list = []

    def sent(item) -> None:
        workspace.update(item.deal.id, lambda deal: record_sent(deal, item, now, _sender_member(app, item)))
        click.echo(f"sent {item.deal.id}: {item.to} {printable(item.subject)}")
        app.note_change(f"{item.deal.id}: to {item.to}: {printable(item.subject)}")

    def refused(item, why: str) -> None:
        refused_items.append(item)
        click.echo(f"{item.deal.id}: not sent: the server refused {printable(why)}", err=True)

    try:
        count = send_all(settings, items, lambda item: build_message(item, now), sent, refused)
    except SendError as error:
        app.changes.insert(0, f"{what}: {error.sent} sent, then stopped")
        not_sent = [i.deal.id for i in items if i not in refused_items][error.sent:]
        missed = (f" (send those with: {resend} {' '.join(f'--deal {d}' for d in not_sent)})" if resend
                  else f" ({', '.join(not_sent[:5])}{' ...' if len(not_sent) > 5 else ''})")
        raise restated(error, f"{error}; " + (f"{error.sent} sent and logged, {len(not_sent)} not sent{missed}"
                                              if error.sent else "nothing sent")) from None
    app.changes.insert(0, f"{what}: {count} email{'s' if count != 1 else ''} sent")
    return count, refused_items


@click.command()
@click.argument("template")
@deal_filter_options
@click.option("--to", "to", type=click.Choice(["contact", "owner"]), default="contact", show_default=True,
              help="Send to the deal's first contact with an email, or to its owner.")
@click.option("--deal", "deal_refs", multiple=True, metavar="ID",
              help="Only this deal (an id or unique prefix; repeatable): to send again to those a run missed.")
@click.option("--dry-run", is_flag=True, help="Show the messages; write and send nothing.")
@click.option("--send", is_flag=True, help="Send them over SMTP (mail.smtp in pipelines.yaml) and log each on its deal.")
@click.option("--yes", is_flag=True, help="Send without asking.")
@skip_bad_option("the deals selected")
@commit_option
@click.pass_obj
def mail(app, template, deal_filter, to, deal_refs, dry_run, send, yes):
    """Write an email from a template for each selected deal, or send them.

    TEMPLATE is templates/email/TEMPLATE.md.j2 in the workspace: a subject in
    its frontmatter, a jinja2 body that sees deal, contact, owner, sender and
    today. By default each message is written to the outbox folder as an .eml
    file to review; --send sends them (asking first) and logs each as an
    outbound email on its deal. Deals without an address are skipped and listed.

    \b
    Example:
      pipe mail proposal-follow-up --stage proposal              # to outbox/
      pipe mail proposal-follow-up --stage proposal --send --yes
    """
    from pipecli.core.mail.outgoing import build_message

    if dry_run and send:
        raise InvalidValue("--dry-run shows the messages, --send sends them: give one")
    if send:
        if dataclasses.replace(deal_filter, statuses=()) == DealFilter() and not deal_refs:
            raise InvalidValue("pipe mail --send needs at least one filter, like --stage proposal: "
                               "it would email every deal")
        smtp_settings(app.config)
    workspace = app.workspace
    now = now_on(app.today)
    with workspace.lock():
        deals = select(app.deals(), app.config, deal_filter, app.today)
        if deal_refs:
            wanted = {workspace.resolve(ref) for ref in deal_refs}
            deals = [f for f in deals if f.deal.id in wanted]
        items, skipped = _prepare(app, [f.deal for f in deals], template, to)
        for deal_id, why in skipped:
            click.echo(f"{deal_id}: skipped: {why}", err=True)
        if not items:
            click.echo("no emails to write" if not deals else "no deal has an address to write to", err=True)
            return
        if dry_run:
            for item in items:  # as a reader sees them, not as the wire encodes them
                message = build_message(item, now)
                shown = "".join(f"{name}: {message[name]}\n" for name in ("From", "To", "Subject"))
                click.echo(printable(f"{shown}\n{message.get_content()}", keep="\n\t"))
            click.echo(f"dry run: {len(items)} email{'s' if len(items) > 1 else ''}; nothing written", err=True)
            return
        if send:
            _confirm(f"Send {len(items)} email{'s' if len(items) > 1 else ''}", yes)
            count, refused = _send(app, items, now, f"mail {template}", resend=f"pipe mail {template} --send")
            click.echo(f"sent {count} email{'s' if count != 1 else ''}, each logged on its deal")
            if refused:
                again = " ".join(f"--deal {i.deal.id}" for i in refused)
                raise PipeError(f"{len(refused)} not sent, refused by the server: fix the address, then: "
                                f"pipe mail {template} {again} --send")
            return
        outbox = workspace.root / app.config.mail.outbox
        for item in items:
            path = _free_name(outbox, f"{app.today.isoformat()}-{item.deal.id}-{template}")
            # LF line ends in a file (SMTP's CRLF is for the wire)
            workspace.write_file(path, build_message(item, now).as_bytes(policy=email_policy.default))
            click.echo(f"{workspace.relative(path)}: to {item.to}: {printable(item.subject)}")
        click.echo(f"wrote {len(items)} email{'s' if len(items) > 1 else ''} to {workspace.relative(outbox)}/; "
                   "send them with --send", err=True)


def _free_name(folder: Path, stem: str) -> Path:
    path = folder / f"{stem}.eml"
    n = 2
    while path.exists():
        path = folder / f"{stem}-{n}.eml"
        n += 1
    return path


@click.command()
@click.option("--dry-run", is_flag=True, help="Say what is due and what is waiting; send and write nothing.")
@skip_bad_option("the deals checked for due emails")
@commit_option
@click.pass_obj
def automate(app, dry_run):
    """Send the emails automation rules have made due, once per trigger.

    Rules are under automations: in pipelines.yaml: an email from a template
    some days after a deal enters a stage, or gets a tag. Each email sent is
    logged on its deal with the trigger it answers, so no trigger sends twice:
    not on the next run, not from another clone once the deal is merged. Meant
    for a daily cron job or a scheduled CI job.

    \b
    Example:
      pipe automate --dry-run
      pipe automate
      # in cron, on weekdays at 8:
      # 0 8 * * 1-5 cd ~/sales && pipe sync && pipe automate && pipe sync
    """
    from pipecli.core.mail import automation

    config, workspace, today = app.config, app.workspace, app.today
    if not config.automations:
        click.echo("no automations in pipelines.yaml (see docs/email.md)", err=True)
        return
    if not dry_run:
        smtp_settings(config)
    now = now_on(today)
    with workspace.lock():
        planned = automation.plan(app.deals(), config, today)
        items, skipped = [], []
        for rule in config.automations:  # every template rendered before anything is written
            due = [t for t in planned.due if t.rule is rule]
            if due:
                ready, cannot = _prepare(app, [t.deal for t in due], rule.template, rule.to,
                                         {t.deal.id: t.key for t in due})
                items += ready
                skipped += [(deal_id, f"{rule.id}: {why}") for deal_id, why in cannot]
        if not dry_run:
            # In one batch (Workspace.batch: one flush to disk, not two fsyncs per deal; a first run
            # can date a tag on thousands of deals), each deal once with all of its changes: a
            # second update of a deal in the batch would read the file not yet replaced.
            steps: dict[str, list] = {}
            for trigger in planned.first_seen:
                steps.setdefault(trigger.deal.id, []).append(lambda d, r=trigger.rule: automation.date_tag(d, r, today))
            for deal, rule in planned.forgotten:
                steps.setdefault(deal.id, []).append(lambda d, r=rule: automation.forget_tag(d, r))
            with workspace.batch():
                for deal_id, changes in steps.items():
                    workspace.update(deal_id, lambda d, changes=changes: [change(d) for change in changes])
        for deal_id, why in skipped:
            click.echo(f"{deal_id}: skipped: {why}", err=True)
        for trigger in planned.stale if dry_run else ():
            click.echo(f"{trigger.deal.id}: {trigger.rule.id} not sent: it fell due on {trigger.due}, over "
                       f"{automation.STALE_DAYS} days ago", err=True)
        for trigger in planned.waiting:
            click.echo(f"{trigger.deal.id}: {trigger.rule.id} waits until {trigger.due} ({trigger.rule.trigger} "
                       f"on {trigger.fired})", err=True)
        if dry_run:
            for item in items:
                click.echo(f"would send {item.automation} to {item.to} for {item.deal.id}: {printable(item.subject)}")
            click.echo(f"dry run: {len(items)} due, {len(planned.waiting)} waiting, {len(planned.stale)} stale; "
                       "nothing sent", err=True)
            return
        count, refused = _send(app, items, now, "automate") if items else (0, [])
    stale = f", {len(planned.stale)} stale (--dry-run lists them)" if planned.stale else ""
    refusals = f", {len(refused)} refused by the server (still due)" if refused else ""
    click.echo(f"automate: {count} sent, {len(planned.waiting)} waiting, {len(skipped)} skipped{refusals}{stale}")
    if not items and (planned.first_seen or planned.forgotten):
        app.note_change("automate: tag triggers dated")
