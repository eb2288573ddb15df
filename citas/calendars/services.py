"""Writes for external calendars: add, change, remove, and sync (fetch, expand, store)."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from citas.core.errors import ServiceError
from citas.practices.models import Practice, Professional
from citas.scheduling.selectors import policy_for

from .expand import busy_periods
from .fetch import FetchError, check_url, fetch_calendar, normalise_url
from .models import ExternalBusy, ExternalCalendar

logger = logging.getLogger(__name__)

MAX_CALENDARS_PER_PROFESSIONAL = 10
PAST_MARGIN = timedelta(days=1)


def _clean_url(url: str) -> str:
    url = normalise_url(url)
    if len(url) > 2000:
        raise ServiceError(_("The address is too long."), field="url")
    try:
        check_url(url)
    except ValidationError as error:
        raise ServiceError(error.messages[0], field="url") from error
    return url


def external_calendar_add(
    *, practice: Practice, professional: Professional, name: str, url: str, share_titles: bool
) -> ExternalCalendar:
    if professional.practice_id != practice.pk:
        raise ServiceError(_("Choose a professional of this practice."), field="professional")
    name = name.strip()
    if not name:
        raise ServiceError(_("Give the calendar a name."), field="name")
    url = _clean_url(url)
    if professional.external_calendars.count() >= MAX_CALENDARS_PER_PROFESSIONAL:
        raise ServiceError(
            _("A professional can connect at most %(max)d calendars.")
            % {"max": MAX_CALENDARS_PER_PROFESSIONAL}
        )
    if professional.external_calendars.filter(url=url).exists():
        raise ServiceError(_("This calendar is already connected."), field="url")
    return ExternalCalendar.objects.create(
        practice=practice,
        professional=professional,
        name=name[:80],
        url=url,
        share_titles=share_titles,
    )


def external_calendar_update(
    *, calendar: ExternalCalendar, name: str, share_titles: bool
) -> ExternalCalendar:
    name = name.strip()
    if not name:
        raise ServiceError(_("Give the calendar a name."), field="name")
    calendar.name = name[:80]
    calendar.share_titles = share_titles
    calendar.save(update_fields=["name", "share_titles", "updated_at"])
    return calendar


def external_calendar_remove(*, calendar: ExternalCalendar) -> None:
    """Its busy periods go with it: the time is bookable again at once."""
    calendar.delete()


@dataclass(frozen=True)
class SyncOutcome:
    changed: bool
    busy_count: int
    problem: str = ""


def sync_window(calendar: ExternalCalendar, now: datetime) -> tuple[datetime, datetime]:
    """From a day ago to the end of the booking horizon (plus a day for time zones)."""
    horizon = timedelta(days=policy_for(calendar.practice).horizon_days) + PAST_MARGIN
    return now - PAST_MARGIN, now + horizon


def external_calendar_sync(
    *, calendar: ExternalCalendar, now: datetime, fetch=fetch_calendar
) -> SyncOutcome:
    """Fetch and store the calendar's busy periods. A failure keeps the periods already known
    (a calendar that is down must not open its owner's busy time to bookings) and records
    the problem's class for the professional to see."""
    start, end = sync_window(calendar, now)
    try:
        fetched = fetch(calendar.url, etag=calendar.etag, last_modified=calendar.last_modified)
        periods = None
        if fetched.body is not None:
            periods = busy_periods(
                fetched.body, tz=ZoneInfo(calendar.practice.timezone), start=start, end=end
            )
    except FetchError as error:
        logger.warning(
            "external calendar %s of professional %s: %s (%s)",
            calendar.pk,
            calendar.professional_id,
            error.problem.value,
            error,
        )
        ExternalCalendar.objects.filter(pk=calendar.pk).update(
            checked_at=now, problem=error.problem
        )
        return SyncOutcome(changed=False, busy_count=calendar.busy_count, problem=error.problem)

    with transaction.atomic():
        fields = {"checked_at": now, "synced_at": now, "problem": ""}
        if periods is not None:
            ExternalBusy.objects.filter(calendar=calendar).delete()
            ExternalBusy.objects.bulk_create(
                ExternalBusy(
                    calendar=calendar,
                    professional_id=calendar.professional_id,
                    start=period.start,
                    end=period.end,
                    title=period.title,
                )
                for period in periods
            )
            fields.update(
                etag=fetched.etag[:200],
                last_modified=fetched.last_modified[:100],
                busy_count=len(periods),
            )
        ExternalCalendar.objects.filter(pk=calendar.pk).update(**fields)
    count = len(periods) if periods is not None else calendar.busy_count
    return SyncOutcome(changed=periods is not None, busy_count=count)
