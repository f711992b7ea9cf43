"""The parsed-deal cache (core/store/cache.py): a shortcut that is never trusted when it should not be."""

from __future__ import annotations

import datetime as dt
import os
import pickle
from decimal import Decimal

import pytest

from pipecli.core.errors import PipeError
from pipecli.core.store.cache import HEADER, DealCache, file_key
from pipecli.core.store.workspace import write_atomic

DATA = {"id": "acme", "created": dt.date(2026, 11, 1), "value": Decimal("1.5"), "tags": ["eu"]}


@pytest.fixture(autouse=True)
def no_racy_wait(monkeypatch):
    """Files written by a test are seconds old at most: cache them anyway (see the racy test)."""
    import pipecli.core.store.cache as cache_module

    monkeypatch.setattr(cache_module, "RACY_SECONDS", 0)


def filled(tmp_path) -> DealCache:
    (tmp_path / "cache").mkdir(exist_ok=True)
    cache = DealCache(tmp_path / "cache")
    cache.put("acme.md", (10, 1, 2, 3), DATA, "")
    cache.save(write_atomic)
    return cache


def test_what_is_saved_is_read_back_under_the_same_key_only(tmp_path):
    filled(tmp_path)
    again = DealCache(tmp_path / "cache")
    again.load()
    assert again.get("acme.md", (10, 1, 2, 3)) == (DATA, "")
    assert again.get("acme.md", (10, 1, 2, 4)) is None  # the file changed: parse it again
    assert again.get("other.md", (10, 1, 2, 3)) is None


def test_a_file_key_changes_with_any_write(tmp_path):
    path = tmp_path / "deal.md"
    path.write_text("a")
    before = file_key(path.stat())
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns))  # same mtime set back: ctime moves
    assert file_key(path.stat()) != before
    write_atomic(path, "a")  # same bytes, new inode
    assert file_key(path.stat())[3] != before[3]


def test_a_cache_from_another_version_cut_short_or_corrupt_is_ignored(tmp_path):
    filled(tmp_path)
    path = tmp_path / "cache" / "deals"
    good = path.read_bytes()
    for bad in (good.replace(HEADER, b"pipe deal cache 0 0.0.1\n"), good[: len(good) // 2], HEADER + b"\x00garbage",
                b"", HEADER + pickle.dumps({"acme.md": "not an entry"})):
        path.write_bytes(bad)
        cache = DealCache(tmp_path / "cache")
        cache.load()
        assert cache.entries == {}


def test_a_cache_in_several_chunks_reads_back_whole_and_one_cut_between_chunks_is_ignored(tmp_path, monkeypatch):
    import pipecli.core.store.cache as cache_module

    monkeypatch.setattr(cache_module, "CHUNK", 2)
    (tmp_path / "cache").mkdir()
    cache = DealCache(tmp_path / "cache")
    for n in range(5):
        cache.put(f"d{n}.md", (n, 1, 2, 3), {**DATA, "id": f"d{n}"}, f"notes {n}")
    cache.save(write_atomic)
    again = DealCache(tmp_path / "cache")
    again.load()
    assert again.entries == cache.entries and len(again.entries) == 5
    path = tmp_path / "cache" / "deals"
    whole = path.read_bytes()
    end = pickle.dumps(None, protocol=pickle.HIGHEST_PROTOCOL)
    assert whole.endswith(end)
    path.write_bytes(whole[: -len(end)])  # every chunk there, the end mark not: written half way
    again.load()
    assert again.entries == {}


def test_a_planted_cache_cannot_run_code(tmp_path):
    class Boom:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    (tmp_path / "cache").mkdir(exist_ok=True)
    (tmp_path / "cache" / "deals").write_bytes(HEADER + pickle.dumps({"acme.md": ((1, 2, 3, 4), {"x": Boom()}, "")}))
    cache = DealCache(tmp_path / "cache")
    cache.load()
    assert cache.entries == {} and not (tmp_path / "pwned").exists()


def test_gone_files_are_forgotten_and_an_unchanged_cache_is_not_rewritten(tmp_path):
    cache = filled(tmp_path)
    path = tmp_path / "cache" / "deals"
    stamp = path.stat().st_mtime_ns
    cache.save(write_atomic)
    assert path.stat().st_mtime_ns == stamp
    cache.keep_only(set())
    cache.save(write_atomic)
    again = DealCache(tmp_path / "cache")
    again.load()
    assert again.entries == {}


# -- the cache in use: Workspace.deals() --------------------------------------------------------

def test_deals_read_through_the_cache_are_the_deals_on_disk(make_workspace, run):
    from tests.conftest import simple_deal

    workspace = make_workspace({"a": simple_deal("a", value=100), "b": simple_deal("b")})
    first = [(d.id, d.data, d.body) for d in workspace.deals()]  # parses, fills the cache
    cached = workspace.deals()
    assert [(d.id, d.data, d.body) for d in cached] == first
    assert all(d._document is None for d in cached)  # nothing parsed
    # An edit that keeps the size and the modification time is still seen (the change time moves).
    path = workspace.deal_path("a")
    stat = path.stat()
    path.write_text(path.read_text().replace("value: 100", "value: 900"))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert [d.value for d in workspace.deals() if d.id == "a"] == [Decimal(900)]
    # A removed file is forgotten; deleting the cache changes nothing.
    workspace.remove("b")
    assert [d.id for d in workspace.deals()] == ["a"]
    (workspace.root / ".pipe" / "cache" / "deals").unlink()
    assert [(d.id, d.data) for d in workspace.deals()] == [("a", workspace.load("a").data)]


def test_a_deal_from_the_cache_is_written_back_changing_only_its_lines(make_workspace, run):
    from tests.conftest import simple_deal

    text = simple_deal("a").replace("owner: alice", "owner: alice   # keep this comment")
    workspace = make_workspace({"a": text})
    workspace.deals()
    (deal,) = workspace.deals()
    deal.set("value", 5000)
    workspace.save(deal)
    after = workspace.deal_path("a").read_text()
    assert after == text.replace("value: 1000", "value: 5000")


def test_a_deal_from_the_cache_whose_file_changed_since_is_never_written(make_workspace, run):
    """The cache holds no file text: a write reads the file then, and it must be the file the cache
    matched. An editor's save in between would otherwise be overwritten with what pipe saw before."""
    from tests.conftest import simple_deal

    workspace = make_workspace({"a": simple_deal("a")})
    workspace.deals()
    (deal,) = workspace.deals()
    path = workspace.deal_path("a")
    edited = path.read_text().replace("value: 1000", "value: 1234")
    path.write_text(edited)  # after pipe read the deals, before it writes
    deal.set("stage", "qualified")
    with pytest.raises(PipeError, match="deals/a.md changed on disk while this command ran"):
        workspace.save(deal)
    assert path.read_text() == edited


def test_a_bad_file_is_never_cached_and_still_reported(make_workspace, run):
    from tests.conftest import simple_deal

    workspace = make_workspace({"a": simple_deal("a"), "b": "---\nid: b\ntitle: [\n---\n"})
    for _ in range(2):
        result = run(workspace, "list")
        assert result.exit_code == 0 and "pipe: warning: deals/b.md:4" in result.stderr
        assert "deals/b.md:4" in run(workspace, "report").stderr


def test_a_cache_that_cannot_be_written_costs_only_the_shortcut(make_workspace, run, tmp_path):
    from tests.conftest import simple_deal

    workspace = make_workspace({"a": simple_deal("a")})
    outside = tmp_path / "outside"
    outside.mkdir()
    (workspace.root / ".pipe").symlink_to(outside)  # written through, it would land outside the workspace
    result = run(workspace, "list", "--format", "csv")
    assert result.exit_code == 0 and result.stdout.count("\n") == 2
    assert list(outside.iterdir()) == []


def test_a_file_changed_in_the_last_seconds_is_not_cached(make_workspace, monkeypatch):
    """Where file times are coarse, a second same-size write in the same tick keeps the key: like
    git's racily clean files, a file this fresh is parsed again next time rather than trusted."""
    import pipecli.core.store.cache as cache_module
    from tests.conftest import simple_deal

    monkeypatch.setattr(cache_module, "RACY_SECONDS", 2)
    workspace = make_workspace({"a": simple_deal("a")})
    workspace.deals()
    cache = DealCache(workspace.root / ".pipe" / "cache")
    cache.load()
    assert cache.entries == {}
    monkeypatch.setattr(cache_module, "RACY_SECONDS", 0)
    workspace.deals()
    cache.load()
    assert list(cache.entries) == ["a.md"]


def test_a_damaged_byte_in_the_cache_is_caught_by_its_checksum(tmp_path):
    filled(tmp_path)
    path = tmp_path / "cache" / "deals"
    good = path.read_bytes()
    at = good.index(b"acme", len(HEADER))
    path.write_bytes(good[:at] + b"acmf" + good[at + 4:])  # still unpickles, as another name
    cache = DealCache(tmp_path / "cache")
    cache.load()
    assert cache.entries == {}


def test_a_cache_that_disagrees_with_an_unchanged_file_is_never_written_from(make_workspace, run):
    """Damage that the checks miss (a cache edited by hand, say) still cannot reach a deal file."""
    from tests.conftest import simple_deal

    workspace = make_workspace({"a": simple_deal("a")})
    workspace.deals()
    cache = DealCache(workspace.root / ".pipe" / "cache")
    cache.load()
    key, data, body = cache.entries["a.md"]
    cache.entries["a.md"] = (key, {**data, "title": "Not what the file says"}, body)
    cache.changed = True
    cache.save(write_atomic)
    before = workspace.deal_path("a").read_bytes()
    result = run(workspace, "bulk", "tag", "q1", "--stage", "lead", "--yes")  # writes the deals it listed
    assert result.exit_code == 1 and "does not hold what pipe's cache" in result.stderr, result.output
    assert workspace.deal_path("a").read_bytes() == before
    assert not (workspace.root / ".pipe" / "cache" / "deals").exists()  # cleared: the next run rebuilds it
    assert run(workspace, "bulk", "tag", "q1", "--stage", "lead", "--yes").exit_code == 0
    assert "q1" in workspace.deal_path("a").read_text() and "Not what" not in workspace.deal_path("a").read_text()
