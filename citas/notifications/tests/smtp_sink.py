"""A real SMTP server on 127.0.0.1 (aiosmtpd) for fault tests: it can delay, stall, drop the
connection or refuse, and counts what it accepted by Message-ID."""

import asyncio
import os
import random
import socket
import threading
from collections import Counter
from email import message_from_bytes

from aiosmtpd.controller import Controller


class FaultyHandler:
    """`rcpt_delay`: seconds before answering RCPT (before the hand-off: nothing accepted yet).
    `data_delay`: seconds after the message is stored, before answering DATA (inside the final
    hand-off). `stall`: never answer DATA. `drop`: close the connection at DATA.
    `refuse`: the reply to RCPT, e.g. "550 no such user" or "451 try later"."""

    def __init__(self):
        self.lock = threading.Lock()
        self.message_ids: list[str] = []
        self.rcpt_delay = 0.0
        self.data_delay = 0.0
        self.stall = False
        self.drop = False
        self.refuse = ""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_delay:
            await asyncio.sleep(self.rcpt_delay)
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.drop:
            server.transport.close()
            return "421 closing"
        if self.stall:
            await asyncio.sleep(3600)
        message = message_from_bytes(envelope.original_content or envelope.content)
        with self.lock:
            self.message_ids.append(message["Message-ID"])
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        return "250 queued"

    def counts(self) -> Counter:
        with self.lock:
            return Counter(self.message_ids)


def free_port() -> int:
    """A free loopback port: from TEST_PORTS ("22100-22199") when set, so that several people
    sharing one machine keep to their own range; else any port the system offers."""
    low, _, high = os.environ.get("TEST_PORTS", "").partition("-")
    candidates = (
        random.sample(range(int(low), int(high) + 1), int(high) - int(low) + 1) if high else [0]
    )
    for port in candidates:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise OSError(f"no free port in TEST_PORTS={os.environ['TEST_PORTS']}")


class Sink:
    def __init__(self, port: int = 0):
        self.handler = FaultyHandler()
        # The controller checks that it is up by connecting: it needs a real port, not 0.
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=port or free_port(), ready_timeout=10
        )

    def __enter__(self) -> "Sink":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return self.controller.port
