"""Attendance confirmation: the request, the two one-tap answers, the staff's view of them,
and the release of appointments nobody confirmed."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from citas.booking.attendance import appointment_client_confirm, appointments_release_unconfirmed
from citas.booking.models import AppointmentEvent, AppointmentEventKind
from citas.booking.services import appointment_book
from citas.core.errors import ServiceError
from citas.core.factories import AppointmentFactory, MembershipFactory
from citas.notifications.models import Notification, NotificationKind, NotificationStatus
from citas.notifications.rendering import render_notification
from citas.practices.models import Role
from citas.scheduling.selectors import policy_for

from .helpers import bookable_practice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]
MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 11, 30, 8, tzinfo=MADRID)  # a Monday
THURSDAY_TEN = datetime(2026, 12, 3, 10, tzinfo=MADRID)
K = NotificationKind


@pytest.fixture
def s(db):
    return bookable_practice(
        confirmation_request_hours=48, release_unconfirmed_hours=24, cancellation_window_hours=24
    )


def book(s, start=THURSDAY_TEN):
    return appointment_book(
        practice=s.practice,
        professional=s.professional,
        service=s.service,
        client=s.client,
        start=start,
        by_client=True,
    )


def requests_of(appointment):
    return Notification.objects.filter(appointment=appointment, kind=K.CONFIRMATION_REQUEST)


def url(name, appointment):
    return reverse(f"manage:{name}", args=[appointment.token])


# --- the request -------------------------------------------------------------------------------


def test_a_booking_queues_the_confirmation_request_when_the_practice_asks(s):
    appointment = book(s)

    request = requests_of(appointment).get()
    assert request.due_at == THURSDAY_TEN - timedelta(hours=48)
    assert request.recipient == s.client.email
    release_at = datetime.fromisoformat(request.payload["release_at"])
    assert release_at == THURSDAY_TEN - timedelta(hours=24)


def test_no_request_is_queued_when_the_practice_does_not_ask(db):
    s = bookable_practice()

    assert not requests_of(book(s)).exists()


def test_a_request_whose_moment_has_passed_is_not_queued(s):
    assert not requests_of(book(s, start=datetime(2026, 12, 1, 10, tzinfo=MADRID))).exists()


def test_the_request_says_when_the_appointment_will_be_released_and_links_both_answers(s):
    appointment = book(s)

    message = render_notification(requests_of(appointment).get())

    assert "miércoles, 2 de diciembre de 2026, 10:00" in message.text
    assert url("attend", appointment) in message.text
    assert url("decline", appointment) in message.text
    assert url("attend", appointment) in message.html


def test_reminders_carry_both_answers(s):
    appointment = book(s)
    reminder = Notification.objects.filter(appointment=appointment, kind=K.REMINDER).first()

    message = render_notification(reminder)

    assert url("attend", appointment) in message.text
    assert url("decline", appointment) in message.html


def test_rescheduling_moves_the_request(s):
    from citas.booking.services import appointment_reschedule

    appointment = book(s)
    friday = THURSDAY_TEN + timedelta(days=1)
    appointment_reschedule(appointment=appointment, start=friday, by_client=False)

    pending = requests_of(appointment).filter(status=NotificationStatus.PENDING)
    assert [row.due_at for row in pending] == [friday - timedelta(hours=48)]


# --- the answers ---------------------------------------------------------------------------------


def test_opening_the_link_changes_nothing(client, s):
    appointment = book(s)

    response = client.get(url("attend", appointment))

    assert response.status_code == 200
    assert b'<form method="post"' in response.content
    assert "2 de diciembre de 2026 a las 10:00" in response.content.decode()  # the deadline
    appointment.refresh_from_db()
    assert appointment.client_confirmed_at is None


def test_the_button_confirms_and_cancels_the_pending_request(client, s):
    appointment = book(s)

    response = client.post(url("attend", appointment))

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.client_confirmed_at == NOW
    assert requests_of(appointment).get().status == NotificationStatus.CANCELLED
    event = appointment.events.get(kind=AppointmentEventKind.CLIENT_CONFIRMED)
    assert event.by_client
    page = client.get(response.url)
    assert b"data-attendance-confirmed" in page.content


def test_confirming_twice_keeps_the_first_answer(s):
    appointment = book(s)
    appointment_client_confirm(appointment=appointment, now=NOW)

    appointment_client_confirm(appointment=appointment, now=NOW + timedelta(hours=1))

    appointment.refresh_from_db()
    assert appointment.client_confirmed_at == NOW
    assert AppointmentEvent.objects.filter(kind=AppointmentEventKind.CLIENT_CONFIRMED).count() == 1


def test_a_cancelled_appointment_cannot_be_confirmed(client, s):
    appointment = AppointmentFactory(
        professional=s.professional, service=s.service, start=THURSDAY_TEN, status="cancelled"
    )

    response = client.post(url("attend", appointment))

    assert response.status_code == 400
    assert "ya no está activa" in response.content.decode() or response.context["error"]
    appointment.refresh_from_db()
    assert appointment.client_confirmed_at is None


def test_i_cannot_come_cancels_as_the_client(client, s):
    appointment = book(s)
    assert client.get(url("decline", appointment)).status_code == 200
    appointment.refresh_from_db()
    assert appointment.status == "confirmed"

    response = client.post(url("decline", appointment))

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    assert appointment.events.get(kind="cancelled").by_client
    told = Notification.objects.get(appointment=appointment, kind=K.CANCELLED)
    assert told.payload["cancelled_by"] == "client"


def test_i_cannot_come_inside_the_cancellation_window_asks_to_call(client, s):
    appointment = AppointmentFactory(
        professional=s.professional,
        service=s.service,
        client=s.client,
        start=NOW + timedelta(hours=5),
    )

    response = client.post(url("decline", appointment))

    assert response.status_code == 400
    assert "Contacta con el centro" in response.content.decode() or response.context["error"]
    appointment.refresh_from_db()
    assert appointment.status == "confirmed"


@pytest.mark.parametrize("name", ["attend", "decline"])
def test_a_guessed_token_is_404(client, s, name):
    token = "x" * 43
    assert client.get(reverse(f"manage:{name}", args=[token])).status_code == 404
    assert client.post(reverse(f"manage:{name}", args=[token])).status_code == 404


@pytest.mark.parametrize("name", ["attend", "decline"])
def test_the_answer_pages_run_a_fixed_number_of_queries(
    client, s, name, django_assert_max_num_queries
):
    appointment = book(s)

    with django_assert_max_num_queries(1):  # the appointment, its practice and rules joined
        client.get(url(name, appointment))


# --- staff ---------------------------------------------------------------------------------------


@pytest.fixture
def staff(client, s):
    member = MembershipFactory(practice=s.practice, role=Role.RECEPTION)
    client.force_login(member.user)
    return client


def test_the_list_and_the_detail_show_who_confirmed(staff, s):
    confirmed = book(s)
    appointment_client_confirm(appointment=confirmed, now=NOW)
    waiting = book(s, start=THURSDAY_TEN + timedelta(hours=1))

    page = staff.get(reverse("booking_staff:appointment_list"), {"tab": "upcoming"})
    page = page.content.decode()
    assert page.count('data-attendance="confirmed"') == 1
    assert page.count('data-attendance="unconfirmed"') == 1
    detail = staff.get(reverse("booking_staff:appointment_detail", args=[waiting.pk]))
    assert 'data-attendance="unconfirmed"' in detail.content.decode()


def test_the_agenda_marks_confirmed_appointments(staff, s):
    confirmed = book(s)
    appointment_client_confirm(appointment=confirmed, now=NOW)
    book(s, start=THURSDAY_TEN + timedelta(hours=1))

    events = staff.get(
        reverse("booking_staff:agenda_feed"),
        {"start": "2026-11-30T00:00:00", "end": "2026-12-07T00:00:00"},
    ).json()

    marks = sorted((e["extendedProps"]["clientConfirmed"], e["title"][:2]) for e in events)
    assert marks == [(False, "11"), (True, "✓ ")]


def test_the_rules_refuse_a_release_without_asking_or_before_asking(client, s):
    owner = MembershipFactory(practice=s.practice, role=Role.OWNER)
    client.force_login(owner.user)
    data = {
        "min_notice_minutes": 120,
        "horizon_days": 90,
        "slot_step_minutes": 15,
        "cancellation_window_hours": 24,
        "confirmation_request_hours": "",
        "release_unconfirmed_hours": 24,
    }
    for asked in ("", 12, 24):
        response = client.post(
            reverse("scheduling:policy"), data | {"confirmation_request_hours": asked}
        )
        assert "release_unconfirmed_hours" in response.context["form"].errors
    assert policy_for(s.practice).confirmation_request_hours == 48  # unchanged

    response = client.post(
        reverse("scheduling:policy"),
        data | {"confirmation_request_hours": 36, "no_show_limit": 3, "no_show_action": "refuse"},
    )

    assert response.status_code == 302
    policy = policy_for(s.practice)
    assert (policy.confirmation_request_hours, policy.release_unconfirmed_hours) == (36, 24)
    assert (policy.no_show_limit, policy.no_show_action) == (3, "refuse")


# --- release -------------------------------------------------------------------------------------


def sent(appointment):
    requests_of(appointment).update(status=NotificationStatus.SENT)


def test_an_unconfirmed_appointment_is_released_at_its_deadline_and_the_client_told(s):
    appointment = book(s)
    sent(appointment)
    deadline = THURSDAY_TEN - timedelta(hours=24)

    assert appointments_release_unconfirmed(now=deadline - timedelta(minutes=1)) == []
    assert appointments_release_unconfirmed(now=deadline) == [appointment.pk]

    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    told = Notification.objects.get(appointment=appointment, kind=K.CANCELLED)
    assert told.payload["cancelled_by"] == "practice"
    assert "no se confirmó a tiempo" in render_notification(told).text


def test_a_release_runs_once(s):
    appointment = book(s)
    sent(appointment)
    deadline = THURSDAY_TEN - timedelta(hours=24)

    appointments_release_unconfirmed(now=deadline)
    assert appointments_release_unconfirmed(now=deadline + timedelta(minutes=1)) == []

    assert appointment.events.filter(kind="cancelled").count() == 1
    assert Notification.objects.filter(appointment=appointment, kind=K.CANCELLED).count() == 1


def test_a_confirmed_appointment_is_not_released(s):
    appointment = book(s)
    sent(appointment)
    appointment_client_confirm(appointment=appointment, now=NOW)

    assert appointments_release_unconfirmed(now=THURSDAY_TEN - timedelta(hours=1)) == []


def test_nothing_is_released_when_the_client_was_never_asked(s):
    appointment = book(s)  # the request is still pending: the client has not been told

    assert appointments_release_unconfirmed(now=THURSDAY_TEN - timedelta(hours=1)) == []
    appointment.refresh_from_db()
    assert appointment.status == "confirmed"


def test_nothing_is_released_when_the_practice_stopped_releasing(s):
    appointment = book(s)
    sent(appointment)
    policy = policy_for(s.practice)
    policy.release_unconfirmed_hours = None
    policy.save()

    assert appointments_release_unconfirmed(now=THURSDAY_TEN - timedelta(hours=1)) == []


def test_the_client_confirming_a_released_appointment_is_told_it_is_gone(s):
    appointment = book(s)
    sent(appointment)
    appointments_release_unconfirmed(now=THURSDAY_TEN - timedelta(hours=24))

    with pytest.raises(ServiceError):
        appointment_client_confirm(appointment=appointment, now=THURSDAY_TEN - timedelta(hours=2))


def test_the_text_message_asks_and_links_the_answer(s):
    from citas.notifications.models import Channel, ClientContactPreference
    from citas.notifications.services import settings_for

    options = settings_for(s.practice)
    options.sms_enabled = True
    options.save()
    s.client.phone = "600 000 000"
    s.client.save()
    ClientContactPreference.objects.create(client=s.client, sms_consent=True)
    appointment = book(s)

    sms = requests_of(appointment).get(channel=Channel.SMS)

    text = render_notification(sms).text
    assert "¿vendrás a tu cita" in text
    assert url("attend", appointment) in text


def test_the_periodic_task_releases_what_is_due(s):
    from citas.booking.tasks import release_unconfirmed_appointments

    appointment = book(s)
    sent(appointment)

    with time_machine.travel(THURSDAY_TEN - timedelta(hours=23), tick=False):
        release_unconfirmed_appointments.call_local()

    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
