from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import BigIntegerField, Func, IntegerField, Q, Value
from django.utils.translation import gettext as _

from citas.booking.models import MAX_BLOCKED_SPAN, Appointment
from citas.calendars.models import ExternalBusy
from citas.catalog.models import Service
from citas.core.compiled import CompiledQuery
from citas.core.errors import ServiceError
from citas.core.timezones import as_utc, outside_booking_window
from citas.practices.models import Practice, Professional

from . import slot_cache
from .availability import (
    SlotRequest,
    WorkingRange,
    any_professional_micros,
    datetime_from_micros,
    free_slot_micros,
    micros_from_datetime,
)
from .models import BookingPolicy, ScheduleVersion, TimeOff, WorkingHours
from .services import local_day_bounds

MAX_RANGE_DAYS = 366


class EpochMicroseconds(Func):
    """A timestamp as integer microseconds since the Unix epoch, computed by the database.

    The availability query reads hundreds of appointment ranges; integers cross the driver
    far faster than datetimes (whose parsing dominated the endpoint's time in `make bench`).
    """

    output_field = BigIntegerField()

    @property
    def convert_value(self):
        # Both databases answer integers already: no per-value int() conversion.
        return self._convert_value_noop

    def as_postgresql(self, compiler, connection, **extra_context):
        template = "(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"
        return self.as_sql(compiler, connection, template=template, **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        # Django stores "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC; the fraction is 6 digits or absent.
        # strftime gets the whole seconds only: it rounds a fraction of .9995 or more up.
        template = (
            "(CAST(strftime('%%%%s', substr(%(expressions)s, 1, 19)) AS INTEGER) * 1000000"
            " + CAST(substr(%(expressions)s, 21, 6) || '' AS INTEGER))"
        )
        return self.as_sql(compiler, connection, template=template, **extra_context)


def policy_for(practice: Practice) -> BookingPolicy:
    """The practice's booking policy, created with the defaults the first time it is asked."""
    policy, _created = BookingPolicy.objects.get_or_create(practice=practice)
    return policy


def _policy_or_defaults(practice: Practice) -> BookingPolicy:
    """The saved policy (free when the caller used select_related("booking_policy")), or
    unsaved defaults: a selector does not write."""
    try:
        return practice.booking_policy
    except BookingPolicy.DoesNotExist:
        return BookingPolicy(practice=practice)


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _offering_rows(service_id: int):
    # What service.professionals.filter(is_active=True) reads (the same SQL).
    return Professional.objects.filter(services=service_id).filter(is_active=True)


_OFFERING_COLUMNS = (
    "pk", "working_hours__weekday", "working_hours__start_time", "working_hours__end_time"
)  # fmt: skip
# Read by every availability request: the SQL is built once per process.
_offering = CompiledQuery(
    lambda service_id: (
        _offering_rows(service_id).order_by("display_name", "pk").values_list(*_OFFERING_COLUMNS)
    ),
    -1,
)
_offering_by_one = CompiledQuery(
    lambda service_id, professional_id: (
        _offering_rows(service_id)
        .filter(pk=professional_id)
        .order_by("display_name", "pk")
        .values_list(*_OFFERING_COLUMNS)
    ),
    -1,
    -2,
)


def offering_with_hours(
    *, service: Service, professional_id: int | None = None
) -> dict[int, list[WorkingRange]]:
    """The active professionals offering `service` (or just `professional_id` among them), by
    display name, each with its working ranges: one query, for the availability endpoint."""
    if professional_id is None:
        rows = _offering.all(service.pk)
    else:
        rows = _offering_by_one.all(service.pk, professional_id)
    working: dict[int, list[WorkingRange]] = {}
    for pk, weekday, start, end in rows:
        ranges = working.setdefault(pk, [])
        if weekday is not None:  # a professional without working hours still counts
            ranges.append(WorkingRange(weekday, _minutes(start), _minutes(end)))
    return working


def _working_hours(ids: list[int]) -> dict[int, list[WorkingRange]]:
    working: dict[int, list[WorkingRange]] = defaultdict(list)
    # order_by(): the engine sorts what it needs; the database need not.
    for professional_id, weekday, start, end in (
        WorkingHours.objects.filter(professional_id__in=ids)
        .order_by()
        .values_list("professional_id", "weekday", "start_time", "end_time")
    ):
        working[professional_id].append(WorkingRange(weekday, _minutes(start), _minutes(end)))
    return working


_TIME_OFF, _BUSY = 0, 1


class _Constant(Value):
    """A constant column read back as the database sends it. Value's own int() conversion
    costs a call per row, and the availability query reads thousands of rows."""

    @property
    def convert_value(self):
        return self._convert_value_noop


class _SlotsAsDatetimes(Mapping):
    """result["professionals"]: one professional's days of slots, made into datetimes only
    when somebody asks for them."""

    def __init__(self, micros: dict[int, dict[date, list[int]]]):
        self._micros = micros

    def __getitem__(self, professional_id: int) -> dict[date, list[datetime]]:
        days = self._micros[professional_id]
        return {day: [datetime_from_micros(s) for s in starts] for day, starts in days.items()}

    def __iter__(self):
        return iter(self._micros)

    def __len__(self) -> int:
        return len(self._micros)


def _schedule_version(practice: Practice) -> int:
    """Free when the caller used select_related("schedule_version"); 0 before any change."""
    try:
        return practice.schedule_version.version
    except ScheduleVersion.DoesNotExist:
        return 0


def availability_for(
    *,
    practice: Practice,
    service: Service,
    professionals: Sequence[Professional] = (),
    working: Mapping[int, list[WorkingRange]] | None = None,
    first_day: date,
    last_day: date,
    now: datetime,
) -> dict[str, Any]:
    """Free slots of `service` per professional and merged ("any"), for local days
    first_day..last_day: from the cache (scheduling.slot_cache) when it has them, else in two
    queries whatever the range or the number of appointments (one when the caller already
    loaded `working` with `offering_with_hours`: its keys are then the professionals)."""
    if last_day < first_day:
        raise ServiceError(_("The end date must not be before the start date."), field="to")
    if (last_day - first_day).days >= MAX_RANGE_DAYS:
        raise ServiceError(
            _("Ask for at most %(days)d days at a time.") % {"days": MAX_RANGE_DAYS}, field="to"
        )
    refusal = outside_booking_window(first_day, last_day, as_utc(now).date())
    if refusal:
        raise ServiceError(refusal, field="from")
    ids = list(working) if working is not None else [p.pk for p in professionals]
    days = [date.fromordinal(n) for n in range(first_day.toordinal(), last_day.toordinal() + 1)]
    policy = _policy_or_defaults(practice)
    # The version is read before any appointment: see the protocol in slot_cache.
    scope = slot_cache.scope_of(
        practice_id=practice.pk,
        version=_schedule_version(practice),
        timezone=practice.timezone,
        service_id=service.pk,
    )
    slots = slot_cache.cached_slots(scope=scope, professional_ids=ids, days=days)
    missing = [pk for pk in ids if any((pk, day) not in slots for day in days)]
    if missing:
        fresh = _unclipped_slots(
            practice=practice,
            service=service,
            policy=policy,
            ids=missing,
            working=working if working is not None else _working_hours(missing),
            first_day=first_day,
            last_day=last_day,
        )
        slot_cache.store_slots(scope=scope, entries=fresh)
        slots.update(fresh)

    earliest = micros_from_datetime(now + timedelta(minutes=policy.min_notice_minutes))
    latest = micros_from_datetime(now + timedelta(days=policy.horizon_days))
    per_professional = {
        pk: {day: _between(slots[pk, day], earliest, latest) for day in days} for pk in ids
    }
    return {
        "timezone": practice.timezone,
        "professionals": _SlotsAsDatetimes(per_professional),
        "any": {
            day: [(datetime_from_micros(start), pk) for start, pk in merged]
            for day, merged in any_professional_micros(per_professional, ids).items()
        },
    }


def _between(starts: list[int], earliest: int, latest: int) -> list[int]:
    return starts[bisect_left(starts, earliest) : bisect_right(starts, latest)]


# The engine's slots before the minimum notice and the horizon: readers apply those with
# their own clock, so one cached day serves every request.
_UNCLIPPED_NOW = datetime(1, 1, 1, tzinfo=UTC)


def _unclipped_slots(
    *,
    practice: Practice,
    service: Service,
    policy: BookingPolicy,
    ids: list[int],
    working: Mapping[int, list[WorkingRange]],
    first_day: date,
    last_day: date,
) -> slot_cache.Entries:
    tz = ZoneInfo(practice.timezone)
    duration = timedelta(minutes=service.duration_minutes)
    before = timedelta(minutes=service.buffer_before_minutes)
    after = timedelta(minutes=service.buffer_after_minutes)
    # Every candidate start lies in [window_start, window_end); a slot near the edges can still
    # collide with what starts up to duration + buffer_after later or ends buffer_before earlier.
    window_start, window_end = local_day_bounds(first_day, last_day, tz)
    practice_off: list[tuple[int, int]] = []
    time_off: dict[int, list[tuple[int, int]]] = defaultdict(list)
    busy: dict[int, list[tuple[int, int]]] = defaultdict(list)
    read = _blocked_rows_sql if connection.vendor == "postgresql" else _blocked_rows
    rows = read(
        practice_id=practice.pk,
        ids=ids,
        since=window_start,
        until=window_end + duration,
        before=before,
        after=after,
    )
    for kind, professional_id, start, end in rows:
        if kind == _BUSY:
            busy[professional_id].append((start, end))
        elif professional_id is None:
            practice_off.append((start, end))
        else:
            time_off[professional_id].append((start, end))

    step = timedelta(minutes=policy.slot_step_minutes) if policy.slot_step_minutes else None
    entries: slot_cache.Entries = {}
    for pk in ids:
        by_day = free_slot_micros(
            SlotRequest(
                tz=tz,
                first_day=first_day,
                last_day=last_day,
                working=working.get(pk, []),
                time_off=(),
                busy=(),
                time_off_micros=[*practice_off, *time_off.get(pk, [])],
                busy_micros=busy.get(pk, []),
                duration=duration,
                buffer_before=before,
                buffer_after=after,
                step=step,
                now=_UNCLIPPED_NOW,
            )
        )
        entries.update(((pk, day), starts) for day, starts in by_day.items())
    return entries


def _blocked_rows(
    *,
    practice_id: int,
    ids: list[int],
    since: datetime,
    until: datetime,
    before: timedelta,
    after: timedelta,
):
    """(kind, professional_id, start, end) of what blocks slot starts in [since, until):
    time off of the practice (professional_id None) or of the professionals, their external
    calendars' busy periods (both _TIME_OFF), and their appointments' blocked ranges (_BUSY),
    which can reach `before` further back and `after` further on. Instants as epoch
    microseconds; one round trip, in no particular order."""
    time_off_rows = (
        TimeOff.objects.filter(
            Q(professional__isnull=True) | Q(professional_id__in=ids),
            practice_id=practice_id,
            start__lt=until,
            end__gt=since,
        )
        .order_by()
        .values_list(
            _Constant(_TIME_OFF, output_field=IntegerField()),
            "professional_id",
            EpochMicroseconds("start"),
            EpochMicroseconds("end"),
        )
    )
    # Every client's appointments, blocked ones too: the database refuses an overlap with any
    # of them, and leaving out the join on clients lets it read the index alone.
    busy_rows = (
        Appointment.all_objects.active()
        .blocking(since - before, until + after)
        .filter(professional_id__in=ids)
        .order_by()
        .values_list(
            _Constant(_BUSY, output_field=IntegerField()),
            "professional_id",
            EpochMicroseconds("blocked_start"),
            EpochMicroseconds("blocked_end"),
        )
    )
    # The professionals' own calendars block time like an absence of theirs.
    external_rows = (
        ExternalBusy.objects.filter(professional_id__in=ids, start__lt=until, end__gt=since)
        .order_by()
        .values_list(
            _Constant(_TIME_OFF, output_field=IntegerField()),
            "professional_id",
            EpochMicroseconds("start"),
            EpochMicroseconds("end"),
        )
    )
    return time_off_rows.union(busy_rows, external_rows, all=True)


# _blocked_rows on PostgreSQL, written once: building and compiling the three querysets took
# longer than PostgreSQL took to run them (~1 ms of a month's cold read). The same filters as
# `active()` and `blocking()`, the kinds _TIME_OFF (0) and _BUSY (1); a test on PostgreSQL
# checks that both readers give the same rows.
_BLOCKED_ROWS_SQL = """SELECT 0, "professional_id",
       (EXTRACT(EPOCH FROM "start") * 1000000)::bigint,
       (EXTRACT(EPOCH FROM "end") * 1000000)::bigint
FROM "scheduling_timeoff"
WHERE "practice_id" = %(practice_id)s
  AND ("professional_id" IS NULL OR "professional_id" = ANY(%(ids)s))
  AND "start" < %(until)s AND "end" > %(since)s
UNION ALL
SELECT 1, "professional_id",
       (EXTRACT(EPOCH FROM "blocked_start") * 1000000)::bigint,
       (EXTRACT(EPOCH FROM "blocked_end") * 1000000)::bigint
FROM "booking_appointment"
WHERE "status" IN ('pending', 'confirmed') AND "professional_id" = ANY(%(ids)s)
  AND "blocked_start" < %(busy_until)s AND "blocked_start" > %(busy_floor)s
  AND "blocked_end" > %(busy_since)s
UNION ALL
SELECT 0, "professional_id",
       (EXTRACT(EPOCH FROM "start") * 1000000)::bigint,
       (EXTRACT(EPOCH FROM "end") * 1000000)::bigint
FROM "calendars_externalbusy"
WHERE "professional_id" = ANY(%(ids)s) AND "start" < %(until)s AND "end" > %(since)s
"""


def _blocked_rows_sql(
    *,
    practice_id: int,
    ids: list[int],
    since: datetime,
    until: datetime,
    before: timedelta,
    after: timedelta,
) -> list[tuple]:
    """_blocked_rows on PostgreSQL, as one fixed statement (same bounds as `blocking`)."""
    params = {
        "practice_id": practice_id,
        "ids": ids,
        "since": since,
        "until": until,
        "busy_since": since - before,
        "busy_floor": since - before - MAX_BLOCKED_SPAN,
        "busy_until": until + after,
    }
    with connection.cursor() as cursor:
        cursor.execute(_BLOCKED_ROWS_SQL, params)
        return cursor.fetchall()


def time_off_by_month(*, practice: Practice, since: datetime) -> list[tuple[date, list[TimeOff]]]:
    """Absences ending after `since`, grouped by the local month they start in."""
    tz = ZoneInfo(practice.timezone)
    groups: dict[date, list[TimeOff]] = {}
    rows = (
        TimeOff.objects.filter(practice=practice, end__gt=since)
        .select_related("professional")
        .order_by("start")
    )
    for row in rows:
        # Display helpers: full days end at the next local midnight, which is not shown.
        row.first_day = row.start.astimezone(tz).date()
        row.last_day = (row.end.astimezone(tz) - timedelta(microseconds=1)).date()
        month = row.first_day.replace(day=1)
        groups.setdefault(month, []).append(row)
    return list(groups.items())


def working_hours_by_day(
    *, practice: Practice, professional: Professional | None
) -> dict[int, list[WorkingHours]]:
    rows = WorkingHours.objects.filter(practice=practice, professional=professional)
    by_day: dict[int, list[WorkingHours]] = {day: [] for day in range(7)}
    for row in rows.order_by("weekday", "start_time"):
        by_day[row.weekday].append(row)
    return by_day


def time_off_between(
    *, practice: Practice, start: datetime, end: datetime, professional_ids: Sequence[int]
) -> list[TimeOff]:
    """Absences that intersect [start, end): practice-wide ones and those of the given
    professionals (of everyone when none is given).

    One query, whatever the number of rows: the staff agenda feed runs it on every navigation.
    """
    rows = TimeOff.objects.filter(practice=practice, start__lt=end, end__gt=start)
    if professional_ids:
        rows = rows.filter(Q(professional=None) | Q(professional_id__in=professional_ids))
    return list(rows.select_related("professional").order_by("start"))
