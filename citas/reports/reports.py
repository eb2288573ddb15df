"""The reports of /app/informes/ and the API: each a Table aggregated by the database.

Every report runs one query (occupancy three), whatever the period or the number of rows.
"""

from datetime import timedelta

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncHour, TruncWeek
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citas.booking.models import (
    Appointment,
    AppointmentChannel,
    AppointmentEvent,
    AppointmentEventKind,
    AppointmentStatus,
)
from citas.practices.models import Practice
from citas.scheduling.models import Weekday

from .selectors import BOOKED_STATUSES, appointments_in, local_bounds, occupancy_by_week
from .tables import Column, Kind, Period, Table, ratio

NO_SHOW = Q(status=AppointmentStatus.NO_SHOW)
CANCELLED = Q(status=AppointmentStatus.CANCELLED)
COMPLETED = Q(status=AppointmentStatus.COMPLETED)
TOP_CLIENTS = 10

# (upper bound in days, label): how long before the appointment it was booked.
LEAD_TIME_BUCKETS = (
    (1, gettext_lazy("Same day")),
    (3, gettext_lazy("1–2 days")),
    (8, gettext_lazy("3–7 days")),
    (15, gettext_lazy("8–14 days")),
    (31, gettext_lazy("15–30 days")),
    (None, gettext_lazy("More than 30 days")),
)


TITLES = {
    "status-by-week": gettext_lazy("Appointments by status per week"),
    "occupancy": gettext_lazy("Occupancy per professional per week"),
    "no-shows-by-service": gettext_lazy("No-shows and late cancellations by service"),
    "no-shows-by-hour": gettext_lazy("No-shows and late cancellations by weekday and hour"),
    "lead-time": gettext_lazy("Time from booking to appointment"),
    "channels": gettext_lazy("Bookings by channel"),
    "revenue": gettext_lazy("Estimated revenue (price × completed)"),
    "new-vs-returning": gettext_lazy("New and returning clients"),
    "top-clients": gettext_lazy("Top clients by visits"),
}


def status_by_week(practice: Practice, period: Period, **_kwargs) -> Table:
    statuses = list(AppointmentStatus)
    rows = (
        appointments_in(practice, period)
        .annotate(week=TruncWeek("start", tzinfo=period.tz))
        .values("week")
        .annotate(
            total=Count("pk"),
            **{status.value: Count("pk", filter=Q(status=status)) for status in statuses},
        )
        .order_by("week")
    )
    return Table(
        "status-by-week",
        str(TITLES["status-by-week"]),
        [
            Column("week", _("Week"), Kind.DATE),
            *(Column(status.value, str(status.label), Kind.COUNT) for status in statuses),
            Column("total", _("Total"), Kind.COUNT),
        ],
        [
            (
                row["week"].astimezone(period.tz).date(),
                *(row[status.value] for status in statuses),
                row["total"],
            )
            for row in rows
        ],
    )


def occupancy(practice: Practice, period: Period, **_kwargs) -> Table:
    return Table(
        "occupancy",
        str(TITLES["occupancy"]),
        [
            Column("week", _("Week"), Kind.DATE),
            Column("professional", _("Professional")),
            Column("booked_hours", _("Booked hours"), Kind.HOURS),
            Column("open_hours", _("Working hours"), Kind.HOURS),
            Column("occupancy", _("Occupancy"), Kind.RATIO),
        ],
        [
            (row.week, row.professional, row.booked_minutes / 60, row.open_minutes / 60, row.ratio)
            for row in occupancy_by_week(practice, period)
        ],
    )


def _late_cancellation(practice: Practice, period: Period, window_hours: int) -> Q:
    """Cancelled less than the cancellation window before the start (the event says when).

    The period's late cancellation events, joined to their appointments once, as one set the
    count looks each row up in (PostgreSQL hashes it), not a subquery per appointment.
    """
    start, end = local_bounds(period.first, period.last, period.tz)
    late = AppointmentEvent.objects.filter(
        kind=AppointmentEventKind.CANCELLED,
        appointment__practice=practice,
        appointment__start__gte=start,
        appointment__start__lt=end,
        created_at__gt=F("appointment__start") - timedelta(hours=window_hours),
    ).values("appointment_id")
    return CANCELLED & Q(pk__in=late)


def _rates(practice: Practice, period: Period, window_hours: int) -> dict:
    return {
        "total": Count("pk"),
        "no_shows": Count("pk", filter=NO_SHOW),
        "late": Count("pk", filter=_late_cancellation(practice, period, window_hours)),
    }


def _rate_columns() -> list[Column]:
    return [
        Column("appointments", _("Appointments"), Kind.COUNT),
        Column("no_shows", _("No-shows"), Kind.COUNT),
        Column("no_show_rate", _("No-show rate"), Kind.RATIO),
        Column("late_cancellations", _("Late cancellations"), Kind.COUNT),
        Column("late_cancellation_rate", _("Late cancellation rate"), Kind.RATIO),
    ]


def _rate_values(row: dict) -> tuple:
    total = row["total"]
    return (
        total,
        row["no_shows"],
        ratio(row["no_shows"], total),
        row["late"],
        ratio(row["late"], total),
    )


def no_shows_by_service(practice: Practice, period: Period, *, window_hours: int) -> Table:
    rows = (
        appointments_in(practice, period)
        .values("service_id", "service__name")
        .annotate(**_rates(practice, period, window_hours))
        .order_by("service__name", "service_id")
    )
    return Table(
        "no-shows-by-service",
        str(TITLES["no-shows-by-service"]),
        [Column("service", _("Service")), *_rate_columns()],
        [(row["service__name"], *_rate_values(row)) for row in rows],
    )


def no_shows_by_hour(practice: Practice, period: Period, *, window_hours: int) -> Table:
    """The heat map: by local weekday and hour of the start.

    The database groups by local hour (one time zone conversion per row; extracting weekday
    and hour took two, and twice the time); the hours of the same weekday and hour are then
    summed here: a year is some 3,000 rows.
    """
    hours = (
        appointments_in(practice, period)
        .annotate(local_hour=TruncHour("start", tzinfo=period.tz))
        .values("local_hour")
        .annotate(**_rates(practice, period, window_hours))
        .order_by()
    )
    cells: dict[tuple[int, int], dict] = {}
    for row in hours:
        local_hour = row.pop("local_hour")
        cell = cells.setdefault((local_hour.isoweekday(), local_hour.hour), dict.fromkeys(row, 0))
        for key, count in row.items():
            cell[key] += count
    rows = [
        {"weekday": weekday, "hour": hour, **cells[weekday, hour]}
        for weekday, hour in sorted(cells)
    ]
    return Table(
        "no-shows-by-hour",
        str(TITLES["no-shows-by-hour"]),
        [
            Column("weekday", _("Weekday")),
            Column("hour", _("Hour"), Kind.COUNT),
            *_rate_columns(),
        ],
        [(str(Weekday(row["weekday"] - 1).label), row["hour"], *_rate_values(row)) for row in rows],
    )


def lead_time(practice: Practice, period: Period, **_kwargs) -> Table:
    """Days from booking to appointment, in buckets; cancelled bookings count too."""
    bucket = Case(
        *(
            When(start__lt=F("created_at") + timedelta(days=days), then=Value(index))
            for index, (days, _label) in enumerate(LEAD_TIME_BUCKETS)
            if days is not None
        ),
        default=Value(len(LEAD_TIME_BUCKETS) - 1),
        output_field=IntegerField(),
    )
    counts = dict(
        appointments_in(practice, period)
        .annotate(bucket=bucket)
        .values("bucket")
        .annotate(count=Count("pk"))
        .values_list("bucket", "count")
    )
    total = sum(counts.values())
    return Table(
        "lead-time",
        str(TITLES["lead-time"]),
        [
            Column("lead_time", _("Booked")),
            Column("appointments", _("Appointments"), Kind.COUNT),
            Column("share", _("Share"), Kind.RATIO),
        ],
        [
            (str(label), counts.get(index, 0), ratio(counts.get(index, 0), total))
            for index, (_days, label) in enumerate(LEAD_TIME_BUCKETS)
        ],
    )


def channels(practice: Practice, period: Period, **_kwargs) -> Table:
    counts = dict(
        appointments_in(practice, period)
        .values("channel")
        .annotate(count=Count("pk"))
        .values_list("channel", "count")
    )
    total = sum(counts.values())
    return Table(
        "channels",
        str(TITLES["channels"]),
        [
            Column("channel", _("Channel")),
            Column("appointments", _("Appointments"), Kind.COUNT),
            Column("share", _("Share"), Kind.RATIO),
        ],
        [
            (str(channel.label), counts.get(channel.value, 0), ratio(counts.get(channel, 0), total))
            for channel in AppointmentChannel
        ],
    )


def revenue(practice: Practice, period: Period, **_kwargs) -> Table:
    """Completed appointments × the price each was booked at (a later price change does not
    rewrite the past)."""
    rows = (
        appointments_in(practice, period)
        .filter(COMPLETED)
        .values("service__name", "service_id", "professional__display_name", "professional_id")
        .annotate(completed=Count("pk"), amount=Sum("price"))
        .order_by("-amount", "service__name", "professional__display_name")
    )
    return Table(
        "revenue",
        str(TITLES["revenue"]),
        [
            Column("service", _("Service")),
            Column("professional", _("Professional")),
            Column("completed", _("Completed"), Kind.COUNT),
            Column("revenue", _("Revenue"), Kind.EUR),
        ],
        [
            (
                row["service__name"],
                row["professional__display_name"],
                row["completed"],
                row["amount"],
            )
            for row in rows
        ],
    )


def new_vs_returning(practice: Practice, period: Period, **_kwargs) -> Table:
    """New: the client had no booked (not cancelled) appointment before the period.

    One grouped query: each client's booked appointments up to the end of the period, counting
    those in the period (as filtered) and those before it (any professional or service).
    """
    start, end = local_bounds(period.first, period.last, period.tz)
    in_period = Q(start__gte=start)
    if period.professional_id is not None:
        in_period &= Q(professional_id=period.professional_id)
    if period.service_id is not None:
        in_period &= Q(service_id=period.service_id)
    per_client = (
        Appointment.all_objects.of_practice(practice)
        .filter(start__lt=end, status__in=BOOKED_STATUSES)
        .order_by()
        .values("client_id")
        .annotate(
            in_period=Count("pk", filter=in_period), before=Count("pk", filter=Q(start__lt=start))
        )
        .filter(in_period__gt=0)
    )
    figures = per_client.aggregate(
        clients=Count("client_id"), returning=Count("client_id", filter=Q(before__gt=0))
    )
    new = figures["clients"] - figures["returning"]
    return Table(
        "new-vs-returning",
        str(TITLES["new-vs-returning"]),
        [
            Column("clients", _("Clients")),
            Column("count", _("Count"), Kind.COUNT),
            Column("share", _("Share"), Kind.RATIO),
        ],
        [
            (_("New"), new, ratio(new, figures["clients"])),
            (_("Returning"), figures["returning"], ratio(figures["returning"], figures["clients"])),
        ],
    )


def top_clients(practice: Practice, period: Period, **_kwargs) -> Table:
    rows = (
        appointments_in(practice, period)
        .filter(COMPLETED)
        .values("client_id", "client__full_name")
        .annotate(visits=Count("pk"))
        .order_by("-visits", "client__full_name", "client_id")
        .values_list("client__full_name", "visits")[:TOP_CLIENTS]
    )
    return Table(
        "top-clients",
        str(TITLES["top-clients"]),
        [Column("client", _("Client")), Column("visits", _("Visits"), Kind.COUNT)],
        list(rows),
    )


REPORTS = {
    "status-by-week": status_by_week,
    "occupancy": occupancy,
    "no-shows-by-service": no_shows_by_service,
    "no-shows-by-hour": no_shows_by_hour,
    "lead-time": lead_time,
    "channels": channels,
    "revenue": revenue,
    "new-vs-returning": new_vs_returning,
    "top-clients": top_clients,
}


def report_for(name: str, practice: Practice, period: Period, *, window_hours: int) -> Table:
    return REPORTS[name](practice, period, window_hours=window_hours)
