"""`pipe check` keeps what it found in each file (core/store/problemcache.py): a warm check says exactly
what a cold one says, sees every change that matters, and never trusts a damaged cache."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil

import pytest

from pipecli.core.store.workspace import Workspace
from tests.conftest import REPO, simple_deal

MIXED = {
    "fine": simple_deal("fine"),
    "fine-again": simple_deal("fine-again", title="Fine"),  # likely the same deal as fine
    "wrong-stage": simple_deal("wrong-stage", stage="nowhere", owner="zed"),  # two errors
    "unknown-source": simple_deal("unknown-source", source="tv"),  # a warning
    "future": simple_deal("future", created="2026-12-01"),  # in the future until 2026-12-01
    "bad-type": simple_deal("bad-type", value="33k"),  # does not type-check
    "never-closed": simple_deal("never-closed")[:-4],  # does not parse
    "other-id": simple_deal("fine"),  # claims fine's id
    "imported-a": simple_deal("imported-a", external_id="crm:1"),
    "imported-b": simple_deal("imported-b", external_id="crm:1"),  # the same external id
}


@pytest.fixture(autouse=True)
def no_racy_wait(monkeypatch):
    """Files written by a test are seconds old at most: cache them anyway."""
    import pipecli.core.store.cache as cache_module

    monkeypatch.setattr(cache_module, "RACY_SECONDS", 0)


@pytest.fixture
def mixed(make_workspace) -> Workspace:
    workspace = make_workspace(MIXED)
    (workspace.root / "deals" / "Stray.md").write_text("not a deal", encoding="utf-8")
    return workspace


@pytest.fixture
def sample(tmp_path) -> Workspace:
    root = tmp_path / "sample"
    shutil.copytree(REPO / "deals", root / "deals")
    shutil.copy(REPO / "pipelines.yaml", root / "pipelines.yaml")
    return Workspace(root)


def checked(run, workspace) -> tuple[int, str, str]:
    result = run(workspace, "check")
    return result.exit_code, result.stdout, result.stderr


def no_file_read(monkeypatch):
    """From now on, reading a deal file for check fails the test: a warm check reads none."""
    def refuse(self, deal_id):
        raise AssertionError(f"{deal_id} was read again")

    monkeypatch.setattr(Workspace, "read_document", refuse)


def cache_file(workspace) -> object:
    return workspace.root / ".pipe" / "cache" / "problems"


@pytest.mark.parametrize("name", ["sample", "mixed"])
def test_a_warm_check_says_exactly_what_a_cold_one_says_without_reading_a_deal(name, request, run, monkeypatch):
    workspace = request.getfixturevalue(name)
    cold = checked(run, workspace)
    assert cache_file(workspace).is_file()
    if name == "mixed":
        assert cold[0] == 1 and "error" in cold[1] and "warning" in cold[1] and "likely the same deal" in cold[1]
    with monkeypatch.context() as patch:
        no_file_read(patch)
        assert checked(run, workspace) == cold
    cache_file(workspace).unlink()
    assert checked(run, workspace) == cold  # and what a check without any cache says


def test_a_changed_file_is_checked_again(mixed, run, monkeypatch):
    checked(run, mixed)
    mixed.deal_path("fine").write_text(simple_deal("fine", owner="nobody-here"), encoding="utf-8")
    assert "deals/fine.md:8: error: unknown owner 'nobody-here'" in checked(run, mixed)[1]
    mixed.deal_path("bad-type").write_text(simple_deal("bad-type"), encoding="utf-8")
    assert "bad-type.md" not in checked(run, mixed)[1]
    mixed.deal_path("future").unlink()
    assert "future.md" not in checked(run, mixed)[1]


def test_a_changed_pipelines_yaml_is_seen(mixed, run):
    before = checked(run, mixed)[1]
    assert "unknown-source.md:10: warning: unknown source" in before
    config = mixed.root / "pipelines.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("sources: [inbound, referral]",
                                                                 "sources: [inbound, referral, tv]"), encoding="utf-8")
    assert "unknown-source.md" not in checked(run, mixed)[1]


def test_another_today_is_seen(mixed, run, monkeypatch):
    assert "future.md:9: error: created 2026-12-01 is in the future" in checked(run, mixed)[1]
    monkeypatch.setenv("PIPE_TODAY", "2026-12-02")
    assert "future.md" not in checked(run, mixed)[1]


def damaged(good: bytes) -> list[bytes]:
    """Ways a problems cache can be wrong: each must be ignored."""
    header, checksum, body = good.split(b"\n", 2)

    def signed(data) -> bytes:  # a well-made file holding what a plant put there
        raw = json.dumps(data).encode()
        return header + b"\n" + hashlib.sha256(raw).hexdigest().encode() + b"\n" + raw

    stored = json.loads(body)
    hushed = {name: [entry[0], []] + entry[2:] for name, entry in stored["files"].items()}
    return [
        good[: len(good) // 2],  # cut short
        good.replace(b"unknown stage", b"unknown stagE"),  # a changed byte: the checksum tells
        b"",
        b"garbage\n\n\x00",
        signed({**stored, "context": "0" * 64}),  # another config or day
        signed({**stored, "files": {name: entry[:2] for name, entry in stored["files"].items()}}),  # wrong shape
        signed({**stored, "files": {name: [entry[0], [[1, "fatal", "x"]]] + entry[2:]
                                    for name, entry in stored["files"].items()}}),  # no such severity
        signed({"contexts": stored["context"], "files": hushed}),  # no context
    ]


def test_a_damaged_or_planted_cache_is_ignored(mixed, run):
    cold = checked(run, mixed)
    good = cache_file(mixed).read_bytes()
    for bad in damaged(good):
        cache_file(mixed).write_bytes(bad)
        assert checked(run, mixed) == cold, bad[:80]
        assert cache_file(mixed).read_bytes() != bad  # rebuilt


def test_a_cache_that_cannot_be_written_costs_only_the_shortcut(mixed, run):
    cold = checked(run, mixed)
    shutil.rmtree(mixed.root / ".pipe")
    (mixed.root / ".pipe").write_text("a file where the folder should be", encoding="utf-8")
    assert checked(run, mixed) == cold


def test_another_yaml_reader_words_a_file_that_does_not_parse_its_own_way(mixed, run, monkeypatch):
    """What a file that does not parse is reported as comes from PyYAML (libyaml and PyYAML's own reader
    word it differently, and versions change the words): a warm check after an upgrade says what a cold one says."""
    import yaml

    from pipecli.core.fileformat import yamlio

    mixed.deal_path("bad-yaml").write_text("---\nid: bad-yaml\ntitle: [\n---\n", encoding="utf-8")
    before = checked(run, mixed)
    assert "deals/bad-yaml.md:4: error: " in before[1]
    real = yamlio.error_message
    monkeypatch.setattr(yaml, "__version__", yaml.__version__ + ".1")  # an upgrade...
    monkeypatch.setattr(yamlio, "error_message", lambda error: "reworded: " + real(error))  # ...with new words
    after = checked(run, mixed)
    cache_file(mixed).unlink()
    assert after == checked(run, mixed) != before
    assert "deals/bad-yaml.md:4: error: reworded: " in after[1]


def test_a_planted_cache_with_text_where_lists_belong_is_ignored(mixed, run):
    """Text unpacks like a list (three characters make a problem, none makes no problems): still the wrong shape."""
    cold = checked(run, mixed)
    header, _, body = cache_file(mixed).read_bytes().split(b"\n", 2)
    stored = json.loads(body)
    some = next(name for name, entry in stored["files"].items() if entry[4] is not None)
    plants = [
        {name: [entry[0], ""] + entry[2:] for name, entry in stored["files"].items()},  # no problems, anywhere
        {name: [entry[0], ["abc" for _ in entry[1]]] + entry[2:]  # each problem as three letters
         for name, entry in stored["files"].items()},
        {**stored["files"], some: stored["files"][some][:4] + ["xyz"]},  # a deal in play as three letters
        {**stored["files"], some: stored["files"][some][:4] + [stored["files"][some][4][:2] + ["fine"]]},
    ]
    for files in plants:
        raw = json.dumps({**stored, "files": files}).encode()
        cache_file(mixed).write_bytes(header + b"\n" + hashlib.sha256(raw).hexdigest().encode() + b"\n" + raw)
        assert checked(run, mixed) == cold, files


def test_a_check_after_pipes_code_changed_says_what_the_new_code_says(mixed, run, monkeypatch, tmp_path):
    """pipe's version stays the same from one checkout of it to the next, while its checks and their words
    change: the cache is kept under its code's files too (their sizes and times, as git tells a change)."""
    from pipecli.core.store import check, problemcache

    code = tmp_path / "core"
    (code / "model").mkdir(parents=True)
    (code / "model" / "validate.py").write_text("RULES = 1\n", encoding="utf-8")
    monkeypatch.setattr(problemcache, "CODE_FOLDER", str(code))
    before = checked(run, mixed)
    assert "deals/wrong-stage.md:5: error: unknown stage 'nowhere'" in before[1]
    real = check.meaning_problems
    monkeypatch.setattr(check, "meaning_problems", lambda *args: [  # the new code words a problem its own way
        dataclasses.replace(p, message=p.message.replace("unknown stage", "no stage")) for p in real(*args)])
    (code / "model" / "validate.py").write_text("RULES = 22\n", encoding="utf-8")  # as a git pull changes it
    after = checked(run, mixed)
    assert "deals/wrong-stage.md:5: error: no stage 'nowhere'" in after[1]
    cache_file(mixed).unlink()
    assert checked(run, mixed) == after != before
