"""The upcoming-appointments cap and the practice's hourly ceiling under real concurrency: one
address, or twenty, book twenty different professionals at once (no common row lock between
them); at most the cap get through."""

import pytest
import time_machine

from citas.booking.models import Appointment
from citas.booking.services import appointment_book
from citas.booking.tests.helpers import set_rules
from citas.booking.tests.test_concurrency import (  # noqa: F401 — the fixture is used
    NOW,
    THREADS,
    TUESDAY_TEN,
    database_file_for_threads,
    race,
)
from citas.core.errors import ServiceError
from citas.core.factories import ClientFactory, ProfessionalFactory

pytestmark = [pytest.mark.booking_safety, pytest.mark.django_db(transaction=True)]
CAP = 3


def twenty_professionals(s) -> list:
    """The practice's professional and 19 colleagues with the same hours and service."""
    professionals = [s.professional] + [
        ProfessionalFactory(practice=s.practice) for _ in range(THREADS - 1)
    ]
    for professional in professionals[1:]:
        for hours in s.professional.working_hours.all():
            hours.pk = None
            hours.professional = professional
            hours.save()
        s.service.professionals.add(professional)
    return professionals


def refusals_booking_twenty_professionals_at_once(s, clients: list) -> list:
    """Thread i books professional i for clients[i] at the same time: the refusals' codes."""
    professionals = twenty_professionals(s)

    def book(i):
        try:
            return appointment_book(
                practice=s.practice,
                professional=professionals[i],
                service=s.service,
                client=clients[i],
                start=TUESDAY_TEN,
                by_client=True,
                now=NOW,
            )
        except ServiceError as refused:  # race() wants values: exceptions count as failures
            return refused.code

    with time_machine.travel(NOW, tick=False):  # created_at and `now` in the same hour
        return [result for result in race(book) if isinstance(result, str)]


def test_one_address_booking_twenty_professionals_at_once_stops_at_the_cap(s):
    set_rules(s, max_upcoming_per_client=CAP)

    refused = refusals_booking_twenty_professionals_at_once(s, [s.client] * THREADS)

    assert refused == ["too_many_upcoming"] * (THREADS - CAP)
    assert Appointment.objects.filter(client=s.client).count() == CAP


def test_twenty_addresses_booking_twenty_professionals_at_once_stop_at_the_hourly_ceiling(s):
    set_rules(s, max_online_bookings_hour=CAP)
    clients = [
        ClientFactory(practice=s.practice, email=f"c{i}@example.com") for i in range(THREADS)
    ]

    refused = refusals_booking_twenty_professionals_at_once(s, clients)

    assert refused == ["too_many_bookings"] * (THREADS - CAP)
    assert Appointment.objects.count() == CAP
