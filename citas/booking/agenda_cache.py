"""The agenda feed's appointment events, cached per practice, range and schedule version.

A week of a busy practice is several hundred events (about 400 kB of JSON); building them is
most of what the feed costs, and staff ask for the same week again and again (every agenda
opened, every change redrawn). The text is kept in the "agenda" cache (Redis in production; in
development a local memory of its own that keeps few entries) under the practice's schedule
version, with the protocol of the free slots' cache (`citas.scheduling.slot_cache`):

- The key holds everything the text depends on besides the rows: the practice, its schedule
  version, the range, the professionals chosen, whether cancelled appointments are shown, the
  language (status labels) and the practice's time zone.
- The reader reads the version BEFORE the appointments. A reader that raced a change stores
  its text under the old version, which nobody reads once the change has committed.
- Entries are written on commit: what a transaction read of its own uncommitted writes never
  reaches the cache.
- Everything an event shows moves the version:
  - bookings, moves and status changes bump it inside their own transaction
    (`citas.booking.services`), as do working hours, time off, services and the rest of what
    alters free slots;
  - the rest bumps it right after its commit (`agenda_changed`): any save of an appointment,
    a client, a professional or a service that touches what the agenda shows (the signal
    receiver below), and explicitly the few bulk updates (merging clients, erasure). None of
    them is ever deleted while it has appointments (the foreign keys protect them), and
    appointments are not deleted at all, but with their practice.
- Entries expire after ENTRY_SECONDS in any case: the bound on a stale event should a process
  die between such a commit and its bump.
- The cache failing (Redis down) costs speed, not answers: the text is then built every time.

The entry is the whole feed: the appointments, and the time off and external busy periods
shaded behind them.
"""

import hashlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from django.core.cache import caches
from django.db import connection, transaction
from django.db.models.signals import post_save

from citas.scheduling.models import ScheduleVersion

logger = logging.getLogger(__name__)

ENTRY_SECONDS = 300
# A feed larger than this is built every time rather than stored (a cache entry per request
# of a range this wide would crowd out everything else).
MAX_ENTRY_CHARS = 1_000_000


def schedule_version(practice_id: int) -> int:
    """The practice's schedule version, read from the database (0 before any change)."""
    version = (
        ScheduleVersion.objects.filter(practice_id=practice_id)
        .values_list("version", flat=True)
        .first()
    )
    return version or 0


def feed_key(
    *,
    practice,
    version: int,
    start: datetime,
    end: datetime,
    professional_ids: Sequence[int],
    include_cancelled: bool,
    language: str,
) -> str:
    """The key of one feed: everything its text depends on besides the rows (the practice's
    time zone included: it writes the wall-clock times)."""
    scope = "|".join(
        [
            start.isoformat(),
            end.isoformat(),
            ",".join(str(pk) for pk in sorted(professional_ids)),
            "c" if include_cancelled else "",
            language,
            practice.timezone,
        ]
    )
    digest = hashlib.blake2b(scope.encode(), digest_size=16).hexdigest()
    return f"agenda:{practice.pk}:{version}:{digest}"


def cached_events(key: str, build: Callable[[], str]) -> str:
    """The events' JSON text under `key`, or `build()`'s, stored once the reading commits."""
    try:
        text = caches["agenda"].get(key)
    except Exception:  # noqa: BLE001 — the cache only saves work; never fail the page for it
        logger.warning("agenda cache unreadable", exc_info=True)
        text = None
    if text is not None:
        return text
    text = build()
    if len(text) <= MAX_ENTRY_CHARS:
        transaction.on_commit(lambda: _store(key, text), robust=True)
    return text


def _store(key: str, text: str) -> None:
    try:
        caches["agenda"].set(key, text, ENTRY_SECONDS)
    except Exception:  # noqa: BLE001 — as above
        logger.warning("agenda cache unwritable", exc_info=True)


class _Bump:
    """The after-commit bump of one practice's version. Several changes in one transaction
    bump once: each bump due after another one for the same practice is skipped once that one
    has run (in the same flush of on-commit callbacks)."""

    def __init__(self, practice_id: int, after: "_Bump | None") -> None:
        self.practice_id = practice_id
        self.after = after
        self.done = False

    def __call__(self) -> None:
        from citas.scheduling.services import schedule_version_bump

        if self.after is None or not self.after.done:
            schedule_version_bump(practice_id=self.practice_id)
        self.done = True


def agenda_changed(practice_id: int) -> None:
    """What the agenda shows of `practice_id` changed outside a booking transaction: bump its
    schedule version once the current transaction commits (at once outside a transaction).

    After the commit, in a statement of its own, so that it takes the version row's lock after
    every other lock of the transaction has been released (see `schedule_version_bump`)."""
    due = [
        func
        for _sids, func, _robust in connection.run_on_commit
        if isinstance(func, _Bump) and func.practice_id == practice_id
    ]
    transaction.on_commit(_Bump(practice_id, due[-1] if due else None), robust=True)


# What each model shows in the agenda's events; a save that touches none of it changes nothing
# there (a reminder flag, a renewed link, a no-show reset).
SHOWN_FIELDS: dict[str, set[str] | None] = {  # None: every field
    "booking.Appointment": {
        "start",
        "end",
        "status",
        "professional",
        "professional_id",
        "service",
        "service_id",
        "client",
        "client_id",
        "client_confirmed_at",
        "series",
        "series_id",
    },
    "booking.Client": {"full_name", "blocked_at"},
    "practices.Professional": {"display_name", "color"},
    "catalog.Service": {"name", "color"},
    # Time off and external busy periods are shaded in the agenda too. Their own changes bump
    # the version inside their transactions (`scheduling.changes.schedule_change`); these
    # catch any other save.
    "scheduling.TimeOff": None,
    "calendars.ExternalCalendar": {"share_titles"},
}


def _saved(sender, instance, created, update_fields=None, **kwargs) -> None:
    if created and sender._meta.label not in ("booking.Appointment", "scheduling.TimeOff"):
        return  # a new client, professional, service or calendar shows nothing yet
    shown = SHOWN_FIELDS[sender._meta.label]
    if update_fields is not None and shown is not None and not set(update_fields) & shown:
        return
    agenda_changed(instance.practice_id)


def connect_signals() -> None:
    """Called from BookingConfig.ready()."""
    from django.apps import apps

    for label in SHOWN_FIELDS:
        model = apps.get_model(label)
        post_save.connect(_saved, sender=model, dispatch_uid=f"agenda-cache-save-{label}")
