"""What a deal's stage history says: its stage on a given day, and how far it got in its pipeline."""

from __future__ import annotations

import datetime as dt

from pipecli.core.config import Config, Pipeline
from pipecli.core.deal import Deal


def kind_of(config: Config, pipeline_id: str, stage_id: str) -> str | None:
    """The kind of a stage by id: in the given pipeline, else in any pipeline that has it."""
    pipeline = config.pipeline(pipeline_id)
    stage = pipeline.stage(stage_id) if pipeline else None
    if stage is None:
        stage = next((p.stage(stage_id) for p in config.pipelines if p.stage(stage_id)), None)
    return stage.kind if stage else None


def stage_on(deal: Deal, day: dt.date) -> str | None:
    """The stage the deal was in at the end of day, from its history; None before it existed."""
    if deal.created is None or deal.created > day:
        return None
    stage = None
    for entry in deal.history:
        if entry["date"] > day:
            break
        stage = entry.get("stage")
    if stage is None:  # no history up to then: it was where its first entry put it, or where it is
        stage = deal.history[0].get("stage") if deal.history else deal.stage
    return stage


def kind_on(deal: Deal, config: Config, day: dt.date) -> str | None:
    """The kind of stage (open, won, lost, parked) the deal was in at the end of day; None before it existed."""
    stage = stage_on(deal, day)
    return kind_of(config, deal.pipeline, stage) if stage is not None else None


def current_segment(deal: Deal) -> list[dict]:
    """The history entries since the deal came into its current pipeline (all, if it never moved)."""
    start = 0
    for i, entry in enumerate(deal.history):
        if entry.get("pipeline"):
            start = i
    return list(deal.history[start:])


def progress_ladder(pipeline: Pipeline) -> list[str]:
    """The stages a deal progresses through: the open ones in order, then the first won stage."""
    ladder = [s.id for s in pipeline.stages if s.kind == "open"]
    won = pipeline.first_of_kind("won")
    return ladder + ([won.id] if won else [])


def reached(deal: Deal, pipeline: Pipeline) -> dict[str, dt.date]:
    """For each ladder stage the deal reached, the day it first got there or beyond.

    A deal that skipped a stage passed it on the day it reached a later one; moving back does
    not undo having reached a stage.
    """
    ladder = progress_ladder(pipeline)
    rank = {stage: i for i, stage in enumerate(ladder)}
    result: dict[str, dt.date] = {}
    for entry in current_segment(deal):
        position = rank.get(entry.get("stage"))
        if position is None:
            continue
        for stage in ladder[: position + 1]:
            result.setdefault(stage, entry["date"])
    return result


def stints(deal: Deal, today: dt.date) -> list[tuple[str, dt.date, dt.date, bool]]:
    """(stage, entered, left, finished) for each stay in a stage of the current pipeline; the
    current stay ends today and is not finished."""
    entries = current_segment(deal)
    result = []
    for i, entry in enumerate(entries):
        if i + 1 < len(entries):
            result.append((entry.get("stage"), entry["date"], entries[i + 1]["date"], True))
        else:
            result.append((entry.get("stage"), entry["date"], today, False))
    return result
