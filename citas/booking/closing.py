"""Past appointments that nobody closed.

Each practice's booking policy says what happens once an appointment ends: the hourly job
marks confirmed ones as completed (`complete_past_appointments`), or they stay open for the
staff to close (completed or no-show), listed by `appointments_to_close`.
"""

from datetime import datetime

from django.db.models import QuerySet

from citas.core.errors import ServiceError
from citas.practices.models import Practice

from .models import ACTIVE_STATUSES, Appointment, AppointmentStatus
from .services import appointment_complete

# Per practice and run: a long backlog drains over a few runs instead of one long one.
BATCH = 500


def appointments_to_close(*, practice: Practice, now: datetime) -> QuerySet[Appointment]:
    """Pending or confirmed appointments of the practice that have ended ("por cerrar"),
    oldest first; a range of the appt_open_practice_start index."""
    return (
        Appointment.objects.filter(
            practice=practice, status__in=ACTIVE_STATUSES, start__lt=now, end__lte=now
        )
        .select_related("service", "client", "professional")
        .order_by("start", "pk")
    )


def appointments_close_past(*, now: datetime) -> int:
    """Mark as completed the ended confirmed appointments of the practices that ask for it;
    returns how many. Each one goes through appointment_complete (history, webhooks)."""
    closed = 0
    practices = Practice.objects.filter(booking_policy__complete_past_appointments=True)
    for practice in practices.order_by("pk"):
        rows = appointments_to_close(practice=practice, now=now).filter(
            status=AppointmentStatus.CONFIRMED
        )
        for appointment in rows[:BATCH]:
            try:
                appointment_complete(appointment=appointment, by=None, now=now)
            except ServiceError:  # the staff changed it meanwhile: theirs is the last word
                continue
            closed += 1
    return closed
