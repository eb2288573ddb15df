"""Data migrations: what they write into rows that existed before them."""

from datetime import timedelta
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps

from citas.booking.models import Appointment
from citas.core.factories import AppointmentFactory, ClientFactory

pytestmark = pytest.mark.django_db

price_migration = import_module("citas.booking.migrations.0007_appointment_price")


def test_appointments_booked_before_prices_were_kept_get_their_services_price():
    first = AppointmentFactory(service__price=Decimal("35.00"))
    # Blocked clients' appointments are hidden from the default manager, not from the backfill.
    hidden = AppointmentFactory(
        professional=first.professional,
        start=first.start + timedelta(hours=2),
        service__price=Decimal("12.50"),
        client=ClientFactory(practice=first.practice, blocked_at="2026-01-01T00:00Z"),
    )
    Appointment.all_objects.update(price=0)

    price_migration.price_from_service(apps, None)

    prices = dict(Appointment.all_objects.values_list("pk", "price"))
    assert prices == {first.pk: Decimal("35.00"), hidden.pk: Decimal("12.50")}
