"""The calibration report: per stage, the configured win probability beside what actually happened."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pipecli.core.model.config import Config
from pipecli.core.model.periods import Period
from pipecli.core.model.queries import Facts
from pipecli.core.reports import Column, Figure, Report, Table, share
from pipecli.core.reports.history import closed_in, progress_ladder, reached


def stage_record(closed: list[Facts], pipeline) -> dict[str, tuple[int, int]]:
    """For each open stage of the pipeline: (closed deals that reached it, of them won)."""
    mine = [f for f in closed if f.deal.pipeline == pipeline.id]
    reach = [(f, reached(f.deal, pipeline)) for f in mine]
    record = {}
    for stage_id in progress_ladder(pipeline)[:-1]:  # the won stage is 100% by definition
        passed = [f for f, got in reach if stage_id in got]
        record[stage_id] = (len(passed), sum(1 for f in passed if f.kind == "won"))
    return record


def calibration_report(chosen: list[Facts], config: Config, period: Period, today: dt.date) -> Report:
    closed = closed_in(chosen, period, "won") + closed_in(chosen, period, "lost")
    report = Report("calibration", "Calibration", period)
    report.figures.append(Figure("closed_deals", "Deals closed in the period", len(closed)))
    for pipeline in config.pipelines:
        rows = []
        for stage_id, (passed, won) in stage_record(closed, pipeline).items():
            actual = share(won, passed)
            configured = Decimal(str(pipeline.stage(stage_id).probability))
            rows.append({"stage": stage_id, "configured": configured, "closed": passed,
                         "won": won, "actual": actual,
                         "difference": actual - configured if actual is not None else None})
        report.tables.append(Table(
            f"calibration_{pipeline.id}", f"{pipeline.name}: configured probability and what happened",
            [Column("stage", "Stage"), Column("configured", "Configured", "percent"),
             Column("closed", "Closed deals that reached it", "count"), Column("won", "Of them won", "count"),
             Column("actual", "Actual", "percent"), Column("difference", "Actual - configured (points)", "number")], rows,
            note="closed deals of the period; a deal that skipped a stage counts as having reached it"))
    return report
