"""Erasure with blocking (LOPDGDD art. 32), anonymisation and the retention job.

"Suprimir" blocks a client: upcoming appointments are cancelled with notice, then the record
and its appointments disappear from every page, search, feed and API route (the client and
appointment default managers leave blocked rows out). Blocked data is kept only for legal
claims; when `blocked_data_years` have passed, or a client has had no appointment for
`inactive_client_years`, the record is anonymised: appointments keep date, service,
professional and status; every personal field, message and history detail is removed.
"""

from dataclasses import asdict, dataclass
from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import CharField, Max, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext as _

from citas.booking.agenda_cache import agenda_changed
from citas.booking.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentEvent,
    Client,
    new_appointment_token,
)
from citas.booking.services import appointment_cancel
from citas.core.errors import ServiceError
from citas.notifications.models import ClientContactPreference, Notification
from citas.practices.models import Practice

from .models import AuditAction, AuditEntry, ErasureRequest
from .selectors import privacy_settings_for
from .services import audit_record

ERASURE_ANSWER_MONTHS = 1  # RGPD art. 12.3: one month to answer a request


def anonymous_name(client_pk: int) -> str:
    return _("Anonymous client #%(number)s") % {"number": client_pk}


def erasure_request_create(*, client: Client, by, request=None, now: datetime) -> ErasureRequest:
    """The client asks for erasure; the practice must confirm within a month."""
    existing = ErasureRequest.objects.filter(client=client, confirmed_at__isnull=True).first()
    if existing is not None:
        return existing
    erasure = ErasureRequest.objects.create(
        practice=client.practice,
        client=client,
        requested_at=now,
        due_at=now + relativedelta(months=ERASURE_ANSWER_MONTHS),
    )
    audit_record(
        practice=client.practice,
        actor=by,
        action=AuditAction.ERASURE_REQUESTED,
        obj=client,
        request=request,
    )
    return erasure


def client_block(*, client: Client, by, request=None, now: datetime) -> Client:
    """Cancel the client's upcoming appointments (they get the cancellation message), then
    block the record."""
    if client.blocked_at is not None or client.anonymised_at is not None:
        raise ServiceError(_("This client's data is already blocked."))
    with transaction.atomic():
        upcoming = Appointment.objects.filter(
            client=client, status__in=ACTIVE_STATUSES, start__gte=now
        )
        for appointment in upcoming:
            appointment_cancel(
                appointment=appointment,
                by=by,
                by_client=False,
                reason=_("Your data has been erased at your request."),
                now=now,
            )
        client.blocked_at = now
        client.save(update_fields=["blocked_at", "updated_at"])
        ErasureRequest.objects.filter(client=client, confirmed_at__isnull=True).update(
            confirmed_at=now, confirmed_by=by if by is not None and by.is_authenticated else None
        )
        audit_record(
            practice=client.practice,
            actor=by,
            action=AuditAction.CLIENT_BLOCKED,
            obj=client,
            request=request,
            data={"cancelled": len(upcoming)},
        )
    return client


def client_anonymise(*, client: Client, now: datetime) -> Client:
    """Remove every personal field of the client; its appointments stay as statistics."""
    with transaction.atomic():
        appointments = Appointment.all_objects.filter(client=client)
        for appointment in appointments.only("pk"):
            Appointment.all_objects.filter(pk=appointment.pk).update(
                notes="", token=new_appointment_token()
            )
        AppointmentEvent.objects.filter(appointment__client=client).update(data={})
        Notification.objects.filter(appointment__client=client).delete()
        ClientContactPreference.objects.filter(client=client).delete()
        ErasureRequest.objects.filter(client=client).delete()
        AuditEntry.objects.filter(
            practice=client.practice, object_type="client", object_id=str(client.pk)
        ).update(object_repr=anonymous_name(client.pk))
        # A bulk update sends no signal: the agenda shows the client's name.
        agenda_changed(client.practice_id)
        Client.all_objects.filter(pk=client.pk).update(
            full_name=anonymous_name(client.pk),
            email="",
            phone="",
            notes="",
            user=None,
            privacy_accepted_at=None,
            blocked_at=None,
            anonymised_at=now,
            updated_at=now,
        )
        audit_record(
            practice=client.practice,
            actor=None,
            action=AuditAction.CLIENT_ANONYMISED,
            obj=None,
            data={"client": client.pk},
        )
    client.refresh_from_db()
    return client


@dataclass
class RetentionReport:
    practice: str
    anonymised_blocked: int = 0
    anonymised_inactive: int = 0
    message_bodies_cleared: int = 0
    audit_entries_deleted: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def retention_apply(*, practice: Practice, now: datetime) -> RetentionReport:
    """Apply the practice's retention periods once. Running it again the same day changes
    nothing: every step only touches rows that are still past their period."""
    options = privacy_settings_for(practice)
    report = RetentionReport(practice=practice.slug)

    blocked_before = now - relativedelta(years=options.blocked_data_years)
    for client in Client.all_objects.filter(practice=practice, blocked_at__lt=blocked_before):
        client_anonymise(client=client, now=now)
        report.anonymised_blocked += 1

    inactive_before = now - relativedelta(years=options.inactive_client_years)
    inactive = (
        Client.objects.filter(practice=practice, anonymised_at__isnull=True)
        .annotate(last=Max("appointments__start"))
        .filter(Q(last__lt=inactive_before) | Q(last__isnull=True, created_at__lt=inactive_before))
    )
    for client in inactive:
        client_anonymise(client=client, now=now)
        report.anonymised_inactive += 1

    bodies_before = now - relativedelta(months=options.notification_body_months)
    report.message_bodies_cleared = (
        Notification.objects.filter(practice=practice, due_at__lt=bodies_before)
        .exclude(payload={})
        # The recipient becomes the row's number: rows stay unique for their constraint.
        .update(payload={}, recipient=Concat(Value("#"), Cast("pk", CharField())), last_error="")
    )

    audit_before = now - relativedelta(months=options.audit_log_months)
    report.audit_entries_deleted, _deleted = AuditEntry.objects.filter(
        practice=practice, created_at__lt=audit_before
    ).delete()

    if any(value for key, value in report.as_dict().items() if key != "practice"):
        audit_record(
            practice=practice,
            actor=None,
            action=AuditAction.RETENTION_APPLIED,
            data=report.as_dict(),
        )
    return report


def retention_apply_all(*, now: datetime) -> list[RetentionReport]:
    return [retention_apply(practice=p, now=now) for p in Practice.objects.order_by("pk")]
