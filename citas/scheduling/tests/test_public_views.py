from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from citas.core.factories import (
    AppointmentFactory,
    ProfessionalFactory,
    ServiceFactory,
    WorkingHoursFactory,
)
from citas.scheduling.selectors import availability_for

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 11, 20, 8, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ana():
    professional = ProfessionalFactory(display_name="Ana")
    for weekday in range(5):
        WorkingHoursFactory(
            professional=professional, weekday=weekday, start_time=time(9), end_time=time(14)
        )
    return professional


@pytest.fixture
def luis(ana):
    professional = ProfessionalFactory(practice=ana.practice, display_name="Luis")
    WorkingHoursFactory(
        professional=professional, weekday=1, start_time=time(16), end_time=time(18)
    )
    return professional


@pytest.fixture
def service(ana, luis):
    return ServiceFactory(practice=ana.practice, duration_minutes=60, professionals=[ana, luis])


def url(practice, **params):
    return reverse("public_scheduling:availability", args=[practice.slug]), params


def get(client, practice, **params):
    path, query = url(practice, **params)
    return client.get(path, query)


def test_it_returns_the_merged_slots_of_every_professional(client, ana, luis, service):
    response = get(
        client,
        ana.practice,
        service=service.pk,
        professional="any",
        **{"from": "2026-12-01", "to": "2026-12-01"},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["timezone"] == "Europe/Madrid"
    day = body["days"]["2026-12-01"]
    assert day[0] == {"start": "2026-12-01T09:00:00+01:00", "professional": ana.pk}
    assert day[-1] == {"start": "2026-12-01T17:00:00+01:00", "professional": luis.pk}


def test_it_returns_the_same_slots_as_the_selector_for_one_professional(client, ana, luis, service):
    AppointmentFactory(
        professional=ana, service=service, start=datetime(2026, 12, 3, 10, tzinfo=MADRID)
    )

    response = get(
        client,
        ana.practice,
        service=service.pk,
        professional=ana.pk,
        **{"from": "2026-12-01", "to": "2026-12-14"},
    )

    expected = availability_for(
        practice=ana.practice, service=service, professionals=[ana],
        first_day=datetime(2026, 12, 1).date(), last_day=datetime(2026, 12, 14).date(), now=NOW,
    )["professionals"][ana.pk]  # fmt: skip
    got = {
        day: [datetime.fromisoformat(slot["start"]) for slot in slots]
        for day, slots in response.json()["days"].items()
    }
    assert got == {day.isoformat(): starts for day, starts in expected.items()}
    assert {
        slot["professional"] for slots in response.json()["days"].values() for slot in slots
    } == {ana.pk}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "service"),
        ({"service": "abc"}, "service"),
        ({"from": "2026-13-01"}, "from"),
        ({"to": ""}, "to"),
        ({"professional": "1; DROP TABLE"}, "professional"),
        ({"professional": "²"}, "professional"),
        ({"to": "2026-11-30"}, "to"),
        ({"to": "2027-12-02"}, "to"),  # 367 days
        ({"service": "99999999999999999999"}, "service"),
    ],
)
def test_bad_parameters_get_a_400_with_the_field(client, ana, service, params, field):
    query = {"service": service.pk, "from": "2026-12-01", "to": "2026-12-07"} | params
    if not params:
        query.pop("service")

    response = get(client, ana.practice, **query)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"]
    assert field in error["fields"]


def test_a_service_of_another_practice_or_inactive_is_a_400(client, ana, service):
    foreign = ServiceFactory()
    inactive = ServiceFactory(practice=ana.practice, is_active=False, professionals=[ana])

    for candidate in (foreign, inactive):
        response = get(
            client, ana.practice, service=candidate.pk, **{"from": "2026-12-01", "to": "2026-12-01"}
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "unknown_service"


def test_a_professional_who_does_not_offer_the_service_is_a_400(client, ana, service):
    other = ProfessionalFactory(practice=ana.practice)

    response = get(
        client,
        ana.practice,
        service=service.pk,
        professional=other.pk,
        **{"from": "2026-12-01", "to": "2026-12-01"},
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_professional"


def test_an_unknown_practice_is_a_404(client, db):
    response = client.get(
        "/r/no-existe/disponibilidad/", {"service": 1, "from": "2026-12-01", "to": "2026-12-01"}
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_answers_in_a_fixed_number_of_queries(
    client, ana, service, django_assert_max_num_queries
):
    # The 4th: which of the professionals' external calendars are stale (refreshed first).
    with django_assert_max_num_queries(4):
        response = get(
            client, ana.practice, service=service.pk, **{"from": "2026-12-01", "to": "2027-02-28"}
        )

    assert response.status_code == 200
