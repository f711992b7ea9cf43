"""Accounts and contacts as views over the deals: pipe accounts, pipe contacts; and pipe contact add/rm."""

from __future__ import annotations

import click

from pipecli.cli.groups import RecordingGroup
from pipecli.cli.options import commit_option, deal_argument, deal_filter_options, output_options
from pipecli.core.model.accounts import accounts as account_view
from pipecli.core.model.accounts import people
from pipecli.core.model.queries import select
from pipecli.core.model.values import format_contact
from pipecli.core.workflow.contacts import add_contact, remove_contact
from pipecli.render.accounts import (ACCOUNT_COLUMNS, CONTACT_COLUMNS, CONTACT_TABLE, account_record, account_row,
                                     account_table, contact_record, contact_row)
from pipecli.render.formats import render_rows
from pipecli.render.registry import RECORDS
from pipecli.render.style import printable

@click.command()
@deal_filter_options
@output_options(RECORDS)
@click.pass_obj
def accounts(app, deal_filter, out):
    """Each account: open deals and their value, won revenue, last activity, owners.

    An account is the deals with one `account` (any case and spacing); the
    filters choose the deals it is made of. Values are in the base currency.

    \b
    Example:
      pipe accounts
      pipe accounts --owner maya --format csv -o accounts.csv
    """
    currency = app.config.currency
    found = account_view(select(app.workspace.deals(skip_bad=True), app.config, deal_filter, app.today))
    if out.fmt in ("text", "md"):
        text = render_rows([account_row(a, currency, clip=out.fmt == "text") for a in found], account_table(currency), out.fmt)
        if not found:
            click.echo("no accounts: no deal chosen has an account", err=True)
    else:
        text = render_rows([account_record(a, currency) for a in found], ACCOUNT_COLUMNS, out.fmt, out.raw)
    out.emit(text)


@click.command()
@deal_filter_options
@output_options(RECORDS)
@click.pass_obj
def contacts(app, deal_filter, out):
    """Each person in the deals' contacts: email, role, deals, last interaction.

    A person is one email in any case (or, without one, one name) across the
    chosen deals. Interactions do not name a person, so the last interaction
    is the latest call, email or meeting logged on any of their deals.

    \b
    Example:
      pipe contacts --open
      pipe contacts --account acme --format json
    """
    found = people(select(app.workspace.deals(skip_bad=True), app.config, deal_filter, app.today), app.today)
    if out.fmt in ("text", "md"):
        text = render_rows([contact_row(p, clip=out.fmt == "text") for p in found], CONTACT_TABLE, out.fmt)
        if not found:
            click.echo("no contacts on the deals chosen", err=True)
    else:
        text = render_rows([contact_record(p) for p in found], CONTACT_COLUMNS, out.fmt, out.raw)
    out.emit(text)


@click.group(cls=RecordingGroup)
def contact():
    """Add a contact to a deal, or remove one, leaving the others as they are.

    Only the one contact's lines change in the deal file: a teammate's change
    to another contact merges cleanly. ('pipe set DEAL contacts=...' replaces
    the whole list.)

    \b
    Example:
      pipe contact add acme "Jonas Weber <jonas@acme.example>" --role CFO
      pipe contact rm acme jonas@acme.example
    """


@contact.command("add")
@deal_argument()
@click.argument("who", metavar="'NAME <EMAIL>'")
@click.option("--role", metavar="TEXT", help="Their role at the account (CFO, Head of IT...).")
@commit_option
@click.pass_obj
def contact_add(app, deal, who, role):
    """Add a contact to a deal: 'Name <email>', an email, or a name.

    A contact whose email (or, without one, whose name) the deal has is refused.

    \b
    Example:
      pipe contact add acme "Jonas Weber <jonas@acme.example>" --role CFO
    """
    updated, added = app.update(deal, lambda loaded: add_contact(loaded, who, role))
    said = f"{updated.id}: contact added: {_described(added)}"
    click.echo(printable(said))
    app.note_change(printable(f"contact add {updated.id}: {_described(added)}"))


@contact.command("rm")
@deal_argument()
@click.argument("who", metavar="EMAIL-OR-NAME")
@commit_option
@click.pass_obj
def contact_rm(app, deal, who):
    """Remove one contact from a deal, by email or name (a unique part of it).

    When several contacts match, nothing is removed and they are listed.

    \b
    Example:
      pipe contact rm acme jonas@acme.example
      pipe contact rm acme "Jonas"
    """
    updated, removed = app.update(deal, lambda loaded: remove_contact(loaded, who))
    click.echo(printable(f"{updated.id}: contact removed: {_described(removed)}"))
    app.note_change(printable(f"contact rm {updated.id}: {_described(removed)}"))


def _described(contact: dict) -> str:
    role = f" ({contact['role']})" if contact.get("role") else ""
    return format_contact(contact) + role
