"""Releasing unconfirmed appointments under real concurrency: twenty workers, one
appointment, one release; a client confirming at the deadline either wins or is told."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from citas.booking.attendance import appointment_client_confirm, appointment_release
from citas.booking.models import Appointment
from citas.core.errors import ServiceError
from citas.core.factories import AppointmentFactory
from citas.notifications.models import Notification, NotificationKind

from .helpers import bookable_practice
from .test_concurrency import THREADS, database_file_for_threads, race  # noqa: F401

pytestmark = [pytest.mark.booking_safety, pytest.mark.django_db(transaction=True)]
MADRID = ZoneInfo("Europe/Madrid")
START = datetime(2026, 12, 3, 10, tzinfo=MADRID)
DEADLINE = START - timedelta(hours=24)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(DEADLINE, tick=False):
        yield


@pytest.fixture
def appointment(db):
    s = bookable_practice(confirmation_request_hours=48, release_unconfirmed_hours=24)
    return AppointmentFactory(
        professional=s.professional, service=s.service, client=s.client, start=START
    )


def test_twenty_workers_release_an_appointment_once(appointment):
    results = race(lambda i: appointment_release(appointment=appointment, now=DEADLINE))

    assert results.count(True) == 1
    assert results.count(False) == THREADS - 1
    assert appointment.events.filter(kind="cancelled").count() == 1
    assert (
        Notification.objects.filter(
            appointment=appointment, kind=NotificationKind.CANCELLED
        ).count()
        == 1
    )


def test_a_client_confirming_while_workers_release_never_ends_half_done(appointment):
    def act(i):
        if i % 2:
            return appointment_release(appointment=appointment, now=DEADLINE)
        try:
            return appointment_client_confirm(appointment=appointment, now=DEADLINE)
        except ServiceError:
            return "refused"

    results = race(act)

    current = Appointment.objects.get(pk=appointment.pk)
    released = results.count(True)
    refused = results.count("refused")
    if current.status == "cancelled":
        assert released == 1
        assert current.client_confirmed_at is None
        assert refused == THREADS // 2
    else:
        assert released == 0
        assert current.client_confirmed_at == DEADLINE
        assert refused == 0
