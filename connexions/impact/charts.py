"""The dashboard's charts as SVG, for the PDF (weasyprint runs no JavaScript).

Horizontal bars, one group per label and one bar per series. A figure hidden by the small-group
rule gets no bar, only "masqué", so its size cannot be read off the drawing either."""

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from connexions.impact.cells import format_cell
from connexions.impact.layout import Chart

COLOURS = ["#0d6efd", "#20c997", "#fd7e14", "#6f42c1"]
WIDTH = 640
LABEL_WIDTH = 230
BAR_AREA = 320
BAR_HEIGHT = 14
BAR_GAP = 3
GROUP_GAP = 10
LEGEND_HEIGHT = 22
MAX_LABEL = 36


def _short(label: str) -> str:
    label = str(label)
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def svg_chart(chart: Chart, *, protect: bool = True) -> SafeString:
    if not chart.labels:
        return mark_safe("")
    numbers = [
        cell.as_number() or 0
        for series in chart.series
        for cell in series.cells
        if not (protect and cell.is_small)
    ]
    reference = chart.reference.cells[0].as_number() if chart.reference is not None else None
    top = max([*numbers, reference or 0], default=0) or 1
    legend = len(chart.series) > 1
    group_height = len(chart.series) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP
    y = LEGEND_HEIGHT if legend else 0
    parts = []
    if legend:
        x = LABEL_WIDTH
        for index, series in enumerate(chart.series):
            parts.append(
                format_html(
                    '<rect x="{}" y="4" width="10" height="10" fill="{}"/>'
                    '<text x="{}" y="13" font-size="10">{}</text>',
                    x,
                    COLOURS[index % len(COLOURS)],
                    x + 14,
                    series.label,
                )
            )
            x += 14 + 7 * len(str(series.label)) + 16
    for position, label in enumerate(chart.labels):
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="10" text-anchor="end">{}</text>',
                LABEL_WIDTH - 8,
                y + group_height / 2 + 4,
                _short(label),
            )
        )
        for index, series in enumerate(chart.series):
            cell = series.cells[position]
            bar_y = y + index * (BAR_HEIGHT + BAR_GAP)
            hidden = protect and cell.is_small
            length = 0 if hidden else round(BAR_AREA * (cell.as_number() or 0) / top, 1)
            if length:
                parts.append(
                    format_html(
                        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                        LABEL_WIDTH,
                        bar_y,
                        length,
                        BAR_HEIGHT,
                        COLOURS[index % len(COLOURS)],
                    )
                )
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="10">{}</text>',
                    LABEL_WIDTH + length + 4,
                    bar_y + BAR_HEIGHT - 3,
                    format_cell(cell, protect=protect),
                )
            )
        y += group_height + GROUP_GAP
    height = y - GROUP_GAP + 4
    if reference is not None:
        # The reference as a dashed line across the bars, named under the chart.
        x = round(LABEL_WIDTH + BAR_AREA * reference / top, 1)
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#dc3545" stroke-dasharray="6 4"/>'
                '<text x="{}" y="{}" font-size="10" fill="#dc3545">{} : {}</text>',
                x,
                LEGEND_HEIGHT if legend else 0,
                x,
                height,
                LABEL_WIDTH,
                height + 12,
                chart.reference.label,
                format_cell(chart.reference.cells[0], protect=protect),
            )
        )
        height += 16
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {} {}" '
        'width="{}" height="{}" role="img" aria-label="{}" '
        'font-family="DejaVu Sans, sans-serif" fill="#212529">{}</svg>',
        WIDTH,
        height,
        WIDTH,
        height,
        chart.title,
        mark_safe("".join(parts)),
    )
