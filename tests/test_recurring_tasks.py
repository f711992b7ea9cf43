"""Recurring tasks: `pipe task add --every`, the next one made by `pipe task done`, and the file's `every` key."""

import datetime as dt

from tests.conftest import CONFIG, failed, simple_deal
from tests.test_team_git import team, template  # noqa: F401  (fixtures)

STRICT = CONFIG.replace("next_step: warn", "next_step: strict")


def recurring_deal(due="2026-11-27", every="2w", assignee="bob"):
    due_line = f"\n  due: {due}" if due else ""
    return simple_deal("acme", tasks=f"\n- id: ta1234\n  text: Check in with Jonas{due_line}\n  every: {every}\n"
                                     f"  assignee: {assignee}\n  status: open\n  created: 2026-11-01")


def test_add_every_stores_the_interval_in_its_place(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")})
    result = run(workspace, "task", "add", "acme", "Weekly report", "--due", "2026-12-04", "--every", "1W")
    assert result.exit_code == 0, result.stderr
    task = workspace.load("acme").tasks[1]
    assert list(task) == ["id", "text", "due", "every", "assignee", "status", "created"]
    assert task["every"] == "1w"
    assert result.stdout == f"{task['id']} added to acme: Weekly report (due 2026-12-04, every 1w) @alice\n"
    assert run(workspace, "check").exit_code == 0


def test_add_refuses_a_bad_interval(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")})
    before = workspace.read_bytes("acme")
    failed(run(workspace, "task", "add", "acme", "Report", "--every", "fortnight"), "bad duration 'fortnight'")
    failed(run(workspace, "task", "add", "acme", "Report", "--every", "0w"), "bad interval '0w'")
    assert workspace.read_bytes("acme") == before


def test_done_creates_the_next_one_an_interval_after_the_due_date(make_workspace, run):
    workspace = make_workspace({"acme": recurring_deal(due="2026-11-27")}, config=STRICT)
    result = run(workspace, "task", "done", "ta1234")
    assert result.exit_code == 0, result.stderr  # strict: the next one is the next step
    tasks = workspace.load("acme").tasks
    assert len(tasks) == 2 and tasks[0]["status"] == "done"
    new = tasks[1]
    assert new["text"] == "Check in with Jonas" and new["assignee"] == "bob" and new["every"] == "2w"
    assert new["due"] == dt.date(2026, 12, 11) and new["status"] == "open" and new["id"] != "ta1234"
    assert result.stdout == ("ta1234 done: Check in with Jonas\n"
                             f"{new['id']} added: Check in with Jonas (due 2026-12-11, every 2w) @bob\n")
    assert run(workspace, "check").exit_code == 0


def test_a_late_one_rolls_forward_past_today(make_workspace, run):
    workspace = make_workspace({"acme": recurring_deal(due="2026-10-30", every="1w")})
    assert run(workspace, "task", "done", "ta1234").exit_code == 0
    assert workspace.load("acme").tasks[1]["due"] == dt.date(2026, 12, 4)  # 11-06, 13, 20, 27 are not after today


def test_without_a_due_date_it_counts_from_the_day_done(make_workspace, run):
    workspace = make_workspace({"acme": recurring_deal(due=None, every="1m")})
    assert run(workspace, "task", "done", "ta1234", "--on", "2026-11-25").exit_code == 0
    assert workspace.load("acme").tasks[1]["due"] == dt.date(2026, 12, 25)


def test_cancelling_ends_the_series(make_workspace, run):
    workspace = make_workspace({"acme": recurring_deal()}, config=STRICT)
    failed(run(workspace, "task", "cancel", "ta1234"), "no next step")
    result = run(workspace, "task", "cancel", "ta1234", "--next", "Something else")
    assert result.exit_code == 0, result.stderr
    tasks = workspace.load("acme").tasks
    assert [t["text"] for t in tasks] == ["Check in with Jonas", "Something else"]
    assert "every" not in tasks[1]


def test_check_refuses_a_bad_every_at_its_line(make_workspace, run):
    workspace = make_workspace({"acme": recurring_deal(every="often")})
    result = run(workspace, "check")
    assert result.exit_code == 1
    lines = workspace.read_bytes("acme").decode().splitlines()
    line = lines.index("  every: often") + 1
    assert f"deals/acme.md:{line}:" in result.stdout + result.stderr
    assert "every must be an interval like 1w" in result.stdout + result.stderr


def test_show_says_a_task_recurs(make_workspace, run):
    workspace = make_workspace({"acme": recurring_deal()})
    assert "  ta1234 Check in with Jonas (due 2026-11-27) (every 2w) @bob\n" in run(workspace, "show", "acme").stdout


def test_an_interval_that_could_never_come_back_is_refused_when_the_task_is_added(make_workspace, run, monkeypatch):
    monkeypatch.setenv("PIPE_TODAY", "2026-11-27")
    workspace = make_workspace({"acme": simple_deal("acme")})
    added = run(workspace, "task", "add", "acme", "Yearly", "--due", "1d", "--every", "100000y")
    assert added.exit_code == 1 and added.stderr == "pipe: bad interval '100000y': at most 10y\n"
    assert run(workspace, "task", "add", "acme", "Yearly", "--due", "1d", "--every", "10y").exit_code == 0


def test_a_recurring_task_done_in_two_clones_is_still_one_series(team):
    """Each clone's `task done` made the next task under a random id, and the merge kept both: two series."""
    alice, bob, acme = team.alice, team.bob, team.acme
    alice.pipe("task", "add", acme, "Weekly check", "--due", "1d", "--every", "1w")
    alice.pipe("sync")
    bob.pipe("sync")
    task_id = next(t["id"] for t in bob.deal(acme)["tasks"] if t["text"] == "Weekly check")
    bob.pipe("task", "done", task_id)
    alice.pipe("task", "done", task_id)
    bob.pipe("sync")
    alice.pipe("sync")
    open_series = [t for t in alice.deal(acme)["tasks"] if t["text"] == "Weekly check" and t.get("every")
                   and t.get("status") == "open"]
    assert len(open_series) == 1, open_series
