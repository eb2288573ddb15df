from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from citas.core.factories import (
    AppointmentFactory,
    MembershipFactory,
    ProfessionalFactory,
    ServiceFactory,
    TimeOffFactory,
)
from citas.practices.models import Role

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")
FEED = reverse("booking_staff:agenda_feed")
WEEK = {"start": "2026-12-21T00:00:00", "end": "2026-12-28T00:00:00"}
CHRISTMAS = datetime(2026, 12, 25, tzinfo=MADRID)


@pytest.fixture(autouse=True)
def frozen_clock():
    # A still clock keeps the session bookkeeping out of the query counts.
    with time_machine.travel(datetime(2026, 12, 21, 8, tzinfo=MADRID), tick=False):
        yield


@pytest.fixture
def member(db):
    return MembershipFactory(role=Role.RECEPTION, practice__timezone="Europe/Madrid")


@pytest.fixture
def luis(member):
    return ProfessionalFactory(practice=member.practice, display_name="Luis Gil")


@pytest.fixture
def marta(member):
    return ProfessionalFactory(practice=member.practice, display_name="Marta Ruiz")


@pytest.fixture
def member_client(client, member):
    client.force_login(member.user)
    return client


def _time_off(events):
    return [event for event in events if event.get("display") == "background"]


def test_a_practice_holiday_shades_every_chosen_column_with_its_reason(
    member, member_client, luis, marta
):
    TimeOffFactory(
        practice=member.practice,
        start=CHRISTMAS,
        end=CHRISTMAS + timedelta(days=1),
        reason="festivo",
        note="Navidad",
    )

    events = member_client.get(FEED, {**WEEK, "professional": [luis.pk, marta.pk]}).json()

    [holiday] = _time_off(events)
    assert holiday["start"] == "2026-12-25T00:00:00"
    assert holiday["end"] == "2026-12-26T00:00:00"
    assert holiday["title"].endswith(" · Navidad")
    assert holiday["extendedProps"] == {"timeOff": True, "reason": "festivo"}
    assert sorted(holiday["resourceIds"]) == sorted([luis.pk, marta.pk])
    assert holiday["editable"] is False


def test_a_professionals_vacation_shades_only_their_column(member, member_client, luis, marta):
    TimeOffFactory(
        practice=member.practice,
        professional=luis,
        start=datetime(2026, 12, 22, 9, tzinfo=MADRID),
        end=datetime(2026, 12, 22, 13, tzinfo=MADRID),
        all_day=False,
        reason="formacion",
    )

    events = member_client.get(FEED, {**WEEK, "professional": [luis.pk, marta.pk]}).json()

    [training] = _time_off(events)
    assert (training["start"], training["end"]) == ("2026-12-22T09:00:00", "2026-12-22T13:00:00")
    assert training["title"].endswith(" · Luis Gil")
    assert training["extendedProps"]["reason"] == "formacion"
    assert training["resourceIds"] == [luis.pk]


def test_the_time_off_of_an_unticked_professional_is_left_out(member, member_client, luis, marta):
    TimeOffFactory(practice=member.practice, professional=marta, start=CHRISTMAS)

    events = member_client.get(FEED, {**WEEK, "professional": [luis.pk]}).json()

    assert _time_off(events) == []


def test_time_off_outside_the_week_or_of_another_practice_is_left_out(member_client, luis):
    TimeOffFactory(practice=luis.practice, start=CHRISTMAS + timedelta(days=7))
    TimeOffFactory(start=CHRISTMAS)  # another practice

    events = member_client.get(FEED, {**WEEK, "professional": [luis.pk]}).json()

    assert _time_off(events) == []


@pytest.mark.parametrize("count", [1, 30])
def test_the_feed_runs_a_fixed_number_of_queries_whatever_the_time_off(
    member, member_client, luis, count, django_assert_max_num_queries
):
    service = ServiceFactory(practice=member.practice, professionals=[luis])
    AppointmentFactory(
        professional=luis, service=service, start=datetime(2026, 12, 22, 10, tzinfo=MADRID)
    )
    for i in range(count):
        TimeOffFactory(
            practice=member.practice,
            professional=luis if i % 2 else None,
            start=datetime(2026, 12, 21 + i % 7, 8, tzinfo=MADRID) + timedelta(minutes=10 * i),
            end=datetime(2026, 12, 21 + i % 7, 8, tzinfo=MADRID) + timedelta(minutes=10 * i + 5),
            all_day=False,
        )
    params = {**WEEK, "professional": [luis.pk]}
    member_client.get(FEED, params)

    # 7 for session, user and usersessions; membership, ticked professionals, appointments,
    # time off and external busy times for the feed.
    with django_assert_max_num_queries(12):
        response = member_client.get(FEED, params)

    assert len(_time_off(response.json())) == count
    assert len(response.json()) == count + 1
