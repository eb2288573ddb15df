"""Busy periods from an iCalendar file: recurring events expanded, all-day and floating times
placed in the practice's time zone, free and cancelled events left out. Plain data in, plain
data out; no database and no clock."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from .fetch import FetchError
from .models import SyncProblem

MAX_TITLE = 200


@dataclass(frozen=True, slots=True)
class Busy:
    start: datetime  # UTC
    end: datetime  # UTC
    title: str


def _aware(value: date | datetime, tz: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=tz)
    else:  # an all-day value: the practice's local midnight
        moment = datetime(value.year, value.month, value.day, tzinfo=tz)
    return moment.astimezone(UTC)


def _end_of(event, start_value) -> date | datetime | None:
    if event.get("DTEND") is not None:
        return event["DTEND"].dt
    if event.get("DURATION") is not None:
        return start_value + event["DURATION"].dt
    if not isinstance(start_value, datetime):
        return start_value + timedelta(days=1)  # RFC 5545: an all-day event lasts the day
    return None  # an instant: blocks nothing


def busy_periods(data: bytes, *, tz: ZoneInfo, start: datetime, end: datetime) -> list[Busy]:
    """The busy periods of the calendar `data` that overlap [start, end), sorted by start."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
        occurrences = recurring_ical_events.of(calendar).between(start, end)
    except Exception as error:  # icalendar and its expander raise many kinds on bad files
        raise FetchError(SyncProblem.FORMAT, type(error).__name__) from error
    periods = []
    for event in occurrences:
        if event.name != "VEVENT":
            continue
        if str(event.get("TRANSP", "")).upper() == "TRANSPARENT":
            continue
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        start_value = event["DTSTART"].dt
        end_value = _end_of(event, start_value)
        if end_value is None:
            continue
        begin, finish = _aware(start_value, tz), _aware(end_value, tz)
        if finish <= begin:
            continue
        title = str(event.get("SUMMARY", "")).strip()[:MAX_TITLE]
        periods.append(Busy(begin, finish, title))
    periods.sort(key=lambda period: (period.start, period.end))
    return periods
