"""The team report: per person, interactions, wins, revenue, win rate, dropped deals, pipeline and quota."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from pipecli.core.model.config import DEFAULT_FLUSH_REASON, Config, Member
from pipecli.core.model.periods import Period
from pipecli.core.model.queries import Facts
from pipecli.core.reports import Chart, Column, Figure, Report, Table, share
from pipecli.core.reports.history import closed_in, open_on, period_end
from pipecli.core.workflow.timeline import INTERACTION_KINDS

QUOTA_MONTHS = {"month": 1, "quarter": 3, "year": 12}
DAYS_PER_MONTH = Decimal("30.436875")  # 365.2425 / 12


def period_months(period: Period) -> Decimal:
    """How many months long the period is: whole months counted, other spans by their days."""
    whole = period.start.day == 1 and (period.end == dt.date.max or (period.end + dt.timedelta(days=1)).day == 1)
    if whole:
        return Decimal(len(period.months()))
    return Decimal(period.days) / DAYS_PER_MONTH


def quota_for(member: Member, period: Period) -> Decimal | None:
    """The member's quota scaled to the period's length (a quarterly 90k is 30k for one month)."""
    if member.quota_amount is None or member.quota_period is None:
        return None
    return member.quota_amount * period_months(period) / QUOTA_MONTHS[member.quota_period]


def flushed(deal) -> bool:
    """Whether `pipe flush` closed the deal (its last history entry says so)."""
    return bool(deal.history and deal.history[-1].get("flushed"))


def leaders(rows: list[dict], key: str) -> str | None:
    """Who has the most of key, all of them on a tie ('maya, tom'); None when nobody has any."""
    best = max((r[key] for r in rows), default=0)
    return ", ".join(r["owner"] for r in rows if r[key] == best) if best else None


def team_report(chosen: list[Facts], config: Config, period: Period, today: dt.date) -> Report:
    snapshot_day = period_end(period, today)
    people = [m.id for m in config.team]
    owners = sorted({f.deal.owner for f in chosen if f.deal.owner and f.deal.owner not in people})
    rows = []
    dropped_reasons = {config.flush_reason, DEFAULT_FLUSH_REASON}
    # pipe log writes four kinds; files may hold others (message, demo): each gets a column.
    kinds = list(INTERACTION_KINDS) + sorted({str(a.get("kind")) for f in chosen for a in f.deal.activities}
                                              - set(INTERACTION_KINDS))
    for who in people + owners:
        mine = [f for f in chosen if f.deal.owner == who]
        won = closed_in(mine, period, "won")
        lost = closed_in(mine, period, "lost")
        dropped = [f for f in lost if f.deal.lost_reason in dropped_reasons or flushed(f.deal)]
        open_at_end = open_on(mine, config, snapshot_day)
        interactions = Counter(a.get("kind") for f in chosen for a in f.deal.activities
                               if a.get("by") == who and a.get("date") in period and a["date"] <= today)
        revenue = sum((f.base_value for f in won), Decimal(0))
        member = next((m for m in config.team if m.id == who), None)
        quota = quota_for(member, period) if member else None
        row = {"owner": who}
        row.update({kind: interactions.get(kind, 0) for kind in kinds})
        row.update({
            "interactions": sum(interactions.values()), "won": len(won), "revenue": revenue,
            "lost": len(lost), "win_rate": share(len(won), len(won) + len(lost)), "dropped": len(dropped),
            "open_pipeline": sum((f.base_value for f in open_at_end), Decimal(0)),
            "quota": quota, "attainment": share(revenue, quota) if quota else None,
        })
        rows.append(row)
    columns = ([Column("owner", "Owner")] + [Column(k, k.capitalize() + "s", "count") for k in kinds]
               + [Column("interactions", "Interactions", "count"), Column("won", "Won", "count"),
                  Column("revenue", "Revenue", "money"), Column("lost", "Lost", "count"),
                  Column("win_rate", "Win rate", "percent"), Column("dropped", "Dropped", "count"),
                  Column("open_pipeline", "Open pipeline", "money"), Column("quota", "Quota", "money"),
                  Column("attainment", "Attainment", "percent")])
    figures = [
        Figure("interactions", "Interactions", sum(r["interactions"] for r in rows)),
        Figure("most_active", "Most active", leaders(rows, "interactions"), "text"),
        Figure("top_seller", "Most revenue won", leaders(rows, "revenue"), "text"),
        Figure("dropped", "Deals dropped (stale or flushed)", sum(r["dropped"] for r in rows)),
    ]
    tables = [Table("team", f"Team, {period.label}", columns, rows,
                    note=f"dropped: lost as {', '.join(sorted(dropped_reasons))} or by pipe flush; quota scaled to the period")]
    charts = [Chart("team_revenue", "Revenue won per owner", "team", "owner", ["revenue"]),
              Chart("team_interactions", "Interactions per owner", "team", "owner", ["interactions"])]
    return Report("team", "Team", period, figures, tables, charts)
