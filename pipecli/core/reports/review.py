"""The weekly review (`pipe diff`): deals added, moved, won, lost, revalued or removed between two snapshots."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from pipecli.core.fileformat.dealfile import same
from pipecli.core.model.config import Config
from pipecli.core.model.deal import Deal
from pipecli.core.model.periods import Period
from pipecli.core.model.queries import to_base
from pipecli.core.reports import Column, Figure, Report, Table

if TYPE_CHECKING:
    from pipecli.core.gitsync.revisions import Snapshot


def _kind(deal: Deal, config: Config | None) -> str:
    pipeline = config.pipeline(deal.pipeline) if config else None
    stage = pipeline.stage(deal.stage) if pipeline else None
    return stage.kind if stage else "open"


def _base(deal: Deal, config: Config | None) -> Decimal:
    return to_base(deal, config) if config else deal.value


def _place(deal: Deal, other: Deal | None) -> str:
    """The deal's stage, with its pipeline when other is in another one."""
    if other is not None and other.pipeline != deal.pipeline:
        return f"{deal.pipeline}/{deal.stage}"
    return deal.stage


def review(before: Snapshot, after: Snapshot) -> Report:
    """The weekly review: deals added, moved, won, lost, revalued, given a new close date, or removed
    between two snapshots, with the counts and money as figures. Money is in after's base currency
    (each side's value converted with that side's rates)."""
    old, new = before.deals, after.deals
    title = lambda d: d.title  # noqa: E731
    added, moved, won, lost, revalued, closing, removed = [], [], [], [], [], [], []
    for deal_id in sorted(set(old) | set(new)):
        was, deal = old.get(deal_id), new.get(deal_id)
        if deal is None:
            removed.append({"deal": deal_id, "title": title(was), "stage": was.stage})
            continue
        kind, was_kind = _kind(deal, after.config), _kind(was, before.config) if was else None
        value = _base(deal, after.config)
        if was is None:
            added.append({"deal": deal_id, "title": title(deal), "stage": deal.stage, "value": value,
                          "owner": deal.owner or ""})
        from_stage = _place(was, deal) if was else ""
        if kind == "won" and was_kind != "won":
            won.append({"deal": deal_id, "title": title(deal), "from": from_stage, "value": value, "closed": deal.closed})
        elif kind == "lost" and was_kind != "lost":
            lost.append({"deal": deal_id, "title": title(deal), "from": from_stage, "value": value,
                         "reason": deal.lost_reason or ""})
        elif was is not None and (was.stage, was.pipeline) != (deal.stage, deal.pipeline):
            moved.append({"deal": deal_id, "title": title(deal), "from": from_stage, "to": _place(deal, was)})
        if was is None:
            continue
        if not (same(was.data.get("value"), deal.data.get("value")) and was.currency == deal.currency):
            old_value = _base(was, before.config)
            revalued.append({"deal": deal_id, "title": title(deal), "from": old_value, "to": value,
                             "change": value - old_value})
        if was.expected_close != deal.expected_close:
            shift = ((deal.expected_close - was.expected_close).days
                     if was.expected_close and deal.expected_close else None)
            closing.append({"deal": deal_id, "title": title(deal), "from": was.expected_close,
                            "to": deal.expected_close, "days": shift})
    open_before = sum((_base(d, before.config) for d in old.values() if _kind(d, before.config) == "open"), Decimal(0))
    open_after = sum((_base(d, after.config) for d in new.values() if _kind(d, after.config) == "open"), Decimal(0))
    figures = [
        Figure("added", "Deals added", len(added)),
        Figure("moved", "Deals moved", len(moved)),
        Figure("won", "Deals won", len(won)),
        Figure("won_value", "Value won", sum((r["value"] for r in won), Decimal(0)), "money"),
        Figure("lost", "Deals lost", len(lost)),
        Figure("lost_value", "Value lost", sum((r["value"] for r in lost), Decimal(0)), "money"),
        Figure("revalued", "Deals revalued", len(revalued)),
        Figure("revaluation", "Change from revaluations", sum((r["change"] for r in revalued), Decimal(0)), "money"),
        Figure("close_dates", "New expected close dates", len(closing)),
        Figure("removed", "Deals removed", len(removed)),
        Figure("open_pipeline", "Open pipeline value", open_after, "money"),
        Figure("pipeline_change", "Change in open pipeline value", open_after - open_before, "money"),
    ]
    deal, name = Column("deal", "Deal"), Column("title", "Title")
    tables = [
        Table("added", "Added", [deal, name, Column("stage", "Stage"), Column("value", "Value", "money"),
                                 Column("owner", "Owner")], added),
        Table("moved", "Moved", [deal, name, Column("from", "From"), Column("to", "To")], moved),
        Table("won", "Won", [deal, name, Column("from", "From"), Column("value", "Value", "money"),
                             Column("closed", "Closed", "date")], won),
        Table("lost", "Lost", [deal, name, Column("from", "From"), Column("value", "Value", "money"),
                               Column("reason", "Reason")], lost),
        Table("revalued", "Revalued", [deal, name, Column("from", "Was", "money"), Column("to", "Now", "money"),
                                       Column("change", "Change", "money")], revalued),
        Table("close_dates", "New expected close date", [deal, name, Column("from", "Was", "date"),
                                                         Column("to", "Now", "date"),
                                                         Column("days", "Days later", "number")], closing),
        Table("removed", "Removed", [deal, name, Column("stage", "Was in")], removed),
    ]
    if before.empty:
        tables[0].note = (f"no commit at or before {before.date}: the review starts from an empty pipeline, "
                          "so every deal counts as added")
    end = max(after.date, before.date)
    period = Period(min(before.date, end), end, "range", f"{before.label}..{after.label}")
    return Report("diff", "Pipeline changes", period, figures, tables)
