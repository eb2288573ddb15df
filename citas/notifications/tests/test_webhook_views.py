import pytest
from django.urls import reverse

from citas.core.factories import MembershipFactory
from citas.notifications.models import Notification, NotificationKind, WebhookEndpoint
from citas.practices.models import Role

from .receiver import WebhookEndpointFactory

pytestmark = pytest.mark.django_db
LIST = reverse("notifications:webhooks")
CREATE = reverse("notifications:webhook_create")


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = False


@pytest.fixture
def endpoint(practice, make_appointment):
    endpoint = WebhookEndpointFactory(practice=practice)
    appointment = make_appointment(status="confirmed")
    Notification.objects.bulk_create(
        Notification(
            practice=practice,
            appointment=appointment,
            kind=NotificationKind.WEBHOOK_CREATED,
            channel="webhook",
            recipient=endpoint.url,
            due_at=appointment.start,
            webhook=endpoint,
            status="failed" if i % 2 else "sent",
            response_code=500 if i % 2 else 200,
            attempts=5 if i % 2 else 1,
            last_error="HTTP 500" if i % 2 else "",
            payload={"id": f"id-{i}", "type": "appointment.created"},
        )
        for i in range(40)
    )
    return endpoint


def object_routes(endpoint):
    delivery = endpoint.deliveries.first()
    return [
        ("get", reverse("notifications:webhook", args=[endpoint.pk])),
        ("post", reverse("notifications:webhook", args=[endpoint.pk])),
        ("post", reverse("notifications:webhook_rotate_secret", args=[endpoint.pk])),
        ("post", reverse("notifications:webhook_toggle", args=[endpoint.pk])),
        ("post", reverse("notifications:webhook_delete", args=[endpoint.pk])),
        ("post", reverse("notifications:webhook_resend", args=[endpoint.pk, delivery.pk])),
    ]


def state():
    return list(
        WebhookEndpoint.objects.values_list("pk", "url", "events", "secret", "is_active")
    ), Notification.objects.count()


@pytest.mark.usefixtures("production")
def test_a_manager_creates_an_https_webhook_and_sees_its_secret(owner_client, practice):
    response = owner_client.post(
        CREATE, {"url": "https://hooks.example.com/citas", "events": ["created", "no_show"]}
    )

    endpoint = WebhookEndpoint.objects.get(practice=practice)
    assert response.url == reverse("notifications:webhook", args=[endpoint.pk])
    assert endpoint.events == ["created", "no_show"]
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in owner_client.get(response.url).content.decode()


@pytest.mark.usefixtures("production")
def test_an_http_address_or_no_events_is_refused_with_field_errors(owner_client):
    response = owner_client.post(CREATE, {"url": "http://hooks.example.com/", "events": []})

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"url", "events"}
    assert not WebhookEndpoint.objects.exists()


def test_the_list_shows_only_this_practices_webhooks_in_a_fixed_number_of_queries(
    owner_client, endpoint, practice, django_assert_max_num_queries
):
    other = WebhookEndpointFactory()
    WebhookEndpointFactory.create_batch(5, practice=practice)
    with django_assert_max_num_queries(12):  # 1: 2FA; 1: failed notifications in the nav
        page = owner_client.get(LIST).content.decode()
    assert endpoint.url in page
    assert other.url not in page


def test_the_notification_log_leads_to_the_webhooks(owner_client):
    assert LIST in owner_client.get(reverse("notifications:log")).content.decode()


def test_the_delivery_log_pages_in_a_fixed_number_of_queries(
    owner_client, endpoint, django_assert_max_num_queries
):
    url = reverse("notifications:webhook", args=[endpoint.pk])
    with django_assert_max_num_queries(14):  # 1: 2FA; 1: failed notifications in the nav
        response = owner_client.get(url)
    assert len(response.context["page"].object_list) == 25
    html = response.content.decode()
    assert "HTTP 500" in html
    assert "appointment.created" in html
    fragment = owner_client.get(url + "?page=2", headers={"HX-Request": "true"})
    assert "<h1" not in fragment.content.decode()
    assert len(fragment.context["page"].object_list) == 15


def test_a_manager_edits_rotates_disables_enables_and_deletes(owner_client, endpoint):
    detail = reverse("notifications:webhook", args=[endpoint.pk])
    owner_client.post(detail, {"events": ["cancelled"]})
    endpoint.refresh_from_db()
    assert endpoint.events == ["cancelled"]

    old = endpoint.secret
    owner_client.post(reverse("notifications:webhook_rotate_secret", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret != old

    toggle = reverse("notifications:webhook_toggle", args=[endpoint.pk])
    owner_client.post(toggle)
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.disabled_at is not None) == (False, True)
    owner_client.post(toggle)
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.disabled_at, endpoint.failing_since) == (True, None, None)

    owner_client.post(reverse("notifications:webhook_delete", args=[endpoint.pk]))
    assert not WebhookEndpoint.objects.exists()
    assert not Notification.objects.filter(channel="webhook").exists()


def test_bad_events_on_edit_change_nothing(owner_client, endpoint):
    before = state()
    response = owner_client.post(
        reverse("notifications:webhook", args=[endpoint.pk]), {"events": ["exploded"]}
    )
    assert response.status_code == 200
    assert "events" in response.context["form"].errors
    assert state() == before


def test_resend_queues_a_copy_with_the_same_body(owner_client, endpoint):
    failed = endpoint.deliveries.filter(status="failed").first()
    owner_client.post(reverse("notifications:webhook_resend", args=[endpoint.pk, failed.pk]))

    copy = endpoint.deliveries.order_by("-pk").first()
    assert (copy.status, copy.payload, copy.response_code) == ("pending", failed.payload, None)


def test_another_practice_gets_404_on_every_webhook_route(stranger_client, endpoint):
    before = state()
    for method, url in object_routes(endpoint):
        assert getattr(stranger_client, method)(url).status_code == 404, url
    assert state() == before


def test_a_delivery_of_another_endpoint_is_404(owner_client, endpoint, practice):
    other = WebhookEndpointFactory(practice=practice)
    delivery = endpoint.deliveries.first()
    url = reverse("notifications:webhook_resend", args=[other.pk, delivery.pk])
    assert owner_client.post(url).status_code == 404


def test_reception_cannot_reach_webhooks(client, endpoint, practice):
    client.force_login(MembershipFactory(practice=practice, role=Role.RECEPTION).user)
    before = state()
    assert client.get(LIST).status_code == 404
    for method, url in object_routes(endpoint):
        assert getattr(client, method)(url).status_code == 404, url
    assert state() == before


def test_anonymous_visitors_are_sent_to_log_in(client, endpoint):
    for method, url in [("get", LIST), ("get", CREATE), *object_routes(endpoint)]:
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert "login" in response.url or "entrar" in response.url
