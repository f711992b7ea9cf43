"""Report edge cases found in review: odd data, odd periods, odd output targets, hostile templates."""

import json

import pytest

from tests.conftest import CONFIG, failed, simple_deal

WON = dict(stage="won", closed="2026-11-20", tasks="[]",
           history="\n- {stage: lead, date: 2026-11-01}\n- {stage: won, date: 2026-11-20}")


def report(run, workspace, *args):
    result = run(workspace, "report", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["reports"]


def test_a_fractional_stage_probability_calibrates(make_workspace, run):
    config = CONFIG.replace("probability: 10, rot_days: 14", "probability: 12.5, rot_days: 14")
    workspace = make_workspace({"acme": simple_deal("acme", **WON)}, config=config)
    rows = report(run, workspace, "calibration")["calibration"]["tables"]["calibration_sales"]["rows"]
    # the one closed deal reached lead and was won: 100% actual, 12.5% configured -> +87.5 points
    assert (rows[0]["configured"], rows[0]["actual"], rows[0]["difference"]) == (12.5, 100, 87.5)


def test_the_stage_now_is_the_stage_field_even_where_history_lags(make_workspace, run):
    lagging = simple_deal("lagging", stage="proposal", history="\n- {stage: lead, date: 2026-11-01}")
    workspace = make_workspace({"lagging": lagging})
    rows = report(run, workspace, "revenue")["revenue"]["tables"]["pipeline_by_stage"]["rows"]
    assert {r["stage"]: r["deals"] for r in rows if r["pipeline"] == "sales"} == {"lead": 0, "qualified": 0, "proposal": 1}


def test_a_deal_without_history_counts_in_the_funnel_from_its_created_date(make_workspace, run):
    workspace = make_workspace({"bare": simple_deal("bare", stage="qualified", history="[]")})
    rows = report(run, workspace, "funnel")["funnel"]["tables"]["funnel_sales"]["rows"]
    # created 2026-11-01 in qualified: it passed lead and qualified then
    assert [(r["stage"], r["reached"]) for r in rows][:3] == [("lead", 1), ("qualified", 1), ("proposal", 0)]


def test_a_change_from_a_negative_figure_keeps_its_sign(make_workspace, run):
    # October: the open pipeline fell from 1,000 (acme open) to 0 (acme won on 10-20): -1,000.
    # November: it rose by beta's 1,000: +1,000. Change +2,000, +200% of |-1,000|.
    acme = simple_deal("acme", created="2026-09-01", stage="won", closed="2026-10-20", tasks="[]",
                       history="\n- {stage: lead, date: 2026-09-01}\n- {stage: won, date: 2026-10-20}")
    workspace = make_workspace({"acme": acme, "beta": simple_deal("beta")})
    figure = report(run, workspace, "movement", "--period", "2026-11")["movement"]["figures"]["pipeline_change"]
    assert (figure["value"], figure["previous"], figure["change"], figure["change_pct"]) == (1000, -1000, 2000, 200)


def test_ties_are_named_and_other_interaction_kinds_get_columns(make_workspace, run):
    acts = ("\n- {date: 2026-11-10, kind: call, by: alice, summary: x}"
            "\n- {date: 2026-11-11, kind: demo, by: bob, summary: y}")
    workspace = make_workspace({"acme": simple_deal("acme", activities=acts)})
    team = report(run, workspace, "team")["team"]
    assert team["figures"]["most_active"]["value"] == "alice, bob"
    rows = {r["owner"]: r for r in team["tables"]["team"]["rows"]}
    assert (rows["bob"]["demo"], rows["bob"]["interactions"]) == (1, 1)


def test_a_flushed_deal_is_dropped_whatever_its_reason(make_workspace, run):
    old = simple_deal("old", created="2026-06-01", history="\n- {stage: lead, date: 2026-06-01}")
    workspace = make_workspace({"old": old})
    assert run(workspace, "flush", "--inactive", "90d", "--reason", "price", "--yes").exit_code == 0
    rows = report(run, workspace, "team")["team"]["tables"]["team"]["rows"]
    assert {r["owner"]: r["dropped"] for r in rows}["alice"] == 1


@pytest.mark.parametrize("period", ["0001", "0001-06", "0001-01-01..9999-12-31", "2026-11-01..today"])
def test_periods_at_the_calendars_edges_report(make_workspace, run, period):
    workspace = make_workspace({"acme": simple_deal("acme")})
    assert run(workspace, "report", "--period", period, "--format", "json").exit_code == 0


def test_year_labels_have_four_digits(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")})
    assert report(run, workspace, "revenue", "--period", "0001")["revenue"]["period"]["label"] == "0001"


def test_compare_followed_by_a_report_name_compares_that_report(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")})
    data = report(run, workspace, "--compare", "revenue")
    assert list(data) == ["revenue"] and data["revenue"]["compared_with"]["label"] == "2026-10"


@pytest.mark.parametrize("target, words", [
    ("{tmp}/missing/r.txt", ["there is no folder"]),
    ("", ["an empty -o"]),
    ("{tmp}", ["is a folder"]),
])
def test_output_targets_are_checked_first(make_workspace, run, tmp_path, target, words):
    workspace = make_workspace({"acme": simple_deal("acme")})
    failed(run(workspace, "report", "-o", target.format(tmp=tmp_path)), *words)


def test_a_read_only_output_is_not_replaced(make_workspace, run, tmp_path):
    workspace = make_workspace({"acme": simple_deal("acme")})
    target = tmp_path / "r.txt"
    target.write_text("keep")
    target.chmod(0o444)
    failed(run(workspace, "report", "-o", str(target)), "read-only")
    assert target.read_text() == "keep"


def test_dash_is_standard_output(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")})
    assert run(workspace, "report", "revenue", "-o", "-").stdout.startswith("Revenue · 2026-11")


def test_markdown_escapes_html_from_deal_files(make_workspace, run):
    evil = simple_deal("evil", account="<img src=x onerror=alert(1)> | <!--", **WON)
    workspace = make_workspace({"evil": evil})
    md = run(workspace, "report", "revenue", "--format", "md").stdout
    assert "<img" not in md and "<!--" not in md
    assert "&lt;img src=x onerror=alert(1)&gt; \\| &lt;!--" in md


@pytest.mark.parametrize("body, words", [
    ("{{ 1/0 }}", ["x.md.j2:1: template error: ZeroDivisionError"]),
    ("{% for i in range(10**9) %}{% endfor %}", ["template error"]),
    ("{% macro f(n) %}{{ f(n+1) }}{% endmacro %}{{ f(0) }}", ["without end"]),
])
def test_a_template_that_fails_while_rendering_is_one_line(make_workspace, run, tmp_path, body, words):
    workspace = make_workspace({"acme": simple_deal("acme")})
    template = tmp_path / "x.md.j2"
    template.write_text(body)
    failed(run(workspace, "report", "--format", "md", "--template", str(template)), *words)


def test_a_workspace_template_that_extends_its_own_name_is_told_how_to_extend(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")})
    (workspace.root / "templates").mkdir()
    (workspace.root / "templates" / "report.html.j2").write_text('{% extends "report.html.j2" %}')
    failed(run(workspace, "report", "--format", "html"), "builtin/report.html.j2")


def test_a_runaway_template_is_stopped(make_workspace, run, tmp_path, monkeypatch):
    import pipecli.render.templates as templates

    monkeypatch.setattr(templates, "RENDER_SECONDS", 1)
    workspace = make_workspace({"acme": simple_deal("acme")})
    template = tmp_path / "loop.md.j2"
    template.write_text("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}")
    failed(run(workspace, "report", "--format", "md", "--template", str(template)), "still rendering after 1 s")
