from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from citas.booking.tests.helpers import bookable_practice
from citas.calendars.services import caldav_account_connect

from .radicale_server import PASSWORD, USER, RadicaleServer
from .server import CalendarServer

MADRID = ZoneInfo("Europe/Madrid")
# Monday 22 March 2027, 07:00 in Madrid: the week of the spring change.
NOW = datetime(2027, 3, 22, 7, tzinfo=MADRID)


@pytest.fixture
def server(settings):
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = True  # the test server is plain http on loopback
    with CalendarServer() as running:
        yield running


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def s(db):
    return bookable_practice(min_notice_minutes=0)


EVENT = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//test//EN\r
BEGIN:VEVENT\r
UID:{uid}\r
DTSTAMP:20270101T000000Z\r
DTSTART;TZID=Europe/Madrid:{start}\r
DTEND;TZID=Europe/Madrid:{end}\r
SUMMARY:Vista en el juzgado\r
END:VEVENT\r
END:VCALENDAR\r
"""


@pytest.fixture(scope="module")
def radicale_process(tmp_path_factory):
    with RadicaleServer(tmp_path_factory.mktemp("radicale")) as server:
        yield server


@pytest.fixture
def radicale(radicale_process, settings):
    """One server for the module; each test starts from an account with no calendars."""
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = True  # plain http on loopback, tests only
    if radicale_process.process.poll() is not None:  # a test stopped it on purpose
        radicale_process.__enter__()
    principal = radicale_process.client().principal()
    for calendar in principal.calendars():
        calendar.delete()
    return radicale_process


@pytest.fixture
def account(s, radicale):
    radicale.make_calendar("Personal")
    radicale.make_calendar("Trabajo")
    return caldav_account_connect(
        practice=s.practice,
        professional=s.professional,
        url=radicale.url,
        username=USER,
        password=PASSWORD,
    )


def calendar_url(account, name):
    return next(row["url"] for row in account.calendars_found if row["name"] == name)


def direct_calendar(s, url: str, **fields):
    """An account at `url` and its one read calendar, as connecting would have stored them."""
    from citas.calendars.models import CalDAVAccount, ExternalCalendar
    from citas.calendars.secrets import encrypt

    account = CalDAVAccount.objects.create(
        practice=s.practice,
        professional=s.professional,
        url=url,
        username="luis",
        secret=encrypt("app-password-123"),
        calendars_found=[{"name": "Personal", "url": url}],
    )
    return ExternalCalendar.objects.create(
        practice=s.practice,
        professional=s.professional,
        account=account,
        name="Personal",
        url=url,
        **fields,
    )


def connect(setup, url: str):
    """An iCal address added for `setup`'s professional, as the settings page adds it."""
    from citas.calendars.services import external_calendar_add

    return external_calendar_add(
        practice=setup.practice,
        professional=setup.professional,
        name="Personal",
        url=url,
        share_titles=False,
    )
