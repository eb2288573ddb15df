"""PostgreSQL behind a loopback proxy that the test cuts: a guest booking or a member logging
in while the database cannot be reached gets a clear "temporarily unavailable" page (503,
Retry-After), not a 500; nothing is half-saved, and once the proxy lets traffic through again
the same booking succeeds with its confirmation waiting to be sent."""

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from citas.booking.models import Appointment
from citas.core.factories import DEFAULT_PASSWORD, UserFactory
from citas.core.tests.tcp_proxy import TcpProxy
from citas.notifications.models import Notification

from .test_public_views import NOW, TUESDAY_TEN, form_data, submit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def database_proxy():
    """This process's database connection goes through the proxy from the next query on."""
    db = connection.settings_dict
    original = (db["HOST"], db["PORT"])
    with TcpProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)) as proxy:
        connection.close()
        db["HOST"], db["PORT"] = "127.0.0.1", str(proxy.port)
        try:
            yield proxy
        finally:
            proxy.restore()
            connection.close()
            db["HOST"], db["PORT"] = original


def test_booking_and_login_while_the_database_is_cut_get_a_clear_page(client, s, database_proxy):
    client.raise_request_exception = False
    user = UserFactory()
    with time_machine.travel(NOW, tick=False):
        assert client.get(reverse("public_booking:page", args=[s.practice.slug])).status_code == 200
        database_proxy.cut()  # the open connection is reset, new ones are refused

        booked = submit(client, s, **form_data(s))
        logged_in = client.post(
            reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD}
        )

        for response in (booked, logged_in):
            assert response.status_code == 503
            assert response["Retry-After"] == "60"
            assert "No disponible temporalmente" in response.content.decode()

        database_proxy.restore()
        connection.close()
        assert not Appointment.objects.exists()  # nothing half-saved
        again = submit(client, s, **form_data(s))

    assert again.status_code == 302
    appointment = Appointment.objects.get(start=TUESDAY_TEN)
    assert Notification.objects.filter(appointment=appointment, status="pending").exists()


def test_the_api_says_unavailable_in_its_error_shape(client, s, database_proxy):
    client.raise_request_exception = False
    database_proxy.cut()

    response = client.get(reverse("api:services", args=[s.practice.slug]))

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"
