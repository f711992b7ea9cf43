"""Emails pipe sends for a deal: who they go to, the message itself, and the record on the deal's timeline.

Messages are built with the standard library's email package and its SMTP policy: addresses are
Address objects and every header value is one line, so no deal value (a title, a contact's name)
can add a header; non-ASCII names and subjects are encoded as RFC 2047 words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from pipecli.core.model.config import Config, Member
from pipecli.core.model.deal import Deal
from pipecli.core.model.mailconfig import header_text, make_address


@dataclass
class Outgoing:
    """One email to send, or to write to the outbox, for one deal."""

    deal: Deal
    sender: Address
    to: Address
    subject: str
    body: str
    template: str
    automation: str | None = None  # the trigger it answers: 'rule@2026-11-20'
    to_owner: bool = False  # to the deal's owner: a note to ourselves, not an interaction with the customer
    message: EmailMessage | None = None


def owner_of(deal: Deal, config: Config) -> Member | None:
    """The team member who owns the deal, or None."""
    return next((m for m in config.team if m.id == deal.owner), None)


def recipient(deal: Deal, config: Config, to: str) -> tuple[Address | None, str]:
    """Whom the email goes to: the deal's first contact with an address, or its owner; else None and why."""
    if to == "owner":
        member = owner_of(deal, config)
        if member is None or not member.email:
            return None, "its owner has no email in pipelines.yaml" if member else "it has no owner"
        return make_address(member.name, member.email), ""
    for contact in deal.contacts:
        email = contact.get("email")
        if isinstance(email, str) and email.strip():
            found = make_address(str(contact.get("name") or ""), email)
            if found is not None:
                return found, ""
    return None, "no contact has an email address"


def sender(deal: Deal, config: Config) -> tuple[Address | None, str]:
    """Who sends: mail.from, else the deal owner (with their email from the team)."""
    if config.mail.sender is not None:
        return config.mail.sender, ""
    member = owner_of(deal, config)
    if member is None or not member.email:
        return None, "no sender: set mail.from in pipelines.yaml, or give the owner an email in team"
    found = make_address(member.name, member.email)
    return (found, "") if found else (None, f"the owner's email {member.email!r} is not an address")


def template_context(deal: Deal, config: Config, to: Address, from_: Address, today: dt.date) -> dict[str, Any]:
    """What a template sees: plain values only (the sandbox keeps templates away from pipe's objects)."""
    contact = next((c for c in deal.contacts if isinstance(c.get("email"), str)
                    and c["email"].strip().lower() == to.addr_spec.lower()), {})
    owner = owner_of(deal, config)
    pipeline = config.pipeline(deal.pipeline)
    stage = pipeline.stage(deal.stage) if pipeline else None
    next_task = deal.next_task
    contact_name = str(contact.get("name") or to.display_name or "")
    owner_name = owner.name if owner else (deal.owner or "")
    return {
        "deal": {
            "id": deal.id, "title": deal.title, "account": deal.account or "", "pipeline": deal.pipeline,
            "stage": deal.stage, "stage_name": stage.name if stage else deal.stage,
            "value": deal.value if deal.data.get("value") is not None else None,
            "currency": deal.currency or config.currency, "owner": deal.owner or "", "source": deal.source or "",
            "tags": deal.tags, "created": _iso(deal.created), "expected_close": _iso(deal.expected_close),
            "next_step": str(next_task.get("text")) if next_task else "",
        },
        "contact": {"name": contact_name, "first_name": contact_name.split(" ")[0] if contact_name else "",
                    "email": to.addr_spec, "role": str(contact.get("role") or "")},
        "owner": {"id": deal.owner or "", "name": owner_name, "first_name": owner_name.split(" ")[0] if owner_name else "",
                  "email": (owner.email if owner else "") or ""},
        "sender": {"name": from_.display_name, "email": from_.addr_spec},
        "today": today.isoformat(),
    }


def _iso(value: dt.date | None) -> str:
    return value.isoformat() if isinstance(value, dt.date) else ""


def compose(sender: Address, to: Address, subject: str, body: str, now: dt.datetime,
            headers: dict[str, str] | None = None) -> EmailMessage:
    """Every email pipe writes: addresses as Address objects, the subject one clean line, a text body."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = header_text(subject)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=sender.domain or "pipe.invalid")
    for name, value in (headers or {}).items():
        message[name] = header_text(value)
    body = body if body.endswith("\n") else body + "\n"
    # quoted-printable keeps non-ASCII text 7-bit on the wire, for servers without 8BITMIME
    message.set_content(body, cte="quoted-printable" if not body.isascii() else "7bit")
    return message


def build_message(item: Outgoing, now: dt.datetime) -> EmailMessage:
    """The message of one deal's email, ready for SMTP or an .eml file."""
    item.message = compose(item.sender, item.to, item.subject, item.body, now, {"X-Pipe-Deal": item.deal.id})
    return item.message


def record_sent(deal: Deal, item: Outgoing, sent_at: dt.datetime, by: str | None) -> dict | None:
    """Log a sent email on the deal's timeline (an outbound email, with its Message-ID).

    An email to the deal's own owner is no interaction with the customer: it stays off the timeline
    (it must not hide the deal from the inactivity suggestions, nor count in the team report).
    When an automation sent it, the trigger is recorded under `automations` instead, so it is
    sent once all the same.
    """
    if item.message is None:
        raise ValueError("record_sent: the message was never built")
    if item.to_owner:
        if item.automation:
            rule, _, fired = item.automation.partition("@")
            deal.append("automations", {"rule": rule, "fired": dt.date.fromisoformat(fired), "sent": sent_at.date()})
        return None
    entry: dict[str, Any] = {"date": sent_at.date(), "time": sent_at.strftime("%H:%M"), "kind": "email",
                             "direction": "out"}
    if by:
        entry["by"] = by
    entry["summary"] = item.subject
    entry["message_id"] = str(item.message["Message-ID"])
    if item.automation:
        entry["automation"] = item.automation
    deal.append("activities", entry)
    return entry
