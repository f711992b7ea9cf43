"""Who you are is known before a write that records a person, or the write is refused."""

from __future__ import annotations

import pytest

from tests.conftest import CONFIG, failed, git_identity, simple_deal

NO_TEAM = CONFIG.split("team:")[0] + "lost_reasons:" + CONFIG.split("lost_reasons:")[1]

WRITES = [
    ["add", "New deal"],
    ["log", "acme", "call", "Intro"],
    ["move", "acme", "qualified"],
    ["won", "acme"],
    ["lost", "acme", "--reason", "price"],
    ["task", "add", "acme", "Send pricing"],
    ["task", "done", "ta1234", "--next", "Call again"],
    ["flush", "--inactive", "10d", "--yes"],
    ["bulk", "move", "qualified", "--stage", "lead", "--yes"],
]


@pytest.fixture
def stranger(monkeypatch):
    """No PIPE_USER, and a git email that is on nobody's team entry."""
    monkeypatch.delenv("PIPE_USER")
    git_identity(monkeypatch, "Carol", "carol@example.com")
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "user.email")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "carol@example.com")


@pytest.mark.parametrize("args", WRITES, ids=lambda a: " ".join(a[:2]))
def test_a_write_that_records_a_person_refuses_someone_not_on_the_team(make_workspace, run, stranger, args):
    workspace = make_workspace({"acme": simple_deal("acme", created="2026-10-01")})
    before = {p.name: p.read_bytes() for p in workspace.deals_dir.iterdir()}
    failed(run(workspace, *args), "does not know who you are", "carol@example.com", "team: alice, bob",
           "export PIPE_USER=", "team:")
    assert {p.name: p.read_bytes() for p in workspace.deals_dir.iterdir()} == before


def test_with_no_git_identity_either_the_refusal_says_so(make_workspace, run, monkeypatch):
    monkeypatch.delenv("PIPE_USER")
    workspace = make_workspace({"acme": simple_deal("acme")})
    failed(run(workspace, "log", "acme", "call", "Intro"), "no PIPE_USER and no git user.email")


def test_a_teammate_named_by_pipe_user_or_by_git_email_writes(make_workspace, run, stranger, monkeypatch):
    workspace = make_workspace({"acme": simple_deal("acme")})
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "BOB@example.com")
    assert run(workspace, "log", "acme", "call", "Intro").exit_code == 0
    assert workspace.load("acme").activities[-1]["by"] == "bob"
    monkeypatch.setenv("PIPE_USER", "alice")
    run(workspace, "move", "acme", "qualified")
    assert workspace.load("acme").history[-1]["by"] == "alice"


def test_log_by_a_teammate_and_writes_that_record_nobody_still_work(make_workspace, run, stranger):
    workspace = make_workspace({"acme": simple_deal("acme")})
    assert run(workspace, "log", "acme", "call", "Intro", "--by", "bob").exit_code == 0
    assert run(workspace, "set", "acme", "value=2000").exit_code == 0
    assert run(workspace, "bulk", "set", "value=3000", "--stage", "lead", "--yes").exit_code == 0
    assert run(workspace, "bulk", "tag", "eu", "--stage", "lead", "--yes").exit_code == 0
    assert run(workspace, "list").exit_code == 0
    assert run(workspace, "check").exit_code == 0


def test_a_workspace_without_a_team_records_the_git_identity(make_workspace, run, stranger):
    workspace = make_workspace({}, config=NO_TEAM)
    deal_id = run(workspace, "add", "Solo deal").stdout.strip()
    run(workspace, "log", deal_id, "call", "Intro")
    run(workspace, "move", deal_id, "qualified")
    deal = workspace.load(deal_id)
    assert deal.owner == "carol@example.com"
    assert deal.activities[-1]["by"] == deal.history[-1]["by"] == "carol@example.com"
    result = run(workspace, "check")
    assert result.exit_code == 0 and "unknown" not in result.stdout + result.stderr
