"""The agenda's series booking (preview, skip, move, all-or-nothing) and the appointment
page's "this one / the following / the whole series"."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from citas.booking.forms import format_start
from citas.booking.models import Appointment, AppointmentSeries, Client
from citas.booking.series import series_book
from citas.core.factories import (
    AppointmentFactory,
    ClientFactory,
    MembershipFactory,
    ProfessionalFactory,
)
from citas.practices.models import Role

from .helpers import colleague

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]
MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 11, 30, 8, tzinfo=MADRID)  # a Monday morning
TUESDAYS = [datetime(2026, 12, 1, 10, tzinfo=MADRID) + timedelta(weeks=w) for w in range(3)]
BOOK = reverse("booking_staff:agenda_book")


@pytest.fixture
def member(db):
    return MembershipFactory(role=Role.RECEPTION)


def series_form(service, professional, **extra):
    return {
        "service": service.pk,
        "professional": professional.pk,
        "start": "2026-12-01T10:00",
        "full_name": "Marta Ruiz",
        "email": "marta@example.com",
        "frequency": "weekly",
        "count": "3",
    } | extra


def confirmed(data, keep=(0, 1, 2), **moves):
    rows = {f"occurrence_{i}": format_start(start) for i, start in enumerate(TUESDAYS)}
    return data | rows | {"series_confirm": "1", "keep": [str(i) for i in keep]} | moves


def test_the_preview_lists_every_date_with_its_conflict_and_saves_nothing(
    member_client, service, professional
):
    AppointmentFactory(professional=professional, service=service, start=TUESDAYS[1])
    clients = Client.objects.count()

    response = member_client.post(BOOK, series_form(service, professional))

    assert response.status_code == 200
    rows = response.context["series_rows"]
    assert [row["local"] for row in rows] == TUESDAYS
    assert [row["occurrence"].conflict for row in rows] == ["", "taken", ""]
    assert [row["keep"] for row in rows] == [True, False, True]
    assert 'name="series_confirm"' in response.content.decode()
    assert AppointmentSeries.objects.count() == 0
    assert Client.objects.count() == clients


def test_confirming_books_the_kept_and_moved_ones_as_one_series(
    member_client, service, professional
):
    data = confirmed(
        series_form(service, professional),
        keep=(0, 2),
        move_2_date="2026-12-16",
        move_2_time="12:30",
    )

    response = member_client.post(BOOK, data)

    assert response.status_code == 200, response.content
    assert response["HX-Trigger"] == "appointment-booked"
    series = AppointmentSeries.objects.get()
    starts = [a.start for a in series.appointments.order_by("start")]
    assert starts == [TUESDAYS[0], datetime(2026, 12, 16, 12, 30, tzinfo=MADRID)]
    assert series.client.full_name == "Marta Ruiz"


def test_a_time_taken_after_the_preview_books_nothing_and_says_which(
    member_client, service, professional
):
    AppointmentFactory(professional=professional, service=service, start=TUESDAYS[2])

    response = member_client.post(BOOK, confirmed(series_form(service, professional)))

    assert response.status_code == 200
    assert AppointmentSeries.objects.count() == 0
    assert not Client.objects.filter(email="marta@example.com").exists()
    errors = response.context["form"].non_field_errors()
    assert errors and "15/12/2026" in errors[0]


def test_nothing_kept_is_a_clear_error(member_client, service, professional):
    response = member_client.post(BOOK, confirmed(series_form(service, professional), keep=()))
    assert response.context["form"].non_field_errors() == ["Deja al menos una cita de la serie."]
    assert AppointmentSeries.objects.count() == 0


def test_another_practices_professional_cannot_be_booked_in_a_series(member_client, service):
    stranger = ProfessionalFactory()
    response = member_client.post(BOOK, confirmed(series_form(service, stranger)))
    assert "professional" in response.context["form"].errors
    assert AppointmentSeries.objects.count() == 0


@pytest.fixture
def booked_series(member, service, professional):
    client = ClientFactory(practice=member.practice)
    series = series_book(
        practice=member.practice,
        professional=professional,
        service=service,
        client=client,
        frequency="weekly",
        starts=TUESDAYS,
    )
    return list(series.appointments.order_by("start"))


def test_the_appointment_page_says_where_it_stands_in_the_series(member_client, booked_series):
    response = member_client.get(
        reverse("booking_staff:appointment_detail", args=[booked_series[1].pk])
    )
    content = response.content.decode()
    assert response.context["series_info"]["position"] == 2
    assert response.context["series_info"]["total"] == 3
    assert 'name="scope"' in content


def test_cancelling_this_and_the_following_from_the_appointment_page(member_client, booked_series):
    url = reverse("booking_staff:appointment_action", args=[booked_series[1].pk, "cancelar"])
    member_client.post(url, {"scope": "following", "reason": ""})
    statuses = [Appointment.objects.get(pk=a.pk).status for a in booked_series]
    assert statuses == ["confirmed", "cancelled", "cancelled"]


def test_moving_the_whole_series_from_the_appointment_page(member_client, booked_series):
    first = booked_series[0]
    url = reverse("booking_staff:appointment_reschedule", args=[first.pk])
    response = member_client.post(
        url,
        {
            "start": "2026-12-02T11:00",
            "professional": first.professional_id,
            "scope": "all",
        },
    )
    assert response.status_code == 302
    moved = [Appointment.objects.get(pk=a.pk).start for a in booked_series]
    assert moved == [start + timedelta(days=1, hours=1) for start in TUESDAYS]


def test_moving_the_following_to_another_professional_from_the_appointment_page(
    member_client, booked_series, service
):
    other = colleague(service)
    url = reverse("booking_staff:appointment_reschedule", args=[booked_series[1].pk])

    response = member_client.post(
        url,
        {"start": format_start(TUESDAYS[1]), "professional": other.pk, "scope": "following"},
    )

    assert response.status_code == 302
    rows = [Appointment.objects.get(pk=a.pk) for a in booked_series]
    assert [a.professional_id for a in rows] == [
        booked_series[0].professional_id,
        other.pk,
        other.pk,
    ]
    assert [a.start for a in rows] == TUESDAYS


def test_a_series_move_to_a_busy_professional_lists_the_conflicts_and_moves_none(
    member_client, booked_series, service
):
    other = colleague(service)
    AppointmentFactory(professional=other, service=service, start=TUESDAYS[2])
    url = reverse("booking_staff:appointment_reschedule", args=[booked_series[0].pk])

    response = member_client.post(
        url, {"start": format_start(TUESDAYS[0]), "professional": other.pk, "scope": "all"}
    )

    assert response.status_code == 200
    assert "No se ha movido ninguna cita" in response.content.decode()
    assert "15/12/2026" in response.content.decode()
    owners = {Appointment.objects.get(pk=a.pk).professional_id for a in booked_series}
    assert owners == {booked_series[0].professional_id}


def test_another_practice_cannot_cancel_a_series(stranger_client, booked_series):
    client = stranger_client
    url = reverse("booking_staff:appointment_action", args=[booked_series[0].pk, "cancelar"])
    assert client.post(url, {"scope": "all"}).status_code == 404
    url = reverse("booking_staff:appointment_reschedule", args=[booked_series[0].pk])
    assert client.post(url, {"start": "2026-12-02T11:00", "scope": "all"}).status_code == 404
    assert {Appointment.objects.get(pk=a.pk).status for a in booked_series} == {"confirmed"}


def test_the_agenda_marks_a_series(member_client, booked_series):
    response = member_client.get(
        reverse("booking_staff:agenda_feed"),
        {"start": "2026-11-30T00:00:00", "end": "2026-12-07T00:00:00"},
    )
    (event,) = response.json()
    assert event["extendedProps"]["series"] == booked_series[0].series_id
    assert "in-series" in event["classNames"]
    assert event["title"].startswith("↻ ")
