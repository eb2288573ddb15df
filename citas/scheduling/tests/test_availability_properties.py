"""Property tests: the engine against a brute-force oracle written from the specification."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from citas.scheduling.availability import (
    Interval,
    SlotRequest,
    WorkingRange,
    any_professional,
    free_slots,
    is_free,
)

MADRID_SWITCHES = [date(2026, 3, 29), date(2026, 10, 25), date(2027, 3, 28), date(2027, 10, 31)]
NEW_YORK_SWITCHES = [date(2026, 3, 8), date(2026, 11, 1), date(2027, 3, 14), date(2027, 11, 7)]
# Each zone with the days its clocks change (the Madrid ones for zones without DST).
ZONES = [
    (ZoneInfo("Europe/Madrid"), MADRID_SWITCHES),
    (ZoneInfo("America/New_York"), NEW_YORK_SWITCHES),
    (ZoneInfo("Asia/Kolkata"), MADRID_SWITCHES),
    (ZoneInfo("Pacific/Kiritimati"), MADRID_SWITCHES),
    (ZoneInfo("UTC"), MADRID_SWITCHES),
]
MINUTE = timedelta(minutes=1)
MICROSECOND = timedelta(microseconds=1)
DAY = timedelta(days=1)

property_settings = settings(derandomize=True, max_examples=200, deadline=None)


# --- the oracle ------------------------------------------------------------------------------


def local_to_utc(day: date, minute: int, tz: ZoneInfo) -> datetime:
    wall = datetime.combine(day, time(0)) + minute * MINUTE
    return wall.replace(tzinfo=tz).astimezone(UTC)


def merged_working_ranges(req: SlotRequest, day: date) -> list[tuple[datetime, datetime]]:
    """The day's working ranges in UTC, unioned pairwise until nothing overlaps or touches."""
    ranges = [
        (local_to_utc(day, r.start_minute, req.tz), local_to_utc(day, r.end_minute, req.tz))
        for r in req.working
        if r.weekday == day.weekday()
    ]
    ranges = [(start, end) for start, end in ranges if start < end]
    merged_something = True
    while merged_something:
        merged_something = False
        for i, (a_start, a_end) in enumerate(ranges):
            for j, (b_start, b_end) in enumerate(ranges):
                if i != j and a_start <= b_end and b_start <= a_end:
                    ranges = [r for k, r in enumerate(ranges) if k not in (i, j)]
                    ranges.append((min(a_start, b_start), max(a_end, b_end)))
                    merged_something = True
                    break
            if merged_something:
                break
    return sorted(ranges)


def overlaps(a_start: datetime, a_end: datetime, interval: Interval) -> bool:
    return a_start < interval.end.astimezone(UTC) and interval.start.astimezone(UTC) < a_end


def satisfies_every_rule(req: SlotRequest, start: datetime) -> bool:
    end = start + req.duration
    now = req.now.astimezone(UTC)
    return (
        not any(overlaps(start, end, absence) for absence in req.time_off)
        and not any(
            overlaps(start - req.buffer_before, end + req.buffer_after, busy) for busy in req.busy
        )
        and start >= now + req.min_notice
        and (req.horizon is None or start <= now + req.horizon)
    )


def grid_candidates(req: SlotRequest, day: date) -> list[datetime]:
    step = req.duration if req.step is None else req.step
    candidates = []
    for range_start, range_end in merged_working_ranges(req, day):
        candidate = range_start
        while candidate + req.duration <= range_end:
            candidates.append(candidate)
            candidate += step
    return candidates


def local_days(first_day: date, last_day: date) -> list[date]:
    return [first_day + offset * DAY for offset in range((last_day - first_day).days + 1)]


def oracle(req: SlotRequest) -> dict[date, list[datetime]]:
    return {
        day: sorted(c for c in grid_candidates(req, day) if satisfies_every_rule(req, c))
        for day in local_days(req.first_day, req.last_day)
    }


# --- strategies ------------------------------------------------------------------------------
# Each request draws a time unit: 1 minute (plus stray seconds) explores arbitrary values, 15
# minutes makes interval edges, buffers and grid points coincide so every boundary gets tested.


def lengths(unit: int, low: int, high: int) -> st.SearchStrategy[timedelta]:
    """Durations from `low` to `high` minutes in multiples of `unit` minutes."""
    return st.integers(-(-low // unit), high // unit).map(lambda n: n * unit * MINUTE)


@st.composite
def working_ranges(draw: st.DrawFn, unit: int, weekdays: list[int]) -> list[WorkingRange]:
    """One weekday's range, sometimes split into two touching ranges."""
    weekday = draw(st.sampled_from(weekdays) | st.integers(0, 6))
    start = draw(
        st.sampled_from([0, 60, 120, 150, 180, 540])
        | st.integers(0, 1439 // unit).map(lambda n: n * unit)
    )
    end = draw(st.just(1440) | st.integers(start // unit + 1, 1440 // unit).map(lambda n: n * unit))
    if end - start < 2 * unit or not draw(st.booleans()):
        return [WorkingRange(weekday, start, end)]
    middle = draw(st.integers(start // unit + 1, end // unit - 1)) * unit
    return [WorkingRange(weekday, start, middle), WorkingRange(weekday, middle, end)]


@st.composite
def instants(
    draw: st.DrawFn, unit: int, origin: datetime, span_days: int, anchors: list[datetime]
) -> datetime:
    """Anywhere in the window or, to make collisions likely, shortly after a range start."""
    if anchors and draw(st.booleans()):
        return draw(st.sampled_from(anchors)) + draw(st.just(timedelta(0)) | lengths(unit, 0, 600))
    instant = origin + draw(lengths(unit, 0, span_days * 1440))
    if unit == 1:
        instant += draw(st.integers(0, 59)) * timedelta(seconds=1)
    return instant


@st.composite
def intervals(
    draw: st.DrawFn, starts: st.SearchStrategy[datetime], unit: int, tz: ZoneInfo
) -> list[Interval]:
    """A run of 1-4 intervals with short gaps, like a day of back-to-back appointments."""
    start = draw(starts)
    run = []
    for _ in range(draw(st.integers(1, 4))):
        end = start + draw(lengths(unit, 1, 240) | lengths(unit, 1, 1440))
        zone = draw(st.sampled_from([UTC, tz]))
        run.append(Interval(start.astimezone(zone), end.astimezone(zone)))
        start = end + draw(lengths(unit, 0, 180))
    return run


@st.composite
def slot_requests(draw: st.DrawFn) -> SlotRequest:
    unit = draw(st.sampled_from([1, 15]))
    tz, switches = draw(st.sampled_from(ZONES))
    first_day = draw(
        st.builds(
            lambda anchor, offset: anchor + offset * DAY,
            st.sampled_from(switches),
            st.integers(-6, 1),
        )
        | st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31))
    )
    last_day = first_day + draw(st.integers(0, 9)) * DAY
    span = (last_day - first_day).days + 3
    origin = datetime.combine(first_day - DAY, time(0), tzinfo=UTC)
    weekdays = sorted({day.weekday() for day in local_days(first_day, last_day)})
    ranges = st.lists(working_ranges(unit, weekdays), min_size=1, max_size=6)
    working = [r for pair in draw(ranges) for r in pair]
    anchors = [
        local_to_utc(day, r.start_minute, tz)
        for day in local_days(first_day, last_day)
        for r in working
        if r.weekday == day.weekday()
    ]
    starts = instants(unit, origin, span, anchors)
    min_notice = draw(st.just(timedelta(0)) | lengths(unit, 0, 7 * 1440))
    # Often the notice ends right around a working range start, to test its exact edge.
    now = draw(st.just(origin) | starts.map(lambda instant: instant - min_notice))
    return SlotRequest(
        tz=tz,
        first_day=first_day,
        last_day=last_day,
        working=working,
        time_off=[
            i for run in draw(st.lists(intervals(starts, unit, tz), max_size=2)) for i in run
        ],
        busy=[i for run in draw(st.lists(intervals(starts, unit, tz), max_size=5)) for i in run],
        duration=draw(lengths(unit, 5, 240)),
        buffer_before=draw(st.just(timedelta(0)) | lengths(unit, 0, 60)),
        buffer_after=draw(st.just(timedelta(0)) | lengths(unit, 0, 60)),
        step=draw(st.none() | lengths(unit, 10, 120)),
        now=now.astimezone(draw(st.sampled_from([UTC, tz]))),
        min_notice=min_notice,
        horizon=draw(st.none() | lengths(unit, 0, 10 * 1440).map(lambda extra: min_notice + extra)),
    )


@st.composite
def notice_across_a_switch(draw: st.DrawFn) -> SlotRequest:
    """Open all day around a clock change, with `now` in local time before it and the notice
    or horizon ending after it, so wall-clock arithmetic would be an hour off."""
    tz, switches = draw(st.sampled_from(ZONES[:2]))
    switch = draw(st.sampled_from(switches))
    now = datetime.combine(switch - draw(st.integers(0, 2)) * DAY, time(0), tzinfo=tz)
    now += draw(lengths(15, 0, 1439))
    reach = draw(lengths(15, 0, 3 * 1440))
    unbounded = draw(st.booleans())
    return SlotRequest(
        tz=tz,
        first_day=switch - DAY,
        last_day=switch + DAY,
        working=[WorkingRange(weekday, 0, 1440) for weekday in range(7)],
        time_off=[],
        busy=[],
        duration=draw(lengths(15, 15, 120)),
        now=now,
        min_notice=reach if unbounded else timedelta(0),
        horizon=None if unbounded else reach,
    )


# --- properties ------------------------------------------------------------------------------


@property_settings
@given(slot_requests())
def test_free_slots_match_a_brute_force_oracle(req: SlotRequest) -> None:
    assert free_slots(req) == oracle(req)


@property_settings
@given(notice_across_a_switch())
def test_notice_and_horizon_count_absolute_time_across_clock_changes(req: SlotRequest) -> None:
    assert free_slots(req) == oracle(req)


@property_settings
@given(slot_requests())
def test_every_slot_respects_every_rule(req: SlotRequest) -> None:
    now = req.now.astimezone(UTC)  # offsets from `now` are absolute, not wall-clock
    for day, slots in free_slots(req).items():
        ranges = merged_working_ranges(req, day)
        for start in slots:
            end = start + req.duration
            assert any(low <= start and end <= high for low, high in ranges)
            assert not any(overlaps(start, end, absence) for absence in req.time_off)
            blocked_start, blocked_end = start - req.buffer_before, end + req.buffer_after
            assert not any(overlaps(blocked_start, blocked_end, busy) for busy in req.busy)
            assert start >= now + req.min_notice
            assert req.horizon is None or start <= now + req.horizon
            assert start.astimezone(req.tz).date() == day


@property_settings
@given(slot_requests())
def test_slots_are_sorted_unique_utc_and_keyed_by_every_day(req: SlotRequest) -> None:
    slots = free_slots(req)

    assert list(slots) == local_days(req.first_day, req.last_day)
    for starts in slots.values():
        assert starts == sorted(set(starts))
        assert all(start.tzinfo is UTC for start in starts)


@property_settings
@given(slot_requests(), st.lists(st.integers(-10_000, 10_000), max_size=5))
def test_is_free_agrees_with_free_slots(req: SlotRequest, nudges: list[int]) -> None:
    slots = free_slots(req)
    candidates = [c for day in slots for c in grid_candidates(req, day)]
    candidates += [c + nudge * timedelta(seconds=30) for c in candidates[:3] for nudge in nudges]

    for candidate in candidates:
        day = candidate.astimezone(req.tz).date()
        assert is_free(req, candidate) == (candidate in slots.get(day, []))


def epoch_micros(interval: Interval) -> tuple[int, int]:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return (interval.start - epoch) // MICROSECOND, (interval.end - epoch) // MICROSECOND


@property_settings
@given(slot_requests(), st.booleans())
def test_ranges_in_epoch_microseconds_block_exactly_like_intervals(
    req: SlotRequest, split: bool
) -> None:
    # The selector passes every range as epoch microseconds: the oracle only checks Intervals.
    keep = len(req.busy) // 2 if split else 0
    as_micros = replace(
        req,
        busy=req.busy[:keep],
        time_off=(),
        busy_micros=[epoch_micros(busy) for busy in req.busy[keep:]],
        time_off_micros=[epoch_micros(absence) for absence in req.time_off],
    )

    assert free_slots(as_micros) == free_slots(req)


professionals = st.sampled_from(["ana", "bea", "eva", "zoe"])
day_slots = st.dictionaries(
    st.dates(min_value=date(2026, 6, 1), max_value=date(2026, 6, 5)),
    st.lists(st.integers(0, 23).map(lambda h: datetime(2026, 6, 1, h, tzinfo=UTC)), unique=True),
    max_size=3,
)


@property_settings
@given(st.dictionaries(professionals, day_slots), st.lists(professionals, unique=True))
def test_any_professional_gives_each_start_to_the_first_preferred_holder(
    per_professional: dict[str, dict[date, list[datetime]]], preference: list[str]
) -> None:
    merged = any_professional(per_professional, preference)
    ranking = preference + [p for p in per_professional if p not in preference]

    assert list(merged) == sorted({day for slots in per_professional.values() for day in slots})
    for day, assigned in merged.items():
        holders = {p: set(slots.get(day, [])) for p, slots in per_professional.items()}
        assert [start for start, _ in assigned] == sorted(set().union(*holders.values()))
        for start, owner in assigned:
            assert owner == next(p for p in ranking if start in holders.get(p, set()))
