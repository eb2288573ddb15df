"""The double-booking guard under real concurrency: 20 threads, 20 connections, one slot.

SQLite: the threads must share one database FILE. pytest-django's SQLite test database lives
in memory with a shared cache, whose table locks ignore the busy timeout, so the fixture below
copies it to a temporary file for this module (whatever the test order) and back afterwards.
PostgreSQL needs nothing special: DATABASE_URL=postgres://... runs the same tests.
"""

import sqlite3
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections

from citas.booking.models import Appointment
from citas.booking.services import SlotTaken, appointment_book, appointment_reschedule
from citas.core.factories import AppointmentFactory

pytestmark = [pytest.mark.booking_safety, pytest.mark.django_db(transaction=True)]
MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 11, 30, 8, tzinfo=MADRID)  # a Monday
TUESDAY_TEN = datetime(2026, 12, 1, 10, tzinfo=MADRID)
THREADS = 20


@pytest.fixture(scope="module", autouse=True)
def database_file_for_threads(django_db_setup, django_db_blocker, tmp_path_factory):
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    with django_db_blocker.unblock():
        memory_name = connection.settings_dict["NAME"]
        # Holds the in-memory database open while the Django connection points elsewhere.
        keep_alive = sqlite3.connect(memory_name, uri=True)
        path = tmp_path_factory.mktemp("booking_safety") / "test.sqlite3"
        with sqlite3.connect(path) as copy:
            keep_alive.backup(copy)
        connection.settings_dict["NAME"] = str(path)  # shared with every thread's connection
        connection.close()
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict["NAME"] = memory_name
            connection.ensure_connection()
            keep_alive.close()


def race(action) -> list:
    """Run action(i) in THREADS threads released at once; each result or SlotTaken."""
    barrier = threading.Barrier(THREADS)
    results: list = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        try:
            barrier.wait()
            outcome = action(i)
        except SlotTaken as taken:
            outcome = taken
        except Exception as error:  # noqa: BLE001 — reported by the assertions below
            outcome = error
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == THREADS
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, SlotTaken)]
    assert unexpected == []
    return results


def taken(results) -> int:
    return sum(isinstance(r, SlotTaken) for r in results)


def test_twenty_clients_booking_the_same_slot_get_one_appointment(s):
    def book(i):
        return appointment_book(
            practice=s.practice,
            professional=s.professional,
            service=s.service,
            client=s.client,
            start=TUESDAY_TEN,
            by_client=True,
            now=NOW,
        )

    results = race(book)

    assert taken(results) == THREADS - 1
    assert Appointment.objects.count() == 1


def test_twenty_clients_booking_overlapping_slots_get_one_appointment(s):
    def book(i):
        return appointment_book(
            practice=s.practice,
            professional=s.professional,
            service=s.service,
            client=s.client,
            start=TUESDAY_TEN + timedelta(minutes=15 * (i % 2)),
            by_client=True,
            now=NOW,
        )

    results = race(book)

    assert taken(results) == THREADS - 1
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize("target_is_taken", [False, True], ids=["free slot", "taken slot"])
def test_twenty_reschedules_onto_one_slot_move_at_most_one_appointment(s, target_is_taken):
    weekdays = [
        NOW + timedelta(days=d) for d in range(2, 40) if (NOW + timedelta(days=d)).weekday() < 5
    ]
    appointments = [
        AppointmentFactory(
            professional=s.professional,
            service=s.service,
            client=s.client,
            start=day.replace(hour=9),
        )
        for day in weekdays[:THREADS]
    ]
    if target_is_taken:
        AppointmentFactory(professional=s.professional, service=s.service, start=TUESDAY_TEN)

    def reschedule(i):
        return appointment_reschedule(
            appointment=appointments[i], start=TUESDAY_TEN, by_client=True, now=NOW
        )

    results = race(reschedule)

    assert taken(results) == THREADS if target_is_taken else THREADS - 1
    on_target = Appointment.objects.filter(start=TUESDAY_TEN).count()
    assert on_target == 1
