"""Every hot read is an index range scan, whatever the history: PostgreSQL's own plans.

One practice with 50k appointments over three years (inserted by PostgreSQL itself); each
endpoint's queries are captured and EXPLAINed, and none may read booking_appointment
sequentially.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from bench.history import seed_history
from citas.api.models import every_scope
from citas.api.services import api_token_create
from citas.booking.closing import appointments_to_close
from citas.booking.models import Appointment
from citas.booking.rules import check_online_bookings_per_hour
from citas.core.factories import MembershipFactory
from citas.practices.models import Role

pytestmark = pytest.mark.postgres

APPOINTMENTS = 50_000
SEQUENTIAL = "Seq Scan on booking_appointment"


@pytest.fixture
def history(db):
    today = timezone.localdate()
    return seed_history(slug="historia", count=APPOINTMENTS, today=today)


def _plans_reading_appointments(run) -> list[tuple[str, str]]:
    with CaptureQueriesContext(connection) as captured:
        response = run()
    assert response.status_code == 200, response.content[:500]
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if "booking_appointment" not in sql or not sql.lstrip("( ").upper().startswith(
                "SELECT"
            ):
                continue
            cursor.execute(f"EXPLAIN {sql}")
            plans.append((sql, "\n".join(row[0] for row in cursor.fetchall())))
    assert plans, "the endpoint read no appointments: the test would prove nothing"
    return plans


def _assert_index_scans(run) -> None:
    sequential = [
        (sql, plan) for sql, plan in _plans_reading_appointments(run) if SEQUENTIAL in plan
    ]
    assert not sequential, "\n\n".join(f"{sql}\n{plan}" for sql, plan in sequential)


def test_the_staff_pages_read_appointments_by_index(client, history):
    member = MembershipFactory(practice=history.practice, role=Role.RECEPTION)
    client.force_login(member.user)
    now = timezone.localtime()
    monday = now.date() - timedelta(days=now.weekday())
    week = {"start": f"{monday}T00:00", "end": f"{monday + timedelta(days=7)}T00:00"}
    feed = reverse("booking_staff:agenda_feed")
    listing = reverse("booking_staff:appointment_list")
    for url, params in [
        (feed, week),
        (feed, week | {"professional": history.professionals[0].pk, "cancelled": "on"}),
        (listing, {"tab": "today"}),
        (listing, {"tab": "upcoming"}),
        (listing, {"tab": "past"}),
        (listing, {"tab": "past", "page": 3}),
        (listing, {"tab": "past", "professional": history.professionals[1].pk}),
        (listing, {"tab": "upcoming", "attendance": "unconfirmed"}),
        (listing, {"tab": "upcoming", "attendance": "confirmed"}),
        (listing, {"tab": "past", "attendance": "confirmed"}),
        (reverse("booking_staff:client_list"), {}),
        (reverse("practices:dashboard"), {}),
    ]:
        _assert_index_scans(lambda url=url, params=params: client.get(url, params))


def test_the_api_and_public_pages_read_appointments_by_index(history):
    owner = MembershipFactory(practice=history.practice, role=Role.OWNER)
    token = api_token_create(
        user=owner.user, practice=history.practice, name="plans", scopes=every_scope()
    )[1]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    today = timezone.localdate()
    month = {
        "service": history.service.pk,
        "from": today.isoformat(),
        "to": (today + timedelta(days=29)).isoformat(),
    }
    slug = history.practice.slug
    first_page = api.get("/api/v1/appointments/").json()
    for url, params in [
        ("/api/v1/appointments/", {}),
        (first_page["next"], {}),
        ("/api/v1/appointments/", {"professional": history.professionals[2].pk}),
        ("/api/v1/appointments/", {"client_confirmed": "false"}),
        ("/api/v1/appointments/", {"client_confirmed": "true"}),
        ("/api/v1/appointments/", {"from": (timezone.now() - timedelta(days=400)).isoformat()}),
        ("/api/v1/clients/", {}),
        (reverse("api:availability", args=[slug]), month),
        (reverse("api:availability", args=[slug]), month | {"professional": "any"}),
        (reverse("public_scheduling:availability", args=[slug]), month | {"professional": "any"}),
    ]:
        _assert_index_scans(lambda url=url, params=params: api.get(url, params))


def test_the_client_confirmed_filter_reads_by_index_before_any_client_confirmed(client, history):
    # A practice that never asked for confirmations: PostgreSQL knows that no row has one and
    # would read the whole history to find none, but for the partial index of confirmed rows.
    Appointment.objects.filter(practice=history.practice).update(client_confirmed_at=None)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE booking_appointment")
    owner = MembershipFactory(practice=history.practice, role=Role.OWNER)
    client.force_login(owner.user)
    token = api_token_create(
        user=owner.user, practice=history.practice, name="plans", scopes=every_scope()
    )[1]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    listing = reverse("booking_staff:appointment_list")

    for tab in ("upcoming", "past"):
        _assert_index_scans(
            lambda tab=tab: client.get(listing, {"tab": tab, "attendance": "confirmed"})
        )
    _assert_index_scans(lambda: api.get("/api/v1/appointments/", {"client_confirmed": "true"}))


def test_the_past_appointments_to_close_are_read_by_index(history):
    # The seeded past has one confirmed appointment in seven, left open.
    rows = appointments_to_close(practice=history.practice, now=timezone.now())

    for plan in (rows[:25].explain(), rows.filter(status="confirmed")[:500].explain()):
        assert SEQUENTIAL not in plan, plan


def test_the_hourly_count_of_online_bookings_reads_by_index(history):
    # Booked over three years: the last hour is a sliver of the history.
    Appointment.all_objects.filter(practice=history.practice).update(created_at=F("start"))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE booking_appointment")
    with CaptureQueriesContext(connection) as captured:
        check_online_bookings_per_hour(practice=history.practice, most=10_000, now=timezone.now())

    [sql] = [query["sql"] for query in captured.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "appt_online_practice_created" in plan, plan


def test_the_availability_reads_busy_times_from_the_open_blocked_ranges_alone(history):
    # Only pending and confirmed rows are in the (professional, blocked_start) index, and it
    # carries blocked_end: no second index to intersect with (appt_open_practice_start, which
    # the planner used to AND in), and with a vacuumed table no visit to the table at all.
    today = timezone.localdate()
    params = {
        "service": history.service.pk,
        "from": today.isoformat(),
        "to": (today + timedelta(days=29)).isoformat(),
    }
    url = reverse("api:availability", args=[history.practice.slug])
    [(sql, plan)] = _plans_reading_appointments(lambda: APIClient().get(url, params))

    assert "appt_prof_blocked_start" in plan, plan
    assert "appt_open_practice_start" not in plan, plan


@pytest.mark.django_db(transaction=True)
def test_the_client_list_counts_from_indexes_without_visiting_the_table(client):
    """Each client's appointment count reads the client_id index and its no-shows the
    no-shows' partial index, index-only once the table is vacuumed (as autovacuum keeps it):
    a page of clients with years of history each costs what it costs with a few weeks."""
    history = seed_history(slug="fichas", count=APPOINTMENTS, today=timezone.localdate())
    member = MembershipFactory(practice=history.practice, role=Role.RECEPTION)
    client.force_login(member.user)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE booking_appointment")  # outside a transaction here

    [(sql, plan)] = _plans_reading_appointments(
        lambda: client.get(reverse("booking_staff:client_list"))
    )

    assert "Heap Scan on booking_appointment" not in plan, plan
    assert plan.count("Index Only Scan") == 2, plan
    assert "appt_client_no_show_start" in plan, plan
