"""Recurring series: the staff book one client "every week / every 2 weeks / every month" at
the same local wall time, for N occurrences or until a date.

Every occurrence is an ordinary appointment booked through `appointment_book`, so the free-slot
check and (on PostgreSQL) the exclusion constraint guard each one. The whole series is one
transaction: a single refused occurrence books none. Before saving, `series_preview` lists the
conflicts so that the staff can skip or move those occurrences.
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citas.calendars.models import ExternalBusy
from citas.core.errors import ServiceError
from citas.core.timezones import as_utc, at_local_time
from citas.notifications.models import NotificationKind
from citas.notifications.services import series_booked_notify, series_notify_once
from citas.practices.models import Professional
from citas.scheduling.models import TimeOff, TimeOffReason

from .models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentChannel,
    AppointmentSeries,
    SeriesFrequency,
)
from .rules import SlotTaken, check_bookable, check_booking_window, check_free_slot, slot_for
from .services import appointment_book, appointment_cancel, appointment_reschedule

MAX_OCCURRENCES = 52


class SeriesScope:
    THIS = "this"
    FOLLOWING = "following"
    ALL = "all"
    CHOICES = [
        (THIS, gettext_lazy("Only this appointment")),
        (FOLLOWING, gettext_lazy("This one and the following")),
        (ALL, gettext_lazy("The whole series")),
    ]


# What stands in an occurrence's way, as the preview names it.
CONFLICT_LABELS = {
    "taken": gettext_lazy("Taken"),
    "holiday": gettext_lazy("Holiday"),
    "time_off": gettext_lazy("Time off"),
    "busy": gettext_lazy("Busy in the professional's calendar"),
    "unavailable": gettext_lazy("Outside working hours"),
}


class SeriesSlotTaken(SlotTaken):
    """A lost race for one occurrence: the whole series is refused, still a "slot taken"."""

    def __init__(self, message):
        ServiceError.__init__(self, message, field="starts", code="slot_taken")


def _refusal(exc: ServiceError, message: str, field: str) -> ServiceError:
    if isinstance(exc, SlotTaken):
        return SeriesSlotTaken(message)
    return ServiceError(message, field=exc.field if exc.field != "start" else field, code=exc.code)


@dataclass(frozen=True)
class Occurrence:
    start: datetime
    conflict: str = ""
    message: str = ""

    @property
    def conflict_label(self) -> str:
        return str(CONFLICT_LABELS.get(self.conflict, ""))


def _add_months(day: date, months: int, day_of_month: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day_of_month, calendar.monthrange(year, month)[1]))


def series_days(
    *, first_day: date, frequency: str, count: int | None = None, until: date | None = None
) -> list[date]:
    """The local days of a series: `count` of them, or every one up to `until` (inclusive).
    Monthly series keep the day of the month, or the month's last day when it is shorter."""
    if frequency not in SeriesFrequency.values:
        raise ServiceError(_("Choose how often the appointment repeats."), field="frequency")
    if (count is None) == (until is None):
        raise ServiceError(
            _("Give either the number of appointments or the last date."), field="count"
        )
    if count is not None and not 2 <= count <= MAX_OCCURRENCES:
        raise ServiceError(
            _("A series has from 2 to %(max)d appointments.") % {"max": MAX_OCCURRENCES},
            field="count",
        )
    if until is not None and until <= first_day:
        raise ServiceError(_("The last date must be after the first appointment."), field="until")
    days: list[date] = []
    limit = count or MAX_OCCURRENCES + 1
    while len(days) < limit:
        index = len(days)
        if frequency == SeriesFrequency.MONTHLY:
            day = _add_months(first_day, index, first_day.day)
        else:
            weeks = 2 if frequency == SeriesFrequency.BIWEEKLY else 1
            day = first_day + timedelta(weeks=weeks * index)
        if until is not None and day > until:
            break
        days.append(day)
    if len(days) > MAX_OCCURRENCES:
        raise ServiceError(
            _("A series has from 2 to %(max)d appointments.") % {"max": MAX_OCCURRENCES},
            field="until",
        )
    return days


def series_starts(
    *,
    start: datetime,
    frequency: str,
    tz: ZoneInfo,
    count: int | None = None,
    until: date | None = None,
) -> list[datetime]:
    """Each occurrence at the first one's local wall time (10:00 stays 10:00 across a
    daylight-saving change), as UTC instants."""
    local = as_utc(start).astimezone(tz)
    days = series_days(first_day=local.date(), frequency=frequency, count=count, until=until)
    return [at_local_time(day, local.time().replace(tzinfo=None), tz) for day in days]


def _conflict_kind(*, practice, professional, service, start: datetime) -> str:
    slot = slot_for(service, start)
    absence = (
        TimeOff.objects.filter(Q(professional__isnull=True) | Q(professional=professional))
        .filter(practice=practice, start__lt=slot.blocked_end, end__gt=slot.blocked_start)
        .values_list("professional_id", "reason")
        .first()
    )
    if absence is not None:
        professional_id, reason = absence
        holiday = professional_id is None or reason == TimeOffReason.HOLIDAY
        return "holiday" if holiday else "time_off"
    if ExternalBusy.objects.filter(
        professional=professional, start__lt=slot.blocked_end, end__gt=slot.blocked_start
    ).exists():
        return "busy"
    return "unavailable"


def series_preview(
    *, practice, professional, service, starts: list[datetime], now: datetime | None = None
) -> list[Occurrence]:
    """Each start with what would refuse it (nothing saved): the dialog shows this list."""
    now = now or timezone.now()
    check_bookable(practice=practice, professional=professional, service=service)
    occurrences = []
    for start in starts:
        try:
            check_booking_window(start, now)
            check_free_slot(
                practice=practice,
                professional=professional,
                service=service,
                start=start,
                now=now,
                exclude_pk=None,
            )
        except SlotTaken as exc:
            occurrences.append(Occurrence(start, "taken", str(exc.message)))
        except ServiceError as exc:
            kind = _conflict_kind(
                practice=practice, professional=professional, service=service, start=start
            )
            occurrences.append(Occurrence(start, kind, str(exc.message)))
        else:
            occurrences.append(Occurrence(start))
    return occurrences


def _when(start: datetime, tz: ZoneInfo) -> str:
    return date_format(start.astimezone(tz), "SHORT_DATETIME_FORMAT")


def series_book(
    *,
    practice,
    professional,
    service,
    client,
    frequency: str,
    starts: list[datetime],
    by=None,
    channel: str = AppointmentChannel.STAFF,
    notes: str = "",
    now: datetime | None = None,
) -> AppointmentSeries:
    """Book every start (the preview's list, minus skipped, plus moved ones) in one
    transaction, or none: the first refusal names its occurrence and undoes the rest."""
    now = now or timezone.now()
    if frequency not in SeriesFrequency.values:
        raise ServiceError(_("Choose how often the appointment repeats."), field="frequency")
    starts = sorted({as_utc(start) for start in starts})
    if not 1 <= len(starts) <= MAX_OCCURRENCES:
        raise ServiceError(
            _("A series has from 1 to %(max)d appointments.") % {"max": MAX_OCCURRENCES},
            field="starts",
        )
    tz = ZoneInfo(practice.timezone)
    with transaction.atomic():
        series = AppointmentSeries.objects.create(
            practice=practice,
            client=client,
            service=service,
            frequency=frequency,
            created_by=by if by is not None and by.is_authenticated else None,
        )
        booked = []
        for start in starts:
            try:
                booked.append(
                    appointment_book(
                        practice=practice,
                        professional=professional,
                        service=service,
                        client=client,
                        start=start,
                        by=by,
                        by_client=False,
                        channel=channel,
                        notes=notes,
                        now=now,
                        series=series,
                    )
                )
            except ServiceError as exc:
                message = _("%(when)s: %(reason)s Nothing was booked.") % {
                    "when": _when(start, tz),
                    "reason": exc.message,
                }
                raise _refusal(exc, message, "starts") from exc
        series_booked_notify(appointments=booked)
    return series


def series_members(appointment: Appointment, scope: str, *, now: datetime) -> list[Appointment]:
    """The appointments a change "to this one / this and the following / the whole series"
    touches: active ones, and for the wider scopes only those still to come."""
    if scope not in (SeriesScope.THIS, SeriesScope.FOLLOWING, SeriesScope.ALL):
        raise ServiceError(_("Choose which appointments of the series to change."), field="scope")
    if scope == SeriesScope.THIS or appointment.series_id is None:
        return [appointment]
    members = Appointment.objects.filter(
        practice_id=appointment.practice_id,
        series_id=appointment.series_id,
        status__in=ACTIVE_STATUSES,
        start__gt=now,
    )
    if scope == SeriesScope.FOLLOWING:
        members = members.filter(start__gte=appointment.start)
    return list(members.order_by("start", "pk"))


def series_cancel(
    *, appointment: Appointment, scope: str, by, reason: str = "", now: datetime | None = None
) -> list[Appointment]:
    """Cancel the appointments of `scope`; the client gets one email for all of them."""
    now = now or timezone.now()
    with transaction.atomic():
        cancelled = [
            appointment_cancel(appointment=member, by=by, by_client=False, reason=reason, now=now)
            for member in series_members(appointment, scope, now=now)
        ]
        series_notify_once(appointments=cancelled, kind=NotificationKind.CANCELLED)
    return cancelled


def series_move(
    *,
    appointment: Appointment,
    scope: str,
    start: datetime,
    by,
    professional: Professional | None = None,
    now: datetime | None = None,
) -> list[Appointment]:
    """Move this occurrence to `start` (and to `professional`); the others in `scope` move by
    the same number of days to the same new local wall time (and professional). All move or
    none: a refusal names every occurrence that does not fit. The client gets one email."""
    now = now or timezone.now()
    tz = ZoneInfo(appointment.practice.timezone)
    old = appointment.start.astimezone(tz)
    new = as_utc(start).astimezone(tz)
    shift = new.date() - old.date()
    wall = new.time().replace(tzinfo=None)
    members = series_members(appointment, scope, now=now)
    # Moving later, the last goes first (and moving earlier, the first), so that no occurrence
    # lands on a sibling that has not moved yet.
    if new > old:
        members.reverse()
    with transaction.atomic():
        moved, refusals = [], []
        for member in members:
            target = at_local_time(member.start.astimezone(tz).date() + shift, wall, tz)
            try:
                with transaction.atomic():  # a refused occurrence undoes only itself here
                    moved.append(
                        appointment_reschedule(
                            appointment=member,
                            start=target,
                            professional=professional,
                            by=by,
                            by_client=False,
                            now=now,
                        )
                    )
            except ServiceError as exc:
                refusals.append((target, exc))
        if refusals:
            raise _move_refusal(refusals, tz)
        series_notify_once(appointments=moved, kind=NotificationKind.RESCHEDULED)
    return sorted(moved, key=lambda member: member.start)


def _move_refusal(refusals: list[tuple[datetime, ServiceError]], tz: ZoneInfo) -> ServiceError:
    """One error naming every occurrence that could not move (a 409 when one was taken)."""
    lines = [
        _("%(when)s: %(reason)s") % {"when": _when(target, tz), "reason": exc.message}
        for target, exc in sorted(refusals, key=lambda refusal: refusal[0])
    ]
    message = _("Nothing was moved. These appointments do not fit: %(list)s") % {
        "list": " · ".join(lines)
    }
    taken = next((exc for _target, exc in refusals if isinstance(exc, SlotTaken)), None)
    return _refusal(taken or refusals[0][1], message, "start")
