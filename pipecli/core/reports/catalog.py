"""The reports by name, and building them for a period with its comparison."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from pipecli.core.errors import InvalidValue
from pipecli.core.model.config import Config
from pipecli.core.model.periods import Period
from pipecli.core.model.queries import Facts, to_base
from pipecli.core.reports import Report, compare
from pipecli.core.reports.calibration import calibration_report
from pipecli.core.reports.forecast import forecast_report
from pipecli.core.reports.funnel import funnel_report
from pipecli.core.reports.movement import movement_report
from pipecli.core.reports.revenue import revenue_report
from pipecli.core.reports.team import team_report

REPORTS: dict[str, Callable[[list[Facts], Config, Period, dt.date], Report]] = {
    "revenue": revenue_report,
    "funnel": funnel_report,
    "team": team_report,
    "forecast": forecast_report,
    "calibration": calibration_report,
    "movement": movement_report,
}
ALWAYS_COMPARED = {"movement"}  # movement is about the change from the period before


def report_names(names: tuple[str, ...]) -> list[str]:
    """The reports asked for (a unique prefix is enough), all of them when none is named."""
    if not names:
        return list(REPORTS)
    chosen = []
    for name in names:
        matches = [r for r in REPORTS if r == name] or [r for r in REPORTS if r.startswith(name.lower())]
        if len(matches) != 1:
            raise InvalidValue(f"unknown report '{name}' (reports: {', '.join(REPORTS)})")
        if matches[0] not in chosen:
            chosen.append(matches[0])
    return chosen


def _before(period: Period) -> Period | None:
    """The period before, or None at the start of the calendar (nothing to compare with)."""
    try:
        return period.previous()
    except InvalidValue:
        return None


def build(names: list[str], chosen: list[Facts], config: Config, period: Period, today: dt.date,
          compared_with: Period | None) -> list[Report]:
    """Each named report for the period, with the compared period's figures beside its own.

    Every deal's value is put in the base currency first: a currency without a rate stops the
    reports with an error naming the deal, never a total that silently left it out.
    """
    for f in chosen:
        to_base(f.deal, config)
    reports = []
    for name in names:
        report = REPORTS[name](chosen, config, period, today)
        against = compared_with or (_before(period) if name in ALWAYS_COMPARED else None)
        if against is not None:
            compare(report, REPORTS[name](chosen, config, against, today))
        reports.append(report)
    return reports


def build_ranges(chosen: list[Facts], config: Config, today: dt.date, seed: int | None, runs: int | None,
                 period: Period | None = None, backtest: str | None = None, source=None,
                 everyone: list[Facts] | None = None) -> list[Report]:
    """The forecast with ranges for period (else the coming months and quarters), or with backtest
    ('month' or 'quarter') its backtest over period (else the past year), read from source (a
    backtest.FromGit; else rebuilt from the stage histories). The chosen deals are forecast; the
    history is learned from everyone (all the workspace's deals; default: the chosen ones).

    A currency without a rate stops it before any simulation, as in build.
    """
    from pipecli.core.reports.forecastranges import DEFAULT_RUNS, DEFAULT_SEED, forecast_ranges_report

    seed, runs = DEFAULT_SEED if seed is None else seed, runs or DEFAULT_RUNS
    for f in chosen:
        to_base(f.deal, config)
    if backtest is None:
        return [forecast_ranges_report(chosen, config, period, today, seed, runs, everyone)]
    from pipecli.core.reports.backtest import backtest_report

    return [backtest_report(chosen, config, today, seed, runs, backtest, period, source, everyone)]
