import time
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from citas.notifications.delivery import backoff, notifications_send_due
from citas.notifications.forms import WebhookEndpointForm
from citas.notifications.models import Notification, NotificationKind, WebhookEndpoint
from citas.notifications.services import notification_resend, on_appointment_event
from citas.notifications.webhooks import (
    body_bytes,
    signature_header,
    validate_webhook_url,
    verify_signature,
)

from .conftest import NOW
from .receiver import WebhookEndpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = False


@pytest.fixture
def hook(receiver, practice):
    endpoint = WebhookEndpointFactory(
        practice=practice,
        url=receiver.url,
        events=["created", "confirmed", "cancelled", "completed", "no_show"],
    )
    receiver.secret = endpoint.secret
    return endpoint


def deliveries():
    return Notification.objects.filter(channel="webhook").order_by("pk")


# --- addresses -------------------------------------------------------------------------------


@pytest.mark.usefixtures("production")
@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",
        "https://127.0.0.1/hook",
        "https://localhost:8443/hook",
        "https://10.1.2.3/hook",
        "https://[::1]/hook",
        "https://printer.local/hook",
        "https://user:pw@example.com/hook",
        "ftp://example.com/hook",
        "https://[not-an-ip/hook",
    ],
)
def test_it_refuses_insecure_private_and_malformed_addresses_in_production(url):
    with pytest.raises(ValidationError):
        validate_webhook_url(url)


@pytest.mark.usefixtures("production")
def test_it_accepts_a_public_https_address():
    validate_webhook_url("https://hooks.example.com/citas?x=1")


def test_it_accepts_local_http_only_when_insecure_urls_are_allowed(settings):
    settings.DEBUG = False
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = True
    validate_webhook_url("http://127.0.0.1:8000/hook")
    with pytest.raises(ValidationError):
        validate_webhook_url("http://example.com/hook")


@pytest.mark.usefixtures("production")
def test_the_form_names_the_wrong_field():
    form = WebhookEndpointForm({"url": "http://example.com/x", "events": ["created", "bogus"]})
    assert not form.is_valid()
    assert set(form.errors) == {"url", "events"}
    assert not WebhookEndpointForm({"url": "https://example.com/x"}).is_valid()


# --- signatures ------------------------------------------------------------------------------


def test_a_signature_verifies_only_with_the_same_secret_body_and_a_recent_time():
    body = body_bytes({"id": "x", "type": "appointment.created"})
    now = 1_800_000_000
    header = signature_header("whsec_a", now, body)
    assert verify_signature(secret="whsec_a", header=header, body=body, now=now + 10)
    assert not verify_signature(secret="whsec_b", header=header, body=body, now=now)
    assert not verify_signature(secret="whsec_a", header=header, body=body + b" ", now=now)
    assert not verify_signature(secret="whsec_a", header=header, body=body, now=now + 301)
    assert not verify_signature(secret="whsec_a", header="garbage", body=body, now=now)


# --- queueing --------------------------------------------------------------------------------


def test_an_event_queues_one_delivery_per_active_endpoint_that_wants_it(practice, make_appointment):
    wanted = WebhookEndpointFactory(practice=practice, events=["created"])
    WebhookEndpointFactory(practice=practice, events=["cancelled"])
    WebhookEndpointFactory(practice=practice, events=["created"], is_active=False)
    WebhookEndpointFactory(events=["created"])  # another practice
    with time_machine.travel(NOW, tick=False):
        appointment = make_appointment(status="confirmed")
        on_appointment_event(appointment=appointment, kind="created", by_client=False)

    (row,) = deliveries()
    assert (row.webhook, row.kind, row.recipient) == (wanted, "webhook_created", wanted.url)
    body = row.payload
    assert body["type"] == "appointment.created"
    assert body["created_at"] == "2026-11-20T08:00:00+00:00"
    assert len(body["id"]) == 36
    assert body["data"] == {
        "id": appointment.pk,
        "status": "confirmed",
        "start": "2026-11-30T10:00:00+01:00",
        "end": appointment.end.astimezone(NOW.tzinfo).isoformat(),
        "practice": practice.slug,
        "professional": {"id": appointment.professional_id, "name": "Luis Gil"},
        "service": {"id": appointment.service_id, "name": "Fisioterapia"},
        "client": {"id": appointment.client_id, "name": "Marta Ruiz", "email": "marta@example.com"},
    }


def test_a_completed_past_appointment_still_reports_to_webhooks(practice, make_appointment):
    WebhookEndpointFactory(practice=practice, events=["completed", "no_show"])
    appointment = make_appointment(status="completed")
    with time_machine.travel(appointment.end + timedelta(hours=1), tick=False):
        on_appointment_event(appointment=appointment, kind="completed", by_client=False)

    assert [row.payload["type"] for row in deliveries()] == ["appointment.completed"]


def test_a_rejected_request_reaches_receivers_as_a_cancellation(practice, make_appointment):
    WebhookEndpointFactory(practice=practice, events=["cancelled"])
    with time_machine.travel(NOW, tick=False):
        appointment = make_appointment(status="cancelled")
        on_appointment_event(appointment=appointment, kind="rejected", by_client=False)

    assert deliveries().get().payload["type"] == "appointment.cancelled"


# --- sending to a real receiver --------------------------------------------------------------


def book_and_confirm(make_appointment):
    appointment = make_appointment(status="pending")
    on_appointment_event(appointment=appointment, kind="created", by_client=False)
    appointment.status = "confirmed"
    appointment.save()
    on_appointment_event(appointment=appointment, kind="confirmed", by_client=False)
    return appointment


def test_the_receiver_gets_each_event_once_signed_across_two_sender_runs(
    hook, receiver, make_appointment
):
    book_and_confirm(make_appointment)

    first = notifications_send_due(worker_id="w1")
    second = notifications_send_due(worker_id="w2")

    assert [r.body["type"] for r in receiver.received] == [
        "appointment.created",
        "appointment.confirmed",
    ]
    assert all(r.valid_signature for r in receiver.received)
    assert len({r.delivery_id for r in receiver.received}) == 2
    assert [r.body["id"] for r in receiver.received] == [r.delivery_id for r in receiver.received]
    webhook_sent = [(row.status, row.response_code, row.attempts) for row in deliveries()]
    assert webhook_sent == [("sent", 200, 1), ("sent", 200, 1)]
    assert second.claimed == 0
    assert first.sent >= 2


def test_a_500_is_retried_with_backoff_and_then_sent_once(hook, receiver, make_appointment):
    receiver.answers = [500, 200]
    appointment = make_appointment(status="confirmed")
    now = time_machine.travel(NOW, tick=False)
    with now:
        on_appointment_event(appointment=appointment, kind="created", by_client=False)
        notifications_send_due(now=NOW, worker_id="w1")
    row = deliveries().get()
    assert (row.status, row.response_code, row.attempts, row.last_error) == (
        "pending",
        500,
        1,
        "HTTP 500",
    )
    assert row.due_at == NOW + backoff(1)
    hook.refresh_from_db()
    assert hook.failing_since == NOW

    later = NOW + backoff(1)
    with time_machine.travel(later, tick=False):
        notifications_send_due(now=later, worker_id="w1")
        notifications_send_due(now=later, worker_id="w2")

    row.refresh_from_db()
    assert (row.status, row.response_code, row.attempts) == ("sent", 200, 2)
    assert [r.delivery_id for r in receiver.received] == [row.payload["id"]] * 2
    hook.refresh_from_db()
    assert hook.failing_since is None


def test_a_redirect_is_not_followed(hook, receiver, make_appointment):
    receiver.answers = [302]
    on_appointment_event(
        appointment=make_appointment(status="confirmed"), kind="created", by_client=False
    )
    notifications_send_due(worker_id="w1")

    assert len(receiver.received) == 1
    assert deliveries().get().response_code == 302


def test_a_resend_posts_the_same_delivery_again_with_a_fresh_signature(
    hook, receiver, make_appointment, owner
):
    on_appointment_event(
        appointment=make_appointment(status="confirmed"), kind="created", by_client=False
    )
    notifications_send_due(worker_id="w1")
    notification_resend(notification=deliveries().get(), by=owner.user)
    notifications_send_due(worker_id="w1")

    first, again = receiver.received
    assert first.delivery_id == again.delivery_id
    assert first.body == again.body
    assert again.valid_signature
    assert [row.status for row in deliveries()] == ["sent", "sent"]


def test_a_rotated_secret_signs_the_next_delivery(hook, receiver, make_appointment):
    on_appointment_event(
        appointment=make_appointment(status="confirmed"), kind="created", by_client=False
    )
    from citas.notifications.webhooks import webhook_endpoint_rotate_secret

    old = hook.secret
    webhook_endpoint_rotate_secret(endpoint=hook)
    notifications_send_due(worker_id="w1")

    assert hook.secret != old
    assert not receiver.received[0].valid_signature  # the receiver still has the old one
    receiver.secret = hook.secret
    assert receiver.check(
        {
            "X-Citas-Signature": receiver.received[0].headers["X-Citas-Signature"],
            "X-Citas-Webhook-Timestamp": receiver.received[0].headers["X-Citas-Webhook-Timestamp"],
        },
        body_bytes(receiver.received[0].body),
    )


# --- failing for days ------------------------------------------------------------------------


DAYS_AND_HOURS = [(0, 0), (1, 0), (2, 0), (3, 0), (3, 1), (3, 2)]


def test_three_days_of_failures_disable_the_endpoint_and_tell_the_owner_once(
    hook, receiver, make_appointment, owner, mailoutbox
):
    receiver.answers = [503]
    appointment = make_appointment(status="confirmed")
    moments = [NOW + timedelta(days=days, hours=hours) for days, hours in DAYS_AND_HOURS]
    for moment in moments:
        with time_machine.travel(moment, tick=False):
            on_appointment_event(appointment=appointment, kind="confirmed", by_client=False)
            notifications_send_due(now=moment, worker_id="w1")
            notifications_send_due(now=moment, worker_id="w2")
    notifications_send_due(now=moments[-1] + timedelta(days=1), worker_id="w1")

    hook.refresh_from_db()
    assert not hook.is_active
    assert (hook.failing_since, hook.disabled_at) == (moments[0], moments[4])
    # Exactly three days of failures were not enough; the first failure after that was. The
    # last event found the endpoint disabled: nothing queued, nothing posted, retries dropped.
    assert len(receiver.received) == 1 + 2 + 3 + 4 + 1
    assert [row.status for row in deliveries()] == ["cancelled"] * 5
    disabled = Notification.objects.filter(kind=NotificationKind.WEBHOOK_DISABLED)
    assert [(n.recipient, n.status) for n in disabled] == [(owner.user.email, "sent")]
    (message,) = [m for m in mailoutbox if m.to == [owner.user.email]]
    assert hook.url in message.body
    assert "http://testserver/app/webhooks/" in message.body


def test_a_pending_retry_for_a_disabled_endpoint_is_cancelled(hook, receiver, make_appointment):
    receiver.answers = [500]
    on_appointment_event(
        appointment=make_appointment(status="confirmed"), kind="created", by_client=False
    )
    notifications_send_due(worker_id="w1")
    WebhookEndpoint.objects.filter(pk=hook.pk).update(is_active=False)

    notifications_send_due(now=deliveries().get().due_at, worker_id="w1")

    assert deliveries().get().status == "cancelled"
    assert len(receiver.received) == 1


def test_the_receivers_clock_check_rejects_an_old_signature(receiver):
    receiver.secret = "whsec_x"
    body = body_bytes({"id": "1"})
    stamp = int(time.time()) - 301
    headers = {
        "X-Citas-Signature": signature_header("whsec_x", stamp, body),
        "X-Citas-Webhook-Timestamp": str(stamp),
    }
    assert not receiver.check(headers, body)
