"""Calendar files (RFC 5545) for appointments and for a professional's subscription feed.

One appointment is always the same event: UID `appointment-<pk>@<site host>`; each change sends
a higher SEQUENCE, so calendar apps update (or, with METHOD:CANCEL, remove) the event instead
of adding a second one.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import parseaddr
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from citas.core.timezones import is_ambiguous

PRODID = "-//Gestor de Citas//citas//ES"


def event_uid(appointment_id: int) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"appointment-{appointment_id}@{host}"


@dataclass(frozen=True)
class EventData:
    appointment_id: int
    start: datetime
    end: datetime
    tz: str
    summary: str
    location: str
    organizer_name: str
    organizer_email: str
    description: str = ""
    sequence: int = 0
    cancelled: bool = False


def _instant(instant: datetime, tz: ZoneInfo) -> datetime:
    """Local time with its TZID, except in an hour the clocks repeat: calendar programs read
    such a local time as its first occurrence (RFC 5545 3.3.5), so it is written in UTC."""
    local = instant.astimezone(tz)
    if is_ambiguous(local, tz):
        return instant.astimezone(UTC)
    return local


def _event(data: EventData, *, stamp: datetime) -> Event:
    tz = ZoneInfo(data.tz)
    event = Event()
    event.add("uid", event_uid(data.appointment_id))
    event.add("dtstamp", stamp)
    event.add("dtstart", _instant(data.start, tz))
    event.add("dtend", _instant(data.end, tz))
    event.add("summary", data.summary)
    event.add("sequence", data.sequence)
    if data.location:
        event.add("location", data.location)
    if data.description:
        event.add("description", data.description)
    organizer = vCalAddress(f"mailto:{data.organizer_email}")
    organizer.params["cn"] = vText(data.organizer_name)
    event["organizer"] = organizer
    event.add("status", "CANCELLED" if data.cancelled else "CONFIRMED")
    return event


def _calendar(method: str | None = None, name: str = "") -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


@lru_cache(maxsize=64)
def _vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    return Timezone.from_tzid(
        tzid, first_date=date(first_year, 1, 1), last_date=date(last_year + 1, 12, 31)
    )


@lru_cache(maxsize=64)
def _vtimezone_ical(tzid: str, first_year: int, last_year: int) -> bytes:
    return _vtimezone(tzid, first_year, last_year).to_ical()


def _to_ical(calendar: Calendar, events: list[EventData]) -> bytes:
    """The calendar with a VTIMEZONE for the events' zones, with only the transitions of the
    years around their dates: the full 1970–2038 history is far bigger and made sending 2×
    slower (bench). Each VTIMEZONE is serialised once per zone and years and written before
    the first event, where icalendar writes a first subcomponent: serialising it again for
    every email was most of the cost of its .ics (bench)."""
    body = calendar.to_ical()
    if not events:
        return body
    first_year = min(e.start for e in events).year - 1
    last_year = max(e.end for e in events).year + 1
    zones = b"".join(
        _vtimezone_ical(tzid, first_year, last_year)
        for tzid in sorted({e.tz for e in events}, reverse=True)
    )
    head, first_event, rest = body.partition(b"BEGIN:VEVENT\r\n")
    return head + zones + first_event + rest


def appointment_ics(data: EventData, *, now: datetime | None = None) -> bytes:
    """One VEVENT; METHOD:CANCEL for a cancellation, METHOD:REQUEST otherwise."""
    calendar = _calendar("CANCEL" if data.cancelled else "REQUEST")
    calendar.add_component(_event(data, stamp=now or timezone.now()))
    return _to_ical(calendar, [data])


def series_ics(
    events: list[EventData], *, method: str = "PUBLISH", now: datetime | None = None
) -> bytes:
    """Every occurrence of a series as its own VEVENT (the same UIDs as the single-appointment
    files, so a later change or cancellation updates the right one). METHOD:PUBLISH, which
    RFC 5546 allows with several events, for booked or moved occurrences (calendar programs
    import them all, updating by UID and SEQUENCE); METHOD:CANCEL for cancelled ones."""
    calendar = _calendar(method)
    stamp = now or timezone.now()
    for data in events:
        calendar.add_component(_event(data, stamp=stamp))
    return _to_ical(calendar, events)


def feed_ics(name: str, events: list[EventData], *, now: datetime | None = None) -> bytes:
    calendar = _calendar(name=name)
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    stamp = now or timezone.now()
    for data in events:
        calendar.add_component(_event(data, stamp=stamp))
    return _to_ical(calendar, events)


def organizer_for(practice) -> tuple[str, str]:
    """(name, email) the calendar shows as organiser: the practice, at its own address."""
    email = practice.email or parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "citas@localhost"
    return practice.name, email


def event_data_for(appointment, *, sequence: int, summary: str = "", description=None) -> EventData:
    """Event data from a live appointment (the download link and the feed). By default the
    summary is what the client sees and the description is the client's manage link."""
    from .rendering import manage_url

    practice = appointment.practice
    organizer_name, organizer_email = organizer_for(practice)
    return EventData(
        appointment_id=appointment.pk,
        start=appointment.start,
        end=appointment.end,
        tz=practice.timezone,
        summary=summary or f"{appointment.service.name} · {practice.name}",
        location=practice.address,
        organizer_name=organizer_name,
        organizer_email=organizer_email,
        description=manage_url(appointment.token) if description is None else description,
        sequence=sequence,
        cancelled=appointment.status == "cancelled",
    )


def calendar_object_ics(data: EventData, *, now: datetime | None = None) -> bytes:
    """One event as a calendar object resource (CalDAV PUT): no METHOD, same UID as the
    emails' attachments."""
    calendar = _calendar()
    calendar.add_component(_event(data, stamp=now or timezone.now()))
    return _to_ical(calendar, [data])
