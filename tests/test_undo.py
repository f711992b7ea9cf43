"""`pipe undo` with real git: a bare remote and two clones (the team of tests/test_team_git.py)."""

from __future__ import annotations

from tests.conftest import committed_repository, failed, simple_deal
from tests.test_team_git import team, template  # noqa: F401  (fixtures)


def pipe_lines(done) -> list[str]:
    return done.stderr.strip().splitlines()


def test_an_unpushed_commit_at_head_is_removed(team):
    alice, acme = team.alice, team.acme
    before_head, before = alice.head(), alice.path(acme).read_bytes()
    alice.pipe("set", acme, "value=9000")
    subject = alice.out("log", "-1", "--format=%s")
    assert alice.head() != before_head
    done = alice.pipe("undo")
    assert done.stdout == f"undid {alice.out('rev-parse', '--short=7', 'HEAD@{1}')} {subject} (removed: it was not pushed)\n"
    assert alice.head() == before_head
    assert alice.path(acme).read_bytes() == before
    assert alice.status() == []


def test_a_pushed_commit_is_reversed_by_a_new_one_and_not_undone_twice(team):
    alice, acme = team.alice, team.acme
    before = alice.path(acme).read_bytes()
    alice.pipe("set", acme, "value=9000")
    changed = alice.out("log", "-1", "--format=%H %s")
    alice.pipe("sync")
    assert team.remote_head() == alice.head()
    done = alice.pipe("undo")
    sha, subject = changed.split(" ", 1)
    assert done.stdout.startswith(f"undid {sha[:7]} {subject} (reversed by the new commit ")
    assert alice.path(acme).read_bytes() == before
    assert alice.out("log", "-1", "--format=%s") == f"undo: {subject}"
    assert alice.out("rev-parse", "HEAD~1") == sha  # nothing pushed was rewritten
    assert alice.status() == []
    again = alice.pipe("undo")  # the next one back, not the same one again (nor the undo itself)
    assert subject not in again.stdout and "undo:" not in again.stdout


def test_someone_elses_last_pipe_commit_is_left_alone(team):
    bob, alice, acme = team.bob, team.alice, team.acme
    bob.pipe("set", acme, "value=7000")
    bob.pipe("sync")
    alice.pipe("sync")
    head = alice.head()
    done = alice.pipe("undo", ok=False)
    assert pipe_lines(done) == [f"pipe: the last pipe commit, {head[:7]} '{alice.out('log', '-1', '--format=%s')}', "
                                "is bob@example.com's, not yours: pipe undo only undoes your own"]
    assert alice.head() == head


def test_uncommitted_changes_to_its_files_are_refused(team):
    alice, acme = team.alice, team.acme
    alice.pipe("set", acme, "value=9000")
    head = alice.head()
    path = alice.path(acme)
    edited = path.read_text(encoding="utf-8") + "\nA note typed by hand.\n"
    path.write_text(edited, encoding="utf-8")
    done = alice.pipe("undo", ok=False)
    assert len(pipe_lines(done)) == 1 and "uncommitted changes in deals/" in done.stderr
    assert "undo would overwrite them" in done.stderr
    assert alice.head() == head and path.read_text(encoding="utf-8") == edited


def test_a_commit_made_by_hand_is_not_pipes(team):
    alice, acme = team.alice, team.acme
    path = alice.path(acme)
    path.write_text(path.read_text(encoding="utf-8") + "\nHand note.\n", encoding="utf-8")
    alice.git("commit", "-q", "-am", "set value=1 on acme by hand")
    head = alice.head()
    done = alice.pipe("undo")  # the last pipe commit is the pushed log of the template, reversed
    assert "log" in done.stdout and "(reversed by the new commit" in done.stdout
    assert alice.out("rev-parse", "HEAD~1") == head
    assert "Hand note." in path.read_text(encoding="utf-8")


def test_outside_git_undo_says_it_needs_git(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")})
    failed(run(workspace, "undo"), "pipe: undo needs git (the workspace is not a git repository)")


def test_no_pipe_commit_nothing_to_undo(make_workspace, run, monkeypatch):
    workspace = make_workspace({"acme": simple_deal("acme")})
    committed_repository(workspace.root, monkeypatch)
    failed(run(workspace, "undo"), "nothing to undo: no commit here was made by pipe")


def test_a_commit_whose_lines_changed_again_is_refused(team):
    alice, acme = team.alice, team.acme
    alice.pipe("set", acme, "value=9000")
    path = alice.path(acme)
    path.write_text(path.read_text(encoding="utf-8").replace("value: 9000", "value: 9500"), encoding="utf-8")
    alice.git("commit", "-q", "-am", "value by hand")
    head, text = alice.head(), path.read_text(encoding="utf-8")
    done = alice.pipe("undo", ok=False)
    assert len(pipe_lines(done)) == 1 and "changed again after" in done.stderr and "in the same lines" in done.stderr
    assert alice.head() == head and path.read_text(encoding="utf-8") == text and alice.status() == []


def test_undo_in_the_middle_of_a_merge_changes_nothing(team):
    """The reversing commit cannot be made during a merge: the reversed deal was left staged, to be swept
    into the merge commit. Now undo refuses before writing."""
    alice, acme = team.alice, team.acme
    alice.pipe("set", acme, "value=9000")
    (alice.root / "notes.txt").write_text("mine\n", encoding="utf-8")
    alice.git("add", "notes.txt")
    alice.git("commit", "-q", "-m", "a hand commit after it")  # so undo reverses rather than resets
    alice.git("checkout", "-q", "-b", "other", "HEAD~2")
    (alice.root / "notes.txt").write_text("theirs\n", encoding="utf-8")
    alice.git("add", "notes.txt")
    alice.git("commit", "-q", "-m", "other side")
    alice.git("checkout", "-q", "-")
    alice.git("merge", "other", ok=None)  # conflicts in notes.txt: a merge in progress
    before, status = alice.path(acme).read_bytes(), alice.status()
    done = alice.pipe("undo", ok=False)
    assert done.returncode == 1 and done.stderr.strip().splitlines() == [
        "pipe: a merge is in progress: finish or abort it first, then undo"]
    assert alice.path(acme).read_bytes() == before
    assert alice.status() == status


def test_undo_on_a_detached_head_refuses(team):
    alice, acme = team.alice, team.acme
    alice.pipe("set", acme, "value=9000")
    alice.git("checkout", "-q", "--detach")
    done = alice.pipe("undo", ok=False)
    assert done.returncode == 1 and "HEAD is detached" in done.stderr
    assert "value: 9000" in alice.path(acme).read_text(encoding="utf-8")
