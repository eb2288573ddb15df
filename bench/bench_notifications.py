"""`python -m bench.bench_notifications`: how many notifications per second the sender delivers.

Seeds one appointment and TOTAL due confirmation emails (each rendered from its templates in
Spanish, with its .ics attachment) in a throwaway database, starts a tiny SMTP sink on
127.0.0.1 (a socketserver speaking just enough SMTP to accept mail), and times
`notifications_send_due` draining them through Django's SMTP backend. Also times the same
with the in-memory backend, to separate our cost (render + bookkeeping) from SMTP's. A few
untimed messages go first, as in a worker that has been running for a while: the first one
imports the URLs and compiles the templates.
Uses DATABASE_URL when set (PostgreSQL).
"""

import socketserver
import sys
import threading
import time
from datetime import datetime, timedelta

from bench.harness import in_test_database

TOTAL = 1000
BATCH = 100
WARM_UP = 20  # untimed: a worker is long-lived; its first message imports and compiles


class SMTPSink(socketserver.StreamRequestHandler):
    """Accepts every message and counts it; no TLS, no auth, no checks."""

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        with self.server.lock:
            self.server.connections += 1
        self.reply("220 sink ready")
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 sink")
            elif command == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                while self.rfile.readline() not in (b".\r\n", b""):
                    pass
                with self.server.lock:
                    self.server.messages += 1
                self.reply("250 queued")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


class SinkServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), SMTPSink)
        self.lock = threading.Lock()
        self.messages = 0
        self.connections = 0


def seed(now: datetime):
    from citas.booking.models import Appointment, Client
    from citas.catalog.models import Service
    from citas.notifications.models import Notification, NotificationKind
    from citas.notifications.rendering import appointment_snapshot
    from citas.practices.models import Practice, Professional

    practice = Practice.objects.create(
        name="Bench", slug="bench", timezone="Europe/Madrid", address="Calle Mayor 1"
    )
    professional = Professional.objects.create(practice=practice, display_name="Bench")
    service = Service.objects.create(practice=practice, name="Sesión", duration_minutes=30)
    client = Client.objects.create(practice=practice, full_name="Cliente", email="c@example.com")
    start = now + timedelta(days=3)
    appointment = Appointment.objects.create(
        practice=practice,
        professional=professional,
        service=service,
        price=service.price,
        client=client,
        start=start,
        end=start + timedelta(minutes=30),
        blocked_start=start,
        blocked_end=start + timedelta(minutes=30),
        status="confirmed",
    )
    payload = appointment_snapshot(appointment, sequence=0)

    def queue(label: str, count: int = TOTAL) -> None:
        Notification.objects.bulk_create(
            Notification(
                practice=practice,
                appointment=appointment,
                kind=NotificationKind.CONFIRMED,
                recipient=f"{label}{i}@example.com",
                due_at=now - timedelta(seconds=1),
                payload=payload,
            )
            for i in range(count)
        )

    return queue


def drain(now: datetime) -> tuple[int, float, float]:
    """Sends everything due: (sent, seconds, CPU seconds of this process). On a shared machine
    the CPU time varies less than the clock time (PostgreSQL's own work is not in it)."""
    from citas.notifications.delivery import notifications_send_due

    sent = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    while report := notifications_send_due(now=now, batch=BATCH, worker_id="bench"):
        if not report.claimed:
            break
        sent += report.sent
    return sent, time.perf_counter() - started, time.process_time() - cpu_started


def run() -> int:
    from django.db import connection
    from django.test.utils import override_settings
    from django.utils import timezone

    now = timezone.now()
    queue = seed(now)
    server = SinkServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            queue("warm-up", WARM_UP)
            drain(now)
            queue("memory")
            memory_sent, memory_seconds, memory_cpu = drain(now)
        queue("smtp")
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST=host,
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
        ):
            smtp_sent, smtp_seconds, smtp_cpu = drain(now)
    finally:
        server.shutdown()
    print(
        f"database: {connection.vendor}; {TOTAL} confirmation emails with .ics, batch {BATCH}, "
        f"after {WARM_UP} untimed"
    )
    print(
        f"in-memory backend: {memory_sent / memory_seconds:8.1f} notifications/s "
        f"({1000 * memory_cpu / TOTAL:.1f} ms CPU per message in this process)"
    )
    print(
        f"SMTP sink:         {smtp_sent / smtp_seconds:8.1f} notifications/s "
        f"({1000 * smtp_cpu / TOTAL:.1f} ms CPU per message in this process, the sink's "
        f"included; {server.messages} messages received over {server.connections} SMTP "
        "connections)"
    )
    ok = memory_sent == TOTAL and smtp_sent == TOTAL == server.messages
    if not ok:
        print("FAIL: not every notification was delivered exactly once", file=sys.stderr)
    return 0 if ok else 1


def main() -> int:
    return in_test_database(run)


if __name__ == "__main__":
    sys.exit(main())
