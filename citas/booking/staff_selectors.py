"""Read queries behind the staff agenda, the appointment list and the client pages.

Every function takes the practice explicitly: nothing here can reach another practice's rows.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from citas.catalog.models import Service
from citas.core.timezones import as_utc, local_midnight
from citas.practices.models import Practice, Professional
from citas.scheduling.models import BookingPolicy, WorkingHours

from .models import Appointment, AppointmentStatus, Client, SeriesFrequency
from .rules import slot_for

DEFAULT_DAY_START = time(7)
DEFAULT_DAY_END = time(21)


def agenda_day_bounds(practice: Practice) -> tuple[time, time]:
    """The earliest start and latest end of the practice's working hours (or 07:00–21:00)."""
    bounds = WorkingHours.objects.filter(practice=practice).aggregate(
        first=Min("start_time"), last=Max("end_time")
    )
    return bounds["first"] or DEFAULT_DAY_START, bounds["last"] or DEFAULT_DAY_END


AGENDA_FIELDS = (
    "id",
    "professional_id",
    "start",
    "end",
    "status",
    "client__full_name",
    "service__name",
    "service__color",
    "professional__display_name",
    "professional__color",
    "client_confirmed_at",
    "series_id",
)


def agenda_appointments(
    *,
    practice: Practice,
    start: datetime,
    end: datetime,
    professional_ids: list[int],
    include_cancelled: bool = False,
) -> QuerySet:
    """Appointments that intersect [start, end), as dicts of AGENDA_FIELDS, in one query
    (the feed needs no model objects: building them cost more than the query)."""
    rows = Appointment.objects.filter(practice=practice).intersecting(start, end)
    if professional_ids:
        rows = rows.filter(professional_id__in=professional_ids)
    if not include_cancelled:
        rows = rows.exclude(status=AppointmentStatus.CANCELLED)
    return rows.order_by("start").values(*AGENDA_FIELDS)


def active_professionals(practice: Practice) -> QuerySet[Professional]:
    return Professional.objects.filter(practice=practice, is_active=True).order_by("display_name")


def agenda_professionals(practice: Practice) -> list[Professional]:
    """The agenda's columns and filters: active professionals with only what the page shows
    (id, name, colour: a quarter less to build than whole rows on every agenda load)."""
    return list(active_professionals(practice).only("id", "display_name", "color"))


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
    length = None if end is None else as_utc(end) - as_utc(start)
    slot = slot_for(appointment.service, start, length or appointment.end - appointment.start)
    return (
        Appointment.all_objects.active()
        .blocking(slot.blocked_start, slot.blocked_end)
        .filter(professional=professional)
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
    client_confirmed: bool | None = None


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
            start__gte=local_midnight(today, tz),
            start__lt=local_midnight(today + timedelta(days=1), tz),
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
        rows = rows.filter(start__gte=local_midnight(filters.date_from, tz))
    if filters.date_to:
        rows = rows.filter(start__lt=local_midnight(filters.date_to + timedelta(days=1), tz))
    if filters.search:
        rows = rows.filter(_client_matches(filters.search, prefix="client__"))
    if filters.client_confirmed is not None:
        rows = rows.client_confirmed(filters.client_confirmed)
    return rows.only(*LIST_FIELDS).order_by("-start" if filters.tab == Tab.PAST else "start")


# What a row of the staff list shows (booking/staff/appointment_list.html): the other columns of
# four tables (timestamps, notes, tokens) cost more to load than the page used.
LIST_FIELDS = (
    "start",
    "end",
    "status",
    "client_confirmed_at",
    "service__name",
    "service__color",
    "client__full_name",
    "professional__display_name",
)


def _client_matches(text: str, *, prefix: str = "") -> Q:
    return (
        Q(**{f"{prefix}full_name__icontains": text})
        | Q(**{f"{prefix}email__icontains": text})
        | Q(**{f"{prefix}phone__icontains": text})
    )


def _count(rows: QuerySet) -> Coalesce:
    # COUNT(client_id), not COUNT(id): the same number (never NULL), read from an index alone.
    return Coalesce(Subquery(rows.annotate(n=Count("client")).values("n")), 0)


def client_list(*, practice: Practice, search: str = "") -> QuerySet[Client]:
    """Clients with their appointment and no-show counts, computed by the database."""
    rows = Client.objects.filter(practice=practice)
    if search:
        rows = rows.filter(_client_matches(search))
    # Correlated subqueries, not a join and GROUP BY: the database counts the appointments of
    # the clients on the page only (the LIMIT applies first), each by an index scan alone (the
    # client_id index; the no-shows' partial index), without visiting the table's rows.
    of_client = Appointment.objects.filter(client=OuterRef("pk")).order_by().values("client")
    return rows.annotate(
        appointment_count=_count(of_client),
        # Counted as the no-show policy counts them: since the client's last reset.
        no_show_count=_count(
            of_client.filter(status=AppointmentStatus.NO_SHOW).filter(
                Q(client__no_shows_reset_at__isnull=True)
                | Q(start__gt=OuterRef("no_shows_reset_at"))
            )
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


def series_info(appointment) -> dict | None:
    """Where the appointment stands in its series (one query), or None."""
    if appointment.series_id is None:
        return None
    rows = list(
        Appointment.objects.filter(series_id=appointment.series_id)
        .order_by("start", "pk")
        .values_list("pk", "series__frequency")
    )
    ids = [pk for pk, _ in rows]
    return {
        "label": SeriesFrequency(rows[0][1]).label,
        "position": ids.index(appointment.pk) + 1,
        "total": len(ids),
    }
