"""Accounts and contacts as views over the deals: nothing is stored but the deals themselves.

An account is every deal whose `account` is the same once trimmed and case-folded (duplicates.account_key);
a person is every contact entry with the same email (any case), or, without an email, the same name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from pipecli.core.model.duplicates import account_key
from pipecli.core.model.queries import Facts


@dataclass
class Account:
    """One account over the selected deals: open deals and their value, won revenue (base currency)."""

    name: str
    deals: list[str] = field(default_factory=list)
    open_deals: int = 0
    open_value: Decimal = Decimal(0)
    won_revenue: Decimal = Decimal(0)
    last_activity: dt.date | None = None
    owners: list[str] = field(default_factory=list)


def accounts(chosen: Iterable[Facts]) -> list[Account]:
    """The accounts of the chosen deals (deals without an account left out), by name in any case.

    The name shown is the spelling of the account's most recently created deal."""
    found: dict[str, Account] = {}
    newest: dict[str, dt.date] = {}
    for f in chosen:
        deal = f.deal
        key = account_key(deal.account)
        if not key:
            continue
        account = found.setdefault(key, Account(name=" ".join(deal.account.split())))
        created = deal.created or dt.date.min
        if created > newest.get(key, dt.date.min):
            account.name = " ".join(deal.account.split())
        newest[key] = max(created, newest.get(key, dt.date.min))
        account.deals.append(deal.id)
        if f.kind == "open":
            account.open_deals += 1
            account.open_value += f.base_value
        elif f.kind == "won":
            account.won_revenue += f.base_value
        if f.last_activity and (account.last_activity is None or f.last_activity > account.last_activity):
            account.last_activity = f.last_activity
        if deal.owner and deal.owner not in account.owners:
            account.owners.append(deal.owner)
    for account in found.values():
        account.owners.sort()
    return sorted(found.values(), key=lambda a: (a.name.casefold(), a.name))


@dataclass
class Person:
    """One contact over the selected deals: the deals naming them and the last interaction on any of those."""

    name: str | None
    email: str | None
    role: str | None = None
    accounts: list[str] = field(default_factory=list)
    deals: list[str] = field(default_factory=list)
    last_interaction: dt.date | None = None


def contact_key(contact: dict) -> str:
    """Who a contact entry is: its email in any case, else its name in any case and spacing."""
    email = str(contact.get("email") or "").strip()
    if email:
        return "email:" + email.casefold()
    return "name:" + " ".join(str(contact.get("name") or "").split()).casefold()


def last_interaction(f: Facts, today: dt.date) -> dt.date | None:
    """The latest call, email, meeting... logged on the deal up to today; a note is for the team, not with anyone."""
    dates = [a.get("date") for a in f.deal.activities if a.get("kind") != "note"]
    known = [d for d in dates if isinstance(d, dt.date) and d <= today]
    return max(known) if known else None


def people(chosen: Iterable[Facts], today: dt.date) -> list[Person]:
    """Everyone in the contacts of the chosen deals, once each, by name (else email) in any case.

    Name and role come from the most recently created deal that gives one. Activities do not say
    whom they were with, so a person's last interaction is the latest on any deal they are a contact of."""
    found: dict[str, Person] = {}
    given: dict[tuple[str, str], dt.date] = {}  # (person, name or role) -> created of the deal it came from
    for f in chosen:
        deal = f.deal
        created = deal.created or dt.date.min
        when = last_interaction(f, today)
        for contact in deal.contacts:
            if not isinstance(contact, dict):
                continue
            key = contact_key(contact)
            if key in ("email:", "name:"):
                continue
            person = found.setdefault(key, Person(name=None, email=str(contact.get("email") or "").strip() or None))
            for part in ("name", "role"):
                value = " ".join(str(contact.get(part) or "").split())
                if value and created >= given.get((key, part), dt.date.min):
                    setattr(person, part, value)
                    given[(key, part)] = created
            if deal.id not in person.deals:
                person.deals.append(deal.id)
            if deal.account and deal.account.strip() not in person.accounts:
                person.accounts.append(deal.account.strip())
            if when and (person.last_interaction is None or when > person.last_interaction):
                person.last_interaction = when
    return sorted(found.values(), key=lambda p: ((p.name or p.email or "").casefold(), p.email or ""))
