from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from citas.booking.tests.helpers import bookable_practice

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
