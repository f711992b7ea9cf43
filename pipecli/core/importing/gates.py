"""Imported deals that land in a gated stage without what its gate requires: counted per stage.

An import does not refuse them (the source had them there; refusing would lose the row), but `pipe
check` warns about each, so the import says so once per stage rather than leave it to be found.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipecli.core.model.config import Config
from pipecli.core.model.deal import Deal
from pipecli.core.model.validate import gate_missing


@dataclass
class Shortfall:
    """The deals of one gated stage that lack some of what it requires."""

    pipeline: str
    stage: str
    deals: int
    missing: list[str]  # every field one of them lacks, in the gate's order
    requires: tuple[str, ...]  # the gate as pipelines.yaml gives it: lacking any of these is not meeting it
    shared: bool  # another pipeline has a stage of this id, so a listing names the pipeline


def short_of_gates(deals: list[Deal], config: Config) -> list[Shortfall]:
    """Per gated stage (in pipeline and stage order), the deals of `deals` there that do not meet its gate."""
    found: dict[tuple[str, str], Shortfall] = {}
    for deal in deals:
        pipeline = config.pipeline(deal.pipeline)
        stage = pipeline.stage(deal.stage) if pipeline else None
        missing = gate_missing(deal, stage) if stage is not None else []
        if not missing:
            continue
        shared = sum(1 for p in config.pipelines if p.stage(stage.id)) > 1
        entry = found.setdefault((pipeline.id, stage.id), Shortfall(pipeline.id, stage.id, 0, [], stage.requires, shared))
        entry.deals += 1
        entry.missing += [name for name in missing if name not in entry.missing]
    for entry in found.values():
        order = gate_missing(Deal({}, ""), config.pipeline(entry.pipeline).stage(entry.stage))  # all of it
        entry.missing.sort(key=order.index)
    return sorted(found.values(), key=lambda e: (config.pipelines.index(config.pipeline(e.pipeline)),
                                                 config.pipeline(e.pipeline).index(e.stage)))
