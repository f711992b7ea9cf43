"""The movement report: what moved in the period, against the period before."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pipecli.core.model.config import Config
from pipecli.core.model.periods import Period
from pipecli.core.model.queries import Facts
from pipecli.core.reports import Column, Figure, Report, Table
from pipecli.core.reports.history import closed_in, current_segment, open_on, period_end, progress_ladder


def moves(f: Facts, config: Config, period: Period) -> tuple[int, int]:
    """(forward, back) stage moves of the deal in the period, along its pipeline's open stages and won."""
    pipeline = config.pipeline(f.deal.pipeline)
    if pipeline is None:
        return 0, 0
    rank = {stage: i for i, stage in enumerate(progress_ladder(pipeline))}
    forward = back = 0
    previous = None
    for entry in current_segment(f.deal):
        position = rank.get(entry.get("stage"))
        if position is None:  # lost or parked: not a step along the ladder
            continue
        if previous is not None and entry["date"] in period:
            forward += position > previous
            back += position < previous
        previous = position
    return forward, back


def movement_report(chosen: list[Facts], config: Config, period: Period, today: dt.date) -> Report:
    forward = back = 0  # deals, not moves: a deal that moved forward twice counts once
    rows = []
    for f in chosen:
        ahead, behind = moves(f, config, period)
        forward += ahead > 0
        back += behind > 0
        if ahead or behind:
            rows.append({"deal": f.deal.id, "stage": f.deal.stage, "forward": ahead, "back": behind})
    start_value = sum((f.base_value for f in open_on(chosen, config, period.start - dt.timedelta(days=1))),
                      Decimal(0)) if period.start > dt.date.min else Decimal(0)
    end_value = sum((f.base_value for f in open_on(chosen, config, period_end(period, today))), Decimal(0))
    figures = [
        Figure("added", "Deals added", sum(1 for f in chosen if f.deal.created in period)),
        Figure("moved_forward", "Deals moved forward", forward),
        Figure("moved_back", "Deals moved back", back),
        Figure("won", "Deals won", len(closed_in(chosen, period, "won"))),
        Figure("lost", "Deals lost", len(closed_in(chosen, period, "lost"))),
        Figure("pipeline_change", "Change in open pipeline value", end_value - start_value, "money"),
    ]
    tables = [Table("moves", "Deals that moved, and how many moves", [Column("deal", "Deal"), Column("stage", "Stage now"),
                                                  Column("forward", "Forward", "count"), Column("back", "Back", "count")],
                    sorted(rows, key=lambda r: r["deal"]))]
    return Report("movement", "Movement", period, figures, tables)
