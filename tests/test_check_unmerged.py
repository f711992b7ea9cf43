"""`pipe check` reports a deal file git has not finished merging, even when it parses."""

from __future__ import annotations

from tests.conftest import committed_repository, simple_deal


def test_a_merge_the_driver_could_not_do_is_an_error_until_resolved(make_workspace, run, monkeypatch):
    workspace = make_workspace({"acme": simple_deal("acme")})
    (workspace.root / ".gitattributes").write_text("deals/*.md merge=pipe\n", encoding="utf-8")
    git = committed_repository(workspace.root, monkeypatch)
    # A driver that cannot run leaves the file as our side, with no conflict markers: it parses.
    git("config", "merge.pipe.driver", "false")
    git("checkout", "-q", "-b", "theirs")
    run(workspace, "set", "acme", "value=2000")
    git("commit", "-qam", "theirs")
    git("checkout", "-q", "main")
    run(workspace, "set", "acme", "tags=eu")
    git("commit", "-qam", "ours")
    import subprocess

    merged = subprocess.run(["git", "merge", "-q", "theirs"], cwd=workspace.root, capture_output=True, text=True)
    assert merged.returncode != 0 and "<<<<<<<" not in workspace.deal_path("acme").read_text(encoding="utf-8")
    result = run(workspace, "check")
    assert result.exit_code == 1
    assert "deals/acme.md: error: git has not finished merging this file" in result.stdout
    assert "git checkout -m deals/acme.md" in result.stdout
    # Resolved by hand (both sides' changes), not yet added: only a reminder.
    path = workspace.deal_path("acme")
    path.write_text(path.read_text(encoding="utf-8").replace("value: 1000", "value: 2000"), encoding="utf-8")
    result = run(workspace, "check")
    assert result.exit_code == 0 and "deals/acme.md: warning: git has not finished merging this file" in result.stdout
    git("add", "deals/acme.md")
    result = run(workspace, "check")
    assert result.exit_code == 0 and "merging" not in result.stdout


def test_a_workspace_outside_git_is_checked_without_git(make_workspace, run):
    assert run(make_workspace({"acme": simple_deal("acme")}), "check").exit_code == 0
