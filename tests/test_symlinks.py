"""Symbolic links in a workspace: pipe may read through them, but never writes through one out of it."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from pipecli.core.errors import PipeError
from pipecli.core.model.deal import Deal
from tests.conftest import CONFIG, simple_deal


def refused(result, *words: str, notes: int = 0) -> str:
    """The command failed with exit 1 and one `pipe: ` line on stderr, its last (no traceback).

    notes: how many lines import prints before (its notes and the new team members it found).
    """
    assert result.exit_code == 1, (result.exit_code, result.output)
    lines = result.stderr.splitlines()
    assert len(lines) == notes + 1 and lines[-1].startswith("pipe: "), result.stderr
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[-1], (word, lines[-1])
    return lines[-1]


def files(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def outside(tmp_path):
    """A folder beside the workspace, holding a deal file: what a link may point at."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "a.md").write_text(simple_deal("a"), encoding="utf-8")
    return folder


def link_deals_to(workspace, target) -> None:
    shutil.rmtree(workspace.deals_dir)
    os.symlink(target, workspace.deals_dir)


# -- deals/ a link ---------------------------------------------------------------------------------

def test_deals_linked_outside_can_be_read_but_not_written(make_workspace, run, outside):
    workspace = make_workspace()
    link_deals_to(workspace, outside)
    before = files(outside)
    assert run(workspace, "list", "--format", "json").exit_code == 0
    assert [d["id"] for d in json.loads(run(workspace, "list", "--format", "json").stdout)] == ["a"]
    for args in (["move", "a", "qualified"], ["task", "add", "a", "Call"], ["set", "a", "value=5"],
                 ["add", "New deal", "--value", "10"], ["rm", "a", "--yes"]):
        line = refused(run(workspace, *args), "deals leads to", "outside the workspace", "symbolic link")
        assert "not" in line
        assert files(outside) == before, args
    assert os.path.islink(workspace.deals_dir)


def test_bulk_commands_through_deals_linked_outside_change_nothing(make_workspace, run, outside):
    workspace = make_workspace()
    (outside / "old.md").write_text(simple_deal("old", created="2026-01-05").replace("ta1234", "ta9999"))
    link_deals_to(workspace, outside)
    before = files(outside)
    refused(run(workspace, "flush", "--inactive", "90d", "--yes"), "outside the workspace", "changed: none")
    assert files(outside) == before


def test_deals_linked_inside_the_workspace_is_written_at_its_target(make_workspace, run):
    workspace = make_workspace()
    real = workspace.root / "data" / "deals"
    real.mkdir(parents=True)
    (real / "a.md").write_text(simple_deal("a"), encoding="utf-8")
    link_deals_to(workspace, real)
    result = run(workspace, "move", "a", "qualified")
    assert result.exit_code == 0, result.output
    assert os.path.islink(workspace.deals_dir)
    assert "stage: qualified" in (real / "a.md").read_text()
    assert run(workspace, "add", "Beta pilot", "--value", "10").exit_code == 0
    assert len(list(real.glob("beta-pilot-*.md"))) == 1


# -- deal files that are links ---------------------------------------------------------------------

def test_a_deal_file_linked_outside_is_not_a_deal_and_is_never_written(make_workspace, run, outside):
    workspace = make_workspace({"b": simple_deal("b")})
    os.symlink(outside / "a.md", workspace.deals_dir / "a.md")
    before = files(outside)
    for args in (["move", "a", "qualified"], ["task", "add", "a", "Call"], ["rm", "a", "--yes"]):
        refused(run(workspace, *args), "no deal matches 'a'")
    assert files(outside) == before
    assert os.path.islink(workspace.deals_dir / "a.md")
    # and pipe check names it, as a file in deals/ that is not a deal
    assert "a.md" in run(workspace, "check").output


def test_a_deal_file_swapped_for_a_link_after_loading_is_not_written(make_workspace, outside):
    workspace = make_workspace({"a": simple_deal("a")})
    deal = workspace.load("a")
    deal.set("value", 5)
    workspace.deal_path("a").unlink()
    os.symlink(outside / "a.md", workspace.deal_path("a"))
    before = files(outside)
    with pytest.raises(PipeError, match="deals/a.md is a symbolic link"):
        workspace.save(deal)
    assert files(outside) == before and os.path.islink(workspace.deal_path("a"))


def test_no_deal_is_created_through_a_dangling_link_named_like_it(make_workspace, run, tmp_path):
    workspace = make_workspace({"a": simple_deal("a")})
    export = tmp_path / "export.json"
    result = run(workspace, "export", "--format", "json", "-o", str(export))
    assert result.exit_code == 0, result.output
    workspace.deal_path("a").unlink()
    target = tmp_path / "elsewhere" / "a.md"
    target.parent.mkdir()
    os.symlink(target, workspace.deal_path("a"))  # dangling: nothing there yet
    refused(run(workspace, "import", str(export), "--preset", "pipe"), "deals/a.md already exists", "changed: none")
    assert not os.path.lexists(target) and os.path.islink(workspace.deal_path("a"))
    # the library refuses too, whatever the caller
    with pytest.raises(PipeError, match="already exists"):
        workspace.create(Deal({"id": "a", "title": "A"}))
    assert not os.path.lexists(target) and os.path.islink(workspace.deal_path("a"))


def test_add_never_takes_the_name_of_a_link(make_workspace, run, tmp_path):
    workspace = make_workspace()
    assert "acme" not in workspace.taken_ids()
    os.symlink(tmp_path / "nowhere.md", workspace.deals_dir / "acme.md")
    assert "acme" in workspace.taken_ids()  # so a new deal's id is never the link's name


# -- pipelines.yaml a link -------------------------------------------------------------------------

OWNERS_CSV = "ID,Name,Owner\nX-1,Acme rollout,Carol King\n"


def test_new_team_members_are_not_written_through_a_config_linked_outside(make_workspace, run, tmp_path):
    workspace = make_workspace()
    shared = tmp_path / "shared-pipelines.yaml"
    (workspace.root / "pipelines.yaml").rename(shared)
    os.symlink(shared, workspace.root / "pipelines.yaml")
    (tmp_path / "deals.csv").write_text(OWNERS_CSV)
    result = run(workspace, "import", str(tmp_path / "deals.csv"), "--id", "ID", "--map", "Name=title",
                 "--map", "Owner=owner", "--add-owners")
    refused(result, "pipelines.yaml is a symbolic link to", "outside the workspace", "carol-king", notes=2)
    assert shared.read_text() == CONFIG
    assert os.path.islink(workspace.root / "pipelines.yaml")
    assert list(workspace.deals_dir.iterdir()) == []  # the deals were not imported either


def test_new_team_members_go_to_the_target_of_a_config_linked_inside(make_workspace, run, tmp_path):
    workspace = make_workspace()
    real = workspace.root / "config" / "pipelines.yaml"
    real.parent.mkdir()
    (workspace.root / "pipelines.yaml").rename(real)
    os.symlink(os.path.join("config", "pipelines.yaml"), workspace.root / "pipelines.yaml")
    (tmp_path / "deals.csv").write_text(OWNERS_CSV)
    result = run(workspace, "import", str(tmp_path / "deals.csv"), "--id", "ID", "--map", "Name=title",
                 "--map", "Owner=owner", "--add-owners")
    assert result.exit_code == 0, result.output
    assert os.path.islink(workspace.root / "pipelines.yaml")
    assert "carol-king" in real.read_text()


# -- pipe's own .pipe/ -----------------------------------------------------------------------------

def test_the_lock_file_is_not_written_through_a_link(make_workspace, run, tmp_path):
    workspace = make_workspace({"a": simple_deal("a")})
    (workspace.root / ".pipe").mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    os.symlink(victim, workspace.root / ".pipe" / "lock")
    before = workspace.deal_path("a").read_bytes()
    refused(run(workspace, "move", "a", "qualified"), ".pipe/lock is a symbolic link")
    assert victim.read_text() == "keep me" and workspace.deal_path("a").read_bytes() == before


def test_a_pipe_folder_linked_outside_is_not_written_through(make_workspace, run, tmp_path):
    workspace = make_workspace({"a": simple_deal("a")})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, workspace.root / ".pipe")
    before = workspace.deal_path("a").read_bytes()
    refused(run(workspace, "move", "a", "qualified"), ".pipe leads to", "outside the workspace")
    assert list(elsewhere.iterdir()) == [] and workspace.deal_path("a").read_bytes() == before


def test_the_outbox_linked_outside_is_not_written_through(make_workspace, run, tmp_path):
    workspace = make_workspace({"a": simple_deal("a", contacts="\n- name: Jo\n  email: jo@acme.example")})
    folder = workspace.root / "templates" / "email"
    folder.mkdir(parents=True)
    (folder / "hello.md.j2").write_text("---\nsubject: Hello\n---\nHi {{ contact.name }}\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, workspace.root / "outbox")
    refused(run(workspace, "mail", "hello", "--deal", "a"), "outbox leads to", "outside the workspace")
    assert list(elsewhere.iterdir()) == []
    os.unlink(workspace.root / "outbox")  # a plain folder is written as before
    result = run(workspace, "mail", "hello", "--deal", "a")
    assert result.exit_code == 0, result.output
    assert len(list((workspace.root / "outbox").glob("*.eml"))) == 1
