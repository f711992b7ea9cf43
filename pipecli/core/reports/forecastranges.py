"""The forecast with ranges: a seeded Monte Carlo of the open deals from what the closed ones did.

Per pipeline, from its closed deals (won or lost, any date):
- the chance to win from each open stage: a Beta prior centred on the stage's configured
  probability with the weight of PRIOR_DEALS deals, updated by the closed deals that reached the
  stage (calibration's stage_record); each run draws the stage's chance from that posterior, so thin
  history widens the range;
- the time to close from each stage: the days from reaching it to closing, of the won deals.
A won deal closes on its expected close date with the chance 1 / (1 + times that date was pushed
later), else (and when it has no date or the date is past) after a time to close drawn from its
stage's history, longer than it has already spent there. With fewer than MIN_CLOSED closed deals a
pipeline uses its stage probabilities (a deal's own where it has one) and the deals' close dates, with
a warning.
Money is summed in whole cents (int), exact, and given back as Decimal.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal

from pipecli.core.model.config import Config
from pipecli.core.model.periods import Period, month_period, quarter_period
from pipecli.core.model.queries import Facts
from pipecli.core.reports import Chart, Column, Figure, Report, Table
from pipecli.core.reports.calibration import stage_record
from pipecli.core.reports.forecast import pushes
from pipecli.core.reports.history import reached, stints

PRIOR_DEALS = 4  # the configured probability weighs as much as this many closed deals
MIN_CLOSED = 10  # fewer closed deals in a pipeline: the stage probabilities, with a warning
DEFAULT_SEED = 21
DEFAULT_RUNS = 2000


def coming_periods(today: dt.date) -> list[Period]:
    """This month and the two after it, this quarter and the next."""
    months, year, month = [], today.year, today.month
    for _ in range(3):
        months.append(month_period(year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    quarter = (today.month - 1) // 3 + 1
    following = (today.year + 1, 1) if quarter == 4 else (today.year, quarter + 1)
    return months + [quarter_period(today.year, quarter), quarter_period(*following)]


class Learned:
    """What one pipeline's closed deals say: per stage a Beta posterior and the days to close."""

    def __init__(self, pipeline, closed: list[Facts]):
        self.pipeline = pipeline
        self.closed = [f for f in closed if f.deal.pipeline == pipeline.id]
        dates = [f.deal.closed for f in self.closed if f.deal.closed]
        self.first, self.last = (min(dates), max(dates)) if dates else (None, None)
        self.enough = len(self.closed) >= MIN_CLOSED
        self.beta: dict[str, tuple[float, float]] = {}
        self.record = stage_record(self.closed, pipeline)
        for stage_id, (passed, won) in self.record.items():
            p0 = pipeline.stage(stage_id).probability / 100
            self.beta[stage_id] = (p0 * PRIOR_DEALS + won, (1 - p0) * PRIOR_DEALS + passed - won)
        self.days: dict[str, list[int]] = {s: [] for s in self.record}
        for f in self.closed:
            if f.kind != "won" or not f.deal.closed:
                continue
            for stage_id, day in reached(f.deal, pipeline).items():
                if stage_id in self.days:
                    self.days[stage_id].append(max(0, (f.deal.closed - day).days))

    def chance(self, stage_id: str, rng: random.Random) -> float:
        """This run's chance to win from the stage."""
        if not self.enough or stage_id not in self.beta:
            return self.pipeline.stage(stage_id).probability / 100 if self.pipeline.stage(stage_id) else 0.0
        a, b = self.beta[stage_id]
        if b <= 0:
            return 1.0
        if a <= 0:
            return 0.0
        return rng.betavariate(a, b)

    def mean_chance(self, stage_id: str) -> float:
        a, b = self.beta[stage_id]
        return a / (a + b) if self.enough else self.pipeline.stage(stage_id).probability / 100


def _percentile(ordered: list[int], q: float) -> int:
    """Nearest rank: the smallest value with at least q of the runs at or below it."""
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _cents(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


def simulate(open_deals: list[Facts], learned: dict[str, Learned], periods: list[Period], today: dt.date,
             seed: int, runs: int) -> list[dict]:
    """Per period: the won revenue's P10/P50/P90 and mean (Decimal) and the expected wins."""
    rng = random.Random(seed)
    draw = rng.random
    # Per pipeline and stage, the deals in it and what does not change between runs: their value in
    # cents, their close date as days from today (None: none to come), the chance it holds, and the
    # days left drawn from when it does not. Days, not dates, and the periods a day falls in looked up
    # once: the loop runs runs x deals times (4 million on the Maven data set).
    groups: dict[tuple[str, str], tuple[Learned, list]] = {}
    for f in open_deals:
        model = learned.get(f.deal.pipeline)
        if model is None:
            continue
        stays = stints(f.deal, today)
        age = max(0, (today - stays[-1][1]).days) if stays else 0
        days = model.days.get(f.deal.stage, []) if model.enough else []
        later = [d - age for d in days if d > age] or [0] * bool(days)
        close = f.deal.expected_close
        groups.setdefault((f.deal.pipeline, f.deal.stage), (model, []))[1].append(
            (_cents(f.base_value), (close - today).days if close and close >= today else None,
             1 / (1 + len(pushes(f.deal))), later, len(later),
             None if model.enough else float(f.probability) / 100))  # as the weighted sum: the deal's own
    found: dict[int, tuple[int, ...]] = {}

    def periods_of(offset: int) -> tuple[int, ...]:
        day = today + dt.timedelta(days=offset)
        found[offset] = tuple(i for i, period in enumerate(periods) if day in period)
        return found[offset]

    totals = [[0] * runs for _ in periods]
    wins = [0] * len(periods)
    for run in range(runs):
        for (_, stage), (model, plans) in groups.items():
            chance = model.chance(stage, rng)
            for cents, close, trust, later, count, own in plans:
                if draw() >= (chance if own is None else own):
                    continue
                if close is not None and (not count or draw() < trust):
                    offset = close
                elif count:
                    offset = later[int(draw() * count)]
                else:
                    continue  # no date and no history to place it: in no period
                where = found.get(offset)
                for i in periods_of(offset) if where is None else where:
                    totals[i][run] += cents
                    wins[i] += 1
    rows = []
    for i, period in enumerate(periods):
        ordered = sorted(totals[i])
        money = lambda c: Decimal(c) / 100  # noqa: E731
        rows.append({"when": period.label, "p10": money(_percentile(ordered, 0.1)),
                     "p50": money(_percentile(ordered, 0.5)), "p90": money(_percentile(ordered, 0.9)),
                     "mean": (Decimal(sum(ordered)) / runs / 100).quantize(Decimal("0.01")),
                     "wins": (Decimal(wins[i]) / runs).quantize(Decimal("0.01"))})
    return rows


def forecast_ranges_report(chosen: list[Facts], config: Config, period: Period | None, today: dt.date,
                           seed: int = DEFAULT_SEED, runs: int = DEFAULT_RUNS) -> Report:
    """The ranges for the coming months and quarters, or for period when one is given."""
    periods = [period] if period is not None else coming_periods(today)
    closed = [f for f in chosen if f.kind in ("won", "lost")]
    learned = {p.id: Learned(p, closed) for p in config.pipelines}
    open_deals = [f for f in chosen if f.kind == "open"]
    rows = simulate(open_deals, learned, periods, today, seed, runs)
    for row, when in zip(rows, periods):
        row["weighted"] = sum((f.weighted_value for f in open_deals
                               if f.deal.expected_close and f.deal.expected_close in when), Decimal(0))
    figures = [Figure("open_deals", "Open deals simulated", len(open_deals), comparable=False),
               Figure("closed_deals", "Closed deals learned from", len(closed), comparable=False),
               Figure("runs", "Runs", runs, comparable=False),
               Figure("seed", "Seed", seed, "number", comparable=False)]
    warnings = [f"warning: {m.pipeline.name} has {len(m.closed)} closed deals (fewer than {MIN_CLOSED}): "
                "stage probabilities used"
                for m in learned.values()
                if not m.enough and (m.closed or any(f.deal.pipeline == m.pipeline.id for f in open_deals))]
    money = lambda key, label: Column(key, label, "money")  # noqa: E731
    learned_rows, stage_rows = [], []
    for model in learned.values():
        learned_rows.append({"pipeline": model.pipeline.id, "closed": len(model.closed),
                             "won": sum(1 for f in model.closed if f.kind == "won"),
                             "first": model.first, "last": model.last,
                             "model": "history" if model.enough else "stage probabilities"})
        for stage_id, (passed, won) in model.record.items():
            days = sorted(model.days[stage_id])
            stage_rows.append({"pipeline": model.pipeline.id, "stage": stage_id,
                               "configured": Decimal(str(model.pipeline.stage(stage_id).probability)),
                               "closed": passed, "won": won,
                               "used": Decimal(str(round(model.mean_chance(stage_id) * 100, 1))),
                               "days": days[len(days) // 2] if days and model.enough else None})
    tables = [
        Table("ranges", "Won revenue: 10% / 50% / 90% of the runs at or below",
              [Column("when", "Period"), money("p10", "P10"), money("p50", "P50"), money("p90", "P90"),
               money("mean", "Mean"), Column("wins", "Wins", "number"), money("weighted", "Weighted")], rows,
              note=f"{runs} runs, seed {seed}; Weighted is the usual value x probability of the deals "
                   "expected to close then"),
        Table("learned", "What it learned from (closed deals, any date)",
              [Column("pipeline", "Pipeline"), Column("closed", "Closed", "count"), Column("won", "Won", "count"),
               Column("first", "First closed", "date"), Column("last", "Last closed", "date"),
               Column("model", "Model")], learned_rows, note="; ".join(warnings)),
        Table("stages", "Chance to win from each stage (Beta prior of "
              f"{PRIOR_DEALS} deals at the configured probability)",
              [Column("pipeline", "Pipeline"), Column("stage", "Stage"), Column("configured", "Configured", "percent"),
               Column("closed", "Closed", "count"), Column("won", "Won", "count"),
               Column("used", "Used", "percent"), Column("days", "Days to close", "days")], stage_rows,
              key_columns=("pipeline", "stage")),
    ]
    return Report("forecast_ranges", "Forecast with ranges", periods[0] if len(periods) == 1 else
                  Period(periods[0].start, periods[-1].end, "range", f"{periods[0].label}..{periods[-1].label}"),
                  figures, tables, [Chart("ranges_fan", "Won revenue, P10 to P90, P50 and the weighted sum", "ranges",
                                          "when", ["p10", "p50", "p90", "weighted"], kind="fan")])
