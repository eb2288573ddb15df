"""Waiting list pages: joining, the claim link, leaving from the email, the practice's list."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from citas.booking.models import WaitlistEntry
from citas.core.factories import MembershipFactory, ProfessionalFactory, ServiceFactory
from citas.practices.models import Role

from .helpers import bookable_practice
from .waitlist_helpers import NOW, THURSDAY, THURSDAY_TEN, free, offered_entry, waiting

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def url(name, entry, slug=None):
    return reverse(f"public_booking:{name}", args=[slug or entry.practice.slug, entry.token])


def join_data(s, **fields):
    return {
        "service": s.service.pk,
        "professional": "any",
        "first_day": "2026-12-03",
        "last_day": "2026-12-10",
        "part_of_day": "morning",
        "full_name": "Lucía Gil",
        "email": "lucia@example.com",
        "phone": "",
        **fields,
    }


def test_a_full_day_on_the_public_page_offers_the_waiting_list(client, s):
    page = client.get(
        reverse("public_booking:page", args=[s.practice.slug]),
        {"service": s.service.pk, "professional": "any", "day": "2026-12-05"},  # a Saturday
    )

    html = page.content.decode()
    assert (
        'action="{}"'.format(reverse("public_booking:waitlist_join", args=[s.practice.slug]))
        in html
    )
    assert '<details class="card mb-3 waitlist" open>' in html
    # The chosen day is offered as day/month/year text, not as a browser-locale date picker.
    assert 'type="date"' not in html
    assert 'name="first_day" value="05/12/2026"' in html
    assert 'name="last_day" value="05/12/2026"' in html


def test_joining_from_the_public_page_puts_the_client_on_the_list(client, s):
    response = client.post(
        reverse("public_booking:waitlist_join", args=[s.practice.slug]), join_data(s)
    )

    entry = WaitlistEntry.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("waitlist_offer", entry)
    assert (entry.first_day, entry.last_day, entry.part_of_day) == (
        THURSDAY,
        date(2026, 12, 10),
        "morning",
    )
    assert (entry.professional, entry.status, entry.language) == (None, "waiting", "es")
    page = client.get(response["Location"])
    assert b"data-waitlist-waiting" in page.content


@pytest.mark.parametrize(
    "fields",
    [
        {"first_day": "2026-12-10", "last_day": "2026-12-03"},
        {"first_day": "ayer"},
        {"email": "lucia"},
        {"part_of_day": "noche"},
        {"professional": "x"},
        {"service": "0"},
    ],
)
def test_bad_input_gets_a_clear_error_and_nothing_is_saved(client, s, fields):
    response = client.post(
        reverse("public_booking:waitlist_join", args=[s.practice.slug]), join_data(s, **fields)
    )

    assert response.status_code == 400
    assert b"invalid-feedback" in response.content or b"alert-danger" in response.content
    assert WaitlistEntry.objects.count() == 0


def test_a_day_typed_the_spanish_way_is_read_day_first(client):
    s = bookable_practice(horizon_days=180)

    response = client.post(
        reverse("public_booking:waitlist_join", args=[s.practice.slug]),
        join_data(s, first_day="05/03/2027", last_day="08/03/2027"),
    )

    assert response.status_code == 302
    entry = WaitlistEntry.objects.get()
    assert (entry.first_day, entry.last_day) == (date(2027, 3, 5), date(2027, 3, 8))


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("es", "Escribe la fecha como día/mes/año, por ejemplo 31/12/2026."),
        ("gl", "Escribe a data como día/mes/ano, por exemplo 31/12/2026."),
        ("en", "Write the date as day/month/year, for example 31/12/2026."),
    ],
)
def test_a_date_that_is_not_day_month_year_is_refused_in_the_visitors_language(
    client, s, language, message
):
    response = client.post(
        reverse("public_booking:waitlist_join", args=[s.practice.slug]),
        join_data(s, first_day="31/02/2027", last_day="12/31/2026"),
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.status_code == 400
    assert response.content.decode().count(message) == 2
    assert WaitlistEntry.objects.count() == 0


def test_a_range_ending_before_it_starts_is_explained_in_spanish(client, s):
    response = client.post(
        reverse("public_booking:waitlist_join", args=[s.practice.slug]),
        join_data(s, first_day="2026-12-10", last_day="2026-12-03"),
    )

    assert "El último día no puede ser anterior al primero." in response.content.decode()
    assert WaitlistEntry.objects.count() == 0


def test_another_practices_service_or_professional_cannot_be_joined(client, s):
    other = bookable_practice()
    for fields in ({"service": other.service.pk}, {"professional": other.professional.pk}):
        response = client.post(
            reverse("public_booking:waitlist_join", args=[s.practice.slug]),
            join_data(s, **fields),
        )
        assert response.status_code == 400
    assert WaitlistEntry.objects.count() == 0


def test_opening_the_claim_link_changes_nothing(client, s, django_assert_max_num_queries):
    entry = offered_entry(s)

    with django_assert_max_num_queries(3):
        page = client.get(url("waitlist_offer", entry))

    assert b"data-claim" in page.content
    assert "10:00" in page.content.decode()
    assert s.professional.appointments.count() == 0


def test_the_button_books_the_offered_time(client, s):
    entry = offered_entry(s)

    response = client.post(url("waitlist_offer", entry))

    appointment = s.professional.appointments.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "public_booking:done", args=[s.practice.slug, appointment.token]
    )
    assert appointment.start == THURSDAY_TEN


def test_a_late_claimer_is_told_someone_else_booked_it_and_stays_on_the_list(client, s):
    first, second = offered_entry(s), offered_entry(s)
    client.post(url("waitlist_offer", first))

    response = client.post(url("waitlist_offer", second))

    assert response.status_code == 409
    assert "Ya lo ha reservado otra persona" in response.content.decode()
    assert b'data-waitlist-status="waiting"' in response.content
    assert s.professional.appointments.count() == 1


def test_an_expired_offer_shows_no_button(client, s):
    entry = offered_entry(s)

    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        page = client.get(url("waitlist_offer", entry))
        refused = client.post(url("waitlist_offer", entry))

    assert b"data-claim" not in page.content
    assert refused.status_code == 400
    assert s.professional.appointments.count() == 0


def test_leaving_from_the_email_link(client, s):
    entry = offered_entry(s)

    page = client.get(url("waitlist_leave", entry))
    entry.refresh_from_db()
    assert entry.status == "offered"  # a GET changes nothing
    assert b'type="submit"' in page.content

    left = client.post(url("waitlist_leave", entry))

    entry.refresh_from_db()
    assert entry.status == "left"
    assert b"data-waitlist-left" in left.content


@pytest.mark.parametrize("name", ["waitlist_offer", "waitlist_leave"])
def test_another_practices_slug_or_a_guessed_token_is_404(client, s, name):
    entry = offered_entry(s)
    other = bookable_practice()

    assert client.get(url(name, entry, slug=other.practice.slug)).status_code == 404
    assert client.post(url(name, entry, slug=other.practice.slug)).status_code == 404
    guessed = reverse(f"public_booking:{name}", args=[s.practice.slug, "x" * 43])
    assert client.get(guessed).status_code == 404
    entry.refresh_from_db()
    assert entry.status == "offered"


# --- the practice's list ------------------------------------------------------------------


def staff_client(client, practice, role=Role.RECEPTION):
    client.force_login(MembershipFactory(practice=practice, role=role).user)
    return client


def test_the_practice_sees_who_waits_per_service(client, s, django_assert_max_num_queries):
    second_service = ServiceFactory(practice=s.practice, professionals=[s.professional])
    for _ in range(3):
        waiting(s, first_day=THURSDAY)
        waiting(s, first_day=THURSDAY, service=second_service, professional=s.professional)
    gone = waiting(s, first_day=THURSDAY, status="left")
    foreign = waiting(bookable_practice(), first_day=THURSDAY)
    staff_client(client, s.practice)

    with django_assert_max_num_queries(10):
        page = client.get(reverse("booking_staff:waitlist"))

    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("data-waitlist-entry=") == 6
    assert s.service.name in html and second_service.name in html
    assert gone.email not in html and foreign.email not in html


def test_a_professional_cannot_see_the_list(client, s):
    staff_client(client, s.practice, role=Role.PROFESSIONAL)

    assert client.get(reverse("booking_staff:waitlist")).status_code == 404


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.RECEPTION])
def test_managers_and_reception_remove_someone(client, s, role):
    entry = waiting(s, first_day=THURSDAY)
    staff_client(client, s.practice, role=role)

    response = client.post(reverse("booking_staff:waitlist_remove", args=[entry.pk]))

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == "left"


def test_removing_another_practices_entry_is_404(client, s):
    foreign = waiting(bookable_practice(), first_day=THURSDAY)
    staff_client(client, s.practice, role=Role.OWNER)

    response = client.post(reverse("booking_staff:waitlist_remove", args=[foreign.pk]))

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "waiting"


def test_removing_needs_a_post(client, s):
    entry = waiting(s, first_day=THURSDAY)
    staff_client(client, s.practice, role=Role.OWNER)

    assert client.get(reverse("booking_staff:waitlist_remove", args=[entry.pk])).status_code == 405


def test_a_professional_of_another_service_is_not_needed(s):
    # A waiting entry for a professional who left the service is simply never offered.
    entry = waiting(s, first_day=THURSDAY, professional=ProfessionalFactory(practice=s.practice))
    offered = free(s)
    assert offered == []
    entry.refresh_from_db()
    assert entry.status == "waiting"
