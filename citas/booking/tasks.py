"""Huey tasks of the booking app: thin, safe to run twice (see attendance.py)."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .attendance import appointments_release_unconfirmed


@db_periodic_task(crontab(minute="*"))
def release_unconfirmed_appointments() -> None:
    appointments_release_unconfirmed(now=timezone.now())
