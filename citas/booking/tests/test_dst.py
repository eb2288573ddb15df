"""Appointments on the nights the clocks change (Europe/Madrid, the change days of 2027 and
2028 found with zoneinfo), through every booking path: the service, the public page, the
staff agenda (form, "book anyway" and drag) and the API. A 30-minute appointment lasts 30
minutes, and both 02:30 of the repeated autumn hour are distinct, bookable instants."""

import json
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from citas.api.models import every_scope
from citas.api.services import api_token_create
from citas.booking.forms import format_start
from citas.booking.models import Appointment
from citas.booking.services import appointment_book, appointment_reschedule
from citas.core.factories import (
    ClientFactory,
    MembershipFactory,
    ProfessionalFactory,
    ServiceFactory,
    WorkingHoursFactory,
)
from citas.core.tests.dst import YEARS, autumn_change, spring_change
from citas.core.timezones import as_utc
from citas.scheduling.selectors import availability_for, policy_for

pytestmark = pytest.mark.django_db
THIRTY = timedelta(minutes=30)
ZONE = "Europe/Madrid"


class Night:
    """A practice whose professional works 00:00–06:00, the clock frozen a week before `change`."""

    def __init__(self, change, *, buffer_after=0):
        self.change = change
        self.tz = change.tz
        self.professional = ProfessionalFactory(practice__timezone=ZONE)
        self.practice = self.professional.practice
        for weekday in range(7):
            WorkingHoursFactory(
                professional=self.professional,
                weekday=weekday,
                start_time=time(0),
                end_time=time(6),
            )
        self.service = ServiceFactory(
            practice=self.practice,
            professionals=[self.professional],
            buffer_after_minutes=buffer_after,
        )
        rules = policy_for(self.practice)
        rules.min_notice_minutes, rules.slot_step_minutes = 0, 15
        rules.save()
        self.member = MembershipFactory(practice=self.practice).user
        self.now = change.instant - timedelta(days=7)

    def wall(self, hour: int, minute: int, *, fold: int = 0) -> datetime:
        """The instant (UTC) of local hour:minute on the change day."""
        local = datetime.combine(self.change.day, time(hour, minute), tzinfo=self.tz)
        return as_utc(local.replace(fold=fold))

    def book(self, start: datetime) -> Appointment:
        return appointment_book(
            practice=self.practice,
            professional=self.professional,
            service=self.service,
            client=ClientFactory(practice=self.practice),
            start=start,
            by_client=False,
            now=self.now,
        )

    def api(self) -> APIClient:
        # Made at the test's moment: a token expires 90 days after it is created.
        with self.frozen():
            token = api_token_create(
                user=self.member, practice=self.practice, name="dst", scopes=every_scope()
            )[1]
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return api

    def frozen(self):
        return time_machine.travel(self.now, tick=False)


@pytest.fixture(params=YEARS)
def autumn(request, db):
    return Night(autumn_change(ZONE, request.param))


@pytest.fixture(params=YEARS)
def spring(request, db):
    return Night(spring_change(ZONE, request.param))


# --- the booking service ---------------------------------------------------------------------


def test_the_service_books_both_0230_of_the_repeated_hour_each_for_30_minutes(autumn):
    first_local = datetime.combine(autumn.change.day, time(2, 30), tzinfo=autumn.tz)

    first = autumn.book(first_local)  # local, fold=0: the wall clock must not leak into the end
    second = autumn.book(first_local.replace(fold=1))

    assert second.start - first.start == timedelta(hours=1)
    for appointment in (first, second):
        appointment.refresh_from_db()
        assert appointment.end - appointment.start == THIRTY
        assert appointment.blocked_end - appointment.blocked_start == THIRTY
    assert first.end == autumn.wall(2, 0, fold=1)


def test_the_blocked_range_with_buffers_is_absolute_across_the_change(db):
    night = Night(autumn_change(ZONE, YEARS[0]), buffer_after=15)
    start = datetime.combine(night.change.day, time(2, 30), tzinfo=night.tz)

    appointment = night.book(start)

    assert appointment.blocked_end - appointment.start == THIRTY + timedelta(minutes=15)


def test_the_service_ends_a_spring_0145_at_0315_summer_time(spring):
    appointment = spring.book(datetime.combine(spring.change.day, time(1, 45), tzinfo=spring.tz))

    appointment.refresh_from_db()
    assert appointment.end.astimezone(spring.tz).isoformat().endswith("03:15:00+02:00")
    assert appointment.end - appointment.start == THIRTY


def test_a_staff_resize_across_the_change_keeps_its_absolute_length(autumn):
    appointment = autumn.book(autumn.wall(1, 45))
    local = datetime.combine(autumn.change.day, time(2, 30), tzinfo=autumn.tz)

    appointment_reschedule(
        appointment=appointment,
        start=datetime.combine(autumn.change.day, time(1, 45), tzinfo=autumn.tz),
        end=local.replace(fold=1),
        by_client=False,
        now=autumn.now,
    )

    appointment.refresh_from_db()
    assert appointment.end - appointment.start == timedelta(hours=1, minutes=45)


# --- availability ----------------------------------------------------------------------------


def test_availability_keeps_the_second_0230_free_after_the_first_is_booked(autumn):
    autumn.book(autumn.wall(2, 30))

    slots = availability_for(
        practice=autumn.practice,
        service=autumn.service,
        professionals=[autumn.professional],
        first_day=autumn.change.day,
        last_day=autumn.change.day,
        now=autumn.now,
    )["any"][autumn.change.day]

    starts = [start for start, _ in slots]
    assert autumn.wall(2, 30) not in starts
    for minute in (0, 15, 30, 45):
        assert autumn.wall(2, minute, fold=1) in starts
    assert len(starts) == (timedelta(hours=7) - THIRTY) // timedelta(minutes=15) + 1 - 3


# --- the public page -------------------------------------------------------------------------


def test_the_public_page_books_the_second_0230_after_the_first(client, autumn):
    autumn.book(autumn.wall(2, 30))
    second = autumn.wall(2, 30, fold=1)
    data = {
        "service": autumn.service.pk,
        "professional": autumn.professional.pk,
        "start": format_start(second),
        "full_name": "Lucía Gil",
        "email": "lucia@example.com",
        "privacy": "on",
    }

    with autumn.frozen():
        day = client.get(
            reverse("public_booking:page", args=[autumn.practice.slug]),
            {"service": autumn.service.pk, "professional": "any", "day": autumn.change.day},
        )
        response = client.post(reverse("public_booking:submit", args=[autumn.practice.slug]), data)

    assert format_start(second) in day.content.decode()
    assert response.status_code == 302
    booked = Appointment.objects.get(client__email="lucia@example.com")
    assert (booked.start, booked.end) == (second, second + THIRTY)


# --- the staff agenda ------------------------------------------------------------------------


def staff_booking(night, **fields) -> dict:
    return {
        "service": night.service.pk,
        "professional": night.professional.pk,
        "full_name": "Marta Ruiz",
        "email": "marta@example.com",
    } | fields


def test_the_staff_form_asks_which_0230_and_books_the_second(client, autumn):
    local = f"{autumn.change.day.isoformat()}T02:30"

    with autumn.frozen():
        client.force_login(autumn.member)
        asked = client.post(
            reverse("booking_staff:agenda_book"), staff_booking(autumn, start=local)
        )
        booked = client.post(
            reverse("booking_staff:agenda_book"),
            staff_booking(autumn, start=local, repeated_hour="second"),
        )

    assert asked.status_code == 200, (asked.status_code, asked.get("Location"))
    assert "repeated_hour" in asked.context["form"].errors
    assert 'type="radio"' in asked.content.decode()
    assert booked["HX-Trigger"] == "appointment-booked"
    appointment = Appointment.objects.get()
    assert (appointment.start, appointment.end) == (
        autumn.wall(2, 30, fold=1),
        autumn.wall(3, 0, fold=1),
    )


def test_book_anyway_at_a_spring_0145_ends_at_0315(client, spring):
    start = f"{spring.change.day.isoformat()}T01:45"
    fields = {"start": start, "override_policy": "on", "confirm_override": "on"}

    with spring.frozen():
        client.force_login(spring.member)
        response = client.post(
            reverse("booking_staff:agenda_book"), staff_booking(spring, **fields)
        )

    assert response["HX-Trigger"] == "appointment-booked"
    appointment = Appointment.objects.get()
    assert appointment.end == spring.wall(3, 15)
    assert appointment.end - appointment.start == THIRTY


def test_a_staff_time_the_clocks_skip_is_refused(client, spring):
    start = f"{spring.change.day.isoformat()}T02:30"

    with spring.frozen():
        client.force_login(spring.member)
        response = client.post(
            reverse("booking_staff:agenda_book"), staff_booking(spring, start=start)
        )

    assert "start" in response.context["form"].errors
    assert not Appointment.objects.exists()


def test_dragging_to_the_second_0230_with_its_offset_moves_it_there(client, autumn):
    appointment = autumn.book(autumn.wall(1, 0))
    body = {"start": f"{autumn.change.day.isoformat()}T02:30:00+01:00"}

    with autumn.frozen():
        client.force_login(autumn.member)
        response = client.post(
            reverse("booking_staff:appointment_move", args=[appointment.pk]),
            json.dumps(body),
            content_type="application/json",
        )

    assert response.status_code == 200, response.json()
    appointment.refresh_from_db()
    assert (appointment.start, appointment.end) == (
        autumn.wall(2, 30, fold=1),
        autumn.wall(3, 0, fold=1),
    )


def drag(client, night, appointment, body):
    with night.frozen():
        client.force_login(night.member)
        return client.post(
            reverse("booking_staff:appointment_move", args=[appointment.pk]),
            json.dumps(body),
            content_type="application/json",
        )


def test_a_drop_into_the_repeated_hour_asks_which_and_changes_nothing(client, autumn):
    appointment = autumn.book(autumn.wall(1, 0))
    # The widget shows wall-clock time and sends it without an offset.
    response = drag(client, autumn, appointment, {"start": f"{autumn.change.day}T02:30:00"})

    assert response.status_code == 422
    answer = response.json()
    assert answer["code"] == "repeated_hour"
    assert [choice["value"] for choice in answer["choices"]] == ["first", "second"]
    appointment.refresh_from_db()
    assert appointment.start == autumn.wall(1, 0)


@pytest.mark.parametrize(("choice", "fold"), [("first", 0), ("second", 1)])
def test_a_drop_into_the_repeated_hour_goes_to_the_chosen_one(client, autumn, choice, fold):
    appointment = autumn.book(autumn.wall(1, 0))
    body = {"start": f"{autumn.change.day}T02:30:00", "repeated_hour": choice}

    response = drag(client, autumn, appointment, body)

    assert response.status_code == 200, response.json()
    appointment.refresh_from_db()
    assert appointment.start == autumn.wall(2, 30, fold=fold)
    assert appointment.end - appointment.start == THIRTY


def test_a_resize_ending_in_the_repeated_hour_ends_at_its_first_time_after_the_start(
    client, autumn
):
    # 02:30 (second time) to 02:45: only the second 02:45 is after the start.
    appointment = autumn.book(autumn.wall(2, 30, fold=1))
    day = autumn.change.day
    body = {"start": f"{day}T02:30:00", "end": f"{day}T02:45:00", "repeated_hour": "second"}

    response = drag(client, autumn, appointment, body)

    assert response.status_code == 200, response.json()
    appointment.refresh_from_db()
    assert (appointment.start, appointment.end) == (
        autumn.wall(2, 30, fold=1),
        autumn.wall(2, 45, fold=1),
    )


def test_the_agenda_names_which_0230_an_appointment_is(client, autumn):
    autumn.book(autumn.wall(2, 30))
    autumn.book(autumn.wall(2, 30, fold=1))
    day = autumn.change.day
    query = {"start": f"{day}T00:00", "end": f"{day + timedelta(days=1)}T00:00"}

    with autumn.frozen():
        client.force_login(autumn.member)
        events = client.get(reverse("booking_staff:agenda_feed"), query).json()

    titles = sorted(event["title"].split(" ")[0:3] for event in events if "id" in event)
    assert [" ".join(title[:3]) for title in titles] == [
        "02:30 (primera vez)",
        "02:30 (segunda vez)",
    ]


# --- the API ---------------------------------------------------------------------------------


def api_booking(night, start: str) -> dict:
    return {
        "professional": night.professional.pk,
        "service": night.service.pk,
        "client": ClientFactory(practice=night.practice).pk,
        "start": start,
    }


def test_the_api_books_both_0230_and_answers_their_ends_with_the_right_offsets(autumn):
    api, day = autumn.api(), autumn.change.day.isoformat()

    with autumn.frozen():
        first = api.post(
            reverse("api:appointments"), api_booking(autumn, f"{day}T02:30:00+02:00"), format="json"
        )
        second = api.post(
            reverse("api:appointments"), api_booking(autumn, f"{day}T02:30:00+01:00"), format="json"
        )

    assert first.status_code == second.status_code == 201, (first.json(), second.json())
    assert first.json()["end"] == f"{day}T02:00:00+01:00"  # 03:00+02:00 is 02:00+01:00
    assert second.json()["end"] == f"{day}T03:00:00+01:00"
    ends = sorted(Appointment.objects.values_list("end", flat=True))
    assert ends == [autumn.wall(2, 0, fold=1), autumn.wall(3, 0, fold=1)]


def test_the_api_ends_a_spring_0145_at_0315_summer_time_with_override(spring):
    day = spring.change.day.isoformat()
    body = api_booking(spring, f"{day}T01:45:00+01:00") | {"override_policy": True}

    with spring.frozen():
        response = spring.api().post(reverse("api:appointments"), body, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["end"] == f"{day}T03:15:00+02:00"


def test_the_api_reschedules_into_the_second_hour_for_30_minutes(autumn):
    appointment = autumn.book(autumn.wall(1, 0))
    day = autumn.change.day.isoformat()

    with autumn.frozen():
        response = autumn.api().post(
            reverse("api:appointment_reschedule", args=[appointment.pk]),
            {"start": f"{day}T02:15:00+01:00"},
            format="json",
        )

    assert response.status_code == 200, response.json()
    assert (response.json()["start"], response.json()["end"]) == (
        f"{day}T02:15:00+01:00",
        f"{day}T02:45:00+01:00",
    )
    appointment.refresh_from_db()
    assert appointment.start == datetime.combine(autumn.change.day, time(1, 15), tzinfo=UTC)
