"""pipe export, then pipe import --preset pipe: the same deals, byte for byte."""

import shutil
from pathlib import Path

import pytest

from pipecli.core.fileformat import yamlio
from tests.conftest import simple_deal

ROOT = Path(__file__).resolve().parent.parent


def empty_copy(make_workspace, name, source):
    workspace = make_workspace(name=name)
    shutil.copy(source.root / "pipelines.yaml", workspace.root / "pipelines.yaml")
    return workspace


def files(workspace):
    return {p.name: p.read_bytes() for p in sorted(workspace.deals_dir.glob("*.md"))}


@pytest.mark.parametrize("suffix", ["json", "jsonl", "csv", "xlsx"])
def test_the_sample_goes_out_and_comes_back_byte_for_byte(make_workspace, run, tmp_path, suffix):
    from pipecli.core.store.workspace import Workspace

    sample = Workspace(ROOT)
    exported = tmp_path / f"deals.{suffix}"
    assert run(sample, "export", "-o", str(exported)).exit_code == 0
    target = empty_copy(make_workspace, "target", sample)
    result = run(target, "import", str(exported), "--preset", "pipe")
    assert result.stdout == "imported: 49 created, 0 updated, 0 skipped\n", result.stderr
    assert files(target) == files(sample)
    again = run(target, "import", str(exported), "--preset", "pipe")
    assert again.stdout == "imported: 0 created, 0 updated, 49 skipped\n"


HOSTILE = ["=HYPERLINK(\"http://x\")", "+1+1", "-5% discount", "@SUM(A1)", "'=already quoted", "plain"]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_formula_like_text_comes_back_as_it_was(make_workspace, run, tmp_path, suffix):
    def scalar(text):  # the text as YAML writes it, quoted where it must be
        return yamlio.dump({"k": text}).split(": ", 1)[1].strip()

    deals = {f"d{i}": simple_deal(f"d{i}", title=scalar(text), account=scalar(text)) for i, text in enumerate(HOSTILE)}
    source = make_workspace(deals, name="source")
    exported = tmp_path / f"deals.{suffix}"
    assert run(source, "export", "-o", str(exported)).exit_code == 0
    target = empty_copy(make_workspace, "target", source)
    assert run(target, "import", str(exported), "--preset", "pipe").exit_code == 0
    for deal_id in deals:
        assert target.load(deal_id).data == source.load(deal_id).data


def test_update_replaces_changed_deals_and_skips_the_rest(make_workspace, run, tmp_path):
    source = make_workspace({"a": simple_deal("a"), "b": simple_deal("b")}, name="source")
    exported = tmp_path / "deals.json"
    run(source, "export", "-o", str(exported))
    target = empty_copy(make_workspace, "target", source)
    run(target, "import", str(exported), "--preset", "pipe")
    run(source, "set", "a", "value=5000")
    run(source, "export", "-o", str(exported))
    result = run(target, "import", str(exported), "--preset", "pipe", "--update")
    assert result.stdout == "imported: 0 created, 1 updated, 1 skipped\n"
    assert target.load("a").value == 5000


def test_an_invalid_deal_in_the_export_imports_nothing(make_workspace, run, tmp_path):
    exported = tmp_path / "deals.json"
    exported.write_text('[{"id": "a", "title": "A", "pipeline": "sales", "stage": "lead", "created": "2026-11-01",'
                        ' "owner": "zed", "notes": ""}]')
    target = make_workspace(name="target")
    result = run(target, "import", str(exported), "--preset", "pipe")
    assert result.exit_code == 1 and "unknown owner 'zed'" in result.stderr and "nothing imported" in result.stderr
    assert target.deal_ids() == []


@pytest.mark.parametrize("content, words", [
    ("not json", ["not JSON"]),
    ('{"id": "a"}', ["not a pipe export"]),
])
def test_a_file_that_is_no_export_is_one_line(make_workspace, run, tmp_path, content, words):
    exported = tmp_path / "deals.json"
    exported.write_text(content)
    result = run(make_workspace(), "import", str(exported), "--preset", "pipe")
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1
    assert all(w in result.stderr for w in words)


@pytest.mark.parametrize("content, words", [
    ('[{"id": "Bad ID", "title": "A", "pipeline": "sales", "stage": "lead", "created": "2026-11-01"}]',
     ["'Bad ID' is not a deal id", "nothing imported"]),
    ('[{"id": "zzz", "title": "A", "pipeline": "sales", "stage": "lead", "created": "2026-11-01"},'
     ' {"id": "zzz", "title": "B", "pipeline": "sales", "stage": "lead", "created": "2026-11-01"}]',
     ["zzz is in the file twice"]),
    ('[{"id": "a", "title": "A", "pipeline": "sales", "stage": "lead", "created": "01/02/2026"}]',
     ["deal a: created must be a date"]),
    ('{"id": "a"}\n{"id": "b"\n', ["deals.jsonl:2: not JSON"]),
])
def test_a_bad_export_writes_nothing_and_says_where(make_workspace, run, tmp_path, content, words):
    exported = tmp_path / ("deals.jsonl" if content.startswith("{") else "deals.json")
    exported.write_text(content)
    target = make_workspace(name="target")
    result = run(target, "import", str(exported), "--preset", "pipe")
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1, result.stderr
    assert all(w in result.stderr for w in words), result.stderr
    assert target.deal_ids() == []


def test_options_that_do_not_apply_to_preset_pipe_are_refused(make_workspace, run, tmp_path):
    exported = tmp_path / "deals.json"
    exported.write_text("[]")
    result = run(make_workspace(), "import", str(exported), "--preset", "pipe", "--map", "a=title")
    assert result.exit_code == 1 and "--map does not apply" in result.stderr
