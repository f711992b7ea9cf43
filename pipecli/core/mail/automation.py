"""Which automation emails are due: a deal that entered a stage, or got a tag, `after` days ago.

A trigger is named `RULE@DATE`: the rule and the day it fired (the deal's last entry into the
stage, or the day `pipe automate` first saw the tag). The email sent for it is logged on the deal
with `automation: RULE@DATE`, so a trigger sends once: a later run sees the entry, and so does
another clone once the deal's file is merged. Re-entering the stage, or getting the tag again
after losing it, is a new trigger.

A trigger whose email fell due more than STALE_DAYS ago is stale and never sent: switching a rule
on must not email every deal that entered the stage months ago, nor a cron that stopped for weeks
send a backlog of follow-ups that no longer make sense.

A tag has no date in the deal file, so the first run that sees it writes one:
`automations: [{rule: vip-welcome, since: 2026-11-20}]`, and the delay counts from there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipecli.core.model.config import Config
from pipecli.core.model.deal import Deal
from pipecli.core.model.mailconfig import Automation

QUEUE_FIELD = "automations"
STALE_DAYS = 7


@dataclass
class Trigger:
    deal: Deal
    rule: Automation
    fired: dt.date

    @property
    def key(self) -> str:
        return f"{self.rule.id}@{self.fired.isoformat()}"

    @property
    def due(self) -> dt.date:
        return self.fired + dt.timedelta(days=self.rule.after_days)


@dataclass
class Plan:
    due: list[Trigger]  # to send now
    waiting: list[Trigger]  # fired, not due yet
    stale: list[Trigger]  # fell due more than STALE_DAYS ago: never sent
    first_seen: list[Trigger]  # tag triggers to date on their deals (today)
    forgotten: list[tuple[Deal, Automation]]  # tag dates to drop: the tag is gone


def sent_keys(deal: Deal) -> set[str]:
    """The triggers already sent: on the timeline, or (an email to the owner) under `automations`."""
    keys = {str(a["automation"]) for a in deal.activities if a.get("automation")}
    for entry in deal.data.get(QUEUE_FIELD) or []:
        if isinstance(entry, dict) and entry.get("sent") and isinstance(entry.get("fired"), dt.date):
            keys.add(f"{entry.get('rule')}@{entry['fired'].isoformat()}")
    return keys


def queued_since(deal: Deal, rule: Automation) -> dt.date | None:
    dates = [q.get("since") for q in deal.data.get(QUEUE_FIELD) or []  # the tag dates, not the sent records
             if isinstance(q, dict) and q.get("rule") == rule.id and isinstance(q.get("since"), dt.date)]
    return min(dates) if dates else None  # two clones may both have dated it: the first one counts


def plan(deals: list[Deal], config: Config, today: dt.date) -> Plan:
    result = Plan([], [], [], [], [])
    for deal in deals:
        sent = sent_keys(deal)
        for rule in config.automations:
            trigger = None
            if rule.stage is not None and deal.stage == rule.stage:
                entered = deal.stage_entered()
                if entered is not None:
                    trigger = Trigger(deal, rule, entered)
            elif rule.tag is not None:
                since = queued_since(deal, rule)
                if rule.tag in deal.tags:
                    trigger = Trigger(deal, rule, since or today)
                    if since is None:
                        result.first_seen.append(trigger)
                elif since is not None:
                    result.forgotten.append((deal, rule))
            if trigger is None or trigger.key in sent:
                continue
            if trigger.due > today:
                result.waiting.append(trigger)
            elif (today - trigger.due).days > STALE_DAYS:
                result.stale.append(trigger)
            else:
                result.due.append(trigger)
    return result


def date_tag(deal: Deal, rule: Automation, today: dt.date) -> None:
    """Write the day a tag rule first fired on the deal."""
    deal.append(QUEUE_FIELD, {"rule": rule.id, "since": today})


def forget_tag(deal: Deal, rule: Automation) -> None:
    """Drop a tag rule's date once the tag is gone, so getting it again is a new trigger."""
    kept = [q for q in deal.data.get(QUEUE_FIELD) or []
            if not (isinstance(q, dict) and q.get("rule") == rule.id and "since" in q)]
    if kept:
        deal.set(QUEUE_FIELD, kept)
    else:
        deal.unset(QUEUE_FIELD)
