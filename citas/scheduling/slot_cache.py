"""Free slots per (practice, service, professional, local day) in the Django cache.

The protocol (Redis in production, local memory in development):

- Every change that can alter slots (bookings and status changes, working hours, time off,
  holidays, services, the booking policy, a professional leaving) bumps the practice's
  ScheduleVersion in its own transaction (`schedule_version_bump`).
- A reader reads the version BEFORE the appointments, and keys what it computes by that
  version. A reader that raced a change therefore stores its result under the old version,
  which nobody reads once the change commits: a stale entry can never hide a slot freed by a
  committed change.
- Entries are written on commit (`transaction.on_commit`): what a transaction computed from
  its own uncommitted writes never reaches the cache if it rolls back.
- Entries hold slots before the minimum notice and horizon are applied (the reader clips them
  with its own `now`), as epoch microseconds, and expire after ENTRY_SECONDS in any case.
- A cached slot may be gone by the time someone books it: booking re-checks inside its
  transaction, and the database refuses an overlap. The cache only saves computing.
- The cache failing (Redis down) costs speed, not answers: reads then compute everything.
"""

import logging
from datetime import date

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

ENTRY_SECONDS = 3600

Entries = dict[tuple[int, date], list[int]]


def _key(scope: str, professional_id: int, day: date) -> str:
    return f"{scope}:{professional_id}:{day.toordinal()}"


def scope_of(*, practice_id: int, version: int, timezone: str, service_id: int) -> str:
    """The prefix of the keys of one service of one practice at one schedule version."""
    return f"slots:{practice_id}:{version}:{timezone}:{service_id}"


def cached_slots(*, scope: str, professional_ids: list[int], days: list[date]) -> Entries:
    keys = {_key(scope, pk, day): (pk, day) for pk in professional_ids for day in days}
    return {keys[key]: starts for key, starts in read_many(list(keys), "free slots").items()}


def store_slots(*, scope: str, entries: Entries) -> None:
    values = {_key(scope, pk, day): starts for (pk, day), starts in entries.items()}
    write_on_commit(values, timeout=ENTRY_SECONDS, what="free slots")


def read_many(keys: list[str], what: str) -> dict:
    """The entries the cache holds of `keys`; none when it fails (the caller computes)."""
    try:
        return cache.get_many(keys)
    except Exception:  # any cache failure means: compute
        logger.warning("Cannot read cached %s", what, exc_info=True)
        return {}


def write_on_commit(values: dict, *, timeout: int, what: str) -> None:
    """Cache `values` once the transaction commits (at once outside one); a failure is logged
    and the next reader computes again."""

    def write() -> None:
        try:
            cache.set_many(values, timeout=timeout)
        except Exception:  # the next reader computes again
            logger.warning("Cannot cache %s", what, exc_info=True)

    transaction.on_commit(write)
