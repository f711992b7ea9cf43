"""The daily digest: per team member, their overdue and due-today tasks and their suggested tasks, as an email.

A task is its assignee's, else its deal owner's (as on the agenda); a suggestion is its deal
owner's. Members with nothing to do get no digest; members with something to do but no email
are returned apart, so the command can say whom it skipped. The message is built like
outgoing.py's: Address objects and the SMTP policy, so no name or title can add a header.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage

from pipecli.core.mail.outgoing import compose
from pipecli.core.model.config import Config, Member
from pipecli.core.model.deal import Deal
from pipecli.core.model.mailconfig import header_text, make_address
from pipecli.core.model.queries import DealFilter, select
from pipecli.core.workflow.agenda import AgendaItem, agenda
from pipecli.core.workflow.suggest import Suggestion, suggestions


@dataclass(frozen=True)
class Digest:
    """What one team member has to do today."""

    member: Member
    overdue: tuple[AgendaItem, ...] = ()
    today: tuple[AgendaItem, ...] = ()
    suggested: tuple[Suggestion, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.today or self.suggested)

    @property
    def address(self) -> Address | None:
        """Where it goes: the member's email from the team, or None when they have none (or not a valid one)."""
        return make_address(self.member.name, self.member.email) if self.member.email else None

    def counts(self) -> str:
        """'2 overdue, 3 due today, 1 suggested', leaving out what is zero."""
        parts = [f"{n} {what}" for n, what in ((len(self.overdue), "overdue"), (len(self.today), "due today"),
                                                (len(self.suggested), "suggested")) if n]
        return ", ".join(parts) or "nothing to do"


@dataclass
class Plan:
    """The digests of a run: those to send, those that cannot be sent, and who has nothing to do."""

    ready: list[Digest] = field(default_factory=list)  # something to do and an email
    no_email: list[Digest] = field(default_factory=list)  # something to do, but no email to send it to
    idle: list[Member] = field(default_factory=list)  # nothing overdue, due today or suggested
    unclaimed: list[str] = field(default_factory=list)  # refs of tasks/suggestions that are no team member's


def plan(deals: list[Deal], config: Config, today: dt.date, members: tuple[Member, ...] = ()) -> Plan:
    """The digest of each team member (or of the members given), in team order."""
    chosen = members or config.team
    ids = {m.id for m in config.team}
    items = agenda(select(deals, config, DealFilter(), today), today)
    due = [i for i in items if i.group in ("overdue", "today")]
    found = suggestions(deals, config, today)
    result = Plan()
    for member in chosen:
        digest = Digest(
            member,
            tuple(i for i in due if i.group == "overdue" and i.assignee == member.id),
            tuple(i for i in due if i.group == "today" and i.assignee == member.id),
            tuple(s for s in found if s.deal.owner == member.id),
        )
        if digest.empty:
            result.idle.append(member)
        elif digest.address is None:
            result.no_email.append(digest)
        else:
            result.ready.append(digest)
    if not members:
        result.unclaimed = list(dict.fromkeys([i.ref for i in due if i.assignee not in ids]
                                              + [s.deal.id for s in found if s.deal.owner not in ids]))
    return result


def subject(digest: Digest, today: dt.date) -> str:
    """'pipe: 2 overdue, 3 due today, 1 suggested (2026-11-27)'."""
    return f"pipe: {digest.counts()} ({today.isoformat()})"


def body(digest: Digest, today: dt.date) -> str:
    """The digest as plain text: a section per group, each entry with its task ref and its deal."""
    lines = [f"{_line(digest.member.name)}, what to do on {today.isoformat()}: {digest.counts()}."]
    for title, items in (("Overdue", digest.overdue), ("Due today", digest.today)):
        if not items:
            continue
        lines += ["", f"{title} ({len(items)})"]
        for item in items:
            late = ""
            if item.group == "overdue" and item.due is not None:
                days = (today - item.due).days
                late = f" (due {item.due.isoformat()}, {days} day{'s' if days != 1 else ''} ago)"
            lines.append(f"- {item.ref} {_line(item.task.get('text'))}{late}")
            lines.append(f"  {_deal(item.deal)}")
    if digest.suggested:
        lines += ["", f"Suggested ({len(digest.suggested)})"]
        for s in digest.suggested:
            lines.append(f"- {s.key} {_line(s.text)}")
            lines.append(f"  {_deal(s.deal)}: {_line(s.reason)}")
    hints = ["'pipe task done ID' marks a task done"] if digest.overdue or digest.today else []
    hints += ["'pipe task accept DEAL:KIND' makes a suggestion a task"] if digest.suggested else []
    lines += ["", "-- ", f"pipe remind: {', '.join(hints)}."]
    return "\n".join(lines) + "\n"


def build_message(digest: Digest, sender: Address | None, today: dt.date, now: dt.datetime) -> EmailMessage:
    """The digest as an email to the member, from sender (mail.from), else from the member's own address."""
    to = digest.address
    if to is None:  # plan() keeps these apart; a caller that did not is a bug, not bad input
        raise ValueError(f"team member {digest.member.id} has no email")
    from_ = sender or to
    return compose(from_, to, subject(digest, today), body(digest, today), now, {
        "Auto-Submitted": "auto-generated",  # RFC 3834: no out-of-office replies to a robot
        "X-Pipe-Digest": f"{digest.member.id} {today.isoformat()}",
    })


def _deal(deal: Deal) -> str:
    account = f", {_line(deal.account)}" if deal.account else ""
    return f"{deal.id}: {_line(deal.title)}{account}"


def _line(value: object) -> str:
    """Any value as one line of text: a title holding a newline or an escape cannot fake lines of the digest."""
    return header_text("" if value is None else str(value))
