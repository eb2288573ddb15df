"""A series booked while clients book the same times on the public page: every time ends up
with one appointment, and the series is booked whole or not at all."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from citas.booking.models import Appointment, AppointmentSeries
from citas.booking.series import SeriesScope, series_book, series_move
from citas.booking.services import appointment_book
from citas.core.factories import ClientFactory

from .helpers import bookable_practice, colleague
from .test_concurrency import THREADS, database_file_for_threads, race  # noqa: F401

pytestmark = [pytest.mark.booking_safety, pytest.mark.django_db(transaction=True)]
MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 11, 30, 8, tzinfo=MADRID)  # a Monday
TUESDAYS = [datetime(2026, 12, 1, 10, tzinfo=MADRID) + timedelta(weeks=w) for w in range(4)]


def test_a_series_racing_public_bookings_is_all_or_nothing_and_never_overlaps(db):
    s = bookable_practice()
    clients = [ClientFactory(practice=s.practice) for _ in range(THREADS)]

    def act(i):
        if i == 0:
            return series_book(
                practice=s.practice,
                professional=s.professional,
                service=s.service,
                client=s.client,
                frequency="weekly",
                starts=TUESDAYS,
                now=NOW,
            )
        return appointment_book(
            practice=s.practice,
            professional=s.professional,
            service=s.service,
            client=clients[i],
            start=TUESDAYS[i % len(TUESDAYS)],
            by_client=True,
            now=NOW,
        )

    race(act)

    active = Appointment.objects.active().filter(professional=s.professional)
    assert sorted(active.values_list("start", flat=True)) == TUESDAYS
    series = AppointmentSeries.objects.first()
    if series is not None:
        assert active.filter(series=series).count() == len(TUESDAYS)
    else:
        assert not active.filter(series__isnull=False).exists()
        assert AppointmentSeries.objects.count() == 0


def test_a_series_moving_to_another_professional_racing_public_bookings_never_overlaps(db):
    s = bookable_practice()
    series = series_book(
        practice=s.practice,
        professional=s.professional,
        service=s.service,
        client=s.client,
        frequency="weekly",
        starts=TUESDAYS,
        now=NOW,
    )
    members = list(series.appointments.order_by("start"))
    other = colleague(s.service)
    clients = [ClientFactory(practice=s.practice) for _ in range(THREADS)]

    def act(i):
        if i == 0:
            return series_move(
                appointment=members[0],
                scope=SeriesScope.ALL,
                start=TUESDAYS[0],
                professional=other,
                by=None,
                now=NOW,
            )
        return appointment_book(
            practice=s.practice,
            professional=other,
            service=s.service,
            client=clients[i],
            start=TUESDAYS[i % len(TUESDAYS)],
            by_client=True,
            now=NOW,
        )

    race(act)

    on_other = sorted(
        Appointment.objects.active().filter(professional=other).values_list("start", flat=True)
    )
    assert len(on_other) == len(set(on_other))  # no overlap
    owners = set(series.appointments.values_list("professional", flat=True))
    assert owners in ({s.professional.pk}, {other.pk})  # all moved, or none
    if owners == {other.pk}:  # the move won: it holds every Tuesday, no booking got in
        assert on_other == TUESDAYS
    # (A public booking that lost its race, or was refused after repeated lock conflicts,
    # answers "taken"; so when the move lost, a Tuesday may stay free. Never two on one.)
    assert series.appointments.filter(status="confirmed").count() == len(TUESDAYS)
