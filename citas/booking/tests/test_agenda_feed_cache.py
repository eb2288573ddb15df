"""The agenda feed's cache (citas.booking.agenda_cache): a week asked for again is not built
again, and nothing the agenda shows can change without the next read showing it.

Each request and each change runs its on-commit callbacks (as outside a test's transaction):
the cache entry is written on commit, and the changes outside booking transactions bump the
schedule version after theirs."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from citas.booking import services, staff_views
from citas.booking.attendance import appointment_client_confirm
from citas.booking.models import Appointment, AppointmentStatus
from citas.calendars.models import ExternalBusy, ExternalCalendar
from citas.calendars.services import external_calendar_update
from citas.catalog.services import service_update
from citas.core.factories import (
    AppointmentFactory,
    ClientFactory,
    MembershipFactory,
    ProfessionalFactory,
    ServiceFactory,
    WorkingHoursFactory,
)
from citas.practices.models import Role
from citas.privacy.erasure import client_anonymise, client_block
from citas.scheduling.services import time_off_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]
MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 11, 30, 8, tzinfo=MADRID)  # a Monday morning
TUESDAY_TEN = datetime(2026, 12, 1, 10, tzinfo=MADRID)
FEED = reverse("booking_staff:agenda_feed")
WEEK = {"start": "2026-11-30T00:00:00", "end": "2026-12-07T00:00:00"}


@pytest.fixture
def member(db):
    return MembershipFactory(role=Role.OWNER)


@pytest.fixture
def professional(member):
    professional = ProfessionalFactory(
        practice=member.practice, display_name="Luis Gil", color="#225588"
    )
    for weekday in range(5):
        WorkingHoursFactory(professional=professional, weekday=weekday, end_time=time(14))
    return professional


@pytest.fixture
def service(professional):
    return ServiceFactory(
        practice=professional.practice,
        name="Fisioterapia",
        color="#aa3355",
        professionals=[professional],
    )


@pytest.fixture
def booked(professional, service):
    ana = ClientFactory(practice=professional.practice, full_name="Ana López")
    return AppointmentFactory(
        professional=professional,
        service=service,
        client=ana,
        start=TUESDAY_TEN,
        status=AppointmentStatus.CONFIRMED,
    )


@pytest.fixture
def feed(member_client, django_capture_on_commit_callbacks):
    """The feed's events as a staff member's browser gets them, on-commit callbacks run."""

    def read(params=WEEK):
        with django_capture_on_commit_callbacks(execute=True):
            response = member_client.get(FEED, params)
        assert response.status_code == 200
        return response.json()

    return read


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs a change and then its on-commit callbacks, as its commit would."""

    def run(change):
        with django_capture_on_commit_callbacks(execute=True):
            return change()

    return run


def _appointment_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if 'FROM "booking_appointment"' in q["sql"]]


def test_a_week_asked_for_again_is_not_built_again(feed, booked):
    first = feed()
    with CaptureQueriesContext(connection) as queries:
        second = feed()

    assert second == first
    assert [event["title"] for event in first] == ["10:00 Ana López"]
    assert _appointment_queries(queries) == []


def test_another_week_other_professionals_or_the_cancelled_switch_are_built_apart(
    feed, booked, professional, service
):
    cancelled = AppointmentFactory(
        professional=professional,
        service=service,
        start=TUESDAY_TEN + timedelta(hours=2),
        status=AppointmentStatus.CANCELLED,
    )
    other = ProfessionalFactory(practice=professional.practice)
    feed()

    with_cancelled = feed({**WEEK, "cancelled": "1"})
    only_other = feed({**WEEK, "professional": [other.pk]})
    next_week = feed({"start": "2026-12-07T00:00:00", "end": "2026-12-14T00:00:00"})

    assert [e["id"] for e in with_cancelled] == [booked.pk, cancelled.pk]
    assert only_other == []
    assert next_week == []


def _rename_in_the_staff_form(member_client, booked):
    response = member_client.post(
        reverse("booking_staff:client_edit", args=[booked.client.pk]),
        {"full_name": "Ana María López", "email": booked.client.email, "phone": "", "notes": ""},
    )
    assert response.status_code == 302, response.content
    assert response["Location"] == reverse("booking_staff:client_detail", args=[booked.client.pk])


def _merge(member_client, booked):
    other = ClientFactory(practice=booked.practice, full_name="Ana María López")
    services.client_merge(practice=booked.practice, keep=other, merge=booked.client, by=None)


def _rename_professional(member_client, booked):
    booked.professional.display_name = "Luis Gil Ruiz"
    booked.professional.color = "#000000"
    booked.professional.save()


def _rename_service(member_client, booked):
    service_update(
        service=booked.service,
        name="Fisioterapia deportiva",
        description="",
        duration_minutes=booked.service.duration_minutes,
        buffer_before_minutes=0,
        buffer_after_minutes=0,
        price=booked.service.price,
        color="#000000",
        professionals=[booked.professional],
    )


def _cancel(member_client, booked):
    services.appointment_cancel(appointment=booked, by=None, by_client=True)


def _move(member_client, booked):
    services.appointment_reschedule(
        appointment=booked,
        start=TUESDAY_TEN + timedelta(hours=1),
        professional=booked.professional,
        by=None,
        by_client=False,
    )


def _client_confirms(member_client, booked):
    appointment_client_confirm(appointment=booked)


def _block(member_client, booked):
    client_block(client=booked.client, by=None, now=NOW)


def _erase(member_client, booked):
    client_anonymise(client=booked.client, now=NOW)


def _book_another(member_client, booked):
    client = ClientFactory(practice=booked.practice, full_name="Pere Soler")
    services.appointment_book(
        practice=booked.practice,
        professional=booked.professional,
        service=booked.service,
        client=client,
        start=TUESDAY_TEN + timedelta(hours=2),
        by=None,
        by_client=False,
    )


def _time_off(member_client, booked):
    time_off_create(
        practice=booked.practice,
        professional=booked.professional,
        start=TUESDAY_TEN + timedelta(hours=2),
        end=TUESDAY_TEN + timedelta(hours=3),
        all_day=False,
        reason="otro",
        note="Médico",
    )


def _share_titles(member_client, booked):
    calendar = ExternalCalendar.objects.create(
        practice=booked.practice, professional=booked.professional, name="P", url="https://x.test/"
    )
    ExternalBusy.objects.create(
        calendar=calendar,
        professional=booked.professional,
        start=TUESDAY_TEN + timedelta(hours=2),
        end=TUESDAY_TEN + timedelta(hours=3),
        title="Dentista",
    )
    return calendar


def _titles_and_looks(events):
    return [
        (
            e["title"],
            e["backgroundColor"],
            e.get("extendedProps", {}).get("professional"),
            e.get("extendedProps", {}).get("service"),
            e.get("extendedProps", {}).get("status"),
            e["start"],
        )
        for e in events
    ]


@pytest.mark.parametrize(
    "change",
    [
        _rename_in_the_staff_form,
        _merge,
        _rename_professional,
        _rename_service,
        _cancel,
        _move,
        _client_confirms,
        _block,
        _erase,
        _book_another,
        _time_off,
    ],
)
def test_whatever_changes_an_event_shows_on_the_next_read(
    feed, committed, member_client, booked, change
):
    before = _titles_and_looks(feed())

    committed(lambda: change(member_client, Appointment.objects.get(pk=booked.pk)))

    after = _titles_and_looks(feed())
    assert after != before
    fresh = _titles_and_looks(_uncached(member_client))
    assert after == fresh


def test_sharing_an_external_calendars_titles_shows_on_the_next_read(
    feed, committed, member_client, booked
):
    calendar = committed(lambda: _share_titles(member_client, booked))
    assert [e["title"] for e in feed()][-1] == "Ocupado"

    committed(lambda: external_calendar_update(calendar=calendar, name="P", share_titles=True))

    assert [e["title"] for e in feed()][-1] == "Dentista"


def _uncached(member_client):
    """The feed built without the cache (nothing committed, so nothing read from it)."""
    from django.core.cache import caches

    caches["agenda"].clear()
    return member_client.get(FEED, WEEK).json()


def test_a_reading_that_raced_a_change_is_not_served_after_it(
    feed, committed, member_client, booked, monkeypatch
):
    """The version is read before the rows: a rename committed while the feed was being built
    leaves that feed under the old version, and the next read builds it again."""
    real = staff_views.appointment_events_json

    def rows_read_then_a_rename(rows, **kwargs):
        text = real(rows, **kwargs)  # PostgreSQL: the rows are read here
        list(rows)  # SQLite: read here (the queryset keeps them for the view)
        client = booked.client
        client.full_name = "Ana María López"
        committed(client.save)
        return text

    monkeypatch.setattr(staff_views, "appointment_events_json", rows_read_then_a_rename)
    raced = feed()
    monkeypatch.setattr(staff_views, "appointment_events_json", real)

    assert [e["title"] for e in raced] == ["10:00 Ana López"]
    assert [e["title"] for e in feed()] == ["10:00 Ana María López"]


def test_a_save_that_changes_nothing_shown_keeps_the_entry(feed, committed, booked):
    feed()
    client = booked.client
    client.no_shows_reset_at = NOW
    committed(lambda: client.save(update_fields=["no_shows_reset_at", "updated_at"]))

    with CaptureQueriesContext(connection) as queries:
        feed()

    assert _appointment_queries(queries) == []


def test_two_practices_asking_for_the_same_week_get_their_own(
    feed, booked, client, django_capture_on_commit_callbacks
):
    feed()
    stranger = MembershipFactory(role=Role.OWNER)
    theirs = ProfessionalFactory(practice=stranger.practice)
    AppointmentFactory(
        professional=theirs,
        service=ServiceFactory(practice=stranger.practice, professionals=[theirs]),
        client=ClientFactory(practice=stranger.practice, full_name="Marta Vidal"),
        start=TUESDAY_TEN,
    )
    client.force_login(stranger.user)

    with django_capture_on_commit_callbacks(execute=True):
        events = client.get(FEED, WEEK).json()

    assert [e["title"] for e in events] == ["10:00 Marta Vidal"]


def test_each_language_gets_its_own_labels(feed, member_client, booked):
    spanish = feed()
    member_client.cookies["django_language"] = "en"
    english = feed()

    assert spanish[0]["extendedProps"]["statusLabel"] == "Confirmada"
    assert english[0]["extendedProps"]["statusLabel"] == "Confirmed"
