from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.urls import reverse

from citas.booking.forms import format_start
from citas.core.factories import AppointmentFactory, ClientFactory, UserFactory

from .helpers import bookable_practice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]
MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 11, 30, 8, tzinfo=MADRID)  # a Monday
THURSDAY_TEN = datetime(2026, 12, 3, 10, tzinfo=MADRID)


@pytest.fixture
def appointment(s):
    return AppointmentFactory(
        professional=s.professional, service=s.service, client=s.client, start=THURSDAY_TEN
    )


def manage(name, appointment) -> str:
    return reverse(f"manage:{name}", args=[appointment.token])


def status_of(appointment) -> str:
    appointment.refresh_from_db()
    return appointment.status


# --- manage link -------------------------------------------------------------------------------


def test_the_manage_link_shows_the_appointment_without_login(client, appointment):
    response = client.get(manage("page", appointment))

    assert response.status_code == 200
    assert response.context["appointment"] == appointment
    assert response.context["can_change"]


@pytest.mark.parametrize("token", ["x" * 43, "short", "x" * 200])
def test_a_guessed_token_is_404(client, appointment, token):
    assert client.get(reverse("manage:page", args=[token])).status_code == 404
    assert client.post(reverse("manage:cancel", args=[token])).status_code == 404
    assert status_of(appointment) == "confirmed"


def test_the_client_cancels_with_a_reason(client, appointment):
    response = client.post(manage("cancel", appointment), {"reason": "Estoy enfermo"})

    assert response.status_code == 302
    assert status_of(appointment) == "cancelled"
    event = appointment.events.get()
    assert (event.kind, event.by_client, event.data) == (
        "cancelled",
        True,
        {"reason": "Estoy enfermo"},
    )


def test_a_manage_link_acts_only_on_its_own_appointment(client, s, appointment):
    other = AppointmentFactory(
        professional=s.professional, service=s.service, start=THURSDAY_TEN + timedelta(hours=2)
    )

    client.post(manage("cancel", appointment), {"appointment": other.pk, "pk": other.pk})

    assert status_of(other) == "confirmed"
    assert status_of(appointment) == "cancelled"


def test_cancelling_inside_the_window_is_refused_and_changes_nothing(client, appointment):
    with time_machine.travel(THURSDAY_TEN - timedelta(hours=3), tick=False):
        page = client.get(manage("page", appointment))
        response = client.post(manage("cancel", appointment))

    assert not page.context["can_change"]
    assert response.status_code == 400
    assert response.context["cancel_form"].errors
    assert status_of(appointment) == "confirmed"


@pytest.mark.parametrize("status", ["cancelled", "completed", "no_show"])
def test_a_finished_appointment_is_read_only(client, appointment, status):
    appointment.status = status
    appointment.save()

    page = client.get(manage("page", appointment))
    cancel = client.post(manage("cancel", appointment))
    move = client.post(
        manage("reschedule", appointment),
        {"start": format_start(THURSDAY_TEN + timedelta(hours=1))},
    )

    assert not page.context["can_change"]
    assert "cancel-title" not in page.content.decode()
    assert (cancel.status_code, move.status_code) == (400, 400)
    appointment.refresh_from_db()
    assert (appointment.status, appointment.start) == (status, THURSDAY_TEN)


def test_a_past_appointment_is_read_only(client, appointment):
    with time_machine.travel(THURSDAY_TEN + timedelta(days=1), tick=False):
        page = client.get(manage("page", appointment))
        response = client.post(manage("cancel", appointment))

    assert not page.context["can_change"]
    assert response.status_code == 400
    assert status_of(appointment) == "confirmed"


def test_the_client_picks_a_new_time_and_moves_the_appointment(client, appointment):
    page = client.get(manage("page", appointment) + "?cambiar=1&day=2026-12-04")
    new_start = page.context["slots"][0].start

    response = client.post(manage("reschedule", appointment), {"start": format_start(new_start)})

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.start == new_start
    assert appointment.events.get().kind == "rescheduled"


def test_moving_onto_a_taken_time_is_409_and_changes_nothing(client, s, appointment):
    taken = THURSDAY_TEN + timedelta(hours=1)
    AppointmentFactory(professional=s.professional, service=s.service, start=taken)

    response = client.post(manage("reschedule", appointment), {"start": format_start(taken)})

    assert response.status_code == 409
    appointment.refresh_from_db()
    assert appointment.start == THURSDAY_TEN


@pytest.mark.parametrize(
    "start", ["", "tomorrow", format_start(datetime(2026, 12, 3, 20, tzinfo=MADRID))]
)
def test_moving_to_an_invalid_time_is_refused(client, appointment, start):
    response = client.post(manage("reschedule", appointment), {"start": start})

    assert response.status_code == 400
    assert response.context["errors"]
    appointment.refresh_from_db()
    assert appointment.start == THURSDAY_TEN


# --- Mis citas ---------------------------------------------------------------------------------


@pytest.fixture
def jose(s):
    user = UserFactory(email="jose@example.com")
    return user


def test_mis_citas_needs_a_login(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_mis_citas_lists_appointments_linked_or_matching_a_verified_email(client, s, jose):
    linked = AppointmentFactory(
        professional=s.professional, client=ClientFactory(practice=s.practice, user=jose)
    )
    other = bookable_practice()
    by_email = AppointmentFactory(
        professional=other.professional,
        client=ClientFactory(practice=other.practice, email="JOSE@example.com"),
        start=THURSDAY_TEN + timedelta(days=1),
    )
    past = AppointmentFactory(
        professional=s.professional,
        client=ClientFactory(practice=s.practice, user=jose),
        start=NOW - timedelta(days=7),
    )
    AppointmentFactory(professional=s.professional, start=THURSDAY_TEN + timedelta(hours=2))
    client.force_login(jose)

    response = client.get(reverse("home"))

    assert response.context["upcoming"] == [linked, by_email]
    assert response.context["past"] == [past]


def test_an_unverified_email_does_not_reveal_appointments(client, s):
    user = UserFactory(email="eve@example.com", verified=False)
    EmailAddress.objects.create(user=user, email="eve@example.com", verified=False)
    AppointmentFactory(
        professional=s.professional,
        client=ClientFactory(practice=s.practice, email="eve@example.com"),
    )
    client.force_login(user)

    assert client.get(reverse("home")).context["upcoming"] == []


def test_mis_citas_runs_a_fixed_number_of_queries(client, s, jose, django_assert_max_num_queries):
    mine = ClientFactory(practice=s.practice, user=jose)
    for day in range(10):
        AppointmentFactory(
            professional=s.professional, client=mine, start=THURSDAY_TEN + timedelta(days=day)
        )
    client.force_login(jose)
    client.get(reverse("home"))  # the first request records the user session

    # 7 for session, user and allauth's user-session bookkeeping; 3 for the page; 4 for "Your data".
    with django_assert_max_num_queries(14):
        response = client.get(reverse("home"))
    assert len(response.context["upcoming"]) == 10


def test_another_clients_appointment_is_404(client, appointment, jose):
    client.force_login(jose)
    detail = reverse("my_appointments:detail", args=[appointment.pk])
    cancel = reverse("my_appointments:cancel", args=[appointment.pk])

    assert client.get(detail).status_code == 404
    assert client.post(cancel).status_code == 404
    assert status_of(appointment) == "confirmed"


def test_a_client_cancels_and_moves_from_mis_citas(client, s, jose):
    appointment = AppointmentFactory(
        professional=s.professional,
        service=s.service,
        client=ClientFactory(practice=s.practice, user=jose),
        start=THURSDAY_TEN,
    )
    client.force_login(jose)
    new_start = THURSDAY_TEN + timedelta(hours=1)

    moved = client.post(
        reverse("my_appointments:reschedule", args=[appointment.pk]),
        {"start": format_start(new_start)},
    )
    cancelled = client.post(reverse("my_appointments:cancel", args=[appointment.pk]))

    assert (moved.status_code, cancelled.status_code) == (302, 302)
    appointment.refresh_from_db()
    assert (appointment.start, appointment.status) == (new_start, "cancelled")
    assert client.get(reverse("my_appointments:detail", args=[appointment.pk])).status_code == 200
