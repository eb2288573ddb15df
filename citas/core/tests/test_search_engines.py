"""What search engines (and Lighthouse's SEO audits) read: robots.txt and the page descriptions."""

import re

import pytest
from django.urls import reverse

from citas.core.factories import PracticeFactory

pytestmark = pytest.mark.django_db


def description(response) -> str:
    found = re.search(r'<meta name="description" content="([^"]*)">', response.content.decode())
    assert found, "the page has no meta description"
    return found.group(1)


def test_robots_txt_keeps_private_pages_out_of_search_engines(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    rules = response.content.decode().splitlines()
    assert rules[0] == "User-agent: *"
    for private in ("/app/", "/cita/", "/mis-citas/", "/accounts/", "/cuenta/", "/api/"):
        assert f"Disallow: {private}" in rules
    # The practices' booking pages are what people search for.
    assert not any(rule.startswith("Disallow: /r/") for rule in rules)
    assert "Disallow: /" not in rules


def test_the_booking_page_describes_the_practice_in_the_visitors_language(client):
    practice = PracticeFactory(name="Fisio Lugo")
    url = reverse("public_booking:page", args=[practice.slug])

    assert description(client.get(url)) == (
        "Reserva cita en Fisio Lugo por internet: elige el servicio, el día y la hora."
    )
    assert description(client.get(url, headers={"accept-language": "gl"})) == (
        "Reserva cita en Fisio Lugo en liña: escolle o servizo, o día e a hora."
    )


@pytest.mark.parametrize("path", ["/", "/accounts/login/"])
def test_every_page_has_a_description(client, path):
    assert description(client.get(path)) == (
        "Reserva, cambia o cancela tus citas por internet con tu consulta."
    )


def test_pages_with_a_secret_in_the_address_ask_not_to_be_listed(client):
    from citas.booking.models import WaitlistEntry
    from citas.core.factories import AppointmentFactory, ServiceFactory

    appointment = AppointmentFactory()
    practice = appointment.practice
    entry = WaitlistEntry.objects.create(
        practice=practice,
        service=ServiceFactory(practice=practice),
        full_name="Ana",
        email="ana@example.com",
        first_day=appointment.start.date(),
        last_day=appointment.start.date(),
    )
    secret = [
        reverse("manage:page", args=[appointment.token]),
        reverse("public_booking:done", args=[practice.slug, appointment.token]),
        reverse("public_booking:waitlist_offer", args=[practice.slug, entry.token]),
        "/accounts/login/",
        "/mis-citas/",
    ]
    for path in secret:
        response = client.get(path)
        assert response.status_code in (200, 302), path
        assert response["X-Robots-Tag"] == "noindex, nofollow", path
    for path in ("/", reverse("public_booking:page", args=[practice.slug])):
        assert "X-Robots-Tag" not in client.get(path), path
