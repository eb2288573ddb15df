"""Huey tasks: sync the calendars that are due, and one calendar on demand."""

import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from django.db import connections
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .models import ExternalCalendar
from .selectors import calendars_due, stale_calendar_ids
from .services import appointment_push, external_calendar_sync

logger = logging.getLogger(__name__)

MAX_WAIT_SECONDS = 1.0
# Calendars synced at once: one slow or hanging feed holds one thread until its deadline, while
# the others go on. Each thread holds a database connection while it stores what it read.
SYNC_CONCURRENCY = 4


def _sync_one(calendar: ExternalCalendar, now) -> None:
    try:
        external_calendar_sync(calendar=calendar, now=now)
    except Exception:  # one calendar's bug must not stop the others
        logger.exception("external calendar %s: sync failed", calendar.pk)
    finally:
        connections.close_all()  # this thread's own connection


@db_periodic_task(crontab(minute="*"))
def sync_due_calendars() -> None:
    """Sync the calendars that are due, SYNC_CONCURRENCY at a time, each within its own deadline:
    a feed that hangs delays no other practice's feed."""
    now = timezone.now()
    due = list(calendars_due(now=now))
    with ThreadPoolExecutor(
        max_workers=SYNC_CONCURRENCY, thread_name_prefix="calendar-sync"
    ) as pool:
        for calendar in due:
            pool.submit(_sync_one, calendar, now)


@db_task()
def sync_calendar(pk: int) -> None:
    calendar = ExternalCalendar.objects.select_related("practice").filter(pk=pk).first()
    if calendar is not None:
        external_calendar_sync(calendar=calendar, now=timezone.now())


def refresh_stale(*, professional_ids: Sequence[int], wait: float = MAX_WAIT_SECONDS) -> None:
    """Before a page shows free times: ask the worker to refresh the professionals' calendars
    that are older than the sync interval, and wait for it at most `wait` seconds. Booking
    never waits longer; what is not fresh by then is refreshed in the background."""
    now = timezone.now()
    ids = stale_calendar_ids(professional_ids=professional_ids, now=now)
    if not ids:
        return
    for pk in ids:
        try:
            sync_calendar(pk)
        except Exception:  # the queue being down must not stop anyone booking
            logger.warning("could not enqueue the sync of external calendar %s", pk, exc_info=True)
            return
    give_up = time.monotonic() + wait
    while time.monotonic() < give_up:
        if not ExternalCalendar.objects.filter(pk__in=ids, checked_at__lt=now).exists() and (
            not ExternalCalendar.objects.filter(pk__in=ids, checked_at__isnull=True).exists()
        ):
            return
        time.sleep(0.05)


@db_task(retries=5, retry_delay=60)
def push_appointment_task(appointment_id: int) -> None:
    """Raises on a failure, so that Huey tries again (the push is idempotent)."""
    appointment_push(appointment_id=appointment_id)
