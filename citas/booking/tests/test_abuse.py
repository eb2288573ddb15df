"""Booking abuse: bursts from many addresses and one IP, from many IPs and one address, the
per-practice ceiling, the cap on upcoming appointments per client, availability read limits."""

import os
import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.throttling import ScopedRateThrottle

from citas.booking.forms import format_start
from citas.booking.models import Appointment, AppointmentStatus
from citas.booking.public_views import BOOKINGS_PER_HOUR
from citas.core.factories import AppointmentFactory, ClientFactory

from .helpers import set_rules

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]
MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 11, 30, 8, tzinfo=MADRID)  # a Monday


def _start(n: int) -> datetime:
    """The n-th distinct free slot: Tuesday to Friday, 9:00 to 12:30, every 30 minutes."""
    day, slot = divmod(n, 8)
    return datetime(2026, 12, 1 + day, 9, tzinfo=MADRID) + timedelta(minutes=30 * slot)


def _form(s, n: int, email: str) -> dict:
    return {
        "service": s.service.pk,
        "professional": s.professional.pk,
        "start": format_start(_start(n)),
        "full_name": "Cliente de prueba",
        "email": email,
        "phone": "",
        "notes": "",
        "privacy": "on",
    }


def _submit(client, s, n: int, email: str, ip: str):
    url = reverse("public_booking:submit", args=[s.practice.slug])
    return client.post(url, _form(s, n, email), REMOTE_ADDR=ip)


def _api_book(client, s, n: int, email: str, ip: str):
    body = {
        "service": s.service.pk,
        "professional": s.professional.pk,
        "start": _start(n).isoformat(),
        "full_name": "Cliente de prueba",
        "email": email,
        "privacy_accepted": True,
    }
    url = reverse("api:book", args=[s.practice.slug])
    return client.post(url, body, content_type="application/json", REMOTE_ADDR=ip)


def test_many_addresses_from_one_ip_stop_at_the_per_ip_limit(client, s):
    statuses = [
        _submit(client, s, n, f"persona{n}@example.com", "198.51.100.1").status_code
        for n in range(BOOKINGS_PER_HOUR + 5)
    ]
    assert statuses[:BOOKINGS_PER_HOUR] == [302] * BOOKINGS_PER_HOUR
    assert set(statuses[BOOKINGS_PER_HOUR:]) == {429}
    assert Appointment.objects.count() == BOOKINGS_PER_HOUR


@pytest.mark.parametrize("channel", ["page", "api"])
def test_one_address_from_many_ips_stops_at_the_per_email_limit(client, s, settings, channel):
    set_rules(s, max_upcoming_per_client=100)  # the burst, not the cap, is under test
    book = _submit if channel == "page" else _api_book
    responses = [
        book(client, s, n, "Victima@Example.com", f"203.0.113.{n}")
        for n in range(settings.BOOKING_ATTEMPTS_PER_EMAIL_HOUR + 3)
    ]
    allowed = settings.BOOKING_ATTEMPTS_PER_EMAIL_HOUR
    assert all(r.status_code in (201, 302) for r in responses[:allowed])
    assert {r.status_code for r in responses[allowed:]} == {429}
    assert Appointment.objects.count() == allowed
    refused = responses[-1]
    text = refused.json()["error"]["message"] if channel == "api" else refused.content.decode()
    assert "esta dirección de correo" in text


def test_many_addresses_from_many_ips_stop_at_the_per_practice_limit(client, s, settings):
    settings.BOOKING_ATTEMPTS_PER_PRACTICE_HOUR = 6
    statuses = [
        _submit(client, s, n, f"p{n}@example.com", f"192.0.2.{n}").status_code for n in range(9)
    ]
    assert statuses == [302] * 6 + [429] * 3
    refused = _submit(client, s, 10, "z@example.com", "192.0.2.99")
    assert "número inusual" in refused.content.decode()


def test_an_invalid_form_does_not_count_against_the_email(client, s, settings):
    for n in range(settings.BOOKING_ATTEMPTS_PER_EMAIL_HOUR + 2):
        data = {**_form(s, n, "ana@example.com"), "privacy": ""}
        url = reverse("public_booking:submit", args=[s.practice.slug])
        assert client.post(url, data, REMOTE_ADDR=f"203.0.113.{n}").status_code == 400
    assert _submit(client, s, 0, "ana@example.com", "203.0.113.200").status_code == 302


# The cap on upcoming appointments


@pytest.mark.parametrize("channel", ["page", "api"])
def test_a_client_holds_at_most_the_cap_of_upcoming_appointments(client, s, settings, channel):
    set_rules(s, max_upcoming_per_client=3)
    book = _submit if channel == "page" else _api_book
    for n in range(3):
        assert book(client, s, n, "ana@example.com", f"203.0.113.{n}").status_code in (201, 302)
    refused = book(client, s, 3, "ANA@example.com", "203.0.113.9")
    assert refused.status_code == 400
    text = refused.json()["error"]["message"] if channel == "api" else refused.content.decode()
    assert "Ya tienes 3 citas próximas en esta consulta" in text
    assert Appointment.objects.count() == 3

    Appointment.objects.filter(start=_start(0)).update(status=AppointmentStatus.CANCELLED)
    assert book(client, s, 4, "ana@example.com", "203.0.113.10").status_code in (201, 302)


def test_past_and_other_practices_appointments_do_not_count(client, s, settings):
    set_rules(s, max_upcoming_per_client=1)
    AppointmentFactory(
        professional=s.professional,
        service=s.service,
        client=ClientFactory(practice=s.practice, email="ana@example.com"),
        start=NOW - timedelta(days=2),
    )
    AppointmentFactory(client=ClientFactory(email="ana@example.com"), start=NOW + timedelta(days=3))
    assert _submit(client, s, 0, "ana@example.com", "203.0.113.1").status_code == 302


def test_the_practice_itself_may_book_beyond_the_cap(s, settings):
    from citas.booking.services import appointment_book

    set_rules(s, max_upcoming_per_client=1)
    customer = ClientFactory(practice=s.practice, email="ana@example.com")
    for n in range(2):
        appointment_book(
            practice=s.practice,
            professional=s.professional,
            service=s.service,
            client=customer,
            start=_start(n),
            by_client=False,
        )
    assert Appointment.objects.count() == 2


# Availability reads


def test_availability_pages_are_limited_per_address(client, s, settings):
    settings.AVAILABILITY_READS_PER_HOUR = 5
    url = reverse("public_booking:page", args=[s.practice.slug])
    statuses = [client.get(url, REMOTE_ADDR="198.51.100.7").status_code for _ in range(7)]
    assert statuses == [200] * 5 + [429] * 2
    refused = client.get(url, REMOTE_ADDR="198.51.100.7").content.decode()
    assert "muchas peticiones" in refused
    assert "Demasiadas peticiones" in refused
    assert "intentos de reserva" not in refused  # not the booking-attempts wording
    assert client.get(url, REMOTE_ADDR="198.51.100.8").status_code == 200


def test_the_availability_api_is_throttled_per_address(client, s, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"public_availability": "3/hour"})
    url = reverse("api:availability", args=[s.practice.slug])
    query = {"service": s.service.pk, "from": "2026-12-01", "to": "2026-12-02"}
    statuses = [client.get(url, query, REMOTE_ADDR="198.51.100.7").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get(url, query, REMOTE_ADDR="198.51.100.7", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.json()["error"]["code"] == "throttled"
    assert "Too many availability requests" in refused.json()["error"]["message"]
    assert "minutes" in refused.json()["error"]["message"]


def test_a_zero_limit_turns_the_availability_limits_off(client, s, settings):
    """`make loadtest` reads one page thousands of times from one address: with 0 the page
    and the API answer every time (and count nothing)."""
    settings.AVAILABILITY_READS_PER_HOUR = 0
    url = reverse("public_booking:page", args=[s.practice.slug])
    statuses = {client.get(url, REMOTE_ADDR="198.51.100.7").status_code for _ in range(12)}
    assert statuses == {200}
    assert cache.get("availability-reads:198.51.100.7") is None
    rates = subprocess.run(  # noqa: S603 — our own interpreter and settings
        [sys.executable, "-c", "from django.conf import settings; "
         "print(settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['public_availability'])"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings",
             "AVAILABILITY_READS_PER_HOUR": "0"},
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert rates.strip() == "None"
