"""A deal's contacts one at a time: add one entry at the end, or remove one, leaving the others as written."""

from __future__ import annotations

from pipecli.core.errors import Ambiguous, InvalidValue, NotFound
from pipecli.core.model.deal import Deal
from pipecli.core.model.values import format_contact, one_line, parse_contact

# The keys of a contact entry in the order `pipe contact add` writes them (docs/format.md 2.4).
CONTACT_ORDER = ("name", "email", "role", "phone")


def add_contact(deal: Deal, text: str, role: str | None = None) -> dict:
    """Append the contact text names ('Name <email>', an email or a name) with its role; returns it.

    Refuses one whose email (any case), or, without an email, whose name, the deal already has."""
    contact = parse_contact(text)
    if role is not None:
        role = one_line(role, "a role").strip()
        if role:
            contact["role"] = role
    contact = {key: contact[key] for key in CONTACT_ORDER if key in contact}
    for existing in deal.contacts:
        if _same_person(existing, contact):
            raise InvalidValue(f"{deal.id} already has the contact {format_contact(existing)}"
                               f"{_role(existing)}: to change it, remove it first ('pipe contact rm {deal.id} "
                               f"{existing.get('email') or existing.get('name')}')")
    deal.append("contacts", contact)
    return contact


def remove_contact(deal: Deal, who: str) -> dict:
    """Remove the one contact who names: its email (any case), or its name (any case), or a unique part of
    the name; returns it. Refuses when none matches, or when several do (naming them)."""
    wanted = " ".join(who.split()).casefold()
    if not wanted:
        raise InvalidValue("say which contact: an email or a name")
    contacts = deal.contacts
    chosen = _matching(contacts, wanted)
    if not chosen:
        known = "; ".join(format_contact(c) for c in contacts if isinstance(c, dict)) or "none"
        raise NotFound(f"no contact '{who}' on {deal.id} (contacts: {known})")
    if len(chosen) > 1:
        raise Ambiguous(f"'{who}' is more than one contact on {deal.id}: "
                        + "; ".join(format_contact(contacts[i]) for i in chosen) + " (give the email)")
    removed = contacts[chosen[0]]
    kept = [c for i, c in enumerate(contacts) if i != chosen[0]]
    if kept:
        deal.set("contacts", kept)
    else:
        deal.unset("contacts")
    return removed


def _matching(contacts: list, wanted: str) -> list[int]:
    """The indexes of the contacts wanted names: an exact email or name first, else a part of a name."""
    def email(c) -> str:
        return str(c.get("email") or "").strip().casefold()

    def name(c) -> str:
        return " ".join(str(c.get("name") or "").split()).casefold()

    entries = [(i, c) for i, c in enumerate(contacts) if isinstance(c, dict)]
    for test in (lambda c: email(c) == wanted, lambda c: name(c) == wanted, lambda c: wanted in name(c)):
        found = [i for i, c in entries if test(c)]
        if found:
            return found
    return []


def _same_person(a, b: dict) -> bool:
    if not isinstance(a, dict):
        return False
    a_email, b_email = str(a.get("email") or "").strip().casefold(), str(b.get("email") or "").strip().casefold()
    if a_email or b_email:
        return a_email == b_email
    return " ".join(str(a.get("name") or "").split()).casefold() == " ".join(str(b.get("name") or "").split()).casefold()


def _role(contact: dict) -> str:
    return f" ({contact['role']})" if contact.get("role") else ""
