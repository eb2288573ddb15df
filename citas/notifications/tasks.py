"""Huey tasks: thin wrappers around the sender. Duplicated runs are harmless (see delivery)."""

import os
import socket
import threading

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .delivery import notifications_send_due
from .services import daily_agendas_schedule


def worker_id() -> str:
    """Host, process and thread: Huey's thread workers each hold their own claims."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


@db_periodic_task(crontab(minute="*"))
def send_due_notifications() -> None:
    now = timezone.now()
    daily_agendas_schedule(now=now)
    notifications_send_due(now=now, worker_id=worker_id())


@db_task()
def send_notifications_now() -> None:
    notifications_send_due(now=timezone.now(), worker_id=worker_id())


def enqueue_send_now() -> None:
    """Called on commit after a change, so that confirmations leave within seconds."""
    send_notifications_now()
