from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from citas.booking.models import Appointment, AppointmentEvent, AppointmentStatus
from citas.notifications.models import Notification

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")
FRIDAY = datetime(2026, 11, 27, 9, tzinfo=MADRID)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(FRIDAY, tick=False):
        yield


def counts() -> tuple[int, int, int]:
    return (
        Appointment.objects.count(),
        AppointmentEvent.objects.count(),
        Notification.objects.count(),
    )


def test_the_demo_books_through_the_services_with_history_and_notifications():
    call_command("seed_demo")

    appointments = list(Appointment.objects.order_by("start"))
    statuses = [a.status for a in appointments]
    assert statuses[:2] == [AppointmentStatus.NO_SHOW, AppointmentStatus.COMPLETED]
    assert set(statuses[2:]) == {AppointmentStatus.CONFIRMED}
    upcoming = [a.start.astimezone(MADRID) for a in appointments[2:]]
    assert all(start > FRIDAY and start.weekday() < 5 for start in upcoming)
    assert all(a.start < FRIDAY for a in appointments[:2])
    assert AppointmentEvent.objects.filter(kind="created").count() == len(appointments)
    assert Notification.objects.exists()


def test_seeding_twice_adds_nothing():
    call_command("seed_demo")
    first = counts()

    call_command("seed_demo")

    assert counts() == first
    assert first[0] == 8


def test_the_demo_queues_no_message_to_its_made_up_people(mailoutbox):
    from citas.notifications.delivery import notifications_send_due

    call_command("seed_demo")

    assert not Notification.objects.filter(status="pending").exists()
    assert Notification.objects.filter(status="cancelled").exists()  # the log still has rows
    report = notifications_send_due(now=FRIDAY + timedelta(days=30))
    assert report.claimed == 0
    assert mailoutbox == []
