"""Fetch an external calendar by its address, safely.

The same address rules as webhooks (https to a public host), and the same pinned request
(citas.core.http: resolved once, connected to the checked address, one deadline for the whole
fetch, a size limit). Redirects are followed a few times, each checked like the first;
compression is not offered (no decompression bombs).
"""

import socket
import time
from dataclasses import dataclass
from http.client import HTTPException
from urllib.parse import urljoin

from django.conf import settings
from django.core.exceptions import ValidationError

from citas.core.http import BodyTooLarge, DestinationRefused, Response, pinned_request
from citas.notifications.webhooks import validate_webhook_url

from .models import SyncProblem

MAX_REDIRECTS = 3
USER_AGENT = "Citas-Calendar/1"


class FetchError(Exception):
    def __init__(self, problem: SyncProblem, detail: str = ""):
        super().__init__(detail or problem.value)
        self.problem = problem


@dataclass(frozen=True)
class Fetched:
    body: bytes | None  # None: not modified since the last fetch
    etag: str
    last_modified: str


def normalise_url(url: str) -> str:
    """Calendar apps hand out webcal:// addresses; they are https underneath."""
    url = url.strip()
    if url.lower().startswith("webcal://"):
        return "https://" + url[len("webcal://") :]
    return url


def check_url(url: str) -> None:
    """Raises ValidationError when `url` may not be fetched (form-level check)."""
    validate_webhook_url(normalise_url(url))


def _get_once(url: str, headers: dict, *, deadline: float, max_bytes: int) -> Response:
    try:
        check_url(url)
    except ValidationError as error:
        raise FetchError(SyncProblem.ADDRESS, str(error.messages[0])) from error
    try:
        return pinned_request("GET", url, headers=headers, deadline=deadline, max_bytes=max_bytes)
    except DestinationRefused as error:
        raise FetchError(SyncProblem.ADDRESS, str(error)) from error
    except BodyTooLarge as error:
        raise FetchError(SyncProblem.TOO_LARGE) from error
    except TimeoutError as error:
        raise FetchError(SyncProblem.TIMEOUT) from error
    except socket.gaierror as error:
        raise FetchError(SyncProblem.NETWORK, "cannot resolve the host") from error
    except (OSError, HTTPException) as error:
        raise FetchError(SyncProblem.NETWORK, type(error).__name__) from error


def fetch_calendar(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    timeout: float | None = None,
    max_bytes: int | None = None,
) -> Fetched:
    """GET the calendar at `url` (following a few redirects, each checked like the first)."""
    timeout = timeout if timeout is not None else settings.EXTERNAL_CALENDAR_TIMEOUT
    max_bytes = max_bytes if max_bytes is not None else settings.EXTERNAL_CALENDAR_MAX_BYTES
    deadline = time.monotonic() + timeout
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar", "Accept-Encoding": "identity"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    url = normalise_url(url)
    for _hop in range(MAX_REDIRECTS + 1):
        response = _get_once(url, headers, deadline=deadline, max_bytes=max_bytes)
        location = response.headers.get("Location")
        if response.status in (301, 302, 303, 307, 308) and location:
            url = urljoin(url, location)
            continue
        if response.status == 304:
            return Fetched(body=None, etag=etag, last_modified=last_modified)
        if response.status != 200:
            raise FetchError(SyncProblem.HTTP, f"HTTP {response.status}")
        return Fetched(
            body=response.body,
            etag=response.headers.get("ETag", ""),
            last_modified=response.headers.get("Last-Modified", ""),
        )
    raise FetchError(SyncProblem.HTTP, "too many redirects")
