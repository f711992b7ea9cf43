"""`pipe report`: every figure of every report, worked out by hand on the workspace tests/data/reports.

Today is 2026-11-27 (conftest). The workspace (money in EUR; 1 USD = 0.9 EUR):

    deal            pipeline owner value (EUR)       source   created     now
    acme-platform   sales    ana   12,000            inbound  2026-06-10  won 08-09 (lead 06-10, qualified 06-20,
                                                                          proposal 07-15)
    beta-analytics  sales    ben   5,000 USD = 4,500 referral 2026-07-01  won 09-30 (lead 07-01, proposal 07-20:
                                                                          skipped qualified)
    cobalt-renewal  sales    ana   8,000             inbound  2026-05-04  lost 09-15, price (qualified 05-20,
                                                                          proposal 07-10)
    delta-pilot     sales    ben   3,000             event    2026-07-05  lost 08-20, stale (dropped)
    echo-expansion  sales    ana   20,000 (Acme)     referral 2026-03-02  won 05-29 (qualified 03-16, proposal 04-01)
    fable-crm       sales    cai   10,000 USD = 9,000 inbound 2026-08-03  qualified (qualified 08-17, proposal 09-07,
                                                                          back to qualified 09-21); no close date
    gamma-suite     sales    ana   15,000            event    2026-10-01  proposal (qualified 10-15, proposal 11-02);
                                                                          close 2027-02-15, pushed back twice
    helix-audit     sales    ben   4,000, prob. 25   inbound  2026-10-20  lead; close 2026-11-20 (overdue; pulled in)
    iris-migration  sales    cai   6,000             referral 2026-04-15  fridge 08-05 (qualified 05-10)
    jade-support    sales    cai   7,000             inbound  2026-10-02  won 11-10 (qualified 10-09, proposal 10-20)
    kilo-2025       sales    ben   9,000             event    2025-10-01  lost 2025-12-10, competitor
    lumen-partner   partners ben   2,000 USD = 1,800 referral 2026-06-25  signed 09-04 (pilot 07-06)
    mesa-partner    partners cai   2,500             event    2026-07-14  declined 09-25, stale (dropped)
    nova-partner    partners ana   10,000            inbound  2026-08-12  pilot since 09-14; close 2026-12-31

Probabilities: lead 10, qualified 30, proposal 60, intro 20, pilot 50 (helix overrides with 25).
ana has a quarterly quota of 30,000 (10,000 a month, 120,000 a year).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from fractions import Fraction
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "reports"


# -- helpers -----------------------------------------------------------------------------------

@pytest.fixture
def pipe(run):
    """pipe(*args) -> click Result of `pipe -C tests/data/reports ARGS`."""
    return lambda *args: run(DATA, *args)


@pytest.fixture
def report(pipe):
    """report(NAME, PERIOD, *more) -> that report's json data."""

    def get(name: str, period: str, *more: str) -> dict:
        result = pipe("report", name, "--period", period, *more, "--format", "json")
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)["reports"][name]

    return get


def percent(part, whole, minus=0) -> float:
    """part / whole in percent, less minus points, as json carries it: unrounded, so read back it is
    the float nearest the exact value."""
    return float(Fraction(100 * part, whole) - minus)


def exactly(number) -> float:
    """The float nearest an exact value (a Fraction, or a decimal given as text)."""
    return float(Fraction(number))


def values(data: dict) -> dict:
    return {key: figure["value"] for key, figure in data["figures"].items()}


def rows(data: dict, table: str) -> list[dict]:
    """A table's rows, column by column (a chart's label, also in the rows, left out)."""
    columns = [c["key"] for c in data["tables"][table]["columns"]]
    return [{k: row[k] for k in columns if k in row} for row in data["tables"][table]["rows"]]


def by(data: dict, table: str, key: str) -> dict:
    """A table's rows by the value of one column."""
    return {row[key]: row for row in rows(data, table)}


def comparison(data: dict, key: str) -> tuple:
    figure = data["figures"][key]
    return figure["value"], figure["previous"], figure["change"], figure["change_pct"]


def assert_refused(result, *words: str) -> str:
    """exit 1 and exactly one `pipe: ` line on stderr, nothing on stdout."""
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pipe: "), result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    for word in words:
        assert word in result.stderr, (word, result.stderr)
    return result.stderr


def test_the_workspace_is_valid(pipe):
    result = pipe("check")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert "14 deals, no problems" in result.stderr


# -- revenue -----------------------------------------------------------------------------------

def test_revenue_headline_figures_for_a_quarter(report):
    data = report("revenue", "2026-Q3")
    assert data["period"] == {"label": "2026-Q3", "start": "2026-07-01", "end": "2026-09-30"}
    assert data["compared_with"] is None
    assert values(data) == {
        # won in Q3: acme 12,000 EUR (08-09) + beta 5,000 USD x 0.9 = 4,500 (09-30) + lumen 2,000 USD x 0.9 = 1,800 (09-04)
        # -> 18,300 (echo was won in Q2, jade in Q4)
        "revenue_won": 18300,
        "deals_won": 3,
        # lost in Q3: cobalt (09-15), delta (08-20), mesa (09-25); kilo was lost in 2025
        "deals_lost": 3,
        # 3 won / (3 won + 3 lost) = 50%
        "win_rate": 50,
        # 18,300 / 3 = 6,100
        "average_won_value": 6100,
        # created -> won: acme 06-10 -> 08-09 = 20 + 31 + 9 = 60 days; beta 07-01 -> 09-30 = 30 + 31 + 30 = 91;
        # lumen 06-25 -> 09-04 = 5 + 31 + 31 + 4 = 71. Mean (60 + 91 + 71) / 3 = 222 / 3 = 74; median of 60, 71, 91 = 71
        "sales_cycle_mean_days": 74,
        "sales_cycle_median_days": 71,
        # created in Q3: beta 4,500 + delta 3,000 + fable 10,000 USD x 0.9 = 9,000 + mesa 2,500 + nova 10,000
        # -> 5 deals, 29,000
        "deals_created": 5,
        "pipeline_generated": 29000,
        # open on 2026-09-30 (by the stage history): fable (qualified since 09-21) 9,000 and nova (pilot since 09-14)
        # 10,000; acme/beta/lumen won, cobalt/delta/mesa lost, iris parked on 08-05, gamma/helix/jade not created yet
        "open_deals": 2,
        "open_pipeline": 19000,
        # fable 9,000 x 30% = 2,700 + nova 10,000 x 50% = 5,000 -> 7,700
        "weighted_pipeline": 7700,
    }


def test_revenue_open_pipeline_by_stage_at_the_end_of_the_quarter(report):
    data = report("revenue", "2026-Q3")
    assert data["tables"]["pipeline_by_stage"]["title"] == "Open pipeline by stage on 2026-09-30"
    assert rows(data, "pipeline_by_stage") == [
        # only the open stages, in board order
        {"pipeline": "sales", "stage": "lead", "deals": 0, "value": 0, "weighted": 0},
        # fable: 10,000 USD x 0.9 = 9,000, x 30% = 2,700
        {"pipeline": "sales", "stage": "qualified", "deals": 1, "value": 9000, "weighted": 2700},
        # fable left proposal on 09-21 (moved back)
        {"pipeline": "sales", "stage": "proposal", "deals": 0, "value": 0, "weighted": 0},
        {"pipeline": "partners", "stage": "intro", "deals": 0, "value": 0, "weighted": 0},
        # nova 10,000 x 50% = 5,000
        {"pipeline": "partners", "stage": "pilot", "deals": 1, "value": 10000, "weighted": 5000},
    ]


def test_revenue_open_pipeline_today_uses_the_deals_own_probability(report):
    data = report("revenue", "2026")
    figures = values(data)
    # open today: fable 9,000 (qualified), gamma 15,000 (proposal), helix 4,000 (lead), nova 10,000 (pilot)
    # -> 4 deals, 9,000 + 15,000 + 4,000 + 10,000 = 38,000
    assert figures["open_deals"] == 4
    assert figures["open_pipeline"] == 38000
    # 9,000 x 30% = 2,700 + 15,000 x 60% = 9,000 + helix 4,000 x its own 25% = 1,000 (not lead's 10%)
    # + 10,000 x 50% = 5,000 -> 17,700
    assert figures["weighted_pipeline"] == 17700
    assert data["tables"]["pipeline_by_stage"]["title"] == "Open pipeline by stage on 2026-11-27"  # today, not 12-31
    assert rows(data, "pipeline_by_stage") == [
        {"pipeline": "sales", "stage": "lead", "deals": 1, "value": 4000, "weighted": 1000},
        {"pipeline": "sales", "stage": "qualified", "deals": 1, "value": 9000, "weighted": 2700},
        {"pipeline": "sales", "stage": "proposal", "deals": 1, "value": 15000, "weighted": 9000},
        {"pipeline": "partners", "stage": "intro", "deals": 0, "value": 0, "weighted": 0},
        {"pipeline": "partners", "stage": "pilot", "deals": 1, "value": 10000, "weighted": 5000},
    ]


def test_revenue_weighted_pipeline_at_a_past_period_end_weighs_by_the_stage_then(report):
    """At the end of 2026-Q2 acme, cobalt and iris were in qualified (30%), lumen in intro (20%).
    Weighing them by the stage they are in today (acme won = 100%, cobalt lost = 0%, iris parked = 0%,
    lumen signed = 100%) would put hindsight into a snapshot of 30 June."""
    data = report("revenue", "2026-Q2")
    figures = values(data)
    # open on 2026-06-30: acme 12,000 + cobalt 8,000 + iris 6,000 (all qualified) + lumen 1,800 (intro) -> 4, 27,800
    assert (figures["open_deals"], figures["open_pipeline"]) == (4, 27800)
    stages = {r["stage"]: (r["deals"], r["value"], r["weighted"]) for r in rows(data, "pipeline_by_stage")}
    assert stages == {
        "lead": (0, 0, 0),
        # 12,000 + 8,000 + 6,000 = 26,000; x 30% = 7,800
        "qualified": (3, 26000, 7800),
        "proposal": (0, 0, 0),
        # lumen 1,800 x 20% = 360
        "intro": (1, 1800, 360),
        "pilot": (0, 0, 0),
    }
    # 7,800 + 360 = 8,160
    assert figures["weighted_pipeline"] == 8160


def test_revenue_top_accounts_sum_the_deals_of_an_account(report):
    # Q3: acme 12,000; beta 4,500; lumen 1,800
    assert rows(report("revenue", "2026-Q3"), "top_accounts") == [
        {"account": "Acme", "deals": 1, "revenue": 12000},
        {"account": "Beta Corp", "deals": 1, "revenue": 4500},
        {"account": "Lumen", "deals": 1, "revenue": 1800},
    ]
    # 2026: Acme = acme 12,000 + echo 20,000 = 32,000 (2 deals); Jade 7,000; Beta Corp 4,500; Lumen 1,800
    assert rows(report("revenue", "2026"), "top_accounts") == [
        {"account": "Acme", "deals": 2, "revenue": 32000},
        {"account": "Jade", "deals": 1, "revenue": 7000},
        {"account": "Beta Corp", "deals": 1, "revenue": 4500},
        {"account": "Lumen", "deals": 1, "revenue": 1800},
    ]


def test_revenue_lead_sources(report):
    data = report("revenue", "2026-Q3")
    assert rows(data, "sources") == [
        # created in Q3 from events: delta 3,000 + mesa 2,500 = 5,500; both lost in Q3 -> 0 / 2 = 0%
        {"source": "event", "created": 2, "created_value": 5500, "won": 0, "revenue": 0, "lost": 2, "win_rate": 0},
        # created: fable 9,000 + nova 10,000 = 19,000; won acme 12,000; lost cobalt -> 1 / 2 = 50%
        {"source": "inbound", "created": 2, "created_value": 19000, "won": 1, "revenue": 12000, "lost": 1,
         "win_rate": 50},
        # created: beta 4,500; won beta 4,500 + lumen 1,800 = 6,300 -> 2 / 2 = 100%
        {"source": "referral", "created": 1, "created_value": 4500, "won": 2, "revenue": 6300, "lost": 0,
         "win_rate": 100},
    ]
    data = report("revenue", "2026")
    assert rows(data, "sources") == [
        # event: delta 3,000 + gamma 15,000 + mesa 2,500 = 20,500; lost delta, mesa -> 0%
        {"source": "event", "created": 3, "created_value": 20500, "won": 0, "revenue": 0, "lost": 2, "win_rate": 0},
        # inbound: acme 12,000 + cobalt 8,000 + fable 9,000 + helix 4,000 + jade 7,000 + nova 10,000 = 50,000;
        # won acme 12,000 + jade 7,000 = 19,000; lost cobalt -> 2 / 3 = 66.7%
        {"source": "inbound", "created": 6, "created_value": 50000, "won": 2, "revenue": 19000, "lost": 1,
         "win_rate": percent(2, 3)},
        # referral: beta 4,500 + echo 20,000 + iris 6,000 + lumen 1,800 = 32,300; won beta, echo, lumen = 26,300
        {"source": "referral", "created": 4, "created_value": 32300, "won": 3, "revenue": 26300, "lost": 0,
         "win_rate": 100},
    ]


def test_revenue_lost_reasons_by_count_then_value(report):
    # Q3: stale = delta 3,000 + mesa 2,500 = 5,500 (2 deals) before price = cobalt 8,000 (1 deal)
    assert rows(report("revenue", "2026-Q3"), "lost_reasons") == [
        {"reason": "stale", "deals": 2, "value": 5500},
        {"reason": "price", "deals": 1, "value": 8000},
    ]
    # 2025: kilo 9,000, competitor
    assert rows(report("revenue", "2025"), "lost_reasons") == [{"reason": "competitor", "deals": 1, "value": 9000}]


def test_revenue_by_month_covers_the_twelve_months_to_the_period_end(report):
    months = rows(report("revenue", "2026-Q3"), "revenue_by_month")
    assert [m["month"] for m in months] == ["2025-10", "2025-11", "2025-12"] + [f"2026-{m:02d}" for m in range(1, 10)]
    won = {m["month"]: (m["deals"], m["revenue"]) for m in months if m["deals"]}
    # May: echo 20,000; August: acme 12,000; September: beta 4,500 + lumen 1,800 = 6,300
    assert won == {"2026-05": (1, 20000), "2026-08": (1, 12000), "2026-09": (2, 6300)}


def test_revenue_for_the_whole_year(report):
    assert values(report("revenue", "2026")) == {
        # acme 12,000 + beta 4,500 + echo 20,000 + jade 7,000 + lumen 1,800 = 45,300
        "revenue_won": 45300,
        "deals_won": 5,
        # cobalt, delta, mesa
        "deals_lost": 3,
        # 5 / 8 = 62.5%
        "win_rate": 62.5,
        # 45,300 / 5 = 9,060
        "average_won_value": 9060,
        # cycles: jade 10-02 -> 11-10 = 29 + 10 = 39, acme 60, lumen 71, echo 03-02 -> 05-29 = 29 + 30 + 29 = 88,
        # beta 91 -> mean 349 / 5 = 69.8, median 71
        "sales_cycle_mean_days": 69.8,
        "sales_cycle_median_days": 71,
        # every deal but kilo: 12,000 + 4,500 + 8,000 + 3,000 + 20,000 + 9,000 + 15,000 + 4,000 + 6,000 + 7,000
        # + 1,800 + 2,500 + 10,000 = 102,800
        "deals_created": 13,
        "pipeline_generated": 102800,
        "open_deals": 4,
        "open_pipeline": 38000,
        "weighted_pipeline": 17700,
    }


def test_revenue_compared_with_the_previous_quarter(report):
    data = report("revenue", "2026-Q3", "--compare")
    assert data["compared_with"] == {"label": "2026-Q2", "start": "2026-04-01", "end": "2026-06-30"}
    # Q2: won echo 20,000 (cycle 88 days), lost none; created acme 12,000, cobalt 8,000, iris 6,000, lumen 1,800
    # 18,300 - 20,000 = -1,700; -1,700 / 20,000 = -8.5%
    assert comparison(data, "revenue_won") == (18300, 20000, -1700, -8.5)
    # 3 - 1 = +2; 2 / 1 = +200%
    assert comparison(data, "deals_won") == (3, 1, 2, 200)
    # 3 - 0 = +3; no percentage of zero
    assert comparison(data, "deals_lost") == (3, 0, 3, None)
    # 50% - 100% = -50 points
    # a rate changes in points: -50 points, and no percent-of-a-percent
    assert comparison(data, "win_rate") == (50, 100, -50, None)
    # 6,100 - 20,000 = -13,900; -13,900 / 20,000 = -69.5%
    assert comparison(data, "average_won_value") == (6100, 20000, -13900, -69.5)
    # 74 - 88 = -14; -14 / 88 = -15.909...%
    assert comparison(data, "sales_cycle_mean_days") == (74, 88, -14, percent(-14, 88))
    # 71 - 88 = -17; -17 / 88 = -19.318...%
    assert comparison(data, "sales_cycle_median_days") == (71, 88, -17, percent(-17, 88))
    # 5 - 4 = +1; +25%
    assert comparison(data, "deals_created") == (5, 4, 1, 25)
    # 29,000 - (12,000 + 8,000 + 6,000 + 1,800 = 27,800) = +1,200; 1,200 / 27,800 = 4.3165...%
    assert comparison(data, "pipeline_generated") == (29000, 27800, 1200, percent(1200, 27800))
    # open on 06-30: acme, cobalt, iris, lumen -> 4; 2 - 4 = -2, -50%
    assert comparison(data, "open_deals") == (2, 4, -2, -50)
    # 19,000 - 27,800 = -8,800; -8,800 / 27,800 = -31.65...%
    assert comparison(data, "open_pipeline") == (19000, 27800, -8800, percent(-8800, 27800))


def test_revenue_compared_weighted_pipeline(report):
    data = report("revenue", "2026-Q3", "--compare")
    # Q2 end: 26,000 x 30% + 1,800 x 20% = 8,160 (see the past-period test above);
    # 7,700 - 8,160 = -460; -460 / 8,160 = -5.637...%
    assert comparison(data, "weighted_pipeline") == (7700, 8160, -460, percent(-460, 8160))


def test_revenue_compared_with_a_period_given(report):
    # --compare 2025-Q3: nothing happened then (kilo was created in Q4 2025)
    data = report("revenue", "2026-Q3", "--compare", "2025-Q3")
    assert data["compared_with"] == {"label": "2025-Q3", "start": "2025-07-01", "end": "2025-09-30"}
    assert comparison(data, "revenue_won") == (18300, 0, 18300, None)
    # no closed deal in 2025-Q3: no win rate, so no change either
    assert comparison(data, "win_rate") == (50, None, None, None)
    assert comparison(data, "average_won_value") == (6100, None, None, None)
    assert comparison(data, "deals_created") == (5, 0, 5, None)


def test_revenue_compared_year_on_year(report):
    data = report("revenue", "2026", "--compare")
    assert data["compared_with"]["label"] == "2025"
    # 2025: kilo created (9,000) and lost; nothing won; nothing open on 2025-12-31
    assert comparison(data, "revenue_won") == (45300, 0, 45300, None)
    assert comparison(data, "deals_lost") == (3, 1, 2, 200)
    # 62.5% - 0% = +62.5 points; no percentage of zero
    assert comparison(data, "win_rate") == (62.5, 0, 62.5, None)
    # 13 - 1 = 12, 12 / 1 = +1200%
    assert comparison(data, "deals_created") == (13, 1, 12, 1200)
    # 102,800 - 9,000 = 93,800; 93,800 / 9,000 = 1042.2%
    assert comparison(data, "pipeline_generated") == (102800, 9000, 93800, percent(93800, 9000))
    assert comparison(data, "open_pipeline") == (38000, 0, 38000, None)


# -- funnel ------------------------------------------------------------------------------------

def test_funnel_reached_counts_a_skipped_stage_as_passed(report):
    data = report("funnel", "2026-Q3")
    sales = by(data, "funnel_sales", "stage")
    assert list(sales) == ["lead", "qualified", "proposal", "won"]
    # reached lead in Q3: beta 07-01, delta 07-05, fable 08-03 -> 3
    assert sales["lead"]["reached"] == 3
    # qualified in Q3: beta on 07-20 (skipped it: passed when it reached proposal), fable 08-17 -> 2
    assert sales["qualified"]["reached"] == 2
    # proposal in Q3: cobalt 07-10, acme 07-15, beta 07-20, fable 09-07 -> 4
    assert sales["proposal"]["reached"] == 4
    # won in Q3: acme 08-09, beta 09-30 -> 2
    assert sales["won"]["reached"] == 2
    partners = by(data, "funnel_partners", "stage")
    # intro: mesa 07-14, nova 08-12 (lumen 06-25 is Q2); pilot: lumen 07-06, nova 09-14; signed: lumen 09-04
    assert [(s, r["reached"]) for s, r in partners.items()] == [("intro", 2), ("pilot", 2), ("signed", 1)]


def test_funnel_reached_for_the_year(report):
    data = report("funnel", "2026")
    sales = by(data, "funnel_sales", "stage")
    # lead: every sales deal but kilo (2025) = 10; qualified: all but delta, helix (lead only) and kilo = 8;
    # proposal: those 8 but iris = 7; won: acme, beta, echo, jade = 4
    assert [sales[s]["reached"] for s in sales] == [10, 8, 7, 4]
    # 8 / 10 = 80%; 7 / 8 = 87.5%; 4 / 7 = 57.14...%
    assert [sales[s]["to_next"] for s in sales] == [80, 87.5, percent(4, 7), None]
    # 4 / 10 = 40%; 4 / 8 = 50%; 4 / 7 = 57.14...%
    assert [sales[s]["to_won"] for s in sales] == [40, 50, percent(4, 7), None]
    partners = by(data, "funnel_partners", "stage")
    # intro: lumen, mesa, nova = 3; pilot: lumen, nova = 2; signed: lumen = 1
    assert [partners[s]["reached"] for s in partners] == [3, 2, 1]
    assert [partners[s]["to_next"] for s in partners] == [percent(2, 3), 50, None]
    assert [partners[s]["to_won"] for s in partners] == [percent(1, 3), 50, None]
    assert values(data) == {"sales_entered": 10, "sales_won": 4, "sales_conversion": 40,
                            "partners_entered": 3, "partners_won": 1, "partners_conversion": percent(1, 3)}


def test_funnel_conversion_follows_the_deals_that_reached_the_stage(report):
    """Conversion from a stage = of the deals that reached it in the period, the share that went on
    to the next stage (to won). In 2026-Q3 none of the deals below moved again after 30 September,
    so 'went on within the period' and 'went on since' give the same answer."""
    data = report("funnel", "2026-Q3")
    sales = {r["stage"]: (r["to_next"], r["to_won"]) for r in rows(data, "funnel_sales")}
    assert sales == {
        # lead in Q3: beta, delta, fable. On to qualified: beta (skipped it, 07-20), fable (08-17) -> 2 / 3;
        # won of them: beta only -> 1 / 3 (acme, won in Q3, reached lead in June: not one of them)
        "lead": (percent(2, 3), percent(1, 3)),
        # qualified in Q3: beta, fable. On to proposal: both -> 2 / 2 = 100% (never more than 100%);
        # won of them: beta -> 1 / 2 = 50%
        "qualified": (100, 50),
        # proposal in Q3: acme, beta, cobalt, fable. Won: acme, beta -> 2 / 4 = 50%
        "proposal": (50, 50),
        "won": (None, None),
    }
    partners = {r["stage"]: (r["to_next"], r["to_won"]) for r in rows(data, "funnel_partners")}
    assert partners == {
        # intro in Q3: mesa, nova. On to pilot: nova (09-14) -> 1 / 2 = 50%. Won: none -> 0%
        # (lumen, signed in Q3, had its intro in June)
        "intro": (50, 0),
        # pilot in Q3: lumen, nova. Signed: lumen -> 1 / 2 = 50%
        "pilot": (50, 50),
        "signed": (None, None),
    }


def test_funnel_figures_for_a_quarter(report):
    figures = values(report("funnel", "2026-Q3"))
    assert figures["sales_entered"] == 3  # beta, delta, fable
    assert figures["sales_won"] == 2  # acme, beta
    assert figures["partners_entered"] == 2  # mesa, nova
    assert figures["partners_won"] == 1  # lumen
    # first stage to won: of the 3 deals that entered, beta was won -> 1 / 3; of mesa and nova, none -> 0%
    assert figures["sales_conversion"] == percent(1, 3)
    assert figures["partners_conversion"] == 0


def test_funnel_no_conversion_is_above_100_percent(report):
    for period in ("2026-Q2", "2026-Q3", "2026-Q4", "2026", "2026-11"):
        data = report("funnel", period)
        for table in ("funnel_sales", "funnel_partners"):
            for row in rows(data, table):
                for key in ("to_next", "to_won"):
                    assert row[key] is None or row[key] <= 100, (period, table, row)


def test_funnel_median_days_in_stage(report):
    """Days of each finished stay in a stage that ended in the period (a move out, to lost or parked included)."""
    data = report("funnel", "2026-Q3")
    sales = by(data, "funnel_sales", "stage")
    # lead stays ending in Q3: beta 07-01 -> 07-20 = 19, delta 07-05 -> 08-20 = 26 + 20 = 46,
    # fable 08-03 -> 08-17 = 14 -> 14, 19, 46 -> median 19
    assert sales["lead"]["median_days"] == 19
    # qualified: acme 06-20 -> 07-15 = 25, cobalt 05-20 -> 07-10 = 11 + 30 + 10 = 51, fable 08-17 -> 09-07 = 21,
    # iris 05-10 -> 08-05 (parked) = 21 + 30 + 31 + 5 = 87; fable's second stay (since 09-21) is not over
    # -> 21, 25, 51, 87 -> median (25 + 51) / 2 = 38. beta skipped it: no stay.
    assert sales["qualified"]["median_days"] == 38
    # proposal: acme 07-15 -> 08-09 = 25, beta 07-20 -> 09-30 = 11 + 31 + 30 = 72,
    # cobalt 07-10 -> 09-15 (lost) = 21 + 31 + 15 = 67, fable 09-07 -> 09-21 = 14 -> 14, 25, 67, 72 -> (25 + 67) / 2 = 46
    assert sales["proposal"]["median_days"] == 46
    assert sales["won"]["median_days"] is None
    partners = by(data, "funnel_partners", "stage")
    # intro: lumen 06-25 -> 07-06 = 11, mesa 07-14 -> 09-25 = 17 + 31 + 25 = 73, nova 08-12 -> 09-14 = 19 + 14 = 33
    # -> 11, 33, 73 -> 33
    assert partners["intro"]["median_days"] == 33
    # pilot: lumen 07-06 -> 09-04 = 25 + 31 + 4 = 60 (nova is still in pilot)
    assert partners["pilot"]["median_days"] == 60


def test_funnel_median_days_for_the_year(report):
    sales = by(report("funnel", "2026"), "funnel_sales", "stage")
    # lead stays ending in 2026: jade 7, acme 10, echo 14, fable 14, gamma 14, cobalt 16, beta 19, iris 25,
    # delta 46 -> 9 values, the 5th: 14
    assert sales["lead"]["median_days"] == 14
    # qualified: jade 11, echo 16, gamma 18, fable 21, acme 25, cobalt 51, iris 87 -> 21
    assert sales["qualified"]["median_days"] == 21
    # proposal: fable 14, jade 21, acme 25, echo 58 (04-01 -> 05-29 = 29 + 29), cobalt 67, beta 72 -> (25 + 58) / 2 = 41.5
    assert sales["proposal"]["median_days"] == 41.5


def test_funnel_filtered_to_one_pipeline(report):
    data = report("funnel", "2026-Q3", "--pipeline", "partners")
    assert values(data)["sales_entered"] == 0
    assert values(data)["partners_entered"] == 2
    assert [r["reached"] for r in rows(data, "funnel_sales")] == [0, 0, 0, 0]


# -- team --------------------------------------------------------------------------------------

def test_team_per_owner_in_a_quarter(report):
    data = report("team", "2026-Q3")
    team = by(data, "team", "owner")
    assert list(team) == ["ana", "ben", "cai"]
    assert team["ana"] == {
        "owner": "ana",
        # acme email 07-02, acme meeting 07-14, acme note 08-09, nova meeting 08-12 (echo's 05-10 meeting is Q2)
        "email": 1, "call": 0, "meeting": 2, "note": 1, "interactions": 4,
        # won acme 12,000; lost cobalt (price) -> 1 / 2 = 50%, not dropped
        "won": 1, "revenue": 12000, "lost": 1, "win_rate": 50, "dropped": 0,
        # open on 09-30: nova 10,000 (gamma was created 10-01)
        "open_pipeline": 10000,
        # quarterly 30,000 for a quarter; 12,000 / 30,000 = 40%
        "quota": 30000, "attainment": 40,
    }
    assert team["ben"] == {
        "owner": "ben",
        # beta call 07-03, beta email 09-28, and a call on ana's acme 08-01 (interactions go to who had them)
        "email": 1, "call": 2, "meeting": 0, "note": 0, "interactions": 3,
        # won beta 4,500 + lumen 1,800 = 6,300; lost delta as stale -> dropped; 2 / 3
        "won": 2, "revenue": 6300, "lost": 1, "win_rate": percent(2, 3), "dropped": 1,
        # nothing open on 09-30 (helix was created 10-20)
        "open_pipeline": 0,
        "quota": None, "attainment": None,
    }
    assert team["cai"] == {
        "owner": "cai",
        # mesa email 07-20, fable meeting 08-05, fable note 09-22
        "email": 1, "call": 0, "meeting": 1, "note": 1, "interactions": 3,
        # mesa declined as stale -> dropped; 0 / 1 = 0%
        "won": 0, "revenue": 0, "lost": 1, "win_rate": 0, "dropped": 1,
        # fable 9,000 open on 09-30; iris was parked on 08-05
        "open_pipeline": 9000,
        "quota": None, "attainment": None,
    }
    # 4 + 3 + 3 = 10; dropped: delta + mesa = 2
    assert values(data) == {"interactions": 10, "most_active": "ana", "top_seller": "ana", "dropped": 2}


def test_team_in_a_month_leaves_out_a_planned_meeting(report):
    data = report("team", "2026-11")
    team = by(data, "team", "owner")
    # ana: nova call 11-25; the gamma meeting of 11-30 is after today (planned) and does not count
    assert (team["ana"]["call"], team["ana"]["meeting"], team["ana"]["interactions"]) == (1, 0, 1)
    # ben: helix note 11-24
    assert (team["ben"]["note"], team["ben"]["interactions"]) == (1, 1)
    # cai: jade call 11-10, fable email 11-20
    assert (team["cai"]["email"], team["cai"]["call"], team["cai"]["interactions"]) == (1, 1, 2)
    # cai won jade 7,000, nothing lost -> 100%
    assert (team["cai"]["won"], team["cai"]["revenue"], team["cai"]["win_rate"]) == (1, 7000, 100)
    # nothing closed by ana or ben: no win rate
    assert team["ana"]["win_rate"] is None and team["ben"]["win_rate"] is None
    # open today: ana gamma 15,000 + nova 10,000 = 25,000; ben helix 4,000; cai fable 9,000
    assert [team[w]["open_pipeline"] for w in ("ana", "ben", "cai")] == [25000, 4000, 9000]
    # quarterly 30,000 -> 10,000 for a month; 0 won -> 0%
    assert (team["ana"]["quota"], team["ana"]["attainment"]) == (10000, 0)
    assert values(data) == {"interactions": 4, "most_active": "cai", "top_seller": "cai", "dropped": 0}


def test_team_for_the_year(report):
    data = report("team", "2026")
    team = by(data, "team", "owner")
    # ana: emails acme 07-02; calls gamma 10-05, nova 11-25; meetings echo 05-10, acme 07-14, nova 08-12; note acme
    assert [team["ana"][k] for k in ("email", "call", "meeting", "note", "interactions")] == [1, 2, 3, 1, 7]
    # ben: email beta 09-28; calls beta 07-03, acme 08-01; note helix 11-24 (kilo's call is 2025)
    assert [team["ben"][k] for k in ("email", "call", "meeting", "note", "interactions")] == [1, 2, 0, 1, 4]
    # cai: emails mesa 07-20, jade 10-15, fable 11-20; call jade 11-10; meeting fable 08-05; note fable 09-22
    assert [team["cai"][k] for k in ("email", "call", "meeting", "note", "interactions")] == [3, 1, 1, 1, 6]
    # ana: won acme 12,000 + echo 20,000 = 32,000, lost cobalt -> 2/3
    # ben: won beta 4,500 + lumen 1,800 = 6,300, lost delta (stale) -> 2/3, 1 dropped
    # cai: won jade 7,000, lost mesa (stale) -> 50%, 1 dropped
    assert [(team[w]["won"], team[w]["revenue"], team[w]["lost"], team[w]["win_rate"], team[w]["dropped"])
            for w in ("ana", "ben", "cai")] == [(2, 32000, 1, percent(2, 3), 0), (2, 6300, 1, percent(2, 3), 1), (1, 7000, 1, 50, 1)]
    # quarterly 30,000 x 4 = 120,000 for a year; 32,000 / 120,000 = 26.66...%
    assert (team["ana"]["quota"], team["ana"]["attainment"]) == (120000, percent(32000, 120000))
    assert values(data) == {"interactions": 17, "most_active": "ana", "top_seller": "ana", "dropped": 2}


def test_team_quota_scaled_to_a_week_and_to_year_to_date(report):
    month = Fraction("30.436875")  # days: 365.2425 / 12
    # a week: 30,000 / 3 months x 7 days / 30.436875 days a month = 2,299.84...
    ana = by(report("team", "2026-W47"), "team", "owner")["ana"]
    assert (ana["quota"], ana["attainment"]) == (exactly(10000 * 7 / month), 0)
    # ytd = 2026-01-01..2026-11-27 = 331 days: 10,000 x 331 / 30.436875 = 108,749.67...;
    # won acme 12,000 + echo 20,000 = 32,000 -> 32,000 / 108,749.67... = 29.43...%
    ana = by(report("team", "ytd"), "team", "owner")["ana"]
    assert (ana["quota"], ana["attainment"]) == (exactly(10000 * 331 / month), percent(32000, 10000 * 331 / month))
    # Q2: 30,000; echo 20,000 -> 2/3
    ana = by(report("team", "2026-Q2"), "team", "owner")["ana"]
    assert (ana["quota"], ana["revenue"], ana["attainment"]) == (30000, 20000, percent(2, 3))


def test_team_compared(report):
    data = report("team", "2026-Q3", "--compare")
    # Q2 interactions: echo meeting 05-10 only -> 10 - 1 = +9, +900%
    assert comparison(data, "interactions") == (10, 1, 9, 900)
    assert comparison(data, "dropped") == (2, 0, 2, None)
    assert "previous" not in data["figures"]["most_active"]  # text: nothing to compare


def test_team_filtered_by_owner(report):
    team = by(report("team", "2026-Q3", "--owner", "ben"), "team", "owner")
    assert (team["ben"]["won"], team["ben"]["revenue"], team["ben"]["dropped"]) == (2, 6300, 1)
    # ana's and cai's deals are filtered out
    assert (team["ana"]["won"], team["ana"]["revenue"], team["ana"]["attainment"]) == (0, 0, 0)
    assert (team["cai"]["lost"], team["cai"]["open_pipeline"]) == (0, 0)


# -- forecast ----------------------------------------------------------------------------------

def test_forecast_buckets(report):
    data = report("forecast", "2026-11")
    # open deals with a close date: helix 2026-11-20 (4,000 x 25% = 1,000), nova 2026-12-31 (10,000 x 50% = 5,000),
    # gamma 2027-02-15 (15,000 x 60% = 9,000). Iris (parked, 2026-09-30) is not open; fable has no date.
    assert rows(data, "by_month") == [
        {"when": "2026-11", "deals": 1, "value": 4000, "weighted": 1000},
        {"when": "2026-12", "deals": 1, "value": 10000, "weighted": 5000},
        {"when": "2027-02", "deals": 1, "value": 15000, "weighted": 9000},
    ]
    assert rows(data, "by_quarter") == [
        # helix + nova: 4,000 + 10,000 = 14,000; 1,000 + 5,000 = 6,000
        {"when": "2026-Q4", "deals": 2, "value": 14000, "weighted": 6000},
        {"when": "2027-Q1", "deals": 1, "value": 15000, "weighted": 9000},
    ]


def test_forecast_overdue_and_pushed_back(report):
    data = report("forecast", "2026-11")
    # helix was expected on 2026-11-20: 27 - 20 = 7 days late. Iris's 2026-09-30 is past but it is parked.
    assert rows(data, "overdue") == [
        {"deal": "helix-audit", "owner": "ben", "expected_close": "2026-11-20", "days_late": 7, "value": 4000},
    ]
    # gamma: 2026-11-30 -> 2026-12-20 -> 2027-02-15, pushed twice. helix's change 12-15 -> 11-20 pulled it in,
    # not a push; acme was pushed once but is won (not open).
    assert rows(data, "pushed") == [
        {"deal": "gamma-suite", "owner": "ana", "pushes": 2, "first_close": "2026-11-30",
         "expected_close": "2027-02-15", "value": 15000},
    ]
    figures = values(data)
    assert figures["overdue_close_dates"] == 1
    assert figures["no_close_date"] == 1  # fable
    assert figures["pushed_deals"] == 1


def test_forecast_closing_in_the_period(report):
    # November: helix 4,000, weighted 1,000
    figures = values(report("forecast", "2026-11"))
    assert (figures["closing_deals"], figures["closing_value"], figures["closing_weighted"]) == (1, 4000, 1000)
    # Q4: helix + nova = 14,000, 6,000
    figures = values(report("forecast", "2026-Q4"))
    assert (figures["closing_deals"], figures["closing_value"], figures["closing_weighted"]) == (2, 14000, 6000)
    # 2027-Q1: gamma 15,000, 9,000
    figures = values(report("forecast", "2027-Q1"))
    assert (figures["closing_deals"], figures["closing_value"], figures["closing_weighted"]) == (1, 15000, 9000)


def test_forecast_compared_leaves_todays_counts_alone(report):
    data = report("forecast", "2026-12", "--compare")
    # December: nova 10,000 / 5,000; November: helix 4,000 / 1,000 -> +6,000 (+150%), +4,000 (+400%)
    assert comparison(data, "closing_value") == (10000, 4000, 6000, 150)
    assert comparison(data, "closing_weighted") == (5000, 1000, 4000, 400)
    for key in ("overdue_close_dates", "no_close_date", "pushed_deals"):  # as of today in both periods
        assert "previous" not in data["figures"][key]


# -- calibration -------------------------------------------------------------------------------

def test_calibration_shares_for_a_quarter(report):
    data = report("calibration", "2026-Q3")
    # closed in Q3: acme, beta, lumen (won); cobalt, delta, mesa (lost)
    assert values(data) == {"closed_deals": 6}
    assert rows(data, "calibration_sales") == [
        # reached lead: acme, beta, cobalt, delta -> won 2 / 4 = 50%, 50 - 10 = +40
        {"stage": "lead", "configured": 10, "closed": 4, "won": 2, "actual": 50, "difference": 40},
        # reached qualified: acme, beta (skipped it, counts), cobalt -> 2 / 3, less 30 points
        {"stage": "qualified", "configured": 30, "closed": 3, "won": 2, "actual": percent(2, 3),
         "difference": percent(2, 3, minus=30)},
        # reached proposal: acme, beta, cobalt -> 2 / 3, less 60 points
        {"stage": "proposal", "configured": 60, "closed": 3, "won": 2, "actual": percent(2, 3),
         "difference": percent(2, 3, minus=60)},
    ]
    assert rows(data, "calibration_partners") == [
        # lumen (signed), mesa (declined) -> 1 / 2 = 50%, 50 - 20 = 30
        {"stage": "intro", "configured": 20, "closed": 2, "won": 1, "actual": 50, "difference": 30},
        # lumen -> 1 / 1 = 100%, 100 - 50 = 50
        {"stage": "pilot", "configured": 50, "closed": 1, "won": 1, "actual": 100, "difference": 50},
    ]


def test_calibration_for_the_year(report):
    data = report("calibration", "2026")
    # closed in 2026: acme, beta, echo, jade, lumen won; cobalt, delta, mesa lost
    assert values(data) == {"closed_deals": 8}
    sales = by(data, "calibration_sales", "stage")
    # lead: acme, beta, cobalt, delta, echo, jade -> 4 / 6
    assert (sales["lead"]["closed"], sales["lead"]["won"], sales["lead"]["actual"]) == (6, 4, percent(4, 6))
    # qualified and proposal: acme, beta, cobalt, echo, jade -> 4 / 5 = 80%
    assert (sales["qualified"]["closed"], sales["qualified"]["won"], sales["qualified"]["actual"]) == (5, 4, 80)
    assert (sales["proposal"]["closed"], sales["proposal"]["won"], sales["proposal"]["actual"]) == (5, 4, 80)
    # 80 - 60 = 20 points
    assert sales["proposal"]["difference"] == 20


def test_calibration_with_nothing_closed(report):
    data = report("calibration", "2026-10")
    assert values(data) == {"closed_deals": 0}
    assert [r["actual"] for r in rows(data, "calibration_sales")] == [None, None, None]
    assert [r["difference"] for r in rows(data, "calibration_sales")] == [None, None, None]


# -- movement ----------------------------------------------------------------------------------

def test_movement_in_a_quarter_against_the_one_before(report):
    data = report("movement", "2026-Q3")
    # movement is always compared with the period before
    assert data["compared_with"]["label"] == "2026-Q2"
    # added in Q3: beta, delta, fable, mesa, nova = 5; in Q2: acme, cobalt, iris, lumen = 4 -> +1, +25%
    assert comparison(data, "added") == (5, 4, 1, 25)
    # deals that moved forward in Q3 (moves in brackets): acme (qualified->proposal, ->won), beta (lead->proposal,
    # skipping, ->won), cobalt (qualified->proposal), fable (lead->qualified, qualified->proposal), lumen
    # (intro->pilot, ->signed), nova (intro->pilot) = 6 deals (10 moves). Q2: acme, cobalt (lead->qualified),
    # echo (qualified->proposal, proposal->won), iris (lead->qualified) = 4 deals -> +2, +50%.
    # Moves to lost or parked are not steps.
    assert comparison(data, "moved_forward") == (6, 4, 2, 50)
    # back: fable proposal->qualified on 09-21; none in Q2
    assert comparison(data, "moved_back") == (1, 0, 1, None)
    assert comparison(data, "won") == (3, 1, 2, 200)
    assert comparison(data, "lost") == (3, 0, 3, None)
    # open value at the end of Q2 (06-30): acme 12,000 + cobalt 8,000 + iris 6,000 + lumen 1,800 = 27,800;
    # at the end of Q3: fable 9,000 + nova 10,000 = 19,000 -> 19,000 - 27,800 = -8,800.
    # Q2: end 27,800 - start (03-31: echo 20,000) = +7,800. -8,800 - 7,800 = -16,600; -16,600 / 7,800 = -212.82...%
    assert comparison(data, "pipeline_change") == (-8800, 7800, -16600, percent(-16600, 7800))
    assert rows(data, "moves") == [
        {"deal": "acme-platform", "stage": "won", "forward": 2, "back": 0},
        {"deal": "beta-analytics", "stage": "won", "forward": 2, "back": 0},
        {"deal": "cobalt-renewal", "stage": "lost", "forward": 1, "back": 0},
        {"deal": "fable-crm", "stage": "qualified", "forward": 2, "back": 1},
        {"deal": "lumen-partner", "stage": "signed", "forward": 2, "back": 0},
        {"deal": "nova-partner", "stage": "pilot", "forward": 1, "back": 0},
    ]


def test_movement_for_the_year(report):
    data = report("movement", "2026")
    # deals that moved forward in 2026: acme, beta, cobalt, echo, fable, gamma, iris, jade, lumen, nova = 10
    # (21 moves); 2025: kilo = 1 -> +9, +900%
    assert comparison(data, "moved_forward") == (10, 1, 9, 900)
    # 2026: 13 added, 2025: kilo
    assert comparison(data, "added") == (13, 1, 12, 1200)
    # 2026: open on 2025-12-31 nothing (kilo lost 12-10), today 38,000 -> +38,000; 2025: 0 -> 0
    assert comparison(data, "pipeline_change") == (38000, 0, 38000, None)


def test_movement_compared_with_a_period_given(report):
    data = report("movement", "2026-Q3", "--compare", "2026-11")
    assert data["compared_with"]["label"] == "2026-11"
    # November: jade proposal->won (11-10), gamma qualified->proposal (11-02) -> 2 deals forward, nothing added;
    # Q3: 6 deals (see above) -> +4, +200%
    assert comparison(data, "moved_forward") == (6, 2, 4, 200)
    assert comparison(data, "added") == (5, 0, 5, None)


# -- periods -----------------------------------------------------------------------------------

PERIODS = [
    # typed, (label, start, end), previous (label, start, end)
    ("2026", ("2026", "2026-01-01", "2026-12-31"), ("2025", "2025-01-01", "2025-12-31")),
    ("2026-Q3", ("2026-Q3", "2026-07-01", "2026-09-30"), ("2026-Q2", "2026-04-01", "2026-06-30")),
    ("2026-Q1", ("2026-Q1", "2026-01-01", "2026-03-31"), ("2025-Q4", "2025-10-01", "2025-12-31")),
    ("2026-11", ("2026-11", "2026-11-01", "2026-11-30"), ("2026-10", "2026-10-01", "2026-10-31")),
    ("2026-01", ("2026-01", "2026-01-01", "2026-01-31"), ("2025-12", "2025-12-01", "2025-12-31")),
    ("2026-03", ("2026-03", "2026-03-01", "2026-03-31"), ("2026-02", "2026-02-01", "2026-02-28")),
    # ISO weeks: W47 is Monday 16 to Sunday 22 November 2026
    ("2026-W47", ("2026-W47", "2026-11-16", "2026-11-22"), ("2026-W46", "2026-11-09", "2026-11-15")),
    # W01 of 2026 starts on Monday 29 December 2025; the week before is W52 of 2025
    ("2026-W01", ("2026-W01", "2025-12-29", "2026-01-04"), ("2025-W52", "2025-12-22", "2025-12-28")),
    # 2026 starts on a Thursday, so it has a W53
    ("2026-W53", ("2026-W53", "2026-12-28", "2027-01-03"), ("2026-W52", "2026-12-21", "2026-12-27")),
    ("this month", ("2026-11", "2026-11-01", "2026-11-30"), ("2026-10", "2026-10-01", "2026-10-31")),
    ("last month", ("2026-10", "2026-10-01", "2026-10-31"), ("2026-09", "2026-09-01", "2026-09-30")),
    ("this quarter", ("2026-Q4", "2026-10-01", "2026-12-31"), ("2026-Q3", "2026-07-01", "2026-09-30")),
    ("last quarter", ("2026-Q3", "2026-07-01", "2026-09-30"), ("2026-Q2", "2026-04-01", "2026-06-30")),
    ("this year", ("2026", "2026-01-01", "2026-12-31"), ("2025", "2025-01-01", "2025-12-31")),
    ("last year", ("2025", "2025-01-01", "2025-12-31"), ("2024", "2024-01-01", "2024-12-31")),
    # today, Friday 27 November 2026, is in W48
    ("this week", ("2026-W48", "2026-11-23", "2026-11-29"), ("2026-W47", "2026-11-16", "2026-11-22")),
    ("last week", ("2026-W47", "2026-11-16", "2026-11-22"), ("2026-W46", "2026-11-09", "2026-11-15")),
    ("Last  Quarter", ("2026-Q3", "2026-07-01", "2026-09-30"), ("2026-Q2", "2026-04-01", "2026-06-30")),
    # ytd: 1 January to today; before it, the same stretch of last year
    ("ytd", ("2026-01-01..2026-11-27", "2026-01-01", "2026-11-27"),
     ("2025-01-01..2025-11-27", "2025-01-01", "2025-11-27")),
    ("qtd", ("2026-10-01..2026-11-27", "2026-10-01", "2026-11-27"),
     ("2026-07-01..2026-08-27", "2026-07-01", "2026-08-27")),
    ("mtd", ("2026-11-01..2026-11-27", "2026-11-01", "2026-11-27"),
     ("2026-10-01..2026-10-27", "2026-10-01", "2026-10-27")),
    # a range that is a whole quarter is that quarter
    ("2026-01-01..2026-03-31", ("2026-Q1", "2026-01-01", "2026-03-31"), ("2025-Q4", "2025-10-01", "2025-12-31")),
    # any other range: the as many days just before (10 days: 10-31 to 11-09)
    ("2026-11-10..2026-11-19", ("2026-11-10..2026-11-19", "2026-11-10", "2026-11-19"),
     ("2026-10-31..2026-11-09", "2026-10-31", "2026-11-09")),
    ("2026-11-27", ("2026-11-27", "2026-11-27", "2026-11-27"), ("2026-11-26", "2026-11-26", "2026-11-26")),
]


@pytest.mark.parametrize("typed, period, previous", PERIODS, ids=[p[0] for p in PERIODS])
def test_periods_and_the_one_before(report, typed, period, previous):
    data = report("revenue", typed, "--compare")
    as_tuple = lambda p: (p["label"], p["start"], p["end"])  # noqa: E731
    assert as_tuple(data["period"]) == period
    assert as_tuple(data["compared_with"]) == previous


def test_the_default_period_is_this_month(pipe):
    result = pipe("report", "revenue", "--format", "json")
    assert json.loads(result.stdout)["reports"]["revenue"]["period"] == {
        "label": "2026-11", "start": "2026-11-01", "end": "2026-11-30"}


@pytest.mark.parametrize("typed", ["2026-Q5", "2026-13", "2026-02-30", "2025-W53", "", "soon",
                                   "2026-12-01..2026-11-01", "26", "2026-Q3-01"])
def test_a_bad_period_is_one_line(pipe, typed):
    assert_refused(pipe("report", "--period", typed), "bad period")


def test_a_bad_compare_period_is_one_line(pipe):
    assert_refused(pipe("report", "revenue", "--period", "2026-Q3", "--compare", "someday"), "bad period 'someday'")


def test_compare_without_a_value_before_another_option(report):
    data = report("revenue", "2026-Q3", "--compare")
    assert data["compared_with"]["label"] == "2026-Q2"
    # --compare followed by an option still means the previous period
    data = report("revenue", "2026-Q3", "--compare", "--owner", "ana")
    assert data["compared_with"]["label"] == "2026-Q2"


# -- money, filters, names, formats -------------------------------------------------------------

@pytest.fixture
def without_rate(tmp_path):
    """The workspace plus a deal in GBP, which has no rate."""
    root = tmp_path / "reports"
    shutil.copytree(DATA, root, ignore=shutil.ignore_patterns("golden"))
    (root / "deals" / "oslo-pounds.md").write_text(
        "---\nid: oslo-pounds\ntitle: Oslo in pounds\npipeline: sales\nstage: won\nvalue: 1000\ncurrency: GBP\n"
        "owner: ana\ncreated: 2026-07-01\nclosed: 2026-08-01\n"
        "history:\n- {stage: lead, date: 2026-07-01}\n- {stage: won, date: 2026-08-01}\n---\n",
        encoding="utf-8")
    return root


@pytest.mark.parametrize("args", [["report"], ["report", "revenue", "--period", "2026-Q3"],
                                  ["report", "team", "--period", "2026", "--format", "json"],
                                  ["report", "forecast", "--format", "csv"]])
def test_a_deal_in_a_currency_without_a_rate_stops_the_report_naming_it(run, without_rate, args):
    assert_refused(run(without_rate, *args), "oslo-pounds", "GBP")


def test_revenue_filtered_by_owner(report):
    data = report("revenue", "2026-Q3", "--owner", "ana")
    assert values(data) == {
        # ana's deals: acme won 12,000 (60 days), cobalt lost; created in Q3: nova 10,000, open on 09-30 (pilot)
        "revenue_won": 12000, "deals_won": 1, "deals_lost": 1, "win_rate": 50, "average_won_value": 12000,
        "sales_cycle_mean_days": 60, "sales_cycle_median_days": 60, "deals_created": 1,
        "pipeline_generated": 10000, "open_deals": 1, "open_pipeline": 10000,
        # 10,000 x 50%
        "weighted_pipeline": 5000,
    }
    # by email too, any case
    assert values(report("revenue", "2026-Q3", "--owner", "ANA@example.com")) == values(data)


def test_revenue_filtered_by_pipeline_and_source(report):
    figures = values(report("revenue", "2026-Q3", "--pipeline", "partners"))
    # lumen won 1,800; mesa lost -> 50%
    assert (figures["revenue_won"], figures["deals_won"], figures["deals_lost"], figures["win_rate"]) == (1800, 1, 1, 50)
    figures = values(report("revenue", "2026-Q3", "--source", "referral"))
    # beta 4,500 + lumen 1,800
    assert (figures["revenue_won"], figures["deals_won"], figures["deals_lost"]) == (6300, 2, 0)


def test_unknown_report_name(pipe):
    assert_refused(pipe("report", "sales", "--period", "2026"),
                   "unknown report 'sales' (reports: revenue, funnel, team, forecast, calibration, movement)")


def test_a_report_name_can_be_a_unique_prefix(pipe):
    result = pipe("report", "rev", "cal", "--period", "2026", "--format", "json")
    assert list(json.loads(result.stdout)["reports"]) == ["revenue", "calibration"]


def test_all_reports_by_default(pipe):
    result = pipe("report", "--period", "2026", "--format", "json")
    assert list(json.loads(result.stdout)["reports"]) == [
        "revenue", "funnel", "team", "forecast", "calibration", "movement"]


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def as_csv(value) -> str:
    return "" if value is None else str(value)


@pytest.mark.parametrize("name", ["revenue", "funnel", "team", "forecast", "calibration", "movement"])
def test_csv_carries_the_numbers_of_json(pipe, name):
    args = ("report", name, "--period", "2026-Q3", "--compare")
    # parse_float=str: each number as json writes it, digit for digit, which csv must repeat
    data = json.loads(pipe(*args, "--format", "json").stdout, parse_float=str)["reports"][name]
    table = csv_rows(pipe(*args, "--format", "csv").stdout)
    assert table[0] == ["report", "period", "section", "row", "column", "value"]
    body = table[1:]
    assert all(r[0] == name and r[1] == "2026-Q3" for r in body)
    figures = [r for r in body if r[2] == "figures"]
    expected = [[key, column, as_csv(figure[column])] for key, figure in data["figures"].items()
                for column in ("value", "previous", "change", "change_pct") if column in figure]
    assert [r[3:] for r in figures] == expected
    for key, t in data["tables"].items():
        # a row is named by its first column; pipeline_by_stage by pipeline/stage
        named_by = ["pipeline", "stage"] if key == "pipeline_by_stage" else [t["columns"][0]["key"]]
        expected = [["/".join(as_csv(row[k]) for k in named_by), c["key"], as_csv(row.get(c["key"]))]
                    for row in t["rows"] for c in t["columns"] if c["key"] not in named_by]
        assert [r[3:] for r in body if r[2] == key] == expected


def test_csv_revenue_figures(pipe):
    body = csv_rows(pipe("report", "revenue", "--period", "2026-Q3", "--compare", "--format", "csv").stdout)
    cell = {(r[2], r[3], r[4]): r[5] for r in body[1:]}
    assert cell[("figures", "revenue_won", "value")] == "18300"
    assert cell[("figures", "revenue_won", "previous")] == "20000"
    assert cell[("figures", "revenue_won", "change")] == "-1700"
    assert cell[("figures", "revenue_won", "change_pct")] == "-8.5"
    assert cell[("figures", "deals_lost", "change_pct")] == ""
    assert cell[("top_accounts", "Acme", "revenue")] == "12000"


def test_csv_rows_are_told_apart(pipe):
    """Each (report, section, row, column) is one value: otherwise a reader of the csv cannot tell which stage
    a number of pipeline_by_stage belongs to (its first column, pipeline, repeats over the stages)."""
    for name in ("revenue", "funnel", "team", "forecast", "calibration", "movement"):
        body = csv_rows(pipe("report", name, "--period", "2026", "--format", "csv").stdout)[1:]
        keys = [tuple(r[:5]) for r in body]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        assert not repeated, (name, repeated[:4])


def test_text_and_markdown_show_the_comparison(pipe):
    text = pipe("report", "revenue", "--period", "2026-Q3", "--compare").stdout
    assert text.startswith("Revenue · 2026-Q3 (2026-07-01..2026-09-30), against 2026-Q2\n")
    line = next(l for l in text.splitlines() if l.startswith("Revenue won"))
    assert line.split()[2:] == ["18,300", "EUR", "20,000", "EUR", "-1,700", "EUR", "(-8.5%)"]
    line = next(l for l in text.splitlines() if l.startswith("Win rate"))
    assert line.split()[2:] == ["50.0%", "100.0%", "-50.0", "pts"]
    md = pipe("report", "revenue", "--period", "2026-Q3", "--compare", "--format", "md").stdout
    assert "| Revenue won | 18,300 EUR | 20,000 EUR | -1,700 EUR (-8.5%) |" in md


def test_html_and_output_file(pipe, tmp_path):
    html = pipe("report", "revenue", "--period", "2026-Q3", "--format", "html").stdout
    assert "18,300 EUR" in html and "<svg" in html
    target = tmp_path / "report.json"
    result = pipe("report", "--period", "2026-Q3", "--format", "json", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert target.read_text(encoding="utf-8") == pipe("report", "--period", "2026-Q3", "--format", "json").stdout
