"""The funnel report: per pipeline, how many deals reached each stage in the period, and how many went on."""

from __future__ import annotations

import datetime as dt

from pipecli.core.model.config import Config
from pipecli.core.model.periods import Period
from pipecli.core.model.queries import Facts
from pipecli.core.reports import Chart, Column, Figure, Report, Table, median, share
from pipecli.core.reports.history import progress_ladder, reached, stints


def funnel_report(chosen: list[Facts], config: Config, period: Period, today: dt.date) -> Report:
    report = Report("funnel", "Funnel", period)
    for pipeline in config.pipelines:
        deals = [f.deal for f in chosen if f.deal.pipeline == pipeline.id]
        ladder = progress_ladder(pipeline)
        # Each stage's cohort: the deals that reached it in the period. Conversion follows that
        # cohort: how many of those same deals went on to the next stage, and to won (by today).
        cohorts: dict[str, list[dict]] = {stage: [] for stage in ladder}
        for deal in deals:
            got_to = reached(deal, pipeline)
            for stage, day in got_to.items():
                if day in period:
                    cohorts[stage].append(got_to)
        reached_in_period = {stage: len(cohort) for stage, cohort in cohorts.items()}
        days_in: dict[str, list[int]] = {stage: [] for stage in ladder}
        for deal in deals:
            for stage, entered, left, finished in stints(deal, today):
                if finished and stage in days_in and left in period:
                    days_in[stage].append((left - entered).days)
        won_stage = ladder[-1] if pipeline.first_of_kind("won") else None
        rows = []
        for i, stage in enumerate(ladder):
            cohort = cohorts[stage]
            following = sum(1 for got_to in cohort if ladder[i + 1] in got_to) if i + 1 < len(ladder) else None
            won = sum(1 for got_to in cohort if won_stage in got_to) if won_stage else 0
            rows.append({
                "stage": stage, "reached": len(cohort),
                "to_next": share(following, len(cohort)) if following is not None else None,
                "to_won": share(won, len(cohort)) if stage != won_stage else None,
                "median_days": median(days_in[stage]) if stage != won_stage else None,
            })
        key = f"funnel_{pipeline.id}"
        report.tables.append(Table(
            key, f"{pipeline.name}: deals that reached each stage in {period.label}, and where they went",
            [Column("stage", "Stage"), Column("reached", "Reached", "count"),
             Column("to_next", "To next stage", "percent"), Column("to_won", "To won", "percent"),
             Column("median_days", "Median days in stage", "days")], rows,
            note="to next and to won: of the deals that reached the stage in the period, the share that went on (by today); "
                 "a deal that skipped a stage counts as having passed it"))
        report.charts.append(Chart(key, f"{pipeline.name} funnel", key, "stage", ["reached"], kind="funnel"))
        first = rows[0]["reached"] if rows else 0
        report.figures.append(Figure(f"{pipeline.id}_entered", f"{pipeline.name}: deals entering", first))
        if won_stage:
            report.figures.append(Figure(f"{pipeline.id}_won", f"{pipeline.name}: deals won", reached_in_period[won_stage]))
            report.figures.append(Figure(f"{pipeline.id}_conversion", f"{pipeline.name}: entering deals won by now",
                                         rows[0]["to_won"] if rows else None, "percent"))
    return report
