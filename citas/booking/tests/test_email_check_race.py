"""A client confirms their email at the instant the release job releases the lapsed hold, on
real concurrent PostgreSQL connections (the client's request and the job in two threads).
Exactly one wins: confirmed and kept (the job releases nothing), or released (the link says
the time ran out); never both, never a 500.

The client's clock reads a moment before the deadline, the job's a moment after it (two
machines, or one request that began just in time): each alone would win. PostgreSQL only,
because that is where the two transactions truly overlap; SQLite's BEGIN IMMEDIATE runs them
one after the other."""

import random
import threading
import time
from datetime import timedelta
from functools import partial

import pytest
from django.db import connection, connections, transaction
from django.test import Client as WebClient
from django.urls import reverse
from django.utils import timezone

from citas.booking.email_check import email_check_token
from citas.booking.models import Appointment, AppointmentEvent
from citas.booking.services import appointment_book, appointments_release_unverified
from citas.core.factories import ClientFactory
from citas.scheduling.selectors import policy_for

from .helpers import Setup, bookable_practice
from .test_concurrency import NOW, TUESDAY_TEN

pytestmark = [
    pytest.mark.booking_safety,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]
ROUNDS = 12
LAPSED = "El tiempo para confirmar esta reserva se ha agotado"


@pytest.fixture
def checked() -> Setup:
    s = bookable_practice()
    policy = policy_for(s.practice)
    policy.email_check_required = True
    policy.save()
    return s


def hold(s: Setup, n: int) -> tuple[Appointment, object]:
    """A booking held for the client's email, whose time to confirm ends two seconds from the
    real clock (the page reads the real clock); that deadline."""
    appointment = appointment_book(
        practice=s.practice,
        professional=s.professional,
        service=s.service,
        client=ClientFactory(practice=s.practice, email=f"cliente{n}@example.com"),
        start=TUESDAY_TEN + timedelta(days=n // 4, minutes=30 * (n % 4)),
        by_client=True,
        now=NOW,
        email_check=True,
    )
    deadline = timezone.now() + timedelta(seconds=2)
    Appointment.objects.filter(pk=appointment.pk).update(unverified_until=deadline)
    return appointment, deadline


def link(appointment: Appointment) -> str:
    return reverse(
        "public_booking:email_check",
        args=[appointment.practice.slug, email_check_token(appointment)],
    )


def confirm(appointment: Appointment, pids: list):
    """The client presses "confirm" on the link's page: the response."""
    pids.append(backend_pid())
    return WebClient().post(link(appointment), HTTP_ACCEPT_LANGUAGE="es")


def release(deadline, pids: list):
    """The periodic job, on a worker whose clock already passed the deadline: released ids."""
    pids.append(backend_pid())
    return appointments_release_unverified(now=deadline + timedelta(milliseconds=1))


def backend_pid() -> int:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def run(target, *args) -> tuple[threading.Thread, dict]:
    """`target(*args)` in a thread with its own connection; its result or exception."""
    outcome: dict = {}

    def work() -> None:
        try:
            outcome["result"] = target(*args)
        except Exception as error:  # noqa: BLE001 — reported by the assertions
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=work)
    thread.start()
    return thread, outcome


def waiting_for_locks(pids: list) -> int:
    """How many of these backends wait for a lock right now."""
    if not pids:
        return 0
    with connection.cursor() as cursor:
        # Inside a transaction PostgreSQL keeps showing its first look at the activity.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE pid = ANY(%s) AND wait_event_type = 'Lock'",
            [list(pids)],
        )
        return cursor.fetchone()[0]


def wait_for(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the transactions never met on the lock")
        time.sleep(0.01)


def assert_one_outcome(appointment: Appointment, page, released: list) -> str:
    """Exactly one of the two happened, and each side says so; which one."""
    current = Appointment.objects.get(pk=appointment.pk)
    kinds = list(
        AppointmentEvent.objects.filter(appointment=appointment)
        .exclude(kind="created")
        .values_list("kind", flat=True)
    )
    if page.status_code == 302:  # confirmed and kept
        assert page["Location"].endswith(f"/{appointment.token}/")
        assert (current.status, current.unverified_until) == ("confirmed", None)
        assert released == []
        assert kinds == ["email_confirmed"]
        return "confirmed"
    assert page.status_code == 409, page.status_code
    assert LAPSED in page.content.decode()
    assert current.status == "cancelled"
    assert released == [appointment.pk]
    assert kinds == ["cancelled"]
    # Following the link again still says the time ran out (and still no 500).
    again = WebClient().get(link(appointment), HTTP_ACCEPT_LANGUAGE="es")
    assert again.status_code == 409 and LAPSED in again.content.decode()
    return "released"


def test_a_confirm_and_the_release_job_at_the_same_instant_end_with_one_outcome(checked):
    outcomes = []
    for n in range(ROUNDS):
        appointment, deadline = hold(checked, n)
        barrier = threading.Barrier(2)
        pids: list = []

        def at_once(action, *args, barrier=barrier, lag=0.0):
            barrier.wait()
            time.sleep(lag)
            return action(*args)

        # The job's path to the row is shorter than a request's: a varying head start for
        # the request lets either side get there first.
        lag = random.uniform(0, 0.06)  # noqa: S311 — a test's jitter, not a secret
        client_thread, page = run(at_once, confirm, appointment, pids)
        job_thread, job = run(partial(at_once, lag=lag), release, deadline, pids)
        client_thread.join(timeout=60)
        job_thread.join(timeout=60)

        assert "error" not in page and "error" not in job, (page, job)
        outcomes.append(assert_one_outcome(appointment, page["result"], job["result"]))
    assert len(outcomes) == ROUNDS


@pytest.mark.parametrize("first", ["confirm", "release"])
def test_whichever_reaches_the_held_booking_first_wins_and_the_other_gives_way(checked, first):
    """Both transactions are in flight at once, queued on the booking's row in a known order:
    a third connection holds the row until both wait for it."""
    appointment, deadline = hold(checked, 0)
    pids: list = []
    with transaction.atomic():
        Appointment.objects.select_for_update().get(pk=appointment.pk)
        steps = [(confirm, appointment, pids), (release, deadline, pids)]
        if first == "release":
            steps.reverse()
        threads = []
        for waiting, (action, *args) in enumerate(steps, start=1):
            threads.append(run(action, *args))
            wait_for(lambda waiting=waiting: waiting_for_locks(pids) == waiting)
    # The row is free: the first in the queue goes, then the second sees what it did.
    for thread, _outcome in threads:
        thread.join(timeout=60)

    outcomes = {
        action.__name__: outcome for (action, *_), (_, outcome) in zip(steps, threads, strict=True)
    }
    assert all("error" not in outcome for outcome in outcomes.values()), outcomes
    result = assert_one_outcome(
        appointment, outcomes["confirm"]["result"], outcomes["release"]["result"]
    )
    assert result == ("confirmed" if first == "confirm" else "released")
