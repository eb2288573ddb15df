"""A busy period gone from a professional's external calendar frees its time: the waiting list
is offered it once the sync commits, like time off removed; so is a calendar disconnected."""

from datetime import timedelta

import pytest

from citas.booking.models import WaitlistEntry, WaitlistStatus
from citas.calendars.services import external_calendar_remove, external_calendar_sync

from .conftest import EVENT, MADRID, connect

EMPTY = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//test//EN\r\nEND:VCALENDAR\r\n"
HEARING = EVENT.format(uid="hearing", start="20270322T090000", end="20270322T140000").encode()


@pytest.fixture
def waiting(s, frozen):
    return WaitlistEntry.objects.create(
        practice=s.practice,
        service=s.service,
        full_name="Lucía Gil",
        email="lucia@example.com",
        first_day=frozen.date(),
        last_day=frozen.date(),
    )


@pytest.fixture
def busy_calendar(s, server, frozen):
    server.serve("/cal.ics", HEARING)
    calendar = connect(s, f"{server.base}/cal.ics")
    external_calendar_sync(calendar=calendar, now=frozen)
    calendar.refresh_from_db()
    return calendar


def test_an_event_gone_from_the_calendar_is_offered_to_the_waiting_list(
    s, server, frozen, busy_calendar, waiting, django_capture_on_commit_callbacks
):
    server.serve("/cal.ics", EMPTY)

    with django_capture_on_commit_callbacks(execute=True):
        external_calendar_sync(calendar=busy_calendar, now=frozen + timedelta(minutes=10))

    waiting.refresh_from_db()
    assert waiting.status == WaitlistStatus.OFFERED
    assert waiting.offered_start == frozen.replace(hour=9).astimezone(MADRID)


def test_the_same_events_again_offer_nothing(
    s, server, frozen, busy_calendar, waiting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        external_calendar_sync(calendar=busy_calendar, now=frozen + timedelta(minutes=10))

    waiting.refresh_from_db()
    assert waiting.status == WaitlistStatus.WAITING


def test_a_disconnected_calendar_gives_its_busy_time_to_the_waiting_list(
    s, frozen, busy_calendar, waiting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        external_calendar_remove(calendar=busy_calendar)

    waiting.refresh_from_db()
    assert waiting.offered_start == frozen.replace(hour=9)
