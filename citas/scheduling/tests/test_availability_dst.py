"""The engine on the days the clocks change: every local hour is a distinct span of absolute
time, the repeated one included, in any zone and any year."""

from datetime import datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from citas.core.tests.dst import DST_ZONES, YEARS, autumn_change, clock_changes, spring_change
from citas.core.timezones import as_utc, local_midnight
from citas.scheduling.availability import Interval, SlotRequest, WorkingRange, free_slots, is_free

THIRTY = timedelta(minutes=30)
FIFTEEN = timedelta(minutes=15)


def whole_day_request(change, **fields) -> SlotRequest:
    return SlotRequest(
        **{
            "tz": change.tz,
            "first_day": change.day,
            "last_day": change.day,
            "working": [WorkingRange(weekday, 0, 1440) for weekday in range(7)],
            "time_off": (),
            "busy": (),
            "duration": THIRTY,
            "step": FIFTEEN,
            "now": change.instant - timedelta(days=30),
            **fields,
        }
    )


def day_length(change) -> timedelta:
    return local_midnight(change.day + timedelta(days=1), change.tz) - local_midnight(
        change.day, change.tz
    )


changes = st.builds(
    lambda zone, year, index: clock_changes(zone, year)[index],
    st.sampled_from(DST_ZONES),
    st.sampled_from([*YEARS, 2029, 2030]),
    st.integers(0, 1),
)


@settings(max_examples=40, deadline=None)
@given(change=changes)
def test_a_change_day_offers_every_absolute_quarter_hour_of_its_length(change):
    slots = free_slots(whole_day_request(change))[change.day]

    expected = (day_length(change) - THIRTY) // FIFTEEN + 1
    assert len(slots) == len(set(slots)) == expected
    assert all(later - earlier == FIFTEEN for earlier, later in zip(slots, slots[1:], strict=False))


@settings(max_examples=40, deadline=None)
@given(change=changes, data=st.data())
def test_booking_one_slot_blocks_exactly_its_own_absolute_span(change, data):
    request = whole_day_request(change)
    slots = free_slots(request)[change.day]
    taken = data.draw(st.sampled_from(slots))
    busy = whole_day_request(change, busy=[Interval(taken, taken + THIRTY)])

    remaining = free_slots(busy)[change.day]

    blocked = {slot for slot in slots if taken - THIRTY < slot < taken + THIRTY}
    assert remaining == [slot for slot in slots if slot not in blocked]
    assert all(is_free(busy, slot) for slot in remaining)
    assert not any(is_free(busy, slot) for slot in blocked)


def test_both_occurrences_of_the_repeated_madrid_hour_are_free_and_distinct():
    for year in YEARS:
        change = autumn_change("Europe/Madrid", year)
        wall = datetime.combine(change.day, time(2, 30), tzinfo=change.tz)
        first, second = as_utc(wall), as_utc(wall.replace(fold=1))
        request = whole_day_request(change, busy=[Interval(first, first + THIRTY)])

        slots = free_slots(request)[change.day]

        assert second - first == timedelta(hours=1)
        assert first not in slots
        assert second in slots
        assert is_free(request, second)


def test_the_skipped_madrid_hour_offers_no_slot():
    for year in YEARS:
        change = spring_change("Europe/Madrid", year)
        slots = free_slots(whole_day_request(change))[change.day]
        local_hours = {slot.astimezone(change.tz).hour for slot in slots}
        assert 2 not in local_hours
        assert len(slots) == (timedelta(hours=23) - THIRTY) // FIFTEEN + 1
