"""The booking-abuse limits each practice sets in its booking rules: the ceiling of online
bookings per hour (past it the page and the API ask clients to call, 429, nothing saved), the
upcoming appointments one address may hold, and where new practices start (the environment)."""

from datetime import timedelta

import pytest

from citas.booking.models import Appointment, Client
from citas.booking.services import appointment_book
from citas.core.factories import ClientFactory, PracticeFactory
from citas.scheduling.models import BookingPolicy
from citas.scheduling.selectors import policy_for

from .helpers import bookable_practice, set_rules
from .test_abuse import NOW, _api_book, _start, _submit  # noqa: F401 — NOW: the frozen clock's time

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def _book(channel: str):
    return _submit if channel == "page" else _api_book


@pytest.mark.parametrize("channel", ["page", "api"])
def test_past_the_practice_ceiling_online_booking_asks_to_call_and_saves_nothing(
    client, s, channel
):
    set_rules(s, max_online_bookings_hour=3)
    book = _book(channel)
    ok = 302 if channel == "page" else 201
    statuses = [
        book(client, s, n, f"persona{n}@example.com", f"192.0.2.{n}").status_code for n in range(3)
    ]
    assert statuses == [ok] * 3
    clients_before = Client.objects.count()

    refused = book(client, s, 3, "otra@example.com", "192.0.2.50")

    assert refused.status_code == 429
    if channel == "api":
        error = refused.json()["error"]
        assert error["code"] == "too_many_bookings"
        assert "llama a la consulta" in error["message"]
        assert int(refused["Retry-After"]) == 3600  # the three came in at the same instant
    else:
        page = refused.content.decode()
        assert "Demasiadas reservas en este momento" in page
        assert "llama a la consulta" in page
    assert Appointment.objects.count() == 3
    assert Client.objects.count() == clients_before  # no client record left behind


def test_the_page_and_the_api_share_one_ceiling(client, s):
    set_rules(s, max_online_bookings_hour=2)
    assert _submit(client, s, 0, "a@example.com", "192.0.2.1").status_code == 302
    assert _api_book(client, s, 1, "b@example.com", "192.0.2.2").status_code == 201
    assert _submit(client, s, 2, "c@example.com", "192.0.2.3").status_code == 429
    assert _api_book(client, s, 3, "d@example.com", "192.0.2.4").status_code == 429


def test_the_ceiling_is_a_sliding_hour(client, s, frozen_clock):
    set_rules(s, max_online_bookings_hour=2)
    assert _submit(client, s, 0, "a@example.com", "192.0.2.1").status_code == 302
    frozen_clock.shift(timedelta(minutes=30))
    assert _submit(client, s, 1, "b@example.com", "192.0.2.2").status_code == 302
    frozen_clock.shift(timedelta(minutes=29))
    refused = _api_book(client, s, 2, "c@example.com", "192.0.2.3")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == 60  # when the first booking leaves the hour
    frozen_clock.shift(timedelta(minutes=1, seconds=1))
    assert _api_book(client, s, 2, "c@example.com", "192.0.2.3").status_code == 201
    assert Appointment.objects.count() == 3


def test_cancelled_bookings_still_count_and_staff_bookings_neither_count_nor_stop(client, s):
    set_rules(s, max_online_bookings_hour=1)
    assert _submit(client, s, 0, "a@example.com", "192.0.2.1").status_code == 302
    Appointment.objects.update(status="cancelled")
    assert _submit(client, s, 1, "b@example.com", "192.0.2.2").status_code == 429
    # The practice books on the phone as usual.
    appointment_book(
        practice=s.practice,
        professional=s.professional,
        service=s.service,
        client=ClientFactory(practice=s.practice),
        start=_start(2),
        by_client=False,
    )
    assert Appointment.objects.filter(channel="staff").count() == 1


def test_another_practice_keeps_booking_online(client, s):
    set_rules(s, max_online_bookings_hour=1)
    other = bookable_practice()
    assert _submit(client, s, 0, "a@example.com", "192.0.2.1").status_code == 302
    assert _submit(client, s, 1, "b@example.com", "192.0.2.2").status_code == 429
    assert _submit(client, other, 1, "b@example.com", "192.0.2.2").status_code == 302


@pytest.mark.parametrize("channel", ["page", "api"])
def test_each_practice_has_its_own_cap_of_upcoming_appointments(client, s, channel):
    set_rules(s, max_upcoming_per_client=1)
    other = bookable_practice()  # starts from the environment's 3
    book = _book(channel)
    ok = 302 if channel == "page" else 201
    assert book(client, s, 0, "ana@example.com", "203.0.113.1").status_code == ok
    refused = book(client, s, 1, "ana@example.com", "203.0.113.2")
    assert refused.status_code == 400
    text = refused.json()["error"]["message"] if channel == "api" else refused.content.decode()
    assert "Ya tienes 1 cita próxima en esta consulta" in text
    statuses = [
        book(client, other, n, "ana@example.com", f"203.0.113.{10 + n}").status_code
        for n in range(4)
    ]
    assert statuses == [ok, ok, ok, 400]


def test_new_practices_start_from_the_environment_within_the_allowed_ranges(settings):
    settings.BOOKING_MAX_UPCOMING_PER_CLIENT = 7
    settings.BOOKING_CHALLENGE_PRACTICE_AFTER_BOOKINGS = 25
    settings.BOOKING_MAX_ONLINE_PER_PRACTICE_HOUR = 60
    saved = policy_for(PracticeFactory())
    unsaved = BookingPolicy(practice=PracticeFactory())  # the rules before anyone saves them
    for policy in (saved, unsaved):
        assert (
            policy.max_upcoming_per_client,
            policy.challenge_after_bookings_hour,
            policy.max_online_bookings_hour,
        ) == (7, 25, 60)

    settings.BOOKING_MAX_UPCOMING_PER_CLIENT = 0
    settings.BOOKING_MAX_ONLINE_PER_PRACTICE_HOUR = 10**6
    policy = policy_for(PracticeFactory())
    assert (policy.max_upcoming_per_client, policy.max_online_bookings_hour) == (1, 10_000)
