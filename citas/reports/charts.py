"""Server-side SVG charts: no JavaScript, no inline styles, a colour-blind-safe palette.

Each chart scales to its container (viewBox) and is a picture of the table printed beside it,
which is what screen readers read; the SVG carries a title and is marked as an image.
"""

from collections.abc import Sequence

from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from .tables import Kind, Table

# Okabe & Ito (2008), distinguishable with every common colour-vision deficiency.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
# Light to dark blue for the heat map: reads by lightness alone.
SEQUENTIAL = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")

# A phone's width in CSS pixels, so that 12-unit text stays ~12 px there; app.css caps the
# width on larger screens.
WIDTH = 360
LABEL_WIDTH = 120
LABEL_CHARS = 19
ROW_HEIGHT = 22
LEGEND_ROW = 20
LEGEND_PER_ROW = 2


def display(value, kind: str) -> str:
    """A figure as the page shows it, in the active language's number format."""
    if value is None:
        return "—"
    # number_format cuts extra decimals off; round first so 1/7 shows as 14,3 %.
    if kind == Kind.RATIO:
        return f"{number_format(round(value * 100, 1), 1)} %"
    if kind == Kind.HOURS:
        return number_format(round(value, 1), 1)
    if kind == Kind.EUR:
        return f"{number_format(value, 2, force_grouping=True)} €"
    if kind == Kind.COUNT:
        return number_format(value, 0, force_grouping=True)
    if kind == Kind.DATE:
        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def _svg(title: str, height: int, body: SafeString) -> SafeString:
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" width="{}" height="{}" role="img" '
        'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        "<title>{}</title>{}</svg>",
        WIDTH,
        height,
        WIDTH,
        height,
        title,
        body,
    )


def _legend(names: Sequence[str]) -> SafeString:
    step = WIDTH // LEGEND_PER_ROW
    return format_html_join(
        "",
        '<rect x="{}" y="{}" width="12" height="12" fill="{}"/>'
        '<text x="{}" y="{}" font-size="12">{}</text>',
        (
            (
                (i % LEGEND_PER_ROW) * step,
                4 + (i // LEGEND_PER_ROW) * LEGEND_ROW,
                PALETTE[i % len(PALETTE)],
                (i % LEGEND_PER_ROW) * step + 16,
                15 + (i // LEGEND_PER_ROW) * LEGEND_ROW,
                name,
            )
            for i, name in enumerate(names)
        ),
    )


def stacked_bars(
    table: Table, *, label: Sequence[int], values: Sequence[int], kind: str | None = None
) -> SafeString:
    """One horizontal bar per row, split into the `values` columns (stacked, with a legend),
    labelled by the `label` columns joined and followed by the total."""
    columns = table.columns
    kind = kind or columns[values[0]].kind
    totals = [sum(float(row[i] or 0) for i in values) for row in table.rows]
    top = 1.0 if kind == Kind.RATIO else max(totals, default=0) or 1.0
    bar_room = WIDTH - LABEL_WIDTH - 56
    legend = _legend([columns[i].label for i in values]) if len(values) > 1 else ""
    offset = -(-len(values) // LEGEND_PER_ROW) * LEGEND_ROW + 4 if legend else 0
    parts = []
    for n, row in enumerate(table.rows):
        y = offset + n * ROW_HEIGHT
        name = " · ".join(display(row[i], columns[i].kind) for i in label)
        x = float(LABEL_WIDTH)
        segments = []
        for colour, i in enumerate(values):
            width = float(row[i] or 0) / top * bar_room
            if width > 0:
                segments.append((f"{x:.2f}", y + 3, f"{width:.2f}", PALETTE[colour]))
            x += width
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="12" text-anchor="end">{}</text>{}'
                '<text x="{}" y="{}" font-size="12">{}</text>',
                LABEL_WIDTH - 6,
                y + 15,
                name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…",
                format_html_join(
                    "",
                    '<rect x="{}" y="{}" width="{}" height="16" fill="{}"/>',
                    segments,
                ),
                f"{x + 4:.2f}",
                y + 15,
                display(totals[n], kind),
            )
        )
    height = offset + max(len(table.rows), 1) * ROW_HEIGHT + 4
    return _svg(table.title, height, SafeString(legend + "".join(parts)))


def heat_map(table: Table, *, rate: int, weekdays: Sequence[str]) -> SafeString:
    """Weekday × hour grid of the `rate` column (0..1), darker is higher."""
    cells = {(row[0], row[1]): row[rate] for row in table.rows}
    hours = sorted({row[1] for row in table.rows}) or [9]
    hours = list(range(min(hours), max(hours) + 1))
    size = min(30, (WIDTH - 74) // len(hours))
    parts = [
        format_html(
            '<text x="{}" y="14" font-size="11" text-anchor="middle">{}</text>',
            74 + i * size + size // 2,
            hour,
        )
        for i, hour in enumerate(hours)
    ]
    for r, weekday in enumerate(weekdays):
        y = 20 + r * size
        parts.append(
            format_html(
                '<text x="70" y="{}" font-size="12" text-anchor="end">{}</text>',
                y + size // 2 + 4,
                weekday,
            )
        )
        for i, hour in enumerate(hours):
            value = cells.get((weekday, hour))
            shade = (
                "#ffffff"
                if value is None
                else SEQUENTIAL[min(len(SEQUENTIAL) - 1, int(value * len(SEQUENTIAL)))]
            )
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="#adb5bd"/>',
                    74 + i * size,
                    y,
                    size,
                    size,
                    shade,
                )
            )
    return _svg(table.title, 24 + len(weekdays) * size, SafeString("".join(parts)))


# name → how to draw it: (label columns, value columns) of stacked bars, or the heat map.
BAR_CHARTS = {
    "status-by-week": ((0,), (1, 2, 3, 4, 5)),
    "occupancy": ((0, 1), (4,)),
    "no-shows-by-service": ((0,), (2, 4)),
    "lead-time": ((0,), (1,)),
    "channels": ((0,), (1,)),
    "revenue": ((0, 1), (3,)),
    "new-vs-returning": ((0,), (1,)),
    "top-clients": ((0,), (1,)),
}


def chart_for(table: Table, *, weekdays: Sequence[str]) -> SafeString:
    if table.name == "no-shows-by-hour":
        return heat_map(table, rate=4, weekdays=weekdays)
    label, values = BAR_CHARTS[table.name]
    return stacked_bars(table, label=label, values=values)
