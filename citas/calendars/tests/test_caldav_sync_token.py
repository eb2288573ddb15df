"""CalDAV sync-collection (RFC 6578): after the first sync only what changed is fetched; a
forgotten token starts again; a server without sync-collection is read by time range."""

from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

import pytest
import requests

from citas.calendars.models import CalDAVObject, ExternalBusy, ExternalCalendar
from citas.calendars.services import (
    READ_AHEAD,
    caldav_calendar_read_set,
    external_calendar_sync,
    sync_window,
)

from .conftest import EVENT, MADRID, calendar_url, direct_calendar
from .server import CalendarServer


def record_answers(monkeypatch) -> list[tuple[str, bytes, bytes]]:
    """(method, request body, response body) of every request the server answered."""
    sent = []
    real = requests.Session.send

    def send(session, request, **kwargs):
        response = real(session, request, **kwargs)
        if response.status_code != 401:
            body = request.body.encode() if isinstance(request.body, str) else request.body
            sent.append((request.method, body or b"", response.content))
        return response

    monkeypatch.setattr(requests.Session, "send", send)
    return sent


def busy_hours():
    return [busy.start.hour for busy in ExternalBusy.objects.order_by("start")]


@pytest.fixture
def personal(s, radicale, account):
    url = calendar_url(account, "Personal")
    caldav_calendar_read_set(account=account, url=url, read=True)
    return radicale.client().calendar(url=url)


def test_a_second_sync_fetches_only_what_changed(s, personal, frozen, monkeypatch):
    personal.save_event(EVENT.format(uid="a", start="20270322T100000", end="20270322T110000"))
    personal.save_event(EVENT.format(uid="b", start="20270323T100000", end="20270323T110000"))
    calendar = ExternalCalendar.objects.get()
    external_calendar_sync(calendar=calendar, now=frozen)
    calendar.refresh_from_db()
    assert calendar.sync_token and busy_hours() == [9, 9]
    personal.event_by_uid("a").delete()
    personal.save_event(EVENT.format(uid="c", start="20270324T120000", end="20270324T130000"))
    sent = record_answers(monkeypatch)

    outcome = external_calendar_sync(calendar=calendar, now=frozen + timedelta(minutes=10))

    assert outcome.problem == "" and busy_hours() == [9, 11]  # a gone, b kept, c added
    bodies = [body for method, body, _answer in sent if method == "REPORT"]
    assert calendar.sync_token.encode() in bodies[0]  # sync-collection from the stored token
    assert b"calendar-multiget" in bodies[1]
    assert b"/c.ics" in bodies[1]  # only the new event is fetched
    assert b"/b.ics" not in bodies[1] and b"/a.ics" not in bodies[1]
    assert sorted(CalDAVObject.objects.values_list("href", flat=True)) == [
        f"{personal.url}b.ics",
        f"{personal.url}c.ics",
    ]


def test_an_unchanged_calendar_costs_one_report_and_no_expansion(s, personal, frozen, monkeypatch):
    personal.save_event(EVENT.format(uid="a", start="20270322T100000", end="20270322T110000"))
    calendar = ExternalCalendar.objects.get()
    external_calendar_sync(calendar=calendar, now=frozen)
    calendar.refresh_from_db()
    sent = record_answers(monkeypatch)

    outcome = external_calendar_sync(calendar=calendar, now=frozen + timedelta(minutes=10))

    assert outcome.problem == "" and not outcome.changed
    assert [method for method, _body, _answer in sent if method == "REPORT"] == ["REPORT"]
    assert busy_hours() == [9]


def test_a_token_the_server_forgot_starts_again_from_the_whole_calendar(s, personal, frozen):
    personal.save_event(EVENT.format(uid="a", start="20270322T100000", end="20270322T110000"))
    calendar = ExternalCalendar.objects.get()
    calendar.sync_token = "http://radicale.org/ns/sync/forgotten"
    calendar.save()
    CalDAVObject.objects.create(calendar=calendar, href=f"{personal.url}gone.ics", data="x")

    outcome = external_calendar_sync(calendar=calendar, now=frozen)

    assert outcome.problem == "" and busy_hours() == [9]
    calendar.refresh_from_db()
    assert calendar.sync_token.startswith("http://radicale.org/ns/sync/")
    assert list(CalDAVObject.objects.values_list("href", flat=True)) == [f"{personal.url}a.ics"]


def without_sync_collection(server: CalendarServer, path: str, event: str) -> None:
    """A CalDAV server that refuses sync-collection and answers a time-range query."""

    def answer(handler):
        if b"sync-collection" in handler.body:
            handler.send_error(403)
            return
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
            f"<d:response><d:href>{path}court.ics</d:href><d:propstat><d:prop>"
            f'<d:getetag>"1"</d:getetag><c:calendar-data>{escape(event)}</c:calendar-data>'
            "</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
            "</d:multistatus>"
        ).encode()
        handler.send_response(207)
        handler.send_header("Content-Type", "application/xml; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    server.routes[path] = answer


def test_a_server_without_sync_collection_is_read_by_time_range(s, server, frozen):
    path = "/luis/personal/"
    without_sync_collection(
        server, path, EVENT.format(uid="court", start="20270322T100000", end="20270322T110000")
    )
    calendar = direct_calendar(s, f"{server.base}{path}")

    outcome = external_calendar_sync(calendar=calendar, now=frozen)

    assert outcome.problem == "" and outcome.busy_count == 1
    assert list(ExternalBusy.objects.values_list("start", flat=True)) == [
        datetime(2027, 3, 22, 9, tzinfo=UTC)
    ]
    calendar.refresh_from_db()
    assert calendar.sync_token == "" and not CalDAVObject.objects.exists()


def test_the_first_sync_reads_the_horizon_not_the_whole_calendar(s, personal, frozen, monkeypatch):
    for year in range(2015, 2025):  # years of history, never needed for booking
        personal.save_event(
            EVENT.format(uid=f"old-{year}", start=f"{year}0322T100000", end=f"{year}0322T110000")
        )
    personal.save_event(EVENT.format(uid="far", start="20290322T100000", end="20290322T110000"))
    personal.save_event(EVENT.format(uid="a", start="20270322T100000", end="20270322T110000"))
    calendar = ExternalCalendar.objects.get()
    sent = record_answers(monkeypatch)

    outcome = external_calendar_sync(calendar=calendar, now=frozen)

    assert outcome.problem == "" and busy_hours() == [9]
    reports = [body for method, body, _answer in sent if method == "REPORT"]
    assert len(reports) == 1
    assert b"calendar-query" in reports[0] and b"time-range" in reports[0]
    assert not any(b"sync-collection" in body for _method, body, _answer in sent)
    answers = b"".join(answer for _method, _body, answer in sent)
    assert b"UID:a" in answers
    assert b"old-20" not in answers and b"UID:far" not in answers  # never downloaded
    assert list(CalDAVObject.objects.values_list("href", flat=True)) == [f"{personal.url}a.ics"]
    calendar.refresh_from_db()
    _start, end = sync_window(calendar, frozen)
    assert calendar.sync_token and calendar.objects_until == end + READ_AHEAD

    sent.clear()
    personal.save_event(EVENT.format(uid="c", start="20270324T120000", end="20270324T130000"))
    external_calendar_sync(calendar=calendar, now=frozen + timedelta(minutes=10))

    assert busy_hours() == [9, 11]
    assert [b"sync-collection" in body for method, body, _a in sent if method == "REPORT"] == [
        True,
        False,  # the multiget of c
    ]


def test_the_range_is_read_again_once_the_window_passes_what_is_stored(s, personal, frozen):
    calendar = ExternalCalendar.objects.get()
    external_calendar_sync(calendar=calendar, now=frozen)
    calendar.refresh_from_db()
    later = frozen + READ_AHEAD + timedelta(days=1)
    _start, end = sync_window(calendar, later)
    # An event made before the first sync, then beyond the range it read, now in the window.
    day = (end - timedelta(days=2)).astimezone(MADRID).strftime("%Y%m%d")
    CalDAVObject.objects.all().delete()
    personal.save_event(EVENT.format(uid="late", start=f"{day}T100000", end=f"{day}T110000"))
    calendar.objects_until = end - timedelta(days=1)
    calendar.save(update_fields=["objects_until"])

    outcome = external_calendar_sync(calendar=calendar, now=later)

    assert outcome.problem == ""
    assert [b.start.astimezone(MADRID).hour for b in ExternalBusy.objects.all()] == [10]
    calendar.refresh_from_db()
    assert calendar.objects_until == end + READ_AHEAD


def test_a_range_too_big_to_keep_is_read_for_the_window_only(s, personal, frozen, settings):
    calendar = ExternalCalendar.objects.get()
    _start, end = sync_window(calendar, frozen)
    beyond = (end + timedelta(days=10)).astimezone(MADRID).strftime("%Y%m%d")
    big = EVENT.format(uid="big", start=f"{beyond}T100000", end=f"{beyond}T110000")
    personal.save_event(big.replace("SUMMARY:", "DESCRIPTION:" + "x" * 70 + "\r\n SUMMARY:"))
    for n in range(40):  # a month beyond the horizon, large…
        personal.save_event(
            EVENT.format(uid=f"b{n}", start=f"{beyond}T120000", end=f"{beyond}T130000")
        )
    personal.save_event(EVENT.format(uid="a", start="20270322T100000", end="20270322T110000"))
    settings.EXTERNAL_CALENDAR_MAX_BYTES = 6000  # …for this limit; the window alone is not

    outcome = external_calendar_sync(calendar=calendar, now=frozen)

    assert outcome.problem == "" and busy_hours() == [9]
    assert not CalDAVObject.objects.exists()


def test_one_deadline_covers_the_whole_sync_fallbacks_included(s, server, frozen, settings):
    """The stored token is refused after a slow answer, and the range read that follows is as
    slow: together they pass the deadline, so the sync stops there (a timeout, the periods
    kept) instead of starting a new timeout for the fallback."""
    settings.EXTERNAL_CALENDAR_TIMEOUT = 1.0
    path = "/luis/personal/"
    answered = []

    def slow(handler):
        server.stop_event.wait(0.6)
        kind = "sync" if b"sync-collection" in handler.body else handler.command
        if kind == "sync":
            handler.send_error(403)
        else:
            handler.send_response(207)
            body = b'<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"/>'
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        answered.append(kind)

    server.routes[path] = slow
    _start, end = sync_window(ExternalCalendar(practice=s.practice), frozen)
    calendar = direct_calendar(
        s,
        f"{server.base}{path}",
        sync_token="http://example.com/ns/sync/1",
        objects_until=end + READ_AHEAD,
        busy_count=3,
    )

    outcome = external_calendar_sync(calendar=calendar, now=frozen)

    assert outcome.problem == "timeout" and outcome.busy_count == 3
    assert "REPORT" not in answered  # the range query was never answered
