"""`pipe sync` merges the deal files changed on both sides in its own process (core/gitsync/mergeahead.py).

The results must be exactly the per-file driver's: the same files, the same conflicts, the same
index; a plain `git merge` still runs the driver per file; a result is used only for exactly the
inputs it was merged from.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.test_team_git import Clone, Team, team, template  # noqa: F401  (fixtures)

SHARED = 24  # deals both clones change


def shared_deals(team: Team) -> list[str]:
    """SHARED copies of acme, committed by alice and synced to bob; their paths."""
    alice, bob = team.alice, team.bob
    text = alice.path(team.acme).read_text(encoding="utf-8")
    names = [f"deals/shared-{i:02d}.md" for i in range(SHARED)]
    for index, name in enumerate(names):
        (alice.root / name).write_text(text.replace(f"id: {team.acme}", f"id: shared-{index:02d}"), encoding="utf-8")
    alice.git("add", *names)
    alice.git("commit", "-qm", "shared deals")
    alice.pipe("sync")
    bob.pipe("sync")
    return names


def edit(clone: Clone, name: str, old: str, new: str) -> None:
    path = clone.root / name
    text = path.read_text(encoding="utf-8")
    assert old in text, (name, text)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def change_both_sides(team: Team, names: list[str]) -> None:
    """Every kind of merge the driver does: clean field merges, field conflicts, notes merged line by line
    (clean and conflicting), a file that no longer parses (merged as lines), a file added on both sides,
    one removed on a side and changed on the other, one changed the same way on both."""
    alice, bob = team.alice, team.bob
    for index, name in enumerate(names):
        edit(alice, name, "value: 8000", "value: 9000")
        if index % 4 == 0:
            edit(bob, name, "value: 8000", "value: 7000")  # conflict
        else:
            edit(bob, name, "expected_close: 2027-01-15", "expected_close: 2027-02-15")
        if index % 3 == 0:
            for clone in (alice, bob):
                with open(clone.root / name, "a", encoding="utf-8") as notes:
                    notes.write(f"\n{clone.user} wrote this{' too' if index % 6 == 0 else ''}.\n")
    edit(alice, names[1], "value: 9000", "value: [9000")  # no longer parses
    for clone, value in ((alice, "1"), (bob, "2")):
        (clone.root / "deals" / "twice.md").write_text(f"---\nid: twice\ntitle: Twice {value}\n---\n", encoding="utf-8")
    (alice.root / names[2]).unlink()
    edit(alice, names[7], "expected_close: 2027-01-15", "expected_close: 2027-02-15")  # the same on both sides
    edit(alice, names[7], "value: 9000", "value: 8000")
    for clone in (alice, bob):
        clone.git("add", "-A", "deals")
        clone.git("commit", "-qm", f"{clone.user}'s side")


def merged_state(clone: Clone) -> tuple:
    """Everything a merge leaves: the files, the index with its stages, the merge in progress."""
    return (clone.deal_bytes(), clone.out("ls-files", "-s", "deals"), clone.git("status", "--porcelain").stdout,
            clone.out("rev-parse", "MERGE_HEAD"))


@pytest.mark.parametrize("first", ["alice", "bob"])
def test_sync_merges_exactly_as_the_per_file_driver_does_both_ways(team, first):
    names = shared_deals(team)
    change_both_sides(team, names)
    pusher, merger = (team.alice, team.bob) if first == "alice" else (team.bob, team.alice)
    pusher.git("push", "-q")
    shutil.copytree(merger.root, team.root / "twin", symlinks=True)
    twin = Clone(team.root / "twin", merger.user, team.home)
    refused = merger.pipe("sync", ok=False)
    assert "conflicts in" in refused.stderr or "removed on one side" in refused.stderr
    twin.git("pull", "--no-edit", ok=False)  # git alone, the driver once per file
    synced, pulled = merged_state(merger), merged_state(twin)
    assert synced[0] == pulled[0]
    assert synced[1:] == pulled[1:]
    conflicted = synced[2]
    assert "UU deals/shared-00.md" in conflicted and "UU deals/shared-03.md" in conflicted  # a field, the notes
    assert "AA deals/twice.md" in conflicted and "U deals/shared-02.md" in conflicted.replace("DU", "U").replace("UD", "U")
    assert "M  deals/shared-01.md" in conflicted and b"value: [9000" in synced[0]["shared-01.md"]  # as lines
    assert "shared-07.md" not in conflicted  # the same on both sides
    assert b"value: 9000" in synced[0]["shared-05.md"] and b"expected_close: 2027-02-15" in synced[0]["shared-05.md"]


def test_sync_starts_no_python_per_deal_file(team, tmp_path):
    """The files are merged in sync's own process: git's driver only copies the results."""
    names = shared_deals(team)
    change_both_sides(team, names)
    team.alice.git("push", "-q")
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    started = tmp_path / "drivers-started"
    (hooks / "sitecustomize.py").write_text(
        "import os, sys\n"
        "if 'merge-driver' in sys.argv:\n"
        "    with open(os.environ['DRIVER_STARTS'], 'a') as log:\n"
        "        log.write(' '.join(sys.argv[-1:]) + '\\n')\n", encoding="utf-8")
    bob = team.bob
    bob.env.update(PYTHONPATH=os.pathsep.join([str(hooks), bob.env["PYTHONPATH"]]), DRIVER_STARTS=str(started))
    bob.pipe("sync", ok=False)
    # All merged ahead of git, the unparsable file too (as lines), but the one added on both sides (no base).
    assert started.read_text(encoding="utf-8").split() == ["deals/twice.md"]
    assert b"value: 9000" in (bob.root / names[5]).read_bytes()


def test_plain_git_merge_runs_the_driver_per_file_and_takes_only_a_result_made_from_its_inputs(team, tmp_path):
    alice, bob = team.alice, team.bob
    path = f"deals/{team.acme}.md"
    edit(alice, path, "value: 8000", "value: 9000")
    alice.git("commit", "-qam", "value")
    alice.git("push", "-q")
    edit(bob, path, "expected_close: 2027-01-15", "expected_close: 2027-02-15")
    bob.git("commit", "-qam", "close")
    bob.git("fetch", "-q")
    sides = [bob.out("rev-parse", f"{rev}:{path}") for rev in ("HEAD~1", "HEAD", "origin/main")]
    ahead = tmp_path / "ahead"
    (ahead / "deals").mkdir(parents=True)
    planted = b"---\nid: planted\n---\n"
    # results for other inputs: the sides swapped, or another file
    (ahead / f"{path}.{sides[0]}-{sides[2]}-{sides[1]}.0").write_bytes(planted)
    (ahead / "deals" / f"other.md.{'-'.join(sides)}.0").write_bytes(planted)
    twin = Clone(team.root / "twin", "bob", team.home)
    shutil.copytree(bob.root, twin.root, symlinks=True)

    bob.env["PIPE_MERGE_AHEAD"] = str(ahead)
    bob.git("merge", "--no-edit", "origin/main")
    merged = (bob.root / path).read_bytes()
    assert b"value: 9000" in merged and b"expected_close: 2027-02-15" in merged  # the driver's merge

    (ahead / f"{path}.{'-'.join(sides)}.1").write_bytes(planted)
    (ahead / f"{path}.{'-'.join(sides)}.1.msg").write_text("pipe: conflict in there\n", encoding="utf-8")
    twin.env["PIPE_MERGE_AHEAD"] = str(ahead)
    done = twin.git("merge", "--no-edit", "origin/main", ok=False)  # the result for exactly these inputs
    assert (twin.root / path).read_bytes() == planted and "pipe: conflict in there" in done.stderr
    assert twin.out("ls-files", "-u", path).count("\n") == 2  # a conflict, as the recorded status said


def test_a_deal_file_name_too_long_for_a_result_beside_its_blob_ids_is_merged_by_the_driver(team):
    # A result is named path.<3 blob ids>.status: 125 characters more than the file's own name, past
    # the file system's 255 for a long id (pipe's ids have no length limit); the driver merges it.
    alice, bob = team.alice, team.bob
    long_id = "-".join(["long"] * 30)  # 149 characters
    name = f"deals/{long_id}.md"
    text = alice.path(team.acme).read_text(encoding="utf-8").replace(f"id: {team.acme}", f"id: {long_id}")
    (alice.root / name).write_text(text, encoding="utf-8")
    alice.git("add", name)
    alice.git("commit", "-qm", "a long id")
    alice.pipe("sync")
    bob.pipe("sync")
    edit(alice, name, "value: 8000", "value: 9000")
    edit(bob, name, "expected_close: 2027-01-15", "expected_close: 2027-02-15")
    for clone in (alice, bob):
        clone.git("commit", "-qam", f"{clone.user}'s side")
    alice.git("push", "-q")
    bob.pipe("sync")
    merged = (bob.root / name).read_bytes()
    assert b"value: 9000" in merged and b"expected_close: 2027-02-15" in merged


def changed_on_both_sides(team, name: str) -> None:
    """A copy of acme at name, pushed by alice and pulled by bob; then its value changed by alice (pushed)
    and its expected close by bob (committed): bob's next pull merges it with the driver."""
    alice, bob = team.alice, team.bob
    (alice.root / name).write_text(alice.path(team.acme).read_text(encoding="utf-8"), encoding="utf-8")
    alice.git("add", "--", name)
    alice.git("commit", "-qm", "an odd name")
    alice.git("push", "-q")
    bob.git("pull", "-q", "--no-edit")
    edit(alice, name, "value: 8000", "value: 9000")
    edit(bob, name, "expected_close: 2027-01-15", "expected_close: 2027-02-15")
    for clone in (alice, bob):
        clone.git("commit", "-qam", f"{clone.user}'s side")
    alice.git("push", "-q")


def test_a_deal_file_with_a_double_quote_in_its_name_merges_and_the_driver_registered_before_is_updated(team):
    # git quotes %P for sh; inside the "..." of the driver's last message a `"` in the name ended the
    # string, and with a `'` after it sh refused the whole driver: the file was never merged.
    from pipecli.core.gitsync.setup import DRIVER_COMMAND

    bob = team.bob
    before = DRIVER_COMMAND.replace("'\"%P\"'", "%P")  # the driver as pipe registered it with %P inside "..."
    bob.git("config", "merge.pipe.driver", before)
    name = "deals/6\" o'clock.md"
    changed_on_both_sides(team, name)
    synced = bob.pipe("sync", ok=None)
    assert "failed without marking" not in synced.stderr
    assert bob.out("config", "merge.pipe.driver") == DRIVER_COMMAND
    merged = (bob.root / name).read_bytes()
    assert b"value: 9000" in merged and b"expected_close: 2027-02-15" in merged
    assert bob.out("ls-files", "-u") == ""


def test_a_deal_file_name_is_never_run_as_a_command_when_the_driver_finds_no_pipe(team, tmp_path):
    from tests.test_team_git import only_on_path

    bob = team.bob
    name = "deals/$(touch ran).md"
    changed_on_both_sides(team, name)
    bob.env.pop("PYTHONPATH")
    bob.env["PATH"] = only_on_path(tmp_path, touch=shutil.which("touch"))  # no pipe, no python3: its last words
    failed = bob.git("pull", "--no-edit", ok=False)
    said = [line for line in failed.stderr.splitlines() if line.startswith("pipe: cannot merge")]
    assert said and said[0].startswith("pipe: cannot merge 'deals/$(touch ran).md': no pipe on PATH")
    assert not (bob.root / "ran").exists()


def recording_bars(monkeypatch) -> tuple[list[int], list[int]]:
    """The totals of the progress bars sync draws, and every count shown on them."""
    import contextlib

    import pipecli.cli.output as output

    totals: list[int] = []
    shown: list[int] = []

    @contextlib.contextmanager
    def bar(label, total, at_least=2):
        totals.append(total)
        yield shown.append

    monkeypatch.setattr(output, "progress_count", bar)
    return totals, shown


def test_the_merging_bar_counts_each_file_once_and_ends_at_its_total(team, monkeypatch):
    """The file added on both sides is noted merged ahead, then by the driver, which git runs on it all
    the same: a line each in the log, the bar went to SHARED + 1 of SHARED (+ twice.md) before the last merge."""
    import datetime as dt

    from pipecli.cli.gitcmd import _watch_merges
    from pipecli.core.gitsync.sync import SyncRefused, sync
    from pipecli.core.store.workspace import Workspace

    names = shared_deals(team)
    change_both_sides(team, names)
    team.alice.git("push", "-q")
    totals, shown = recording_bars(monkeypatch)
    for name, value in team.bob.env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SyncRefused, match="removed on one side"):  # and conflicts: change_both_sides
        sync(Workspace(team.bob.root), dt.date(2026, 11, 27), watch_merges=_watch_merges)
    assert totals == [SHARED + 1]  # the shared deals and twice.md
    assert shown and max(shown) == shown[-1] == SHARED + 1


def test_on_a_clone_that_rebases_the_merging_bar_counts_each_file_once(team, monkeypatch):
    """A rebase replays each local commit: bob's two commits on the same deals merge each file twice."""
    import datetime as dt

    from pipecli.cli.gitcmd import _watch_merges
    from pipecli.core.gitsync.sync import sync
    from pipecli.core.store.workspace import Workspace

    names = shared_deals(team)
    alice, bob = team.alice, team.bob
    for name in names:
        edit(alice, name, "value: 8000", "value: 9000")
    alice.git("commit", "-qam", "alice's side")
    alice.git("push", "-q")
    for name in names:
        edit(bob, name, "expected_close: 2027-01-15", "expected_close: 2027-02-15")
    bob.git("commit", "-qam", "bob: close dates")
    for name in names:
        with open(bob.root / name, "a", encoding="utf-8") as notes:
            notes.write("\nbob wrote this.\n")
    bob.git("commit", "-qam", "bob: notes")
    bob.git("config", "pull.rebase", "true")
    totals, shown = recording_bars(monkeypatch)
    for name, value in bob.env.items():
        monkeypatch.setenv(name, value)
    sync(Workspace(bob.root), dt.date(2026, 11, 27), push=False, watch_merges=_watch_merges)
    assert totals == [SHARED]
    assert shown and max(shown) == shown[-1] == SHARED
    assert "value: 9000" in (bob.root / names[0]).read_text(encoding="utf-8")
