"""Failed notifications reach a person: the daily email to the practice, "resend all", and
"dismiss" for the ones a manager has looked at and does not want resent, and "restore" to
undo a dismissal."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from citas.core.errors import ServiceError
from citas.practices.models import Membership, Practice, Role
from citas.privacy.models import AuditAction
from citas.privacy.services import audit_record

from .models import Notification, NotificationKind, NotificationStatus
from .selectors import open_failures
from .services import notification_resend


def notifications_resend_failed(*, practice, by, now: datetime | None = None) -> int:
    """ "Resend all failed": a fresh copy of each of the practice's open failures (dismissed
    ones are resent one by one from the log)."""
    now = now or timezone.now()
    with transaction.atomic():
        failed = list(
            open_failures().select_for_update(of=("self",)).filter(practice=practice).order_by("pk")
        )
        for notification in failed:
            notification_resend(notification=notification, by=by, now=now)
    return len(failed)


def notification_dismiss(*, notification, by, request=None, now: datetime | None = None) -> None:
    """One failure leaves the alert and the daily email; the row stays in the log."""
    now = now or timezone.now()
    with transaction.atomic():
        dismissed = (
            open_failures()
            .filter(pk=notification.pk)
            .update(dismissed_at=now, dismissed_by=by, updated_at=now)
        )
        if not dismissed:
            raise ServiceError(
                _("Only failed notifications that were not resent can be dismissed.")
            )
        audit_record(
            practice=notification.practice,
            actor=by,
            action=AuditAction.NOTIFICATION_DISMISSED,
            obj=notification,
            request=request,
            data={"notifications": [notification.pk]},
        )


def notifications_dismiss_failed(
    *, practice, by, seen_ids, request=None, now: datetime | None = None
) -> int:
    """ "Dismiss all failed": the open failures of the practice that the manager was shown
    (`seen_ids`, from the page), in one audited step. A row that failed after the page was
    drawn was not seen, so it stays open and keeps the alert up."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            open_failures()
            .select_for_update(of=("self",))
            .filter(practice=practice, pk__in=seen_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        Notification.objects.filter(pk__in=ids).update(
            dismissed_at=now, dismissed_by=by, updated_at=now
        )
        audit_record(
            practice=practice,
            actor=by,
            action=AuditAction.NOTIFICATION_DISMISSED,
            request=request,
            data={"notifications": ids},
        )
    return len(ids)


def notification_restore(*, notification, by, request=None, now: datetime | None = None) -> None:
    """Undo a dismissal: the failure counts again in the alert and the daily email. The audit
    line keeps who had dismissed it and when, since the row itself forgets."""
    now = now or timezone.now()
    with transaction.atomic():
        dismissed = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("dismissed_by")
            .filter(
                pk=notification.pk,
                status=NotificationStatus.FAILED,
                resent_at__isnull=True,
                dismissed_at__isnull=False,
            )
            .first()
        )
        if dismissed is None:
            raise ServiceError(_("Only dismissed failures that were not resent can be restored."))
        Notification.objects.filter(pk=dismissed.pk).update(
            dismissed_at=None, dismissed_by=None, updated_at=now
        )
        audit_record(
            practice=dismissed.practice,
            actor=by,
            action=AuditAction.NOTIFICATION_RESTORED,
            obj=dismissed,
            request=request,
            data={
                "notifications": [dismissed.pk],
                "dismissed_at": dismissed.dismissed_at.isoformat(),
                "dismissed_by": dismissed.dismissed_by.email if dismissed.dismissed_by else "",
            },
        )


DIGEST_HOUR = 8


def failures_digest_schedule(*, now: datetime) -> None:
    """Once a day (from 08:00 practice time) while a practice has failed notifications that
    nobody resent or dismissed: one email to the practice (or to its owners when it has no
    address)."""
    counts = dict(
        open_failures()
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
