"""Failed notifications reach a person: the daily email to the practice, "resend all"."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from citas.practices.models import Membership, Practice, Role

from .models import Notification, NotificationKind, NotificationStatus
from .services import notification_resend


def notifications_resend_failed(*, practice, by, now: datetime | None = None) -> int:
    """ "Resend all failed": a fresh copy of each of the practice's failures not yet resent."""
    now = now or timezone.now()
    with transaction.atomic():
        failed = list(
            Notification.objects.select_for_update()
            .filter(practice=practice, status=NotificationStatus.FAILED, resent_at__isnull=True)
            .order_by("pk")
        )
        for notification in failed:
            notification_resend(notification=notification, by=by, now=now)
    return len(failed)


DIGEST_HOUR = 8


def failures_digest_schedule(*, now: datetime) -> None:
    """Once a day (from 08:00 practice time) while a practice has failed notifications that
    nobody resent: one email to the practice (or to its owners when it has no address)."""
    counts = dict(
        Notification.objects.filter(status=NotificationStatus.FAILED, resent_at__isnull=True)
        .exclude(kind=NotificationKind.FAILURES_DIGEST)
        .values_list("practice")
        .annotate(total=Count("pk"))
    )
    rows = []
    for practice in Practice.objects.filter(pk__in=counts):
        local = now.astimezone(ZoneInfo(practice.timezone))
        if local.hour < DIGEST_HOUR:
            continue
        if practice.email:
            recipients = [(practice.email, settings.LANGUAGE_CODE)]
        else:
            owners = Membership.objects.filter(practice=practice, role=Role.OWNER)
            recipients = [
                (m.user.email, m.user.language or settings.LANGUAGE_CODE)
                for m in owners.select_related("user")
                if m.user.email
            ]
        due_at = local.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
        rows += [
            Notification(
                practice=practice,
                kind=NotificationKind.FAILURES_DIGEST,
                recipient=email,
                language=language,
                due_at=due_at,
                payload={"practice": practice.name, "count": counts[practice.pk]},
            )
            for email, language in recipients
        ]
    # Unique per (practice, kind, recipient, due_at): once a day, however often this runs.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
