"""One Huey task per calendar, run by real Huey worker threads on a queue of the test's own,
against real HTTP servers on loopback: a feed that hangs until its deadline holds one worker,
not the other calendars' syncs, and a calendar is never synced twice at once."""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connections
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from huey.signals import SIGNAL_COMPLETE
from huey.storage import SqliteStorage

from citas.booking.tests.helpers import bookable_practice
from citas.calendars import tasks
from citas.calendars.fetch import fetch_calendar
from citas.calendars.models import ExternalBusy, ExternalCalendar, SyncProblem
from citas.calendars.selectors import calendars_due
from citas.calendars.services import external_calendar_sync
from citas.calendars.tasks import sync_calendar, sync_due_calendars
from citas.notifications.tests.processes import database_url

from .conftest import NOW, connect
from .ics_samples import GOOGLE, as_bytes

pytestmark = pytest.mark.django_db(transaction=True)
# The tests with worker threads run on PostgreSQL: SQLite's in-memory test database (shared
# cache) answers the threads' concurrent access with "table is locked" at once, not waiting.
DEADLINE = 6.0


class Worker:
    """A Huey consumer's worker threads on a fresh SQLite queue; `done` holds the ids of the
    tasks they finished, `syncs_done` those of calendar syncs only (booking-related writes
    also queue message tasks, which the same threads run)."""

    def __init__(self, tmp_path, workers: int):
        self.storage = SqliteStorage(name="calendars-test", filename=str(tmp_path / "queue.db"))
        self.consumer = HUEY.create_consumer(
            workers=workers, periodic=False, check_worker_health=False, max_delay=0.1
        )
        self.done = []
        self.syncs_done = []
        self.threads = [thread for _worker, thread in self.consumer.worker_threads]

    def _record(self, signal, task, *args):
        # Runs in the worker thread: the test database is dropped while no thread holds it.
        connections.close_all()
        if signal == SIGNAL_COMPLETE:
            self.done.append(task.id)
            if task.name.endswith("sync_calendar"):
                self.syncs_done.append(task.id)

    def wait_done(self, task_id: str, timeout: float) -> None:
        give_up = time.monotonic() + timeout
        while task_id not in self.done:
            assert time.monotonic() < give_up, f"task {task_id} did not run"
            time.sleep(0.05)


@pytest.fixture
def ticking():
    """The samples' week, the clock running (the worker threads wait on it)."""
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def worker(tmp_path, monkeypatch, settings, ticking):
    settings.EXTERNAL_CALENDAR_TIMEOUT = DEADLINE
    monkeypatch.setattr(HUEY, "immediate", False)
    running = Worker(tmp_path, workers=3)
    monkeypatch.setattr(HUEY, "storage", running.storage)
    HUEY.signal()(running._record)
    for thread in running.threads:
        thread.start()
    yield running
    running.consumer.stop_flag.set()
    for thread in running.threads:
        thread.join(timeout=DEADLINE + 5)
    HUEY.disconnect_signal(running._record)


def wait_for(condition, timeout: float) -> bool:
    give_up = time.monotonic() + timeout
    while time.monotonic() < give_up:
        if condition():
            return True
        time.sleep(0.05)
    return False


def requests_for(server, path: str) -> int:
    return sum(1 for requested, _headers in server.requests if requested == path)


@pytest.mark.postgres
def test_a_hanging_feed_does_not_hold_back_another_practices_feed(server, worker):
    server.hang("/slow.ics")
    server.serve("/ok.ics", as_bytes(GOOGLE))
    hanging = connect(bookable_practice(), f"{server.base}/slow.ics")  # due first
    healthy = connect(bookable_practice(), f"{server.base}/ok.ics")

    sync_due_calendars.call_local()  # the periodic task only enqueues

    assert wait_for(
        lambda: (
            ExternalCalendar.objects.filter(pk=healthy.pk, synced_at__isnull=False).exists()
            and requests_for(server, "/slow.ics") == 1
        ),
        timeout=DEADLINE - 1,
    )
    # The healthy feed is stored while the hanging one is still waiting for its server.
    slow = ExternalCalendar.objects.get(pk=hanging.pk)
    assert slow.checked_at is None and slow.sync_lease_until is not None
    assert requests_for(server, "/slow.ics") == 1
    row = ExternalCalendar.objects.get(pk=healthy.pk)
    assert row.problem == "" and row.busy_count == 5
    assert ExternalBusy.objects.filter(calendar=healthy).count() == 5

    assert wait_for(
        lambda: ExternalCalendar.objects.get(pk=hanging.pk).problem == SyncProblem.TIMEOUT,
        timeout=DEADLINE + 5,
    )
    slow = ExternalCalendar.objects.get(pk=hanging.pk)
    assert slow.checked_at is not None and slow.sync_lease_until is None


@pytest.mark.postgres
def test_a_second_enqueue_of_a_calendar_being_synced_does_nothing(server, worker):
    server.hang("/slow.ics")
    hanging = connect(bookable_practice(), f"{server.base}/slow.ics")
    sync_due_calendars.call_local()
    assert wait_for(lambda: requests_for(server, "/slow.ics") == 1, timeout=DEADLINE - 1)

    again = sync_calendar(hanging.pk)  # as a page asking for fresh times does
    worker.wait_done(again.id, timeout=DEADLINE - 1)
    sync_due_calendars.call_local()  # the next periodic round: not due while it runs

    assert requests_for(server, "/slow.ics") == 1
    assert ExternalCalendar.objects.get(pk=hanging.pk).checked_at is None  # still the first
    assert wait_for(
        lambda: ExternalCalendar.objects.get(pk=hanging.pk).problem == SyncProblem.TIMEOUT,
        timeout=DEADLINE + 5,
    )
    assert requests_for(server, "/slow.ics") == 1


@pytest.mark.postgres
def test_a_worker_syncs_only_so_many_calendars_at_once(server, worker, monkeypatch):
    """The other worker threads stay free for messages and webhooks; the calendar left out is
    still stale, for the next round."""
    monkeypatch.setattr(tasks, "_running_syncs", threading.BoundedSemaphore(1))
    server.hang("/a.ics")
    server.hang("/b.ics")
    calendars = [connect(bookable_practice(), f"{server.base}/{name}.ics") for name in "ab"]

    sync_due_calendars.call_local()
    # One task gave its calendar up; the other one's request reached the server.
    assert wait_for(
        lambda: len(worker.syncs_done) == 1 and len(server.requests) == 1, timeout=DEADLINE - 1
    )

    requested = [requests_for(server, f"/{name}.ics") for name in "ab"]
    assert sorted(requested) == [0, 1]
    left_out = calendars[requested.index(0)]
    assert list(calendars_due(now=timezone.now())) == [left_out]


def test_a_calendar_waiting_in_the_queue_is_not_enqueued_again(monkeypatch, tmp_path, frozen):
    monkeypatch.setattr(HUEY, "immediate", False)
    monkeypatch.setattr(HUEY, "storage", SqliteStorage(name="q", filename=str(tmp_path / "q.db")))
    calendar = connect(bookable_practice(), "https://calendar.example.com/a.ics")

    sync_due_calendars.call_local()
    sync_due_calendars.call_local()  # the next round, the worker still busy elsewhere
    assert HUEY.pending_count() == 1

    later = frozen + timedelta(minutes=settings.EXTERNAL_CALENDAR_SYNC_MINUTES, seconds=1)
    with time_machine.travel(later, tick=False):  # the task has expired, so has the mark
        sync_due_calendars.call_local()
    assert HUEY.pending_count() == 2
    assert list(calendars_due(now=later)) == []
    assert ExternalCalendar.objects.get(pk=calendar.pk).sync_lease_id is None


def test_a_calendar_whose_worker_died_is_synced_again_once_its_lease_runs_out(server, frozen):
    server.serve("/ok.ics", as_bytes(GOOGLE))
    calendar = connect(bookable_practice(), f"{server.base}/ok.ics")
    now = timezone.now()
    ExternalCalendar.objects.filter(pk=calendar.pk).update(
        sync_lease_id=uuid.uuid4(), sync_lease_until=now + timedelta(seconds=30)
    )
    assert list(calendars_due(now=now)) == []
    assert sync_calendar.call_local(calendar.pk) is None
    assert requests_for(server, "/ok.ics") == 0

    later = now + timedelta(seconds=31)
    assert list(calendars_due(now=later)) == [calendar]
    outcome = external_calendar_sync(calendar=calendar, now=later, only_if_stale=True)
    assert outcome.busy_count == 5 and not outcome.skipped
    assert ExternalCalendar.objects.get(pk=calendar.pk).sync_lease_id is None


def test_a_sync_whose_lease_was_taken_over_stores_nothing(server, frozen):
    server.serve("/ok.ics", as_bytes(GOOGLE))
    calendar = connect(bookable_practice(), f"{server.base}/ok.ics")

    def fetch_while_another_worker_takes_over(url, **kwargs):
        fetched = fetch_calendar(url, **kwargs)
        ExternalCalendar.objects.filter(pk=calendar.pk).update(sync_lease_id=uuid.uuid4())
        return fetched

    outcome = external_calendar_sync(
        calendar=calendar, now=timezone.now(), fetch=fetch_while_another_worker_takes_over
    )

    assert outcome.skipped
    assert not ExternalBusy.objects.filter(calendar=calendar).exists()
    assert ExternalCalendar.objects.get(pk=calendar.pk).checked_at is None


@pytest.mark.postgres
def test_a_killed_worker_loses_only_the_sync_it_was_running(server, tmp_path, monkeypatch):
    """A real Huey consumer process syncs two calendars and is killed (SIGKILL) while one feed
    hangs: the other one was stored; the hanging one is left leased, not enqueued again until
    its lease runs out, and synced by the next worker after that."""
    server.hang("/slow.ics")
    server.serve("/ok.ics", as_bytes(GOOGLE))
    hanging = connect(bookable_practice(), f"{server.base}/slow.ics")
    healthy = connect(bookable_practice(), f"{server.base}/ok.ics")
    queue = tmp_path / "queue.db"
    monkeypatch.setattr(HUEY, "immediate", False)
    monkeypatch.setattr(HUEY, "storage", SqliteStorage(name="citas", filename=str(queue)))
    env = os.environ | {
        "DATABASE_URL": database_url(),
        "REDIS_URL": "",
        "HUEY_SQLITE_PATH": str(queue),
        "HUEY_IMMEDIATE": "false",
        "WEBHOOKS_ALLOW_INSECURE_URLS": "true",
        "EXTERNAL_CALENDAR_TIMEOUT": "60",
    }
    consumer = subprocess.Popen(  # noqa: S603 — our own manage.py
        [sys.executable, "manage.py", "run_huey", "--no-periodic", "--workers", "2"],
        env=env,
        cwd=settings.BASE_DIR,
    )
    try:
        sync_due_calendars.call_local()
        assert wait_for(
            lambda: (
                ExternalCalendar.objects.filter(pk=healthy.pk, synced_at__isnull=False).exists()
                and requests_for(server, "/slow.ics") == 1
            ),
            timeout=60,
        )
        consumer.send_signal(signal.SIGKILL)
        consumer.wait(timeout=10)
    finally:
        if consumer.poll() is None:
            consumer.kill()
            consumer.wait(timeout=10)

    left = ExternalCalendar.objects.get(pk=hanging.pk)
    assert left.checked_at is None and left.sync_lease_until is not None
    now = timezone.now()
    assert list(calendars_due(now=now)) == []  # neither: one fresh, one leased
    server.serve("/slow.ics", as_bytes(GOOGLE))  # the server is back
    after_the_lease = left.sync_lease_until + timedelta(seconds=1)
    assert list(calendars_due(now=after_the_lease)) == [left]
    outcome = external_calendar_sync(calendar=left, now=after_the_lease, only_if_stale=True)
    assert not outcome.skipped and outcome.problem == ""
    assert ExternalCalendar.objects.get(pk=hanging.pk).synced_at == after_the_lease
