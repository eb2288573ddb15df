"""Pure availability engine: free appointment slots computed from plain values.

Nothing here touches the database or reads the clock; ``now`` is part of the request.
Internally every instant is an integer count of microseconds since the Unix epoch, which
keeps comparisons exact and cheap and makes all arithmetic absolute (DST-proof).
"""

from bisect import bisect_right
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TypeVar
from zoneinfo import ZoneInfo

K = TypeVar("K", bound=Hashable)

_MINUTES_PER_DAY = 1440

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class WorkingRange:
    """A weekly working range in local wall-clock minutes; 0 = Monday, end 1440 = midnight."""

    weekday: int
    start_minute: int
    end_minute: int

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {self.weekday}")
        if not 0 <= self.start_minute < _MINUTES_PER_DAY:
            raise ValueError(f"start_minute must be 0 to 1439, got {self.start_minute}")
        if not 0 < self.end_minute <= _MINUTES_PER_DAY:
            raise ValueError(f"end_minute must be 1 to 1440, got {self.end_minute}")
        if self.start_minute >= self.end_minute:
            raise ValueError(
                f"start_minute ({self.start_minute}) must be before end_minute ({self.end_minute})"
            )


@dataclass(frozen=True, slots=True)
class Interval:
    """A half-open span of absolute time; the two ends may use different time zones."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_aware(self.start, "Interval.start")
        _require_aware(self.end, "Interval.end")
        if _to_micros(self.end) <= _to_micros(self.start):
            raise ValueError(
                f"Interval end ({self.end.isoformat()}) must be after its start "
                f"({self.start.isoformat()})"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class SlotRequest:
    """Everything needed to compute one professional's free slots.

    ``busy`` holds the BLOCKED ranges of existing appointments (already widened by their own
    buffers); ``buffer_before``/``buffer_after`` belong to the appointment being booked and
    may fall outside working hours. ``step`` defaults to ``duration``.

    ``busy_micros``/``time_off_micros`` carry more of the same as (start, end) pairs of epoch
    microseconds, as the selector reads them from the database: hundreds of appointments then
    skip a round trip through datetime objects.
    """

    tz: ZoneInfo
    first_day: date
    last_day: date
    working: Sequence[WorkingRange]
    time_off: Sequence[Interval]
    busy: Sequence[Interval]
    duration: timedelta
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    step: timedelta | None = None
    now: datetime
    min_notice: timedelta = timedelta(0)
    horizon: timedelta | None = None
    busy_micros: Sequence[tuple[int, int]] = ()
    time_off_micros: Sequence[tuple[int, int]] = ()

    def __post_init__(self) -> None:
        if self.duration <= timedelta(0):
            raise ValueError(f"duration must be positive, got {self.duration}")
        if self.step is not None and self.step <= timedelta(0):
            raise ValueError(f"step must be positive, got {self.step}")
        if self.buffer_before < timedelta(0):
            raise ValueError(f"buffer_before must not be negative, got {self.buffer_before}")
        if self.buffer_after < timedelta(0):
            raise ValueError(f"buffer_after must not be negative, got {self.buffer_after}")
        if self.last_day < self.first_day:
            raise ValueError(
                f"last_day ({self.last_day}) must not be before first_day ({self.first_day})"
            )
        _require_aware(self.now, "now")
        _require_ordered(self.busy_micros, "busy_micros")
        _require_ordered(self.time_off_micros, "time_off_micros")


@dataclass(frozen=True, slots=True)
class _Rules:
    """A request's constraints in epoch microseconds, shared by every working range.

    ``lows``/``highs`` are the merged OPEN windows (low, high) of forbidden start instants,
    sorted and disjoint, so both lists are strictly increasing.
    """

    duration: int
    step: int
    earliest: int
    latest: int | None
    lows: list[int]
    highs: list[int]


def free_slots(req: SlotRequest) -> dict[date, list[datetime]]:
    """Every local day from first_day to last_day (inclusive) as a key, in order (empty list
    when none), each mapped to the sorted free slot START instants as aware UTC datetimes."""
    return {
        day: [_from_micros(start) for start in starts]
        for day, starts in free_slot_micros(req).items()
    }


def free_slot_micros(req: SlotRequest) -> dict[date, list[int]]:
    """free_slots(req) with each start as epoch microseconds: what callers that merge, cache
    or filter slots work with, making datetimes only for the slots they return."""
    rules = _rules(req)
    by_weekday = _by_weekday(req.working)
    slots: dict[date, list[int]] = {}
    for ordinal in range(req.first_day.toordinal(), req.last_day.toordinal() + 1):
        day = date.fromordinal(ordinal)
        starts: list[int] = []
        working = by_weekday[day.weekday()]
        if working:
            for start, end in _absolute_day_ranges(ordinal, working, req.tz):
                _add_free_starts(starts, start, end, rules)
        slots[day] = starts
    return slots


def is_free(req: SlotRequest, start: datetime) -> bool:
    """True when `start` is one of free_slots(req) for its local day.

    Checks the single candidate directly (O(ranges + intervals), no sorting) instead of
    computing the day's slots.
    """
    _require_aware(start, "start")
    day = start.astimezone(req.tz).date()
    if not req.first_day <= day <= req.last_day:
        return False
    candidate = _to_micros(start)
    duration, step = _micros(req.duration), _micros(_step(req))
    earliest, latest = _notice_bounds(req)
    if candidate < earliest or (latest is not None and candidate > latest):
        return False
    day_ranges = _day_ranges(day, [r for r in req.working if r.weekday == day.weekday()], req.tz)
    on_grid = any(
        range_start <= candidate <= range_end - duration and (candidate - range_start) % step == 0
        for range_start, range_end in day_ranges
    )
    return on_grid and not any(
        low < candidate < high for low, high in _forbidden_windows(req, duration)
    )


def any_professional(
    per_professional: Mapping[K, Mapping[date, Sequence[datetime]]],
    preference: Sequence[K],
) -> dict[date, list[tuple[datetime, K]]]:
    """Merge slots of several professionals: for each day, the union of their slot starts,
    sorted, each start assigned to the first professional in `preference` order who has it
    free. Days = union of keys, sorted.

    Professionals missing from `preference` rank after it, in mapping order; entries of
    `preference` without slots are ignored.
    """
    as_micros = {
        key: {day: [_to_micros(start) for start in starts] for day, starts in days.items()}
        for key, days in per_professional.items()
    }
    return {
        day: [(_from_micros(start), owner) for start, owner in slots]
        for day, slots in any_professional_micros(as_micros, preference).items()
    }


def any_professional_micros(
    per_professional: Mapping[K, Mapping[date, Sequence[int]]],
    preference: Sequence[K],
) -> dict[date, list[tuple[int, K]]]:
    """any_professional over epoch microseconds (integers compare and hash far faster)."""
    ranked = [key for key in preference if key in per_professional]
    ranking = list(dict.fromkeys([*ranked, *per_professional]))
    days = sorted({day for slots in per_professional.values() for day in slots})

    merged: dict[date, list[tuple[int, K]]] = {}
    for day in days:
        owners: dict[int, K] = {}
        for professional in ranking:
            for start in per_professional[professional].get(day, ()):
                owners.setdefault(start, professional)
        merged[day] = sorted(owners.items())
    return merged


def open_minutes_by_day(
    *,
    tz: ZoneInfo,
    first_day: date,
    last_day: date,
    working: Sequence[WorkingRange],
    time_off_micros: Sequence[tuple[int, int]],
) -> dict[date, float]:
    """Minutes of working time left after time off on each local day first_day..last_day:
    the same working ranges and absences the slot search uses, before any appointment.
    Absolute time, so a DST day's 09:00–18:00 still counts nine hours."""
    _require_ordered(time_off_micros, "time_off_micros")
    by_weekday: list[list[WorkingRange]] = [[] for _ in range(7)]
    for working_range in working:
        by_weekday[working_range.weekday].append(working_range)
    absences = sorted(time_off_micros)
    minutes: dict[date, float] = {}
    for ordinal in range(first_day.toordinal(), last_day.toordinal() + 1):
        day = date.fromordinal(ordinal)
        total = 0
        for start, end in _day_ranges(day, by_weekday[day.weekday()], tz):
            total += max(0, end - start) - _covered(start, end, absences)
        minutes[day] = total / 60_000_000
    return minutes


def _covered(start: int, end: int, sorted_intervals: Sequence[tuple[int, int]]) -> int:
    """How much of [start, end) the (possibly overlapping) sorted intervals cover."""
    covered, cursor = 0, start
    for low, high in sorted_intervals:
        if low >= end:
            break
        low, high = max(low, cursor), min(high, end)
        if high > low:
            covered += high - low
            cursor = high
    return covered


def _rules(req: SlotRequest) -> _Rules:
    duration = _micros(req.duration)
    earliest, latest = _notice_bounds(req)
    lows, highs = _merge_open_windows(_forbidden_windows(req, duration))
    return _Rules(duration, _micros(_step(req)), earliest, latest, lows, highs)


def _step(req: SlotRequest) -> timedelta:
    return req.duration if req.step is None else req.step


def _notice_bounds(req: SlotRequest) -> tuple[int, int | None]:
    """Earliest and latest allowed starts; offsets are added in absolute time."""
    now = _to_micros(req.now)
    latest = None if req.horizon is None else now + _micros(req.horizon)
    return now + _micros(req.min_notice), latest


def _forbidden_windows(req: SlotRequest, duration: int) -> list[tuple[int, int]]:
    """Open windows (low, high) of start instants that would collide with busy or time off."""
    before, after = _micros(req.buffer_before), _micros(req.buffer_after)
    lead = duration + after
    return [
        *[(_to_micros(busy.start) - lead, _to_micros(busy.end) + before) for busy in req.busy],
        *[(_to_micros(off.start) - duration, _to_micros(off.end)) for off in req.time_off],
        *[(start - lead, end + before) for start, end in req.busy_micros],
        *[(start - duration, end) for start, end in req.time_off_micros],
    ]


def _merge_open_windows(windows: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Sort and merge open windows; windows that merely touch stay apart (the shared instant
    belongs to neither)."""
    lows: list[int] = []
    highs: list[int] = []
    if not windows:
        return lows, highs
    windows = sorted(windows)
    low, high = windows[0]
    for next_low, next_high in windows:
        if next_low < high:
            if next_high > high:
                high = next_high
        else:
            lows.append(low)
            highs.append(high)
            low, high = next_low, next_high
    lows.append(low)
    highs.append(high)
    return lows, highs


def _by_weekday(working: Iterable[WorkingRange]) -> list[tuple[WorkingRange, ...]]:
    by_weekday: list[list[WorkingRange]] = [[] for _ in range(7)]
    for working_range in working:
        by_weekday[working_range.weekday].append(working_range)
    return [tuple(ranges) for ranges in by_weekday]


def _day_ranges(day: date, working: Iterable[WorkingRange], tz: ZoneInfo) -> list[tuple[int, int]]:
    """Absolute working ranges of one local day, sorted, merged where they overlap or touch."""
    return list(_absolute_day_ranges(day.toordinal(), tuple(working), tz))


@lru_cache(maxsize=4096)
def _absolute_day_ranges(
    ordinal: int, working: tuple[WorkingRange, ...], tz: ZoneInfo
) -> tuple[tuple[int, int], ...]:
    """_day_ranges of the local day `ordinal`. Memoised (a pure function of its arguments):
    the professionals of a practice mostly share their hours, and the time zone conversions
    were the engine's largest cost.

    A range that a spring-forward gap turns inside out (start after end) is harmless: sorted by
    start, it can never extend a merged range, and it is too short to hold any slot.
    """
    day = date.fromordinal(ordinal)
    absolute = sorted(
        (_local_instant(day, r.start_minute, tz), _local_instant(day, r.end_minute, tz))
        for r in working
    )
    merged: list[tuple[int, int]] = []
    for start, end in absolute:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _add_free_starts(starts: list[int], range_start: int, range_end: int, rules: _Rules) -> None:
    """Append the free grid points range_start + k*step of one working range to `starts`.

    Walks the gaps between the forbidden windows, not the grid: a window (low, high) is open,
    so the starts allowed between two windows are the closed span [high, next low], and each
    span's grid points are one range() (a busy day has far fewer windows than grid points).
    """
    step, lows, highs = rules.step, rules.lows, rules.highs
    last = range_end - rules.duration
    if rules.latest is not None and rules.latest < last:
        last = rules.latest
    cursor = max(range_start, rules.earliest)
    # The first window that ends after the cursor; those before it forbid nothing from here.
    window = bisect_right(highs, cursor)
    count = len(highs)
    if window < count and lows[window] < cursor:  # the cursor is inside it
        cursor = highs[window]
        window += 1
    while cursor <= last:
        # Merged windows only touch or are apart, so [cursor, next low] is all allowed.
        span_end = lows[window] if window < count and lows[window] < last else last
        first = range_start - (range_start - cursor) // step * step  # the grid from cursor on
        if first <= span_end:
            starts.extend(range(first, span_end + 1, step))
        if window >= count:
            return
        cursor = highs[window]
        window += 1


def _local_instant(day: date, minute: int, tz: ZoneInfo) -> int:
    """Wall-clock `minute` of local `day` (1440 = next midnight) as epoch microseconds.

    Gaps and folds resolve with fold=0, as zoneinfo does.
    """
    if minute == _MINUTES_PER_DAY:
        day, minute = day + timedelta(days=1), 0
    return _to_micros(datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz))


def _require_aware(value: datetime, name: str) -> None:
    if value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


def _require_ordered(pairs: Iterable[tuple[int, int]], name: str) -> None:
    """The check Interval makes, for ranges given as epoch microseconds."""
    for start, end in pairs:
        if end <= start:
            raise ValueError(f"{name}: end ({end}) must be after start ({start})")


def _micros(delta: timedelta) -> int:
    return delta // _MICROSECOND


def _to_micros(instant: datetime) -> int:
    return (instant - _EPOCH) // _MICROSECOND


def _from_micros(micros: int) -> datetime:
    # fromtimestamp makes one object where epoch + timedelta made three: twice as fast, and
    # the "any" merge of a month makes hundreds. Exact: whole seconds, then the microseconds.
    seconds, fraction = divmod(micros, 1_000_000)
    instant = datetime.fromtimestamp(seconds, UTC)
    return instant.replace(microsecond=fraction) if fraction else instant


def datetime_from_micros(micros: int) -> datetime:
    """An instant in epoch microseconds as the aware UTC datetime free_slots would give."""
    return _from_micros(micros)


def micros_from_datetime(instant: datetime) -> int:
    _require_aware(instant, "instant")
    return _to_micros(instant)
