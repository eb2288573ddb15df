import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from citas.booking.models import Appointment, AppointmentEvent, AppointmentStatus
from citas.notifications.models import Notification

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")
FRIDAY = datetime(2026, 11, 27, 9, tzinfo=MADRID)


@pytest.fixture(autouse=True)
def frozen_clock(settings):
    settings.DEBUG = True  # seed_demo is for development
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


def _logins(output: str) -> dict[str, str]:
    return dict(re.findall(r"^\s+(\S+@demo\.test)\s+(\S+)", output, flags=re.MULTILINE))


def test_it_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")
    assert counts() == (0, 0, 0)
    call_command("seed_demo", "--force", stdout=io.StringIO())
    assert counts()[0] == 8


def test_it_prints_new_random_passwords_that_work():
    first, second = io.StringIO(), io.StringIO()
    call_command("seed_demo", stdout=first)
    call_command("seed_demo", stdout=second)
    before, after = _logins(first.getvalue()), _logins(second.getvalue())
    assert len(after) == 5
    assert len(set(after.values())) == 5
    assert not set(before.values()) & set(after.values())
    for email, password in after.items():
        assert authenticate(email=email, password=password) is not None, email
    assert authenticate(email="ana@demo.test", password=before["ana@demo.test"]) is None
    assert authenticate(email="ana@demo.test", password="demo-citas-2026") is None
