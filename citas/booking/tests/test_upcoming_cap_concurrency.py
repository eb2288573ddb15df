"""The upcoming-appointments cap under real concurrency: one address books twenty different
professionals at once (no common row lock between them); at most the cap get through."""

import pytest

from citas.booking.models import Appointment
from citas.booking.services import appointment_book
from citas.booking.tests.test_concurrency import (  # noqa: F401 — the fixture is used
    NOW,
    THREADS,
    TUESDAY_TEN,
    database_file_for_threads,
    race,
)
from citas.core.errors import ServiceError
from citas.core.factories import ProfessionalFactory

pytestmark = [pytest.mark.booking_safety, pytest.mark.django_db(transaction=True)]
CAP = 3


def test_one_address_booking_twenty_professionals_at_once_stops_at_the_cap(s, settings):
    settings.BOOKING_MAX_UPCOMING_PER_CLIENT = CAP
    professionals = [s.professional] + [
        ProfessionalFactory(practice=s.practice) for _ in range(THREADS - 1)
    ]
    for professional in professionals[1:]:
        for hours in s.professional.working_hours.all():
            hours.pk = None
            hours.professional = professional
            hours.save()
        s.service.professionals.add(professional)

    def book(i):
        try:
            return appointment_book(
                practice=s.practice,
                professional=professionals[i],
                service=s.service,
                client=s.client,
                start=TUESDAY_TEN,
                by_client=True,
                now=NOW,
            )
        except ServiceError as refused:  # race() wants values: exceptions count as failures
            return ("refused", refused.code)

    results = race(book)

    refused = [r for r in results if isinstance(r, tuple)]
    assert set(refused) == {("refused", "too_many_upcoming")}
    assert len(refused) == THREADS - CAP
    assert Appointment.objects.filter(client=s.client).count() == CAP
