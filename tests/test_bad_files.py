"""One bad file never blinds the rest (issue 14, point 6).

A deal file that does not parse (a value `33k`, conflict markers after a pull, an int of 5,000
digits, bytes that are not UTF-8, a frontmatter never closed, a field of the wrong type):
- listings (list, board, tasks, remind, diff) show every other deal, warn once per bad file, exit 0;
- show and timeline of another deal work; of the bad deal, they fail with `path:line: problem`;
- report and export refuse, naming every bad file; --skip-bad goes on and says what was left out;
- bulk writes (flush, bulk, mail, automate, import-mail/-calendar) refuse the same way, before any
  write; import always refuses (a row could be the bad deal's, and would become a second copy);
- pipe check reports each bad file as a problem record;
- no command ever writes over a bad file.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.conftest import committed_repository, simple_deal

HUGE = "1" * 5000
BAD_FILES = {  # name: (content, the line pipe points at, a word of the problem)
    "value-33k": (simple_deal("bad", value="33k"), 6, "value must be a number"),
    "conflict-markers": (simple_deal("bad").replace("stage: lead\n", "<<<<<<< HEAD\nstage: lead\n=======\n"
                                                    "stage: qualified\n>>>>>>> origin/main\n"), 5, "conflict"),
    "int-of-5000-digits": (simple_deal("bad", value=HUGE), 6, "5,000 digits"),
    "not-utf8": (simple_deal("bad").encode().replace(b"title: Bad", b"title: B\xe4d"), 3, "UTF-8"),
    "never-closed": (simple_deal("bad")[:-4], 1, "never closed"),
    "tasks-not-a-list": (simple_deal("bad", tasks=5), 10, "tasks must be a list"),
}
SECOND_BAD = simple_deal("worse", value="12k")  # for "every bad file is named"


def raw(content: str | bytes) -> bytes:
    return content if isinstance(content, bytes) else content.encode("utf-8")


@pytest.fixture(params=list(BAD_FILES))
def bad(request, make_workspace):
    """A workspace with a good deal and a bad one; yields (workspace, line, word)."""
    content, line, word = BAD_FILES[request.param]
    workspace = make_workspace({"good": simple_deal("good")})
    (workspace.root / "deals" / "bad.md").write_bytes(raw(content))
    return workspace, line, word


def files(root) -> dict[str, bytes]:
    """Every file of the workspace but pipe's own .pipe/ (cache and lock), with its bytes."""
    found = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in (".pipe", ".git")]
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                found[os.path.relpath(path, root)] = handle.read()
    return found


def warned(result, line: int, word: str) -> None:
    """Went on: exit 0, and the one warning on stderr naming deals/bad.md at its line."""
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exit_code == 0, result.stderr
    warnings = [w for w in result.stderr.splitlines() if w.startswith("pipe: warning: deals/")]
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith(f"pipe: warning: deals/bad.md:{line}: ") and word in warnings[0], warnings[0]
    assert warnings[0].endswith("(deal left out)")


def refused(result, command: str, named: list[tuple[str, int]], skip_bad: bool = True) -> None:
    """Refused: exit 1, one `pipe: path:line: problem` line per bad file, then the refusal."""
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exit_code == 1, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == len(named) + 1, lines
    for text, (path, line) in zip(lines, named):
        assert text.startswith(f"pipe: {path}:{line}: "), text
    assert lines[-1].startswith(f"pipe: {command} refused: {len(named)} deal file")
    assert ("--skip-bad" in lines[-1]) == skip_bad, lines[-1]


# -- reading commands go on -----------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["list", "--format", "csv"], ["board"], ["tasks"], ["tasks", "--suggested"], ["remind"],
])
def test_listings_show_the_other_deals_and_warn_once(bad, run, args):
    workspace, line, word = bad
    result = run(workspace, *args)
    warned(result, line, word)
    if args[0] == "list":
        assert [row.split(",")[0] for row in result.stdout.splitlines()[1:]] == ["good"]
    elif args[0] in ("board", "tasks") and args[1:] == []:
        assert "good" in result.stdout.lower() and "bad" not in result.stdout.lower()


@pytest.mark.parametrize("command", ["show", "timeline"])
def test_show_and_timeline_of_another_deal_work_and_of_the_bad_one_fail_with_its_line(bad, run, command):
    workspace, line, word = bad
    result = run(workspace, command, "good")
    assert result.exit_code == 0 and result.stderr == ""
    result = run(workspace, command, "bad")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith(f"pipe: deals/bad.md:{line}: ") and word in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_a_listing_warns_once_per_bad_file(make_workspace, run):
    workspace = make_workspace({"good": simple_deal("good"), "worse": SECOND_BAD})
    (workspace.root / "deals" / "bad.md").write_bytes(raw(BAD_FILES["int-of-5000-digits"][0]))
    result = run(workspace, "board")
    assert result.exit_code == 0
    assert [w.split(":")[2] for w in result.stderr.splitlines()] == [" deals/bad.md", " deals/worse.md"]


# -- report and export refuse, or go on with --skip-bad and say so ---------------------------------

@pytest.mark.parametrize("args", [["report"], ["report", "--format", "json"], ["export", "--format", "json"],
                                  ["export", "-o", "out.xlsx"]])
def test_report_and_export_refuse_naming_every_bad_file(bad, run, args, monkeypatch):
    workspace, line, _ = bad
    monkeypatch.chdir(workspace.root)
    (workspace.root / "deals" / "worse.md").write_text(SECOND_BAD)
    result = run(workspace, *args)
    refused(result, args[0], [("deals/bad.md", line), ("deals/worse.md", 6)])
    assert result.stdout == "" and not (workspace.root / "out.xlsx").exists()


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_report_with_skip_bad_names_what_it_left_out_at_the_top(bad, run, fmt):
    workspace, line, word = bad
    result = run(workspace, "report", "revenue", "--skip-bad", "--format", fmt)
    warned(result, line, word)
    top = result.stdout.split("Revenue", 1)[0]
    assert "Left out: 1 deal file that does not parse; the figures are without it" in top
    assert f"deals/bad.md:{line}: " in top


def test_report_json_with_skip_bad_lists_the_files_left_out(bad, run):
    workspace, line, word = bad
    result = run(workspace, "report", "revenue", "--skip-bad", "--format", "json")
    warned(result, line, word)
    [skipped] = json.loads(result.stdout)["skipped"]
    assert skipped["path"] == "deals/bad.md" and skipped["line"] == line and word in skipped["problem"]


def test_a_report_with_nothing_left_out_has_no_banner_and_no_skipped(make_workspace, run):
    workspace = make_workspace({"good": simple_deal("good")})
    assert "skipped" not in json.loads(run(workspace, "report", "--skip-bad", "--format", "json").stdout)
    assert "Left out" not in run(workspace, "report", "--skip-bad").stdout


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_export_with_skip_bad_exports_the_others_and_warns(bad, run, fmt):
    workspace, line, word = bad
    result = run(workspace, "export", "--skip-bad", "--format", fmt)
    warned(result, line, word)
    assert "good" in result.stdout and "bad" not in result.stdout.replace("good", "")


def git_workspace(bad, monkeypatch):
    """The bad workspace as a git repository: the good and bad deal committed good, then the bad one
    broken and committed."""
    workspace, line, word = bad
    path = workspace.root / "deals" / "bad.md"
    broken = path.read_bytes()
    path.write_text(simple_deal("bad"))
    git = committed_repository(workspace.root, monkeypatch)
    path.write_bytes(broken)
    git("commit", "-qam", "a bad merge")
    return workspace, git


def test_report_as_of_a_commit_with_a_bad_file_refuses_or_names_it(bad, run, monkeypatch):
    workspace, git = git_workspace(bad, monkeypatch)
    _, line, word = bad
    short = git("rev-parse", "--short", "HEAD").strip()
    result = run(workspace, "report", "--as-of", "HEAD")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith(f"pipe: deals/bad.md:{line} at {short}: ")
    assert result.stderr.splitlines()[1].startswith("pipe: report refused: 1 deal file does not parse")
    result = run(workspace, "report", "revenue", "--as-of", "HEAD", "--skip-bad", "--format", "md")
    assert result.exit_code == 0
    assert f"deals/bad.md:{line} at {short}: " in result.stdout.split("## Revenue")[0]
    assert result.stderr.startswith(f"pipe: warning: deals/bad.md:{line} at {short}: ")
    assert run(workspace, "report", "--as-of", "HEAD~1").exit_code == 0  # it parsed there


def test_diff_leaves_a_bad_deal_out_of_both_sides_and_says_so(bad, run, monkeypatch):
    workspace, git = git_workspace(bad, monkeypatch)
    _, line, word = bad
    (workspace.root / "deals" / "good.md").write_text(simple_deal("good", stage="qualified",
                                                                  history="\n- stage: qualified\n  date: 2026-11-20"))
    result = run(workspace, "diff", "HEAD~1", "--format", "json")
    warned(result, line, word)
    data = json.loads(result.stdout)
    assert [s["path"] for s in data["skipped"]] == ["deals/bad.md"]
    changed = json.dumps(data["reports"]["diff"]["tables"])
    assert "good" in changed and "bad" not in changed.replace("good", "")  # not "removed", not "added"


# -- bulk writes refuse before writing, or go on with --skip-bad without touching the bad file ----

BULK = [
    ["flush", "--stage", "lead", "--yes"],
    ["bulk", "set", "--stage", "lead", "source=referral", "--yes"],
    ["bulk", "tag", "--stage", "lead", "eu", "--yes"],
    ["bulk", "move", "qualified", "--stage", "lead", "--yes"],
]


@pytest.mark.parametrize("args", BULK, ids=lambda a: " ".join(a[:2]))
def test_bulk_writes_refuse_and_write_nothing(bad, run, args):
    workspace, line, _ = bad
    before = files(workspace.root)
    refused(run(workspace, *args), " ".join(a for a in args[:2] if a in ("flush", "bulk", "set", "tag", "move")),
            [("deals/bad.md", line)])
    assert files(workspace.root) == before


@pytest.mark.parametrize("args", BULK, ids=lambda a: " ".join(a[:2]))
def test_bulk_writes_with_skip_bad_change_the_others_and_leave_the_bad_file(bad, run, args):
    workspace, line, word = bad
    before = files(workspace.root)
    result = run(workspace, *args, "--skip-bad")
    warned(result, line, word)
    after = files(workspace.root)
    assert after["deals/bad.md"] == before["deals/bad.md"]
    assert after["deals/good.md"] != before["deals/good.md"]


CALENDAR = ("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:m1@example.com\nDTSTART:20261120T100000Z\nSUMMARY:Demo\n"
            "ATTENDEE:mailto:ana@good.example\nEND:VEVENT\nEND:VCALENDAR\n")
MBOX = ("From ana@good.example Fri Nov 20 10:00:00 2026\nFrom: Ana <ana@good.example>\nTo: alice@example.com\n"
        "Subject: Pricing\nMessage-ID: <p1@good.example>\nDate: Fri, 20 Nov 2026 10:00:00 +0000\n\nHello\n\n")


@pytest.mark.parametrize("command, name, content", [("import-mail", "in.mbox", MBOX),
                                                    ("import-calendar", "in.ics", CALENDAR)])
@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_capture_refuses_or_with_skip_bad_logs_on_the_others(make_workspace, run, tmp_path, kind, command, name,
                                                             content):
    bad_content, line, word = BAD_FILES[kind]
    workspace = make_workspace({"good": simple_deal("good", contacts="\n- {name: Ana, email: ana@good.example}")})
    (workspace.root / "deals" / "bad.md").write_bytes(raw(bad_content))
    source = tmp_path / name
    source.write_text(content)
    before = files(workspace.root)
    refused(run(workspace, command, str(source)), command, [("deals/bad.md", line)])
    assert files(workspace.root) == before
    warned(run(workspace, command, str(source), "--skip-bad"), line, word)
    after = files(workspace.root)
    assert after["deals/bad.md"] == before["deals/bad.md"] and after["deals/good.md"] != before["deals/good.md"]


def test_import_refuses_while_a_deal_file_is_bad(bad, run, tmp_path):
    workspace, line, _ = bad
    table = tmp_path / "deals.csv"
    table.write_text("title,value\nNew deal,500\n")
    before = files(workspace.root)
    refused(run(workspace, "import", str(table), "--map", "title=title", "--map", "value=value"), "import",
            [("deals/bad.md", line)], skip_bad=False)
    assert files(workspace.root) == before


# -- pipe check ------------------------------------------------------------------------------------

def test_check_reports_each_bad_file_as_a_problem(bad, run):
    workspace, line, word = bad
    result = run(workspace, "check")
    assert result.exit_code == 1 and "Traceback" not in result.stdout + result.stderr
    [problem] = [p for p in result.stdout.splitlines() if p.startswith("deals/bad.md")]
    assert problem.startswith(f"deals/bad.md:{line}: error: ") and word in problem
    records = json.loads(run(workspace, "check", "--format", "json").stdout)
    [record] = [r for r in records if r["path"] == "deals/bad.md"]
    assert record["line"] == line and record["severity"] == "error" and word in record["message"]


def test_check_reports_an_int_of_5000_digits_in_pipelines_yaml(make_workspace, run):
    from tests.conftest import CONFIG

    workspace = make_workspace({"good": simple_deal("good")}, config=CONFIG + f"inactivity_days: {HUGE}\n")
    result = run(workspace, "check")
    assert result.exit_code == 1 and "Traceback" not in result.stdout + result.stderr
    assert "pipelines.yaml:" in result.stdout and "5,000 digits" in result.stdout


# -- no command writes over a bad file; the cache never keeps one ----------------------------------

EVERY_WRITE = [
    ["set", "bad", "value=5"], ["move", "bad", "qualified"], ["won", "bad"], ["lost", "bad", "--reason", "price"],
    ["log", "bad", "call", "Called them"], ["task", "add", "bad", "Call", "--due", "3d"],
    ["flush", "--stage", "lead", "--yes", "--skip-bad"], ["bulk", "set", "--stage", "lead", "source=referral", "--yes",
                                                           "--skip-bad"],
    ["bulk", "tag", "--open", "--skip-bad", "x", "--yes"], ["tasks"], ["board"], ["check"],
    ["report", "--skip-bad", "-o", "r.md", "--format", "md"], ["export", "--skip-bad", "-o", "e.sqlite"],
]  # (pipe rm takes a whole id and deletes the file, bad or not, on purpose: git still has it)


def test_no_command_writes_over_a_bad_file(bad, run, monkeypatch):
    workspace, _, _ = bad
    monkeypatch.setenv("PIPE_USER", "alice")
    monkeypatch.chdir(workspace.root)
    path = workspace.root / "deals" / "bad.md"
    before = path.read_bytes()
    for args in EVERY_WRITE:
        result = run(workspace, *args)
        assert "Traceback" not in result.stdout + result.stderr, args
        assert path.read_bytes() == before, args


def test_a_bad_file_is_never_cached_and_a_file_fixed_by_hand_is_read_again(make_workspace, run, monkeypatch):
    import pipecli.core.store.cache as cache_module

    monkeypatch.setattr(cache_module, "RACY_SECONDS", 0)  # cache files as soon as they are read
    workspace = make_workspace({"good": simple_deal("good"), "other": simple_deal("other")})
    path = workspace.root / "deals" / "other.md"
    good = path.read_text()
    assert run(workspace, "list", "--format", "csv").stderr == ""  # both cached now
    path.write_text(good.replace("value: 1000", "value: 33k"))
    for _ in range(2):  # the second run reads no cache entry for it
        result = run(workspace, "list", "--format", "csv")
        assert result.exit_code == 0 and "deals/other.md:6" in result.stderr and "other" not in result.stdout
    path.write_text(good.replace("value: 1000", "value: 2000"))
    result = run(workspace, "list", "--format", "csv")
    assert result.stderr == "" and ",2000," in result.stdout
