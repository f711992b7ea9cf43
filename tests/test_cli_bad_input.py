"""Bad input through the CLI: a non-zero exit, one `pipe: ` line on stderr, no traceback, no file changed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipecli.core.store.workspace import STATE_IGNORE
from tests.conftest import deal_text, simple_deal

LOCK = os.path.join(".pipe", "lock")


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every file under root with its bytes (folders as None), but pipe's empty lock file and the
    .gitignore that keeps .pipe/ out of git.

    The lock (.pipe/lock, git-ignored) is created by any command that takes it, even one that
    then refuses its input, and with it .pipe/.gitignore; they hold no data, so they do not count
    as a change.
    """
    found: dict[str, bytes | None] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            found[os.path.relpath(os.path.join(folder, name), root)] = None
        for name in files:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root)
            if rel == LOCK and os.path.getsize(path) == 0:
                continue
            if rel == os.path.join(".pipe", ".gitignore") and Path(path).read_text(encoding="utf-8") == STATE_IGNORE:
                continue
            found[rel] = Path(path).read_bytes()
    found.pop(".pipe", None)
    return found


def assert_refused(result, words=(), *, usage=False) -> str:
    """The command failed cleanly: exit 1 and one `pipe: ` line (or click's usage error, exit 2)."""
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if usage:
        assert result.exit_code == 2, (result.exit_code, output)
        assert "Usage:" in result.stderr and "Error:" in result.stderr, result.stderr
    else:
        assert result.exit_code == 1, (result.exit_code, output)
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("pipe: "), result.stderr
        assert result.stdout == "", result.stdout
    for word in words:
        assert word in result.stderr, (word, result.stderr)
    return result.stderr


DEALS = {
    "acme-rollout": simple_deal("acme-rollout", account="Acme GmbH"),
    "acme-renewal": simple_deal("acme-renewal", account="Acme GmbH"),
    "beta": simple_deal("beta"),
}


@pytest.fixture
def ws(make_workspace):
    return make_workspace(DEALS)


@pytest.mark.parametrize("args, words", [
    # unknown and ambiguous deals
    (["show", "nope"], ["no deal matches 'nope'"]),
    (["move", "nope", "qualified"], ["no deal matches 'nope'"]),
    (["set", "nope", "value=1"], ["no deal matches 'nope'"]),
    (["won", "nope"], ["no deal matches 'nope'"]),
    (["edit", "nope"], ["no deal matches 'nope'"]),
    (["rm", "nope"], ["no deal matches 'nope'"]),
    (["show", "acme"], ["'acme'", "acme-renewal", "acme-rollout"]),
    (["move", "acme", "qualified"], ["'acme'", "acme-renewal", "acme-rollout"]),
    (["rm", "acme"], ["'acme'", "acme-renewal", "acme-rollout"]),
    # stages, pipelines, lost reasons
    (["move", "beta", "nowhere"], ["unknown stage 'nowhere'", "qualified"]),
    (["move", "beta", "lead"], ["already in lead"]),
    (["move", "beta", "lead", "--pipeline", "nope"], ["unknown pipeline 'nope'", "partners"]),
    (["list", "--pipeline", "nope"], ["unknown pipeline 'nope'"]),
    (["board", "nope"], ["unknown pipeline 'nope'"]),
    (["add", "New deal", "--pipeline", "nope"], ["unknown pipeline 'nope'"]),
    (["add", "New deal", "--stage", "nowhere"], ["unknown stage 'nowhere'"]),
    (["add", "New deal", "--stage", "won"], ["won"]),
    (["list", "--stage", "nowhere"], ["unknown stage 'nowhere'"]),
    (["move", "beta", "lost"], ["--reason", "price, competitor, stale"]),
    (["move", "beta", "lost", "--reason", "meh"], ["unknown lost reason 'meh'", "price"]),
    (["lost", "beta", "--reason", "meh"], ["unknown lost reason 'meh'", "price"]),
    (["move", "beta", "won", "--reason", "price"], ["--reason"]),
    # dates, values, durations
    (["add", "New deal", "--close-date", "2026-13-01"], ["bad date '2026-13-01'"]),
    (["add", "New deal", "--next", "Call", "--due", "soon"], ["bad date 'soon'"]),
    (["set", "beta", "expected_close=2026-13-01"], ["bad date '2026-13-01'"]),
    (["set", "beta", "created=2026-12-25"], ["future"]),
    (["list", "--created-since", "2026-02-30"], ["bad date '2026-02-30'"]),
    (["add", "New deal", "--value", "-5"], ["bad value '-5'", "negative"]),
    (["set", "beta", "value=-5"], ["bad value '-5'", "negative"]),
    (["list", "--min-value", "-1"], ["bad --min-value '-1'"]),
    (["add", "New deal", "--value", "lots"], ["bad value 'lots'"]),
    (["set", "beta", "value=lots"], ["bad value 'lots'"]),
    (["set", "beta", "probability=150"], ["probability"]),
    (["list", "--inactive", "10x"], ["bad duration '10x'"]),
    (["list", "--sort", "size"], ["unknown sort key 'size'"]),
    # pipe set
    (["set", "beta", "foo=1"], ["unknown field 'foo'", "value"]),
    (["set", "beta", "stage=won"], ["cannot set stage", "pipe move"]),
    (["set", "beta", "pipeline=partners"], ["cannot set pipeline"]),
    (["set", "beta", "id=other"], ["cannot set id"]),
    (["set", "beta", "value"], ["'value'", "KEY=VALUE"]),
    (["set", "beta", "value=5", "foo=1"], ["unknown field 'foo'"]),  # nothing half-applied
    (["set", "beta", "owner=nobody"], ["unknown team member 'nobody'"]),
    (["set", "beta", "title="], ["title"]),
    (["set", "beta", "currency=JPY"], ["JPY"]),
    # pipe add
    (["add", ""], ["title"]),
    (["add", "   "], ["title"]),
    (["add", "New deal", "--due", "3d"], ["--due", "--next"]),
    (["add", "New deal", "--owner", "nobody"], ["unknown team member 'nobody'", "alice"]),
    (["add", "New deal", "--currency", "JPY"], ["JPY", "rate"]),
    (["add", "New deal", "--source", "billboard"], ["unknown source 'billboard'"]),
    (["add", "New deal", "--contact", "Jo <not an email>"], ["contact"]),
    # path tricks: a deal reference is an id, never a path
    (["show", "../pipelines"], ["'../pipelines'"]),
    (["show", "../../etc/passwd"], ["'../../etc/passwd'"]),
    (["show", "deals/beta"], ["'deals/beta'"]),
    (["show", "beta.md"], ["'beta.md'"]),
    (["edit", "../pipelines"], ["'../pipelines'"]),
    (["set", "../pipelines", "currency=USD"], ["'../pipelines'"]),
    (["rm", "../pipelines"], ["'../pipelines'"]),
])
def test_bad_input_is_refused_and_changes_nothing(ws, run, args, words):
    before = snapshot(ws.root)
    assert_refused(run(ws, *args), words)
    assert snapshot(ws.root) == before


@pytest.mark.parametrize("args, words", [
    (["lost", "beta"], ["--reason"]),
    (["set", "beta"], ["KEY=VALUE"]),
    (["move", "beta"], ["STAGE"]),
    (["list", "--format", "xml"], ["xml"]),
    (["list", "--bogus"], ["--bogus"]),
])
def test_usage_errors_exit_2_and_change_nothing(ws, run, args, words):
    before = snapshot(ws.root)
    assert_refused(run(ws, *args), words, usage=True)
    assert snapshot(ws.root) == before


# -- finding the workspace, and the environment -------------------------------------------------

@pytest.mark.parametrize("args", [["list"], ["add", "New deal"], ["show", "beta"]])
def test_no_workspace_here_or_above(tmp_path, monkeypatch, run, args):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    assert_refused(run(None, *args), ["no pipe workspace", "pipe init"])
    assert list(empty.iterdir()) == []


@pytest.mark.parametrize("where", ["empty-folder", "missing-folder", "deals"])
def test_dash_c_must_name_the_workspace_itself(ws, tmp_path, monkeypatch, run, where):
    target = {"empty-folder": tmp_path / "elsewhere", "missing-folder": tmp_path / "missing",
              "deals": ws.root / "deals"}[where]
    if where == "empty-folder":
        target.mkdir()
    monkeypatch.chdir(ws.root)  # a workspace around the current folder must not be used instead
    before = snapshot(ws.root)
    assert_refused(run(target, "add", "New deal"), ["pipelines.yaml", str(target)])
    assert snapshot(ws.root) == before
    if where == "empty-folder":
        assert list(target.iterdir()) == []
    if where == "missing-folder":
        assert not target.exists()


def test_pipe_dir_pointing_at_nothing(ws, tmp_path, monkeypatch, run):
    monkeypatch.setenv("PIPE_DIR", str(tmp_path / "nothing"))
    monkeypatch.chdir(ws.root)
    before = snapshot(ws.root)
    assert_refused(run(None, "add", "New deal"), ["pipelines.yaml", "nothing"])
    assert_refused(run(None, "list"), ["nothing"])
    assert snapshot(ws.root) == before
    assert not (tmp_path / "nothing").exists()


@pytest.mark.parametrize("args", [["list"], ["add", "New deal"], ["move", "beta", "qualified"], ["board"]])
def test_pipe_today_garbage(ws, monkeypatch, run, args):
    monkeypatch.setenv("PIPE_TODAY", "garbage")
    before = snapshot(ws.root)
    assert_refused(run(ws, *args), ["PIPE_TODAY", "'garbage'"])
    assert snapshot(ws.root) == before


@pytest.mark.parametrize("how", ["in-place", "named"])
def test_init_refuses_an_existing_workspace(ws, monkeypatch, run, how):
    monkeypatch.chdir(ws.root if how == "in-place" else ws.root.parent)
    before = snapshot(ws.root)
    result = run(None, "init") if how == "in-place" else run(None, "init", ws.root.name)
    assert_refused(result, ["pipelines.yaml", "already exists"])
    assert snapshot(ws.root) == before


# -- deal files that cannot be read -------------------------------------------------------------

CONFLICTED = deal_text("""
    id: x
    title: X
    pipeline: sales
    <<<<<<< HEAD
    stage: lead
    =======
    stage: qualified
    >>>>>>> theirs
    created: 2026-11-01
""")  # the first marker is on line 5 of the file
NOT_UTF8 = b"---\nid: x\ntitle: Caf\xe9\npipeline: sales\nstage: lead\ncreated: 2026-11-01\n---\n"


@pytest.mark.parametrize("content, where, words", [
    (CONFLICTED, "deals/x.md:5", ["conflict"]),
    (NOT_UTF8, "deals/x.md:3", ["UTF-8"]),
], ids=["conflict-markers", "not-utf8"])
@pytest.mark.parametrize("args", [
    ["show", "x"], ["move", "x", "qualified"], ["won", "x"], ["lost", "x", "--reason", "price"],
    ["set", "x", "value=5"],
])  # list and board go on without it: tests/test_bad_files.py
def test_a_deal_file_that_does_not_parse(ws, run, content, where, words, args):
    path = ws.root / "deals" / "x.md"
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    before = snapshot(ws.root)
    assert_refused(run(ws, *args), [where, *words])
    assert snapshot(ws.root) == before
    assert path.read_bytes() == (content.encode("utf-8") if isinstance(content, str) else content)


@pytest.mark.parametrize("args", [["show", "x"], ["move", "x", "qualified"], ["set", "x", "value=5"], ["rm", "x"]])
def test_a_folder_named_like_a_deal_is_not_a_deal(ws, run, args):
    (ws.root / "deals" / "x.md").mkdir()
    before = snapshot(ws.root)
    assert_refused(run(ws, *args), ["'x'"])
    assert snapshot(ws.root) == before
    assert (ws.root / "deals" / "x.md").is_dir()


# -- pipe edit: an invalid edit is kept aside, the deal stays as it was --------------------------

@pytest.mark.parametrize("garbage, words", [
    ("---\ntitle: [unclosed\n---\n", ["deals/beta.md"]),
    ("no frontmatter at all\n", ["deals/beta.md:1"]),
    ("---\nid: beta\ntitle: Beta\npipeline: sales\nstage: nowhere\ncreated: 2026-11-01\n---\n", ["unknown stage 'nowhere'"]),
    ("---\nid: other\ntitle: Beta\npipeline: sales\nstage: lead\ncreated: 2026-11-01\n---\n", ["'other'"]),
], ids=["bad-yaml", "no-frontmatter", "unknown-stage", "changed-id"])
def test_edit_that_breaks_the_deal_is_rejected_and_kept(ws, tmp_path, monkeypatch, run, garbage, words):
    source = tmp_path / "garbage.txt"
    source.write_text(garbage, encoding="utf-8")
    editor = tmp_path / "editor.sh"
    editor.write_text(f'#!/bin/sh\ncat "{source}" > "$1"\n', encoding="utf-8")
    editor.chmod(0o755)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(editor))
    before = snapshot(ws.root)
    assert_refused(run(ws, "edit", "beta"), [*words, "unchanged", ".pipe/rejected/beta.md"])
    after = snapshot(ws.root)
    rejected = {os.path.join(".pipe", "rejected"), os.path.join(".pipe", "rejected", "beta.md")}
    assert set(after) - set(before) == rejected
    assert {k: v for k, v in after.items() if k not in rejected} == before
    assert (ws.root / "deals" / "beta.md").read_text(encoding="utf-8") == DEALS["beta"]
    assert (ws.root / ".pipe" / "rejected" / "beta.md").read_text(encoding="utf-8") == garbage


# -- a title that looks like a path makes a plain id inside deals/ ------------------------------

@pytest.mark.parametrize("title, expected_id", [
    ("../../evil", "evil"),
    ("/etc/passwd", "etc-passwd"),
    ("..", "deal"),
    ("deals/../../x.md", "deals-x-md"),
])
def test_a_title_never_makes_a_path(ws, tmp_path, run, title, expected_id):
    outside = {p for p in tmp_path.rglob("*") if ws.root not in (p, *p.parents)}
    before = snapshot(ws.root)
    result = run(ws, "add", title)
    assert result.exit_code == 0, result.stderr
    deal_id = result.stdout.strip()
    assert deal_id.rsplit("-", 1)[0] == expected_id
    after = snapshot(ws.root)
    assert set(after) - set(before) == {os.path.join("deals", f"{deal_id}.md")}
    assert all(after[k] == v for k, v in before.items())
    assert {p for p in tmp_path.rglob("*") if ws.root not in (p, *p.parents)} == outside
    shown = run(ws, "show", deal_id, "--format", "json")
    assert shown.exit_code == 0 and f'"title": "{title}"' in shown.stdout
