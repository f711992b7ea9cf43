"""Every report figure on Maven's real CRM data, against a computation of its own from the CSV.

Nothing here asks pipe how to count: the expected figures come from sales_pipeline.csv with the plain rules a
reader of the data set would apply (a deal is won or lost on its close_date, it was Engaging from its
engage_date, its value is its close_value), computed exactly (fractions, not floats), and compared with what
`pipe report --format json` says, to the last digit. The periods include a past month, so the open pipeline by
stage is what the stage histories say it was then.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import statistics
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

import pytest
import yaml

from pipecli.cli.main import cli
from tests.conftest import DATASETS, TODAY, requires_shared_datasets
from tests.test_import import EXAMPLES, isolated_runner

MAVEN = DATASETS / "maven-crm"
D = dt.date.fromisoformat
PERIODS = {"2017": (D("2017-01-01"), D("2017-12-31")), "2017-06": (D("2017-06-01"), D("2017-06-30")),
           "2017-Q3": (D("2017-07-01"), D("2017-09-30"))}
STAGE_OF = {"Prospecting": "lead", "Engaging": "contacted", "Won": "won", "Lost": "lost"}

pytestmark = requires_shared_datasets


@pytest.fixture(scope="module")
def maven(tmp_path_factory):
    """Maven's pipeline imported with examples/maven-crm.rules.yaml, and the json of every report per period."""
    tmp = tmp_path_factory.mktemp("maven-figures")
    runner = isolated_runner(tmp)
    root = tmp / "ws"
    assert runner.invoke(cli, ["init", str(root)]).exit_code == 0
    config = root / "pipelines.yaml"
    config.write_text(re.sub(r"^currency: EUR", "currency: USD", config.read_text(encoding="utf-8"), count=1,
                             flags=re.M), encoding="utf-8")
    imported = runner.invoke(cli, ["-C", str(root), "import", str(MAVEN / "sales_pipeline.csv"), "--rules",
                                   str(EXAMPLES / "maven-crm.rules.yaml"), "--add-owners"])
    assert imported.exit_code == 0, imported.output
    reports = {}
    for period in PERIODS:
        result = runner.invoke(cli, ["-C", str(root), "report", "--period", period, "--format", "json"])
        assert result.exit_code == 0, result.output
        reports[period] = json.loads(result.stdout, parse_float=Decimal)["reports"]
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    probability = {stage["id"]: Fraction(stage.get("probability", 0), 100)
                   for pipeline in settings["pipelines"] for stage in pipeline["stages"]}
    team = {member["name"]: member["id"] for member in settings["team"]}
    with (MAVEN / "sales_pipeline.csv").open(newline="", encoding="utf-8") as file:
        rows = [Deal(row) for row in csv.DictReader(file)]
    return SimpleNamespace(reports=reports, rows=rows, probability=probability, team=team)


class Deal:
    """One row of sales_pipeline.csv as the data set means it."""

    def __init__(self, row: dict):
        self.stage = STAGE_OF[row["deal_stage"]]
        self.engaged = D(row["engage_date"]) if row["engage_date"] else None
        self.created = self.engaged or D(TODAY)  # a Prospecting row has no date: the import gives it today's
        self.closed = D(row["close_date"]) if row["close_date"] else None
        self.value = int(row["close_value"]) if row["close_value"] else 0
        self.agent, self.account = row["sales_agent"], row["account"]

    def closed_in(self, start: dt.date, end: dt.date, outcome: str) -> bool:
        return self.stage == outcome and start <= self.closed <= end

    def stage_on(self, day: dt.date) -> str | None:
        """The open stage the deal was in at the end of day, None when not yet created or already closed."""
        if self.created > day or (self.closed and self.closed <= day):
            return None
        return "contacted" if self.engaged and self.engaged <= day else "lead"


def exact(value) -> Fraction:
    """A figure from the json (read with parse_float=Decimal, so every digit counts) as an exact number."""
    return Fraction(value)


def ratio(figure) -> Fraction:
    """A ratio from the json as a fraction of 1: machine output writes percents with every digit (docs/reports.md)."""
    return exact(figure) / 100


def assert_exact(got, expected: Fraction, what: str) -> None:
    """The json figure is the expected one to its last digit: a quotient is written with 28 significant digits."""
    assert got is not None, what
    assert abs(exact(got) - expected) <= abs(expected) * Fraction(1, 10**26), f"{what}: {got} != {float(expected)}"


def figures(report: dict) -> dict:
    return {key: figure["value"] for key, figure in report["figures"].items()}


@pytest.mark.parametrize("period", PERIODS)
def test_revenue_figures(maven, period):
    start, end = PERIODS[period]
    won = [d for d in maven.rows if d.closed_in(start, end, "won")]
    lost = [d for d in maven.rows if d.closed_in(start, end, "lost")]
    created = [d for d in maven.rows if start <= d.created <= end]
    cycles = [(d.closed - d.created).days for d in won]
    got = figures(maven.reports[period]["revenue"])
    assert got["revenue_won"] == sum(d.value for d in won)
    assert (got["deals_won"], got["deals_lost"]) == (len(won), len(lost))
    assert_exact(ratio(got["win_rate"]), Fraction(len(won), len(won) + len(lost)), "win rate")
    assert_exact(got["average_won_value"], Fraction(sum(d.value for d in won), len(won)), "average won deal")
    assert_exact(got["sales_cycle_mean_days"], Fraction(sum(cycles), len(cycles)), "mean cycle")
    assert_exact(got["sales_cycle_median_days"], Fraction(statistics.median(cycles)), "median cycle")
    assert got["deals_created"] == len(created)
    assert got["pipeline_generated"] == sum(d.value for d in created)


@pytest.mark.parametrize("period", PERIODS)
def test_open_pipeline_by_stage_at_the_period_end(maven, period):
    end = PERIODS[period][1]
    by_stage = defaultdict(lambda: {"deals": 0, "value": 0})
    for deal in maven.rows:
        stage = deal.stage_on(end)
        if stage:
            by_stage[stage]["deals"] += 1
            by_stage[stage]["value"] += deal.value
    report = maven.reports[period]["revenue"]
    rows = {row["stage"]: row for row in report["tables"]["pipeline_by_stage"]["rows"] if row["deals"]}
    assert {stage: (row["deals"], row["value"]) for stage, row in rows.items()} == {
        stage: (counts["deals"], counts["value"]) for stage, counts in by_stage.items()}
    for stage, row in rows.items():
        assert_exact(row["weighted"], by_stage[stage]["value"] * maven.probability[stage], f"weighted {stage}")
    got = figures(report)
    assert got["open_deals"] == sum(c["deals"] for c in by_stage.values())
    assert got["open_pipeline"] == sum(c["value"] for c in by_stage.values())
    assert_exact(got["weighted_pipeline"],
                 sum(c["value"] * maven.probability[s] for s, c in by_stage.items()), "weighted pipeline")


@pytest.mark.parametrize("period", PERIODS)
def test_calibration_counts_the_stages_each_closed_deal_passed(maven, period):
    # Every closed Maven deal was Engaging (contacted) before it closed: lost ones too. A won deal reached every
    # open stage (one it skipped counts as reached); a lost one only lead and contacted.
    start, end = PERIODS[period]
    closed = [d for d in maven.rows if d.closed_in(start, end, "won") or d.closed_in(start, end, "lost")]
    won = [d for d in closed if d.stage == "won"]
    reached = {"lead": closed, "contacted": [d for d in closed if d.engaged], "qualified": won, "proposal": won}
    report = maven.reports[period]["calibration"]
    assert figures(report)["closed_deals"] == len(closed)
    rows = {row["stage"]: row for row in report["tables"]["calibration_sales"]["rows"]}
    for stage, deals in reached.items():
        wins = sum(1 for d in deals if d.stage == "won")
        assert (rows[stage]["closed"], rows[stage]["won"]) == (len(deals), wins), stage
        assert_exact(ratio(rows[stage]["actual"]), Fraction(wins, len(deals)), f"{stage} observed win rate")


@pytest.mark.parametrize("period", PERIODS)
def test_team_figures_per_agent(maven, period):
    start, end = PERIODS[period]
    expected = defaultdict(lambda: {"won": 0, "lost": 0, "revenue": 0})
    for deal in maven.rows:
        if deal.closed and start <= deal.closed <= end:
            expected[maven.team[deal.agent]][deal.stage] += 1
            expected[maven.team[deal.agent]]["revenue"] += deal.value if deal.stage == "won" else 0
    rows = {row["owner"]: row for row in maven.reports[period]["team"]["tables"]["team"]["rows"]}
    for owner, counts in expected.items():
        got = rows[owner]
        assert (got["won"], got["lost"], got["revenue"]) == (counts["won"], counts["lost"], counts["revenue"]), owner
        assert_exact(ratio(got["win_rate"]), Fraction(counts["won"], counts["won"] + counts["lost"]), owner)
    assert all(row["won"] == row["lost"] == 0 for owner, row in rows.items() if owner not in expected)


@pytest.mark.parametrize("period", PERIODS)
def test_revenue_per_month_and_top_accounts(maven, period):
    start, end = PERIODS[period]
    won = [d for d in maven.rows if d.closed_in(start, end, "won")]
    per_month = defaultdict(lambda: [0, 0])  # every month: the table runs up to the period's end, from before it
    for deal in maven.rows:
        if deal.stage == "won":
            per_month[deal.closed.strftime("%Y-%m")][0] += 1
            per_month[deal.closed.strftime("%Y-%m")][1] += deal.value
    per_account = defaultdict(lambda: [0, 0])
    for deal in won:
        if deal.account:
            per_account[deal.account][0] += 1
            per_account[deal.account][1] += deal.value
    tables = maven.reports[period]["revenue"]["tables"]
    months = {row["month"]: [row["deals"], row["revenue"]] for row in tables["revenue_by_month"]["rows"]}
    assert max(months) == end.strftime("%Y-%m") and start.strftime("%Y-%m") in months
    assert months == {month: per_month.get(month, [0, 0]) for month in months}
    top = tables["top_accounts"]["rows"]
    ranked = sorted(per_account.items(), key=lambda item: -item[1][1])
    assert [row["revenue"] for row in top] == [v[1] for _, v in ranked[:len(top)]]
    assert all(per_account[row["account"]] == [row["deals"], row["revenue"]] for row in top)


@pytest.mark.parametrize("period", PERIODS)
def test_sources_and_lost_reasons(maven, period):
    start, end = PERIODS[period]
    won = [d for d in maven.rows if d.closed_in(start, end, "won")]
    lost = [d for d in maven.rows if d.closed_in(start, end, "lost")]
    created = [d for d in maven.rows if start <= d.created <= end]
    tables = maven.reports[period]["revenue"]["tables"]
    (source,) = tables["sources"]["rows"]
    assert (source["source"], source["created"], source["created_value"], source["won"], source["revenue"],
            source["lost"]) == ("maven-crm", len(created), sum(d.value for d in created), len(won),
                                sum(d.value for d in won), len(lost))
    assert_exact(ratio(source["win_rate"]), Fraction(len(won), len(won) + len(lost)), "source win rate")
    assert [(r["reason"], r["deals"], r["value"]) for r in tables["lost_reasons"]["rows"]] == [
        ("no decision", len(lost), 0)]
