"""The periodic sync runs calendars side by side: a feed that hangs until its deadline does not
hold back another practice's feed."""

import threading
import time

import pytest
from django.db import connection

from citas.booking.tests.helpers import bookable_practice
from citas.calendars.models import ExternalCalendar, SyncProblem
from citas.calendars.tasks import sync_due_calendars

from .conftest import connect
from .ics_samples import GOOGLE, as_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_hanging_feed_does_not_hold_back_another_practices_feed(server, settings):
    settings.EXTERNAL_CALENDAR_TIMEOUT = 8.0
    server.hang("/slow.ics")
    server.serve("/ok.ics", as_bytes(GOOGLE))
    hanging = connect(bookable_practice(), f"{server.base}/slow.ics")  # due first
    healthy = connect(bookable_practice(), f"{server.base}/ok.ics")

    def periodic_task():  # as the Huey worker runs it, its own connection closed after
        try:
            sync_due_calendars.call_local()
        finally:
            connection.close()

    run = threading.Thread(target=periodic_task)
    run.start()
    try:
        # Wait for the healthy feed (never longer than the hanging one's deadline and a bit).
        give_up = time.monotonic() + settings.EXTERNAL_CALENDAR_TIMEOUT + 5
        while time.monotonic() < give_up:
            if ExternalCalendar.objects.filter(pk=healthy.pk, synced_at__isnull=False).exists():
                break
            time.sleep(0.05)
        # The healthy feed was stored while the hanging one was still waiting for its server.
        row = ExternalCalendar.objects.get(pk=healthy.pk)
        assert row.synced_at is not None, (row.problem, row.checked_at)
        assert ExternalCalendar.objects.get(pk=hanging.pk).checked_at is None
        assert row.problem == ""
    finally:
        run.join()
    assert ExternalCalendar.objects.get(pk=hanging.pk).problem == SyncProblem.TIMEOUT
