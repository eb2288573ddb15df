"""Busy periods from an iCalendar file: recurring events expanded, all-day and floating times
placed in the practice's time zone, free and cancelled events left out. Plain data in, plain
data out; no database and no clock."""

import re
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


# Before parsing, one-off events that end well before the window or start well after it are
# cut out of the text: a year of history costs the parser most of its time and can never
# block a slot. Two days of margin cover any time zone and floating times; anything the
# cheap look cannot place (recurrences, overrides, a DURATION, an odd value) is kept for
# the parser, so the result is the same as parsing everything.
_FOLD = re.compile(rb"\r?\n[ \t]")
_EVENT = re.compile(rb"BEGIN:VEVENT\r?\n.*?END:VEVENT\r?\n?", re.DOTALL)
_PROPERTY = re.compile(
    rb"^(DTSTART|DTEND|DURATION|RRULE|RDATE|EXRULE|RECURRENCE-ID)[;:](.*)$", re.M
)
_NOT_PLACED_CHEAPLY = {b"RRULE", b"RDATE", b"EXRULE", b"RECURRENCE-ID", b"DURATION"}
MARGIN = timedelta(days=2)


def _day_of(value: bytes) -> bytes | None:
    day = value.rsplit(b":", 1)[-1].strip()[:8]
    return day if len(day) == 8 and day.isdigit() else None


def _only_the_window(data: bytes, start: datetime, end: datetime) -> bytes:
    first = (start - MARGIN).strftime("%Y%m%d").encode()
    last = (end + MARGIN).strftime("%Y%m%d").encode()

    def keep_or_cut(match: re.Match) -> bytes:
        found = dict(_PROPERTY.findall(match[0]))
        if _NOT_PLACED_CHEAPLY & found.keys() or b"DTSTART" not in found:
            return match[0]
        starts = _day_of(found[b"DTSTART"])
        ends = _day_of(found[b"DTEND"]) if b"DTEND" in found else starts
        if starts is None or ends is None:
            return match[0]
        return b"" if starts > last or ends < first else match[0]

    return _EVENT.sub(keep_or_cut, _FOLD.sub(b"", data))


def busy_periods(data: bytes, *, tz: ZoneInfo, start: datetime, end: datetime) -> list[Busy]:
    """The busy periods of the calendar `data` that overlap [start, end), sorted by start."""
    try:
        calendar = icalendar.Calendar.from_ical(_only_the_window(data, start, end))
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
