"""Consistent and forgiving: a near command suggested, a no-op set that writes nothing, rm that asks, --color."""

import subprocess

import pytest

from pipecli.cli import deals as cli_deals
from tests.conftest import committed_repository, failed, simple_deal


def usage_line(result) -> str:
    """A usage error: exit 2, one `pipe: ` line on stderr, nothing on stdout."""
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == "" and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# -- a mistyped command ---------------------------------------------------------------------------------

@pytest.mark.parametrize("args, line", [
    (["borad"], "pipe: no command 'borad'; did you mean 'board'?"),
    (["lsit", "--open"], "pipe: no command 'lsit'; did you mean 'list'?"),
    (["task", "snoze", "ta1234", "3d"], "pipe: no command 'task snoze'; did you mean 'task snooze'?"),
    (["bulk", "mvoe", "qualified"], "pipe: no command 'bulk mvoe'; did you mean 'bulk move'?"),
    (["git", "setpu"], "pipe: no command 'git setpu'; did you mean 'git setup'?"),
    (["zzzzzz"], "pipe: no command 'zzzzzz'; see 'pipe --help'"),
])
def test_a_mistyped_command_suggests_the_near_one(make_workspace, run, args, line):
    assert usage_line(run(make_workspace(), *args)) == line


def test_a_hidden_command_is_never_suggested(make_workspace, run):
    assert usage_line(run(make_workspace(), "merge-drive")) == "pipe: no command 'merge-drive'; see 'pipe --help'"


def test_a_mistyped_command_is_shown_printable(make_workspace, run):
    line = usage_line(run(make_workspace(), "bo\x1b[2Jard"))
    assert "\x1b" not in line and line.startswith("pipe: no command 'bo [2Jard'")


# -- a no-op set --------------------------------------------------------------------------------------

def test_set_to_the_same_value_says_unchanged_and_writes_nothing(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme", account="Acme GmbH", tags="[eu, smb]",
                                                    expected_close="2026-12-15")})
    path = workspace.deal_path("acme")
    before, mtime = path.read_bytes(), path.stat().st_mtime_ns
    result = run(workspace, "set", "acme", "value=1000.00", "account=Acme GmbH", "tags=eu, smb",
                 "expected_close=2026-12-15", "source=", "bant.need=")
    assert result.exit_code == 0, result.output
    assert result.stdout == ("acme: value: unchanged\nacme: account: unchanged\nacme: tags: unchanged\n"
                             "acme: expected_close: unchanged\nacme: source: unchanged\nacme: bant.need: unchanged\n")
    assert path.read_bytes() == before and path.stat().st_mtime_ns == mtime
    assert "close_changes" not in path.read_text()


def test_set_says_unchanged_only_for_the_fields_that_are(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")})
    result = run(workspace, "set", "acme", "value=1000", "account=Acme")
    assert result.stdout == "acme: value: unchanged\nacme: account: (none) -> Acme\n"
    assert workspace.load("acme").account == "Acme"


def test_a_no_op_set_makes_no_commit(make_workspace, run, monkeypatch):
    workspace = make_workspace({"acme": simple_deal("acme")})
    git = committed_repository(workspace.root, monkeypatch)
    head = git("rev-parse", "HEAD")
    result = run(workspace, "set", "acme", "value=1000", "--commit")
    assert result.exit_code == 0 and result.stdout == "acme: value: unchanged\n"
    assert "committed" not in result.stderr and git("rev-parse", "HEAD") == head
    assert git("status", "--porcelain", "--", "deals") == ""
    run(workspace, "set", "acme", "value=2000", "--commit")
    assert git("rev-parse", "HEAD") != head  # the same command does commit a change


# -- rm asks --------------------------------------------------------------------------------------------

def test_rm_off_a_terminal_needs_yes(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")})
    before = workspace.deal_path("acme").read_bytes()
    assert failed(run(workspace, "rm", "acme"), "--yes") == "pipe: pipe rm would delete deals/acme.md: confirm with --yes"
    assert workspace.deal_path("acme").read_bytes() == before
    result = run(workspace, "rm", "acme", "--yes")
    assert result.exit_code == 0 and result.stdout == "removed deals/acme.md\n"
    assert workspace.deal_ids() == []


def test_rm_asks_on_a_terminal_and_does_what_the_answer_says(make_workspace, run, monkeypatch):
    monkeypatch.setattr(cli_deals, "stdin_is_terminal", lambda: True)
    workspace = make_workspace({"acme": simple_deal("acme")})
    result = run(workspace, "rm", "acme", input="n\n")
    assert result.exit_code == 1 and "Delete deals/acme.md? [y/N]" in result.stderr
    assert result.stderr.splitlines()[-1] == "pipe: nothing removed"
    assert workspace.deal_ids() == ["acme"]
    result = run(workspace, "rm", "acme", input="y\n")
    assert result.exit_code == 0 and result.stdout == "removed deals/acme.md\n"
    assert workspace.deal_ids() == []


# -- --color --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("choice, no_color, coloured", [
    ("always", "1", True), ("never", "", False), ("auto", "", False), (None, "", False),
])
def test_color_option(make_workspace, run, monkeypatch, choice, no_color, coloured):
    monkeypatch.setenv("NO_COLOR", no_color)  # and CliRunner's output is no terminal
    workspace = make_workspace({"acme": simple_deal("acme")})
    args = ["--color", choice] if choice else []
    result = run(workspace, *args, "board")
    assert result.exit_code == 0 and ("\x1b[" in result.stdout) == coloured
    assert "Lead (1)" in result.stdout


def test_color_auto_colours_a_terminal_unless_no_color(make_workspace, run, monkeypatch):
    monkeypatch.setattr("pipecli.cli.context.colour_wanted", lambda: True)
    workspace = make_workspace({"acme": simple_deal("acme")})
    assert "\x1b[" in run(workspace, "--color", "auto", "board").stdout
    assert "\x1b[" not in run(workspace, "--color", "never", "board").stdout


def test_color_always_does_not_colour_a_file(make_workspace, run, tmp_path):
    workspace = make_workspace({"acme": simple_deal("acme")})
    result = run(workspace, "--color", "always", "list", "-o", str(tmp_path / "out.txt"))
    assert result.exit_code == 0 and "\x1b" not in (tmp_path / "out.txt").read_text()


def test_color_refuses_an_unknown_choice(make_workspace, run):
    result = run(make_workspace(), "--color", "sometimes", "board")
    assert result.exit_code == 2 and "'sometimes' is not one of 'auto', 'always', 'never'" in result.stderr
