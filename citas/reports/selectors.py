"""Dashboard figures and occupancy, aggregated by the database in a fixed number of queries."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import (
    Case,
    Count,
    DurationField,
    F,
    IntegerField,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncWeek

from citas.booking.models import Appointment, AppointmentStatus, Client
from citas.notifications.selectors import failed_notification_count
from citas.practices.models import Membership, Practice, Professional, Role
from citas.scheduling import slot_cache
from citas.scheduling.availability import WorkingRange, open_minutes_by_day
from citas.scheduling.models import BookingPolicy, ScheduleVersion, TimeOff
from citas.scheduling.selectors import EpochMicroseconds

from .tables import Period, ratio

# Working minutes are computed again at least this often, whatever the cache holds.
OPEN_MINUTES_SECONDS = 3600

# What occupies a professional's time: everything but a cancellation.
BOOKED_STATUSES = (
    AppointmentStatus.PENDING,
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.COMPLETED,
    AppointmentStatus.NO_SHOW,
)


def local_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Local midnight of `first` to the local midnight after `last` (DST-aware)."""
    return (
        datetime.combine(first, time(), tzinfo=tz),
        datetime.combine(last + timedelta(days=1), time(), tzinfo=tz),
    )


def appointments_in(practice: Practice, period: Period):
    """The practice's appointments starting in the period, filtered as the period says."""
    start, end = local_bounds(period.first, period.last, period.tz)
    rows = Appointment.all_objects.of_practice(practice).filter(start__gte=start, start__lt=end)
    if period.professional_id is not None:
        rows = rows.filter(professional_id=period.professional_id)
    if period.service_id is not None:
        rows = rows.filter(service_id=period.service_id)
    return rows.order_by()


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _week_of(value: datetime, tz: ZoneInfo) -> date:
    return value.astimezone(tz).date()


@dataclass(frozen=True)
class Occupancy:
    week: date
    professional_id: int
    professional: str
    booked_minutes: float
    open_minutes: float

    @property
    def ratio(self) -> float | None:
        return ratio(self.booked_minutes, self.open_minutes)


def occupancy_by_week(practice: Practice, period: Period) -> list[Occupancy]:
    """Booked minutes ÷ working minutes left after time off and holidays, per professional and
    local week, from the same working ranges and absences the booking page offers slots from.

    Three queries, whatever the period or the number of appointments; two when the working
    minutes are cached (see open_minutes_by_week).
    """
    tz = period.tz
    professionals = Professional.objects.filter(practice=practice, is_active=True)
    if period.professional_id is not None:
        professionals = professionals.filter(pk=period.professional_id)
    # The schedule version in the same statement (the same snapshot) as the working hours: what
    # is computed from them and the time off read after is never older than the version it is
    # cached under (the protocol of scheduling.slot_cache).
    version = ScheduleVersion.objects.filter(practice_id=practice.pk).values("version")[:1]
    names: dict[int, str] = {}
    working: dict[int, list[WorkingRange]] = defaultdict(list)
    rows = list(
        professionals.order_by("display_name", "pk")
        .annotate(version=Coalesce(Subquery(version), 0))
        .values_list(
            "pk",
            "display_name",
            "working_hours__weekday",
            "working_hours__start_time",
            "working_hours__end_time",
            "version",
        )
    )
    for pk, name, weekday, start, end, _version in rows:
        names[pk] = name
        if weekday is not None:
            working[pk].append(WorkingRange(weekday, _minute(start), _minute(end)))
    open_minutes = open_minutes_by_week(
        practice,
        period,
        version=rows[0][-1] if rows else 0,
        working=working,
        ids=list(names),
    )

    booked = (
        appointments_in(practice, period)
        # No professional_id IN (...): it led PostgreSQL to a bitmap scan of every professional's
        # whole history; rows of inactive professionals are simply not read below.
        .filter(status__in=BOOKED_STATUSES)
        .annotate(week=TruncWeek("start", tzinfo=tz))
        .values("professional_id", "week")
        .annotate(minutes=Sum(F("end") - F("start"), output_field=DurationField()))
    )
    booked_minutes = {
        (row["professional_id"], _week_of(row["week"], tz)): row["minutes"].total_seconds() / 60
        for row in booked
    }
    result = [
        Occupancy(week, pk, name, booked_minutes.get((pk, week), 0.0), minutes)
        for pk, name in names.items()
        for week, minutes in open_minutes[pk].items()
    ]
    return sorted(result, key=lambda row: (row.week, row.professional, row.professional_id))


def open_minutes_by_week(
    practice: Practice,
    period: Period,
    *,
    version: int,
    working: dict[int, list[WorkingRange]],
    ids: list[int],
) -> dict[int, dict[date, float]]:
    """Each professional's working minutes per local week (by its Monday) of the period, after
    time off and holidays: from the cache when it has them, else computed (one query).

    They change only with the working hours, time off, holidays or time zone, so they are
    cached under the practice's schedule version, which every such change bumps (the protocol
    of scheduling.slot_cache: `version` read before `working` and the time off).
    """
    scope = ":".join(
        str(part)
        for part in ("open-minutes", practice.pk, version, period.tz.key, period.first, period.last)
    )
    keys = {f"{scope}:{pk}": pk for pk in ids}
    found = slot_cache.read_many(list(keys), "working minutes")
    weeks = {keys[key]: value for key, value in found.items()}
    missing = [pk for pk in ids if pk not in weeks]
    if not missing:
        return weeks
    fresh = _open_minutes_by_week(practice, period, working=working, ids=missing)
    weeks.update(fresh)
    slot_cache.write_on_commit(
        {f"{scope}:{pk}": value for pk, value in fresh.items()},
        timeout=OPEN_MINUTES_SECONDS,
        what="working minutes",
    )
    return weeks


def _open_minutes_by_week(
    practice: Practice, period: Period, *, working: dict[int, list[WorkingRange]], ids: list[int]
) -> dict[int, dict[date, float]]:
    window_start, window_end = local_bounds(period.first, period.last, period.tz)
    practice_off: list[tuple[int, int]] = []
    time_off: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for professional_id, start, end in (
        TimeOff.objects.filter(practice=practice, start__lt=window_end, end__gt=window_start)
        .filter(Q(professional__isnull=True) | Q(professional_id__in=ids))
        .order_by()
        .values_list("professional_id", EpochMicroseconds("start"), EpochMicroseconds("end"))
    ):
        (time_off[professional_id] if professional_id else practice_off).append((start, end))
    weeks = {}
    for pk in ids:
        open_by_week: dict[date, float] = defaultdict(float)
        for day, minutes in open_minutes_by_day(
            tz=period.tz,
            first_day=period.first,
            last_day=period.last,
            working=working.get(pk, []),
            time_off_micros=[*practice_off, *time_off.get(pk, [])],
        ).items():
            open_by_week[monday(day)] += minutes
        weeks[pk] = dict(sorted(open_by_week.items()))
    return weeks


def _minute(value: time) -> int:
    return value.hour * 60 + value.minute


@dataclass(frozen=True)
class MonthFigures:
    no_shows: int
    no_shows_before: int
    cancellations: int
    cancellations_before: int


def month_figures(practice: Practice, *, today: date, tz: ZoneInfo, professional_id=None):
    """No-shows and cancellations of appointments starting this month and last month: one
    query."""
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    next_month = (this_month + timedelta(days=32)).replace(day=1)
    period = Period(last_month, next_month - timedelta(days=1), tz, professional_id)
    this_start = datetime.combine(this_month, time(), tzinfo=tz)
    current = Q(start__gte=this_start)
    before = Q(start__lt=this_start)
    no_show = Q(status=AppointmentStatus.NO_SHOW)
    cancelled = Q(status=AppointmentStatus.CANCELLED)
    # Only the rows that can count: the partial index appt_missed_practice_start holds them.
    missed = appointments_in(practice, period).filter(
        status__in=[AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED]
    )
    figures = missed.aggregate(
        no_shows=Count("pk", filter=no_show & current),
        no_shows_before=Count("pk", filter=no_show & before),
        cancellations=Count("pk", filter=cancelled & current),
        cancellations_before=Count("pk", filter=cancelled & before),
    )
    return MonthFigures(**figures)


def upcoming_appointments(practice: Practice, *, today: date, tz: ZoneInfo, professional_id=None):
    """Today's and tomorrow's pending and confirmed appointments, day by day: those waiting for
    approval first, then those the client has not confirmed yet, then the rest; by time within
    each. One query."""
    period = Period(today, today + timedelta(days=1), tz, professional_id)
    return (
        appointments_in(practice, period)
        .active()
        .annotate(
            day=TruncDate("start", tzinfo=tz),
            attention=Case(
                When(status=AppointmentStatus.PENDING, then=Value(0)),
                When(client_confirmed_at__isnull=True, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
        )
        .select_related("client", "service", "professional")
        .order_by("day", "attention", "start", "pk")[:50]
    )


def new_client_count(practice: Practice, *, today: date, tz: ZoneInfo) -> int:
    """Client records created this local month."""
    start = datetime.combine(today.replace(day=1), time(), tzinfo=tz)
    return Client.objects.filter(practice=practice, created_at__gte=start).count()


def dashboard_for(membership: Membership, *, now: datetime) -> dict:
    """What /app/ shows the member: managers see the practice's figures, professionals their
    own, reception the list of appointments."""
    practice = membership.practice
    tz = ZoneInfo(practice.timezone)
    today = now.astimezone(tz).date()
    own = None
    if membership.role == Role.PROFESSIONAL:
        own = getattr(membership, "professional", None)
        own = own.pk if own else 0
    figures: dict = {
        "today": today,
        "tomorrow": today + timedelta(days=1),
        "upcoming": list(upcoming_appointments(practice, today=today, tz=tz, professional_id=own)),
    }
    if membership.role == Role.RECEPTION:
        return figures
    week = monday(today)
    figures["week"] = (week, week + timedelta(days=6))
    figures["occupancy"] = occupancy_by_week(
        practice, Period(week, week + timedelta(days=6), tz, own)
    )
    figures["month"] = month_figures(practice, today=today, tz=tz, professional_id=own)
    if membership.can_manage:
        figures["failed_notifications"] = failed_notification_count(practice)
        figures["new_clients"] = new_client_count(practice, today=today, tz=tz)
    return figures


def cancellation_window_hours(practice: Practice) -> int:
    """The practice's cancellation window: a cancellation later than this is a late one."""
    saved = (
        BookingPolicy.objects.filter(practice=practice)
        .values_list("cancellation_window_hours", flat=True)
        .first()
    )
    return BookingPolicy().cancellation_window_hours if saved is None else saved
