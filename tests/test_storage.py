"""The workspace on disk: discovery, init, atomic writes, path safety and the lock."""

import os
import subprocess
import sys
import textwrap

import pytest

from pipecli.core.errors import NotFound, ParseError, PipeError, WorkspaceNotFound
from pipecli.core.model.config import CONFIG_FILE
from pipecli.core.model.deal import Deal
from pipecli.core.store.workspace import Workspace, discover, init_workspace, write_atomic
from tests.conftest import simple_deal


def test_discovery_walks_up_like_git(make_workspace, monkeypatch):
    workspace = make_workspace()
    nested = workspace.root / "deals" / "sub"
    nested.mkdir()
    monkeypatch.chdir(nested)
    assert discover().root == workspace.root.resolve()


def test_directory_option_and_env_override_discovery(make_workspace, monkeypatch, tmp_path):
    first = make_workspace(name="one")
    second = make_workspace(name="two")
    monkeypatch.chdir(first.root)
    monkeypatch.setenv("PIPE_DIR", str(second.root))
    assert discover().root == second.root.resolve()
    assert discover(str(first.root)).root == first.root.resolve()


def test_no_workspace_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(WorkspaceNotFound, match="pipe init"):
        discover()
    with pytest.raises(WorkspaceNotFound, match="not a pipe workspace"):
        discover(str(tmp_path))


def test_a_home_folder_that_does_not_exist_is_not_a_crash(monkeypatch):
    monkeypatch.setenv("PIPE_DIR", "~nosuchuser-pipe/sales")
    with pytest.raises(WorkspaceNotFound):
        discover()


def test_init_creates_a_workspace_and_refuses_to_overwrite(tmp_path):
    root = init_workspace(tmp_path / "sales")
    assert (root / "deals").is_dir()
    assert ".pipe/" in (root / ".gitignore").read_text().splitlines()
    Workspace(root).config  # the default config loads
    before = (root / CONFIG_FILE).read_bytes()
    with pytest.raises(PipeError, match="already exists"):
        init_workspace(root)
    assert (root / CONFIG_FILE).read_bytes() == before


def test_init_adds_to_an_existing_gitignore(tmp_path):
    (tmp_path / ".gitignore").write_text("*.pyc")
    init_workspace(tmp_path)
    assert (tmp_path / ".gitignore").read_text().splitlines()[0] == "*.pyc"
    assert ".pipe/" in (tmp_path / ".gitignore").read_text().splitlines()


@pytest.mark.parametrize("ref", ["../pipelines", "../../etc/passwd", "a/../a", "/tmp/a", "", ".a", "a.md"])
def test_no_reference_can_reach_outside_deals(make_workspace, ref):
    workspace = make_workspace({"a": simple_deal("a")})
    with pytest.raises(NotFound):
        workspace.deal_path(ref)
    with pytest.raises(NotFound):
        workspace.resolve(ref)


def test_links_and_hidden_files_are_not_deals(make_workspace, tmp_path):
    workspace = make_workspace({"a": simple_deal("a")})
    (tmp_path / "outside.md").write_text(simple_deal("outside"))
    os.symlink(tmp_path / "outside.md", workspace.deals_dir / "outside.md")
    (workspace.deals_dir / ".a.md.x.tmp").write_text("half")
    (workspace.deals_dir / "Bad Name.md").write_text("x")
    assert workspace.deal_ids() == ["a"]
    assert workspace.stray_files() == ["Bad Name.md", "outside.md"]  # check reports both


def test_resolve_takes_a_unique_prefix_and_lists_ambiguous_ones(make_workspace):
    workspace = make_workspace({i: simple_deal(i) for i in ("acme-one", "acme-two", "beta")})
    assert workspace.resolve("b") == "beta"
    assert workspace.resolve("acme-one") == "acme-one"
    with pytest.raises(PipeError, match="acme-one, acme-two"):
        workspace.resolve("acme")


def test_load_reports_wrong_types_with_their_line(make_workspace):
    text = simple_deal("a").replace("value: 1000", "value: lots")
    workspace = make_workspace({"a": text})
    with pytest.raises(ParseError) as caught:
        workspace.load("a")
    assert str(caught.value) == "deals/a.md:6: value must be a number, got 'lots'"


def test_load_refuses_an_id_that_is_not_the_file_name(make_workspace):
    workspace = make_workspace({"a": simple_deal("b")})
    with pytest.raises(ParseError, match="does not match the file name"):
        workspace.load("a")


def test_save_of_an_unchanged_deal_does_not_touch_the_file(make_workspace):
    workspace = make_workspace({"a": simple_deal("a")})
    path = workspace.deal_path("a")
    os.utime(path, (1, 1))
    assert workspace.save(workspace.load("a")) is False
    assert path.stat().st_mtime == 1


def test_create_refuses_to_replace_a_deal(make_workspace):
    workspace = make_workspace({"a": simple_deal("a")})
    before = workspace.deal_path("a").read_bytes()
    with pytest.raises(PipeError, match="already exists"):
        workspace.create(Deal({"id": "a", "title": "Other"}))
    assert workspace.deal_path("a").read_bytes() == before


def test_write_atomic_leaves_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "deal.md"
    path.write_text("old")

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        write_atomic(path, "new")
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deal.md"]


def test_write_atomic_keeps_the_file_mode(tmp_path):
    path = tmp_path / "deal.md"
    path.write_text("old")
    path.chmod(0o640)
    write_atomic(path, "new")
    assert path.stat().st_mode & 0o777 == 0o640 and path.read_text() == "new"


APPENDER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from pipecli.core.store.workspace import Workspace
    workspace = Workspace(Path(sys.argv[1]))
    for n in range(int(sys.argv[3])):
        workspace.update("a", lambda d: d.append("activities", {"date": d.created, "kind": "note", "summary": f"{sys.argv[2]} {n}"}))
""")


def test_two_processes_changing_one_deal_both_land(make_workspace):
    workspace = make_workspace({"a": simple_deal("a")})
    rounds = 30
    processes = [subprocess.Popen([sys.executable, "-c", APPENDER, str(workspace.root), name, str(rounds)])
                 for name in ("first", "second")]
    assert [p.wait(timeout=120) for p in processes] == [0, 0]
    summaries = [a["summary"] for a in workspace.load("a").activities]
    assert sorted(summaries) == sorted(f"{name} {n}" for name in ("first", "second") for n in range(rounds))


def test_two_cli_processes_setting_different_fields_both_land(make_workspace):
    workspace = make_workspace({"a": simple_deal("a")})
    env = dict(os.environ)
    commands = [
        [sys.executable, "-m", "pipecli", "-C", str(workspace.root), "set", "a", f"account=Acme {n}"] for n in range(8)
    ], [
        [sys.executable, "-m", "pipecli", "-C", str(workspace.root), "set", "a", f"value={n}"] for n in range(8)
    ]
    for n, (first, second) in enumerate(zip(*commands)):
        processes = [subprocess.Popen(first, env=env), subprocess.Popen(second, env=env)]
        assert [p.wait(timeout=60) for p in processes] == [0, 0]
        deal = workspace.load("a")
        assert (deal.account, deal.data["value"]) == (f"Acme {n}", n)
