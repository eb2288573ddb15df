from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from citas.core.errors import ServiceError
from citas.practices.models import Practice, Professional

from .changes import schedule_change
from .models import (
    MAX_HORIZON_DAYS,
    MAX_ONLINE_BOOKINGS_PER_HOUR,
    MAX_UPCOMING_PER_CLIENT,
    MAX_WAITLIST_OFFER_MINUTES,
    MAX_WAITLIST_OFFERS_PER_SLOT,
    MIN_WAITLIST_OFFER_MINUTES,
    BookingPolicy,
    NoShowAction,
    ScheduleVersion,
    TimeOff,
    TimeOffReason,
    WorkingHours,
)

TimeRange = tuple[time, time]


def schedule_version_bump(*, practice_id: int) -> None:
    """Invalidate the practice's cached free slots, atomically with the caller's change.

    Call it LAST in the writing transaction: the UPDATE locks the practice's version row until
    the commit, and taking that lock after every other one keeps concurrent writers free of
    deadlocks (they queue on it instead).
    """
    bumped = ScheduleVersion.objects.filter(practice_id=practice_id)
    if bumped.update(version=F("version") + 1):
        return
    try:
        with transaction.atomic():
            ScheduleVersion.objects.create(practice_id=practice_id, version=1)
    except IntegrityError:  # a concurrent first change created it: count ours on top
        bumped.update(version=F("version") + 1)


def check_day_ranges(ranges: Sequence[TimeRange]) -> None:
    """Each range must end after it starts, and the ranges of one day must not overlap."""
    for start, end in ranges:
        if end <= start:
            raise ServiceError(
                _("%(start)s–%(end)s ends before it starts.")
                % {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}
            )
    ordered = sorted(ranges)
    for (_start, previous_end), (start, end) in zip(ordered, ordered[1:], strict=False):
        if start < previous_end:
            raise ServiceError(
                _("%(start)s–%(end)s overlaps another range of the same day.")
                % {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}
            )


def working_hours_set(
    *,
    practice: Practice,
    professional: Professional | None,
    ranges: Mapping[int, Sequence[TimeRange]],
) -> list[WorkingHours]:
    """Replace the weekly hours of a professional (or the practice template when None)."""
    if professional is not None and professional.practice_id != practice.pk:
        raise ServiceError(_("That professional belongs to another practice."))
    for weekday, day_ranges in ranges.items():
        if not 0 <= weekday <= 6:
            raise ServiceError(_("Unknown weekday."))
        try:
            check_day_ranges(day_ranges)
        except ServiceError as error:
            error.field = f"day_{weekday}"
            raise
    with schedule_change(practice_ids=[practice.pk]):
        WorkingHours.objects.filter(practice=practice, professional=professional).delete()
        return WorkingHours.objects.bulk_create(
            WorkingHours(
                practice=practice,
                professional=professional,
                weekday=weekday,
                start_time=start,
                end_time=end,
            )
            for weekday, day_ranges in sorted(ranges.items())
            for start, end in sorted(day_ranges)
        )


def working_hours_apply_default(*, professional: Professional) -> int:
    """Give a professional without hours the practice's default template; returns rows copied."""
    with schedule_change(practice_ids=[professional.practice_id]):
        if WorkingHours.objects.filter(professional=professional).exists():
            return 0
        template = WorkingHours.objects.filter(
            practice_id=professional.practice_id, professional=None
        )
        created = WorkingHours.objects.bulk_create(
            WorkingHours(
                practice_id=professional.practice_id,
                professional=professional,
                weekday=row.weekday,
                start_time=row.start_time,
                end_time=row.end_time,
            )
            for row in template
        )
    return len(created)


def time_off_create(
    *,
    practice: Practice,
    professional: Professional | None,
    start: datetime,
    end: datetime,
    all_day: bool,
    reason: str,
    note: str = "",
) -> TimeOff:
    if professional is not None and professional.practice_id != practice.pk:
        raise ServiceError(
            _("That professional belongs to another practice."), field="professional"
        )
    if end <= start:
        raise ServiceError(_("The end must be after the start."), field="end_date")
    if reason not in TimeOffReason.values:
        raise ServiceError(_("Choose a valid reason."), field="reason")
    with schedule_change(practice_ids=[practice.pk]):
        return TimeOff.objects.create(
            practice=practice,
            professional=professional,
            start=start,
            end=end,
            all_day=all_day,
            reason=reason,
            note=note,
        )


def time_off_delete(*, time_off: TimeOff) -> None:
    """Remove time off (a holiday too): the time it frees goes to the waiting list once
    committed."""
    with schedule_change(practice_ids=[time_off.practice_id]):
        time_off.delete()


def local_day_bounds(day: date, last_day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Local midnight of `day` to the local midnight after `last_day` (DST-aware)."""
    return (
        datetime.combine(day, time(), tzinfo=tz),
        datetime.combine(last_day + timedelta(days=1), time(), tzinfo=tz),
    )


def holiday_names(*, year: int, country: str, subdivision: str) -> dict[date, str]:
    """Holiday names in the active language where the calendar has it (Spain's has "es",
    "en_US", "ca"…), else in Spanish, else in the country's own language."""
    country_calendar = holidays.country_holidays(country)
    calendar = holidays.country_holidays(
        country,
        subdiv=subdivision or None,
        years=year,
        language=_holiday_language(
            country_calendar.supported_languages, country_calendar.default_language
        ),
    )
    return dict(sorted(calendar.items()))


def _holiday_language(supported: tuple[str, ...], default: str) -> str:
    wanted = (translation.get_language() or settings.LANGUAGE_CODE).replace("-", "_")
    base = wanted.split("_")[0]
    for candidate in (wanted, base, *sorted(code for code in supported if code.startswith(base))):
        if candidate in supported:
            return candidate
    return "es" if "es" in supported else default


def time_off_import_holidays(
    *, practice: Practice, year: int, country: str, subdivision: str = ""
) -> int:
    """Block the public holidays of a year for the whole practice; returns how many were new.

    Idempotent: a holiday already blocked (same practice-wide day, reason festivo) is skipped.
    """
    try:
        days = holiday_names(year=year, country=country, subdivision=subdivision)
    except NotImplementedError as error:
        raise ServiceError(
            _("No holiday calendar for that country or region."), field="subdivision"
        ) from error
    tz = ZoneInfo(practice.timezone)
    rows = [
        TimeOff(
            practice=practice,
            professional=None,
            start=start,
            end=end,
            all_day=True,
            reason=TimeOffReason.HOLIDAY,
            note=name[:200],
        )
        for day, name in days.items()
        for start, end in [local_day_bounds(day, day, tz)]
    ]
    existing = set(
        TimeOff.objects.filter(
            practice=practice,
            professional=None,
            reason=TimeOffReason.HOLIDAY,
            start__in=[row.start for row in rows],
        ).values_list("start", flat=True)
    )
    new_rows = [row for row in rows if row.start not in existing]
    with schedule_change(practice_ids=[practice.pk]):
        TimeOff.objects.bulk_create(new_rows)
    return len(new_rows)


def release_rule_error(*, asked: int | None, release: int | None) -> ServiceError | None:
    """Releasing unconfirmed appointments needs a request to confirm, sent earlier."""
    if release and not asked:
        return ServiceError(
            _("Ask clients to confirm first: only then can unconfirmed ones be released."),
            field="release_unconfirmed_hours",
        )
    if release and release >= asked:
        return ServiceError(
            _("Release later than you ask: fewer hours before the appointment than %(hours)d.")
            % {"hours": asked},
            field="release_unconfirmed_hours",
        )
    return None


def booking_policy_update(
    *,
    policy: BookingPolicy,
    min_notice_minutes: int,
    horizon_days: int,
    slot_step_minutes: int,
    cancellation_window_hours: int,
    approval_required: bool,
    complete_past_appointments: bool = False,
    confirmation_request_hours: int | None = None,
    release_unconfirmed_hours: int | None = None,
    no_show_limit: int | None = None,
    no_show_action: str = NoShowAction.APPROVAL,
    email_check_required: bool = False,
    email_check_minutes: int = 30,
    waitlist_offer_valid_minutes: int | None = None,
    waitlist_offers_per_slot: int | None = None,
    max_upcoming_per_client: int | None = None,
    challenge_after_bookings_hour: int | None = None,
    max_online_bookings_hour: int | None = None,
) -> BookingPolicy:
    """Save the booking rules; the waiting list's settings and the abuse limits keep their
    value when None."""
    if not 1 <= horizon_days <= MAX_HORIZON_DAYS:
        raise ServiceError(
            _("The booking horizon must be between 1 and %(max)d days.")
            % {"max": MAX_HORIZON_DAYS},
            field="horizon_days",
        )
    error = release_rule_error(asked=confirmation_request_hours, release=release_unconfirmed_hours)
    if error is not None:
        raise error
    if not 5 <= email_check_minutes <= 24 * 60:
        raise ServiceError(
            _("The time to confirm the email must be between 5 minutes and 24 hours."),
            field="email_check_minutes",
        )
    policy.email_check_required = email_check_required
    policy.email_check_minutes = email_check_minutes
    if waitlist_offer_valid_minutes is not None and not (
        MIN_WAITLIST_OFFER_MINUTES <= waitlist_offer_valid_minutes <= MAX_WAITLIST_OFFER_MINUTES
    ):
        raise ServiceError(
            _("An offer is valid from %(min)d to %(max)d minutes.")
            % {"min": MIN_WAITLIST_OFFER_MINUTES, "max": MAX_WAITLIST_OFFER_MINUTES},
            field="waitlist_offer_valid_minutes",
        )
    if waitlist_offers_per_slot is not None and not (
        1 <= waitlist_offers_per_slot <= MAX_WAITLIST_OFFERS_PER_SLOT
    ):
        raise ServiceError(
            _("Offer each freed time to from 1 to %(max)d people.")
            % {"max": MAX_WAITLIST_OFFERS_PER_SLOT},
            field="waitlist_offers_per_slot",
        )
    limits = {
        "max_upcoming_per_client": (max_upcoming_per_client, MAX_UPCOMING_PER_CLIENT),
        "challenge_after_bookings_hour": (
            challenge_after_bookings_hour,
            MAX_ONLINE_BOOKINGS_PER_HOUR,
        ),
        "max_online_bookings_hour": (max_online_bookings_hour, MAX_ONLINE_BOOKINGS_PER_HOUR),
    }
    for field, (value, most) in limits.items():
        if value is not None and not 1 <= value <= most:
            raise ServiceError(
                _("Give a whole number from 1 to %(max)s.")
                % {"max": number_format(most, force_grouping=True)},
                field=field,
            )
    for field, (value, _most) in limits.items():
        if value is not None:
            setattr(policy, field, value)
    policy.min_notice_minutes = min_notice_minutes
    policy.horizon_days = horizon_days
    policy.slot_step_minutes = slot_step_minutes
    policy.cancellation_window_hours = cancellation_window_hours
    policy.approval_required = approval_required
    policy.complete_past_appointments = complete_past_appointments
    policy.confirmation_request_hours = confirmation_request_hours
    policy.release_unconfirmed_hours = release_unconfirmed_hours
    policy.no_show_limit = no_show_limit
    policy.no_show_action = no_show_action
    if waitlist_offer_valid_minutes is not None:
        policy.waitlist_offer_valid_minutes = waitlist_offer_valid_minutes
    if waitlist_offers_per_slot is not None:
        policy.waitlist_offers_per_slot = waitlist_offers_per_slot
    with transaction.atomic():
        policy.save()
        schedule_version_bump(practice_id=policy.practice_id)
    return policy
