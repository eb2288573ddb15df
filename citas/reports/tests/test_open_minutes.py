"""Working minutes of the occupancy report, cached under the practice's schedule version.

The cache is written on commit: these tests run the on-commit callbacks of their (never
committed) test transaction.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import override

from citas.reports.reports import report_for
from citas.reports.tables import Period
from citas.scheduling.models import TimeOff, TimeOffReason
from citas.scheduling.services import (
    schedule_version_bump,
    time_off_create,
    time_off_delete,
    working_hours_set,
)

from .clinic import MADRID, WEEK, at, clinic

pytestmark = pytest.mark.django_db

# Ana 25 h (the DST Sunday counts seven), Luis 23 h: see clinic.py.
HAND_COUNTED = [(WEEK, "Ana", 4.0, 25.0, 0.16), (WEEK, "Luis", 1.0, 23.0, 1 / 23)]


@pytest.fixture
def c():
    return clinic()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    def run(function):
        with django_capture_on_commit_callbacks(execute=True):
            return function()

    return run


def occupancy(c, on_commit):
    with override("en"):
        return on_commit(
            lambda: report_for("occupancy", c.practice, c.week(), window_hours=24).rows
        )


def test_the_dst_week_is_the_same_computed_and_cached(c, on_commit):
    assert occupancy(c, on_commit) == HAND_COUNTED
    with CaptureQueriesContext(connection) as queries:
        assert occupancy(c, on_commit) == HAND_COUNTED
    # Professionals and the version, then the booked minutes: no time off read again.
    assert len(queries) == 2
    assert not [q for q in queries if "scheduling_timeoff" in q["sql"]]


def test_time_off_taken_through_the_service_is_counted_at_once(c, on_commit):
    occupancy(c, on_commit)
    on_commit(
        lambda: time_off_create(
            practice=c.practice,
            professional=c.luis,
            start=at(19, 0),
            end=at(20, 0),
            all_day=True,
            reason=TimeOffReason.VACATION,
        )
    )
    # Luis loses Monday's five hours.
    assert occupancy(c, on_commit)[1][3] == 18.0

    on_commit(lambda: time_off_delete(time_off=TimeOff.objects.get(start=at(19, 0))))
    assert occupancy(c, on_commit) == HAND_COUNTED


def test_new_working_hours_are_counted_at_once(c, on_commit):
    occupancy(c, on_commit)
    on_commit(
        lambda: working_hours_set(
            practice=c.practice,
            professional=c.luis,
            ranges={5: [(at(24, 10).time(), at(24, 12).time())]},
        )
    )
    # The new week replaces the old one: Luis now works Saturday 10:00–12:00 only.
    assert occupancy(c, on_commit)[1][3] == 2.0


def test_a_change_that_bumps_no_version_is_not_seen_until_one_does(c, on_commit):
    # What proves the figures come from the cache: a row written behind the services' back.
    occupancy(c, on_commit)
    TimeOff.objects.create(practice=c.practice, professional=c.luis, start=at(19, 0), end=at(20, 0))
    assert occupancy(c, on_commit) == HAND_COUNTED

    schedule_version_bump(practice_id=c.practice.pk)
    assert occupancy(c, on_commit)[1][3] == 18.0


def test_another_period_is_not_served_from_this_ones_entries(c, on_commit):
    occupancy(c, on_commit)
    monday_and_tuesday = Period(WEEK, WEEK + timedelta(days=1), MADRID)
    with override("en"):
        rows = on_commit(
            lambda: report_for("occupancy", c.practice, monday_and_tuesday, window_hours=24).rows
        )
    assert [row[3] for row in rows] == [10.0, 10.0]
