"""A real HTTP webhook receiver for tests: a `http.server` on 127.0.0.1 in a thread that
checks each request's signature on its own (it does not trust our signing code)."""

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import factory

from citas.core.factories import PracticeFactory
from citas.notifications.models import WebhookEndpoint

MAX_AGE_SECONDS = 300


@dataclass
class Received:
    delivery_id: str
    body: dict
    headers: dict
    valid_signature: bool


@dataclass
class Receiver:
    secret: str = ""
    # Status codes to answer, in order; the last one repeats.
    answers: list[int] = field(default_factory=lambda: [200])
    received: list[Received] = field(default_factory=list)
    url: str = ""

    def answer(self) -> int:
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    def check(self, headers, raw: bytes) -> bool:
        parts = dict(p.split("=", 1) for p in headers.get("X-Citas-Signature", "").split(","))
        timestamp = int(parts.get("t", "0"))
        if abs(time.time() - timestamp) > MAX_AGE_SECONDS:
            return False
        if headers.get("X-Citas-Webhook-Timestamp") != str(timestamp):
            return False
        expected = hmac.new(
            self.secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest(expected, parts.get("v1", ""))


def serve(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 — http.server's naming
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            valid = self.headers.get("Content-Type") == "application/json" and receiver.check(
                self.headers, raw
            )
            code = receiver.answer() if valid else 400
            receiver.received.append(
                Received(
                    delivery_id=self.headers.get("X-Citas-Webhook-Id", ""),
                    body=json.loads(raw),
                    headers=dict(self.headers),
                    valid_signature=valid,
                )
            )
            self.send_response(code)
            if code in (301, 302):
                self.send_header("Location", receiver.url + "elsewhere/")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEndpoint

    practice = factory.SubFactory(PracticeFactory)
    url = factory.Sequence(lambda n: f"https://hooks{n}.example.com/citas")
    events = factory.LazyFunction(lambda: ["created", "confirmed", "rescheduled", "cancelled"])
