"""Bookings held until the client confirms their email (practice setting): the time is held,
only the "confirm your booking" email goes out, the link makes the booking real, and a hold
not confirmed in time is released exactly once (by the periodic task, or by the next booking
that wants the time)."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from citas.booking.email_check import email_check_token
from citas.booking.models import Appointment, AppointmentEvent
from citas.booking.services import appointment_confirm, appointments_release_unverified
from citas.booking.tasks import release_unverified_bookings
from citas.core.errors import ServiceError
from citas.core.factories import MembershipFactory, PracticeFactory, UserFactory
from citas.notifications.delivery import notifications_send_due
from citas.notifications.models import Notification, NotificationKind
from citas.practices.models import Role
from citas.scheduling.selectors import policy_for

from .test_public_views import NOW, TUESDAY_TEN, form_data, submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


@pytest.fixture
def checked(s):
    """The practice asks clients to confirm their email within 30 minutes."""
    policy = policy_for(s.practice)
    policy.email_check_required = True
    policy.email_check_minutes = 30
    policy.save()
    s.practice.email = "recepcion@example.com"  # the practice is told of real bookings
    s.practice.save()
    return s


def check_link_path(appointment) -> str:
    return reverse(
        "public_booking:email_check",
        args=[appointment.practice.slug, email_check_token(appointment)],
    )


def book(client, s, **overrides) -> Appointment:
    response = submit(client, s, **form_data(s, **overrides))
    assert response.status_code == 302, response.content.decode()[:500]
    return Appointment.objects.latest("pk")


def test_a_booking_is_held_and_only_the_confirm_email_goes_out(client, checked, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    s = checked
    appointment = book(client, s)

    assert appointment.status == "pending"
    assert appointment.unverified_until == NOW + timedelta(minutes=30)
    kinds = list(Notification.objects.values_list("kind", flat=True))
    assert kinds == [NotificationKind.ADDRESS_CHECK]  # no confirmation, practice note, webhook

    done = client.get(reverse("public_booking:done", args=[s.practice.slug, appointment.token]))
    page = done.content.decode()
    assert "data-email-check" in page and "jose@example.com" in page

    notifications_send_due(now=NOW, batch=10, worker_id="t")
    [message] = mail.outbox
    assert message.to == ["jose@example.com"]
    link = re.search(r"https?://\S+/confirmar-correo/\S+/", message.body).group(0)
    assert link.endswith(check_link_path(appointment))


def test_the_held_time_cannot_be_booked_by_anyone_else(client, checked):
    book(client, checked)
    second = submit(client, checked, **form_data(checked, email="otra@example.com"))
    assert second.status_code == 409
    assert Appointment.objects.count() == 1


def test_the_link_makes_the_booking_real_and_sends_the_usual_messages(client, checked):
    s = checked
    appointment = book(client, s)
    page = client.get(check_link_path(appointment))
    assert page.status_code == 200
    appointment.refresh_from_db()
    assert appointment.unverified_until is not None  # a GET (a mail scanner) changes nothing

    response = client.post(check_link_path(appointment))

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert (appointment.status, appointment.unverified_until) == ("confirmed", None)
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {NotificationKind.CONFIRMED, NotificationKind.PRACTICE_NEW_BOOKING} <= kinds
    assert AppointmentEvent.objects.filter(appointment=appointment, kind="email_confirmed").exists()

    again = client.post(check_link_path(appointment))  # a second tap changes nothing
    assert again.status_code == 302
    assert Notification.objects.filter(kind=NotificationKind.CONFIRMED).count() == 1


def test_with_approval_the_confirmed_email_makes_a_request(client, checked):
    policy = policy_for(checked.practice)
    policy.approval_required = True
    policy.save()
    appointment = book(client, checked)
    client.post(check_link_path(appointment))
    appointment.refresh_from_db()
    assert (appointment.status, appointment.unverified_until) == ("pending", None)
    assert Notification.objects.filter(kind=NotificationKind.REQUEST_RECEIVED).exists()


def test_an_unconfirmed_hold_is_released_once_and_the_time_is_free_again(
    client, checked, frozen_clock
):
    s = checked
    appointment = book(client, s)
    frozen_clock.shift(timedelta(minutes=31))

    release_unverified_bookings.call_local()
    assert appointments_release_unverified() == []  # a second run releases nothing

    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    events = AppointmentEvent.objects.filter(appointment=appointment, kind="cancelled")
    assert events.count() == 1
    # The history the practice reads says why, in the practice's language.
    assert events.get().data["reason"] == "El cliente no confirmó su correo a tiempo."
    assert set(Notification.objects.values_list("kind", flat=True)) == {
        NotificationKind.ADDRESS_CHECK
    }  # nobody is told about a booking that never was

    late = client.post(check_link_path(appointment))
    assert late.status_code == 409
    assert "run out" in late.content.decode() or "agotado" in late.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"

    other = book(client, s, email="otra@example.com")
    assert other.start == TUESDAY_TEN


def test_the_next_booking_releases_a_lapsed_hold_without_waiting_for_the_task(
    client, checked, frozen_clock
):
    first = book(client, checked)
    frozen_clock.shift(timedelta(minutes=31))

    other = book(client, checked, email="otra@example.com")

    first.refresh_from_db()
    assert first.status == "cancelled"
    assert other.start == first.start and other.status == "pending"


def test_a_link_altered_or_of_another_practice_does_nothing(client, checked):
    appointment = book(client, checked)
    stranger = PracticeFactory()
    wrong_practice = reverse(
        "public_booking:email_check", args=[stranger.slug, email_check_token(appointment)]
    )
    altered = check_link_path(appointment)[:-3] + "xx/"

    for path in (wrong_practice, altered):
        response = client.post(path)
        assert response.status_code == 404
    appointment.refresh_from_db()
    assert appointment.unverified_until is not None


def test_a_client_logged_in_with_that_email_verified_books_at_once(client, checked):
    user = UserFactory(email="jose@example.com")
    EmailAddress.objects.update_or_create(
        user=user, email="jose@example.com", defaults={"verified": True, "primary": True}
    )
    client.force_login(user)
    appointment = book(client, checked)
    assert (appointment.status, appointment.unverified_until) == ("confirmed", None)


def test_without_the_setting_nothing_is_held(client, s):
    appointment = book(client, s)
    assert (appointment.status, appointment.unverified_until) == ("confirmed", None)


def test_the_public_api_holds_too(client, checked):
    response = client.post(
        reverse("api:book", args=[checked.practice.slug]),
        {
            "service": checked.service.pk,
            "professional": checked.professional.pk,
            "start": TUESDAY_TEN.isoformat(),
            "full_name": "Ana",
            "email": "ana@example.com",
            "phone": "",
            "notes": "",
            "privacy_accepted": True,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending"
    assert response.json()["email_check_until"] is not None
    assert list(Notification.objects.values_list("kind", flat=True)) == [
        NotificationKind.ADDRESS_CHECK
    ]


def test_the_setting_is_validated_in_the_form(client, checked):
    owner = MembershipFactory(practice=checked.practice, role=Role.OWNER)
    client.force_login(owner.user)
    policy = policy_for(checked.practice)
    data = {
        "min_notice_minutes": 120,
        "horizon_days": 90,
        "slot_step_minutes": 15,
        "cancellation_window_hours": 24,
        "email_check_required": "on",
        "email_check_minutes": 2,
        "no_show_action": policy.no_show_action,
    }
    response = client.post(reverse("scheduling:policy"), data, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    policy.refresh_from_db()
    assert policy.email_check_minutes == 30


def test_the_staff_see_the_hold_and_cannot_confirm_it_before_the_client(client, checked):
    appointment = book(client, checked)
    owner = MembershipFactory(practice=checked.practice, role=Role.OWNER)
    client.force_login(owner.user)
    detail = client.get(
        reverse("booking_staff:appointment_detail", args=[appointment.pk]),
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert "data-email-check-pending" in detail.content.decode()

    with pytest.raises(ServiceError):
        appointment_confirm(appointment=appointment, by=owner.user)
    appointment.refresh_from_db()
    assert appointment.status == "pending"
    assert list(Notification.objects.values_list("kind", flat=True)) == [
        NotificationKind.ADDRESS_CHECK
    ]
