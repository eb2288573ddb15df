"""PostgreSQL behind a loopback proxy that the test makes stall: the connection stays open and
nothing goes through (a network dropping packets, a frozen client). A session that goes silent
inside a transaction must not keep its locks for ever: the professional it was booking stays
bookable, and the notifications it had claimed are sent by another worker. Connecting through
a stalled network gives up instead of waiting for ever.

The app asks the server to end sessions left idle in a transaction
(DB_IDLE_IN_TRANSACTION_TIMEOUT, 60 s); these tests shorten it to two seconds."""

import re
import threading
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from citas.booking.models import Appointment
from citas.booking.services import appointment_book
from citas.core.factories import ClientFactory
from citas.core.tests.tcp_proxy import TcpProxy
from citas.notifications.delivery import notifications_send_due
from citas.notifications.models import Notification, NotificationStatus

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

IDLE_LIMIT = "2s"
WAIT = 20  # seconds: far beyond the shortened limit, far below "for ever"


def app_connection_parameters() -> dict:
    """What the app connects with (settings' OPTIONS included), as psycopg takes it."""
    parameters = connection.get_connection_params()
    return {key: value for key, value in parameters.items() if isinstance(value, str | int)}


def proxy_in_front(parameters) -> TcpProxy:
    return TcpProxy(parameters.get("host") or "127.0.0.1", int(parameters.get("port") or 5432))


@pytest.fixture
def silent_session():
    """Opens a session as the app would, through a proxy, and returns (session, proxy)."""
    parameters = app_connection_parameters()
    assert "idle_in_transaction_session_timeout=" in parameters.get("options", "")
    parameters["options"] = re.sub(
        r"idle_in_transaction_session_timeout=\S+",
        f"idle_in_transaction_session_timeout={IDLE_LIMIT}",
        parameters["options"],
    )
    with proxy_in_front(parameters) as proxy:
        session = psycopg.connect(**{**parameters, "host": "127.0.0.1", "port": proxy.port})
        try:
            yield session, proxy
        finally:
            proxy.restore()
            session.close()


def in_thread(work):
    """Runs `work` in a thread with its own database connection; returns (thread, outcome)."""
    outcome = {}

    def run():
        try:
            outcome["value"] = work()
        except Exception as error:  # noqa: BLE001 — reported to the test
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def next_weekday_ten(s) -> datetime:
    local = timezone.now().astimezone(ZoneInfo(s.practice.timezone)).date() + timedelta(days=3)
    while local.weekday() >= 5:
        local += timedelta(days=1)
    return datetime.combine(local, time(10), tzinfo=ZoneInfo(s.practice.timezone))


def test_a_booking_session_gone_silent_does_not_lock_the_professional(s, silent_session):
    session, proxy = silent_session
    # Mid-booking: the professional's row lock taken (booking.locking), then silence.
    session.execute(
        "SELECT 1 FROM practices_professional WHERE id = %s FOR NO KEY UPDATE",
        [s.professional.pk],
    )
    proxy.stall()
    start = next_weekday_ten(s)
    client = ClientFactory(practice=s.practice)

    thread, outcome = in_thread(
        lambda: appointment_book(
            practice=s.practice,
            professional=s.professional,
            service=s.service,
            client=client,
            start=start,
            by_client=True,
        )
    )
    thread.join(WAIT)

    assert not thread.is_alive(), "the booking still waits for the silent session's lock"
    assert "error" not in outcome, outcome.get("error")
    assert Appointment.objects.filter(professional=s.professional, start=start).count() == 1
    proxy.restore()
    with pytest.raises(psycopg.Error, match="idle-in-transaction"):  # the server ended it
        session.execute("UPDATE practices_professional SET name = 'late' WHERE id = %s", [1])


def test_notifications_claimed_by_a_silent_worker_are_sent_by_another(s, silent_session, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    session, proxy = silent_session
    start = next_weekday_ten(s)
    appointment_book(
        practice=s.practice,
        professional=s.professional,
        service=s.service,
        client=ClientFactory(practice=s.practice, email="ana@example.com"),
        start=start,
        by_client=False,
    )
    due = list(
        Notification.objects.filter(
            status=NotificationStatus.PENDING, channel="email", due_at__lte=timezone.now()
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert due
    # A worker's claim, as notifications_claim takes it, then silence before its UPDATE.
    session.execute(
        "SELECT id FROM notifications_notification WHERE id = ANY(%s) FOR UPDATE SKIP LOCKED",
        [due],
    )
    proxy.stall()

    def send_until_done():
        deadline = timezone.now() + timedelta(seconds=WAIT)
        while timezone.now() < deadline:
            notifications_send_due(now=timezone.now(), batch=50, worker_id="other")
            if not Notification.objects.filter(pk__in=due).exclude(status="sent").exists():
                return True
            threading.Event().wait(0.5)
        return False

    assert send_until_done(), "the silent worker's rows were never sent"
    assert len(mail.outbox) == len(due)  # each once


def test_connecting_through_a_stalled_network_gives_up():
    parameters = app_connection_parameters()
    assert parameters.get("connect_timeout")
    with proxy_in_front(parameters) as proxy:
        proxy.stall()
        thread, outcome = in_thread(
            lambda: psycopg.connect(
                **{**parameters, "host": "127.0.0.1", "port": proxy.port, "connect_timeout": 2}
            )
        )
        thread.join(WAIT)
        proxy.restore()
    assert not thread.is_alive(), "connecting still waits"
    assert isinstance(outcome.get("error"), psycopg.OperationalError)
