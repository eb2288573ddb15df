"""Signed webhooks: endpoints, the JSON body of each event, signing, and what a failure does.

A delivery is a Notification row with channel "webhook", written in the transaction that changed
the appointment and sent by the same exactly-once sender as emails (delivery.py); the HTTP call
itself is `channels.WebhookChannel`. The body is frozen at event time in the row's payload.
"""

import hashlib
import hmac
import json
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from citas.core.errors import ServiceError
from citas.core.http import insecure_urls_allowed, is_private_address
from citas.practices.models import Membership, Role

from .models import (
    Channel,
    Notification,
    NotificationKind,
    WebhookEndpoint,
    WebhookEvent,
    new_webhook_secret,
)

# Appointment events (as citas.booking records them) → the webhook event sent. A rejected
# request ends cancelled, so receivers see it as a cancellation (its status says so).
EVENT_FOR_KIND = {
    "created": WebhookEvent.CREATED,
    "confirmed": WebhookEvent.CONFIRMED,
    "rescheduled": WebhookEvent.RESCHEDULED,
    "cancelled": WebhookEvent.CANCELLED,
    "rejected": WebhookEvent.CANCELLED,
    "completed": WebhookEvent.COMPLETED,
    "no_show": WebhookEvent.NO_SHOW,
}
NOTIFICATION_KIND_FOR_EVENT = {
    WebhookEvent.CREATED: NotificationKind.WEBHOOK_CREATED,
    WebhookEvent.CONFIRMED: NotificationKind.WEBHOOK_CONFIRMED,
    WebhookEvent.RESCHEDULED: NotificationKind.WEBHOOK_RESCHEDULED,
    WebhookEvent.CANCELLED: NotificationKind.WEBHOOK_CANCELLED,
    WebhookEvent.COMPLETED: NotificationKind.WEBHOOK_COMPLETED,
    WebhookEvent.NO_SHOW: NotificationKind.WEBHOOK_NO_SHOW,
}
DISABLE_AFTER = timedelta(days=3)
SIGNATURE_TOLERANCE = 300  # seconds
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa")


# --- addresses -------------------------------------------------------------------------------


def _is_local_name(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host == "localhost" or host.endswith(LOCAL_SUFFIXES)


def validate_webhook_url(url: str) -> None:
    """HTTPS to a public host. Raises ValidationError with a message for the form field."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        _port = parts.port
    except ValueError:
        raise ValidationError(_("Enter a valid URL."), code="invalid") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ValidationError(_("Enter a valid URL."), code="invalid")
    if parts.username or parts.password:
        raise ValidationError(_("Don't put a user name or password in the URL."), code="invalid")
    local = _is_local_name(host) or is_private_address(host)
    if insecure_urls_allowed() and local:
        return
    if parts.scheme != "https":
        raise ValidationError(_("Use an https:// address."), code="insecure")
    if local:
        raise ValidationError(
            _("Use a public address, not a local or private one."), code="private"
        )


# --- the body and its signature --------------------------------------------------------------


def event_body(appointment, *, event: str, now: datetime) -> dict:
    """What receivers get, as it is at the moment of the event."""
    tz = ZoneInfo(appointment.practice.timezone)
    return {
        "id": str(uuid.uuid4()),
        "type": f"appointment.{event}",
        "created_at": now.isoformat(),
        "data": {
            "id": appointment.pk,
            "status": appointment.status,
            "start": appointment.start.astimezone(tz).isoformat(),
            "end": appointment.end.astimezone(tz).isoformat(),
            "practice": appointment.practice.slug,
            "professional": {
                "id": appointment.professional_id,
                "name": appointment.professional.display_name,
            },
            "service": {"id": appointment.service_id, "name": appointment.service.name},
            "client": {
                "id": appointment.client_id,
                "name": appointment.client.full_name,
                "email": appointment.client.email,
            },
        },
    }


def body_bytes(payload: dict) -> bytes:
    """One canonical serialisation, so that a resend posts the very same bytes."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify_signature(
    *, secret: str, header: str, body: bytes, now: float, tolerance: int = SIGNATURE_TOLERANCE
) -> bool:
    """The receiver's check (docs/api.md has a copy): a valid v1 signature, not too old."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), parts.get("v1", ""))


# --- writes ----------------------------------------------------------------------------------


def webhook_deliveries_queue(*, appointment, kind: str, now: datetime) -> list[Notification]:
    """One pending delivery per active endpoint of the practice that wants this event."""
    event = EVENT_FOR_KIND.get(kind)
    if event is None:
        return []
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(
            practice_id=appointment.practice_id, is_active=True
        )
        if event in endpoint.events
    ]
    rows = [
        Notification(
            practice_id=appointment.practice_id,
            appointment=appointment,
            professional_id=appointment.professional_id,
            kind=NOTIFICATION_KIND_FOR_EVENT[event],
            channel=Channel.WEBHOOK,
            recipient=endpoint.url[:254],
            due_at=now,
            webhook=endpoint,
            payload=event_body(appointment, event=event, now=now),
        )
        for endpoint in endpoints
    ]
    return Notification.objects.bulk_create(rows)


def _check_url(url: str) -> None:
    try:
        validate_webhook_url(url)
    except ValidationError as error:
        raise ServiceError(error.messages[0], field="url", code=error.code) from error


def webhook_endpoint_create(*, practice, url: str, events: list[str]) -> WebhookEndpoint:
    _check_url(url)
    return WebhookEndpoint.objects.create(practice=practice, url=url, events=sorted(set(events)))


def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    events: list[str] | None = None,
    is_active: bool | None = None,
    now: datetime,
) -> WebhookEndpoint:
    if url is not None:
        _check_url(url)
        endpoint.url = url
    if events is not None:
        endpoint.events = sorted(set(events))
    if is_active is not None and is_active != endpoint.is_active:
        endpoint.is_active = is_active
        # Enabling starts afresh; disabling by hand is not a failure.
        endpoint.failing_since = None
        endpoint.disabled_at = None if is_active else now
    endpoint.save()
    return endpoint


def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new secret at once: deliveries from now on are signed with it."""
    endpoint.secret = new_webhook_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    return endpoint


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Its delivery log goes with it (pending deliveries too)."""
    endpoint.delete()


def webhook_record_outcome(*, notification: Notification, delivered: bool, now: datetime) -> None:
    """After each attempt: success clears the failure streak; a failure starts it, and one
    more than DISABLE_AFTER into it disables the endpoint and tells the owners, once."""
    endpoints = WebhookEndpoint.objects.filter(pk=notification.webhook_id)
    if delivered:
        endpoints.filter(failing_since__isnull=False).update(failing_since=None)
        return
    endpoints.filter(failing_since__isnull=True).update(failing_since=now)
    with transaction.atomic():
        # The conditional UPDATE is the guard: only one sender flips is_active.
        disabled = endpoints.filter(is_active=True, failing_since__lt=now - DISABLE_AFTER).update(
            is_active=False, disabled_at=now
        )
        if disabled:
            _queue_disabled_emails(WebhookEndpoint.objects.get(pk=notification.webhook_id), now)


def _queue_disabled_emails(endpoint: WebhookEndpoint, now: datetime) -> None:
    owners = Membership.objects.filter(practice_id=endpoint.practice_id, role=Role.OWNER)
    rows = [
        Notification(
            practice_id=endpoint.practice_id,
            kind=NotificationKind.WEBHOOK_DISABLED,
            channel=Channel.EMAIL,
            recipient=membership.user.email,
            language=membership.user.language or settings.LANGUAGE_CODE,
            due_at=now,
            payload={
                "practice": endpoint.practice.name,
                "url": endpoint.url,
                "endpoint_id": endpoint.pk,
                "failing_since": endpoint.failing_since.isoformat(),
            },
        )
        for membership in owners.select_related("user")
        if membership.user.email
    ]
    # Unique per (practice, kind, recipient, due_at): a replay of this moment adds nothing.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
