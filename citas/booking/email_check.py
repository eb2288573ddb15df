"""Bookings held until the client confirms their email address (a practice setting).

Without it anyone can book in someone else's name and make the practice email any address.
With `BookingPolicy.email_check_required`, a booking from the public page or the public API is
saved as pending with `unverified_until` (now + the practice's minutes): the time is held, so
nobody else can take it, and the client gets one email with a link. Until they follow it,
nothing else is sent to them, to the practice, its webhooks or its calendars (see
notifications.services.on_appointment_event). Following it makes the booking real
(services.appointment_confirm_email: confirmed, or pending when the practice approves
bookings). A hold not confirmed in time is cancelled by the periodic task, or at once by the
next booking that wants its time (services.release_lapsed_holds), exactly once either way.

The link carries the appointment's id signed with the site's key (a salt of its own), not the
manage token, which the booking page shows to whoever booked.
"""

from django.core import signing
from django.urls import reverse

from citas.notifications.rendering import site_url
from citas.scheduling.selectors import policy_for

from .models import Appointment

SALT = "citas.booking.email-check"


def needs_email_check(*, practice, user, email: str) -> bool:
    """Whether an online booking for `email` must wait for the address to be confirmed: the
    practice asks for it, and the one booking is not logged in with that address verified."""
    if not policy_for(practice).email_check_required:
        return False
    if user is None or not user.is_authenticated:
        return True
    from allauth.account.models import EmailAddress

    return not EmailAddress.objects.filter(
        user=user, email__iexact=email.strip(), verified=True
    ).exists()


def email_check_token(appointment: Appointment) -> str:
    return signing.dumps(appointment.pk, salt=SALT)


def email_check_url(appointment: Appointment) -> str:
    return site_url(
        reverse(
            "public_booking:email_check",
            args=[appointment.practice.slug, email_check_token(appointment)],
        )
    )


def appointment_for_email_check(*, practice, token: str) -> Appointment | None:
    """The appointment the link names, at this practice; None for a link that was altered or
    belongs to another practice."""
    try:
        pk = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    return (
        Appointment.objects.select_related("practice", "service", "professional", "client")
        .filter(pk=pk, practice=practice)
        .first()
    )
