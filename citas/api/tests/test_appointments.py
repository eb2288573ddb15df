from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models.signals import pre_init
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override
from rest_framework import serializers

from citas.api.selectors import (
    API_FILTER_LOOKUPS,
    APPOINTMENT_ROW_COLUMNS,
    APPOINTMENT_ROW_FIELDS,
)
from citas.api.serializers import AppointmentSerializer, _row_datetime
from citas.api.views import appointments as appointment_views
from citas.booking.models import Appointment, AppointmentEvent, AppointmentSeries, Client
from citas.catalog.models import Service
from citas.core.factories import AppointmentFactory, ClientFactory
from citas.practices.models import Professional, Role

from .conftest import free_start


def appointment(clinic, **fields):
    defaults = {
        "professional": clinic.professional,
        "service": clinic.service,
        "client": clinic.client_record,
        "start": free_start(),
    }
    return AppointmentFactory(**{**defaults, **fields})


def test_the_list_is_paginated_by_start_with_a_bounded_query_count(
    clinic, django_assert_max_num_queries
):
    for day in range(1, 8):
        appointment(clinic, start=free_start(days=day))
    api = clinic.api()
    # The token with its user, practice and membership; its first use stamped; the page.
    with django_assert_max_num_queries(3):
        first = api.get(reverse("api:appointments"), {"page_size": 5}).json()
    assert len(first["results"]) == 5
    second = api.get(first["next"]).json()
    starts = [row["start"] for row in first["results"] + second["results"]]
    assert len(starts) == 7
    assert starts == sorted(starts)


def test_the_list_reads_rows_without_building_appointments(clinic):
    """The list page comes from `.values()` rows: no Appointment (nor its professional,
    service and client) is instantiated, which was most of its time at 200k appointments."""
    for day in range(1, 4):
        appointment(clinic, start=free_start(days=day))
    api = clinic.api()
    built = []

    def count(sender, **kwargs):
        built.append(sender)

    for model in (Appointment, Professional, Service, Client):
        pre_init.connect(count, sender=model, weak=False)
    try:
        response = api.get(reverse("api:appointments"))
    finally:
        for model in (Appointment, Professional, Service, Client):
            pre_init.disconnect(count, sender=model)
    assert len(response.json()["results"]) == 3
    assert built == []


def test_the_list_rows_are_the_appointment_serializers_output(clinic):
    """Every field of a list row is what AppointmentSerializer gives for the same appointment
    (the detail endpoint's format), null and non-null alike, in the request's time zone."""
    series = AppointmentSeries.objects.create(
        practice=clinic.practice,
        client=clinic.client_record,
        service=clinic.service,
        frequency="weekly",
    )
    rows = [
        appointment(clinic, start=free_start(days=1)),
        appointment(
            clinic,
            start=free_start(days=2),
            status="pending",
            notes="Trae el informe",
            series=series,
            client_confirmed_at=timezone.now(),
        ),
        appointment(clinic, start=free_start(days=3), status="cancelled"),
    ]
    with override("en"):
        listed = clinic.api().get(reverse("api:appointments")).json()["results"]
        expected = AppointmentSerializer(
            Appointment.objects.filter(pk__in=[row.pk for row in rows]).order_by("start"),
            many=True,
        ).data
    assert listed == [dict(row) for row in expected]
    assert [list(row) for row in listed] == [list(row) for row in expected]


def test_the_list_filters_by_status_client_and_dates(clinic):
    kept = appointment(clinic, start=free_start(days=2))
    appointment(clinic, start=free_start(days=4), status="cancelled")
    appointment(
        clinic, start=free_start(days=2, hour=12), client=ClientFactory(practice=clinic.practice)
    )
    query = {
        "status": "confirmed",
        "client": clinic.client_record.pk,
        "from": free_start(days=1).isoformat(),
        "to": free_start(days=3).isoformat(),
    }
    response = clinic.api().get(reverse("api:appointments"), query)
    assert [row["id"] for row in response.json()["results"]] == [kept.pk]


def test_the_list_filters_by_whether_the_client_confirmed(clinic):
    confirmed = appointment(clinic, start=free_start(days=2), client_confirmed_at=timezone.now())
    waiting = appointment(clinic, start=free_start(days=3), status="pending")
    appointment(clinic, start=free_start(days=4), status="cancelled")
    AppointmentFactory(start=free_start(days=2), client_confirmed_at=timezone.now())
    api = clinic.api()

    def listed(**query):
        response = api.get(reverse("api:appointments"), query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert listed(client_confirmed="true") == [confirmed.pk]
    assert listed(client_confirmed="false") == [waiting.pk]
    assert len(listed()) == 3


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_client_confirmed_filter_other_than_true_or_false_is_a_400(clinic, value):
    response = clinic.api().get(
        reverse("api:appointments"), {"client_confirmed": value}, HTTP_ACCEPT_LANGUAGE="es"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["client_confirmed"] == ["Indica true o false."]


@pytest.mark.parametrize("size", ["-1", "0", "101", "ten"])
def test_a_page_size_out_of_bounds_is_a_400(clinic, size):
    response = clinic.api().get(reverse("api:appointments"), {"page_size": size})
    assert response.status_code == 400
    assert "page_size" in response.json()["error"]["fields"]


def test_a_naive_filter_date_is_a_400(clinic):
    response = clinic.api().get(reverse("api:appointments"), {"from": "2026-12-01T10:00:00"})
    assert response.status_code == 400


def test_reception_books_for_a_client(clinic):
    api = clinic.api(clinic.member(Role.RECEPTION))
    body = {
        "professional": clinic.professional.pk,
        "service": clinic.service.pk,
        "client": clinic.client_record.pk,
        "start": free_start().isoformat(),
    }
    response = api.post(reverse("api:appointments"), body, format="json")
    assert response.status_code == 201, response.json()
    created = Appointment.objects.get()
    assert created.status == "confirmed"
    assert created.events.get().actor.memberships.get().role == Role.RECEPTION


def test_booking_with_another_practices_client_is_refused(clinic, other_clinic):
    body = {
        "professional": clinic.professional.pk,
        "service": clinic.service.pk,
        "client": other_clinic.client_record.pk,
        "start": free_start().isoformat(),
    }
    response = clinic.api().post(reverse("api:appointments"), body, format="json")
    assert response.status_code == 400
    assert "client" in response.json()["error"]["fields"]
    assert not Appointment.objects.exists()


def test_an_overlapping_staff_booking_is_refused(clinic):
    appointment(clinic)
    body = {
        "professional": clinic.professional.pk,
        "service": clinic.service.pk,
        "client": clinic.client_record.pk,
        "start": free_start().isoformat(),
        "override_policy": True,
    }
    response = clinic.api().post(reverse("api:appointments"), body, format="json")
    assert response.status_code in (400, 409)
    assert Appointment.objects.count() == 1


def test_staff_can_book_outside_the_working_hours_with_override_policy(clinic):
    reception = clinic.api(clinic.member(Role.RECEPTION))
    body = {
        "professional": clinic.professional.pk,
        "service": clinic.service.pk,
        "client": clinic.client_record.pk,
        "start": free_start(hour=20).isoformat(),
    }

    refused = reception.post(reverse("api:appointments"), body, format="json")
    forced = reception.post(
        reverse("api:appointments"), {**body, "override_policy": True}, format="json"
    )

    assert refused.status_code == 400
    assert forced.status_code == 201, forced.json()
    booked = Appointment.objects.get()
    assert booked.start == free_start(hour=20)
    assert booked.events.get().data["override"] is True


def test_reading_one_appointment(clinic):
    row = appointment(clinic)
    response = clinic.api().get(reverse("api:appointment", args=[row.pk]))
    assert response.json()["client_name"] == clinic.client_record.full_name


def test_rescheduling_moves_the_appointment(clinic):
    row = appointment(clinic)
    new_start = free_start(days=5, hour=11)
    response = clinic.api().post(
        reverse("api:appointment_reschedule", args=[row.pk]),
        {"start": new_start.isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.json()
    row.refresh_from_db()
    assert row.start == new_start


def test_cancelling_records_the_reason(clinic):
    row = appointment(clinic)
    response = clinic.api().post(
        reverse("api:appointment_cancel", args=[row.pk]), {"reason": "Flu"}, format="json"
    )
    assert response.json()["status"] == "cancelled"
    assert AppointmentEvent.objects.get(appointment=row, kind="cancelled").data["reason"] == "Flu"


def test_confirming_and_rejecting_pending_bookings(clinic):
    first, second = (
        appointment(clinic, status="pending"),
        appointment(clinic, status="pending", start=free_start(days=4)),
    )
    api = clinic.api()
    assert api.post(reverse("api:appointment_confirm", args=[first.pk])).json()["status"] == (
        "confirmed"
    )
    rejected = api.post(reverse("api:appointment_reject", args=[second.pk]), {}, format="json")
    assert rejected.json()["status"] == "cancelled"


def test_completing_a_future_appointment_is_refused(clinic):
    row = appointment(clinic)
    response = clinic.api().post(reverse("api:appointment_complete", args=[row.pk]))
    assert response.status_code == 400
    assert response.json()["error"]["message"]
    row.refresh_from_db()
    assert row.status == "confirmed"


def test_a_past_appointment_can_be_a_no_show(clinic):
    row = appointment(clinic, start=timezone.now() - timedelta(hours=3))
    response = clinic.api().post(reverse("api:appointment_no-show", args=[row.pk]))
    assert response.json()["status"] == "no_show"


def test_an_action_rejects_unknown_fields(clinic):
    row = appointment(clinic)
    response = clinic.api().post(
        reverse("api:appointment_confirm", args=[row.pk]), {"status": "completed"}, format="json"
    )
    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]


def test_the_pages_scripts_use_the_session_with_csrf(clinic):
    from rest_framework.test import APIClient

    api = APIClient(enforce_csrf_checks=True)
    api.force_login(clinic.user)
    assert api.get(reverse("api:appointments")).status_code == 200
    body = {"full_name": "Ana", "email": "ana.session@example.com"}
    assert api.post(reverse("api:clients"), body, format="json").status_code == 403


def test_the_list_says_which_appointments_the_client_confirmed(clinic):
    confirmed_at = timezone.now().replace(microsecond=0)
    appointment(clinic, start=free_start(days=1), client_confirmed_at=confirmed_at)
    appointment(clinic, start=free_start(days=2))

    rows = clinic.api().get(reverse("api:appointments")).json()["results"]

    answers = [row["client_confirmed_at"] for row in rows]
    assert answers[1] is None
    assert datetime.fromisoformat(answers[0].replace("Z", "+00:00")) == confirmed_at


@pytest.mark.parametrize("zone", ["UTC", "Europe/Madrid", "America/Santiago", "Asia/Kolkata"])
def test_the_list_formats_datetimes_as_drf_does_in_any_time_zone(zone):
    """The list's own datetime formatting (the current zone read once) is DateTimeField's,
    "Z" for UTC included, across DST changes and for microseconds."""
    field = serializers.DateTimeField()
    values = [
        datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
        datetime(2026, 7, 1, 12, 0, 0, 1, tzinfo=ZoneInfo("Asia/Tokyo")),
    ]
    with timezone.override(ZoneInfo(zone)):
        when = _row_datetime(timezone.get_current_timezone())
        assert [when(value) for value in values] == [field.to_representation(v) for v in values]


def _orm_rows(*, practice, filters):
    """The list's rows as the ORM builds them on every request (before CompiledRows)."""
    rows = Appointment.objects.filter(practice=practice)
    for name, lookup in API_FILTER_LOOKUPS:
        if filters.get(name) is not None:
            rows = rows.filter(**{lookup: filters[name]})
    if filters.get("client_confirmed") is not None:
        rows = rows.client_confirmed(filters["client_confirmed"])
    return rows.values(*APPOINTMENT_ROW_COLUMNS, **APPOINTMENT_ROW_FIELDS)


def test_the_compiled_list_answers_what_the_orm_answers_page_by_page(
    clinic, other_clinic, monkeypatch
):
    """The list's SQL is built once per shape: for each filter, page size and cursor (forward
    and back, with offsets where starts repeat) every answer is the ORM's, links included."""
    colleague = clinic.colleague()
    other_client = ClientFactory(practice=clinic.practice)
    for day in range(1, 7):
        for hour, professional, client, status in (
            (10, clinic.professional, clinic.client_record, "confirmed"),
            (10, colleague, other_client, "pending"),  # the same start: cursor offsets
            (12, colleague, clinic.client_record, "cancelled"),
        ):
            appointment(
                clinic,
                start=free_start(days=day, hour=hour),
                professional=professional,
                client=client,
                status=status,
                client_confirmed_at=timezone.now() if day % 2 else None,
            )
    AppointmentFactory(start=free_start(days=2))  # another practice's
    api = clinic.api()
    queries = [
        {},
        {"page_size": 2},
        {"page_size": 4, "status": "pending"},
        {"professional": colleague.pk, "page_size": 3},
        {"client": other_client.pk, "client_confirmed": "true"},
        {"client_confirmed": "false", "page_size": 2},
        {"from": free_start(days=2).isoformat(), "to": free_start(days=5).isoformat()},
        {"professional": other_clinic.professional.pk},
    ]

    def walk(query):
        """Every page forward from the first, then every page back from the last."""
        pages = [api.get(reverse("api:appointments"), query).json()]
        while pages[-1]["next"]:
            pages.append(api.get(pages[-1]["next"]).json())
        while pages[-1]["previous"]:
            pages.append(api.get(pages[-1]["previous"]).json())
        return pages

    compiled = [walk(query) for query in queries]
    monkeypatch.setattr(appointment_views, "appointment_rows_for_api", _orm_rows)
    assert [walk(query) for query in queries] == compiled
    assert len({row["id"] for page in compiled[1] for row in page["results"]}) == 18
    assert len(compiled[1]) > 9  # pages of 2, there and back
    assert compiled[7] == [{"next": None, "previous": None, "results": []}]


def test_a_list_without_filters_validates_nothing_and_a_bad_filter_is_still_a_400(clinic):
    """The plain list skips the filter serializer (it would read nothing); any filter
    parameter, even empty or invalid, still goes through it."""
    appointment(clinic, start=free_start(days=1))
    api = clinic.api()
    assert len(api.get(reverse("api:appointments"), {"page_size": 5}).json()["results"]) == 1
    assert api.get(reverse("api:appointments"), {"status": "lost"}).status_code == 400
    assert api.get(reverse("api:appointments"), {"from": "yesterday"}).status_code == 400
    assert api.get(reverse("api:appointments"), {"professional": "0"}).status_code == 400
