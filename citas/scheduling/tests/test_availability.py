from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from citas.scheduling.availability import (
    Interval,
    SlotRequest,
    WorkingRange,
    any_professional,
    free_slots,
    is_free,
)

MADRID = ZoneInfo("Europe/Madrid")
MONDAY = date(2026, 6, 15)
TUESDAY = MONDAY + timedelta(days=1)
WEDNESDAY = MONDAY + timedelta(days=2)
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def minutes(hours: int, mins: int = 0) -> int:
    return hours * 60 + mins


def at(day: date, hours: int, mins: int = 0, tz: ZoneInfo = MADRID, fold: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hours, mins, tzinfo=tz, fold=fold)


def request(**overrides: Any) -> SlotRequest:
    fields: dict[str, Any] = {
        "tz": MADRID,
        "first_day": MONDAY,
        "last_day": MONDAY,
        "working": [WorkingRange(MONDAY.weekday(), minutes(9), minutes(13))],
        "time_off": [],
        "busy": [],
        "duration": HOUR,
        "now": LONG_AGO,
    }
    return SlotRequest(**(fields | overrides))


def wall_clock(slots: list[datetime], tz: ZoneInfo = MADRID) -> list[str]:
    return [slot.astimezone(tz).strftime("%H:%M") for slot in slots]


def only_day(req: SlotRequest) -> list[datetime]:
    (slots,) = free_slots(req).values()
    return slots


# --- plain days and ranges -----------------------------------------------------------------


def test_a_plain_day_is_split_into_back_to_back_slots() -> None:
    slots = only_day(request())

    assert slots == [datetime(2026, 6, 15, hour, tzinfo=UTC) for hour in (7, 8, 9, 10)]
    assert all(slot.tzinfo is UTC for slot in slots)


def test_it_skips_the_lunch_break() -> None:
    working = [WorkingRange(0, minutes(9), minutes(13)), WorkingRange(0, minutes(15), minutes(18))]

    slots = only_day(request(working=working))

    assert wall_clock(slots) == ["09:00", "10:00", "11:00", "12:00", "15:00", "16:00", "17:00"]


def test_overlapping_ranges_are_merged_before_stepping() -> None:
    working = [
        WorkingRange(0, minutes(10, 30), minutes(12)),
        WorkingRange(0, minutes(9), minutes(11)),
    ]

    slots = only_day(request(working=working))

    assert wall_clock(slots) == ["09:00", "10:00", "11:00"]


def test_touching_ranges_form_one_continuous_range() -> None:
    working = [
        WorkingRange(0, minutes(9), minutes(10, 30)),
        WorkingRange(0, minutes(10, 30), minutes(12)),
    ]

    slots = only_day(request(working=working))

    assert wall_clock(slots) == ["09:00", "10:00", "11:00"]


def test_ranges_of_other_weekdays_are_ignored() -> None:
    working = [WorkingRange(1, minutes(9), minutes(13)), WorkingRange(0, minutes(16), minutes(17))]

    assert wall_clock(only_day(request(working=working))) == ["16:00"]


def test_a_service_longer_than_any_working_range_gets_no_slots() -> None:
    working = [WorkingRange(0, minutes(9), minutes(10)), WorkingRange(0, minutes(11), minutes(12))]

    assert only_day(request(working=working, duration=timedelta(minutes=90))) == []


def test_a_step_smaller_than_the_duration_offers_overlapping_starts() -> None:
    req = request(
        working=[WorkingRange(0, minutes(9), minutes(11))],
        duration=timedelta(minutes=45),
        step=timedelta(minutes=15),
    )

    assert wall_clock(only_day(req)) == ["09:00", "09:15", "09:30", "09:45", "10:00", "10:15"]


def test_a_range_ending_at_1440_reaches_local_midnight() -> None:
    slots = only_day(request(working=[WorkingRange(0, minutes(22), 1440)]))

    assert slots == [datetime(2026, 6, 15, 20, tzinfo=UTC), datetime(2026, 6, 15, 21, tzinfo=UTC)]


def test_every_day_in_range_is_a_key_even_without_slots() -> None:
    sunday = MONDAY + timedelta(days=6)
    req = request(last_day=sunday, working=[WorkingRange(2, minutes(9), minutes(10))])

    slots = free_slots(req)

    assert list(slots) == [MONDAY + timedelta(days=offset) for offset in range(7)]
    assert {day: wall_clock(found) for day, found in slots.items() if found} == {
        WEDNESDAY: ["09:00"]
    }


# --- busy appointments, buffers and time off -----------------------------------------------


def test_a_busy_appointment_blocks_only_the_slots_it_overlaps() -> None:
    busy = [Interval(at(MONDAY, 10), at(MONDAY, 11))]

    assert wall_clock(only_day(request(busy=busy))) == ["09:00", "11:00", "12:00"]


def test_a_slot_fits_exactly_between_two_appointments() -> None:
    req = request(
        busy=[Interval(at(MONDAY, 9), at(MONDAY, 10)), Interval(at(MONDAY, 11), at(MONDAY, 12))]
    )

    assert wall_clock(only_day(req)) == ["10:00", "12:00"]


def test_a_slot_fits_exactly_between_two_appointments_with_its_buffers() -> None:
    req = request(
        busy=[Interval(at(MONDAY, 9), at(MONDAY, 10)), Interval(at(MONDAY, 11), at(MONDAY, 12))],
        duration=timedelta(minutes=30),
        buffer_before=timedelta(minutes=10),
        buffer_after=timedelta(minutes=20),
        step=timedelta(minutes=10),
    )

    assert wall_clock(only_day(req)) == ["10:10", "12:10", "12:20", "12:30"]


def test_the_buffer_before_keeps_a_gap_after_an_appointment_ending_at_the_range_start() -> None:
    req = request(
        busy=[Interval(at(MONDAY, 8), at(MONDAY, 9))],
        working=[WorkingRange(0, minutes(9), minutes(11))],
        duration=timedelta(minutes=30),
        buffer_before=timedelta(minutes=15),
    )

    assert wall_clock(only_day(req)) == ["09:30", "10:00", "10:30"]


def test_the_buffer_after_keeps_a_gap_before_an_appointment_starting_at_the_range_end() -> None:
    req = request(
        busy=[Interval(at(MONDAY, 11), at(MONDAY, 12))],
        working=[WorkingRange(0, minutes(9), minutes(11))],
        duration=timedelta(minutes=30),
        buffer_after=timedelta(minutes=15),
    )

    assert wall_clock(only_day(req)) == ["09:00", "09:30", "10:00"]


def test_buffers_may_fall_outside_working_hours() -> None:
    req = request(
        working=[WorkingRange(0, minutes(9), minutes(11))],
        duration=timedelta(minutes=30),
        buffer_before=timedelta(minutes=30),
        buffer_after=timedelta(minutes=30),
    )

    assert wall_clock(only_day(req)) == ["09:00", "09:30", "10:00", "10:30"]


def test_an_appointment_spanning_midnight_blocks_the_next_morning() -> None:
    req = request(
        last_day=TUESDAY,
        working=[WorkingRange(1, minutes(9), minutes(11))],
        busy=[Interval(at(MONDAY, 22), at(TUESDAY, 9, 30))],
        duration=timedelta(minutes=30),
    )

    slots = free_slots(req)

    assert slots[MONDAY] == []
    assert wall_clock(slots[TUESDAY]) == ["09:30", "10:00", "10:30"]


def test_a_full_day_holiday_empties_that_day_only() -> None:
    req = request(
        last_day=WEDNESDAY,
        working=[WorkingRange(weekday, minutes(9), minutes(11)) for weekday in range(3)],
        time_off=[Interval(at(TUESDAY, 0), at(WEDNESDAY, 0))],
    )

    slots = free_slots(req)

    assert {day: wall_clock(found) for day, found in slots.items()} == {
        MONDAY: ["09:00", "10:00"],
        TUESDAY: [],
        WEDNESDAY: ["09:00", "10:00"],
    }


def test_partial_time_off_removes_only_the_slots_it_overlaps() -> None:
    req = request(time_off=[Interval(at(MONDAY, 10, 30), at(MONDAY, 11, 15))])

    assert wall_clock(only_day(req)) == ["09:00", "12:00"]


def test_time_off_ignores_the_new_appointments_buffers() -> None:
    req = request(
        time_off=[Interval(at(MONDAY, 10), at(MONDAY, 11))],
        buffer_before=timedelta(minutes=30),
        buffer_after=timedelta(minutes=30),
    )

    assert wall_clock(only_day(req)) == ["09:00", "11:00", "12:00"]


def test_intervals_in_any_time_zone_are_compared_as_instants() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    busy = [Interval(at(MONDAY, 17, tz=tokyo), at(MONDAY, 18, tz=tokyo))]  # 10:00-11:00 Madrid

    assert wall_clock(only_day(request(busy=busy))) == ["09:00", "11:00", "12:00"]


# --- notice and horizon ----------------------------------------------------------------------


def test_min_notice_hides_slots_starting_too_soon_without_shifting_the_grid() -> None:
    req = request(now=at(MONDAY, 9, 10), min_notice=HOUR)

    assert wall_clock(only_day(req)) == ["11:00", "12:00"]


def test_a_slot_starting_exactly_at_the_notice_limit_is_offered() -> None:
    req = request(now=at(MONDAY, 9), min_notice=HOUR)

    assert wall_clock(only_day(req)) == ["10:00", "11:00", "12:00"]


def test_the_horizon_is_inclusive() -> None:
    req = request(now=at(MONDAY, 7), horizon=timedelta(hours=4))

    assert wall_clock(only_day(req)) == ["09:00", "10:00", "11:00"]


def test_notice_is_measured_in_absolute_time_across_a_dst_switch() -> None:
    sunday = date(2026, 3, 29)
    req = request(
        first_day=sunday,
        last_day=sunday,
        working=[WorkingRange(6, minutes(9), minutes(14))],
        now=at(sunday - timedelta(days=1), 10),
        min_notice=timedelta(hours=24),
    )

    assert wall_clock(only_day(req)) == ["11:00", "12:00", "13:00"]


def test_the_horizon_is_measured_in_absolute_time_across_a_dst_switch() -> None:
    sunday = date(2026, 10, 25)
    req = request(
        first_day=sunday,
        last_day=sunday,
        working=[WorkingRange(6, minutes(8), minutes(12))],
        now=at(sunday - timedelta(days=1), 10),
        horizon=timedelta(hours=24),
    )

    assert wall_clock(only_day(req)) == ["08:00", "09:00"]


# --- daylight saving time and far-away zones -------------------------------------------------


def dst_day_request(day: date) -> SlotRequest:
    return request(first_day=day, last_day=day, working=[WorkingRange(6, 0, minutes(6))])


def test_the_spring_forward_night_has_five_hours_of_slots() -> None:
    slots = only_day(dst_day_request(date(2026, 3, 29)))

    assert slots == [datetime(2026, 3, 28, 23, tzinfo=UTC)] + [
        datetime(2026, 3, 29, hour, tzinfo=UTC) for hour in range(4)
    ]
    assert wall_clock(slots) == ["00:00", "01:00", "03:00", "04:00", "05:00"]


def test_the_fall_back_night_has_seven_hours_of_slots() -> None:
    slots = only_day(dst_day_request(date(2026, 10, 25)))

    assert slots == [datetime(2026, 10, 24, hour, tzinfo=UTC) for hour in (22, 23)] + [
        datetime(2026, 10, 25, hour, tzinfo=UTC) for hour in range(5)
    ]
    assert wall_clock(slots) == ["00:00", "01:00", "02:00", "02:00", "03:00", "04:00", "05:00"]


@pytest.mark.parametrize(
    ("day", "hours"),
    [
        (date(2026, 3, 29), 5),
        (date(2026, 10, 25), 7),
        (date(2027, 3, 28), 5),
        (date(2027, 10, 31), 7),
    ],
)
def test_a_midnight_to_six_range_follows_the_dst_switch(day: date, hours: int) -> None:
    slots = only_day(dst_day_request(day))

    assert len(slots) == hours
    assert slots[0] == at(day, 0).astimezone(UTC)
    assert slots[-1] + HOUR == at(day, 6).astimezone(UTC)


def test_a_range_starting_inside_the_spring_forward_gap_resolves_with_fold_0() -> None:
    sunday = date(2026, 3, 29)
    req = request(
        first_day=sunday,
        last_day=sunday,
        working=[WorkingRange(6, minutes(2, 30), minutes(4))],
        duration=timedelta(minutes=30),
    )

    # 02:30 does not exist; fold=0 reads it with the winter offset: 01:30 UTC (03:30 CEST).
    assert only_day(req) == [datetime(2026, 3, 29, 1, 30, tzinfo=UTC)]


def test_an_ambiguous_range_start_resolves_to_the_first_occurrence() -> None:
    sunday = date(2026, 10, 25)
    req = request(
        first_day=sunday,
        last_day=sunday,
        working=[WorkingRange(6, minutes(2, 30), minutes(3))],
        duration=timedelta(minutes=30),
    )

    # From 02:30 CEST (00:30 UTC) up to 03:00 CET (02:00 UTC).
    assert only_day(req) == [
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    ]


def test_a_zone_without_dst_keeps_its_half_hour_offset() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    req = request(tz=kolkata, working=[WorkingRange(0, minutes(9), minutes(11))])

    assert only_day(req) == [
        datetime(2026, 6, 15, 3, 30, tzinfo=UTC),
        datetime(2026, 6, 15, 4, 30, tzinfo=UTC),
    ]


def test_a_zone_ahead_of_utc_keys_slots_by_the_local_day() -> None:
    kiritimati = ZoneInfo("Pacific/Kiritimati")
    req = request(
        tz=kiritimati,
        working=[WorkingRange(0, minutes(8), minutes(11))],
        busy=[
            Interval(datetime(2026, 6, 14, 19, tzinfo=UTC), datetime(2026, 6, 14, 20, tzinfo=UTC))
        ],
    )

    slots = free_slots(req)

    assert list(slots) == [MONDAY]
    assert slots[MONDAY] == [
        datetime(2026, 6, 14, 18, tzinfo=UTC),
        datetime(2026, 6, 14, 20, tzinfo=UTC),
    ]


def test_a_zone_behind_utc_keys_slots_by_the_local_day() -> None:
    pago_pago = ZoneInfo("Pacific/Pago_Pago")
    req = request(tz=pago_pago, working=[WorkingRange(0, minutes(18), minutes(20))])

    slots = free_slots(req)

    assert list(slots) == [MONDAY]
    assert slots[MONDAY] == [
        datetime(2026, 6, 16, 5, tzinfo=UTC),
        datetime(2026, 6, 16, 6, tzinfo=UTC),
    ]


# --- validation ------------------------------------------------------------------------------

NAIVE = datetime(2026, 6, 15, 9)

INVALID_INPUTS: list[tuple[Callable[[], object], str]] = [
    (lambda: request(duration=timedelta(0)), "duration must be positive"),
    (lambda: request(duration=-HOUR), "duration must be positive"),
    (lambda: request(step=timedelta(0)), "step must be positive"),
    (lambda: request(buffer_before=-HOUR), "buffer_before must not be negative"),
    (lambda: request(buffer_after=-HOUR), "buffer_after must not be negative"),
    (lambda: request(last_day=MONDAY - timedelta(days=1)), "last_day .* before first_day"),
    (lambda: request(now=NAIVE), "now must be timezone-aware"),
    (lambda: Interval(NAIVE, at(MONDAY, 10)), "Interval.start must be timezone-aware"),
    (lambda: Interval(at(MONDAY, 9), NAIVE + HOUR), "Interval.end must be timezone-aware"),
    (lambda: Interval(at(MONDAY, 9), at(MONDAY, 9)), "must be after its start"),
    (lambda: Interval(at(MONDAY, 10), at(MONDAY, 9)), "must be after its start"),
    (lambda: WorkingRange(7, 0, 60), "weekday must be 0"),
    (lambda: WorkingRange(-1, 0, 60), "weekday must be 0"),
    (lambda: WorkingRange(0, -1, 60), "start_minute must be 0 to 1439"),
    (lambda: WorkingRange(0, 1440, 1440), "start_minute must be 0 to 1439"),
    (lambda: WorkingRange(0, 0, 0), "end_minute must be 1 to 1440"),
    (lambda: WorkingRange(0, 0, 1441), "end_minute must be 1 to 1440"),
    (lambda: WorkingRange(0, 600, 600), "must be before end_minute"),
    (lambda: WorkingRange(0, 601, 600), "must be before end_minute"),
    (lambda: is_free(request(), NAIVE), "start must be timezone-aware"),
    (lambda: request(busy_micros=[(5, 5)]), "busy_micros: end .* must be after start"),
    (lambda: request(time_off_micros=[(6, 5)]), "time_off_micros: end .* must be after start"),
]


@pytest.mark.parametrize(("build", "message"), INVALID_INPUTS)
def test_invalid_input_is_rejected_with_a_clear_message(
    build: Callable[[], object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_an_interval_whose_ends_use_different_zones_is_compared_as_instants() -> None:
    interval = Interval(at(MONDAY, 9), datetime(2026, 6, 15, 7, 30, tzinfo=UTC))

    assert interval.end > interval.start


# --- is_free -----------------------------------------------------------------------------------


def busy_morning() -> SlotRequest:
    return request(
        last_day=TUESDAY,
        working=[
            WorkingRange(0, minutes(9), minutes(13)),
            WorkingRange(1, minutes(9), minutes(13)),
        ],
        busy=[Interval(at(MONDAY, 9, 30), at(MONDAY, 10, 15))],
        time_off=[Interval(at(TUESDAY, 11), at(TUESDAY, 12))],
        duration=timedelta(minutes=30),
        step=timedelta(minutes=15),
        buffer_after=timedelta(minutes=15),
    )


def test_is_free_agrees_with_free_slots_on_every_quarter_hour() -> None:
    req = busy_morning()
    slots = free_slots(req)
    candidates = [
        at(day, 0) + timedelta(minutes=15 * quarter) for day in slots for quarter in range(96)
    ]

    verdicts = {candidate: is_free(req, candidate) for candidate in candidates}

    assert sum(verdicts.values()) == sum(map(len, slots.values())) > 0
    assert all(
        verdict == (candidate in slots[candidate.date()]) for candidate, verdict in verdicts.items()
    )


def test_is_free_rejects_a_start_off_the_grid() -> None:
    req = busy_morning()

    assert is_free(req, at(MONDAY, 11))
    assert not is_free(req, at(MONDAY, 11, 5))


def test_is_free_rejects_a_start_outside_the_requested_days() -> None:
    req = busy_morning()

    assert is_free(req, at(TUESDAY, 9))
    assert not is_free(req, at(MONDAY + timedelta(days=7), 9))


def test_is_free_accepts_a_start_in_any_time_zone() -> None:
    assert is_free(busy_morning(), datetime(2026, 6, 15, 9, tzinfo=UTC))


# --- any_professional ------------------------------------------------------------------------


def test_any_professional_assigns_each_start_to_the_first_preferred_professional() -> None:
    nine, ten, eleven = (datetime(2026, 6, 15, hour, tzinfo=UTC) for hour in (9, 10, 11))
    per_professional = {
        "ana": {MONDAY: [ten, eleven]},
        "bea": {MONDAY: [nine, ten]},
    }

    merged = any_professional(per_professional, preference=["bea", "ana"])

    assert merged == {MONDAY: [(nine, "bea"), (ten, "bea"), (eleven, "ana")]}


def test_any_professional_merges_days_and_keeps_empty_ones_in_order() -> None:
    nine = datetime(2026, 6, 16, 9, tzinfo=UTC)
    per_professional = {
        1: {WEDNESDAY: [], MONDAY: []},
        2: {TUESDAY: [nine]},
    }

    merged = any_professional(per_professional, preference=[1, 2])

    assert list(merged) == [MONDAY, TUESDAY, WEDNESDAY]
    assert merged == {MONDAY: [], TUESDAY: [(nine, 2)], WEDNESDAY: []}


def test_any_professional_ranks_professionals_missing_from_the_preference_last() -> None:
    nine = datetime(2026, 6, 15, 9, tzinfo=UTC)
    per_professional = {"ana": {MONDAY: [nine]}, "bea": {MONDAY: [nine]}, "eva": {MONDAY: [nine]}}

    merged = any_professional(per_professional, preference=["zoe", "bea"])

    assert merged == {MONDAY: [(nine, "bea")]}
    assert any_professional(per_professional, preference=[]) == {MONDAY: [(nine, "ana")]}


def test_any_professional_treats_equal_instants_in_different_zones_as_one_start() -> None:
    nine_utc = datetime(2026, 6, 15, 9, tzinfo=UTC)
    per_professional = {"ana": {MONDAY: [nine_utc]}, "bea": {MONDAY: [at(MONDAY, 11)]}}

    merged = any_professional(per_professional, preference=["bea", "ana"])

    assert merged == {MONDAY: [(nine_utc, "bea")]}


def micros(instant: datetime) -> int:
    return (instant - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def test_ranges_given_in_epoch_microseconds_block_like_intervals() -> None:
    busy = [(at(MONDAY, 9), at(MONDAY, 10)), (at(MONDAY, 11), at(MONDAY, 12))]
    absence = (at(MONDAY, 12, 30), at(MONDAY, 13))
    shape = {
        "duration": timedelta(minutes=30),
        "buffer_before": timedelta(minutes=10),
        "buffer_after": timedelta(minutes=20),
        "step": timedelta(minutes=10),
    }

    as_intervals = request(
        busy=[Interval(*pair) for pair in busy], time_off=[Interval(*absence)], **shape
    )
    as_micros = request(
        busy_micros=[(micros(a), micros(b)) for a, b in busy],
        time_off_micros=[(micros(absence[0]), micros(absence[1]))],
        **shape,
    )

    assert free_slots(as_micros) == free_slots(as_intervals)
    assert wall_clock(only_day(as_micros)) == ["10:10"]
