"""The funnel report: per pipeline, how many deals reached each stage in the period, and how many went on."""

from __future__ import annotations

import datetime as dt

from pipecli.core.config import Config
from pipecli.core.periods import Period
from pipecli.core.queries import Facts
from pipecli.core.reports import Chart, Column, Figure, Report, Table, median, share
from pipecli.core.reports.history import progress_ladder, reached, stints


def funnel_report(chosen: list[Facts], config: Config, period: Period, today: dt.date) -> Report:
    report = Report("funnel", "Funnel", period)
    for pipeline in config.pipelines:
        deals = [f.deal for f in chosen if f.deal.pipeline == pipeline.id]
        ladder = progress_ladder(pipeline)
        reached_in_period = {stage: 0 for stage in ladder}
        for deal in deals:
            for stage, day in reached(deal, pipeline).items():
                if day in period:
                    reached_in_period[stage] += 1
        days_in: dict[str, list[int]] = {stage: [] for stage in ladder}
        for deal in deals:
            for stage, entered, left, finished in stints(deal, today):
                if finished and stage in days_in and left in period:
                    days_in[stage].append((left - entered).days)
        won_stage = ladder[-1] if pipeline.first_of_kind("won") else None
        rows = []
        for i, stage in enumerate(ladder):
            count = reached_in_period[stage]
            following = reached_in_period[ladder[i + 1]] if i + 1 < len(ladder) else None
            won = reached_in_period[won_stage] if won_stage else 0
            rows.append({
                "stage": stage, "reached": count,
                "to_next": share(following, count) if following is not None else None,
                "to_won": share(won, count) if stage != won_stage else None,
                "median_days": median(days_in[stage]) if stage != won_stage else None,
            })
        key = f"funnel_{pipeline.id}"
        report.tables.append(Table(
            key, f"{pipeline.name}: deals that reached each stage in {period.label}",
            [Column("stage", "Stage"), Column("reached", "Reached", "count"),
             Column("to_next", "To next stage", "percent"), Column("to_won", "To won", "percent"),
             Column("median_days", "Median days in stage", "days")], rows,
            note="a deal that skipped a stage counts as having passed it"))
        report.charts.append(Chart(key, f"{pipeline.name} funnel", key, "stage", ["reached"], kind="funnel"))
        first = rows[0]["reached"] if rows else 0
        report.figures.append(Figure(f"{pipeline.id}_entered", f"{pipeline.name}: deals entering", first))
        if won_stage:
            report.figures.append(Figure(f"{pipeline.id}_won", f"{pipeline.name}: deals won", reached_in_period[won_stage]))
            report.figures.append(Figure(f"{pipeline.id}_conversion", f"{pipeline.name}: first stage to won",
                                         share(reached_in_period[won_stage], first), "percent"))
    return report
