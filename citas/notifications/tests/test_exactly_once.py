"""Exactly once against the real thing: PostgreSQL rows, Redis queue, several consumers.

Run with DATABASE_URL=postgres://… (and Redis at TEST_REDIS_URL, default
redis://127.0.0.1:6379/15); skipped on SQLite.
"""

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from citas.notifications.delivery import (
    notifications_claim,
    notifications_send_due,
)
from citas.notifications.models import Notification

from .backends import RecordingBackend
from .processes import database_url, queue

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
TOTAL = 1000
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(settings.BASE_DIR)


def queue_due_notifications(appointment, now) -> None:
    queue(appointment, TOTAL)


def kill_a_worker_after_its_claim(now) -> int:
    """A consumer that claimed a batch and died before sending any of it: its lease ran out."""
    claimed = notifications_claim(now=now, batch=100, worker_id="killed")
    Notification.objects.filter(claimed_by="killed").update(
        lease_expires_at=now - timedelta(seconds=1)
    )
    return len(claimed)


def test_two_sender_threads_send_each_of_1000_messages_exactly_once(settings, make_appointment):
    settings.EMAIL_BACKEND = "citas.notifications.tests.backends.RecordingBackend"
    RecordingBackend.recipients = []
    now = timezone.now()
    queue_due_notifications(make_appointment(start=now + timedelta(days=3)), now)
    assert kill_a_worker_after_its_claim(now) == 100

    def drain(name):
        try:
            while notifications_send_due(now=timezone.now(), batch=50, worker_id=name).claimed:
                pass
        finally:
            connection.close()

    workers = [threading.Thread(target=drain, args=(f"w{i}",)) for i in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)

    counts = Counter(RecordingBackend.recipients)
    assert len(counts) == TOTAL
    assert max(counts.values()) == 1
    assert Notification.objects.filter(status="sent").count() == TOTAL


def _redis_or_skip():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({error}); set TEST_REDIS_URL")


def test_two_huey_consumers_on_redis_send_each_of_1000_messages_exactly_once(
    make_appointment, tmp_path
):
    _redis_or_skip()
    now = timezone.now()
    queue_due_notifications(make_appointment(start=now + timedelta(days=3)), now)
    kill_a_worker_after_its_claim(now)
    env = os.environ | {
        "DATABASE_URL": database_url(),
        "REDIS_URL": REDIS_URL,
        "EMAIL_URL": f"filemail:///{tmp_path}",  # four slashes: an absolute path
        "EMAIL_BACKEND": "",
        "DEBUG": "true",
        "HUEY_IMMEDIATE": "false",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    consumers = [
        subprocess.Popen(  # noqa: S603 — our own manage.py
            [
                *manage,
                "run_huey",
                "--workers",
                "2",
                "--worker-type",
                "thread",
                "--no-periodic",
                "--quiet",
                "--delay",
                "0.05",
            ],
            env=env,
            cwd=ROOT,
        )
        for _ in range(2)
    ]
    try:
        subprocess.run(  # noqa: S603 — our own manage.py
            [
                *manage,
                "shell",
                "-c",
                "from citas.notifications.tasks import send_notifications_now as send\n"
                "for _ in range(30): send()",
            ],
            env=env,
            cwd=ROOT,
            check=True,
            timeout=60,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if Notification.objects.filter(status="sent").count() == TOTAL:
                break
            time.sleep(0.5)
    finally:
        for consumer in consumers:
            consumer.terminate()
        for consumer in consumers:
            consumer.wait(timeout=30)

    recipients = Counter()
    for path in tmp_path.iterdir():
        for chunk in path.read_bytes().split(b"-" * 79):
            if chunk.strip():
                recipients.update(message_from_bytes(chunk.strip()).get_all("To", []))
    assert Notification.objects.filter(status="sent").count() == TOTAL
    assert len(recipients) == TOTAL
    assert max(recipients.values()) == 1
