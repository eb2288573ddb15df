"""The proof-of-work challenge in front of public bookings (page and API): none, a wrong, an
expired or a replayed solution is refused with a clear message; a solved one books."""

import base64
import json
from datetime import timedelta

import altcha
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from citas.booking.models import Appointment
from citas.booking.tests.helpers import bookable_practice, set_rules
from citas.booking.tests.test_abuse import NOW, _form  # noqa: F401 — NOW: the frozen clock's time

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


@pytest.fixture(autouse=True)
def challenge_always(settings):
    settings.BOOKING_CHALLENGE_AFTER_ATTEMPTS = 0
    settings.BOOKING_CHALLENGE_MAX_NUMBER = 2_000  # the solving is not under test


def get_challenge(client) -> dict:
    response = client.get(reverse("api:booking_challenge"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    return response.json()


def solve(challenge: dict, *, number: int | None = None) -> str:
    if number is None:
        number = altcha.solve_challenge_v1(
            challenge["challenge"],
            challenge["salt"],
            challenge["algorithm"],
            challenge["maxNumber"],
        ).number
    fields = ("algorithm", "challenge", "salt", "signature")
    payload = {"number": number, **{name: challenge[name] for name in fields}}
    return base64.b64encode(json.dumps(payload).encode()).decode()


def submit(client, s, n: int, payload: str | None, *, language="en"):
    data = _form(s, n, f"persona{n}@example.com")
    if payload is not None:
        data["altcha"] = payload
    url = reverse("public_booking:submit", args=[s.practice.slug])
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE=language)


def test_the_booking_form_carries_the_widget_when_a_challenge_is_due(client, s, settings):
    params = {
        "service": s.service.pk,
        "professional": s.professional.pk,
        "day": "2026-12-01",
        "start": _form(s, 0, "")["start"],
    }
    url = reverse("public_booking:page", args=[s.practice.slug])
    page = client.get(url, params).content.decode()
    assert "<altcha-widget" in page
    assert reverse("api:booking_challenge") in page
    assert "vendor/altcha/altcha.js" in page
    settings.BOOKING_CHALLENGE_AFTER_ATTEMPTS = 3
    assert "<altcha-widget" not in client.get(url, params).content.decode()


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "complete the anti-spam check"), ("es", "completa la comprobación antispam")],
)
def test_a_booking_without_a_solution_is_refused(client, s, language, message):
    response = submit(client, s, 0, None, language=language)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Appointment.objects.count() == 0


def test_a_wrong_or_forged_solution_is_refused(client, s):
    challenge = get_challenge(client)
    right = altcha.solve_challenge_v1(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["maxNumber"]
    ).number
    for payload in (
        solve(challenge, number=right + 1),
        "not base64!",
        solve({**challenge, "signature": "0" * 64}, number=right),
    ):
        response = submit(client, s, 0, payload)
        assert response.status_code == 400
        assert "did not pass or has expired" in response.content.decode()
    assert Appointment.objects.count() == 0


def test_a_solved_challenge_books_once_and_a_replay_is_refused(client, s):
    payload = solve(get_challenge(client))
    response = submit(client, s, 0, payload)
    assert response.status_code == 302
    assert Appointment.objects.count() == 1
    replay = submit(client, s, 1, payload)
    assert replay.status_code == 400
    assert "already used" in replay.content.decode()
    assert Appointment.objects.count() == 1


def test_an_expired_solution_is_refused(client, s, settings):
    payload = solve(get_challenge(client))
    later = timezone.now() + timedelta(seconds=settings.BOOKING_CHALLENGE_LIFETIME + 1)
    with time_machine.travel(later, tick=False):
        response = submit(client, s, 0, payload)
    assert response.status_code == 400
    assert "did not pass or has expired" in response.content.decode()


def test_the_challenge_is_wanted_only_after_the_set_number_of_attempts(client, s, settings):
    settings.BOOKING_CHALLENGE_AFTER_ATTEMPTS = 2
    assert submit(client, s, 0, None).status_code == 302
    assert submit(client, s, 1, None).status_code == 302
    assert submit(client, s, 2, None).status_code == 400
    assert submit(client, s, 2, solve(get_challenge(client))).status_code == 302


def _api_book_with(client, s, n: int, payload: str | None, *, language="en"):
    body = {
        "service": s.service.pk,
        "professional": s.professional.pk,
        "start": _form(s, n, "")["start"],
        "full_name": "Cliente de prueba",
        "email": f"api{n}@example.com",
        "privacy_accepted": True,
    }
    if payload is not None:
        body["altcha"] = payload
    url = reverse("api:book", args=[s.practice.slug])
    return client.post(url, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language)


def test_the_api_refuses_a_booking_without_a_solution(client, s):
    response = _api_book_with(client, s, 0, None)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "challenge_failed"
    assert "anti-spam check" in error["fields"]["altcha"][0]
    spanish = _api_book_with(client, s, 1, "", language="es")
    assert "comprobación antispam" in spanish.json()["error"]["message"]


def test_the_api_books_with_a_solution_once(client, s):
    payload = solve(get_challenge(client))
    response = _api_book_with(client, s, 0, payload)
    assert response.status_code == 201, response.json()
    replay = _api_book_with(client, s, 1, payload)
    assert replay.status_code == 400
    assert replay.json()["error"]["code"] == "challenge_failed"
    assert "already used" in replay.json()["error"]["message"]
    assert Appointment.objects.count() == 1


def _book_as(client, setup, n: int, *, channel: str, email: str, ip: str, payload=None):
    """Book slot n on the page or the API from `ip` for `email`, in English."""
    if channel == "page":
        data = _form(setup, n, email)
        url = reverse("public_booking:submit", args=[setup.practice.slug])
        extra = {}
    else:
        data = {
            "service": setup.service.pk,
            "professional": setup.professional.pk,
            "start": _form(setup, n, "")["start"],
            "full_name": "Cliente de prueba",
            "email": email,
            "privacy_accepted": True,
        }
        url = reverse("api:book", args=[setup.practice.slug])
        extra = {"content_type": "application/json"}
    if payload is not None:
        data["altcha"] = payload
    return client.post(url, data, REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en", **extra)


def test_a_burst_from_many_emails_at_one_ip_needs_the_challenge(client, s, settings):
    settings.BOOKING_CHALLENGE_AFTER_ATTEMPTS = 2
    statuses = [
        _book_as(
            client, s, n, channel="page", email=f"many{n}@example.com", ip="198.51.100.7"
        ).status_code
        for n in range(4)
    ]
    assert statuses == [302, 302, 400, 400]
    assert Appointment.objects.count() == 2


@pytest.mark.parametrize("channel", ["page", "api"])
def test_one_email_from_many_ips_needs_the_challenge(client, s, settings, channel):
    """Moving from machine to machine does not shake off the challenge for one address."""
    settings.BOOKING_CHALLENGE_AFTER_ATTEMPTS = 2
    set_rules(s, max_upcoming_per_client=10)
    email = "objetivo@example.com"

    def book(n: int, ip: str, payload: str | None = None, address=email):
        return _book_as(client, s, n, channel=channel, email=address, ip=ip, payload=payload)

    ok = 302 if channel == "page" else 201
    assert book(0, "203.0.113.1").status_code == ok
    assert book(1, "203.0.113.2", address=email.upper()).status_code == ok
    refused = book(2, "203.0.113.3")
    assert refused.status_code == 400
    assert "anti-spam check" in refused.content.decode()
    assert Appointment.objects.count() == 2
    assert book(2, "203.0.113.4", solve(get_challenge(client))).status_code == ok
    # The page shows the widget again with the refused form, for that email address.
    if channel == "page":
        assert "<altcha-widget" in book(3, "203.0.113.5").content.decode()


@pytest.mark.parametrize("channel", ["page", "api"])
def test_many_ips_and_many_emails_at_one_practice_need_the_challenge(client, s, settings, channel):
    """Past the practice's hourly number of new public bookings, everybody solves the
    challenge there (fresh IP, fresh address), and only there."""
    settings.BOOKING_CHALLENGE_AFTER_ATTEMPTS = 100
    set_rules(s, challenge_after_bookings_hour=3)

    def book(n: int, payload: str | None = None, setup=s):
        email, ip = f"distinta{n}@example.com", f"192.0.2.{n + 1}"
        return _book_as(client, setup, n, channel=channel, email=email, ip=ip, payload=payload)

    ok = 302 if channel == "page" else 201
    assert [book(n).status_code for n in range(5)] == [ok, ok, ok, 400, 400]
    assert Appointment.objects.count() == 3
    assert book(5, solve(get_challenge(client))).status_code == ok
    # A fresh visitor's booking page now carries the widget.
    params = {
        "service": s.service.pk,
        "professional": s.professional.pk,
        "day": "2026-12-02",
        "start": _form(s, 10, "")["start"],
    }
    page = client.get(
        reverse("public_booking:page", args=[s.practice.slug]), params, REMOTE_ADDR="192.0.2.200"
    )
    assert "<altcha-widget" in page.content.decode()
    # Another practice is not affected by this one's burst.
    assert book(20, setup=bookable_practice()).status_code == ok
