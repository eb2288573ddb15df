"""Huey tasks: thin wrappers around the sender. Duplicated runs are harmless (see delivery).

Emails and text messages, and webhooks, are sent by separate tasks; a worker process sends
webhooks on one thread at most, so one slow endpoint cannot hold up reminders.
"""

import logging
import os
import socket
import threading
from datetime import timedelta

from django.db import close_old_connections
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, on_startup

from .delivery import (
    MESSAGE_CHANNELS,
    WEBHOOK_CHANNELS,
    next_lease_expiry,
    notifications_send_due,
)
from .failures import failures_digest_schedule
from .health import worker_heartbeat
from .services import daily_agendas_schedule

logger = logging.getLogger(__name__)
BATCH = 100
# Come back for a dead worker's rows when their lease runs out, if that is within this time.
FOLLOW_UP_WITHIN = timedelta(minutes=2)
_webhook_sender = threading.BoundedSemaphore(1)


def worker_id() -> str:
    """Host, process and thread: Huey's thread workers each hold their own leases."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def _drain(channels) -> None:
    """Send batches until nothing is due, then come back when the earliest lease held by
    another (maybe dead) worker runs out."""
    while notifications_send_due(batch=BATCH, worker_id=worker_id(), channels=channels).claimed:
        pass
    expiry = next_lease_expiry(channels=channels)
    now = timezone.now()
    if expiry is not None and expiry - now < FOLLOW_UP_WITHIN:
        task = send_webhooks_now if channels == WEBHOOK_CHANNELS else send_notifications_now
        delay = max((expiry - now).total_seconds(), 0) + 1
        task.schedule(delay=delay)


@db_periodic_task(crontab(minute="*"))
def send_due_notifications() -> None:
    """The sweep: whatever was never enqueued (queue down, a lost enqueue) goes out here."""
    now = timezone.now()
    worker_heartbeat(worker=worker_id(), now=now)
    daily_agendas_schedule(now=now)
    failures_digest_schedule(now=now)
    _enqueue_quietly(send_webhooks_now)
    _drain(MESSAGE_CHANNELS)


@db_task()
def send_notifications_now() -> None:
    _drain(MESSAGE_CHANNELS)


@db_task()
def send_webhooks_now() -> None:
    if not _webhook_sender.acquire(blocking=False):
        return  # another thread of this process is sending webhooks and will find these rows
    try:
        _drain(WEBHOOK_CHANNELS)
    finally:
        _webhook_sender.release()


@on_startup()
def sweep_on_start() -> None:
    """Each worker thread, as it starts: rows left by a crash or never enqueued go now."""
    try:
        worker_heartbeat(worker=worker_id(), now=timezone.now())
        enqueue_send_now()
    finally:
        close_old_connections()


def _enqueue_quietly(task) -> None:
    try:
        task()
    except Exception:
        logger.warning("could not enqueue %s; the periodic sweep will send", task.name)


def enqueue_send_now() -> None:
    """Called on commit after a change, so that messages leave within seconds. Never raises:
    the rows are saved, and the periodic sweep sends them if the queue is unreachable."""
    _enqueue_quietly(send_notifications_now)
    _enqueue_quietly(send_webhooks_now)
