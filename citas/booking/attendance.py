"""Attendance: the client's "I'll be there" answer from a reminder, and the release of
appointments nobody confirmed when the practice asks for it.

"I can't come" is an ordinary client cancellation (`appointment_cancel`, same window).
A release runs with the appointment's row locked and re-checks everything under the lock, so
two workers (or a worker and the client confirming at that very moment) release at most once.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from citas.core.errors import ServiceError
from citas.notifications.models import NotificationKind, NotificationStatus
from citas.notifications.services import client_language, confirmation_requests_cancel
from citas.scheduling.models import MAX_CONFIRMATION_HOURS, BookingPolicy

from .models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentEvent,
    AppointmentEventKind,
)
from .services import appointment_cancel


def _locked(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("practice__booking_policy", "client__user")
        .get(pk=appointment.pk)
    )


def appointment_client_confirm(
    *, appointment: Appointment, now: datetime | None = None
) -> Appointment:
    """The client will come. Answering twice is harmless: the first answer's time is kept."""
    now = now or timezone.now()
    with transaction.atomic():
        current = _locked(appointment)
        if current.status not in ACTIVE_STATUSES:
            raise ServiceError(_("This appointment is no longer active."))
        if current.start <= now:
            raise ServiceError(_("This appointment has already started."))
        if current.client_confirmed_at is None:
            current.client_confirmed_at = now
            current.save(update_fields=["client_confirmed_at", "updated_at"])
            AppointmentEvent.objects.create(
                appointment=current, kind=AppointmentEventKind.CLIENT_CONFIRMED, by_client=True
            )
            confirmation_requests_cancel(appointment=current)
    return current


def release_deadline(appointment: Appointment) -> datetime | None:
    """When an unconfirmed `appointment` is released; None when the practice never does."""
    try:
        hours = appointment.practice.booking_policy.release_unconfirmed_hours
    except BookingPolicy.DoesNotExist:
        return None
    return appointment.start - timedelta(hours=hours) if hours else None


def _due_for_release(current: Appointment, now: datetime) -> bool:
    deadline = release_deadline(current)
    return (
        deadline is not None
        and deadline <= now < current.start
        and current.status in ACTIVE_STATUSES
        and current.client_confirmed_at is None
    )


def appointment_release(*, appointment: Appointment, now: datetime | None = None) -> bool:
    """Cancel `appointment` if it is still unconfirmed at its deadline. True if released."""
    now = now or timezone.now()
    with transaction.atomic():
        current = _locked(appointment)
        if not _due_for_release(current, now):
            return False
        with translation.override(client_language(current.client)):
            reason = _("The appointment was not confirmed in time.")
        appointment_cancel(appointment=current, by_client=False, reason=reason, now=now)
    return True


def release_candidates(now: datetime):
    """Unconfirmed active appointments soon enough to be due, whose client was asked (the
    confirmation request went out): the practice's own deadline is checked per row."""
    return (
        Appointment.objects.active()
        .filter(
            client_confirmed_at__isnull=True,
            start__gt=now,
            start__lte=now + timedelta(hours=MAX_CONFIRMATION_HOURS),
            practice__booking_policy__release_unconfirmed_hours__isnull=False,
            notifications__kind=NotificationKind.CONFIRMATION_REQUEST,
            notifications__status=NotificationStatus.SENT,
        )
        .select_related("practice__booking_policy")
        .distinct()
        .order_by("start", "pk")
    )


def appointments_release_unconfirmed(*, now: datetime | None = None) -> list[int]:
    """Release every appointment due; the ids released by this run."""
    now = now or timezone.now()
    released = []
    for appointment in release_candidates(now):
        if _due_for_release(appointment, now) and appointment_release(
            appointment=appointment, now=now
        ):
            released.append(appointment.pk)
    return released
