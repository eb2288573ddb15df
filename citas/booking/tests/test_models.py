from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from citas.booking.models import Appointment
from citas.core.factories import AppointmentFactory, ProfessionalFactory, ServiceFactory

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")
TEN = datetime(2026, 12, 1, 10, tzinfo=MADRID)


@pytest.fixture
def booked():
    professional = ProfessionalFactory()
    service = ServiceFactory(practice=professional.practice, buffer_after_minutes=15)
    return AppointmentFactory(professional=professional, service=service, start=TEN)


def test_active_means_pending_or_confirmed(booked):
    AppointmentFactory(
        professional=booked.professional, start=TEN + timedelta(hours=2), status="pending"
    )
    AppointmentFactory(
        professional=booked.professional, start=TEN + timedelta(hours=3), status="cancelled"
    )
    AppointmentFactory(
        professional=booked.professional, start=TEN + timedelta(hours=4), status="no_show"
    )

    assert sorted(Appointment.objects.active().values_list("status", flat=True)) == [
        "confirmed",
        "pending",
    ]


def test_each_appointment_gets_its_own_secret_token(booked):
    other = AppointmentFactory(professional=booked.professional, start=TEN + timedelta(hours=2))

    assert len(booked.token) >= 40
    assert booked.token != other.token


def test_an_appointment_must_end_after_it_starts(booked):
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(start=TEN, end=TEN, blocked_start=TEN, blocked_end=TEN)


@pytest.mark.postgres
@pytest.mark.booking_safety
def test_the_database_rejects_an_overlapping_active_appointment(booked):
    # Starts inside the first appointment's after-buffer (10:30-10:45).
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(
            professional=booked.professional,
            service=booked.service,
            client=booked.client,
            start=TEN + timedelta(minutes=40),
        )

    assert Appointment.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.booking_safety
def test_the_database_allows_overlap_with_a_cancelled_appointment_or_another_professional(booked):
    booked.status = "cancelled"
    booked.save()

    AppointmentFactory(professional=booked.professional, service=booked.service, start=TEN)
    AppointmentFactory(start=TEN)

    assert Appointment.objects.active().count() == 2


@pytest.mark.postgres
@pytest.mark.booking_safety
def test_back_to_back_appointments_do_not_collide(booked):
    AppointmentFactory(
        professional=booked.professional, service=booked.service, start=booked.blocked_end
    )

    assert Appointment.objects.active().count() == 2
