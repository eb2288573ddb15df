"""The lease protocol against real failures: an SMTP server on loopback that delays, stalls,
drops or refuses, and real sender processes killed with SIGKILL (PostgreSQL for those)."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from citas.notifications import delivery
from citas.notifications.delivery import MESSAGE_CHANNELS, notifications_send_due
from citas.notifications.models import (
    AttemptOutcome,
    DeliveryAttempt,
    Notification,
)

from .processes import kill_and_take_over, queue, start_worker, stop, wait_until_all_sent
from .smtp_sink import Sink


@pytest.fixture
def sink():
    with Sink() as running:
        yield running


@pytest.fixture
def smtp_to(settings):
    def point(sink, **deadlines):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        for name, value in deadlines.items():
            setattr(settings, name, value)

    return point


# --- one sender, in this process: deadlines and errors -----------------------------------------


@pytest.mark.django_db
def test_a_server_that_never_answers_is_cut_off_at_the_send_deadline_and_retried(
    sink, smtp_to, make_appointment
):
    # The socket timeout alone would wait 30 s; the overall deadline ends the try at 1 s.
    smtp_to(sink, EMAIL_TIMEOUT=30, NOTIFICATIONS_SEND_DEADLINE=1)
    sink.handler.stall = True
    (pk,) = queue(make_appointment(start=timezone.now() + timedelta(days=2)), 1)

    started = time.monotonic()
    report = notifications_send_due(batch=10, worker_id="w1", channels=MESSAGE_CHANNELS)

    assert time.monotonic() - started < 30  # not held until the socket timeout
    assert report.retried == 1
    row = Notification.objects.get(pk=pk)
    assert (row.status, row.attempts) == ("pending", 1)
    (attempt,) = DeliveryAttempt.objects.filter(notification=row)
    assert attempt.outcome == AttemptOutcome.RETRY
    assert attempt.error


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fault", "status", "outcome"),
    [
        ({"refuse": "550 5.1.1 no such user"}, "failed", AttemptOutcome.FAILED),
        ({"refuse": "451 4.3.0 try again later"}, "pending", AttemptOutcome.RETRY),
        ({"drop": True}, "pending", AttemptOutcome.RETRY),
    ],
)
def test_a_refusing_or_dropping_server_is_logged_as_it_happened(
    sink, smtp_to, make_appointment, fault, status, outcome
):
    smtp_to(sink, NOTIFICATIONS_SEND_DEADLINE=5)
    for name, value in fault.items():
        setattr(sink.handler, name, value)
    (pk,) = queue(make_appointment(start=timezone.now() + timedelta(days=2)), 1)

    notifications_send_due(batch=10, worker_id="w1", channels=MESSAGE_CHANNELS)

    row = Notification.objects.get(pk=pk)
    assert row.status == status
    assert [a.outcome for a in row.delivery_attempts.all()] == [outcome]
    assert sink.handler.counts() == {}


@pytest.mark.django_db
def test_each_notification_carries_one_stable_message_id(sink, smtp_to, make_appointment):
    smtp_to(sink)
    pks = queue(make_appointment(start=timezone.now() + timedelta(days=2)), 3)

    notifications_send_due(batch=10, worker_id="w1", channels=MESSAGE_CHANNELS)

    expected = {Notification.objects.get(pk=pk).message_id for pk in pks}
    assert set(sink.handler.counts()) == expected
    assert len(expected) == 3


@pytest.mark.django_db
def test_a_render_that_outlasts_the_lease_is_not_followed_by_a_send_of_a_row_taken_over(
    sink, smtp_to, make_appointment, monkeypatch
):
    """The lease is renewed before rendering; a render that eats into the margin (a process's
    first, which imports and compiles) must not be followed by a send on a lease run out."""
    smtp_to(sink, NOTIFICATIONS_SEND_DEADLINE=1, WEBHOOKS_DEADLINE=1, NOTIFICATIONS_LEASE_MARGIN=1)
    (pk,) = queue(make_appointment(start=timezone.now() + timedelta(days=2)), 1)
    render, renders = delivery.render_notification, []

    def slow_first_render(notification):
        renders.append(notification.pk)
        if len(renders) == 1:
            time.sleep(2.2)  # past the 2 s lease: another worker takes the row and sends it
            taken_over = notifications_send_due(worker_id="other", channels=MESSAGE_CHANNELS)
            assert taken_over.sent == 1
        return render(notification)

    monkeypatch.setattr(delivery, "render_notification", slow_first_render)
    report = notifications_send_due(worker_id="slow", channels=MESSAGE_CHANNELS)

    assert report.lease_lost == 1
    assert list(sink.handler.counts().values()) == [1]
    row = Notification.objects.get(pk=pk)
    assert (row.status, row.attempts) == ("sent", 2)
    assert sorted(row.delivery_attempts.values_list("worker", "outcome")) == [
        ("other", AttemptOutcome.SENT),
        ("slow", AttemptOutcome.INTERRUPTED),
    ]


# --- real sender processes, SIGKILL and competing leases (PostgreSQL) --------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_whose_batches_outlast_a_lease_send_every_message_exactly_once(
    sink, make_appointment
):
    """The old protocol sent 5 of 6 twice here: a batch takes ~8 s, a lease lasts 3 s."""
    total = 8
    sink.handler.rcpt_delay = 1.0
    queue(make_appointment(start=timezone.now() + timedelta(days=2)), total)
    workers = [start_worker(name, sink, batch=total, deadline=2, margin=1) for name in ("a", "b")]
    try:
        wait_until_all_sent(total, timeout=60)
    finally:
        stop(*workers)

    counts = sink.handler.counts()
    assert len(counts) == total
    assert max(counts.values()) == 1
    attempts = DeliveryAttempt.objects.all()
    assert sorted(a.outcome for a in attempts) == [AttemptOutcome.SENT] * total


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_before_the_hand_off_loses_nothing_and_duplicates_nothing(
    sink, make_appointment
):
    total = 12
    sink.handler.rcpt_delay = 0.5
    queue(make_appointment(start=timezone.now() + timedelta(days=2)), total)
    # Killed inside the RCPT delay of the 4th message: before the hand-off.
    kill_and_take_over(sink, total, after_messages=3, pause=0.25)

    counts = sink.handler.counts()
    assert len(counts) == total
    assert max(counts.values()) == 1
    outcomes = list(DeliveryAttempt.objects.values_list("outcome", flat=True))
    assert outcomes.count(AttemptOutcome.SENT) == total
    assert outcomes.count(AttemptOutcome.INTERRUPTED) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_inside_the_hand_off_repeats_at_most_that_message_with_its_id(
    sink, make_appointment
):
    """The one case of the failure table that can duplicate: the server has the message and
    the worker dies before hearing so. The copy carries the same Message-ID; the log says
    "interrupted"; nothing is lost."""
    total = 6
    sink.handler.data_delay = 1.0
    queue(make_appointment(start=timezone.now() + timedelta(days=2)), total)
    # Killed while the server holds the 2nd message, unacknowledged.
    kill_and_take_over(sink, total, after_messages=2, pause=0)

    counts = sink.handler.counts()
    assert len(counts) == total
    assert sorted(counts.values(), reverse=True)[:2] == [2, 1]
    interrupted = DeliveryAttempt.objects.get(outcome=AttemptOutcome.INTERRUPTED)
    assert counts[interrupted.notification.message_id] == 2
