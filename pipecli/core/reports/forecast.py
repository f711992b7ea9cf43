"""The forecast report: open deals by expected close month and quarter, overdue and pushed-back close dates."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from pipecli.core.model.config import Config
from pipecli.core.model.periods import Period
from pipecli.core.model.queries import Facts
from pipecli.core.reports import Chart, Column, Figure, Report, Table


def pushes(deal) -> list[dict]:
    """The changes of the deal's expected close date that moved it later."""
    return [c for c in deal.data.get("close_changes") or []
            if isinstance(c, dict) and c.get("from") and c.get("to") and c["to"] > c["from"]]


def forecast_report(chosen: list[Facts], config: Config, period: Period, today: dt.date) -> Report:
    open_deals = [f for f in chosen if f.kind == "open"]
    dated = [f for f in open_deals if f.deal.expected_close]
    in_period = [f for f in dated if f.deal.expected_close in period]

    def buckets(label_of) -> list[dict]:
        groups: dict[str, list[Facts]] = defaultdict(list)
        for f in dated:
            groups[label_of(f.deal.expected_close)].append(f)
        return [{"when": when, "deals": len(fs), "value": sum((f.base_value for f in fs), Decimal(0)),
                 "weighted": sum((f.weighted_value for f in fs), Decimal(0))} for when, fs in sorted(groups.items())]

    by_month = buckets(lambda d: f"{d.year}-{d.month:02d}")
    by_quarter = buckets(lambda d: f"{d.year}-Q{(d.month - 1) // 3 + 1}")
    overdue = sorted(({"deal": f.deal.id, "owner": f.deal.owner, "expected_close": f.deal.expected_close,
                       "days_late": (today - f.deal.expected_close).days, "value": f.base_value}
                      for f in dated if f.deal.expected_close < today), key=lambda r: (-r["days_late"], r["deal"]))
    pushed = []
    for f in open_deals:
        moves = pushes(f.deal)
        if moves:
            pushed.append({"deal": f.deal.id, "owner": f.deal.owner, "pushes": len(moves),
                           "first_close": moves[0]["from"], "expected_close": f.deal.expected_close,
                           "value": f.base_value})
    pushed.sort(key=lambda r: (-r["pushes"], r["deal"]))
    money_columns = [Column("deals", "Deals", "count"), Column("value", "Value", "money"),
                     Column("weighted", "Weighted", "money")]
    figures = [
        Figure("closing_deals", "Open deals expected to close in the period", len(in_period)),
        Figure("closing_value", "Their value", sum((f.base_value for f in in_period), Decimal(0)), "money"),
        Figure("closing_weighted", "Their weighted value", sum((f.weighted_value for f in in_period), Decimal(0)), "money"),
        Figure("overdue_close_dates", "Open deals past their close date", len(overdue), comparable=False),
        Figure("no_close_date", "Open deals without a close date", len(open_deals) - len(dated), comparable=False),
        Figure("pushed_deals", "Open deals whose close date was pushed back", len(pushed), comparable=False),
    ]
    tables = [
        Table("by_month", "Open deals by expected close month", [Column("when", "Month")] + money_columns, by_month),
        Table("by_quarter", "Open deals by expected close quarter", [Column("when", "Quarter")] + money_columns, by_quarter),
        Table("overdue", f"Past their expected close date on {today}",
              [Column("deal", "Deal"), Column("owner", "Owner"), Column("expected_close", "Expected close", "date"),
               Column("days_late", "Days late", "count"), Column("value", "Value", "money")], overdue),
        Table("pushed", "Close date pushed back",
              [Column("deal", "Deal"), Column("owner", "Owner"), Column("pushes", "Times", "count"),
               Column("first_close", "First close date", "date"), Column("expected_close", "Now", "date"),
               Column("value", "Value", "money")], pushed),
    ]
    charts = [Chart("forecast_by_month", "Expected to close per month", "by_month", "when", ["value", "weighted"])]
    return Report("forecast", "Forecast", period, figures, tables, charts)
