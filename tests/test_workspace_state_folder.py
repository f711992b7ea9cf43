"""pipe's local folder, .pipe/ (cache, lock, rejected edits, capture state), keeps itself out of git
in a workspace that `pipe init` did not make (a copied folder, a repository of its own)."""

from __future__ import annotations

import subprocess

from tests.conftest import simple_deal


def test_a_copied_workspace_keeps_pipes_folder_out_of_git(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")})
    root = workspace.root
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    assert run(workspace, "list").exit_code == 0  # the cache
    assert run(workspace, "log", "acme", "call", "Intro call").exit_code == 0  # the lock
    assert (root / ".pipe" / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    untracked = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=root,
                               capture_output=True, text=True, check=True).stdout
    assert ".pipe" not in untracked and "deals/acme.md" in untracked


def test_a_gitignore_of_the_users_own_in_pipes_folder_is_kept(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")})
    (workspace.root / ".pipe").mkdir()
    (workspace.root / ".pipe" / ".gitignore").write_text("cache/\n", encoding="utf-8")
    assert run(workspace, "log", "acme", "call", "Intro call").exit_code == 0
    assert (workspace.root / ".pipe" / ".gitignore").read_text(encoding="utf-8") == "cache/\n"
