"""Every report of the hand-counted clinic week (see clinic.py), on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import override

from citas.booking.models import Appointment, Client
from citas.catalog.models import Service
from citas.core.factories import AppointmentFactory, ClientFactory
from citas.reports.reports import REPORTS, report_for

from .clinic import WEEK, _cancelled_at, at, clinic

pytestmark = pytest.mark.django_db

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@pytest.fixture
def c():
    return clinic()


def rows(c, name, **filters):
    with override("en"):
        return report_for(name, c.practice, c.week(**filters), window_hours=24).rows


def test_occupancy_counts_the_dst_sunday_and_subtracts_time_off(c):
    assert rows(c, "occupancy") == [
        # Ana: 5 + 5 + 0 (off) + 3 (holiday morning) + 5 + 7 (DST Sunday) = 25 h; booked
        # 60 + 30 + 60 + 90 minutes (the cancellation frees its time).
        (WEEK, "Ana", 4.0, 25.0, 0.16),
        # Luis: 5 + 5 + 5 + 3 + 5 = 23 h; booked one hour.
        (WEEK, "Luis", 1.0, 23.0, 1 / 23),
    ]


def test_occupancy_of_one_professional(c):
    assert [row[1] for row in rows(c, "occupancy", professional_id=c.luis.pk)] == ["Luis"]


def test_status_by_week(c):
    # pending, confirmed, cancelled, completed, no_show, total
    assert rows(c, "status-by-week") == [(WEEK, 0, 1, 2, 3, 1, 7)]


def test_no_shows_and_late_cancellations_by_service(c):
    assert rows(c, "no-shows-by-service") == [
        ("Fisio", 4, 1, 0.25, 1, 0.25),
        ("Masaje", 3, 0, 0.0, 0, 0.0),
    ]


def test_no_shows_by_weekday_and_hour_in_local_time(c):
    table = rows(c, "no-shows-by-hour")
    assert ("Thursday", 12, 1, 1, 1.0, 0, 0.0) in table
    assert ("Friday", 9, 1, 0, 0.0, 1, 1.0) in table
    assert ("Sunday", 4, 1, 0, 0.0, 0, 0.0) in table
    assert sum(row[2] for row in table) == 7


def test_lead_time_buckets(c):
    assert [row[1] for row in rows(c, "lead-time")] == [1, 1, 2, 1, 1, 1]


def test_channels(c):
    assert [row[:2] for row in rows(c, "channels")] == [
        ("Booking page", 2),
        ("Staff", 4),
        ("API", 1),
    ]


def test_revenue_is_price_times_completed(c):
    assert rows(c, "revenue") == [
        ("Fisio", "Ana", 1, Decimal("50.00")),
        ("Fisio", "Luis", 1, Decimal("50.00")),
        ("Masaje", "Ana", 1, Decimal("30.50")),
    ]


def test_a_later_price_change_does_not_rewrite_past_revenue(c):
    Service.objects.filter(pk=c.masaje.pk).update(price=Decimal("99.00"))

    assert ("Masaje", "Ana", 1, Decimal("30.50")) in rows(c, "revenue")


def test_new_and_returning_clients(c):
    assert [row[1] for row in rows(c, "new-vs-returning")] == [2, 1]


def test_top_clients(c):
    assert rows(c, "top-clients") == [("Alba", 2), ("Carla", 1)]


def test_filters_by_service(c):
    assert rows(c, "status-by-week", service_id=c.masaje.pk) == [(WEEK, 0, 1, 1, 1, 0, 3)]


def test_an_empty_period_has_no_rows(c):
    from citas.reports.tables import Period

    period = Period(date(2025, 1, 6), date(2025, 1, 12), c.week().tz)
    assert report_for("status-by-week", c.practice, period, window_hours=24).rows == []


def test_occupancy_leaves_out_an_inactive_professionals_bookings(c):
    # The booked-minutes query reads every professional's rows; only active ones are shown.
    c.luis.is_active = False
    c.luis.save(update_fields=["is_active"])
    assert rows(c, "occupancy") == [(WEEK, "Ana", 4.0, 25.0, 0.16)]


def test_new_and_returning_with_a_professional_counts_earlier_visits_with_anyone(c):
    # With Ana: Alba (new) and Bruno, back after his 1 September visit with Luis.
    assert [row[1] for row in rows(c, "new-vs-returning", professional_id=c.ana.pk)] == [1, 1]
    # With Luis: only Carla (new); his cancelled Tuesday does not count.
    assert [row[1] for row in rows(c, "new-vs-returning", professional_id=c.luis.pk)] == [1, 0]


def test_an_earlier_cancellation_or_a_later_visit_does_not_make_a_client_returning(c):
    alba = c.clients["Alba"]
    AppointmentFactory(
        practice=c.practice,
        professional=c.ana,
        service=c.fisio,
        client=alba,
        start=at(2, 10, month=9),
        status="cancelled",
    )
    AppointmentFactory(
        practice=c.practice,
        professional=c.ana,
        service=c.fisio,
        client=c.clients["Carla"],
        start=at(1, 10, month=11),
        status="completed",
    )
    assert [row[1] for row in rows(c, "new-vs-returning")] == [2, 1]


def test_new_and_returning_is_one_grouped_query_not_a_check_per_client(c):
    with CaptureQueriesContext(connection) as queries, override("en"):
        report_for("new-vs-returning", c.practice, c.week(), window_hours=24)
    assert len(queries) == 1
    sql = queries[0]["sql"].upper()
    assert "GROUP BY" in sql
    assert "EXISTS" not in sql


def test_a_late_cancellation_counts_once_and_only_in_its_own_practice(c):
    # A second, late cancellation event of Luis's early cancellation makes it late, once.
    early = Appointment.objects.get(practice=c.practice, professional=c.luis, status="cancelled")
    _cancelled_at(early, at(20, 9, 30))
    _cancelled_at(early, at(20, 9, 45))
    # Another practice's late cancellation in the same week counts nowhere.
    other = AppointmentFactory(start=at(23, 9), status="cancelled")
    _cancelled_at(other, at(23, 8))
    assert rows(c, "no-shows-by-service") == [
        ("Fisio", 4, 1, 0.25, 1, 0.25),
        ("Masaje", 3, 0, 0.0, 1, 1 / 3),
    ]


@pytest.mark.parametrize("name", ["no-shows-by-service", "no-shows-by-hour"])
def test_late_cancellations_are_joined_once_not_checked_per_appointment(c, name):
    with CaptureQueriesContext(connection) as queries, override("en"):
        report_for(name, c.practice, c.week(), window_hours=24)
    assert len(queries) == 1
    assert "EXISTS" not in queries[0]["sql"].upper()


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_a_blocked_clients_appointments_count_in_no_report(c, name):
    before = rows(c, name)
    eva = ClientFactory(practice=c.practice, full_name="Eva")
    for day, status in [(19, "completed"), (20, "completed"), (21, "no_show"), (22, "cancelled")]:
        AppointmentFactory(
            practice=c.practice,
            professional=c.luis,
            service=c.fisio,
            client=eva,
            start=at(day, 13),
            status=status,
        )
    assert rows(c, name) != before
    Client.all_objects.filter(pk=eva.pk).update(blocked_at=at(24, 10))

    assert rows(c, name) == before


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_a_report_joins_no_client_but_to_name_one(c, name):
    # The blocked clients are a set each row is looked up in, not a join of every row: the
    # rows then come from the covering index alone (see test_plans.py).
    with CaptureQueriesContext(connection) as queries, override("en"):
        report_for(name, c.practice, c.week(), window_hours=24)
    joins_client = [q["sql"] for q in queries if 'JOIN "booking_client"' in q["sql"]]
    assert joins_client == ([queries[0]["sql"]] if name == "top-clients" else [])


def test_the_heat_map_counts_both_half_past_two_of_the_night_summer_time_ends(c):
    # 25 October 2026, Madrid: 02:30 summer time (00:30 UTC), then 02:30 winter time (01:30 UTC).
    for utc_hour in (0, 1):
        AppointmentFactory(
            practice=c.practice,
            professional=c.luis,
            service=c.masaje,
            client=c.clients["Dani"],
            start=datetime(2026, 10, 25, utc_hour, 30, tzinfo=UTC),
            status="no_show",
        )
    table = rows(c, "no-shows-by-hour")
    assert ("Sunday", 2, 2, 2, 1.0, 0, 0.0) in table
    assert ("Sunday", 4, 1, 0, 0.0, 0, 0.0) in table
    assert [row[:2] for row in table] == sorted(
        (row[:2] for row in table), key=lambda cell: (WEEKDAYS.index(cell[0]), cell[1])
    )
