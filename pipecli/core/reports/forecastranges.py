"""The forecast with ranges: a seeded Monte Carlo of the open deals from what the closed ones did.

Per pipeline, from its closed deals (won or lost, closed by today; all of the workspace's, whatever
the filters: they choose the open deals simulated, not the history):
- the chance to win from each open stage: a Beta prior centred on the stage's configured
  probability with the weight of PRIOR_DEALS deals, updated by the closed deals that reached the
  stage (calibration's stage_record); each run draws the stage's chance from that posterior, so thin
  history widens the range;
- the days from reaching each stage to closing, of the won deals and of the lost ones.
A deal's chance is then conditioned on its age in its stage: the share of the won deals still open
at that age, against the same share of the others (the lost deals, and the deals open in the stage
now, which may never close), each smoothed by half a deal; so a deal older than every win from its
stage, beside others as old, is stale and seldom won. A won deal closes on its expected close
date with the chance 1 / (1 + times that date was pushed later), else (and when it has no date or the
date is past) after a time to close drawn from its stage's history, longer than it has already spent
there. With fewer than MIN_CLOSED closed deals a pipeline uses its stage probabilities (a deal's own
where it has one) and the deals' close dates, an overdue deal closing today, with a warning.
A period under way counts what was already won in it by today; a deal file that records something
after today (PIPE_TODAY in the past) is taken as it was known then (asknown.deal_then).
Money is summed in whole cents (int), exact, and given back as Decimal.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from bisect import bisect_left
from decimal import Decimal

from pipecli.core.model.config import Config
from pipecli.core.model.periods import Period, month_period, quarter_period
from pipecli.core.model.queries import Facts, facts
from pipecli.core.reports import Chart, Column, Figure, Report, Table
from pipecli.core.reports.asknown import after, deal_then
from pipecli.core.reports.calibration import stage_record
from pipecli.core.reports.forecast import pushes
from pipecli.core.reports.history import reached, stints

PRIOR_DEALS = 4  # the configured probability weighs as much as this many closed deals
MIN_CLOSED = 10  # fewer closed deals in a pipeline: the stage probabilities, with a warning
DEFAULT_SEED = 21
DEFAULT_RUNS = 2000
PERCENTILES = (5, 10, 25, 50, 75, 90, 95)  # json and csv carry them all; the text shows 10, 50, 90
WIN_PERCENTILES = (10, 50, 90)  # of the number of wins, in json and csv
STALE_DAYS = 180  # a history whose last close is older than this is warned about


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
        self.record = stage_record(self.closed, pipeline)
        self.prior = {s: Decimal(str(pipeline.stage(s).probability)) / 100 for s in self.record}
        self.beta = {s: (float(self.prior[s]) * PRIOR_DEALS + won, (1 - float(self.prior[s])) * PRIOR_DEALS + passed - won)
                     for s, (passed, won) in self.record.items()}
        # days from reaching each stage to closing: of the won deals (when to place a win) and of the lost
        self.days: dict[str, list[int]] = {s: [] for s in self.record}
        self.lost_days: dict[str, list[int]] = {s: [] for s in self.record}
        for f in self.closed:
            if not f.deal.closed:
                continue
            into = self.days if f.kind == "won" else self.lost_days
            for stage_id, day in reached(f.deal, pipeline).items():
                if stage_id in into:
                    into[stage_id].append(max(0, (f.deal.closed - day).days))
        for days in (*self.days.values(), *self.lost_days.values()):
            days.sort()

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

    def mean_chance(self, stage_id: str) -> Decimal:
        """The chance used on average, in percent: the posterior's mean, exact."""
        if not self.enough:
            return self.prior[stage_id] * 100
        passed, won = self.record[stage_id]
        return (self.prior[stage_id] * PRIOR_DEALS + won) / (PRIOR_DEALS + passed) * 100

    def still_open(self, stage_id: str, age: int, open_ages: list[int]) -> tuple[float, float]:
        """How many of the deals from the stage were still open age days after reaching it: of the won
        ones, and of the others, the lost ones and those open in it now (open_ages, sorted), each share
        smoothed by half a deal; (1, 1) without history, no evidence either way.

        Open deals count among the others because a deal that will never win may never be closed
        either: a deal older than every win from its stage, among many such deals, is stale.
        """
        if not self.enough:
            return 1.0, 1.0
        won, lost = self.days.get(stage_id, []), self.lost_days.get(stage_id, [])
        return ((len(won) - bisect_left(won, age) + 0.5) / (len(won) + 1),
                (len(lost) - bisect_left(lost, age) + len(open_ages) - bisect_left(open_ages, age) + 0.5)
                / (len(lost) + len(open_ages) + 1))


def win_columns() -> list[Column]:
    """The json and csv columns of the number of wins' percentiles (wins_p10...)."""
    return [Column(f"wins_p{q}", f"Wins P{q}", "count") for q in WIN_PERCENTILES]


def _percentile(ordered: list[int], q: float) -> int:
    """Nearest rank: the smallest value with at least q of the runs at or below it."""
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _cents(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


def simulate(open_deals: list[Facts], learned: dict[str, Learned], periods: list[Period], today: dt.date,
             seed: int, runs: int, peers: list[Facts] | None = None) -> list[dict]:
    """Per period: the won revenue's percentiles, min, max and mean (Decimal) and the expected wins.

    peers: every deal open now (default: open_deals), whose ages in their stage weigh a deal's
    chance; the filters choose the deals simulated, not the odds (still_open).
    """
    rng = random.Random(seed)
    draw = rng.random
    # Per pipeline and stage, the deals in it and what does not change between runs: their value in
    # cents, their close date as days from today (None: none to come), whether that date is past, the
    # chance it holds, the days left drawn from when it does not, and how a deal of its age fares
    # (still_open). Days, not dates, and the periods a day falls in looked up once: the loop runs
    # runs x deals times (4 million on the Maven data set).
    age_of = {id(f.deal): age_in_stage(f, learned[f.deal.pipeline].pipeline, today)
              for f in (*open_deals, *(peers or ())) if f.deal.pipeline in learned}
    aged = [(f, learned[f.deal.pipeline], age_of[id(f.deal)]) for f in open_deals if f.deal.pipeline in learned]
    ages: dict[tuple[str, str], list[int]] = {}
    for f in open_deals if peers is None else peers:
        if f.deal.pipeline in learned:
            ages.setdefault((f.deal.pipeline, f.deal.stage), []).append(age_of[id(f.deal)])
    for group in ages.values():
        group.sort()
    groups: dict[tuple[str, str], tuple[Learned, list]] = {}
    for f, model, age in aged:
        # the won deals' days from the stage that are longer than its age, as a slice of the sorted
        # days (a list per deal cost open deals x won deals); none longer: it closes today
        days = model.days.get(f.deal.stage, []) if model.enough else []
        first = bisect_left(days, age)
        later, first, count = (days, first, len(days) - first) if first < len(days) else ([age], 0, 1 if days else 0)
        close = f.deal.expected_close
        won_share, other_share = model.still_open(f.deal.stage, age, ages.get((f.deal.pipeline, f.deal.stage), []))
        groups.setdefault((f.deal.pipeline, f.deal.stage), (model, []))[1].append(
            (_cents(f.base_value), (close - today).days if close and close >= today else None,
             close is not None and close < today, 1 / (1 + len(pushes(f.deal))), later, first, count, age,
             None if model.enough else float(f.probability) / 100,  # as the weighted sum: the deal's own
             won_share, other_share))
    found: dict[int, tuple[int, ...]] = {}

    def periods_of(offset: int) -> tuple[int, ...]:
        day = today + dt.timedelta(days=offset)
        found[offset] = tuple(i for i, period in enumerate(periods) if day in period)
        return found[offset]

    totals = [[0] * runs for _ in periods]
    wins = [[0] * runs for _ in periods]  # how many deals each run won in each period
    for run in range(runs):
        for (_, stage), (model, plans) in groups.items():
            chance = model.chance(stage, rng)
            for cents, close, overdue, trust, later, first, count, age, own, won_share, other_share in plans:
                p = chance if own is None else own
                if won_share != other_share:  # its age: the won deals against the others still open then
                    p = p * won_share / (p * won_share + (1 - p) * other_share) if p else 0.0
                if draw() >= p:
                    continue
                if close is not None and (not count or draw() < trust):
                    offset = close
                elif count:
                    offset = later[first + int(draw() * count)] - age
                elif overdue:
                    offset = 0  # no history to place it: any day now, as the weighted sum still counts it
                else:
                    continue  # no date and no history to place it: in no period
                where = found.get(offset)
                for i in periods_of(offset) if where is None else where:
                    totals[i][run] += cents
                    wins[i][run] += 1
    rows = []
    for i, period in enumerate(periods):
        ordered = sorted(totals[i])
        money = lambda c: Decimal(c) / 100  # noqa: E731
        counted = sorted(wins[i])
        rows.append({"when": period.label, **{f"p{q}": money(_percentile(ordered, q / 100)) for q in PERCENTILES},
                     "min": money(ordered[0]), "max": money(ordered[-1]),
                     "mean": (Decimal(sum(ordered)) / runs / 100).quantize(Decimal("0.01")),
                     "wins": (Decimal(sum(counted)) / runs).quantize(Decimal("0.01")),
                     **{f"wins_p{q}": _percentile(counted, q / 100) for q in WIN_PERCENTILES}})
    return rows


def weighted_sum(open_deals: list[Facts], period: Period, day: dt.date) -> Decimal:
    """The usual forecast of what the open deals will win in the period, from day: value x probability
    of those expected to close in it, and, in the period that holds day, of the overdue ones too (still
    open: any day now, as the simulation takes them); nothing for a period that is over."""
    if period.end < day:
        return Decimal(0)
    return sum((f.weighted_value for f in open_deals if f.deal.expected_close and (
        f.deal.expected_close in period or (day in period and f.deal.expected_close < period.start))), Decimal(0))


def won_by(chosen: list[Facts], period: Period, day: dt.date) -> tuple[Decimal, int]:
    """What was won in the period by the end of day: its revenue and how many deals."""
    won = [f for f in chosen if f.kind == "won" and f.deal.closed in period and f.deal.closed <= day]
    return sum((f.base_value for f in won), Decimal(0)), len(won)


def add_won(row: dict, revenue: Decimal, count: int) -> None:
    """A period under way: what is already won added to every figure of the runs."""
    for key in (*(f"p{q}" for q in PERCENTILES), "min", "max", "mean"):
        row[key] += revenue
    row["wins"] += count
    for q in WIN_PERCENTILES:
        row[f"wins_p{q}"] += count
    row["won"], row["won_deals"] = revenue, count


def as_known(chosen: list[Facts], config: Config, today: dt.date) -> list[Facts]:
    """The deals as they were known at the end of today: a file that records something later (today
    set in the past with PIPE_TODAY) is rebuilt as it was then, or left out if it did not exist."""
    known = []
    for f in chosen:
        if not after(f.deal, today):
            known.append(f)
            continue
        then = deal_then(f.deal, config, today)
        if then is not None:
            known.append(facts(then, config, today))
    return known


def age_in_stage(f: Facts, pipeline, today: dt.date) -> int:
    """Days since the deal first reached its stage (as the days to close are counted), 0 at least."""
    entered = reached(f.deal, pipeline).get(f.deal.stage)
    if entered is None:
        stays = stints(f.deal, today)
        entered = stays[-1][1] if stays else today
    return max(0, (today - entered).days)


def history_warnings(learned: dict[str, Learned], open_deals: list[Facts], today: dt.date) -> dict[str, str]:
    """Per pipeline, why its history may not deserve trust ('' when nothing is wrong that pipe can see)."""
    said = {}
    for model in learned.values():
        mine = [f for f in open_deals if f.deal.pipeline == model.pipeline.id]
        if not model.closed and not mine:
            continue
        lost = sum(1 for f in model.closed if f.kind == "lost")
        if not model.enough:
            said[model.pipeline.id] = (f"{len(model.closed)} closed deals (fewer than {MIN_CLOSED}): "
                                       "stage probabilities used")
        elif not lost:
            said[model.pipeline.id] = ("no lost deal in its history: if dead deals are left open rather than "
                                       "closed as lost, these chances are too high")
        elif model.last and (today - model.last).days > STALE_DAYS:
            said[model.pipeline.id] = f"its last deal closed on {model.last}, {(today - model.last).days:,} days ago"
    return said


def stale(open_deals: list[Facts], learned: dict[str, Learned], today: dt.date) -> list[Facts]:
    """The open deals in their stage longer than any won deal took from it: less likely to win."""
    found = []
    for f in open_deals:
        model = learned.get(f.deal.pipeline)
        days = model.days.get(f.deal.stage) if model is not None and model.enough else None
        if days and age_in_stage(f, model.pipeline, today) > days[-1]:  # sorted
            found.append(f)
    return found


def forecast_ranges_report(chosen: list[Facts], config: Config, period: Period | None, today: dt.date,
                           seed: int = DEFAULT_SEED, runs: int = DEFAULT_RUNS,
                           learn_from: list[Facts] | None = None) -> Report:
    """The ranges for the coming months and quarters, or for period when one is given, of the chosen
    deals, learned from learn_from (every deal; default: the chosen ones)."""
    periods = [period] if period is not None else coming_periods(today)
    chosen = as_known(chosen, config, today)
    history = chosen if learn_from is None else as_known(learn_from, config, today)
    closed = [f for f in history if f.kind in ("won", "lost") and f.deal.closed and f.deal.closed <= today]
    learned = {p.id: Learned(p, closed) for p in config.pipelines}
    open_deals = [f for f in chosen if f.kind == "open"]
    rows = simulate(open_deals, learned, periods, today, seed, runs, [f for f in history if f.kind == "open"])
    under_way = []
    for row, when in zip(rows, periods):
        revenue, count = won_by(chosen, when, today)
        add_won(row, revenue, count)
        if count:
            under_way.append(f"{when.label} {revenue:,} {config.currency}")
        row["weighted"] = revenue + weighted_sum(open_deals, when, today)
    warned = history_warnings(learned, open_deals, today)
    old = stale(open_deals, learned, today)
    figures = [Figure("open_deals", "Open deals simulated", len(open_deals), comparable=False),
               Figure("stale_deals", "Of them older than any win from their stage", len(old), comparable=False),
               Figure("closed_deals", "Closed deals in the history", len(closed), comparable=False),
               Figure("runs", "Runs", runs, comparable=False),
               Figure("seed", "Seed", seed, "number", comparable=False)]
    notes = [f"{runs:,} run{'s' if runs != 1 else ''}, seed {seed}; Weighted: value x probability of the open "
             "deals expected to close then (overdue ones in the period under way)"]
    if under_way:
        notes.append("what is won by today is in every figure: " + ", ".join(under_way))
    if old:
        notes.append(f"{len(old):,} open deal{'s have' if len(old) != 1 else ' has'} been in "
                     f"{'their' if len(old) != 1 else 'its'} stage longer than any won deal took from it: "
                     "less likely to win, the more so the more deals are open that long")
    if open_deals and not any(f.base_value for f in open_deals):
        notes.append("warning: no open deal has a value, so every range is 0; the wins still count")
    money = lambda key, label: Column(key, label, "money")  # noqa: E731
    learned_rows, stage_rows = [], []
    for model in learned.values():
        learned_rows.append({"pipeline": model.pipeline.id, "closed": len(model.closed),
                             "won": sum(1 for f in model.closed if f.kind == "won"),
                             "first": model.first, "last": model.last,
                             "model": "history" if model.enough else "configured",
                             "warning": warned.get(model.pipeline.id, "")})
        for stage_id, (passed, won) in model.record.items():
            days = sorted(model.days[stage_id])
            stage_rows.append({"pipeline": model.pipeline.id, "stage": stage_id,
                               "configured": model.prior[stage_id] * 100, "closed": passed, "won": won,
                               "used": model.mean_chance(stage_id),
                               "days": days[len(days) // 2] if days and model.enough else None})
    warnings = [f"warning: {config.pipeline(p).name}: {text}" for p, text in warned.items()]
    tables = [
        Table("ranges", "Won revenue: 10% / 50% / 90% of the runs at or below",
              [Column("when", "Period"), money("p10", "P10"), money("p50", "P50"), money("p90", "P90"),
               Column("wins", "Wins", "number", essential=True), money("weighted", "Weighted"), money("mean", "Mean")],
              rows, note="; ".join(notes),
              details=[money("p5", "P5"), money("p25", "P25"), money("p75", "P75"), money("p95", "P95"),
                       money("min", "Least"), money("max", "Most"), money("won", "Won by today"),
                       Column("won_deals", "Deals won by today", "count"),
                       *win_columns()]),
        Table("learned", "What it learned from (closed deals by today, whatever the filters)",
              [Column("pipeline", "Pipeline"), Column("closed", "Closed", "count"), Column("won", "Won", "count"),
               Column("first", "First closed", "date"), Column("last", "Last closed", "date"),
               Column("model", "Model")], learned_rows, note="; ".join(warnings),
              details=[Column("warning", "Warning")]),
        Table("stages", f"Chance to win from each stage (prior: {PRIOR_DEALS} deals at the configured one)",
              [Column("pipeline", "Pipeline"), Column("stage", "Stage"), Column("configured", "Configured", "percent"),
               Column("closed", "Closed", "count"), Column("won", "Won", "count"),
               Column("used", "Used", "percent"), Column("days", "Median days", "days")], stage_rows,
              key_columns=("pipeline", "stage"),
              note="Used: the chance at a deal's first day in the stage; Median days: of the won deals, to close"),
    ]
    return Report("forecast_ranges", "Forecast with ranges", periods[0] if len(periods) == 1 else
                  Period(periods[0].start, periods[-1].end, "range", f"{periods[0].label}..{periods[-1].label}"),
                  figures, tables, [Chart("ranges_fan", "Won revenue by period", "ranges",
                                          "when", ["p10", "p50", "p90", "weighted"], kind="fan")])
