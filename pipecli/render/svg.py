"""Charts as inline SVG for the html report: horizontal bars, or a funnel of centred bars.

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
