"""Two-way CalDAV: read busy times from chosen calendars of a professional's account and write
their appointments into one calendar, with the same UID as the emailed .ics (so a phone that
also got the email shows one event, not two).

Every request goes through an adapter that applies the address rules of the iCal addresses
(public host, https) to the first URL and to every redirect. The app's own events, read back
from a calendar it writes to, are recognised by their UID and never block time.
"""

from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import caldav
import requests
from caldav.lib import error as caldav_error
from django.conf import settings
from django.core.exceptions import ValidationError
from requests.adapters import HTTPAdapter

from citas.notifications import ics

from .expand import Busy, busy_periods
from .fetch import FetchError, _pinned_address, check_url
from .models import CalDAVAccount, ExternalCalendar, SyncProblem
from .secrets import decrypt

OWN_UID_PREFIX = "appointment-"


class _CheckedAdapter(HTTPAdapter):
    """Refuses, before connecting, any request to an address the rules do not allow."""

    def send(self, request, **kwargs):
        try:
            check_url(request.url)
        except ValidationError as refused:
            raise FetchError(SyncProblem.ADDRESS, str(refused.messages[0])) from refused
        parts = urlsplit(request.url)
        _pinned_address(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
        return super().send(request, **kwargs)


def client_for(account: CalDAVAccount) -> caldav.DAVClient:
    client = caldav.DAVClient(
        url=account.url,
        username=account.username,
        password=decrypt(account.secret),
        timeout=settings.EXTERNAL_CALENDAR_TIMEOUT,
    )
    adapter = _CheckedAdapter(max_retries=0)
    client.session.mount("http://", adapter)
    client.session.mount("https://", adapter)
    client.session.trust_env = False  # no .netrc or proxy settings of the machine
    return client


def _problem_of(error: Exception) -> FetchError:
    if isinstance(error, FetchError):
        return error
    if isinstance(error, requests.Timeout):
        return FetchError(SyncProblem.TIMEOUT)
    if isinstance(error, requests.RequestException):
        return FetchError(SyncProblem.NETWORK, type(error).__name__)
    if isinstance(error, caldav_error.DAVError):
        return FetchError(SyncProblem.HTTP, type(error).__name__)
    return FetchError(SyncProblem.FORMAT, type(error).__name__)


def discover(account: CalDAVAccount) -> list[dict]:
    """The account's calendars that hold events: [{"name", "url"}], sorted by name."""
    try:
        calendars = client_for(account).principal().calendars()
        found = [
            {"name": str(calendar.name or calendar.url), "url": str(calendar.url)}
            for calendar in calendars
        ]
    except Exception as error:  # requests, caldav and lxml each raise their own
        raise _problem_of(error) from error
    return sorted(found, key=lambda row: row["name"].lower())


def _is_own(data: str) -> bool:
    return f"UID:{OWN_UID_PREFIX}" in data.replace("\r\n ", "")


def caldav_busy(calendar: ExternalCalendar, *, start: datetime, end: datetime) -> list[Busy]:
    """Busy periods of one CalDAV calendar in [start, end): a time-range REPORT, expanded here
    like any iCal file."""
    tz = ZoneInfo(calendar.practice.timezone)
    try:
        collection = client_for(calendar.account).calendar(url=calendar.url)
        objects = collection.search(start=start, end=end, event=True, expand=False)
        bodies = [obj.data for obj in objects]
    except Exception as error:
        raise _problem_of(error) from error
    periods = []
    for body in bodies:
        if _is_own(body):
            continue
        periods += busy_periods(body.encode(), tz=tz, start=start, end=end)
    periods.sort(key=lambda period: (period.start, period.end))
    return periods


def push_event(
    account: CalDAVAccount, *, calendar_url: str, appointment_id: int, data: ics.EventData | None
) -> str:
    """Write the event into the account's calendar at `calendar_url` (create or replace by UID),
    or delete it from there when `data` is None. Idempotent: a retry does the same again."""
    try:
        collection = client_for(account).calendar(url=calendar_url)
        if data is not None:
            collection.save_event(ics.calendar_object_ics(data).decode(), no_overwrite=False)
            return "saved"
        try:
            collection.event_by_uid(ics.event_uid(appointment_id)).delete()
        except caldav_error.NotFoundError:
            return "absent"
        return "deleted"
    except Exception as error:
        raise _problem_of(error) from error
