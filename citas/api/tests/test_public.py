import json

import pytest
from django.urls import reverse
from rest_framework.throttling import ScopedRateThrottle

from citas.booking.models import Appointment, Client
from citas.core.factories import AppointmentFactory

from .conftest import free_start


def booking(clinic, **changes):
    body = {
        "service": clinic.service.pk,
        "professional": clinic.professional.pk,
        "start": free_start().isoformat(),
        "full_name": "Marta Ruiz",
        "email": "marta@example.com",
        "phone": "600000000",
        "privacy_accepted": True,
    }
    return {**body, **changes}


def book_url(clinic):
    return reverse("api:book", args=[clinic.practice.slug])


def test_the_public_profile_lists_name_and_time_zone(clinic, anonymous):
    response = anonymous.get(reverse("api:practice", args=[clinic.practice.slug]))
    assert response.status_code == 200
    assert response.json()["timezone"] == "Europe/Madrid"


def test_an_unknown_practice_is_a_json_404(anonymous, db):
    response = anonymous.get(reverse("api:practice", args=["nope"]))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_unknown_api_path_is_a_json_404(anonymous, db):
    response = anonymous.get("/api/v1/nothing/here/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_services_list_their_professionals(clinic, anonymous, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = anonymous.get(reverse("api:services", args=[clinic.practice.slug]))
    assert response.json() == [
        {
            "id": clinic.service.pk,
            "name": clinic.service.name,
            "description": "",
            "duration_minutes": 30,
            "price": "40.00",
            "currency": "EUR",
            "color": clinic.service.color,
            "professionals": [clinic.professional.pk],
        }
    ]


def test_professionals_are_listed(clinic, anonymous):
    response = anonymous.get(reverse("api:professionals", args=[clinic.practice.slug]))
    assert [row["id"] for row in response.json()] == [clinic.professional.pk]


def availability(anonymous, clinic, **params):
    start = free_start(days=1).date()
    query = {"service": clinic.service.pk, "from": start, "to": start, **params}
    return anonymous.get(reverse("api:availability", args=[clinic.practice.slug]), query)


def test_availability_lists_free_slots_with_their_offset(clinic, anonymous):
    response = availability(anonymous, clinic)
    assert response.status_code == 200
    (slots,) = response.json()["days"].values()
    assert slots[0]["start"].endswith(("+01:00", "+02:00"))
    assert slots[0]["professional"] == clinic.professional.pk


def test_availability_for_anyone_reads_professionals_with_their_hours_in_one_query(
    clinic, anonymous, django_assert_num_queries, settings
):
    """Nothing cached: the practice, the service, the professionals with their hours, their
    calendars to refresh, and the busy times."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    colleague = clinic.colleague()
    AppointmentFactory(
        professional=clinic.professional,
        service=clinic.service,
        client=clinic.client_record,
        start=free_start(days=1),
    )
    with django_assert_num_queries(5):
        response = availability(anonymous, clinic)
    (slots,) = response.json()["days"].values()
    owners = {slot["start"]: slot["professional"] for slot in slots}
    assert owners[free_start(days=1).isoformat()] == colleague.pk
    assert free_start(days=1, hour=11).isoformat() in owners


def test_availability_refuses_ten_years(clinic, anonymous):
    response = availability(anonymous, clinic, to="2036-12-31")
    assert response.status_code == 400
    assert "to" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"service": "x"}, "service"),
        ({"from": "31/12/2026"}, "from"),
        ({"professional": "-1"}, "professional"),
    ],
)
def test_availability_explains_bad_parameters(clinic, anonymous, params, field):
    response = availability(anonymous, clinic, **params)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_availability_reads_only_this_practices_active_service(clinic, other_clinic, anonymous):
    """The practice and service reads run SQL built once per process: each request's own
    values pick the rows (another practice's service, an inactive one, an unknown practice)."""
    assert availability(anonymous, clinic).status_code == 200
    assert availability(anonymous, other_clinic).status_code == 200
    response = availability(anonymous, clinic, service=other_clinic.service.pk)
    assert response.status_code == 400
    assert "service" in response.json()["error"]["fields"]
    other_clinic.service.is_active = False
    other_clinic.service.save()
    assert availability(anonymous, other_clinic).status_code == 400
    assert availability(anonymous, clinic).status_code == 200
    start = free_start(days=1).date()
    url = reverse("api:availability", args=["nobody-here"])
    response = anonymous.get(url, {"service": clinic.service.pk, "from": start, "to": start})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_client_books_without_an_account(clinic, anonymous):
    response = anonymous.post(book_url(clinic), booking(clinic), format="json")
    assert response.status_code == 201, response.json()
    appointment = Appointment.objects.get()
    assert response.json()["id"] == appointment.pk
    assert appointment.client.email == "marta@example.com"
    assert appointment.client.privacy_accepted_at is not None
    consent = appointment.client.consents.get()
    assert (consent.purpose, consent.granted, consent.channel) == ("appointments", True, "api")


def test_a_taken_slot_is_a_409_and_leaves_no_new_client(clinic, anonymous):
    anonymous.post(book_url(clinic), booking(clinic), format="json")
    response = anonymous.post(
        book_url(clinic), booking(clinic, email="b@example.com"), format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "slot_taken"
    assert Appointment.objects.count() == 1
    assert not Client.objects.filter(email="b@example.com").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"start": free_start().replace(tzinfo=None).isoformat()}, "start"),
        ({"start": "tomorrow"}, "start"),
        ({"service": "one"}, "service"),
        ({"privacy_accepted": False}, "privacy_accepted"),
        ({"email": "not-an-email"}, "email"),
        ({"is_admin": True}, "is_admin"),
    ],
)
def test_bad_booking_input_is_a_400_with_field_details(clinic, anonymous, changes, field):
    response = anonymous.post(book_url(clinic), booking(clinic, **changes), format="json")
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "invalid"
    assert field in body["fields"]
    assert not Appointment.objects.exists()


def test_malformed_json_is_a_400(clinic, anonymous):
    response = anonymous.post(book_url(clinic), "{nope", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_a_list_instead_of_an_object_is_a_400(clinic, anonymous):
    response = anonymous.post(book_url(clinic), "[]", content_type="application/json")
    assert response.status_code == 400


def test_a_huge_body_is_a_413(clinic, anonymous, settings):
    body = json.dumps(booking(clinic, notes="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)))
    response = anonymous.post(book_url(clinic), body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert not Appointment.objects.exists()


def test_booking_is_throttled_with_retry_after(clinic, anonymous, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"public_booking": "2/hour"})
    for _ in range(2):
        anonymous.post(book_url(clinic), {}, format="json")
    response = anonymous.post(book_url(clinic), {}, format="json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"]["code"] == "throttled"


def test_errors_speak_the_request_language(clinic, anonymous):
    response = anonymous.post(
        book_url(clinic), booking(clinic, email="x"), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.json()["error"]["message"] == "Check the highlighted values."


def test_a_client_past_the_no_show_limit_is_refused_with_a_clear_error(clinic, anonymous):
    from citas.scheduling.selectors import policy_for

    policy = policy_for(clinic.practice)
    policy.no_show_limit, policy.no_show_action = 1, "refuse"
    policy.save()
    anonymous.post(book_url(clinic), booking(clinic), format="json")
    Appointment.objects.update(status="no_show")

    response = anonymous.post(
        book_url(clinic), booking(clinic, start=free_start(days=2).isoformat()), format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "no_show_limit"
    assert Appointment.objects.count() == 1
