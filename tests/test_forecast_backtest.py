"""`pipe report forecast --ranges --backtest`: the forecast replayed over the past year on hand-made
histories whose answer is known.

Today is 2026-11-27 (conftest): the months replayed are 2025-11..2026-10. Pipelines of one open stage
each: `sure` (configured 100, every deal won), `never` (configured 0, every deal lost), `half` (50).
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest

from tests.conftest import failed
from tests.test_forecast_ranges import pipelines_config

CONFIG = pipelines_config(("sure", 100), ("never", 0), ("half", 50))

MONTHS = ["2025-11", "2025-12"] + [f"2026-{m:02d}" for m in range(1, 11)]


def deal(deal_id, pipeline, kind, value, closed, close=None, created="2025-06-01", changes=()):
    lines = [f"id: {deal_id}", f"title: {deal_id}", f"pipeline: {pipeline}", f"stage: {pipeline}-{kind}",
             f"value: {value}", "currency: EUR", "owner: alice", f"created: {created}",
             f"expected_close: {close or closed}", f"closed: {closed}"]
    if kind == "lost":
        lines.append("lost_reason: price")
    lines.append(f"history:\n- {{stage: {pipeline}-open, date: {created}}}"
                 f"\n- {{stage: {pipeline}-{kind}, date: {closed}}}")
    if changes:
        lines.append("close_changes:\n" + "\n".join(f"- {{date: {d}, from: {a}, to: {b}}}" for d, a, b in changes))
    return "---\n" + "\n".join(lines) + "\n---\n"


def backtest(run, workspace, *args):
    result = run(workspace, "report", "forecast", "--ranges", "--backtest", "--runs", "300", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)["reports"]["forecast_backtest"]
    return data, {row["when"]: row for row in data["tables"]["backtest"]["rows"]}


@pytest.fixture
def known(make_workspace):
    # each month one sure deal won on its 15th, as expected, and one never deal lost then
    deals = {}
    for i, month in enumerate(MONTHS):
        deals[f"s{i}"] = deal(f"s{i}", "sure", "won", 1000 * (i + 1), f"{month}-15")
        deals[f"n{i}"] = deal(f"n{i}", "never", "lost", 5000, f"{month}-15")
    return make_workspace(deals, CONFIG)


def test_deals_in_a_stage_that_always_won_are_forecast_exactly_every_month(run, known):
    data, rows = backtest(run, known)
    assert list(rows) == MONTHS
    for i, month in enumerate(MONTHS):
        row = rows[month]
        expected = Decimal(1000 * (i + 1))
        assert [Decimal(str(row[k])) for k in ("p10", "p50", "p90", "actual", "weighted")] == [expected] * 5
        assert row["inside"] == "yes"
    figures = data["figures"]
    assert figures["months"]["value"] == 12
    assert Decimal(str(figures["inside_share"]["value"])) == 100
    assert Decimal(str(figures["mae_p50"]["value"])) == 0 and Decimal(str(figures["mae_weighted"]["value"])) == 0


def test_the_expected_close_is_the_one_known_then_and_a_deal_not_yet_created_is_left_out(run, make_workspace):
    deals = {
        # expected in March until 2026-03-20, then moved to April, when it was won
        "slip": deal("slip", "sure", "won", 300, "2026-04-10",
                     changes=[("2026-03-20", "2026-03-25", "2026-04-10")]),
        # created after June started: June's forecast does not know it, yet it was won in June
        "late": deal("late", "sure", "won", 700, "2026-06-20", created="2026-06-05"),
    }
    _, rows = backtest(run, make_workspace(deals, CONFIG))
    march, april, june = rows["2026-03"], rows["2026-04"], rows["2026-06"]
    assert Decimal(str(march["p50"])) == 300 and Decimal(str(march["weighted"])) == 300
    assert Decimal(str(march["actual"])) == 0 and march["inside"] == "no"
    assert Decimal(str(april["p50"])) == 300 and Decimal(str(april["actual"])) == 300
    assert Decimal(str(june["p90"])) == 0 and Decimal(str(june["actual"])) == 700 and june["inside"] == "no"


def test_the_same_seed_gives_the_same_backtest_and_another_may_differ(run, make_workspace):
    deals = {f"h{i}-{m}": deal(f"h{i}-{m}", "half", "won" if i % 2 else "lost", 1000, f"{month}-15")
             for m, month in enumerate(MONTHS) for i in range(6)}
    workspace = make_workspace(deals, CONFIG)
    args = ("report", "forecast", "--ranges", "--backtest", "--runs", "200", "--format", "json")
    first, again = run(workspace, *args, "--seed", "5"), run(workspace, *args, "--seed", "5")
    assert first.exit_code == 0, first.stderr
    assert first.stdout == again.stdout
    assert len({run(workspace, *args, "--seed", str(seed)).stdout for seed in (1, 2, 3)}) > 1
    assert json.loads(first.stdout)["reports"]["forecast_backtest"]["figures"]["seed"]["value"] == 5


def test_every_format_carries_the_months(run, known):
    for fmt in ("text", "md", "html"):
        result = run(known, "report", "forecast", "--ranges", "--backtest", "--runs", "50", "--format", fmt)
        assert result.exit_code == 0, result.stderr
        assert "2026-10" in result.stdout and "2025-11" in result.stdout
    text = run(known, "report", "forecast", "--ranges", "--backtest", "--runs", "50").stdout
    assert max(len(line) for line in text.splitlines()) <= 80
    result = run(known, "report", "forecast", "--ranges", "--backtest", "--runs", "50", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert any("2026-10" in row for row in rows) and any("12000" in "".join(row) for row in rows)


def test_backtest_without_ranges_is_refused(run, known):
    failed(run(known, "report", "forecast", "--backtest"), "--backtest", "--ranges")
