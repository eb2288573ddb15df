"""Instants and local wall-clock times, exact across daylight-saving changes.

Python adds a timedelta to an aware datetime on its wall clock, and compares or subtracts two
datetimes of the same zone ignoring `fold`: 02:30 of the first and of the repeated autumn hour
are then "equal", and 02:30 + 30 minutes is 03:00 of the second hour (90 minutes later). All
arithmetic on instants therefore happens in UTC (`as_utc`); local time is only read from or
shown to people, through the helpers below.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.formats import date_format
from django.utils.translation import gettext as _


def as_utc(instant: datetime) -> datetime:
    """The same instant in UTC, where adding and comparing are absolute."""
    if instant.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {instant.isoformat()}")
    return instant.astimezone(UTC)


def is_nonexistent(wall: datetime, tz: ZoneInfo) -> bool:
    """Whether the naive wall-clock time never happens in `tz` (skipped by a spring change)."""
    local = wall.replace(tzinfo=tz)
    return local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall.replace(tzinfo=None)


def is_ambiguous(wall: datetime, tz: ZoneInfo) -> bool:
    """Whether the naive wall-clock time happens twice in `tz` (the repeated autumn hour)."""
    first = wall.replace(tzinfo=tz, fold=0)
    second = wall.replace(tzinfo=tz, fold=1)
    return first.utcoffset() != second.utcoffset() and not is_nonexistent(wall, tz)


def repeated_intervals(
    start: datetime, end: datetime, tz: ZoneInfo
) -> list[tuple[tuple[datetime, datetime], tuple[datetime, datetime]]]:
    """The repeated wall-clock hours (the clocks go back) that begin within [start, end], each
    as ((first from, first to), (second from, second to)) in UTC."""
    found = []
    day = as_utc(start)
    stop = as_utc(end)
    while day < stop:
        following = min(day + timedelta(days=1), stop)
        before, after = day.astimezone(tz).utcoffset(), following.astimezone(tz).utcoffset()
        if after < before:
            low, high = day, following  # offset `before` at low, `after` at high
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if middle.astimezone(tz).utcoffset() == before:
                    low = middle
                else:
                    high = middle
            change, step = high.replace(second=0, microsecond=0), before - after
            found.append(((change - step, change), (change, change + step)))
        day = following
    return found


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of local `day` (in UTC), even where midnight itself is skipped."""
    return at_local_time(day, time(), tz)


def at_local_time(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """The instant (UTC) when local `day` shows `wall`. A time skipped by a spring change is
    read with the offset before it, which moves it forward by the gap (02:00 → 03:00); a
    repeated one is its first occurrence (fold=0)."""
    return as_utc(datetime.combine(day, wall, tzinfo=tz))


# The dates the app accepts. Anything that books or blocks time (appointments, availability,
# time off) lies from one year ago to five years ahead; dates that only browse or filter
# (agenda, lists) lie in the years 2000–2100. Both keep every date computation far from the
# ends of Python's calendar (year 1 and 9999 overflow).
WINDOW_PAST = timedelta(days=366)
WINDOW_FUTURE = timedelta(days=5 * 366)
BROWSE_YEARS = (2000, 2100)


def booking_window(today: date) -> tuple[date, date]:
    """The first and last local day that can be booked or blocked, seen from `today`."""
    return today - WINDOW_PAST, today + WINDOW_FUTURE


def outside_booking_window(first: date, last: date, today: date) -> str | None:
    """The user-facing refusal when [first, last] leaves the booking window, else None."""
    earliest, latest = booking_window(today)
    if earliest <= first and last <= latest:
        return None
    return _("Choose dates between %(first)s and %(last)s.") % {
        "first": date_format(earliest, "SHORT_DATE_FORMAT"),
        "last": date_format(latest, "SHORT_DATE_FORMAT"),
    }


def outside_browse_years(day: date) -> str | None:
    first, last = BROWSE_YEARS
    if first <= day.year <= last:
        return None
    return _("Choose a date between the years %(first)d and %(last)d.") % {
        "first": first,
        "last": last,
    }
