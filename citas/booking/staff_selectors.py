"""Read queries behind the staff agenda, the appointment list and the client pages.

Every function takes the practice explicitly: nothing here can reach another practice's rows.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Max, Min, Q, QuerySet

from citas.catalog.models import Service
from citas.practices.models import Practice, Professional
from citas.scheduling.models import BookingPolicy, WorkingHours

from .models import Appointment, AppointmentStatus, Client

DEFAULT_DAY_START = time(7)
DEFAULT_DAY_END = time(21)


def agenda_day_bounds(practice: Practice) -> tuple[time, time]:
    """The earliest start and latest end of the practice's working hours (or 07:00–21:00)."""
    bounds = WorkingHours.objects.filter(practice=practice).aggregate(
        first=Min("start_time"), last=Max("end_time")
    )
    return bounds["first"] or DEFAULT_DAY_START, bounds["last"] or DEFAULT_DAY_END


def agenda_appointments(
    *,
    practice: Practice,
    start: datetime,
    end: datetime,
    professional_ids: list[int],
    include_cancelled: bool = False,
) -> QuerySet[Appointment]:
    """Appointments that intersect [start, end), in one query."""
    rows = Appointment.objects.filter(practice=practice, start__lt=end, end__gt=start)
    if professional_ids:
        rows = rows.filter(professional_id__in=professional_ids)
    if not include_cancelled:
        rows = rows.exclude(status=AppointmentStatus.CANCELLED)
    return rows.select_related("service", "client", "professional").order_by("start")


def active_professionals(practice: Practice) -> QuerySet[Professional]:
    return Professional.objects.filter(practice=practice, is_active=True).order_by("display_name")


def bookable_services(practice: Practice) -> QuerySet[Service]:
    return Service.objects.active().filter(practice=practice).order_by("name")


def overlaps_an_active_appointment(
    *,
    appointment: Appointment,
    professional: Professional,
    start: datetime,
    end: datetime | None = None,
) -> bool:
    """Whether moving `appointment` to `start` (and `end`; by default it keeps its length)
    would collide with another booking: the one refusal that overriding the booking policy
    cannot lift."""
    service = appointment.service
    end = end or start + (appointment.end - appointment.start)
    blocked_start = start - timedelta(minutes=service.buffer_before_minutes)
    blocked_end = end + timedelta(minutes=service.buffer_after_minutes)
    return (
        Appointment.objects.active()
        .filter(
            professional=professional, blocked_start__lt=blocked_end, blocked_end__gt=blocked_start
        )
        .exclude(pk=appointment.pk)
        .exists()
    )


class Tab:
    TODAY = "today"
    UPCOMING = "upcoming"
    PAST = "past"
    ALL = (TODAY, UPCOMING, PAST)


@dataclass
class AppointmentFilters:
    tab: str = Tab.TODAY
    professional: Professional | None = None
    service: Service | None = None
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None
    search: str = ""


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz)


def appointment_list(
    *, practice: Practice, filters: AppointmentFilters, now: datetime
) -> QuerySet[Appointment]:
    """The appointments of one tab of the list, filtered; related rows joined, not fetched
    one by one."""
    tz = ZoneInfo(practice.timezone)
    rows = Appointment.objects.filter(practice=practice).select_related(
        "service", "client", "professional"
    )
    today = now.astimezone(tz).date()
    if filters.tab == Tab.TODAY:
        rows = rows.filter(
            start__gte=_local_midnight(today, tz),
            start__lt=_local_midnight(today + timedelta(days=1), tz),
        )
    elif filters.tab == Tab.UPCOMING:
        rows = rows.filter(start__gte=now)
    else:
        rows = rows.filter(start__lt=now)
    if filters.professional:
        rows = rows.filter(professional=filters.professional)
    if filters.service:
        rows = rows.filter(service=filters.service)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.date_from:
        rows = rows.filter(start__gte=_local_midnight(filters.date_from, tz))
    if filters.date_to:
        rows = rows.filter(start__lt=_local_midnight(filters.date_to + timedelta(days=1), tz))
    if filters.search:
        rows = rows.filter(_client_matches(filters.search, prefix="client__"))
    return rows.order_by("-start" if filters.tab == Tab.PAST else "start")


def _client_matches(text: str, *, prefix: str = "") -> Q:
    return (
        Q(**{f"{prefix}full_name__icontains": text})
        | Q(**{f"{prefix}email__icontains": text})
        | Q(**{f"{prefix}phone__icontains": text})
    )


def client_list(*, practice: Practice, search: str = "") -> QuerySet[Client]:
    """Clients with their appointment and no-show counts, computed by the database."""
    rows = Client.objects.filter(practice=practice)
    if search:
        rows = rows.filter(_client_matches(search))
    return rows.annotate(
        appointment_count=Count("appointments"),
        # Counted as the no-show policy counts them: since the client's last reset.
        no_show_count=Count(
            "appointments",
            filter=Q(appointments__status=AppointmentStatus.NO_SHOW)
            & (
                Q(no_shows_reset_at__isnull=True)
                | Q(appointments__start__gt=F("no_shows_reset_at"))
            ),
        ),
    ).order_by("full_name", "pk")


def client_search(
    *, practice: Practice, search: str, exclude: Client | None = None, limit: int = 10
) -> list[Client]:
    """At most `limit` clients matching a name, email or phone fragment (for pickers)."""
    search = search.strip()
    if len(search) < 2:
        return []
    rows = Client.objects.filter(practice=practice).filter(_client_matches(search))
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    return list(rows.order_by("full_name", "pk")[:limit])


def client_history(client: Client) -> QuerySet[Appointment]:
    return client.appointments.select_related("service", "professional").order_by("-start")


def asks_confirmation(practice: Practice) -> bool:
    """Does the practice ask clients to confirm their attendance (booking rules)? Free when
    the practice was loaded with select_related("booking_policy")."""
    try:
        return bool(practice.booking_policy.confirmation_request_hours)
    except BookingPolicy.DoesNotExist:
        return False
