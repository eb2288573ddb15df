from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from citas.core.factories import (
    STRANGER_NAME,
    AppointmentFactory,
    ClientFactory,
    MembershipFactory,
    PracticeFactory,
    ProfessionalFactory,
    ServiceFactory,
    UserFactory,
)
from citas.notifications.models import Notification, NotificationKind
from citas.notifications.services import on_appointment_event
from citas.practices.models import Role

MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=MADRID)


@pytest.fixture
def practice(db):
    return PracticeFactory(
        name="Fisio Centro",
        email="recepcion@fisio.test",
        address="Calle Mayor 1, Madrid",
        phone="+34 910 000 000",
    )


@pytest.fixture
def professional(practice):
    membership = MembershipFactory(
        practice=practice, role=Role.PROFESSIONAL, user=UserFactory(email="luis@fisio.test")
    )
    return ProfessionalFactory(practice=practice, membership=membership, display_name="Luis Gil")


@pytest.fixture
def service(practice, professional):
    return ServiceFactory(practice=practice, name="Fisioterapia", professionals=[professional])


@pytest.fixture
def client_record(practice):
    return ClientFactory(practice=practice, full_name="Marta Ruiz", email="marta@example.com")


@pytest.fixture
def make_appointment(professional, service, client_record):
    def make(start=datetime(2026, 11, 30, 10, 0, tzinfo=MADRID), **kwargs):
        kwargs.setdefault("client", client_record)
        return AppointmentFactory(professional=professional, service=service, start=start, **kwargs)

    return make


@pytest.fixture
def owner(practice):
    return MembershipFactory(practice=practice, role=Role.OWNER)


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner.user)
    return client


@pytest.fixture
def stranger_client(client, db):
    """Logged in as the owner of another practice, who is also bookable there."""
    other = MembershipFactory(role=Role.OWNER, user__full_name=STRANGER_NAME)
    ProfessionalFactory(practice=other.practice, display_name=STRANGER_NAME, membership=other)
    client.force_login(other.user)
    return client


@pytest.fixture
def receiver(settings):
    """A live receiver at http://127.0.0.1:<random port>/hooks/ (allowed in tests only)."""
    from .receiver import Receiver, serve

    settings.WEBHOOKS_ALLOW_INSECURE_URLS = True
    found = Receiver()
    server = serve(found)
    yield found
    server.shutdown()
    server.server_close()


def fail(notification, error="recipient refused"):
    Notification.objects.filter(pk=notification.pk).update(status="failed", last_error=error)


@pytest.fixture
def failed_two(make_appointment):
    """A confirmation and a reminder that could not be sent."""
    with time_machine.travel(NOW, tick=False):
        appointment = make_appointment(status="confirmed")
        on_appointment_event(appointment=appointment, kind="created", by_client=False)
    confirmation = Notification.objects.get(kind=NotificationKind.CONFIRMED)
    reminder = Notification.objects.filter(kind=NotificationKind.REMINDER).first()
    fail(confirmation)
    fail(reminder)
    return confirmation, reminder
