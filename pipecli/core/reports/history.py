"""Stage history as reports read it: a deal's stage on a day, how far it got; shared period helpers."""

from __future__ import annotations

import datetime as dt

from pipecli.core.model.config import Config, Pipeline
from pipecli.core.model.deal import Deal
from pipecli.core.model.periods import Period
from pipecli.core.model.queries import Facts


def kind_of(config: Config, pipeline_id: str, stage_id: str) -> str | None:
    """The kind of a stage by id: in the given pipeline, else in any pipeline that has it."""
    pipeline = config.pipeline(pipeline_id)
    stage = pipeline.stage(stage_id) if pipeline else None
    if stage is None:
        stage = next((p.stage(stage_id) for p in config.pipelines if p.stage(stage_id)), None)
    return stage.kind if stage else None


def history_of(deal: Deal) -> list[dict]:
    """The deal's stage history; a deal without one entered its stage when it was created."""
    if deal.history:
        return deal.history
    return [{"stage": deal.stage, "date": deal.created}] if deal.created else []


def stage_on(deal: Deal, day: dt.date) -> str | None:
    """The stage the deal was in at the end of day; None before it existed.

    From its last history entry on (and with no dated history at all), that is its `stage`,
    which is what the file says now even where the history was not kept up by hand.
    """
    entries = history_of(deal)
    born = deal.created or (entries[0]["date"] if entries else None)
    if born is not None and born > day:
        return None
    if not entries or entries[-1]["date"] <= day:
        return deal.stage
    stage = entries[0].get("stage")
    for entry in entries:
        if entry["date"] > day:
            break
        stage = entry.get("stage")
    return stage


def kind_on(deal: Deal, config: Config, day: dt.date) -> str | None:
    """The kind of stage (open, won, lost, parked) the deal was in at the end of day; None before it existed."""
    stage = stage_on(deal, day)
    return kind_of(config, deal.pipeline, stage) if stage is not None else None


def current_segment(deal: Deal) -> list[dict]:
    """The history entries since the deal came into its current pipeline (all, if it never moved)."""
    entries = history_of(deal)
    start = 0
    for i, entry in enumerate(entries):
        if entry.get("pipeline"):
            start = i
    return list(entries[start:])


def period_end(period: Period, today: dt.date) -> dt.date:
    """The day 'at the end of the period' means: its last day, or today while it is running."""
    return min(period.end, today)


def closed_in(chosen: list[Facts], period: Period, kind: str) -> list[Facts]:
    """The deals won (kind 'won') or lost ('lost') in the period, by their closed date."""
    return [f for f in chosen if f.kind == kind and f.deal.closed in period]


def open_on(chosen: list[Facts], config: Config, day: dt.date) -> list[Facts]:
    """The deals that were open at the end of day, by their stage then, at today's values."""
    return [f for f, _ in open_stages_on(chosen, config, day)]


def open_stages_on(chosen: list[Facts], config: Config, day: dt.date) -> list[tuple[Facts, str]]:
    """(facts, the stage it was in) of each deal open at the end of day, as open_on.

    A stage's kind is looked up once per pipeline and stage, not once per deal: a report on
    10,000 deals asks it for every one of them.
    """
    kinds: dict[tuple[str, str], str | None] = {}
    found = []
    for f in chosen:
        deal = f.deal
        stage = stage_on(deal, day)
        if stage is None:
            continue
        where = (deal.pipeline, stage)
        kind = kinds.get(where, "")
        if kind == "":
            kind = kinds[where] = kind_of(config, deal.pipeline, stage)
        if kind == "open":
            found.append((f, stage))
    return found


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
