"""Instants and local wall-clock times, exact across daylight-saving changes.

Python adds a timedelta to an aware datetime on its wall clock, and compares or subtracts two
datetimes of the same zone ignoring `fold`: 02:30 of the first and of the repeated autumn hour
are then "equal", and 02:30 + 30 minutes is 03:00 of the second hour (90 minutes later). All
arithmetic on instants therefore happens in UTC (`as_utc`); local time is only read from or
shown to people, through the helpers below.
"""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


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


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of local `day` (in UTC), even where midnight itself is skipped."""
    return at_local_time(day, time(), tz)


def at_local_time(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """The instant (UTC) when local `day` shows `wall`. A time skipped by a spring change is
    read with the offset before it, which moves it forward by the gap (02:00 → 03:00); a
    repeated one is its first occurrence (fold=0)."""
    return as_utc(datetime.combine(day, wall, tzinfo=tz))
