"""Writes for external calendars: add, change, remove, and sync (fetch, expand, store)."""

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from citas.core.errors import ServiceError
from citas.practices.models import Practice, Professional
from citas.scheduling.changes import schedule_change
from citas.scheduling.selectors import policy_for

from .caldav_sync import (
    Changes,
    caldav_busy,
    caldav_changes,
    caldav_range,
    discover,
    periods_of_objects,
    push_event,
    sync_deadline,
)
from .expand import busy_periods
from .fetch import FetchError, check_url, fetch_calendar, normalise_url
from .models import (
    CalDAVAccount,
    CalDAVObject,
    ExternalBusy,
    ExternalCalendar,
    SyncProblem,
    WrittenEvent,
)
from .secrets import encrypt

logger = logging.getLogger(__name__)

MAX_CALENDARS_PER_PROFESSIONAL = 10
PAST_MARGIN = timedelta(days=1)
# A CalDAV time-range read covers this much beyond the horizon, so that it is repeated once a
# month rather than every day as the horizon moves.
READ_AHEAD = timedelta(days=31)


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
    with schedule_change(practice_ids=[calendar.practice_id]):
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


def _covers_horizon(calendar: ExternalCalendar, now: datetime) -> bool:
    """Whether the stored periods still reach the end of today's booking horizon: each sync
    stores PAST_MARGIN beyond it, so an unchanged calendar need not be expanded again for
    that long."""
    return calendar.synced_at is not None and now - calendar.synced_at < PAST_MARGIN


def _read_feed(calendar: ExternalCalendar, *, now, start, end, fetch) -> tuple[list | None, dict]:
    """(periods or None when unchanged, the fields to store with them)."""
    fresh = _covers_horizon(calendar, now)
    fetched = fetch(
        calendar.url,
        etag=calendar.etag if fresh else "",
        last_modified=calendar.last_modified if fresh else "",
    )
    if fetched.body is None:
        return None, {}
    fields = {"etag": fetched.etag[:200], "last_modified": fetched.last_modified[:100]}
    fields["content_hash"] = hashlib.sha256(fetched.body).hexdigest()
    if fresh and fields["content_hash"] == calendar.content_hash:
        return None, fields  # the same file (a server without ETag): no need to parse it
    tz = ZoneInfo(calendar.practice.timezone)
    return busy_periods(fetched.body, tz=tz, start=start, end=end), fields


def _read_caldav(calendar: ExternalCalendar, *, now, start, end) -> tuple[list | None, Changes]:
    """(periods or None when unchanged, the changes to store, or None when nothing is kept).
    The first read, and a read once the window passes what is stored, asks for a time range
    (the horizon and a month more); later ones ask for what changed since the sync token.
    Every request of one sync, fallbacks included, ends by one deadline."""
    deadline = sync_deadline()
    changes = None
    if calendar.sync_token and calendar.objects_until and calendar.objects_until >= end:
        changes = caldav_changes(calendar, deadline=deadline)
    if changes is None:
        try:
            changes = caldav_range(calendar, start=start, end=end + READ_AHEAD, deadline=deadline)
        except FetchError as error:
            if error.problem != SyncProblem.TOO_LARGE:
                raise
            # Too big to keep even for a month beyond the horizon: the window only, kept not.
            return caldav_busy(calendar, start=start, end=end, deadline=deadline), None
    if changes.empty and _covers_horizon(calendar, now):
        return None, changes
    stored = (
        {}
        if changes.full
        else dict(CalDAVObject.objects.filter(calendar=calendar).values_list("href", "data"))
    )
    for href in changes.deleted:
        stored.pop(href, None)
    stored.update(changes.changed)
    tz = ZoneInfo(calendar.practice.timezone)
    periods = periods_of_objects(stored.values(), tz=tz, start=start, end=end)
    # Without a sync token there is nothing to ask from next time: nothing is kept.
    return periods, changes if changes.token else None


def _store_changes(calendar: ExternalCalendar, changes: Changes) -> None:
    objects = CalDAVObject.objects.filter(calendar=calendar)
    if changes.full:
        objects.exclude(href__in=list(changes.changed)).delete()
    objects.filter(href__in=changes.deleted).delete()
    CalDAVObject.objects.bulk_create(
        [
            CalDAVObject(calendar=calendar, href=href, data=data)
            for href, data in changes.changed.items()
        ],
        update_conflicts=True,
        unique_fields=["calendar", "href"],
        update_fields=["data"],
    )


def external_calendar_sync(
    *, calendar: ExternalCalendar, now: datetime, fetch=fetch_calendar
) -> SyncOutcome:
    """Fetch and store the calendar's busy periods. A failure keeps the periods already known
    (a calendar that is down must not open its owner's busy time to bookings) and records
    the problem's class for the professional to see."""
    start, end = sync_window(calendar, now)
    changes = None
    fields = {"checked_at": now, "synced_at": now, "problem": ""}
    try:
        if calendar.account_id:
            periods, changes = _read_caldav(calendar, now=now, start=start, end=end)
        else:
            periods, feed_fields = _read_feed(calendar, now=now, start=start, end=end, fetch=fetch)
            fields.update(feed_fields)
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
        if changes is not None:
            _store_changes(calendar, changes)
            fields["sync_token"] = changes.token
            if changes.until is not None:
                fields["objects_until"] = changes.until
        if periods is not None:
            with schedule_change(practice_ids=[calendar.practice_id]):
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
            fields["busy_count"] = len(periods)
        ExternalCalendar.objects.filter(pk=calendar.pk).update(**fields)
    count = len(periods) if periods is not None else calendar.busy_count
    return SyncOutcome(changed=periods is not None, busy_count=count)


# --- CalDAV accounts -------------------------------------------------------------------------


def caldav_account_connect(
    *, practice: Practice, professional: Professional, url: str, username: str, password: str
) -> CalDAVAccount:
    """Check the credentials by listing the account's calendars, then keep them (the password
    encrypted). Nothing is saved when the server cannot be reached or refuses them."""
    if professional.practice_id != practice.pk:
        raise ServiceError(_("Choose a professional of this practice."), field="professional")
    url = _clean_url(url)
    username = username.strip()
    if not username or not password:
        raise ServiceError(_("Enter the user name and the app password."), field="username")
    account = CalDAVAccount(
        practice=practice,
        professional=professional,
        url=url,
        username=username[:200],
        secret=encrypt(password),
    )
    try:
        account.calendars_found = discover(account)
    except FetchError as error:
        raise ServiceError(
            _("Could not connect: %(problem)s") % {"problem": error.problem.label}, field="url"
        ) from error
    account.save()
    return account


def caldav_account_remove(*, account: CalDAVAccount) -> None:
    """Its calendars stop blocking time; events already written stay in the professional's
    calendar (they are theirs now)."""
    with schedule_change(practice_ids=[account.practice_id]):
        account.delete()


def caldav_calendar_read_set(*, account: CalDAVAccount, url: str, read: bool) -> None:
    """Whether the account's calendar at `url` (one it listed) blocks bookable time."""
    found = {row["url"]: row["name"] for row in account.calendars_found}
    if url not in found:
        raise ServiceError(_("Choose one of the account's calendars."), field="url")
    existing = account.calendars.filter(url=url)
    if read and not existing.exists():
        ExternalCalendar.objects.create(
            practice=account.practice,
            professional=account.professional,
            account=account,
            name=found[url][:80],
            url=url,
        )
    elif not read:
        with schedule_change(practice_ids=[account.practice_id]):
            existing.delete()


def caldav_write_calendar_set(*, account: CalDAVAccount, url: str) -> None:
    """The calendar the professional's appointments are written into ("" for none)."""
    if url and url not in {row["url"] for row in account.calendars_found}:
        raise ServiceError(_("Choose one of the account's calendars."), field="url")
    account.write_calendar_url = url
    account.save(update_fields=["write_calendar_url", "updated_at"])


def push_on_commit(appointment) -> None:
    """After the change commits, write the appointment into its professional's CalDAV
    calendars (a Huey task with retries; nothing when no account writes)."""
    if (
        not CalDAVAccount.objects.filter(professional_id=appointment.professional_id)
        .exclude(write_calendar_url="")
        .exists()
    ):
        return

    def _enqueue():
        from .tasks import push_appointment_task

        try:
            push_appointment_task(appointment.pk)
        except Exception:  # a queue outage must not break the change that was saved
            logger.warning("could not enqueue the CalDAV push of %s", appointment.pk, exc_info=True)

    transaction.on_commit(_enqueue)


def appointment_push(*, appointment_id: int) -> list[str]:
    """Bring the appointment's event in its professional's CalDAV calendars up to date. Raises
    FetchError when a server fails (the task retries; every step is idempotent)."""
    from citas.booking.models import ACTIVE_STATUSES, Appointment
    from citas.notifications import ics
    from citas.notifications.selectors import sequences_for

    appointment = (
        Appointment.objects.select_related(
            "practice__notification_settings", "service", "client", "professional"
        )
        .filter(pk=appointment_id)
        .first()
    )
    if appointment is None:
        return []
    data = None
    if appointment.status in ACTIVE_STATUSES:
        options = getattr(appointment.practice, "notification_settings", None)
        hide_names = bool(options and options.hide_client_names_in_feed)
        data = ics.event_data_for(
            appointment,
            sequence=sequences_for([appointment.pk]).get(appointment.pk, 0),
            summary=appointment.service.name
            if hide_names
            else f"{appointment.client.full_name} · {appointment.service.name}",
            description="",
        )
    targets = {}
    if data is not None:
        targets = {
            account.pk: account
            for account in CalDAVAccount.objects.filter(
                professional_id=appointment.professional_id
            ).exclude(write_calendar_url="")
        }
    outcomes = []
    # First remove the copies that no longer belong where they are (another professional's
    # calendar after a move, a calendar no longer chosen, a cancelled appointment)…
    for written in WrittenEvent.objects.filter(appointment_id=appointment.pk).select_related(
        "account"
    ):
        target = targets.get(written.account_id)
        if target is not None and target.write_calendar_url == written.calendar_url:
            continue
        outcomes.append(
            push_event(
                written.account,
                calendar_url=written.calendar_url,
                appointment_id=appointment.pk,
                data=None,
            )
        )
        written.delete()
    # …then write it where it belongs now.
    for account in targets.values():
        outcomes.append(
            push_event(
                account,
                calendar_url=account.write_calendar_url,
                appointment_id=appointment.pk,
                data=data,
            )
        )
        WrittenEvent.objects.update_or_create(
            account=account,
            appointment_id=appointment.pk,
            defaults={"calendar_url": account.write_calendar_url},
        )
    return outcomes
