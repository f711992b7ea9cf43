"""`pipe init --demo DIR`: the sample company with its year as git commits, where the README's team
and history examples run as written."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipecli.cli.main import cli
from pipecli.core.fileformat import yamlio
from tests.conftest import failed, git_identity

ROOT = Path(__file__).resolve().parent.parent
ENV = {"PIPE_TODAY": "2026-11-27", "PIPE_USER": "maya", "NO_COLOR": "1", "COLUMNS": "100", "GIT_CONFIG_NOSYSTEM": "1"}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """One demo for the module (each test works on a copy)."""
    folder = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(cli, ["init", "--demo", str(folder / "tidewater")], catch_exceptions=False,
                                env={**ENV, "GIT_CONFIG_GLOBAL": str(folder / "no-gitconfig")})
    assert result.exit_code == 0, result.output
    return folder / "tidewater"


@pytest.fixture
def demo(built, tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("PIPE_USER", "maya")
    git_identity(monkeypatch, "Maya Chen", "maya@tidewater.example")
    copy = tmp_path / "tidewater"
    shutil.copytree(built, copy, symlinks=True)
    return copy


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def test_the_demo_is_the_sample_with_a_year_of_commits_by_its_three_people(demo, run):
    for path in [ROOT / "pipelines.yaml", *sorted((ROOT / "deals").glob("*.md"))]:
        assert (demo / path.relative_to(ROOT)).read_bytes() == path.read_bytes(), path.name
    assert git(demo, "status", "--porcelain") == ""
    log = git(demo, "log", "--format=%an|%ae|%ad|%s", "--date=short").splitlines()
    team = yamlio.load((demo / "pipelines.yaml").read_text(encoding="utf-8"))["team"]
    assert {line.split("|")[0] + "|" + line.split("|")[1] for line in log} == {f"{m['name']}|{m['email']}" for m in team}
    dates = sorted(line.split("|")[2] for line in log)
    assert dates[0] < "2025-11-20" and dates[-1] == "2026-11-26" and len(set(dates)) > 150
    # one commit per change: each changes one deal file, and there is one per dated part of a deal
    subjects = [line.split("|")[3] for line in log]
    assert sum(s.startswith("add ") for s in subjects) == 49 and sum(s.startswith("move ") for s in subjects) > 100
    assert any(s.startswith("task done ") for s in subjects) and any(s.startswith("log ") for s in subjects)
    assert len(git(demo, "log", "--merges", "--format=%H").split()) == 2
    assert run(demo, "check").exit_code == 0


def test_the_clones_merges_went_through_the_driver(demo, run):
    for merge in git(demo, "log", "--merges", "--format=%H").split():
        ours, theirs = git(demo, "log", "-1", "--format=%P", merge).split()
        base = git(demo, "merge-base", ours, theirs).strip()
        changed = [set(git(demo, "diff", "--name-only", base, side).split()) for side in (ours, theirs)]
        both = changed[0] & changed[1]
        assert both  # the same deal file changed in both clones: git ran pipe's driver on it
        for path in both:  # ...and the merge holds both sides' entries
            merged = git(demo, "show", f"{merge}:{path}")
            for side in (ours, theirs):
                for line in git(demo, "diff", base, side, "--", path).splitlines():
                    if line.startswith("+  summary:"):
                        assert line[1:] in merged
    shown = run(demo, "history", "meridian")
    assert shown.exit_code == 0 and "Merge branch 'main' into tom's clone" in shown.stdout


def readme_block(heading: str) -> list[str]:
    """The `pipe ...` commands of the first sh block under heading in README.md (continued lines joined)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split(f"## {heading}\n", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = []
    for line in block.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        if words and words[0] == "pipe":
            commands.append(words[1:])
    return commands


def test_the_readmes_team_examples_run_in_the_demo_as_written(demo, run, tmp_path):
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(tmp_path / "remote.git")], check=True)
    git(demo, "remote", "add", "origin", str(tmp_path / "remote.git"))
    git(demo, "push", "-q", "-u", "origin", "main")
    [add] = [c for c in readme_block("A week of pipeline work") if c[0] == "add"]
    assert run(demo, *add, "--commit").exit_code == 0
    assert run(demo, "set", "acme", "expected_close=2027-01-31", "--commit").exit_code == 0
    commands = readme_block("Working as a team")
    assert [c[0] for c in commands] == ["init", "sync", "move", "history", "diff", "report", "undo"]
    out = {}
    for command in commands[1:]:  # init --git makes ~/sales: the demo is the workspace here
        result = run(demo, *command)
        assert result.exit_code == 0, (command, result.output)
        out[command[0]] = result.stdout
    assert out["sync"].startswith("pulled 0 commits, checked, pushed 2 commits")
    assert git(tmp_path / "remote.git", "log", "-1", "--format=%s", "main").startswith("set acme-rollout-")
    # undo, last: the move was not pushed, so it is taken away
    assert out["undo"].startswith("undid ") and "move acme-rollout-" in out["undo"]
    assert git(demo, "log", "-1", "--format=%s").startswith("set acme-rollout-")
    assert "lead -> proposal" in out["history"] and "expected_close: (none) -> 2027-01-31" in out["history"]
    added = int(re.search(r"^Deals added +(\d+)$", out["diff"], re.M).group(1))
    assert 1 <= added < 10 and "Acme rollout" in out["diff"]  # the last week, not every deal
    assert "Revenue · 2026-10" in out["report"]
    won = re.search(r"^Revenue won +([\d,]+ EUR)$", out["report"], re.M).group(1)
    assert won != "0 EUR"
    # read from the commit of 2026-10-31, not from today's files: the weighted pipeline then was another
    now = run(demo, "report", "revenue", "--period", "2026-10").stdout
    weighted = [re.search(r"^Weighted pipeline at period end +(.+)$", text, re.M).group(1) for text in (out["report"], now)]
    assert weighted[0] != weighted[1]
    deal_history = run(demo, "history", "meridian")
    assert deal_history.stdout.count("Maya Chen") > 5 and "Tom Okafor" in deal_history.stdout


def test_two_clones_of_the_demo_sync_a_deal_both_changed(demo, run, tmp_path, monkeypatch):
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(tmp_path / "remote.git")], check=True)
    git(demo, "remote", "add", "origin", str(tmp_path / "remote.git"))
    git(demo, "push", "-q", "-u", "origin", "main")
    toms = tmp_path / "toms"
    subprocess.run(["git", "clone", "-q", str(tmp_path / "remote.git"), str(toms)], check=True)
    assert run(toms, "git", "setup").exit_code == 0
    monkeypatch.setenv("PIPE_USER", "tom")
    assert run(toms, "log", "meridian", "call", "Giulia: award in January", "--commit").exit_code == 0
    assert run(toms, "sync").exit_code == 0
    monkeypatch.setenv("PIPE_USER", "maya")
    assert run(demo, "set", "meridian", "probability=30", "--commit").exit_code == 0
    synced = run(demo, "sync")
    assert synced.exit_code == 0, synced.output
    text = (demo / "deals" / "meridian-grid-control-room-pilot.md").read_text(encoding="utf-8")
    assert "probability: 30" in text and "Giulia: award in January" in text
    assert run(demo, "check").exit_code == 0


def test_the_demo_goes_in_a_new_folder_only(tmp_path, run):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine", encoding="utf-8")
    failed(run(None, "init", "--demo", str(tmp_path / "busy")), "not empty")
    assert [p.name for p in (tmp_path / "busy").iterdir()] == ["notes.txt"]


def test_the_shipped_demo_is_the_repositorys_sample():
    shipped = ROOT / "pipecli" / "demo"
    names = sorted(p.relative_to(shipped).as_posix() for p in shipped.rglob("*") if p.is_file())
    assert names == sorted(["pipelines.yaml"] + [f"deals/{p.name}" for p in (ROOT / "deals").glob("*.md")])
    for name in names:
        assert (shipped / name).read_bytes() == (ROOT / name).read_bytes(), f"{name}: run python tools/make_sample.py"
