"""Cached free slots: a committed change is seen at once; a cached slot is never trusted.

These tests commit for real (transactional_db): the cache is written on commit.
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.cache import cache
from django.db import transaction

from citas.booking.models import Appointment
from citas.booking.services import appointment_book, appointment_cancel
from citas.booking.tests.helpers import bookable_practice
from citas.catalog.services import service_update
from citas.core.errors import ServiceError
from citas.core.factories import AppointmentFactory
from citas.practices.models import Practice
from citas.scheduling.models import TimeOff
from citas.scheduling.selectors import availability_for, policy_for
from citas.scheduling.services import (
    booking_policy_update,
    schedule_version_bump,
    time_off_create,
    time_off_delete,
    working_hours_set,
)

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 11, 20, 8, tzinfo=UTC)
TUESDAY = date(2026, 12, 1)
TEN = datetime(2026, 12, 1, 9, tzinfo=UTC)  # 10:00 in Madrid


def read(setup, *, days: int = 7) -> dict:
    """What a request sees: the practice loaded afresh, as every view does."""
    practice = Practice.objects.select_related("booking_policy", "schedule_version").get(
        pk=setup.practice.pk
    )
    result = availability_for(
        practice=practice,
        service=setup.service,
        professionals=[setup.professional],
        first_day=TUESDAY,
        last_day=TUESDAY + timedelta(days=days - 1),
        now=NOW,
    )
    return {day: [start for start, _ in slots] for day, slots in result["any"].items()}


def fresh(setup) -> dict:
    cache.clear()
    return read(setup)


@pytest.fixture
def setup():
    return bookable_practice()


def test_a_second_read_comes_from_the_cache(setup, django_assert_num_queries):
    first = read(setup)

    with django_assert_num_queries(1):  # the practice with its policy and version; no slots
        assert read(setup) == first


def test_a_cancellation_frees_its_slot_at_once_although_the_day_was_cached(setup):
    appointment = AppointmentFactory(
        practice=setup.practice,
        professional=setup.professional,
        service=setup.service,
        client=setup.client,
        start=TEN,
    )
    assert TEN not in read(setup)[TUESDAY]  # cached with 10:00 taken

    appointment_cancel(appointment=appointment, by=None, by_client=False)

    assert TEN in read(setup)[TUESDAY]


def test_a_booking_takes_its_slot_at_once_although_the_day_was_cached(setup):
    assert TEN in read(setup)[TUESDAY]

    appointment_book(
        practice=setup.practice,
        professional=setup.professional,
        service=setup.service,
        client=setup.client,
        start=TEN,
        by=None,
        by_client=False,
        now=NOW,
    )

    assert TEN not in read(setup)[TUESDAY]


def _hours(setup):
    working_hours_set(
        practice=setup.practice,
        professional=setup.professional,
        ranges={1: [(time(8), time(15))]},
    )


def _time_off(setup):
    time_off_create(
        practice=setup.practice,
        professional=None,
        start=TEN,
        end=TEN + timedelta(hours=2),
        all_day=False,
        reason="otro",
    )


def _policy(setup):
    policy = policy_for(setup.practice)
    booking_policy_update(
        policy=policy,
        min_notice_minutes=policy.min_notice_minutes,
        horizon_days=policy.horizon_days,
        slot_step_minutes=60,
        cancellation_window_hours=policy.cancellation_window_hours,
        approval_required=policy.approval_required,
    )


def _service(setup):
    service_update(
        service=setup.service,
        name=setup.service.name,
        duration_minutes=90,
        price=setup.service.price,
        professionals=[setup.professional],
    )


@pytest.mark.parametrize("change", [_hours, _time_off, _policy, _service], ids=lambda f: f.__name__)
def test_every_change_that_alters_slots_is_seen_by_the_next_read(setup, change):
    before = read(setup)

    change(setup)
    after = read(setup)

    assert after != before, "the change should have altered the slots"
    assert after == fresh(setup)


def test_removing_an_absence_reopens_its_cached_slots(setup):
    _time_off(setup)
    assert TEN not in read(setup)[TUESDAY]

    time_off_delete(time_off=TimeOff.objects.get(practice=setup.practice))

    assert TEN in read(setup)[TUESDAY]


def test_a_change_that_rolls_back_leaves_nothing_in_the_cache(setup):
    with pytest.raises(RuntimeError), transaction.atomic():
        _hours(setup)
        read(setup)  # computed from the uncommitted hours
        raise RuntimeError
    # The next committed change reaches the version number the rolled-back one had used.
    schedule_version_bump(practice_id=setup.practice.pk)

    assert TEN - timedelta(hours=2) not in read(setup)[TUESDAY]  # 08:00 in Madrid stays closed
    assert read(setup) == fresh(setup)


def test_a_reader_that_raced_a_change_cannot_hide_the_freed_slot(setup):
    appointment = AppointmentFactory(
        practice=setup.practice,
        professional=setup.professional,
        service=setup.service,
        client=setup.client,
        start=TEN,
    )
    # The racing reader loaded the practice (and its version) before the cancellation
    # committed, and finishes computing after it: its entries carry the old version.
    stale_practice = Practice.objects.select_related("booking_policy", "schedule_version").get(
        pk=setup.practice.pk
    )
    Appointment.objects.filter(pk=appointment.pk).update(status="cancelled")
    schedule_version_bump(practice_id=setup.practice.pk)
    Appointment.objects.filter(pk=appointment.pk).update(status="confirmed")
    availability_for(
        practice=stale_practice,
        service=setup.service,
        professionals=[setup.professional],
        first_day=TUESDAY,
        last_day=TUESDAY + timedelta(days=6),
        now=NOW,
    )
    Appointment.objects.filter(pk=appointment.pk).update(status="cancelled")

    assert TEN in read(setup)[TUESDAY]


def test_booking_refuses_a_slot_that_a_stale_cache_still_shows(setup):
    assert TEN in read(setup)[TUESDAY]
    # Written behind the services' back (a bulk insert sends no signal): nothing tells the cache.
    Appointment.objects.bulk_create(
        [
            AppointmentFactory.build(
                practice=setup.practice,
                professional=setup.professional,
                service=setup.service,
                client=setup.client,
                start=TEN,
            )
        ]
    )
    assert TEN in read(setup)[TUESDAY]

    with pytest.raises(ServiceError):
        appointment_book(
            practice=setup.practice,
            professional=setup.professional,
            service=setup.service,
            client=setup.client,
            start=TEN,
            by=None,
            by_client=False,
            now=NOW,
        )
    assert Appointment.objects.filter(start=TEN).count() == 1
