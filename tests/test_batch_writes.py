"""Commands that write many deals write them in one batch (Workspace.batch, core/store/batch.py):
temp files, one flush to disk, the renames, one fsync of deals/; all or nothing before the first rename."""

from __future__ import annotations

import contextlib
import copy
import errno
import os
from pathlib import Path

import pytest

from pipecli.core.errors import PipeError
from pipecli.core.model.deal import Deal
from pipecli.core.store import batch as store_batch
from pipecli.core.store import workspace as storage
from tests.conftest import failed, simple_deal
from tests.smtp_server import smtp_server  # noqa: F401
from tests.test_flush_bulk import files, stale

DATA = Path(__file__).resolve().parent / "data" / "import"


def stale_deals(n: int) -> dict[str, str]:
    return {f"d{i:02d}": stale(f"d{i:02d}", value=100 * (i + 1)) for i in range(1, n + 1)}


def csv_file(tmp_path: Path, rows: int) -> Path:
    path = tmp_path / f"rows-{rows}.csv"
    path.write_text("ID,Name,Amount,Stage,Created\n"
                    + "".join(f"R-{i},Deal number {i},{1000 + i},lead,2026-11-01\n" for i in range(rows)))
    return path


IMPORT = ("--id", "ID", "--map", "Name=title", "--map", "Amount=value", "--map", "Stage=stage", "--map", "Created=created")


@pytest.fixture
def one_file_at_a_time(monkeypatch):
    """Writes as pipe did before batches: each deal by write_atomic (fsync, rename, fsync of deals/)."""
    monkeypatch.setattr(storage.Workspace, "batch", lambda self: contextlib.nullcontext())


# -- the same bytes --------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["flush", "--inactive", "90d", "--yes"],
    ["bulk", "tag", "vip", "--open", "--yes"],
    ["bulk", "set", "value=5", "--open", "--yes"],
])
def test_a_bulk_change_in_a_batch_writes_the_bytes_one_file_at_a_time_writes(make_workspace, run, monkeypatch, args):
    batched = make_workspace(stale_deals(6), name="batched")
    assert run(batched, *args).exit_code == 0
    with monkeypatch.context() as patch:
        patch.setattr(storage.Workspace, "batch", lambda self: contextlib.nullcontext())
        single = make_workspace(stale_deals(6), name="single")
        assert run(single, *args).exit_code == 0
    assert files(batched) == files(single)
    assert files(batched) != files(make_workspace(stale_deals(6), name="untouched"))


def test_an_import_in_a_batch_writes_the_bytes_one_file_at_a_time_writes(make_workspace, run, monkeypatch, tmp_path):
    source = csv_file(tmp_path, 12)
    batched = make_workspace(name="batched")
    result = run(batched, "import", str(source), *IMPORT)
    assert result.exit_code == 0 and "12 created" in result.stdout, result.output
    with monkeypatch.context() as patch:
        patch.setattr(storage.Workspace, "batch", lambda self: contextlib.nullcontext())
        single = make_workspace(name="single")
        assert run(single, "import", str(source), *IMPORT).exit_code == 0
    assert len(files(batched)) == 12 and files(batched) == files(single)
    for path in batched.deals_dir.iterdir():  # created with the mode a new file gets
        assert path.stat().st_mode & 0o777 == (batched.root / "pipelines.yaml").stat().st_mode & 0o777


# -- the syncs -------------------------------------------------------------------------------------

def count_syncs(monkeypatch) -> list[str]:
    calls: list[str] = []
    real_fsync, real_sync, real_syncfs = os.fsync, os.sync, store_batch.syncfs

    def fsync(fd):
        calls.append("fsync")
        real_fsync(fd)

    def sync():
        calls.append("sync")
        real_sync()

    def syncfs(folder):
        calls.append("syncfs")
        return real_syncfs(folder)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "sync", sync)
    monkeypatch.setattr(store_batch, "syncfs", syncfs)
    return calls


@pytest.mark.parametrize("command", ["flush", "import"])
def test_the_syncs_do_not_grow_with_the_deals(make_workspace, run, monkeypatch, tmp_path, command):
    counted = {}
    for n in (3, 30):
        if command == "flush":
            workspace = make_workspace(stale_deals(n), name=f"w{n}")
            args = ["flush", "--inactive", "90d", "--yes"]
        else:
            workspace = make_workspace(name=f"w{n}")
            args = ["import", str(csv_file(tmp_path, n)), *IMPORT]
        assert run(workspace, "list").exit_code == 0  # the cache written before counting
        with monkeypatch.context() as patch:
            calls = count_syncs(patch)
            result = run(workspace, *args)
        assert result.exit_code == 0, result.output
        counted[n] = sorted(calls)
    assert counted[3] == counted[30]
    assert len(counted[30]) <= 4, counted  # one flush of the deals, one fsync of deals/, the cache's two


# -- all or nothing before the first rename ----------------------------------------------------------

def fail_on_temp_file(monkeypatch, n: int, error: BaseException) -> None:
    real = store_batch._temp_file
    calls = []

    def failing(path, *args):
        calls.append(path)
        if len(calls) == n:
            raise error
        return real(path, *args)

    monkeypatch.setattr(store_batch, "_temp_file", failing)


def test_a_full_disk_on_the_third_deal_of_a_flush_changes_none_and_leaves_no_temp_file(make_workspace, run,
                                                                                       monkeypatch):
    workspace = make_workspace(stale_deals(5))
    before = files(workspace)
    with monkeypatch.context() as patch:
        fail_on_temp_file(patch, 3, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
        result = run(workspace, "flush", "--inactive", "90d", "--yes")
    line = failed(result, "deals/d03.md: No space left on device", "changed: none")
    assert "d01" in line.split("not changed: ")[1]
    assert files(workspace) == before  # every deal as it was, and no temp file


def test_a_full_disk_part_way_through_an_import_creates_no_deal(make_workspace, run, monkeypatch, tmp_path):
    workspace = make_workspace({"keep": simple_deal("keep")})
    before = files(workspace)
    with monkeypatch.context() as patch:
        fail_on_temp_file(patch, 7, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
        result = run(workspace, "import", str(csv_file(tmp_path, 10)), *IMPORT)
    failed(result, "No space left on device", "changed: none")
    assert files(workspace) == before


def test_a_flush_to_disk_that_fails_renames_nothing(make_workspace, run, monkeypatch):
    workspace = make_workspace(stale_deals(4))
    before = files(workspace)

    def io_error(temps):
        assert len(temps) == 4 and all(os.path.exists(t) for t in temps)
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    with monkeypatch.context() as patch:
        patch.setattr(store_batch, "flush_to_disk", io_error)
        result = run(workspace, "bulk", "tag", "vip", "--open", "--yes")
    failed(result, "Input/output error", "changed: none")
    assert files(workspace) == before


def test_deals_swapped_for_a_link_out_before_the_renames_changes_nothing(make_workspace, run, monkeypatch, tmp_path):
    """deals/ is checked when the first file is prepared and again just before the renames."""
    workspace = make_workspace(stale_deals(3))
    outside = tmp_path / "outside"
    outside.mkdir()
    real_flush = store_batch.flush_to_disk

    def swap_then_flush(temps):
        real_flush(temps)
        workspace.deals_dir.rename(workspace.root / "moved")
        os.symlink(outside, workspace.deals_dir)

    before = files(workspace)
    with monkeypatch.context() as patch:
        patch.setattr(store_batch, "flush_to_disk", swap_then_flush)
        result = run(workspace, "flush", "--inactive", "90d", "--yes")
    failed(result, "outside the workspace", "changed: none")
    assert list(outside.iterdir()) == []
    moved = {p.name: p.read_bytes() for p in (workspace.root / "moved").iterdir() if not p.name.startswith(".")}
    assert moved == before  # (the temp files went with the folder: no longer in deals/, never renamed)


def test_a_file_that_would_not_read_back_stops_the_batch_before_any_rename(make_workspace):
    workspace = make_workspace({"a": simple_deal("a"), "b": simple_deal("b")})
    before = files(workspace)
    a, b = workspace.load("a"), workspace.load("b")
    a.set("value", 5)
    b.document = None  # created: refused, since deals/b.md exists
    with pytest.raises(PipeError, match="deals/b.md already exists"):
        with workspace.batch():
            workspace.save(a)
            assert workspace.deal_path("a").read_bytes() == before["a.md"]  # only prepared
            workspace.create(b)
    assert files(workspace) == before and workspace.written == []


def test_a_batch_creates_each_id_once_and_does_not_read_a_deal_it_has_not_put_in_place(make_workspace):
    workspace = make_workspace({"a": simple_deal("a")})
    with workspace.batch():
        workspace.create(Deal({"id": "new", "title": "New", "pipeline": "sales", "stage": "lead"}))
        with pytest.raises(PipeError, match="deals/new.md already exists"):
            workspace.create(Deal({"id": "new", "title": "Other", "pipeline": "sales", "stage": "lead"}))
        a = workspace.load("a")
        a.set("value", 7)
        workspace.save(a)
        with pytest.raises(PipeError, match="deals/a.md is read again before its new content is in place"):
            workspace.load("a")
    assert workspace.load("a").value == 7 and workspace.load("new").title == "New"
    assert workspace.written == [workspace.deal_path("new"), workspace.deal_path("a")]
    assert sorted(p.name for p in workspace.deals_dir.iterdir()) == ["a.md", "new.md"]


# -- the import path's per-row costs -----------------------------------------------------------------

def test_the_did_you_mean_of_an_unknown_field_is_worked_out_once_per_key_not_per_deal(make_workspace, run,
                                                                                     monkeypatch):
    from pipecli.core.model import validate

    workspace = make_workspace({f"d{i}": simple_deal(f"d{i}", expected_closs="2026-12-01") for i in range(6)})
    asked = []
    real = validate.difflib.get_close_matches
    monkeypatch.setattr(validate.difflib, "get_close_matches", lambda word, *a, **k: asked.append(word) or real(word, *a, **k))
    validate._field_like.cache_clear()
    result = run(workspace, "check")
    assert result.output.count("unknown field 'expected_closs': did you mean 'expected_close'?") == 6, result.output
    assert asked.count("expected_closs") == 1, asked  # (click asks too, about the command line)


def test_automate_dates_the_tags_it_first_sees_in_one_batch_each_deal_once(make_workspace, run, smtp_server,
                                                                           monkeypatch):
    from tests.test_mail import acme, workspace_with

    rules = ("automations:\n- {id: vip-welcome, tag: vip, after: 1d, template: follow-up}\n"
             "- {id: vip-check, tag: vip, after: 2d, template: follow-up}\n")
    counted = {}
    for n in (2, 12):
        deals = {f"v{i:02d}": acme(f"v{i:02d}", tags="[vip]") for i in range(n)}
        workspace = workspace_with(lambda d, config: make_workspace(d, config=config, name=f"w{n}"), smtp_server, deals,
                                   rules)
        assert run(workspace, "list").exit_code == 0
        with monkeypatch.context() as patch:
            calls = count_syncs(patch)
            result = run(workspace, "automate")
        assert result.exit_code == 0, result.output
        counted[n] = sorted(calls)
        for deal_id in deals:  # both rules dated on each deal: neither change lost to the other
            assert [q["rule"] for q in workspace.load(deal_id).data["automations"]] == ["vip-welcome", "vip-check"]
    assert counted[2] == counted[12]


def test_a_deal_file_that_appears_while_an_import_prepares_it_is_not_replaced(make_workspace, run, monkeypatch,
                                                                              tmp_path):
    # Preparing a batch takes seconds (an 8,800-row import): a file another program puts at an id
    # the import creates (a git pull, say) in that time stops the batch before any rename.
    workspace = make_workspace({"keep": simple_deal("keep")})
    planted = simple_deal("deal-number-3")
    real = store_batch.flush_to_disk

    def pull_then_flush(temps):
        workspace.deal_path("deal-number-3").write_text(planted)
        real(temps)

    monkeypatch.setattr(store_batch, "flush_to_disk", pull_then_flush)
    result = run(workspace, "import", str(csv_file(tmp_path, 5)), *IMPORT)
    failed(result, "deals/deal-number-3.md appeared while pipe was writing", "changed: none")
    assert workspace.deal_path("deal-number-3").read_text() == planted
    assert sorted(files(workspace)) == ["deal-number-3.md", "keep.md"]  # no other deal, no temp file


def test_a_deal_saved_twice_in_a_batch_ends_as_its_last_save(make_workspace):
    # The second save compares with the file as read: changed back, it found nothing to write, and
    # the first save's content went in place all the same.
    workspace = make_workspace({"a": simple_deal("a")})
    before = files(workspace)
    with workspace.batch():
        a = workspace.load("a")
        as_read = copy.deepcopy(a.data)
        a.set("value", 5)
        assert workspace.save(a)
        a.data = as_read
        assert not workspace.save(a)
    assert files(workspace) == before and workspace.written == []
