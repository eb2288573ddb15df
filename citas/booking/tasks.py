"""Huey tasks of the booking app: thin wrappers around services."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .closing import appointments_close_past


@db_periodic_task(crontab(minute="20"))
def close_past_appointments() -> None:
    appointments_close_past(now=timezone.now())
