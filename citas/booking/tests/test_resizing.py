"""Changing how long an appointment lasts: `appointment_reschedule(end=...)` and the agenda's
resize (the move endpoint with an `end`)."""

import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from citas.booking.models import AppointmentStatus
from citas.booking.services import SlotTaken, appointment_reschedule
from citas.core.errors import ServiceError
from citas.core.factories import (
    AppointmentFactory,
    ClientFactory,
    MembershipFactory,
    ProfessionalFactory,
    ServiceFactory,
    TimeOffFactory,
    WorkingHoursFactory,
)
from citas.practices.models import Role
from citas.scheduling.selectors import policy_for

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 11, 30, 8, tzinfo=MADRID)  # a Monday morning
TUESDAY_TEN = datetime(2026, 12, 1, 10, tzinfo=MADRID)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        yield


@pytest.fixture
def member(db):
    return MembershipFactory(role=Role.PROFESSIONAL)


@pytest.fixture
def booked(member):
    """A 30-minute appointment on Tuesday 10:00 with 10 minutes of buffer after it; the
    professional works 9–14."""
    professional = ProfessionalFactory(practice=member.practice)
    for weekday in range(5):
        WorkingHoursFactory(
            professional=professional, weekday=weekday, start_time=time(9), end_time=time(14)
        )
    service = ServiceFactory(
        practice=member.practice,
        duration_minutes=30,
        buffer_after_minutes=10,
        professionals=[professional],
    )
    rules = policy_for(member.practice)
    rules.slot_step_minutes = 15
    rules.save()
    return AppointmentFactory(
        professional=professional,
        service=service,
        client=ClientFactory(practice=member.practice),
        start=TUESDAY_TEN,
    )


def resize(appointment, minutes: int, **kwargs):
    return appointment_reschedule(
        appointment=appointment,
        start=appointment.start,
        end=appointment.start + timedelta(minutes=minutes),
        by=kwargs.pop("by", None),
        by_client=kwargs.pop("by_client", False),
        **kwargs,
    )


def neighbour_at(appointment, start):
    return AppointmentFactory(
        professional=appointment.professional,
        service=appointment.service,
        client=appointment.client,
        start=start,
    )


def assert_unchanged(appointment):
    start, end = appointment.start, appointment.end
    appointment.refresh_from_db()
    assert (appointment.start, appointment.end) == (start, end)
    assert not appointment.events.exists()


# --- the service -------------------------------------------------------------------------------


def test_resizing_changes_the_end_and_the_blocked_range_and_records_the_previous_range(booked):
    resized = resize(booked, 75)

    assert resized.end == TUESDAY_TEN + timedelta(minutes=75)
    assert resized.blocked_end == TUESDAY_TEN + timedelta(minutes=85)
    assert resized.blocked_start == TUESDAY_TEN
    event = resized.events.get(kind="rescheduled")
    assert datetime.fromisoformat(event.data["previous_start"]) == TUESDAY_TEN
    assert datetime.fromisoformat(event.data["previous_end"]) == TUESDAY_TEN + timedelta(minutes=30)


def test_a_resized_appointment_keeps_its_length_when_moved(booked):
    resize(booked, 60)

    moved = appointment_reschedule(
        appointment=booked, start=TUESDAY_TEN + timedelta(hours=2), by_client=False
    )

    assert moved.end - moved.start == timedelta(minutes=60)


def test_resizing_over_the_next_appointments_buffer_is_slot_taken(booked):
    neighbour_at(booked, TUESDAY_TEN + timedelta(minutes=60))

    # 10:00–10:55 plus 10 minutes of buffer reaches into the 11:00 appointment.
    with pytest.raises(SlotTaken):
        resize(booked, 55)
    assert_unchanged(booked)


def test_resizing_over_another_appointment_is_refused_even_when_overriding(booked):
    neighbour_at(booked, TUESDAY_TEN + timedelta(minutes=60))

    with pytest.raises(SlotTaken):
        resize(booked, 90, override_policy=True)
    assert_unchanged(booked)


def test_resizing_past_the_working_hours_needs_an_override(booked):
    with pytest.raises(ServiceError, match="not available"):
        resize(booked, 5 * 60)
    assert_unchanged(booked)

    resized = resize(booked, 5 * 60, override_policy=True)

    assert resized.end == TUESDAY_TEN + timedelta(hours=5)


def test_resizing_into_time_off_is_refused(booked):
    TimeOffFactory(
        practice=booked.practice,
        professional=booked.professional,
        start=TUESDAY_TEN + timedelta(hours=1),
        end=TUESDAY_TEN + timedelta(hours=2),
        all_day=False,
    )

    with pytest.raises(ServiceError, match="not available"):
        resize(booked, 90)
    assert_unchanged(booked)


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        (0, "at least 5 minutes"),
        (-30, "at least 5 minutes"),
        (12 * 60 + 5, "at most 12 hours"),
        (47, "5-minute mark"),
    ],
)
def test_a_bad_length_is_a_clear_error_on_the_end(booked, minutes, message):
    with pytest.raises(ServiceError, match=message) as info:
        resize(booked, minutes, override_policy=True)

    assert info.value.field == "end"
    assert_unchanged(booked)


def test_a_client_cannot_change_the_length(booked):
    with pytest.raises(ServiceError, match="Only the practice"):
        resize(booked, 60, by_client=True)
    assert_unchanged(booked)


def test_a_cancelled_appointment_cannot_be_resized(booked):
    booked.status = AppointmentStatus.CANCELLED
    booked.save()

    with pytest.raises(ServiceError, match="can no longer be changed"):
        resize(booked, 60)


# --- the agenda's resize -----------------------------------------------------------------------


def _resize(client, appointment, end, **body):
    return client.post(
        reverse("booking_staff:appointment_move", args=[appointment.pk]),
        json.dumps({"start": "2026-12-01T10:00:00", "end": end, **body}),
        content_type="application/json",
    )


def test_stretching_an_event_in_the_agenda_changes_its_end(member_client, booked):
    response = _resize(member_client, booked, "2026-12-01T11:15:00")

    assert response.status_code == 200
    assert response.json()["ok"] is True
    booked.refresh_from_db()
    assert booked.end == datetime(2026, 12, 1, 11, 15, tzinfo=MADRID)


def test_a_resize_past_closing_time_offers_to_book_anyway(member_client, booked):
    refused = _resize(member_client, booked, "2026-12-01T15:00:00")
    assert_unchanged(booked)

    forced = _resize(member_client, booked, "2026-12-01T15:00:00", override=True)

    assert refused.status_code == 422
    assert refused.json()["can_override"] is True
    assert forced.status_code == 200
    booked.refresh_from_db()
    assert booked.end == datetime(2026, 12, 1, 15, tzinfo=MADRID)
    assert booked.events.get().data["override"] is True


def test_a_resize_onto_another_appointment_snaps_back_with_a_409(member_client, booked):
    neighbour_at(booked, TUESDAY_TEN + timedelta(hours=1))

    response = _resize(member_client, booked, "2026-12-01T11:30:00")

    assert response.status_code == 409
    assert response.json()["code"] == "slot_taken"
    assert_unchanged(booked)


def test_a_resize_off_the_five_minute_grid_cannot_be_forced(member_client, booked):
    response = _resize(member_client, booked, "2026-12-01T10:47:00")

    assert response.status_code == 422
    assert response.json()["can_override"] is False
    assert response.json()["error"]
    assert_unchanged(booked)


def test_a_garbled_end_is_a_400(member_client, booked):
    response = _resize(member_client, booked, "half past ten")

    assert response.status_code == 400
    assert "end" in response.json()["errors"]
    assert_unchanged(booked)


def test_another_practice_cannot_resize_an_appointment(client, booked):
    client.force_login(MembershipFactory(role=Role.OWNER).user)

    response = _resize(client, booked, "2026-12-01T11:00:00")

    assert response.status_code == 404
    assert_unchanged(booked)
