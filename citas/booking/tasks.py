"""Huey tasks of the booking app: thin wrappers around services, safe to run twice."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .attendance import appointments_release_unconfirmed
from .closing import appointments_close_past
from .services import appointments_release_unverified
from .waitlist import waitlist_expire_offers


@db_periodic_task(crontab(minute="20"))
def close_past_appointments() -> None:
    appointments_close_past(now=timezone.now())


@db_periodic_task(crontab(minute="*"))
def release_unconfirmed_appointments() -> None:
    appointments_release_unconfirmed(now=timezone.now())


@db_periodic_task(crontab(minute="*"))
def release_unverified_bookings() -> None:
    """Bookings whose client did not confirm their email in time free their time."""
    appointments_release_unverified(now=timezone.now())


@db_periodic_task(crontab(minute="*"))
def expire_waitlist_offers() -> None:
    waitlist_expire_offers(now=timezone.now())
