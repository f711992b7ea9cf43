"""Tasks: naming them, the task commands, the next-step rule in its three settings, and the agenda."""

import json

import pytest

from tests.conftest import CONFIG, failed, simple_deal

STRICT = CONFIG.replace("next_step: warn", "next_step: strict")
OFF = CONFIG.replace("next_step: warn", "next_step: off")

TWO_TASKS = """tasks:
- id: ta1234
  text: Call them
  due: 2026-11-20
  status: open
- id: tb5678
  text: Send pricing
  due: 2026-11-27
  assignee: bob
  status: open"""


def two_task_deal(deal_id="acme", **fields):
    return simple_deal(deal_id, tasks=TWO_TASKS.split(":", 1)[1], **fields)


# -- naming tasks -------------------------------------------------------------------------------

def test_task_by_id_by_prefix_and_by_deal_and_id(make_workspace, run):
    workspace = make_workspace({"acme": two_task_deal(), "beta": simple_deal("beta", tasks="\n- id: tc9999\n  text: Other\n  status: open")})
    assert run(workspace, "task", "done", "ac#tb").stdout == "tb5678 done: Send pricing\n"
    assert run(workspace, "task", "done", "tc9999", "--next", "Again").stdout.startswith("tc9999 done: Other\n")
    assert run(workspace, "task", "snooze", "ta12", "--until", "2w").stdout.startswith("ta1234 snoozed until")
    assert workspace.load("acme").tasks[1]["status"] == "done"
    assert workspace.load("beta").tasks[0]["status"] == "done"


@pytest.mark.parametrize("ref, words", [
    ("acme#2", ["acme#2: tasks are named by id, not by position", "acme: ta1234 Call them; tb5678 Send pricing"]),
    ("acme#3", ["acme#3: tasks are named by id, not by position", "ta1234 Call them; tb5678 Send pricing"]),
    ("acme#0", ["named by id, not by position", "ta1234 Call them; tb5678 Send pricing"]),
    ("nosuch#1", ["no deal matches 'nosuch'"]),
    ("nosuch#ta1234", ["no deal matches 'nosuch'"]),
    ("zz0000", ["no task 'zz0000'"]),
    ("acme", ["no task 'acme'"]),
    ("#2", ["bad task '#2'", "'pipe tasks'"]),
    ("acme#x", ["no task 'acme#x' on acme"]),
    ("acme#ta1#2", ["bad task 'acme#ta1#2'"]),
    ("", ["bad task"]),
])
def test_bad_task_references_are_one_line(make_workspace, run, ref, words):
    workspace = make_workspace({"acme": two_task_deal()})
    before = workspace.read_bytes("acme")
    failed(run(workspace, "task", "done", ref), *words)
    assert workspace.read_bytes("acme") == before


def test_a_task_id_on_two_deals_is_ambiguous(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme"), "beta": simple_deal("beta")})
    before = {d: workspace.read_bytes(d) for d in ("acme", "beta")}
    failed(run(workspace, "task", "done", "ta1234"), "'ta1234' matches 2 tasks",
           "acme#ta1234 Call them", "beta#ta1234 Call them")
    failed(run(workspace, "task", "done", "ta"), "'ta' matches 2 tasks", "acme#ta1234", "beta#ta1234")
    assert {d: workspace.read_bytes(d) for d in ("acme", "beta")} == before
    assert run(workspace, "task", "done", "be#ta1234", "--next", "x").stdout.startswith("ta1234 done: Call them\n")
    assert workspace.load("beta").tasks[0]["status"] == "done" and workspace.load("acme").tasks[0]["status"] == "open"


def test_an_id_prefix_shared_by_two_tasks_of_one_deal_is_ambiguous(make_workspace, run):
    tasks = ("\n- {id: kq2ab, text: First, status: open}\n- {id: kq2abc, text: Second, status: open}"
             "\n- {id: kq3zzz, text: Third, status: open}")
    workspace = make_workspace({"acme": simple_deal("acme", tasks=tasks), "beta": simple_deal("beta")})
    before = workspace.read_bytes("acme")
    failed(run(workspace, "task", "done", "kq2"), "matches 2 tasks", "acme#kq2ab First", "acme#kq2abc Second")
    failed(run(workspace, "task", "done", "acme#kq"), "matches 3 tasks", "acme#kq3zzz Third")
    assert workspace.read_bytes("acme") == before
    # a whole id names its task even when it is the prefix of another; one more character names the other
    assert run(workspace, "task", "done", "kq2ab").stdout == "kq2ab done: First\n"
    assert run(workspace, "task", "done", "kq2abc").stdout == "kq2abc done: Second\n"
    assert [t["status"] for t in workspace.load("acme").tasks] == ["done", "done", "open"]


# -- the commands ------------------------------------------------------------------------------

def test_task_add_defaults_to_the_owner_and_parses_the_due_date(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")})
    result = run(workspace, "task", "add", "acme", "Send the contract", "--due", "3d")
    task = workspace.load("acme").tasks[1]
    assert result.stdout == f"{task['id']} added to acme: Send the contract (due 2026-11-30) @alice\n"
    assert task["status"] == "open" and str(task["created"]) == "2026-11-27"
    assert task["id"][0].isalpha() and len(task["id"]) == 6


def test_task_add_with_assignee_by_email(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")})
    run(workspace, "task", "add", "acme", "Legal review", "--assignee", "BOB@example.com")
    assert workspace.load("acme").tasks[1]["assignee"] == "bob"


@pytest.mark.parametrize("args, words", [
    (["acme", ""], ["a task needs some text"]),
    (["acme", "two\nlines"], ["one line"]),
    (["acme", "x", "--due", "someday"], ["bad date 'someday'"]),
    (["acme", "x", "--assignee", "carol"], ["unknown team member 'carol'"]),
])
def test_task_add_refusals(make_workspace, run, args, words):
    workspace = make_workspace({"acme": simple_deal("acme")})
    before = workspace.read_bytes("acme")
    failed(run(workspace, "task", "add", *args), *words)
    assert workspace.read_bytes("acme") == before


def test_done_with_next_creates_the_next_step_for_the_same_person(make_workspace, run):
    workspace = make_workspace({"acme": two_task_deal()})
    result = run(workspace, "task", "done", "tb5678", "--next", "Chase the PO", "--due", "1w")
    tasks = workspace.load("acme").tasks
    assert result.stdout == f"tb5678 done: Send pricing\n{tasks[2]['id']} added: Chase the PO (due 2026-12-04) @bob\n"
    assert tasks[1]["status"] == "done" and str(tasks[1]["done"]) == "2026-11-27"
    assert tasks[2]["text"] == "Chase the PO" and tasks[2]["assignee"] == "bob"


def test_done_changes_only_the_lines_of_that_task(make_workspace, run):
    workspace = make_workspace({"acme": two_task_deal()})
    before = workspace.read_bytes("acme").decode().splitlines()
    run(workspace, "task", "done", "ta1234")
    after = workspace.read_bytes("acme").decode().splitlines()
    import difflib
    changed = [line for line in difflib.unified_diff(before, after, lineterm="", n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed == ["-  status: open", "+  status: done", "+  done: 2026-11-27"]


def test_finishing_twice_is_refused(make_workspace, run):
    workspace = make_workspace({"acme": two_task_deal()})
    run(workspace, "task", "cancel", "ta1234")
    failed(run(workspace, "task", "done", "ta1234"), "cannot finish ta1234: it is already cancelled")
    failed(run(workspace, "task", "snooze", "acme#ta1", "--until", "2w"), "already cancelled")


def test_snooze_moves_a_task_to_the_snoozed_group_until_the_date(make_workspace, run):
    workspace = make_workspace({"acme": two_task_deal()})
    assert run(workspace, "task", "snooze", "ta1234", "--until", "2026-12-10").stdout == \
        "ta1234 snoozed until 2026-12-10: Call them\n"
    groups = {row["task"]: row["group"] for row in json.loads(run(workspace, "tasks", "--format", "json").stdout)}
    assert groups == {"ta1234": "snoozed", "tb5678": "today"}
    failed(run(workspace, "task", "snooze", "tb5678", "--until", "today"), "not after today")
    failed(run(workspace, "task", "snooze", "tb5678", "--until", "2026-11-01"), "not after today")


def test_a_snooze_that_has_ended_puts_the_task_back_by_its_due_date(make_workspace, run, monkeypatch):
    workspace = make_workspace({"acme": two_task_deal()})
    run(workspace, "task", "snooze", "ta1234", "--until", "2026-12-01")
    monkeypatch.setenv("PIPE_TODAY", "2026-12-01")
    groups = {row["task"]: row["group"] for row in json.loads(run(workspace, "tasks", "--format", "json").stdout)}
    assert groups["ta1234"] == "overdue"


def test_assign_and_edit(make_workspace, run):
    workspace = make_workspace({"acme": two_task_deal()})
    assert run(workspace, "task", "assign", "ta1234", "bob").stdout == "ta1234 assignee: (none) -> bob\n"
    result = run(workspace, "task", "edit", "ta1234", "--text", "Call Jonas", "--due", "2026-12-24")
    assert result.stdout == "ta1234: Call Jonas (due 2026-12-24) @bob\n"
    task = workspace.load("acme").tasks[0]
    assert (task["text"], str(task["due"]), task["assignee"]) == ("Call Jonas", "2026-12-24", "bob")
    run(workspace, "task", "edit", "ta1234", "--due", "")
    assert "due" not in workspace.load("acme").tasks[0]
    failed(run(workspace, "task", "edit", "ta1234"), "nothing to change")
    failed(run(workspace, "task", "edit", "ta1234", "--text", " "), "needs some text")
    failed(run(workspace, "task", "assign", "ta1234", "carol"), "unknown team member 'carol'")


# -- the next-step rule ------------------------------------------------------------------------

def test_strict_refuses_finishing_the_last_open_task_without_a_next_step(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")}, config=STRICT)
    before = workspace.read_bytes("acme")
    for verb in ("done", "cancel"):
        message = failed(run(workspace, "task", verb, "ta1234"), "no next step", "--next TEXT", "--won", "--park")
        assert "acme" in message
    assert workspace.read_bytes("acme") == before


def test_strict_accepts_a_next_step_or_closing_the_deal(make_workspace, run):
    deals = {name: simple_deal(name) for name in ("a1", "a2", "a3", "a4")}
    workspace = make_workspace(deals, config=STRICT)
    assert run(workspace, "task", "done", "a1#ta1234", "--next", "Send the contract").exit_code == 0
    assert run(workspace, "task", "done", "a2#ta1234", "--won").stdout == "ta1234 done: Call them\na2: lead -> won\n"
    assert run(workspace, "task", "done", "a3#ta1234", "--lost", "price").exit_code == 0
    assert run(workspace, "task", "cancel", "a4#ta1234", "--park").exit_code == 0
    assert [workspace.load(d).stage for d in ("a1", "a2", "a3", "a4")] == ["lead", "won", "lost", "fridge"]
    assert workspace.load("a3").lost_reason == "price"
    assert run(workspace, "check").exit_code == 0


def test_strict_allows_finishing_a_task_when_another_stays_open(make_workspace, run):
    workspace = make_workspace({"acme": two_task_deal()}, config=STRICT)
    result = run(workspace, "task", "done", "ta1234")
    assert result.exit_code == 0 and result.stderr == ""


def test_warn_finishes_with_a_warning(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")})
    result = run(workspace, "task", "done", "ta1234")
    assert result.exit_code == 0
    assert result.stderr.startswith("pipe: warning: acme has no next step")
    assert workspace.load("acme").tasks[0]["status"] == "done"


def test_off_says_nothing(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")}, config=OFF)
    result = run(workspace, "task", "done", "ta1234")
    assert result.exit_code == 0 and result.stderr == ""


def test_the_rule_only_concerns_open_deals(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme", stage="fridge")}, config=STRICT)
    result = run(workspace, "task", "done", "ta1234")
    assert result.exit_code == 0 and result.stderr == ""


@pytest.mark.parametrize("args, words", [
    (["--won", "--park"], ["one of --won"]),
    (["--won", "--next", "x"], ["do not go together"]),
    (["--due", "3d"], ["--next TEXT"]),
    (["--reason", "price"], []),
    (["--lost", "nonsense"], ["unknown lost reason 'nonsense'"]),
])
def test_done_option_refusals(make_workspace, run, args, words):
    workspace = make_workspace({"acme": simple_deal("acme")}, config=STRICT)
    before = workspace.read_bytes("acme")
    result = run(workspace, "task", "done", "ta1234", *args)
    assert result.exit_code in (1, 2) and "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr
    assert workspace.read_bytes("acme") == before


def test_strict_add_needs_next_and_warn_add_warns(make_workspace, run):
    strict = make_workspace(config=STRICT, name="strict")
    failed(run(strict, "add", "Acme"), "no next step", "--next TEXT")
    assert strict.deal_ids() == []
    assert run(strict, "add", "Acme", "--next", "Call them").exit_code == 0
    warn = make_workspace(name="warn")
    result = run(warn, "add", "Acme")
    deal_id = result.stdout.strip()
    assert deal_id.startswith("acme-") and f"pipe: warning: {deal_id} has no next step" in result.stderr


def test_strict_move_into_an_open_stage_needs_a_next_step(make_workspace, run):
    bare = simple_deal("acme", tasks="\n- id: ta1234\n  text: Old\n  status: done\n  done: 2026-11-02")
    workspace = make_workspace({"acme": bare, "beta": simple_deal("beta")}, config=STRICT)
    before = workspace.read_bytes("acme")
    failed(run(workspace, "move", "acme", "qualified"), "no next step", "--next")
    assert workspace.read_bytes("acme") == before
    # a parked or closed stage needs none; a deal that has an open task needs none
    assert run(workspace, "move", "acme", "fridge").exit_code == 0
    assert run(workspace, "move", "beta", "qualified").exit_code == 0
    result = run(workspace, "move", "acme", "qualified", "--next", "Book the demo", "--due", "2d")
    added = workspace.load("acme").tasks[1]
    assert result.stdout == f"acme: fridge -> qualified\n{added['id']} added: Book the demo (due 2026-11-29) @alice\n"


def test_check_agrees_with_the_rule(make_workspace, run):
    bare = simple_deal("acme", tasks="[]")
    strict = make_workspace({"acme": bare}, config=STRICT, name="strict")
    result = run(strict, "check")
    assert result.exit_code == 1 and "error: open deal has no next step" in result.stdout
    warn = make_workspace({"acme": bare}, name="warn")
    result = run(warn, "check")
    assert result.exit_code == 0 and "warning: open deal has no next step" in result.stdout


def test_won_and_lost_cancel_open_tasks_but_parking_keeps_them(make_workspace, run):
    workspace = make_workspace({"a": two_task_deal("a"), "b": two_task_deal("b")})
    result = run(workspace, "won", "a")
    assert "a: cancelled 2 open task(s): Call them; Send pricing" in result.stdout
    assert {t["status"] for t in workspace.load("a").tasks} == {"cancelled"}
    assert list(workspace.load("a").tasks[1]) == ["id", "text", "due", "assignee", "status", "done"]
    run(workspace, "move", "b", "fridge")
    assert {t["status"] for t in workspace.load("b").tasks} == {"open"}


# -- the agenda --------------------------------------------------------------------------------

AGENDA_TASKS = """
- {id: t1, text: Overdue one, due: 2026-11-20, status: open}
- {id: t2, text: Today one, due: 2026-11-27, assignee: bob, status: open}
- {id: t3, text: Tomorrow one, due: 2026-11-28, status: open}
- {id: t4, text: Next week, due: 2026-12-05, status: open}
- {id: t5, text: No date, status: open}
- {id: t6, text: Snoozed, due: 2026-11-21, snoozed_until: 2026-12-01, status: open}
- {id: t7, text: Done, due: 2026-11-10, status: done, done: 2026-11-12}"""


@pytest.fixture
def agenda_workspace(make_workspace):
    return make_workspace({
        "acme": simple_deal("acme", account="Acme GmbH", tasks=AGENDA_TASKS),
        "beta": simple_deal("beta", owner="bob", account="Beta Ltd"),
    })


def refs(run, workspace, *args):
    return [row["task"] for row in json.loads(run(workspace, "tasks", "--format", "json", *args).stdout)]


def test_agenda_groups_in_order(run, agenda_workspace):
    rows = json.loads(run(agenda_workspace, "tasks", "--format", "json").stdout)
    assert [(r["task"], r["group"]) for r in rows] == [
        ("t1", "overdue"), ("t2", "today"), ("t3", "upcoming"), ("ta1234", "upcoming"),
        ("t4", "upcoming"), ("t5", "upcoming"), ("t6", "snoozed"),
    ]
    table = run(agenda_workspace, "tasks").stdout
    assert [line for line in table.splitlines() if line[:1].isupper()] == [
        "Overdue (1)", "Today (1)", "Upcoming (4)", "Snoozed (1)"]


@pytest.mark.parametrize("args, expected", [
    (["--overdue"], ["t1"]),
    (["--due", "today"], ["t1", "t2"]),
    (["--due", "tomorrow"], ["t1", "t2", "t3"]),
    (["--due", "week"], ["t1", "t2", "t3", "ta1234"]),
    (["--due", "2026-12-05"], ["t1", "t2", "t3", "ta1234", "t4"]),
    (["--assignee", "bob"], ["t2", "ta1234"]),
    (["--deal", "be"], ["ta1234"]),
    (["--account", "acme", "--overdue"], ["t1"]),
    (["--owner", "bob"], ["ta1234"]),
])
def test_agenda_filters(run, agenda_workspace, args, expected):
    assert refs(run, agenda_workspace, *args) == expected


def test_agenda_all_adds_finished_tasks(run, agenda_workspace):
    rows = json.loads(run(agenda_workspace, "tasks", "--all", "--format", "json").stdout)
    assert (rows[-1]["task"], rows[-1]["group"], rows[-1]["status"]) == ("t7", "closed", "done")


def test_agenda_mine_uses_pipe_user_or_git_email(run, agenda_workspace, monkeypatch, tmp_path):
    monkeypatch.delenv("PIPE_USER")
    failed(run(agenda_workspace, "tasks", "--mine"), "PIPE_USER")
    monkeypatch.setenv("PIPE_USER", "bob")
    assert refs(run, agenda_workspace, "--mine") == ["t2", "ta1234"]
    monkeypatch.delenv("PIPE_USER")
    config = tmp_path / "gitconfig"
    config.write_text("[user]\n\temail = Bob@Example.com\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    assert refs(run, agenda_workspace, "--mine") == ["t2", "ta1234"]


@pytest.mark.parametrize("args, words", [
    (["--overdue", "--due", "today"], ["do not go together"]),
    (["--due", "soon"], ["bad date 'soon'"]),
    (["--assignee", "carol"], ["unknown team member 'carol'"]),
    (["--mine", "--assignee", "bob"], ["not both"]),
    (["--deal", "zzz"], ["no deal matches 'zzz'"]),
    (["--suggested", "--overdue"], ["do not apply"]),
])
def test_agenda_refusals(run, agenda_workspace, args, words, monkeypatch):
    monkeypatch.setenv("PIPE_USER", "bob")
    failed(run(agenda_workspace, "tasks", *args), *words)


def test_agenda_formats_carry_the_same_rows(run, agenda_workspace):
    csv_lines = run(agenda_workspace, "tasks", "--format", "csv").stdout.splitlines()
    assert csv_lines[0].startswith("group,task,id,text,deal,title,account,due,assignee")
    md = run(agenda_workspace, "tasks", "--format", "md").stdout.splitlines()
    assert len(csv_lines) == len(md) - 1 == 8


def test_empty_agenda_says_so_on_stderr(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme", tasks="[]")})
    result = run(workspace, "tasks")
    assert result.exit_code == 0 and result.stdout == "" and result.stderr == "no tasks match\n"


def test_a_snoozed_task_is_not_overdue_until_it_comes_back(make_workspace, run, monkeypatch):
    tasks = "\n- {id: ta1, text: Later, due: 2026-11-20, snoozed_until: 2026-12-01, status: open}"
    workspace = make_workspace({"acme": simple_deal("acme", tasks=tasks)})
    record = json.loads(run(workspace, "list", "--format", "json").stdout)[0]
    assert record["next_step_overdue"] is False
    assert "  ta1 Later (due 2026-11-20) (snoozed until 2026-12-01)" in run(workspace, "show", "acme").stdout
    monkeypatch.setenv("PIPE_TODAY", "2026-12-01")
    assert json.loads(run(workspace, "list", "--format", "json").stdout)[0]["next_step_overdue"] is True


def test_task_text_from_a_file_cannot_send_escape_sequences(make_workspace, run):
    tasks = '\n- {id: ta1, text: "Pricing \\e]0;owned\\a\\e[2J", status: open}\n- {id: ta2, text: Other, status: open}'
    workspace = make_workspace({"acme": simple_deal("acme", tasks=tasks), "beta": simple_deal("beta", tasks=tasks)})
    outputs = [run(workspace, "task", "snooze", "acme#ta1", "--until", "3d").stdout,
               run(workspace, "task", "done", "acme#ta1").stdout,
               run(workspace, "lost", "beta", "--reason", "price").stdout]
    for output in outputs:
        assert "\x1b" not in output and "\x07" not in output, output


def test_an_unknown_pipe_user_is_an_error_not_a_silent_nobody(make_workspace, run, monkeypatch):
    workspace = make_workspace({"acme": simple_deal("acme")})
    monkeypatch.setenv("PIPE_USER", "alcie")
    failed(run(workspace, "add", "Typo"), "PIPE_USER 'alcie' is not on the team", "alice, bob")
    failed(run(workspace, "log", "acme", "call", "hi"), "PIPE_USER 'alcie'")
    assert workspace.deal_ids() == ["acme"] and "activities" not in workspace.load("acme").data


def test_mine_names_the_git_email_that_matched_nobody(make_workspace, run, monkeypatch, tmp_path):
    workspace = make_workspace({"acme": simple_deal("acme")})
    config = tmp_path / "gitconfig"
    config.write_text("[user]\n\temail = someone@else.example\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.delenv("PIPE_USER")
    failed(run(workspace, "tasks", "--mine"), "someone@else.example", "PIPE_USER")


def test_member_ids_are_matched_in_any_case(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")})
    assert run(workspace, "task", "assign", "ta1234", "BOB").stdout == "ta1234 assignee: (none) -> bob\n"


@pytest.mark.parametrize("today, args", [
    ("9999-12-31", ["tasks", "--due", "week"]),
    ("9999-12-28", ["add", "x", "--stage", "proposal", "--value", "1", "--close-date", "9999-12-31"]),
])
def test_calendar_edges_are_errors_not_tracebacks(make_workspace, run, monkeypatch, today, args):
    config = CONFIG.replace("{id: proposal, name: Proposal, probability: 60, kind: open}",
                            "{id: proposal, probability: 60, on_enter: [{task: Follow up, due: 5d}]}")
    workspace = make_workspace(config=config)
    monkeypatch.setenv("PIPE_TODAY", today)
    failed(run(workspace, *args), "reaches past the calendar")


def test_list_and_agenda_agree_on_overdue_when_the_first_task_sleeps(make_workspace, run):
    tasks = ("\n- {id: ta1, text: Sleeping, due: 2026-11-20, snoozed_until: 2026-12-05, status: open}"
             "\n- {id: ta2, text: Chase, due: 2026-11-25, status: open}")
    workspace = make_workspace({"acme": simple_deal("acme", tasks=tasks)})
    record = json.loads(run(workspace, "list", "--format", "json").stdout)[0]
    assert (record["next_step"], record["next_step_overdue"]) == ("Chase", True)
    assert refs(run, workspace, "--overdue") == ["ta2"]


def test_the_next_step_goes_to_the_finished_tasks_assignee_with_or_without_park(make_workspace, run):
    workspace = make_workspace({"a": two_task_deal("a"), "b": two_task_deal("b")})
    run(workspace, "task", "done", "a#tb5678", "--next", "Later")
    run(workspace, "task", "done", "b#tb5678", "--park", "--next", "Later")
    assert workspace.load("a").tasks[-1]["assignee"] == workspace.load("b").tasks[-1]["assignee"] == "bob"
    assert workspace.load("b").stage == "fridge"


def test_lost_without_a_reason_says_how(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")})
    failed(run(workspace, "task", "done", "ta1234", "--lost", ""), "a lost deal needs --lost REASON, like price")


def test_finishing_a_hand_edited_task_keeps_its_comments_and_extra_keys(make_workspace, run):
    tasks = ("\n- id: ta1\n  priority: high   # they asked twice\n  text: Call them\n  status: open\n"
             "# waiting on legal for this one\n- id: ta2\n  text: Other\n  status: open")
    workspace = make_workspace({"acme": simple_deal("acme", tasks=tasks)})
    before = workspace.read_bytes("acme").decode()
    run(workspace, "task", "done", "ta1")
    after = workspace.read_bytes("acme").decode()
    assert after == before.replace("  status: open\n# waiting", "  status: done\n  done: 2026-11-27\n# waiting")


def test_a_status_pipe_does_not_know_is_named(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme", tasks="\n- {id: ta1, text: x, status: todo}")})
    failed(run(workspace, "task", "done", "ta1"), "status 'todo' is not one of open, done, cancelled", "pipe edit acme")
