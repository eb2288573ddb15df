"""Every staff route, called by someone who must not reach the practice's data:
another practice's token, a client account, an anonymous caller, a revoked token."""

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from citas.api.models import ApiToken
from citas.booking.models import Appointment, AppointmentEvent, Client, WaitlistEntry
from citas.core.factories import AppointmentFactory
from citas.notifications.models import WebhookEndpoint
from citas.notifications.tests.receiver import WebhookEndpointFactory
from citas.practices.models import Role
from citas.privacy.models import ConsentRecord

from .conftest import free_start


def routes(appointment, client, webhook, entry):
    """(method, url, body) for every staff operation on `appointment`, `client`, `webhook`
    and the waiting list `entry`."""
    a, c, w = appointment.pk, client.pk, webhook.pk
    new_start = free_start(days=6).isoformat()
    return [
        ("get", reverse("api:appointments"), None),
        (
            "post",
            reverse("api:appointments"),
            {
                "professional": appointment.professional_id,
                "service": appointment.service_id,
                "client": c,
                "start": new_start,
            },
        ),
        ("get", reverse("api:appointment", args=[a]), None),
        ("post", reverse("api:appointment_reschedule", args=[a]), {"start": new_start}),
        *(
            ("post", reverse(f"api:appointment_{action}", args=[a]), {})
            for action in ("cancel", "confirm", "reject", "complete", "no-show")
        ),
        (
            "post",
            reverse("api:appointment_series_cancel", args=[a]),
            {"scope": "all"},
        ),
        (
            "post",
            reverse("api:appointment_series_move", args=[a]),
            {"scope": "all", "start": new_start},
        ),
        (
            "post",
            reverse("api:series_preview"),
            {
                "professional": appointment.professional_id,
                "service": appointment.service_id,
                "start": new_start,
                "frequency": "weekly",
                "count": 3,
            },
        ),
        (
            "post",
            reverse("api:series"),
            {
                "professional": appointment.professional_id,
                "service": appointment.service_id,
                "client": c,
                "frequency": "weekly",
                "starts": [new_start],
            },
        ),
        ("get", reverse("api:clients"), None),
        ("post", reverse("api:clients"), {"full_name": "X", "email": "x@example.com"}),
        ("get", reverse("api:client", args=[c]), None),
        ("patch", reverse("api:client", args=[c]), {"full_name": "Changed"}),
        ("get", reverse("api:client_appointments", args=[c]), None),
        ("post", reverse("api:client_merge", args=[c]), {"duplicate": c}),
        ("get", reverse("api:client_export", args=[c]), None),
        ("get", reverse("api:client_consents", args=[c]), None),
        ("post", reverse("api:client_consents", args=[c]), {"purpose": "sms", "granted": False}),
        ("get", reverse("api:webhooks"), None),
        ("post", reverse("api:webhooks"), {"url": "https://x.example.com/", "events": ["created"]}),
        ("get", reverse("api:webhook", args=[w]), None),
        ("patch", reverse("api:webhook", args=[w]), {"events": ["cancelled"]}),
        ("post", reverse("api:webhook_rotate_secret", args=[w]), {}),
        ("get", reverse("api:webhook_deliveries", args=[w]), None),
        ("delete", reverse("api:webhook", args=[w]), None),
        ("get", reverse("api:waitlist"), None),
        ("post", reverse("api:waitlist_remove", args=[entry.pk]), {}),
    ]


def snapshot():
    return (
        list(Appointment.objects.order_by("pk").values_list("pk", "status", "start")),
        list(Client.objects.order_by("pk").values_list("pk", "full_name", "email")),
        AppointmentEvent.objects.count(),
        list(WebhookEndpoint.objects.order_by("pk").values_list("pk", "events", "secret")),
        list(WaitlistEntry.objects.order_by("pk").values_list("pk", "status")),
        ConsentRecord.objects.count(),
    )


@pytest.fixture
def victim(clinic):
    appointment = AppointmentFactory(
        professional=clinic.professional,
        service=clinic.service,
        client=clinic.client_record,
        start=free_start(),
        status="pending",
    )
    WebhookEndpointFactory(practice=clinic.practice, events=["created"])
    WaitlistEntry.objects.create(
        practice=clinic.practice,
        service=clinic.service,
        full_name="Ana Ruiz",
        email="ana@example.com",
        first_day=appointment.start.date(),
        last_day=appointment.start.date(),
    )
    return clinic, appointment


def caller(kind, clinic, other_clinic, client_account):
    if kind == "other_practice":
        return other_clinic.api()
    if kind == "client_account":
        api = APIClient()
        api.force_login(client_account)
        return api
    if kind == "revoked":
        ApiToken.objects.filter(user=clinic.user).update(revoked_at=timezone.now())
        return clinic.api()
    return APIClient()


EXPECTED = {"other_practice": {404}, "client_account": {403}, "anonymous": {401}, "revoked": {401}}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_nobody_outside_the_practice_reaches_its_data(kind, victim, other_clinic, client_account):
    clinic, appointment = victim
    api = caller(kind, clinic, other_clinic, client_account)
    webhook = WebhookEndpoint.objects.get(practice=clinic.practice)
    entry = WaitlistEntry.objects.get(practice=clinic.practice)
    # Each collection's row of this practice, which another practice's listing must not show.
    hidden = {
        reverse("api:appointments"): appointment.pk,
        reverse("api:series"): None,
        reverse("api:series_preview"): None,
        reverse("api:clients"): clinic.client_record.pk,
        reverse("api:webhooks"): webhook.pk,
        reverse("api:waitlist"): entry.pk,
    }
    for method, url, body in routes(appointment, clinic.client_record, webhook, entry):
        before = snapshot()
        response = getattr(api, method)(url, body, format="json")
        if kind == "other_practice" and url in hidden:
            assert response.status_code in (200, 201, 400), (method, url, response.content)
            if method == "get":
                assert response.status_code == 200, (url, response.content)
                assert hidden[url] not in [row["id"] for row in response.json()["results"]]
            continue
        assert response.status_code in EXPECTED[kind], (method, url, response.content)
        assert response.json()["error"]["code"]
        assert snapshot() == before, (method, url)


def test_an_another_practices_token_books_with_this_practices_ids_refused(victim, other_clinic):
    clinic, appointment = victim
    body = {
        "professional": clinic.professional.pk,
        "service": clinic.service.pk,
        "client": clinic.client_record.pk,
        "start": free_start(days=6).isoformat(),
    }
    before = snapshot()
    response = other_clinic.api().post(reverse("api:appointments"), body, format="json")
    assert response.status_code == 400
    assert snapshot() == before


def test_only_managers_change_the_practice(clinic, other_clinic):
    url = reverse("api:practice", args=[clinic.practice.slug])
    reception = clinic.api(clinic.member(Role.RECEPTION))
    assert reception.patch(url, {"phone": "1"}, format="json").status_code == 403
    assert other_clinic.api().patch(url, {"phone": "1"}, format="json").status_code == 404
    assert APIClient().patch(url, {"phone": "1"}, format="json").status_code == 401
    clinic.practice.refresh_from_db()
    assert clinic.practice.phone == ""
    admin = clinic.api(clinic.member(Role.ADMIN))
    response = admin.patch(url, {"phone": "910000000"}, format="json")
    assert response.status_code == 200
    clinic.practice.refresh_from_db()
    assert clinic.practice.phone == "910000000"
