from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from citas.booking.tests.helpers import bookable_practice
from citas.core.factories import AppointmentFactory, ClientFactory, MembershipFactory
from citas.practices.models import Role

MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 12, 1, 9, tzinfo=MADRID)  # Tuesday


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def s(db):
    return bookable_practice()


@pytest.fixture
def person(s):
    """A client with a past and an upcoming appointment, notes and a phone."""
    client = ClientFactory(
        practice=s.practice,
        full_name="Lucía Privada",
        email="lucia@example.com",
        phone="+34600111222",
        notes="Alergia al látex",
    )
    AppointmentFactory(
        professional=s.professional,
        service=s.service,
        client=client,
        start=NOW - timedelta(days=30),
        status="completed",
        notes="Primera visita",
    )
    AppointmentFactory(
        professional=s.professional,
        service=s.service,
        client=client,
        start=NOW + timedelta(days=2, hours=1),
        status="confirmed",
    )
    return client


def member_of(practice, role):
    return MembershipFactory(practice=practice, role=role)


@pytest.fixture
def owner_of(s):
    return member_of(s.practice, Role.OWNER)


@pytest.fixture
def logged_owner(client, owner_of):
    client.force_login(owner_of.user)
    return client
