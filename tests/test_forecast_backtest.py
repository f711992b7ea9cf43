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
from tests.test_history import commit, git
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
    assert figures["periods"]["value"] == 12
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
        if fmt == "html":  # the fan: each month's band, its P50 and a dot at what was won
            assert result.stdout.count('class="chart chart-fan"') == 1 and "http" not in result.stdout.replace(
                'xmlns="http://www.w3.org/2000/svg"', "")
            assert result.stdout.count('<circle class="dot"') == 12 and ": actual 12,000 EUR</title>" in result.stdout
        if fmt == "text":
            assert "◆ Actual" in result.stdout
    text = run(known, "report", "forecast", "--ranges", "--backtest", "--runs", "50", "--width", "80").stdout
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "2025-11..2026-08" in text  # the months on stage probabilities, said where the column has no room
    result = run(known, "report", "forecast", "--ranges", "--backtest", "--runs", "50", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert any("2026-10" in row for row in rows) and any("12000" in "".join(row) for row in rows)


def test_backtest_without_ranges_is_refused(run, known):
    failed(run(known, "report", "forecast", "--backtest"), "--backtest", "--ranges")


def test_by_quarter_each_of_the_past_years_quarters_is_forecast_at_its_start(run, known):
    data, rows = backtest(run, known, "--backtest", "quarter")
    assert list(rows) == ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]  # 2026-Q4 is not over on 2026-11-27
    # 2025-Q4 holds the sure deals of 2025-11 and 2025-12 (1,000 and 2,000), 2026-Q1 those of months 3..5
    assert Decimal(str(rows["2025-Q4"]["actual"])) == 3000 and Decimal(str(rows["2026-Q1"]["actual"])) == 12000
    for row in rows.values():
        assert Decimal(str(row["p50"])) == Decimal(str(row["actual"])) == Decimal(str(row["weighted"]))
        assert row["inside"] == "yes"
    assert data["figures"]["periods"]["value"] == 4
    assert data["period"]["label"] == "2025-Q4..2026-Q3"


def test_the_period_chooses_what_is_replayed_and_one_not_over_is_refused(run, known):
    _, rows = backtest(run, known, "--period", "2026")
    assert list(rows) == [f"2026-{m:02d}" for m in range(1, 11)]  # November is not over
    _, rows = backtest(run, known, "--period", "2026-Q1", "--backtest", "quarter")
    assert list(rows) == ["2026-Q1"]
    failed(run(known, "report", "forecast", "--ranges", "--backtest", "--period", "2027"),
           "no whole month of 2027 is over by today (2026-11-27)")
    failed(run(known, "report", "forecast", "--ranges", "--backtest", "quarter", "--period", "2026-11"),
           "no whole quarter of 2026-11")


def test_each_period_says_what_it_learned_from_and_when_it_fell_back(run, known):
    _, rows = backtest(run, known)
    # nothing closed yet on 2025-11-01: both pipelines with open deals used their stage probabilities
    assert rows["2025-11"]["closed"] == 0 and rows["2025-11"]["fallback"] == "never, sure"
    assert rows["2025-11"]["learned"] == "0 few"
    # by 2026-10-01, 11 deals of each pipeline had closed: their own history
    assert rows["2026-10"]["closed"] == 22 and rows["2026-10"]["fallback"] == "" and rows["2026-10"]["learned"] == "22"
    text = run(known, "report", "forecast", "--ranges", "--backtest", "--runs", "50").stdout
    assert "Learned" in text and "0 few" in text
    assert "'few': a pipeline with open deals had fewer than 10 closed deals, so its stage probabilities were used" \
        in " ".join(text.split())  # the note, wrapped


@pytest.mark.parametrize("args, said", [
    (("--ranges", "--from-git"), "--from-git is for --backtest"),
    (("--from-git",), "--from-git is for --backtest"),
    (("--ranges", "--backtest", "weekly"), "--backtest takes month or quarter, not 'weekly'"),
])
def test_stray_backtest_options_are_refused(run, known, args, said):
    failed(run(known, "report", "forecast", *args), said)


def test_a_report_name_after_backtest_is_the_report_not_the_grain(run, known):
    result = run(known, "report", "--ranges", "--runs", "50", "--format", "json", "--backtest", "forecast")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["reports"]["forecast_backtest"]["figures"]["periods"]["value"] == 12


def test_from_git_outside_a_repository_says_so(run, known):
    result = run(known, "report", "forecast", "--ranges", "--backtest", "--from-git")
    assert result.exit_code != 0 and "Traceback" not in result.stderr
    assert "git" in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.fixture
def committed(make_workspace):
    """A sure deal committed on 2026-03-10 at 1,000, raised to 5,000 and won on 2026-04-20, committed then."""
    workspace = make_workspace({}, CONFIG)
    root = workspace.root
    git(root, "init", "-q", "-b", "main")
    (root / "deals" / "grow.md").write_text(deal("grow", "sure", "won", 1000, "2026-04-20").replace(
        "stage: sure-won", "stage: sure-open").replace("closed: 2026-04-20\n", ""), encoding="utf-8")
    commit(root, "grow at 1,000", "2026-03-10")
    (root / "deals" / "grow.md").write_text(deal("grow", "sure", "won", 5000, "2026-04-20"), encoding="utf-8")
    commit(root, "grow won at 5,000", "2026-04-20")
    return workspace


def test_from_git_each_start_is_the_last_commit_before_it(run, committed):
    data, rows = backtest(run, committed, "--from-git")
    # no commit before 2026-03-01: 2025-11..2026-03 cannot be read from git, and the note says so
    assert list(rows) == [f"2026-{m:02d}" for m in range(4, 11)]
    assert "not in git yet, left out: 2025-11..2026-03" in data["tables"]["backtest"]["note"]
    assert data["figures"]["periods"]["value"] == 7
    # April was forecast at the value committed then, 1,000; it was won at 5,000
    april = rows["2026-04"]
    assert Decimal(str(april["p50"])) == 1000 and Decimal(str(april["weighted"])) == 1000
    assert Decimal(str(april["actual"])) == 5000 and april["inside"] == "no"
    # rebuilt from the stage histories instead, it has today's value, and every month
    _, rebuilt = backtest(run, committed)
    assert len(rebuilt) == 12 and Decimal(str(rebuilt["2026-04"]["p50"])) == 5000


def test_from_git_with_nothing_committed_before_the_last_start_is_refused(run, committed):
    failed(run(committed, "report", "forecast", "--ranges", "--backtest", "--from-git", "--period", "2026-Q1"),
           "nothing to replay from git")


def test_from_git_a_deal_file_that_did_not_parse_then_stops_it_unless_skip_bad(run, committed):
    root = committed.root
    (root / "deals" / "broken.md").write_text("---\nid: [broken\n---\n", encoding="utf-8")
    commit(root, "a broken file", "2026-05-20")  # what June's start (the end of May 31) reads
    (root / "deals" / "broken.md").unlink()
    commit(root, "fixed", "2026-06-05")
    refused = run(committed, "report", "forecast", "--ranges", "--backtest", "--from-git", "--runs", "20")
    assert refused.exit_code == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.startswith("pipe: deals/broken.md:3 at ") and "--skip-bad" in refused.stderr
    result = run(committed, "report", "forecast", "--skip-bad", "--ranges", "--backtest", "--from-git",
                 "--runs", "20", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert [s["path"] for s in json.loads(result.stdout)["skipped"]] == ["deals/broken.md"]


def test_a_period_with_nothing_to_forecast_is_shown_but_not_scored(run, make_workspace):
    # created after June started, won in July: only July had something open or won
    deals = {"late": deal("late", "sure", "won", 700, "2026-07-20", created="2026-06-05")}
    data, rows = backtest(run, make_workspace(deals, CONFIG))
    assert [m for m, row in rows.items() if row["inside"] != "-"] == ["2026-07"]
    assert rows["2026-07"]["inside"] == "yes" and Decimal(str(rows["2026-07"]["p50"])) == 700
    figures = data["figures"]
    assert figures["periods"]["value"] == 12 and figures["scored"]["value"] == 1
    assert Decimal(str(figures["inside_share"]["value"])) == 100  # not 12 of 12: eleven had nothing to say


def test_a_workspace_with_nothing_to_forecast_has_no_score(run, make_workspace):
    data, rows = backtest(run, make_workspace({}, CONFIG))
    assert len(rows) == 12 and {row["inside"] for row in rows.values()} == {"-"}
    assert [data["figures"][k]["value"] for k in ("scored", "inside_share", "mae_p50")] == [0, None, None]


def test_on_a_narrow_terminal_an_essential_column_stays_where_another_gives_way():
    from pipecli.core.reports import Column, Table
    from pipecli.render.reports import table_text

    money = [Column(k, k.upper(), "money") for k in ("p10", "p50", "p90", "actual")]
    rows = [{"when": "2026-01", **{c.key: Decimal("9999999") for c in money}, "inside": "yes"}]
    for essential in (True, False):
        table = Table("t", "T", [Column("when", "Month"), *money, Column("inside", "Inside", essential=essential)], rows)
        header = table_text(table, "EUR", 70).splitlines()[0]
        assert ("Inside" in header) is essential and ("ACTUAL" in header) is not essential


def test_the_backtest_keeps_its_actual_and_inside_columns_on_a_narrow_terminal(run, known):
    text = run(known, "report", "forecast", "--ranges", "--backtest", "--runs", "20", "--width", "60").stdout
    header = next(line for line in text.splitlines() if line.startswith("Month "))
    assert "Actual" in header and "Inside" in header and "Weighted" not in header


def test_from_git_a_pipelines_yaml_that_did_not_parse_then_stops_it_unless_skip_bad(run, committed):
    root = committed.root
    (root / "deals" / "open.md").write_text(deal("open", "sure", "won", 300, "2027-03-01").replace(
        "stage: sure-won", "stage: sure-open").replace("closed: 2027-03-01\n", ""), encoding="utf-8")
    commit(root, "a deal open from June on", "2026-05-20")
    good = (root / "pipelines.yaml").read_text(encoding="utf-8")
    (root / "pipelines.yaml").write_text(good + "pipelines: [\n", encoding="utf-8")
    commit(root, "a broken pipelines.yaml", "2026-07-20")  # what August's start (the end of July 31) reads
    (root / "pipelines.yaml").write_text(good, encoding="utf-8")
    commit(root, "fixed", "2026-08-05")
    said = failed(run(committed, "report", "forecast", "--ranges", "--backtest", "--from-git", "--runs", "20"),
                  "pipelines.yaml:", "--skip-bad")
    assert " at " in said
    data, rows = backtest(run, committed, "--from-git", "--skip-bad")
    assert list(rows) == ["2026-04", "2026-05", "2026-06", "2026-07", "2026-09", "2026-10"]
    note = data["tables"]["backtest"]["note"]
    assert "pipelines.yaml did not parse then, left out: 2026-08 (pipelines.yaml:" in note
    # the months on stage probabilities as runs of months: not one across the month left out
    assert "were used, in 2026-04, 2026-06..2026-07, 2026-09..2026-10;" in note


def test_from_git_as_of_a_past_day_replays_the_year_before_it(run, committed):
    # today becomes 2026-10-15: the months over by then, those from git's first commit on
    data, rows = backtest(run, committed, "--from-git", "--as-of", "2026-10-15")
    assert list(rows) == [f"2026-{m:02d}" for m in range(4, 10)]
    assert Decimal(str(rows["2026-04"]["p50"])) == 1000 and Decimal(str(rows["2026-04"]["actual"])) == 5000
    result = run(committed, "report", "forecast", "--skip-bad", "--ranges", "--backtest", "--from-git",
                 "--as-of", "2026-10-15", "--runs", "20")
    assert result.exit_code == 0, result.stderr


def test_the_number_of_wins_is_backtested_beside_the_revenue(run, known, make_workspace):
    data, rows = backtest(run, known)
    # each month one sure deal, known at its start, won in it; the never deals never
    assert all((row["wins_p10"], row["wins_p50"], row["wins_p90"], row["wins_actual"], row["wins_inside"])
               == (1, 1, 1, 1, "yes") for row in rows.values())
    assert Decimal(str(data["figures"]["wins_inside_share"]["value"])) == 100
    # a deal created and won within June: June's forecast could not know it, nor count its win
    deals = {"late": deal("late", "sure", "won", 700, "2026-06-20", created="2026-06-05")}
    data, rows = backtest(run, make_workspace(deals, CONFIG, name="late"))
    assert (rows["2026-06"]["wins_p90"], rows["2026-06"]["wins_actual"], rows["2026-06"]["wins_inside"]) == (0, 1, "no")
    assert Decimal(str(data["figures"]["wins_inside_share"]["value"])) == 0


def test_a_period_with_nothing_at_stake_is_not_scored(run, make_workspace):
    # a deal worth 0, open from 2025-06 and won in June: no revenue was ever at stake, one win was
    deals = {"zero": deal("zero", "sure", "won", 0, "2026-06-20")}
    data, rows = backtest(run, make_workspace(deals, CONFIG))
    assert {row["inside"] for row in rows.values()} == {"-"}
    assert [m for m, row in rows.items() if row["wins_inside"] != "-"] == ["2026-06"]
    figures = data["figures"]
    assert figures["staked"]["value"] == 0 and figures["inside_share"]["value"] is None
    assert Decimal(str(figures["wins_inside_share"]["value"])) == 100
