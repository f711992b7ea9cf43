"""Progress bars on long work: on a terminal a bar, through a pipe nothing extra (`sync`, `check`, captures)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import CONFIG, run_on_pty, simple_deal
from tests.test_team_git import Clone, team, template  # noqa: F401  (fixtures)

MANY_DEALS = 200  # cli/output.py LARGE_WORKSPACE: from here on `pipe check` shows a bar
BOTH_SIDES = 12  # deals changed in both clones: over the 10 merges from which sync shows one


def on_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    """What ARGS write to a terminal (standard output and error both on one pty)."""
    code, seen = run_on_pty(args, env, cwd, seconds=120)
    assert code == 0, seen.decode("utf-8", "replace")
    return seen.decode("utf-8", "replace")


def piped(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done


def pipe_env() -> dict[str, str]:
    return dict(os.environ, PIPE_TODAY="2026-11-27", PIPE_USER="alice", NO_COLOR="1", COLUMNS="100")


def many_deals(make_workspace, count: int):
    return make_workspace({f"deal-{i:03d}": simple_deal(f"deal-{i:03d}") for i in range(count)}, config=CONFIG)


def test_check_on_a_large_workspace_shows_a_bar_on_a_terminal_only(make_workspace):
    workspace = many_deals(make_workspace, MANY_DEALS)
    command = [sys.executable, "-m", "pipecli", "-C", str(workspace.root), "check"]
    shown = on_terminal(command, workspace.root, pipe_env())
    assert re.search(rf"checking .*{MANY_DEALS}/{MANY_DEALS}", shown), shown
    quiet = piped(command, workspace.root, pipe_env())
    assert "checking" not in quiet.stderr and "\r" not in quiet.stderr
    assert len(quiet.stderr.splitlines()) == 1  # the summary alone


def test_check_on_a_small_workspace_shows_no_bar(make_workspace):
    workspace = many_deals(make_workspace, 5)
    shown = on_terminal([sys.executable, "-m", "pipecli", "-C", str(workspace.root), "check"], workspace.root,
                        pipe_env())
    assert "checking" not in shown


def test_sync_shows_merging_n_of_m_on_a_terminal_and_nothing_when_piped(team):
    alice, bob = team.alice, team.bob
    template = alice.path(team.acme).read_text(encoding="utf-8")
    names = [f"deals/shared-{i:02d}.md" for i in range(BOTH_SIDES)]
    for index, name in enumerate(names):
        (alice.root / name).write_text(template.replace(f"id: {team.acme}", f"id: shared-{index:02d}"),
                                       encoding="utf-8")
    alice.git("add", *names)
    alice.git("commit", "-qm", "shared deals")
    alice.pipe("sync")
    bob.pipe("sync")
    for clone, old, new in ((alice, "value: 8000", "value: 9000"), (bob, "expected_close: 2027-01-15",
                                                                    "expected_close: 2027-02-15")):
        for name in names:
            path = clone.root / name
            text = path.read_text(encoding="utf-8")
            assert old in text
            path.write_text(text.replace(old, new), encoding="utf-8")
        clone.git("commit", "-qam", "both sides")
    alice.pipe("sync")
    shutil.copytree(bob.root, team.root / "bob2", symlinks=True)  # bob's clone as it is, to sync through a pipe
    twin = Clone(team.root / "bob2", "bob", team.home)
    shown = on_terminal([sys.executable, "-m", "pipecli", "sync"], bob.root, bob.env)
    assert re.search(rf"merging .*{BOTH_SIDES}/{BOTH_SIDES}", shown), shown
    assert "checked, pushed" in shown
    trace = team.root / "git-trace"
    twin.env["GIT_TRACE"] = str(trace)
    quiet = twin.pipe("sync")
    assert "merging" not in quiet.stdout + quiet.stderr and "\r" not in quiet.stdout + quiet.stderr
    # through a pipe no bar, so no fetch ahead of the pull's own to count the merges for one
    fetches = [line for line in trace.read_text(encoding="utf-8").splitlines() if "built-in: git fetch" in line]
    assert len(fetches) == 1, fetches
    assert quiet.stdout.startswith("pulled ")
    assert "value: 9000" in (twin.root / names[0]).read_text(encoding="utf-8")
    assert "2027-02-15" in (twin.root / names[0]).read_text(encoding="utf-8")


CAPTURED = 3  # deals, each with one contact and one meeting or email


def captured_workspace(make_workspace, name: str):
    return make_workspace({f"deal-{i}": simple_deal(f"deal-{i}", contacts=f"\n- {{name: P {i}, email: p{i}@x.example}}")
                           for i in range(CAPTURED)}, name=name)


def test_import_calendar_and_import_mail_show_bars_on_a_terminal_only(make_workspace, tmp_path):
    events = "".join(f"BEGIN:VEVENT\nUID:m{i}@x.example\nDTSTART:2026112{i}T100000Z\nSUMMARY:Meeting {i}\n"
                     f"ORGANIZER:mailto:alice@example.com\nATTENDEE:mailto:p{i}@x.example\nEND:VEVENT\n"
                     for i in range(CAPTURED))
    (tmp_path / "cal.ics").write_text(f"BEGIN:VCALENDAR\n{events}END:VCALENDAR\n", encoding="utf-8")
    (tmp_path / "in.mbox").write_text("".join(
        f"From p{i}@x.example Mon Nov 23 10:00:00 2026\nFrom: p{i}@x.example\nTo: alice@example.com\n"
        f"Subject: Hello {i}\nMessage-ID: <e{i}@x.example>\nDate: Mon, 23 Nov 2026 10:00:00 +0000\n\nHi\n\n"
        for i in range(CAPTURED)), encoding="utf-8")
    for command, source, labels in (("import-calendar", "cal.ics", ["import-calendar"]),
                                    ("import-mail", "in.mbox", ["reading", "import-mail"])):
        for shown_on in ("terminal", "pipe"):
            workspace = captured_workspace(make_workspace, f"{command}-{shown_on}")  # nothing logged yet
            args = [sys.executable, "-m", "pipecli", "-C", str(workspace.root), command, str(tmp_path / source)]
            if shown_on == "terminal":
                shown = on_terminal(args, workspace.root, pipe_env())
                for label in labels:
                    assert re.search(rf"{label}.*{CAPTURED}/{CAPTURED}", shown), shown
            else:
                quiet = piped(args, workspace.root, pipe_env())
                assert "\r" not in quiet.stderr + quiet.stdout and f"/{CAPTURED}" not in quiet.stderr
                assert quiet.stderr == ""
            assert len(workspace.load("deal-0").activities) == 1
