"""Server-side SVG charts: no JavaScript, no inline styles, a colour-blind-safe palette.

Each chart scales to its container (viewBox) and is a picture of the table printed beside it,
which is what screen readers read; the SVG carries a title and is marked as an image.
"""

from collections.abc import Sequence

from django.utils import dateformat, numberformat
from django.utils.formats import get_format
from django.utils.html import conditional_escape, escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

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


class Figures:
    """Formats figures as the page shows them, in the language active when it was made.

    Looks the language's separators and date format up once, and formats each distinct figure
    once: a year's occupancy table repeats the same week, hours and percentages hundreds of
    times, and Django's number_format looks the language up again on every call.
    """

    def __init__(self):
        lang = get_language()
        self.decimal_sep = get_format("DECIMAL_SEPARATOR", lang, use_l10n=True)
        self.grouping = get_format("NUMBER_GROUPING", lang, use_l10n=True)
        self.thousand_sep = get_format("THOUSAND_SEPARATOR", lang, use_l10n=True)
        self.short_date = get_format("SHORT_DATE_FORMAT", lang)
        self.seen: dict[tuple, str] = {}

    def _number(self, value, decimal_pos: int, force_grouping: bool = False) -> str:
        # What number_format() returns, with the separators looked up once.
        return numberformat.format(
            value,
            self.decimal_sep,
            decimal_pos,
            self.grouping,
            self.thousand_sep,
            force_grouping=force_grouping,
            use_l10n=True,
        )

    def __call__(self, value, kind: str) -> str:
        if value is None:
            return "—"
        # number_format cuts extra decimals off; round first so 1/7 shows as 14,3 %.
        if kind == Kind.RATIO:
            value = round(value * 100, 1)
        elif kind == Kind.HOURS:
            value = round(value, 1)
        # The type too: True, 1 and 1.0 are one dict key but need not print alike.
        key = (kind, type(value), value)
        text = self.seen.get(key)
        if text is None:
            text = self.seen[key] = self._format(value, kind)
        return text

    def _format(self, value, kind: str) -> str:
        if kind == Kind.RATIO:
            return f"{self._number(value, 1)} %"
        if kind == Kind.HOURS:
            return self._number(value, 1)
        if kind == Kind.EUR:
            return f"{self._number(value, 2, force_grouping=True)} €"
        if kind == Kind.COUNT:
            return self._number(value, 0, force_grouping=True)
        if kind == Kind.DATE:
            return dateformat.format(value, self.short_date)
        return str(value)


def display(value, kind: str) -> str:
    """A figure as the page shows it, in the active language's number format."""
    return Figures()(value, kind)


def table_cells(table: Table) -> list[list[tuple[str, str]]]:
    """Each row as (text as shown, column kind) pairs for the page's table, formatted with one
    Figures (an empty date shows as nothing, as the date filter shows it)."""
    figures = Figures()
    kinds = [column.kind for column in table.columns]
    return [
        [
            ("" if value is None and kind == Kind.DATE else figures(value, kind), kind)
            for value, kind in zip(row, kinds, strict=True)
        ]
        for row in table.rows
    ]


# Figures align right; text and dates (the first column is the row's header) do not.
_LEFT_ALIGNED = (Kind.TEXT, Kind.DATE)


def table_body(table: Table) -> SafeString:
    """The page table's rows as HTML: the first cell of each row heads it.

    Built here rather than by two nested template loops, which took longer than the year's
    query for a year of weekly occupancy (530 rows); every text is escaped.
    """
    parts = []
    for row in table_cells(table):
        (head, _kind), *cells = row
        parts.append(f'<tr><th scope="row" class="fw-normal">{escape(head)}</th>')
        for text, kind in cells:
            if kind in _LEFT_ALIGNED:
                parts.append(f"<td>{escape(text)}</td>")
            else:
                parts.append(f'<td class="text-end text-nowrap">{escape(text)}</td>')
        parts.append("</tr>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)


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
    figures = Figures()
    parts = []
    # Plain string building, each piece escaped once: format_html per bar and per segment was
    # most of the time of a year's occupancy chart (530 bars).
    for n, row in enumerate(table.rows):
        y = offset + n * ROW_HEIGHT
        name = " · ".join(figures(row[i], columns[i].kind) for i in label)
        name = name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…"
        x = float(LABEL_WIDTH)
        segments = []
        for colour, i in enumerate(values):
            width = float(row[i] or 0) / top * bar_room
            if width > 0:
                segments.append(
                    f'<rect x="{x:.2f}" y="{y + 3}" width="{width:.2f}" height="16" '
                    f'fill="{PALETTE[colour]}"/>'
                )
            x += width
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" font-size="12" text-anchor="end">'
            f"{conditional_escape(name)}</text>{''.join(segments)}"
            f'<text x="{x + 4:.2f}" y="{y + 15}" font-size="12">'
            f"{conditional_escape(figures(totals[n], kind))}</text>"
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
