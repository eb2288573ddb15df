"""PostgreSQL query plans of the dashboard figures: each reads the index meant for it.

The tables here are tiny, so sequential scans are switched off (as they lose on a practice with
a long history, see bench/bench_reports.py) and the test checks which index the planner picks.
"""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from citas.reports.selectors import month_figures

from .clinic import MADRID, clinic

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PostgreSQL query plans (indexes, EXPLAIN)"
    ),
]


def plan_of(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(line for (line,) in cursor.fetchall())


def only_query(run) -> str:
    with CaptureQueriesContext(connection) as queries:
        run()
    [query] = [q["sql"] for q in queries.captured_queries if "booking_appointment" in q["sql"]]
    return query


def test_month_figures_read_only_the_missed_appointments_index():
    c = clinic()
    sql = only_query(lambda: month_figures(c.practice, today=date(2026, 10, 22), tz=MADRID))
    assert "appt_missed_practice_start" in plan_of(sql)
