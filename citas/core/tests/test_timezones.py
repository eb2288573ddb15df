from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citas.booking.rules import slot_for
from citas.catalog.models import Service
from citas.core.tests.dst import DST_ZONES, YEARS, autumn_change, clock_changes, spring_change
from citas.core.timezones import as_utc, at_local_time, is_ambiguous, is_nonexistent


@pytest.mark.parametrize("year", YEARS)
def test_madrid_skips_two_oclock_in_spring_and_repeats_it_in_autumn(year):
    tz = ZoneInfo("Europe/Madrid")
    spring, autumn = spring_change("Europe/Madrid", year), autumn_change("Europe/Madrid", year)
    skipped = datetime.combine(spring.day, time(2, 30))
    repeated = datetime.combine(autumn.day, time(2, 30))

    assert is_nonexistent(skipped, tz) and not is_ambiguous(skipped, tz)
    assert is_ambiguous(repeated, tz) and not is_nonexistent(repeated, tz)
    assert at_local_time(spring.day, time(2), tz) == spring.instant
    assert at_local_time(autumn.day, time(2), tz) == autumn.instant - timedelta(hours=1)


@settings(max_examples=200, deadline=None)
@given(
    zone=st.sampled_from(DST_ZONES),
    year=st.sampled_from([*YEARS, 2029, 2030]),
    index=st.integers(0, 1),
    offset=st.integers(-180, 180),
    fold=st.integers(0, 1),
    duration=st.integers(5, 240),
    before=st.integers(0, 60),
    after=st.integers(0, 60),
)
def test_an_appointment_lasts_its_duration_in_absolute_time_from_any_local_start(
    zone, year, index, offset, fold, duration, before, after
):
    change = clock_changes(zone, year)[index]
    start = (change.instant + timedelta(minutes=offset)).astimezone(change.tz)
    start = start.replace(fold=fold) if is_ambiguous(start, change.tz) else start
    service = Service(
        duration_minutes=duration, buffer_before_minutes=before, buffer_after_minutes=after
    )

    slot = slot_for(service, start)

    assert slot.start == as_utc(start) and slot.start.tzinfo is UTC
    assert slot.end - slot.start == timedelta(minutes=duration)
    assert slot.start - slot.blocked_start == timedelta(minutes=before)
    assert slot.blocked_end - slot.end == timedelta(minutes=after)
