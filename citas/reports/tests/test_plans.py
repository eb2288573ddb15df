"""PostgreSQL query plans of the dashboard figures: each reads the index meant for it.

The tables here are tiny, so sequential scans are switched off (as they lose on a practice with
a long history, see bench/bench_reports.py) and the test checks which index the planner picks.
"""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bench.history import seed_history
from citas.core.factories import MembershipFactory
from citas.practices.models import Role
from citas.reports.reports import REPORTS
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


# A year's reports over three years of history (150k appointments), on pages all-visible as
# autovacuum keeps a practice's past; bench/bench_reports.py times the same at 200k.
HISTORY = 150_000
# Not booking_appointmentevent: the late cancellations are looked up by their appointment.
SEQUENTIAL = re.compile(r"Seq Scan on booking_appointment\b")
COVERING = "Index Only Scan using appt_practice_start_id on booking_appointment"


@pytest.fixture
def history(transactional_db):
    history = seed_history(slug="informes", count=HISTORY, today=timezone.localdate())
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE booking_appointment")
    return history


def test_a_years_reports_read_appointments_from_the_covering_index(client, history):
    owner = MembershipFactory(practice=history.practice, role=Role.OWNER)
    client.force_login(owner.user)
    today = timezone.localdate()
    year = {"start": (today - timedelta(days=364)).isoformat(), "end": today.isoformat()}
    plans = {}
    # new-vs-returning reads every year before the period too (was each client seen before?):
    # most of the table, which PostgreSQL reads sequentially in parallel, as fast as by index.
    for name in sorted(set(REPORTS) - {"new-vs-returning"}):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("reports:report", args=[name]), year).status_code == 200
        [sql] = [q["sql"] for q in queries.captured_queries if "booking_appointment" in q["sql"]]
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {sql}")
            plans[name] = "\n".join(line for (line,) in cursor.fetchall())

    sequential = {name: plan for name, plan in plans.items() if SEQUENTIAL.search(plan)}
    assert not sequential, "\n\n".join(f"{name}\n{plan}" for name, plan in sequential.items())
    assert [name for name, plan in plans.items() if COVERING not in plan] == []
