"""Text tables fitted to a width: each table says how its columns give way (Col), and fit_table drops
the least important columns, then cuts free text with an ellipsis, until the table fits.

Ids, money and dates are never cut (a cut one would read as another); a column is either whole or gone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pipecli.render.board import text_width

__all__ = ["GAP", "Col", "cut", "fit_table", "plan", "shown_width", "text_width"]

GAP = 2  # tabulate's "simple" format puts two spaces between columns
HEADER_PADDING = 2  # and makes a column two wider than its header (its MIN_PADDING)
LONG_HEADER = 20  # a heading longer than this may be cut, to this or its cells' width
_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class Col:
    """How a column gives way. priority: the lower, the sooner it is dropped; cut: free text that may be
    cut with an ellipsis down to this many columns (None: never cut, as ids, money and dates); want: as
    many columns as such text keeps before a less important column is shown at all (default: cut)."""

    priority: int = 0
    cut: int | None = None
    want: int | None = None


def shown_width(text: str) -> int:
    """Columns a line takes on a terminal: its colour codes take none."""
    return text_width(_COLOUR.sub("", text))


def cut(text: str, width: int) -> str:
    """text cut to at most width terminal columns, an ellipsis marking the cut (text without colour codes)."""
    if text_width(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        size = text_width(char)
        if used + size > width - 1:
            break
        kept.append(char)
        used += size
    return "".join(kept) + "…"


def plan(headers: Sequence[str], rows: Sequence[Sequence[str]], cols: Sequence[Col], width: int,
         keep: Sequence[int] = ()) -> tuple[list[int], list[int]]:
    """Which columns (indexes, in order) fit in width and how wide each may be.

    The first column is always there; then those in keep (the user chose them), in their order, then
    the others, most important first: each column that still fits, the more important free text at
    its wanted length and the rest at its shortest. The room left goes to the free text, most
    important first, up to its whole length.
    """
    cells = [max([0] + [text_width(r[i]) for r in rows]) for i in range(len(headers))]
    # A long heading (a period label like '2026-11-20 (no commit yet)..2026-11-27 (working tree)') may be
    # cut down to its cells' width: it must not push out the very figures it heads.
    least_header = [(text_width(h) if text_width(h) <= LONG_HEADER else max(LONG_HEADER, cells[i])) + HEADER_PADDING
                    for i, h in enumerate(headers)]
    natural = [max(text_width(h) + HEADER_PADDING, cells[i]) for i, h in enumerate(headers)]

    def shortest(i: int, length: int | None) -> int:
        whole = max(least_header[i], cells[i])  # as short as a column that is never cut gets
        return whole if length is None else min(whole, max(length, least_header[i]))

    floor = [shortest(i, c.cut) for i, c in enumerate(cols)]
    wanted = [shortest(i, c.cut if c.want is None else c.want) for i, c in enumerate(cols)]

    def least(indexes) -> int:
        return sum(floor[i] for i in indexes) + GAP * (len(indexes) - 1)

    def needed(indexes, adding: int) -> int:
        above = cols[adding].priority
        return (sum(wanted[i] if cols[i].priority > above else floor[i] for i in indexes)
                + floor[adding] + GAP * len(indexes))

    order = list(keep) + sorted((i for i in range(len(headers)) if i not in keep), key=lambda i: (-cols[i].priority, i))
    kept = {0}
    for i in order:
        if i not in kept and needed(kept, i) <= width:
            kept.add(i)
    widths = {i: floor[i] for i in kept}
    room = width - least(kept)
    for i in sorted(kept, key=lambda i: (-cols[i].priority, i)):
        grow = max(0, min(room, natural[i] - widths[i]))
        widths[i] += grow
        room -= grow
    chosen = sorted(kept)
    return chosen, [widths[i] for i in chosen]


def fit_table(headers: Sequence[str], rows: Sequence[Sequence[str]], fits: Mapping[str, Col] | Sequence[Col],
              width: int, keep: Sequence[str] = ()) -> tuple[list[str], list[list[str]], list[int]]:
    """The headers, rows (cells cut to their column) and the indexes kept, for a table that fits in width.
    fits: a Col for each header (a mapping by header name; a header without one is dropped first)."""
    cols = [fits.get(h, Col()) for h in headers] if isinstance(fits, Mapping) else list(fits)
    chosen, widths = plan(headers, rows, cols, width, [i for i, h in enumerate(headers) if h in keep])
    return ([cut(headers[i], w - HEADER_PADDING) for i, w in zip(chosen, widths)],
            [[cut(row[i], w) for i, w in zip(chosen, widths)] for row in rows],
            chosen)

