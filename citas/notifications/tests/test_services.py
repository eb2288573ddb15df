from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from citas.booking import services as booking
from citas.core.factories import UserFactory
from citas.notifications.models import (
    Channel,
    ClientContactPreference,
    Notification,
    NotificationKind,
    NotificationStatus,
)
from citas.notifications.rendering import render_notification
from citas.notifications.services import (
    notification_resend,
    on_appointment_event,
    reminders_unsubscribe,
    settings_for,
)
from citas.scheduling.selectors import policy_for

from .conftest import MADRID, NOW

pytestmark = pytest.mark.django_db
K = NotificationKind


def move(appointment, start):
    shift = start - appointment.start
    for field in ("start", "end", "blocked_start", "blocked_end"):
        setattr(appointment, field, getattr(appointment, field) + shift)
    appointment.save()


def rows(appointment):
    return list(
        Notification.objects.filter(appointment=appointment)
        .exclude(status=NotificationStatus.CANCELLED)
        .order_by("due_at", "kind", "recipient")
        .values_list("kind", "recipient", "due_at")
    )


@time_machine.travel(NOW, tick=False)
def test_a_staff_booking_confirms_to_the_client_and_schedules_both_reminders(make_appointment):
    appointment = make_appointment()

    on_appointment_event(appointment=appointment, kind="created", by_client=False)

    start = appointment.start
    assert rows(appointment) == [
        (K.CONFIRMED, "marta@example.com", NOW),
        (K.REMINDER, "marta@example.com", start - timedelta(hours=24)),
        (K.REMINDER, "marta@example.com", start - timedelta(hours=2)),
    ]
    assert Notification.objects.get(kind=K.CONFIRMED).language == "es"


@time_machine.travel(NOW, tick=False)
def test_a_client_request_tells_the_client_and_asks_the_practice_and_professional(
    make_appointment,
):
    appointment = make_appointment(status="pending")

    on_appointment_event(appointment=appointment, kind="created", by_client=True)

    assert rows(appointment) == [
        (K.PRACTICE_NEW_REQUEST, "luis@fisio.test", NOW),
        (K.PRACTICE_NEW_REQUEST, "recepcion@fisio.test", NOW),
        (K.REQUEST_RECEIVED, "marta@example.com", NOW),
    ]


@time_machine.travel(NOW, tick=False)
def test_confirming_a_request_sends_the_confirmation_and_the_reminders(make_appointment):
    appointment = make_appointment(status="pending")
    on_appointment_event(appointment=appointment, kind="created", by_client=True)
    appointment.status = "confirmed"
    appointment.save()

    on_appointment_event(appointment=appointment, kind="confirmed", by_client=False)

    kinds = [kind for kind, _recipient, _due in rows(appointment)]
    assert kinds.count(K.CONFIRMED) == 1
    assert kinds.count(K.REMINDER) == 2


@time_machine.travel(NOW, tick=False)
def test_a_reminder_whose_time_has_passed_is_not_created(make_appointment):
    appointment = make_appointment(start=NOW + timedelta(hours=3))

    on_appointment_event(appointment=appointment, kind="created", by_client=False)

    reminders = Notification.objects.filter(kind=K.REMINDER)
    assert [r.due_at for r in reminders] == [NOW + timedelta(hours=1)]


@time_machine.travel(datetime(2026, 10, 20, 12, tzinfo=MADRID), tick=False)
def test_a_24_hour_reminder_across_the_dst_change_is_due_at_the_same_local_hour_the_day_before(
    make_appointment,
):
    settings = settings_for(make_appointment().practice)
    settings.reminder_offsets = "24"
    settings.save()
    appointment = make_appointment(start=datetime(2026, 10, 26, 10, 0, tzinfo=MADRID))

    on_appointment_event(appointment=appointment, kind="created", by_client=False)

    reminder = Notification.objects.get(appointment=appointment, kind=K.REMINDER)
    # 24 hours of real time: Sunday 25 October 09:00 UTC, which is 10:00 in Madrid that day
    # only because the clocks went back in between (CEST → CET).
    assert reminder.due_at == datetime(2026, 10, 25, 9, 0, tzinfo=UTC)
    assert reminder.due_at.astimezone(MADRID).hour == 10


@time_machine.travel(NOW, tick=False)
def test_rescheduling_moves_the_pending_reminders_and_raises_the_sequence(make_appointment):
    appointment = make_appointment()
    on_appointment_event(appointment=appointment, kind="created", by_client=False)
    previous = appointment.start
    move(appointment, previous + timedelta(days=2))

    on_appointment_event(
        appointment=appointment, kind="rescheduled", by_client=True, previous_start=previous
    )

    pending = Notification.objects.filter(kind=K.REMINDER, status=NotificationStatus.PENDING)
    assert sorted(r.due_at for r in pending) == [
        appointment.start - timedelta(hours=24),
        appointment.start - timedelta(hours=2),
    ]
    assert Notification.objects.filter(kind=K.REMINDER, status="cancelled").count() == 2
    change = Notification.objects.get(kind=K.RESCHEDULED)
    assert change.payload["sequence"] == 1
    assert change.payload["previous_start"] == previous.isoformat()


@time_machine.travel(NOW, tick=False)
def test_a_client_reschedule_tells_the_practice_in_its_own_words(make_appointment):
    appointment = make_appointment()
    on_appointment_event(appointment=appointment, kind="created", by_client=False)
    previous = appointment.start
    move(appointment, previous + timedelta(days=2))

    on_appointment_event(
        appointment=appointment, kind="rescheduled", by_client=True, previous_start=previous
    )

    notices = Notification.objects.filter(kind=K.PRACTICE_RESCHEDULED_BY_CLIENT)
    assert set(notices.values_list("recipient", flat=True)) == {
        "recepcion@fisio.test",
        "luis@fisio.test",
    }
    rendered = render_notification(notices.get(recipient="recepcion@fisio.test"))
    assert "Marta" in rendered.subject
    assert "ha cambiado" in rendered.text
    assert "/app/" in rendered.html


@time_machine.travel(NOW, tick=False)
def test_a_practice_reschedule_sends_no_practice_notice(make_appointment):
    appointment = make_appointment()
    previous = appointment.start
    move(appointment, previous + timedelta(days=2))

    on_appointment_event(
        appointment=appointment, kind="rescheduled", by_client=False, previous_start=previous
    )

    assert not Notification.objects.filter(kind=K.PRACTICE_RESCHEDULED_BY_CLIENT).exists()


@time_machine.travel(NOW, tick=False)
def test_moving_an_appointment_away_and_back_gets_its_reminders_again(make_appointment):
    appointment = make_appointment()
    original = appointment.start
    on_appointment_event(appointment=appointment, kind="created", by_client=False)
    for start in (original + timedelta(days=1), original):
        move(appointment, start)
        on_appointment_event(appointment=appointment, kind="rescheduled", by_client=False)

    pending = Notification.objects.filter(kind=K.REMINDER, status=NotificationStatus.PENDING)
    assert sorted(r.due_at for r in pending) == [
        original - timedelta(hours=24),
        original - timedelta(hours=2),
    ]


@time_machine.travel(NOW, tick=False)
def test_a_client_cancellation_cancels_reminders_and_tells_both_sides(make_appointment):
    appointment = make_appointment()
    on_appointment_event(appointment=appointment, kind="created", by_client=False)
    appointment.status = "cancelled"
    appointment.save()

    on_appointment_event(appointment=appointment, kind="cancelled", by_client=True, reason="gripe")

    assert not Notification.objects.filter(kind=K.REMINDER, status="pending").exists()
    cancellation = Notification.objects.get(kind=K.CANCELLED)
    assert cancellation.payload["cancelled_by"] == "client"
    assert cancellation.payload["reason"] == "gripe"
    assert set(
        Notification.objects.filter(kind=K.PRACTICE_CANCELLED_BY_CLIENT).values_list(
            "recipient", flat=True
        )
    ) == {"recepcion@fisio.test", "luis@fisio.test"}


@time_machine.travel(NOW, tick=False)
def test_a_past_appointment_gets_no_messages(make_appointment):
    appointment = make_appointment(start=NOW - timedelta(hours=1))

    on_appointment_event(appointment=appointment, kind="created", by_client=False)

    assert not Notification.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_client_with_an_account_gets_messages_in_the_account_language(
    make_appointment, client_record
):
    client_record.user = UserFactory(language="en")
    client_record.save()

    on_appointment_event(appointment=make_appointment(), kind="created", by_client=False)

    assert set(Notification.objects.values_list("language", flat=True)) == {"en"}


@time_machine.travel(NOW, tick=False)
def test_a_practice_without_email_notifies_only_the_professional(make_appointment, practice):
    practice.email = ""
    practice.save()

    on_appointment_event(appointment=make_appointment(), kind="created", by_client=True)

    assert list(
        Notification.objects.filter(kind=K.PRACTICE_NEW_BOOKING).values_list("recipient", flat=True)
    ) == ["luis@fisio.test"]


@time_machine.travel(NOW, tick=False)
def test_an_unsubscribed_client_gets_no_reminders_but_still_the_confirmation(
    make_appointment, client_record
):
    reminders_unsubscribe(client=client_record)

    on_appointment_event(appointment=make_appointment(), kind="created", by_client=False)

    assert list(Notification.objects.values_list("kind", flat=True)) == [K.CONFIRMED]


@time_machine.travel(NOW, tick=False)
def test_unsubscribing_cancels_the_reminders_already_queued(make_appointment, client_record):
    on_appointment_event(appointment=make_appointment(), kind="created", by_client=False)

    reminders_unsubscribe(client=client_record)

    assert not Notification.objects.filter(kind=K.REMINDER, status="pending").exists()


@time_machine.travel(NOW, tick=False)
def test_text_messages_go_only_to_clients_who_consented_when_the_practice_enabled_them(
    make_appointment, client_record, practice
):
    options = settings_for(practice)
    options.sms_enabled = True
    options.save()
    client_record.phone = "+34600111222"
    client_record.save()
    on_appointment_event(appointment=make_appointment(), kind="created", by_client=False)
    assert not Notification.objects.filter(channel=Channel.SMS).exists()

    ClientContactPreference.objects.create(client=client_record, sms_consent=True)
    on_appointment_event(
        appointment=make_appointment(start=datetime(2026, 12, 2, 10, tzinfo=MADRID)),
        kind="created",
        by_client=False,
    )

    sms = Notification.objects.filter(channel=Channel.SMS)
    assert sorted(sms.values_list("kind", flat=True)) == [K.CONFIRMED, K.REMINDER, K.REMINDER]
    assert {n.recipient for n in sms} == {"+34600111222"}


@time_machine.travel(NOW, tick=False)
def test_resending_creates_a_new_pending_row_and_leaves_the_original_alone(make_appointment, owner):
    on_appointment_event(appointment=make_appointment(), kind="created", by_client=False)
    original = Notification.objects.get(kind=K.CONFIRMED)
    Notification.objects.filter(pk=original.pk).update(status="sent", sent_at=NOW)
    later = NOW + timedelta(hours=1)

    copy = notification_resend(notification=original, by=owner.user, now=later)

    original.refresh_from_db()
    assert original.status == "sent"
    assert (copy.status, copy.due_at, copy.recipient) == ("pending", later, original.recipient)


@time_machine.travel(NOW, tick=False)
def test_the_booking_services_write_the_rows_in_their_transaction(
    practice, professional, service, client_record, owner
):
    policy_for(practice)
    start = datetime(2026, 11, 30, 10, 0, tzinfo=MADRID)

    appointment = booking.appointment_book(
        practice=practice,
        professional=professional,
        service=service,
        client=client_record,
        start=start,
        by=owner.user,
        by_client=False,
        override_policy=True,
    )
    booking.appointment_cancel(appointment=appointment, by=owner.user, by_client=False)

    kinds = dict(Notification.objects.filter(appointment=appointment).values_list("kind", "status"))
    assert kinds[K.CONFIRMED] == "pending"
    assert kinds[K.REMINDER] == "cancelled"
    assert kinds[K.CANCELLED] == "pending"
    assert Notification.objects.get(kind=K.CANCELLED).payload["cancelled_by"] == "practice"
