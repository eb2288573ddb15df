"""Changes to a practice's schedule, whatever path makes them (staff pages, services, the admin
site): the one place that turns them into cache invalidation and waiting-list offers.

A writer wraps its change in `schedule_change(practice_ids=...)`. It reads the practices'
schedules (working hours, time off and holidays, external calendars' busy periods, active
professionals) before and after the change, bumps their schedule versions last in the
transaction (see `schedule_version_bump`), and once the transaction commits offers the time the
change freed to the waiting list: hours gained, time off removed or shortened, a busy period
gone from an external calendar, a professional back at work. Nested changes of the same
practice (a service called inside an admin change) are counted once, by the outermost.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from citas.calendars.models import ExternalBusy
from citas.core.timezones import at_local_time
from citas.practices.models import Practice, Professional

from .models import BookingPolicy, TimeOff, WorkingHours

Window = tuple[datetime, datetime]
MinuteRange = tuple[int, int]

_tracked: ContextVar[frozenset[int]] = ContextVar("schedule_change_tracked", default=frozenset())


@dataclass(frozen=True)
class Snapshot:
    """What of one practice's schedule can free time: weekly minutes per active professional
    ({professional id: {weekday: [(start, end)]}}) and the blocked time still ahead (time off
    and holidays, whose professional None is everyone; external calendars' busy periods)."""

    hours: dict[int, dict[int, list[MinuteRange]]]
    blocked: list[tuple[int | None, datetime, datetime]]


def _snapshot(practice_id: int, now: datetime) -> Snapshot:
    hours: dict[int, dict[int, list[MinuteRange]]] = {
        pk: {}
        for pk in Professional.objects.filter(practice_id=practice_id, is_active=True).values_list(
            "pk", flat=True
        )
    }
    for professional_id, weekday, start, end in WorkingHours.objects.filter(
        practice_id=practice_id, professional_id__in=list(hours)
    ).values_list("professional_id", "weekday", "start_time", "end_time"):
        hours[professional_id].setdefault(weekday, []).append(
            (start.hour * 60 + start.minute, end.hour * 60 + end.minute)
        )
    blocked = [
        *TimeOff.objects.filter(practice_id=practice_id, end__gt=now).values_list(
            "professional_id", "start", "end"
        ),
        *ExternalBusy.objects.filter(professional_id__in=list(hours), end__gt=now).values_list(
            "professional_id", "start", "end"
        ),
    ]
    return Snapshot(
        hours={pk: {day: sorted(r) for day, r in week.items()} for pk, week in hours.items()},
        blocked=blocked,
    )


def merged(windows: Iterable[Window]) -> list[Window]:
    """Sorted, with overlapping or touching windows joined."""
    joined: list[Window] = []
    for start, end in sorted(windows):
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        else:
            joined.append((start, end))
    return joined


def subtracted(windows, minus) -> list:
    """The parts of the sorted, disjoint `windows` that no `minus` range (sorted by start)
    covers: instants, or a weekday's minutes."""
    left = []
    for start, end in windows:
        for cut_start, cut_end in minus:
            if cut_end <= start or cut_start >= end:
                continue
            if cut_start > start:
                left.append((start, cut_start))
            start = max(start, cut_end)
            if start >= end:
                break
        if start < end:
            left.append((start, end))
    return left


def hours_windows(
    gained: dict[int, list[MinuteRange]], *, tz: ZoneInfo, now: datetime, horizon_days: int
) -> list[Window]:
    """The instants of the weekly minute ranges `gained`, on every day from today to the
    booking horizon."""
    if not any(gained.values()):
        return []
    today = now.astimezone(tz).date()
    windows = []
    for offset in range(horizon_days + 1):
        day = today + timedelta(days=offset)
        for start, end in gained.get(day.weekday(), []):
            windows.append(
                (
                    at_local_time(day, time(*divmod(start, 60)), tz),
                    at_local_time(day, time(*divmod(end, 60)), tz)
                    if end < 24 * 60
                    else at_local_time(day + timedelta(days=1), time(), tz),
                )
            )
    return windows


def _blocked_for(snapshot: Snapshot, professional_id: int) -> list[Window]:
    return merged(
        (start, end)
        for owner, start, end in snapshot.blocked
        if owner is None or owner == professional_id
    )


def freed_windows(
    before: Snapshot, after: Snapshot, *, tz: ZoneInfo, now: datetime, horizon_days: int
) -> dict[int, list[Window]]:
    """{professional id: the time it can be booked in after the change and not before}."""
    freed = {}
    for professional_id, week in after.hours.items():
        old_week = before.hours.get(professional_id, {})  # inactive before: no hours at all
        gained = {day: subtracted(ranges, old_week.get(day, [])) for day, ranges in week.items()}
        windows = hours_windows(gained, tz=tz, now=now, horizon_days=horizon_days)
        if professional_id in before.hours:
            windows += subtracted(
                _blocked_for(before, professional_id), _blocked_for(after, professional_id)
            )
        windows = [(max(start, now), end) for start, end in merged(windows) if end > now]
        if windows:
            freed[professional_id] = windows
    return freed


def _someone_waits(practice_ids: list[int]) -> set[int]:
    # Imported here: the waiting list (booking) reads the schedule through this app.
    from citas.booking.models import WaitlistEntry, WaitlistStatus

    return set(
        WaitlistEntry.objects.filter(practice_id__in=practice_ids, status=WaitlistStatus.WAITING)
        .order_by()  # the model's ordering would make DISTINCT return every row
        .values_list("practice_id", flat=True)
        .distinct()
    )


def _offer_freed_on_commit(practice: Practice, before: Snapshot, now: datetime) -> None:
    """Compare the schedule with `before` and, once committed, offer what it freed."""
    practice_id = practice.pk
    horizon_days = (
        BookingPolicy.objects.filter(practice_id=practice_id)
        .values_list("horizon_days", flat=True)
        .first()
        or BookingPolicy._meta.get_field("horizon_days").default
    )
    freed = freed_windows(
        before,
        _snapshot(practice_id, now),
        tz=ZoneInfo(practice.timezone),
        now=now,
        horizon_days=horizon_days,
    )
    if not freed:
        return
    from citas.booking.waitlist import offer_freed_times_on_commit

    professionals = Professional.objects.in_bulk(list(freed))
    for professional_id, windows in sorted(freed.items()):
        offer_freed_times_on_commit(
            practice=practice,
            professionals=[professionals[professional_id]],
            windows=windows,
            now=now,
        )


@contextmanager
def schedule_change(*, practice_ids: Iterable[int | None]) -> Iterator[None]:
    """Wrap a change of the schedules of `practice_ids` (None ids are ignored): one
    transaction, the schedule versions bumped last in it, freed time offered on commit."""
    from .services import schedule_version_bump

    outer = _tracked.get()
    wanted = sorted({pk for pk in practice_ids if pk is not None} - outer)
    token = _tracked.set(outer | set(wanted))
    try:
        with transaction.atomic():
            now = timezone.now()
            # Nobody waiting, nothing to offer: the change only invalidates the cache.
            before = {pk: _snapshot(pk, now) for pk in _someone_waits(wanted)}
            yield
            for practice in Practice.objects.filter(pk__in=wanted).order_by("pk"):
                if practice.pk in before:
                    _offer_freed_on_commit(practice, before[practice.pk], now)
                schedule_version_bump(practice_id=practice.pk)
    finally:
        _tracked.reset(token)
