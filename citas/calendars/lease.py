"""The sync lease: one worker at a time syncs a calendar.

Each calendar is synced by its own Huey task (tasks.py), so a slow feed holds one worker until
its deadline and delays no other calendar. Before fetching, the task takes the calendar's lease
with one conditional UPDATE (free, or run out); every write of the sync is fenced by the
lease's id and the last one frees it.

Failure table:

- The same calendar enqueued twice (the periodic round and a page asking for fresh times, or
  a queue backlog): the second task finds the lease taken, or the calendar no longer due, and
  does nothing.
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
    return Q(sync_lease_until__isnull=True) | Q(sync_lease_until__lte=now)


def lease_claim(*, pk: int, now: datetime, also: Q | None = None) -> uuid.UUID | None:
    """Take the calendar's lease (and only when `also` holds too); None when another worker
    holds it. The UPDATE's row lock makes one of two racing workers win."""
    rows = ExternalCalendar.objects.filter(free_of_lease(now), pk=pk)
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
