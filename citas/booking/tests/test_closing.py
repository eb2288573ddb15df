from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from citas.booking.closing import appointments_close_past, appointments_to_close
from citas.booking.models import AppointmentEvent, AppointmentStatus
from citas.booking.tasks import close_past_appointments
from citas.core.factories import AppointmentFactory, ProfessionalFactory
from citas.scheduling.models import BookingPolicy
from citas.scheduling.selectors import policy_for

MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 12, 1, 12, tzinfo=MADRID)


def practice_with(*, complete: bool):
    professional = ProfessionalFactory()
    policy = policy_for(professional.practice)
    policy.complete_past_appointments = complete
    policy.save()
    return professional


def appointment(professional, hours_ago: float, status=AppointmentStatus.CONFIRMED):
    return AppointmentFactory(
        professional=professional, start=NOW - timedelta(hours=hours_ago), status=status
    )


@pytest.fixture
def closing(db):
    return practice_with(complete=True)


def test_ended_confirmed_appointments_are_completed_when_the_practice_asks(closing):
    ended = appointment(closing, hours_ago=2)
    running = appointment(closing, hours_ago=0.25)  # 30 minutes long: ends at 12:15
    pending = appointment(closing, hours_ago=3, status=AppointmentStatus.PENDING)

    assert appointments_close_past(now=NOW) == 1

    for row in (ended, running, pending):
        row.refresh_from_db()
    assert (ended.status, running.status, pending.status) == ("completed", "confirmed", "pending")
    event = AppointmentEvent.objects.get(appointment=ended)
    assert (event.kind, event.actor) == ("completed", None)


def test_a_practice_that_closes_them_itself_keeps_them_open(closing):
    manual = practice_with(complete=False)
    left = appointment(manual, hours_ago=2)

    appointments_close_past(now=NOW)

    left.refresh_from_db()
    assert left.status == AppointmentStatus.CONFIRMED


def test_appointments_to_close_lists_the_ended_open_ones_of_the_practice_only(db):
    manual = practice_with(complete=False)
    confirmed = appointment(manual, hours_ago=26)
    pending = appointment(manual, hours_ago=5, status=AppointmentStatus.PENDING)
    appointment(manual, hours_ago=4, status=AppointmentStatus.COMPLETED)
    appointment(manual, hours_ago=6, status=AppointmentStatus.CANCELLED)
    appointment(manual, hours_ago=0.25)  # not over yet
    appointment(manual, hours_ago=-24)  # tomorrow
    appointment(practice_with(complete=False), hours_ago=2)  # another practice

    rows = list(appointments_to_close(practice=manual.practice, now=NOW))

    assert rows == [confirmed, pending]


def test_the_hourly_task_closes_them(closing, time_machine):
    time_machine.move_to(NOW)
    ended = appointment(closing, hours_ago=2)

    close_past_appointments.call_local()

    ended.refresh_from_db()
    assert ended.status == AppointmentStatus.COMPLETED


def test_the_manager_turns_automatic_closing_on(owner, owner_client):
    data = {
        "min_notice_minutes": "60",
        "horizon_days": "30",
        "slot_step_minutes": "15",
        "cancellation_window_hours": "24",
        "complete_past_appointments": "on",
    }

    response = owner_client.post(reverse("scheduling:policy"), data)

    assert response.status_code == 302
    assert BookingPolicy.objects.get(practice=owner.practice).complete_past_appointments
