"""The charts and the page's table format each distinct figure once, as number_format would."""

from datetime import date, timedelta
from unittest import mock

from django.utils import numberformat
from django.utils.formats import date_format, number_format
from django.utils.translation import override

from citas.reports.charts import Figures, chart_for, display, table_body, table_cells
from citas.reports.tables import Column, Kind, Table

WEEKS = 53
PROFESSIONALS = 10


def _occupancy_year() -> Table:
    """A year's occupancy: 530 rows, each week's open hours alike, few distinct ratios."""
    return Table(
        "occupancy",
        "Occupancy",
        [
            Column("week", "Week", Kind.DATE),
            Column("professional", "Professional"),
            Column("booked_hours", "Booked hours", Kind.HOURS),
            Column("open_hours", "Working hours", Kind.HOURS),
            Column("occupancy", "Occupancy", Kind.RATIO),
        ],
        [
            (date(2025, 1, 6) + timedelta(weeks=w), f"P<{p}>", p * 3.0, 45.0, p * 3.0 / 45.0)
            for w in range(WEEKS)
            for p in range(PROFESSIONALS)
        ],
    )


def test_a_years_occupancy_chart_formats_each_distinct_figure_once():
    table = _occupancy_year()
    real = numberformat.format
    with override("es"), mock.patch.object(numberformat, "format", side_effect=real) as calls:
        svg = str(chart_for(table, weekdays=[]))
    # One per distinct percentage (10), not one per bar (530).
    assert calls.call_count == PROFESSIONALS
    assert svg.count("<rect") == WEEKS * (PROFESSIONALS - 1)  # the 0 % bars draw nothing
    assert ">06/01/2025 · P&lt;1&gt;</text>" in svg
    assert ">6,7 %</text>" in svg


def test_the_page_table_formats_each_distinct_figure_once():
    table = _occupancy_year()
    real = numberformat.format
    with override("es"), mock.patch.object(numberformat, "format", side_effect=real) as calls:
        cells = table_cells(table)
    # booked hours (10 distinct) + open hours (1) + ratios (10)
    assert calls.call_count == 2 * PROFESSIONALS + 1
    assert cells[11] == [
        ("13/01/2025", Kind.DATE),
        ("P<1>", Kind.TEXT),
        ("3,0", Kind.HOURS),
        ("45,0", Kind.HOURS),
        ("6,7 %", Kind.RATIO),
    ]


def test_figures_match_djangos_number_and_date_format_in_each_language():
    values = [0, 1, 1.0, True, 0.5, 1 / 7, 1234567.891, -3.25, 12345, 2.05, 1e-20, 1e20]
    for language in ("es", "en", "ca"):
        with override(language):
            figures = Figures()
            for value in values:
                assert figures(value, Kind.COUNT) == number_format(value, 0, force_grouping=True)
                assert figures(value, Kind.EUR) == (
                    f"{number_format(value, 2, force_grouping=True)} €"
                )
                assert figures(value, Kind.HOURS) == number_format(round(value, 1), 1)
                assert figures(value, Kind.RATIO) == (
                    f"{number_format(round(value * 100, 1), 1)} %"
                )
            assert figures(date(2026, 3, 9), Kind.DATE) == date_format(
                date(2026, 3, 9), "SHORT_DATE_FORMAT"
            )
            assert figures(None, Kind.RATIO) == display(None, Kind.COUNT) == "—"


def test_an_empty_date_cell_shows_nothing():
    table = Table("x", "x", [Column("week", "Week", Kind.DATE)], [(None,)])
    assert table_cells(table) == [[("", Kind.DATE)]]


def test_the_page_table_body_heads_each_row_aligns_figures_and_escapes_text():
    table = Table(
        "x",
        "x",
        [
            Column("client", "Client"),
            Column("week", "Week", Kind.DATE),
            Column("visits", "Visits", Kind.COUNT),
            Column("share", "Share", Kind.RATIO),
        ],
        [("<b>Ana</b> & co", date(2026, 3, 9), 123, 0.5)],
    )
    with override("es"):
        body = str(table_body(table))
    assert body == (
        '<tr><th scope="row" class="fw-normal">&lt;b&gt;Ana&lt;/b&gt; &amp; co</th>'
        "<td>09/03/2026</td>"
        '<td class="text-end text-nowrap">123</td>'
        '<td class="text-end text-nowrap">50,0 %</td></tr>'
    )


def test_a_years_occupancy_page_table_has_a_row_per_professional_and_week():
    table = _occupancy_year()
    with override("es"):
        body = str(table_body(table))
    assert body.count("<tr>") == len(table.rows) == WEEKS * PROFESSIONALS
    assert '<th scope="row" class="fw-normal">13/01/2025</th><td>P&lt;1&gt;</td>' in body
