"""Fetch an external calendar by its address, safely.

The same address rules as webhooks (https to a public host; plain http and local hosts only
where WEBHOOKS_ALLOW_INSECURE_URLS is set, for development and tests). The host is resolved
once, every address is checked, and the connection goes to the address that passed the check
(the name still goes in SNI and Host), so a DNS answer that changes between the check and the
connection cannot point us at the internal network. One deadline covers connecting, the
headers and the body: a watchdog closes the socket when it passes, however slowly the server
drips bytes. Bodies larger than the limit are refused; compression is not offered (no
decompression bombs).
"""

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

from citas.notifications.webhooks import insecure_urls_allowed, validate_webhook_url

from .models import SyncProblem

MAX_REDIRECTS = 3
CHUNK = 64 * 1024
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


def _pinned_address(host: str, port: int) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise FetchError(SyncProblem.NETWORK, f"cannot resolve {host}") from error
    addresses = [info[4][0] for info in infos]
    if not insecure_urls_allowed() and any(
        not ipaddress.ip_address(address.split("%")[0]).is_global for address in addresses
    ):
        raise FetchError(SyncProblem.ADDRESS, f"{host} resolves to a private address")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, *, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, *, address, **kwargs):
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self.address = address

    def connect(self):
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


class _Watchdog:
    """Closes the connection's socket when the deadline passes."""

    def __init__(self, connection, seconds: float):
        self.connection = connection
        self.fired = False
        self.timer = threading.Timer(seconds, self._fire)
        self.timer.daemon = True

    def _fire(self):
        self.fired = True
        sock = self.connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self):
        self.timer.start()
        return self

    def __exit__(self, *exc):
        self.timer.cancel()


def _get_once(url: str, headers: dict, *, deadline: float, max_bytes: int):
    try:
        check_url(url)
    except ValidationError as error:
        raise FetchError(SyncProblem.ADDRESS, str(error.messages[0])) from error
    parts = urlsplit(url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchError(SyncProblem.TIMEOUT)
    address = _pinned_address(parts.hostname, port)
    connection_class = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
    connection = connection_class(parts.hostname, port, address=address, timeout=remaining)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    with _Watchdog(connection, remaining) as watchdog:
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            peer = connection.sock.getpeername()[0] if connection.sock else None
            if peer is not None and peer.split("%")[0] != address.split("%")[0]:
                raise FetchError(SyncProblem.ADDRESS, "connected to an unexpected address")
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchError(SyncProblem.TOO_LARGE)
            body = bytearray()
            while chunk := response.read(CHUNK):
                body += chunk
                if len(body) > max_bytes:
                    raise FetchError(SyncProblem.TOO_LARGE)
            if watchdog.fired:  # a closed socket reads as a short, "complete" answer
                raise FetchError(SyncProblem.TIMEOUT)
            return response.status, response.getheader, bytes(body)
        except FetchError:
            raise
        except (OSError, http.client.HTTPException) as error:
            if watchdog.fired or isinstance(error, TimeoutError):
                raise FetchError(SyncProblem.TIMEOUT) from error
            raise FetchError(SyncProblem.NETWORK, type(error).__name__) from error
        finally:
            connection.close()


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
        status, header, body = _get_once(url, headers, deadline=deadline, max_bytes=max_bytes)
        if status in (301, 302, 303, 307, 308) and header("Location"):
            url = urljoin(url, header("Location"))
            continue
        if status == 304:
            return Fetched(body=None, etag=etag, last_modified=last_modified)
        if status != 200:
            raise FetchError(SyncProblem.HTTP, f"HTTP {status}")
        return Fetched(
            body=body, etag=header("ETag") or "", last_modified=header("Last-Modified") or ""
        )
    raise FetchError(SyncProblem.HTTP, "too many redirects")
