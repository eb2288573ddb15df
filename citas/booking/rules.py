"""The rules a booking must pass before it is saved: the slot is one of the engine's free
slots (or at least overlaps nothing), the service and professional can be booked together,
and clients act only outside the cancellation window.

Plain checks that raise ServiceError (or SlotTaken); the services in `services.py` call them
inside their transactions.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil
from zoneinfo import ZoneInfo

from django.db.models import Count, Min, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from citas.calendars.models import ExternalBusy
from citas.catalog.models import Service
from citas.core.errors import ServiceError
from citas.core.timezones import as_utc, local_midnight, outside_booking_window
from citas.practices.models import Professional
from citas.scheduling.availability import Interval, SlotRequest, WorkingRange, is_free
from citas.scheduling.models import TimeOff, WorkingHours
from citas.scheduling.selectors import policy_for

from .models import Appointment, AppointmentChannel


class SlotTaken(ServiceError):
    def __init__(self):
        super().__init__(
            _("That slot has just been taken. Please choose another one."),
            field="start",
            code="slot_taken",
        )


class OnlineBookingPaused(ServiceError):
    """The practice took its booking rules' most online bookings in the last hour; the API
    answers 429 with Retry-After, the booking page a page asking to call the practice."""

    def __init__(self, *, retry_after: int):
        super().__init__(
            _(
                "This practice has received a lot of online bookings in the last hour, so "
                "online booking is paused for now. Please call the practice to book, or try "
                "again later."
            ),
            code="too_many_bookings",
        )
        self.retry_after = retry_after


ONLINE_CHANNELS = (AppointmentChannel.PUBLIC, AppointmentChannel.API)
HOUR = timedelta(hours=1)


def check_online_bookings_per_hour(*, practice, most: int, now: datetime) -> None:
    """At most `most` bookings from the booking page and the API in the hour before `now`
    (a sliding hour; cancelled and released ones count too: the burst is what is limited).
    The caller holds the practice's online-booking lock (locking.lock_online_bookings)."""
    window = Appointment.all_objects.filter(
        practice=practice, channel__in=ONLINE_CHANNELS, created_at__gt=now - HOUR
    ).aggregate(count=Count("pk"), first=Min("created_at"))
    if window["count"] >= most:
        frees_at = window["first"] + HOUR
        raise OnlineBookingPaused(retry_after=max(1, ceil((frees_at - now).total_seconds())))


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    blocked_start: datetime
    blocked_end: datetime


MIN_LENGTH = timedelta(minutes=5)
MAX_LENGTH = timedelta(hours=12)
LENGTH_GRID_MINUTES = 5


def slot_for(service: Service, start: datetime, length: timedelta | None = None) -> Slot:
    """The appointment's range and its blocked range; `length` defaults to the service's.

    The one place every booking path (public page, staff forms and agenda, API) gets these
    instants from: computed in UTC, so a 30-minute appointment lasts 30 minutes also across
    a daylight-saving change."""
    try:
        start = as_utc(start)
        end = start + (length or timedelta(minutes=service.duration_minutes))
        return Slot(
            start=start,
            end=end,
            blocked_start=start - timedelta(minutes=service.buffer_before_minutes),
            blocked_end=end + timedelta(minutes=service.buffer_after_minutes),
        )
    except OverflowError as exc:  # a start at the very edge of the calendar
        raise ServiceError(
            _("That time is not available. Please choose one of the free slots."), field="start"
        ) from exc


def check_booking_window(start: datetime, now: datetime) -> None:
    """Even "book anyway" stays between one year ago and five years ahead (UTC days: no
    conversion that could overflow near year 1 or 9999)."""
    refusal = outside_booking_window(as_utc(start).date(), as_utc(start).date(), as_utc(now).date())
    if refusal:
        raise ServiceError(refusal, field="start")


def check_length(*, start: datetime, end: datetime, tz: ZoneInfo) -> None:
    """A length chosen by the staff (resizing in the agenda): 5 minutes to 12 hours, ending
    on a 5-minute mark of the practice's clock."""
    start, end = as_utc(start), as_utc(end)
    if end - start < MIN_LENGTH:
        raise ServiceError(_("An appointment must last at least 5 minutes."), field="end")
    if end - start > MAX_LENGTH:
        raise ServiceError(_("An appointment can last at most 12 hours."), field="end")
    local_end = end.astimezone(tz)
    if local_end.minute % LENGTH_GRID_MINUTES or local_end.second or local_end.microsecond:
        raise ServiceError(
            _("The end must fall on a 5-minute mark, such as 10:05 or 10:10."), field="end"
        )


def check_overlap(*, professional: Professional, slot: Slot, exclude_pk) -> None:
    # all_objects: a blocked client's appointment under way still holds its time (blocking
    # cancels only upcoming ones). On SQLite this check is the only guard against the overlap.
    clash = (
        Appointment.all_objects.active()
        .blocking(slot.blocked_start, slot.blocked_end)
        .filter(professional=professional)
        .exclude(pk=exclude_pk)
    )
    if clash.exists():
        raise SlotTaken()


def check_free_slot(
    *,
    practice,
    professional,
    service,
    start: datetime,
    now: datetime,
    exclude_pk,
    length: timedelta | None = None,
) -> None:
    """Is `start` one of the engine's free slots (for `length`, by default the service's)?
    Loads one professional's one local day."""
    start, now = as_utc(start), as_utc(now)
    policy = policy_for(practice)
    if start <= now:
        raise ServiceError(_("That time has already passed."), field="start")
    if start < now + timedelta(minutes=policy.min_notice_minutes):
        raise ServiceError(
            _("Appointments must be booked at least %(minutes)d minutes in advance.")
            % {"minutes": policy.min_notice_minutes},
            field="start",
        )
    if start > now + timedelta(days=policy.horizon_days):
        raise ServiceError(
            _("Appointments can be booked at most %(days)d days ahead.")
            % {"days": policy.horizon_days},
            field="start",
        )

    tz = ZoneInfo(practice.timezone)
    day = start.astimezone(tz).date()
    duration = length or timedelta(minutes=service.duration_minutes)
    before = timedelta(minutes=service.buffer_before_minutes)
    after = timedelta(minutes=service.buffer_after_minutes)
    pad = duration + before + after
    window_start = local_midnight(day, tz) - pad
    window_end = local_midnight(day + timedelta(days=1), tz) + pad

    working = [
        WorkingRange(weekday, begin.hour * 60 + begin.minute, end.hour * 60 + end.minute)
        for weekday, begin, end in WorkingHours.objects.filter(
            professional=professional, weekday=day.weekday()
        ).values_list("weekday", "start_time", "end_time")
    ]
    time_off = [
        Interval(begin, end)
        for begin, end in TimeOff.objects.filter(
            Q(professional__isnull=True) | Q(professional=professional),
            practice=practice,
            start__lt=window_end,
            end__gt=window_start,
        ).values_list("start", "end")
    ]
    # The professional's own calendar (synced busy periods) blocks time like an absence.
    time_off += [
        Interval(begin, end)
        for begin, end in ExternalBusy.objects.filter(
            professional=professional, start__lt=window_end, end__gt=window_start
        ).values_list("start", "end")
    ]
    busy = [
        Interval(begin, end)
        for begin, end in Appointment.all_objects.active()
        .blocking(window_start, window_end)
        .filter(professional=professional)
        .exclude(pk=exclude_pk)
        .values_list("blocked_start", "blocked_end")
    ]
    step = timedelta(minutes=policy.slot_step_minutes) if policy.slot_step_minutes else None

    def request(busy_ranges) -> SlotRequest:
        return SlotRequest(
            tz=tz,
            first_day=day,
            last_day=day,
            working=working,
            time_off=time_off,
            busy=busy_ranges,
            duration=duration,
            buffer_before=before,
            buffer_after=after,
            step=step,
            now=now,
            min_notice=timedelta(minutes=policy.min_notice_minutes),
            horizon=timedelta(days=policy.horizon_days),
        )

    if not is_free(request([]), start):
        raise ServiceError(
            _("That time is not available. Please choose one of the free slots."), field="start"
        )
    if not is_free(request(busy), start):
        raise SlotTaken()


def check_bookable(*, practice, professional, service) -> None:
    if service.practice_id != practice.pk or not service.is_active:
        raise ServiceError(_("This service does not exist or cannot be booked."), field="service")
    if professional.practice_id != practice.pk or not professional.is_active:
        raise ServiceError(_("Choose a professional of this practice."), field="professional")
    if not service.professionals.filter(pk=professional.pk).exists():
        raise ServiceError(
            _("This professional does not offer this service."), field="professional"
        )


def check_client_window(appointment: Appointment, now: datetime) -> None:
    hours = policy_for(appointment.practice).cancellation_window_hours
    if now >= appointment.start - timedelta(hours=hours):
        raise ServiceError(
            ngettext(
                "Online changes close %(hours)d hour before the appointment. "
                "Please contact the practice.",
                "Online changes close %(hours)d hours before the appointment. "
                "Please contact the practice.",
                hours,
            )
            % {"hours": hours}
        )


def check_started(now: datetime):
    def check(current: Appointment) -> None:
        if current.start > now:
            raise ServiceError(_("This appointment has not started yet."))

    return check
