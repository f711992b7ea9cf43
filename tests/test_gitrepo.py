"""The git runner (core/gitsync/repo.py): committing exactly some paths, reading a tree, merging lines."""

from __future__ import annotations

import subprocess

import pytest

from pipecli.core.gitsync.repo import Git, GitError, merge_lines
from tests.conftest import git_identity


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    git_identity(monkeypatch, "Alice")
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    (root / "deals").mkdir()
    (root / "deals" / "a.md").write_text("a\n")
    (root / "notes.txt").write_text("mine\n")
    git = Git(root)
    git.run("add", "-A")
    git.run("commit", "-qm", "start")
    return git


def test_commit_takes_only_the_named_paths_and_leaves_the_rest_staged(repo):
    (repo.root / "deals" / "a.md").write_text("a changed\n")
    (repo.root / "deals" / "b.md").write_text("b\n")
    (repo.root / "notes.txt").write_text("mine, staged\n")
    repo.run("add", "notes.txt")
    commit = repo.commit(["deals/a.md", "deals/b.md"], "two deals\n")
    assert commit and repo.output("log", "-1", "--format=%s").strip() == "two deals"
    assert repo.output("show", "--name-only", "--format=", "HEAD").split() == ["deals/a.md", "deals/b.md"]
    assert repo.output("diff", "--cached", "--name-only").split() == ["notes.txt"]


def test_commit_of_nothing_changed_or_a_file_made_and_removed_since_is_none(repo):
    assert repo.commit(["deals/a.md"], "nothing") is None
    assert repo.commit(["deals/never-committed.md"], "made and removed") is None
    (repo.root / "deals" / "a.md").unlink()
    assert repo.commit(["deals/a.md", "deals/never-committed.md"], "rm a")
    assert repo.output("ls-files", "deals").split() == []


def test_errors_are_one_line_without_git_noise(repo, tmp_path):
    with pytest.raises(GitError) as raised:
        repo.commit_of("no-such-branch")
    assert str(raised.value) == "unknown git revision 'no-such-branch' (a commit, branch, tag or HEAD~N)"
    with pytest.raises(GitError, match="not in a git repository"):
        Git(tmp_path).require_repo()


def test_merge_lines_merges_as_git_does_and_counts_conflicts():
    assert merge_lines("a\nb\nc\n", "A\nb\nc\n", "a\nb\nC\n") == ("A\nb\nC\n", 0)
    text, conflicts = merge_lines("a\n", "x\n", "y\n")
    assert conflicts == 1 and text == "<<<<<<< ours\nx\n=======\ny\n>>>>>>> theirs\n"


def test_git_setup_makes_the_repository_routes_deals_and_changes_nothing_the_second_time(tmp_path, monkeypatch, run):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    root = tmp_path / "sales"
    first = run(None, "init", "--git", str(root))
    assert first.exit_code == 0, first.stderr
    assert "created a git repository" in first.stdout and "registered the merge driver" in first.stdout
    assert (root / ".gitattributes").read_text().endswith("deals/*.md merge=pipe\n")
    git = Git(root)
    assert git.output("check-attr", "merge", "deals/x.md").strip() == "deals/x.md: merge: pipe"
    from pipecli.core.gitsync.setup import DRIVER_COMMAND

    assert git.output("config", "merge.pipe.driver").strip() == DRIVER_COMMAND  # no path: it finds pipe when git merges
    assert [git.output("config", key).strip() for key in ("merge.renames", "pull.twohead", "pull.rebase")] == [
        "false", "recursive", "false"]
    (root / ".gitattributes").write_text("*.png binary\n" + (root / ".gitattributes").read_text())
    again = run(root, "git", "setup")
    assert again.exit_code == 0 and again.stdout == f"deal files in {root} merge field by field\n"
    assert (root / ".gitattributes").read_text().startswith("*.png binary\n")


def test_the_autocommit_setting_is_checked(make_workspace, run):
    from pipecli.core.model.config import read_config

    workspace = make_workspace()
    path = workspace.root / "pipelines.yaml"
    path.write_text(path.read_text() + "git: {autocommit: yes please, push: true}\n")
    problems = [str(p) for p in read_config(workspace.root)[1]]
    assert any("git.autocommit must be true or false, got 'yes please'" in p for p in problems)
    assert any("warning: unknown git setting 'push'" in p for p in problems)


def test_autocommit_before_the_workspace_is_committed_refuses_and_writes_nothing(tmp_path, monkeypatch, run):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    git_identity(monkeypatch, "Alice")
    root = tmp_path / "sales"
    assert run(None, "init", "--git", str(root)).exit_code == 0
    config = root / "pipelines.yaml"
    config.write_text(config.read_text() + "git: {autocommit: true}\n")
    refused = run(root, "add", "Acme", "--next", "Call")
    assert refused.exit_code == 1 and refused.stderr == (
        "pipe: pipelines.yaml is not committed yet: commit the workspace first "
        "(git add -A && git commit -m 'pipe workspace')\n")
    assert list((root / "deals").iterdir()) == []
    Git(root).run("add", "-A")
    Git(root).run("commit", "-qm", "pipe workspace")
    added = run(root, "add", "Acme", "--next", "Call")
    assert added.exit_code == 0 and added.stderr.startswith("committed ")
    assert Git(root).output("log", "-1", "--format=%s").startswith("add acme-")
