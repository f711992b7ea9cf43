"""Closes that can be dated (--on) and corrected, and no command writing a date `pipe check` warns about."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.conftest import committed_repository, failed, simple_deal

# Today is Friday 2026-11-27 (conftest); the deals below were created on 2026-11-01.
MOVED = "\n- {stage: lead, date: 2026-11-01}\n- {stage: qualified, date: 2026-11-10}"
TWO_TASKS = ("\n- {id: ta1234, text: Call them, due: 2026-12-01, status: open, created: 2026-11-01}"
             "\n- {id: tb5678, text: Send the deck, status: open, created: 2026-11-20}")


def lost_deal(deal_id: str, **fields) -> str:
    history = "\n- {stage: lead, date: 2026-11-01}\n- {stage: lost, date: 2026-11-20, by: bob}"
    return simple_deal(deal_id, **{"stage": "lost", "closed": "2026-11-20", "lost_reason": "price", "tasks": "[]",
                                   "history": history, **fields})


def won_deal(deal_id: str, **fields) -> str:
    history = "\n- {stage: lead, date: 2026-11-01}\n- {stage: won, date: 2026-11-20}"
    return simple_deal(deal_id, **{"stage": "won", "closed": "2026-11-20", "tasks": "[]", "history": history, **fields})


def revenue(run, workspace, period: str) -> dict:
    result = run(workspace, "report", "revenue", "--period", period, "--format", "json")
    assert result.exit_code == 0, result.stderr
    figures = json.loads(result.stdout)["reports"]["revenue"]["figures"]
    return {key: figures[key]["value"] for key in ("revenue_won", "deals_won", "deals_lost", "sales_cycle_mean_days")}


def clean(run, workspace) -> None:
    result = run(workspace, "check")
    assert result.exit_code == 0 and "warning" not in result.stdout, result.stdout


# -- --on: the day a change happened ------------------------------------------------------------

def test_won_on_friday_recorded_monday_lands_in_fridays_period_and_cycle(make_workspace, run, monkeypatch):
    monkeypatch.setenv("PIPE_TODAY", "2026-11-02")  # Monday; the deal was signed on Friday 2026-10-30
    workspace = make_workspace({"acme": simple_deal("acme", created="2026-10-01", value=5000)})
    result = run(workspace, "won", "acme", "--on", "2026-10-30")
    assert result.exit_code == 0, result.stderr
    deal = workspace.load("acme")
    assert deal.closed == dt.date(2026, 10, 30)
    assert deal.history[-1] == {"stage": "won", "date": dt.date(2026, 10, 30), "by": "alice"}
    assert deal.tasks[0]["status"] == "cancelled" and deal.tasks[0]["done"] == dt.date(2026, 10, 30)
    assert revenue(run, workspace, "2026-10") == {"revenue_won": 5000, "deals_won": 1, "deals_lost": 0,
                                                  "sales_cycle_mean_days": 29}
    assert revenue(run, workspace, "2026-11")["deals_won"] == 0
    clean(run, workspace)


def test_move_on_a_past_day_accepts_yesterday_and_a_duration_ago(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme"), "beta": simple_deal("beta")})
    assert run(workspace, "move", "acme", "qualified", "--on", "yesterday").exit_code == 0
    assert run(workspace, "move", "beta", "proposal", "--on", "3d").exit_code == 0
    assert workspace.load("acme").history[-1]["date"] == dt.date(2026, 11, 26)
    assert workspace.load("beta").history[-1]["date"] == dt.date(2026, 11, 24)
    assert workspace.load("beta").stage_entered() == dt.date(2026, 11, 24)
    clean(run, workspace)


def test_lost_on_a_past_day(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme", history=MOVED)})
    result = run(workspace, "lost", "acme", "--reason", "competitor", "--on", "2026-11-12")
    assert result.exit_code == 0, result.stderr
    deal = workspace.load("acme")
    assert (deal.stage, deal.closed, deal.lost_reason) == ("lost", dt.date(2026, 11, 12), "competitor")
    assert deal.history[-1]["date"] == dt.date(2026, 11, 12)
    clean(run, workspace)


def test_task_done_won_on_dates_the_task_and_the_close(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")})
    result = run(workspace, "task", "done", "ta1234", "--won", "--on", "2026-11-25")
    assert result.exit_code == 0, result.stderr
    deal = workspace.load("acme")
    assert deal.tasks[0]["done"] == dt.date(2026, 11, 25)
    assert deal.closed == dt.date(2026, 11, 25) and deal.history[-1]["date"] == dt.date(2026, 11, 25)
    clean(run, workspace)


def test_task_cancel_park_on_with_a_next_step_made_today(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")})
    result = run(workspace, "task", "cancel", "ta1234", "--park", "--on", "2026-11-20",
                 "--next", "Call again in spring", "--due", "2027-03-01")
    assert result.exit_code == 0, result.stderr
    deal = workspace.load("acme")
    assert deal.stage == "fridge" and deal.history[-1]["date"] == dt.date(2026, 11, 20)
    assert deal.tasks[0]["status"] == "cancelled" and deal.tasks[0]["done"] == dt.date(2026, 11, 20)
    assert deal.tasks[1]["created"] == dt.date(2026, 11, 27) and deal.tasks[1]["due"] == dt.date(2027, 3, 1)
    clean(run, workspace)


def test_a_close_dated_back_cancels_a_later_task_on_the_day_it_was_created(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme", tasks=TWO_TASKS)})
    assert run(workspace, "won", "acme", "--on", "2026-11-15").exit_code == 0
    assert [t["done"] for t in workspace.load("acme").tasks] == [dt.date(2026, 11, 15), dt.date(2026, 11, 20)]
    clean(run, workspace)


def test_task_done_on_before_the_task_was_created_is_refused(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme", tasks=TWO_TASKS)})
    before = workspace.deal_path("acme").read_bytes()
    failed(run(workspace, "task", "done", "tb5678", "--on", "2026-11-15"), "before the task was created (2026-11-20)")
    assert workspace.deal_path("acme").read_bytes() == before


REFUSALS = [
    ("2026-10-20", "before acme was created (2026-11-01)"),
    ("2026-11-05", "before acme's last stage change (to qualified on 2026-11-10)"),
    ("2026-11-28", "is after today (2026-11-27)"),
    ("tomorrow", "--on tomorrow (2026-11-28) is after today"),
    ("a week ago", "bad date 'a week ago'"),
]
COMMANDS = [
    ("move", "acme", "proposal"),
    ("won", "acme"),
    ("lost", "acme", "--reason", "price"),
    ("task", "done", "ta1234", "--won"),
    ("task", "cancel", "ta1234", "--lost", "price"),
    ("task", "done", "ta1234", "--park"),
]


@pytest.mark.parametrize("on, words", REFUSALS)
@pytest.mark.parametrize("command", COMMANDS)
def test_on_before_created_before_the_last_move_after_today_or_unreadable_is_refused(make_workspace, run, command, on, words):
    workspace = make_workspace({"acme": simple_deal("acme", stage="qualified", history=MOVED)})
    before = workspace.deal_path("acme").read_bytes()
    failed(run(workspace, *command, "--on", on), words)
    assert workspace.deal_path("acme").read_bytes() == before


def test_on_the_day_of_the_last_move_is_fine(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme", stage="qualified", history=MOVED)})
    assert run(workspace, "won", "acme", "--on", "2026-11-10").exit_code == 0
    clean(run, workspace)


def test_flush_on_closes_every_deal_that_day(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme", created="2026-06-01"),
                                "beta": simple_deal("beta", created="2026-06-15")})
    result = run(workspace, "flush", "--created-before", "2026-07-01", "--on", "2026-11-20", "--yes")
    assert result.exit_code == 0, result.stderr
    for deal_id in ("acme", "beta"):
        deal = workspace.load(deal_id)
        assert (deal.stage, deal.closed, deal.lost_reason) == ("lost", dt.date(2026, 11, 20), "stale")
        assert deal.history[-1] == {"stage": "lost", "date": dt.date(2026, 11, 20), "by": "alice", "flushed": True}
    assert revenue(run, workspace, "2026-11")["deals_lost"] == 2
    clean(run, workspace)


def test_flush_on_changes_no_deal_when_one_would_get_a_date_before_its_own_history(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme", created="2026-06-01"),
                                "beta": simple_deal("beta", created="2026-06-15"),
                                "gamma": simple_deal("gamma", created="2026-06-01", stage="qualified",
                                                     history="\n- {stage: lead, date: 2026-06-01}"
                                                             "\n- {stage: qualified, date: 2026-07-02}")})
    before = {d: workspace.deal_path(d).read_bytes() for d in ("acme", "beta", "gamma")}
    line = failed(run(workspace, "flush", "--created-before", "2026-07-01", "--on", "2026-06-10", "--yes"),
                  "nothing changed: 2 of 3 deals cannot be changed")
    assert "beta: --on 2026-06-10 is before beta was created (2026-06-15)" in line
    assert "gamma: --on 2026-06-10 is before gamma's last stage change" in line and "acme" not in line
    assert {d: workspace.deal_path(d).read_bytes() for d in before} == before


# -- corrections of a close ---------------------------------------------------------------------

def test_lost_again_corrects_the_reason_and_date_and_records_it_in_the_history(make_workspace, run, monkeypatch):
    monkeypatch.setenv("PIPE_USER", "alice")
    workspace = make_workspace({"acme": lost_deal("acme")})
    result = run(workspace, "lost", "acme", "--reason", "competitor", "--on", "2026-11-18")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "acme: close corrected: closed 2026-11-20 -> 2026-11-18; lost_reason price -> competitor\n"
    deal = workspace.load("acme")
    assert (deal.closed, deal.lost_reason) == (dt.date(2026, 11, 18), "competitor")
    assert deal.history[-1] == {"stage": "lost", "date": dt.date(2026, 11, 18), "by": "bob",
                                "corrected": dt.date(2026, 11, 27), "corrected_by": "alice",
                                "was_date": dt.date(2026, 11, 20), "was_reason": "price"}
    clean(run, workspace)
    report = json.loads(run(workspace, "report", "revenue", "--period", "2026-11", "--format", "json").stdout)
    assert [r["reason"] for r in report["reports"]["revenue"]["tables"]["lost_reasons"]["rows"]] == ["competitor"]


def test_a_second_correction_keeps_what_the_close_first_said(make_workspace, run):
    workspace = make_workspace({"acme": lost_deal("acme")})
    assert run(workspace, "lost", "acme", "--reason", "competitor").exit_code == 0
    assert run(workspace, "lost", "acme", "--reason", "stale", "--on", "2026-11-19").exit_code == 0
    entry = workspace.load("acme").history[-1]
    assert list(entry) == ["stage", "date", "by", "corrected", "corrected_by", "was_date", "was_reason"]
    assert (entry["date"], entry["was_date"], entry["was_reason"]) == (dt.date(2026, 11, 19), dt.date(2026, 11, 20), "price")
    clean(run, workspace)


def test_won_again_corrects_the_closed_date_and_the_revenue_period_follows(make_workspace, run):
    workspace = make_workspace({"acme": won_deal("acme", created="2026-10-01", value=5000,
                                                 history="\n- {stage: lead, date: 2026-10-01}\n- {stage: won, date: 2026-11-20}")})
    assert revenue(run, workspace, "2026-11")["revenue_won"] == 5000
    result = run(workspace, "won", "acme", "--on", "2026-10-30")
    assert result.stdout == "acme: close corrected: closed 2026-11-20 -> 2026-10-30\n"
    assert revenue(run, workspace, "2026-10") == {"revenue_won": 5000, "deals_won": 1, "deals_lost": 0,
                                                  "sales_cycle_mean_days": 29}
    assert revenue(run, workspace, "2026-11")["deals_won"] == 0
    assert workspace.load("acme").history[-1]["date"] == dt.date(2026, 10, 30)
    clean(run, workspace)


def test_set_closed_and_lost_reason_correct_the_close_too(make_workspace, run):
    workspace = make_workspace({"acme": lost_deal("acme")})
    result = run(workspace, "set", "acme", "lost_reason=competitor", "closed=2026-11-19")
    assert result.exit_code == 0, result.stderr
    deal = workspace.load("acme")
    assert (deal.closed, deal.lost_reason) == (dt.date(2026, 11, 19), "competitor")
    assert deal.history[-1]["date"] == dt.date(2026, 11, 19) and deal.history[-1]["was_reason"] == "price"
    clean(run, workspace)


@pytest.mark.parametrize("args, words", [
    (("won", "acme"), "acme is already won (closed 2026-11-20): to correct it, give --on DATE"),
    (("won", "acme", "--on", "2026-11-20"), "acme is already won"),
    (("won", "acme", "--on", "2026-10-30"), "before acme was created (2026-11-01)"),
    (("move", "acme", "won"), "acme is already in won: to correct its close, 'pipe won acme --on DATE'"),
    (("set", "acme", "lost_reason=price"), "cannot set lost_reason: acme is not lost (close it with 'pipe lost acme --reason R')"),
    (("set", "acme", "closed="), "cannot remove closed"),
    (("set", "acme", "closed=2026-11-30"), "closed 2026-11-30 is after today"),
])
def test_corrections_that_cannot_be_made_are_refused(make_workspace, run, args, words):
    workspace = make_workspace({"acme": won_deal("acme")})
    before = workspace.deal_path("acme").read_bytes()
    failed(run(workspace, *args), words)
    assert workspace.deal_path("acme").read_bytes() == before


def test_a_correction_keeps_the_history_in_date_order(make_workspace, run):
    workspace = make_workspace({"acme": lost_deal("acme", history=MOVED + "\n- {stage: lost, date: 2026-11-20}")})
    failed(run(workspace, "lost", "acme", "--reason", "price", "--on", "2026-11-09"),
           "before acme's stage change before the close (to qualified on 2026-11-10)")


def test_closed_on_an_open_deal_points_at_won_and_lost(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")})
    failed(run(workspace, "set", "acme", "closed=2026-11-20"),
           "acme is not won or lost (close it with 'pipe won/lost acme --on DATE')")


def test_bulk_set_corrects_the_lost_reason_of_the_selected_deals(make_workspace, run):
    workspace = make_workspace({"acme": lost_deal("acme"), "beta": lost_deal("beta")})
    result = run(workspace, "bulk", "set", "lost_reason=competitor", "--lost", "--yes")
    assert result.exit_code == 0, result.stderr
    assert [workspace.load(d).lost_reason for d in ("acme", "beta")] == ["competitor", "competitor"]
    clean(run, workspace)


def test_history_shows_a_correction_as_one_line(make_workspace, run, monkeypatch):
    workspace = make_workspace({"acme": lost_deal("acme")})
    committed_repository(workspace.root, monkeypatch)
    assert run(workspace, "lost", "acme", "--reason", "competitor", "--on", "2026-11-18").exit_code == 0
    out = run(workspace, "history", "acme").stdout.splitlines()
    assert out[:2] == ["not committed yet",
                       "  close corrected: closed 2026-11-20 -> 2026-11-18; lost_reason price -> competitor (by alice)"]


# -- no command writes a date `pipe check` warns about ------------------------------------------

def test_log_at_before_the_deal_was_created_is_refused_with_the_way_out(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")})
    before = workspace.deal_path("acme").read_bytes()
    failed(run(workspace, "log", "acme", "call", "First call", "--at", "2026-10-20"),
           "--at 2026-10-20 is before acme was created (2026-11-01): to log it, first 'pipe set acme created=2026-10-20'")
    assert workspace.deal_path("acme").read_bytes() == before
    assert run(workspace, "set", "acme", "created=2026-10-20").exit_code == 0
    assert run(workspace, "log", "acme", "call", "First call", "--at", "2026-10-20").exit_code == 0
    clean(run, workspace)


def test_set_created_after_a_logged_interaction_is_refused(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme", history="\n- {stage: lead, date: 2026-11-10}",
                                                    activities="\n- {date: 2026-11-05, kind: call, summary: Hi}")})
    before = workspace.deal_path("acme").read_bytes()
    failed(run(workspace, "set", "acme", "created=2026-11-08"),
           "created 2026-11-08 would be after acme's first interaction (2026-11-05)")
    assert workspace.deal_path("acme").read_bytes() == before
    assert run(workspace, "set", "acme", "created=2026-11-05").exit_code == 0
    clean(run, workspace)


def test_import_mail_does_not_put_an_email_on_a_deal_created_after_it(make_workspace, run, tmp_path):
    contact = "\n- {name: Jonas, email: jonas@acme.example}"
    workspace = make_workspace({"acme": simple_deal("acme", created="2026-11-10", contacts=contact)})
    mbox = tmp_path / "mail.mbox"
    mbox.write_text("From jonas@acme.example Thu Nov  5 10:00:00 2026\n"
                    "Message-ID: <early@acme.example>\nFrom: jonas@acme.example\nTo: alice@example.com\n"
                    "Subject: Before we talked\nDate: Thu, 05 Nov 2026 10:00:00 +0100\n\nHello.\n", encoding="utf-8")
    result = run(workspace, "import-mail", str(mbox))
    assert result.exit_code == 0, result.stderr
    assert workspace.load("acme").activities == []
    clean(run, workspace)


def test_check_refuses_a_closed_date_the_history_does_not_share(make_workspace, run):
    # As a hand resolution of a won-vs-lost merge can leave it: one side's history, the other's date.
    workspace = make_workspace({"acme": won_deal("acme").replace("closed: 2026-11-20", "closed: 2026-11-25")})
    result = run(workspace, "check")
    assert result.exit_code == 1
    assert "closed is 2026-11-25 but the history closed the deal on 2026-11-20" in result.stdout
    assert "pipe won acme --on DATE" in result.stdout
    assert run(workspace, "won", "acme", "--on", "2026-11-25").exit_code == 0  # the fix it names
    clean(run, workspace)


def test_set_closed_names_what_was_typed_in_its_refusal(make_workspace, run):
    workspace = make_workspace({"acme": won_deal("acme")})
    failed(run(workspace, "set", "acme", "closed=2026-10-01"), "closed=2026-10-01 is before acme was created")
