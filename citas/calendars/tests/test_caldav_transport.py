"""CalDAV over the pinned transport (citas.core.http): every request connects to the address
that was checked, and one deadline covers all the requests of a sync. Real servers on loopback:
Radicale, and a raw TCP server that stalls."""

import socket
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from citas.booking.services import appointment_book
from citas.calendars.models import CalDAVAccount, ExternalBusy, ExternalCalendar, SyncProblem
from citas.calendars.services import caldav_calendar_read_set, external_calendar_sync

from .conftest import EVENT, MADRID, calendar_url, direct_calendar
from .server import StallingServer

PUBLIC_NAME = "caldav.example.com"
LOCAL_NAME = "caldav.localhost"  # plain http is allowed to local names in tests


def resolve_name_to_loopback(monkeypatch, name) -> list[str]:
    """No DNS in tests: `name` answers 127.0.0.1 (for a public name, as a rebinding attacker's
    would). Returns the list of lookups made for it."""
    real = socket.getaddrinfo
    lookups = []

    def resolver(host, port, *args, **kwargs):
        if host != name:
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    return lookups


def count_requests(monkeypatch) -> list[str]:
    sent = []
    real = requests.Session.send

    def send(session, request, **kwargs):
        sent.append(request.method)
        return real(session, request, **kwargs)

    monkeypatch.setattr(requests.Session, "send", send)
    return sent


def calendar_without_server(s, url: str) -> ExternalCalendar:
    """An account and a read calendar as connecting would have stored them, one busy period
    already known."""
    calendar = direct_calendar(s, url)
    ExternalBusy.objects.create(
        calendar=calendar,
        professional=s.professional,
        start=datetime(2027, 3, 22, 15, tzinfo=UTC),
        end=datetime(2027, 3, 22, 16, tzinfo=UTC),
    )
    return calendar


def test_each_caldav_request_connects_to_the_address_it_looked_up_once(
    s, radicale, account, frozen, monkeypatch
):
    url = calendar_url(account, "Personal")
    caldav_calendar_read_set(account=account, url=url, read=True)
    radicale.client().calendar(url=url).save_event(
        EVENT.format(uid="court-1", start="20270322T100000", end="20270322T110000")
    )
    # The same server, reached by a name that is looked up at request time.
    named = lambda address: address.replace("127.0.0.1", LOCAL_NAME)  # noqa: E731
    CalDAVAccount.objects.filter(pk=account.pk).update(url=named(account.url))
    ExternalCalendar.objects.filter(account=account).update(url=named(url))
    lookups = resolve_name_to_loopback(monkeypatch, LOCAL_NAME)
    sent = count_requests(monkeypatch)

    outcome = external_calendar_sync(calendar=ExternalCalendar.objects.get(), now=frozen)

    assert outcome.problem == "" and outcome.busy_count == 1
    assert sent  # the sync went over the network...
    assert len(lookups) == len(sent)  # ...and each request resolved the name only once


def test_a_caldav_server_whose_name_resolves_to_a_private_address_is_refused(
    s, frozen, settings, monkeypatch
):
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = False  # production: loopback is private
    resolve_name_to_loopback(monkeypatch, PUBLIC_NAME)
    with StallingServer() as server:
        calendar = calendar_without_server(s, f"https://{PUBLIC_NAME}:{server.port}/luis/personal/")

        outcome = external_calendar_sync(calendar=calendar, now=frozen)

        assert outcome.problem == SyncProblem.ADDRESS
        assert server.connections == 0  # refused before connecting
    assert ExternalBusy.objects.count() == 1  # what was known still blocks


def test_a_caldav_server_that_stalls_hits_one_deadline_and_booking_goes_on(s, frozen, settings):
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = True  # plain http on loopback, tests only
    settings.EXTERNAL_CALENDAR_TIMEOUT = 1.0
    with StallingServer(every=0.2, for_seconds=8) as server:
        calendar = calendar_without_server(s, f"http://127.0.0.1:{server.port}/luis/personal/")
        began = time.monotonic()

        outcome = external_calendar_sync(calendar=calendar, now=frozen)

        assert outcome.problem == SyncProblem.TIMEOUT
        assert time.monotonic() - began < 3  # the server would drip for 8 s
        assert server.connections >= 1
    assert ExternalBusy.objects.count() == 1
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
    with pytest.raises(Exception):  # noqa: B017, PT011 — the known period still blocks
        appointment_book(
            practice=s.practice,
            professional=s.professional,
            service=s.service,
            client=s.client,
            start=datetime(2027, 3, 22, 15, tzinfo=UTC),
            by_client=True,
            now=frozen + timedelta(seconds=1),
        )
