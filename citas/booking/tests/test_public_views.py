from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from citas.booking.forms import format_start
from citas.booking.models import Appointment, Client
from citas.booking.public_views import BOOKINGS_PER_HOUR
from citas.core.factories import (
    AppointmentFactory,
    ProfessionalFactory,
    ServiceFactory,
    TimeOffFactory,
    UserFactory,
)
from citas.notifications.models import ClientContactPreference

from .helpers import bookable_practice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]
MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 11, 30, 8, tzinfo=MADRID)  # a Monday
TUESDAY_TEN = datetime(2026, 12, 1, 10, tzinfo=MADRID)


def page_url(s, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("public_booking:page", args=[s.practice.slug]) + (f"?{query}" if query else "")


def form_data(s, start=TUESDAY_TEN, **overrides) -> dict:
    return {
        "service": s.service.pk,
        "professional": s.professional.pk,
        "start": format_start(start),
        "full_name": "José Ñúñez 👍",
        "email": "jose@example.com",
        "phone": "600 000 000",
        "notes": "Primera vez",
        "privacy": "on",
        **overrides,
    }


def submit(client, s, **data):
    return client.post(reverse("public_booking:submit", args=[s.practice.slug]), data)


# --- the steps ---------------------------------------------------------------------------------


def test_the_page_shows_the_practice_and_its_services_with_price_and_duration(client, s):
    s.practice.address, s.practice.phone = "Calle Mayor 1", "+34 910 000 000"
    s.practice.save()
    ServiceFactory(practice=s.practice, name="Retired", is_active=False)

    response = client.get(page_url(s), HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 200
    content = response.content.decode()
    assert "Calle Mayor 1" in content
    assert s.service.name in content
    assert "40,00 €" in content
    assert "30 min" in content
    assert "Retired" not in content


def test_an_unknown_practice_is_404(client, db):
    assert client.get(reverse("public_booking:page", args=["nope"])).status_code == 404


def test_choosing_a_service_offers_its_professionals_and_anyone(client, s):
    response = client.get(page_url(s, service=s.service.pk))

    assert list(response.context["professionals"]) == [s.professional]
    assert "professional=any" in response.content.decode()


def test_the_month_marks_the_days_with_free_slots(client, s):
    response = client.get(page_url(s, service=s.service.pk, professional="any", month="2026-12"))

    content = response.content.decode()
    assert 'data-day="2026-12-01"' in content
    assert 'data-day="2026-12-05"' not in content  # a Saturday
    assert response.context["calendar"].previous_month.month == 11


def test_the_month_page_runs_a_fixed_number_of_queries(client, s, django_assert_max_num_queries):
    for offset in range(30):
        AppointmentFactory(
            professional=s.professional,
            service=s.service,
            start=TUESDAY_TEN + timedelta(days=offset, minutes=0),
        )
    for _ in range(3):
        s.service.professionals.add(ProfessionalFactory(practice=s.practice))

    with django_assert_max_num_queries(7):
        response = client.get(
            page_url(s, service=s.service.pk, professional="any", month="2026-12")
        )
    assert response.status_code == 200


def test_a_day_lists_its_free_times_and_a_time_opens_the_form(client, s):
    day = client.get(
        page_url(s, service=s.service.pk, professional=s.professional.pk, day="2026-12-01")
    )
    values = [slot.value for slot in day.context["slots"]]
    assert format_start(TUESDAY_TEN) in values

    chosen = client.get(
        page_url(
            s,
            service=s.service.pk,
            professional=s.professional.pk,
            day="2026-12-01",
            start=format_start(TUESDAY_TEN),
        )
    )

    assert chosen.context["form"].initial["start"] == format_start(TUESDAY_TEN)


def test_a_logged_in_client_finds_name_and_email_filled_in(client, s):
    user = UserFactory(full_name="Marta Ruiz", email="marta@example.com")
    client.force_login(user)

    response = client.get(
        page_url(
            s,
            service=s.service.pk,
            professional="any",
            day="2026-12-01",
            start=format_start(TUESDAY_TEN),
        )
    )

    assert response.context["form"].initial["full_name"] == "Marta Ruiz"
    assert response.context["form"].initial["email"] == "marta@example.com"


def test_an_htmx_step_renders_only_the_steps(client, s):
    response = client.get(page_url(s, service=s.service.pk), HTTP_HX_REQUEST="true")

    content = response.content.decode()
    assert content.lstrip().startswith('<div id="booking-steps"')
    assert "<html" not in content


@pytest.mark.parametrize(
    "params",
    [
        {"service": "999999"},
        {"service": "abc"},
        {"service": "S", "professional": "999999"},
        {"service": "S", "professional": "any", "month": "2026-99"},
        {"service": "S", "professional": "any", "day": "2026-12-01", "start": "bogus"},
        {"service": "S", "professional": "any", "day": "2026-12-01", "start": "2026-12-01T09:05Z"},
    ],
)
def test_a_bad_link_shows_a_message_and_never_fails(client, s, params):
    params = {k: (s.service.pk if v == "S" else v) for k, v in params.items()}

    response = client.get(page_url(s, **params))

    assert response.status_code == 400
    assert response.context["errors"]


@pytest.mark.parametrize("month", ["0001-01", "9999-12"])
def test_months_outside_the_bookable_range_show_the_nearest_bookable_one(client, s, month):
    response = client.get(page_url(s, service=s.service.pk, professional="any", month=month))

    assert response.status_code == 200
    assert response.context["calendar"].month.year == 2026 + (month == "9999-12")


def test_another_practices_service_is_not_offered(client, s):
    foreign = ServiceFactory()

    response = client.get(page_url(s, service=foreign.pk))

    assert response.status_code == 400
    assert "professionals" not in response.context


# --- booking -----------------------------------------------------------------------------------


def test_a_guest_books_a_slot_and_gets_the_manage_link(client, s):
    response = submit(client, s, **form_data(s))

    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "public_booking:done", args=[s.practice.slug, appointment.token]
    )
    assert appointment.status == "confirmed"
    assert appointment.client.full_name == "José Ñúñez 👍"
    assert appointment.client.privacy_accepted_at is not None
    assert appointment.notes == "Primera vez"
    done = client.get(response["Location"])
    assert reverse("manage:page", args=[appointment.token]) in done.content.decode()


def test_a_booking_needing_approval_says_the_request_was_received(client, s):
    s.practice.booking_policy.approval_required = True
    s.practice.booking_policy.save()

    response = submit(client, s, **form_data(s))

    done = client.get(response["Location"])
    assert Appointment.objects.get().status == "pending"
    assert done.context["appointment"].status == "pending"


def test_a_logged_in_client_is_linked_to_the_client_record(client, s):
    user = UserFactory(email="jose@example.com")
    client.force_login(user)

    submit(client, s, **form_data(s))

    assert Appointment.objects.get().client.user == user


def test_ticking_sms_consent_records_it_with_the_booking(client, s):
    submit(client, s, **form_data(s, sms_consent="on"))

    client_record = Appointment.objects.get().client
    assert ClientContactPreference.objects.get(client=client_record).sms_consent


def test_without_the_sms_tick_no_consent_is_recorded(client, s):
    submit(client, s, **form_data(s))

    assert Appointment.objects.count() == 1
    assert not ClientContactPreference.objects.filter(sms_consent=True).exists()


def test_sms_consent_updates_the_preference_of_a_returning_client(client, s):
    s.client.email, s.client.phone = "jose@example.com", "600 000 000"
    s.client.save()
    ClientContactPreference.objects.create(client=s.client, sms_consent=False)

    submit(client, s, **form_data(s, sms_consent="on"))

    assert Appointment.objects.get().client == s.client
    assert ClientContactPreference.objects.get(client=s.client).sms_consent


def test_a_lost_race_records_no_sms_consent(client, s):
    AppointmentFactory(professional=s.professional, service=s.service, start=TUESDAY_TEN)

    response = submit(client, s, **form_data(s, sms_consent="on"))

    assert response.status_code == 409
    assert not ClientContactPreference.objects.exists()


def test_a_lost_race_shows_fresh_slots_with_409_and_saves_nothing(client, s):
    AppointmentFactory(professional=s.professional, service=s.service, start=TUESDAY_TEN)

    response = submit(client, s, **form_data(s))

    assert response.status_code == 409
    assert Appointment.objects.count() == 1
    assert not Client.objects.filter(email="jose@example.com").exists()
    assert format_start(TUESDAY_TEN) not in [slot.value for slot in response.context["slots"]]
    assert response.context["slots"]
    assert "form" not in response.context


def _bad_inputs():
    return {
        "in the past": lambda s: form_data(s, start=NOW - timedelta(hours=1)),
        "inside the notice": lambda s: form_data(s, start=NOW + timedelta(hours=1)),
        "beyond the horizon": lambda s: form_data(s, start=TUESDAY_TEN + timedelta(days=200)),
        "outside hours": lambda s: form_data(s, start=TUESDAY_TEN.replace(hour=20)),
        "off the grid": lambda s: form_data(s, start=TUESDAY_TEN + timedelta(minutes=7)),
        "unparseable start": lambda s: {**form_data(s), "start": "mañana"},
        "end of time": lambda s: {**form_data(s), "start": "9999-12-31T23:59Z"},
        "another practice's service": lambda s: form_data(s, service=ServiceFactory().pk),
        "another practice's professional": lambda s: form_data(
            s, professional=ProfessionalFactory().pk
        ),
        "absurd ids": lambda s: form_data(s, service="9" * 30, professional="9" * 30),
        "invalid email": lambda s: form_data(s, email="jose@"),
        "10,000-character note": lambda s: form_data(s, notes="x" * 10_000),
        "no privacy consent": lambda s: {**form_data(s), "privacy": ""},
        "no name": lambda s: form_data(s, full_name="   "),
        "SMS consent without a phone": lambda s: form_data(s, phone="", sms_consent="on"),
    }


@pytest.mark.parametrize("case", list(_bad_inputs()))
def test_bad_input_is_refused_with_a_message_and_saves_nothing(client, s, case):
    response = submit(client, s, **_bad_inputs()[case](s))

    assert response.status_code == 400
    messages = [str(e) for errors in response.context["form"].errors.values() for e in errors]
    assert messages
    assert messages[0] in response.content.decode()
    assert Appointment.objects.count() == 0
    assert Client.objects.exclude(pk=s.client.pk).count() == 0


def test_time_off_makes_a_slot_unbookable(client, s):
    TimeOffFactory(practice=s.practice, start=datetime(2026, 12, 1, tzinfo=MADRID))

    response = submit(client, s, **form_data(s))

    assert response.status_code == 400
    assert Appointment.objects.count() == 0


@pytest.mark.parametrize("problem", ["inactive", "not offered"])
def test_a_service_that_cannot_be_booked_is_refused(client, s, problem):
    if problem == "inactive":
        s.service.is_active = False
        s.service.save()
    else:
        s.service.professionals.clear()

    response = submit(client, s, **form_data(s))

    assert response.status_code == 400
    assert Appointment.objects.count() == 0


def test_booking_attempts_are_rate_limited_per_address(client, s):
    for _ in range(BOOKINGS_PER_HOUR):
        submit(client, s, **form_data(s, email="x@"))

    response = submit(client, s, **form_data(s))

    assert response.status_code == 429
    assert Appointment.objects.count() == 0


def test_the_confirmation_page_belongs_to_its_practice(client, s):
    appointment = AppointmentFactory(professional=s.professional, service=s.service)
    other = bookable_practice()

    response = client.get(
        reverse("public_booking:done", args=[other.practice.slug, appointment.token])
    )

    assert response.status_code == 404


def test_behind_a_trusted_proxy_the_rate_limit_counts_each_client_address(client, settings):
    from django.test import RequestFactory

    from citas.booking.public_views import _client_ip

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert _client_ip(request) == "203.0.113.7"
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    assert _client_ip(request) == "10.0.0.2"
