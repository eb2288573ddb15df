"""Two machines as one: two gunicorn web servers and two sender processes on one PostgreSQL
and one Redis, all real processes on loopback.

- Clients race for one time through both web servers: exactly one booking, the others get the
  "taken" page (409), nobody a 500.
- TWO_MACHINES_NOTIFICATIONS emails (1,000 by default, about 30 s on a quiet 2-core machine;
  fewer with TWO_MACHINES_NOTIFICATIONS=300 for a quick run) go out while the SMTP sink
  stalls for longer than the send deadline and one sender is killed with SIGKILL mid-batch
  and started again.
- Counted by Message-ID at the sink: nothing lost; a message received twice only where the log
  shows a try that ended without a confirmed answer (the documented exception: "interrupted"
  by the kill, at most one per killed sender since a sender hands over one message at a time,
  or "retry" when the stalled or overloaded sink stored it but answered after the deadline);
  every try is logged and none is left "in flight".

Run with DATABASE_URL=postgres://… and TEST_REDIS_URL (default redis://127.0.0.1:6379/15).
"""

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

import pytest
import requests
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from citas.booking.forms import format_start
from citas.booking.models import Appointment
from citas.booking.tests.helpers import bookable_practice
from citas.notifications.models import AttemptOutcome, DeliveryAttempt, Notification

from .processes import database_url, queue, start_worker, stop
from .smtp_sink import Sink, free_port

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TOTAL = int(os.environ.get("TWO_MACHINES_NOTIFICATIONS", "1000"))
CLIENTS_PER_SERVER = 6
PHASE_TIMEOUT = 180 + TOTAL // 2  # seconds: generous, the machine may be shared
STALL_SECONDS = 3  # longer than the senders' 2 s send deadline
SENDER = {"batch": 50, "deadline": 2, "margin": 1, "NOTIFICATIONS_RETRY_BASE_MINUTES": "0.02"}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({error}); set TEST_REDIS_URL")


def start_web(sink) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": database_url(),
        "REDIS_URL": REDIS_URL,
        "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}",
        "EMAIL_BACKEND": "",
        "DEBUG": "true",
        "HUEY_IMMEDIATE": "false",  # the senders send, as in production
        "TRUSTED_PROXY_COUNT": "1",  # each simulated client has its own address
    }
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "120",
        "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR)  # noqa: S603
    return server, f"http://127.0.0.1:{port}"


def wait_until_up(server: subprocess.Popen, base: str) -> None:
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError("gunicorn exited")
        try:
            requests.get(f"{base}/healthz", timeout=10)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.1)
    raise AssertionError(f"{base} did not answer")


def next_weekday_ten(practice) -> datetime:
    """10:00 on the next weekday at least two days ahead, in the practice's time zone."""
    zone = ZoneInfo(practice.timezone)
    day = timezone.localdate(timezone=zone) + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, clock_time(10), tzinfo=zone)


def race_for_one_time(bases: list[str], s, start: datetime) -> list[int]:
    """Every client opens the form on one server (its CSRF token), then all POST at once."""
    page = reverse("public_booking:page", args=[s.practice.slug])
    submit = reverse("public_booking:submit", args=[s.practice.slug])
    params = {"service": s.service.pk, "professional": s.professional.pk}
    params |= {"day": start.date().isoformat(), "start": format_start(start)}
    run = uuid.uuid4().hex[:8]
    network = random.randrange(1, 250)

    def open_form(i: int) -> tuple:
        session = requests.Session()
        session.headers["X-Forwarded-For"] = f"10.{network}.{i // 250}.{i % 250 + 1}"
        base = bases[i % len(bases)]
        form = session.get(base + page, params=params, timeout=120)
        assert form.status_code == 200, form.status_code
        data = {**{k: str(v) for k, v in params.items() if k != "day"}, "privacy": "on"}
        data |= {"full_name": f"Cliente {i}", "email": f"c{i}.{run}@example.com"}
        data["csrfmiddlewaretoken"] = CSRF.search(form.text).group(1)
        return session, base + submit, data

    with ThreadPoolExecutor(max_workers=4) as pool:
        clients = list(pool.map(open_form, range(CLIENTS_PER_SERVER * len(bases))))

    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []
    lock = threading.Lock()

    def post(session, url, data) -> None:
        barrier.wait()
        status = session.post(url, data=data, allow_redirects=False, timeout=120).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=post, args=client) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return sorted(statuses)


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_two_web_servers_and_two_senders_behave_as_one(make_appointment):
    redis_or_skip()
    s = bookable_practice()
    start = next_weekday_ten(s.practice)
    queued = queue(make_appointment(start=timezone.now() + timedelta(days=3)), TOTAL)
    processes: list[subprocess.Popen] = []
    with Sink() as sink:
        try:
            webs = [start_web(sink) for _ in range(2)]
            processes += [server for server, _ in webs]
            for server, base in webs:
                wait_until_up(server, base)
            statuses = race_for_one_time([base for _, base in webs], s, start)
            race_ended = timezone.now()

            assert statuses == [302] + [409] * (2 * CLIENTS_PER_SERVER - 1)
            assert Appointment.objects.filter(practice=s.practice, start=start).count() == 1

            senders = [start_worker(f"sender{i}", sink, **SENDER) for i in range(2)]
            processes += senders
            # The sink stalls (every open DATA hangs past the send deadline) ...
            wait_for(lambda: len(sink.handler.counts()) >= TOTAL // 4, PHASE_TIMEOUT, "25 %")
            sink.handler.stall = True
            time.sleep(STALL_SECONDS)
            sink.handler.stall = False
            # ... then one sender dies mid-batch and is started again.
            wait_for(lambda: len(sink.handler.counts()) >= TOTAL // 2, PHASE_TIMEOUT, "50 %")
            senders[0].send_signal(signal.SIGKILL)
            senders[0].wait(timeout=10)
            processes.append(start_worker("sender0-restarted", sink, **SENDER))
            # Due: the queued messages and the booking's confirmation (not its reminder).
            booked = Notification.objects.filter(
                appointment__practice=s.practice, due_at__lte=race_ended
            )
            due = Notification.objects.filter(
                pk__in=[*queued, *booked.values_list("pk", flat=True)]
            )
            expected = {n.message_id for n in due}

            def all_sent() -> bool:
                return not due.exclude(status="sent").exists()

            wait_for(all_sent, PHASE_TIMEOUT, "every notification to be sent")
            received = sink.handler.counts()
        finally:
            stop(*processes)

    # Nothing lost, nothing foreign.
    missing = [n for n in due.all() if n.message_id not in received]
    assert not missing, [
        list(
            DeliveryAttempt.objects.filter(notification=n).values_list(
                "outcome", "worker", "started_at", "finished_at", "error"
            )
        )
        for n in missing
    ]
    assert set(received) == expected
    # Duplicates: only the documented exception, and the log shows it. Each extra copy of a
    # message is one try that ended without a confirmed answer: "interrupted" (the killed
    # sender's message in flight: at most one, since a sender hands over one at a time) or
    # "retry" after the server had stored it but its answer came after the deadline.
    unconfirmed = Counter(
        DeliveryAttempt.objects.filter(
            outcome__in=[AttemptOutcome.INTERRUPTED, AttemptOutcome.RETRY]
        ).values_list("notification_id", flat=True)
    )
    by_message_id = {n.message_id: n.pk for n in due.all()}
    for message_id, count in received.items():
        assert count - 1 <= unconfirmed[by_message_id[message_id]], message_id
    assert DeliveryAttempt.objects.filter(outcome=AttemptOutcome.INTERRUPTED).count() <= 1
    extra = sum(received.values()) - len(received)
    print(f"two machines: {len(received)} messages, {extra} duplicate(s), {unconfirmed}")
    # The log is truthful: one "sent" attempt per message, every try on record, none open.
    attempts = DeliveryAttempt.objects.all()
    outcomes = Counter(attempts.values_list("outcome", flat=True))
    assert outcomes[AttemptOutcome.SENT] == len(expected)
    assert outcomes[AttemptOutcome.IN_FLIGHT] == outcomes[AttemptOutcome.SENT_LEASE_LOST] == 0
    assert outcomes[AttemptOutcome.RETRY] >= 1  # the stall was felt and retried
    for notification in due.all():
        assert notification.attempts == attempts.filter(notification=notification).count()
