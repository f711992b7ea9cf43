"""The calibration report: per stage, the configured win probability beside what actually happened."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pipecli.core.model.config import Config
from pipecli.core.model.periods import Period
from pipecli.core.model.queries import Facts
from pipecli.core.reports import Column, Figure, Report, Table, share
from pipecli.core.reports.history import closed_in, progress_ladder, reached


def calibration_report(chosen: list[Facts], config: Config, period: Period, today: dt.date) -> Report:
    closed = closed_in(chosen, period, "won") + closed_in(chosen, period, "lost")
    report = Report("calibration", "Calibration", period)
    report.figures.append(Figure("closed_deals", "Deals closed in the period", len(closed)))
    for pipeline in config.pipelines:
        mine = [f for f in closed if f.deal.pipeline == pipeline.id]
        rows = []
        for stage_id in progress_ladder(pipeline)[:-1]:  # the won stage is 100% by definition
            stage = pipeline.stage(stage_id)
            passed = [f for f in mine if stage_id in reached(f.deal, pipeline)]
            won = [f for f in passed if f.kind == "won"]
            actual = share(len(won), len(passed))
            configured = Decimal(str(stage.probability))
            rows.append({"stage": stage_id, "configured": configured, "closed": len(passed),
                         "won": len(won), "actual": actual,
                         "difference": actual - configured if actual is not None else None})
        report.tables.append(Table(
            f"calibration_{pipeline.id}", f"{pipeline.name}: configured probability and what happened",
            [Column("stage", "Stage"), Column("configured", "Configured", "percent"),
             Column("closed", "Closed deals that reached it", "count"), Column("won", "Of them won", "count"),
             Column("actual", "Actual", "percent"), Column("difference", "Actual - configured (points)", "number")], rows,
            note="closed deals of the period; a deal that skipped a stage counts as having reached it"))
    return report
