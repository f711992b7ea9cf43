"""One registry of output formats for rows of records: table, csv, json and markdown."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from pipecli.render.style import printable



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
    return json.dumps([{c: plain(row.get(c)) for c in columns} for row in rows], indent=2, ensure_ascii=False) + "\n"


def to_csv(rows: Sequence[dict], columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return buffer.getvalue()


def _tabulated(style: str) -> Callable[[Sequence[dict], Sequence[str]], str]:
    def render(rows: Sequence[dict], columns: Sequence[str]) -> str:
        from tabulate import tabulate

        if not rows:
            return ""
        cells = [[printable(_cell(row.get(c))) for c in columns] for row in rows]
        if style == "github":
            cells = [[c.replace("|", "\\|") for c in row] for row in cells]
        # disable_numparse keeps ids like 0800-telecom and values exactly as we formatted them.
        return tabulate(cells, headers=list(columns), tablefmt=style, disable_numparse=True) + "\n"

    return render


FORMATS: dict[str, Callable[[Sequence[dict], Sequence[str]], str]] = {
    "table": _tabulated("simple"),
    "csv": to_csv,
    "json": to_json,
    "md": _tabulated("github"),
}


def render_rows(rows: Sequence[dict], columns: Sequence[str], fmt: str) -> str:
    """rows (dicts) as text in one of FORMATS, with the given columns in order."""
    return FORMATS[fmt](rows, columns)
