"""The sync lease: one worker at a time syncs a calendar.

Each calendar is synced by its own Huey task (tasks.py), so a slow feed holds one worker until
its deadline and delays no other calendar. Before fetching, the task takes the calendar's lease
with one conditional UPDATE (free, or run out); every write of the sync is fenced by the
lease's id and the last one frees it.

Failure table:

- A queue slower than the periodic rounds: a round marks what it enqueues as queued (the lease's
  time without an id, for one sync interval), and later rounds skip it meanwhile; a task still
  in the queue after that interval expires, as the mark does. [one queued task per calendar]
- The same calendar enqueued twice (the periodic round and a page asking for fresh times): the
  second task finds the lease taken, or the calendar no longer stale, and does nothing.
- The enqueue is lost (the queue is down): the mark runs out after one interval and a later
  round enqueues the calendar again; a page asking for fresh times may sync it before.
- A worker dies in the middle of a sync: the lease runs out after the fetch deadline plus
  LEASE_MARGIN and the next periodic round syncs the calendar again; the other calendars of
  the round are not affected (each is its own task).
- A sync outlives its lease (parse and store slower than LEASE_MARGIN): another worker may take
  the lease over; the late sync's writes find another id and store nothing.
"""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q

from .models import ExternalCalendar

# Beyond the fetch deadline: time to parse, expand and store what was fetched.
LEASE_MARGIN = timedelta(seconds=60)


def lease_length() -> timedelta:
    return timedelta(seconds=settings.EXTERNAL_CALENDAR_TIMEOUT) + LEASE_MARGIN


def free_of_lease(now: datetime) -> Q:
    """Neither leased by a worker nor marked as queued (or either has run out)."""
    return Q(sync_lease_until__isnull=True) | Q(sync_lease_until__lte=now)


def no_worker_holds(now: datetime) -> Q:
    """Free, or only marked as queued: the task may take it."""
    return Q(sync_lease_id__isnull=True) | Q(sync_lease_until__lte=now)


def mark_queued(*, pks: list[int], now: datetime, interval: timedelta) -> None:
    ExternalCalendar.objects.filter(pk__in=pks).update(sync_lease_until=now + interval)


def unmark_queued(*, pk: int) -> None:
    """The task gave the calendar up: the next round may enqueue it again."""
    ExternalCalendar.objects.filter(pk=pk, sync_lease_id__isnull=True).update(sync_lease_until=None)


def lease_claim(*, pk: int, now: datetime, also: Q | None = None) -> uuid.UUID | None:
    """Take the calendar's lease (and only when `also` holds too); None when another worker
    holds it. The UPDATE's row lock makes one of two racing workers win."""
    rows = ExternalCalendar.objects.filter(no_worker_holds(now), pk=pk)
    if also is not None:
        rows = rows.filter(also)
    lease = uuid.uuid4()
    if rows.update(sync_lease_id=lease, sync_lease_until=now + lease_length()):
        return lease
    return None


def lease_release(*, pk: int, lease: uuid.UUID, **fields) -> bool:
    """Store `fields` and free the lease, if it is still this one; False when it was taken
    over (nothing stored). Inside a transaction, the row stays locked until it commits."""
    rows = ExternalCalendar.objects.filter(pk=pk, sync_lease_id=lease)
    return bool(rows.update(sync_lease_id=None, sync_lease_until=None, **fields))
