import logging
import time
from datetime import UTC, datetime, timedelta

import pytest

from citas.booking.services import appointment_book
from citas.calendars.fetch import fetch_calendar
from citas.calendars.models import ExternalBusy, ExternalCalendar, SyncProblem
from citas.calendars.services import external_calendar_sync
from citas.core.errors import ServiceError
from citas.practices.models import Practice
from citas.scheduling.selectors import availability_for

from .conftest import MADRID, connect
from .ics_samples import GOOGLE, as_bytes


def free_starts(s, day):
    result = availability_for(
        practice=Practice.objects.get(pk=s.practice.pk),  # fresh, as each request loads it
        service=s.service,
        professionals=[s.professional],
        first_day=day,
        last_day=day,
        now=datetime.now(UTC),
    )
    return [start.astimezone(MADRID).strftime("%H:%M") for start, _ in result["any"].get(day, [])]


def test_an_event_in_the_calendar_removes_the_slot_within_one_sync(s, server, frozen):
    server.serve("/cal.ics", as_bytes(GOOGLE))
    calendar = connect(s, f"{server.base}/cal.ics")
    monday = frozen.date()
    assert "10:00" in free_starts(s, monday)

    outcome = external_calendar_sync(calendar=calendar, now=frozen)

    assert outcome.problem == "" and outcome.busy_count == 5
    starts = free_starts(s, monday)
    assert "10:00" not in starts and "10:30" not in starts
    assert "09:30" in starts and "11:00" in starts  # the 30-minute service ends at 10:00
    assert free_starts(s, monday + timedelta(days=2)) == []  # the all-day court hearing


def test_the_booking_service_refuses_a_time_the_calendar_blocks(s, server, frozen):
    server.serve("/cal.ics", as_bytes(GOOGLE))
    external_calendar_sync(calendar=connect(s, f"{server.base}/cal.ics"), now=frozen)
    with pytest.raises(ServiceError) as refused:
        appointment_book(
            practice=s.practice,
            professional=s.professional,
            service=s.service,
            client=s.client,
            start=datetime(2027, 3, 22, 10, 15, tzinfo=MADRID),
            by_client=True,
            now=frozen,
        )
    assert refused.value.field == "start"
    assert not s.professional.appointments.exists()


def test_an_unchanged_calendar_is_not_downloaded_again(s, server, frozen):
    server.serve("/cal.ics", as_bytes(GOOGLE), etag='"v1"')
    calendar = connect(s, f"{server.base}/cal.ics")
    external_calendar_sync(calendar=calendar, now=frozen)
    calendar.refresh_from_db()

    outcome = external_calendar_sync(calendar=calendar, now=frozen + timedelta(minutes=10))

    assert server.requests[-1][1].get("If-None-Match") == '"v1"'
    assert outcome.changed is False
    assert ExternalBusy.objects.filter(calendar=calendar).count() == 5
    calendar.refresh_from_db()
    assert calendar.synced_at == frozen + timedelta(minutes=10)


def test_the_same_file_from_a_server_without_etag_is_not_parsed_again(s, server, frozen):
    server.serve("/cal.ics", as_bytes(GOOGLE))  # no ETag, no Last-Modified
    calendar = connect(s, f"{server.base}/cal.ics")
    assert external_calendar_sync(calendar=calendar, now=frozen).changed
    calendar.refresh_from_db()

    outcome = external_calendar_sync(calendar=calendar, now=frozen + timedelta(minutes=10))

    assert outcome.changed is False and outcome.busy_count == 5
    assert ExternalBusy.objects.filter(calendar=calendar).count() == 5


def test_an_unchanged_calendar_is_expanded_again_a_day_later_to_cover_the_horizon(
    s, server, frozen
):
    server.serve("/cal.ics", as_bytes(GOOGLE), etag='"v1"')
    calendar = connect(s, f"{server.base}/cal.ics")
    external_calendar_sync(calendar=calendar, now=frozen)
    calendar.refresh_from_db()

    outcome = external_calendar_sync(calendar=calendar, now=frozen + timedelta(days=1))

    assert "If-None-Match" not in server.requests[-1][1]
    assert outcome.changed is True  # the window moved a day: its new end is expanded


def test_a_failing_calendar_keeps_its_busy_periods_and_says_why(s, server, frozen):
    server.serve("/cal.ics", as_bytes(GOOGLE))
    calendar = connect(s, f"{server.base}/cal.ics")
    external_calendar_sync(calendar=calendar, now=frozen)
    server.routes["/cal.ics"] = lambda handler: handler.send_error(500)
    calendar.refresh_from_db()

    outcome = external_calendar_sync(calendar=calendar, now=frozen + timedelta(minutes=10))

    calendar.refresh_from_db()
    assert outcome.problem == SyncProblem.HTTP == calendar.problem
    assert ExternalBusy.objects.filter(calendar=calendar).count() == 5
    assert calendar.synced_at == frozen


def test_a_calendar_that_hangs_gives_up_at_the_deadline_and_booking_goes_on(
    s, server, frozen, settings
):
    settings.EXTERNAL_CALENDAR_TIMEOUT = 1.0
    server.hang("/slow.ics")
    calendar = connect(s, f"{server.base}/slow.ics")
    began = time.monotonic()

    outcome = external_calendar_sync(calendar=calendar, now=frozen)

    assert outcome.problem == SyncProblem.TIMEOUT
    assert time.monotonic() - began < 5
    appointment = appointment_book(
        practice=s.practice,
        professional=s.professional,
        service=s.service,
        client=s.client,
        start=datetime(2027, 3, 22, 10, tzinfo=MADRID),
        by_client=True,
        now=frozen,
    )
    assert appointment.pk


def test_one_deadline_covers_a_server_that_drips_its_headers(server, settings):
    server.drip("/drip.ics", every=0.2)  # every read succeeds well within any per-read timeout
    began = time.monotonic()
    with pytest.raises(Exception) as caught:
        fetch_calendar(f"{server.base}/drip.ics", timeout=1.0)
    assert caught.value.problem == SyncProblem.TIMEOUT
    assert time.monotonic() - began < 5


def test_a_50_megabyte_calendar_is_refused_without_storing_it(s, server, frozen, settings):
    settings.EXTERNAL_CALENDAR_MAX_BYTES = 10 * 1024 * 1024
    server.huge("/huge.ics", megabytes=50)
    calendar = connect(s, f"{server.base}/huge.ics")

    outcome = external_calendar_sync(calendar=calendar, now=frozen)

    assert outcome.problem == SyncProblem.TOO_LARGE
    assert not ExternalBusy.objects.exists()


def test_redirects_are_followed_and_checked_like_the_first_address(s, server, frozen, settings):
    server.serve("/real.ics", as_bytes(GOOGLE))
    server.redirect("/moved.ics", "/real.ics")
    calendar = connect(s, f"{server.base}/moved.ics")
    assert external_calendar_sync(calendar=calendar, now=frozen).busy_count == 5

    settings.WEBHOOKS_ALLOW_INSECURE_URLS = False  # production: a redirect to loopback is refused
    server.redirect("/evil.ics", "http://127.0.0.1:9/admin")
    with pytest.raises(Exception) as caught:
        fetch_calendar(f"{server.base}/evil.ics")
    assert caught.value.problem == SyncProblem.ADDRESS


def test_a_public_name_that_resolves_to_a_private_address_is_refused(settings, monkeypatch):
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = False
    # No DNS here: the resolver's answer is what a rebinding attacker would return.
    monkeypatch.setattr(
        "socket.getaddrinfo", lambda *args, **kwargs: [(2, 1, 6, "", ("10.0.0.7", 443))]
    )
    with pytest.raises(Exception) as caught:
        fetch_calendar("https://calendar.example.com/private.ics")
    assert caught.value.problem == SyncProblem.ADDRESS


def test_the_secret_address_never_reaches_the_log(s, server, frozen, caplog):
    server.routes["/secret-token-abc123.ics"] = lambda handler: handler.send_error(403)
    calendar = connect(s, f"{server.base}/secret-token-abc123.ics")
    with caplog.at_level(logging.DEBUG):
        external_calendar_sync(calendar=calendar, now=frozen)
    assert caplog.records
    assert "secret-token-abc123" not in caplog.text


def test_a_removed_calendar_frees_its_time_at_once(s, server, frozen):
    server.serve("/cal.ics", as_bytes(GOOGLE))
    calendar = connect(s, f"{server.base}/cal.ics")
    external_calendar_sync(calendar=calendar, now=frozen)
    calendar.delete()
    assert "10:00" in free_starts(s, frozen.date())
    assert not ExternalCalendar.objects.exists()


def test_a_sync_invalidates_the_cached_free_slots_at_once(
    s, server, frozen, django_capture_on_commit_callbacks
):
    server.serve("/cal.ics", as_bytes(GOOGLE))
    calendar = connect(s, f"{server.base}/cal.ics")
    monday = frozen.date()
    with django_capture_on_commit_callbacks(execute=True):
        assert "10:00" in free_starts(s, monday)  # computed and cached
    # A busy period written behind the cache's back is not seen: the cache is in use…
    ExternalBusy.objects.create(
        calendar=calendar,
        professional=s.professional,
        start=datetime(2027, 3, 22, 12, tzinfo=MADRID),
        end=datetime(2027, 3, 22, 13, tzinfo=MADRID),
    )
    assert "12:00" in free_starts(s, monday)

    # …and a sync, which bumps the practice's schedule version, is seen at once.
    external_calendar_sync(calendar=calendar, now=frozen)

    starts = free_starts(s, monday)
    assert "10:00" not in starts and "09:30" in starts
