"""Accounts and contacts (core/model/accounts.py) as rows: every fact for csv and json, a compact row for a terminal."""

from __future__ import annotations

from pipecli.core.model.accounts import Account, Person
from pipecli.render import money

ACCOUNT_COLUMNS = ("account", "open_deals", "open_value", "won_revenue", "currency", "last_activity", "owners", "deals")
CONTACT_COLUMNS = ("name", "email", "role", "accounts", "deals", "last_interaction")

# The terminal table: short headers and clipped text, so the sample workspace fits 80 columns.
CONTACT_TABLE = ("name", "email", "role", "deals", "last")


def account_record(account: Account, currency: str) -> dict:
    return {
        "account": account.name,
        "open_deals": account.open_deals,
        "open_value": account.open_value,
        "won_revenue": account.won_revenue,
        "currency": currency,
        "last_activity": account.last_activity,
        "owners": account.owners,
        "deals": account.deals,
    }


def account_table(currency: str) -> tuple[str, ...]:
    return ("account", "open", f"open {currency}", f"won {currency}", "last", "owners")


# The most characters of each text cell in a terminal table: with two spaces between columns and
# dates of 10, each table stays within 80 columns (clipped text ends in …; csv, json and md are whole).
ACCOUNT_WIDTHS = {"account": 24, "owners": 14}
CONTACT_WIDTHS = {"name": 14, "email": 25, "role": 11, "deals": 12}


def account_row(account: Account, currency: str, clip: bool) -> dict:
    """An account as a row of account_table, its text cut to ACCOUNT_WIDTHS when clip."""
    widths = ACCOUNT_WIDTHS if clip else {}
    return {
        "account": _clip(account.name, widths.get("account")),
        "open": account.open_deals,
        f"open {currency}": money.amount(account.open_value),
        f"won {currency}": money.amount(account.won_revenue),
        "last": account.last_activity,
        "owners": _clip(", ".join(account.owners), widths.get("owners")),
    }


def contact_record(person: Person) -> dict:
    return {
        "name": person.name,
        "email": person.email,
        "role": person.role,
        "accounts": person.accounts,
        "deals": person.deals,
        "last_interaction": person.last_interaction,
    }


def contact_row(person: Person, clip: bool) -> dict:
    """A person as a row of CONTACT_TABLE, its text cut to CONTACT_WIDTHS when clip: then the deals
    column shows the first deal and how many more ('acme-ro… +2')."""
    widths = CONTACT_WIDTHS if clip else {}
    deals = ", ".join(person.deals)
    if clip and len(person.deals) > 1:
        more = f" +{len(person.deals) - 1}"
        deals = _clip(person.deals[0], widths["deals"] - len(more)) + more
    return {
        "name": _clip(person.name, widths.get("name")),
        "email": _clip(person.email, widths.get("email")),
        "role": _clip(person.role, widths.get("role")),
        "deals": _clip(deals, widths.get("deals")),
        "last": person.last_interaction,
    }


def _clip(value: str | None, limit: int | None) -> str | None:
    if value is None or limit is None or len(value) <= limit:
        return value
    return value[: limit - 1] + "…"
