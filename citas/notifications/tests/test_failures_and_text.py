"""Failed notifications reach a person; reminders never go out late; plain text is plain;
webhooks go to the address that was checked, within their deadline."""

import socket
import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from citas.core.factories import ClientFactory, MembershipFactory
from citas.notifications.delivery import notifications_send_due
from citas.notifications.failures import failures_digest_schedule
from citas.notifications.models import Notification, NotificationKind
from citas.notifications.selectors import failed_notification_count
from citas.notifications.services import on_appointment_event
from citas.practices.models import Role

from .conftest import NOW
from .receiver import WebhookEndpointFactory

pytestmark = pytest.mark.django_db
K = NotificationKind


@pytest.fixture
def hook_on(practice, settings, request):
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = True

    def make(url):
        endpoint = WebhookEndpointFactory(practice=practice, url=url, events=["created"])
        if "receiver" in request.fixturenames:
            request.getfixturevalue("receiver").secret = endpoint.secret
        return endpoint

    return make


# --- failures reach a person -------------------------------------------------------------------


def test_managers_see_the_failed_count_in_the_nav_and_the_log(owner_client, failed_two):
    practice = failed_two[0].practice

    page = owner_client.get(reverse("notifications:log")).content.decode()

    assert failed_notification_count(practice) == 2
    assert "2 notificaciones no se han podido enviar" in page
    assert "Reenviar todas las fallidas" in page
    assert "2 fallidas" in page  # the nav


def test_resend_all_failed_makes_one_fresh_copy_each_and_clears_the_alert(
    owner_client, failed_two, mailoutbox
):
    practice = failed_two[0].practice

    response = owner_client.post(reverse("notifications:resend_failed"))
    owner_client.post(reverse("notifications:resend_failed"))  # a double click adds nothing

    assert response.status_code == 302
    assert failed_notification_count(practice) == 0
    copies = Notification.objects.filter(status="pending", payload__resent_from__isnull=False)
    assert sorted(c.payload["resent_from"] for c in copies) == sorted(n.pk for n in failed_two)
    assert Notification.objects.filter(status="failed").count() == 2  # history stays


def test_resend_all_failed_only_touches_the_managers_own_practice(client, failed_two):
    other = MembershipFactory(role=Role.OWNER)
    client.force_login(other.user)

    client.post(reverse("notifications:resend_failed"))

    assert failed_notification_count(failed_two[0].practice) == 2


def test_a_professional_cannot_resend_all_failed(client, failed_two, professional):
    client.force_login(professional.membership.user)

    response = client.post(reverse("notifications:resend_failed"))

    assert response.status_code == 404
    assert failed_notification_count(failed_two[0].practice) == 2


def test_the_practice_gets_one_failures_email_a_day_while_failures_wait(failed_two, mailoutbox):
    morning = NOW.replace(hour=8, minute=30)
    failures_digest_schedule(now=NOW.replace(hour=7))  # before 08:00: not yet
    assert not Notification.objects.filter(kind=K.FAILURES_DIGEST).exists()

    for minute in (0, 1, 2):
        failures_digest_schedule(now=morning + timedelta(minutes=minute))
    notifications_send_due(now=morning + timedelta(minutes=3), worker_id="w1")
    failures_digest_schedule(now=morning + timedelta(days=1))

    digests = Notification.objects.filter(kind=K.FAILURES_DIGEST).order_by("due_at")
    assert [d.recipient for d in digests] == ["recepcion@fisio.test"] * 2
    (message,) = [m for m in mailoutbox if "no se han podido enviar" in m.subject]
    assert message.subject == "Fisio Centro: no se han podido enviar 2 notificaciones"
    assert "/app/notificaciones/?status=failed" in message.body


def test_no_failures_email_once_everything_was_resent(failed_two, owner):
    from citas.notifications.failures import notifications_resend_failed

    notifications_resend_failed(practice=failed_two[0].practice, by=owner.user)

    failures_digest_schedule(now=NOW.replace(hour=9))

    assert not Notification.objects.filter(kind=K.FAILURES_DIGEST).exists()


# --- reminders are checked when they are sent --------------------------------------------------


def test_a_reminder_whose_appointment_has_started_is_not_sent_even_if_still_pending(
    make_appointment, mailoutbox
):
    with time_machine.travel(NOW, tick=False):
        appointment = make_appointment(status="confirmed")
        on_appointment_event(appointment=appointment, kind="created", by_client=False)
    notifications_send_due(now=NOW, worker_id="w1")
    mailoutbox.clear()

    # The worker was down: it comes back ten minutes after the appointment began.
    notifications_send_due(now=appointment.start + timedelta(minutes=10), worker_id="w1")

    assert mailoutbox == []
    reminders = Notification.objects.filter(kind=K.REMINDER)
    assert {(r.status, r.last_error) for r in reminders} == {
        ("cancelled", "appointment already started")
    }


# --- plain text is not HTML --------------------------------------------------------------------


def test_plain_text_and_subject_are_not_html_escaped_but_the_html_part_is(
    practice, make_appointment, mailoutbox
):
    client = ClientFactory(practice=practice, full_name="O'Brien <x>", email="ob@example.com")
    practice.name = "Fisio O'Brien <x>"
    practice.save()
    with time_machine.travel(NOW, tick=False):
        appointment = make_appointment(client=client, status="confirmed")
        on_appointment_event(appointment=appointment, kind="created", by_client=True)
    notifications_send_due(now=NOW, worker_id="w1")

    to_practice = next(m for m in mailoutbox if m.to == ["recepcion@fisio.test"])
    assert "O'Brien <x>" in to_practice.body
    assert "&#x27;" not in to_practice.body and "&lt;" not in to_practice.body
    assert "O&#x27;Brien &lt;x&gt;" in to_practice.alternatives[0][0]
    to_client = next(m for m in mailoutbox if m.to == ["ob@example.com"])
    assert "Fisio O'Brien <x>" in to_client.body
    assert "&" not in to_client.subject


# --- webhooks: the checked address, an overall deadline, a generic error -----------------------


def test_the_webhook_connects_to_the_address_that_was_checked_not_a_second_lookup(
    hook_on, receiver, make_appointment, monkeypatch
):
    """DNS rebinding: the first answer is checked, the second would point elsewhere."""
    real = socket.getaddrinfo
    answers = []

    def rebinding(host, port, *args, **kwargs):
        if host != "hooks.example.com":
            return real(host, port, *args, **kwargs)
        address = "127.0.0.1" if not answers else "203.0.113.9"
        answers.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    port = receiver.url.split(":")[2].split("/")[0]
    hook_on(f"http://hooks.example.com:{port}/hooks/")
    with time_machine.travel(NOW, tick=False):
        on_appointment_event(
            appointment=make_appointment(status="confirmed"), kind="created", by_client=False
        )
        notifications_send_due(now=NOW, worker_id="w1")

    assert answers == ["127.0.0.1"]
    (received,) = receiver.received
    assert received.headers["Host"] == f"hooks.example.com:{port}"
    assert Notification.objects.get(channel="webhook").status == "sent"


def test_a_private_address_is_refused_with_a_generic_error(
    hook_on, receiver, make_appointment, settings
):
    hook_on(receiver.url)
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = False  # production: 127.0.0.1 is private
    with time_machine.travel(NOW, tick=False):
        on_appointment_event(
            appointment=make_appointment(status="confirmed"), kind="created", by_client=False
        )
        notifications_send_due(now=NOW, worker_id="w1")

    row = Notification.objects.get(channel="webhook")
    assert (row.status, row.last_error) == ("failed", "destination not allowed")
    assert receiver.received == []


@pytest.fixture
def dripping_server():
    """Answers a status line, then one header byte every 0.2 s, for ever."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()

    def serve():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            while not stop.is_set():
                try:
                    conn.sendall(b"X")
                except OSError:
                    break
                time.sleep(0.2)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/hooks/"
    stop.set()
    thread.join(timeout=5)
    server.close()


def test_a_webhook_that_drips_its_headers_is_cut_off_at_the_overall_deadline(
    hook_on, dripping_server, make_appointment, settings
):
    settings.WEBHOOKS_DEADLINE = 1
    hook_on(dripping_server)
    with time_machine.travel(NOW, tick=False):
        on_appointment_event(
            appointment=make_appointment(status="confirmed"), kind="created", by_client=False
        )
    started = time.monotonic()
    notifications_send_due(now=NOW, worker_id="w1")

    assert time.monotonic() - started < 10  # each byte came within the socket timeout
    row = Notification.objects.get(channel="webhook")
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error in ("timed out", "connection failed")
