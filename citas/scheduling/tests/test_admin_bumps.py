"""Changes made on the admin site invalidate the practice's cached free slots at once, like the
app's own services do (the cache is written on commit: these tests commit for real)."""

from datetime import time, timedelta

import pytest
import time_machine
from django.urls import reverse

from citas.calendars.models import ExternalCalendar
from citas.core.factories import AppointmentFactory, UserFactory, enable_two_factor
from citas.practices.models import Practice
from citas.scheduling.models import ScheduleVersion, TimeOff, WorkingHours
from citas.scheduling.services import time_off_create

from .test_slot_cache import NOW, TEN, TUESDAY, read

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def operator(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    enable_two_factor(user)
    client.force_login(user)
    return client


@pytest.fixture
def setup():
    from citas.booking.tests.helpers import bookable_practice

    return bookable_practice()


def _admin(obj, view: str, *args) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args or [obj.pk])


def _version(practice) -> int:
    row = ScheduleVersion.objects.filter(practice=practice).first()
    return row.version if row else 0


def test_deleting_an_appointment_in_the_admin_frees_its_slot_at_once(setup, operator):
    appointment = AppointmentFactory(
        practice=setup.practice,
        professional=setup.professional,
        service=setup.service,
        client=setup.client,
        start=TEN,
    )
    assert TEN not in read(setup)[TUESDAY]  # cached with 10:00 taken

    response = operator.post(_admin(appointment, "delete"), {"post": "yes"})

    assert response.status_code == 302
    assert TEN in read(setup)[TUESDAY]


def test_editing_hours_in_the_admin_changes_the_slots_at_once(setup, operator):
    hours = WorkingHours.objects.get(professional=setup.professional, weekday=TUESDAY.weekday())
    assert TEN in read(setup)[TUESDAY]

    response = operator.post(
        _admin(hours, "change"),
        {
            "practice": setup.practice.pk,
            "professional": setup.professional.pk,
            "weekday": hours.weekday,
            "start_time": "11:00",
            "end_time": "14:00",
        },
    )

    assert response.status_code == 302, response.content[:2000]
    assert hours.__class__.objects.get(pk=hours.pk).start_time == time(11)
    assert TEN not in read(setup)[TUESDAY]


def test_deleting_time_off_in_bulk_in_the_admin_frees_the_slots_at_once(setup, operator):
    time_off_create(
        practice=setup.practice,
        professional=None,
        start=TEN,
        end=TEN + timedelta(hours=2),
        all_day=False,
        reason="otro",
    )
    assert TEN not in read(setup)[TUESDAY]
    selected = list(TimeOff.objects.values_list("pk", flat=True))

    response = operator.post(
        reverse("admin:scheduling_timeoff_changelist"),
        {"action": "delete_selected", "_selected_action": selected, "post": "yes"},
    )

    assert response.status_code == 302
    assert not TimeOff.objects.exists()
    assert TEN in read(setup)[TUESDAY]


@pytest.mark.parametrize("kind", ["service", "professional", "calendar", "policy"])
def test_every_admin_delete_that_can_change_slots_bumps_the_version(setup, operator, kind):
    calendar = ExternalCalendar.objects.create(
        practice=setup.practice, professional=setup.professional, name="P", url="https://x.test/"
    )
    obj = {
        "service": setup.service,
        "professional": setup.professional,
        "calendar": calendar,
        "policy": setup.practice.booking_policy,
    }[kind]
    before = _version(setup.practice)

    response = operator.post(_admin(obj, "delete"), {"post": "yes"})

    assert response.status_code == 302
    assert _version(setup.practice) > before


def test_deleting_a_practice_in_the_admin_still_works(setup, operator):
    response = operator.post(_admin(setup.practice, "delete"), {"post": "yes"})

    assert response.status_code == 302
    assert not Practice.objects.filter(pk=setup.practice.pk).exists()
