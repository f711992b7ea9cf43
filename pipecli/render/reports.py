"""Reports as plain data (json, csv, templates) and as text for the terminal, with bar charts."""

from __future__ import annotations

import textwrap
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pipecli.core.fileformat.csvcells import csv_lines
from pipecli.core.model.periods import Period
from pipecli.core.reports import Chart, Report, Table
from pipecli.render import money
from pipecli.render.exact import json_text, machine
from pipecli.render.fit import Col, cut, fit_table
from pipecli.render.style import Style, printable

BAR_WIDTH = 30
MIN_BAR_WIDTH = 8
EIGHTHS = " ▏▎▍▌▋▊▉█"


# -- plain data --------------------------------------------------------------------------------

def number(value: Any, unit: str) -> Any:
    """A figure for json and csv, unrounded: a Decimal keeps all its digits (render/exact.py), a
    percent stays a percent (0..100, as the deal's probability), dates are ISO text. unit: what
    the value is; the one place that would turn percents into fractions, were that ever wanted."""
    return machine(value)


def period_data(period: Period | None) -> dict | None:
    if period is None:
        return None
    return {"label": period.label, "start": period.start.isoformat(), "end": period.end.isoformat()}


def report_data(report: Report) -> dict:
    """Every figure and table of a report as JSON-friendly data with stable keys."""
    units = {}
    for table in report.tables:
        units[table.key] = {c.key: c.unit for c in [*table.columns, *table.details]}
    return {
        "name": report.name,
        "title": report.title,
        "period": period_data(report.period),
        "compared_with": period_data(report.compared_with),
        "figures": {
            f.key: {"label": f.label, "unit": f.unit, "value": number(f.value, f.unit),
                    **({"previous": number(f.previous, f.unit), "change": number(f.change, f.unit),
                        "change_pct": number(f.change_pct, "percent")} if f.compared else {})}
            for f in report.figures
        },
        "tables": {
            t.key: {"key": t.key, "title": t.title, "note": t.note,
                    "columns": [{"key": c.key, "label": c.label, "unit": c.unit} for c in [*t.columns, *t.details]],
                    "rows": [{k: number(v, units[t.key].get(k, "text")) for k, v in row.items()} for row in t.rows]}
            for t in report.tables
        },
        "charts": [{"key": c.key, "title": c.title, "table": c.table, "label": c.label_key,
                    "values": c.value_keys, "kind": c.kind} for c in report.charts],
    }


def to_json(reports: list[Report], skipped: list[dict] | None = None) -> str:
    """The reports as JSON; with "skipped" (path, line, problem) when deal files were left out (--skip-bad)."""
    data: dict[str, Any] = {"reports": {r.name: report_data(r) for r in reports}}
    if skipped:
        data["skipped"] = skipped
    return json_text(data) + "\n"


def left_out_lines(skipped: list[dict]) -> list[str]:
    """What a report says at its top when deal files were left out: a heading line, then one per file."""
    if not skipped:
        return []
    count = f"{len(skipped)} deal file{'s' if len(skipped) > 1 else ''}"
    heading = f"Left out: {count} that {'do' if len(skipped) > 1 else 'does'} not parse; the figures are without {'them' if len(skipped) > 1 else 'it'}"
    return [heading] + [left_out_line(s) for s in skipped]


def left_out_line(skipped: dict) -> str:
    """'deals/acme.md:6: value must be a number' (with ' at a1b2c3d' for a file read from a commit)."""
    where = f"{skipped['path']}:{skipped['line']}" if skipped.get("line") else skipped["path"]
    at = f" at {skipped['commit']}" if skipped.get("commit") else ""
    return printable(f"{where}{at}: {skipped['problem']}")


def to_csv(reports: list[Report], raw: bool = False) -> str:
    """One row per value: report, section (figures or a table), row (figure key or row label), column, value.

    Under pipe's one CSV policy (core/fileformat/csvcells.py): figures are numbers, written as they are
    (`-1200`); text (a row label) that looks like a formula is neutralised unless raw.
    """
    rows = []
    for report in reports:
        data = report_data(report)
        label = data["period"]["label"]
        for key, figure in data["figures"].items():
            for column in ("value", "previous", "change", "change_pct"):
                if column in figure:
                    rows.append([report.name, label, "figures", key, column, figure[column]])
        for source, (key, table) in zip(report.tables, data["tables"].items()):
            named_by = source.key_columns or (source.columns[0].key,)
            for original, row in zip(source.rows, table["rows"]):
                for column in table["columns"]:
                    if column["key"] not in named_by:
                        rows.append([report.name, label, key, source.row_key(original), column["key"],
                                     row.get(column["key"])])
    return csv_lines(["report", "period", "section", "row", "column", "value"], rows, raw)


# -- text --------------------------------------------------------------------------------------

def shown(value: Any, unit: str, currency: str | None = None) -> str:
    """A value as people read it: 12,000 EUR, 55.6%, 87 days, or '-' when there is none."""
    if value is None:
        return "-"
    if unit == "money":
        return money.amount(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP), currency)
    if unit == "percent":
        return f"{Decimal(value).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"
    if unit == "days":
        return f"{Decimal(value).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP).normalize():f} days"
    if unit in ("count", "number"):
        if isinstance(value, Decimal):
            return f"{value.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):,}"
        return f"{value:,}" if isinstance(value, int) else str(value)
    return printable(str(value))


def change_text(figure, currency: str | None = None) -> str:
    """'+12,000 EUR (+25.0%)' for a compared figure, '' when there is nothing to say."""
    change = figure.change
    if change is None:
        return "n/a" if figure.compared else ""
    sign = "+" if change > 0 else ""
    if figure.unit == "percent":  # a change of a rate is in points, not a percent of a percent
        return f"{sign}{Decimal(change).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)} pts"
    text = sign + shown(change, figure.unit, currency)
    if figure.change_pct is not None:
        text += f" ({'+' if figure.change_pct > 0 else ''}{Decimal(figure.change_pct).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%)"
    return text


def bar(value: Decimal | int | None, largest: Decimal | int, width: int = BAR_WIDTH) -> str:
    """A horizontal bar in eighths of a character, as long as value is against largest."""
    if not value or not largest or value <= 0:
        return ""
    eighths = int(Decimal(value) / Decimal(largest) * width * 8)
    return "█" * (eighths // 8) + (EIGHTHS[eighths % 8] if eighths % 8 else "")


# How a report table's columns give way on a narrow terminal (render/fit.py), by their unit: the first
# column names the row and stays; money first, then rates, dates, counts; text is cut. Among equals the
# leftmost stays longest.
UNIT_FITS = {"money": Col(60), "percent": Col(50), "date": Col(45), "count": Col(40), "days": Col(30),
             "number": Col(30)}
TEXT_FIT = Col(20, cut=10, want=16)
ESSENTIAL_FIT = Col(95)


def _tabulated(rows: list[list[str]], headers: list[str], aligns: list[str], fits: list[Col], width: int | None) -> str:
    from tabulate import tabulate

    if width is not None:
        headers, rows, chosen = fit_table(headers, rows, [Col(100, fits[0].cut, fits[0].want)] + fits[1:], width)
        aligns = [aligns[i] for i in chosen]
    return tabulate(rows, headers=headers, tablefmt="simple", colalign=aligns, disable_numparse=True) + "\n"


def table_text(table: Table, currency: str, width: int | None = None) -> str:
    headers = [c.label for c in table.columns]
    rows = [[shown(row.get(c.key), c.unit, currency if c.unit == "money" else None) for c in table.columns]
            for row in table.rows]
    if not rows:
        return "(none)\n"
    aligns = ["right" if c.unit in ("money", "count", "percent", "days", "number") else "left" for c in table.columns]
    fits = [ESSENTIAL_FIT if c.essential else UNIT_FITS.get(c.unit, TEXT_FIT) for c in table.columns]
    return _tabulated(rows, headers, aligns, fits, width)


def chart_text(chart: Chart, table: Table, currency: str, width: int | None = None) -> str:
    """Unicode bars, one line per row (and per value when there are several); width: the bars, then
    the labels, shorter so that each line fits it."""
    if chart.kind == "fan":
        return fan_text(chart, table, currency, width)
    largest = max((row.get(k) or 0 for row in table.rows for k in chart.value_keys), default=0)
    units = {c.key: c for c in table.columns}
    labels = [printable(str(row.get(chart.label_key))) for row in table.rows]
    label_width = max((len(label) for label in labels), default=0)
    lines = [chart.title]
    entries = []
    for label, row in zip(labels, table.rows):
        for i, key in enumerate(chart.value_keys):
            name = f" {units[key].label.lower()}" if len(chart.value_keys) > 1 else ""
            value = shown(row.get(key), units[key].unit, currency if units[key].unit == "money" else None)
            entries.append((label if i == 0 else "", row.get(key), f"{value}{name}"))
    bar_width = BAR_WIDTH
    if width is not None:
        said_width = max((len(said) for _, _, said in entries), default=0)
        bar_width = max(MIN_BAR_WIDTH, min(BAR_WIDTH, width - 6 - label_width - said_width))
        label_width = max(min(label_width, width - 6 - bar_width - said_width), 4)
    for label, value, said in entries:
        label = cut(label, label_width)
        lines.append(f"  {label:<{label_width}}  {bar(value, largest, bar_width):<{bar_width}}  {said}")
    return "\n".join(lines) + "\n"


def fan_text(chart: Chart, table: Table, currency: str, width: int | None = None) -> str:
    """One line per row: ░ from the low to the high value, █ at the middle one, ◆ at the fourth (the
    weighted sum, or what was won) where it is not hidden by the middle, on one scale."""
    low, middle, high, beside = chart.value_keys
    beside_label = next((c.label for c in table.columns if c.key == beside), beside)
    largest = max((Decimal(row.get(k) or 0) for row in table.rows for k in (high, beside)), default=Decimal(0))
    labels = [printable(str(row.get(chart.label_key))) for row in table.rows]
    label_width = max((len(label) for label in labels), default=0)
    said = [shown(row.get(middle), "money", currency) for row in table.rows]
    bar_width = BAR_WIDTH if width is None else max(MIN_BAR_WIDTH, min(BAR_WIDTH, width - 6 - label_width
                                                                              - max(map(len, said), default=0)))

    def at(value) -> int:
        # a negative total (a deal file with a negative value loads; `pipe check` refuses it) at 0
        return max(0, min(bar_width - 1, int(Decimal(value or 0) / largest * bar_width))) if largest > 0 else 0

    lines = [chart.title + f" (░ P10..P90, █ P50 shown, ◆ {beside_label})"]
    for label, row, text in zip(labels, table.rows, said):
        cells = [" "] * bar_width
        for i in range(at(row.get(low)), at(row.get(high)) + 1):
            cells[i] = "░"
        cells[at(row.get(beside))] = "◆"
        cells[at(row.get(middle))] = "█"
        lines.append(f"  {label:<{label_width}}  {''.join(cells)}  {text}")
    return "\n".join(lines) + "\n"


def period_heading(period) -> str:
    """A period's label with the dates it stands for, as every report heading shows them: 'from aug to oct' or a
    range pasted from hledger (whose end is excluded there, included here) is read back as dates."""
    start, end = period.start.isoformat(), period.end.isoformat()
    if period.start == period.end or (start in period.label and end in period.label):  # the dates are there
        return period.label
    span = f"{start}..{end}"
    return f"{period.label} ({span})"


def render_text(reports: list[Report], currency: str, style: Style, skipped: list[dict] | None = None,
                width: int | None = None) -> str:
    """The reports as text; width: each table and chart fitted to it (None: whole)."""
    parts = []
    lines = left_out_lines(skipped or [])
    if lines:
        parts.append(style(lines[0], "bold") + "\n" + "".join(f"  {line}\n" for line in lines[1:]) + "\n")
    for report in reports:
        against = f", against {report.compared_with.label}" if report.compared_with else ""
        # Styled, so it goes to a terminal as it is: every piece of text from a user or a file is made printable first.
        parts.append(style(printable(f"{report.title} · {period_heading(report.period)}{against}"), "bold") + "\n\n")
        compared = any(f.compared for f in report.figures)
        rows = []
        for figure in report.figures:
            row = [figure.label, shown(figure.value, figure.unit, currency)]
            if compared:
                row += [shown(figure.previous, figure.unit, currency) if figure.compared else "", change_text(figure, currency)]
            rows.append(row)
        headers = [printable(h) for h in ["", report.period.label] + ([report.compared_with.label, "change"] if compared else [])]
        # The figure's name may be cut; the period's value stays, then the change, then the other period.
        fits = [Col(100, cut=12, want=24), Col(90), Col(70), Col(80)][:len(headers)]
        parts.append(_tabulated(rows, headers, ["left"] + ["right"] * (len(headers) - 1), fits, width))
        for table in report.tables:
            parts.append("\n" + style(printable(table.title), "bold") + "\n")
            tabled = table_text(table, currency, width)
            parts.append(tabled)
            if table.note:
                note = printable(f"({table.note})")
                # prose: wrapped to the width rather than cut; in a file or a pipe, to the table's width
                # or 80 columns, whichever is wider
                wrap_at = width or max([80, *(len(line) for line in tabled.splitlines())])
                noted = textwrap.wrap(note, wrap_at) or [note]
                parts.append("".join(style(line, "dim") + "\n" for line in noted))
            for chart in report.charts:
                if chart.table == table.key and table.rows and any(row.get(k) for row in table.rows for k in chart.value_keys):
                    parts.append("\n" + chart_text(chart, table, currency, width))
        parts.append("\n")
    return "".join(parts).rstrip("\n") + "\n"
