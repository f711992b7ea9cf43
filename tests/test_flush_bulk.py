"""pipe flush and pipe bulk move|set|tag: select, show, confirm, then change all the deals or none."""

from __future__ import annotations

import datetime as dt
import io
import os
import re

import pytest

import pipecli.cli.bulk as cli_bulk
from pipecli.cli.output import progress
from pipecli.core.store import workspace as storage
from tests.conftest import CONFIG, simple_deal

TODAY = dt.date(2026, 11, 27)
OLD = "2026-06-01"  # long before 90 days ago (2026-08-29)
DONE_TASK = "\n- id: td1234\n  text: Sent the deck\n  status: done\n  done: 2026-06-02"
CALL = "\n- date: {}\n  kind: call\n  summary: Talked pricing"
GATED = CONFIG.replace("{id: qualified, name: Qualified, probability: 40, rot_days: 21, kind: open}",
                       "{id: qualified, name: Qualified, probability: 40, rot_days: 21, kind: open, requires: [account]}")
STRICT = CONFIG.replace("next_step: warn", "next_step: strict")
assert GATED != CONFIG and STRICT != CONFIG


def stale(deal_id: str, **fields) -> str:
    """An open deal with nothing done since 2026-06-01: selected by --inactive 90d."""
    return simple_deal(deal_id, **{"created": OLD, **fields})


def partner(deal_id: str, **fields) -> str:
    """A stale deal in the partners pipeline, which has no parked stage."""
    return stale(deal_id, pipeline="partners", stage="intro", **fields)


def closed_deal(deal_id: str, stage: str, **fields) -> str:
    """An old won, lost or parked deal, with no open task."""
    extra = {"closed": OLD} if stage in ("won", "lost") else {}
    if stage == "lost":
        extra["lost_reason"] = "price"
    return stale(deal_id, stage=stage, tasks=DONE_TASK, **{**extra, **fields})


def files(workspace) -> dict[str, bytes]:
    """Every entry of deals/ (hidden temp files too) by name, with its bytes."""
    return {path.name: path.read_bytes() for path in workspace.deals_dir.iterdir()}


def changed_ids(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    assert set(before) == set(after), "files appeared or vanished"
    return {name[:-3] for name in before if before[name] != after[name]}


def listed_ids(stdout: str) -> list[str]:
    """The ids in the table a bulk command shows (header, dashes, one row per deal, then the total)."""
    lines = stdout.splitlines()
    assert lines[0].split()[:2] == ["id", "title"] and set(lines[1]) <= {"-", " "}, stdout
    ids = []
    for line in lines[2:]:
        if re.match(r"\d+ deals?, ", line):
            return ids
        ids.append(line.split()[0])
    raise AssertionError(f"no total line in {stdout!r}")


def assert_refused(result, *words: str, exit_code: int = 1) -> None:
    """Exit 1 (or exit_code), one `pipe: ` line on stderr naming words, no traceback."""
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == exit_code, (result.exit_code, output)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pipe: "), result.stderr
    for word in words:
        assert word in result.stderr, (word, result.stderr)


# -- flush ------------------------------------------------------------------------------------

def test_flush_loses_the_inactive_open_deals_and_leaves_the_rest(make_workspace, run):
    workspace = make_workspace({
        "old-a": stale("old-a"), "old-b": stale("old-b", value=2500), "new": simple_deal("new"),
        "gone": closed_deal("gone", "won"), "dead": closed_deal("dead", "lost"), "cold": closed_deal("cold", "fridge"),
    })
    before = files(workspace)
    result = run(workspace, "flush", "--inactive", "90d", "--yes")
    assert result.exit_code == 0 and result.stderr == "", result.output
    assert listed_ids(result.stdout) == ["old-a", "old-b"]
    assert "2 deals, 3,500 EUR in total\n" in result.stdout
    assert result.stdout.endswith("flush: lost (stale): 2 deals\n")
    assert changed_ids(before, files(workspace)) == {"old-a", "old-b"}
    for deal_id in ("old-a", "old-b"):
        deal = workspace.load(deal_id)
        assert deal.stage == "lost" and deal.closed == TODAY and deal.lost_reason == "stale"
        assert deal.history[-1] == {"stage": "lost", "date": TODAY, "by": "alice", "flushed": True}
        assert deal.tasks == [{"id": "ta1234", "text": "Call them", "due": dt.date(2026, 12, 1),
                               "status": "cancelled", "done": TODAY}]
    assert run(workspace, "check").exit_code == 0


def test_flush_reason_comes_from_the_workspace_or_from_reason(make_workspace, run):
    config = CONFIG.replace("next_step: warn", "next_step: warn\nflush_reason: competitor")
    workspace = make_workspace({"old": stale("old")}, config=config, name="configured")
    result = run(workspace, "flush", "--inactive", "90d", "--yes")
    assert result.exit_code == 0 and result.stdout.endswith("flush: lost (competitor): 1 deal\n")
    assert workspace.load("old").lost_reason == "competitor"

    workspace = make_workspace({"old": stale("old")}, name="given")
    result = run(workspace, "flush", "--inactive", "90d", "--reason", "price", "--yes")
    assert result.exit_code == 0 and result.stdout.endswith("flush: lost (price): 1 deal\n")
    assert workspace.load("old").lost_reason == "price"


def test_flush_refuses_an_unknown_reason_and_changes_nothing(make_workspace, run):
    workspace = make_workspace({"old": stale("old"), "older": stale("older")})
    before = files(workspace)
    assert_refused(run(workspace, "flush", "--inactive", "90d", "--reason", "boredom", "--yes"), "boredom")
    assert files(workspace) == before


def test_flush_park_moves_the_deals_to_the_fridge_keeping_their_tasks(make_workspace, run):
    workspace = make_workspace({"old": stale("old"), "new": simple_deal("new")})
    before = files(workspace)
    result = run(workspace, "flush", "--inactive", "90d", "--park", "--yes")
    assert result.exit_code == 0 and result.stdout.endswith("flush: parked: 1 deal\n"), result.output
    assert changed_ids(before, files(workspace)) == {"old"}
    deal = workspace.load("old")
    assert deal.stage == "fridge" and "closed" not in deal.data and "lost_reason" not in deal.data
    assert deal.history[-1] == {"stage": "fridge", "date": TODAY, "by": "alice", "flushed": True}
    assert [t["status"] for t in deal.tasks] == ["open"]


def test_flush_parked_loses_old_parked_deals(make_workspace, run):
    workspace = make_workspace({"cold": closed_deal("cold", "fridge"), "old": stale("old")})
    before = files(workspace)
    result = run(workspace, "flush", "--parked", "--inactive", "90d", "--yes")
    assert result.exit_code == 0 and listed_ids(result.stdout) == ["cold"]
    assert changed_ids(before, files(workspace)) == {"cold"}
    deal = workspace.load("cold")
    assert deal.stage == "lost" and deal.lost_reason == "stale" and deal.closed == TODAY


def test_flush_park_refuses_everything_when_a_pipeline_has_no_parked_stage(make_workspace, run):
    workspace = make_workspace({"old-a": stale("old-a"), "old-b": stale("old-b"), "ally": partner("ally")})
    before = files(workspace)
    assert_refused(run(workspace, "flush", "--inactive", "90d", "--park", "--yes"), "ally", "partners", "parked")
    assert files(workspace) == before


@pytest.mark.parametrize("args, words", [
    ([], ["filter"]),
    (["--open"], ["filter"]),
    (["--parked"], ["filter"]),
    (["--open", "--parked"], ["filter"]),
    (["--inactive", "90d", "--won"], ["--won"]),
    (["--inactive", "90d", "--lost"], ["--lost"]),
    (["--inactive", "90d", "--open", "--won"], ["--won"]),
    (["--inactive", "90d", "--park", "--parked"], ["--parked"]),
    (["--inactive", "90d", "--park", "--reason", "price"], ["--reason"]),
], ids=["nothing", "open", "parked", "open-parked", "won", "lost", "open-won", "park-parked", "park-reason"])
def test_flush_refuses_without_a_real_filter_or_with_conflicting_options(make_workspace, run, args, words):
    workspace = make_workspace({
        "old": stale("old"), "new": simple_deal("new"), "gone": closed_deal("gone", "won"),
        "dead": closed_deal("dead", "lost"), "cold": closed_deal("cold", "fridge"),
    })
    before = files(workspace)
    result = run(workspace, "flush", *args, "--yes")
    assert_refused(result, *words)
    assert result.stdout == ""
    assert files(workspace) == before


def test_flush_without_yes_refuses_when_stdin_is_not_a_terminal(make_workspace, run):
    workspace = make_workspace({"old": stale("old"), "older": stale("older")})
    before = files(workspace)
    result = run(workspace, "flush", "--inactive", "90d")
    assert_refused(result, "--yes")
    assert listed_ids(result.stdout) == ["old", "older"]  # it shows what it would have done
    assert files(workspace) == before


def test_flush_asks_on_a_terminal_and_does_what_the_answer_says(make_workspace, run, monkeypatch):
    monkeypatch.setattr(cli_bulk, "stdin_is_terminal", lambda: True)
    workspace = make_workspace({"old": stale("old"), "older": stale("older"), "new": simple_deal("new")})
    before = files(workspace)

    result = run(workspace, "flush", "--inactive", "90d", input="n\n")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "Close as lost (stale): 2 deals?" in result.stderr
    assert result.stderr.splitlines()[-1] == "pipe: nothing changed"
    assert files(workspace) == before

    result = run(workspace, "flush", "--inactive", "90d", input="y\n")
    assert result.exit_code == 0, result.output
    assert "Close as lost (stale): 2 deals?" in result.stderr
    assert result.stdout.endswith("flush: lost (stale): 2 deals\n")
    assert changed_ids(before, files(workspace)) == {"old", "older"}
    assert workspace.load("old").stage == "lost"


def test_flush_dry_run_lists_exactly_what_the_flush_then_changes(make_workspace, run):
    workspace = make_workspace({
        "quiet-lead": stale("quiet-lead"),
        "quiet-proposal": stale("quiet-proposal", stage="proposal", value=4000),
        "quiet-partner": partner("quiet-partner"),
        "old-call": stale("old-call", activities=CALL.format("2026-08-01")),
        "planned-call": stale("planned-call", activities=CALL.format("2026-12-10")),  # not activity yet
        "recent-call": stale("recent-call", activities=CALL.format("2026-11-20")),
        "recent-task": stale("recent-task", tasks=DONE_TASK.replace("2026-06-02", "2026-10-15")),
        "recent-move": stale("recent-move", stage="qualified",
                             history=f"\n- stage: lead\n  date: {OLD}\n- stage: qualified\n  date: 2026-10-01"),
        "new": simple_deal("new"),
        "gone": closed_deal("gone", "won"),
        "cold": closed_deal("cold", "fridge"),
    })
    before = files(workspace)
    dry = run(workspace, "flush", "--inactive", "90d", "--dry-run")
    assert dry.exit_code == 0 and dry.stderr == "dry run: nothing changed\n", dry.output
    assert files(workspace) == before
    shown = listed_ids(dry.stdout)
    assert sorted(shown) == ["old-call", "planned-call", "quiet-lead", "quiet-partner", "quiet-proposal"]
    assert "5 deals, 8,000 EUR in total\n" in dry.stdout

    real = run(workspace, "flush", "--inactive", "90d", "--yes")
    assert real.exit_code == 0, real.output
    assert changed_ids(before, files(workspace)) == set(shown)
    assert listed_ids(real.stdout) == shown


def test_flush_of_a_thousand_deals(make_workspace, run):
    deals = {}
    for i in range(1000):
        deal_id = f"deal-{i:04d}"
        if i % 50 == 0:
            deals[deal_id] = closed_deal(deal_id, "won")
        elif i % 3 == 0:
            deals[deal_id] = simple_deal(deal_id, created="2026-11-01", value=i)
        else:
            deals[deal_id] = stale(deal_id, value=i, owner="bob" if i % 2 else "alice")
    expected = {d for d in deals if int(d[5:]) % 50 and int(d[5:]) % 3}
    workspace = make_workspace(deals)
    before = files(workspace)

    result = run(workspace, "flush", "--inactive", "90d", "--yes")
    assert result.exit_code == 0 and result.stderr == "", result.stderr
    assert set(listed_ids(result.stdout)) == expected
    assert result.stdout.endswith(f"flush: lost (stale): {len(expected)} deals\n")
    total = sum(int(d[5:]) for d in expected)
    assert f"{len(expected)} deals, {total:,} EUR in total\n" in result.stdout
    after = files(workspace)
    assert changed_ids(before, after) == expected  # the others are byte-identical, and no stray files
    for deal in workspace.deals():
        if deal.id in expected:
            assert (deal.stage, deal.closed, deal.lost_reason) == ("lost", TODAY, "stale"), deal.id
            assert deal.history[-1] == {"stage": "lost", "date": TODAY, "by": "alice", "flushed": True} and deal.open_tasks == [], deal.id


# -- bulk: filters, confirmation --------------------------------------------------------------

@pytest.mark.parametrize("command", [["bulk", "move", "qualified"], ["bulk", "set", "owner=bob"],
                                     ["bulk", "tag", "vip"]], ids=["move", "set", "tag"])
def test_bulk_commands_need_a_filter_and_a_status_flag_is_one(make_workspace, run, command):
    workspace = make_workspace({"a": simple_deal("a"), "b": simple_deal("b")})
    before = files(workspace)
    result = run(workspace, *command, "--yes")
    assert_refused(result, "filter")
    assert files(workspace) == before

    result = run(workspace, *command, "--open")
    assert_refused(result, "--yes")
    assert files(workspace) == before

    result = run(workspace, *command, "--open", "--dry-run")
    assert result.exit_code == 0 and listed_ids(result.stdout) == ["a", "b"]
    assert files(workspace) == before

    result = run(workspace, *command, "--open", "--yes")
    assert result.exit_code == 0, result.output
    assert changed_ids(before, files(workspace)) == {"a", "b"}


def test_bulk_asks_on_a_terminal(make_workspace, run, monkeypatch):
    monkeypatch.setattr(cli_bulk, "stdin_is_terminal", lambda: True)
    workspace = make_workspace({"a": simple_deal("a"), "b": simple_deal("b")})
    before = files(workspace)
    result = run(workspace, "bulk", "tag", "vip", "--open", input="n\n")
    assert result.exit_code == 1 and "Tag vip: 2 deals?" in result.stderr
    assert files(workspace) == before
    result = run(workspace, "bulk", "tag", "vip", "--open", input="y\n")
    assert result.exit_code == 0 and result.stdout.endswith("tagged: 2 deals\n")
    assert workspace.load("a").tags == ["vip"] and workspace.load("b").tags == ["vip"]


# -- bulk move --------------------------------------------------------------------------------

def test_bulk_move_moves_the_deals_and_skips_those_already_there(make_workspace, run):
    workspace = make_workspace({"a": simple_deal("a"), "b": simple_deal("b"), "c": simple_deal("c", stage="qualified")})
    before = files(workspace)
    result = run(workspace, "bulk", "move", "qualified", "--open", "--yes")
    assert result.exit_code == 0, result.output
    assert result.stderr == "c: skipped: already in qualified\n"
    assert listed_ids(result.stdout) == ["a", "b"]
    assert "lead -> qualified" in result.stdout and result.stdout.endswith("moved: 2 deals\n")
    assert changed_ids(before, files(workspace)) == {"a", "b"}
    for deal_id in ("a", "b"):
        deal = workspace.load(deal_id)
        assert deal.stage == "qualified" and deal.history[-1] == {"stage": "qualified", "date": TODAY, "by": "alice"}


def test_bulk_move_with_nothing_to_do_changes_nothing(make_workspace, run):
    workspace = make_workspace({"c": simple_deal("c", stage="qualified")})
    before = files(workspace)
    result = run(workspace, "bulk", "move", "qualified", "--open", "--yes")
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr == "c: skipped: already in qualified\nnothing to change\n"
    assert files(workspace) == before


def test_bulk_move_to_lost_with_a_reason_closes_the_deals(make_workspace, run):
    workspace = make_workspace({"a": simple_deal("a"), "b": simple_deal("b", stage="proposal")})
    result = run(workspace, "bulk", "move", "lost", "--open", "--reason", "competitor", "--yes")
    assert result.exit_code == 0, result.output
    for deal_id in ("a", "b"):
        deal = workspace.load(deal_id)
        assert (deal.stage, deal.closed, deal.lost_reason) == ("lost", TODAY, "competitor")
        assert deal.open_tasks == [] and deal.tasks[0]["status"] == "cancelled"


@pytest.mark.parametrize("config, deals, args, words", [
    (CONFIG, {"a": stale("a"), "ally": partner("ally")}, ["qualified", "--inactive", "90d"], ["ally", "qualified"]),
    (CONFIG, {"a": simple_deal("a"), "b": simple_deal("b")}, ["lost", "--stage", "lead"], ["--reason"]),
    (CONFIG, {"a": simple_deal("a"), "b": simple_deal("b")}, ["lost", "--stage", "lead", "--reason", "boredom"], ["boredom"]),
    (GATED, {"a": simple_deal("a", account="Acme"), "b": simple_deal("b")}, ["qualified", "--stage", "lead"],
     ["b cannot enter qualified", "account"]),
    (CONFIG, {"a": simple_deal("a"), "b": simple_deal("b")}, ["won", "--open", "--next", "Party"], ["--next"]),
    (CONFIG, {"a": simple_deal("a"), "b": simple_deal("b")}, ["nowhere", "--open"], ["nowhere"]),
    (CONFIG, {"a": simple_deal("a"), "b": simple_deal("b")}, ["qualified", "--open", "--due", "3d"], ["--due"]),
], ids=["stage-not-in-pipeline", "lost-without-reason", "unknown-reason", "gate", "next-into-won", "unknown-stage",
        "due-without-next"])
def test_bulk_move_refuses_the_whole_command_when_one_deal_cannot_move(make_workspace, run, config, deals, args, words):
    workspace = make_workspace(deals, config=config)
    before = files(workspace)
    result = run(workspace, "bulk", "move", *args, "--yes")
    assert_refused(result, *words)
    assert result.stdout == ""
    assert files(workspace) == before


def test_bulk_move_force_passes_the_gate_and_records_it(make_workspace, run):
    workspace = make_workspace({"a": simple_deal("a", account="Acme"), "b": simple_deal("b")}, config=GATED)
    result = run(workspace, "bulk", "move", "qualified", "--stage", "lead", "--force", "--yes")
    assert result.exit_code == 0, result.output
    assert "lead -> qualified (forced without account)" in result.stdout
    assert workspace.load("a").history[-1] == {"stage": "qualified", "date": TODAY, "by": "alice"}
    assert workspace.load("b").history[-1] == {"stage": "qualified", "date": TODAY, "by": "alice", "forced": ["account"]}


def test_bulk_move_next_gives_each_deal_a_next_step(make_workspace, run):
    workspace = make_workspace({"a": simple_deal("a"), "b": simple_deal("b", owner="bob")})
    result = run(workspace, "bulk", "move", "qualified", "--open", "--next", "Send the deck", "--due", "3d", "--yes")
    assert result.exit_code == 0, result.output
    for deal_id, owner in (("a", "alice"), ("b", "bob")):
        added = workspace.load(deal_id).tasks[-1]
        assert (added["text"], added["due"], added["assignee"], added["status"]) == \
            ("Send the deck", dt.date(2026, 11, 30), owner, "open")
    ids = [workspace.load(d).tasks[-1]["id"] for d in ("a", "b")]
    assert ids[0] != ids[1]


COLD = {  # parked deals: the first has no open task, the second has one
    "cold-a": closed_deal("cold-a", "fridge"),
    "cold-b": stale("cold-b", stage="fridge"),
}


def test_strict_next_step_refuses_a_bulk_move_that_leaves_deals_without_one(make_workspace, run):
    workspace = make_workspace(COLD, config=STRICT)
    assert run(workspace, "check").exit_code == 0
    before = files(workspace)
    assert_refused(run(workspace, "bulk", "move", "lead", "--parked", "--yes"), "cold-a", "next step", "--next")
    assert files(workspace) == before

    result = run(workspace, "bulk", "move", "lead", "--parked", "--next", "Call again", "--yes")
    assert result.exit_code == 0 and result.stderr == "", result.output
    assert changed_ids(before, files(workspace)) == {"cold-a", "cold-b"}
    for deal_id in COLD:
        deal = workspace.load(deal_id)
        assert deal.stage == "lead" and "Call again" in [t["text"] for t in deal.open_tasks]
    assert run(workspace, "check").exit_code == 0


def test_warn_next_step_lets_the_bulk_move_through_with_a_warning(make_workspace, run):
    workspace = make_workspace(COLD)
    result = run(workspace, "bulk", "move", "lead", "--parked", "--yes")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("pipe: warning: cold-a has no next step")
    assert "cold-b" not in result.stderr
    assert workspace.load("cold-a").stage == "lead" and workspace.load("cold-b").stage == "lead"


# -- bulk set and tag -------------------------------------------------------------------------

def test_bulk_set_sets_fields_and_skips_deals_already_set(make_workspace, run):
    workspace = make_workspace({"a": simple_deal("a"), "b": simple_deal("b", owner="bob", source="referral"),
                                "c": simple_deal("c", stage="qualified")})
    before = files(workspace)
    result = run(workspace, "bulk", "set", "owner=bob", "source=referral", "--stage", "lead", "--yes")
    assert result.exit_code == 0, result.output
    assert result.stderr == "b: skipped: already set\n"
    assert listed_ids(result.stdout) == ["a"]
    assert "owner: alice -> bob; source: (none) -> referral" in result.stdout
    assert result.stdout.endswith("set: 1 deal\n")
    assert changed_ids(before, files(workspace)) == {"a"}
    deal = workspace.load("a")
    assert deal.owner == "bob" and deal.source == "referral"


@pytest.mark.parametrize("assignment, words", [
    ("currency=GBP", ["GBP"]),
    ("owner=zed", ["zed"]),
    ("stage=won", ["stage"]),
    ("source=billboard", ["billboard"]),
    ("nonsense", ["nonsense"]),
])
def test_bulk_set_refuses_the_whole_command_when_one_value_is_bad(make_workspace, run, assignment, words):
    workspace = make_workspace({"a": simple_deal("a"), "b": simple_deal("b")})
    before = files(workspace)
    result = run(workspace, "bulk", "set", "value=5", assignment, "--open", "--yes")
    assert_refused(result, *words)
    assert files(workspace) == before


def test_bulk_tag_adds_and_removes_and_skips_what_has_nothing_to_do(make_workspace, run):
    workspace = make_workspace({"a": simple_deal("a"), "b": simple_deal("b", tags="[VIP, eu]")})
    before = files(workspace)
    result = run(workspace, "bulk", "tag", "vip", "--open", "--yes")
    assert result.exit_code == 0 and result.stderr == "b: skipped: already tagged\n", result.output
    assert changed_ids(before, files(workspace)) == {"a"}
    assert workspace.load("a").tags == ["vip"]

    result = run(workspace, "bulk", "tag", "vip", "--remove", "--open", "--yes")
    assert result.exit_code == 0 and result.stdout.endswith("untagged: 2 deals\n"), result.output
    assert "tags" not in workspace.load("a").data and workspace.load("b").tags == ["eu"]

    middle = files(workspace)
    result = run(workspace, "bulk", "tag", "vip", "--remove", "--open", "--yes")
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr == ("a: skipped: has none of these tags\nb: skipped: has none of these tags\n"
                             "nothing to change\n")
    assert files(workspace) == middle


def test_the_total_counts_only_the_deals_that_change(make_workspace, run):
    workspace = make_workspace({"a": simple_deal("a", value=1000), "b": simple_deal("b", value=5000, tags="[vip]")})
    result = run(workspace, "bulk", "tag", "vip", "--open", "--dry-run")
    assert result.exit_code == 0 and listed_ids(result.stdout) == ["a"]
    assert "1 deal, 1,000 EUR in total\n" in result.stdout, result.stdout


def test_a_refusal_names_the_deal_even_when_its_id_begins_the_message(make_workspace, run):
    # A partner deal called "pipeline": "pipeline partners has no parked stage" starts with its id.
    workspace = make_workspace({"pipeline": partner("pipeline", created=OLD)})
    result = run(workspace, "flush", "--inactive", "90d", "--park", "--yes")
    assert_refused(result, "no parked stage")
    assert "cannot be changed: pipeline: pipeline partners" in result.stderr, result.stderr


def test_bulk_move_to_lost_without_a_reason_is_refused_once_up_front(make_workspace, run):
    workspace = make_workspace({"a": simple_deal("a"), "b": simple_deal("b")})
    result = run(workspace, "bulk", "move", "lost", "--open", "--yes")
    assert_refused(result, "a lost deal needs --reason")
    assert "cannot be changed" not in result.stderr


# -- stopping part way --------------------------------------------------------------------------

def five_stale_deals() -> dict[str, str]:
    return {f"d{i}": stale(f"d{i}", value=100 * (i + 1)) for i in range(1, 6)}


def test_a_write_error_part_way_says_which_deals_changed_and_leaves_no_half_file(make_workspace, run, monkeypatch):
    reference = make_workspace(five_stale_deals(), name="reference")
    assert run(reference, "flush", "--inactive", "90d", "--yes").exit_code == 0
    done = files(reference)

    workspace = make_workspace(five_stale_deals())
    before = files(workspace)
    real_replace = os.replace
    calls = []

    def failing_replace(source, target):
        if not str(target).endswith(".md"):  # pipe's cache, not a deal
            return real_replace(source, target)
        calls.append(target)
        if len(calls) == 3:
            raise OSError(28, "No space left on device", str(target))
        return real_replace(source, target)

    with monkeypatch.context() as patch:
        patch.setattr(storage.os, "replace", failing_replace)
        result = run(workspace, "flush", "--inactive", "90d", "--yes")
    assert_refused(result, "No space left on device", "stopped after changing 2 of 5 deals",
                   "changed: d1, d2;", "not changed: d3, d4, d5")
    after = files(workspace)
    assert set(after) == set(before)  # the temp file of d3 is gone
    for name in ("d1.md", "d2.md"):
        assert after[name] == done[name]  # fully written, as a flush that went through writes it
    for name in ("d3.md", "d4.md", "d5.md"):
        assert after[name] == before[name]


def test_ctrl_c_part_way_says_which_deals_changed(make_workspace, run, monkeypatch):
    reference = make_workspace(five_stale_deals(), name="reference")
    assert run(reference, "bulk", "tag", "vip", "--open", "--yes").exit_code == 0
    done = files(reference)

    workspace = make_workspace(five_stale_deals())
    before = files(workspace)
    real_save = storage.Workspace.save
    calls = []

    def interrupted_save(self, deal):
        calls.append(deal.id)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real_save(self, deal)

    with monkeypatch.context() as patch:
        patch.setattr(storage.Workspace, "save", interrupted_save)
        result = run(workspace, "bulk", "tag", "vip", "--open", "--yes")
    assert_refused(result, "interrupted", "stopped after changing 3 of 5 deals",
                   "changed: d1, d2, d3;", "not changed: d4, d5", exit_code=130)
    after = files(workspace)
    assert set(after) == set(before)
    for name in ("d1.md", "d2.md", "d3.md"):
        assert after[name] == done[name]
    for name in ("d4.md", "d5.md"):
        assert after[name] == before[name]


# -- progress -----------------------------------------------------------------------------------

class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_a_bar_on_a_terminal_only(monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert list(progress("close as lost (stale)")(range(5))) == [0, 1, 2, 3, 4]
    assert "close as lost (stale)" in terminal.getvalue()

    piped = io.StringIO()
    monkeypatch.setattr("sys.stderr", piped)
    assert list(progress("close as lost (stale)")(range(5))) == [0, 1, 2, 3, 4]
    assert piped.getvalue() == ""


def test_no_progress_bar_on_stderr_when_it_is_not_a_terminal(make_workspace, run):
    workspace = make_workspace({f"d{i:02d}": stale(f"d{i:02d}") for i in range(40)})
    result = run(workspace, "flush", "--inactive", "90d", "--yes")
    assert result.exit_code == 0 and result.stdout.endswith("flush: lost (stale): 40 deals\n")
    assert result.stderr == ""
    result = run(workspace, "bulk", "tag", "vip", "--lost", "--yes")
    assert result.exit_code == 0 and result.stdout.endswith("tagged: 40 deals\n")
    assert result.stderr == ""


def test_ctrl_c_just_after_a_rename_counts_that_deal_as_changed(make_workspace, run, monkeypatch):
    workspace = make_workspace(five_stale_deals())
    real_replace = os.replace
    calls = []

    def replace_then_interrupt(source, target):
        real_replace(source, target)
        if not str(target).endswith(".md"):  # pipe's cache, not a deal
            return real_replace(source, target)
        calls.append(target)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the file is in place; the folder sync has not run

    with monkeypatch.context() as patch:
        patch.setattr(storage.os, "replace", replace_then_interrupt)
        result = run(workspace, "flush", "--inactive", "90d", "--yes")
    assert_refused(result, "changed: d1, d2, d3;", "not changed: d4, d5", exit_code=130)
    assert [workspace.load(f"d{i}").stage for i in range(1, 6)] == ["lost"] * 3 + ["lead"] * 2


@pytest.mark.parametrize("args, words", [
    (["flush", "--search", "nothing-matches", "--reason", "boredom"], ["unknown lost reason 'boredom'"]),
    (["bulk", "move", "nowhere", "--search", "nothing-matches"], ["unknown stage 'nowhere'"]),
    (["bulk", "move", "lost", "--reason", "boredom", "--search", "nothing-matches"], ["unknown lost reason"]),
    (["bulk", "set", "stage=won", "--search", "nothing-matches"], ["cannot set stage"]),
    (["bulk", "set", "value=lots", "--search", "nothing-matches"], ["bad value 'lots'"]),
])
def test_bad_input_is_refused_even_when_no_deal_matches(make_workspace, run, args, words):
    workspace = make_workspace({"d1": simple_deal("d1")})
    assert_refused(run(workspace, *args, "--yes"), *words)


def test_one_deal_is_one_deal(make_workspace, run):
    workspace = make_workspace({"d1": stale("d1")})
    result = run(workspace, "flush", "--inactive", "90d")
    assert "1 deal, " in result.stdout
    assert_refused(result, "1 deal would change")


def test_the_default_flush_reason_does_not_break_a_workspace_without_it(make_workspace, run):
    config = CONFIG.replace("lost_reasons: [price, competitor, stale]", "lost_reasons: [price, competitor]")
    workspace = make_workspace({"d1": stale("d1")}, config=config)
    assert run(workspace, "list").exit_code == 0
    assert_refused(run(workspace, "flush", "--inactive", "90d", "--yes"), "default flush reason 'stale'", "--reason")
    assert run(workspace, "flush", "--inactive", "90d", "--reason", "price", "--yes").exit_code == 0


def test_bulk_move_next_into_a_closed_stage_is_refused_up_front(make_workspace, run):
    workspace = make_workspace({"d1": simple_deal("d1")})
    assert_refused(run(workspace, "bulk", "move", "won", "--open", "--next", "x", "--yes"), "--next is for a move into")


def test_the_list_says_which_open_tasks_a_flush_cancels(make_workspace, run):
    workspace = make_workspace({"d1": stale("d1"), "d2": stale("d2", tasks="[]")})
    lines = run(workspace, "flush", "--inactive", "90d", "--dry-run").stdout.splitlines()
    rows = [line.rstrip() for line in lines if line.startswith("d")]
    assert rows[0].endswith("  lead -> lost, cancels 1 open task") and rows[1].endswith("  lead -> lost")


def test_an_unknown_pipe_user_stops_a_bulk_command_once(make_workspace, run, monkeypatch):
    workspace = make_workspace({"d1": stale("d1"), "d2": stale("d2")})
    monkeypatch.setenv("PIPE_USER", "nobody")
    assert_refused(run(workspace, "flush", "--inactive", "90d", "--yes"), "PIPE_USER 'nobody' is not on the team")


def test_a_deal_changed_on_disk_after_listing_stops_a_bulk_write_before_its_first_write(make_workspace):
    """Deals listed from the cache are read again only to be written: all of them are read and checked
    before the first write, so a file an editor saved meanwhile stops the command with nothing written."""
    from pipecli.core.errors import PipeError
    from pipecli.core.workflow import bulk

    workspace = make_workspace({name: simple_deal(name) for name in ("a", "b", "c")})
    listed = workspace.deals()
    before = {name: workspace.deal_path(name).read_bytes() for name in ("a", "b", "c")}
    edited = before["c"].replace(b"value: 1000", b"value: 1234")
    workspace.deal_path("c").write_bytes(edited)  # after the listing, before the writes
    changes = []
    for deal in listed:
        deal.set("tags", ["q1"])
        changes.append(bulk.Planned(deal, "tag q1"))
    with pytest.raises(PipeError, match="deals/c.md changed on disk") as error:
        bulk.write(workspace.save, workspace.is_saved, changes)
    assert not isinstance(error.value, bulk.Stopped)  # not "stopped after changing 2 of 3"
    assert {name: workspace.deal_path(name).read_bytes() for name in ("a", "b")} == {k: before[k] for k in ("a", "b")}
    assert workspace.deal_path("c").read_bytes() == edited


def test_ctrl_c_while_a_bulk_command_reads_the_deals_exits_130(make_workspace, run, monkeypatch):
    """Before the writes (reading, planning), Ctrl-C is a `pipe: interrupted` line and 130 too, not click's
    'Aborted!' and 1."""
    from pipecli.core.store import workspace as store_workspace

    workspace = make_workspace({"acme": simple_deal("acme")})

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(store_workspace.Workspace, "deals", interrupted)
    result = run(workspace, "bulk", "tag", "vip", "--open", "--yes")
    assert result.exit_code == 130 and result.stderr == "pipe: interrupted\n"


def test_bulk_shows_each_deals_last_activity_from_before_the_change(make_workspace, run):
    # Facts are worked out when first read: a move adds today's history entry, which must not show
    # as the deal's last activity in the table of what will change.
    workspace = make_workspace({"a": stale("a"), "b": stale("b")})
    result = run(workspace, "bulk", "move", "qualified", "--open", "--dry-run")
    assert result.exit_code == 0, result.output
    rows = result.stdout.splitlines()[2:4]
    assert [row.split()[0] for row in rows] == ["a", "b"]
    assert all(OLD in row and TODAY.isoformat() not in row for row in rows), result.stdout
