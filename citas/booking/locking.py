"""Booking under concurrency: who waits for whom, and what a lost race answers.

Every booking or move locks its professionals' rows (in id order) before it checks the
slot, so attempts on one professional queue instead of meeting inside the exclusion
constraint's check, where PostgreSQL can only abort one of them as a deadlock. Bookings of
different professionals never wait for each other. Whatever conflict is left (a deadlock or
serialization failure from elsewhere) is retried a few times, then reported as SlotTaken,
which every caller answers with 409 and fresh times.
"""

import hashlib
import random
import time

from django.db import IntegrityError, OperationalError, connection, transaction

from citas.practices.models import Professional

from .rules import SlotTaken

# Lock conflicts PostgreSQL resolves by aborting one transaction: deadlock_detected and
# serialization_failure. Retried a few times after a short random pause, then "slot taken".
LOCK_CONFLICT_STATES = {"40P01", "40001"}
LOCK_CONFLICT_ATTEMPTS = 3


def _is_lock_conflict(exc: OperationalError) -> bool:
    return getattr(exc.__cause__, "sqlstate", None) in LOCK_CONFLICT_STATES


def guard_overlap(save):
    """Run `save` in a savepoint; the exclusion constraint's refusal becomes SlotTaken, and a
    lock conflict is retried (bounded, with jitter) before it does too."""
    attempt = 1
    while True:
        try:
            with transaction.atomic():
                return save()
        except IntegrityError as exc:
            if "appointment_no_overlap" in str(exc):
                raise SlotTaken() from exc
            raise
        except OperationalError as exc:
            if not _is_lock_conflict(exc):
                raise
            if attempt == LOCK_CONFLICT_ATTEMPTS:
                raise SlotTaken() from exc
            time.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311 — jitter, not secrets
            attempt += 1


def lock_professionals(*professionals: Professional) -> None:
    """Queue bookings of the same professionals behind each other, in id order, before the
    availability check. Without it, two overlapping inserts for one professional both enter
    the exclusion constraint's check, each waits for the other and PostgreSQL aborts one as
    a deadlock. FOR NO KEY UPDATE leaves the foreign-key locks of other rows free.
    (SQLite ignores it: BEGIN IMMEDIATE already serialises writers.)"""
    ids = sorted({professional.pk for professional in professionals})
    list(
        Professional.objects.select_for_update(no_key=True)
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def lock_online_bookings(*, practice_id: int) -> None:
    """Queue a practice's online bookings behind each other until the transaction ends, so
    that the hourly ceiling and each address's upcoming-appointments cap (services.
    check_online_bookings_per_hour, check_upcoming_cap) count what the other booking saved:
    bookings of different professionals take no common row lock, so without this two of them
    could both count N-1 and both save. Taken before the professionals' locks."""
    _advisory_xact_lock(f"online-bookings:{practice_id}")


def _advisory_xact_lock(name: str) -> None:
    """A transaction-level advisory lock on `name` (SQLite needs none: BEGIN IMMEDIATE
    already serialises writers)."""
    if connection.vendor != "postgresql":
        return
    key = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
