"""A real PostgreSQL deadlock in the middle of a booking is retried, not reported as a 500."""

import threading
import time

import pytest
from django.db import connection, connections

from citas.booking.models import Appointment
from citas.booking.services import appointment_book

from .helpers import bookable_practice
from .test_concurrency import NOW, TUESDAY_TEN

pytestmark = [
    pytest.mark.booking_safety,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def wait_until_blocked(pid_holder: list, timeout: float = 10) -> None:
    """Until the booking thread's backend waits for a lock."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            if pid_holder:
                cursor.execute(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid_holder[0]]
                )
                row = cursor.fetchone()
                if row and row[0] == "Lock":
                    return
            time.sleep(0.02)
    raise AssertionError("the booking never waited for the lock")


def test_a_booking_chosen_as_deadlock_victim_is_retried_and_succeeds():
    s = bookable_practice()
    outcome: list = []
    booking_pid: list = []

    def book() -> None:
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                booking_pid.append(cursor.fetchone()[0])
            outcome.append(
                appointment_book(
                    practice=s.practice,
                    professional=s.professional,
                    service=s.service,
                    client=s.client,
                    start=TUESDAY_TEN,
                    by_client=False,
                    now=NOW,
                )
            )
        except Exception as error:  # noqa: BLE001 — reported by the assertion below
            outcome.append(error)
        finally:
            connections.close_all()

    # Another transaction holds the client row: the booking's INSERT (its foreign key) waits.
    other = connection.connection.cursor()
    other.execute("BEGIN")
    other.execute("SET LOCAL deadlock_timeout = '10s'")  # the booking detects the cycle first
    other.execute("SELECT id FROM booking_client WHERE id = %s FOR UPDATE", [s.client.pk])
    thread = threading.Thread(target=book)
    thread.start()
    wait_until_blocked(booking_pid)
    # Now it wants the professional the booking holds: a cycle, and the booking is aborted.
    other.execute(
        "SELECT id FROM practices_professional WHERE id = %s FOR UPDATE", [s.professional.pk]
    )
    other.execute("COMMIT")
    thread.join(timeout=30)

    assert len(outcome) == 1 and isinstance(outcome[0], Appointment), outcome
    assert Appointment.objects.get().start == TUESDAY_TEN
