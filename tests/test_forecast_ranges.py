"""`pipe report forecast --ranges`: the Monte Carlo on hand-made histories whose answer is known.

Today is 2026-11-27 (conftest). Three pipelines of one open stage each, so that a closed deal's
record counts for that stage alone: `sure` (configured 100, every closed deal won), `never`
(configured 0, every closed deal lost), `half` (configured 50, 20 won and 20 lost).
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest

from tests.conftest import failed


def pipelines_config(*pipelines: tuple[str, int]) -> str:
    """pipelines.yaml with, per (id, probability), a pipeline of one open stage at that probability, won and lost."""
    return """\
currency: EUR
team:
- {id: alice, name: Alice Martin, email: alice@example.com}
pipelines:
""" + "".join(f"""\
- id: {pid}
  name: {pid.title()}
  stages:
  - {{id: {pid}-open, name: Open, probability: {prob}, kind: open}}
  - {{id: {pid}-won, name: Won, probability: 100, kind: won}}
  - {{id: {pid}-lost, name: Lost, probability: 0, kind: lost}}
""" for pid, prob in pipelines)


CONFIG = pipelines_config(("sure", 100), ("never", 0), ("half", 50), ("thin", 50))


def deal(deal_id, pipeline, kind="open", value=1000, close=None, entered="2026-11-20", closed=None, slips=0):
    stage = f"{pipeline}-{kind}"
    lines = [f"id: {deal_id}", f"title: {deal_id}", f"pipeline: {pipeline}", f"stage: {stage}",
             f"value: {value}", "currency: EUR", "owner: alice", f"created: {entered}"]
    if close:
        lines.append(f"expected_close: {close}")
    if closed:
        lines.append(f"closed: {closed}")
        if kind == "lost":
            lines.append("lost_reason: price")
    history = [f"- {{stage: {pipeline}-open, date: {entered}}}"]
    if closed:
        history.append(f"- {{stage: {stage}, date: {closed}}}")
    lines.append("history:\n" + "\n".join(history))
    if slips:
        lines.append("close_changes:\n" + "\n".join(
            f"- {{date: 2026-11-0{i + 1}, from: 2026-12-0{i + 1}, to: 2026-12-{i + 10}}}" for i in range(slips)))
    return "---\n" + "\n".join(lines) + "\n---\n"


def closed_deals(pipeline, kind, count, start=0):
    # entered 2026-01-05, closed 200 days later (2026-07-24): the observed time to close from the stage
    return {f"{pipeline}-{kind}-{i}": deal(f"{pipeline}-{kind}-{i}", pipeline, kind, entered="2026-01-05",
                                           closed="2026-07-24") for i in range(start, start + count)}


@pytest.fixture
def workspace(make_workspace):
    deals = {**closed_deals("sure", "won", 10), **closed_deals("never", "lost", 10),
             **closed_deals("half", "won", 20), **closed_deals("half", "lost", 20),
             **closed_deals("thin", "won", 3)}
    deals["s1"] = deal("s1", "sure", value=1000, close="2026-12-10")
    deals["s2"] = deal("s2", "sure", value=2500, close="2027-01-20")
    deals["n1"] = deal("n1", "never", value=5000, close="2026-12-15")
    for i in range(100):
        deals[f"h{i}"] = deal(f"h{i}", "half", value=1000, close="2027-02-10")
    return make_workspace(deals, CONFIG)


def ranges(run, workspace, *args):
    result = run(workspace, "report", "forecast", "--ranges", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)["reports"]["forecast_ranges"]
    return data, {row["when"]: row for row in data["tables"]["ranges"]["rows"]}


def test_a_stage_that_always_won_gives_one_figure_and_one_that_never_won_gives_none(run, workspace):
    data, rows = ranges(run, workspace)
    assert list(rows) == ["2026-11", "2026-12", "2027-01", "2026-Q4", "2027-Q1"]
    # December: s1 (sure) always, n1 (never) not once
    assert [Decimal(str(rows["2026-12"][k])) for k in ("p10", "p50", "p90")] == [Decimal(1000)] * 3
    assert Decimal(str(rows["2026-12"]["wins"])) == 1
    assert [Decimal(str(rows["2027-01"][k])) for k in ("p10", "p50", "p90")] == [Decimal(2500)] * 3
    assert Decimal(str(rows["2026-Q4"]["p90"])) == 1000
    # the weighted sum beside it: 1000 x 100% + 5000 x 0%
    assert Decimal(str(rows["2026-12"]["weighted"])) == 1000
    assert Decimal(str(rows["2026-11"]["p90"])) == 0


def test_a_half_and_half_stage_centres_on_its_expectation_with_a_range(run, workspace):
    _, rows = ranges(run, workspace, "--period", "2027-02")
    february = rows["2027-02"]
    p10, p50, p90 = (Decimal(str(february[k])) for k in ("p10", "p50", "p90"))
    assert abs(p50 - 50_000) <= 5_000  # 100 deals of 1,000 at 50%; 22 / 44 after the prior
    assert p10 < p50 < p90
    assert abs(Decimal(str(february["wins"])) - 50) <= 5


def test_a_deal_that_slipped_twice_closes_on_its_date_a_third_of_the_time(run, make_workspace):
    deals = {**closed_deals("sure", "won", 10), "late": deal("late", "sure", value=3000, close="2026-12-20", slips=2)}
    _, rows = ranges(run, make_workspace(deals, CONFIG), "--period", "2026-12")
    # won for sure; on its date 1 in 3, else after the 200 days its stage took (mid 2027)
    assert abs(Decimal(str(rows["2026-12"]["wins"])) - Decimal(1) / 3) <= Decimal("0.05")
    assert Decimal(str(rows["2026-12"]["p10"])) == 0 and Decimal(str(rows["2026-12"]["p90"])) == 3000


def test_a_deal_without_a_date_closes_after_the_time_its_stage_took(run, make_workspace):
    # the closed deals took 200 days from the stage; this one entered it 179 days ago: 21 days left
    deals = {**closed_deals("sure", "won", 10), "undated": deal("undated", "sure", value=700, entered="2026-06-01")}
    _, rows = ranges(run, make_workspace(deals, CONFIG))
    assert [Decimal(str(rows["2026-12"][k])) for k in ("p10", "p50", "p90")] == [Decimal(700)] * 3
    assert Decimal(str(rows["2026-11"]["p90"])) == 0 and Decimal(str(rows["2026-12"]["weighted"])) == 0


def test_the_same_seed_gives_the_same_output_and_another_may_differ(run, workspace):
    first = run(workspace, "report", "forecast", "--ranges", "--seed", "5", "--runs", "300", "--format", "json")
    again = run(workspace, "report", "forecast", "--ranges", "--seed", "5", "--runs", "300", "--format", "json")
    assert first.stdout == again.stdout
    others = {run(workspace, "report", "forecast", "--ranges", "--seed", str(seed), "--runs", "300",
                  "--period", "2027-02", "--format", "json").stdout for seed in (1, 2, 3)}
    assert len(others) > 1
    data = json.loads(first.stdout)["reports"]["forecast_ranges"]
    assert data["figures"]["seed"]["value"] == 5 and data["figures"]["runs"]["value"] == 300


def test_it_says_what_it_learned_from_and_warns_when_a_pipeline_has_too_little(run, make_workspace):
    deals = {**closed_deals("thin", "won", 3), "t1": deal("t1", "thin", value=800, close="2026-12-05"),
             **closed_deals("sure", "won", 10)}
    result = run(make_workspace(deals, CONFIG), "report", "forecast", "--ranges")
    assert result.exit_code == 0, result.stderr
    said = " ".join(result.stdout.split())  # the note is wrapped
    assert "warning: Thin: 3 closed deals (fewer than 10): stage probabilities used" in said
    assert ("warning: Sure: no lost deal in its history: if dead deals are left open rather than closed as "
            "lost, these chances are too high") in said
    learned = next(line for line in result.stdout.splitlines() if line.startswith("sure "))
    assert learned.split() == ["sure", "10", "10", "2026-07-24", "2026-07-24", "history"]
    _, rows = ranges(run, make_workspace(deals, CONFIG, name="again"))
    p10, p90 = Decimal(str(rows["2026-12"]["p10"])), Decimal(str(rows["2026-12"]["p90"]))
    assert (p10, p90) == (0, 800)  # the configured 50%, on its own date
    assert abs(Decimal(str(rows["2026-12"]["wins"])) - Decimal("0.5")) <= Decimal("0.05")
    deals["t1"] = deal("t1", "thin", value=800, close="2026-12-05").replace("owner:", "probability: 100\nowner:")
    _, rows = ranges(run, make_workspace(deals, CONFIG, name="own"))
    assert Decimal(str(rows["2026-12"]["p10"])) == 800  # its own probability, as in the weighted sum


@pytest.mark.parametrize("fmt", ["text", "md", "json", "csv", "html"])
def test_every_format_renders_the_ranges(run, workspace, fmt):
    result = run(workspace, "report", "forecast", "--ranges", "--runs", "200", "--format", fmt, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.stderr
    assert "P50" in result.stdout or "p50" in result.stdout
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        assert any(r["row"] == "2026-12" and r["column"] == "p50" and Decimal(r["value"]) == 1000 for r in rows)
    if fmt == "text":
        assert max(len(line) for line in result.stdout.splitlines() if "EUR" in line) <= 80
        fan = next(line for line in result.stdout.splitlines() if line.startswith("  2027-Q1"))
        assert "░" in fan and "█" in fan  # a range around the half-and-half deals' median
    if fmt == "html":
        assert result.stdout.count('class="chart chart-fan"') == 1
        assert '<rect class="band"' in result.stdout and '<circle class="dot"' in result.stdout


def test_ranges_is_for_the_forecast_alone(run, workspace):
    failed(run(workspace, "report", "revenue", "--ranges"), "--ranges")
    failed(run(workspace, "report", "forecast", "--seed", "3"), "--seed")


def test_as_of_forecasts_from_the_deals_and_the_date_of_that_point(run, make_workspace):
    from tests.test_history import commit, git

    workspace = make_workspace({}, CONFIG)
    root = workspace.root
    git(root, "init", "-q", "-b", "main")
    (root / "deals" / "s1.md").write_text(deal("s1", "sure", value=1000, close="2026-10-25", entered="2026-10-01"),
                                          encoding="utf-8")
    commit(root, "s1 at 1,000 for October", "2026-10-10")
    (root / "deals" / "s1.md").write_text(deal("s1", "sure", value=3000, close="2026-12-10", entered="2026-10-01"),
                                          encoding="utf-8")
    commit(root, "s1 at 3,000, moved to December", "2026-11-20")
    args = ("report", "forecast", "--ranges", "--runs", "100", "--format", "json")
    then = json.loads(run(workspace, *args, "--as-of", "2026-10-15").stdout)["reports"]["forecast_ranges"]
    rows = {row["when"]: row for row in then["tables"]["ranges"]["rows"]}
    # today is the point's date: its month first, and the deal as committed then
    assert list(rows) == ["2026-10", "2026-11", "2026-12", "2026-Q4", "2027-Q1"]
    assert Decimal(str(rows["2026-10"]["p50"])) == 1000 and Decimal(str(rows["2026-12"]["p50"])) == 0
    now = json.loads(run(workspace, *args).stdout)["reports"]["forecast_ranges"]
    rows = {row["when"]: row for row in now["tables"]["ranges"]["rows"]}
    assert list(rows)[0] == "2026-11" and Decimal(str(rows["2026-12"]["p50"])) == 3000


def test_a_deal_older_than_every_win_from_its_stage_is_nearly_never_won(run, make_workspace):
    # half: 20 won and 20 lost, each 200 days from the stage to closing; ten deals in it for 690 days
    history = {**closed_deals("half", "won", 20), **closed_deals("half", "lost", 20)}
    stale = {f"old{i}": deal(f"old{i}", "half", value=1000, close="2026-12-10", entered="2025-01-05") for i in range(10)}
    fresh = {f"new{i}": deal(f"new{i}", "half", value=1000, close="2026-12-10") for i in range(10)}
    data, rows = ranges(run, make_workspace({**history, **stale}, CONFIG, name="stale"), "--period", "2026-12")
    assert Decimal(str(rows["2026-12"]["wins"])) < 1  # ten deals at a configured 50%: not five
    assert data["figures"]["stale_deals"]["value"] == 10
    _, rows = ranges(run, make_workspace({**history, **fresh}, CONFIG, name="fresh"), "--period", "2026-12")
    assert abs(Decimal(str(rows["2026-12"]["wins"])) - 5) <= 1


def test_the_filters_choose_the_deals_forecast_not_the_history(run, make_workspace):
    deals = {**closed_deals("sure", "won", 10),
             "t1": deal("t1", "sure", value=900, close="2026-12-10").replace("owner:", "tags: [chosen]\nowner:")}
    data, rows = ranges(run, make_workspace(deals, CONFIG), "--tag", "chosen")
    assert data["figures"]["open_deals"]["value"] == 1 and data["figures"]["closed_deals"]["value"] == 10
    learned = {row["pipeline"]: row for row in data["tables"]["learned"]["rows"]}
    assert learned["sure"]["closed"] == 10 and learned["sure"]["model"] == "history"


def test_with_too_little_history_an_overdue_deal_is_expected_any_day_now(run, make_workspace):
    deals = {**closed_deals("thin", "won", 3),
             "late": deal("late", "thin", value=800, close="2026-11-20").replace("owner:", "probability: 100\nowner:")}
    _, rows = ranges(run, make_workspace(deals, CONFIG))
    # overdue since 2026-11-20, today 2026-11-27: in November, as the weighted sum counts it
    assert [Decimal(str(rows["2026-11"][k])) for k in ("p10", "p50", "p90", "weighted")] == [Decimal(800)] * 4


def test_a_period_under_way_counts_what_is_already_won_and_a_past_one_is_what_was_won(run, make_workspace):
    deals = {**closed_deals("sure", "won", 10),
             "done": deal("done", "sure", "won", value=700, entered="2026-11-01", closed="2026-11-10"),
             "october": deal("october", "sure", "won", value=500, entered="2026-10-01", closed="2026-10-05"),
             "s1": deal("s1", "sure", value=1000, close="2026-11-29")}
    workspace = make_workspace(deals, CONFIG)
    data, rows = ranges(run, workspace)
    november, q4 = rows["2026-11"], rows["2026-Q4"]
    assert [Decimal(str(november[k])) for k in ("p10", "p50", "p90", "weighted", "won")] == [
        Decimal(1700), Decimal(1700), Decimal(1700), Decimal(1700), Decimal(700)]
    assert Decimal(str(q4["p50"])) == 2200 and Decimal(str(q4["wins"])) == 3  # October's 500 too
    assert "what is won by today is in every figure: 2026-11 700 EUR, 2026-Q4 1,200 EUR" in data["tables"]["ranges"]["note"]
    _, rows = ranges(run, workspace, "--period", "2026-10")
    assert [Decimal(str(rows["2026-10"][k])) for k in ("p10", "p50", "p90")] == [Decimal(500)] * 3


def test_a_today_in_the_past_forecasts_from_what_was_known_then(run, make_workspace):
    deals = {**closed_deals("sure", "won", 10),
             # won on 2026-12-20, after today (2026-11-27): open today, expected then
             "later": deal("later", "sure", "won", value=600, entered="2026-11-01", closed="2026-12-20").replace(
                 "owner:", "expected_close: 2026-12-20\nowner:"),
             "unborn": deal("unborn", "sure", value=400, close="2026-12-15", entered="2026-12-01")}
    data, rows = ranges(run, make_workspace(deals, CONFIG))
    assert data["figures"]["open_deals"]["value"] == 1 and data["figures"]["closed_deals"]["value"] == 10
    assert Decimal(str(rows["2026-12"]["p50"])) == 600


def test_warnings_say_when_the_history_cannot_be_trusted(run, make_workspace):
    # ten wins and no loss, the last in 2026-07 (126 days before today: not old), and open deals worth 0
    deals = {**closed_deals("sure", "won", 10), "zero": deal("zero", "sure", value=0, close="2026-12-10")}
    data, _ = ranges(run, make_workspace(deals, CONFIG))
    learned = {row["pipeline"]: row for row in data["tables"]["learned"]["rows"]}
    assert learned["sure"]["warning"] == ("no lost deal in its history: if dead deals are left open rather than "
                                          "closed as lost, these chances are too high")
    assert "no open deal has a value, so every range is 0" in data["tables"]["ranges"]["note"]
    old = {**closed_deals("half", "won", 10), **closed_deals("half", "lost", 10), "h": deal("h", "half", close="2027-06-01")}
    result = run(make_workspace(old, CONFIG, name="old"), "report", "forecast", "--ranges", "--format", "json",
                 env={"PIPE_TODAY": "2027-03-01"})
    learned = {row["pipeline"]: row for row in json.loads(result.stdout)["reports"]["forecast_ranges"]["tables"]["learned"]["rows"]}
    assert learned["half"]["warning"] == "its last deal closed on 2026-07-24, 220 days ago"


def test_json_and_csv_carry_the_whole_distribution_and_80_columns_keep_the_wins(run, workspace):
    data, rows = ranges(run, workspace, "--period", "2027-02")
    february = rows["2027-02"]
    values = [Decimal(str(february[k])) for k in ("min", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "max")]
    assert values == sorted(values) and values[0] < values[-1]
    assert [c["key"] for c in data["tables"]["ranges"]["columns"]][-11:] == [
        "p5", "p25", "p75", "p95", "min", "max", "won", "won_deals", "wins_p10", "wins_p50", "wins_p90"]
    # the number of wins has its range too: 100 deals at about 50%
    assert february["wins_p10"] < february["wins_p50"] < february["wins_p90"] and abs(february["wins_p50"] - 50) <= 5
    result = run(workspace, "report", "forecast", "--ranges", "--period", "2027-02", "--format", "csv")
    assert "forecast_ranges,2027-02,ranges,2027-02,p25," in result.stdout
    text = run(workspace, "report", "forecast", "--ranges", "--width", "72").stdout
    header = next(line for line in text.splitlines() if line.startswith("Period "))
    assert header.split() == ["Period", "P10", "P50", "P90", "Wins", "Weighted"]  # the mean gave way first
    assert max(len(line) for line in text.splitlines()) <= 72


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_md_and_html_tables_have_as_many_headers_as_cells(run, workspace, fmt):
    # the details (P5, P25, ..., Warning) are for json and csv: a header without its cells shifts every column
    import re

    result = run(workspace, "report", "forecast", "--ranges", "--runs", "100", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    if fmt == "md":
        lines = [line for line in result.stdout.splitlines() if line.startswith("| ") and " | " in line]
        header = next(line for line in lines if line.startswith("| Period |"))
        row = next(line for line in lines if line.startswith("| 2026-12 |"))
        assert header.count(" | ") == row.count(" | ") and "P25" not in header
    else:
        tables = re.findall(r"<table[ >].*?</table>", result.stdout, re.S)
        assert len(tables) == 3
        for table in tables:
            headers = len(re.findall(r"<th[ >]", table))
            assert all(len(re.findall(r"<td[ >]", tr)) == headers
                       for tr in re.findall(r"<tr>(?:(?!</tr>).)*<td.*?</tr>", table, re.S))


def test_a_filter_leaves_a_deal_its_odds_among_every_deal_open_in_its_stage(run, make_workspace):
    # ten stale deals (690 days in the stage, every close 200 days after it) expected in 2027-06 and
    # one more, tagged, in December: its chance is weighed against all eleven, whether filtered or not
    history = {**closed_deals("half", "won", 20), **closed_deals("half", "lost", 20)}
    stale = {f"old{i}": deal(f"old{i}", "half", close="2027-06-10", entered="2025-01-05") for i in range(10)}
    tagged = deal("t", "half", close="2026-12-10", entered="2025-01-05").replace("owner:", "tags: [chosen]\nowner:")
    workspace = make_workspace({**history, **stale, "t": tagged}, CONFIG)
    _, everyone = ranges(run, workspace, "--period", "2026-12")
    _, chosen = ranges(run, workspace, "--period", "2026-12", "--tag", "chosen")
    assert abs(Decimal(str(chosen["2026-12"]["wins"])) - Decimal(str(everyone["2026-12"]["wins"]))) <= Decimal("0.03")


def test_a_negative_value_is_drawn_at_the_start_of_the_fan_not_wrapped_or_fatal(run, make_workspace):
    # `pipe check` refuses a negative value, but the file loads: the report must still come out
    deals = {**closed_deals("sure", "won", 10), "plus": deal("plus", "sure", value=1000, close="2027-01-20"),
             "minus": deal("minus", "sure", value=-1_000_000, close="2026-12-10")}
    for fmt in ("text", "html"):
        result = run(make_workspace(deals, CONFIG, name=fmt), "report", "forecast", "--ranges", "--runs", "50",
                     "--format", fmt)
        assert result.exit_code == 0, result.stderr
        assert "Traceback" not in result.stdout + result.stderr
    fan = [line for line in run(make_workspace(deals, CONFIG, name="again"), "report", "forecast", "--ranges",
                                "--runs", "50").stdout.splitlines() if line.startswith("  2026-12 ")]
    assert fan[0].startswith("  2026-12  █ ")  # -1,000,000 EUR: at the start of the scale
    svg = run(make_workspace(deals, CONFIG, name="svg"), "report", "forecast", "--ranges", "--runs", "50",
              "--format", "html").stdout
    import re

    from pipecli.render.svg import LABEL_WIDTH
    starts = re.findall(r'<rect class="band" x="([-\d.]+)"', svg) + re.findall(r'<circle class="dot" cx="([-\d.]+)"', svg)
    assert starts and all(float(x) >= LABEL_WIDTH for x in starts)  # not over the period labels


def test_a_deal_moved_to_another_pipeline_after_today_is_forecast_in_the_one_it_was_in(run, make_workspace):
    # in `sure` today (2026-11-27), moved to `never` on 2026-12-01 (PIPE_TODAY in the past)
    moved = deal("moved", "never", value=1000, close="2026-12-10", entered="2026-10-01").replace(
        "history:\n- {stage: never-open, date: 2026-10-01}",
        "history:\n- {stage: sure-open, date: 2026-10-01}\n- {stage: never-open, date: 2026-12-01, pipeline: never}")
    assert "pipeline: never}" in moved
    data, rows = ranges(run, make_workspace({**closed_deals("sure", "won", 10), "moved": moved}, CONFIG),
                        "--period", "2026-12")
    assert data["figures"]["open_deals"]["value"] == 1
    assert [Decimal(str(rows["2026-12"][k])) for k in ("p10", "p50", "p90")] == [Decimal(1000)] * 3


def test_the_weighted_sum_counts_overdue_deals_in_the_period_under_way_and_nothing_in_one_over(run, make_workspace):
    deals = {**closed_deals("sure", "won", 10),
             "late": deal("late", "sure", value=900, close="2026-10-20"),  # overdue since October
             "done": deal("done", "sure", "won", value=300, entered="2026-10-01", closed="2026-10-05")}
    workspace = make_workspace(deals, CONFIG)
    _, rows = ranges(run, workspace)
    assert Decimal(str(rows["2026-11"]["weighted"])) == 900  # under way: overdue, any day now
    assert Decimal(str(rows["2026-12"]["weighted"])) == 0
    assert Decimal(str(rows["2026-Q4"]["weighted"])) == 1200  # October's win and the overdue deal
    _, rows = ranges(run, workspace, "--period", "2026-10")
    assert Decimal(str(rows["2026-10"]["weighted"])) == 300  # over: what was won, no open deal can close in it
