"""A deal as it was known at the end of a past day, rebuilt from its own file: its stage history,
its close_changes and its created and closed dates. Its value and probability are as the file has
them now: the file keeps no history of them (git does: see gitsync.revisions)."""

from __future__ import annotations

import datetime as dt

from pipecli.core.model.config import Config
from pipecli.core.model.deal import Deal
from pipecli.core.reports.history import history_of, kind_of, stage_on


def close_date_then(deal: Deal, day: dt.date) -> dt.date | None:
    """The expected close as of day: the `from` of the first close change made after it, else today's."""
    later = sorted((c for c in deal.data.get("close_changes") or []
                    if isinstance(c, dict) and isinstance(c.get("date"), dt.date) and c["date"] > day),
                   key=lambda c: c["date"])
    return later[0].get("from") if later else deal.expected_close


def deal_then(deal: Deal, config: Config, day: dt.date) -> Deal | None:
    """A copy of the deal as it was at the end of day, or None when it did not exist yet."""
    if deal.created is not None and deal.created > day:
        return None
    stage = stage_on(deal, day)
    if stage is None:
        return None
    closed = deal.closed is not None and deal.closed <= day
    if kind_of(config, deal.pipeline, stage) in ("won", "lost") and not closed:
        # the history says closed but the closed date is later: open then, in its last open stage
        opens = [e.get("stage") for e in history_of(deal) if e["date"] <= day
                 and kind_of(config, deal.pipeline, e.get("stage")) == "open"]
        if not opens:
            return None
        stage = opens[-1]
    data = dict(deal.data)
    data["pipeline"] = pipeline_then(deal, config, day, stage)
    data["stage"] = stage
    data["history"] = [e for e in deal.history or [] if e["date"] <= day]
    data["close_changes"] = [c for c in deal.data.get("close_changes") or []
                             if isinstance(c, dict) and isinstance(c.get("date"), dt.date) and c["date"] <= day]
    data["expected_close"] = close_date_then(deal, day)
    if not closed:
        data.pop("closed", None)
    return Deal(data)


def pipeline_then(deal: Deal, config: Config, day: dt.date, stage: str) -> str:
    """The pipeline the deal was in at the end of day: a move made later (a history entry naming the
    pipeline it went to) undone. The first pipeline is written nowhere: it is one that has the stage
    the deal was in, other than the one it moved to."""
    entries = history_of(deal)
    moved = [e["pipeline"] for e in entries if e.get("pipeline") and e["date"] <= day]
    if moved:
        return moved[-1]
    later = next((e["pipeline"] for e in entries if e.get("pipeline") and e["date"] > day), None)
    if later is None:
        return deal.pipeline
    return next((p.id for p in config.pipelines if p.id != later and p.stage(stage)), deal.pipeline)


def after(deal: Deal, day: dt.date) -> bool:
    """Whether the file records anything after day: created, closed, a stage or a close date change."""
    dates = [deal.created, deal.closed, *(e.get("date") for e in deal.history or [])]
    dates += [c.get("date") for c in deal.data.get("close_changes") or [] if isinstance(c, dict)]
    return any(isinstance(d, dt.date) and d > day for d in dates)
