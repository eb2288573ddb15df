import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from citas.notifications.models import Notification, WebhookEndpoint
from citas.notifications.tests.receiver import WebhookEndpointFactory
from citas.practices.models import Role

pytestmark = pytest.mark.django_db
LIST = reverse("api:webhooks")


@pytest.fixture(autouse=True)
def production(settings):
    settings.DEBUG = False
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = False


@pytest.fixture
def endpoint(clinic):
    return WebhookEndpointFactory(practice=clinic.practice, events=["created"])


def test_a_manager_registers_lists_and_reads_a_webhook(clinic):
    api = clinic.api()
    body = {"url": "https://hooks.example.com/citas", "events": ["created", "no_show"]}
    created = api.post(LIST, body, format="json")

    assert created.status_code == 201
    data = created.json()
    assert (data["url"], data["events"], data["is_active"]) == (body["url"], body["events"], True)
    assert data["secret"].startswith("whsec_")
    listed = api.get(LIST).json()["results"]
    assert [row["id"] for row in listed] == [data["id"]]
    assert api.get(reverse("api:webhook", args=[data["id"]])).json() == data


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "http://hooks.example.com/", "events": ["created"]}, "url"),
        ({"url": "https://192.168.1.10/", "events": ["created"]}, "url"),
        ({"url": "not a url", "events": ["created"]}, "url"),
        ({"url": "https://hooks.example.com/", "events": ["exploded"]}, "events"),
        ({"url": "https://hooks.example.com/", "events": []}, "events"),
        ({"url": "https://hooks.example.com/", "events": "created"}, "events"),
        ({"url": "https://hooks.example.com/", "events": ["created"], "secret": "x"}, "secret"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_saves_nothing(clinic, body, field):
    response = clinic.api().post(LIST, body, format="json")

    assert response.status_code == 400
    assert any(name.startswith(field) for name in response.json()["error"]["fields"])
    assert not WebhookEndpoint.objects.exists()


def test_patch_changes_events_and_disables(clinic, endpoint):
    url = reverse("api:webhook", args=[endpoint.pk])
    response = clinic.api().patch(url, {"events": ["cancelled"], "is_active": False}, "json")

    assert response.status_code == 200
    endpoint.refresh_from_db()
    assert (endpoint.events, endpoint.is_active) == (["cancelled"], False)
    assert endpoint.disabled_at is not None


def test_rotate_secret_answers_the_new_secret(clinic, endpoint):
    response = clinic.api().post(
        reverse("api:webhook_rotate_secret", args=[endpoint.pk]), {}, format="json"
    )
    endpoint.refresh_from_db()
    assert response.json()["secret"] == endpoint.secret
    assert endpoint.secret != WebhookEndpointFactory.build().secret


def test_delete_removes_the_endpoint(clinic, endpoint):
    response = clinic.api().delete(reverse("api:webhook", args=[endpoint.pk]))
    assert response.status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_deliveries_list_newest_first_with_response_codes(clinic, endpoint):
    appointment_start = "2026-12-01T10:00:00+01:00"
    Notification.objects.bulk_create(
        Notification(
            practice=clinic.practice,
            kind="webhook_created",
            channel="webhook",
            recipient=endpoint.url,
            due_at=appointment_start.replace("10:", f"1{i}:"),
            webhook=endpoint,
            status="sent",
            response_code=200 + i,
            attempts=1,
            payload={"id": f"d{i}", "type": "appointment.created"},
        )
        for i in range(3)
    )
    response = clinic.api().get(reverse("api:webhook_deliveries", args=[endpoint.pk]))

    rows = response.json()["results"]
    assert [(r["delivery_id"], r["response_code"]) for r in rows] == [
        ("d2", 202),
        ("d1", 201),
        ("d0", 200),
    ]
    assert rows[0]["event"] == "appointment.created"


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.PROFESSIONAL])
def test_members_who_do_not_manage_get_403_even_for_reading(clinic, endpoint, role):
    api = clinic.api(clinic.member(role))
    assert api.get(LIST).status_code == 403
    assert api.get(reverse("api:webhook", args=[endpoint.pk])).status_code == 403
    assert (
        api.post(LIST, {"url": "https://a.example.com/", "events": ["created"]}).status_code == 403
    )
    assert WebhookEndpoint.objects.count() == 1


def test_anonymous_gets_401(endpoint):
    assert APIClient().get(LIST).status_code == 401
