"""Charts as inline SVG for the html report: horizontal bars, a funnel of centred bars, or a fan of ranges.

Every label is escaped here: the text comes from deal files, which may come from anyone.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from pipecli.core.reports import Chart, Table
from pipecli.render.reports import shown

ROW = 26
LABEL_WIDTH = 170
LABEL_CHARACTERS = 24  # what fits in LABEL_WIDTH; longer labels are cut, whole in the bar's tooltip
BAR_AREA = 420
VALUE_WIDTH = 150
COLOURS = ("#2f6fb0", "#9cc3e6")


def chart_svg(chart: Chart, table: Table, currency: str) -> str:
    if chart.kind == "fan":
        return fan_svg(chart, table, currency)
    units = {c.key: c for c in table.columns}
    lines_per_row = len(chart.value_keys)
    largest = max((Decimal(row.get(k) or 0) for row in table.rows for k in chart.value_keys), default=Decimal(0))
    height = max(1, len(table.rows)) * ROW * lines_per_row + 30
    width = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{escape(chart.kind)}" '
             f'data-chart="{escape(chart.key)}" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}">',
             f'<title>{escape(chart.title)}</title>']
    y = 4
    for row in table.rows:
        whole = str(row.get(chart.label_key))
        label = escape(whole)
        cut = escape(whole if len(whole) <= LABEL_CHARACTERS else whole[: LABEL_CHARACTERS - 1] + "…")
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{y + ROW * 0.65:.1f}" text-anchor="end" class="label">{cut}</text>')
        for i, key in enumerate(chart.value_keys):
            value = Decimal(row.get(key) or 0)
            length = float(value / largest * BAR_AREA) if largest > 0 and value > 0 else 0.0
            x = LABEL_WIDTH + (BAR_AREA - length) / 2 if chart.kind == "funnel" else LABEL_WIDTH
            unit = units[key].unit
            text = escape(shown(row.get(key), unit, currency if unit == "money" else None))
            parts.append(f'<rect class="bar" x="{x:.1f}" y="{y + 3}" width="{length:.1f}" height="{ROW - 8}" '
                         f'fill="{COLOURS[i % len(COLOURS)]}"><title>{label}: {text}</title></rect>')
            parts.append(f'<text x="{LABEL_WIDTH + BAR_AREA + 8}" y="{y + ROW * 0.65:.1f}" class="value">{text}'
                         + (f' {escape(units[key].label.lower())}' if len(chart.value_keys) > 1 else "") + "</text>")
            y += ROW
    if len(chart.value_keys) > 1:
        legend_x = LABEL_WIDTH
        for i, key in enumerate(chart.value_keys):
            parts.append(f'<rect x="{legend_x}" y="{y + 8}" width="12" height="12" fill="{COLOURS[i % len(COLOURS)]}"/>'
                         f'<text x="{legend_x + 16}" y="{y + 19}" class="legend">{escape(units[key].label)}</text>')
            legend_x += 120
    parts.append("</svg>")
    return "".join(parts)


def fan_svg(chart: Chart, table: Table, currency: str) -> str:
    """One row per period: a band from the first value key to the third (P10..P90), a line at the
    second (P50) and a dot at the fourth (the weighted sum, or what was won), on one scale."""
    low, middle, high, beside = chart.value_keys
    beside_label = next((c.label for c in table.columns if c.key == beside), beside).lower()
    largest = max((Decimal(row.get(k) or 0) for row in table.rows for k in (high, beside)), default=Decimal(0))

    def x(value) -> float:
        # a negative total (a negative value loads; `pipe check` refuses it) at 0, not over the labels
        return LABEL_WIDTH + (max(0.0, float(Decimal(value or 0) / largest * BAR_AREA)) if largest > 0 else 0.0)

    height = max(1, len(table.rows)) * ROW + 30
    width = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-fan" data-chart="{escape(chart.key)}" '
             f'role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
             f'<title>{escape(chart.title)}</title>']
    money = lambda row, key: escape(shown(row.get(key), "money", currency))  # noqa: E731
    y = 4
    for row in table.rows:
        label = escape(str(row.get(chart.label_key)))
        said = f"{money(row, middle)} ({money(row, low)} to {money(row, high)})"
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{y + ROW * 0.65:.1f}" text-anchor="end" class="label">{label}</text>'
                     f'<rect class="band" x="{x(row.get(low)):.1f}" y="{y + 3}" '
                     f'width="{max(1.0, x(row.get(high)) - x(row.get(low))):.1f}" height="{ROW - 8}" fill="{COLOURS[1]}">'
                     f'<title>{label}: {said}</title></rect>'
                     f'<rect class="median" x="{x(row.get(middle)) - 1:.1f}" y="{y + 1}" width="3" height="{ROW - 4}" '
                     f'fill="{COLOURS[0]}"/>'
                     f'<circle class="dot" cx="{x(row.get(beside)):.1f}" cy="{y + ROW / 2:.1f}" r="4" fill="#c0392b">'
                     f'<title>{label}: {escape(beside_label)} {money(row, beside)}</title></circle>'
                     f'<text x="{LABEL_WIDTH + BAR_AREA + 8}" y="{y + ROW * 0.65:.1f}" class="value">{money(row, middle)}</text>')
        y += ROW
    legend = ((COLOURS[1], "P10 to P90"), (COLOURS[0], "P50"), ("#c0392b", beside_label))
    for i, (colour, name) in enumerate(legend):
        parts.append(f'<rect x="{LABEL_WIDTH + 120 * i}" y="{y + 8}" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{LABEL_WIDTH + 120 * i + 16}" y="{y + 19}" class="legend">{name}</text>')
    parts.append("</svg>")
    return "".join(parts)
