"""Links between the booking pages and the other parts: calendar downloads, the professional's
calendar subscription and the anchors that practice emails point at."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from citas.core.factories import (
    AppointmentFactory,
    ClientFactory,
    MembershipFactory,
    ProfessionalFactory,
    UserFactory,
)
from citas.practices.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]
MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 11, 30, 8, tzinfo=MADRID)  # a Monday
THURSDAY_TEN = datetime(2026, 12, 3, 10, tzinfo=MADRID)


@pytest.fixture
def appointment(s):
    return AppointmentFactory(
        professional=s.professional, service=s.service, client=s.client, start=THURSDAY_TEN
    )


def ics_url(appointment) -> str:
    return reverse("notifications:appointment_ics", args=[appointment.token])


def staff_client(client, practice, role=Role.RECEPTION):
    membership = MembershipFactory(practice=practice, role=role)
    client.force_login(membership.user)
    return membership


# --- "Add to my calendar" ----------------------------------------------------------------------


def test_the_calendar_download_answers_with_an_ics_file(client, appointment):
    response = client.get(ics_url(appointment))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in response.content


def test_the_manage_page_links_to_the_calendar_download(client, appointment):
    response = client.get(reverse("manage:page", args=[appointment.token]))

    assert ics_url(appointment) in response.content.decode()


def test_a_cancelled_appointment_offers_no_calendar_download(client, appointment):
    appointment.status = "cancelled"
    appointment.save()

    response = client.get(reverse("manage:page", args=[appointment.token]))

    assert ics_url(appointment) not in response.content.decode()


def test_mis_citas_links_each_upcoming_appointment_to_its_calendar_download(client, s):
    user = UserFactory(email="jose@example.com")
    appointment = AppointmentFactory(
        professional=s.professional,
        service=s.service,
        client=ClientFactory(practice=s.practice, user=user),
        start=THURSDAY_TEN,
    )
    client.force_login(user)

    list_page = client.get(reverse("home")).content.decode()
    detail_page = client.get(reverse("my_appointments:detail", args=[appointment.pk]))

    assert ics_url(appointment) in list_page
    assert reverse("my_appointments:detail", args=[appointment.pk]) in list_page
    assert ics_url(appointment) in detail_page.content.decode()


def test_the_booking_confirmation_links_to_the_calendar_download(client, s, appointment):
    response = client.get(reverse("public_booking:done", args=[s.practice.slug, appointment.token]))

    assert ics_url(appointment) in response.content.decode()


def test_the_staff_appointment_page_links_to_the_calendar_download(client, s, appointment):
    staff_client(client, s.practice)

    response = client.get(reverse("booking_staff:appointment_detail", args=[appointment.pk]))

    assert ics_url(appointment) in response.content.decode()


# --- the anchors of the practice emails --------------------------------------------------------


def test_a_pending_appointment_page_has_the_confirm_and_reject_anchors(client, s, appointment):
    appointment.status = "pending"
    appointment.save()
    staff_client(client, s.practice)

    content = client.get(
        reverse("booking_staff:appointment_detail", args=[appointment.pk])
    ).content.decode()

    confirm_action = reverse("booking_staff:appointment_action", args=[appointment.pk, "confirmar"])
    reject_action = reverse("booking_staff:appointment_action", args=[appointment.pk, "rechazar"])
    assert f'action="{confirm_action}" id="confirm"' in content
    assert f'action="{reject_action}" id="reject"' in content


def test_a_confirmed_appointment_page_has_no_confirm_or_reject_anchor(client, s, appointment):
    staff_client(client, s.practice)

    content = client.get(
        reverse("booking_staff:appointment_detail", args=[appointment.pk])
    ).content.decode()

    assert 'id="confirm"' not in content
    assert 'id="reject"' not in content


# --- "Mi calendario" in the practice navigation ------------------------------------------------


def test_a_member_with_a_professional_record_sees_the_calendar_subscription_link(client, s):
    membership = staff_client(client, s.practice, role=Role.PROFESSIONAL)
    ProfessionalFactory(practice=s.practice, membership=membership)

    content = client.get(reverse("booking_staff:appointment_list")).content.decode()

    assert reverse("notifications:calendar_feed") in content
    assert client.get(reverse("notifications:calendar_feed")).status_code == 200


def test_a_member_without_a_professional_record_gets_no_calendar_subscription_link(client, s):
    staff_client(client, s.practice, role=Role.RECEPTION)

    content = client.get(reverse("booking_staff:appointment_list")).content.decode()

    assert reverse("notifications:calendar_feed") not in content
