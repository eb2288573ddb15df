"""On a phone, reception gives a client a new appointment link (the old email was forwarded)
and emails it: the appointment page shows the email-check hold, the new link is shown and sent,
the old link stops working and the new one opens the appointment."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from citas.core.factories import (
    AppointmentFactory,
    ClientFactory,
    MembershipFactory,
    ProfessionalFactory,
)
from citas.notifications.delivery import notifications_send_due
from citas.practices.models import Role

from .conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_reception_emails_a_client_a_new_link(live_server, phone_page, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = live_server.url
    page = phone_page
    reception = MembershipFactory(role=Role.RECEPTION)
    professional = ProfessionalFactory(practice=reception.practice, display_name="Luis Gil")
    appointment = AppointmentFactory(
        professional=professional,
        client=ClientFactory(
            practice=reception.practice, full_name="Pedro Gómez", email="pedro@example.com"
        ),
        start=timezone.now() + timedelta(days=3),
        status="pending",
        unverified_until=timezone.now() + timedelta(minutes=20),
    )
    old = appointment.token
    log_in(page, live_server.url, reception.user)

    page.goto(f"{live_server.url}/app/citas/{appointment.pk}/")
    assert "confirme su correo" in page.locator("[data-email-check-pending]").inner_text()
    renew = page.locator("form[data-link-renew]")
    assert renew.get_by_label("Enviárselo al cliente por correo").is_checked()
    renew.get_by_role("button", name="Enlace nuevo para el cliente").click()

    flash = page.get_by_text("pedro@example.com", exact=False).first
    flash.wait_for()
    appointment.refresh_from_db()
    assert appointment.token != old
    assert f"/cita/{appointment.token}/" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "new-client-link-phone.png"), full_page=True)

    notifications_send_due(now=timezone.now(), batch=10, worker_id="e2e")
    [message] = mail.outbox
    assert message.to == ["pedro@example.com"]
    link = re.search(r"https?://\S+/cita/\S+/", message.body).group(0)
    assert appointment.token in link and old not in message.body

    assert page.goto(f"{live_server.url}/cita/{old}/").status == 404
    page.goto(link)
    page.get_by_text("Luis Gil").first.wait_for()
