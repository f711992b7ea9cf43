"""Machine output is exact: json and csv carry every digit of a figure, text rounds it for people.

The workspace below has six deals won and three lost in November 2026 (a win rate of 2/3), sales
cycles adding up to 100 days over six won deals (16.666... days), and money that a float or a
rounding to the cent would change: 0.10 + 0.20 EUR, and 1,000.01 USD at 0.9 (900.009 EUR).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from fractions import Fraction

from tests.conftest import CONFIG, committed_repository, simple_deal

CLOSED = "2026-11-20"
# six won deals: created so that their cycles are 10, 15, 16, 18, 19 and 22 days (100 in all)
WON = {"w1": ("2026-11-10", "0.1", "EUR"), "w2": ("2026-11-05", "0.2", "EUR"), "w3": ("2026-11-04", "1000.01", "USD"),
       "w4": ("2026-11-02", "500", "EUR"), "w5": ("2026-11-01", "500", "EUR"), "w6": ("2026-10-29", "500", "EUR")}
LOST = ("l1", "l2", "l3")


def closed_deal(deal_id: str, stage: str, created: str, value: str = "1000", currency: str = "EUR") -> str:
    return simple_deal(deal_id, stage=stage, created=created, closed=CLOSED, value=value, currency=currency,
                       tasks="[]", lost_reason="price" if stage == "lost" else None,
                       history=f"\n- {{stage: lead, date: {created}}}\n- {{stage: {stage}, date: {CLOSED}}}")


def workspace_of(make_workspace, config: str = CONFIG, **more: str):
    deals = {deal_id: closed_deal(deal_id, "won", created, value, currency)
             for deal_id, (created, value, currency) in WON.items()}
    deals.update({deal_id: closed_deal(deal_id, "lost", "2026-11-01") for deal_id in LOST})
    deals.update(more)
    return make_workspace(deals, config=config)


def revenue(run, workspace, fmt: str) -> str:
    result = run(workspace, "report", "revenue", "--period", "2026-11", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def json_figures(text: str) -> dict:
    """The figures as json wrote them, each number as its text (parse_float=str): every digit shows."""
    return {k: f["value"] for k, f in json.loads(text, parse_float=str)["reports"]["revenue"]["figures"].items()}


def csv_figures(text: str) -> dict:
    return {row["row"]: row["value"] for row in csv.DictReader(io.StringIO(text))
            if row["section"] == "figures" and row["column"] == "value"}


def digits_of(number: Fraction, places: int) -> str:
    """number's decimal expansion cut to places after the point (no rounding), as a prefix to look for."""
    whole, rest = divmod(abs(number.numerator), number.denominator)
    text = f"{'-' if number < 0 else ''}{whole}."
    for _ in range(places):
        digit, rest = divmod(rest * 10, number.denominator)
        text += str(digit)
    return text


def test_a_win_rate_of_two_thirds_keeps_its_digits_in_json_and_csv_and_is_rounded_in_text(make_workspace, run):
    workspace = workspace_of(make_workspace)
    figures = json_figures(revenue(run, workspace, "json"))
    # win rate in percent, 6 / 9: every digit of 66.666..., not 66.7
    assert figures["win_rate"].startswith(digits_of(Fraction(600, 9), 20)), figures["win_rate"]
    assert float(figures["win_rate"]) == float(Fraction(600, 9))
    # csv writes the same number, digit for digit
    assert csv_figures(revenue(run, workspace, "csv"))["win_rate"] == figures["win_rate"]
    text = revenue(run, workspace, "text")
    assert "66.7%" in text and "66.66" not in text


def test_a_sales_cycle_average_that_does_not_terminate(make_workspace, run):
    workspace = workspace_of(make_workspace)
    figures = json_figures(revenue(run, workspace, "json"))
    cycles = [(dt.date.fromisoformat(CLOSED) - dt.date.fromisoformat(created)).days for created, _, _ in WON.values()]
    assert sorted(cycles) == [10, 15, 16, 18, 19, 22]
    mean = Fraction(sum(cycles), len(cycles))  # 100 / 6 = 16.666...
    assert figures["sales_cycle_mean_days"].startswith(digits_of(mean, 20)), figures["sales_cycle_mean_days"]
    assert csv_figures(revenue(run, workspace, "csv"))["sales_cycle_mean_days"] == figures["sales_cycle_mean_days"]
    assert "16.7 days" in revenue(run, workspace, "text")


def test_money_is_exact_not_rounded_to_the_cent_nor_through_a_float(make_workspace, run):
    workspace = workspace_of(make_workspace)
    figures = json_figures(revenue(run, workspace, "json"))
    # 0.1 + 0.2 (a float says 0.30000000000000004) + 1,000.01 USD x 0.9 (900.009) + 3 x 500
    won = Decimal("0.1") + Decimal("0.2") + Decimal("1000.01") * Decimal("0.9") + 3 * Decimal(500)
    assert won == Decimal("2400.309")
    assert figures["revenue_won"] == "2400.309"
    assert csv_figures(revenue(run, workspace, "csv"))["revenue_won"] == "2400.309"
    # the average won deal: 2,400.309 / 6 = 400.0515 exactly
    assert figures["average_won_value"] == str(won / 6) == "400.0515"
    assert "2,400 EUR" in revenue(run, workspace, "text")


def test_compared_figures_and_change_percent_keep_their_digits(make_workspace, run):
    # October: one deal won for 700; November: 2,400.309. The change in percent: 1,700.309 / 700.
    october = closed_deal("oct", "won", "2026-10-01", "700")
    october = october.replace(f"closed: {CLOSED}", "closed: 2026-10-20").replace(f"won, date: {CLOSED}", "won, date: 2026-10-20")
    workspace = workspace_of(make_workspace, oct=october)
    result = run(workspace, "report", "revenue", "--period", "2026-11", "--compare", "--format", "json")
    figure = json.loads(result.stdout, parse_float=str)["reports"]["revenue"]["figures"]["revenue_won"]
    assert (figure["value"], figure["previous"], figure["change"]) == ("2400.309", 700, "1700.309")
    assert figure["change_pct"].startswith(digits_of(Fraction("1700.309") / 700 * 100, 20)), figure["change_pct"]


def test_list_and_board_json_keep_every_digit_of_a_converted_value(make_workspace, run):
    # 9,999,999,999,999.99 USD at 0.923456789: 9,234,567,889,999.99076543211 EUR, more digits than a float holds
    config = CONFIG.replace("rates: {USD: 0.9}", "rates: {USD: 0.923456789}")
    big = simple_deal("big", value="9999999999999.99", currency="USD")
    workspace = make_workspace({"big": big}, config=config)
    base = Decimal("9999999999999.99") * Decimal("0.923456789")
    assert base == Decimal("9234567889999.99076543211")
    listed = run(workspace, "list", "--columns", "id,base_value,weighted_value", "--format", "json")
    row = json.loads(listed.stdout, parse_float=Decimal)[0]
    assert (row["base_value"], row["weighted_value"]) == (base, base / 10)  # lead: 10%
    as_csv = run(workspace, "list", "--columns", "id,base_value", "--format", "csv").stdout
    assert as_csv.splitlines()[1] == f"big,{base}"
    board = json.loads(run(workspace, "board", "sales", "--format", "json").stdout, parse_float=Decimal)
    assert board["open"]["value"] == base and board["stages"][0]["weighted"] == base / 10


def test_diff_json_and_csv_keep_a_converted_value_exact(make_workspace, run, monkeypatch):
    # 1,000.01 USD at 0.9 is 900.009 EUR: the weekly review must not make it 900.01
    workspace = make_workspace({"acme": simple_deal("acme", value="5000")})
    committed_repository(workspace.root, monkeypatch)
    (workspace.root / "deals" / "beta.md").write_text(simple_deal("beta", value="1000.01", currency="USD"), encoding="utf-8")
    result = run(workspace, "diff", "HEAD", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout, parse_float=str)["reports"]["diff"]
    assert [(r["deal"], r["value"]) for r in data["tables"]["added"]["rows"]] == [("beta", "900.009")]
    assert data["figures"]["pipeline_change"]["value"] == "900.009"
    assert data["figures"]["open_pipeline"]["value"] == "5900.009"
    as_csv = run(workspace, "diff", "HEAD", "--format", "csv").stdout
    assert "diff," in as_csv and ",figures,pipeline_change,value,900.009\n" in as_csv
