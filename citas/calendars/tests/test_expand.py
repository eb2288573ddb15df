from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from citas.calendars.expand import _aware, busy_periods
from citas.calendars.fetch import FetchError
from citas.calendars.models import SyncProblem

from .ics_samples import GOOGLE, OUTLOOK, as_bytes

MADRID = ZoneInfo("Europe/Madrid")
WINDOW = {"start": datetime(2027, 3, 21, tzinfo=UTC), "end": datetime(2027, 6, 30, tzinfo=UTC)}


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_google_export_expands_rules_exceptions_overrides_and_all_day_events():
    periods = [
        (p.start, p.end, p.title) for p in busy_periods(as_bytes(GOOGLE), tz=MADRID, **WINDOW)
    ]
    assert periods == [
        # Monday 10:00 Madrid before the spring change is 09:00 UTC…
        (utc(2027, 3, 22, 9), utc(2027, 3, 22, 10), "Llevar a los niños al cole"),
        # …the all-day event runs from local midnight to local midnight…
        (utc(2027, 3, 23, 23), utc(2027, 3, 24, 23), "Juicio en la Audiencia"),
        # …and after the change 10:00 Madrid is 08:00 UTC; 5 April is an EXDATE.
        (utc(2027, 3, 29, 8), utc(2027, 3, 29, 9), "Llevar a los niños al cole"),
        (utc(2027, 4, 12, 10, 30), utc(2027, 4, 12, 11, 30), "Llevar a los niños al cole (tarde)"),
        (utc(2027, 4, 19, 8), utc(2027, 4, 19, 9), "Llevar a los niños al cole"),
    ]


def test_free_and_cancelled_events_block_nothing():
    titles = {p.title for p in busy_periods(as_bytes(GOOGLE), tz=MADRID, **WINDOW)}
    assert "Llamada" not in titles
    assert "Anulado" not in titles


def test_an_outlook_export_with_windows_zone_names_and_floating_times():
    periods = [(p.start, p.end) for p in busy_periods(as_bytes(OUTLOOK), tz=MADRID, **WINDOW)]
    assert periods == [
        (utc(2027, 3, 23, 15), utc(2027, 3, 23, 16)),  # 16:00 "Romance Standard Time" (CET)
        (utc(2027, 3, 25, 8), utc(2027, 3, 25, 8, 30)),  # floating 09:00: the practice's clock
    ]


def test_only_the_window_is_kept():
    periods = busy_periods(as_bytes(GOOGLE), tz=MADRID, start=utc(2027, 4, 1), end=utc(2027, 4, 13))
    assert [p.start for p in periods] == [utc(2027, 4, 12, 10, 30)]


@pytest.mark.parametrize("body", [b"<html>login</html>", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n"])
def test_a_file_that_is_not_a_calendar_is_a_format_problem(body):
    with pytest.raises(FetchError) as caught:
        busy_periods(body, tz=MADRID, **WINDOW)
    assert caught.value.problem == SyncProblem.FORMAT


def _every_event_parsed(data: bytes, start: datetime, end: datetime) -> list:
    """The reference: the same expansion over the whole file, nothing cut before parsing."""
    import icalendar
    import recurring_ical_events

    calendar = icalendar.Calendar.from_ical(data)
    return sorted(
        (_aware(occurrence["DTSTART"].dt, MADRID), str(occurrence.get("SUMMARY", "")))
        for occurrence in recurring_ical_events.of(calendar).between(start, end)
        if occurrence.name == "VEVENT"
        and str(occurrence.get("TRANSP", "")).upper() != "TRANSPARENT"
        and str(occurrence.get("STATUS", "")).upper() != "CANCELLED"
    )


@pytest.mark.parametrize(
    ("name", "window"),
    [
        ("bench", (datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 5, 31, tzinfo=UTC))),
        ("bench", (datetime(2027, 11, 1, 23, tzinfo=UTC), datetime(2027, 12, 2, tzinfo=UTC))),
        ("google", (WINDOW["start"], WINDOW["end"])),
        ("outlook", (WINDOW["start"], WINDOW["end"])),
    ],
)
def test_cutting_events_outside_the_window_before_parsing_changes_no_period(name, window):
    from bench.bench_calendars import feed

    data = {"bench": feed(), "google": as_bytes(GOOGLE), "outlook": as_bytes(OUTLOOK)}[name]
    start, end = window

    periods = busy_periods(data, tz=MADRID, start=start, end=end)

    expected = _every_event_parsed(data, start, end)
    assert len(expected) > 0
    assert sorted((p.start, p.title) for p in periods) == expected
