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

from pipecli.core.errors import BadFiles, InvalidValue
from pipecli.core.gitsync.repo import Git
from pipecli.core.gitsync.revisions import RevisionParseError, point_on, snapshot_at
from pipecli.core.model.config import CONFIG_FILE, Config
from pipecli.core.model.periods import Period, month_period, quarter_period
from pipecli.core.model.queries import Facts, facts
from pipecli.core.reports import Chart, Column, Figure, Report, Table
from pipecli.core.reports.forecastranges import MIN_CLOSED, Learned, simulate, weighted_sum, win_columns
from pipecli.core.reports.asknown import deal_then

def past_periods(today: dt.date, grain: str = "month", within: Period | None = None) -> list[Period]:
    """The months or quarters over by today (ended before it), oldest first: those inside
    within, else the last year's (12 months, 4 quarters)."""
    step = 3 if grain == "quarter" else 1
    make = ((lambda y, m: quarter_period(y, (m - 1) // 3 + 1)) if grain == "quarter" else month_period)
    start = within.start if within is not None else None
    year, month = today.year, today.month - (today.month - 1) % step
    found: list[Period] = []
    while True:
        period = make(year, month)
        if start is not None and period.start < start:
            break
        if start is None and len(found) == 12 // step:
            break
        if period.end < today and (within is None or period.end <= within.end):  # its last day is over too
            found.append(period)
        year, month = (year - 1, month + 12 - step) if month <= step else (year, month - step)
    if not found:
        span = within.label if within is not None else "the past year"
        raise InvalidValue(f"no whole {grain} of {span} is over by today ({today}): nothing to compare with what "
                           "was won")
    return found[::-1]


class FromHistories:
    """Each period's start rebuilt from the deals' own stage histories (asknown.deal_then)."""

    note = "Rebuilt from stage histories; expected close from close_changes; values and probabilities as now"

    def __init__(self, chosen: list[Facts], config: Config, everyone: list[Facts] | None = None):
        self.config = config
        self.chosen_ids = {id(f.deal) for f in chosen}
        self.everyone = chosen if everyone is None else everyone

    def then(self, day: dt.date) -> tuple[Config, list[Facts], list[Facts]] | None:
        """The config, the chosen deals and all of them as known at the end of the day before day."""
        rebuilt = [(id(f.deal), deal_then(f.deal, self.config, day - dt.timedelta(days=1))) for f in self.everyone]
        everyone = [(key, facts(d, self.config, day)) for key, d in rebuilt if d is not None]
        return self.config, [f for key, f in everyone if key in self.chosen_ids], [f for _, f in everyone]


class FromGit:
    """Each period's start read from git: the config and deal files of the last commit before it.

    Only the deals reported on now (their ids) are forecast, so the deal filters mean the same deals
    in every period; the history is learned from all of them. A deal file that did not parse at that
    commit stops the backtest unless skip_bad, when it is left out and kept in skipped for the
    command to name; so does a pipelines.yaml that did not parse, and then the period is left out
    (kept in unreadable, by its start, for the note).
    """

    note = "Read from git: each period's start is the last commit before it, values and probabilities as committed"

    def __init__(self, chosen: list[Facts], git: Git, skip_bad: bool):
        git.require_repo()
        self.ids = {f.deal.id for f in chosen}
        self.git, self.skip_bad = git, skip_bad
        self.skipped: list = []
        self.unreadable: dict[dt.date, str] = {}

    def then(self, day: dt.date) -> tuple[Config, list[Facts], list[Facts]] | None:
        """The workspace at the end of the day before day, or None when it was not in git yet."""
        point = point_on(self.git, day - dt.timedelta(days=1), required=False)
        if point.commit is None or self.git.file_at(point.commit, CONFIG_FILE) is None:
            return None
        try:
            snapshot = snapshot_at(self.git, point)
        except RevisionParseError as error:
            if error.path != CONFIG_FILE:
                raise
            if not self.skip_bad:
                raise
            self.unreadable[day] = str(error)
            return None
        if snapshot.skipped:
            if not self.skip_bad:
                raise BadFiles(snapshot.skipped)
            self.skipped.extend(e for e in snapshot.skipped if e not in self.skipped)
        config = snapshot.config
        everyone = [facts(d, config, day) for d in snapshot.deals.values()]
        return config, [f for f in everyone if f.deal.id in self.ids], everyone


def backtest_period(chosen: list[Facts], source, period: Period, seed: int, runs: int) -> dict | None:
    """One period: the forecast made at its start from what was known then, and what was won in it.

    None when the source has nothing for that day (git before the workspace's first commit).
    """
    day = period.start
    known = source.then(day)
    if known is None:
        return None
    config, then, everyone = known
    closed = [f for f in everyone if f.kind in ("won", "lost") and f.deal.closed]
    open_deals = [f for f in then if f.kind == "open"]
    learned = {p.id: Learned(p, closed) for p in config.pipelines}
    row = simulate(open_deals, learned, [period], day, seed, runs, [f for f in everyone if f.kind == "open"])[0]
    won = [f for f in chosen if f.kind == "won" and f.deal.closed in period]
    actual = sum((f.base_value for f in won), Decimal(0))
    weighted = weighted_sum(open_deals, period, day)
    # a pipeline with open deals but too few closed ones fell back to its stage probabilities
    thin = sorted(m.pipeline.id for m in learned.values()
                  if not m.enough and any(f.deal.pipeline == m.pipeline.id for f in open_deals))
    return {"when": period.label, "p10": row["p10"], "p50": row["p50"], "p90": row["p90"], "actual": actual,
            "inside": "yes" if row["p10"] <= actual <= row["p90"] else "no", "weighted": weighted,
            "open": len(open_deals), "closed": len(closed), "learned": f"{len(closed):,}{' few' if thin else ''}",
            "fallback": ", ".join(thin),
            # the number of wins, as the revenue: it judges the chances and the timing where values mislead
            "wins_p10": row["wins_p10"], "wins_p50": row["wins_p50"], "wins_p90": row["wins_p90"],
            "wins_actual": len(won), "wins_inside": "yes" if row["wins_p10"] <= len(won) <= row["wins_p90"] else "no"}


def backtest_report(chosen: list[Facts], config: Config, today: dt.date, seed: int, runs: int,
                    grain: str = "month", within: Period | None = None, source=None,
                    learn_from: list[Facts] | None = None) -> Report:
    """The backtest over the periods of grain inside within (default: the past year) over by today."""
    periods = past_periods(today, grain, within)
    source = source or FromHistories(chosen, config, learn_from)
    replayed = [(p, backtest_period(chosen, source, p, seed, runs)) for p in periods]
    rows = [row for _, row in replayed if row is not None]
    unreadable = getattr(source, "unreadable", {})
    missing = [p.label for p, row in replayed if row is None and p.start not in unreadable]
    broken = [p.label for p, row in replayed if row is None and p.start in unreadable]
    if not rows and broken:
        raise InvalidValue(f"nothing to replay from git: {next(iter(unreadable.values()))}")
    if not rows:
        raise InvalidValue(f"no commit of the workspace before {periods[-1].start}: nothing to replay from git "
                           "(without git, the backtest rebuilds each start from the deals' stage histories)")
    # A period where nothing was at stake (no revenue forecast above 0 and none won; for the wins, none
    # forecast and none won) could not miss: it is shown with '-', but counting it inside (0 within
    # 0..0) would flatter the forecast.
    scored = [r for r in rows if r["open"] or r["wins_actual"]]
    at_stake = {"inside": lambda r: r["p90"] > 0 or r["actual"] > 0,
                "wins_inside": lambda r: r["wins_p90"] > 0 or r["wins_actual"] > 0}
    for row in rows:
        for key, staked in at_stake.items():
            if not staked(row):
                row[key] = "-"
    count = len(scored)
    staked_rows = {key: [r for r in rows if r[key] != "-"] for key in at_stake}
    inside = sum(1 for r in staked_rows["inside"] if r["inside"] == "yes")
    wins_inside = sum(1 for r in staked_rows["wins_inside"] if r["wins_inside"] == "yes")

    def share(n: int, key: str) -> Decimal | None:
        total = len(staked_rows[key])
        return (Decimal(100) * n / total).quantize(Decimal("0.1")) if total else None
    mae = lambda key: (sum((abs(r[key] - r["actual"]) for r in scored), Decimal(0)) / count  # noqa: E731
                       ).quantize(Decimal("0.01")) if count else None
    noun = f"{grain}s"
    thin = [r["when"] for r in rows if r["fallback"]]
    figures = [Figure("periods", f"{noun.capitalize()} replayed", len(rows), comparable=False),
               Figure("scored", f"{noun.capitalize()} with deals open or won", count, comparable=False),
               Figure("thin", f"{noun.capitalize()} on stage probabilities", len(thin), comparable=False),
               Figure("staked", f"{noun.capitalize()} with revenue at stake", len(staked_rows["inside"]),
                      comparable=False),
               Figure("inside_share", "Actual inside P10..P90", share(inside, "inside"), "percent", comparable=False),
               Figure("wins_inside_share", "Wins inside their P10..P90", share(wins_inside, "wins_inside"),
                      "percent", comparable=False),
               Figure("mae_p50", "Mean absolute error of P50", mae("p50"), "money", comparable=False),
               Figure("mae_weighted", "Mean absolute error of the weighted sum", mae("weighted"), "money",
                      comparable=False),
               Figure("runs", "Runs", runs, comparable=False),
               Figure("seed", "Seed", seed, "number", comparable=False)]
    notes = [source.note, "Learned: the closed deals known at the start", "Inside: '-' where nothing was at "
             "stake; honest ranges have about 8 periods in 10 inside"]
    if thin:
        notes.append(f"'few': a pipeline with open deals had fewer than {MIN_CLOSED} closed deals, so its stage "
                     f"probabilities were used, in {_spans(thin, [p.label for p in periods])}")
    if missing:
        notes.append(f"not in git yet, left out: {_spans(missing, [p.label for p in periods])}")
    if broken:
        notes.append(f"{CONFIG_FILE} did not parse then, left out: {_spans(broken, [p.label for p in periods])} "
                     f"({'; '.join(dict.fromkeys(unreadable.values()))})")
    money = lambda key, label: Column(key, label, "money")  # noqa: E731
    table = Table("backtest", f"Each {grain} forecast at its start, against what was won",
                  [Column("when", grain.capitalize()), money("p10", "P10"), money("p50", "P50"), money("p90", "P90"),
                   Column("actual", "Actual", "money", essential=True), Column("inside", "Inside", essential=True), money("weighted", "Weighted"),
                   Column("learned", "Learned")], rows, note="; ".join(notes),
                  details=[Column("open", "Open at the start", "count"), Column("closed", "Closed by the start", "count"),
                           Column("fallback", "Pipelines on stage probabilities"),
                           *win_columns(),
                           Column("wins_actual", "Wins", "count"), Column("wins_inside", "Wins inside")])
    return Report("forecast_backtest", "Forecast with ranges: backtest",
                  Period(periods[0].start, periods[-1].end, "range", f"{periods[0].label}..{periods[-1].label}"),
                  figures, [table], [Chart("backtest_fan", f"Each {grain}: the forecast and what was won", "backtest",
                                           "when", ["p10", "p50", "p90", "actual"], kind="fan")])


def _spans(labels: list[str], order: list[str]) -> str:
    """labels as runs of consecutive periods of order: '2025-12..2026-03, 2026-06'."""
    runs: list[list[str]] = []
    for label in labels:
        if runs and order.index(label) == order.index(runs[-1][-1]) + 1:
            runs[-1].append(label)
        else:
            runs.append([label])
    return ", ".join(run[0] if len(run) == 1 else f"{run[0]}..{run[-1]}" for run in runs)
