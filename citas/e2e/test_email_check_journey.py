"""On a phone: a practice that asks clients to confirm their email. The guest books, is told to
look at their email, follows the link from the message actually sent, taps "Confirmar mi
reserva" and sees the appointment booked."""

import re

import pytest
from django.core import mail
from django.utils import timezone

from citas.booking.models import Appointment
from citas.notifications.delivery import notifications_send_due
from citas.scheduling.selectors import policy_for

from .test_booking_journey import _first_free_day
from .test_booking_journey import practice as practice  # the same practice fixture

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_guest_confirms_the_booking_from_the_email(live_server, phone_page, practice, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = live_server.url
    policy = policy_for(practice)
    policy.email_check_required = True
    policy.save()
    page = phone_page
    page.goto(f"{live_server.url}/r/{practice.slug}/")
    page.get_by_role("link", name="Sesión de fisioterapia").click()
    page.get_by_role("link", name="Lucía Fernández").click()
    _first_free_day(page)
    page.locator("a.slot").first.click()
    page.get_by_label("Nombre completo").fill("José Ñúñez")
    page.get_by_label("Correo electrónico").fill("jose@example.com")
    page.locator("input[name=privacy]").check()
    page.locator("form[action$='/reservar/'] button[type=submit]").click()

    page.locator("[data-email-check]").wait_for()
    assert "jose@example.com" in page.locator("[data-email-check]").inner_text()
    assert Appointment.objects.get().unverified_until is not None

    notifications_send_due(now=timezone.now(), batch=10, worker_id="e2e")
    [message] = mail.outbox
    assert message.subject.startswith("Confirma tu reserva")
    link = re.search(r"https?://\S+/confirmar-correo/\S+/", message.body).group(0)

    page.goto(link)
    page.locator("[data-email-check-confirm]").click()

    page.locator("[data-status=confirmed]").wait_for()
    appointment = Appointment.objects.get()
    assert (appointment.status, appointment.unverified_until) == ("confirmed", None)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
