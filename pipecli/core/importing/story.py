"""A deal's story from the source: the stages a row says it entered on which dates, and a created
date moved back to a close date before it (records loaded into the source after they closed).

`history: {contacted: engage_date}` in a rules file maps a stage of the workspace to a date column
of the row; the deal's history then holds those stages at those dates, in order, before its final
stage. Without them a lost deal read as lead -> lost, and every report that reads the history
(calibration, the pipeline by stage on a past day) missed the stages it passed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from pipecli.core.errors import InvalidValue, PipeError
from pipecli.core.model.config import Pipeline
from pipecli.core.workflow.lifecycle import history_entry


def parse_stage_dates(raw: dict, shown: str) -> dict[str, str]:
    """`history:` as stage -> date column (or '{column}' template); raises InvalidValue naming the entry."""
    dates = {}
    for stage, column in raw.items():
        if not isinstance(column, str) or not column.strip():
            raise InvalidValue(f"{shown}: history.{stage} must be the date column the deal entered {stage} on "
                               "(or give history a file: file, on, key, stage, date)")
        dates[str(stage)] = column
    return dates


def stage_steps(stage_dates: dict[str, str], pipeline: Pipeline, date_of: Callable[[str], dt.date | None]
                ) -> list[tuple[dt.date, str]]:
    """(date, stage id) for each stage of stage_dates whose column has a date in the row; date_of(column)
    reads one. A stage the pipeline lacks, or a won or lost one, is an error: the rules name stages of the
    workspace a deal passes before it closes."""
    steps = []
    for name, column in stage_dates.items():
        try:
            stage = pipeline.find_stage(name)
        except PipeError as error:  # unknown or ambiguous, with the stages to choose from
            raise InvalidValue(f"history: {error}") from None
        if stage.is_closed:  # else a lost row's story read lead -> won -> lost, and pipe check let it be
            raise InvalidValue(f"history: {stage.id} is a {stage.kind} stage: the row's own stage and close date "
                               "(closed:) say when a deal was won or lost; history: names the stages before")
        day = date_of(column)
        if day is not None:
            steps.append((day, stage.id))
    return steps


def story(steps: list[tuple[dt.date, str]], final: str, pipeline: Pipeline, created: dt.date,
          closed: dt.date | None) -> list[dict]:
    """The history entries: steps in date order (same day: pipeline order), each kept between created
    and closed, then the final stage (on closed, else the last step's day).

    The deal starts in the pipeline's first open stage on created unless a step is on that day: a
    deal engaged the day it was created never sat in lead, and a zero-day stay would skew the
    time-in-stage figures.
    """
    def kept(day: dt.date) -> dt.date:
        day = max(day, created)
        return min(day, closed) if closed is not None else day

    ordered = sorted(((kept(day), stage) for day, stage in steps), key=lambda s: (s[0], pipeline.index(s[1])))
    first = pipeline.first_of_kind("open")
    if first is not None and (not ordered or ordered[0][0] > created):
        ordered.insert(0, (created, first.id))
    ordered.append((closed if closed is not None else ordered[-1][0], final))
    entries: list[dict[str, Any]] = []
    for day, stage in ordered:
        if not entries or entries[-1]["stage"] != stage:
            entries.append(history_entry(stage, max(day, entries[-1]["date"]) if entries else day, None))
    return entries


def moves_since(history: list[dict], told: list[dict], stage: str) -> list[dict]:
    """The entries of told (the history a row tells) after history's last one, when they end in stage
    (the deal's new stage): what `--update` adds for a move, so the stages passed on the way are kept
    and none is repeated. Empty when told does not lead there: the move is then dated as before."""
    last = history[-1]
    moves: list[dict] = []
    for entry in told:
        if entry["date"] >= last["date"] and entry["stage"] != (moves[-1] if moves else last)["stage"]:
            moves.append(entry)
    return moves if moves and moves[-1]["stage"] == stage else []


def created_moved_back(created: dt.date, closed: dt.date | None, expected: dt.date | None,
                       is_closed: bool) -> tuple[dt.date, str | None]:
    """(created, why) under `move_created: true`: a won or lost deal closed before it was created is
    created on its close date ('closed'); an open one expected to close before it was created is
    created on that date ('open'), so it keeps the date and shows as overdue; else (created, None)."""
    if is_closed and closed is not None and closed < created:
        return closed, "closed"
    if not is_closed and expected is not None and expected < created:
        return expected, "open"
    return created, None
