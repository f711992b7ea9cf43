"""The repository root is a sample workspace: it must stay valid, believable and round-trip exactly."""

import subprocess
import sys
from pathlib import Path

import pytest

from pipecli.core.fileformat import dealfile
from pipecli.core.model.dates import today
from pipecli.core.model.queries import facts
from pipecli.core.store.check import check_workspace
from pipecli.core.store.workspace import Workspace

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = Workspace(ROOT)
SAMPLE_IDS = SAMPLE.deal_ids()


@pytest.mark.parametrize("deal_id", SAMPLE_IDS)
def test_every_sample_deal_round_trips_byte_for_byte(deal_id):
    raw = SAMPLE.deal_path(deal_id).read_bytes()
    deal = SAMPLE.load(deal_id)
    assert dealfile.render(dict(deal.data), deal.body, deal.document).encode("utf-8") == raw
    # ...and a full canonical rewrite, with no help from the original text, reads back the same.
    rewritten = dealfile.parse(dealfile.render(deal.data, deal.body), "x")
    assert dealfile.same(rewritten.data, deal.data) and rewritten.body == deal.body


def test_the_generator_writes_the_committed_sample_byte_for_byte(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "tools" / "make_sample.py"), str(tmp_path)], check=True,
                   capture_output=True)
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == sorted(["pipelines.yaml"] + [f"deals/{deal_id}.md" for deal_id in SAMPLE_IDS])
    for name in written:
        assert (tmp_path / name).read_bytes() == (ROOT / name).read_bytes(), name


def test_the_sample_workspace_has_no_errors():
    problems = check_workspace(SAMPLE, today(), [])
    assert [p for p in problems if p.severity == "error"] == []


def test_the_sample_is_a_believable_pipeline():
    deals = SAMPLE.deals()
    config = SAMPLE.config
    assert len(deals) >= 40 and len(config.pipelines) >= 2 and len(config.team) >= 3
    by_kind = {}
    for f in (facts(d, config, today()) for d in deals):
        by_kind.setdefault(f.kind, []).append(f)
    assert {"open", "won", "lost", "parked"} <= set(by_kind)
    assert all(d.lost_reason for d in (f.deal for f in by_kind["lost"]))
    assert len(by_kind["parked"]) >= 2
    assert sum(f.rotting for f in by_kind["open"]) >= 2
    assert sum(f.missing_next_step for f in by_kind["open"]) >= 2
    assert {d.pipeline for d in deals} == {p.id for p in config.pipelines}
    assert len({d.owner for d in deals}) >= 3
    history_dates = [h["date"] for d in deals for h in d.history]
    assert (max(history_dates) - min(history_dates)).days >= 330
    assert any(d.activities for d in deals) and any(d.open_tasks for d in deals)


def _changed_lines(before: str, after: str) -> list[str]:
    import difflib

    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


@pytest.mark.parametrize("deal_id", SAMPLE_IDS)
def test_changing_a_sample_deal_changes_only_the_lines_of_what_changed(deal_id, tmp_path):
    import shutil

    from pipecli.core.workflow import lifecycle

    root = tmp_path / "ws"
    shutil.copytree(ROOT / "deals", root / "deals")
    shutil.copy(ROOT / "pipelines.yaml", root)
    workspace = Workspace(root)
    path = workspace.deal_path(deal_id)
    original = path.read_text(encoding="utf-8")

    deal = workspace.load(deal_id)
    old_value = deal.data.get("value")
    lifecycle.set_field(deal, workspace.config, "value=123456", today())
    workspace.save(deal)
    expected = ([f"-value: {old_value}"] if old_value is not None else []) + ["+value: 123456"]
    assert _changed_lines(original, path.read_text(encoding="utf-8")) == expected

    path.write_text(original, encoding="utf-8")
    deal = workspace.load(deal_id)
    pipeline = workspace.config.pipeline(deal.pipeline)
    target = next(s for s in pipeline.stages if s.is_open and s.id != deal.stage)
    lifecycle.move(deal, workspace.config, target.id, today(), "maya")
    workspace.save(deal)
    changed = _changed_lines(original, path.read_text(encoding="utf-8"))
    assert f"+stage: {target.id}" in changed
    assert all(line.startswith(("-stage:", "+stage:", "+- stage:", "+  date:", "+  by:", "-closed:", "-lost_reason:"))
               for line in changed), changed
