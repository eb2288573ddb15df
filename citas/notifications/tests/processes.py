"""Real sender processes for fault tests, and the rows they send."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from citas.notifications.models import Notification, NotificationKind
from citas.notifications.rendering import appointment_snapshot


def queue(appointment, count: int) -> list[int]:
    now = timezone.now()
    payload = appointment_snapshot(appointment, sequence=0)
    Notification.objects.bulk_create(
        Notification(
            practice=appointment.practice,
            appointment=appointment,
            kind=NotificationKind.CONFIRMED,
            recipient=f"persona{i}@example.com",
            due_at=now - timedelta(seconds=1),
            payload=payload,
        )
        for i in range(count)
    )
    return list(Notification.objects.values_list("pk", flat=True))


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(name: str, sink, *, batch: int, deadline: int, margin: int, **extra: str):
    env = (
        os.environ
        | extra
        | {
            "DATABASE_URL": database_url(),
            "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}",
            "EMAIL_BACKEND": "",
            "NOTIFICATIONS_SEND_DEADLINE": str(deadline),
            "WEBHOOKS_DEADLINE": str(deadline),
            "NOTIFICATIONS_LEASE_MARGIN": str(margin),
            "REDIS_URL": "",
        }
    )
    return subprocess.Popen(  # noqa: S603 — our own module
        [sys.executable, "-m", "citas.notifications.tests.worker_process", name, str(batch)],
        env=env,
        cwd=settings.BASE_DIR,
    )


def wait_until_all_sent(total: int, timeout: float) -> None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if Notification.objects.filter(status="sent").count() == total:
            return
        time.sleep(0.1)
    raise AssertionError(
        f"only {Notification.objects.filter(status='sent').count()} of {total} sent"
    )


def stop(*workers) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.kill()
        worker.wait(timeout=10)


def kill_and_take_over(sink, total: int, *, after_messages: int, pause: float) -> None:
    """One worker sends until the sink has `after_messages`, waits `pause`, dies by SIGKILL;
    a second one starts and must finish the job."""
    doomed = start_worker("doomed", sink, batch=total, deadline=3, margin=1)
    survivor = None
    try:
        while len(sink.handler.counts()) < after_messages:
            time.sleep(0.05)
        time.sleep(pause)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
        survivor = start_worker("survivor", sink, batch=total, deadline=3, margin=1)
        wait_until_all_sent(total, timeout=60)
    finally:
        stop(doomed, *([survivor] if survivor else []))
