"""The kanban board: a column per stage with its totals, deals as cards, wrapped to the width; or as JSON or markdown."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from pipecli.core.model.config import Pipeline, Stage
from pipecli.core.model.metrics import Totals, totals
from pipecli.core.model.queries import Facts
from pipecli.render import money
from pipecli.render.exact import json_text, machine
from pipecli.render.formats import md_text
from pipecli.render.style import Style, printable

GAP = "  "
MIN_WIDTH = 20
MAX_WIDTH = 34

# A board line is a list of cells; a cell is its text and the style names to show it in.
Cell = tuple[str, tuple[str, ...]]


@dataclass
class Column:
    """One stage and the deals in it, highest value first."""

    stage: Stage
    deals: list[Facts]

    @functools.cached_property
    def totals(self) -> Totals:
        return totals(self.deals)


def board_columns(pipeline: Pipeline, deals: Sequence[Facts], show_closed: bool) -> list[Column]:
    """Columns in stage order; won and lost columns only when asked for."""
    shown = [stage for stage in pipeline.stages if show_closed or not stage.is_closed]
    by_stage: dict[str, list[Facts]] = {stage.id: [] for stage in shown}
    for f in deals:  # one pass over the deals, not one per stage
        deal = f.deal
        if deal.pipeline == pipeline.id:
            in_stage = by_stage.get(deal.stage)
            if in_stage is not None:
                in_stage.append(f)
    columns = []
    for stage in shown:
        in_stage = by_stage[stage.id]
        in_stage.sort(key=lambda f: (-f.base_value, f.deal.id))
        columns.append(Column(stage, in_stage))
    return columns


def _card_flags(f: Facts) -> list[str]:
    words = {"rotting": f"rotting {f.days_in_stage}d", "no-next-step": "no next step", "overdue": "overdue"}
    return [words[flag] for flag in f.attention()]


def _column_cells(column: Column, width: int) -> list[Cell]:
    stage, sums = column.stage, column.totals
    heading = f"{money.short(sums.value)}" + (f" · wtd {money.short(sums.weighted)}" if stage.is_open else "")
    cells: list[Cell] = [(f"{stage.name} ({sums.count})", ("bold",)), (heading, ()), ("─" * width, ())]
    if not column.deals:
        cells.append(("(no deals)", ("dim",)))
    for f in column.deals:
        cells += _card_cells(f) + [("", ())]
    return cells


def _card_cells(f: Facts) -> list[Cell]:
    """A card's lines: its title (bold), account, value and owner, and why it needs attention."""
    deal = f.deal
    cells: list[Cell] = [(deal.title, ("bold",))]
    if deal.account:
        cells.append((deal.account, ()))
    value = money.amount(deal.value, deal.currency) if deal.data.get("value") is not None else "no value"
    cells.append((f"{value} · {deal.owner or 'no owner'}", ()))
    flags = _card_flags(f)
    if flags:
        cells.append((" · ".join(flags), ("red",) if f.rotting or f.next_step_overdue else ("yellow",)))
    return cells


@functools.cache  # a board measures a few dozen distinct characters thousands of times
def _char_width(char: str) -> int:
    """Columns a character takes in a terminal: 2 for wide East Asian ones, 0 for marks and joiners."""
    if unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def text_width(text: str) -> int:
    if text.isascii() and text.isprintable():  # one column per character
        return len(text)
    return _width_by_character(text)


def _width_by_character(text: str) -> int:
    return sum(_char_width(char) for char in text)


def _wrap(text: str, width: int) -> list[str]:
    """text broken at spaces into lines of at most width terminal columns (a long word is cut)."""
    lines: list[str] = []
    current = ""
    for word in printable(text).split():
        candidate = f"{current} {word}" if current else word
        if text_width(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word if text_width(word) <= width else _fit(word, width).rstrip()
    return lines + [current] if current else lines


# Characters a card shows besides ASCII, each one column wide (as _char_width says): text of
# these and printable ASCII is measured by its length.
_ONE_COLUMN = str.maketrans("·…─›", "....")


def _fit(text: str, width: int) -> str:
    """text padded or cut (with an ellipsis) to exactly width terminal columns."""
    if width >= 1 and text.isprintable() and (text.isascii() or text.translate(_ONE_COLUMN).isascii()):
        # one column per character, as below
        return text + " " * (width - len(text)) if len(text) <= width else text[: width - 1] + "…"
    return _fit_by_character(text, width)


def _fit_by_character(text: str, width: int) -> str:
    used, kept = 0, []
    for char in printable(text):
        size = _char_width(char)
        if used + size > width:
            while kept and used + 1 > width:  # make room for the ellipsis
                used -= _char_width(kept.pop())
            return "".join(kept) + "…" + " " * (width - used - 1)
        kept.append(char)
        used += size
    return "".join(kept) + " " * (width - used)


def _line(cells: Sequence[Cell], width: int, style: Style) -> str:
    """Cells side by side, padded to width; styled after padding, with no trailing blanks."""
    while cells and not cells[-1][0]:
        cells = cells[:-1]
    if not cells:
        return ""
    styled = style.enabled
    parts = []
    for text, names in cells:
        text = _fit(text, width)
        parts.append(style(text, *names) if styled else text)
    last_text, last_names = cells[-1]
    last = _fit(last_text, width).rstrip(" ")
    parts[-1] = style(last, *last_names) if styled else last
    return GAP.join(parts)


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
    out = [style(line, "bold") for line in _wrap(_title(pipeline, currency), width)]
    out.append("")
    for start in range(0, len(columns), per_row):
        row = [_column_cells(c, column_width) for c in columns[start : start + per_row]]
        height = max(len(cells) for cells in row)
        lines = [_line([cells[i] if i < len(cells) else ("", ()) for cells in row], column_width, style)
                 for i in range(height)]
        while lines and not lines[-1]:
            lines.pop()
        out += lines + [""]
    for line in _footer(columns, currency, other_pipelines):
        out += _wrap(line, width)
    return "\n".join(out) + "\n"


def _title(pipeline: Pipeline, currency: str) -> str:
    return f"{pipeline.name} ({pipeline.id}) · values in {currency}"


def _open_deals(columns: Sequence[Column]) -> list[Facts]:
    return [f for c in columns if c.stage.is_open for f in c.deals]


def _footer(columns: Sequence[Column], currency: str, other_pipelines: Sequence[str]) -> list[str]:
    """The open deals' totals, how many need attention, and the other pipelines."""
    open_deals = _open_deals(columns)
    sums = totals(open_deals)
    footer = [f"Open: {sums.count} deal{'s' * (sums.count != 1)} · {money.amount(sums.value, currency)}"
              f" · weighted {money.amount(sums.weighted, currency)}"]
    attention = [f for f in open_deals if f.attention()]
    if attention:
        footer.append(f"Need attention: {len(attention)} (rotting, no next step or overdue)")
    if other_pipelines:
        footer.append(f"Other pipelines: {', '.join(other_pipelines)} (pipe board NAME)")
    return footer


def board_json(pipeline: Pipeline, columns: Sequence[Column], currency: str, other_pipelines: Sequence[str] = ()) -> str:
    """The board as data: each stage with its totals (base currency) and its deals, highest value first."""
    open_deals = _open_deals(columns)
    record = {
        "pipeline": pipeline.id, "name": pipeline.name, "currency": currency,
        "stages": [{"stage": c.stage.id, "name": c.stage.name, "kind": c.stage.kind, **_sums(c.totals),
                    "deals": [_card_record(f) for f in c.deals]} for c in columns],
        "open": {**_sums(totals(open_deals)), "attention": sum(1 for f in open_deals if f.attention())},
        "other_pipelines": list(other_pipelines),
    }
    return json_text(machine(record)) + "\n"  # sums with all their digits


def _sums(sums: Totals) -> dict:
    return {"count": sums.count, "value": sums.value, "weighted": sums.weighted}


def _card_record(f: Facts) -> dict:
    deal = f.deal
    return {"id": deal.id, "title": deal.title, "account": deal.account, "value": deal.data.get("value"),
            "currency": deal.currency, "base_value": f.base_value, "owner": deal.owner,
            "days_in_stage": f.days_in_stage, "attention": f.attention()}


def board_markdown(pipeline: Pipeline, columns: Sequence[Column], currency: str,
                   other_pipelines: Sequence[str] = ()) -> str:
    """The board as markdown: a heading per stage with its totals in full, a bullet per card."""
    out = [f"# {_md(_title(pipeline, currency))}", ""]
    for column in columns:
        sums = column.totals
        weighted = f" · weighted {money.amount(sums.weighted, currency)}" if column.stage.is_open else ""
        out += [f"## {_md(column.stage.name)} ({sums.count}) · {money.amount(sums.value, currency)}{weighted}", ""]
        cards = [_card_cells(f) for f in column.deals]
        out += [" · ".join([f"- **{_md(title)}**"] + [_md(text) for text, _ in rest]) for (title, _), *rest in cards]
        out += ["(no deals)"] if not cards else []
        out.append("")
    out += [f"{_md(line)}  " for line in _footer(columns, currency, other_pipelines)]  # two spaces: a line break
    return "\n".join(out).rstrip() + "\n"


def _md(text: str) -> str:
    """Deal text in markdown: shown as a terminal would show it (printable), with no HTML or cell break."""
    return md_text(printable(text))
