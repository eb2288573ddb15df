"""Two-way CalDAV: read busy times from chosen calendars of a professional's account and write
their appointments into one calendar, with the same UID as the emailed .ics (so a phone that
also got the email shows one event, not two).

Every request goes through a transport adapter that applies the address rules of the iCal
addresses (public host, https) to the first URL and to every redirect, connects to the address
that was checked, and ends all the requests of one operation by one deadline. The app's own
events, read back from a calendar it writes to, are recognised by their UID and never block
time.
"""

import io
import time
from dataclasses import dataclass
from datetime import datetime
from http.client import HTTPException
from zoneinfo import ZoneInfo

import caldav
import requests
from caldav.elements import dav
from caldav.lib import error as caldav_error
from django.conf import settings
from django.core.exceptions import ValidationError
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from citas.core.http import BodyTooLarge, DestinationRefused, pinned_request
from citas.notifications import ics

from .expand import Busy, busy_periods
from .fetch import FetchError, check_url
from .models import CalDAVAccount, ExternalCalendar, SyncProblem
from .secrets import decrypt

OWN_UID_PREFIX = "appointment-"


class PinnedAdapter(BaseAdapter):
    """requests' transport for CalDAV: each request (redirects too) is checked like an iCal
    address and made by citas.core.http's pinned request, all of them before one deadline."""

    def __init__(self, *, deadline: float):
        super().__init__()
        self.deadline = deadline

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        try:
            check_url(request.url)
        except ValidationError as refused:
            raise FetchError(SyncProblem.ADDRESS, str(refused.messages[0])) from refused
        headers = dict(request.headers)
        headers["Accept-Encoding"] = "identity"  # bodies are read as they come, never inflated
        body = request.body.encode() if isinstance(request.body, str) else request.body
        try:
            answer = pinned_request(
                request.method,
                request.url,
                headers=headers,
                body=body,
                deadline=self.deadline,
                max_bytes=settings.EXTERNAL_CALENDAR_MAX_BYTES,
            )
        except DestinationRefused as error:
            raise FetchError(SyncProblem.ADDRESS, str(error)) from error
        except BodyTooLarge as error:
            raise FetchError(SyncProblem.TOO_LARGE) from error
        except TimeoutError as error:
            raise FetchError(SyncProblem.TIMEOUT) from error
        except (OSError, HTTPException) as error:
            raise FetchError(SyncProblem.NETWORK, type(error).__name__) from error
        response = requests.Response()
        response.status_code = answer.status
        response.reason = answer.reason
        response.headers = CaseInsensitiveDict()
        for name, value in answer.headers.items():
            previous = response.headers.get(name)
            response.headers[name] = f"{previous}, {value}" if previous else value
        response._content = answer.body
        response.raw = io.BytesIO(answer.body)
        response.encoding = get_encoding_from_headers(response.headers)
        response.url = request.url
        response.request = request
        response.connection = self
        return response

    def close(self):
        """Nothing is kept open between requests."""


def sync_deadline() -> float:
    """One deadline (time.monotonic()) for all the requests of one sync, fallbacks included."""
    return time.monotonic() + settings.EXTERNAL_CALENDAR_TIMEOUT


def client_for(account: CalDAVAccount, *, deadline: float | None = None) -> caldav.DAVClient:
    """A client whose requests all end by `deadline` (time.monotonic(); default: the
    timeout from now), together."""
    deadline = deadline if deadline is not None else sync_deadline()
    client = caldav.DAVClient(
        url=account.url,
        username=account.username,
        password=decrypt(account.secret),
        timeout=max(deadline - time.monotonic(), 0.001),
    )
    adapter = PinnedAdapter(deadline=deadline)
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


def periods_of_objects(bodies, *, tz: ZoneInfo, start: datetime, end: datetime) -> list[Busy]:
    """Busy periods of CalDAV event resources in [start, end), the app's own left out."""
    periods = []
    for body in bodies:
        if _is_own(body):
            continue
        periods += busy_periods(body.encode(), tz=tz, start=start, end=end)
    periods.sort(key=lambda period: (period.start, period.end))
    return periods


def caldav_busy(
    calendar: ExternalCalendar, *, start: datetime, end: datetime, deadline: float | None = None
) -> list[Busy]:
    """Busy periods of one CalDAV calendar in [start, end): a time-range REPORT, expanded here
    like any iCal file. For a horizon too large to keep."""
    try:
        collection = client_for(calendar.account, deadline=deadline).calendar(url=calendar.url)
        objects = collection.search(start=start, end=end, event=True, expand=False)
        bodies = [obj.data for obj in objects]
    except Exception as error:
        raise _problem_of(error) from error
    return periods_of_objects(bodies, tz=ZoneInfo(calendar.practice.timezone), start=start, end=end)


@dataclass(frozen=True)
class Changes:
    token: str
    full: bool  # `changed` is every event before `until`: anything else stored is gone
    changed: dict[str, str]  # href → the resource's iCalendar text
    deleted: list[str]
    until: datetime | None = None  # a time-range read: the end of the range it covered

    @property
    def empty(self) -> bool:
        return not (self.full or self.changed or self.deleted)


def caldav_range(
    calendar: ExternalCalendar, *, start: datetime, end: datetime, deadline: float | None = None
) -> Changes:
    """The events of [start, end) with one calendar-query REPORT (time-range), never the whole
    calendar (years of history), and the collection's sync token read just before it, from
    which later syncs ask only for what changed (empty: the server has none)."""
    try:
        collection = client_for(calendar.account, deadline=deadline).calendar(url=calendar.url)
        try:
            token = str(collection.get_property(dav.SyncToken()) or "")
        except caldav_error.DAVError:
            token = ""
        objects = collection.search(start=start, end=end, event=True, expand=False)
        changed = {str(obj.url): obj.data for obj in objects if obj.data}
    except Exception as error:
        raise _problem_of(error) from error
    return Changes(token=token, full=True, changed=changed, deleted=[], until=end)


def caldav_changes(calendar: ExternalCalendar, *, deadline: float | None = None) -> Changes | None:
    """What changed in the calendar since its stored sync token (RFC 6578 sync-collection),
    the changed resources fetched in one calendar-multiget. None when the server forgot the
    token or has no sync-collection: the caller then reads the range again."""
    try:
        collection = client_for(calendar.account, deadline=deadline).calendar(url=calendar.url)
        try:
            listed = collection.objects_by_sync_token(sync_token=calendar.sync_token)
        except caldav_error.DAVError:
            return None  # an expired token (403 valid-sync-token)
        urls = [obj.url for obj in listed if obj.props.get(dav.GetEtag.tag)]
        loaded = collection.calendar_multiget(urls) if urls else []
    except Exception as error:
        raise _problem_of(error) from error
    changed = {str(obj.url): obj.data for obj in loaded if obj.data}
    listed_urls = [str(obj.url) for obj in listed]
    return Changes(
        token=str(listed.sync_token or ""),
        full=False,
        changed=changed,
        deleted=[url for url in listed_urls if url not in changed],
    )


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
