"""History from git, with real git in a temporary folder: `pipe history`, `pipe diff` and `report --as-of`.

One repository is built once for the module, a commit a day from `pipe init` on 2026-11-02 to
2026-11-16 and an uncommitted move on 2026-11-20; tests that change it work on a copy.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipecli.cli.main import cli
from pipecli.core.gitsync.changes import deal_changes
from pipecli.core.model.deal import Deal
from tests.conftest import failed as refused

NOW = "2026-11-20"
IDENTITY = {"GIT_AUTHOR_NAME": "Alice Martin", "GIT_AUTHOR_EMAIL": "alice@example.com",
            "GIT_COMMITTER_NAME": "Alice Martin", "GIT_COMMITTER_EMAIL": "alice@example.com", "TZ": "UTC"}


def git(cwd: Path, *args: str, date: str | None = None) -> str:
    env = {**os.environ, **IDENTITY, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_CONFIG_GLOBAL": str(cwd / ".no-gitconfig")}
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{date}T10:00:00+0000"
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def pipe(root: Path, *args: str, today: str = NOW):
    """pipe -C root ARGS on `today`; fails the test on a non-zero exit."""
    env = {**IDENTITY, "PIPE_TODAY": today, "NO_COLOR": "1", "PIPE_USER": None, "PIPE_DIR": None,
           "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": str(root / ".no-gitconfig")}
    result = CliRunner().invoke(cli, ["-C", str(root), *args], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result


def commit(root: Path, message: str, date: str) -> str:
    git(root, "add", "--all", ".")
    git(root, "commit", "-q", "-m", message, date=date)
    return git(root, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """A workspace in git with a commit on each of five days; returns (root, {name: deal id}, {day: commit})."""
    root = tmp_path_factory.mktemp("story")
    git(root, "init", "-q", "-b", "main")
    commits = {}
    pipe(root, "init", today="2026-11-02")
    commits["11-02"] = commit(root, "init", "2026-11-02")

    day = "2026-11-03"
    ids = {
        "acme": pipe(root, "add", "Acme rollout", "--value", "8000", "--account", "Acme GmbH",
                     "--next", "Send the proposal", "--due", "2026-12-01", today=day).stdout.split()[0],
        "beta": pipe(root, "add", "Beta deal", "--value", "500", "--next", "Call them", today=day).stdout.split()[0],
        "gamma": pipe(root, "add", "Gamma", "--value", "2000", "--close-date", "2026-12-15",
                      "--next", "Demo", today=day).stdout.split()[0],
    }
    commits["11-03"] = commit(root, "add three deals", day)

    day = "2026-11-05"
    pipe(root, "set", ids["acme"], "value=12000", "expected_close=2027-01-15", today=day)
    pipe(root, "move", ids["acme"], "proposal", today=day)
    pipe(root, "log", ids["acme"], "call", "Intro call", today=day)
    commits["11-05"] = commit(root, "acme: proposal", day)
    git(root, "tag", "proposal-sent")

    day = "2026-11-10"
    pipe(root, "lost", ids["beta"], "--reason", "price", today=day)
    pipe(root, "won", ids["gamma"], today=day)
    pipe(root, "task", "add", ids["acme"], "Send the contract", "--due", "2026-11-20", today=day)
    commits["11-10"] = commit(root, "close beta and gamma", day)

    day = "2026-11-16"
    pipe(root, "set", ids["acme"], "expected_close=2027-02-01", today=day)
    listed = json.loads(pipe(root, "tasks", "--deal", ids["acme"], "--format", "json", today=day).stdout)
    proposal = next(row["task"] for row in listed if row["text"] == "Send the proposal")
    pipe(root, "task", "done", proposal, today=day)
    ids["delta"] = pipe(root, "add", "Delta", "--value", "300", "--next", "Intro", today=day).stdout.split()[0]
    commits["11-16"] = commit(root, "week three", day)

    pipe(root, "move", ids["delta"], "contacted", today=NOW)  # not committed
    return root, ids, commits


@pytest.fixture(autouse=True)
def git_environment(monkeypatch):
    for key, value in IDENTITY.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("PIPE_TODAY", NOW)


def short(sha: str) -> str:
    return sha[:7]


def checkout(story_root: Path, tmp_path: Path, sha: str, sub: str = "") -> Path:
    """A second folder with the repository checked out at sha: what `pipe report` read then."""
    clone = tmp_path / "then"
    git(tmp_path, "clone", "-q", str(story_root), str(clone))
    git(clone, "checkout", "-q", sha)
    return clone / sub if sub else clone


# -- pipe history -------------------------------------------------------------------------------

def test_history_lists_the_commits_newest_first_with_field_level_lines(story, run):
    root, ids, commits = story
    result = run(root, "history", "acme")  # a unique prefix, like other commands
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        f"{short(commits['11-16'])} 2026-11-16 Alice Martin: week three\n"
        "  expected_close: 2027-01-15 -> 2027-02-01\n"
        "  task done: Send the proposal\n"
        f"{short(commits['11-10'])} 2026-11-10 Alice Martin: close beta and gamma\n"
        "  + task: Send the contract (due 2026-11-20)\n"
        f"{short(commits['11-05'])} 2026-11-05 Alice Martin: acme: proposal\n"
        "  stage: lead -> proposal\n"
        "  value: 8000 -> 12000\n"
        "  expected_close: (none) -> 2027-01-15\n"
        "  + task: Follow up on the proposal (due 2026-11-10)\n"
        "  + call: Intro call (2026-11-05)\n"
        f"{short(commits['11-03'])} 2026-11-03 Alice Martin: add three deals\n"
        "  created in lead\n"
        "  title: Acme rollout\n"
        "  value: 8000\n"
        "  currency: EUR\n"
        "  account: Acme GmbH\n"
        "  + task: Send the proposal (due 2026-12-01)\n"
    )


def test_history_narrow_cuts_each_line_to_the_width_and_wide_keeps_it_whole(story, run):
    root, ids, commits = story
    narrow = run(root, "history", "acme", "--width", "40").stdout
    assert narrow.splitlines()[:6] == [
        f"{short(commits['11-16'])} 2026-11-16 Alice Martin: week t…",
        "  expected_close: 2027-01-15 -> 2027-02…",
        "  task done: Send the proposal",
        f"{short(commits['11-10'])} 2026-11-10 Alice Martin: close …",
        "  + task: Send the contract (due 2026-1…",
        f"{short(commits['11-05'])} 2026-11-05 Alice Martin: acme: …",
    ]
    assert run(root, "history", "acme", "--wide").stdout == run(root, "history", "acme").stdout


def test_history_of_a_closed_deal_says_the_reason_and_the_cancelled_tasks(story, run):
    root, ids, commits = story
    out = run(root, "history", ids["beta"]).stdout.splitlines()
    at = out.index(f"{short(commits['11-10'])} 2026-11-10 Alice Martin: close beta and gamma")
    assert out[at + 1:at + 3] == ["  stage: lead -> lost (reason: price)", "  task cancelled: Call them"]
    assert "closed" not in "\n".join(out) and "+ history" not in "\n".join(out)  # said by the stage line


def test_history_shows_the_uncommitted_change_first(story, run):
    root, ids, commits = story
    out = run(root, "history", ids["delta"]).stdout.splitlines()
    assert out[:3] == ["not committed yet", "  stage: lead -> contacted",
                       f"{short(commits['11-16'])} 2026-11-16 Alice Martin: week three"]
    assert out[3] == "  created in lead"


def test_history_json(story, run):
    root, ids, commits = story
    record = json.loads(run(root, "history", "acme", "--format", "json").stdout)
    assert record["deal"] == ids["acme"]
    assert [r["commit"] for r in record["revisions"]] == [commits[d] for d in ("11-16", "11-10", "11-05", "11-03")]
    moved = record["revisions"][2]
    assert moved["date"].startswith("2026-11-05") and moved["author"] == "Alice Martin"
    assert moved["changes"][0] == {"field": "stage", "change": "changed", "from": "lead", "to": "proposal",
                                   "text": "stage: lead -> proposal"}
    assert moved["changes"][1]["from"] == 8000 and moved["changes"][1]["to"] == 12000
    assert record["revisions"][-1]["changes"][0]["change"] == "created"


def test_history_of_a_removed_deal_by_its_exact_id(story, run, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(story[0], root)
    ids = story[1]
    run(root, "rm", ids["beta"], "--yes")
    gone = commit(root, "drop beta", "2026-11-18")
    out = run(root, "history", ids["beta"]).stdout.splitlines()
    assert out[:2] == [f"{short(gone)} 2026-11-18 Alice Martin: drop beta", "  removed (was in lost)"]
    assert out[-1] == "  + task: Call them"
    refused(run(root, "history", "beta"), "no deal matches 'beta'")  # a prefix needs the deal on disk


def test_history_of_a_file_that_did_not_parse_at_a_commit(story, run, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(story[0], root)
    path = root / "deals" / f"{story[1]['gamma']}.md"
    good = path.read_text()
    path.write_text(good.replace("title: Gamma\n", "title: Gamma\n<<<<<<< ours\n"))
    broken = commit(root, "a bad merge", "2026-11-17")
    path.write_text(good)
    commit(root, "fix the merge", "2026-11-18")
    out = run(root, "history", "gamma").stdout.splitlines()
    assert out[1] == "  the file parses again"
    assert out[3] == "  the file does not parse here (line 4: unresolved git merge conflict (conflict markers in the file))"
    result = run(root, "report", "--as-of", broken)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"pipe: deals/{story[1]['gamma']}.md:4 at {short(broken)}: unresolved git merge conflict (conflict markers in the file)",
        "pipe: report refused: 1 deal file does not parse (above); fix it ('pipe check' lists every problem), "
        "or run again with --skip-bad to leave it out"]


# -- pipe diff ----------------------------------------------------------------------------------

def review(result) -> dict:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["reports"]["diff"]


def rows(data: dict, table: str, *keys: str) -> list:
    return [tuple(row[k] for k in keys) for row in data["tables"][table]["rows"]]


def test_diff_between_two_dates_lists_every_kind_of_change(story, run):
    root, ids, commits = story
    data = review(run(root, "diff", "2026-11-03..2026-11-16", "--format", "json"))
    assert data["period"]["label"] == f"2026-11-03 ({short(commits['11-03'])})..2026-11-16 ({short(commits['11-16'])})"
    assert rows(data, "added", "deal", "stage", "value") == [(ids["delta"], "lead", 300)]
    assert rows(data, "moved", "deal", "from", "to") == [(ids["acme"], "lead", "proposal")]
    assert rows(data, "won", "deal", "from", "value", "closed") == [(ids["gamma"], "lead", 2000, "2026-11-10")]
    assert rows(data, "lost", "deal", "from", "value", "reason") == [(ids["beta"], "lead", 500, "price")]
    assert rows(data, "revalued", "deal", "from", "to", "change") == [(ids["acme"], 8000, 12000, 4000)]
    assert rows(data, "close_dates", "deal", "from", "to", "days") == [(ids["acme"], None, "2027-02-01", None)]
    assert rows(data, "removed", "deal") == []
    figures = {k: f["value"] for k, f in data["figures"].items()}
    assert figures == {"added": 1, "moved": 1, "won": 1, "won_value": 2000, "lost": 1, "lost_value": 500,
                       "revalued": 1, "revaluation": 4000, "close_dates": 1, "removed": 0,
                       "open_pipeline": 12300, "pipeline_change": 1800}


def test_diff_defaults_to_the_last_seven_days_up_to_the_working_tree(story, run):
    root, ids, commits = story
    data = review(run(root, "diff", "--format", "json"))  # today 2026-11-20: from the last commit by 2026-11-13
    assert data["period"]["label"] == f"2026-11-13 ({short(commits['11-10'])})..2026-11-20 (working tree)"
    assert rows(data, "added", "deal", "stage") == [(ids["delta"], "contacted")]  # the uncommitted move counts
    assert rows(data, "close_dates", "deal", "from", "to", "days") == [(ids["acme"], "2027-01-15", "2027-02-01", 17)]
    assert rows(data, "moved", "deal") == rows(data, "won", "deal") == rows(data, "lost", "deal") == []
    same_start = review(run(root, "diff", "HEAD~1", "--format", "json"))  # REV1 alone: to the working tree
    assert same_start["tables"] == data["tables"]


def test_diff_without_a_commit_that_old_starts_from_an_empty_pipeline_and_says_so(story, run, monkeypatch):
    root, ids, commits = story
    monkeypatch.setenv("PIPE_TODAY", "2026-11-08")  # seven days before is before the first commit
    result = run(root, "diff", "--format", "json")
    assert result.stderr == ("pipe: warning: no commit at or before 2026-11-01: starting from an empty pipeline, "
                             "so every deal counts as added\n")
    data = review(result)
    assert sorted(rows(data, "added", "deal")) == sorted((i,) for i in ids.values())
    assert "empty pipeline" in data["tables"]["added"]["note"]


def test_diff_between_revisions_tags_and_a_date(story, run):
    root, ids, commits = story
    by_tag = review(run(root, "diff", "proposal-sent..HEAD~1", "--format", "json"))
    assert rows(by_tag, "won", "deal") == [(ids["gamma"],)] and rows(by_tag, "lost", "deal") == [(ids["beta"],)]
    assert rows(by_tag, "moved", "deal") == [] and rows(by_tag, "added", "deal") == []
    by_sha = review(run(root, "diff", f"{commits['11-05']}..2026-11-12", "--format", "json"))
    assert by_sha["tables"] == by_tag["tables"]


@pytest.mark.parametrize("fmt", ["text", "md", "csv", "html"])
def test_diff_in_every_report_format(story, run, fmt, tmp_path):
    root, ids, commits = story
    out = run(root, "diff", "2026-11-03..2026-11-16", "--format", fmt).stdout
    label = f"2026-11-03 ({short(commits['11-03'])})..2026-11-16 ({short(commits['11-16'])})"
    if fmt == "text":
        assert out.startswith(f"Pipeline changes · {label}\n")
        lost = out[out.index("\nLost\n"):out.index("\nRevalued\n")]
        assert ids["beta"] in lost and "500 EUR" in lost and "price" in lost
    elif fmt == "md":
        assert out.startswith(f"## Pipeline changes · {label}\n")
        assert f"| {ids['acme']} | Acme rollout | lead | proposal |" in out
        assert "| Change in open pipeline value | 1,800 EUR |" in out
    elif fmt == "csv":
        table = list(csv.reader(io.StringIO(out)))
        assert ["diff", label, "lost", ids["beta"], "reason", "price"] in table
        assert ["diff", label, "revalued", ids["acme"], "change", "4000"] in table
    else:
        assert "<html" in out and ids["gamma"] in out and "Pipeline changes" in out and "price" in out
    target = tmp_path / f"review.{fmt}"
    result = run(root, "diff", "2026-11-03..2026-11-16", "--format", fmt, "-o", str(target))
    assert result.stderr == f"wrote {target}\n" and target.read_text() == out


# -- pipe report --as-of ------------------------------------------------------------------------

@pytest.mark.parametrize("point, day, today", [
    ("HEAD~1", "11-10", "2026-11-10"),  # a revision: today is its commit's date
    ("proposal-sent", "11-05", "2026-11-05"),  # a tag
    ("2026-11-12", "11-10", "2026-11-12"),  # a date: the last commit that day, today that date
    ("2026-11-03", "11-03", "2026-11-03"),
])
def test_report_as_of_says_what_the_report_said_then(story, run, tmp_path, monkeypatch, point, day, today):
    root, ids, commits = story
    now = run(root, "report", "--as-of", point, "--format", "json").stdout
    then = checkout(root, tmp_path, commits[day])
    monkeypatch.setenv("PIPE_TODAY", today)
    assert now == run(then, "report", "--format", "json").stdout
    monkeypatch.setenv("PIPE_TODAY", NOW)
    assert now != run(root, "report", "--format", "json").stdout


def test_report_as_of_reads_filters_and_periods_at_that_point(story, run, tmp_path, monkeypatch):
    root, ids, commits = story
    args = ["report", "revenue", "forecast", "--open", "--created-since", "10d", "--period", "mtd", "--format", "text"]
    now = run(root, *args, "--as-of", "2026-11-06")
    assert now.exit_code == 0 and "2026-11-01..2026-11-06" in now.stdout
    then = checkout(root, tmp_path, commits["11-05"])
    monkeypatch.setenv("PIPE_TODAY", "2026-11-06")
    assert now.stdout == run(then, *args).stdout


def test_report_as_of_a_revision_before_the_config_existed(story, run, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(story[0], root)
    (root / "notes.txt").write_text("x")
    git(root, "checkout", "-q", "--orphan", "other")
    git(root, "rm", "-rqf", "--cached", ".")
    git(root, "add", "notes.txt")
    git(root, "commit", "-q", "-m", "unrelated", date="2026-11-17")
    refused(run(root, "report", "--as-of", "HEAD"), "there is no pipelines.yaml at")


# -- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("args, words", [
    (["diff", "nope"], ["'nope' is neither a date nor a git revision"]),
    (["diff", "HEAD~40"], ["'HEAD~40' is neither a date nor a git revision"]),
    (["diff", "HEAD~1..nope"], ["'nope'"]),
    (["diff", "2026-10-01"], ["no commit at or before 2026-10-01: the first commit,", "is of 2026-11-02"]),
    (["diff", "2026-12-01"], ["2026-12-01 is after today (2026-11-20)"]),
    (["diff", "tomorrow"], ["tomorrow (2026-11-21) is after today"]),
    (["diff", "HEAD~2...HEAD"], ["use REV1..REV2"]),
    (["diff", "..HEAD"], ["give the starting point"]),
    (["diff", "--", "-p"], ["'-p' is neither"]),
    (["report", "--as-of", "nope"], ["'nope' is neither a date nor a git revision"]),
    (["report", "--as-of", "2026-10-31"], ["no commit at or before 2026-10-31"]),
    (["report", "--as-of", ""], ["an empty revision or date"]),
    (["report", "--as-of", "2026-13-01"], ["'2026-13-01' is neither"]),
    (["history", "nope"], ["no deal matches 'nope', in the workspace or its git history"]),
    (["history", "../x"], ["no deal matches '../x'"]),
])
def test_bad_points_and_deals_are_one_line(story, run, args, words):
    refused(run(story[0], *args), *words)


def test_bad_format_and_output_are_refused_before_any_work(story, run, tmp_path):
    root = story[0]
    refused(run(root, "diff", "--template", str(tmp_path / "none.j2"), "--format", "md"), "no template file")
    refused(run(root, "diff", "-o", str(tmp_path)), "is a folder")


def test_a_workspace_that_is_not_in_git(make_workspace, run, monkeypatch, tmp_path):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    workspace = make_workspace()
    for args in (["history", "x"], ["diff"], ["report", "--as-of", "HEAD"], ["diff", "2026-11-01"]):
        refused(run(workspace, *args), "is not in a git repository", "git init")


def test_a_repository_without_commits(tmp_path, run):
    root = tmp_path / "fresh"
    root.mkdir()
    git(root, "init", "-q")
    run(root, "init")
    deal = run(root, "add", "Solo", "--next", "Call").stdout.split()[0]
    refused(run(root, "report", "--as-of", "HEAD"), "the repository has no commits yet")
    refused(run(root, "report", "--as-of", "today"), "no commit at or before 2026-11-20: the repository has no commits yet")
    # no team: the person running pipe (PIPE_USER, alice here) is recorded as the owner
    assert run(root, "history", "solo").stdout == ("not committed yet\n  created in lead\n  title: Solo\n  currency: EUR\n"
                                                   "  owner: alice\n  + task: Call @alice\n")
    result = run(root, "diff", "--format", "json")
    assert "starting from an empty pipeline" in result.stderr
    assert rows(review(result), "added", "deal") == [(deal,)]


def test_a_workspace_in_a_subfolder_of_the_repository(tmp_path, run):
    top = tmp_path / "repo"
    (top / "crm").mkdir(parents=True)
    git(top, "init", "-q", "-b", "main")
    (top / "README").write_text("the company's files\n")
    (top / "deals").mkdir()  # a deals/ folder outside the workspace must not be read
    (top / "deals" / "decoy.md").write_text("not a deal\n")
    root = top / "crm"
    run(root, "init")
    deal = run(root, "add", "Acme", "--value", "100", "--next", "Call").stdout.split()[0]
    first = commit(top, "start", "2026-11-10")
    run(root, "set", deal, "value=250")
    run(root, "move", deal, "contacted")
    commit(top, "acme moves", "2026-11-12")
    assert run(root, "history", "acme").stdout.splitlines()[:3] == [
        f"{short(git(top, 'rev-parse', 'HEAD').strip())} 2026-11-12 Alice Martin: acme moves",
        "  stage: lead -> contacted", "  value: 100 -> 250"]
    data = review(run(root, "diff", "HEAD~1..HEAD", "--format", "json"))
    assert rows(data, "moved", "deal", "from", "to") == [(deal, "lead", "contacted")]
    assert rows(data, "revalued", "deal", "from", "to") == [(deal, 100, 250)]
    now = run(root, "report", "--as-of", "HEAD~1", "--format", "json").stdout
    then = checkout(top, tmp_path, first, "crm")
    assert now == run(then, "report", "--format", "json", env={"PIPE_TODAY": "2026-11-10"}).stdout


# -- field-level changes, from the core ---------------------------------------------------------

def lines(before: dict | None, after: dict | None, old_body: str = "", new_body: str = "") -> list[str]:
    old = Deal(before, old_body) if before is not None else None
    new = Deal(after, new_body) if after is not None else None
    return [c.text for c in deal_changes(old, new)]


BASE = {"id": "acme", "title": "Acme", "pipeline": "sales", "stage": "lead", "value": 100}


def test_changes_of_lists_are_one_line_per_entry():
    before = {**BASE, "tags": ["eu"], "bant": {"budget": "yes"},
              "contacts": [{"name": "Jonas", "email": "j@acme.example"}, {"name": "Old"}],
              "tasks": [{"id": "t1", "text": "Call", "due": "2026-12-01", "status": "open"},
                        {"id": "t2", "text": "Write", "status": "open"},
                        {"id": "t3", "text": "Gone", "status": "open"}],
              "activities": [{"date": "2026-11-01", "kind": "email", "summary": "Hello", "direction": "in"}]}
    after = {**BASE, "tags": ["smb"], "bant": {"budget": "no", "need": "CRM"},
             "contacts": [{"name": "Jonas", "email": "J@acme.example", "role": "CTO"}],
             "tasks": [{"id": "t1", "text": "Call", "due": "2026-12-05", "status": "open"},
                       {"id": "t2", "text": "Write", "status": "done", "done": "2026-11-20"},
                       {"id": "t4", "text": "New", "due": "2026-12-02", "assignee": "bob", "status": "open"}],
             "activities": [{"date": "2026-11-01", "kind": "email", "summary": "Hello", "direction": "in"},
                            {"date": "2026-11-20", "time": "14:00", "kind": "meeting", "summary": "Demo"}]}
    assert lines(before, after, "Notes\n", "Notes\nMore\nAnd more\n") == [
        "+ tag: smb", "- tag: eu",
        "bant.budget: yes -> no", "bant.need: (none) -> CRM",
        "contact: Jonas <J@acme.example> (email: j@acme.example -> J@acme.example; role: (none) -> CTO)",
        "- contact: Old",
        "task: Call (due: 2026-12-01 -> 2026-12-05)",
        "task done: Write",
        "+ task: New (due 2026-12-02) @bob",
        "- task: Gone",
        "+ meeting: Demo (2026-11-20 14:00)",
        "notes: 2 lines added",
    ]


def test_changes_of_a_move_a_reopening_and_removal():
    lost = {**BASE, "stage": "lost", "closed": "2026-11-20", "lost_reason": "price",
            "history": [{"stage": "lead", "date": "2026-11-01"}, {"stage": "lost", "date": "2026-11-20"}]}
    moved = lines({**BASE, "history": [{"stage": "lead", "date": "2026-11-01"}]}, lost)
    assert moved == ["stage: lead -> lost (reason: price)"]
    reopened = {**BASE, "history": lost["history"] + [{"stage": "lead", "date": "2026-11-21", "by": "bob"}]}
    assert lines(lost, reopened) == ["stage: lost -> lead"]
    assert lines({**BASE, "expected_close": "2027-01-01"},
                 {**BASE, "expected_close": "2027-02-01",
                  "close_changes": [{"date": "2026-11-20", "from": "2027-01-01", "to": "2027-02-01"}]}) == [
        "expected_close: 2027-01-01 -> 2027-02-01"]
    assert lines(BASE, None) == ["removed (was in lead)"]
    [cut] = lines(BASE, {**BASE, "account": "a\nvery" + " long" * 30})
    assert cut.startswith("account: (none) -> a very long long") and cut.endswith("lo…")
    assert len(cut.removeprefix("account: (none) -> ")) == 80
    assert lines(BASE, dict(BASE)) == []


def test_a_shallow_clone_is_told_to_fetch_the_history(story, run, tmp_path):
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{story[0]}", str(clone))
    refused(run(clone, "diff"), "no commit at or before 2026-11-13 in this clone", "git fetch --unshallow")
    refused(run(clone, "report", "--as-of", "HEAD~2"), "'HEAD~2' is neither", "shallow clone")
    assert run(clone, "report", "--as-of", "HEAD").exit_code == 0


def test_storing_a_tasks_derived_id_on_a_write_is_no_change_of_its_own(make_workspace, run):
    # A write stores the ids of id-less tasks (one added line each): history shows only what was done.
    from tests.conftest import simple_deal

    text = simple_deal("acme", tasks="\n- text: Typed by hand\n  status: open\n- text: Another\n  status: open")
    workspace = make_workspace({"acme": text})
    old = workspace.load("acme")
    run(workspace, "set", "acme", "value=2000")
    new = workspace.load("acme")
    assert all("id" in task for task in new.tasks)
    assert [c.text for c in deal_changes(old, new)] == ["value: 1000 -> 2000"]
