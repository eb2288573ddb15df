"""Tampered cursors, bodies too deep or too big, dates at the ends of the calendar, requests
Django refuses and a database that does not answer: always a clean 4xx/503 in the API's
`{"error": {...}}` shape, nothing saved."""

import base64
import json
import socket

import pytest
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from citas.booking.models import Appointment, Client
from citas.core import error_views
from citas.core.factories import AppointmentFactory
from citas.core.jsonbody import MAX_BYTES
from citas.notifications.models import WebhookEndpoint
from citas.notifications.tests.receiver import WebhookEndpointFactory

from .conftest import Clinic, free_start

DEEP = "[" * 100_000


def cursor(raw: str) -> str:
    return base64.b64encode(raw.encode()).decode()


def lists(clinic, *, by_date_only=False):
    endpoint = WebhookEndpointFactory(practice=clinic.practice, events=["created"])
    urls = [
        reverse("api:appointments"),
        reverse("api:client_appointments", args=[clinic.client_record.pk]),
        reverse("api:webhooks"),
        reverse("api:webhook_deliveries", args=[endpoint.pk]),
    ]
    return urls if by_date_only else [*urls, reverse("api:clients")]


@pytest.mark.parametrize(
    ("raw", "by_date_only"),
    [
        ("p=\x00", False),
        ("p=" + "9" * 5000, False),
        ("p=999999", True),
        ("r=1&p=2026-13-45", True),
        ("p=2026-12-01 10:00:00", True),  # naive
        ("o=1&r=x", False),
    ],
)
def test_a_tampered_cursor_is_a_400_invalid_cursor_on_every_list(clinic, raw, by_date_only):
    AppointmentFactory(
        professional=clinic.professional,
        service=clinic.service,
        client=clinic.client_record,
        start=free_start(),
    )
    api = clinic.api()
    for url in lists(clinic, by_date_only=by_date_only):
        response = api.get(url, {"cursor": cursor(raw)})
        assert response.status_code == 400, (url, response.content)
        assert response.json()["error"]["code"] == "invalid_cursor"


def test_a_real_cursor_still_pages(clinic):
    for days in (1, 2, 3):
        AppointmentFactory(
            professional=clinic.professional,
            service=clinic.service,
            client=clinic.client_record,
            start=free_start(days=days),
        )
    first = clinic.api().get(reverse("api:appointments"), {"page_size": 2}).json()
    second = clinic.api().get(first["next"])
    assert second.status_code == 200
    assert len(second.json()["results"]) == 1


def api_writes(clinic) -> list[str]:
    booked = AppointmentFactory(
        professional=clinic.professional,
        service=clinic.service,
        client=clinic.client_record,
        start=free_start(),
    )
    return [
        reverse("api:appointments"),
        reverse("api:appointment_reschedule", args=[booked.pk]),
        reverse("api:clients"),
        reverse("api:webhooks"),
        reverse("api:book", args=[clinic.practice.slug]),
    ]


@pytest.mark.parametrize(
    "body",
    [
        DEEP,
        "{" * 50_000,
        json.dumps({"notes": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}),
        '{"full_name": "\\u0000"}',
        '{"full_name": "\\ud800"}',
        "\xff\xfe",
        "nul\x00",
    ],
)
def test_a_body_too_deep_or_unreadable_is_a_400_on_every_api_write(clinic, body):
    api = clinic.api()
    for url in api_writes(clinic):
        response = api.post(url, body, content_type="application/json")
        assert response.status_code == 400, (url, response.content)
        assert response.json()["error"]["code"] == "parse_error"
    assert not Client.objects.exclude(pk=clinic.client_record.pk).exists()
    assert Appointment.objects.get().start == free_start()
    assert not WebhookEndpoint.objects.exists()


def test_a_body_too_big_is_a_413_before_it_is_read(clinic):
    body = json.dumps({"full_name": "x" * MAX_BYTES})
    for url in api_writes(clinic):
        response = clinic.api().post(url, body, content_type="application/json")
        assert response.status_code == 413, url
        assert response.json()["error"]["code"] == "too_large"


@pytest.mark.parametrize("start", ["0001-01-01T10:00:00+00:00", "9000-01-01T10:00:00+01:00"])
def test_book_anyway_refuses_dates_outside_the_booking_window(clinic, start):
    body = {
        "professional": clinic.professional.pk,
        "service": clinic.service.pk,
        "client": clinic.client_record.pk,
        "start": start,
        "override_policy": True,
    }
    response = clinic.api().post(reverse("api:appointments"), body, format="json")
    assert response.status_code == 400
    assert "start" in response.json()["error"]["fields"]
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("first", "last"), [("9999-12-31", "9999-12-31"), ("0001-01-01", "0001-01-02")]
)
def test_availability_at_the_ends_of_the_calendar_is_a_400(clinic, anonymous, first, last):
    url = reverse("api:availability", args=[clinic.practice.slug])
    response = anonymous.get(url, {"service": clinic.service.pk, "from": first, "to": last})
    assert response.status_code == 400
    assert "from" in response.json()["error"]["fields"]


def test_a_request_django_refuses_is_json_under_the_api(clinic, anonymous):
    response = anonymous.get(
        reverse("api:practice", args=[clinic.practice.slug]), HTTP_HOST="evil.example"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_an_unknown_api_path_outside_v1_is_a_json_404(anonymous, db):
    response = anonymous.get("/api/nothing-here/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_500_page_is_json_under_the_api_and_html_elsewhere(db):
    factory = RequestFactory()
    api = error_views.server_error(factory.get("/api/v1/appointments/"))
    site = error_views.server_error(factory.get("/app/"))
    assert api.status_code == site.status_code == 500
    assert json.loads(api.content)["error"]["code"] == "server_error"
    assert site["Content-Type"].startswith("text/html")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_api_answers_json_503_when_the_database_does_not_answer():
    clinic = Clinic()
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
    try:
        answers = [
            APIClient().get(reverse("api:practice", args=[clinic.practice.slug])),
            clinic.api().get(reverse("api:appointments")),
            clinic.api().post(
                reverse("api:clients"), {"full_name": "A", "email": "a@b.es"}, format="json"
            ),
        ]
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    for response in answers:
        assert response.status_code == 503, response.content
        assert response.json()["error"]["code"] == "unavailable"
        assert response["Retry-After"] == "5"
    assert not Client.objects.filter(email="a@b.es").exists()


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+05:00"])
def test_list_filters_outside_the_years_2000_to_2100_are_a_400(clinic, value):
    response = clinic.api().get(reverse("api:appointments"), {"from": value, "to": value})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"from", "to"}
