"""The kanban board: a column per stage with its totals, deals as cards, wrapped to the width."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from pipecli.core.config import Pipeline, Stage
from pipecli.core.queries import Facts
from pipecli.render import money
from pipecli.render.style import Style

GAP = "  "
MIN_WIDTH = 22
MAX_WIDTH = 34


@dataclass
class Column:
    """One stage and the deals in it."""

    stage: Stage
    deals: list[Facts]

    @property
    def total(self) -> Decimal:
        return sum((f.base_value for f in self.deals), Decimal(0))

    @property
    def weighted(self) -> Decimal:
        return sum((f.weighted_value for f in self.deals), Decimal(0))


def _fit(text: str, width: int) -> str:
    """text cut to width (with an ellipsis) and padded to exactly width."""
    if len(text) > width:
        text = text[: width - 1] + "…"
    return text.ljust(width)


def _column_lines(column: Column, width: int, style: Style) -> list[str]:
    stage = column.stage
    count = len(column.deals)
    head = f"{stage.name} ({count})"
    totals = f"{money.short(column.total)}"
    if stage.is_open:
        totals += f" · wtd {money.short(column.weighted)}"
    lines = [style(_fit(head, width), "bold"), _fit(totals, width), "─" * width]
    if not column.deals:
        lines.append(style(_fit("(no deals)", width), "dim"))
    for f in column.deals:
        deal = f.deal
        lines.append(style(_fit(deal.title, width), "bold"))
        if deal.account:
            lines.append(_fit(deal.account, width))
        value = money.amount(deal.value, deal.currency) if deal.data.get("value") is not None else "no value"
        lines.append(_fit(f"{value} · {deal.owner or 'no owner'}", width))
        flags = _flags(f)
        if flags:
            lines.append(style(_fit(" · ".join(flags), width), "red" if f.next_step_overdue or f.rotting else "yellow"))
        lines.append(" " * width)
    return lines


def _flags(f: Facts) -> list[str]:
    """Why a card needs attention: rotting in its stage, no next step, next step overdue."""
    flags = []
    if f.rotting:
        flags.append(f"rotting {f.days_in_stage}d")
    if f.missing_next_step:
        flags.append("no next step")
    elif f.next_step_overdue and f.kind == "open":
        flags.append("overdue")
    return flags


def layout(count: int, width: int) -> tuple[int, int]:
    """How many columns fit side by side in width, and how wide each is."""
    per_row = max(1, min(count, (width + len(GAP)) // (MIN_WIDTH + len(GAP))))
    column_width = (width - len(GAP) * (per_row - 1)) // per_row
    return per_row, max(MIN_WIDTH, min(MAX_WIDTH, column_width))


def render_board(
    pipeline: Pipeline,
    columns: Sequence[Column],
    width: int,
    style: Style,
    currency: str,
    other_pipelines: Sequence[str] = (),
) -> str:
    """The board as text, stages wrapped into rows when the width is too narrow for all of them."""
    per_row, column_width = layout(len(columns), width)
    out = [style(line, "bold") for line in textwrap.wrap(f"{pipeline.name} ({pipeline.id}) · values in {currency}", width)]
    out.append("")
    for start in range(0, len(columns), per_row):
        row = [_column_lines(c, column_width, style) for c in columns[start : start + per_row]]
        height = max(len(lines) for lines in row)
        for i in range(height):
            cells = [lines[i] if i < len(lines) else " " * column_width for lines in row]
            out.append(GAP.join(cells).rstrip())
        while out and not out[-1].strip():
            out.pop()
        out.append("")
    open_columns = [c for c in columns if c.stage.is_open]
    deals = sum(len(c.deals) for c in open_columns)
    total = sum((c.total for c in open_columns), Decimal(0))
    weighted = sum((c.weighted for c in open_columns), Decimal(0))
    footer = [f"Open: {deals} deal{'s' * (deals != 1)} · {money.amount(total, currency)} · weighted {money.amount(weighted, currency)}"]
    attention = [f for c in open_columns for f in c.deals if _flags(f)]
    if attention:
        footer.append(f"Need attention: {len(attention)} (rotting, no next step or overdue)")
    if other_pipelines:
        footer.append(f"Other pipelines: {', '.join(other_pipelines)} (pipe board NAME)")
    for line in footer:
        out += textwrap.wrap(line, width)
    return "\n".join(out) + "\n"


def board_columns(pipeline: Pipeline, deals: Sequence[Facts], show_closed: bool) -> list[Column]:
    """Columns in stage order, deals by value (highest first); won/lost columns only when asked."""
    columns = []
    for stage in pipeline.stages:
        if stage.is_closed and not show_closed:
            continue
        in_stage = [f for f in deals if f.deal.pipeline == pipeline.id and f.deal.stage == stage.id]
        in_stage.sort(key=lambda f: (-f.base_value, f.deal.id))
        columns.append(Column(stage, in_stage))
    return columns
