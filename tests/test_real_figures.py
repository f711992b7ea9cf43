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
    root, reports = workspace_reports(tmp_path_factory, "maven-figures", "USD", [
        str(MAVEN / "sales_pipeline.csv"), "--rules", str(EXAMPLES / "maven-crm.rules.yaml"), "--add-owners"], PERIODS)
    settings = yaml.safe_load((root / "pipelines.yaml").read_text(encoding="utf-8"))
    probability = {stage["id"]: Fraction(stage.get("probability", 0), 100)
                   for pipeline in settings["pipelines"] for stage in pipeline["stages"]}
    team = {member["name"]: member["id"] for member in settings["team"]}
    with (MAVEN / "sales_pipeline.csv").open(newline="", encoding="utf-8") as file:
        rows = [Deal(row) for row in csv.DictReader(file)]
    return SimpleNamespace(reports=reports, rows=rows, probability=probability, team=team)


def workspace_reports(tmp_path_factory, name: str, currency: str, import_args: list[str], periods):
    """pipe init in the currency, import: the workspace's root, and the json of every report per period."""
    tmp = tmp_path_factory.mktemp(name)
    runner = isolated_runner(tmp)
    root = tmp / "ws"
    assert runner.invoke(cli, ["init", str(root)]).exit_code == 0
    config = root / "pipelines.yaml"
    config.write_text(re.sub(r"^currency: EUR", f"currency: {currency}", config.read_text(encoding="utf-8"),
                             count=1, flags=re.M), encoding="utf-8")
    imported = runner.invoke(cli, ["-C", str(root), "import", *import_args])
    assert imported.exit_code == 0, imported.output
    reports = {}
    for period in periods:
        result = runner.invoke(cli, ["-C", str(root), "report", "--period", period, "--format", "json"])
        assert result.exit_code == 0, result.output
        reports[period] = json.loads(result.stdout, parse_float=Decimal)["reports"]
    return root, reports


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


def of_the_period(rows: list[Deal], period: str) -> tuple[list[Deal], list[Deal], list[Deal]]:
    """The deals won, lost and created in the period."""
    start, end = PERIODS[period]
    return ([d for d in rows if d.closed_in(start, end, "won")], [d for d in rows if d.closed_in(start, end, "lost")],
            [d for d in rows if start <= d.created <= end])


@pytest.mark.parametrize("period", PERIODS)
def test_revenue_figures(maven, period):
    won, lost, created = of_the_period(maven.rows, period)
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
    won, lost, created = of_the_period(maven.rows, period)
    tables = maven.reports[period]["revenue"]["tables"]
    (source,) = tables["sources"]["rows"]
    assert (source["source"], source["created"], source["created_value"], source["won"], source["revenue"],
            source["lost"]) == ("maven-crm", len(created), sum(d.value for d in created), len(won),
                                sum(d.value for d in won), len(lost))
    assert_exact(ratio(source["win_rate"]), Fraction(len(won), len(won) + len(lost)), "source win rate")
    assert [(r["reason"], r["deals"], r["value"]) for r in tables["lost_reasons"]["rows"]] == [
        ("no decision", len(lost), 0)]


# -- Olist: 8,000 marketing-qualified leads, 842 of them won ---------------------------------------------------

OLIST = DATASETS / "olist-funnel"
OLIST_PERIODS = {"2018": (D("2018-01-01"), D("2018-12-31")), "2018-03": (D("2018-03-01"), D("2018-03-31")),
                 "2017-Q4": (D("2017-10-01"), D("2017-12-31"))}


@pytest.fixture(scope="module")
def olist(tmp_path_factory):
    _, reports = workspace_reports(tmp_path_factory, "olist-figures", "BRL", [
        str(OLIST / "olist_marketing_qualified_leads_dataset.csv"), "--rules",
        str(EXAMPLES / "olist-funnel.rules.yaml")], OLIST_PERIODS)
    with (OLIST / "olist_closed_deals_dataset.csv").open(newline="", encoding="utf-8") as file:
        won = {row["mql_id"]: row for row in csv.DictReader(file)}
    leads = []
    with (OLIST / "olist_marketing_qualified_leads_dataset.csv").open(newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            created = D(row["first_contact_date"])
            deal = won.get(row["mql_id"])
            # one deal is won before its first contact: pipe closes it the day it was created, as documented
            closed = max(D(deal["won_date"][:10]), created) if deal else None
            value = Decimal(deal["declared_monthly_revenue"]) if deal else Decimal(0)
            leads.append(SimpleNamespace(created=created, closed=closed, value=value, source=row["origin"] or None))
    return SimpleNamespace(reports=reports, leads=leads)


@pytest.mark.parametrize("period", OLIST_PERIODS)
def test_olist_revenue_sources_and_open_leads(olist, period):
    start, end = OLIST_PERIODS[period]
    won = [lead for lead in olist.leads if lead.closed and start <= lead.closed <= end]
    created = [lead for lead in olist.leads if start <= lead.created <= end]
    open_at_end = [lead for lead in olist.leads if lead.created <= end and not (lead.closed and lead.closed <= end)]
    report = olist.reports[period]["revenue"]
    got = figures(report)
    assert (got["deals_won"], got["deals_lost"], got["deals_created"]) == (len(won), 0, len(created))
    assert_exact(got["revenue_won"], Fraction(sum(lead.value for lead in won)), "revenue won")
    if won:
        assert_exact(ratio(got["win_rate"]), Fraction(1), "win rate")  # every closed Olist deal is a win
        cycles = [(lead.closed - lead.created).days for lead in won]
        assert_exact(got["sales_cycle_mean_days"], Fraction(sum(cycles), len(cycles)), "mean cycle")
        assert_exact(got["sales_cycle_median_days"], Fraction(statistics.median(cycles)), "median cycle")
    assert got["open_deals"] == len(open_at_end)
    rows = {row["stage"]: row["deals"] for row in report["tables"]["pipeline_by_stage"]["rows"] if row["deals"]}
    assert rows == ({"lead": len(open_at_end)} if open_at_end else {})
    sources = defaultdict(lambda: [0, 0, Decimal(0)])
    for lead in created:
        sources[lead.source][0] += 1
    for lead in won:
        sources[lead.source][1] += 1
        sources[lead.source][2] += lead.value
    table = report["tables"]["sources"]["rows"]
    # pipe names the leads without an origin "(none)": the one label that is not a source of the data
    got_sources = {row["source"]: [row["created"], row["won"], exact(row["revenue"])] for row in table}
    assert got_sources == {(source or "(none)"): [c, w, Fraction(r)] for source, (c, w, r) in sources.items()}


# -- Salesforce: a developer org's 31 demo opportunities --------------------------------------------------------

SALESFORCE = DATASETS / "salesforce-demo"
SALESFORCE_PERIODS = {"2018": (D("2018-01-01"), D("2018-12-31")), "2018-08": (D("2018-08-01"), D("2018-08-31"))}


@pytest.fixture(scope="module")
def salesforce(tmp_path_factory):
    _, reports = workspace_reports(tmp_path_factory, "salesforce-figures", "USD", [
        str(SALESFORCE / "Opportunity.csv"), "--preset", "salesforce", "--add-owners"], SALESFORCE_PERIODS)
    with (SALESFORCE / "Opportunity.csv").open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    return SimpleNamespace(reports=reports, rows=rows)


@pytest.mark.parametrize("period", SALESFORCE_PERIODS)
def test_salesforce_won_revenue_and_open_deals(salesforce, period):
    # CreatedDate is when the records were loaded (2018-10-13): a CloseDate before it is when the deal
    # closed, or is expected to (docs/import.md, move_created), so a deal exists from the earlier of the two.
    start, end = SALESFORCE_PERIODS[period]
    won = [row for row in salesforce.rows if row["IsWon"] == "1" and start <= D(row["CloseDate"][:10]) <= end]
    began = {row["Id"]: min(D(row["CreatedDate"][:10]), D(row["CloseDate"][:10])) for row in salesforce.rows}
    open_at_end = [row for row in salesforce.rows if began[row["Id"]] <= end
                   and not (row["IsClosed"] == "1" and D(row["CloseDate"][:10]) <= end)]
    got = figures(salesforce.reports[period]["revenue"])
    assert (got["deals_won"], got["revenue_won"]) == (len(won), sum(int(row["Amount"]) for row in won))
    assert got["open_deals"] == len(open_at_end)
    assert got["open_pipeline"] == sum(int(row["Amount"]) for row in open_at_end)
    forecast = figures(salesforce.reports[period]["forecast"])
    # every open opportunity is past its CloseDate on TODAY: the forecast lists them all as overdue
    assert forecast["overdue_close_dates"] == sum(1 for row in salesforce.rows if row["IsClosed"] == "0")
