"""The sender: claim due rows, send them, record the outcome. Run by the Huey worker.

Exactly once comes from the rows, not from the queue: a row moves pending → sending only by a
conditional UPDATE inside a transaction that holds the rows (FOR UPDATE SKIP LOCKED on
PostgreSQL, the BEGIN IMMEDIATE write lock on SQLite), so two workers never hold the same row;
it moves sending → sent only if this worker still holds the claim. A worker that dies holding
claims leaves them in "sending"; after CLAIM_TIMEOUT they go back to pending.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .channels import ChannelError, Channels
from .models import (
    Channel,
    ClientContactPreference,
    Notification,
    NotificationKind,
    NotificationStatus,
)
from .rendering import RenderError, render_notification
from .webhooks import webhook_record_outcome

logger = logging.getLogger(__name__)


@dataclass
class SendReport:
    recovered: int = 0
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0


def claim_timeout() -> timedelta:
    return timedelta(seconds=settings.NOTIFICATIONS_CLAIM_TIMEOUT)


def backoff(attempts: int) -> timedelta:
    """1, 5, 25, 125… minutes after the first, second, third… failure."""
    return timedelta(minutes=settings.NOTIFICATIONS_RETRY_BASE_MINUTES * 5 ** (attempts - 1))


def notifications_recover_stale(*, now: datetime) -> int:
    """Claims older than the timeout belong to a worker that died: put them back."""
    return Notification.objects.filter(
        status=NotificationStatus.SENDING, claimed_at__lt=now - claim_timeout()
    ).update(status=NotificationStatus.PENDING, claimed_at=None, claimed_by="")


def notifications_claim(*, now: datetime, batch: int, worker_id: str) -> list[Notification]:
    with transaction.atomic():
        ids = list(
            Notification.objects.filter(status=NotificationStatus.PENDING, due_at__lte=now)
            .order_by("due_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return []
        Notification.objects.filter(pk__in=ids, status=NotificationStatus.PENDING).update(
            status=NotificationStatus.SENDING, claimed_at=now, claimed_by=worker_id
        )
    return list(
        Notification.objects.filter(
            pk__in=ids, status=NotificationStatus.SENDING, claimed_by=worker_id, claimed_at=now
        ).order_by("due_at", "pk")
    )


def _finish(notification: Notification, worker_id: str, **changes) -> int:
    """Record an outcome, only while this worker still holds the claim."""
    return Notification.objects.filter(
        pk=notification.pk, status=NotificationStatus.SENDING, claimed_by=worker_id
    ).update(claimed_at=None, claimed_by="", attempts=F("attempts") + 1, **changes)


def _unsubscribed(notification: Notification) -> bool:
    if notification.kind != NotificationKind.REMINDER or notification.appointment_id is None:
        return False
    return ClientContactPreference.objects.filter(
        client__appointments=notification.appointment_id,
        reminders_unsubscribed_at__isnull=False,
    ).exists()


def notification_send(
    notification: Notification, *, now: datetime, worker_id: str, channels: Channels
) -> str:
    """Send one claimed row; returns the resulting status. Never raises for a bad message."""
    webhook = notification.channel == Channel.WEBHOOK
    if webhook and (notification.webhook is None or not notification.webhook.is_active):
        Notification.objects.filter(pk=notification.pk, claimed_by=worker_id).update(
            status=NotificationStatus.CANCELLED, last_error="webhook endpoint disabled"
        )
        return NotificationStatus.CANCELLED
    if _unsubscribed(notification):
        Notification.objects.filter(pk=notification.pk, claimed_by=worker_id).update(
            status=NotificationStatus.CANCELLED, last_error="client unsubscribed from reminders"
        )
        return NotificationStatus.CANCELLED
    try:
        # A webhook's body is its payload, frozen at event time: nothing to render.
        rendered = None if webhook else render_notification(notification)
        response_code = channels.get(notification.channel).send(notification, rendered)
    except (RenderError, ChannelError) as error:
        attempts = notification.attempts + 1
        permanent = isinstance(error, RenderError) or error.permanent
        code = getattr(error, "response_code", None)
        if webhook:
            webhook_record_outcome(notification=notification, delivered=False, now=now)
        if permanent or attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
            _finish(
                notification,
                worker_id,
                status=NotificationStatus.FAILED,
                last_error=str(error),
                response_code=code,
            )
            logger.warning("notification %s failed: %s", notification.pk, error)
            return NotificationStatus.FAILED
        _finish(
            notification,
            worker_id,
            status=NotificationStatus.PENDING,
            due_at=now + backoff(attempts),
            last_error=str(error),
            response_code=code,
        )
        return NotificationStatus.PENDING
    if webhook:
        webhook_record_outcome(notification=notification, delivered=True, now=now)
    _finish(
        notification,
        worker_id,
        status=NotificationStatus.SENT,
        sent_at=now,
        last_error="",
        response_code=response_code,
    )
    return NotificationStatus.SENT


def notifications_send_due(
    *, now: datetime | None = None, batch: int = 100, worker_id: str = "worker"
) -> SendReport:
    now = now or timezone.now()
    report = SendReport(recovered=notifications_recover_stale(now=now))
    claimed = notifications_claim(now=now, batch=batch, worker_id=worker_id)
    report.claimed = len(claimed)
    channels = Channels()
    try:
        _send_all(claimed, report, now=now, worker_id=worker_id, channels=channels)
    finally:
        channels.close()
    return report


def _send_all(claimed, report: SendReport, *, now, worker_id: str, channels: Channels) -> None:
    for notification in claimed:
        try:
            outcome = notification_send(
                notification, now=now, worker_id=worker_id, channels=channels
            )
        except Exception as error:
            # A bug must not stop the batch, nor be retried forever: the row is marked failed
            # and shows in the practice's log, from where it can be resent.
            logger.exception("notification %s crashed the sender", notification.pk)
            _finish(
                notification,
                worker_id,
                status=NotificationStatus.FAILED,
                last_error=f"internal error: {type(error).__name__}: {error}",
            )
            report.failed += 1
            continue
        if outcome == NotificationStatus.SENT:
            report.sent += 1
        elif outcome == NotificationStatus.PENDING:
            report.retried += 1
        elif outcome == NotificationStatus.FAILED:
            report.failed += 1
        else:
            report.skipped += 1
