"""The team report: per person, interactions, wins, revenue, win rate, dropped deals, pipeline and quota."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from pipecli.core.config import Config, Member
from pipecli.core.periods import Period
from pipecli.core.queries import Facts
from pipecli.core.reports import Chart, Column, Figure, Report, Table, share
from pipecli.core.reports.history import kind_on
from pipecli.core.timeline import INTERACTION_KINDS

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


def team_report(chosen: list[Facts], config: Config, period: Period, today: dt.date) -> Report:
    snapshot_day = min(period.end, today)
    people = [m.id for m in config.team]
    owners = sorted({f.deal.owner for f in chosen if f.deal.owner and f.deal.owner not in people})
    rows = []
    dropped_reasons = {config.flush_reason}
    for who in people + owners:
        mine = [f for f in chosen if f.deal.owner == who]
        won = [f for f in mine if f.kind == "won" and f.deal.closed in period]
        lost = [f for f in mine if f.kind == "lost" and f.deal.closed in period]
        dropped = [f for f in lost if f.deal.lost_reason in dropped_reasons]
        open_now = [f for f in mine if kind_on(f.deal, config, snapshot_day) == "open"]
        interactions = Counter(a.get("kind") for f in chosen for a in f.deal.activities
                               if a.get("by") == who and a.get("date") in period and a["date"] <= today)
        revenue = sum((f.base_value for f in won), Decimal(0))
        member = next((m for m in config.team if m.id == who), None)
        quota = quota_for(member, period) if member else None
        row = {"owner": who}
        row.update({kind: interactions.get(kind, 0) for kind in INTERACTION_KINDS})
        row.update({
            "interactions": sum(interactions.values()), "won": len(won), "revenue": revenue,
            "lost": len(lost), "win_rate": share(len(won), len(won) + len(lost)), "dropped": len(dropped),
            "open_pipeline": sum((f.base_value for f in open_now), Decimal(0)),
            "quota": quota, "attainment": share(revenue, quota) if quota else None,
        })
        rows.append(row)
    columns = ([Column("owner", "Owner")] + [Column(k, k.capitalize() + "s", "count") for k in INTERACTION_KINDS]
               + [Column("interactions", "Interactions", "count"), Column("won", "Won", "count"),
                  Column("revenue", "Revenue", "money"), Column("lost", "Lost", "count"),
                  Column("win_rate", "Win rate", "percent"), Column("dropped", "Dropped", "count"),
                  Column("open_pipeline", "Open pipeline", "money"), Column("quota", "Quota", "money"),
                  Column("attainment", "Attainment", "percent")])
    most_active = max(rows, key=lambda r: r["interactions"], default=None)  # the first of equals
    top_seller = max(rows, key=lambda r: r["revenue"], default=None)
    figures = [
        Figure("interactions", "Interactions", sum(r["interactions"] for r in rows)),
        Figure("most_active", "Most active", most_active["owner"] if most_active and most_active["interactions"] else None, "text"),
        Figure("top_seller", "Most revenue won", top_seller["owner"] if top_seller and top_seller["revenue"] else None, "text"),
        Figure("dropped", f"Deals dropped ({', '.join(sorted(dropped_reasons))})", sum(r["dropped"] for r in rows)),
    ]
    tables = [Table("team", f"Team, {period.label}", columns, rows,
                    note=f"dropped: lost as {', '.join(sorted(dropped_reasons))}; quota scaled to the period")]
    charts = [Chart("team_revenue", "Revenue won per owner", "team", "owner", ["revenue"]),
              Chart("team_interactions", "Interactions per owner", "team", "owner", ["interactions"])]
    return Report("team", "Team", period, figures, tables, charts)
