"""The revenue report: what was won, what is in the pipeline, how long deals take, where they come from."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from pipecli.core.model.config import Config
from pipecli.core.model.periods import Period, month_period
from pipecli.core.model.queries import Facts
from pipecli.core.reports import Chart, Column, Figure, Report, Table, mean, median, share
from pipecli.core.reports.history import closed_in, open_stages_on, period_end, stage_on

TOP_ACCOUNTS = 10
CHART_MONTHS = 12


def weighted_on(f: Facts, config: Config, day: dt.date, stage_id: str | None = None) -> Decimal:
    """The deal's weighted value on day: by the probability of the stage it was in then (its own
    probability, if it is still in that stage); stage_id, when given, is that stage (stage_on)."""
    if stage_id is None:
        stage_id = stage_on(f.deal, day)
    if stage_id == f.deal.stage or f.pipeline is None or f.pipeline.stage(stage_id) is None:
        return f.weighted_value
    return f.base_value * Decimal(str(f.pipeline.stage(stage_id).probability)) / 100


def revenue_report(chosen: list[Facts], config: Config, period: Period, today: dt.date) -> Report:
    won = closed_in(chosen, period, "won")
    lost = closed_in(chosen, period, "lost")
    created = [f for f in chosen if f.deal.created in period]
    revenue = sum((f.base_value for f in won), Decimal(0))
    cycles = [(f.deal.closed - f.deal.created).days for f in won if f.deal.created]
    snapshot_day = period_end(period, today)
    # Each deal's stage at the period's end, its value and weighted value then: worked out once
    # each, for the figures and the table by stage alike.
    open_at_end = [(f, stage, f.base_value, weighted_on(f, config, snapshot_day, stage))
                   for f, stage in open_stages_on(chosen, config, snapshot_day)]

    figures = [
        Figure("revenue_won", "Revenue won", revenue, "money"),
        Figure("deals_won", "Deals won", len(won)),
        Figure("deals_lost", "Deals lost", len(lost)),
        Figure("win_rate", "Win rate", share(len(won), len(won) + len(lost)), "percent"),
        Figure("average_won_value", "Average won deal", mean([f.base_value for f in won]), "money"),
        Figure("sales_cycle_mean_days", "Sales cycle, average", mean(cycles), "days"),
        Figure("sales_cycle_median_days", "Sales cycle, median", median(cycles), "days"),
        Figure("deals_created", "Deals created", len(created)),
        Figure("pipeline_generated", "Pipeline generated", sum((f.base_value for f in created), Decimal(0)), "money"),
        Figure("open_deals", "Open deals at period end", len(open_at_end)),
        Figure("open_pipeline", "Open pipeline at period end", sum((v for _, _, v, _ in open_at_end), Decimal(0)), "money"),
        Figure("weighted_pipeline", "Weighted pipeline at period end",
               sum((w for _, _, _, w in open_at_end), Decimal(0)), "money"),
    ]

    in_stage: dict[tuple[str, str], list[tuple[Decimal, Decimal]]] = defaultdict(list)
    for f, stage_id, value, weighted in open_at_end:
        in_stage[(f.deal.pipeline, stage_id)].append((value, weighted))
    by_stage = []
    several = len(config.pipelines) > 1
    for pipeline in config.pipelines:
        for stage in pipeline.stages:
            if stage.kind == "open":
                here = in_stage.get((pipeline.id, stage.id), [])
                by_stage.append({"pipeline": pipeline.id, "stage": stage.id, "deals": len(here),
                                 "label": f"{pipeline.id}/{stage.id}" if several else stage.id,
                                 "value": sum((v for v, _ in here), Decimal(0)),
                                 "weighted": sum((w for _, w in here), Decimal(0))})

    months = []
    end_month = month_period(period.end.year, period.end.month)
    first = end_month
    for _ in range(CHART_MONTHS - 1):
        if first.start.year == 1 and first.start.month == 1:
            break  # the calendar's first month: the chart starts there
        first = first.previous()
    charted = Period(first.start, end_month.end, "range", "")
    won_charted = [f for f in chosen if f.kind == "won" and f.deal.closed in charted]
    for year, month in charted.months():
        span = month_period(year, month)
        deals = [f for f in won_charted if f.deal.closed in span]
        months.append({"month": span.label, "deals": len(deals), "revenue": sum((f.base_value for f in deals), Decimal(0))})

    accounts: dict[str, list[Facts]] = defaultdict(list)
    for f in won:
        accounts[f.deal.account or "(no account)"].append(f)
    top = sorted(({"account": name, "deals": len(fs), "revenue": sum((f.base_value for f in fs), Decimal(0))}
                  for name, fs in accounts.items()), key=lambda r: (-r["revenue"], r["account"]))[:TOP_ACCOUNTS]

    by_source: dict[str, tuple[list[Facts], list[Facts], list[Facts]]] = {}
    for group, part in ((created, 0), (won, 1), (lost, 2)):
        for f in group:
            by_source.setdefault(f.deal.source or "(none)", ([], [], []))[part].append(f)
    source_rows = []
    for source in sorted(by_source):
        s_created, s_won, s_lost = by_source[source]
        source_rows.append({
            "source": source, "created": len(s_created),
            "created_value": sum((f.base_value for f in s_created), Decimal(0)),
            "won": len(s_won), "revenue": sum((f.base_value for f in s_won), Decimal(0)),
            "lost": len(s_lost), "win_rate": share(len(s_won), len(s_won) + len(s_lost)),
        })

    reasons: dict[str, list[Facts]] = defaultdict(list)
    for f in lost:
        reasons[f.deal.lost_reason or "(none)"].append(f)
    reason_rows = sorted(({"reason": r, "deals": len(fs), "value": sum((f.base_value for f in fs), Decimal(0))}
                          for r, fs in reasons.items()), key=lambda r: (-r["deals"], -r["value"], r["reason"]))

    tables = [
        Table("pipeline_by_stage", f"Open pipeline by stage on {snapshot_day}",
              [Column("pipeline", "Pipeline"), Column("stage", "Stage"), Column("deals", "Deals", "count"),
               Column("value", "Value", "money"), Column("weighted", "Weighted", "money")], by_stage,
              key_columns=("pipeline", "stage")),
        Table("revenue_by_month", f"Revenue won per month, {months[0]['month']} to {months[-1]['month']}",
              [Column("month", "Month"), Column("deals", "Deals won", "count"), Column("revenue", "Revenue", "money")],
              months),
        Table("top_accounts", "Top accounts by revenue won",
              [Column("account", "Account"), Column("deals", "Deals won", "count"), Column("revenue", "Revenue", "money")],
              top),
        Table("sources", "Lead sources",
              [Column("source", "Source"), Column("created", "Created", "count"),
               Column("created_value", "Created value", "money"), Column("won", "Won", "count"),
               Column("revenue", "Revenue", "money"), Column("lost", "Lost", "count"),
               Column("win_rate", "Win rate", "percent")], source_rows),
        Table("lost_reasons", "Lost reasons",
              [Column("reason", "Reason"), Column("deals", "Deals", "count"), Column("value", "Value", "money")],
              reason_rows),
    ]
    charts = [
        Chart("revenue_by_month", "Revenue won per month", "revenue_by_month", "month", ["revenue"]),
        Chart("pipeline_by_stage", "Open pipeline by stage", "pipeline_by_stage", "label", ["value", "weighted"]),
    ]
    return Report("revenue", "Revenue", period, figures, tables, charts)
