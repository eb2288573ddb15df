"""Outgoing HTTP to addresses that users type in (webhooks, calendar addresses, CalDAV).

One way to make such a request safely: the host is resolved once and every address it resolves
to must be public (plain http and local hosts only where WEBHOOKS_ALLOW_INSECURE_URLS is set, for
development and tests); the connection then goes to the very address that passed the check,
with the host name still in Host, SNI and the certificate check, so a DNS answer that changes
between the check and the connection cannot point us at the internal network. One deadline
covers connecting, the headers and the body: a watchdog closes the socket when it passes,
however slowly the server drips bytes. Bodies larger than the limit are refused.
"""

import contextlib
import heapq
import http.client
import ipaddress
import itertools
import os
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

CHUNK = 64 * 1024


class DestinationRefused(Exception):
    """The address is private (or changed under us): no connection is made."""


class BodyTooLarge(Exception):
    """The answer is larger than the caller's limit."""


def insecure_urls_allowed() -> bool:
    """Development and tests may talk to http://127.0.0.1; production never."""
    return bool(settings.WEBHOOKS_ALLOW_INSECURE_URLS)


def is_private_address(value: str) -> bool:
    try:
        return not ipaddress.ip_address(value.split("%")[0]).is_global
    except ValueError:
        return False


def address_allowed(address: str) -> bool:
    return insecure_urls_allowed() or not is_private_address(address)


def resolve_destination(host: str, port: int) -> str:
    """The one address to connect to. Every address the name resolves to must be public, so
    that a public name pointing at a private address is refused; the caller then connects to
    this very address (no second lookup an attacker could answer)."""
    addresses = [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]
    if not addresses:
        raise DestinationRefused(f"{host} has no address")
    if any(not address_allowed(address) for address in addresses):
        raise DestinationRefused(f"{host} resolves to a private address")
    return addresses[0]


class _PinnedConnectionMixin:
    """Connects to `address`, the one that passed the check, not to a second lookup of the
    host name; the host name still goes in Host and in TLS (SNI, certificate)."""

    address = ""

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)
        peer = self.sock.getpeername()[0]
        if peer.split("%")[0] != self.address.split("%")[0] or not address_allowed(peer):
            self.sock.close()
            raise DestinationRefused(f"connected to {peer}, expected {self.address}")
        if isinstance(self, http.client.HTTPSConnection):
            self.sock = self._context.wrap_socket(self.sock, server_hostname=self.host)


class PinnedHTTPConnection(_PinnedConnectionMixin, http.client.HTTPConnection):
    pass


class PinnedHTTPSConnection(_PinnedConnectionMixin, http.client.HTTPSConnection):
    pass


def shutdown(sock) -> None:
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class _Alarms:
    """One daemon thread that runs every watchdog of the process. Arming a watchdog costs a
    lock and a notify; a thread per watchdog cost a thread start per message (milliseconds on
    a busy machine, most of the sender's time in memory)."""

    def __init__(self):
        self.condition = threading.Condition()
        self.heap: list[tuple[float, int, Watchdog]] = []
        self.counter = itertools.count()
        self.thread: threading.Thread | None = None

    def arm(self, watchdog: "Watchdog", seconds: float) -> None:
        with self.condition:
            heapq.heappush(self.heap, (time.monotonic() + seconds, next(self.counter), watchdog))
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="watchdogs", daemon=True)
                self.thread.start()
            if self.heap[0][2] is watchdog:  # earlier than what the thread waits for
                self.condition.notify()

    def disarm(self, watchdog: "Watchdog") -> None:
        # Under the lock: once this returns, that watchdog's abort has run or never will.
        with self.condition:
            watchdog.armed = False

    def _run(self) -> None:
        with self.condition:
            while True:
                while self.heap and not self.heap[0][2].armed:
                    heapq.heappop(self.heap)
                if not self.heap:
                    self.condition.wait()
                    continue
                due, _count, watchdog = self.heap[0]
                if (wait := due - time.monotonic()) > 0:
                    self.condition.wait(wait)
                    continue
                heapq.heappop(self.heap)
                watchdog.armed = False
                watchdog.fired = True
                with contextlib.suppress(Exception):
                    watchdog.abort()  # closes a socket: quick, so run under the lock


_alarms = _Alarms()
# A forked worker process starts with no watchdog thread and maybe a lock held by another.
os.register_at_fork(after_in_child=lambda: _alarms.__init__())


class Watchdog:
    """Calls `abort()` (which closes a socket) if the block is still running after `seconds`:
    socket timeouts bound each read, not a peer that answers one byte at a time."""

    def __init__(self, seconds: float, abort):
        self.seconds = seconds
        self.abort = abort
        self.armed = False
        self.fired = False

    def __enter__(self):
        self.armed = True
        _alarms.arm(self, self.seconds)
        return self

    def __exit__(self, *exc):
        _alarms.disarm(self)


@dataclass(frozen=True)
class Response:
    status: int
    reason: str
    headers: http.client.HTTPMessage
    body: bytes


def pinned_request(
    method: str,
    url: str,
    *,
    headers: dict,
    body: bytes | None = None,
    deadline: float,
    max_bytes: int,
    truncate: bool = False,
) -> Response:
    """One request to `url` (no redirects followed), done by `deadline` (a time.monotonic()
    value) in all. A body over `max_bytes` raises BodyTooLarge, or is cut there when
    `truncate` (for callers that only want the status). Also raises DestinationRefused,
    TimeoutError, other OSErrors (ssl and name-lookup errors included) and
    http.client.HTTPException."""
    parts = urlsplit(url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    if deadline - time.monotonic() <= 0:
        raise TimeoutError("deadline passed")
    address = resolve_destination(parts.hostname or "", port)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("deadline passed")
    if https:
        connection = PinnedHTTPSConnection(
            parts.hostname, port, timeout=remaining, context=ssl.create_default_context()
        )
    else:
        connection = PinnedHTTPConnection(parts.hostname, port, timeout=remaining)
    connection.address = address
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    try:
        with Watchdog(remaining, lambda: shutdown(connection.sock)) as watchdog:
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                length = response.getheader("Content-Length")
                if not truncate and length and length.isdigit() and int(length) > max_bytes:
                    raise BodyTooLarge(f"{length} bytes")
                data = bytearray()
                while chunk := response.read(min(CHUNK, max_bytes + 1 - len(data))):
                    data += chunk
                    if len(data) > max_bytes:
                        if truncate:
                            del data[max_bytes:]
                            break
                        raise BodyTooLarge(f"more than {max_bytes} bytes")
            except (OSError, http.client.HTTPException) as error:
                if watchdog.fired:
                    raise TimeoutError("deadline passed") from error
                raise
            # A socket closed by the watchdog reads as a short, "complete" answer.
            if watchdog.fired or time.monotonic() > deadline:
                raise TimeoutError("deadline passed")
            return Response(response.status, response.reason, response.msg, bytes(data))
    finally:
        connection.close()
