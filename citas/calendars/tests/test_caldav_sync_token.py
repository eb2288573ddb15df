"""CalDAV sync-collection (RFC 6578): after the first sync only what changed is fetched; a
forgotten token starts again; a server without sync-collection is read by time range."""

from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

import pytest
import requests

from citas.calendars.models import CalDAVAccount, CalDAVObject, ExternalBusy, ExternalCalendar
from citas.calendars.secrets import encrypt
from citas.calendars.services import caldav_calendar_read_set, external_calendar_sync

from .conftest import EVENT, calendar_url
from .server import CalendarServer


def record_requests(monkeypatch) -> list[tuple[str, bytes]]:
    """The requests the server answered (not the ones it only asked to log in)."""
    sent = []
    real = requests.Session.send

    def send(session, request, **kwargs):
        response = real(session, request, **kwargs)
        if response.status_code != 401:
            body = request.body.encode() if isinstance(request.body, str) else request.body
            sent.append((request.method, body or b""))
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
    sent = record_requests(monkeypatch)

    outcome = external_calendar_sync(calendar=calendar, now=frozen + timedelta(minutes=10))

    assert outcome.problem == "" and busy_hours() == [9, 11]  # a gone, b kept, c added
    bodies = [body for method, body in sent if method == "REPORT"]
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
    sent = record_requests(monkeypatch)

    outcome = external_calendar_sync(calendar=calendar, now=frozen + timedelta(minutes=10))

    assert outcome.problem == "" and not outcome.changed
    assert [method for method, _body in sent if method == "REPORT"] == ["REPORT"]
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
    url = f"{server.base}{path}"
    account = CalDAVAccount.objects.create(
        practice=s.practice,
        professional=s.professional,
        url=url,
        username="luis",
        secret=encrypt("app-password-123"),
        calendars_found=[{"name": "Personal", "url": url}],
    )
    calendar = ExternalCalendar.objects.create(
        practice=s.practice, professional=s.professional, account=account, name="P", url=url
    )

    outcome = external_calendar_sync(calendar=calendar, now=frozen)

    assert outcome.problem == "" and outcome.busy_count == 1
    assert list(ExternalBusy.objects.values_list("start", flat=True)) == [
        datetime(2027, 3, 22, 9, tzinfo=UTC)
    ]
    calendar.refresh_from_db()
    assert calendar.sync_token == "" and not CalDAVObject.objects.exists()


def test_a_calendar_too_big_to_keep_whole_is_read_by_time_range(s, personal, frozen, settings):
    for year in range(2015, 2025):  # years of history: the whole calendar is large…
        personal.save_event(
            EVENT.format(uid=f"old-{year}", start=f"{year}0322T100000", end=f"{year}0322T110000")
        )
    personal.save_event(EVENT.format(uid="a", start="20270322T100000", end="20270322T110000"))
    settings.EXTERNAL_CALENDAR_MAX_BYTES = 3000  # …for this limit; the horizon alone is not

    outcome = external_calendar_sync(calendar=ExternalCalendar.objects.get(), now=frozen)

    assert outcome.problem == "" and busy_hours() == [9]
    assert not CalDAVObject.objects.exists()
