"""Rows of records as text, csv, json or markdown (render_rows), and values made JSON-friendly (plain)."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from json.encoder import encode_basestring as _encode_string  # json's own, in C
from typing import TYPE_CHECKING, Any

from pipecli.core.fileformat.csvcells import csv_field, csv_text
from pipecli.render.exact import json_text, machine
from pipecli.render.style import printable

if TYPE_CHECKING:
    from pipecli.render.fit import Col


def plain(value: Any) -> Any:
    """A JSON-friendly version of a value: dates as ISO text, Decimals as numbers, recursively."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _cell(value: Any) -> str:
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def to_json(rows: Sequence[dict], columns: Sequence[str]) -> str:
    """The rows as json.dumps(indent=2) writes them, byte for byte, only faster (json_chunks, whole)."""
    return "".join(json_chunks(rows, columns))


def json_chunks(rows: Iterable[dict], columns: Sequence[str]) -> Iterator[str]:
    """The rows as json.dumps(indent=2) writes them, byte for byte, a record at a time as rows come: the
    whole list is never held; a Decimal as a number with all its digits (render/exact.py), where
    json.dumps would refuse it.

    json's indented output is made by its pure-Python encoder, about a microsecond a value: most of
    `pipe list --format json` on 10,000 deals. Here each scalar goes through json's C string
    encoder and the rest (lists, mappings) through json.dumps itself, indented to its place.
    """
    keys = [_json_scalar(column) + ": " for column in columns]
    before = "[\n"
    for row in rows:
        fields = [key + _json_field(row.get(column)) for key, column in zip(keys, columns)]
        yield before + ("  {\n    " + ",\n    ".join(fields) + "\n  }" if fields else "  {}")
        before = ",\n"
    yield "[]\n" if before == "[\n" else "\n]\n"


def _json_scalar(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _json_field(value: Any) -> str:
    """One field's value as json.dumps(indent=2) writes it four spaces in, inside a record."""
    kind = type(value)
    if kind is str:
        return _encode_string(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    if kind is dt.date:
        return '"' + value.isoformat() + '"'
    if kind is Decimal:
        return json_text(value)  # all its digits, never a float's
    if kind is float and math.isfinite(value):
        return float.__repr__(value)
    if kind is list and all(type(item) is str for item in value):
        if not value:
            return "[]"
        return "[\n      " + ",\n      ".join(map(_encode_string, value)) + "\n    ]"
    # Anything else (NaN, a mapping, a list of numbers): json itself. No JSON string holds a raw line
    # break, so indenting every line after the first is indenting the value.
    return json_text(machine(value)).replace("\n", "\n    ")


def _csv_value(value: Any) -> Any:
    """A cell for core/fileformat/csvcells.py: numbers stay numbers (never neutralised), a Decimal with all
    its digits; the rest text as in a table."""
    if isinstance(value, Decimal):
        return machine(value)
    value = plain(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return _cell(value)


def to_csv(rows: Sequence[dict], columns: Sequence[str], raw: bool = False) -> str:
    """The rows as CSV under pipe's one policy: formula-like text neutralised unless raw."""
    return "".join(csv_chunks(rows, columns, raw))


def csv_chunks(rows: Iterable[dict], columns: Sequence[str], raw: bool = False) -> Iterator[str]:
    """to_csv a line at a time as rows come (the header first): what core/fileformat/csvcells.py's
    csv_lines writes for them, never held whole."""
    yield csv_row(columns, raw)
    for row in rows:
        yield csv_row([_csv_value(row.get(c)) for c in columns], raw)


def csv_row(values: Iterable[Any], raw: bool = False) -> str:
    """One CSV line (with its LF), each cell through csvcells' csv_text and csv_field."""
    return ",".join(csv_field(csv_text(value, raw)) for value in values) + "\n"


def md_text(value) -> str:
    """Text safe in a markdown table cell: no cell break, and no HTML (a summary or a PR comment
    shows what deal files say, and a deal file can come from anyone)."""
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _tabulated(style: str) -> Callable[..., str]:
    def render(rows: Sequence[dict], columns: Sequence[str], width: int | None = None,
               fits: Mapping[str, Col] | None = None, keep: Sequence[str] = ()) -> str:
        from tabulate import tabulate

        if not rows:
            return ""
        headers = list(columns)
        cells = [[printable(_cell(row.get(c))) for c in columns] for row in rows]
        if style == "github":
            cells = [[c.replace("|", "\\|") for c in row] for row in cells]
        elif width is not None:
            from pipecli.render.fit import fit_table  # it measures as board.py does, and board.py imports this module

            headers, cells, _ = fit_table(headers, cells, fits or {}, width, keep)
        # disable_numparse keeps ids like 0800-telecom and values exactly as we formatted them.
        return tabulate(cells, headers=headers, tablefmt=style, disable_numparse=True) + "\n"

    return render


# The formats of render/registry.py serving RECORDS.
ROW_RENDERERS: dict[str, Callable[..., str]] = {
    "text": _tabulated("simple"),
    "csv": to_csv,
    "json": to_json,
    "md": _tabulated("github"),
}


def render_rows(rows: Sequence[dict], columns: Sequence[str], fmt: str, raw: bool = False,
                width: int | None = None, fits: Mapping[str, Col] | None = None, keep: Sequence[str] = ()) -> str:
    """rows (dicts) as text in one of ROW_RENDERERS, with the given columns in order; raw: csv cells as they are.

    width (text only): the table fitted to it, columns giving way as fits says (render/fit.py), those
    in keep (the user's choice) the last to go, in their order; None: every column whole, as into a pipe."""
    if fmt == "csv":
        return to_csv(rows, columns, raw)
    if fmt == "text":
        return ROW_RENDERERS[fmt](rows, columns, width, fits, keep)
    return ROW_RENDERERS[fmt](rows, columns)


def stream_rows(rows: Iterable[dict], columns: Sequence[str], fmt: str, raw: bool = False) -> Iterator[str]:
    """render_rows' text in pieces: csv and json a record at a time as rows come (each piece ends where a
    record ends); the tables (text, md), whose columns fit every row, as one piece."""
    if fmt == "csv":
        yield from csv_chunks(rows, columns, raw)
    elif fmt == "json":
        yield from json_chunks(rows, columns)
    else:
        yield render_rows(list(rows), columns, fmt, raw)
