"""Reads for the notification pages and feeds, always scoped to a practice or a secret token."""

from datetime import datetime, timedelta

from django.db.models import IntegerField, Max
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from citas.booking.models import Appointment
from citas.practices.models import Professional
from citas.practices.selectors import require_membership

from .models import CalendarFeed, Notification, NotificationStatus, WebhookEndpoint

FEED_PAST_DAYS = 30


DISMISSED_ONLY = "dismissed"
NOT_DISMISSED = "not_dismissed"


def notifications_for_practice(practice, *, status: str = "", kind: str = "", dismissed: str = ""):
    notifications = (
        Notification.objects.filter(practice=practice)
        .exclude(appointment__client__blocked_at__isnull=False)  # erased (citas.privacy)
        .select_related("appointment__client", "dismissed_by")
    )
    if status:
        notifications = notifications.filter(status=status)
    if kind:
        notifications = notifications.filter(kind=kind)
    if dismissed == DISMISSED_ONLY:
        notifications = notifications.filter(dismissed_at__isnull=False)
    elif dismissed == NOT_DISMISSED:
        notifications = notifications.filter(dismissed_at__isnull=True)
    return notifications.order_by("-due_at", "-pk")


def unresolved_failures():
    """Failed notifications not resent nor dismissed: the rows of the partial index
    notification_open_failures."""
    return Notification.objects.filter(
        status=NotificationStatus.FAILED, resent_at__isnull=True, dismissed_at__isnull=True
    )


def open_failures():
    """Failed notifications that still need a person: not resent, not dismissed (index
    notification_open_failures), and not about an erased client: the log hides those, so the
    alert must not count them, and "resend all" must never write to that client again."""
    return unresolved_failures().exclude(appointment__client__blocked_at__isnull=False)


def failed_notification_count(practice) -> int:
    """The practice's open failures: the nav badge on every manager's page, the dashboard.

    Most of the time there are none, and a probe of the partial index (one table, no joins:
    half the cost of building and planning the count) says so; only when it finds a row is
    the exact count made, leaving out erased clients' notifications."""
    if not unresolved_failures().filter(practice=practice).exists():
        return 0
    return open_failures().filter(practice=practice).count()


def open_failure_ids(practice) -> list[int]:
    return list(
        open_failures().filter(practice=practice).order_by("pk").values_list("pk", flat=True)
    )


def notification_for_manager(request: HttpRequest, pk: int) -> Notification:
    membership = require_membership(request, manager=True)
    return get_object_or_404(
        Notification.objects.select_related("practice").exclude(
            appointment__client__blocked_at__isnull=False
        ),
        pk=pk,
        practice=membership.practice,
    )


def professional_for_member(request: HttpRequest) -> Professional:
    """The bookable professional record of the logged-in member, or 404."""
    membership = require_membership(request)
    try:
        return Professional.objects.select_related("practice").get(
            membership=membership, practice=membership.practice
        )
    except Professional.DoesNotExist as missing:
        raise Http404 from missing


def appointment_for_token(token: str) -> Appointment:
    return get_object_or_404(
        Appointment.objects.select_related("practice", "service", "client"), token=token
    )


def feed_for_token(token: str) -> CalendarFeed:
    return get_object_or_404(
        CalendarFeed.objects.select_related("professional__practice__notification_settings"),
        token=token,
    )


def feed_appointments(professional, *, now: datetime):
    """The professional's active appointments from 30 days ago on, and nobody else's."""
    return (
        Appointment.objects.active()
        .for_professional(professional)
        .filter(start__gte=now - timedelta(days=FEED_PAST_DAYS))
        .select_related("practice", "service", "client")
        .order_by("start")
    )


def sequences_for(appointment_ids) -> dict[int, int]:
    """The last ICS SEQUENCE sent for each appointment (missing: 0), in one query."""
    rows = (
        Notification.objects.filter(appointment_id__in=list(appointment_ids))
        .values("appointment_id")
        .annotate(top=Max(Cast(KT("payload__sequence"), IntegerField())))
    )
    return {row["appointment_id"]: row["top"] or 0 for row in rows}


def webhooks_for_practice(practice):
    return WebhookEndpoint.objects.filter(practice=practice).order_by("created_at", "pk")


def webhook_of(practice, pk: int) -> WebhookEndpoint:
    """One of the practice's endpoints, or 404 (also for another practice's ids)."""
    return get_object_or_404(WebhookEndpoint, pk=pk, practice=practice)


def webhook_for_manager(request: HttpRequest, pk: int) -> WebhookEndpoint:
    return webhook_of(require_membership(request, manager=True).practice, pk)


def webhook_deliveries(endpoint: WebhookEndpoint):
    """The endpoint's delivery log, newest first (index notification_webhook_due)."""
    return Notification.objects.filter(webhook=endpoint).order_by("-due_at", "-pk")


def webhook_delivery_for_manager(request: HttpRequest, pk: int, delivery_pk: int) -> Notification:
    endpoint = webhook_for_manager(request, pk)
    return get_object_or_404(
        Notification.objects.select_related("webhook"), pk=delivery_pk, webhook=endpoint
    )
