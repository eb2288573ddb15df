from django.db.models import F, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from citas.booking.models import Appointment, Client
from citas.booking.staff_selectors import client_list
from citas.catalog.models import Service
from citas.core.compiled import CompiledQuery, CompiledRows
from citas.practices.models import Practice

# The availability endpoint's reads of the practice and the service, on every request: their
# SQL is built once per process.
_practice_with_schedule = CompiledQuery(
    lambda slug: (
        Practice.objects.select_related("booking_policy", "schedule_version")
        .filter(slug=slug)
        .order_by()[:1]
    ),
    "\x00slug\x00",
)
_active_service = CompiledQuery(
    lambda practice_id, pk: (
        Service.objects.active().filter(practice_id=practice_id, pk=pk).order_by()[:1]
    ),
    -1,
    -2,
)


def practice_with_schedule(slug: str) -> Practice:
    """The practice with its booking policy and schedule version (what availability_for
    reads, so that the version is read with it, before any appointment), or 404."""
    practice = _practice_with_schedule.first(slug)
    if practice is None:
        raise Http404
    return practice


def active_service_of(practice: Practice, pk: int) -> Service | None:
    return _active_service.first(practice.pk, pk)


API_FILTER_LOOKUPS = (
    ("professional", "professional_id"),
    ("client", "client_id"),
    ("status", "status"),
    ("from", "start__gte"),
    ("to", "start__lt"),
)


# AppointmentSerializer's values, read as plain rows (see appointment_rows_data).
APPOINTMENT_ROW_FIELDS = {
    "professional_name": F("professional__display_name"),
    "service_name": F("service__name"),
    "client_name": F("client__full_name"),
}
APPOINTMENT_ROW_COLUMNS = (
    "id", "status", "start", "end", "professional_id", "service_id", "client_id",
    "client_confirmed_at", "notes", "series_id", "created_at",
)  # fmt: skip


def _appointment_rows(client_confirmed: bool | None) -> QuerySet:
    rows = Appointment.objects.all()
    if client_confirmed is not None:
        rows = rows.client_confirmed(client_confirmed)
    return rows.values(*APPOINTMENT_ROW_COLUMNS, **APPOINTMENT_ROW_FIELDS)


def appointment_rows_for_api(*, practice: Practice, filters: dict) -> CompiledRows:
    """The practice's appointments, filtered, as `.values()` rows for the paginator (which
    orders them): a list page builds no model instances (three joined models per row were
    most of the API list's time at 200k appointments), and its SQL is built once per shape
    (which filters, the cursor's direction and offset, the page size) by CompiledRows."""
    lookups = {"practice": practice.pk}
    for name, lookup in API_FILTER_LOOKUPS:
        if filters.get(name) is not None:
            lookups[lookup] = filters[name]
    confirmed = filters.get("client_confirmed")
    return CompiledRows(
        Appointment, ("api-appointments", confirmed), lambda: _appointment_rows(confirmed), lookups
    )


def appointment_of(practice: Practice, pk: int) -> Appointment:
    """One of the practice's appointments, or 404 (also for another practice's ids)."""
    return get_object_or_404(
        Appointment.objects.select_related("practice", "professional", "service", "client"),
        pk=pk,
        practice=practice,
    )


def client_of(practice: Practice, pk: int) -> Client:
    return get_object_or_404(Client, pk=pk, practice=practice)


def clients_for_api(*, practice: Practice, search: str = "") -> QuerySet[Client]:
    return client_list(practice=practice, search=search.strip())
