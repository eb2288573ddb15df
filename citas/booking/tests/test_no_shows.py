"""The no-show policy: past the practice's limit, online bookings wait for approval or are
refused; staff see the count and can start it again."""

from datetime import timedelta

import pytest
from django.urls import reverse

from citas.booking.forms import format_start
from citas.booking.models import Client
from citas.booking.no_shows import client_no_show_count
from citas.booking.services import appointment_book
from citas.core.errors import ServiceError
from citas.core.factories import AppointmentFactory, MembershipFactory
from citas.practices.models import Role

from .helpers import bookable_practice
from .test_attendance import NOW, THURSDAY_TEN

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def no_shows(s, count):
    for i in range(count):
        AppointmentFactory(
            professional=s.professional,
            service=s.service,
            client=s.client,
            start=NOW - timedelta(days=7 * (i + 1)),
            status="no_show",
        )


def book(s, *, by_client=True):
    return appointment_book(
        practice=s.practice,
        professional=s.professional,
        service=s.service,
        client=s.client,
        start=THURSDAY_TEN,
        by_client=by_client,
    )


def test_below_the_limit_the_client_books_as_usual(db):
    s = bookable_practice(no_show_limit=2, no_show_action="approval")
    no_shows(s, 1)

    assert book(s).status == "confirmed"


def test_at_the_limit_the_booking_waits_for_approval(db):
    s = bookable_practice(no_show_limit=2, no_show_action="approval")
    no_shows(s, 2)

    assert book(s).status == "pending"


def test_at_the_limit_the_booking_is_refused_with_the_practice_phone(db):
    s = bookable_practice(no_show_limit=2, no_show_action="refuse")
    s.practice.phone = "910 000 000"
    s.practice.save()
    no_shows(s, 2)

    with pytest.raises(ServiceError) as refused:
        book(s)

    assert refused.value.code == "no_show_limit"
    assert "910 000 000" in refused.value.message
    assert not s.client.appointments.filter(status="confirmed").exists()


def test_the_practice_itself_still_books_the_client(db):
    s = bookable_practice(no_show_limit=1, no_show_action="refuse")
    no_shows(s, 3)

    assert book(s, by_client=False).status == "confirmed"


def test_without_a_limit_no_shows_change_nothing(db):
    s = bookable_practice()
    no_shows(s, 5)

    assert book(s).status == "confirmed"


def test_the_public_page_tells_a_refused_client_to_call(client, db):
    s = bookable_practice(no_show_limit=1, no_show_action="refuse")
    no_shows(s, 1)
    response = client.post(
        reverse("public_booking:submit", args=[s.practice.slug]),
        {
            "service": s.service.pk,
            "professional": s.professional.pk,
            "start": format_start(THURSDAY_TEN),
            "full_name": s.client.full_name,
            "email": s.client.email,
            "privacy": "on",
        },
    )

    assert response.status_code in (400, 409)
    assert "Llama a" in response.content.decode()
    assert not s.client.appointments.filter(start=THURSDAY_TEN).exists()


# --- staff ---------------------------------------------------------------------------------------


@pytest.fixture
def staff(client):
    def login(practice):
        client.force_login(MembershipFactory(practice=practice, role=Role.RECEPTION).user)
        return client

    return login


def test_resetting_starts_the_count_again_and_lets_the_client_book(staff, db):
    s = bookable_practice(no_show_limit=2, no_show_action="refuse")
    no_shows(s, 2)
    client = staff(s.practice)
    page = client.get(reverse("booking_staff:client_detail", args=[s.client.pk]))
    assert page.context["no_show_count"] == 2

    response = client.post(reverse("booking_staff:client_no_shows_reset", args=[s.client.pk]))

    assert response.status_code == 302
    s.client.refresh_from_db()
    assert client_no_show_count(s.client) == 0
    page = client.get(reverse("booking_staff:client_detail", args=[s.client.pk]))
    assert page.context["no_show_count"] == 0
    listed = client.get(reverse("booking_staff:client_list")).context["page"]
    assert [c.no_show_count for c in listed] == [0]
    assert book(s).status == "confirmed"


def test_no_shows_after_a_reset_count_again(db):
    s = bookable_practice()
    no_shows(s, 2)
    Client.objects.filter(pk=s.client.pk).update(no_shows_reset_at=NOW - timedelta(days=10))
    s.client.refresh_from_db()

    assert client_no_show_count(s.client) == 1


def test_another_practice_cannot_reset_the_count(staff, db):
    s = bookable_practice()
    no_shows(s, 1)
    other = bookable_practice()
    client = staff(other.practice)

    response = client.post(reverse("booking_staff:client_no_shows_reset", args=[s.client.pk]))

    assert response.status_code == 404
    s.client.refresh_from_db()
    assert s.client.no_shows_reset_at is None


def test_resetting_needs_a_post(staff, db):
    s = bookable_practice()
    client = staff(s.practice)

    url = reverse("booking_staff:client_no_shows_reset", args=[s.client.pk])
    assert client.get(url).status_code == 405
