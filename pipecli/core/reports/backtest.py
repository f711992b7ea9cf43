"""The forecast with ranges checked against what happened: `pipe report forecast --ranges --backtest`.

At the start of each of the last 12 months that are over, the workspace is rebuilt as it was then
from the deals' own stage histories: a deal existed if created on or before that day, its stage was
its last history entry on or before it, it was closed only if its closed date is on or before it.
Its expected close then is read back from close_changes (the `from` of the first change made after
that day); a deal without them has its expected close as the file has it now, and so has its value
and probability (the file keeps no history of them). The same simulation as the forecast with
ranges (forecastranges.simulate) then forecasts that month from only those deals, and the month's
actual is what was won in it (the deals won now with their closed date in it).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pipecli.core.model.config import Config
from pipecli.core.model.deal import Deal
from pipecli.core.model.periods import Period, month_period
from pipecli.core.model.queries import Facts, facts
from pipecli.core.reports import Column, Figure, Report, Table
from pipecli.core.reports.forecastranges import Learned, simulate
from pipecli.core.reports.history import history_of, kind_of, stage_on

MONTHS = 12


def past_months(today: dt.date, count: int = MONTHS) -> list[Period]:
    """The last count months over by today (ended on or before it), oldest first."""
    year, month = today.year, today.month
    months: list[Period] = []
    while len(months) < count:
        period = month_period(year, month)
        if period.end <= today:
            months.append(period)
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


def close_date_then(deal: Deal, day: dt.date) -> dt.date | None:
    """The expected close as of day: the `from` of the first close change made after it, else today's."""
    later = sorted((c for c in deal.data.get("close_changes") or []
                    if isinstance(c, dict) and isinstance(c.get("date"), dt.date) and c["date"] > day),
                   key=lambda c: c["date"])
    return later[0].get("from") if later else deal.expected_close


def deal_then(deal: Deal, config: Config, day: dt.date) -> Deal | None:
    """A copy of the deal as it was at the end of day, or None when it did not exist yet."""
    if deal.created is not None and deal.created > day:
        return None
    stage = stage_on(deal, day)
    if stage is None:
        return None
    closed = deal.closed is not None and deal.closed <= day
    if kind_of(config, deal.pipeline, stage) in ("won", "lost") and not closed:
        # the history says closed but the closed date is later: open then, in its last open stage
        opens = [e.get("stage") for e in history_of(deal) if e["date"] <= day
                 and kind_of(config, deal.pipeline, e.get("stage")) == "open"]
        if not opens:
            return None
        stage = opens[-1]
    data = dict(deal.data)
    data["stage"] = stage
    data["history"] = [e for e in deal.history or [] if e["date"] <= day]
    data["close_changes"] = [c for c in deal.data.get("close_changes") or []
                             if isinstance(c, dict) and isinstance(c.get("date"), dt.date) and c["date"] <= day]
    data["expected_close"] = close_date_then(deal, day)
    if not closed:
        data.pop("closed", None)
    return Deal(data)


def backtest_month(chosen: list[Facts], config: Config, month: Period, seed: int, runs: int) -> dict:
    """One month: the forecast made at its start from what was known then, and what was won in it."""
    day = month.start
    then = [facts(d, config, day) for d in (deal_then(f.deal, config, day) for f in chosen) if d is not None]
    # closed strictly before the month's start: a deal closed that very day is not known at its start
    closed = [f for f in then if f.kind in ("won", "lost") and f.deal.closed and f.deal.closed < day]
    open_deals = [f for f in then if f.kind == "open"]
    learned = {p.id: Learned(p, closed) for p in config.pipelines}
    row = simulate(open_deals, learned, [month], day, seed, runs)[0]
    actual = sum((f.base_value for f in chosen if f.kind == "won" and f.deal.closed in month), Decimal(0))
    weighted = sum((f.weighted_value for f in open_deals
                    if f.deal.expected_close and f.deal.expected_close in month), Decimal(0))
    return {"when": month.label, "p10": row["p10"], "p50": row["p50"], "p90": row["p90"], "actual": actual,
            "inside": "yes" if row["p10"] <= actual <= row["p90"] else "no", "weighted": weighted,
            "open": len(open_deals), "closed": len(closed)}


def backtest_report(chosen: list[Facts], config: Config, today: dt.date, seed: int, runs: int) -> Report:
    months = past_months(today)
    rows = [backtest_month(chosen, config, month, seed, runs) for month in months]
    count = len(rows)
    inside = sum(1 for r in rows if r["inside"] == "yes")
    mae = lambda key: (sum((abs(r[key] - r["actual"]) for r in rows), Decimal(0)) / count  # noqa: E731
                       ).quantize(Decimal("0.01"))
    figures = [Figure("months", "Months replayed", count, comparable=False),
               Figure("inside_share", "Actual inside P10..P90",
                      (Decimal(100) * inside / count).quantize(Decimal("0.1")), "percent", comparable=False),
               Figure("mae_p50", "Mean absolute error of P50", mae("p50"), "money", comparable=False),
               Figure("mae_weighted", "Mean absolute error of the weighted sum", mae("weighted"), "money",
                      comparable=False),
               Figure("runs", "Runs", runs, comparable=False),
               Figure("seed", "Seed", seed, "number", comparable=False)]
    money = lambda key, label: Column(key, label, "money")  # noqa: E731
    table = Table("backtest", "Each month forecast at its start from what was known then, against what was won",
                  [Column("when", "Month"), money("p10", "P10"), money("p50", "P50"), money("p90", "P90"),
                   money("actual", "Actual"), Column("inside", "Inside"), money("weighted", "Weighted")], rows,
                  note="Rebuilt from stage histories; expected close from close_changes, else as now")
    return Report("forecast_backtest", "Forecast with ranges: backtest",
                  Period(months[0].start, months[-1].end, "range", f"{months[0].label}..{months[-1].label}"),
                  figures, [table])
