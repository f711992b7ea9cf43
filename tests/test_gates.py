"""Stage gates (what a deal needs before it may enter a stage) and stage-entry tasks."""

import pytest

from pipecli.core.model.config import read_config
from tests.conftest import CONFIG, failed, simple_deal

GATED = CONFIG.replace(
    "  - {id: qualified, name: Qualified, probability: 40, rot_days: 21, kind: open}\n"
    "  - {id: proposal, name: Proposal, probability: 60, kind: open}\n",
    "  - {id: qualified, name: Qualified, probability: 40, rot_days: 21, kind: open, requires: [bant]}\n"
    "  - id: proposal\n"
    "    probability: 60\n"
    "    requires: [value, expected_close]\n"
    "    on_enter:\n"
    "    - {task: Follow up on the proposal, due: 5d}\n"
    "    - {task: Legal review, assignee: bob, due: +1w}\n",
)
assert GATED != CONFIG

FULL_BANT = "\n  budget: 20k\n  authority: Jonas\n  need: logs\n  timeline: Q1"


def test_move_refuses_a_deal_missing_what_the_stage_requires(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme", bant="\n  budget: 20k\n  need: ''")}, config=GATED)
    before = workspace.read_bytes("acme")
    failed(run(workspace, "move", "acme", "qualified"), "requires bant.authority, bant.need, bant.timeline",
           "pipe set acme", "--force")
    assert workspace.read_bytes("acme") == before


def test_a_deal_meeting_the_gate_moves(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme", bant=FULL_BANT)}, config=GATED)
    assert run(workspace, "move", "acme", "qualified").stdout == "acme: lead -> qualified\n"


def test_force_moves_and_records_the_override(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme", value=None)}, config=GATED)
    result = run(workspace, "move", "acme", "proposal", "--force")
    assert result.stdout.startswith("acme: lead -> proposal (forced without value, expected_close)\n")
    deal = workspace.load("acme")
    assert deal.history[-1]["forced"] == ["value", "expected_close"]
    check = run(workspace, "check")
    assert check.exit_code == 0
    assert "warning: in stage proposal without value, expected_close, which it requires (moved there with --force)" \
        in check.stdout
    assert "(forced without value, expected_close)" in run(workspace, "timeline", "acme").stdout


def test_check_lists_deals_in_a_stage_without_its_gate(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme", stage="qualified")}, config=GATED)
    result = run(workspace, "check")
    assert "deals/acme.md:5: warning: in stage qualified without bant.budget, bant.authority, bant.need, " \
           "bant.timeline, which it requires" in result.stdout


def test_a_zero_value_does_not_pass_a_value_gate(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme", value=0, expected_close="2027-01-31")}, config=GATED)
    failed(run(workspace, "move", "acme", "proposal"), "requires value")


def test_add_into_a_gated_stage_needs_the_fields(make_workspace, run):
    workspace = make_workspace(config=GATED)
    failed(run(workspace, "add", "Acme", "--stage", "proposal"), "requires value, expected_close", "--value", "--close-date")
    assert workspace.deal_ids() == []
    result = run(workspace, "add", "Acme", "--stage", "proposal", "--value", "100", "--close-date", "30d")
    assert result.exit_code == 0
    assert [t["text"] for t in workspace.load(result.stdout.strip()).tasks] == ["Follow up on the proposal", "Legal review"]


def test_entering_a_stage_creates_its_tasks_and_says_so(make_workspace, run):
    deal = simple_deal("acme", expected_close="2027-01-31")
    workspace = make_workspace({"acme": deal}, config=GATED)
    result = run(workspace, "move", "acme", "proposal")
    tasks = workspace.load("acme").tasks
    assert result.stdout == ("acme: lead -> proposal\n"
                             f"{tasks[1]['id']} added: Follow up on the proposal (due 2026-12-02) @alice\n"
                             f"{tasks[2]['id']} added: Legal review (due 2026-12-04) @bob\n")
    assert [t["assignee"] for t in tasks[1:]] == ["alice", "bob"]


def test_stage_tasks_count_as_the_next_step_under_strict(make_workspace, run):
    config = GATED.replace("next_step: warn", "next_step: strict")
    bare = simple_deal("acme", expected_close="2027-01-31", tasks="[]")
    workspace = make_workspace({"acme": bare}, config=config)
    assert run(workspace, "move", "acme", "proposal").exit_code == 0


def test_won_and_lost_stages_have_gates_too(make_workspace, run):
    config = CONFIG.replace("{id: won, name: Won, probability: 100, kind: won}",
                            "{id: won, name: Won, probability: 100, kind: won, requires: [account]}")
    workspace = make_workspace({"acme": simple_deal("acme")}, config=config)
    failed(run(workspace, "won", "acme"), "requires account")


@pytest.mark.parametrize("stage_extra, message", [
    ("requires: value", "requires must be a list of fields"),
    ("requires: [budget]", "requires: unknown field 'budget'"),
    ("on_enter: {task: x}", "on_enter must be a list"),
    ("on_enter: [{due: 3d}]", "on_enter needs 'task'"),
    ("on_enter: [{task: x, due: 3 days}]", "due must be an offset in days or weeks"),
    ("on_enter: [{task: x, due: -3d}]", "due must be an offset"),
    ("on_enter: [{task: x, assignee: carol}]", "on_enter assignee must be a team member id"),
])
def test_gate_and_entry_task_settings_are_checked(make_workspace, stage_extra, message):
    config = CONFIG.replace("{id: lead, name: Lead, probability: 10, rot_days: 14, kind: open}",
                            "{id: lead, name: Lead, probability: 10, rot_days: 14, kind: open, " + stage_extra + "}")
    workspace = make_workspace(config=config)
    _, problems = read_config(workspace.root)
    errors = [p for p in problems if p.severity == "error"]
    assert errors and message in errors[0].message
    assert errors[0].line == 13  # the lead stage's line


@pytest.mark.parametrize("setting, message", [
    ("flush_reason: boredom", "flush_reason 'boredom' is not one of lost_reasons"),
    ("suggestions: [inactive]", "suggestions must be a mapping"),
    ("suggestions: {sleepy: false}", "unknown suggestion 'sleepy'"),
    ("suggestions: {rotting: no}", "suggestions.rotting must be true or false"),
])
def test_new_settings_are_checked(make_workspace, setting, message):
    workspace = make_workspace(config=CONFIG + setting + "\n")
    _, problems = read_config(workspace.root)
    assert [p.message for p in problems if p.severity == "error"][0].startswith(message)


def test_suggestions_setting_switches_kinds_off(make_workspace):
    workspace = make_workspace(config=CONFIG + "suggestions: {rotting: false, inactive: true}\n")
    assert workspace.config.suggestions == {"inactive", "unanswered", "meeting-notes"}


def test_add_into_a_bant_gated_stage_says_how_to_get_there(make_workspace, run):
    workspace = make_workspace(config=GATED)
    failed(run(workspace, "add", "Acme", "--stage", "qualified"),
           "add the deal in an earlier stage, set bant.budget, bant.authority, bant.need, bant.timeline with 'pipe set', then move it")


def test_a_bant_answer_of_no_or_zero_is_an_answer(make_workspace, run):
    bant = "\n  budget: 0\n  authority: false\n  need: logs\n  timeline: Q1"
    workspace = make_workspace({"acme": simple_deal("acme", bant=bant)}, config=GATED)
    assert run(workspace, "move", "acme", "qualified").exit_code == 0


def test_coming_back_to_a_stage_does_not_repeat_its_open_entry_tasks(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme", expected_close="2027-01-31", bant=FULL_BANT)}, config=GATED)
    run(workspace, "move", "acme", "proposal")
    run(workspace, "move", "acme", "qualified")
    result = run(workspace, "move", "acme", "proposal")
    assert result.stdout == "acme: qualified -> proposal\n"
    texts = [t["text"] for t in workspace.load("acme").tasks]
    assert texts.count("Follow up on the proposal") == 1


def test_a_missing_parked_stage_says_how_to_add_one(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme", pipeline="partners", stage="intro")})
    failed(run(workspace, "task", "done", "ta1234", "--park"), "has no parked stage", "kind: parked")
