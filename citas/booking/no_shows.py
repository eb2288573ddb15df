"""The no-show policy: after the practice's limit of no-shows, a client's online bookings
need approval or are refused (the client is asked to call). Staff can start the count again.

The count comes from the appointments themselves (status no-show), since the client's last
reset; nothing is counted twice or kept in a separate counter that could drift.
"""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from citas.core.errors import ServiceError
from citas.scheduling.models import NoShowAction

from .models import Appointment, AppointmentStatus, Client


def client_no_show_count(client: Client) -> int:
    rows = Appointment.objects.filter(client=client, status=AppointmentStatus.NO_SHOW)
    if client.no_shows_reset_at is not None:
        rows = rows.filter(start__gt=client.no_shows_reset_at)
    return rows.count()


def online_booking_needs_approval(*, practice, policy, client: Client) -> bool:
    """For a booking made by the client: False when the limit is not reached (or none is set),
    True when it must wait for the practice; ServiceError when the practice refuses it."""
    if client.pk is None or not policy.no_show_limit:
        return False
    if client_no_show_count(client) < policy.no_show_limit:
        return False
    if policy.no_show_action == NoShowAction.APPROVAL:
        return True
    message = _("Online booking is not available for you. Please call %(practice)s to book.") % {
        "practice": practice.name
    }
    if practice.phone:
        message = _(
            "Online booking is not available for you. Please call %(practice)s on %(phone)s."
        ) % {"practice": practice.name, "phone": practice.phone}
    raise ServiceError(message, code="no_show_limit")


def client_no_shows_reset(*, client: Client, now: datetime | None = None) -> Client:
    """Past no-shows stop counting against the limit (they stay in the history)."""
    client.no_shows_reset_at = now or timezone.now()
    client.save(update_fields=["no_shows_reset_at", "updated_at"])
    return client
