"""The series endpoints: preview, all-or-nothing booking, and changing part of a series."""

from datetime import timedelta

import pytest
from django.urls import reverse

from citas.booking.models import Appointment, AppointmentSeries
from citas.core.factories import AppointmentFactory, ClientFactory

from .conftest import free_start

pytestmark = pytest.mark.django_db


def preview_body(clinic, **extra):
    return {
        "professional": clinic.professional.pk,
        "service": clinic.service.pk,
        "start": free_start(days=3).isoformat(),
        "frequency": "weekly",
        "count": 3,
        **extra,
    }


def create_body(clinic, starts):
    return {
        "professional": clinic.professional.pk,
        "service": clinic.service.pk,
        "client": clinic.client_record.pk,
        "frequency": "weekly",
        "starts": [start.isoformat() for start in starts],
    }


def weekly_starts(count=3):
    first = free_start(days=3)
    return [first + timedelta(weeks=week) for week in range(count)]


def test_the_preview_lists_each_occurrence_and_its_conflict(clinic):
    starts = weekly_starts()
    AppointmentFactory(
        professional=clinic.professional,
        service=clinic.service,
        client=ClientFactory(practice=clinic.practice),
        start=starts[1],
        status="confirmed",
    )
    response = clinic.api().post(reverse("api:series_preview"), preview_body(clinic), format="json")
    assert response.status_code == 200, response.content
    assert [row["conflict"] for row in response.json()] == ["", "taken", ""]
    assert AppointmentSeries.objects.count() == 0


def test_a_preview_without_count_or_until_is_a_clear_400(clinic):
    body = preview_body(clinic, count=None)
    response = clinic.api().post(reverse("api:series_preview"), body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"] == "Indica el número de citas o la última fecha, no ambos."
    assert AppointmentSeries.objects.count() == 0


def test_it_books_a_series_and_marks_each_appointment(clinic):
    response = clinic.api().post(
        reverse("api:series"), create_body(clinic, weekly_starts()), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["appointments"]) == 3
    assert {row["series"] for row in body["appointments"]} == {body["id"]}
    detail = clinic.api().get(reverse("api:appointment", args=[body["appointments"][0]["id"]]))
    assert detail.json()["series"] == body["id"]


def test_a_taken_occurrence_is_a_409_and_books_nothing(clinic):
    starts = weekly_starts()
    AppointmentFactory(
        professional=clinic.professional,
        service=clinic.service,
        client=ClientFactory(practice=clinic.practice),
        start=starts[2],
        status="confirmed",
    )
    response = clinic.api().post(reverse("api:series"), create_body(clinic, starts), format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "slot_taken"
    assert Appointment.objects.filter(series__isnull=False).count() == 0
    assert AppointmentSeries.objects.count() == 0


def test_cancelling_this_and_the_following(clinic):
    created = clinic.api().post(
        reverse("api:series"), create_body(clinic, weekly_starts()), format="json"
    )
    ids = [row["id"] for row in created.json()["appointments"]]
    response = clinic.api().post(
        reverse("api:appointment_series_cancel", args=[ids[1]]),
        {"scope": "following"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()] == ids[1:]
    statuses = dict(Appointment.objects.values_list("pk", "status"))
    assert [statuses[pk] for pk in ids] == ["confirmed", "cancelled", "cancelled"]


def test_moving_the_whole_series_an_hour_later(clinic):
    starts = weekly_starts()
    created = clinic.api().post(reverse("api:series"), create_body(clinic, starts), format="json")
    ids = [row["id"] for row in created.json()["appointments"]]
    response = clinic.api().post(
        reverse("api:appointment_series_move", args=[ids[0]]),
        {"scope": "all", "start": (starts[0] + timedelta(hours=1)).isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.content
    moved = dict(Appointment.objects.values_list("pk", "start"))
    assert [moved[pk] for pk in ids] == [start + timedelta(hours=1) for start in starts]


def test_an_unknown_scope_is_a_400(clinic):
    appointment = AppointmentFactory(
        professional=clinic.professional,
        service=clinic.service,
        client=clinic.client_record,
        start=free_start(),
        status="confirmed",
    )
    response = clinic.api().post(
        reverse("api:appointment_series_cancel", args=[appointment.pk]),
        {"scope": "everything"},
        format="json",
    )
    assert response.status_code == 400
    appointment.refresh_from_db()
    assert appointment.status == "confirmed"


def test_moving_a_series_to_another_professional(clinic):
    starts = weekly_starts()
    created = clinic.api().post(reverse("api:series"), create_body(clinic, starts), format="json")
    ids = [row["id"] for row in created.json()["appointments"]]
    other = clinic.colleague()
    response = clinic.api().post(
        reverse("api:appointment_series_move", args=[ids[0]]),
        {"scope": "all", "start": starts[0].isoformat(), "professional": other.pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert {row["professional"] for row in response.json()} == {other.pk}


def test_a_series_move_to_a_busy_professional_is_a_409_listing_every_conflict(clinic):
    starts = weekly_starts()
    created = clinic.api().post(reverse("api:series"), create_body(clinic, starts), format="json")
    ids = [row["id"] for row in created.json()["appointments"]]
    other = clinic.colleague()
    for start in starts[1:]:
        AppointmentFactory(
            professional=other, service=clinic.service, client=clinic.client_record, start=start
        )
    response = clinic.api().post(
        reverse("api:appointment_series_move", args=[ids[0]]),
        {"scope": "all", "start": starts[0].isoformat(), "professional": other.pk},
        format="json",
    )
    assert response.status_code == 409, response.content
    message = response.json()["error"]["message"]
    assert all(start.strftime("%d/%m/%Y") in message for start in starts[1:])
    owners = set(Appointment.objects.filter(pk__in=ids).values_list("professional", flat=True))
    assert owners == {clinic.professional.pk}


def test_a_series_move_to_another_practices_professional_is_a_400(clinic, other_clinic):
    created = clinic.api().post(
        reverse("api:series"), create_body(clinic, weekly_starts()), format="json"
    )
    ids = [row["id"] for row in created.json()["appointments"]]
    response = clinic.api().post(
        reverse("api:appointment_series_move", args=[ids[0]]),
        {
            "scope": "all",
            "start": free_start(days=3).isoformat(),
            "professional": other_clinic.professional.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "professional" in response.json()["error"]["fields"]
