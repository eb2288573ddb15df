"""Huey tasks: sync the calendars that are due, and one calendar on demand."""

import logging
import threading
import time
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .lease import mark_queued, unmark_queued
from .models import ExternalCalendar
from .selectors import calendars_due, stale_calendar_ids, sync_interval
from .services import appointment_push, external_calendar_sync

logger = logging.getLogger(__name__)

MAX_WAIT_SECONDS = 1.0
# Calendar syncs running at once in one worker process: a few hanging feeds must not take
# every worker thread from the messages and webhooks that share them. A sync that finds them
# all busy leaves its calendar stale, for the next periodic round.
_running_syncs = threading.BoundedSemaphore(settings.EXTERNAL_CALENDAR_SYNCS_AT_ONCE)


@db_periodic_task(crontab(minute="*"))
def sync_due_calendars() -> None:
    """Enqueue one task per calendar that is due. Each runs on whichever worker is free and
    ends by its own deadline, so a feed that hangs delays no other; a worker that dies loses
    the sync of one calendar, whose lease runs out before the next rounds (lease.py)."""
    now = timezone.now()
    with transaction.atomic():
        due = calendars_due(now=now).select_for_update(skip_locked=True)
        pks = list(due.values_list("pk", flat=True))
        mark_queued(pks=pks, now=now, interval=sync_interval())
    for pk in pks:
        sync_calendar(pk)


# A task still queued after one interval is dropped: a later round has enqueued it again.
@db_task(expires=timedelta(minutes=settings.EXTERNAL_CALENDAR_SYNC_MINUTES))
def sync_calendar(pk: int) -> None:
    """Sync the calendar if it is still stale and no other worker is syncing it."""
    calendar = ExternalCalendar.objects.select_related("practice").filter(pk=pk).first()
    if calendar is None:
        return
    if not _running_syncs.acquire(blocking=False):
        unmark_queued(pk=pk)
        return
    try:
        external_calendar_sync(calendar=calendar, now=timezone.now(), only_if_stale=True)
    finally:
        _running_syncs.release()


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
