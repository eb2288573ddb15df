from datetime import timedelta

import pytest
import time_machine

from citas.notifications import delivery
from citas.notifications.channels import Channels
from citas.notifications.delivery import (
    notification_send,
    notifications_claim,
    notifications_send_due,
)
from citas.notifications.models import Notification, NotificationKind
from citas.notifications.services import on_appointment_event, reminders_unsubscribe

from .backends import FlakySMTPBackend
from .conftest import NOW

pytestmark = pytest.mark.django_db
K = NotificationKind


@pytest.fixture
def booked(make_appointment):
    with time_machine.travel(NOW, tick=False):
        appointment = make_appointment()
        on_appointment_event(appointment=appointment, kind="created", by_client=False)
    return appointment


def test_the_confirmation_goes_out_in_spanish_from_the_practice_with_its_calendar_file(
    booked, mailoutbox
):
    report = notifications_send_due(now=NOW, worker_id="w1")

    assert report.sent == 1
    (message,) = mailoutbox
    assert message.to == ["marta@example.com"]
    assert message.from_email == "Fisio Centro <citas@localhost>"
    assert message.subject == "Cita confirmada: Fisioterapia, lunes, 30 de noviembre de 2026, 10:00"
    assert "lunes, 30 de noviembre de 2026, 10:00" in message.body
    assert f"http://testserver/cita/{booked.token}/" in message.body
    assert f"http://testserver/cita/{booked.token}/calendario.ics" in message.body
    assert "Calle Mayor 1, Madrid" in message.alternatives[0][0]
    name, content, mimetype = message.attachments[0]
    assert (name, mimetype) == ("cita.ics", "text/calendar; method=REQUEST")
    assert "METHOD:REQUEST" in content
    sent = Notification.objects.get(kind=K.CONFIRMED)
    assert (sent.status, sent.sent_at, sent.attempts) == ("sent", NOW, 1)


def test_an_english_client_reads_the_date_the_english_way(booked, mailoutbox):
    Notification.objects.update(language="en")

    notifications_send_due(now=NOW, worker_id="w1")

    assert "Monday, 30 November 2026, 10:00" in mailoutbox[0].body


def test_reminders_wait_for_their_time_and_carry_an_unsubscribe_link(booked, mailoutbox):
    notifications_send_due(now=NOW, worker_id="w1")
    notifications_send_due(now=booked.start - timedelta(hours=25), worker_id="w1")
    assert len(mailoutbox) == 1

    notifications_send_due(now=booked.start - timedelta(hours=24), worker_id="w1")

    reminder = mailoutbox[1]
    assert reminder.subject.startswith("Recordatorio: Fisioterapia")
    assert f"/cita/{booked.token}/recordatorios/baja/" in reminder.body


def test_a_reminder_already_claimed_when_the_client_unsubscribed_is_not_sent(booked, mailoutbox):
    notifications_send_due(now=NOW, worker_id="w1")
    claimed = notifications_claim(now=booked.start, batch=100, worker_id="w1")
    reminders_unsubscribe(client=booked.client)

    for notification in claimed:
        notification_send(notification, now=booked.start, worker_id="w1", channels=Channels())

    assert len(mailoutbox) == 1
    assert set(Notification.objects.filter(kind=K.REMINDER).values_list("status", flat=True)) == {
        "cancelled"
    }


def test_a_failing_mail_server_means_retries_with_backoff_then_failed_and_a_later_resend_works(
    booked, settings
):
    settings.EMAIL_BACKEND = "citas.notifications.tests.backends.FlakySMTPBackend"
    FlakySMTPBackend.down, FlakySMTPBackend.sent = True, []
    status_before = booked.status
    now = NOW
    waits = []
    for _attempt in range(5):
        notifications_send_due(now=now, worker_id="w1")
        row = Notification.objects.get(kind=K.CONFIRMED)
        if row.status == "pending":
            waits.append(row.due_at - now)
            now = row.due_at

    row = Notification.objects.get(kind=K.CONFIRMED)
    assert waits == [timedelta(minutes=m) for m in (1, 5, 25, 125)]
    assert (row.status, row.attempts) == ("failed", 5)
    assert "SMTPServerDisconnected" in row.last_error
    booked.refresh_from_db()
    assert booked.status == status_before

    FlakySMTPBackend.down = False
    Notification.objects.filter(pk=row.pk).update(status="pending", attempts=0)
    notifications_send_due(now=now, worker_id="w1")
    notifications_send_due(now=now + timedelta(minutes=1), worker_id="w1")
    assert [m.to for m in FlakySMTPBackend.sent] == [["marta@example.com"]]


def test_a_mail_server_that_comes_back_gets_the_message_once(booked, settings):
    settings.EMAIL_BACKEND = "citas.notifications.tests.backends.FlakySMTPBackend"
    FlakySMTPBackend.down, FlakySMTPBackend.sent = True, []
    notifications_send_due(now=NOW, worker_id="w1")
    FlakySMTPBackend.down = False

    for minutes in (0, 1, 2, 10):
        notifications_send_due(now=NOW + timedelta(minutes=minutes), worker_id="w1")

    assert len(FlakySMTPBackend.sent) == 1
    assert Notification.objects.get(kind=K.CONFIRMED).status == "sent"


def test_an_invalid_address_fails_at_once_with_a_clear_error_and_the_batch_goes_on(
    booked, mailoutbox
):
    Notification.objects.create(
        practice=booked.practice,
        appointment=booked,
        kind=K.CANCELLED,
        recipient="not-an-address",
        due_at=NOW - timedelta(seconds=1),
        payload=Notification.objects.get(kind=K.CONFIRMED).payload,
    )

    report = notifications_send_due(now=NOW, worker_id="w1")

    bad = Notification.objects.get(recipient="not-an-address")
    assert (bad.status, bad.attempts) == ("failed", 1)
    assert "invalid email address" in bad.last_error
    assert (report.sent, report.failed) == (1, 1)
    assert len(mailoutbox) == 1


def test_a_crash_before_the_next_send_still_records_the_message_sent_before_it(
    booked, mailoutbox, monkeypatch
):
    """A sent row's outcome is written with the next row's first step; when that step fails,
    the outcome is written anyway (else the row would be sent again after its lease)."""
    confirmation = Notification.objects.get(kind=K.CONFIRMED)
    second = Notification.objects.create(
        practice=booked.practice,
        appointment=booked,
        kind=K.CANCELLED,
        recipient="otra@example.com",
        due_at=NOW,
        payload=confirmation.payload,
    )
    moot_reason = delivery._moot_reason

    def crash_on_the_second(notification, now):
        if notification.pk == second.pk:
            raise RuntimeError("a bug")
        return moot_reason(notification, now)

    monkeypatch.setattr(delivery, "_moot_reason", crash_on_the_second)
    report = notifications_send_due(now=NOW, worker_id="w1")

    assert (report.sent, report.failed) == (1, 1)
    assert [m.to for m in mailoutbox] == [["marta@example.com"]]
    confirmation.refresh_from_db()
    second.refresh_from_db()
    assert (confirmation.status, second.status) == ("sent", "failed")
    assert list(confirmation.delivery_attempts.values_list("outcome", flat=True)) == ["sent"]


def test_a_missing_template_variable_fails_the_row_not_the_worker(booked, mailoutbox):
    Notification.objects.filter(kind=K.CONFIRMED).update(payload={"start": "2026-11-30T10:00"})

    report = notifications_send_due(now=NOW, worker_id="w1")

    row = Notification.objects.get(kind=K.CONFIRMED)
    assert row.status == "failed"
    assert "missing template variable" in row.last_error
    assert report.failed == 1
    assert mailoutbox == []


def test_a_lease_left_by_a_dead_worker_is_taken_over_when_it_runs_out_and_sent_once(
    booked, mailoutbox, settings
):
    Notification.objects.filter(kind=K.REMINDER).delete()
    claimed = notifications_claim(now=NOW, batch=100, worker_id="dead")
    assert [n.kind for n in claimed] == [K.CONFIRMED]
    lease = settings.NOTIFICATIONS_SEND_DEADLINE + settings.NOTIFICATIONS_LEASE_MARGIN

    notifications_send_due(now=NOW + timedelta(seconds=lease - 1), worker_id="alive")
    assert mailoutbox == []

    report = notifications_send_due(now=NOW + timedelta(seconds=lease + 1), worker_id="alive")
    notifications_send_due(now=NOW + timedelta(seconds=lease + 60), worker_id="alive")

    assert (report.claimed, report.sent) == (1, 1)
    assert len(mailoutbox) == 1


def test_two_workers_in_turn_never_send_the_same_row(booked, mailoutbox):
    first = notifications_claim(now=NOW, batch=100, worker_id="a")
    second = notifications_claim(now=NOW, batch=100, worker_id="b")

    assert len(first) == 1
    assert second == []


def test_a_practice_name_with_accents_and_commas_is_a_valid_sender(booked, mailoutbox):
    booked.practice.name = "Clínica Ñandú, S.L."
    booked.practice.save()
    Notification.objects.update(
        payload={**Notification.objects.first().payload, "practice": booked.practice.name}
    )

    notifications_send_due(now=NOW, worker_id="w1")

    header = mailoutbox[0].message()["From"]
    assert "citas@localhost" in header
    assert "=?utf-8?" in header  # encoded once, by Django, not twice
    assert "=?utf-8?q?=3D" not in header


def test_the_minute_sweep_sends_rows_that_were_never_enqueued_and_records_a_heartbeat(
    booked, mailoutbox, monkeypatch
):
    from citas.notifications import tasks
    from citas.notifications.models import WorkerHeartbeat

    monkeypatch.setattr(tasks, "_enqueue_quietly", lambda task: None)  # the queue is down
    with time_machine.travel(NOW, tick=False):
        tasks.send_due_notifications.call_local()

    assert [m.to for m in mailoutbox] == [["marta@example.com"]]
    assert Notification.objects.get(kind=K.CONFIRMED).status == "sent"
    assert WorkerHeartbeat.objects.get().seen_at == NOW
